//! A tenant's day outside its devices: mail, directory sign-ins, the identity inventory, and the
//! occasional benign alert analysts have to close.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::activity::{SECOND, ip_of, time_in_day, weighted};
use crate::population::{Tenant, User, guid_of, pick};
use crate::telemetry::{Alert, Telemetry};
use crate::vocabulary::{DOCUMENTS, NOISE_ALERTS, SITES};

const SENDERS: &[(&str, u32)] = &[
    ("microsoft.com", 30),
    ("linkedin.com", 20),
    ("salesforce.com", 10),
    ("docusign.net", 8),
    ("zoom.us", 8),
    ("github.com", 10),
    ("adobe.com", 6),
    ("newsletter.example.org", 12),
];

const SUBJECTS: &[&str] = &[
    "Weekly status",
    "Re: contract review",
    "Your invoice is ready",
    "Meeting notes",
    "Action required: review the document",
    "Team lunch on Friday",
    "Security digest",
    "FW: quarterly numbers",
];

/// An email delivered to `to`, with its URL rows; returns the message id.
pub(crate) struct Mail<'a> {
    pub time: i64,
    pub from: &'a str,
    pub from_name: &'a str,
    pub to: &'a User,
    pub subject: &'a str,
    pub urls: &'a [String],
    pub threat: Option<&'a str>,
    pub sender_ip: &'a str,
}

pub(crate) fn deliver(out: &mut Telemetry, mail: &Mail<'_>) -> String {
    let id = guid_of(&format!("{}/{}/{}", mail.time, mail.to.upn, mail.subject));
    let domain = mail.from.rsplit('@').next().unwrap_or(mail.from);
    let report = out.report().to_string();
    out.email
        .row()
        .t(mail.time)
        .s(&id)
        .s(&format!("<{}@{}>", &id[..13], domain))
        .s(mail.from)
        .s(mail.from)
        .s(mail.from_name)
        .s(domain)
        .s(domain)
        .s(mail.sender_ip)
        .s(&mail.to.upn)
        .s(&mail.to.object_id)
        .s(mail.subject)
        .s("Inbound")
        .s("Delivered")
        .s("Inbox/folder")
        .os(mail.threat)
        .os(mail.threat.map(|_| r#"["URL detonation reputation"]"#))
        .i(0)
        .i(mail.urls.len() as i32)
        .s(if mail.threat.is_some() { "SPF=fail;DKIM=none;DMARC=fail" } else { "SPF=pass;DKIM=pass;DMARC=pass" })
        .s(&report);
    for url in mail.urls {
        let url_domain = url.split('/').nth(2).unwrap_or("");
        out.email_url.row().t(mail.time).s(&id).s(url).s(url_domain).s("Body").s(&report);
    }
    id
}

/// A user's click on a link in mail.
pub(crate) fn click(
    out: &mut Telemetry,
    time: i64,
    url: &str,
    user: &User,
    message: &str,
    ip: &str,
    threat: Option<&str>,
) {
    let report = out.report().to_string();
    out.url_click
        .row()
        .t(time)
        .s(url)
        .s("ClickAllowed")
        .s(&user.upn)
        .s("Email")
        .s(message)
        .os(threat)
        .s(ip)
        .b(true)
        .s(&report);
}

/// A sign-in the domain controller saw.
pub(crate) fn identity_logon(
    tenant: &Tenant,
    out: &mut Telemetry,
    time: i64,
    user: &User,
    from: (&str, &str),
    failure: Option<&str>,
    protocol: &str,
) {
    let report = out.report().to_string();
    out.identity_logon
        .row()
        .t(time)
        .s(if failure.is_some() { "LogonFailed" } else { "LogonSuccess" })
        .s("Active Directory")
        .s(if protocol == "Ntlm" { "Resource access" } else { "Credentials validation" })
        .s(protocol)
        .os(failure)
        .s(&user.account)
        .s(&tenant.netbios)
        .s(&user.upn)
        .s(&user.sid)
        .s(&user.object_id)
        .s(&user.display_name)
        .s(from.0)
        .s(from.1)
        .s(&tenant.devices[0].name)
        .i(88)
        .s(&report);
}

/// Mail, directory sign-ins, identity inventory and noise alerts of one tenant-day.
pub(crate) fn tenant_day(tenant: &Tenant, out: &mut Telemetry, rng: &mut ChaCha8Rng, day_start: i64) {
    for (n, user) in tenant.users.iter().enumerate() {
        let device = tenant.devices.iter().find(|d| d.owner == n && !d.is_server()).unwrap_or(&tenant.devices[0]);
        for _ in 0..rng.random_range(2..8) {
            let domain = *weighted(rng, SENDERS);
            let from = format!("{}@{domain}", pick(rng, &["noreply", "info", "notifications", "team", "billing"]));
            let urls: Vec<String> = if rng.random_bool(0.4) {
                vec![format!("https://{}/{}", weighted(rng, SITES), guid_of(&from)[..8].to_string())]
            } else {
                Vec::new()
            };
            let time = time_in_day(rng, day_start, true);
            let mail = Mail {
                time,
                from: &from,
                from_name: domain,
                to: user,
                subject: pick::<&str>(rng, SUBJECTS),
                urls: &urls,
                threat: None,
                sender_ip: &ip_of(domain),
            };
            let message = deliver(out, &mail);
            if let Some(url) = urls.first().filter(|_| rng.random_bool(0.05)) {
                click(out, time + rng.random_range(30..3600) * SECOND, url, user, &message, &device.ip, None);
            }
        }
        for _ in 0..rng.random_range(1..5) {
            let failure = rng.random_bool(0.05).then_some("WrongPassword");
            let time = time_in_day(rng, day_start, true);
            identity_logon(tenant, out, time, user, (&device.name, &device.ip), failure, "Kerberos");
        }
        let report = out.report().to_string();
        let (given, surname) = user.display_name.split_once(' ').unwrap_or((&user.display_name, ""));
        out.identity_info
            .row()
            .t(day_start + rng.random_range(0..3600) * SECOND)
            .s(&user.object_id)
            .s(&user.upn)
            .s(&user.sid)
            .s(&user.display_name)
            .s(&user.account)
            .s(&tenant.netbios)
            .s(given)
            .s(surname)
            .s(user.department)
            .s(&user.upn)
            .b(true)
            .s("ActiveDirectory")
            .s(&report);
    }
    if rng.random_bool(0.3) {
        let (title, category, severity, technique) = *pick(rng, NOISE_ALERTS);
        let device = pick(rng, &tenant.devices);
        let time = time_in_day(rng, day_start, true);
        let id = format!("da{}", &guid_of(&format!("{}/{time}", tenant.id))[..18].replace('-', ""));
        let techniques = if technique.is_empty() { "[]".to_string() } else { format!(r#"["{technique}"]"#) };
        let report_file = format!("{}.docx", pick(rng, DOCUMENTS));
        out.alert(&Alert {
            id: &id,
            time,
            title,
            category,
            severity,
            techniques: &techniques,
            entity: "Machine",
            file: &report_file,
            command: None,
            account: None,
            device,
        });
    }
}

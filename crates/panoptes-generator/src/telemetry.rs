//! The tables one tenant's generated telemetry goes into, and one typed writer per kind of
//! event. Benign activity and attack scenarios both write through these, so injected attacks
//! look exactly like the data around them.

use std::rc::Rc;

use panoptes_eventstore::StoreError;
use panoptes_eventstore::arrow::record_batch::RecordBatch;

use crate::population::{Device, sha1_hex};
use crate::programs::{BINARIES, Binary};
use crate::rows::{Row, Rows};

/// An account a process runs as.
#[derive(Debug)]
pub(crate) struct Account {
    pub domain: String,
    pub name: String,
    pub sid: String,
    pub upn: Option<String>,
}

/// File hashes of a binary (derived from its name: stable, well-formed, and the same file
/// everywhere, as a real binary's hashes are).
#[derive(Debug)]
pub(crate) struct Hashes {
    pub sha1: String,
    pub sha256: String,
    pub md5: String,
}

pub(crate) fn hashes_of(name: &str) -> Hashes {
    let a = sha1_hex(name);
    let b = sha1_hex(&format!("{name}#256"));
    Hashes { sha256: format!("{a}{}", &b[..24]), md5: b[8..40].to_string(), sha1: a }
}

/// A process that ran on a device.
#[derive(Debug, Clone)]
pub(crate) struct Proc {
    pub bin: &'static Binary,
    pub hashes: Rc<Hashes>,
    pub folder: Rc<str>,
    pub command: String,
    pub pid: i64,
    pub created: i64,
    pub account: Rc<Account>,
    pub integrity: &'static str,
    pub parent_name: &'static str,
    pub parent_pid: i64,
    pub parent_created: i64,
}

impl Proc {
    pub(crate) fn path(&self) -> String {
        format!("{}\\{}", self.folder, self.bin.name)
    }
}

/// Looks a binary up by file name (the vocabulary is static, so a miss is a generator bug and
/// falls back to the first entry rather than failing a run).
pub(crate) fn binary(name: &str) -> &'static Binary {
    BINARIES.iter().find(|b| b.name == name).unwrap_or(&BINARIES[0])
}

/// A process's image cells: name, path, command line, id, start, hashes, size, version info.
fn image<'a>(row: Row<'a>, p: &Proc) -> Row<'a> {
    row.s(p.bin.name)
        .s(&p.path())
        .s(&p.command)
        .l(p.pid)
        .t(p.created)
        .s(&p.hashes.sha1)
        .s(&p.hashes.sha256)
        .s(&p.hashes.md5)
        .l(p.bin.size)
        .s(p.bin.company)
        .s(p.bin.product)
        .s(p.bin.description)
}

/// Domain, name, SID and UPN of the account a process runs as.
fn account<'a>(row: Row<'a>, a: &Account) -> Row<'a> {
    row.s(&a.domain).s(&a.name).s(&a.sid).os(a.upn.as_deref())
}

/// The initiating-process cells (`tables::INITIATING`).
fn initiating<'a>(row: Row<'a>, p: &Proc) -> Row<'a> {
    account(image(row, p), &p.account).s(p.parent_name).l(p.parent_pid).t(p.parent_created)
}

fn device<'a>(row: Row<'a>, time: i64, device: &Device, action: &str) -> Row<'a> {
    row.t(time).s(&device.id).s(&device.name).s(action)
}

/// A network connection's far and near ends.
pub(crate) struct Connection<'a> {
    pub remote_ip: &'a str,
    pub remote_port: i32,
    pub remote_url: Option<&'a str>,
    pub local_ip: &'a str,
    pub local_port: i32,
}

/// A file touched by a process.
pub(crate) struct FileTouch<'a> {
    pub name: &'a str,
    pub folder: &'a str,
    pub size: i64,
    pub previous_name: Option<&'a str>,
    pub origin_url: Option<&'a str>,
}

/// A sign-in on a device.
pub(crate) struct Logon<'a> {
    pub logon_type: &'a str,
    pub account: &'a Account,
    pub protocol: &'a str,
    pub failure: Option<&'a str>,
    pub local_admin: bool,
    pub remote_device: Option<&'a str>,
    pub remote_ip: Option<&'a str>,
}

/// An EDR alert with its one piece of evidence.
pub(crate) struct Alert<'a> {
    pub id: &'a str,
    pub time: i64,
    pub title: &'a str,
    pub category: &'a str,
    pub severity: &'a str,
    /// MITRE technique ids as a JSON list.
    pub techniques: &'a str,
    /// `Process` or `Machine`.
    pub entity: &'a str,
    pub file: &'a str,
    pub command: Option<&'a str>,
    pub account: Option<&'a str>,
    pub device: &'a Device,
}

/// All tables of one tenant's generated telemetry.
pub(crate) struct Telemetry {
    pub process: Rows,
    pub network: Rows,
    pub logon: Rows,
    pub file: Rows,
    pub registry: Rows,
    pub image: Rows,
    pub events: Rows,
    pub info: Rows,
    pub network_info: Rows,
    pub email: Rows,
    pub email_url: Rows,
    pub url_click: Rows,
    pub identity_logon: Rows,
    pub identity_info: Rows,
    pub alert_info: Rows,
    pub alert_evidence: Rows,
    pub(crate) report_id: i64,
}

impl Telemetry {
    /// The next report id (unique per tenant, increasing, as Defender's are per device).
    pub(crate) fn report(&mut self) -> i64 {
        self.report_id += 1;
        self.report_id
    }

    /// Every non-empty table as a batch, leaving the writers empty for more.
    pub(crate) fn take_batches(&mut self) -> Result<Vec<(&'static str, RecordBatch)>, StoreError> {
        let mut out = Vec::new();
        for rows in [
            &mut self.process,
            &mut self.network,
            &mut self.logon,
            &mut self.file,
            &mut self.registry,
            &mut self.image,
            &mut self.events,
            &mut self.info,
            &mut self.network_info,
            &mut self.email,
            &mut self.email_url,
            &mut self.url_click,
            &mut self.identity_logon,
            &mut self.identity_info,
            &mut self.alert_info,
            &mut self.alert_evidence,
        ] {
            if rows.len() > 0 {
                out.push(rows.finish()?);
            }
        }
        Ok(out)
    }

    /// An alert: its `AlertInfo` row and its evidence row.
    pub(crate) fn alert(&mut self, a: &Alert<'_>) {
        const SOURCE: &str = "Microsoft Defender for Endpoint";
        self.alert_info
            .row()
            .t(a.time)
            .s(a.id)
            .s(a.title)
            .s(a.category)
            .s(a.severity)
            .s(SOURCE)
            .s("EDR")
            .s(a.techniques);
        self.alert_evidence
            .row()
            .t(a.time)
            .s(a.id)
            .s(a.title)
            .s(&format!(r#"["{}"]"#, a.category))
            .s(a.techniques)
            .s(SOURCE)
            .s("EDR")
            .s(a.entity)
            .s("Impacted")
            .s(a.file)
            .n()
            .n()
            .os(a.command)
            .os(a.account)
            .n()
            .s(&a.device.id)
            .s(&a.device.name)
            .n()
            .n()
            .s(a.severity);
    }

    /// `parent` started `child`.
    pub(crate) fn process_created(&mut self, dev: &Device, child: &Proc, parent: &Proc) {
        let report = self.report();
        let row = image(device(self.process.row(), child.created, dev, "ProcessCreated"), child)
            .s(child.bin.name)
            .s(child.integrity);
        initiating(account(row, &child.account), parent).s(parent.integrity).l(report);
    }

    pub(crate) fn connection(&mut self, dev: &Device, time: i64, action: &str, c: &Connection<'_>, by: &Proc) {
        let report = self.report();
        let remote_type = if c.remote_ip.starts_with("10.") { "Private" } else { "Public" };
        let row = device(self.network.row(), time, dev, action)
            .s(c.remote_ip)
            .i(c.remote_port)
            .os(c.remote_url)
            .s(c.local_ip)
            .i(c.local_port)
            .s("Tcp")
            .s(remote_type);
        initiating(row, by).s(by.integrity).l(report);
    }

    pub(crate) fn logon(&mut self, dev: &Device, time: i64, l: &Logon<'_>, by: &Proc) {
        let report = self.report();
        let action = if l.failure.is_some() { "LogonFailed" } else { "LogonSuccess" };
        let remote_type = l.remote_ip.map(|ip| if ip.starts_with("10.") { "Private" } else { "Public" });
        let row = device(self.logon.row(), time, dev, action)
            .s(l.logon_type)
            .s(&l.account.domain)
            .s(&l.account.name)
            .s(&l.account.sid)
            .s(l.protocol)
            .os(l.failure)
            .b(l.local_admin)
            .l(time / 1_000_000 % 10_000_000)
            .os(l.remote_device)
            .os(l.remote_ip)
            .os(remote_type);
        initiating(row, by).s(by.integrity).l(report);
    }

    pub(crate) fn file(&mut self, dev: &Device, time: i64, action: &str, f: &FileTouch<'_>, by: &Proc) {
        let report = self.report();
        let hashes = hashes_of(&format!("{}\\{}", f.folder, f.name));
        let row = device(self.file.row(), time, dev, action)
            .s(f.name)
            .s(&format!("{}\\{}", f.folder, f.name))
            .s(&hashes.sha1)
            .s(&hashes.sha256)
            .l(f.size)
            .os(f.previous_name)
            .os(f.origin_url);
        initiating(row, by).s(by.integrity).l(report);
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn registry(
        &mut self,
        dev: &Device,
        time: i64,
        key: &str,
        value: &str,
        data: &str,
        kind: &str,
        by: &Proc,
    ) {
        let report = self.report();
        let row = device(self.registry.row(), time, dev, "RegistryValueSet").s(key).s(value).s(data).s(kind);
        initiating(row, by).s(by.integrity).l(report);
    }

    pub(crate) fn image_load(&mut self, dev: &Device, time: i64, dll: &str, folder: &str, by: &Proc) {
        let report = self.report();
        let hashes = hashes_of(dll);
        let row = device(self.image.row(), time, dev, "ImageLoaded")
            .s(dll)
            .s(&format!("{folder}\\{dll}"))
            .s(&hashes.sha1)
            .s(&hashes.sha256);
        initiating(row, by).s(by.integrity).l(report);
    }

    /// A `DeviceEvents` row: `file` and `command` describe the target, `details` is JSON.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn device_event(
        &mut self,
        dev: &Device,
        time: i64,
        action: &str,
        target: Option<(&str, &str)>,
        command: Option<&str>,
        details: &str,
        by: &Proc,
    ) {
        let report = self.report();
        let row = device(self.events.row(), time, dev, action)
            .os(target.map(|t| t.0))
            .os(target.map(|t| t.1))
            .os(command)
            .s(details);
        initiating(row, by).l(report);
    }
}

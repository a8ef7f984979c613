//! Who and what exists in each generated tenant: its domain, users, workstations and servers.
//! Everything derives from the seed and the tenant's index, so a tenant looks the same however
//! many threads generate it.

use panoptes_domain::TenantId;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::vocabulary::{DEPARTMENTS, FIRST_NAMES, LAST_NAMES, ORGANISATIONS};

/// A generated organisation.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub index: usize,
    pub id: TenantId,
    /// Display name, e.g. "Contoso".
    pub name: String,
    /// DNS domain, e.g. `contoso.com`.
    pub domain: String,
    /// NetBIOS domain, e.g. `CONTOSO`.
    pub netbios: String,
    pub users: Vec<User>,
    pub devices: Vec<Device>,
    /// The domain SID its accounts' SIDs start with.
    pub sid_prefix: String,
}

#[derive(Debug, Clone)]
pub struct User {
    pub account: String,
    pub display_name: String,
    pub upn: String,
    pub sid: String,
    pub object_id: String,
    pub department: &'static str,
    pub admin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceRole {
    Workstation,
    DomainController,
    FileServer,
    SqlServer,
    WebServer,
}

#[derive(Debug, Clone)]
pub struct Device {
    pub name: String,
    pub id: String,
    pub role: DeviceRole,
    pub ip: String,
    pub mac: String,
    pub os_platform: &'static str,
    pub os_version: &'static str,
    pub os_build: i64,
    /// Index into the tenant's users of the device's main user (workstations).
    pub owner: usize,
}

impl Device {
    pub fn is_server(&self) -> bool {
        self.role != DeviceRole::Workstation
    }
}

/// A generator for one purpose (`salt`) of one tenant: independent streams stay stable when
/// another part of the generator changes how many numbers it draws.
pub(crate) fn rng_for(seed: u64, tenant: usize, salt: u64) -> ChaCha8Rng {
    let mixed = seed ^ (tenant as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xD1B5_4A32_D192_ED03);
    ChaCha8Rng::seed_from_u64(mixed)
}

/// Lowercase hex SHA-1 of `text`.
pub(crate) fn sha1_hex(text: &str) -> String {
    sha1_smol::Sha1::from(text).digest().to_string()
}

/// A GUID-shaped id derived from `text`.
pub(crate) fn guid_of(text: &str) -> String {
    let h = sha1_hex(text);
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

pub(crate) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Builds tenant `index` with `devices` devices (a few of them servers).
pub fn tenant(seed: u64, index: usize, devices: usize) -> Tenant {
    let mut rng = rng_for(seed, index, 1);
    let base = ORGANISATIONS[index % ORGANISATIONS.len()];
    let round = index / ORGANISATIONS.len();
    let slug = if round == 0 { base.to_string() } else { format!("{base}{}", round + 1) };
    let mut name = slug.clone();
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let domain = format!("{slug}.com");
    let netbios = slug.to_ascii_uppercase().chars().take(15).collect::<String>();
    let sid_prefix = format!(
        "S-1-5-21-{}-{}-{}",
        rng.random_range(1_000_000_000u32..4_000_000_000),
        rng.random_range(1_000_000_000u32..4_000_000_000),
        rng.random_range(100_000_000u32..999_999_999)
    );
    let id = TenantId::new(format!("{slug}-{}", &sha1_hex(&format!("{seed}/{index}"))[..6]));
    let user_count = devices.max(2);
    let mut users = Vec::with_capacity(user_count);
    let mut taken = std::collections::HashSet::new();
    for n in 0..user_count {
        let first = *pick(&mut rng, FIRST_NAMES);
        let last = *pick(&mut rng, LAST_NAMES);
        let mut account = format!("{}{}", first[..1].to_ascii_lowercase(), last.to_ascii_lowercase());
        let mut suffix = 2;
        while !taken.insert(account.clone()) {
            account = format!("{}{}{suffix}", first[..1].to_ascii_lowercase(), last.to_ascii_lowercase());
            suffix += 1;
        }
        users.push(User {
            upn: format!("{account}@{domain}"),
            display_name: format!("{first} {last}"),
            sid: format!("{sid_prefix}-{}", 1104 + n),
            object_id: guid_of(&format!("{id}/{account}")),
            department: pick::<&str>(&mut rng, DEPARTMENTS),
            admin: n == 0,
            account,
        });
    }
    let third_octet_base = rng.random_range(0..200u32);
    let mut device_list = Vec::with_capacity(devices);
    for n in 0..devices {
        let role = match n {
            0 => DeviceRole::DomainController,
            1 if devices > 4 => DeviceRole::FileServer,
            2 if devices > 8 => DeviceRole::SqlServer,
            3 if devices > 12 => DeviceRole::WebServer,
            _ => DeviceRole::Workstation,
        };
        let host = match role {
            DeviceRole::DomainController => "dc01".to_string(),
            DeviceRole::FileServer => "fs01".to_string(),
            DeviceRole::SqlServer => "sql01".to_string(),
            DeviceRole::WebServer => "web01".to_string(),
            DeviceRole::Workstation => format!("desktop-{}", &sha1_hex(&format!("{id}/{n}"))[..7]),
        };
        let name = format!("{host}.{domain}");
        let (os_platform, os_version, os_build) = match role {
            DeviceRole::Workstation if rng.random_bool(0.6) => ("Windows11", "22H2", 22621),
            DeviceRole::Workstation => ("Windows10", "22H2", 19045),
            _ if rng.random_bool(0.5) => ("WindowsServer2022", "21H2", 20348),
            _ => ("WindowsServer2019", "1809", 17763),
        };
        let ip = format!("10.{}.{}.{}", index % 250, third_octet_base + (n / 250) as u32, 10 + n % 240);
        let mac: Vec<String> = (0..6).map(|_| format!("{:02X}", rng.random::<u8>())).collect();
        device_list.push(Device {
            id: sha1_hex(&format!("{id}|{name}")),
            owner: n % user_count,
            name,
            role,
            ip,
            mac: mac.join("-"),
            os_platform,
            os_version,
            os_build,
        });
    }
    Tenant { index, id, name, domain, netbios, users, devices: device_list, sid_prefix }
}

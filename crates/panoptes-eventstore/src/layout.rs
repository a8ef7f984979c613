//! Where things live in a data directory:
//!
//! ```text
//! <dir>/wal/<segment>.wal                      write-ahead log segments, numbered
//! <dir>/manifest.json                          the committed set of data files
//! <dir>/events/<Table>/tenant=<id>/date=<YYYY-MM-DD>/<uuid>.parquet
//! ```
//!
//! The Hive-style partition folders let DuckDB, Spark or Trino read the files as they are.

use std::path::{Path, PathBuf};

use panoptes_domain::TenantId;

use crate::error::{Result, StoreError};

/// The write-ahead log folder.
pub fn wal_dir(root: &Path) -> PathBuf {
    root.join("wal")
}

/// The manifest file.
pub fn manifest_path(root: &Path) -> PathBuf {
    root.join("manifest.json")
}

/// The folder of all Parquet data.
pub fn events_dir(root: &Path) -> PathBuf {
    root.join("events")
}

/// The partition folder of one table, tenant and day, relative to the data directory.
pub fn partition_dir(table: &str, tenant: &TenantId, day: &str) -> Result<PathBuf> {
    check_tenant(tenant)?;
    Ok(PathBuf::from("events").join(table).join(format!("tenant={}", tenant.as_str())).join(format!("date={day}")))
}

/// Rejects tenant ids that could escape their partition folder or clash on disk.
pub fn check_tenant(tenant: &TenantId) -> Result<()> {
    let id = tenant.as_str();
    let ok = !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(()) } else { Err(StoreError::InvalidTenant(id.to_string())) }
}

/// `YYYY-MM-DD` of a Unix-nanosecond instant (UTC).
pub fn day_of(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    chrono::DateTime::from_timestamp(days * 86_400, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "1970-01-01".into())
}

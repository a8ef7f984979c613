//! Keeping the file set tidy: compaction merges a partition's small files into one, retention
//! drops whole day partitions older than the tenant's retention. Both commit the manifest
//! before deleting files, so a crash leaves at worst an orphan that the next open removes.

use std::collections::BTreeMap;

use panoptes_domain::{TenantId, TenantScope};

use crate::error::{Result, StoreError};
use crate::layout::{day_of, manifest_path};
use crate::manifest::DataFile;
use crate::parquet_io::{DayRows, read_file, sorted_days, write_partition_file};
use crate::store::{EventStore, table_schema};

/// What a compaction pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactReport {
    /// Partitions merged.
    pub partitions: usize,
    /// Files replaced.
    pub files_merged: usize,
}

/// What a retention pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Day partitions dropped.
    pub partitions_dropped: usize,
    /// Rows dropped with them.
    pub rows_dropped: u64,
}

impl EventStore {
    /// Merges each partition's small files into one sorted file.
    pub fn compact(&self) -> Result<CompactReport> {
        let _maintenance = self.lock_maintenance();
        let threshold = self.config().compact_below_bytes;
        let mut partitions: BTreeMap<(String, TenantId, String), Vec<DataFile>> = BTreeMap::new();
        for file in self.all_files().into_iter().filter(|f| f.bytes < threshold) {
            partitions.entry((file.table.clone(), file.tenant.clone(), file.day.clone())).or_default().push(file);
        }
        let mut report = CompactReport::default();
        for ((table, tenant, day), files) in partitions.into_iter().filter(|(_, files)| files.len() > 1) {
            let schema = table_schema(&table)?;
            let batches =
                files.iter().map(|f| read_file(&self.root().join(&f.path), &schema)).collect::<Result<Vec<_>>>()?;
            // One day's files: the merge is one sorted part (the day is the partition's, even
            // should a row's time disagree with it).
            let mut rows = Vec::new();
            let mut time_range = (i64::MAX, i64::MIN);
            for part in sorted_days(&schema, &batches)? {
                rows.extend(part.rows);
                time_range = (time_range.0.min(part.time_range.0), time_range.1.max(part.time_range.1));
            }
            let merged = DayRows { day: day.clone(), rows, time_range };
            let replacement = write_partition_file(self.root(), &table, &tenant, &merged, &batches)?;
            self.replace_files(&files, Some(replacement))?;
            report.partitions += 1;
            report.files_merged += files.len();
        }
        Ok(report)
    }

    /// Drops day partitions older than each tenant's retention, counted back from `now_ns`.
    pub fn apply_retention(&self, now_ns: i64) -> Result<RetentionReport> {
        let _maintenance = self.lock_maintenance();
        let mut expired = Vec::new();
        for file in self.all_files() {
            let days =
                self.config().tenant_retention_days.get(&file.tenant).copied().unwrap_or(self.config().retention_days);
            let cutoff = day_of(now_ns.saturating_sub(i64::from(days) * 86_400_000_000_000));
            if file.day < cutoff {
                expired.push(file);
            }
        }
        let mut report = RetentionReport::default();
        let mut days: Vec<(String, TenantId, String)> =
            expired.iter().map(|f| (f.table.clone(), f.tenant.clone(), f.day.clone())).collect();
        days.sort();
        days.dedup();
        report.partitions_dropped = days.len();
        report.rows_dropped = expired.iter().map(|f| f.rows).sum();
        if !expired.is_empty() {
            self.replace_files(&expired, None)?;
        }
        Ok(report)
    }

    /// Deletes every event of the scope's tenants (a tenant being deleted): buffered rows are
    /// flushed first so the write-ahead log cannot bring them back, then the files go.
    pub fn delete_tenant_data(&self, scope: &TenantScope) -> Result<u64> {
        self.flush()?;
        let _maintenance = self.lock_maintenance();
        let doomed: Vec<DataFile> = self.all_files().into_iter().filter(|f| scope.contains(&f.tenant)).collect();
        let rows = doomed.iter().map(|f| f.rows).sum();
        if !doomed.is_empty() {
            self.replace_files(&doomed, None)?;
        }
        Ok(rows)
    }

    /// Commits `old` → `new` in the manifest, then deletes the old files and empty folders.
    fn replace_files(&self, old: &[DataFile], new: Option<DataFile>) -> Result<()> {
        {
            let mut state = self.write_state();
            let mut manifest = state.manifest.clone();
            manifest.files.retain(|f| !old.contains(f));
            manifest.files.extend(new);
            manifest.commit(&manifest_path(self.root()))?;
            state.manifest = manifest;
        }
        for file in old {
            let path = self.root().join(&file.path);
            std::fs::remove_file(&path).map_err(StoreError::io(&path))?;
            if let Some(folder) = path.parent() {
                // Only succeeds when empty; a non-empty partition keeps its folder.
                let _ = std::fs::remove_dir(folder);
            }
        }
        Ok(())
    }
}

/// A background thread that keeps a store tidy: flushes when enough rows are buffered or the
/// oldest buffered row has waited `flush_every`, and compacts and applies retention every
/// `tidy_every`. Dropping the handle stops it (after the pass under way).
#[derive(Debug)]
pub struct Maintenance {
    stop: std::sync::mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How often the background thread works.
#[derive(Debug, Clone, Copy)]
pub struct MaintenancePlan {
    /// Longest a row waits in memory before a flush.
    pub flush_every: std::time::Duration,
    /// Between compaction and retention passes.
    pub tidy_every: std::time::Duration,
}

impl EventStore {
    /// Starts background maintenance. `now_ns` is the clock retention counts days from.
    pub fn spawn_maintenance(
        store: std::sync::Arc<EventStore>,
        plan: MaintenancePlan,
        now_ns: fn() -> i64,
    ) -> Maintenance {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let tick = plan.flush_every.min(plan.tidy_every).min(std::time::Duration::from_secs(1));
        let thread = std::thread::spawn(move || {
            let mut since_flush = std::time::Duration::ZERO;
            let mut since_tidy = std::time::Duration::ZERO;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                since_flush += tick;
                since_tidy += tick;
                if store.flush_due() || (since_flush >= plan.flush_every && store.buffered_rows() > 0) {
                    since_flush = std::time::Duration::ZERO;
                    if let Err(error) = store.flush() {
                        tracing::error!(%error, "background flush failed; rows stay in the log and memory");
                    }
                }
                if since_tidy >= plan.tidy_every {
                    since_tidy = std::time::Duration::ZERO;
                    if let Err(error) = store.compact().and_then(|_| store.apply_retention(now_ns())) {
                        tracing::error!(%error, "background compaction or retention failed");
                    }
                }
            }
        });
        Maintenance { stop, thread: Some(thread) }
    }
}

impl Drop for Maintenance {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

//! The event store: accept batches durably, keep them queryable from memory at once, flush
//! them to Parquet, and keep the file set tidy (compaction, retention).
//!
//! Append: conform to the table schema → write-ahead log + fsync → acknowledge → buffer.
//! Flush: close the log segment → write the buffered rows of that segment and earlier as
//! Parquet → commit the manifest and drop those rows from the buffer in one step (readers never
//! see them twice or not at all) → delete the covered log segments.
//! Bulk loads (whole input files, generated data) skip the log and the buffer: see [`crate::bulk`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use panoptes_domain::{TenantId, TenantScope};

use crate::catalog::defender_tables;
use crate::error::{Result, StoreError};
use crate::layout::{check_tenant, events_dir, manifest_path, wal_dir};
use crate::manifest::{DataFile, Manifest};
use crate::parquet_io::{sorted_days, write_partition_file};
use crate::schema::conform;
use crate::wal::{ReplayReport, Wal};

/// Tunables.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Flush once this many rows are buffered (callers check [`EventStore::flush_due`]).
    pub flush_rows: usize,
    /// Days of events kept, unless a tenant has its own setting.
    pub retention_days: u32,
    /// Per-tenant retention overrides.
    pub tenant_retention_days: BTreeMap<TenantId, u32>,
    /// Files smaller than this are merged by compaction.
    pub compact_below_bytes: u64,
    /// Memory the row groups a bulk load is writing may hold, all its open files (one per
    /// day) together: past it, the largest row groups are written out early.
    pub row_group_memory: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            flush_rows: 100_000,
            retention_days: 30,
            tenant_retention_days: BTreeMap::new(),
            compact_below_bytes: 64 << 20,
            // Most of a row group's memory is each column writer's fixed share (about 11 MB
            // for DeviceProcessEvents), so a small budget makes many small row groups, each
            // with fresh compression contexts and buffers: 16 MB took 4% more CPU in
            // `panoptes bench ingest`.
            row_group_memory: 64 << 20,
        }
    }
}

/// Proof that rows are durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    /// Rows acknowledged.
    pub rows: usize,
}

/// What opening the store found.
#[derive(Debug, Clone, Default)]
pub struct OpenReport {
    /// Rows replayed from the write-ahead log into memory.
    pub replayed_rows: usize,
    /// Log replay details.
    pub replay: ReplayReport,
    /// Parquet files left by a flush that never committed (their rows were still in the log).
    pub orphan_files_removed: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Buffered {
    pub(crate) segment: u64,
    pub(crate) table: String,
    pub(crate) tenant: TenantId,
    pub(crate) batch: RecordBatch,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) manifest: Manifest,
    pub(crate) buffer: Vec<Buffered>,
}

/// A durable multi-tenant event store in one data directory.
#[derive(Debug)]
pub struct EventStore {
    root: PathBuf,
    config: StoreConfig,
    wal: Mutex<Wal>,
    state: RwLock<State>,
    /// One flush, compaction or retention pass at a time.
    maintenance: Mutex<()>,
    /// Held for the store's lifetime: one process owns a data directory.
    _lock: std::fs::File,
}

impl EventStore {
    /// Opens (or creates) the store in `root`, replaying acknowledged rows the last run had not
    /// flushed yet.
    pub fn open(root: &Path, config: StoreConfig) -> Result<(EventStore, OpenReport)> {
        std::fs::create_dir_all(root).map_err(StoreError::io(root))?;
        // Absolute, because query scans address files by absolute path: a relative data
        // directory (`--data ./data`) would otherwise be read from the wrong place.
        let root = &std::fs::canonicalize(root).map_err(StoreError::io(root))?;
        let lock = lock_directory(root)?;
        let manifest = Manifest::load(&manifest_path(root))?;
        let orphan_files_removed = remove_orphans(root, &manifest)?;
        let (wal, records, replay) = Wal::open(&wal_dir(root), manifest.flushed_through)?;
        let mut buffer = Vec::with_capacity(records.len());
        for record in records {
            let schema = table_schema(&record.table)?;
            let batch = conform(&record.table, &record.batch, &schema, &record.tenant)?;
            buffer.push(Buffered { segment: record.segment, table: record.table, tenant: record.tenant, batch });
        }
        let replayed_rows = buffer.iter().map(|b| b.batch.num_rows()).sum();
        let report = OpenReport { replayed_rows, replay, orphan_files_removed };
        if replayed_rows > 0 || report.replay.torn_tail_bytes > 0 || orphan_files_removed > 0 {
            tracing::info!(?report, root = %root.display(), "event store recovered");
        }
        let store = EventStore {
            root: root.to_path_buf(),
            config,
            wal: Mutex::new(wal),
            state: RwLock::new(State { manifest, buffer }),
            maintenance: Mutex::new(()),
            _lock: lock,
        };
        Ok((store, report))
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The configuration in force.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Appends batches of one tenant durably: when this returns they survive a crash and are
    /// visible to queries. `TenantId` is set from the scope, whatever the batch said.
    pub fn append(&self, scope: &TenantScope, batches: &[(&str, RecordBatch)]) -> Result<Ack> {
        let tenant = scope.single().ok_or(StoreError::WriteScope(scope.tenants().len()))?;
        check_tenant(tenant)?;
        let mut conformed = Vec::with_capacity(batches.len());
        for (table, batch) in batches {
            let schema = table_schema(table)?;
            conformed.push((table.to_string(), conform(table, batch, &schema, tenant)?));
        }
        let rows = conformed.iter().map(|(_, b)| b.num_rows()).sum();
        if rows == 0 {
            return Ok(Ack { rows });
        }
        let entries: Vec<(&str, &TenantId, &RecordBatch)> =
            conformed.iter().map(|(t, b)| (t.as_str(), tenant, b)).collect();
        // The log lock is held until the rows are buffered, so buffer order follows log order.
        let mut wal = self.lock_wal();
        let segment = wal.append(&entries)?;
        let mut state = self.write_state();
        for (table, batch) in conformed {
            state.buffer.push(Buffered { segment, table, tenant: tenant.clone(), batch });
        }
        Ok(Ack { rows })
    }

    /// Adds written files to the committed set in one manifest step (a bulk load's commit).
    pub(crate) fn commit_files(&self, files: &[DataFile]) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let _maintenance = self.lock_maintenance();
        let mut state = self.write_state();
        let mut manifest = state.manifest.clone();
        manifest.files.extend(files.iter().cloned());
        manifest.commit(&manifest_path(&self.root))?;
        state.manifest = manifest;
        Ok(())
    }

    /// Rows waiting in memory for a flush.
    pub fn buffered_rows(&self) -> usize {
        self.read_state().buffer.iter().map(|b| b.batch.num_rows()).sum()
    }

    /// Are enough rows buffered to flush?
    pub fn flush_due(&self) -> bool {
        self.buffered_rows() >= self.config.flush_rows
    }

    /// Writes buffered rows to Parquet and commits them; returns the files written.
    pub fn flush(&self) -> Result<Vec<DataFile>> {
        let _maintenance = self.maintenance.lock().unwrap_or_else(|p| p.into_inner());
        let closed = {
            let mut wal = self.lock_wal();
            if self.read_state().buffer.is_empty() {
                return Ok(Vec::new());
            }
            wal.rotate()?
        };
        let pending: Vec<Buffered> = self.read_state().buffer.iter().filter(|b| b.segment <= closed).cloned().collect();
        let mut groups: BTreeMap<(String, TenantId), Vec<RecordBatch>> = BTreeMap::new();
        for b in pending {
            groups.entry((b.table, b.tenant)).or_default().push(b.batch);
        }
        let mut written = Vec::new();
        for ((table, tenant), batches) in groups {
            let schema = table_schema(&table)?;
            for part in sorted_days(&schema, &batches)? {
                written.push(write_partition_file(&self.root, &table, &tenant, &part, &batches)?);
            }
        }
        {
            let mut state = self.write_state();
            let mut manifest = state.manifest.clone();
            manifest.files.extend(written.iter().cloned());
            manifest.flushed_through = closed;
            manifest.commit(&manifest_path(&self.root))?;
            state.manifest = manifest;
            state.buffer.retain(|b| b.segment > closed);
        }
        self.lock_wal().remove_through(closed)?;
        tracing::debug!(files = written.len(), through = closed, "flushed");
        Ok(written)
    }

    /// Tenants that have any rows, buffered or flushed.
    pub fn tenants(&self) -> Vec<TenantId> {
        let state = self.read_state();
        let mut tenants: Vec<TenantId> = state
            .manifest
            .files
            .iter()
            .map(|f| f.tenant.clone())
            .chain(state.buffer.iter().map(|b| b.tenant.clone()))
            .collect();
        tenants.sort();
        tenants.dedup();
        tenants
    }

    /// The (table, tenant) pairs of the scope that hold rows, buffered or flushed, sorted.
    pub fn tables_with_data(&self, scope: &TenantScope) -> Vec<(String, TenantId)> {
        let state = self.read_state();
        let flushed = state.manifest.files.iter().map(|f| (&f.table, &f.tenant));
        let buffered = state.buffer.iter().map(|b| (&b.table, &b.tenant));
        let mut pairs: Vec<(String, TenantId)> = flushed
            .chain(buffered)
            .filter(|(_, tenant)| scope.contains(tenant))
            .map(|(table, tenant)| (table.clone(), tenant.clone()))
            .collect();
        pairs.sort();
        pairs.dedup();
        pairs
    }

    /// The committed data files of the scope's tenants.
    pub fn files(&self, scope: &TenantScope) -> Vec<DataFile> {
        self.read_state().manifest.files.iter().filter(|f| scope.contains(&f.tenant)).cloned().collect()
    }

    /// Every committed file, for maintenance inside the store.
    pub(crate) fn all_files(&self) -> Vec<DataFile> {
        self.read_state().manifest.files.clone()
    }

    pub(crate) fn read_state(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn write_state(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn lock_maintenance(&self) -> MutexGuard<'_, ()> {
        self.maintenance.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_wal(&self) -> MutexGuard<'_, Wal> {
        self.wal.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The Arrow schema of a table, or an error naming it.
pub fn table_schema(table: &str) -> Result<SchemaRef> {
    defender_tables().get(table).map(|t| t.arrow_schema()).ok_or_else(|| StoreError::UnknownTable(table.to_string()))
}

/// Takes the directory's lock file; the OS releases it when the process ends, even by SIGKILL.
fn lock_directory(root: &Path) -> Result<std::fs::File> {
    let path = root.join("LOCK");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(StoreError::io(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Busy(root.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Io { path, source: e }),
    }
}

/// Deletes Parquet files the manifest does not list (a flush or compaction that crashed
/// before its commit) and temporary files.
fn remove_orphans(root: &Path, manifest: &Manifest) -> Result<usize> {
    let listed: std::collections::HashSet<PathBuf> = manifest.files.iter().map(|f| root.join(&f.path)).collect();
    let mut removed = 0;
    let mut stack = vec![events_dir(root)];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(StoreError::Io { path: dir, source: e }),
        };
        for entry in entries {
            let path = entry.map_err(StoreError::io(&dir))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if !listed.contains(&path) {
                std::fs::remove_file(&path).map_err(StoreError::io(&path))?;
                removed += 1;
            }
        }
    }
    for file in &manifest.files {
        let path = root.join(&file.path);
        if !path.is_file() {
            return Err(StoreError::CorruptFile { path, reason: "listed in the manifest but missing".into() });
        }
    }
    Ok(removed)
}

//! Bulk load: one tenant's rows written straight to Parquet and committed in one manifest step,
//! skipping the write-ahead log and the buffer. Used where the whole load is one unit of work
//! (an input file, generated data): the rows are written once instead of twice, and the load is
//! stored whole or not at all. A load writes one file per table and day: every `flush_rows`
//! rows, each day's share is sorted by time and added to that day's file, so memory holds one
//! flush whatever the size of the load. A crash before the commit leaves only
//! unlisted files, which [`EventStore::open`] removes; a load dropped without committing
//! removes its own.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::Path;

use datafusion::arrow::record_batch::RecordBatch;
use panoptes_domain::{TenantId, TenantScope};

use crate::error::{Result, StoreError};
use crate::layout::check_tenant;
use crate::manifest::DataFile;
use crate::parquet_io::{PartitionWriter, sorted_days};
use crate::schema::conform;
use crate::store::{EventStore, table_schema};

/// A load in progress; nothing in it is visible or durable until [`BulkLoad::commit`].
#[derive(Debug)]
pub struct BulkLoad<'a> {
    store: &'a EventStore,
    tenant: TenantId,
    /// Rows not yet written, by table.
    pending: BTreeMap<String, Vec<RecordBatch>>,
    pending_rows: usize,
    /// Rows held before they are written.
    flush_rows: usize,
    /// The files being written, by table and day.
    files: BTreeMap<(String, String), PartitionWriter>,
    rows: usize,
}

impl EventStore {
    /// Starts a bulk load for the scope's one tenant.
    pub fn bulk_load(&self, scope: &TenantScope) -> Result<BulkLoad<'_>> {
        let tenant = scope.single().ok_or(StoreError::WriteScope(scope.tenants().len()))?;
        check_tenant(tenant)?;
        Ok(BulkLoad {
            store: self,
            tenant: tenant.clone(),
            pending: BTreeMap::new(),
            pending_rows: 0,
            flush_rows: self.config().flush_rows,
            files: BTreeMap::new(),
            rows: 0,
        })
    }

    /// Writes one tenant's batches as a single bulk load; durable when it returns. The caller
    /// holds the rows already, so they are written in one go: each file one sorted run.
    pub fn import(&self, scope: &TenantScope, batches: &[(&str, RecordBatch)]) -> Result<Vec<DataFile>> {
        let mut load = self.bulk_load(scope)?;
        load.flush_rows = usize::MAX;
        for (table, batch) in batches {
            load.add(table, batch)?;
        }
        load.commit()
    }
}

impl BulkLoad<'_> {
    /// Adds rows of `table` (TenantId set from the scope, whatever the batch said). Every
    /// `flush_rows` rows are written out, so memory stays bounded.
    pub fn add(&mut self, table: &str, batch: &RecordBatch) -> Result<()> {
        let schema = table_schema(table)?;
        let batch = conform(table, batch, &schema, &self.tenant)?;
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.pending_rows += batch.num_rows();
        self.rows += batch.num_rows();
        self.pending.entry(table.to_string()).or_default().push(batch);
        if self.pending_rows >= self.flush_rows {
            self.write_pending()?;
        }
        Ok(())
    }

    /// Rows added so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Writes what is pending and commits every file of the load in one manifest step: when
    /// this returns, all its rows are durable and visible.
    pub fn commit(mut self) -> Result<Vec<DataFile>> {
        self.write_pending()?;
        let mut files = Vec::with_capacity(self.files.len());
        // One at a time, so the writers not yet finished stay for `drop` to remove.
        while let Some((_, writer)) = self.files.pop_first() {
            let temporary = writer.temporary().to_path_buf();
            match writer.finish() {
                Ok(file) => files.push(file),
                Err(e) => {
                    remove_quietly(&temporary);
                    for file in &files {
                        remove_quietly(&self.store.root().join(&file.path));
                    }
                    return Err(e);
                }
            }
        }
        // A failed commit may or may not have listed the files: `open` removes them if not.
        self.store.commit_files(&files)?;
        Ok(files)
    }

    fn write_pending(&mut self) -> Result<()> {
        let root = self.store.root().to_path_buf();
        for (table, batches) in std::mem::take(&mut self.pending) {
            let schema = table_schema(&table)?;
            for part in sorted_days(&schema, &batches)? {
                let writer = match self.files.entry((table.clone(), part.day.clone())) {
                    Entry::Occupied(open) => open.into_mut(),
                    Entry::Vacant(slot) => {
                        slot.insert(PartitionWriter::create(&root, &table, &self.tenant, &part.day, &batches)?)
                    }
                };
                writer.write(&part, &batches)?;
            }
        }
        self.pending_rows = 0;
        self.keep_row_groups_within(self.store.config().row_group_memory)
    }

    /// Ends the largest row groups being written until those left hold at most `budget`
    /// bytes: the open files share one budget, so a load over many days writes smaller row
    /// groups rather than holding a full one for every day.
    fn keep_row_groups_within(&mut self, budget: usize) -> Result<()> {
        let mut held: Vec<(usize, &mut PartitionWriter)> =
            self.files.values_mut().map(|writer| (writer.memory_size(), writer)).collect();
        held.sort_by_key(|(memory, _)| std::cmp::Reverse(*memory));
        let mut total: usize = held.iter().map(|(memory, _)| memory).sum();
        for (memory, writer) in held {
            if total <= budget {
                break;
            }
            writer.end_row_group()?;
            total -= memory;
        }
        Ok(())
    }
}

impl Drop for BulkLoad<'_> {
    /// An abandoned load removes the files it was writing (best effort: `open` removes any left).
    fn drop(&mut self) {
        for writer in self.files.values() {
            remove_quietly(writer.temporary());
        }
    }
}

fn remove_quietly(path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        tracing::warn!(path = %path.display(), error = %e, "could not remove a file of an abandoned bulk load");
    }
}

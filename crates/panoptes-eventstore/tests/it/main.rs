//! Integration tests of the event store on real files: write-ahead log recovery, flush and
//! manifest, tenant-scoped tables, pruning, compaction, retention and the ingest formats.

mod bulk;
mod fixtures;
mod ingest;
mod schema;
mod store;
mod wal;
mod windows;

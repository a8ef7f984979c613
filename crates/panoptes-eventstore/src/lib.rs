//! The durable multi-tenant event store: telemetry tables as Parquet on local disk, Hive-
//! partitioned by table, tenant and day, with a write-ahead log so an acknowledged batch
//! survives a crash and an in-memory buffer so queries see it at once.
//!
//! Map: [`store`] (open, append, flush), [`bulk`] (whole loads straight to Parquet), [`wal`] (the log and its replay), [`manifest`] (the
//! committed file set), [`parquet_io`] (partition files), [`maintenance`] (compaction,
//! retention, the background thread), [`provider`] (tenant-scoped DataFusion tables),
//! [`ingest`] (input formats to Arrow batches), [`catalog`] and [`types`] (the hunting schema),
//! [`layout`] (paths).
//!
//! Tenant data is reached only through a `TenantScope`: [`EventStore::append`] takes the
//! tenant from it (never from the rows) and [`EventStore::table`] shows only its tenants' rows.

pub mod bulk;
pub mod catalog;
mod error;
pub mod ingest;
pub mod layout;
pub mod maintenance;
pub mod manifest;
pub mod parquet_io;
pub mod provider;
pub mod schema;
pub mod store;
pub mod types;
pub mod wal;

pub use bulk::BulkLoad;
/// The Arrow version the store's batches use, for crates that build rows for it.
pub use datafusion::arrow;
pub use error::{Result, StoreError};
pub use maintenance::{CompactReport, Maintenance, MaintenancePlan, RetentionReport};
pub use manifest::DataFile;
pub use store::{Ack, EventStore, OpenReport, StoreConfig, table_schema};

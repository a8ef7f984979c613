//! KQL on DataFusion: binds the `panoptes-kql` AST against a catalog of tables, builds
//! DataFusion logical plans with Kusto semantics, runs them with limits and renders results.
//!
//! Map: [`plan`] (AST → `LogicalPlan`), [`functions`] (KQL built-ins as UDFs; vectorized
//! string predicates in `functions::strops`), [`engine`] (catalogs, limits, execution),
//! [`hunt`] (per-tenant and combined multi-tenant runs), [`render`] (Kusto's value forms),
//! [`store_catalog`] (event-store tables for a tenant scope), [`value`] (row values),
//! [`baseline`] (hand-written DataFusion SQL, the benchmark's yardstick). The
//! schema ([`catalog`]) and KQL ↔ Arrow types ([`types`]) come from `panoptes-eventstore`.

pub mod baseline;
pub mod engine;
mod error;
pub mod format;
pub mod functions;
pub mod hunt;
mod memory;
pub mod plan;
pub mod render;
mod store_catalog;
pub mod value;
mod window;

pub use engine::{Cancel, Engine, ExecuteOptions, QueryLimits, ResultTable, SchemaCatalog, TableCatalog};
pub use error::{QueryError, Result};
pub use memory::{LoadError, MemoryCatalog};
pub use panoptes_eventstore::{catalog, types};
pub use store_catalog::StoreCatalog;
pub use window::TimeWindowCatalog;

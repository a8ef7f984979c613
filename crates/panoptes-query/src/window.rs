//! A time window over a catalog: every table with a `Timestamp` column shows only rows in
//! `[start, end)`, as Graph's `Timespan` asks. The filter sits under the query's own plan, so it
//! prunes day partitions and row groups like a `where Timestamp ...` would.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::datasource::{TableProvider, ViewTable, provider_as_source};
use datafusion::logical_expr::{LogicalPlanBuilder, ident, lit};

use crate::engine::TableCatalog;

/// `inner`'s tables restricted to `[start_ns, end_ns)` on `Timestamp`.
pub struct TimeWindowCatalog {
    inner: Arc<dyn TableCatalog>,
    start_ns: i64,
    end_ns: i64,
}

impl TimeWindowCatalog {
    /// The window over `inner` (Unix nanoseconds, end exclusive).
    pub fn new(inner: Arc<dyn TableCatalog>, start_ns: i64, end_ns: i64) -> Self {
        Self { inner, start_ns, end_ns }
    }
}

impl TableCatalog for TimeWindowCatalog {
    fn table(&self, name: &str) -> Option<Arc<dyn TableProvider>> {
        let provider = self.inner.table(name)?;
        let schema = provider.schema();
        let Ok(field) = schema.field_with_name("Timestamp") else { return Some(provider) };
        let DataType::Timestamp(_, zone) = field.data_type() else { return Some(provider) };
        let bound = |ns: i64| lit(ScalarValue::TimestampNanosecond(Some(ns), zone.clone()));
        // `ident`, not `col`: column names keep their case.
        let filter = ident("Timestamp").gt_eq(bound(self.start_ns)).and(ident("Timestamp").lt(bound(self.end_ns)));
        let plan = LogicalPlanBuilder::scan(name, provider_as_source(provider), None)
            .and_then(|b| b.filter(filter))
            .and_then(|b| b.build())
            .ok()?;
        Some(Arc::new(ViewTable::new(plan, None)))
    }

    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }

    fn has_data(&self) -> bool {
        self.inner.has_data()
    }
}

//! The event store's tables for one tenant scope, as the planner's catalog. Built only from a
//! `TenantScope`, so a hunt sees exactly the tenants authorization put in it.

use std::sync::Arc;

use datafusion::datasource::TableProvider;
use panoptes_domain::TenantScope;
use panoptes_eventstore::EventStore;

use crate::engine::TableCatalog;

/// Tables of `store` restricted to `scope`.
#[derive(Debug, Clone)]
pub struct StoreCatalog {
    store: Arc<EventStore>,
    scope: TenantScope,
}

impl StoreCatalog {
    /// The catalog a query over `scope` plans against.
    pub fn new(store: Arc<EventStore>, scope: TenantScope) -> Self {
        Self { store, scope }
    }

    /// The tenants it shows.
    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }
}

impl TableCatalog for StoreCatalog {
    fn table(&self, name: &str) -> Option<Arc<dyn TableProvider>> {
        self.store.table(&self.scope, name).ok()
    }

    fn table_names(&self) -> Vec<String> {
        crate::catalog::defender_tables().keys().cloned().collect()
    }
}

use crate::TenantId;

/// The tenants one piece of work may read or change. Stores take a scope as their first
/// argument and never a raw [`TenantId`], so reaching tenant data always goes through the code
/// that made the scope: authorization in the application layer, or the CLI for a local
/// operator who holds the data directory itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantScope {
    tenants: Vec<TenantId>,
}

impl TenantScope {
    /// A scope for an operator working on the data directory directly (CLI ingest, `kql run
    /// --data`): they can read the files anyway, so the scope is whatever they name.
    pub fn local_operator(tenants: impl IntoIterator<Item = TenantId>) -> Self {
        Self::from_tenants(tenants)
    }

    /// A scope authorization granted. Only the application layer calls this, after the policy
    /// allowed the action in every tenant listed.
    pub fn authorized(tenants: impl IntoIterator<Item = TenantId>) -> Self {
        Self::from_tenants(tenants)
    }

    fn from_tenants(tenants: impl IntoIterator<Item = TenantId>) -> Self {
        let mut tenants: Vec<TenantId> = tenants.into_iter().collect();
        tenants.sort();
        tenants.dedup();
        Self { tenants }
    }

    /// The tenants in scope, sorted.
    pub fn tenants(&self) -> &[TenantId] {
        &self.tenants
    }

    /// Is `tenant` in scope?
    pub fn contains(&self, tenant: &TenantId) -> bool {
        self.tenants.binary_search(tenant).is_ok()
    }

    /// The tenant, when the scope holds exactly one (writes need one).
    pub fn single(&self) -> Option<&TenantId> {
        match self.tenants.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

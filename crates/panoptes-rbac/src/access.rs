use panoptes_domain::{ErrorCode, HasErrorCode, TenantId};

use crate::{Permission, PermissionSet};

/// How a principal came to hold permissions in a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantSource {
    /// A role assignment to a user (or a group it is in) of the tenant itself.
    Member,
    /// A role assignment to the guest account another tenant made for the user.
    Guest,
    /// An active delegated-access relationship naming a group the user is in.
    Delegation {
        /// The relationship's id.
        relationship: String,
    },
    /// A role assignment to a service principal of the tenant.
    ServicePrincipal,
}

impl GrantSource {
    /// Does acting under this grant count as reaching into another tenant's data (and so go
    /// into that tenant's ledger even for reads)?
    pub fn is_external(&self) -> bool {
        !matches!(self, GrantSource::Member)
    }
}

/// Permissions held in one tenant, one way, possibly until a deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The tenant the permissions apply in.
    pub tenant: TenantId,
    /// What may be done there.
    pub permissions: PermissionSet,
    /// Where the grant comes from.
    pub source: GrantSource,
    /// Unix nanoseconds after which the grant no longer holds (delegations end).
    pub expires_ns: Option<i64>,
}

impl Grant {
    fn live(&self, now_ns: i64) -> bool {
        self.expires_ns.is_none_or(|end| now_ns < end)
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// No grant at all in the tenant: the tenant and everything in it answer as missing.
    #[error("not found")]
    NotVisible,
    /// Grants exist but all have ended (a delegation expired).
    #[error("access to this tenant has expired")]
    Expired,
    /// The tenant is visible but the permission is not held.
    #[error("this needs the `{}` permission in the tenant", .0.name())]
    Missing(Permission),
}

impl HasErrorCode for Denied {
    fn error_code(&self) -> ErrorCode {
        match self {
            // An expired grant hides the tenant exactly like no grant.
            Denied::NotVisible | Denied::Expired => ErrorCode::NotFound,
            Denied::Missing(_) => ErrorCode::Forbidden,
        }
    }
}

/// The decision for one tenant of a multi-tenant request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantDecision {
    /// The tenant asked about.
    pub tenant: TenantId,
    /// Allowed, or why not.
    pub outcome: Result<(), Denied>,
}

/// Everything a principal holds, evaluated per request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    grants: Vec<Grant>,
    /// An API token's scopes: only these permissions apply, whatever the grants hold.
    token_scope: Option<PermissionSet>,
}

impl Access {
    /// Access made of `grants`, narrowed to `token_scope` when the request carries a scoped token.
    pub fn new(grants: Vec<Grant>, token_scope: Option<PermissionSet>) -> Self {
        Self { grants, token_scope }
    }

    /// The grants, live or not.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// The permissions held in `tenant` at `now_ns`; why none when there are none.
    pub fn permissions_in(&self, tenant: &TenantId, now_ns: i64) -> Result<PermissionSet, Denied> {
        let mut any = false;
        let mut held = PermissionSet::EMPTY;
        let mut live = false;
        for grant in self.grants.iter().filter(|g| &g.tenant == tenant) {
            any = true;
            if grant.live(now_ns) {
                live = true;
                held = held.union(grant.permissions);
            }
        }
        match (any, live) {
            (false, _) => Err(Denied::NotVisible),
            (true, false) => Err(Denied::Expired),
            (true, true) => Ok(match self.token_scope {
                Some(scope) => PermissionSet::of(
                    &held.permissions().into_iter().filter(|p| scope.contains(*p)).collect::<Vec<_>>(),
                ),
                None => held,
            }),
        }
    }

    /// May the principal do what `permission` allows in `tenant`?
    pub fn authorize(&self, tenant: &TenantId, permission: Permission, now_ns: i64) -> Result<(), Denied> {
        let held = self.permissions_in(tenant, now_ns)?;
        if held.contains(permission) { Ok(()) } else { Err(Denied::Missing(permission)) }
    }

    /// The grant sources in force in `tenant` (for the ledger: who acted, and how).
    pub fn sources_in(&self, tenant: &TenantId, now_ns: i64) -> Vec<&GrantSource> {
        self.grants.iter().filter(|g| &g.tenant == tenant && g.live(now_ns)).map(|g| &g.source).collect()
    }

    /// Tenants with at least one grant (live or ended), sorted.
    pub fn tenants(&self) -> Vec<TenantId> {
        let mut tenants: Vec<TenantId> = self.grants.iter().map(|g| g.tenant.clone()).collect();
        tenants.sort();
        tenants.dedup();
        tenants
    }

    /// Decides `permission` for each requested tenant (all granted tenants when `requested` is
    /// `None`). Requests only narrow: a tenant without a grant is denied, never added.
    pub fn tenants_with(
        &self,
        requested: Option<&[TenantId]>,
        permission: Permission,
        now_ns: i64,
    ) -> Vec<TenantDecision> {
        let mut tenants = match requested {
            Some(list) => list.to_vec(),
            None => self.tenants(),
        };
        tenants.sort();
        tenants.dedup();
        tenants
            .into_iter()
            .map(|tenant| {
                let outcome = self.authorize(&tenant, permission, now_ns);
                TenantDecision { tenant, outcome }
            })
            .collect()
    }
}

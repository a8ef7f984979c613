use panoptes_domain::{TenantId, TenantScope};
use panoptes_rbac::{Grant, GrantSource, PermissionSet};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::principals::single;
use crate::{Conn, DbError, Result};

/// Who a role assignment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// A user: a member of the tenant, or a guest in it.
    User,
    /// A group of the tenant.
    Group,
    /// A service principal of the tenant.
    ServicePrincipal,
}

impl PrincipalKind {
    /// The stored and API name.
    pub fn name(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
            PrincipalKind::ServicePrincipal => "servicePrincipal",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "user" => Ok(PrincipalKind::User),
            "group" => Ok(PrincipalKind::Group),
            "servicePrincipal" => Ok(PrincipalKind::ServicePrincipal),
            other => Err(DbError::Corrupt(format!("principal kind `{other}`"))),
        }
    }
}

/// A role held in a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Its id.
    pub id: String,
    /// The tenant the role applies in.
    pub tenant_id: TenantId,
    /// Who holds it.
    pub principal_kind: PrincipalKind,
    /// The user, group or service principal.
    pub principal_id: String,
    /// The role's name (built-in or custom).
    pub role: String,
    /// What the role allows.
    pub permissions: PermissionSet,
}

/// A guest account: `tenant_id` invited a user of `home_tenant_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guest {
    /// Its id.
    pub id: String,
    /// The inviting tenant.
    pub tenant_id: TenantId,
    /// The invited user.
    pub user_id: String,
    /// The user's home tenant.
    pub home_tenant_id: TenantId,
    /// `invited` or `accepted`.
    pub state: String,
}

/// The life of a delegated-access relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelegationState {
    /// Asked for by the partner, not yet decided.
    Requested,
    /// Approved and running until its end.
    Active,
    /// Refused by the customer.
    Rejected,
    /// Ended early by either side.
    Revoked,
}

impl DelegationState {
    /// The stored and API name.
    pub fn name(self) -> &'static str {
        match self {
            DelegationState::Requested => "requested",
            DelegationState::Active => "active",
            DelegationState::Rejected => "rejected",
            DelegationState::Revoked => "revoked",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        [DelegationState::Requested, DelegationState::Active, DelegationState::Rejected, DelegationState::Revoked]
            .into_iter()
            .find(|s| s.name() == text)
            .ok_or_else(|| DbError::Corrupt(format!("delegation state `{text}`")))
    }
}

/// A delegated-access relationship: the partner's group holds roles in the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    /// Its id.
    pub id: String,
    /// The customer tenant (whose data is reached).
    pub tenant_id: TenantId,
    /// The partner tenant.
    pub partner_tenant_id: TenantId,
    /// The partner's group whose members act.
    pub group_id: String,
    /// Role names asked for.
    pub roles: Vec<String>,
    /// What they allow.
    pub permissions: PermissionSet,
    /// Where it stands.
    pub state: DelegationState,
    /// How long it runs once approved (ns).
    pub duration_ns: i64,
    /// When approved.
    pub starts_ns: Option<i64>,
    /// When it ends.
    pub ends_ns: Option<i64>,
}

fn permissions(row: &AnyRow) -> Result<PermissionSet> {
    let text: String = row.try_get("permissions")?;
    PermissionSet::parse_names(&text).map_err(|e| DbError::Corrupt(e.to_string()))
}

/// Assigns a role in the scope's tenant.
pub async fn assign_role(conn: &mut Conn, scope: &TenantScope, assignment: &Assignment, created_ns: i64) -> Result<()> {
    let tenant = single(scope, &assignment.tenant_id)?;
    sqlx::query(
        "INSERT INTO role_assignments (id, tenant_id, principal_kind, principal_id, role, permissions, created_ns) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&assignment.id)
    .bind(tenant.as_str())
    .bind(assignment.principal_kind.name())
    .bind(&assignment.principal_id)
    .bind(&assignment.role)
    .bind(assignment.permissions.to_names())
    .bind(created_ns)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes an assignment of the scope's tenant.
pub async fn remove_assignment(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<()> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("assignment {id}")))?;
    let done = sqlx::query("DELETE FROM role_assignments WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("assignment {id}")));
    }
    Ok(())
}

/// The assignments of the tenants in scope.
pub async fn list_assignments(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<Assignment>> {
    let mut out = Vec::new();
    for tenant in scope.tenants() {
        let rows = sqlx::query(
            "SELECT id, tenant_id, principal_kind, principal_id, role, permissions FROM role_assignments \
             WHERE tenant_id = $1 ORDER BY created_ns, id",
        )
        .bind(tenant.as_str())
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            out.push(Assignment {
                id: row.try_get("id")?,
                tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
                principal_kind: PrincipalKind::parse(&row.try_get::<String, _>("principal_kind")?)?,
                principal_id: row.try_get("principal_id")?,
                role: row.try_get("role")?,
                permissions: permissions(row)?,
            });
        }
    }
    Ok(out)
}

/// Every grant a principal holds, live or ended, across all tenants: the input of
/// authorization, read before any scope exists.
pub async fn grants_of(conn: &mut Conn, kind: PrincipalKind, id: &str, home: &TenantId) -> Result<Vec<Grant>> {
    let mut grants = Vec::new();
    let direct = sqlx::query(
        "SELECT ra.tenant_id, ra.permissions FROM role_assignments ra \
         WHERE ra.principal_kind = $1 AND ra.principal_id = $2 AND (ra.tenant_id = $3 OR EXISTS ( \
           SELECT 1 FROM guests g WHERE g.tenant_id = ra.tenant_id AND g.user_id = ra.principal_id \
           AND g.state = 'accepted'))",
    )
    .bind(kind.name())
    .bind(id)
    .bind(home.as_str())
    .fetch_all(&mut *conn)
    .await?;
    for row in &direct {
        let tenant = TenantId::new(row.try_get::<String, _>("tenant_id")?);
        let source = match kind {
            PrincipalKind::ServicePrincipal => GrantSource::ServicePrincipal,
            _ if &tenant == home => GrantSource::Member,
            _ => GrantSource::Guest,
        };
        grants.push(Grant { tenant, permissions: permissions(row)?, source, expires_ns: None });
    }
    if kind != PrincipalKind::User {
        return Ok(grants);
    }
    let via_groups = sqlx::query(
        "SELECT ra.tenant_id, ra.permissions FROM role_assignments ra \
         JOIN group_members gm ON gm.group_id = ra.principal_id AND gm.tenant_id = ra.tenant_id \
         WHERE ra.principal_kind = 'group' AND gm.user_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for row in &via_groups {
        let tenant = TenantId::new(row.try_get::<String, _>("tenant_id")?);
        grants.push(Grant { tenant, permissions: permissions(row)?, source: GrantSource::Member, expires_ns: None });
    }
    let delegated = sqlx::query(
        "SELECT d.id, d.tenant_id, d.permissions, d.ends_ns FROM delegations d \
         JOIN group_members gm ON gm.group_id = d.group_id AND gm.tenant_id = d.partner_tenant_id \
         WHERE d.state = 'active' AND gm.user_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for row in &delegated {
        grants.push(Grant {
            tenant: TenantId::new(row.try_get::<String, _>("tenant_id")?),
            permissions: permissions(row)?,
            source: GrantSource::Delegation { relationship: row.try_get("id")? },
            expires_ns: row.try_get("ends_ns")?,
        });
    }
    Ok(grants)
}

/// Invites a user of another tenant into the scope's tenant.
pub async fn insert_guest(conn: &mut Conn, scope: &TenantScope, guest: &Guest, created_ns: i64) -> Result<()> {
    let tenant = single(scope, &guest.tenant_id)?;
    sqlx::query(
        "INSERT INTO guests (id, tenant_id, user_id, home_tenant_id, state, created_ns) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&guest.id)
    .bind(tenant.as_str())
    .bind(&guest.user_id)
    .bind(guest.home_tenant_id.as_str())
    .bind(&guest.state)
    .bind(created_ns)
    .execute(conn)
    .await?;
    Ok(())
}

/// Guest accounts in the scope's tenants, or (for `user_id`) the user's own invitations.
/// Each is an indexed lookup: the cost follows the rows asked for, not the instance's size.
pub async fn guests_of(conn: &mut Conn, scope: Option<&TenantScope>, user_id: Option<&str>) -> Result<Vec<Guest>> {
    const SELECT: &str = "SELECT id, tenant_id, user_id, home_tenant_id, state FROM guests";
    let mut lookups: Vec<(&str, String)> = Vec::new();
    for tenant in scope.map(TenantScope::tenants).into_iter().flatten() {
        lookups.push(("tenant_id", tenant.to_string()));
    }
    if let Some(user) = user_id {
        lookups.push(("user_id", user.to_string()));
    }
    let mut out: Vec<Guest> = Vec::new();
    for (column, value) in lookups {
        let rows = sqlx::query(&format!("{SELECT} WHERE {column} = $1 ORDER BY created_ns, id"))
            .bind(value)
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            let guest = Guest {
                id: row.try_get("id")?,
                tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
                user_id: row.try_get("user_id")?,
                home_tenant_id: TenantId::new(row.try_get::<String, _>("home_tenant_id")?),
                state: row.try_get("state")?,
            };
            if !out.iter().any(|g| g.id == guest.id) {
                out.push(guest);
            }
        }
    }
    Ok(out)
}

/// Sets an invitation's state (the invited user accepting it).
pub async fn set_guest_state(conn: &mut Conn, guest_id: &str, user_id: &str, state: &str) -> Result<()> {
    let done = sqlx::query("UPDATE guests SET state = $1 WHERE id = $2 AND user_id = $3")
        .bind(state)
        .bind(guest_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("invitation {guest_id}")));
    }
    Ok(())
}

/// Removes a guest from the scope's tenant, with the roles it held there.
pub async fn remove_guest(conn: &mut Conn, scope: &TenantScope, guest_id: &str) -> Result<Guest> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("guest {guest_id}")))?;
    let guests = guests_of(&mut *conn, Some(scope), None).await?;
    let guest = guests
        .into_iter()
        .find(|g| g.id == guest_id && &g.tenant_id == tenant)
        .ok_or_else(|| DbError::NotFound(format!("guest {guest_id}")))?;
    sqlx::query("DELETE FROM role_assignments WHERE tenant_id = $1 AND principal_kind = 'user' AND principal_id = $2")
        .bind(tenant.as_str())
        .bind(&guest.user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM guests WHERE id = $1").bind(guest_id).execute(conn).await?;
    Ok(guest)
}

const DELEGATION_COLUMNS: &str =
    "id, tenant_id, partner_tenant_id, group_id, roles, permissions, state, duration_ns, starts_ns, ends_ns";

fn delegation_from_row(row: &AnyRow) -> Result<Delegation> {
    let roles: String = row.try_get("roles")?;
    Ok(Delegation {
        id: row.try_get("id")?,
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        partner_tenant_id: TenantId::new(row.try_get::<String, _>("partner_tenant_id")?),
        group_id: row.try_get("group_id")?,
        roles: roles.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect(),
        permissions: permissions(row)?,
        state: DelegationState::parse(&row.try_get::<String, _>("state")?)?,
        duration_ns: row.try_get("duration_ns")?,
        starts_ns: row.try_get("starts_ns")?,
        ends_ns: row.try_get("ends_ns")?,
    })
}

/// Records a partner's request; `scope` is the partner's, and the group must be the partner's.
pub async fn insert_delegation(
    conn: &mut Conn,
    scope: &TenantScope,
    request: &Delegation,
    created_ns: i64,
) -> Result<()> {
    let partner = single(scope, &request.partner_tenant_id)?;
    let group: Option<(String,)> = sqlx::query_as("SELECT id FROM groups WHERE id = $1 AND tenant_id = $2")
        .bind(&request.group_id)
        .bind(partner.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    if group.is_none() {
        return Err(DbError::NotFound(format!("group {}", request.group_id)));
    }
    sqlx::query(&format!(
        "INSERT INTO delegations ({DELEGATION_COLUMNS}, created_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&request.id)
    .bind(request.tenant_id.as_str())
    .bind(partner.as_str())
    .bind(&request.group_id)
    .bind(request.roles.join(","))
    .bind(request.permissions.to_names())
    .bind(request.state.name())
    .bind(request.duration_ns)
    .bind(request.starts_ns)
    .bind(request.ends_ns)
    .bind(created_ns)
    .execute(conn)
    .await?;
    Ok(())
}

/// Relationships where a tenant in scope is the customer or the partner (indexed lookups).
pub async fn delegations_of(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<Delegation>> {
    let mut out: Vec<Delegation> = Vec::new();
    for tenant in scope.tenants() {
        for column in ["tenant_id", "partner_tenant_id"] {
            let rows = sqlx::query(&format!(
                "SELECT {DELEGATION_COLUMNS} FROM delegations WHERE {column} = $1 ORDER BY created_ns, id"
            ))
            .bind(tenant.as_str())
            .fetch_all(&mut *conn)
            .await?;
            for row in &rows {
                let delegation = delegation_from_row(row)?;
                if !out.iter().any(|d| d.id == delegation.id) {
                    out.push(delegation);
                }
            }
        }
    }
    Ok(out)
}

/// One relationship visible to the scope.
pub async fn delegation(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<Delegation> {
    delegations_of(conn, scope)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| DbError::NotFound(format!("delegation {id}")))
}

/// Writes a relationship's state and times; the caller checked the transition is allowed.
pub async fn set_delegation(conn: &mut Conn, scope: &TenantScope, delegation: &Delegation) -> Result<()> {
    if !scope.contains(&delegation.tenant_id) && !scope.contains(&delegation.partner_tenant_id) {
        return Err(DbError::NotFound(format!("delegation {}", delegation.id)));
    }
    sqlx::query("UPDATE delegations SET state = $1, starts_ns = $2, ends_ns = $3 WHERE id = $4")
        .bind(delegation.state.name())
        .bind(delegation.starts_ns)
        .bind(delegation.ends_ns)
        .bind(&delegation.id)
        .execute(conn)
        .await?;
    Ok(())
}

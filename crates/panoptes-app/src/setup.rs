//! Setting up an instance: the first tenant and instance administrator (no caller exists yet),
//! and the demo's customer tenants and people with their grants.

use panoptes_db::{PrincipalKind, Tenant, User};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_rbac::BuiltInRole;

use crate::auth::hash_password;
use crate::directory::{DelegationRequest, NewUser, assignment};
use crate::tenancy::CAPABILITIES;
use crate::{App, AppError, Caller, Result, new_id};

/// A demo sign-in to print.
#[derive(Debug, Clone)]
pub struct DemoPerson {
    /// Sign-in name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Who it is and what it reaches.
    pub description: String,
}

/// Creates the provider tenant and its first administrator (also an instance administrator),
/// when the instance has no tenant yet. Returns the administrator as a caller.
pub async fn bootstrap_instance(app: &App, provider: &str, username: &str, password: &str) -> Result<Caller> {
    let mut conn = app.db.conn().await?;
    if !panoptes_db::all_tenants(&mut conn).await?.is_empty() {
        return Err(AppError::Conflict("the instance already has tenants; sign in as its administrator".into()));
    }
    drop(conn);
    let now = app.now_ns();
    let tenant = Tenant {
        id: TenantId::new(new_id()),
        name: provider.to_string(),
        capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
        status: "active".into(),
        retention_days: 30,
        created_ns: now,
        external_tenant_id: None,
    };
    let user = User {
        id: new_id(),
        tenant_id: tenant.id.clone(),
        username: username.to_string(),
        display_name: "Instance administrator".into(),
        password_hash: Some(hash_password(password)?),
        failed_attempts: 0,
        locked_until_ns: 0,
        instance_admin: true,
    };
    let role = BuiltInRole::Administrator;
    let assignment =
        assignment(tenant.id.clone(), PrincipalKind::User, user.id.clone(), role.name().into(), role.permissions());
    let scope = TenantScope::authorized([tenant.id.clone()]);
    let mut tx = app.db.begin().await?;
    panoptes_db::insert_tenant(&mut tx, &tenant).await?;
    panoptes_db::insert_user(&mut tx, &user, now).await?;
    panoptes_db::assign_role(&mut tx, &scope, &assignment, now).await?;
    tx.commit().await.map_err(panoptes_db::DbError::from)?;
    app.caller(PrincipalKind::User, &user.id, None, "bootstrap").await
}

/// Demo people over `customers` (ids and names of tenants whose telemetry exists):
/// an MSSP analyst who reaches most customers (as a guest in half, by delegation in the rest)
/// but not the last two, a customer administrator and a read-only auditor of the first.
pub async fn seed_demo(app: &App, admin: &Caller, customers: &[(TenantId, String)]) -> Result<Vec<DemoPerson>> {
    const PASSWORD: &str = "panoptes-demo";
    let mut people = Vec::new();
    let all: Vec<String> = CAPABILITIES.iter().map(|c| c.to_string()).collect();
    let now = app.now_ns();
    let mut tx = app.db.begin().await?;
    for (id, name) in customers {
        let tenant = Tenant {
            id: id.clone(),
            name: name.clone(),
            capabilities: all.clone(),
            status: "active".into(),
            retention_days: 30,
            created_ns: now,
            external_tenant_id: None,
        };
        panoptes_db::insert_tenant(&mut tx, &tenant).await?;
        app.record(&mut tx, admin, id, "tenant.create", name, serde_json::json!({})).await?;
        // The demo customers' administrators, so guests and delegations can be granted by them.
        let user = User {
            id: new_id(),
            tenant_id: id.clone(),
            username: format!("admin@{}", slug(name)),
            display_name: format!("{name} administrator"),
            password_hash: None,
            failed_attempts: 0,
            locked_until_ns: 0,
            instance_admin: false,
        };
        panoptes_db::insert_user(&mut tx, &user, now).await?;
        let role = BuiltInRole::Administrator;
        let assignment =
            assignment(id.clone(), PrincipalKind::User, user.id.clone(), role.name().into(), role.permissions());
        panoptes_db::assign_role(&mut tx, &TenantScope::authorized([id.clone()]), &assignment, now).await?;
    }
    tx.commit().await.map_err(panoptes_db::DbError::from)?;
    let hash = hash_password(PASSWORD)?;

    let analyst = app
        .create_user(
            admin,
            NewUser {
                tenant: admin.home.clone(),
                username: "analyst@mssp".into(),
                display_name: "MSSP analyst".into(),
                password: PASSWORD.into(),
                roles: vec!["analyst".into()],
            },
        )
        .await?;
    let soc = app.create_group(admin, &admin.home, "SOC analysts", std::slice::from_ref(&analyst.id)).await?;
    let reachable = customers.len().saturating_sub(2);
    let guests = reachable.div_ceil(2);
    for (index, (id, name)) in customers.iter().enumerate().take(reachable) {
        let customer_admin = customer_admin(app, id, name).await?;
        let roles = vec!["analyst".to_string(), "crossTenant.analytics".to_string()];
        if index < guests {
            let guest = app.invite_guest(&customer_admin, id, "analyst@mssp", roles).await?;
            let analyst_caller = app.caller(PrincipalKind::User, &analyst.id, None, "demo").await?;
            app.accept_invitation(&analyst_caller, &guest.id).await?;
        } else {
            let request = DelegationRequest {
                customer: id.clone(),
                group_id: soc.id.clone(),
                roles: roles.clone(),
                duration_days: 90,
            };
            let delegation = app.request_delegation(admin, request).await?;
            app.decide_delegation(&customer_admin, id, &delegation.id, true).await?;
        }
    }
    people.push(DemoPerson {
        username: "analyst@mssp".into(),
        password: PASSWORD.into(),
        description: format!(
            "MSSP analyst: guest in {guests} customers, delegated access to {} more, none in the last {}",
            reachable - guests,
            customers.len() - reachable
        ),
    });
    if let Some((id, name)) = customers.first() {
        let slugged = slug(name);
        let mut conn = app.db.conn().await?;
        let admin_user = panoptes_db::user_by_username(&mut conn, &format!("admin@{slugged}"))
            .await?
            .ok_or_else(|| AppError::Internal("demo customer admin missing".into()))?;
        panoptes_db::set_password_hash(&mut conn, &admin_user.id, &hash).await?;
        drop(conn);
        people.push(DemoPerson {
            username: admin_user.username,
            password: PASSWORD.into(),
            description: format!("customer administrator of {name}"),
        });
        let auditor_admin = customer_admin(app, id, name).await?;
        let new = NewUser {
            tenant: id.clone(),
            username: format!("auditor@{slugged}"),
            display_name: format!("{name} auditor"),
            password: PASSWORD.into(),
            roles: vec!["auditor".into(), "reader".into()],
        };
        let auditor = app.create_user(&auditor_admin, new).await?;
        people.push(DemoPerson {
            username: auditor.username,
            password: PASSWORD.into(),
            description: format!("read-only auditor of {name}"),
        });
    }
    Ok(people)
}

async fn customer_admin(app: &App, id: &TenantId, name: &str) -> Result<Caller> {
    let mut conn = app.db.conn().await?;
    let user = panoptes_db::user_by_username(&mut conn, &format!("admin@{}", slug(name)))
        .await?
        .filter(|u| &u.tenant_id == id)
        .ok_or_else(|| AppError::Internal(format!("no administrator for {name}")))?;
    drop(conn);
    app.caller(PrincipalKind::User, &user.id, None, "demo").await
}

fn slug(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

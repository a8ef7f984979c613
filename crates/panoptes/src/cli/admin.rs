//! `panoptes tenant | user | token`: administration from the command line. Each command signs
//! in as an existing user (`--as`, password from `PANOPTES_PASSWORD` or `--as-password`) and
//! runs the same use case the API runs, so authorization and the ledger apply exactly as there.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use panoptes_app::{Caller, NewTenant, NewUser, TenantChanges};
use panoptes_domain::TenantId;

use super::serve::{Instance, open};

#[derive(Debug, Args)]
pub(crate) struct AdminArgs {
    /// The data directory of the instance.
    #[arg(long, env = "PANOPTES_DATA")]
    data: PathBuf,
    /// Operational store URL (default: ops.db in --data).
    #[arg(long, env = "PANOPTES_DATABASE_URL")]
    database: Option<String>,
    /// Act as this user (its roles decide what is allowed).
    #[arg(long = "as", env = "PANOPTES_USER")]
    user: String,
    /// That user's password.
    #[arg(long = "as-password", env = "PANOPTES_PASSWORD", hide_env_values = true)]
    password: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TenantCommand {
    /// On a new instance: create the provider tenant with `--as` as its administrator (and the
    /// instance administrator).
    Init {
        /// The provider tenant's name.
        #[arg(long, default_value = "Provider")]
        provider: String,
    },
    /// Tenants the user reaches (every tenant for an instance administrator), with status.
    List,
    /// Create a tenant, optionally with its first administrator.
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
        /// Plan capabilities, comma separated (hunting, detections, vulnerabilityManagement, ...).
        #[arg(long, value_delimiter = ',', default_value = "hunting,detections")]
        capabilities: Vec<String>,
        /// Days of events kept.
        #[arg(long, default_value_t = 30)]
        retention_days: i64,
        /// First administrator's user name.
        #[arg(long, requires = "admin_password")]
        admin_user: Option<String>,
        /// First administrator's password.
        #[arg(long)]
        admin_password: Option<String>,
    },
    /// Change a tenant's name, retention, status or external (Entra) tenant id.
    Update {
        /// The tenant's id.
        id: String,
        /// New display name.
        #[arg(long)]
        name: Option<String>,
        /// Days of events kept.
        #[arg(long)]
        retention_days: Option<i64>,
        /// `active` or `suspended` (instance administrators).
        #[arg(long)]
        status: Option<String>,
        /// The tenant id streamed Defender records carry; "" clears it.
        #[arg(long)]
        external_tenant_id: Option<String>,
    },
    /// Delete a tenant and all its data.
    Delete {
        /// The tenant's id.
        id: String,
        /// Its name, repeated to confirm.
        #[arg(long)]
        confirm: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create a user in a tenant with roles there.
    Create {
        /// The home tenant's id.
        #[arg(long)]
        tenant: String,
        /// Sign-in name.
        #[arg(long)]
        username: String,
        /// Initial password (12 characters at least).
        #[arg(long)]
        password: String,
        /// Built-in roles or permission names, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "reader")]
        roles: Vec<String>,
    },
    /// A tenant's users.
    List {
        /// The tenant's id.
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Issue an API token to the signed-in user or to a service principal; printed once.
    Issue {
        /// A service principal's id (default: the user itself).
        #[arg(long)]
        service_principal: Option<String>,
        /// Permission names the token is limited to, comma separated (default: all the grants).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// Lifetime in days.
        #[arg(long, default_value_t = 30)]
        days: u64,
    },
    /// Revoke a token.
    Revoke {
        /// The owner's tenant id.
        #[arg(long)]
        tenant: String,
        /// The token's id.
        id: String,
    },
}

fn signed_in(args: &AdminArgs) -> anyhow::Result<(Instance, Caller)> {
    let instance = open(&args.data, args.database.as_deref())?;
    let caller = instance
        .http
        .block_on(instance.app.sign_in(&args.user, &args.password, "cli"))
        .context("signing in (check --as and PANOPTES_PASSWORD)")?
        .caller;
    Ok((instance, caller))
}

pub(crate) fn run_tenant(args: AdminArgs, command: TenantCommand) -> anyhow::Result<ExitCode> {
    if let TenantCommand::Init { provider } = &command {
        let instance = open(&args.data, args.database.as_deref())?;
        let bootstrap = panoptes_app::bootstrap_instance(&instance.app, provider, &args.user, &args.password);
        let caller = instance.http.block_on(bootstrap).context("creating the provider tenant")?;
        println!("created the provider tenant {provider} ({}) with administrator {}", caller.home, args.user);
        return Ok(ExitCode::SUCCESS);
    }
    let (instance, caller) = signed_in(&args)?;
    let app = &instance.app;
    match command {
        TenantCommand::Init { .. } => {}
        TenantCommand::List => {
            let views = instance.http.block_on(app.my_tenants(&caller))?;
            for view in views {
                println!("{}\t{}\t{}", view.tenant_id, view.tenant_name, view.status);
            }
            if caller.instance_admin {
                for tenant in instance.http.block_on(app.all_tenants(&caller))? {
                    println!("{}\t{}\t(instance)", tenant.id, tenant.name);
                }
            }
        }
        TenantCommand::Create { name, capabilities, retention_days, admin_user, admin_password } => {
            let first_admin = admin_user.zip(admin_password);
            let new = NewTenant { name, capabilities, retention_days, first_admin };
            let tenant = instance.http.block_on(app.create_tenant(&caller, new))?;
            println!("created tenant {} ({})", tenant.id, tenant.name);
        }
        TenantCommand::Update { id, name, retention_days, status, external_tenant_id } => {
            let changes = TenantChanges { name, capabilities: None, status, retention_days, external_tenant_id };
            let tenant = instance.http.block_on(app.update_tenant(&caller, &TenantId::new(id), changes))?;
            let external = tenant.external_tenant_id.as_deref().unwrap_or("-");
            println!(
                "{}\t{}\t{}\tretention {} days\texternal id {external}",
                tenant.id, tenant.name, tenant.status, tenant.retention_days
            );
        }
        TenantCommand::Delete { id, confirm } => {
            let rows = instance.http.block_on(app.delete_tenant(&caller, &TenantId::new(id.clone()), &confirm))?;
            println!("deleted tenant {id} and {rows} events");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_user(args: AdminArgs, command: UserCommand) -> anyhow::Result<ExitCode> {
    let (instance, caller) = signed_in(&args)?;
    match command {
        UserCommand::Create { tenant, username, password, roles } => {
            let new =
                NewUser { tenant: TenantId::new(tenant), display_name: username.clone(), username, password, roles };
            let user = instance.http.block_on(instance.app.create_user(&caller, new))?;
            println!("created user {} ({})", user.username, user.id);
        }
        UserCommand::List { tenant } => {
            for user in instance.http.block_on(instance.app.users(&caller, &TenantId::new(tenant)))? {
                println!("{}\t{}\t{}", user.id, user.username, user.display_name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_token(args: AdminArgs, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let (instance, caller) = signed_in(&args)?;
    match command {
        TokenCommand::Issue { service_principal, scopes, days } => {
            let scopes = panoptes_rbac::PermissionSet::parse_names(&scopes.join(","))?;
            let lifetime = std::time::Duration::from_secs(days.clamp(1, 365) * 86_400);
            let token = instance.http.block_on(instance.app.issue_token(
                &caller,
                service_principal.as_deref(),
                scopes,
                lifetime,
            ))?;
            println!("token {} (shown once; store it now):\n{}", token.id, token.secret);
        }
        TokenCommand::Revoke { tenant, id } => {
            instance.http.block_on(instance.app.revoke_token(&caller, &TenantId::new(tenant), &id))?;
            println!("revoked token {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! The operational store: tenants, users, groups, service principals, role assignments,
//! guests, delegations, sessions, API tokens, saved hunting queries, the multi-tenant view and the hash-chained audit
//! ledger. One code path over SQLite (the embedded default, WAL mode) and PostgreSQL through
//! sqlx's `Any` driver; the migrations use a dialect subset both accept.
//!
//! Map: [`Db`] connects and migrates; each module holds the statements of one kind of row and
//! takes a connection (`&mut *transaction` for changes, so a change and its ledger entry commit
//! together). Tenant-owned rows are read and changed under a [`panoptes_domain::TenantScope`];
//! identity lookups that come before authorization (sign-in, grants of a principal) take ids.

mod audit;
mod db;
mod error;
mod federation;
mod grants;
mod principals;
mod roles;
mod saved_queries;
mod sessions;
mod tenants;
mod views;

pub use audit::{AuditEntry, NewAuditEntry, append_audit, list_audit, verify_audit};
pub use db::{Backend, Conn, Db, Tx};
pub use error::{DbError, Result};
pub use federation::{
    IdentityProvider, bind_identity, bound_user, delete_identity_provider, identity_provider, identity_providers_of,
    insert_identity_provider,
};
pub use grants::{
    Assignment, Delegation, DelegationState, Guest, PrincipalKind, assign_role, delegation, delegations_of, grants_of,
    guests_of, insert_delegation, insert_guest, list_assignments, remove_assignment, remove_guest, set_delegation,
    set_guest_state,
};
pub use principals::{
    Group, ServicePrincipal, User, add_group_member, group_in, insert_group, insert_service_principal, insert_user,
    record_sign_in_failure, reset_sign_in_failures, service_principal, service_principals_of, set_password_hash,
    user_by_id, user_by_username, users_of,
};
pub use roles::{CustomRole, custom_roles_of, delete_custom_role, insert_custom_role};
pub use saved_queries::{
    SavedQuery, delete_saved_query, insert_saved_query, saved_queries_of, saved_query, saved_query_tenant,
};
pub use sessions::{
    ApiToken, Session, api_token_by_hash, delete_session, delete_sessions_of_user, insert_api_token, insert_session,
    revoke_api_token, session_by_hash, tokens_of, touch_session,
};
pub use tenants::{Tenant, all_tenants, delete_tenant, insert_tenant, tenant, tenants_by_id, update_tenant};
pub use views::{TenantGroup, add_to_view, insert_tenant_group, remove_from_view, tenant_groups_of, view_of};

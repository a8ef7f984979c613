//! The operational store: tenants, users, groups, service principals, role assignments,
//! guests, delegations, sessions, API tokens, saved hunting queries, incidents, alerts, detection rules and their runs, the multi-tenant view and the hash-chained audit
//! ledger. One code path over SQLite (the embedded default, WAL mode) and PostgreSQL through
//! sqlx's `Any` driver; the migrations use a dialect subset both accept.
//!
//! Map: [`Db`] connects and migrates; each module holds the statements of one kind of row and
//! takes a connection (`&mut *transaction` for changes, so a change and its ledger entry commit
//! together). Tenant-owned rows are read and changed under a [`panoptes_domain::TenantScope`];
//! identity lookups that come before authorization (sign-in, grants of a principal) take ids.

mod alerts;
mod audit;
mod db;
mod detection_rules;
mod error;
mod federation;
mod filter;
mod grants;
mod incidents;
mod oidc_flows;
mod principals;
mod roles;
mod saved_queries;
mod sessions;
mod tenants;
mod views;

pub use alerts::{
    Alert, alert, alert_tenant, alerts_of_incident, correlated_incident, insert_alert, insert_alert_entities,
    list_alerts, update_alert,
};
pub use audit::{AuditEntry, NewAuditEntry, append_audit, list_audit, verify_audit};
pub use db::{Backend, Conn, Db, Tx};
pub use detection_rules::{
    DetectionRule, RuleRun, delete_detection_rule, detection_rule, detection_rule_tenant, detection_rules_of,
    due_detection_rules, insert_detection_rule, insert_rule_run, rule_runs, update_detection_rule,
};
pub use error::{DbError, Result};
pub use federation::{
    IdentityProvider, bind_identity, bound_user, claim_provider_domains, delete_identity_provider, identity_provider,
    identity_providers_of, insert_identity_provider, provider_domains_of, provider_for_domain,
};
pub use filter::{CompareOp, Filter, FilterValue, ListQuery};
pub use grants::{
    Assignment, Delegation, DelegationState, Guest, PrincipalKind, assign_role, delegation, delegations_of, grants_of,
    guests_of, insert_delegation, insert_guest, list_assignments, remove_assignment, remove_guest, set_delegation,
    set_guest_state,
};
pub use incidents::{
    Incident, IncidentLogEntry, append_incident_log, incident, incident_log, incident_tenant, insert_incident,
    list_incidents, next_incident_id, update_incident,
};
pub use oidc_flows::{OidcFlow, delete_oidc_flows_before, insert_oidc_flow, take_oidc_flow};
pub use principals::{
    Group, ServicePrincipal, User, add_group_member, group_in, groups_of, insert_group, insert_service_principal,
    insert_user, record_sign_in_failure, reset_sign_in_failures, service_principal, service_principals_of,
    set_password_hash, user_by_id, user_by_username, users_of,
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

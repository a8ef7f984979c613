//! Use cases: each authenticates or takes an authenticated [`Caller`], asks `panoptes-rbac`
//! whether the action is allowed in each tenant, and only then makes the
//! [`panoptes_domain::TenantScope`] the stores need. This crate is the only place such a scope is
//! made for a request; changes and their ledger entries commit in one transaction.
//!
//! Map: `auth` (passwords, sessions, API tokens, the caller's grants), `tenancy` (tenants, the
//! multi-tenant view and its per-tenant status), `directory` (users, guests, delegations,
//! service principals), `roles` (built-in and named custom roles), `federation` (tenants' OpenID providers and federated sign-in), `oidc_flows` (sign-ins in progress), `secrets` (sealing stored secrets), `hunting` (runHuntingQuery across tenants), `hunting_schema` (the editor's schema and diagnostics), `saved_queries` (personal and shared hunting queries), `incidents` and `alerts` (the queues and triage, over `queue` for the tenants a list covers, `odata` for its options and `triage` for shared checks), `correlation` (alerts into incidents), `detection_rules`, `detection_runs` and `scheduler` (custom detections), `ledger` (recording and
//! reading the audit log), `setup` (the first administrator, and the demo instance's tenants and people).

mod alerts;
mod auth;
mod clock;
mod content;
mod correlation;
mod cross_tenant;
mod detection_rules;
mod detection_runs;
mod directory;
mod error;
mod federation;
mod hunting;
mod hunting_schema;
mod incidents;
mod ingest;
mod ledger;
mod odata;
mod oidc_flows;
mod queue;
mod roles;
mod rule_body;
mod saved_queries;
mod scheduler;
mod secrets;
mod setup;
mod tenancy;
mod timespan;
mod triage;

use std::sync::Arc;
use std::time::Duration;

use panoptes_db::{Db, PrincipalKind};
use panoptes_domain::TenantId;
use panoptes_eventstore::EventStore;
use panoptes_query::Engine;
use panoptes_rbac::Access;

pub use alerts::{AlertView, MoveTarget};
pub use auth::{NewToken, SignedIn};
pub use clock::{Clock, ManualClock, SystemClock};
pub use content::{ContentCheck, TestOutcome, check_content_rule};
pub use directory::{DelegationRequest, NewUser};
pub use error::{AppError, Result};
pub use federation::{DiscoveredProvider, FederatedIdentity, NewIdentityProvider, ProviderView, SignInProvider};
pub use hunting::{HuntMode, HuntPart, HuntRequest, HuntResponse, HuntStream};
pub use hunting_schema::{QueryCheck, QueryDiagnosticView, SchemaColumnView, SchemaTableView};
pub use incidents::{BulkResult, IncidentView, Page};
pub use ingest::{IngestReport, IngestRequest};
pub use odata::ListOptions;
/// The input layouts an ingest takes.
pub use panoptes_eventstore::ingest::Format as IngestFormat;
pub use queue::QueueScope;
pub use roles::RoleView;
pub use saved_queries::{NewSavedQuery, SavedQueryView};
pub use scheduler::DetectionConfig;
pub use secrets::SecretBox;
pub use setup::{DemoPerson, bootstrap_instance, seed_demo};
pub use tenancy::{NewTenant, TenantChanges, TenantView};
pub use triage::TriageChanges;

/// Security settings of the instance.
#[derive(Debug, Clone)]
pub struct SecurityConfig {
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, whatever its activity.
    pub session_absolute: Duration,
    /// Consecutive failed sign-ins that lock an account.
    pub max_failed_sign_ins: i64,
    /// How long a lock lasts.
    pub lockout: Duration,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            session_idle: Duration::from_secs(60 * 60),
            session_absolute: Duration::from_secs(12 * 60 * 60),
            max_failed_sign_ins: 5,
            lockout: Duration::from_secs(15 * 60),
        }
    }
}

/// The application: stores, engine, clock and settings.
#[derive(Debug, Clone)]
pub struct App {
    db: Db,
    events: Arc<EventStore>,
    engine: Engine,
    clock: Arc<dyn Clock>,
    security: SecurityConfig,
    detection: DetectionConfig,
    /// Seals secrets kept in the operational store.
    secrets: SecretBox,
    /// Hunts run here, apart from the HTTP runtime, so a heavy query never stalls the API.
    query_runtime: tokio::runtime::Handle,
}

impl App {
    /// Wires the application.
    pub fn new(
        db: Db,
        events: Arc<EventStore>,
        engine: Engine,
        clock: Arc<dyn Clock>,
        security: SecurityConfig,
        query_runtime: tokio::runtime::Handle,
    ) -> App {
        App {
            db,
            events,
            engine,
            clock,
            security,
            detection: DetectionConfig::default(),
            secrets: SecretBox::ephemeral(),
            query_runtime,
        }
    }

    /// Seals stored secrets with the instance's key (without it, a key made for this process).
    pub fn with_secrets(mut self, secrets: SecretBox) -> App {
        self.secrets = secrets;
        self
    }

    /// The operational store.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The event store.
    pub fn events(&self) -> &Arc<EventStore> {
        &self.events
    }

    /// Now, from the application's clock.
    pub fn now_ns(&self) -> i64 {
        self.clock.now_ns()
    }
}

/// An authenticated principal making one request, with its grants as of that request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// User or service principal.
    pub kind: PrincipalKind,
    /// Its id.
    pub id: String,
    /// Its home tenant.
    pub home: TenantId,
    /// Sign-in or display name.
    pub name: String,
    /// Instance administrator (tenant lifecycle only; no tenant data without a grant).
    pub instance_admin: bool,
    /// Everything it holds, evaluated for this request.
    pub access: Access,
    /// The request's id, for the ledger and logs.
    pub request_id: String,
}

/// 32 random bytes as hex: session ids, CSRF tokens, API token secrets.
pub(crate) fn random_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random source: {e}")))?;
    Ok(hex::encode(bytes))
}

/// SHA-256 hex of a secret: what is stored instead of it.
pub(crate) fn hash_secret(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// A new object id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

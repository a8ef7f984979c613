//! `runHuntingQuery` across tenants: each requested tenant is authorized for `hunting.run` (and,
//! in combined mode, `crossTenant.analytics`) and must have hunting in its plan; the query then
//! runs on the query runtime over catalogs built only from the authorized scopes. Tenants that
//! could not take part are reported beside the rows, never silently dropped.

use std::collections::VecDeque;
use std::sync::Arc;

use panoptes_domain::{TenantId, TenantScope};
use panoptes_query::hunt::{OutcomeFold, TenantOutcome, TenantSource, TenantStatus, hunt_combined, hunt_each_tenant};
use panoptes_query::{
    ExecuteOptions, QueryLimits, SchemaCatalog, StoreCatalog, TableCatalog, TimeWindowCatalog, render,
};
use panoptes_rbac::{Denied, Permission};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
use tokio::sync::mpsc;

use crate::{App, AppError, Caller, Result};

/// Per-tenant (Defender semantics) or one query over the union (needs cross-tenant consent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HuntMode {
    /// Once per tenant, rows concatenated with `TenantId`/`TenantName`.
    #[default]
    PerTenant,
    /// Once over all tenants' tables together.
    Combined,
}

/// A hunting request.
#[derive(Debug, Clone, Default)]
pub struct HuntRequest {
    /// The KQL.
    pub query: String,
    /// Graph's `Timespan`: only rows with `Timestamp` in the window are seen.
    pub timespan: Option<String>,
    /// Narrows the tenants; none means the caller's view.
    pub tenant_ids: Option<Vec<TenantId>>,
    /// Narrows to one of the caller's tenant groups.
    pub tenant_group_id: Option<String>,
    /// How tenants are combined.
    pub mode: HuntMode,
    /// Row cap (at most the engine's).
    pub max_rows: Option<usize>,
}

/// A hunting answer, Graph-shaped.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HuntResponse {
    /// Columns with CLR-style type names.
    pub schema: Vec<Json>,
    /// Rows as objects.
    pub results: Vec<Map<String, Json>>,
    /// Each tenant's outcome.
    pub tenant_status: Vec<TenantStatus>,
    /// Totals.
    pub stats: Json,
    /// The query's `render` (chart kind and `with` properties), when it ends with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub render: Option<Json>,
}

fn refused(tenant: &TenantId, name: &str, status: &str, code: &str, message: String) -> TenantStatus {
    TenantStatus {
        tenant_id: tenant.to_string(),
        tenant_name: name.to_string(),
        status: status.into(),
        error_code: Some(code.into()),
        message: Some(message),
        latency_ms: 0,
        row_count: 0,
        truncated: false,
    }
}

impl App {
    /// Runs a hunting query over the tenants the caller may hunt in: the whole answer at once.
    pub async fn run_hunting_query(&self, caller: &Caller, request: HuntRequest) -> Result<HuntResponse> {
        let mut stream = self.stream_hunting_query(caller, request).await?;
        let (mut schema, mut results, mut render) = (Vec::new(), Vec::new(), None);
        while let Some(part) = stream.next().await {
            match part {
                HuntPart::Columns { schema: columns, render: hint } => (schema, render) = (columns, hint),
                HuntPart::Rows(rows) => results.extend(rows),
            }
        }
        if let Some(message) = stream.every_tenant_failed() {
            // Every tenant failed the same way (KQL the schema could not judge): a request
            // error, not partial data.
            return Err(AppError::BadRequest(message));
        }
        let (tenant_status, stats) = stream.finish();
        Ok(HuntResponse { schema, results, tenant_status, stats, render })
    }

    /// Starts a hunting query and answers as the tenants finish: columns, then each tenant's
    /// rows as soon as it has them, then every tenant's status. KQL that does not parse or plan
    /// against the hunting schema is refused before anything runs. Dropping the stream stops
    /// the hunt.
    pub async fn stream_hunting_query(&self, caller: &Caller, request: HuntRequest) -> Result<HuntStream> {
        if request.query.trim().is_empty() {
            return Err(AppError::BadRequest("`Query` is empty: send the KQL to run".into()));
        }
        let now = self.now_ns();
        let window = match request.timespan.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(text) => Some(crate::timespan::parse_timespan(text, now).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "`Timespan` `{text}` is not start/end, P30D/end, start/P30D, P30D or a start (ISO 8601)"
                ))
            })?),
        };
        if let Err(error) = self.engine.plan(&request.query, &SchemaCatalog, now)
            && error.diagnostic().is_some()
        {
            return Err(AppError::BadRequest(error.to_string()));
        }
        let requested = self.requested_tenants(caller, &request).await?;
        let (refused, sources) = self.hunt_sources(caller, &requested, request.mode, window, now).await?;
        let hunted_tenants: Vec<&TenantId> = sources.iter().map(|s| &s.tenant_id).collect();
        let detail = json!({"query": request.query, "mode": format!("{:?}", request.mode)});
        self.record_reads(caller, &hunted_tenants, "hunting.run", "runHuntingQuery", detail).await?;
        let limits = QueryLimits {
            max_rows: request.max_rows.unwrap_or(usize::MAX).min(self.engine.limits().max_rows).max(1),
            ..self.engine.limits().clone()
        };
        let engine = panoptes_query::Engine::new(limits);
        let (query, mode) = (request.query, request.mode);
        let options = ExecuteOptions { now_ns: Some(now), ..ExecuteOptions::default() };
        let (sink, outcomes) = mpsc::channel(4);
        let task = AbortOnDrop(self.query_runtime.spawn(async move {
            match mode {
                HuntMode::PerTenant => hunt_each_tenant(&engine, &query, &sources, &options, &sink).await,
                HuntMode::Combined if !sources.is_empty() => {
                    // One answer for all: the rows travel with the first tenant's status.
                    let result = hunt_combined(&engine, &query, &sources, &options).await;
                    let mut table = result.table;
                    for status in result.tenant_status {
                        if sink.send(TenantOutcome { status, table: table.take() }).await.is_err() {
                            return;
                        }
                    }
                }
                HuntMode::Combined => {}
            }
        }));
        Ok(HuntStream {
            refused,
            outcomes,
            fold: OutcomeFold::default(),
            pending: VecDeque::new(),
            columns_sent: false,
            row_count: 0,
            tenant_count: requested.len(),
            _task: task,
        })
    }

    /// Authorizes each requested tenant: the catalogs of those that take part, and the status
    /// of those that cannot (permission, expired access, suspended, plan).
    async fn hunt_sources(
        &self,
        caller: &Caller,
        requested: &[TenantId],
        mode: HuntMode,
        window: Option<(i64, i64)>,
        now: i64,
    ) -> Result<(Vec<TenantStatus>, Vec<TenantSource>)> {
        let mut conn = self.db.conn().await?;
        let known = panoptes_db::tenants_by_id(&mut conn, requested).await?;
        drop(conn);
        let mut statuses = Vec::new();
        let mut sources = Vec::new();
        for tenant in requested {
            let plan = known.iter().find(|t| &t.id == tenant);
            let name = plan.map_or(String::new(), |t| t.name.clone());
            let mut outcome = caller.access.authorize(tenant, Permission::HuntingRun, now);
            if outcome.is_ok() && mode == HuntMode::Combined {
                outcome = caller.access.authorize(tenant, Permission::CrossTenantAnalytics, now);
            }
            match outcome {
                Err(Denied::Expired) => statuses.push(refused(
                    tenant,
                    &name,
                    "accessExpired",
                    "Forbidden",
                    "the delegated access has ended".into(),
                )),
                Err(Denied::NotVisible) => {
                    statuses.push(refused(tenant, "", "noPermission", "NotFound", "no access to this tenant".into()))
                }
                Err(Denied::Missing(p)) => statuses.push(refused(
                    tenant,
                    &name,
                    "noPermission",
                    "Forbidden",
                    format!("missing `{}`", p.name()),
                )),
                Ok(()) if plan.is_some_and(|t| t.status == "suspended") => statuses.push(refused(
                    tenant,
                    &name,
                    "unreachable",
                    "Unavailable",
                    "the tenant is suspended".into(),
                )),
                Ok(()) if !plan.is_some_and(|t| t.has_capability("hunting")) => statuses.push(refused(
                    tenant,
                    &name,
                    "notInPlan",
                    "Forbidden",
                    "the tenant's plan does not include `hunting`".into(),
                )),
                Ok(()) => {
                    let scope = TenantScope::authorized([tenant.clone()]);
                    let store: Arc<dyn TableCatalog> = Arc::new(StoreCatalog::new(self.events.clone(), scope));
                    let catalog = match window {
                        Some((start, end)) => Arc::new(TimeWindowCatalog::new(store, start, end)),
                        None => store,
                    };
                    sources.push(TenantSource { tenant_id: tenant.clone(), tenant_name: name, catalog });
                }
            }
        }
        Ok((statuses, sources))
    }

    /// The tenants a request names, or the caller's view; requests only narrow.
    async fn requested_tenants(&self, caller: &Caller, request: &HuntRequest) -> Result<Vec<TenantId>> {
        self.requested_tenants_of(caller, request.tenant_ids.as_deref(), request.tenant_group_id.as_deref()).await
    }
}

/// The query task of a hunt: when its stream is dropped (an NDJSON client stopped reading),
/// the hunt stops at its next await instead of running on for nobody.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Rows sent in one part: large answers go out as they are produced, never as one document.
const ROWS_PER_PART: usize = 1000;

/// One piece of a streamed hunt.
#[derive(Debug)]
pub enum HuntPart {
    /// The answer's columns (CLR-style type names) and its `render`, once, before any rows.
    Columns {
        /// Column names and types.
        schema: Vec<Json>,
        /// The chart the query asks for.
        render: Option<Json>,
    },
    /// Rows of one tenant (or of the combined answer), as objects.
    Rows(Vec<Map<String, Json>>),
}

/// A hunt in progress; see [`App::stream_hunting_query`].
pub struct HuntStream {
    refused: Vec<TenantStatus>,
    outcomes: mpsc::Receiver<TenantOutcome>,
    fold: OutcomeFold,
    pending: VecDeque<HuntPart>,
    columns_sent: bool,
    row_count: usize,
    tenant_count: usize,
    _task: AbortOnDrop<()>,
}

impl HuntStream {
    /// The next part, in order; `None` once every tenant is done.
    pub async fn next(&mut self) -> Option<HuntPart> {
        while self.pending.is_empty() {
            let outcome = self.outcomes.recv().await?;
            let Some(table) = self.fold.accept(outcome) else { continue };
            if !self.columns_sent {
                self.columns_sent = true;
                let schema = table.columns.iter().map(|(n, t)| json!({"name": n, "type": t.clr_name()})).collect();
                let render = table.render.as_ref().map(|hint| {
                    let properties: Map<String, Json> =
                        hint.properties.iter().map(|(k, v)| (k.clone(), Json::String(v.clone()))).collect();
                    json!({"kind": hint.kind, "properties": properties})
                });
                self.pending.push_back(HuntPart::Columns { schema, render });
            }
            let names: Vec<&String> = table.columns.iter().map(|(n, _)| n).collect();
            let rows: Vec<Map<String, Json>> = render::rows(&table)
                .into_iter()
                .map(|row| names.iter().map(|n| (*n).clone()).zip(row).collect())
                .collect();
            self.row_count += rows.len();
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                self.pending.push_back(HuntPart::Rows(rows.by_ref().take(ROWS_PER_PART).collect()));
            }
        }
        self.pending.pop_front()
    }

    /// The first failure, when every tenant that ran failed and no rows came back.
    pub fn every_tenant_failed(&self) -> Option<String> {
        let hunted = &self.fold.statuses;
        let all_failed = !hunted.is_empty() && self.row_count == 0 && hunted.iter().all(|s| s.status == "error");
        all_failed.then(|| hunted.iter().find_map(|s| s.message.clone()).unwrap_or_default())
    }

    /// Every tenant's status (sorted by name) and the totals, once [`HuntStream::next`] has
    /// returned `None`.
    pub fn finish(self) -> (Vec<TenantStatus>, Json) {
        let mut statuses = self.refused;
        statuses.extend(self.fold.statuses);
        statuses.sort_by(|a, b| a.tenant_name.cmp(&b.tenant_name).then(a.tenant_id.cmp(&b.tenant_id)));
        (statuses, json!({"rowCount": self.row_count, "tenantCount": self.tenant_count}))
    }
}

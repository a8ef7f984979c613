//! `runHuntingQuery` across tenants: each requested tenant is authorized for `hunting.run` (and,
//! in combined mode, `crossTenant.analytics`) and must have hunting in its plan; the query then
//! runs on the query runtime over catalogs built only from the authorized scopes. Tenants that
//! could not take part are reported beside the rows, never silently dropped.

use std::sync::Arc;

use panoptes_domain::{TenantId, TenantScope};
use panoptes_query::hunt::{TenantSource, TenantStatus, hunt_combined, hunt_per_tenant};
use panoptes_query::{ExecuteOptions, QueryLimits, StoreCatalog, TableCatalog, TimeWindowCatalog, render};
use panoptes_rbac::{Denied, Permission};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};

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
    /// Runs a hunting query over the tenants the caller may hunt in.
    pub async fn run_hunting_query(&self, caller: &Caller, request: HuntRequest) -> Result<HuntResponse> {
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
        let requested = self.requested_tenants(caller, &request).await?;
        let mut conn = self.db.conn().await?;
        let known = panoptes_db::tenants_by_id(&mut conn, &requested).await?;
        drop(conn);
        let mut statuses = Vec::new();
        let mut sources = Vec::new();
        for tenant in &requested {
            let name = known.iter().find(|t| &t.id == tenant).map_or(String::new(), |t| t.name.clone());
            let mut outcome = caller.access.authorize(tenant, Permission::HuntingRun, now);
            if outcome.is_ok() && request.mode == HuntMode::Combined {
                outcome = caller.access.authorize(tenant, Permission::CrossTenantAnalytics, now);
            }
            let plan = known.iter().find(|t| &t.id == tenant);
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
        let limits = QueryLimits {
            max_rows: request.max_rows.unwrap_or(usize::MAX).min(self.engine.limits().max_rows).max(1),
            ..self.engine.limits().clone()
        };
        let engine = panoptes_query::Engine::new(limits);
        let query = request.query.clone();
        let mode = request.mode;
        let options = ExecuteOptions { now_ns: Some(now), ..ExecuteOptions::default() };
        let hunted = sources.clone();
        let task = AbortOnDrop(self.query_runtime.spawn(async move {
            if hunted.is_empty() {
                return None;
            }
            Some(match mode {
                HuntMode::PerTenant => hunt_per_tenant(&engine, &query, &hunted, &options).await,
                HuntMode::Combined => hunt_combined(&engine, &query, &hunted, &options).await,
            })
        }));
        let result = task.join().await?;
        let hunted_tenants: Vec<&TenantId> = sources.iter().map(|s| &s.tenant_id).collect();
        let detail = json!({"query": request.query, "mode": format!("{mode:?}")});
        self.record_reads(caller, &hunted_tenants, "hunting.run", "runHuntingQuery", detail).await?;
        let (table, hunted_status) = match result {
            Some(r) => (r.table, r.tenant_status),
            None => (None, Vec::new()),
        };
        statuses.extend(hunted_status);
        statuses.sort_by(|a, b| a.tenant_name.cmp(&b.tenant_name).then(a.tenant_id.cmp(&b.tenant_id)));
        let failures = statuses.iter().filter(|s| s.status == "error").count();
        if let Some(failure) = statuses.iter().find(|s| s.status == "error")
            && table.is_none()
            && sources.len() == failures
        {
            // Every tenant failed the same way (bad KQL): a request error, not partial data.
            return Err(AppError::BadRequest(failure.message.clone().unwrap_or_default()));
        }
        let (schema, results) = match &table {
            Some(table) => {
                let schema = table.columns.iter().map(|(n, t)| json!({"name": n, "type": t.clr_name()})).collect();
                let rows = render::rows(table)
                    .into_iter()
                    .map(|row| table.columns.iter().map(|(n, _)| n.clone()).zip(row).collect())
                    .collect();
                (schema, rows)
            }
            None => (Vec::new(), Vec::new()),
        };
        let stats = json!({"rowCount": results.len(), "tenantCount": requested.len()});
        let render = table.as_ref().and_then(|t| t.render.as_ref()).map(|hint| {
            let properties: Map<String, Json> =
                hint.properties.iter().map(|(k, v)| (k.clone(), Json::String(v.clone()))).collect();
            json!({"kind": hint.kind, "properties": properties})
        });
        Ok(HuntResponse { schema, results, tenant_status: statuses, stats, render })
    }

    /// The tenants a request names, or the caller's view; requests only narrow.
    async fn requested_tenants(&self, caller: &Caller, request: &HuntRequest) -> Result<Vec<TenantId>> {
        if let Some(ids) = &request.tenant_ids {
            let mut ids = ids.clone();
            ids.sort();
            ids.dedup();
            return Ok(ids);
        }
        if let Some(group_id) = &request.tenant_group_id {
            let groups = self.tenant_groups(caller).await?;
            let (group, _) = groups
                .into_iter()
                .find(|(g, _)| &g.id == group_id)
                .ok_or_else(|| AppError::NotFound(format!("tenant group {group_id}")))?;
            return Ok(group.members);
        }
        let view = self.my_tenants(caller).await?;
        Ok(view.into_iter().filter(|t| t.in_view).map(|t| TenantId::new(t.tenant_id)).collect())
    }
}

/// The query task of a request: when the request goes away (the client cancelled or
/// disconnected), the hunt stops at its next await instead of running on for nobody.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn join(mut self) -> Result<T> {
        (&mut self.0).await.map_err(|e| AppError::Internal(format!("hunt task: {e}")))
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

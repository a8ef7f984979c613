//! Cross-tenant detection rules (SPEC T17): one query over the union of several tenants'
//! data, allowed only while the rule's author holds `crossTenant.analytics` (and `hunting.run`)
//! in each tenant. Each tenant involved gets alerts holding only its own rows, told how many
//! other tenants (never which) the rule also fired in; a provider alert in the rule's own tenant
//! links the customers' incidents for the MSSP.

use std::collections::BTreeMap;
use std::sync::Arc;

use panoptes_db::{Alert, DetectionRule, PrincipalKind};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_query::hunt::{TenantSource, hunt_combined};
use panoptes_query::{ExecuteOptions, StoreCatalog, TableCatalog, TimeWindowCatalog};
use panoptes_rbac::Permission;
use serde_json::{Map, Value as Json};
use sha2::Digest;

use crate::detection_runs::{Evaluation, RaisedAlerts, RunFailure, alert_failure, rows_of};
use crate::triage::{list_of, severity_rank};
use crate::{App, AppError, Caller, Result, new_id};

impl App {
    /// A combined rule may be saved only by a principal holding cross-tenant consent and
    /// hunting in every tenant it names; another tenant it cannot see reads as missing.
    pub(crate) fn check_combined_consent(&self, caller: &Caller, rule: &DetectionRule) -> Result<()> {
        if rule.mode != "combined" {
            return Ok(());
        }
        for tenant in list_of(&rule.tenant_ids) {
            let tenant = TenantId::new(tenant);
            self.authorize(caller, &tenant, Permission::HuntingRun, &format!("tenant {tenant}"))?;
            self.authorize(caller, &tenant, Permission::CrossTenantAnalytics, &format!("tenant {tenant}"))?;
        }
        Ok(())
    }

    /// Runs a combined rule under its author's grants as of now.
    pub(crate) async fn evaluate_combined(
        &self,
        rule: &DetectionRule,
        window: (i64, i64),
        due_ns: i64,
    ) -> std::result::Result<Evaluation, RunFailure> {
        let failed = |reason: String| ("queryExecutionFailed".to_string(), reason);
        let author = self
            .caller(PrincipalKind::User, &rule.created_by_id, None, "detection-scheduler")
            .await
            .map_err(|e| failed(format!("the rule's author cannot be loaded: {e}")))?;
        let now = self.now_ns();
        let mut conn = self.db.conn().await.map_err(|e| failed(e.to_string()))?;
        let wanted: Vec<TenantId> = list_of(&rule.tenant_ids).into_iter().map(TenantId::new).collect();
        let known = panoptes_db::tenants_by_id(&mut conn, &wanted).await.map_err(|e| failed(e.to_string()))?;
        drop(conn);
        let mut sources = Vec::new();
        let mut excluded = 0;
        for tenant in &wanted {
            let allowed = [Permission::HuntingRun, Permission::CrossTenantAnalytics]
                .iter()
                .all(|p| author.access.authorize(tenant, *p, now).is_ok());
            let active = known.iter().find(|t| &t.id == tenant).filter(|t| t.status != "suspended");
            match (allowed, active) {
                (true, Some(plan)) => {
                    let store: Arc<dyn TableCatalog> =
                        Arc::new(StoreCatalog::new(self.events.clone(), TenantScope::authorized([tenant.clone()])));
                    let catalog = Arc::new(TimeWindowCatalog::new(store, window.0, window.1));
                    sources.push(TenantSource { tenant_id: tenant.clone(), tenant_name: plan.name.clone(), catalog });
                }
                _ => excluded += 1,
            }
        }
        if sources.is_empty() {
            return Err(failed("no tenant of the rule still allows cross-tenant analytics to its author".into()));
        }
        let engine = self.engine.clone();
        let query = rule.query_text.clone();
        let options = ExecuteOptions { now_ns: Some(due_ns), ..ExecuteOptions::default() };
        let result = self
            .query_runtime
            .spawn(async move { hunt_combined(&engine, &query, &sources, &options).await })
            .await
            .map_err(|e| failed(format!("the query task stopped: {e}")))?;
        let table = result.table.ok_or_else(|| {
            failed(
                result
                    .tenant_status
                    .iter()
                    .find_map(|s| s.message.clone())
                    .unwrap_or_else(|| "the query failed".into()),
            )
        })?;
        let rows = rows_of(&table);
        let mut by_tenant: BTreeMap<String, Vec<&Map<String, Json>>> = BTreeMap::new();
        for row in &rows {
            let tenant = row.get("TenantId").and_then(Json::as_str).unwrap_or_default().to_string();
            // Only rows of the rule's tenants can come back; anything else is dropped, not shown.
            if wanted.iter().any(|t| t.as_str() == tenant) {
                by_tenant.entry(tenant).or_default().push(row);
            }
        }
        let involved = by_tenant.len();
        let mut tx = self.db.begin().await.map_err(|e| alert_failure(e.into()))?;
        let mut all = RaisedAlerts::default();
        let mut links = Vec::new();
        for (tenant, tenant_rows) in &by_tenant {
            let tenant = TenantId::new(tenant.clone());
            let mut raised = RaisedAlerts {
                note: format!(
                    " This cross-tenant detection also fired in {} other tenant{} of the provider.",
                    involved - 1,
                    if involved == 2 { "" } else { "s" }
                ),
                ..RaisedAlerts::default()
            };
            self.raise_rows(&mut tx, rule, &tenant, tenant_rows, due_ns, &mut raised).await?;
            for alert in &raised.alerts {
                links.push(format!("incident:{}/{}", alert.tenant_id, alert.incident_id));
            }
            all.alerts.extend(raised.alerts);
            all.over_cap += raised.over_cap;
        }
        if !all.alerts.is_empty() {
            let provider = self.provider_alert(rule, involved, &all.alerts, links, due_ns);
            let scope = TenantScope::authorized([rule.tenant_id.clone()]);
            let entities = [("crossTenantRule".to_string(), rule.id.clone())];
            if let Some(stored) = self.raise_alert(&mut tx, &scope, provider, &entities).await.map_err(alert_failure)? {
                all.alerts.push(stored);
            }
        }
        tx.commit().await.map_err(|e| alert_failure(AppError::from(panoptes_db::DbError::from(e))))?;
        Ok(Evaluation {
            rows: rows.len() as i64,
            rows_scanned: table.rows_scanned as i64,
            alerts: all.alerts,
            over_cap: all.over_cap,
            tenants_left_out: excluded,
        })
    }

    /// The MSSP's alert in the rule's own tenant, linking the customers' incidents.
    fn provider_alert(
        &self,
        rule: &DetectionRule,
        involved: usize,
        raised: &[Alert],
        links: Vec<String>,
        due_ns: i64,
    ) -> Alert {
        let now = self.now_ns();
        let mut ids: Vec<&str> = raised.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        let key = hex::encode(&sha2::Sha256::digest(ids.join(",").as_bytes())[..16]);
        let mut tags = vec!["crossTenant".to_string()];
        tags.extend(links);
        tags.sort();
        tags.dedup();
        Alert {
            id: format!("ea{}", new_id().replace('-', "")),
            tenant_id: rule.tenant_id.clone(),
            incident_id: String::new(),
            detector_id: rule.id.clone(),
            dedup_key: key,
            status: "new".into(),
            severity: rule.severity.clone(),
            severity_rank: severity_rank(&rule.severity),
            classification: None,
            determination: None,
            assigned_to: None,
            service_source: "microsoftDefenderForEndpoint".into(),
            detection_source: "customDetection".into(),
            title: format!("Cross-tenant: {} in {involved} tenants", rule.display_name),
            description: format!(
                "The cross-tenant rule `{}` raised {} alerts in {involved} tenants; their incidents are linked in the system tags.",
                rule.display_name,
                raised.len()
            ),
            recommended_actions: rule.recommended_actions.clone(),
            category: rule.category.clone(),
            mitre_techniques: rule.mitre_techniques.clone(),
            evidence: "[]".into(),
            system_tags: Json::from(tags).to_string(),
            created_ns: now,
            last_update_ns: now,
            resolved_ns: None,
            first_activity_ns: raised.iter().map(|a| a.first_activity_ns).min().unwrap_or(due_ns),
            last_activity_ns: raised.iter().map(|a| a.last_activity_ns).max().unwrap_or(due_ns),
        }
    }
}

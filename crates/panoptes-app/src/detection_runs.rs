//! One run of a detection rule in its tenant: the query over `[due − lookback, due)` against
//! the event store (on the query runtime), each result row an alert unless its event already
//! raised one, at most the rule's cap of new alerts per run, each correlated into an incident.
//! New alerts are also written to the tenant's `AlertInfo` and `AlertEvidence` tables so hunts
//! see them. Every run is recorded, failed or not.

use std::sync::Arc;
use std::time::Instant;

use panoptes_db::{Alert, DetectionRule, RuleRun};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::ingest::{Format, IngestOptions, convert_records};
use panoptes_query::{ExecuteOptions, QueryError, ResultTable, StoreCatalog, TableCatalog, TimeWindowCatalog, render};
use serde_json::{Map, Value as Json, json};

use crate::triage::severity_rank;
use crate::{App, AppError, Result, new_id};

const DAY_NS: i64 = 86_400_000_000_000;

/// What a successful evaluation found.
pub(crate) struct Evaluation {
    pub(crate) rows: i64,
    pub(crate) rows_scanned: i64,
    pub(crate) alerts: Vec<Alert>,
    pub(crate) over_cap: i64,
    /// Tenants of a combined rule that no longer allow it (consent withdrawn, suspended).
    pub(crate) tenants_left_out: usize,
}

/// Why a run failed: Graph's error code and the reason.
pub(crate) type RunFailure = (String, String);

/// The alerts a run has raised so far, the rows over its cap, and a note for descriptions.
#[derive(Default)]
pub(crate) struct RaisedAlerts {
    pub(crate) alerts: Vec<Alert>,
    pub(crate) over_cap: i64,
    pub(crate) note: String,
}

pub(crate) fn query_failure(error: QueryError) -> RunFailure {
    let code = match &error {
        QueryError::Timeout(_) => "queryTimeout",
        QueryError::MemoryLimit(_) => "queryLimitsExceeded",
        _ => "queryExecutionFailed",
    };
    (code.to_string(), error.to_string())
}

pub(crate) fn alert_failure(error: AppError) -> RunFailure {
    ("alertCreationFailed".to_string(), error.to_string())
}

/// A result's rows as objects by column name.
pub(crate) fn rows_of(table: &ResultTable) -> Vec<Map<String, Json>> {
    let names: Vec<String> = table.columns.iter().map(|(n, _)| n.clone()).collect();
    render::rows(table).into_iter().map(|row| names.iter().cloned().zip(row).collect()).collect()
}

impl App {
    /// Runs `rule` as due at `due_ns` and records the run; `scheduled` runs also move the
    /// rule's next due time on.
    pub(crate) async fn run_rule(&self, rule: DetectionRule, due_ns: i64, scheduled: bool) -> Result<RuleRun> {
        let started_ns = self.now_ns();
        let clock = Instant::now();
        let scope = TenantScope::authorized([rule.tenant_id.clone()]);
        let mut conn = self.db.conn().await?;
        let tenant = panoptes_db::tenant(&mut conn, &rule.tenant_id).await?;
        drop(conn);
        // A rule's first scheduled run looks back 30 days (capped by retention), as Defender's.
        let retention_ns = tenant.retention_days.max(1) * DAY_NS;
        let lookback = if scheduled && rule.last_run_ns.is_none() {
            rule.lookback_ns.max(30 * DAY_NS).min(retention_ns)
        } else {
            rule.lookback_ns
        };
        let window = (due_ns - lookback, due_ns);
        let outcome = if tenant.status == "suspended" {
            Err(("queryExecutionFailed".to_string(), "the tenant is suspended".to_string()))
        } else {
            self.evaluate(&rule, &scope, window, due_ns).await
        };
        let (status, (row_count, rows_scanned), alert_count, rows_over_cap, error_code, failure_reason, alerts) =
            match outcome {
                Ok(found) => {
                    let (code, reason) = if found.over_cap > 0 {
                        let reason = format!(
                            "{} rows were over the cap of {} alerts per run",
                            found.over_cap, rule.max_alerts_per_run
                        );
                        (Some("queryExceededResultSize".to_string()), Some(reason))
                    } else if found.tenants_left_out > 0 {
                        let reason = format!(
                            "{} tenants were left out: they no longer allow this rule's author cross-tenant analytics, or are suspended",
                            found.tenants_left_out
                        );
                        (Some("partialRowsFailed".to_string()), Some(reason))
                    } else {
                        (None, None)
                    };
                    let status = if code.is_some() { "partiallyFailed" } else { "completed" };
                    (
                        status,
                        (found.rows, found.rows_scanned),
                        found.alerts.len() as i64,
                        found.over_cap,
                        code,
                        reason,
                        found.alerts,
                    )
                }
                Err((code, reason)) => ("failed", (0, 0), 0, 0, Some(code), Some(reason), Vec::new()),
            };
        let run = RuleRun {
            id: new_id(),
            tenant_id: rule.tenant_id.clone(),
            rule_id: rule.id.clone(),
            started_ns,
            duration_ms: clock.elapsed().as_millis() as i64,
            window_start_ns: window.0,
            window_end_ns: window.1,
            status: status.into(),
            row_count,
            rows_scanned,
            alert_count,
            rows_over_cap,
            error_code,
            failure_reason,
        };
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_rule_run(&mut tx, &scope, &run).await?;
        // Re-read: the rule may have been edited or turned off while it ran.
        match panoptes_db::detection_rule(&mut tx, &scope, &rule.id).await {
            Ok(mut current) => {
                current.last_run_ns = Some(started_ns);
                current.last_run_status = Some(run.status.clone());
                current.last_run_error_code = run.error_code.clone();
                current.last_run_failure_reason = run.failure_reason.clone();
                if scheduled && current.is_enabled {
                    let period_ns = panoptes_detect::Schedule::parse(&current.period, None, i64::MAX)
                        .map_or(3_600_000_000_000, |s| s.period_ns);
                    let nrt_ns = self.detection.nrt_interval.as_nanos() as i64;
                    current.next_run_ns =
                        Some(panoptes_detect::next_run_after(due_ns, period_ns, self.now_ns(), nrt_ns));
                }
                panoptes_db::update_detection_rule(&mut tx, &scope, &current).await?;
            }
            Err(panoptes_db::DbError::NotFound(_)) => {}
            Err(other) => return Err(other.into()),
        }
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        let mut by_tenant: std::collections::BTreeMap<TenantId, Vec<Alert>> = Default::default();
        for alert in alerts {
            by_tenant.entry(alert.tenant_id.clone()).or_default().push(alert);
        }
        for (tenant, alerts) in by_tenant {
            if let Err(error) = self.write_alert_tables(&TenantScope::authorized([tenant]), &alerts) {
                tracing::warn!(rule_id = %rule.id, %error, "alerts stored but not written to AlertInfo/AlertEvidence");
            }
        }
        Ok(run)
    }

    async fn evaluate(
        &self,
        rule: &DetectionRule,
        scope: &TenantScope,
        window: (i64, i64),
        due_ns: i64,
    ) -> std::result::Result<Evaluation, RunFailure> {
        if rule.mode == "combined" {
            return self.evaluate_combined(rule, window, due_ns).await;
        }
        let store: Arc<dyn TableCatalog> = Arc::new(StoreCatalog::new(self.events.clone(), scope.clone()));
        let catalog = TimeWindowCatalog::new(store, window.0, window.1);
        let engine = self.engine.clone();
        let query = rule.query_text.clone();
        let options = ExecuteOptions { now_ns: Some(due_ns), ..ExecuteOptions::default() };
        let result = self
            .query_runtime
            .spawn(async move { engine.execute(&query, &catalog, &options).await })
            .await
            .map_err(|e| ("queryExecutionFailed".to_string(), format!("the query task stopped: {e}")))?;
        let table = result.map_err(query_failure)?;
        let rows = rows_of(&table);
        let mut tx = self.db.begin().await.map_err(|e| alert_failure(e.into()))?;
        let mut raised = RaisedAlerts::default();
        self.raise_rows(&mut tx, rule, &rule.tenant_id, &rows.iter().collect::<Vec<_>>(), due_ns, &mut raised).await?;
        tx.commit().await.map_err(|e| alert_failure(panoptes_db::DbError::from(e).into()))?;
        Ok(Evaluation {
            rows: rows.len() as i64,
            rows_scanned: table.rows_scanned as i64,
            alerts: raised.alerts,
            over_cap: raised.over_cap,
            tenants_left_out: 0,
        })
    }

    /// Alerts in `tenant` for result rows, up to the rule's cap of new alerts per run.
    pub(crate) async fn raise_rows(
        &self,
        tx: &mut panoptes_db::Conn,
        rule: &DetectionRule,
        tenant: &TenantId,
        rows: &[&Map<String, Json>],
        due_ns: i64,
        raised: &mut RaisedAlerts,
    ) -> std::result::Result<(), RunFailure> {
        let scope = TenantScope::authorized([tenant.clone()]);
        for row in rows {
            if raised.alerts.len() as i64 >= rule.max_alerts_per_run {
                raised.over_cap += 1;
                continue;
            }
            let (alert, entities) = self.alert_from_row(rule, tenant, row, due_ns, &raised.note);
            if let Some(stored) = self.raise_alert(tx, &scope, alert, &entities).await.map_err(alert_failure)? {
                raised.alerts.push(stored);
            }
        }
        Ok(())
    }

    fn alert_from_row(
        &self,
        rule: &DetectionRule,
        tenant: &TenantId,
        row: &Map<String, Json>,
        due_ns: i64,
        note: &str,
    ) -> (Alert, Vec<(String, String)>) {
        let draft =
            panoptes_detect::draft_alert(&rule.id, tenant.as_str(), &rule.alert_title, &rule.alert_description, row);
        let at = row
            .get("Timestamp")
            .and_then(Json::as_str)
            .and_then(panoptes_query::format::parse_datetime)
            .unwrap_or(due_ns);
        let now = self.now_ns();
        let entities = draft.entities.iter().map(|e| (e.kind.as_str().to_string(), e.value.clone())).collect();
        let alert = Alert {
            id: format!("ea{}", new_id().replace('-', "")),
            tenant_id: tenant.clone(),
            incident_id: String::new(),
            detector_id: rule.id.clone(),
            dedup_key: draft.dedup_key,
            status: "new".into(),
            severity: rule.severity.clone(),
            severity_rank: severity_rank(&rule.severity),
            classification: None,
            determination: None,
            assigned_to: None,
            service_source: "microsoftDefenderForEndpoint".into(),
            detection_source: "customDetection".into(),
            title: draft.title,
            description: format!("{}{note}", draft.description),
            recommended_actions: rule.recommended_actions.clone(),
            category: rule.category.clone(),
            mitre_techniques: rule.mitre_techniques.clone(),
            evidence: Json::from(draft.evidence).to_string(),
            system_tags: "[]".into(),
            created_ns: now,
            last_update_ns: now,
            resolved_ns: None,
            first_activity_ns: at,
            last_activity_ns: at,
        };
        (alert, entities)
    }

    /// Appends new alerts to the tenant's `AlertInfo` and `AlertEvidence` tables.
    fn write_alert_tables(&self, scope: &TenantScope, alerts: &[Alert]) -> Result<()> {
        let Some(tenant) = scope.single() else { return Ok(()) };
        let mut records = Vec::new();
        let time = |ns: i64| panoptes_query::format::datetime(ns);
        for alert in alerts {
            let techniques = alert.mitre_techniques.clone();
            let common = |table: &str, properties: Json| json!({"time": time(alert.created_ns), "category": format!("AdvancedHunting-{table}"), "properties": properties});
            let severity = capitalized(&alert.severity);
            records.push(common("AlertInfo", json!({
                "Timestamp": time(alert.created_ns), "AlertId": alert.id, "Title": alert.title,
                "Category": alert.category, "Severity": severity, "ServiceSource": "Microsoft Defender for Endpoint",
                "DetectionSource": "Custom detection", "AttackTechniques": techniques,
            })));
            let evidence: Vec<Json> = serde_json::from_str(&alert.evidence).unwrap_or_default();
            for item in evidence {
                let mut row = json!({
                    "Timestamp": time(alert.created_ns), "AlertId": alert.id, "Title": alert.title,
                    "Categories": Json::from(vec![alert.category.clone()]).to_string(), "AttackTechniques": techniques,
                    "ServiceSource": "Microsoft Defender for Endpoint", "DetectionSource": "Custom detection",
                    "EvidenceRole": "Impacted", "Severity": severity,
                });
                evidence_columns(&item, &mut row);
                records.push(common("AlertEvidence", row));
            }
        }
        let raw = records.into_iter().enumerate().map(|(i, r)| (format!("alert record {}", i + 1), Ok(r))).collect();
        let options = IngestOptions {
            format: Format::DefenderStream,
            table: None,
            external_tenant_id: None,
            received_ns: self.now_ns(),
            tenant: tenant.to_string(),
        };
        let converted = convert_records(raw, &options).map_err(AppError::Internal)?;
        let batches: Vec<(&str, _)> = converted.batches.iter().map(|(t, b)| (t.as_str(), b.clone())).collect();
        self.events.append(scope, &batches).map_err(|e| AppError::EventStore(e.to_string()))?;
        Ok(())
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The `AlertEvidence` columns of one Graph evidence object.
fn evidence_columns(item: &Json, row: &mut Json) {
    let kind = item["@odata.type"].as_str().unwrap_or_default();
    let mut set = |column: &str, value: &Json| {
        if !value.is_null() {
            row[column] = value.clone();
        }
    };
    if kind.ends_with("deviceEvidence") {
        set("EntityType", &json!("Machine"));
        set("DeviceId", &item["mdeDeviceId"]);
        set("DeviceName", &item["deviceDnsName"]);
    } else if kind.ends_with("userEvidence") {
        let account = &item["userAccount"];
        set("EntityType", &json!("User"));
        set("AccountName", &account["accountName"]);
        set("AccountUpn", &account["userPrincipalName"]);
        set("AccountSid", &account["userSid"]);
        set("AccountObjectId", &account["azureAdUserId"]);
        set("AccountDomain", &account["domainName"]);
    } else if kind.ends_with("fileEvidence") {
        let file = &item["fileDetails"];
        set("EntityType", &json!("File"));
        set("FileName", &file["fileName"]);
        set("FolderPath", &file["filePath"]);
        set("SHA1", &file["sha1"]);
        set("SHA256", &file["sha256"]);
    } else if kind.ends_with("processEvidence") {
        set("EntityType", &json!("Process"));
        set("ProcessCommandLine", &item["processCommandLine"]);
    } else if kind.ends_with("ipEvidence") {
        set("EntityType", &json!("Ip"));
        set("RemoteIP", &item["ipAddress"]);
    } else if kind.ends_with("urlEvidence") {
        set("EntityType", &json!("Url"));
        set("RemoteUrl", &item["url"]);
    } else if kind.ends_with("mailboxEvidence") {
        set("EntityType", &json!("Mailbox"));
        set("AccountUpn", &item["primaryAddress"]);
    } else if kind.ends_with("registryValueEvidence") {
        set("EntityType", &json!("RegistryValue"));
        set("RegistryKey", &item["registryKey"]);
        set("RegistryValueName", &item["registryValueName"]);
        set("RegistryValueData", &item["registryValue"]);
    }
}

//! Custom detection rules: create (from a hunting query or from scratch), edit, turn on and
//! off, run now, delete, and their run history, all for any tenant where the caller holds
//! `detections.manage` and whose plan has `detections`. A rule is checked at save: its KQL must
//! parse and plan against the hunting schema and return the columns alerts are built from.

use panoptes_db::{DetectionRule, RuleRun};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_rbac::Permission;
use serde_json::{Value as Json, json};

use crate::rule_body::{RuleLimits, rule_from_body, text_at};
use crate::triage::list_of;
use crate::{App, AppError, Caller, Result, new_id};

const DAY_NS: i64 = 86_400_000_000_000;

/// A rule as the API shows it (Graph's `detectionRule` plus Panoptes fields).
pub(crate) fn rule_view(rule: &DetectionRule, tenant_name: &str) -> Json {
    let datetime = panoptes_query::format::datetime;
    let assets: Vec<Json> = serde_json::from_str(&rule.impacted_assets).unwrap_or_default();
    json!({
        "id": rule.id,
        "tenantId": rule.tenant_id,
        "tenantName": tenant_name,
        "displayName": rule.display_name,
        "description": rule.description,
        "isEnabled": rule.is_enabled,
        "version": rule.version,
        "detectorId": rule.id,
        "createdBy": rule.created_by,
        "createdDateTime": datetime(rule.created_ns),
        "lastModifiedBy": rule.last_modified_by,
        "lastModifiedDateTime": datetime(rule.last_modified_ns),
        "queryCondition": {"queryText": rule.query_text, "mode": rule.mode, "tenantIds": list_of(&rule.tenant_ids)},
        "schedule": {
            "period": rule.period,
            "lookback": panoptes_detect::format_span(rule.lookback_ns),
            "nextRunDateTime": rule.next_run_ns.map(datetime),
        },
        "detectionAction": {
            "alertTemplate": {
                "title": rule.alert_title,
                "description": rule.alert_description,
                "severity": rule.severity,
                "category": rule.category,
                "mitreTechniques": list_of(&rule.mitre_techniques),
                "recommendedActions": rule.recommended_actions,
                "impactedAssets": assets,
            },
            "maxAlertsPerRun": rule.max_alerts_per_run,
        },
        "lastRunDetails": {
            "lastRunDateTime": rule.last_run_ns.map(datetime),
            "status": rule.last_run_status,
            "failureReason": rule.last_run_failure_reason,
            "errorCode": rule.last_run_error_code,
        },
    })
}

fn run_view(run: &RuleRun) -> Json {
    let datetime = panoptes_query::format::datetime;
    json!({
        "id": run.id,
        "startedDateTime": datetime(run.started_ns),
        "durationMs": run.duration_ms,
        "windowStart": datetime(run.window_start_ns),
        "windowEnd": datetime(run.window_end_ns),
        "status": run.status,
        "rowCount": run.row_count,
        "rowsScanned": run.rows_scanned,
        "alertCount": run.alert_count,
        "rowsOverCap": run.rows_over_cap,
        "errorCode": run.error_code,
        "failureReason": run.failure_reason,
    })
}

/// Deep-merges `patch` into `base` (objects merge, anything else replaces).
fn merge(base: &mut Json, patch: &Json) {
    match (base, patch) {
        (Json::Object(base), Json::Object(patch)) => {
            for (key, value) in patch {
                merge(base.entry(key.clone()).or_insert(Json::Null), value);
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}

impl App {
    /// The rules of every tenant where the caller may read security data.
    pub async fn detection_rules(&self, caller: &Caller) -> Result<Vec<Json>> {
        let scope = self.authorize_everywhere(caller, Permission::SecurityDataRead);
        let mut conn = self.db.conn().await?;
        let rules = panoptes_db::detection_rules_of(&mut conn, &scope).await?;
        let names = self.tenant_names(&mut conn, &scope).await?;
        Ok(rules.iter().map(|r| rule_view(r, &names.name(&r.tenant_id))).collect())
    }

    /// One rule.
    pub async fn detection_rule(&self, caller: &Caller, id: &str) -> Result<Json> {
        let (scope, rule) = self.rule_in_scope(caller, id, None).await?;
        let mut conn = self.db.conn().await?;
        let names = self.tenant_names(&mut conn, &scope).await?;
        Ok(rule_view(&rule, &names.name(&rule.tenant_id)))
    }

    async fn rule_in_scope(
        &self,
        caller: &Caller,
        id: &str,
        manage: Option<Permission>,
    ) -> Result<(TenantScope, DetectionRule)> {
        let mut conn = self.db.conn().await?;
        let tenant = panoptes_db::detection_rule_tenant(&mut conn, id).await?;
        let scope = self.object_scope(caller, tenant, manage, &format!("detection rule {id}"))?;
        let rule = panoptes_db::detection_rule(&mut conn, &scope, id).await?;
        Ok((scope, rule))
    }

    /// Creates a rule from a Graph-shaped body (`tenantId` names the tenant it lives in).
    pub async fn create_detection_rule(&self, caller: &Caller, body: &Json) -> Result<Json> {
        let tenant = TenantId::new(
            text_at(body, &["tenantId"])
                .ok_or_else(|| AppError::BadRequest("`tenantId` is required: the tenant the rule runs in".into()))?,
        );
        let scope = self.authorize(caller, &tenant, Permission::DetectionsManage, "tenant")?;
        let now = self.now_ns();
        let mut rule = self.rule_from_json(&tenant, body).await?;
        self.check_combined_consent(caller, &rule)?;
        rule.id = new_id();
        rule.created_by = caller.name.clone();
        rule.created_by_id = caller.id.clone();
        rule.created_ns = now;
        rule.last_modified_by = caller.name.clone();
        rule.last_modified_ns = now;
        rule.version = 1;
        rule.next_run_ns = rule.is_enabled.then_some(panoptes_detect::first_run_after(now));
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_detection_rule(&mut tx, &scope, &rule).await?;
        self.record(&mut tx, caller, &tenant, "detectionRule.create", &rule.display_name, json!({"id": rule.id}))
            .await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(rule_view(&rule, ""))
    }

    /// Changes a rule: the body merges into the rule as shown, and the result is checked as at
    /// creation. Any change but turning it on or off bumps the version.
    pub async fn update_detection_rule(&self, caller: &Caller, id: &str, patch: &Json) -> Result<Json> {
        let (scope, current) = self.rule_in_scope(caller, id, Some(Permission::DetectionsManage)).await?;
        if text_at(patch, &["tenantId"]).is_some_and(|t| t != current.tenant_id.as_str()) {
            return Err(AppError::BadRequest("a rule cannot move to another tenant; create it there".into()));
        }
        let mut merged = rule_view(&current, "");
        merge(&mut merged, patch);
        let mut rule = self.rule_from_json(&current.tenant_id, &merged).await?;
        self.check_combined_consent(caller, &rule)?;
        let now = self.now_ns();
        rule.id = current.id.clone();
        rule.created_by = current.created_by.clone();
        rule.created_by_id = current.created_by_id.clone();
        rule.created_ns = current.created_ns;
        rule.last_run_ns = current.last_run_ns;
        rule.last_run_status = current.last_run_status.clone();
        rule.last_run_error_code = current.last_run_error_code.clone();
        rule.last_run_failure_reason = current.last_run_failure_reason.clone();
        let unchanged = DetectionRule {
            is_enabled: current.is_enabled,
            version: current.version,
            last_modified_by: current.last_modified_by.clone(),
            last_modified_ns: current.last_modified_ns,
            next_run_ns: current.next_run_ns,
            ..rule.clone()
        };
        let only_toggled = unchanged == current;
        rule.version = if only_toggled { current.version } else { current.version + 1 };
        rule.last_modified_by = caller.name.clone();
        rule.last_modified_ns = now;
        rule.next_run_ns = match (rule.is_enabled, current.is_enabled) {
            (false, _) => None,
            (true, false) => Some(panoptes_detect::first_run_after(now)),
            (true, true) => current.next_run_ns,
        };
        let mut tx = self.db.begin().await?;
        panoptes_db::update_detection_rule(&mut tx, &scope, &rule).await?;
        let detail = json!({"id": id, "version": rule.version, "isEnabled": rule.is_enabled});
        self.record(&mut tx, caller, &rule.tenant_id, "detectionRule.update", &rule.display_name, detail).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(rule_view(&rule, ""))
    }

    /// Deletes a rule (its alerts stay).
    pub async fn delete_detection_rule(&self, caller: &Caller, id: &str) -> Result<()> {
        let (scope, rule) = self.rule_in_scope(caller, id, Some(Permission::DetectionsManage)).await?;
        let mut tx = self.db.begin().await?;
        panoptes_db::delete_detection_rule(&mut tx, &scope, id).await?;
        self.record(&mut tx, caller, &rule.tenant_id, "detectionRule.delete", &rule.display_name, json!({"id": id}))
            .await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }

    /// Runs a rule now over its lookback, whatever its schedule; the run's record.
    pub async fn run_detection_rule_now(&self, caller: &Caller, id: &str) -> Result<Json> {
        let (_, rule) = self.rule_in_scope(caller, id, Some(Permission::DetectionsManage)).await?;
        let run = self.run_rule(rule, self.now_ns(), false).await?;
        Ok(run_view(&run))
    }

    /// A rule's recent runs, newest first.
    pub async fn detection_rule_runs(&self, caller: &Caller, id: &str) -> Result<Vec<Json>> {
        let (scope, _) = self.rule_in_scope(caller, id, None).await?;
        let mut conn = self.db.conn().await?;
        let runs = panoptes_db::rule_runs(&mut conn, &scope, id, 100).await?;
        Ok(runs.iter().map(run_view).collect())
    }

    /// Builds and checks a rule (without its identity and history) from a Graph-shaped body.
    async fn rule_from_json(&self, tenant: &TenantId, body: &Json) -> Result<DetectionRule> {
        let mut conn = self.db.conn().await?;
        let plan = panoptes_db::tenant(&mut conn, tenant).await?;
        drop(conn);
        if !plan.has_capability("detections") {
            return Err(AppError::Forbidden(format!(
                "the plan of `{}` does not include `detections`; an instance administrator can add it",
                plan.name
            )));
        }
        let limits = RuleLimits {
            retention_ns: plan.retention_days.max(1) * DAY_NS,
            max_alerts_per_run: self.detection.max_alerts_per_run,
            now_ns: self.now_ns(),
        };
        rule_from_body(&self.engine, tenant, body, &limits)
    }
}

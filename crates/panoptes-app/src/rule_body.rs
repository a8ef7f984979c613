//! A detection rule from its Graph-shaped body, with every check made at save: the KQL must
//! plan against the hunting schema and return the columns alerts are built from, placeholders
//! and impacted assets must name result columns, enums and MITRE ids must be valid. The API
//! and the content checker (`panoptes rules check`) share it.

use panoptes_db::DetectionRule;
use panoptes_detect::{CATEGORIES, ImpactedAsset, Schedule, Severity};
use panoptes_domain::TenantId;
use panoptes_query::{Engine, SchemaCatalog};
use serde_json::Value as Json;

use crate::triage::list_text;
use crate::{AppError, Result};

/// What a rule is checked against.
pub(crate) struct RuleLimits {
    /// The tenant's retention: the longest lookback.
    pub(crate) retention_ns: i64,
    /// The instance's cap of alerts per run.
    pub(crate) max_alerts_per_run: i64,
    /// Now, for planning `ago()`.
    pub(crate) now_ns: i64,
}

/// Reads a string at a JSON path.
pub(crate) fn text_at<'j>(body: &'j Json, path: &[&str]) -> Option<&'j str> {
    path.iter().try_fold(body, |value, key| value.get(*key)).and_then(Json::as_str)
}

fn strings_at(body: &Json, path: &[&str], field: &str) -> Result<Vec<String>> {
    match path.iter().try_fold(body, |value, key| value.get(*key)) {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| AppError::BadRequest(format!("`{field}` holds a non-string")))
            })
            .collect(),
        Some(_) => Err(AppError::BadRequest(format!("`{field}` must be a list of strings"))),
    }
}

/// Builds and checks a rule (without its identity and history) from a Graph-shaped body.
pub(crate) fn rule_from_body(
    engine: &Engine,
    tenant: &TenantId,
    body: &Json,
    limits: &RuleLimits,
) -> Result<DetectionRule> {
    let display_name = text_at(body, &["displayName"]).unwrap_or_default().trim().to_string();
    if display_name.is_empty() || display_name.len() > 200 {
        return Err(AppError::BadRequest("`displayName` must be 1 to 200 characters".into()));
    }
    let query_text = text_at(body, &["queryCondition", "queryText"]).unwrap_or_default().to_string();
    if query_text.trim().is_empty() {
        return Err(AppError::BadRequest("`queryCondition.queryText` is empty: give the rule its KQL".into()));
    }
    let mode = text_at(body, &["queryCondition", "mode"]).unwrap_or("perTenant");
    let schedule = Schedule::parse(
        text_at(body, &["schedule", "period"]).unwrap_or("1H"),
        text_at(body, &["schedule", "lookback"]),
        limits.retention_ns,
    )?;
    let columns = check_rule_query(engine, &query_text, &schedule, limits.now_ns)?;
    let tenant_ids = strings_at(body, &["queryCondition", "tenantIds"], "tenantIds")?;
    match mode {
        "perTenant" if tenant_ids.is_empty() => {}
        "perTenant" => {
            return Err(AppError::BadRequest(
                "`queryCondition.tenantIds` is for combined rules; a perTenant rule runs in its own tenant".into(),
            ));
        }
        "combined" => {
            if tenant_ids.is_empty() {
                return Err(AppError::BadRequest("a combined rule needs `queryCondition.tenantIds`".into()));
            }
            if schedule.is_nrt() {
                return Err(AppError::BadRequest("a combined rule cannot be near-real-time; pick a period".into()));
            }
            if !columns.iter().any(|c| c == "TenantId") {
                return Err(AppError::BadRequest(
                    "a combined rule's results must keep `TenantId`: each tenant's alert holds only its own rows"
                        .into(),
                ));
            }
        }
        other => {
            return Err(AppError::BadRequest(format!("`queryCondition.mode` `{other}` is not perTenant or combined")));
        }
    }
    let template = |key: &str| text_at(body, &["detectionAction", "alertTemplate", key]);
    let alert_title = template("title").unwrap_or(&display_name).trim().to_string();
    let alert_description = template("description").unwrap_or_default().to_string();
    for placeholder in
        panoptes_detect::placeholders(&alert_title).into_iter().chain(panoptes_detect::placeholders(&alert_description))
    {
        if !columns.contains(&placeholder) {
            return Err(AppError::BadRequest(format!(
                "the alert template uses `{{{{{placeholder}}}}}` but the query returns no column `{placeholder}`"
            )));
        }
    }
    let severity = Severity::parse(template("severity").unwrap_or("medium"))?;
    let category = template("category").unwrap_or("SuspiciousActivity").to_string();
    if !CATEGORIES.contains(&category.as_str()) {
        return Err(AppError::BadRequest(format!("`category` `{category}` is not one of {}", CATEGORIES.join(", "))));
    }
    let techniques = strings_at(body, &["detectionAction", "alertTemplate", "mitreTechniques"], "mitreTechniques")?;
    for technique in &techniques {
        panoptes_detect::check_mitre_technique(technique)?;
    }
    let assets_json = body
        .get("detectionAction")
        .and_then(|a| a.get("alertTemplate"))
        .and_then(|t| t.get("impactedAssets"))
        .cloned()
        .unwrap_or(Json::Array(Vec::new()));
    let assets: Vec<ImpactedAsset> = serde_json::from_value(assets_json).map_err(|e| {
        AppError::BadRequest(format!("`impactedAssets` must be a list of {{\"@odata.type\", \"identifier\"}}: {e}"))
    })?;
    for asset in &assets {
        let kind = asset.kind.rsplit('.').next().unwrap_or_default().trim_end_matches("AssetEntity");
        if !["device", "user", "mailbox", "impactedDeviceAsset", "impactedUserAsset", "impactedMailboxAsset"]
            .iter()
            .any(|k| kind.eq_ignore_ascii_case(k) || asset.kind.ends_with(k))
        {
            return Err(AppError::BadRequest(format!(
                "impacted asset type `{}` is not device, user or mailbox",
                asset.kind
            )));
        }
        if !columns.contains(&asset.identifier) {
            return Err(AppError::BadRequest(format!(
                "impacted asset identifier `{}` is not a column the query returns",
                asset.identifier
            )));
        }
    }
    let max_alerts = body
        .get("detectionAction")
        .and_then(|a| a.get("maxAlertsPerRun"))
        .and_then(Json::as_i64)
        .unwrap_or(limits.max_alerts_per_run)
        .clamp(1, limits.max_alerts_per_run.max(1));
    Ok(DetectionRule {
        id: String::new(),
        tenant_id: tenant.clone(),
        display_name,
        description: text_at(body, &["description"]).unwrap_or_default().to_string(),
        is_enabled: body.get("isEnabled").and_then(Json::as_bool).unwrap_or(true),
        version: 0,
        query_text,
        mode: mode.to_string(),
        tenant_ids: list_text(&tenant_ids),
        period: schedule.period().to_string(),
        lookback_ns: schedule.lookback_ns,
        alert_title,
        alert_description,
        severity: severity.as_str().into(),
        category,
        mitre_techniques: list_text(&techniques),
        recommended_actions: template("recommendedActions").unwrap_or_default().to_string(),
        impacted_assets: serde_json::to_string(&assets).unwrap_or_else(|_| "[]".into()),
        max_alerts_per_run: max_alerts,
        created_by: String::new(),
        created_by_id: String::new(),
        created_ns: 0,
        last_modified_by: String::new(),
        last_modified_ns: 0,
        next_run_ns: None,
        last_run_ns: None,
        last_run_status: None,
        last_run_error_code: None,
        last_run_failure_reason: None,
    })
}

/// Plans a rule's KQL against the hunting schema and checks its result columns (and, for
/// near-real-time rules, its operators); the result's column names.
pub(crate) fn check_rule_query(engine: &Engine, query: &str, schedule: &Schedule, now_ns: i64) -> Result<Vec<String>> {
    let planned = engine
        .plan(query, &SchemaCatalog, now_ns)
        .map_err(|e| AppError::BadRequest(format!("the rule's query does not run: {e}")))?;
    let columns: Vec<String> = planned.columns().into_iter().map(|(name, _)| name).collect();
    let ast = panoptes_kql::parse(query).map_err(|d| AppError::BadRequest(d.message.clone()))?;
    panoptes_detect::check_result_columns(&panoptes_detect::tables_read(&ast), &columns)?;
    if schedule.is_nrt() {
        panoptes_detect::is_nrt_eligible(&ast).map_err(|reason| {
            AppError::BadRequest(format!("this query cannot run near-real-time (period 0): {reason}"))
        })?;
    }
    Ok(columns)
}

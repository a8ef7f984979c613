//! Detection rules and their run history.

use panoptes_domain::{TenantId, TenantScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::principals::single;
use crate::{Conn, DbError, Result};

/// A detection rule row. List-valued fields are JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectionRule {
    /// Its id (also the `detectorId` of its alerts).
    pub id: String,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// Unique per tenant.
    pub display_name: String,
    /// What it detects.
    pub description: String,
    /// Scheduled or not.
    pub is_enabled: bool,
    /// Bumped by every edit.
    pub version: i64,
    /// The KQL.
    pub query_text: String,
    /// `perTenant` or `combined`.
    pub mode: String,
    /// The tenants of a combined rule (JSON list).
    pub tenant_ids: String,
    /// `0`, `1H`, `3H`, `12H`, `24H`.
    pub period: String,
    /// How far back each run looks.
    pub lookback_ns: i64,
    /// Alert title template.
    pub alert_title: String,
    /// Alert description template.
    pub alert_description: String,
    /// Alert severity.
    pub severity: String,
    /// Alert category.
    pub category: String,
    /// MITRE techniques (JSON list).
    pub mitre_techniques: String,
    /// Recommended actions.
    pub recommended_actions: String,
    /// Impacted assets (JSON list of `{@odata.type, identifier}`).
    pub impacted_assets: String,
    /// Alerts per run at most.
    pub max_alerts_per_run: i64,
    /// Creator's name.
    pub created_by: String,
    /// Creator's principal id (whose grants a combined rule runs under).
    pub created_by_id: String,
    /// Created (Unix ns).
    pub created_ns: i64,
    /// Last editor's name.
    pub last_modified_by: String,
    /// Last edit (Unix ns).
    pub last_modified_ns: i64,
    /// When it is due (Unix ns); none when off.
    pub next_run_ns: Option<i64>,
    /// Last run (Unix ns).
    pub last_run_ns: Option<i64>,
    /// `running`, `completed`, `failed`, `partiallyFailed`.
    pub last_run_status: Option<String>,
    /// Graph error code of the last failed run.
    pub last_run_error_code: Option<String>,
    /// Why the last run failed.
    pub last_run_failure_reason: Option<String>,
}

const COLUMNS: &str = "id, tenant_id, display_name, description, is_enabled, version, query_text, mode, tenant_ids, \
    period, lookback_ns, alert_title, alert_description, severity, category, mitre_techniques, recommended_actions, \
    impacted_assets, max_alerts_per_run, created_by, created_by_id, created_ns, last_modified_by, last_modified_ns, \
    next_run_ns, last_run_ns, last_run_status, last_run_error_code, last_run_failure_reason";

fn from_row(row: &AnyRow) -> Result<DetectionRule> {
    Ok(DetectionRule {
        id: row.try_get("id")?,
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        display_name: row.try_get("display_name")?,
        description: row.try_get("description")?,
        is_enabled: row.try_get::<i64, _>("is_enabled")? != 0,
        version: row.try_get("version")?,
        query_text: row.try_get("query_text")?,
        mode: row.try_get("mode")?,
        tenant_ids: row.try_get("tenant_ids")?,
        period: row.try_get("period")?,
        lookback_ns: row.try_get("lookback_ns")?,
        alert_title: row.try_get("alert_title")?,
        alert_description: row.try_get("alert_description")?,
        severity: row.try_get("severity")?,
        category: row.try_get("category")?,
        mitre_techniques: row.try_get("mitre_techniques")?,
        recommended_actions: row.try_get("recommended_actions")?,
        impacted_assets: row.try_get("impacted_assets")?,
        max_alerts_per_run: row.try_get("max_alerts_per_run")?,
        created_by: row.try_get("created_by")?,
        created_by_id: row.try_get("created_by_id")?,
        created_ns: row.try_get("created_ns")?,
        last_modified_by: row.try_get("last_modified_by")?,
        last_modified_ns: row.try_get("last_modified_ns")?,
        next_run_ns: row.try_get("next_run_ns")?,
        last_run_ns: row.try_get("last_run_ns")?,
        last_run_status: row.try_get("last_run_status")?,
        last_run_error_code: row.try_get("last_run_error_code")?,
        last_run_failure_reason: row.try_get("last_run_failure_reason")?,
    })
}

fn bind_all<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    rule: &'q DetectionRule,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(&rule.display_name)
        .bind(&rule.description)
        .bind(i64::from(rule.is_enabled))
        .bind(rule.version)
        .bind(&rule.query_text)
        .bind(&rule.mode)
        .bind(&rule.tenant_ids)
        .bind(&rule.period)
        .bind(rule.lookback_ns)
        .bind(&rule.alert_title)
        .bind(&rule.alert_description)
        .bind(&rule.severity)
        .bind(&rule.category)
        .bind(&rule.mitre_techniques)
        .bind(&rule.recommended_actions)
        .bind(&rule.impacted_assets)
        .bind(rule.max_alerts_per_run)
        .bind(&rule.created_by)
        .bind(&rule.created_by_id)
        .bind(rule.created_ns)
        .bind(&rule.last_modified_by)
        .bind(rule.last_modified_ns)
        .bind(rule.next_run_ns)
        .bind(rule.last_run_ns)
        .bind(&rule.last_run_status)
        .bind(&rule.last_run_error_code)
        .bind(&rule.last_run_failure_reason)
}

/// Stores a new rule in the tenant in scope (its name must be new there).
pub async fn insert_detection_rule(conn: &mut Conn, scope: &TenantScope, rule: &DetectionRule) -> Result<()> {
    single(scope, &rule.tenant_id)?;
    let placeholders: Vec<String> = (1..=29).map(|n| format!("${n}")).collect();
    let sql = format!("INSERT INTO detection_rules ({COLUMNS}) VALUES ({})", placeholders.join(", "));
    bind_all(sqlx::query(&sql).bind(&rule.id).bind(rule.tenant_id.as_str()), rule)
        .execute(conn)
        .await
        .map_err(|e| name_taken(e, rule))?;
    Ok(())
}

/// Writes every field of a rule of the tenant in scope.
pub async fn update_detection_rule(conn: &mut Conn, scope: &TenantScope, rule: &DetectionRule) -> Result<()> {
    let tenant = single(scope, &rule.tenant_id)?;
    let names: Vec<&str> = COLUMNS.split(", ").skip(2).map(str::trim).collect();
    let sets: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("{n} = ${}", i + 3)).collect();
    let sql = format!("UPDATE detection_rules SET {} WHERE id = $1 AND tenant_id = $2", sets.join(", "));
    let done = bind_all(sqlx::query(&sql).bind(&rule.id).bind(tenant.as_str()), rule)
        .execute(conn)
        .await
        .map_err(|e| name_taken(e, rule))?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("detection rule {}", rule.id)));
    }
    Ok(())
}

fn name_taken(error: sqlx::Error, rule: &DetectionRule) -> DbError {
    match DbError::from(error) {
        DbError::Conflict(_) => DbError::Conflict(format!(
            "the tenant already has a detection rule named `{}`; pick another name",
            rule.display_name
        )),
        other => other,
    }
}

/// One rule of the tenant in scope.
pub async fn detection_rule(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<DetectionRule> {
    let missing = || DbError::NotFound(format!("detection rule {id}"));
    let tenant = scope.single().ok_or_else(missing)?;
    let sql = format!("SELECT {COLUMNS} FROM detection_rules WHERE id = $1 AND tenant_id = $2");
    let row = sqlx::query(&sql).bind(id).bind(tenant.as_str()).fetch_optional(conn).await?;
    from_row(&row.ok_or_else(missing)?)
}

/// The tenant a rule belongs to, for authorizing a request about it.
pub async fn detection_rule_tenant(conn: &mut Conn, id: &str) -> Result<Option<TenantId>> {
    let row = sqlx::query("SELECT tenant_id FROM detection_rules WHERE id = $1").bind(id).fetch_optional(conn).await?;
    row.map(|row| Ok(TenantId::new(row.try_get::<String, _>("tenant_id")?))).transpose()
}

/// The scope's rules, by tenant and name.
pub async fn detection_rules_of(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<DetectionRule>> {
    let mut found = Vec::new();
    for tenant in scope.tenants() {
        let sql = format!("SELECT {COLUMNS} FROM detection_rules WHERE tenant_id = $1");
        for row in &sqlx::query(&sql).bind(tenant.as_str()).fetch_all(&mut *conn).await? {
            found.push(from_row(row)?);
        }
    }
    found.sort_by(|a, b| a.tenant_id.cmp(&b.tenant_id).then(a.display_name.cmp(&b.display_name)));
    Ok(found)
}

/// Deletes a rule of the tenant in scope and its run history (its alerts stay).
pub async fn delete_detection_rule(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<()> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("detection rule {id}")))?;
    sqlx::query("DELETE FROM rule_runs WHERE rule_id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.as_str())
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM detection_rules WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("detection rule {id}")));
    }
    Ok(())
}

/// Enabled rules of every tenant due at `now_ns`, most overdue first: the scheduler's work list.
pub async fn due_detection_rules(conn: &mut Conn, now_ns: i64, limit: i64) -> Result<Vec<DetectionRule>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM detection_rules WHERE is_enabled = 1 AND next_run_ns IS NOT NULL AND next_run_ns <= $1 \
         ORDER BY next_run_ns, id LIMIT $2"
    );
    let rows = sqlx::query(&sql).bind(now_ns).bind(limit).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// One run of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRun {
    /// Its id.
    pub id: String,
    /// The tenant it ran in (the owner's for a combined rule).
    pub tenant_id: TenantId,
    /// The rule.
    pub rule_id: String,
    /// Start (Unix ns).
    pub started_ns: i64,
    /// How long it took.
    pub duration_ms: i64,
    /// Data window start.
    pub window_start_ns: i64,
    /// Data window end (the scheduled instant).
    pub window_end_ns: i64,
    /// `completed`, `failed`, `partiallyFailed`.
    pub status: String,
    /// Result rows.
    pub row_count: i64,
    /// Rows the query read from the tenant's tables (after pruning).
    pub rows_scanned: i64,
    /// New alerts.
    pub alert_count: i64,
    /// Rows beyond the per-run alert cap.
    pub rows_over_cap: i64,
    /// Graph error code.
    pub error_code: Option<String>,
    /// Why it failed.
    pub failure_reason: Option<String>,
}

/// Records a run.
pub async fn insert_rule_run(conn: &mut Conn, scope: &TenantScope, run: &RuleRun) -> Result<()> {
    let tenant = single(scope, &run.tenant_id)?;
    sqlx::query(
        "INSERT INTO rule_runs (id, tenant_id, rule_id, started_ns, duration_ms, window_start_ns, window_end_ns, \
         status, row_count, rows_scanned, alert_count, rows_over_cap, error_code, failure_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&run.id)
    .bind(tenant.as_str())
    .bind(&run.rule_id)
    .bind(run.started_ns)
    .bind(run.duration_ms)
    .bind(run.window_start_ns)
    .bind(run.window_end_ns)
    .bind(&run.status)
    .bind(run.row_count)
    .bind(run.rows_scanned)
    .bind(run.alert_count)
    .bind(run.rows_over_cap)
    .bind(&run.error_code)
    .bind(&run.failure_reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// A rule's runs, newest first.
pub async fn rule_runs(conn: &mut Conn, scope: &TenantScope, rule_id: &str, limit: i64) -> Result<Vec<RuleRun>> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("detection rule {rule_id}")))?;
    let rows = sqlx::query(
        "SELECT id, tenant_id, rule_id, started_ns, duration_ms, window_start_ns, window_end_ns, status, row_count, \
         rows_scanned, alert_count, rows_over_cap, error_code, failure_reason FROM rule_runs WHERE tenant_id = $1 AND rule_id = $2 \
         ORDER BY started_ns DESC, id LIMIT $3",
    )
    .bind(tenant.as_str())
    .bind(rule_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(RuleRun {
                id: row.try_get("id")?,
                tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
                rule_id: row.try_get("rule_id")?,
                started_ns: row.try_get("started_ns")?,
                duration_ms: row.try_get("duration_ms")?,
                window_start_ns: row.try_get("window_start_ns")?,
                window_end_ns: row.try_get("window_end_ns")?,
                status: row.try_get("status")?,
                row_count: row.try_get("row_count")?,
                rows_scanned: row.try_get("rows_scanned")?,
                alert_count: row.try_get("alert_count")?,
                rows_over_cap: row.try_get("rows_over_cap")?,
                error_code: row.try_get("error_code")?,
                failure_reason: row.try_get("failure_reason")?,
            })
        })
        .collect()
}

//! The detection rule model's checks (SPEC 3.1): schedule and lookback, the result columns a
//! rule must return, MITRE technique ids, near-real-time eligibility and the tables a query
//! reads.

use panoptes_kql::ast::{Expr, ExprKind, Operator, Query, Statement};

use crate::{DetectError, Result};

const HOUR_NS: i64 = 3_600 * 1_000_000_000;
const DAY_NS: i64 = 24 * HOUR_NS;

/// How often a rule runs and over how much history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Interval between runs; 0 = near-real-time (continuous).
    pub period_ns: i64,
    /// How far back each run looks.
    pub lookback_ns: i64,
}

impl Schedule {
    /// The periods a rule may have, as Graph spells them.
    pub const PERIODS: &'static [&'static str] = &["0", "1H", "3H", "12H", "24H"];

    /// Parses `schedule.period` and an optional lookback (`4h`, `2d`, `PT12H`, `P30D`), which
    /// must be positive and at most `retention_ns`.
    pub fn parse(period: &str, lookback: Option<&str>, retention_ns: i64) -> Result<Schedule> {
        let (period_ns, default_lookback) = match period.trim().to_ascii_uppercase().as_str() {
            "0" => (0, HOUR_NS),
            "1H" => (HOUR_NS, 4 * HOUR_NS),
            "3H" => (3 * HOUR_NS, 12 * HOUR_NS),
            "12H" => (12 * HOUR_NS, 48 * HOUR_NS),
            "24H" => (24 * HOUR_NS, 30 * DAY_NS),
            other => {
                return Err(DetectError::Invalid(format!(
                    "`schedule.period` `{other}` is not one of {} (0 = near-real-time)",
                    Schedule::PERIODS.join(", ")
                )));
            }
        };
        let lookback_ns = match lookback.map(str::trim).filter(|l| !l.is_empty()) {
            None => default_lookback,
            Some(text) => parse_span(text).ok_or_else(|| {
                DetectError::Invalid(format!("`schedule.lookback` `{text}` is not a duration such as 4h, 2d or P30D"))
            })?,
        };
        if lookback_ns > retention_ns {
            return Err(DetectError::Invalid(format!(
                "`schedule.lookback` is longer than the {} days of retention",
                retention_ns / DAY_NS
            )));
        }
        Ok(Schedule { period_ns, lookback_ns: lookback_ns.min(retention_ns) })
    }

    /// The period as Graph spells it.
    pub fn period(&self) -> &'static str {
        match self.period_ns / HOUR_NS {
            0 => "0",
            1 => "1H",
            3 => "3H",
            12 => "12H",
            _ => "24H",
        }
    }

    /// Near-real-time (continuous).
    pub fn is_nrt(&self) -> bool {
        self.period_ns == 0
    }
}

/// A duration in ISO 8601 (`PT4H`, `P30D`, `P1DT12H`), as schedules show lookbacks.
pub fn format_span(ns: i64) -> String {
    let minutes = ns / 60_000_000_000;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut text = String::from("P");
    if days > 0 {
        text.push_str(&format!("{days}D"));
    }
    if hours > 0 || minutes > 0 || days == 0 {
        text.push('T');
        if hours > 0 || minutes == 0 {
            text.push_str(&format!("{hours}H"));
        }
        if minutes > 0 {
            text.push_str(&format!("{minutes}M"));
        }
    }
    text
}

/// A positive duration: `30m`, `4h`, `2d` or ISO 8601 (`PT4H`, `P30D`, `P1DT12H`).
fn parse_span(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Some(iso) = text.strip_prefix(['P', 'p']) {
        let (days, time) = iso.split_once(['T', 't']).unwrap_or((iso, ""));
        let mut total = 0i64;
        let mut add = |part: &str, units: &[(char, i64)]| -> Option<()> {
            let mut number = String::new();
            for c in part.chars() {
                if c.is_ascii_digit() {
                    number.push(c);
                } else {
                    let (_, scale) = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?;
                    total = total.checked_add(number.parse::<i64>().ok()?.checked_mul(*scale)?)?;
                    number.clear();
                }
            }
            number.is_empty().then_some(())
        };
        add(days, &[('D', DAY_NS), ('W', 7 * DAY_NS)])?;
        add(time, &[('H', HOUR_NS), ('M', 60_000_000_000), ('S', 1_000_000_000)])?;
        return (total > 0).then_some(total);
    }
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let scale = match unit.trim() {
        "m" | "min" => 60_000_000_000,
        "h" => HOUR_NS,
        "d" => DAY_NS,
        _ => return None,
    };
    let value = number.parse::<i64>().ok()?.checked_mul(scale)?;
    (value > 0).then_some(value)
}

/// Per tenant (Defender's semantics) or one run over several tenants' data together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RuleMode {
    /// Runs in its own tenant.
    PerTenant,
    /// Runs once over the union of named tenants (needs cross-tenant consent in each).
    Combined,
}

/// An impacted asset: which kind of entity a result column identifies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpactedAsset {
    /// `device`, `user` or `mailbox`.
    #[serde(rename = "@odata.type", alias = "type")]
    pub kind: String,
    /// The result column holding its identifier.
    pub identifier: String,
}

/// Columns that identify an impacted asset (SPEC 3.1).
pub const IMPACTED_ASSET_COLUMNS: &[&str] = &[
    "DeviceId",
    "DeviceName",
    "RemoteDeviceName",
    "RecipientEmailAddress",
    "SenderFromAddress",
    "SenderMailFromAddress",
    "RecipientObjectId",
    "AccountObjectId",
    "AccountSid",
    "AccountUpn",
    "InitiatingProcessAccountSid",
    "InitiatingProcessAccountUpn",
    "InitiatingProcessAccountObjectId",
];

/// Checks that a rule's result has the columns alerts are built from: `Timestamp`; for
/// `Device*` tables `DeviceId` and `ReportId`; for `Alert*` tables nothing more; otherwise
/// `ReportId`; and at least one impacted-asset column.
pub fn check_result_columns(tables: &[String], columns: &[String]) -> Result<()> {
    let has = |name: &str| columns.iter().any(|c| c == name);
    let mut missing: Vec<&str> = Vec::new();
    if !has("Timestamp") {
        missing.push("Timestamp");
    }
    let only_alerts = !tables.is_empty() && tables.iter().all(|t| t.starts_with("Alert"));
    if tables.iter().any(|t| t.starts_with("Device")) && !has("DeviceId") {
        missing.push("DeviceId");
    }
    if !only_alerts && !has("ReportId") {
        missing.push("ReportId");
    }
    if !missing.is_empty() {
        return Err(DetectError::Invalid(format!(
            "the query's results lack the column{} {}: a detection rule needs them to build and deduplicate alerts; \
             add them to the final `project` (or leave them in)",
            if missing.len() > 1 { "s" } else { "" },
            missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        )));
    }
    if !IMPACTED_ASSET_COLUMNS.iter().any(|c| has(c)) {
        return Err(DetectError::Invalid(format!(
            "the query's results name no impacted asset: return one of {}",
            IMPACTED_ASSET_COLUMNS.join(", ")
        )));
    }
    Ok(())
}

/// Checks a MITRE ATT&CK technique id: `T1234` or `T1234.001`.
pub fn check_mitre_technique(id: &str) -> Result<()> {
    let bytes = id.as_bytes();
    let technique = bytes.len() >= 5 && bytes[0] == b'T' && bytes[1..5].iter().all(u8::is_ascii_digit);
    let sub = match &bytes[5.min(bytes.len())..] {
        [] => true,
        [b'.', rest @ ..] => rest.len() == 3 && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if technique && sub {
        Ok(())
    } else {
        Err(DetectError::Invalid(format!("`{id}` is not a MITRE technique id (T1234 or T1234.001)")))
    }
}

/// Whether a query may run near-real-time: one table and row-wise operators only (`where`,
/// `extend`, `project*`, `parse`, `mv-expand`), with only scalar `let`s. The reason when not.
pub fn is_nrt_eligible(query: &Query) -> std::result::Result<(), String> {
    let mut result = None;
    for statement in &query.statements {
        match statement {
            Statement::Let { name, value } if is_tabular(value) => {
                return Err(format!(
                    "`let {}` binds a table; near-real-time rules allow scalar `let`s only",
                    name.name
                ));
            }
            Statement::Expr(expr) => result = Some(expr),
            _ => {}
        }
    }
    let mut expr = result.ok_or("the query returns nothing")?;
    while let ExprKind::Pipe(input, operator) = &expr.kind {
        let allowed = matches!(
            operator.as_ref(),
            Operator::Where(_)
                | Operator::Extend(_)
                | Operator::Project(_)
                | Operator::ProjectAway(_)
                | Operator::ProjectKeep(_)
                | Operator::ProjectRename(_)
                | Operator::ProjectReorder(_)
                | Operator::Parse { .. }
                | Operator::MvExpand { .. }
        );
        if !allowed {
            return Err(format!(
                "`{}` is not row-wise; near-real-time rules allow where, extend, project, parse and mv-expand",
                operator_name(operator)
            ));
        }
        expr = input;
    }
    match &expr.kind {
        ExprKind::Name(_) => Ok(()),
        _ => Err("near-real-time rules read one table directly".into()),
    }
}

/// The tables the returned expression reads (its leftmost sources, through `let`s and
/// `union`s), for the result-column rules.
pub fn tables_read(query: &Query) -> Vec<String> {
    let mut lets: Vec<(&str, &Expr)> = Vec::new();
    let mut tables = Vec::new();
    for statement in &query.statements {
        match statement {
            Statement::Let { name, value } => lets.push((&name.name, value)),
            Statement::Expr(expr) => collect_sources(expr, &lets, &mut tables, 0),
            Statement::Set { .. } => {}
        }
    }
    tables.sort();
    tables.dedup();
    tables
}

fn collect_sources(expr: &Expr, lets: &[(&str, &Expr)], tables: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    match &expr.kind {
        ExprKind::Pipe(input, _) => collect_sources(input, lets, tables, depth + 1),
        ExprKind::Name(name) => match lets.iter().rev().find(|(n, _)| n == name) {
            Some((_, value)) => collect_sources(value, lets, tables, depth + 1),
            None => tables.push(name.clone()),
        },
        ExprKind::Source(operator) => {
            if let Operator::Union { tables: inputs, .. } = operator.as_ref() {
                for input in inputs {
                    collect_sources(input, lets, tables, depth + 1);
                }
            }
        }
        ExprKind::Block(statements) => {
            for statement in statements {
                if let Statement::Expr(inner) = statement {
                    collect_sources(inner, lets, tables, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn is_tabular(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Pipe(..) | ExprKind::Source(_) | ExprKind::Block(_))
}

fn operator_name(operator: &Operator) -> &'static str {
    match operator {
        Operator::Summarize { .. } => "summarize",
        Operator::Join { .. } => "join",
        Operator::Lookup { .. } => "lookup",
        Operator::Union { .. } => "union",
        Operator::Serialize(_) => "serialize",
        Operator::Take(_) => "take",
        Operator::Top { .. } => "top",
        Operator::Sort(_) => "sort",
        Operator::Distinct(_) => "distinct",
        Operator::Count { .. } => "count",
        Operator::MakeSeries(_) => "make-series",
        Operator::Evaluate { .. } => "evaluate",
        _ => "this operator",
    }
}

#[cfg(test)]
mod tests;

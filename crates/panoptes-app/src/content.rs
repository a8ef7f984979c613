//! Checking first-party rule files (`panoptes rules check`): each rule goes through the same
//! checks as a rule saved through the API, then its tests run through the real engine over
//! in-memory tables holding the test's events: a true-positive test must return rows, a
//! true-negative test none. Installing first-party rules in tenants (the demo does) goes
//! through the same checks.

use std::time::Duration;

use panoptes_detect::{ContentRule, Expectation};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_query::{Engine, ExecuteOptions, MemoryCatalog};

use crate::rule_body::{RuleLimits, rule_from_body};
use crate::{App, Result, new_id};

/// How one rule file fared.
#[derive(Debug, Clone)]
pub struct ContentCheck {
    /// The rule's name.
    pub name: String,
    /// Why it would be refused at save (empty when it would be accepted).
    pub problems: Vec<String>,
    /// Its tests.
    pub tests: Vec<TestOutcome>,
}

impl ContentCheck {
    /// Accepted, and every test passed.
    pub fn passed(&self) -> bool {
        self.problems.is_empty() && self.tests.iter().all(|t| t.passed)
    }
}

/// One test's outcome.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The test's name.
    pub name: String,
    /// Whether the rule did what the test expects.
    pub passed: bool,
    /// Rows returned, or the error.
    pub detail: String,
}

/// Checks a rule file and runs its tests.
pub async fn check_content_rule(engine: &Engine, rule: &ContentRule, now_ns: i64) -> ContentCheck {
    let mut check = ContentCheck { name: rule.name.clone(), problems: Vec::new(), tests: Vec::new() };
    let limits = RuleLimits {
        retention_ns: Duration::from_secs(90 * 86_400).as_nanos() as i64,
        max_alerts_per_run: 100,
        now_ns,
    };
    let tenant = TenantId::new("content");
    if let Err(error) = rule_from_body(engine, &tenant, &rule.to_rule_body("content", true), &limits) {
        check.problems.push(error.to_string());
        return check;
    }
    let tables = panoptes_kql::parse(&rule.query).map(|ast| panoptes_detect::tables_read(&ast)).unwrap_or_default();
    for test in &rule.tests {
        let mut catalog = MemoryCatalog::default();
        let mut latest = None;
        let mut failure = None;
        for table in tables.iter().chain(test.events.keys()) {
            let rows = test.events.get(table).map(Vec::as_slice).unwrap_or_default();
            for row in rows {
                let at = row.get("Timestamp").and_then(|t| t.as_str()).and_then(panoptes_query::format::parse_datetime);
                latest = latest.max(at);
            }
            let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
            if let Err(error) = catalog.load_ndjson(table, &text) {
                failure = Some(format!("events of {table}: {error}"));
            }
        }
        // The rule runs as if scheduled just after its events.
        let options =
            ExecuteOptions { now_ns: Some(latest.map_or(now_ns, |t| t + 60_000_000_000)), ..Default::default() };
        let outcome = match failure {
            Some(error) => Err(error),
            None => engine.execute(&rule.query, &catalog, &options).await.map_err(|e| e.to_string()),
        };
        let (passed, detail) = match (outcome, test.expect) {
            (Err(error), _) => (false, error),
            (Ok(table), Expectation::Alert) => (table.row_count() > 0, format!("{} rows", table.row_count())),
            (Ok(table), Expectation::None) => (table.row_count() == 0, format!("{} rows", table.row_count())),
        };
        check.tests.push(TestOutcome { name: test.name.clone(), passed, detail });
    }
    check
}

impl App {
    /// Installs first-party rules in each tenant, enabled and due at once; how many. Operator
    /// use only (the binary's `demo` and `bench detect`, which hold the data directory): no
    /// API route reaches it, which is why it takes no `Caller`.
    pub async fn install_content_rules(&self, tenants: &[TenantId], rules: &[ContentRule]) -> Result<usize> {
        let now = self.now_ns();
        let mut tx = self.db.begin().await?;
        let mut installed = 0;
        for tenant in tenants {
            let plan = panoptes_db::tenant(&mut tx, tenant).await?;
            let limits = RuleLimits {
                retention_ns: plan.retention_days.max(1) * 86_400_000_000_000,
                max_alerts_per_run: self.detection.max_alerts_per_run,
                now_ns: now,
            };
            for content in rules {
                let mut rule =
                    rule_from_body(&self.engine, tenant, &content.to_rule_body(tenant.as_str(), true), &limits)?;
                rule.id = new_id();
                rule.version = 1;
                rule.created_by = "Panoptes content".into();
                rule.created_ns = now;
                rule.last_modified_by = "Panoptes content".into();
                rule.last_modified_ns = now;
                rule.next_run_ns = Some(now);
                panoptes_db::insert_detection_rule(&mut tx, &TenantScope::authorized([tenant.clone()]), &rule).await?;
                installed += 1;
            }
        }
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(installed)
    }
}

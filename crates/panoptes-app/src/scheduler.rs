//! The detection scheduler: every tick it takes the enabled rules that are due, interleaves
//! them by tenant (each tenant's most overdue rule first, then each tenant's second, ...) and
//! runs them a few at a time with at most one run per tenant in flight, so a tenant with 10×
//! the data or a slow rule delays only its own rules. A run that a crash interrupted is simply
//! due again after restart; deduplication keeps its alerts from doubling.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use panoptes_db::DetectionRule;
use tokio::task::JoinSet;

use crate::{App, Result};

/// Settings of detection and correlation.
#[derive(Debug, Clone)]
pub struct DetectionConfig {
    /// A new alert joins an open incident sharing an entity active within this long.
    pub correlation_window: Duration,
    /// New alerts per rule run at most (a rule may ask for fewer).
    pub max_alerts_per_run: i64,
    /// How often near-real-time rules run.
    pub nrt_interval: Duration,
    /// How often the scheduler looks for due rules.
    pub tick: Duration,
    /// Rule runs at once.
    pub concurrent_runs: usize,
}

impl Default for DetectionConfig {
    fn default() -> Self {
        Self {
            correlation_window: Duration::from_secs(24 * 3600),
            max_alerts_per_run: 100,
            nrt_interval: Duration::from_secs(5),
            tick: Duration::from_secs(2),
            concurrent_runs: 2,
        }
    }
}

/// Due rules in fair order: round-robin over tenants, each tenant's rules most overdue first.
pub(crate) fn fair_order(due: Vec<DetectionRule>) -> Vec<DetectionRule> {
    let mut by_tenant: Vec<(String, Vec<DetectionRule>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for rule in due {
        let key = rule.tenant_id.to_string();
        let slot = *index.entry(key.clone()).or_insert_with(|| {
            by_tenant.push((key, Vec::new()));
            by_tenant.len() - 1
        });
        by_tenant[slot].1.push(rule);
    }
    for (_, rules) in &mut by_tenant {
        rules.sort_by_key(|r| r.next_run_ns);
        rules.reverse();
    }
    let mut ordered = Vec::new();
    loop {
        let mut any = false;
        for (_, rules) in &mut by_tenant {
            if let Some(rule) = rules.pop() {
                ordered.push(rule);
                any = true;
            }
        }
        if !any {
            return ordered;
        }
    }
}

impl App {
    /// Sets detection and correlation settings.
    pub fn with_detection(mut self, config: DetectionConfig) -> App {
        self.detection = config;
        self
    }

    /// Runs every rule due now, fairly across tenants; how many runs were made.
    pub async fn run_due_rules(&self) -> Result<usize> {
        let now = self.now_ns();
        let mut conn = self.db.conn().await?;
        let due = panoptes_db::due_detection_rules(&mut conn, now, 10_000).await?;
        drop(conn);
        let mut queue = fair_order(due);
        queue.reverse();
        let mut running: JoinSet<(String, Result<()>)> = JoinSet::new();
        let mut busy: HashSet<String> = HashSet::new();
        let mut runs = 0;
        loop {
            while running.len() < self.detection.concurrent_runs.max(1) {
                // The next rule whose tenant has nothing in flight.
                let Some(position) = queue.iter().rposition(|r| !busy.contains(r.tenant_id.as_str())) else { break };
                let rule = queue.remove(position);
                let tenant = rule.tenant_id.to_string();
                busy.insert(tenant.clone());
                let app = self.clone();
                let due_ns = rule.next_run_ns.unwrap_or(now);
                running.spawn(async move {
                    let rule_id = rule.id.clone();
                    let outcome = app.run_rule(rule, due_ns, true).await.map(|_| ());
                    if let Err(error) = &outcome {
                        tracing::warn!(rule_id, %error, "detection rule run failed to record");
                    }
                    (tenant, outcome)
                });
                runs += 1;
            }
            match running.join_next().await {
                Some(Ok((tenant, _))) => {
                    busy.remove(&tenant);
                }
                Some(Err(error)) => {
                    // A panicking run is isolated to itself; its tenant stays busy this tick.
                    tracing::error!(%error, "detection rule run panicked");
                }
                // Nothing runs: done, or what is left belongs to a tenant whose run panicked
                // (next tick).
                None => break,
            }
        }
        Ok(runs)
    }

    /// Runs the scheduler until the process ends.
    pub fn spawn_scheduler(&self) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = app.run_due_rules().await {
                    tracing::warn!(%error, "detection scheduler tick failed");
                }
                tokio::time::sleep(app.detection.tick).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(tenant: &str, due: i64) -> DetectionRule {
        DetectionRule {
            id: format!("{tenant}-{due}"),
            tenant_id: panoptes_domain::TenantId::new(tenant),
            display_name: String::new(),
            description: String::new(),
            is_enabled: true,
            version: 1,
            query_text: String::new(),
            mode: "perTenant".into(),
            tenant_ids: "[]".into(),
            period: "1H".into(),
            lookback_ns: 0,
            alert_title: String::new(),
            alert_description: String::new(),
            severity: "low".into(),
            category: "Execution".into(),
            mitre_techniques: "[]".into(),
            recommended_actions: String::new(),
            impacted_assets: "[]".into(),
            max_alerts_per_run: 100,
            created_by: String::new(),
            created_by_id: String::new(),
            created_ns: 0,
            last_modified_by: String::new(),
            last_modified_ns: 0,
            next_run_ns: Some(due),
            last_run_ns: None,
            last_run_status: None,
            last_run_error_code: None,
            last_run_failure_reason: None,
        }
    }

    #[test]
    fn a_heavy_tenant_does_not_crowd_out_the_others() {
        let mut due: Vec<DetectionRule> = (0..5).map(|i| rule("heavy", i)).collect();
        due.push(rule("small", 10));
        due.push(rule("other", 20));
        let order: Vec<String> = fair_order(due).into_iter().map(|r| r.id).collect();
        assert_eq!(order, ["heavy-0", "small-10", "other-20", "heavy-1", "heavy-2", "heavy-3", "heavy-4"]);
    }
}

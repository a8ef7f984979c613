//! First-party detection rules as YAML files (`content/`): the rule, its alert template and
//! its own tests (true-positive and true-negative events per table). The files are the source
//! of truth; installing one makes the same Graph-shaped body the API takes.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::{DetectError, Result};

/// A rule file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContentRule {
    /// Stable name, unique in the content (also the installed rule's display name).
    pub name: String,
    /// What it detects and why it matters.
    pub description: String,
    /// `informational`, `low`, `medium`, `high`.
    pub severity: String,
    /// Defender category.
    pub category: String,
    /// MITRE techniques.
    #[serde(default)]
    pub mitre_techniques: Vec<String>,
    /// `0`, `1H`, `3H`, `12H`, `24H`.
    #[serde(default = "default_period")]
    pub period: String,
    /// Optional lookback (`4h`, `2d`, `P30D`).
    #[serde(default)]
    pub lookback: Option<String>,
    /// The alert's title (may use `{{Column}}`).
    pub title: String,
    /// What the analyst should do.
    #[serde(default)]
    pub recommended_actions: String,
    /// The KQL.
    pub query: String,
    /// Its tests.
    pub tests: Vec<RuleTest>,
}

fn default_period() -> String {
    "1H".into()
}

/// One test of a rule: events per table, and whether the rule must fire on them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleTest {
    /// What the events show.
    pub name: String,
    /// `alert` (true positive) or `none` (true negative).
    pub expect: Expectation,
    /// Rows per table.
    pub events: BTreeMap<String, Vec<Json>>,
}

/// What a test expects of the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Expectation {
    /// At least one result row.
    Alert,
    /// No result rows.
    None,
}

impl ContentRule {
    /// Parses a rule file; errors name the file and the YAML position.
    pub fn parse(text: &str, file: &str) -> Result<ContentRule> {
        let rule: ContentRule =
            serde_norway::from_str(text).map_err(|e| DetectError::Invalid(format!("{file}: {e}")))?;
        let kinds = |e: Expectation| rule.tests.iter().any(|t| t.expect == e);
        if !kinds(Expectation::Alert) || !kinds(Expectation::None) {
            return Err(DetectError::Invalid(format!(
                "{file}: a rule needs at least one `expect: alert` and one `expect: none` test"
            )));
        }
        Ok(rule)
    }

    /// The body that creates this rule in `tenant_id` through the detection rule API.
    pub fn to_rule_body(&self, tenant_id: &str, enabled: bool) -> Json {
        json!({
            "tenantId": tenant_id,
            "displayName": self.name,
            "description": self.description,
            "isEnabled": enabled,
            "queryCondition": {"queryText": self.query},
            "schedule": {"period": self.period, "lookback": self.lookback},
            "detectionAction": {"alertTemplate": {
                "title": self.title,
                "description": self.description,
                "severity": self.severity,
                "category": self.category,
                "mitreTechniques": self.mitre_techniques,
                "recommendedActions": self.recommended_actions,
            }},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = r#"
name: Test rule
description: finds x
severity: high
category: Execution
title: "x on {{DeviceName}}"
query: DeviceProcessEvents | where FileName == 'x'
tests:
  - name: x runs
    expect: alert
    events:
      DeviceProcessEvents: [{FileName: x}]
  - name: y runs
    expect: none
    events:
      DeviceProcessEvents: [{FileName: y}]
"#;

    #[test]
    fn a_rule_file_parses_and_becomes_an_api_body() {
        let rule = ContentRule::parse(RULE, "x.yaml").expect("parses");
        assert_eq!((rule.period.as_str(), rule.tests.len()), ("1H", 2));
        let body = rule.to_rule_body("t1", false);
        assert_eq!(body["detectionAction"]["alertTemplate"]["title"], "x on {{DeviceName}}");
        assert_eq!(body["isEnabled"], false);
    }

    #[test]
    fn mistakes_name_the_file_and_what_is_missing() {
        let error = ContentRule::parse("name: x\nsevrity: high", "bad.yaml").unwrap_err().to_string();
        assert!(error.starts_with("bad.yaml:") && error.contains("sevrity"), "{error}");
        let one_sided = RULE.replace("expect: none", "expect: alert");
        let error = ContentRule::parse(&one_sided, "one.yaml").unwrap_err().to_string();
        assert!(error.contains("`expect: none`"), "{error}");
    }
}

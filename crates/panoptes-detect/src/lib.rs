//! Detection and triage rules with no I/O: the Graph security enums of alerts and incidents,
//! the detection rule model and its checks, turning a rule's result rows into alert drafts
//! (evidence, deduplication key, rendered title), correlation keys, the roll-up of an
//! incident from its alerts, and when a rule is next due.
//!
//! Map: `enums` (status, severity, classification, determination, categories), `rule`
//! (schedule, lookback, the save-time checks), `alert` (rows → [`AlertDraft`]), `incident`
//! (roll-up and naming), `schedule` (due times), `content` (rule files with their tests).

mod alert;
mod content;
mod enums;
mod error;
mod incident;
mod rule;
mod schedule;

pub use alert::{AlertDraft, Evidence, EvidenceKind, draft_alert, placeholders, render_template};
pub use content::{ContentRule, Expectation, RuleTest};
pub use enums::{AlertStatus, CATEGORIES, Classification, Determination, IncidentStatus, Severity};
pub use error::{DetectError, Result};
pub use incident::{AlertSummary, IncidentRollup, roll_up};
pub use rule::{
    IMPACTED_ASSET_COLUMNS, ImpactedAsset, RuleMode, Schedule, check_mitre_technique, check_result_columns,
    format_span, is_nrt_eligible, tables_read,
};
pub use schedule::{first_run_after, next_run_after};

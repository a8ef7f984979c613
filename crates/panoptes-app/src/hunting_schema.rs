//! What the console's KQL editor needs before a query runs: the hunting schema (tables,
//! columns and types, and in which of the caller's tenants each table holds data) and the
//! parser's and planner's diagnostics for a query text.

use panoptes_query::SchemaCatalog;
use panoptes_rbac::Permission;
use serde::Serialize;

use crate::{App, Caller};

/// One table of the hunting schema.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaTableView {
    /// Table name.
    pub name: String,
    /// What it holds.
    pub description: String,
    /// Columns in order, with KQL type names.
    pub columns: Vec<SchemaColumnView>,
    /// Tenants (of those the caller may hunt in) with stored rows in this table.
    pub tenants_with_data: Vec<String>,
}

/// One column.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaColumnView {
    /// Column name.
    pub name: String,
    /// KQL type name (`string`, `datetime`, ...).
    pub r#type: String,
}

/// One problem found in a query, positioned by character offsets for an editor.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryDiagnosticView {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// A stable code such as `KQL_SYNTAX`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// Start offset in UTF-16 code units (what browsers count).
    pub start: usize,
    /// End offset in UTF-16 code units.
    pub end: usize,
    /// Extra context.
    pub notes: Vec<String>,
    /// How to fix it.
    pub help: Vec<String>,
}

/// The diagnostics of a query and, when it plans, the columns it would answer.
#[derive(Debug, Clone, Serialize)]
pub struct QueryCheck {
    /// Empty when the query parses and plans.
    pub diagnostics: Vec<QueryDiagnosticView>,
    /// Result columns (`name`, KQL type) when the query plans.
    pub columns: Vec<SchemaColumnView>,
}

impl App {
    /// The hunting tables with their columns, and which of the caller's hunting tenants hold
    /// rows in each.
    pub fn hunting_schema(&self, caller: &Caller) -> Vec<SchemaTableView> {
        let hunting = self.authorize_everywhere(caller, Permission::HuntingRun);
        let with_data = self.events.tables_with_data(&hunting);
        panoptes_eventstore::catalog::defender_tables()
            .values()
            .map(|table| {
                let tenants: Vec<String> =
                    with_data.iter().filter(|(name, _)| *name == table.name).map(|(_, t)| t.to_string()).collect();
                SchemaTableView {
                    name: table.name.clone(),
                    description: table.description.clone(),
                    columns: table
                        .columns
                        .iter()
                        .map(|(name, kql_type)| SchemaColumnView { name: name.clone(), r#type: kql_type.to_string() })
                        .collect(),
                    tenants_with_data: tenants,
                }
            })
            .collect()
    }

    /// Parses and plans `query` against the hunting schema (no data is read), for the editor's
    /// inline diagnostics.
    pub fn check_hunting_query(&self, query: &str) -> QueryCheck {
        match self.engine.plan(query, &SchemaCatalog, self.now_ns()) {
            Ok(planned) => QueryCheck {
                diagnostics: Vec::new(),
                columns: planned
                    .columns()
                    .into_iter()
                    .map(|(name, kql_type)| SchemaColumnView { name, r#type: kql_type.to_string() })
                    .collect(),
            },
            Err(error) => {
                let diagnostic = match error.diagnostic() {
                    Some(d) => QueryDiagnosticView {
                        severity: match d.severity {
                            panoptes_kql::Severity::Error => "error",
                            panoptes_kql::Severity::Warning => "warning",
                        },
                        code: d.code,
                        message: d.message.clone(),
                        start: utf16_offset(query, d.span.start),
                        end: utf16_offset(query, d.span.end.max(d.span.start)),
                        notes: d.notes.clone(),
                        help: d.help.clone(),
                    },
                    None => QueryDiagnosticView {
                        severity: "error",
                        code: error.code(),
                        message: error.to_string(),
                        start: 0,
                        end: 0,
                        notes: Vec::new(),
                        help: Vec::new(),
                    },
                };
                QueryCheck { diagnostics: vec![diagnostic], columns: Vec::new() }
            }
        }
    }
}

/// A byte offset of `text` as a UTF-16 offset (clamped to the text and to a char boundary).
fn utf16_offset(text: &str, byte_offset: usize) -> usize {
    let mut end = byte_offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::utf16_offset;

    #[test]
    fn offsets_count_utf16_units() {
        assert_eq!(utf16_offset("abc", 2), 2);
        assert_eq!(utf16_offset("é|x", 3), 2);
        assert_eq!(utf16_offset("😀x", 4), 2);
        assert_eq!(utf16_offset("ab", 99), 2);
        assert_eq!(utf16_offset("é", 1), 0);
    }
}

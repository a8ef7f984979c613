//! A typed list query (filter, order, page) that renders to SQL with bound parameters. Column
//! names come only from the caller's whitelist (`&'static str`), never from request text, so
//! nothing a client sends reaches the SQL except as a bound value.

use panoptes_domain::{TenantId, TenantScope};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Arguments, Row};

use crate::{Conn, Result};

/// A condition over a list's columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every one holds.
    And(Vec<Filter>),
    /// Any one holds.
    Or(Vec<Filter>),
    /// It does not hold.
    Not(Box<Filter>),
    /// `column op value`.
    Compare {
        /// The column.
        column: &'static str,
        /// The comparison.
        op: CompareOp,
        /// The value.
        value: FilterValue,
    },
    /// `column IN (values)`.
    In {
        /// The column.
        column: &'static str,
        /// The values.
        values: Vec<FilterValue>,
    },
    /// Text starts with, ignoring case.
    StartsWith {
        /// The column.
        column: &'static str,
        /// The prefix.
        value: String,
    },
    /// Text contains, ignoring case.
    Contains {
        /// The column.
        column: &'static str,
        /// The fragment.
        value: String,
    },
    /// A JSON text list column holds the value exactly.
    ListHas {
        /// The column.
        column: &'static str,
        /// The element.
        value: String,
    },
    /// The column is null (or, negated, is not).
    IsNull {
        /// The column.
        column: &'static str,
        /// `IS NOT NULL`.
        negated: bool,
    },
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    /// Text.
    Text(String),
    /// An integer (ranks, counts, Unix ns).
    Int(i64),
}

/// Filter, order and page of a list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListQuery {
    /// Which rows.
    pub filter: Option<Filter>,
    /// Sort keys (column, descending), applied in order; the id breaks ties.
    pub order_by: Vec<(&'static str, bool)>,
    /// At most this many rows.
    pub top: i64,
    /// Skip this many first.
    pub skip: i64,
}

/// SQL text and its arguments, built up together so placeholders and values stay in step.
pub(crate) struct SqlBuilder {
    sql: String,
    arguments: AnyArguments<'static>,
    count: usize,
}

impl SqlBuilder {
    pub(crate) fn new(sql: impl Into<String>) -> SqlBuilder {
        SqlBuilder { sql: sql.into(), arguments: AnyArguments::default(), count: 0 }
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn bind_text(&mut self, value: String) {
        self.count += 1;
        self.sql.push_str(&format!("${}", self.count));
        // Adding a String to AnyArguments cannot fail.
        let _ = self.arguments.add(value);
    }

    pub(crate) fn bind_int(&mut self, value: i64) {
        self.count += 1;
        self.sql.push_str(&format!("${}", self.count));
        let _ = self.arguments.add(value);
    }

    fn bind(&mut self, value: &FilterValue) {
        match value {
            FilterValue::Text(text) => self.bind_text(text.clone()),
            FilterValue::Int(int) => self.bind_int(*int),
        }
    }

    pub(crate) fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// `column IN (...)` for the tenants given (false when none).
    pub(crate) fn push_tenants<'a>(&mut self, column: &str, tenants: impl Iterator<Item = &'a str>) {
        let tenants: Vec<&str> = tenants.collect();
        if tenants.is_empty() {
            self.push("1 = 0");
            return;
        }
        self.push(&format!("{column} IN ("));
        for (index, tenant) in tenants.into_iter().enumerate() {
            if index > 0 {
                self.push(", ");
            }
            self.bind_text(tenant.to_string());
        }
        self.push(")");
    }

    pub(crate) fn push_filter(&mut self, filter: &Filter) {
        match filter {
            Filter::And(parts) | Filter::Or(parts) if parts.is_empty() => {
                self.push(if matches!(filter, Filter::And(_)) { "1 = 1" } else { "1 = 0" })
            }
            Filter::And(parts) | Filter::Or(parts) => {
                let joiner = if matches!(filter, Filter::And(_)) { " AND " } else { " OR " };
                self.push("(");
                for (index, part) in parts.iter().enumerate() {
                    if index > 0 {
                        self.push(joiner);
                    }
                    self.push_filter(part);
                }
                self.push(")");
            }
            Filter::Not(inner) => {
                self.push("NOT (");
                self.push_filter(inner);
                self.push(")");
            }
            Filter::Compare { column, op: CompareOp::Ne, value } => {
                // OData's `ne` is true for null, SQL's `<>` is not.
                self.push(&format!("({column} IS NULL OR {column} <> "));
                self.bind(value);
                self.push(")");
            }
            Filter::Compare { column, op, value } => {
                let op = match op {
                    CompareOp::Eq => "=",
                    CompareOp::Ne => "<>",
                    CompareOp::Gt => ">",
                    CompareOp::Ge => ">=",
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                };
                self.push(&format!("{column} {op} "));
                self.bind(value);
            }
            Filter::In { column, values } if values.is_empty() => self.push(&format!("({column} IS NULL AND 1 = 0)")),
            Filter::In { column, values } => {
                self.push(&format!("{column} IN ("));
                for (index, value) in values.iter().enumerate() {
                    if index > 0 {
                        self.push(", ");
                    }
                    self.bind(value);
                }
                self.push(")");
            }
            Filter::StartsWith { column, value } => self.push_like(column, &format!("{}%", escape_like(value))),
            Filter::Contains { column, value } => self.push_like(column, &format!("%{}%", escape_like(value))),
            Filter::ListHas { column, value } => {
                let element = serde_json_string(value);
                self.push(&format!("{column} LIKE "));
                self.bind_text(format!("%{}%", escape_like(&element)));
                self.push(" ESCAPE '\\'");
            }
            Filter::IsNull { column, negated } => {
                self.push(&format!("{column} IS {}NULL", if *negated { "NOT " } else { "" }))
            }
        }
    }

    fn push_like(&mut self, column: &str, pattern: &str) {
        self.push(&format!("LOWER({column}) LIKE "));
        self.bind_text(pattern.to_lowercase());
        self.push(" ESCAPE '\\'");
    }

    /// `ORDER BY ... LIMIT ... OFFSET ...` of a list query.
    pub(crate) fn push_page(&mut self, query: &ListQuery, tie_breaker: &str) {
        self.push(" ORDER BY ");
        for (column, descending) in &query.order_by {
            self.push(&format!("{column} {}, ", if *descending { "DESC" } else { "ASC" }));
        }
        self.push(&format!("{tie_breaker} ASC LIMIT "));
        self.bind_int(query.top.max(0));
        self.push(" OFFSET ");
        self.bind_int(query.skip.max(0));
    }

    /// The SQL text and its arguments, for `sqlx::query_with(&sql, arguments)`.
    pub(crate) fn finish(self) -> (String, AnyArguments<'static>) {
        (self.sql, self.arguments)
    }
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// The value as it appears inside a JSON list: quoted, with JSON escapes.
fn serde_json_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One page of `table`'s rows of the scope's tenants matching `query`, and how many match in
/// all (the queues of incidents and alerts).
pub(crate) async fn list_page(
    conn: &mut Conn,
    table: &str,
    columns: &str,
    scope: &TenantScope,
    query: &ListQuery,
) -> Result<(Vec<AnyRow>, i64)> {
    let tenants = || scope.tenants().iter().map(TenantId::as_str);
    let mut count = SqlBuilder::new(format!("SELECT COUNT(*) AS n FROM {table} WHERE "));
    count.push_tenants("tenant_id", tenants());
    let mut page = SqlBuilder::new(format!("SELECT {columns} FROM {table} WHERE "));
    page.push_tenants("tenant_id", tenants());
    if let Some(filter) = &query.filter {
        for builder in [&mut count, &mut page] {
            builder.push(" AND ");
            builder.push_filter(filter);
        }
    }
    page.push_page(query, "id");
    let (sql, arguments) = count.finish();
    let total: i64 = sqlx::query_with(&sql, arguments).fetch_one(&mut *conn).await?.try_get("n")?;
    let (sql, arguments) = page.finish();
    Ok((sqlx::query_with(&sql, arguments).fetch_all(conn).await?, total))
}

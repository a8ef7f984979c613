//! OData-style list options (`$filter`, `$orderby`, `$top`, `$skip`) over a resource's
//! whitelisted fields, turned into the store's typed [`ListQuery`]. Supports `eq ne gt ge lt
//! le and or not in`, `startswith`, `contains`, `any` on collections, parentheses, strings,
//! numbers, booleans, `null` and ISO 8601 instants. Errors name the position and the fix.

use panoptes_db::{CompareOp, Filter, FilterValue, ListQuery};

use crate::{AppError, Result};

/// How a field's literals are read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FieldKind {
    /// Free text.
    Text,
    /// An enum: literals are normalized by the function (aliases accepted).
    Enum(fn(&str) -> std::result::Result<&'static str, String>),
    /// Severity, compared by rank so `gt 'low'` works.
    Severity,
    /// An instant (ISO 8601), stored as Unix ns.
    DateTime,
    /// An integer.
    Int,
    /// A JSON list of strings: only `field/any(t: t eq 'x')`.
    TextList,
}

/// A filterable, sortable field: its Graph name, its column and kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) column: &'static str,
    pub(crate) kind: FieldKind,
}

/// The list options of a request.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// `$filter`.
    pub filter: Option<String>,
    /// `$orderby`.
    pub order_by: Option<String>,
    /// `$top`.
    pub top: Option<i64>,
    /// `$skip`.
    pub skip: Option<i64>,
}

/// Page size when `$top` is absent, and the most one page may hold.
pub(crate) const DEFAULT_TOP: i64 = 50;
pub(crate) const MAX_TOP: i64 = 1000;

/// The store query for `options` over `fields`; `default_order` when `$orderby` is absent.
pub(crate) fn list_query(
    options: &ListOptions,
    fields: &[Field],
    default_order: &[(&'static str, bool)],
) -> Result<ListQuery> {
    let filter = match options.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        Some(text) => Some(parse_filter(text, fields)?),
        None => None,
    };
    let order_by = match options.order_by.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        Some(text) => parse_order_by(text, fields)?,
        None => default_order.to_vec(),
    };
    let top = options.top.unwrap_or(DEFAULT_TOP);
    if !(1..=MAX_TOP).contains(&top) {
        return Err(AppError::BadRequest(format!("`$top` must be 1 to {MAX_TOP}; page with `$skip`")));
    }
    let skip = options.skip.unwrap_or(0);
    if skip < 0 {
        return Err(AppError::BadRequest("`$skip` must be 0 or more".into()));
    }
    Ok(ListQuery { filter, order_by, top, skip })
}

fn field<'f>(fields: &'f [Field], name: &str) -> Result<&'f Field> {
    fields.iter().find(|f| f.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        AppError::BadRequest(format!("`{name}` cannot be filtered or sorted on; use one of {}", names.join(", ")))
    })
}

fn parse_order_by(text: &str, fields: &[Field]) -> Result<Vec<(&'static str, bool)>> {
    let mut keys = Vec::new();
    for part in text.split(',') {
        let mut words = part.split_whitespace();
        let name = words.next().ok_or_else(|| AppError::BadRequest("`$orderby` has an empty key".into()))?;
        let found = field(fields, name)?;
        if matches!(found.kind, FieldKind::TextList) {
            return Err(AppError::BadRequest(format!("`{}` is a list and cannot be sorted on", found.name)));
        }
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(AppError::BadRequest(format!("`$orderby` direction `{other}` is not asc or desc")));
            }
        };
        keys.push((found.column, descending));
    }
    Ok(keys)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(String),
    Open,
    Close,
    Comma,
    Slash,
    Colon,
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ',' | '/' | ':' => {
                tokens.push((
                    start,
                    match c {
                        '(' => Token::Open,
                        ')' => Token::Close,
                        ',' => Token::Comma,
                        '/' => Token::Slash,
                        _ => Token::Colon,
                    },
                ));
                i += 1;
            }
            '\'' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(AppError::BadRequest(format!(
                                "`$filter`: the string starting at character {} is not closed with '",
                                start + 1
                            )));
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            value.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            value.push(other);
                            i += 1;
                        }
                    }
                }
                tokens.push((start, Token::Text(value)));
            }
            c if c.is_ascii_digit() || c == '-' => {
                // Numbers, and unquoted instants such as 2026-01-01T00:00:00Z.
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '-' | ':' | '.' | '+'))
                {
                    i += 1;
                }
                tokens.push((start, Token::Number(chars[start..i].iter().collect())));
            }
            c if c.is_alphabetic() || c == '_' || c == '@' || c == '$' => {
                while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '@' | '$')) {
                    i += 1;
                }
                tokens.push((start, Token::Word(chars[start..i].iter().collect())));
            }
            other => {
                return Err(AppError::BadRequest(format!(
                    "`$filter`: unexpected `{other}` at character {}",
                    start + 1
                )));
            }
        }
    }
    Ok(tokens)
}

/// Parses a `$filter` expression.
pub(crate) fn parse_filter(text: &str, fields: &[Field]) -> Result<Filter> {
    let tokens = tokenize(text)?;
    let mut parser = FilterParser { tokens, position: 0, fields, depth: 0 };
    let filter = parser.or()?;
    if let Some((at, token)) = parser.tokens.get(parser.position) {
        return Err(AppError::BadRequest(format!(
            "`$filter`: unexpected {} at character {}; join conditions with `and` or `or`",
            describe(token),
            at + 1
        )));
    }
    Ok(filter)
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("`{w}`"),
        Token::Text(t) => format!("'{t}'"),
        Token::Number(n) => format!("`{n}`"),
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::Comma => "`,`".into(),
        Token::Slash => "`/`".into(),
        Token::Colon => "`:`".into(),
    }
}

struct FilterParser<'f> {
    tokens: Vec<(usize, Token)>,
    position: usize,
    fields: &'f [Field],
    depth: usize,
}

impl FilterParser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position).map(|(_, t)| t)
    }

    fn next(&mut self) -> Result<Token> {
        let token = self.tokens.get(self.position).map(|(_, t)| t.clone());
        self.position += 1;
        token.ok_or_else(|| AppError::BadRequest("`$filter` ends too early; finish the condition".into()))
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn expect(&mut self, expected: Token) -> Result<()> {
        let at = self.tokens.get(self.position).map_or(0, |(at, _)| *at);
        let found = self.next()?;
        if found == expected {
            Ok(())
        } else {
            Err(AppError::BadRequest(format!(
                "`$filter`: expected {} at character {}, found {}",
                describe(&expected),
                at + 1,
                describe(&found)
            )))
        }
    }

    fn or(&mut self) -> Result<Filter> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(AppError::BadRequest("`$filter` nests too deeply".into()));
        }
        let mut parts = vec![self.and()?];
        while self.keyword("or") {
            self.position += 1;
            parts.push(self.and()?);
        }
        self.depth -= 1;
        Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::Or(parts) })
    }

    fn and(&mut self) -> Result<Filter> {
        let mut parts = vec![self.not()?];
        while self.keyword("and") {
            self.position += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::And(parts) })
    }

    fn not(&mut self) -> Result<Filter> {
        if self.keyword("not") {
            self.position += 1;
            return Ok(Filter::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Filter> {
        if self.peek() == Some(&Token::Open) {
            self.position += 1;
            let inner = self.or()?;
            self.expect(Token::Close)?;
            return Ok(inner);
        }
        let Token::Word(name) = self.next()? else {
            return Err(AppError::BadRequest("`$filter`: a condition starts with a field name or a function".into()));
        };
        let lowered = name.to_ascii_lowercase();
        if (lowered == "startswith" || lowered == "contains") && self.peek() == Some(&Token::Open) {
            self.position += 1;
            let Token::Word(field_name) = self.next()? else {
                return Err(AppError::BadRequest(format!("`{name}` takes a field name first")));
            };
            let found = *field(self.fields, &field_name)?;
            self.expect(Token::Comma)?;
            let Token::Text(value) = self.next()? else {
                return Err(AppError::BadRequest(format!("`{name}` takes a quoted string second")));
            };
            self.expect(Token::Close)?;
            if !matches!(found.kind, FieldKind::Text) {
                return Err(AppError::BadRequest(format!(
                    "`{name}` works on text fields; `{}` is not one",
                    found.name
                )));
            }
            return Ok(if lowered == "startswith" {
                Filter::StartsWith { column: found.column, value }
            } else {
                Filter::Contains { column: found.column, value }
            });
        }
        let found = *field(self.fields, &name)?;
        if matches!(found.kind, FieldKind::TextList) {
            return self.any(&found);
        }
        let Token::Word(op) = self.next()? else {
            return Err(AppError::BadRequest(format!(
                "`{}` must be followed by eq, ne, gt, ge, lt, le or in",
                found.name
            )));
        };
        if op.eq_ignore_ascii_case("in") {
            self.expect(Token::Open)?;
            let mut values = Vec::new();
            loop {
                let token = self.next()?;
                values.push(literal(&found, &token)?);
                match self.next()? {
                    Token::Comma => continue,
                    Token::Close => break,
                    other => {
                        return Err(AppError::BadRequest(format!(
                            "`in` list: expected `,` or `)`, found {}",
                            describe(&other)
                        )));
                    }
                }
            }
            return Ok(Filter::In { column: found.column, values });
        }
        let op = match op.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            other => {
                return Err(AppError::BadRequest(format!(
                    "`{other}` is not an operator; use eq, ne, gt, ge, lt, le or in"
                )));
            }
        };
        let token = self.next()?;
        if matches!(&token, Token::Word(w) if w.eq_ignore_ascii_case("null")) {
            return match op {
                CompareOp::Eq => Ok(Filter::IsNull { column: found.column, negated: false }),
                CompareOp::Ne => Ok(Filter::IsNull { column: found.column, negated: true }),
                _ => Err(AppError::BadRequest("`null` compares only with eq or ne".into())),
            };
        }
        Ok(Filter::Compare { column: found.column, op, value: literal(&found, &token)? })
    }

    /// `tags/any(t: t eq 'x')`.
    fn any(&mut self, found: &Field) -> Result<Filter> {
        let shape = || AppError::BadRequest(format!("filter `{0}` as `{0}/any(t: t eq 'value')`", found.name));
        self.expect(Token::Slash).map_err(|_| shape())?;
        if !self.keyword("any") {
            return Err(shape());
        }
        self.position += 1;
        self.expect(Token::Open).map_err(|_| shape())?;
        let Token::Word(variable) = self.next()? else { return Err(shape()) };
        self.expect(Token::Colon).map_err(|_| shape())?;
        match self.next()? {
            Token::Word(v) if v == variable => {}
            _ => return Err(shape()),
        }
        if !self.keyword("eq") {
            return Err(shape());
        }
        self.position += 1;
        let Token::Text(value) = self.next()? else { return Err(shape()) };
        self.expect(Token::Close).map_err(|_| shape())?;
        Ok(Filter::ListHas { column: found.column, value })
    }
}

fn literal(found: &Field, token: &Token) -> Result<FilterValue> {
    let wrong = |expected: &str| {
        AppError::BadRequest(format!("`{}` compares with {expected}, not {}", found.name, describe(token)))
    };
    match (found.kind, token) {
        (FieldKind::Text, Token::Text(text)) => Ok(FilterValue::Text(text.clone())),
        (FieldKind::Text, Token::Number(n)) => Ok(FilterValue::Text(n.clone())),
        (FieldKind::Enum(normalize), Token::Text(text)) => {
            normalize(text).map(|v| FilterValue::Text(v.to_string())).map_err(AppError::BadRequest)
        }
        (FieldKind::Severity, Token::Text(text)) => panoptes_detect::Severity::parse(text)
            .map(|s| FilterValue::Int(s as i64))
            .map_err(|e| AppError::BadRequest(e.to_string())),
        (FieldKind::DateTime, Token::Number(text) | Token::Text(text)) => panoptes_query::format::parse_datetime(text)
            .map(FilterValue::Int)
            .ok_or_else(|| wrong("an ISO 8601 instant such as 2026-01-31T00:00:00Z")),
        (FieldKind::Int, Token::Number(n)) => n.parse().map(FilterValue::Int).map_err(|_| wrong("an integer")),
        (FieldKind::Enum(_) | FieldKind::Text, _) => Err(wrong("a quoted string")),
        (FieldKind::Severity, _) => Err(wrong("a quoted severity")),
        (FieldKind::DateTime, _) => Err(wrong("an ISO 8601 instant")),
        (FieldKind::Int, _) => Err(wrong("an integer")),
        (FieldKind::TextList, _) => Err(wrong("any(...)")),
    }
}

#[cfg(test)]
mod tests;

//! One field's value on its way from JSON to a column: `Raw` is what the input held (strings
//! borrowed from the input line where they need no unescaping), `Cell` is it checked against
//! the column type.

use std::borrow::Cow;
use std::collections::HashMap;

use panoptes_domain::KqlType;
use serde_json::Value as Json;

use super::columns::Typing;
use super::time::parse_time;

/// A field as the input gave it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Raw<'a> {
    Null,
    Str(Cow<'a, str>),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    /// An object or array.
    Nested(Box<Json>),
}

/// A field checked against its column type.
#[derive(Debug)]
pub(super) enum Cell<'a> {
    Null,
    Text(Cow<'a, str>),
    Json(String),
    Int(i32),
    Long(i64),
    Real(f64),
    Bool(bool),
    Time(i64),
}

impl<'a> Raw<'a> {
    pub(super) fn from_json(value: Json) -> Raw<'a> {
        match value {
            Json::Null => Raw::Null,
            Json::Bool(b) => Raw::Bool(b),
            Json::String(s) => Raw::Str(Cow::Owned(s)),
            Json::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Raw::Int(i),
                (None, Some(u)) => Raw::UInt(u),
                _ => Raw::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            nested => Raw::Nested(Box::new(nested)),
        }
    }

    pub(super) fn into_json(self) -> Json {
        match self {
            Raw::Null => Json::Null,
            Raw::Str(s) => Json::String(s.into_owned()),
            Raw::Int(i) => Json::from(i),
            Raw::UInt(u) => Json::from(u),
            Raw::Float(f) => Json::from(f),
            Raw::Bool(b) => Json::Bool(b),
            Raw::Nested(value) => *value,
        }
    }

    /// The value as a column of type `kql` takes it, or the value back when it cannot.
    #[inline(always)]
    pub(super) fn into_cell(self, kql: KqlType, typing: Typing) -> Result<Cell<'a>, Raw<'a>> {
        let lenient = typing == Typing::Lenient;
        let number_text = |s: &str| lenient && s.trim().is_empty();
        let cell = match (&self, kql) {
            (Raw::Null, _) => Some(Cell::Null),
            (Raw::Str(_), KqlType::String | KqlType::Guid) => match self {
                Raw::Str(s) => return Ok(Cell::Text(s)),
                _ => None,
            },
            (Raw::Int(_) | Raw::UInt(_) | Raw::Float(_) | Raw::Bool(_), KqlType::String | KqlType::Guid) if lenient => {
                Some(Cell::Text(Cow::Owned(self.clone().into_json().to_string())))
            }
            (_, KqlType::Dynamic) => Some(Cell::Json(match &self {
                Raw::Str(s) => match serde_json::from_str::<Json>(s) {
                    Ok(parsed @ (Json::Object(_) | Json::Array(_))) => parsed.to_string(),
                    _ => Json::String(s.to_string()).to_string(),
                },
                other => other.clone().into_json().to_string(),
            })),
            (Raw::Str(s), KqlType::Int | KqlType::Long | KqlType::Real | KqlType::Timespan) if number_text(s) => {
                Some(Cell::Null)
            }
            (Raw::Int(i), KqlType::Int) => i32::try_from(*i).ok().map(Cell::Int),
            (Raw::Str(s), KqlType::Int) if lenient => s.trim().parse().ok().map(Cell::Int),
            (Raw::Int(i), KqlType::Long | KqlType::Timespan) => Some(Cell::Long(*i)),
            (Raw::Str(s), KqlType::Long | KqlType::Timespan) if lenient => s.trim().parse().ok().map(Cell::Long),
            (Raw::Int(i), KqlType::Real | KqlType::Decimal) => Some(Cell::Real(*i as f64)),
            (Raw::UInt(u), KqlType::Real | KqlType::Decimal) => Some(Cell::Real(*u as f64)),
            (Raw::Float(f), KqlType::Real | KqlType::Decimal) => Some(Cell::Real(*f)),
            (Raw::Str(s), KqlType::Real | KqlType::Decimal) if lenient => s.trim().parse().ok().map(Cell::Real),
            (Raw::Bool(b), KqlType::Bool) => Some(Cell::Bool(*b)),
            (Raw::Int(i), KqlType::Bool) if lenient => Some(Cell::Bool(*i != 0)),
            (Raw::UInt(u), KqlType::Bool) if lenient => Some(Cell::Bool(*u != 0)),
            (Raw::Str(s), KqlType::Bool) if lenient => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(Cell::Bool(true)),
                "false" | "0" => Some(Cell::Bool(false)),
                "" => Some(Cell::Null),
                _ => None,
            },
            (Raw::Str(s), KqlType::Datetime) => parse_time(s).map(Cell::Time),
            _ => None,
        };
        cell.ok_or(self)
    }

    /// What the value is, for error messages: `a string "x"`, `an object`, ...
    pub(super) fn describe(self) -> String {
        let value = self.into_json();
        let text = value.to_string();
        let kind = json_kind(&value);
        if text.len() > 40 { kind.to_string() } else { format!("{kind} {text}") }
    }
}

/// What a JSON value is, for error messages: `a string`, `an object`, ...
pub(super) fn json_kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Columns tried after the previous field's before the hash lookup.
const LOOK_AHEAD: usize = 6;

/// Column positions by name, with guesses: a producer writes its fields in the same order line
/// after line, so the column the n-th field of the last row went to is tried first; then the
/// columns after the previous field's (inputs often follow the schema); the hash lookup last.
#[derive(Debug, Clone)]
pub(super) struct ColumnIndex {
    names: Vec<String>,
    /// Each name as a JSON key is written, quotes included (empty for a name JSON would
    /// escape), to be matched in the input text as it is.
    quoted: Vec<Vec<u8>>,
    by_name: HashMap<String, usize>,
    /// Per field position in a row, the column it went to last time.
    layout: Vec<usize>,
}

impl ColumnIndex {
    pub(super) fn new(names: Vec<String>) -> Self {
        let by_name = names.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        let quoted = names
            .iter()
            .map(|name| match name.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
                true => format!("\"{name}\"").into_bytes(),
                false => Vec::new(),
            })
            .collect();
        Self { names, quoted, by_name, layout: Vec::new() }
    }

    /// The column the `ordinal`-th field of a row went to last time, and its quoted key
    /// (empty when there is no guess).
    pub(super) fn likely(&self, ordinal: usize) -> (usize, &[u8]) {
        match self.layout.get(ordinal) {
            Some(&column) => (column, self.quoted.get(column).map_or(&[][..], Vec::as_slice)),
            None => (0, &[]),
        }
    }

    /// The column of `key`, the `ordinal`-th field of its row; `after` is the column after the
    /// previous field's.
    pub(super) fn find(&mut self, key: &str, ordinal: usize, after: usize) -> Option<usize> {
        if let Some(&learned) = self.layout.get(ordinal)
            && self.names.get(learned).is_some_and(|name| name == key)
        {
            return Some(learned);
        }
        let found = self.look_up(key, after)?;
        if ordinal < self.layout.len() {
            self.layout[ordinal] = found;
        } else if ordinal == self.layout.len() {
            self.layout.push(found);
        }
        Some(found)
    }

    fn look_up(&self, key: &str, after: usize) -> Option<usize> {
        // A few columns ahead as well: inputs leave out null fields, so the next field present
        // is often a little further on. Comparing names is cheaper than hashing the key.
        let mut ahead = self.names.get(after..).unwrap_or_default().iter().take(LOOK_AHEAD);
        match ahead.position(|name| name == key) {
            Some(offset) => Some(after + offset),
            None => self.by_name.get(key).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ColumnIndex;

    #[test]
    fn columns_are_found_in_any_order_and_a_producers_layout_is_learned() {
        let mut index = ColumnIndex::new(["A", "B", "C", "D"].map(String::from).to_vec());
        // A producer that writes C, A, D: found the first time, then straight from the layout.
        for _ in 0..2 {
            assert_eq!(
                [index.find("C", 0, 0), index.find("A", 1, 3), index.find("D", 2, 1)],
                [Some(2), Some(0), Some(3)]
            );
        }
        assert_eq!(index.layout, [2, 0, 3]);
        // A row that leaves A out misses the learned guesses and is still placed right.
        assert_eq!([index.find("C", 0, 0), index.find("D", 1, 3), index.find("Z", 2, 4)], [Some(2), Some(3), None]);
        assert_eq!(index.layout, [2, 3, 3], "the new layout is learned; an unknown field leaves it");
        assert_eq!(index.likely(1), (3, &b"\"D\""[..]), "the learned column, quoted as JSON writes it");
        assert_eq!(index.likely(3), (0, &[][..]), "no guess past the layout");
        let escaped = ColumnIndex::new(vec!["a\"b".to_string()]);
        assert!(escaped.quoted[0].is_empty(), "a name JSON escapes is never matched as it is");
    }
}

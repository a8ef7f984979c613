//! One field's value on its way from JSON to a column: `Raw` is what the input held (strings
//! borrowed from the input line where they need no unescaping), `Cell` is it checked against
//! the column type. The serde visitors here parse a record straight into `Raw` values by
//! column, without building a `serde_json::Value` tree for it (the ingest hot path).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use panoptes_domain::KqlType;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use super::columns::{Typing, parse_time};

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
    Nested(Json),
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
            nested => Raw::Nested(nested),
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
            Raw::Nested(value) => value,
        }
    }

    /// The value as a column of type `kql` takes it, or the value back when it cannot.
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

/// A record's fields placed by column, and the fields no column takes.
#[derive(Debug)]
pub(super) struct Fields<'a> {
    pub(super) slots: Vec<Raw<'a>>,
    pub(super) extra: Map<String, Json>,
}

/// Columns tried after the guess before the hash lookup.
const LOOK_AHEAD: usize = 6;

/// Column positions by name, with a guess: inputs usually list fields in schema order, so the
/// column after the last one matched is tried first and the hash lookup is mostly skipped.
#[derive(Debug, Clone)]
pub(super) struct ColumnIndex {
    names: Vec<String>,
    by_name: HashMap<String, usize>,
}

impl ColumnIndex {
    pub(super) fn new(names: Vec<String>) -> Self {
        let by_name = names.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        Self { names, by_name }
    }

    pub(super) fn len(&self) -> usize {
        self.names.len()
    }

    fn find(&self, key: &str, guess: usize) -> Option<usize> {
        // A few columns ahead as well: inputs leave out null fields, so the next field present
        // is often a little further on. Comparing names is cheaper than hashing the key.
        let mut ahead = self.names.get(guess..).unwrap_or_default().iter().take(LOOK_AHEAD);
        match ahead.position(|name| name == key) {
            Some(offset) => Some(guess + offset),
            None => self.by_name.get(key).copied(),
        }
    }

    /// A map's fields placed by column.
    pub(super) fn place<'a>(&self, object: Map<String, Json>) -> Fields<'a> {
        let mut fields = Fields { slots: vec![Raw::Null; self.len()], extra: Map::new() };
        let mut guess = 0;
        for (key, value) in object {
            match self.find(&key, guess) {
                Some(i) => {
                    fields.slots[i] = Raw::from_json(value);
                    guess = i + 1;
                }
                None => {
                    fields.extra.insert(key, value);
                }
            }
        }
        fields
    }
}

/// Parses one JSON object straight into `Fields` by column.
pub(super) struct FieldsSeed<'i>(pub(super) &'i ColumnIndex);

impl<'de> DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = Fields<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed<'_> {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object of columns")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Fields { slots: vec![Raw::Null; self.0.len()], extra: Map::new() };
        let mut guess = 0;
        while let Some(key) = map.next_key_seed(TextSeed)? {
            match self.0.find(&key, guess) {
                Some(i) => {
                    fields.slots[i] = map.next_value_seed(RawSeed)?;
                    guess = i + 1;
                }
                None => {
                    let value: Json = map.next_value()?;
                    fields.extra.insert(key.into_owned(), value);
                }
            }
        }
        Ok(fields)
    }
}

/// A string, borrowed from the input when it has no escapes.
struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Any JSON value as `Raw`.
struct RawSeed;

impl<'de> DeserializeSeed<'de> for RawSeed {
    type Value = Raw<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RawSeed {
    type Value = Raw<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Raw::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Raw::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Raw::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Raw::UInt(v), Raw::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Raw::Float(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Raw::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Raw::Str(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Raw::Str(Cow::Owned(v)))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let value: Json = de::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Raw::Nested(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let value: Json = de::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Raw::Nested(value))
    }
}

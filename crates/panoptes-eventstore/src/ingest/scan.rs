//! A scanner for the JSON object of one NDJSON row, placing each field by column as it goes:
//! the ingest hot path. It reads a line where it starts in the text and finds the line's end
//! itself (no separate pass for line ends); white space never includes a line end, so an
//! object that spans lines is not taken. Strings without escapes are borrowed from the text; a
//! nested object or array (e.g. `AdditionalFields`) is handed to serde_json. Anything the
//! scanner does not take as one valid JSON object on its line returns `None`, and the caller's
//! general path (serde_json) parses the line again and words the error, so the scanner never
//! has to.

use std::borrow::Cow;

use serde_json::Value as Json;

use super::bytes::{special_byte, starts_with};
use super::cell::Raw;

/// Where the scanner puts an object's fields, one by one as it reads them. A value may borrow
/// the scanner's buffer for unescaped text, so it is stored (or copied) before the next one.
pub(super) trait Row {
    /// `None` stops the scan (the general path takes the line).
    fn put(&mut self, key: Cow<'_, str>, value: Raw<'_>) -> Option<()>;

    /// The key the next field most likely has, as JSON writes it with its quotes (`"Name"`),
    /// or empty for no guess: when the text has it, the scanner skips reading the key and
    /// puts the value with [`Row::put_likely`].
    fn likely_key(&self) -> &[u8] {
        &[]
    }

    /// Puts the value of the field whose key was [`Row::likely_key`].
    fn put_likely(&mut self, value: Raw<'_>) -> Option<()> {
        let _ = value;
        None
    }
}

/// The row of each streaming-API category.
pub(super) trait Tables {
    type Row: Row;
    /// `None` for a category the fast path does not take.
    fn row(&mut self, category: &str) -> Option<&mut Self::Row>;
}

/// Puts the fields of the JSON object on the line that starts at `start` of `text` into `row`,
/// and returns where the next line starts; `None` when the line is not one well-formed JSON
/// object (the row may have been given some of its fields by then). `buffer` holds unescaped
/// text meanwhile: kept by the caller from line to line, it is allocated once.
pub(super) fn scan_object(text: &str, start: usize, row: &mut impl Row, buffer: &mut String) -> Option<usize> {
    let mut scanner = Scanner::new(text, start, std::mem::take(buffer));
    let next_line = scanner.fields(row).and_then(|()| scanner.line_end());
    *buffer = scanner.unescaped;
    next_line
}

/// A streaming-API record's table category and tenant id (its properties are in the row).
pub(super) struct Record<'a> {
    pub(super) category: Cow<'a, str>,
    pub(super) tenant_id: Option<Cow<'a, str>>,
}

/// The streaming-API record on the line that starts at `start` of `text` in one pass, its
/// `properties` put into the row `tables` gives for its category, and where the next line
/// starts. `None` when the line is not one well-formed record whose category comes before its
/// properties (as Defender writes them), or is a `records` wrapper: the general path takes
/// those (a row may have been given some fields by then). `buffer` is as for [`scan_object`].
pub(super) fn scan_record<'a>(
    text: &'a str,
    start: usize,
    tables: &mut impl Tables,
    buffer: &mut String,
) -> Option<(Record<'a>, usize)> {
    let mut scanner = Scanner::new(text, start, std::mem::take(buffer));
    let record = scanner.record(tables);
    *buffer = scanner.unescaped;
    record
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// The last string value with escapes, unescaped (paths are full of backslashes: one
    /// buffer for all of them, kept by the caller from line to line, not an allocation each).
    unescaped: String,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, pos: usize, unescaped: String) -> Self {
        Scanner { text, bytes: text.as_bytes(), pos, unescaped }
    }

    /// A streaming-API record (see [`scan_record`]).
    fn record(&mut self, tables: &mut impl Tables) -> Option<(Record<'a>, usize)> {
        let (mut category, mut tenant_id, mut properties) = (None, None, false);
        self.object(
            &mut (),
            |scanner, ()| scanner.string(),
            |scanner, (), key| {
                match key.as_ref() {
                    "category" => category = Some(scanner.string()?),
                    "tenantId" => tenant_id = Some(scanner.string()?),
                    "properties" => {
                        scanner.fields(tables.row(category.as_deref()?)?)?;
                        properties = true;
                    }
                    "records" => return None,
                    _ => {
                        scanner.value()?;
                    }
                }
                Some(())
            },
        )?;
        let next_line = self.line_end()?;
        properties.then_some(())?;
        Some((Record { category: category?, tenant_id }, next_line))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    fn eat(&mut self, expected: u8) -> Option<()> {
        (self.next()? == expected).then_some(())
    }

    /// White space within the line: a line end ends the record.
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// An object, calling `field` with the scanner at each field's value and the key that
    /// `key` read; both are handed `state`.
    fn object<S: ?Sized, K>(
        &mut self,
        state: &mut S,
        mut key: impl FnMut(&mut Self, &mut S) -> Option<K>,
        mut field: impl FnMut(&mut Self, &mut S, K) -> Option<()>,
    ) -> Option<()> {
        self.skip_space();
        self.eat(b'{')?;
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Some(());
        }
        loop {
            self.skip_space();
            let key = key(self, state)?;
            self.skip_space();
            self.eat(b':')?;
            self.skip_space();
            field(self, state, key)?;
            self.skip_space();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// Nothing but white space is left on the line: where the next line starts.
    fn line_end(&mut self) -> Option<usize> {
        self.skip_space();
        match self.peek() {
            None => Some(self.pos),
            Some(b'\n') => Some(self.pos + 1),
            Some(_) => None,
        }
    }

    /// An object's fields, put into `row`. A key the row guesses is matched in place rather
    /// than read (`None`): producers write the same keys in the same order line after line.
    fn fields<R: Row + ?Sized>(&mut self, row: &mut R) -> Option<()> {
        self.object(
            row,
            |scanner, row| {
                let likely = row.likely_key();
                match !likely.is_empty() && starts_with(scanner.bytes.get(scanner.pos..)?, likely) {
                    true => {
                        scanner.pos += likely.len();
                        Some(None)
                    }
                    false => scanner.string().map(Some),
                }
            },
            |scanner, row, key| {
                let value = scanner.value()?;
                match key {
                    None => row.put_likely(value),
                    Some(key) => row.put(key, value),
                }
            },
        )
    }

    /// The next value; text with escapes borrows the scanner's buffer. Inlined: returned
    /// through memory, the value is reloaded wider than it was stored, which stalls the load.
    #[inline(always)]
    fn value(&mut self) -> Option<Raw<'_>> {
        match self.peek()? {
            b'"' => Some(Raw::Str(Cow::Borrowed(match self.text_or_unescaped()? {
                Some(text) => text,
                None => &self.unescaped,
            }))),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true", Raw::Bool(true)),
            b'f' => self.literal("false", Raw::Bool(false)),
            b'n' => self.literal("null", Raw::Null),
            b'{' | b'[' => self.nested(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str, value: Raw<'static>) -> Option<Raw<'static>> {
        let end = self.pos + word.len();
        (self.bytes.get(self.pos..end)? == word.as_bytes()).then(|| {
            self.pos = end;
            value
        })
    }

    /// An object or array, parsed by serde_json from here to its end.
    fn nested(&mut self) -> Option<Raw<'static>> {
        let rest = self.text.get(self.pos..)?;
        let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Json>();
        let value = values.next()?.ok()?;
        let end = self.pos + values.byte_offset();
        // serde_json's white space takes line ends: a value spanning lines is not this line's.
        if memchr::memchr(b'\n', self.bytes.get(self.pos..end)?).is_some() {
            return None;
        }
        self.pos = end;
        Some(Raw::Nested(Box::new(value)))
    }

    /// A string starting at its opening quote: borrowed when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        Some(match self.text_or_unescaped()? {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(self.unescaped.clone()),
        })
    }

    /// A string starting at its opening quote: `Some` of the input's text when it has no
    /// escapes, else `None` with the string unescaped into `self.unescaped`.
    fn text_or_unescaped(&mut self) -> Option<Option<&'a str>> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = start + special_byte(self.bytes.get(start..)?)?;
        match self.bytes[end] {
            b'"' => {
                self.pos = end + 1;
                self.text.get(start..end).map(Some)
            }
            b'\\' => self.unescape(start, end).map(|()| None),
            _ => None,
        }
    }

    /// The rest of a string with escapes, from `start`, into `self.unescaped`; the first
    /// backslash is at `at`.
    fn unescape(&mut self, start: usize, mut at: usize) -> Option<()> {
        let text = self.text;
        self.unescaped.clear();
        let mut from = start;
        loop {
            self.unescaped.push_str(text.get(from..at)?);
            match self.bytes[at] {
                b'"' => {
                    self.pos = at + 1;
                    return Some(());
                }
                b'\\' => {
                    self.pos = at + 1;
                    let unescaped = self.escape()?;
                    self.unescaped.push(unescaped);
                }
                _ => return None,
            }
            from = self.pos;
            at = from + special_byte(self.bytes.get(from..)?)?;
        }
    }

    /// The character a backslash escape (after the backslash) stands for.
    fn escape(&mut self) -> Option<char> {
        Some(match self.next()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        // A surrogate pair: the low half must follow as its own escape.
                        self.eat(b'\\')?;
                        self.eat(b'u')?;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?
                    }
                    _ => char::from_u32(unit)?,
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    }

    /// A number as serde_json reads it: an integer that fits `i64` (or `u64`), else a float.
    fn number(&mut self) -> Option<Raw<'static>> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.digits();
        if digits == 0 || (digits > 1 && self.bytes[self.pos - digits] == b'0') {
            return None;
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integer = false;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        let text = self.text.get(start..self.pos)?;
        if integer {
            if let Ok(i) = text.parse::<i64>() {
                return Some(Raw::Int(i));
            }
            if let Ok(u) = text.parse::<u64>() {
                return Some(Raw::UInt(u));
            }
        }
        text.parse::<f64>().ok().filter(|f| f.is_finite()).map(Raw::Float)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row that keeps every field it is given.
    #[derive(Default)]
    struct Collected(serde_json::Map<String, Json>);

    impl Row for Collected {
        fn put(&mut self, key: Cow<'_, str>, value: Raw<'_>) -> Option<()> {
            self.0.insert(key.into_owned(), value.into_json());
            Some(())
        }
    }

    /// One table, `T`.
    #[derive(Default)]
    struct OneTable(Collected);

    impl Tables for OneTable {
        type Row = Collected;
        fn row(&mut self, category: &str) -> Option<&mut Collected> {
            (category == "AdvancedHunting-T").then_some(&mut self.0)
        }
    }

    /// What the scanner makes of `text`, or `None`, checked against serde_json's own reading.
    fn scan(text: &str) -> Option<serde_json::Map<String, Json>> {
        let mut row = Collected::default();
        let scanned = scan_object(text, 0, &mut row, &mut String::new()).map(|next_line| {
            assert_eq!(next_line, text.len(), "the scan ends at the text's end");
            row.0
        });
        let parsed = serde_json::from_str::<Json>(text).ok().filter(Json::is_object);
        assert_eq!(scanned.is_some(), parsed.is_some(), "scanner and serde_json disagree on validity of {text}");
        if let (Some(fields), Some(Json::Object(map))) = (&scanned, parsed) {
            assert_eq!(fields, &map, "{text}");
        }
        scanned
    }

    #[test]
    fn every_field_is_put_as_serde_json_reads_it() {
        let fields = scan(r#" { "B": "x", "A": -12, "Z": [1, {"k": true}], "C": null } "#).unwrap();
        assert_eq!(fields.len(), 4);
        assert_eq!((&fields["A"], &fields["B"], &fields["C"]), (&Json::from(-12), &Json::from("x"), &Json::Null));
        assert_eq!(fields["Z"], serde_json::json!([1, {"k": true}]));
        assert_eq!(scan("{}").map(|fields| fields.len()), Some(0));
    }

    #[test]
    fn escapes_and_unicode_read_as_serde_json_reads_them() {
        for text in [
            r#"{"A": "C:\\Windows\\System32\\cmd.exe /c \"x\""}"#,
            r#"{"A": "tab\there\nnew \/ \b\f\r"}"#,
            r#"{"A": "\u00e9\u4e2d \ud83d\ude00 é"}"#,
            r#"{"A\u0042": "key with an escape"}"#,
        ] {
            assert!(scan(text).is_some(), "{text}");
        }
        assert_eq!(scan(r#"{"A": "a\\b"}"#).unwrap()["A"], Json::from("a\\b"));
    }

    #[test]
    fn numbers_keep_their_kind() {
        let fields = scan(r#"{"A": 18446744073709551615, "B": 1.5e3, "C": 9223372036854775807}"#).unwrap();
        assert_eq!(fields["A"], Json::from(u64::MAX));
        assert_eq!(fields["B"], Json::from(1500.0));
        assert_eq!(fields["C"], Json::from(i64::MAX));
        for text in [r#"{"A": 0}"#, r#"{"A": -0.0}"#, r#"{"A": 1E-2}"#, r#"{"A": 100000000000000000000}"#] {
            assert!(scan(text).is_some(), "{text}");
        }
    }

    /// Each scan reads one line, from where it starts to just past its line end; an object
    /// that spans lines is left to the general path, which refuses each of its lines.
    #[test]
    fn a_scan_reads_one_line_and_says_where_the_next_starts() {
        let text = "{\"A\": 1} \r\n{\"B\": [2]}\n{\"C\":\n3}\n{\"D\": {\n}}\n{\"E\": 5}";
        let mut row = Collected::default();
        let second = scan_object(text, 0, &mut row, &mut String::new()).expect("line 1");
        assert_eq!(&text[second..second + 6], "{\"B\": ");
        let third = scan_object(text, second, &mut row, &mut String::new()).expect("line 2");
        assert_eq!(row.0, serde_json::json!({"A": 1, "B": [2]}).as_object().cloned().unwrap_or_default());
        assert!(scan_object(text, third, &mut row, &mut String::new()).is_none(), "an object over two lines");
        let fourth = third + "{\"C\":\n3}\n".len();
        assert!(scan_object(text, fourth, &mut row, &mut String::new()).is_none(), "a nested value over two lines");
        let fifth = fourth + "{\"D\": {\n}}\n".len();
        assert_eq!(scan_object(text, fifth, &mut row, &mut String::new()), Some(text.len()));
    }

    #[test]
    fn a_stream_record_is_read_to_its_properties() {
        let line = concat!(
            r#"{"time": "t", "tenantId": "x", "n": [1, {"a": "}"}], "category": "AdvancedHunting-T", "#,
            r#""properties": {"A": "a \"}\" {", "B": {"nested": {"deep": 1}}, "C": 2, "D": null}}"#
        );
        let mut tables = OneTable::default();
        let (record, next_line) = scan_record(line, 0, &mut tables, &mut String::new()).expect("a record");
        assert_eq!(next_line, line.len());
        assert_eq!((record.category.as_ref(), record.tenant_id.as_deref()), ("AdvancedHunting-T", Some("x")));
        let expected = serde_json::json!({"A": "a \"}\" {", "B": {"nested": {"deep": 1}}, "C": 2, "D": null});
        assert_eq!(Json::Object(tables.0.0), expected);
        for line in [
            r#"{"category": "AdvancedHunting-T"}"#,
            r#"{"properties": {"A": 1}, "category": "AdvancedHunting-T"}"#,
            r#"{"category": "AdvancedHunting-Other", "properties": {"A": 1}}"#,
            r#"{"records": [], "category": "AdvancedHunting-T", "properties": {}}"#,
            r#"{"category": "AdvancedHunting-T", "properties": {"A": 1} "#,
            r#"{"category": "AdvancedHunting-T", "properties": {"A": 1}} x"#,
            r#"{"category": "AdvancedHunting-T", "properties": {"A": "unterminated}}"#,
        ] {
            assert!(scan_record(line, 0, &mut OneTable::default(), &mut String::new()).is_none(), "{line}");
        }
    }

    #[test]
    fn what_is_not_valid_json_is_left_to_the_general_path() {
        for text in [
            "",
            "[1]",
            "{",
            r#"{"A": 1,}"#,
            r#"{"A" 1}"#,
            r#"{"A": 01}"#,
            r#"{"A": 1.}"#,
            r#"{"A": -}"#,
            r#"{"A": tru}"#,
            r#"{"A": "x"} trailing"#,
            "{\"A\": \"raw\ttab\"}",
            r#"{"A": "\x"}"#,
            r#"{"A": "\ud800 lone"}"#,
            r#"{"A": "unterminated}"#,
            r#"{"A": {"open": 1}"#,
        ] {
            assert!(scan(text).is_none(), "{text}");
        }
    }
}

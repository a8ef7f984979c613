//! A scanner for the JSON object of one NDJSON row, placing each field by column as it goes:
//! the ingest hot path. Strings without escapes are borrowed from the line; a nested object or
//! array (e.g. `AdditionalFields`) is handed to serde_json. Anything the scanner does not take
//! as valid JSON returns `None`, and the caller's general path (serde_json) parses the line
//! again and words the error, so the scanner never has to.

use std::borrow::Cow;

use serde_json::Value as Json;

use super::cell::Raw;

/// Where the scanner puts an object's fields, one by one as it reads them. A value may borrow
/// the scanner's buffer for unescaped text, so it is stored (or copied) before the next one.
pub(super) trait Row {
    /// `None` stops the scan (the general path takes the line).
    fn put(&mut self, key: Cow<'_, str>, value: Raw<'_>) -> Option<()>;
}

/// The row of each streaming-API category.
pub(super) trait Tables {
    type Row: Row;
    /// `None` for a category the fast path does not take.
    fn row(&mut self, category: &str) -> Option<&mut Self::Row>;
}

/// Puts the fields of the JSON object `text` into `row`; `None` when `text` is not one
/// well-formed JSON object (the row may have been given some of its fields by then).
pub(super) fn scan_object(text: &str, row: &mut impl Row) -> Option<()> {
    let mut scanner = Scanner::new(text);
    scanner.fields(row)?;
    scanner.end()
}

/// A streaming-API record's table category and tenant id (its properties are in the row).
pub(super) struct Record<'a> {
    pub(super) category: Cow<'a, str>,
    pub(super) tenant_id: Option<Cow<'a, str>>,
}

/// A streaming-API record in one pass, its `properties` put into the row `tables` gives for
/// its category. `None` when `text` is not one well-formed record whose category comes before
/// its properties (as Defender writes them), or is a `records` wrapper: the general path takes
/// those (a row may have been given some fields by then).
pub(super) fn scan_record<'a>(text: &'a str, tables: &mut impl Tables) -> Option<Record<'a>> {
    let mut scanner = Scanner::new(text);
    let (mut category, mut tenant_id, mut properties) = (None, None, false);
    scanner.object(|scanner, key| {
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
    })?;
    scanner.end()?;
    properties.then_some(())?;
    Some(Record { category: category?, tenant_id })
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// The last string value with escapes, unescaped (paths are full of backslashes: one
    /// buffer for all of them rather than an allocation each).
    unescaped: String,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner { text, bytes: text.as_bytes(), pos: 0, unescaped: String::new() }
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

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// An object, calling `field` with the scanner at each field's value, after its key.
    fn object(&mut self, mut field: impl FnMut(&mut Self, Cow<'a, str>) -> Option<()>) -> Option<()> {
        self.skip_space();
        self.eat(b'{')?;
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Some(());
        }
        loop {
            self.skip_space();
            let key = self.string()?;
            self.skip_space();
            self.eat(b':')?;
            self.skip_space();
            field(self, key)?;
            self.skip_space();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// Nothing but white space is left.
    fn end(&mut self) -> Option<()> {
        self.skip_space();
        (self.pos == self.bytes.len()).then_some(())
    }

    /// An object's fields, put into `row`.
    fn fields(&mut self, row: &mut impl Row) -> Option<()> {
        self.object(|scanner, key| {
            let value = scanner.value()?;
            row.put(key, value)
        })
    }

    /// The next value; text with escapes borrows the scanner's buffer.
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
        self.pos += values.byte_offset();
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

/// Where the first byte a JSON string cannot hold as it is lies: `"`, `\\` or a control
/// character. Eight bytes at a time (SWAR): values are mostly short, and a SIMD search costs
/// more to set up than that.
fn special_byte(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    // The high bit of each byte that is zero (exact up to the first such byte), and of each
    // byte below 0x20 (likewise).
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let control = |v: u64| v.wrapping_sub(ONES * 0x20) & !v & HIGH;
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let mut eight = [0; 8];
        eight.copy_from_slice(word);
        let v = u64::from_le_bytes(eight);
        let found = zero(v ^ (ONES * u64::from(b'"'))) | zero(v ^ (ONES * u64::from(b'\\'))) | control(v);
        if found != 0 {
            return Some(offset + found.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    words.remainder().iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|at| offset + at)
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
        let scanned = scan_object(text, &mut row).map(|()| row.0);
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

    /// The word-at-a-time search finds what a byte-by-byte one finds, wherever it lies.
    #[test]
    fn special_bytes_are_found_in_any_position() {
        for len in 0..40 {
            for at in 0..=len {
                for special in [b'"', b'\\', b'\n', 0x1f, 0] {
                    let mut bytes = vec![b'a'; len];
                    // Bytes on either side of the special ones that must not match.
                    bytes.iter_mut().step_by(3).for_each(|b| *b = 0xe9);
                    bytes.iter_mut().skip(1).step_by(5).for_each(|b| *b = b' ');
                    if at < len {
                        bytes[at] = special;
                        bytes.iter_mut().skip(at + 1).step_by(2).for_each(|b| *b = b'"');
                    }
                    let slow = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
                    assert_eq!(special_byte(&bytes), slow, "len {len}, special {special} at {at}");
                }
            }
        }
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

    #[test]
    fn a_stream_record_is_read_to_its_properties() {
        let line = r#"{"time": "t", "tenantId": "x", "n": [1, {"a": "}"}], "category": "AdvancedHunting-T",
            "properties": {"A": "a \"}\" {", "B": {"nested": {"deep": 1}}, "C": 2, "D": null}}"#;
        let mut tables = OneTable::default();
        let record = scan_record(line, &mut tables).expect("a record");
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
            assert!(scan_record(line, &mut OneTable::default()).is_none(), "{line}");
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

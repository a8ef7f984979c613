//! Turns query text into tokens. Keywords stay identifiers: KQL keywords are contextual, so the
//! parser decides what a word means where it stands.

use crate::diagnostic::{Diagnostic, Span};

/// One token kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword, including hyphenated operator names (`project-away`) and negated
    /// word operators (`!has`, `in~`).
    Ident(String),
    /// A `['quoted']` or `["quoted"]` identifier.
    QuotedIdent(String),
    /// A string literal, escapes resolved.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// A real literal.
    Real(f64),
    /// A timespan literal (`1d`, `30m`) in 100 ns ticks.
    Timespan(i64),
    /// `datetime(...)`, `timespan(...)`, `guid(...)` with their raw inner text.
    Typed { kind: String, raw: String },
    /// Punctuation and symbolic operators.
    Sym(&'static str),
    /// End of input.
    Eof,
}

/// A token and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The kind.
    pub tok: Tok,
    /// Its bytes in the source.
    pub span: Span,
    /// Does a line break stand between this token and the previous one?
    pub line_start: bool,
}

const SYMBOLS: &[&str] = &[
    "==", "!=", "<>", "<=", ">=", "=~", "!~", "=>", "..", "|", "(", ")", "[", "]", "{", "}", ",", ";", ":", ".", "=",
    "<", ">", "+", "-", "*", "/", "%", "!", "?", "@", "~",
];

/// Word operators that carry a hyphen; they lex as one identifier.
const HYPHENATED: &[&str] = &[
    "project-away",
    "project-rename",
    "project-reorder",
    "project-keep",
    "project-smart",
    "mv-expand",
    "mv-apply",
    "parse-where",
    "parse-kv",
    "make-series",
    "top-nested",
    "top-hitters",
    "sample-distinct",
    "make-graph",
    "graph-match",
];

/// Ticks per unit for timespan literal suffixes.
fn timespan_unit(unit: &str) -> Option<f64> {
    const TICK: f64 = 1.0;
    const MS: f64 = 10_000.0;
    Some(match unit {
        "d" | "day" | "days" => 864_000_000_000.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 36_000_000_000.0,
        "m" | "min" | "minute" | "minutes" => 600_000_000.0,
        "s" | "sec" | "second" | "seconds" => 10_000_000.0,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => MS,
        "microsecond" | "microseconds" => 10.0,
        "tick" | "ticks" => TICK,
        _ => return None,
    })
}

/// Lexes the whole input, or reports the first bad character or unterminated literal.
pub fn lex(source: &str) -> Result<Vec<Token>, Diagnostic> {
    Lexer { src: source, bytes: source.as_bytes(), pos: 0 }.run()
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn run(mut self) -> Result<Vec<Token>, Diagnostic> {
        let mut out = Vec::new();
        loop {
            let before = self.pos;
            self.skip_trivia();
            let line_start = self.src[before..self.pos].contains('\n');
            let start = self.pos;
            let Some(&b) = self.bytes.get(self.pos) else {
                out.push(Token { tok: Tok::Eof, span: Span::new(start, start), line_start });
                return Ok(out);
            };
            let tok = self.next_token(b)?;
            out.push(Token { tok, span: Span::new(start, self.pos), line_start });
        }
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn skip_trivia(&mut self) {
        loop {
            let b = self.peek(0);
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b == b'/' && self.peek(1) == b'/' {
                while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
                    self.pos += 1;
                }
            } else if let Some(c) =
                self.src[self.pos..].chars().next().filter(|c| c.is_whitespace() || *c == '\u{feff}')
            {
                self.pos += c.len_utf8();
            } else {
                return;
            }
        }
    }

    fn error(&self, message: impl Into<String>, start: usize) -> Diagnostic {
        Diagnostic::error("KQL_SYNTAX", message, Span::new(start, self.pos.max(start + 1)))
    }

    fn next_token(&mut self, b: u8) -> Result<Tok, Diagnostic> {
        let start = self.pos;
        // Verbatim and obfuscated strings: @"..", h"..", H@"..".
        if matches!(b, b'h' | b'H') && matches!(self.peek(1), b'"' | b'\'') {
            self.pos += 1;
            return self.string(false);
        }
        if matches!(b, b'h' | b'H') && self.peek(1) == b'@' && matches!(self.peek(2), b'"' | b'\'') {
            self.pos += 2;
            return self.string(true);
        }
        if b == b'@' && matches!(self.peek(1), b'"' | b'\'') {
            self.pos += 1;
            return self.string(true);
        }
        if b == b'`' && self.src[self.pos..].starts_with("```") {
            self.pos += 3;
            let Some(end) = self.src[self.pos..].find("```") else {
                return Err(self.error("unterminated ``` string literal", start));
            };
            let text = self.src[self.pos..self.pos + end].to_string();
            self.pos += end + 3;
            return Ok(Tok::Str(text));
        }
        if b == b'"' || b == b'\'' {
            return self.string(false);
        }
        if b.is_ascii_digit() || (b == b'.' && self.peek(1).is_ascii_digit() && !self.prev_is_word()) {
            return self.number(start);
        }
        if b == b'[' && matches!(self.peek(1), b'"' | b'\'') {
            // Quoted identifier ['name'] — only when the string is directly followed by ']'.
            let save = self.pos;
            self.pos += 1;
            if let Ok(Tok::Str(name)) = self.string(false) {
                self.skip_trivia();
                if self.peek(0) == b']' {
                    self.pos += 1;
                    return Ok(Tok::QuotedIdent(name));
                }
            }
            self.pos = save;
        }
        if b == b'!' && is_ident_start(self.peek(1)) {
            self.pos += 1;
            let word = self.word();
            let mut word = format!("!{word}");
            if self.peek(0) == b'~' {
                self.pos += 1;
                word.push('~');
            }
            return Ok(Tok::Ident(word));
        }
        if is_ident_start(b) || b >= 0x80 {
            let word = self.word();
            if word.is_empty() {
                let c = self.src[self.pos..].chars().next().unwrap_or('?');
                self.pos += c.len_utf8();
                return Err(self.error(format!("unexpected character `{c}`"), start));
            }
            return Ok(self.after_word(word, start));
        }
        for sym in SYMBOLS {
            if self.src[self.pos..].starts_with(sym) {
                self.pos += sym.len();
                return Ok(Tok::Sym(sym));
            }
        }
        let c = self.src[self.pos..].chars().next().unwrap_or('?');
        self.pos += c.len_utf8();
        Err(self.error(format!("unexpected character `{c}`"), start))
    }

    fn prev_is_word(&self) -> bool {
        self.pos > 0 && is_ident_char(self.bytes[self.pos - 1])
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.src[self.pos..].chars().next() {
            if c.is_alphanumeric() || c == '_' || c == '$' {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        self.src[start..self.pos].to_string()
    }

    fn after_word(&mut self, word: String, start: usize) -> Tok {
        // Hyphenated operators: `project-away`, `mv-expand`, ...
        if self.peek(0) == b'-' {
            for op in HYPHENATED {
                let rest = &self.src[start..];
                if rest.get(..op.len()).is_some_and(|head| head.eq_ignore_ascii_case(op))
                    && !rest.as_bytes().get(op.len()).copied().is_some_and(is_ident_char)
                {
                    self.pos = start + op.len();
                    return Tok::Ident(op.to_string());
                }
            }
        }
        if word == "in" && self.peek(0) == b'~' {
            self.pos += 1;
            return Tok::Ident("in~".into());
        }
        let lower = word.to_ascii_lowercase();
        if matches!(lower.as_str(), "datetime" | "timespan" | "time" | "guid" | "date") {
            let save = self.pos;
            self.skip_trivia();
            if self.peek(0) == b'('
                && let Some(close) = self.src[self.pos..].find(')')
            {
                let raw = self.src[self.pos + 1..self.pos + close].trim().to_string();
                // Only raw literal text; calls with nested expressions stay calls.
                if !raw.contains('(') && !raw.contains('"') && !raw.contains('\'') {
                    self.pos += close + 1;
                    return Tok::Typed { kind: lower, raw };
                }
            }
            self.pos = save;
        }
        Tok::Ident(word)
    }

    fn number(&mut self, start: usize) -> Result<Tok, Diagnostic> {
        if self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'X') {
            self.pos += 2;
            let digits_start = self.pos;
            while self.peek(0).is_ascii_hexdigit() {
                self.pos += 1;
            }
            let digits = &self.src[digits_start..self.pos];
            return u64::from_str_radix(digits, 16)
                .map(|v| Tok::Int(v as i64))
                .map_err(|_| self.error("bad hexadecimal literal", start));
        }
        let mut is_real = false;
        while self.peek(0).is_ascii_digit() {
            self.pos += 1;
        }
        if self.peek(0) == b'.' && self.peek(1) != b'.' && !is_ident_start(self.peek(1)) {
            is_real = true;
            self.pos += 1;
            while self.peek(0).is_ascii_digit() {
                self.pos += 1;
            }
        } else if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            is_real = true;
        }
        if matches!(self.peek(0), b'e' | b'E')
            && (self.peek(1).is_ascii_digit() || (matches!(self.peek(1), b'+' | b'-') && self.peek(2).is_ascii_digit()))
        {
            is_real = true;
            self.pos += 2;
            while self.peek(0).is_ascii_digit() {
                self.pos += 1;
            }
        }
        let text = &self.src[start..self.pos];
        // A unit suffix turns the number into a timespan.
        if is_ident_start(self.peek(0)) {
            let unit_start = self.pos;
            let unit = self.word();
            if let Some(ticks) = timespan_unit(&unit.to_ascii_lowercase()) {
                let value: f64 = text.parse().map_err(|_| self.error("bad number", start))?;
                return Ok(Tok::Timespan((value * ticks).round() as i64));
            }
            self.pos = unit_start;
            return Err(self.error(format!("unknown timespan unit `{unit}`"), start));
        }
        if is_real {
            text.parse().map(Tok::Real).map_err(|_| self.error("bad real literal", start))
        } else {
            // `-9223372036854775808` is lexed as `-` and a magnitude one past i64::MAX; the
            // parser's negation of i64::MIN (wrapping) gives the value written.
            if text == "9223372036854775808" && self.src[..start].trim_end().ends_with('-') {
                return Ok(Tok::Int(i64::MIN));
            }
            text.parse::<i64>().map(Tok::Int).map_err(|_| {
                self.error(format!("integer literal {text} is out of range for long"), start)
                    .with_help("write it as a real, e.g. `9.3e18`")
            })
        }
    }

    fn string(&mut self, verbatim: bool) -> Result<Tok, Diagnostic> {
        let start = self.pos;
        let quote = self.bytes[self.pos];
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.src[self.pos..].chars().next() else {
                return Err(self.error("unterminated string literal", start));
            };
            self.pos += c.len_utf8();
            if c as u32 == u32::from(quote) {
                if verbatim && self.peek(0) == quote {
                    self.pos += 1;
                    out.push(c);
                    continue;
                }
                return Ok(Tok::Str(out));
            }
            if c == '\n' && !verbatim {
                return Err(self.error("unterminated string literal (newline in string)", start));
            }
            if c == '\\' && !verbatim {
                let Some(e) = self.src[self.pos..].chars().next() else {
                    return Err(self.error("unterminated string literal", start));
                };
                self.pos += e.len_utf8();
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '0' => out.push('\0'),
                    'u' => {
                        let hex = self.src.get(self.pos..self.pos + 4).unwrap_or("");
                        match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                            Some(ch) => {
                                out.push(ch);
                                self.pos += 4;
                            }
                            None => out.push('u'),
                        }
                    }
                    other => out.push(other),
                }
                continue;
            }
            out.push(c);
        }
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

//! Diagnostics are data: a message, a span into the query text, notes and help lines. The CLI
//! renders them with a caret excerpt; the console underlines the span.

use serde::Serialize;

/// A byte range in the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The query cannot run.
    Error,
    /// The query runs but probably not as meant.
    Warning,
}

/// One problem found in a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code such as `KQL_SYNTAX` or `KQL_UNKNOWN_COLUMN`.
    pub code: &'static str,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// Where.
    pub span: Span,
    /// Extra context.
    pub notes: Vec<String>,
    /// How to fix it (e.g. "did you mean `DeviceName`?").
    pub help: Vec<String>,
}

impl Diagnostic {
    /// An error diagnostic.
    pub fn error(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Self { severity: Severity::Error, code, message: message.into(), span, notes: Vec::new(), help: Vec::new() }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Line and column (1-based, columns in characters) of the span start.
    pub fn line_column(&self, source: &str) -> (usize, usize) {
        line_column(source, self.span.start)
    }

    /// Renders `error: message` with `--> line:col`, the source line and a caret underline.
    pub fn render(&self, source: &str) -> String {
        let (line, column) = self.line_column(source);
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!("{severity}[{}]: {}\n  --> {line}:{column}\n", self.code, self.message);
        if let Some(text) = source.lines().nth(line - 1) {
            let width = source[self.span.start.min(source.len())..self.span.end.min(source.len())]
                .lines()
                .next()
                .map(|l| l.chars().count())
                .unwrap_or(0)
                .max(1);
            out.push_str(&format!("   | {text}\n   | {}{}\n", " ".repeat(column - 1), "^".repeat(width)));
        }
        for note in &self.notes {
            out.push_str(&format!("   = note: {note}\n"));
        }
        for help in &self.help {
            out.push_str(&format!("   = help: {help}\n"));
        }
        out
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let mut line = 1;
    let mut line_start = 0;
    for (i, c) in source.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    let column = source.get(line_start..offset).map(|s| s.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// The closest candidate by edit distance, for "did you mean" hints.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

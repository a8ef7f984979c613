//! Text input to rows. NDJSON lines of native rows or streaming-API records are parsed
//! straight into their table's columns (no JSON tree per record: this is the ingest hot
//! path); a line the fast path does not take as it is (a syntax error, a `records` wrapper, a
//! wrong category) goes through the general record path, which also words the errors.

use std::collections::BTreeMap;

use super::scan::{Tables, scan_record};
use super::{
    Converted, Format, IngestOptions, RecordError, TableBuilder, Typing, check_native_table, check_stream_tenant,
    convert_record, convert_records, finish, linux_audit, logs, parse_line, resolve_format, split_records_from,
};
use crate::catalog::defender_tables;

/// Converts text: NDJSON (its first line is line `first_line`, for positions in errors) or one
/// JSON document such as a pretty-printed `{"records": [...]}` export.
pub fn convert_text(text: &str, first_line: usize, options: &IngestOptions) -> Result<Converted, String> {
    let mut lines = non_empty_lines(text).peekable();
    let Some(&(_, first)) = lines.peek() else {
        return Ok(Converted::default());
    };
    if linux_audit::is_audit_log(first) {
        let mut builders = BTreeMap::new();
        let mut converted = Converted::default();
        logs::convert_audit_text(text, first_line, options, &mut builders, &mut converted);
        return finish(builders, converted);
    }
    let mut sample = Vec::new();
    parse_line(first_line, first, &mut sample);
    if sample.iter().any(|(_, r)| r.is_err()) {
        // Not line-delimited, or a bad first line: the general path decides which.
        return convert_records(split_records_from(text, first_line), options);
    }
    let format = resolve_format(&sample, options);
    if matches!(format, Format::Windows | Format::Export) {
        let mut records = Vec::new();
        for (index, line) in lines {
            parse_line(first_line + index, line, &mut records);
        }
        return convert_records(records, options);
    }
    check_native_table(format, options)?;
    let mut converter = LineConverter {
        options,
        format,
        builders: BTreeMap::new(),
        converted: Converted::default(),
        buffer: String::new(),
    };
    let (mut start, mut number) = (0, first_line);
    while start < text.len() {
        start = converter.line(number, text, start);
        number += 1;
    }
    finish(converter.builders, converter.converted)
}

/// The text's non-blank lines with their 0-based index (ended by `\n` or `\r\n`): the hot
/// loop of NDJSON ingest, so the line ends are found with a SIMD search.
pub(super) fn non_empty_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    ends.enumerate().filter_map(move |(index, end)| {
        // A `\n` byte is always a character boundary, so the slice never fails.
        let line = text.get(start..end).unwrap_or_default();
        start = end + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        (!line.trim().is_empty()).then_some((index, line))
    })
}

struct LineConverter<'o> {
    options: &'o IngestOptions,
    format: Format,
    builders: BTreeMap<String, TableBuilder>,
    converted: Converted,
    /// The scanner's scratch space for unescaping, kept from line to line.
    buffer: String,
}

impl LineConverter<'_> {
    /// Converts the line that starts at `start` of `text` (line `number` of the input); gives
    /// where the next line starts.
    fn line(&mut self, number: usize, text: &str, start: usize) -> usize {
        let fast = match self.format {
            Format::DefenderStream => self.stream_line(text, start),
            _ => {
                let table = self.options.table.as_deref().unwrap_or_default();
                builder_for(&mut self.builders, table, Typing::Strict)
                    .and_then(|builder| builder.push_line(text, start, self.options.received_ns, &mut self.buffer))
                    .map(|(next, taken)| (next, taken.map_err(|e| e.to_string())))
            }
        };
        match fast {
            Some((next, Ok(()))) => {
                self.converted.accepted += 1;
                next
            }
            Some((next, Err(message))) => {
                self.converted.errors.push(RecordError { position: format!("line {number}"), message });
                next
            }
            None => self.general_line(number, text, start),
        }
    }

    /// The line at `start` through serde_json: what the fast path does not take, and blank
    /// lines. Gives where the next line starts.
    fn general_line(&mut self, number: usize, text: &str, start: usize) -> usize {
        let rest = text.get(start..).unwrap_or_default();
        let (line, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(end) => (&rest[..end], start + end + 1),
            None => (rest, text.len()),
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut records = Vec::new();
        parse_line(number, line, &mut records);
        for (position, record) in records {
            convert_record(position, record, self.format, self.options, &mut self.builders, &mut self.converted);
        }
        next
    }

    /// A streaming-API line the fast path takes (where the next line starts, and whether its
    /// row was taken); `None` sends it down the general path.
    fn stream_line(&mut self, text: &str, start: usize) -> Option<(usize, Result<(), String>)> {
        let tables = &mut StreamTables(&mut self.builders);
        let Some((record, next)) = scan_record(text, start, tables, &mut self.buffer) else {
            // The properties may have been half read into a table's row.
            self.builders.values_mut().for_each(TableBuilder::abandon_row);
            return None;
        };
        let builder = self.builders.get_mut(record.category.strip_prefix("AdvancedHunting-")?)?;
        if let Err(message) = check_stream_tenant(self.options, record.tenant_id.as_deref()) {
            builder.abandon_row();
            return Some((next, Err(message)));
        }
        Some((next, builder.end_row(self.options.received_ns).map_err(|e| e.to_string())))
    }
}

/// The builders of streaming-API categories (`AdvancedHunting-<Table>`), made on first use.
struct StreamTables<'b>(&'b mut BTreeMap<String, TableBuilder>);

impl Tables for StreamTables<'_> {
    type Row = TableBuilder;
    fn row(&mut self, category: &str) -> Option<&mut TableBuilder> {
        builder_for(self.0, category.strip_prefix("AdvancedHunting-")?, Typing::Lenient)
    }
}

/// The builder of `table`, made on first use; `None` for a table the schema does not have.
fn builder_for<'b>(
    builders: &'b mut BTreeMap<String, TableBuilder>,
    table: &str,
    typing: Typing,
) -> Option<&'b mut TableBuilder> {
    if !builders.contains_key(table) {
        let schema = defender_tables().get(table)?;
        builders.insert(table.to_string(), TableBuilder::new(schema, typing));
    }
    builders.get_mut(table)
}

#[cfg(test)]
mod tests {
    use super::non_empty_lines;

    #[test]
    fn lines_keep_their_positions_and_lose_their_endings() {
        let text = "a\r\n\n  \nb\nc";
        assert_eq!(non_empty_lines(text).collect::<Vec<_>>(), [(0, "a"), (3, "b"), (4, "c")]);
        assert_eq!(non_empty_lines("x\n").collect::<Vec<_>>(), [(0, "x")]);
        assert_eq!(non_empty_lines("").count(), 0);
    }
}

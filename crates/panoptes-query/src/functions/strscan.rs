//! Column-at-a-time evaluation of the string predicates. A string column is folded once into one
//! contiguous byte buffer (ASCII columns are lowercased in a single vectorised pass, and borrowed
//! untouched for case-sensitive operators); substring and term searches then run `memmem` over
//! the whole buffer and map each hit back to its row, instead of copying and searching row by
//! row. Rows that are not ASCII are folded with full Unicode lowercasing.

use std::borrow::Cow;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, GenericStringArray, OffsetSizeTrait};
use datafusion::arrow::datatypes::DataType;

/// A column's values, case-folded as the predicate needs, in one buffer with row offsets.
pub(super) struct Folded<'a> {
    pub bytes: Cow<'a, [u8]>,
    /// `offsets[i]..offsets[i + 1]` is row `i`.
    pub offsets: Vec<usize>,
}

impl Folded<'_> {
    pub(super) fn row(&self, i: usize) -> &[u8] {
        &self.bytes[self.offsets[i]..self.offsets[i + 1]]
    }

    pub(super) fn rows(&self) -> usize {
        self.offsets.len() - 1
    }
}

/// Folds a string column; `None` for other types (the caller goes value by value).
pub(super) fn fold(array: &ArrayRef, case_insensitive: bool) -> Option<Folded<'_>> {
    match array.data_type() {
        DataType::Utf8 => Some(fold_offsets(array.as_string::<i32>(), case_insensitive)),
        DataType::LargeUtf8 => Some(fold_offsets(array.as_string::<i64>(), case_insensitive)),
        DataType::Utf8View => {
            Some(fold_rows(array.as_string_view().iter().map(|v| v.unwrap_or("")), array.len(), case_insensitive))
        }
        _ => None,
    }
}

fn fold_offsets<O: OffsetSizeTrait>(array: &GenericStringArray<O>, case_insensitive: bool) -> Folded<'_> {
    let offsets = array.value_offsets();
    let first = offsets.first().map_or(0, |o| o.as_usize());
    let last = offsets.last().map_or(0, |o| o.as_usize());
    let raw = &array.values().as_slice()[first..last];
    if !case_insensitive || raw.is_ascii() {
        let bytes = if case_insensitive { Cow::Owned(raw.to_ascii_lowercase()) } else { Cow::Borrowed(raw) };
        return Folded { bytes, offsets: offsets.iter().map(|o| o.as_usize() - first).collect() };
    }
    fold_rows((0..array.len()).map(|i| array.value(i)), array.len(), true)
}

fn fold_rows<'a>(values: impl Iterator<Item = &'a str>, rows: usize, case_insensitive: bool) -> Folded<'static> {
    let mut bytes = Vec::new();
    let mut offsets = Vec::with_capacity(rows + 1);
    offsets.push(0);
    for value in values {
        if !case_insensitive {
            bytes.extend_from_slice(value.as_bytes());
        } else if value.is_ascii() {
            let start = bytes.len();
            bytes.extend_from_slice(value.as_bytes());
            bytes[start..].make_ascii_lowercase();
        } else {
            bytes.extend_from_slice(value.to_lowercase().as_bytes());
        }
        offsets.push(bytes.len());
    }
    Folded { bytes: Cow::Owned(bytes), offsets }
}

/// Which edges of a hit must sit on term boundaries (`has`, `hasprefix`, `hassuffix`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Edges {
    pub start: bool,
    pub end: bool,
}

/// Rows containing `needle` (already folded), as a term when `edges` says so.
pub(super) fn find_rows(folded: &Folded<'_>, finder: &memchr::memmem::Finder<'_>, edges: Option<Edges>) -> Vec<bool> {
    let rows = folded.rows();
    let needle = finder.needle();
    if needle.is_empty() {
        return vec![true; rows];
    }
    let mut hit = vec![false; rows];
    let hay = folded.bytes.as_ref();
    let offsets = &folded.offsets;
    let mut row = 0;
    let mut from = 0;
    while from < hay.len() {
        let Some(found) = finder.find(&hay[from..]) else { break };
        let at = from + found;
        while row < rows && offsets[row + 1] <= at {
            row += 1;
        }
        if row >= rows {
            break;
        }
        let (start, end) = (offsets[row], offsets[row + 1]);
        if at + needle.len() <= end && edges.is_none_or(|e| on_boundaries(&hay[start..end], at - start, needle, e)) {
            hit[row] = true;
            from = end;
            row += 1;
        } else {
            from = at + 1;
        }
    }
    hit
}

/// Is the hit at `at` in `value` a term (alphanumeric edges not glued to other alphanumerics)?
pub(super) fn on_boundaries(value: &[u8], at: usize, needle: &[u8], edges: Edges) -> bool {
    let end = at + needle.len();
    let starts_alnum = needle.first().is_some_and(|b| is_term_start(needle, *b));
    let ends_alnum = last_char(needle).is_some_and(char::is_alphanumeric);
    let start_ok = !edges.start || !starts_alnum || !last_char(&value[..at]).is_some_and(char::is_alphanumeric);
    let end_ok = !edges.end || !ends_alnum || !first_char(&value[end..]).is_some_and(char::is_alphanumeric);
    start_ok && end_ok
}

fn is_term_start(needle: &[u8], first: u8) -> bool {
    if first.is_ascii() { first.is_ascii_alphanumeric() } else { first_char(needle).is_some_and(char::is_alphanumeric) }
}

fn first_char(bytes: &[u8]) -> Option<char> {
    match bytes.first() {
        Some(b) if b.is_ascii() => Some(*b as char),
        Some(_) => std::str::from_utf8(&bytes[..bytes.len().min(4)])
            .or_else(|e| std::str::from_utf8(&bytes[..e.valid_up_to()]))
            .ok()
            .and_then(|s| s.chars().next()),
        None => None,
    }
}

fn last_char(bytes: &[u8]) -> Option<char> {
    match bytes.last() {
        Some(b) if b.is_ascii() => Some(*b as char),
        Some(_) => {
            let from = bytes.len().saturating_sub(4);
            (from..bytes.len()).find_map(|i| std::str::from_utf8(&bytes[i..]).ok()).and_then(|s| s.chars().next_back())
        }
        None => None,
    }
}

/// `value` starts with `needle` (lowercase when `ci`): ASCII compared in place, anything else folded.
pub(super) fn starts_with(value: &[u8], needle: &[u8], ci: bool) -> bool {
    if !ci {
        return value.starts_with(needle);
    }
    match value.get(..needle.len()) {
        Some(prefix) if prefix.is_ascii() => prefix.eq_ignore_ascii_case(needle),
        _ => lowered(value).is_some_and(|v| v.as_bytes().starts_with(needle)),
    }
}

/// `value` ends with `needle` (lowercase when `ci`).
pub(super) fn ends_with(value: &[u8], needle: &[u8], ci: bool) -> bool {
    if !ci {
        return value.ends_with(needle);
    }
    match value.len().checked_sub(needle.len()).map(|from| &value[from..]) {
        Some(suffix) if suffix.is_ascii() => suffix.eq_ignore_ascii_case(needle),
        _ => lowered(value).is_some_and(|v| v.as_bytes().ends_with(needle)),
    }
}

fn lowered(value: &[u8]) -> Option<String> {
    std::str::from_utf8(value).ok().map(str::to_lowercase)
}

/// Rows whose folded value satisfies `test`.
pub(super) fn test_rows(folded: &Folded<'_>, test: impl Fn(&[u8]) -> bool) -> Vec<bool> {
    (0..folded.rows()).map(|i| test(folded.row(i))).collect()
}

/// The result column: null rows count as `""` (`empty` is the predicate's answer for it).
pub(super) fn to_array(array: &ArrayRef, mut hits: Vec<bool>, empty: bool) -> BooleanArray {
    if let Some(nulls) = array.nulls() {
        for (i, hit) in hits.iter_mut().enumerate() {
            if nulls.is_null(i) {
                *hit = empty;
            }
        }
    }
    BooleanArray::from(hits)
}

//! Byte searches of the JSON scanner, eight bytes at a time: the ingest hot path spends its
//! time in them.

/// Does `bytes` start with `prefix`? Keys are short: comparing them eight bytes at a time in
/// place (the last word overlapping the one before) is cheaper than a call to `memcmp`.
#[inline]
pub(super) fn starts_with(bytes: &[u8], prefix: &[u8]) -> bool {
    let n = prefix.len();
    if bytes.len() < n {
        return false;
    }
    if n < 8 {
        return bytes[..n] == *prefix;
    }
    let word = |b: &[u8], at: usize| b.get(at..at + 8).map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()));
    let mut at = 0;
    while at + 8 < n {
        if word(bytes, at) != word(prefix, at) {
            return false;
        }
        at += 8;
    }
    word(bytes, n - 8) == word(prefix, n - 8)
}

/// Where the first byte a JSON string cannot hold as it is lies: `"`, `\\` or a control
/// character. Eight bytes at a time (SWAR): values are mostly short, and a SIMD search costs
/// more to set up than that.
pub(super) fn special_byte(bytes: &[u8]) -> Option<usize> {
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

    #[test]
    fn prefixes_of_any_length_are_matched_exactly() {
        let text: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for len in 0..=40 {
            assert!(starts_with(&text, &text[..len]), "{len}");
            for at in 0..len {
                let mut other = text[..len].to_vec();
                other[at] ^= 1;
                assert!(!starts_with(&text, &other), "{len}, differing at {at}");
            }
        }
        assert!(!starts_with(b"ab", b"abc"), "longer than the text");
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
}

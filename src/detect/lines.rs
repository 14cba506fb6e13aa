//! Line and column counting over a text read in increasing offsets.
//!
//! A scan asks where each finding is as it goes: the bytes since the last
//! question are counted once (newlines with SIMD), so a finding's line and
//! column cost no extra pass. Columns are counted two ways: in bytes (what
//! trawl's outputs give, as ripgrep does) and in UTF-16 code units, the
//! column SARIF consumers (code-scanning dashboards, editors) expect.

/// How many newlines `bytes` holds, and the offset of the last one:
/// counted with SIMD rather than found one by one (logs and JSON Lines
/// have a newline every 100–200 bytes), then the last found from the end.
pub(crate) fn newlines(bytes: &[u8]) -> (u64, Option<usize>) {
    (bytecount::count(bytes, b'\n') as u64, memchr::memrchr(b'\n', bytes))
}

/// The UTF-16 code units that `bytes`, read as UTF-8, make: one per
/// character, two for a character outside the Basic Multilingual Plane
/// (a 4-byte sequence). Bytes that are not UTF-8 count one unit per byte
/// that is not a continuation byte, as a lossy decoding would give about.
pub(crate) fn utf16_len(bytes: &[u8]) -> u64 {
    if bytes.is_ascii() {
        return bytes.len() as u64;
    }
    bytes.iter().map(|&b| u64::from(b & 0xC0 != 0x80) + u64::from(b >= 0xF0)).sum()
}

/// The 1-based UTF-16 column of the offset after `prefix`, the bytes from
/// its line's start, when it is not the byte column.
pub(crate) fn column_utf16_after(prefix: &[u8]) -> Option<u64> {
    let units = utf16_len(prefix);
    (units != prefix.len() as u64).then_some(units + 1)
}

/// A count of lines up to an absolute offset, moved forward as a scan goes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lines {
    /// Absolute offset counted up to.
    pos: u64,
    /// 1-based line number at `pos`.
    line: u64,
    /// Absolute offset of the start of that line.
    line_start: u64,
    /// UTF-16 code units from `line_start` to `pos`, unless the count
    /// started inside a line whose start it did not see.
    units: Option<u64>,
}

/// Where an offset is on its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Position {
    /// 1-based line.
    pub line: u64,
    /// 1-based column, in bytes.
    pub column: u64,
    /// 1-based column in UTF-16 code units, when it is not `column` (the
    /// line holds non-ASCII text before the offset) and is known.
    pub column_utf16: Option<u64>,
}

impl Default for Lines {
    fn default() -> Lines {
        Lines::new()
    }
}

impl Lines {
    /// Counting from the start of the data.
    pub fn new() -> Lines {
        Lines::from_line(0, 1)
    }

    /// Counting from absolute offset `pos`, the start of 1-based line `line`.
    pub fn from_line(pos: u64, line: u64) -> Lines {
        Lines { pos, line, line_start: pos, units: Some(0) }
    }

    /// Resumes counting at absolute offset `pos`, the start of 1-based line
    /// `line`, which the caller knows (a JSON Lines scan counts its lines
    /// as it reads them): the newlines before it are not counted again.
    /// Offsets before `pos` must not be asked for afterwards.
    pub fn skip_to(&mut self, pos: u64, line: u64) {
        if pos > self.pos {
            *self = Lines::from_line(pos, line);
        }
    }

    /// The count after `end`, when `newlines` newlines lie between this
    /// count's offset and `end`, the last of them before `last_line_start`.
    /// The UTF-16 column is known after `end` only when `end` starts a line.
    pub fn followed_by(&self, end: u64, newlines: u64, last_line_start: Option<u64>) -> Lines {
        let line_start = last_line_start.unwrap_or(self.line_start);
        Lines { pos: end, line: self.line + newlines, line_start, units: (line_start == end).then_some(0) }
    }

    /// The 1-based line at the offset counted up to.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The absolute offset where that line starts.
    pub fn line_start(&self) -> u64 {
        self.line_start
    }

    /// UTF-16 code units from the line's start to the offset counted up to,
    /// when known.
    pub fn units(&self) -> Option<u64> {
        self.units
    }

    /// Counts up to absolute offset `to` of `data`, whose first byte is at
    /// absolute offset `base` and which holds the bytes from the offset
    /// counted up to on; an offset already counted past counts nothing.
    pub fn advance(&mut self, data: &[u8], base: u64, to: u64) {
        if to > self.pos {
            self.count(&data[(self.pos - base) as usize..(to - base) as usize]);
        }
    }

    /// Counts `bytes`, the data from the offset counted up to on.
    pub fn count(&mut self, bytes: &[u8]) {
        let (count, last) = newlines(bytes);
        self.line += count;
        match last {
            Some(nl) => {
                self.line_start = self.pos + nl as u64 + 1;
                self.units = Some(utf16_len(&bytes[nl + 1..]));
            }
            None => self.units = self.units.map(|u| u + utf16_len(bytes)),
        }
        self.pos += bytes.len() as u64;
    }

    /// Where the offset counted up to is.
    pub fn position(&self) -> Position {
        let column = self.pos - self.line_start + 1;
        let column_utf16 = self.units.map(|u| u + 1).filter(|&c| c != column);
        Position { line: self.line, column, column_utf16 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Line, byte column and UTF-16 column of `at` in `text`, counted naively.
    fn naive(text: &str, at: usize) -> Position {
        let before = &text[..at];
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = (at - start) as u64 + 1;
        let units = before[start..].encode_utf16().count() as u64 + 1;
        Position {
            line: before.matches('\n').count() as u64 + 1,
            column,
            column_utf16: (units != column).then_some(units),
        }
    }

    #[test]
    fn utf16_lengths_match_the_standard_encoder() {
        for s in ["", "plain", "clé", "日本語", "a😀b", "ß\u{10FFFF}x", "mixed ü 😀 end"] {
            assert_eq!(utf16_len(s.as_bytes()), s.encode_utf16().count() as u64, "{s}");
        }
        // Not UTF-8: one unit per byte that does not continue a sequence.
        assert_eq!(utf16_len(b"caf\xe9 x"), 6);
    }

    #[test]
    fn positions_count_bytes_and_utf16_units() {
        let text = "ab\ncl\u{e9} 4532\n\n\u{1F600}\u{1F600} x\nend";
        let char_starts: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        for step in 1..6 {
            let mut lines = Lines::new();
            for &at in char_starts.iter().step_by(step) {
                lines.advance(text.as_bytes(), 0, at as u64);
                assert_eq!(lines.position(), naive(text, at), "step {step}, at {at}");
            }
        }
    }

    #[test]
    fn a_count_resumed_inside_a_line_knows_no_utf16_column() {
        let text = "\u{e9}t\u{e9}\nx\u{e9}y";
        let mut lines = Lines::new().followed_by(2, 0, None);
        lines.count(&text.as_bytes()[2..5]);
        assert_eq!(lines.position(), Position { line: 1, column: 6, column_utf16: None });
        // The next line is counted in full again.
        lines.count(&text.as_bytes()[5..10]);
        assert_eq!(lines.position(), naive(text, 10));
        // Resumed at a line's start, it is known.
        let mut lines = Lines::new().followed_by(6, 1, Some(6));
        lines.count(&text.as_bytes()[6..10]);
        assert_eq!(lines.position(), naive(text, 10));
    }
}

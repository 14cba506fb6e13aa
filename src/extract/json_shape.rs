//! Record shapes: JSON Lines records checked without the tokenizer.
//!
//! The lines of a JSON Lines file mostly repeat one flat record: the same
//! keys in the same order, each with a string, number or literal
//! (`{"ts":"...","level":"info",...,"latency_ms":531.88}`), with some
//! members left out. Every line must still be checked (is it JSON, and does
//! one of its values have a path with a keyword context), which the
//! tokenizer does at about 140 instructions per member, most of it reading
//! keys and looking up their paths.
//!
//! A [`Shape`] keeps the bytes of such a record between its values: `{"ts":`,
//! `,"level":`, ... and the closing `}`. A line made of some of these pieces,
//! in order (the first one always), each followed by a value that the
//! tokenizer reads the same way (a string, a number, `true`, `false` or
//! `null`), and the closing piece with only whitespace after it, is a line
//! the tokenizer reads as valid, and its values have the paths of the
//! shape's record: when that record had no value with a keyword context,
//! neither does the line. Such a line costs a compare per piece and a scan
//! per value, with no key read and no path looked up, and its newline is
//! the first one after the closing piece (its strings must not reach a line
//! break), so it is not searched for first. Any other line goes to the
//! tokenizer, as before.
//!
//! Given a scanner, a shape also knows which word starts of its keys can
//! start no keyword (`Scanner::quiet_starts`), and marks them for each line
//! it checks, for the block's text pass to skip (see `detect::quiet`).

use std::ops::Range;

use crate::detect::Scanner;
use crate::detect::classify::two_words;
use crate::detect::quiet::QuietStarts;
use crate::extract::json_lexer::{LineStops, StopMasks, Stops, is_space, literal_of, number_token};

/// Records with more members than this get no shape.
const MAX_MEMBERS: usize = 64;

/// Records longer than this get no shape.
const MAX_BYTES: usize = 4096;

/// The bytes of a record between its values (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Shape {
    bytes: Vec<u8>,
    /// For each member, the bytes from the end of the value before it (or
    /// from the `{`) to the start of its value.
    members: Vec<Piece>,
    /// The bytes from the end of the last value to the closing `}`, included.
    close: Piece,
    /// Lines that matched it (counted up to [`QUIET_AFTER`]).
    matched: u32,
}

/// One run of a shape's bytes, with its first 16 bytes as two words and
/// masks of the bytes it holds there: most compares end after two words.
#[derive(Clone, Debug)]
struct Piece {
    range: Range<usize>,
    len: usize,
    head: [u64; 2],
    mask: [u64; 2],
    /// The word starts among its first 64 bytes at which the scan's
    /// keyword walks can find nothing (`Scanner::quiet_starts`).
    quiet: u64,
}

impl Piece {
    fn new(bytes: &[u8], range: Range<usize>) -> Piece {
        let piece = &bytes[range.clone()];
        let ones = vec![0xff; piece.len().min(16)];
        Piece { head: two_words(piece, 0), mask: two_words(&ones, 0), len: range.len(), range, quiet: 0 }
    }
}

/// The end of the scalar value starting at `data[i]`, read as the tokenizer
/// reads it, or `None` when there is none there that ends by `end` (a
/// container, an invalid number, an unterminated string, anything else).
#[inline(always)]
fn scalar_end(data: &[u8], i: usize, end: usize, stops: &mut impl StopMasks) -> Option<usize> {
    let e = match *data[..end].get(i)? {
        b'"' => stops.end_of_string(data, i)?.0,
        b'-' | b'0'..=b'9' => match number_token(data, i) {
            (e, true) => e,
            _ => return None,
        },
        c => {
            let lit = literal_of(c)?;
            if !data[i..end].starts_with(lit) {
                return None;
            }
            i + lit.len()
        }
    };
    (e <= end).then_some(e)
}

impl Shape {
    /// The shape of the record `data[i..end]` (a line that the tokenizer
    /// read as valid), or `None` when it is not a flat object starting
    /// right at `i` and followed by whitespace only, or too large.
    pub fn of(data: &[u8], i: usize, end: usize) -> Option<Shape> {
        if data.get(i) != Some(&b'{') || end - i > MAX_BYTES {
            return None;
        }
        let data = &data[..end];
        let mut stops = Stops::new();
        let skip = |mut k: usize| {
            while data.get(k).is_some_and(|&b| is_space(b)) {
                k += 1;
            }
            k
        };
        let (mut bytes, mut members) = (Vec::new(), Vec::new());
        // Where the current piece starts: the `{`, then each value's end.
        let mut from = i;
        let mut k = i + 1;
        loop {
            k = skip(k);
            if data.get(k) != Some(&b'"') || members.len() == MAX_MEMBERS {
                return None;
            }
            let (key_end, _) = stops.end_of_string(data, k)?;
            k = skip(key_end);
            if data.get(k) != Some(&b':') {
                return None;
            }
            k = skip(k + 1);
            bytes.extend_from_slice(&data[from..k]);
            members.push(bytes.len() - (k - from)..bytes.len());
            k = scalar_end(data, k, end, &mut stops)?;
            from = k;
            k = skip(k);
            match data.get(k) {
                Some(b',') => k += 1,
                Some(b'}') if data[k + 1..].iter().all(u8::is_ascii_whitespace) => {
                    bytes.extend_from_slice(&data[from..=k]);
                    let close = bytes.len() - (k + 1 - from)..bytes.len();
                    let members = members.into_iter().map(|r| Piece::new(&bytes, r)).collect();
                    let close = Piece::new(&bytes, close);
                    return Some(Shape { bytes, members, close, matched: 0 });
                }
                _ => return None,
            }
        }
    }

    /// Sets each member piece's word starts at which `scanner`'s keyword
    /// walks can find nothing.
    fn set_quiet(&mut self, scanner: &Scanner) {
        for p in &mut self.members {
            p.quiet = scanner.quiet_starts(&self.bytes[p.range.clone()]);
        }
    }

    /// Whether piece `p` occurs at `data[at]`, ending by `end`.
    #[inline(always)]
    fn piece_at(&self, p: &Piece, data: &[u8], at: usize, end: usize) -> bool {
        let w = two_words(data, at);
        at + p.len <= end
            && (w[0] & p.mask[0]) == p.head[0]
            && (w[1] & p.mask[1]) == p.head[1]
            && (p.len <= 16 || data[at + 16..at + p.len] == self.bytes[p.range.start + 16..p.range.end])
    }

    /// Where the record of this shape starting at `data[i]` ends (after its
    /// closing piece), if one does by `end`: its first member's piece, then
    /// pieces of later members in order, each followed by a scalar value,
    /// then the closing piece (see the module docs). `stops` holds the
    /// quote masks of `data`'s blocks. Each member piece found at
    /// `data[at]` is passed to `quiet` with its quiet word starts
    /// ([`Shape::set_quiet`]), whether the record then ends or not.
    pub fn record_end(
        &self,
        data: &[u8],
        i: usize,
        end: usize,
        stops: &mut impl StopMasks,
        quiet: &mut impl FnMut(usize, u64),
    ) -> Option<usize> {
        let close = &self.close;
        // Its first byte (`}` unless whitespace comes first) tells whether
        // to compare it: most values are followed by another member.
        let close_first = self.bytes[close.range.start];
        let first = &self.members[0];
        if !self.piece_at(first, data, i, end) {
            return None;
        }
        if first.quiet != 0 {
            quiet(i, first.quiet);
        }
        let mut at = i + first.len;
        let mut next = 1;
        loop {
            at = scalar_end(data, at, end, stops)?;
            if data[at..end].first() == Some(&close_first) && self.piece_at(close, data, at, end) {
                return Some(at + close.len);
            }
            // The next member present.
            loop {
                let p = self.members.get(next)?;
                next += 1;
                if self.piece_at(p, data, at, end) {
                    if p.quiet != 0 {
                        quiet(at, p.quiet);
                    }
                    at += p.len;
                    break;
                }
            }
        }
    }
}

/// Lines in a row that match no shape before shapes are set aside.
const MISS_LIMIT: u32 = 16;

/// Lines read without shapes once they were set aside.
const PAUSE: u32 = 1024;

/// Lines a shape must have matched before it works out the quiet word
/// starts of its keys (see `detect::quiet`): that costs about 5 µs, which
/// a file of a few dozen lines would not win back. On 100,000 small files
/// (a fifth of them JSON Lines) working it out for every shape learnt
/// made the scan 6% slower.
const QUIET_AFTER: u32 = 256;

/// The shapes of the last two records that had one (a file may alternate
/// between two record layouts), tried on each line before the tokenizer.
/// When many lines in a row match neither (nested records, keys in every
/// order), shapes are neither tried nor learnt for a while, so that such
/// files pay no more than a few tries per thousand lines.
///
/// With a scanner, the quiet word starts of the members' pieces are marked
/// in [`Shapes::quiet`] as lines are checked (see `detect::quiet`).
#[derive(Debug)]
pub(crate) struct Shapes<'s> {
    slots: [Option<Shape>; 2],
    /// The slot tried first: the one that matched or was learnt last.
    first: usize,
    /// Lines in a row that matched no shape.
    misses: u32,
    /// Lines left to read without shapes.
    pause: u32,
    /// Quote masks of the data being read, kept from line to line while
    /// it is the same: same address, length and offset in the file.
    stops: LineStops,
    data: (usize, usize, u64),
    /// Lines that matched a shape.
    pub hits: u64,
    /// The scanner whose quiet word starts are marked, if any.
    scanner: Option<&'s Scanner>,
    /// The quiet word starts of the pieces of the lines checked since its
    /// last reset, at offsets in the file.
    pub quiet: QuietStarts,
}

impl Default for Shapes<'_> {
    fn default() -> Self {
        Shapes {
            slots: [None, None],
            first: 0,
            misses: 0,
            pause: 0,
            stops: LineStops::default(),
            data: (0, 0, u64::MAX),
            hits: 0,
            scanner: None,
            quiet: QuietStarts::default(),
        }
    }
}

impl<'s> Shapes<'s> {
    /// Shapes that mark the quiet word starts of `scanner` in the lines they check.
    pub fn with_scanner(scanner: &'s Scanner) -> Shapes<'s> {
        Shapes { scanner: Some(scanner), ..Shapes::default() }
    }

    /// Where the line starting at `data[i]` ends (after its newline) when
    /// it is a record of one of the shapes ([`Shape::record_end`]) with
    /// only whitespace after it, and its newline is in `data`: the
    /// tokenizer would read that line as valid, with no value of a keyword
    /// context. `base` is the offset of `data[0]` in the file. Its strings
    /// must end before the newline, which is found without a search of
    /// its own.
    pub fn line_end(&mut self, data: &[u8], base: u64, i: usize) -> Option<usize> {
        if self.pause > 0 {
            self.pause -= 1;
            return None;
        }
        let id = (data.as_ptr() as usize, data.len(), base);
        if self.data != id {
            self.data = id;
            self.stops.clear();
        }
        let quiet = &mut self.quiet;
        let mut mark = |at: usize, mask: u64| quiet.mark(base + at as u64, mask);
        for k in [self.first, 1 - self.first] {
            let Some(shape) = &self.slots[k] else { continue };
            let Some(mut at) = shape.record_end(data, i, data.len(), &mut self.stops, &mut mark) else { continue };
            while data.get(at).is_some_and(|&b| b != b'\n' && b.is_ascii_whitespace()) {
                at += 1;
            }
            if data.get(at) == Some(&b'\n') {
                (self.first, self.misses) = (k, 0);
                self.hits += 1;
                self.count_match(k);
                return Some(at + 1);
            }
        }
        self.misses += 1;
        if self.misses >= MISS_LIMIT {
            (self.misses, self.pause) = (0, PAUSE);
        }
        None
    }

    /// Counts a line that matched the shape in slot `k`; at the
    /// [`QUIET_AFTER`]th, works out its quiet word starts.
    fn count_match(&mut self, k: usize) {
        if let (Some(shape), Some(scanner)) = (&mut self.slots[k], self.scanner)
            && shape.matched < QUIET_AFTER
        {
            shape.matched += 1;
            if shape.matched == QUIET_AFTER {
                shape.set_quiet(scanner);
            }
        }
    }

    /// Learns the shape of a line `data[i..end]` that matched none
    /// ([`Shapes::line_end`]) and that the tokenizer read as valid, with no
    /// value of a keyword context; it replaces the shape that matched less
    /// recently.
    pub fn learn(&mut self, data: &[u8], i: usize, end: usize) {
        if self.pause > 0 {
            return;
        }
        if let Some(shape) = Shape::of(data, i, end) {
            let k = 1 - self.first;
            self.slots[k] = Some(shape);
            self.first = k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::json_lexer::{BATCH_BLOCKS, Lexer, MAX_DEPTH, Outcome, PathTrie, Tokens};

    /// Whether the tokenizer reads `line` as one valid JSON value.
    fn lexer_valid(line: &[u8]) -> bool {
        let mut trie = PathTrie::new(None);
        let mut lexer = Lexer::new(MAX_DEPTH);
        lexer.set_emit(false);
        match lexer.run(line, 0, true, 0, 0, &mut trie, &mut Tokens::default()) {
            Outcome::Done(e) => line[e..].iter().all(u8::is_ascii_whitespace),
            _ => false,
        }
    }

    fn shape_of(line: &str) -> Option<Shape> {
        Shape::of(line.as_bytes(), 0, line.len())
    }

    /// Whether `line` (without a newline) is a record of `shape` followed
    /// by whitespace only: read alone, and read as a line of a buffer
    /// (followed by a newline and more data), which must agree.
    fn matches(shape: &Shape, line: &str) -> bool {
        let alone = shape
            .record_end(line.as_bytes(), 0, line.len(), &mut Stops::new(), &mut |_, _| {})
            .is_some_and(|e| line.as_bytes()[e..].iter().all(u8::is_ascii_whitespace));
        let buf = format!("x{line}\n\"}} 1\n{RECORD}\n");
        let mut shapes = Shapes { slots: [Some(shape.clone()), None], ..Shapes::default() };
        let end = shapes.line_end(buf.as_bytes(), 0, 1);
        assert_eq!(end.is_some(), alone, "{line}");
        assert!(end.is_none_or(|e| e == line.len() + 2), "{line}");
        alone
    }

    const RECORD: &str = r#"{"ts":"2025-02-12T08:58:01.109Z", "level":"info","msg":"a \"quoted\" word","user_id":3669710,"ok":true,"ref":null,"latency_ms":-531.88e2}"#;

    #[test]
    fn shapes_of_flat_records_only() {
        let shape = shape_of(RECORD).expect("a flat record");
        assert_eq!(shape.members.len(), 7);
        assert_eq!(&shape.bytes[shape.members[1].range.clone()], br#", "level":"#);
        assert_eq!(&shape.bytes[shape.close.range.clone()], b"}");
        for nested in [r#"{"a":{"b":1}}"#, r#"{"a":[1]}"#, "{}", r#" {"a":1}"#, r#"[1,2]"#, r#""a""#] {
            assert!(shape_of(nested).is_none(), "{nested}");
        }
        assert!(shape_of(&format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_BYTES))).is_none());
        assert!(shape_of(&format!(r#"{{"a":"{}"}}"#, "x".repeat(100))).is_some());
        let many: Vec<String> = (0..=MAX_MEMBERS).map(|k| format!(r#""k{k}":{k}"#)).collect();
        assert!(shape_of(&format!("{{{}}}", many.join(","))).is_none());
        assert!(shape_of(&format!("{{{}}}", many[..MAX_MEMBERS].join(","))).is_some());
    }

    #[test]
    fn lines_of_the_shape_match_and_are_valid() {
        let shape = shape_of(RECORD).unwrap();
        let same = [
            RECORD.to_string(),
            format!("{RECORD} \t\r"),
            // Other values of any scalar kind, members left out.
            r#"{"ts":1, "level":"x\\","latency_ms":0}"#.to_string(),
            r#"{"ts":"a", "level":false,"msg":"","user_id":"512-48-3921","ok":1.5,"ref":"é","latency_ms":null}"#
                .to_string(),
            r#"{"ts":"only"}"#.to_string(),
            r#"{"ts":"x","ref":2}"#.to_string(),
            format!(r#"{{"ts":"{}"}}"#, "long ".repeat(40)),
        ];
        for line in &same {
            assert!(matches(&shape, line), "{line}");
            assert!(lexer_valid(line.as_bytes()), "{line}");
        }
    }

    #[test]
    fn other_lines_do_not_match() {
        let shape = shape_of(RECORD).unwrap();
        let other = [
            // Not valid JSON.
            r#"{"ts":"a", "level":"info""#,
            r#"{"ts":"a", "level":1.}"#,
            r#"{"ts":"a", "level":-}"#,
            r#"{"ts":"a", "level":tru}"#,
            r#"{"ts":"a", "level":truex}"#,
            r#"{"ts":"a", "level":"info"} x"#,
            r#"{"ts":"a", "level":"info}"#,
            r#"{"ts":"a", "level":"in\"}"#,
            r#"{"ts":"a","#,
            r#"{"ts":"#,
            r#"{"ts""#,
            "{",
            // Valid, but not of the shape.
            r#"{"ts":"a", "level":{"x":1}}"#,
            r#"{"ts":"a", "level":[1]}"#,
            r#"{"ts":"a","level":"info"}"#,
            r#"{"level":"info"}"#,
            r#"{"ts":"a","ssn":"512483921"}"#,
            r#"{"ts":"a","latency_ms":1,"ref":2}"#,
            r#"{"ts":"a","ref":2,"ref":3}"#,
            r#" {"ts":"a"}"#,
            r#"{"ts":"a" }"#,
            "",
        ];
        for line in other {
            assert!(!matches(&shape, line), "{line}");
        }
    }

    #[test]
    fn lines_end_at_their_newline() {
        let mut shapes = Shapes::default();
        let a = r#"{"a":"x","b":2}"#;
        shapes.learn(a.as_bytes(), 0, a.len());
        let end = |shapes: &mut Shapes, buf: &str| shapes.line_end(buf.as_bytes(), 0, 0);
        assert_eq!(end(&mut shapes, "{\"a\":\"x\",\"b\":2}\n{\"a\":1}\n"), Some(a.len() + 1));
        assert_eq!(end(&mut shapes, "{\"a\":\"x\"} \r\n"), Some(a.len() - 6 + 3));
        // A string with a line break in it, a newline not yet read, bytes before the newline.
        for buf in ["{\"a\":\"x\ny\"}\n", "{\"a\":\"x\"}", "{\"a\":\"x\"} ", "{\"a\":\"x\"} z\n", "{\"a\":1\n}\n"] {
            assert_eq!(end(&mut shapes, buf), None, "{buf:?}");
        }
    }

    #[test]
    fn lines_of_a_shape_mark_the_quiet_starts_of_their_keys() {
        let scanner = crate::testutil::builtin();
        let mut shapes = Shapes::with_scanner(scanner);
        // `user` and `id` start keywords (`user name`, `id number`) but not
        // here; a key with a backslash gets no marks (escapes may be decoded).
        let first = r#"{"trace_id":"a","user_id":7,"n\u0041me":"b"}"#;
        shapes.learn(first.as_bytes(), 0, first.len());
        // Nothing is marked until the shape has matched `QUIET_AFTER` lines.
        let one = format!("{first}\n");
        shapes.quiet.reset(0);
        for n in 1..=QUIET_AFTER {
            assert!(shapes.line_end(one.as_bytes(), 0, 0).is_some());
            let marks = (0..one.len() as u64).filter(|&i| shapes.quiet.bits(i) & 1 == 1).count();
            assert_eq!(marks, 0, "after {n} lines");
        }
        let buf = format!("{first}\n{{\"trace_id\":\"xyz\",\"n\\u0041me\":\"c\"}}\n");
        shapes.quiet.reset(1000);
        let lines = [0, first.len() + 1];
        for &at in &lines {
            assert!(shapes.line_end(buf.as_bytes(), 1000, at).is_some(), "{}", &buf[at..]);
        }
        let marked: Vec<usize> = (0..buf.len()).filter(|&i| shapes.quiet.bits(1000 + i as u64) & 1 == 1).collect();
        // The word starts of `trace_id` and `user_id` (all of them share a
        // keyword's trigram), on both lines.
        let key = |line: usize, key: &str| lines[line] + buf[lines[line]..].find(&format!("\"{key}\"")).unwrap() + 1;
        let want = [key(0, "trace_id"), key(0, "trace_id") + 6, key(0, "user_id"), key(0, "user_id") + 5];
        let want = [&want[..], &[key(1, "trace_id"), key(1, "trace_id") + 6]].concat();
        // Nothing else: not the values, nor the key with an escape.
        assert_eq!(marked, want);
        assert_eq!(scanner.quiet_starts(br#","n\u0041me":"#), 0);
        // Only the starts a walk would look at: none in `zz`, whose trigram no keyword has.
        assert_ne!(scanner.quiet_starts(br#","user":"#), 0);
        assert_eq!(scanner.quiet_starts(br#","zz":"#), 0);
    }

    /// Lines read one after another through one buffer of many 64-byte
    /// blocks and several batches of masks: strings of every length up to
    /// three blocks, with escapes, ending at every offset of a block.
    #[test]
    fn strings_end_across_blocks_and_batches() {
        let mut shapes = Shapes::default();
        let first = r#"{"a":"x","b":1}"#;
        shapes.learn(first.as_bytes(), 0, first.len());
        let (mut buf, mut lines) = (String::new(), Vec::new());
        for n in 0..400 {
            let text = match n % 7 {
                0 => format!("{}\\\"{}", "e".repeat(n % 150), "f".repeat(n % 11)),
                // A line break in a string: not a line of the shape.
                1 => format!("{}\n{}", "g".repeat(n % 190), "h".repeat(n % 13)),
                _ => "s".repeat(n % 190),
            };
            let start = buf.len();
            buf += &format!("{{\"a\":\"{text}\",\"b\":{n}}}\n");
            lines.push((start, buf.len(), n % 7 != 1));
        }
        assert!(buf.len() > 4 * 64 * BATCH_BLOCKS);
        for &(start, end, shaped) in &lines {
            let want = shaped.then_some(end);
            assert_eq!(shapes.line_end(buf.as_bytes(), 0, start), want, "{:?}", &buf[start..end]);
        }
        assert_eq!(shapes.hits, lines.iter().filter(|l| l.2).count() as u64);
    }

    #[test]
    fn shapes_learnt_and_tried_in_turn() {
        let mut shapes = Shapes::default();
        let (a, b) = (r#"{"a":1,"b":2}"#, r#"{"c":1}"#);
        let at = |shapes: &mut Shapes, line: &str| shapes.line_end(format!("{line}\n").as_bytes(), 0, 0).is_some();
        assert!(!at(&mut shapes, a));
        shapes.learn(a.as_bytes(), 0, a.len());
        shapes.learn(b.as_bytes(), 0, b.len());
        assert!(at(&mut shapes, a) && at(&mut shapes, b) && at(&mut shapes, r#"{"a":"x"}"#));
        assert_eq!(shapes.hits, 3);
        // Many misses in a row set shapes aside, then they come back.
        for _ in 0..MISS_LIMIT {
            assert!(!at(&mut shapes, r#"{"d":1}"#));
        }
        assert!(!at(&mut shapes, a));
        shapes.learn(b"{\"e\":1}", 0, 7);
        for _ in 1..PAUSE {
            assert!(!at(&mut shapes, a));
        }
        assert!(at(&mut shapes, a));
        assert!(!at(&mut shapes, r#"{"e":1}"#), "nothing is learnt while shapes are set aside");
    }

    /// Pieces of records: values of every kind, valid or not, and bytes
    /// that break the structure.
    const PARTS: &[&str] = &[
        r#""a":1"#,
        r#""b":"x,y""#,
        r#""c":true"#,
        r#""a":-2.5e3"#,
        r#""b":"q\"z""#,
        r#""d":null"#,
        r#""c":01"#,
        r#""a":1."#,
        r#""b":[1]"#,
        r#""c":{"x":1}"#,
        r#""d":nul"#,
        r#""a":"open"#,
        r#" "b" : 2 "#,
        ",",
        "}",
        "\"",
    ];

    proptest::proptest! {
        /// A line matching a shape learnt from another is one the
        /// tokenizer reads as valid.
        #[test]
        fn matching_lines_are_valid(
            template in proptest::collection::vec(0..PARTS.len(), 1..6),
            line in proptest::collection::vec(0..PARTS.len(), 1..6),
            comma in proptest::bool::ANY,
        ) {
            let record = |parts: &[usize]| {
                let sep = if comma { "," } else { "" };
                format!("{{{}}}", parts.iter().map(|&k| PARTS[k]).collect::<Vec<_>>().join(sep))
            };
            let (template, line) = (record(&template), record(&line));
            if let Some(shape) = shape_of(&template) {
                proptest::prop_assert!(lexer_valid(template.as_bytes()));
                proptest::prop_assert!(matches(&shape, &template));
                if matches(&shape, &line) {
                    proptest::prop_assert!(lexer_valid(line.as_bytes()), "{} matched {}", line, template);
                }
            }
        }
    }
}

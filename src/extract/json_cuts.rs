//! Where a large JSON document can be cut so that several threads scan it.
//!
//! A JSON document (one array of records, or an object holding one) cannot
//! be cut at any line start as JSON Lines can: what a byte means depends on
//! the strings and containers open before it. One pass over the document's
//! structure finds, from 64-byte masks of quotes, backslashes, brackets,
//! commas and newlines, the strings (a quote not escaped by an odd run of
//! backslashes opens or closes one) and, outside them, the containers open
//! at every comma. A cut is placed just after the first comma past each
//! multiple of the segment size, with what the tokenizer needs to resume
//! there: the open containers, each array's element index, where each
//! object's current key is, and the lines before the cut. The pass itself
//! runs on every thread, in parts (see [`cuts_in`]).
//!
//! This pass reads the structure as the tokenizer (`json_lexer.rs`) does
//! while the document is valid JSON: the same strings, brackets and commas.
//! Where it is not, the tokenizer stops at the first error, before any place
//! where the two could differ; the segment that meets it reads the rest of
//! the file as text, as one scan of the whole file would, and the segments
//! after it are dropped. Cuts are only made inside the document's first
//! top-level value, and none deeper than the tokenizer's depth limit.

use std::ops::Range;

use rayon::prelude::*;
use wide::u8x16;

use crate::extract::RandomAccess;
use crate::extract::json_lexer::{self, Container, MAX_DEPTH, unescape};
use crate::extract::parallel::start_after;

/// Bytes read at a time.
const READ: usize = 1 << 20;

/// Bytes of a document whose structure one thread reads at a time.
const PART: u64 = 32 << 20;

/// A container open at a cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Open {
    /// An array (else an object).
    pub array: bool,
    /// For an array, the index of its current element.
    pub index: u64,
    /// For an object, the offset of the `{` or `,` its current key follows.
    pub key_after: u64,
}

/// A place just after a comma inside the document's first top-level value,
/// and what one reading of the document from its start knows there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cut {
    /// The offset just after the comma.
    pub at: u64,
    /// The containers open there, outermost first.
    pub open: Vec<Open>,
    /// Newlines before `at`.
    pub newlines: u64,
    /// Where the line holding `at` starts, if a newline precedes it.
    pub last_line_start: Option<u64>,
}

/// Bytes read for an object's key at a cut: enough for the longest key kept
/// (4,096 bytes once unescaped) and any escapes in it.
const KEY_READ: usize = 64 * 1024;

impl Cut {
    /// The containers open at the cut as [`Lexer::resume`] takes them, with
    /// each object's current key read from `src` and unescaped. Where no
    /// string follows, the key is left empty: one reading of the document
    /// from its start fails there, before the cut, so the segment is not
    /// used. (A read error there leaves it empty too; the segment's own
    /// reads of the same file then fail as a rule.)
    ///
    /// [`Lexer::resume`]: crate::extract::json_lexer::Lexer::resume
    pub fn open_with_keys(&self, src: &dyn RandomAccess) -> Vec<Container> {
        let mut buf = Vec::new();
        let last = self.open.len().saturating_sub(1);
        let with_key = |(k, o): (usize, &Open)| {
            let key = if o.array || k == last { Vec::new() } else { key_at(src, o.key_after + 1, &mut buf) };
            (o.array, o.index, key)
        };
        self.open.iter().enumerate().map(with_key).collect()
    }
}

/// The unescaped string that starts at `from` after whitespace, or nothing.
fn key_at(src: &dyn RandomAccess, from: u64, buf: &mut Vec<u8>) -> Vec<u8> {
    let n = (src.len().saturating_sub(from) as usize).min(KEY_READ);
    buf.resize(n, 0);
    if src.read_at(from, buf).is_err() {
        return Vec::new();
    }
    let Some(q) = buf.iter().position(|&b| !json_lexer::is_space(b)) else { return Vec::new() };
    if buf[q] != b'"' {
        return Vec::new();
    }
    let (mut j, mut escapes) = (q + 1, false);
    while j < buf.len() && buf[j] != b'"' {
        if buf[j] == b'\\' {
            escapes = true;
            j += 1;
        }
        j += 1;
    }
    let raw = &buf[q + 1..j.min(buf.len())];
    let mut key = Vec::new();
    if escapes {
        unescape(raw, &mut key);
    } else {
        key.extend_from_slice(raw);
    }
    key
}

/// Masks of one 64-byte block.
struct Masks {
    quote: u64,
    backslash: u64,
    brackets: u64,
    commas: u64,
    newline: u64,
}

fn masks(block: &[u8; 64]) -> Masks {
    let (mut quote, mut backslash, mut brackets, mut commas, mut newline) = (0, 0, 0, 0, 0);
    for (j, part) in block.chunks_exact(16).enumerate() {
        let v = u8x16::from(<[u8; 16]>::try_from(part).expect("16 bytes"));
        let shift = j * 16;
        quote |= u64::from(v.simd_eq(u8x16::splat(b'"')).to_bitmask()) << shift;
        backslash |= u64::from(v.simd_eq(u8x16::splat(b'\\')).to_bitmask()) << shift;
        // `[` and `{`, `]` and `}` differ only in bit 0x20.
        let folded = v | u8x16::splat(0x20);
        let bracket = folded.simd_eq(u8x16::splat(b'{')) | folded.simd_eq(u8x16::splat(b'}'));
        brackets |= u64::from(bracket.to_bitmask()) << shift;
        commas |= u64::from(v.simd_eq(u8x16::splat(b',')).to_bitmask()) << shift;
        newline |= u64::from(v.simd_eq(u8x16::splat(b'\n')).to_bitmask()) << shift;
    }
    Masks { quote, backslash, brackets, commas, newline }
}

/// Bit `i` set when any bit at or below `i` of `x` is set an odd number of times.
fn prefix_xor(mut x: u64) -> u64 {
    for s in [1, 2, 4, 8, 16, 32] {
        x ^= x << s;
    }
    x
}

/// The bytes escaped by a backslash in a block with `backslash` mask, when
/// the block's first byte is escaped if `carry`; sets `carry` for the next.
fn escaped(backslash: u64, carry: &mut bool) -> u64 {
    let mut out = u64::from(*carry);
    *carry = false;
    let mut left = backslash & !out;
    while left != 0 {
        let i = left.trailing_zeros();
        left &= !(1 << i);
        if i == 63 {
            *carry = true;
        } else {
            out |= 1 << (i + 1);
            left &= !(1 << (i + 1));
        }
    }
    out
}

/// The cuts of the JSON document in `src`: one just after the first comma
/// at or past each multiple of `every` (a comma serves every multiple up to
/// it). None when the document does not start with `[` or `{` (after a
/// byte order mark and whitespace). A read error ends the cuts there: the
/// scan of the last segment meets it and reports it.
pub(crate) fn cuts(src: &dyn RandomAccess, every: u64) -> Vec<Cut> {
    cuts_in(src, every, PART)
}

/// [`cuts`], the structure read in parts of about `part` bytes in parallel.
///
/// Each part after the first starts after a line break or a closing brace
/// (see [`part_start_at`]), and is read as if it were not inside a string and
/// without knowing the containers open there: closing brackets beyond its
/// own close containers it does not know, and its commas at that level
/// are counted for whichever container that is. Then, in order, each
/// part's findings are applied to the containers open at its start, known
/// from the parts before. A part whose start proves to be inside a string
/// (a brace inside a string, or a raw line break, which the tokenizer
/// accepts in strings) is read again with that known.
fn cuts_in(src: &dyn RandomAccess, every: u64, part: u64) -> Vec<Cut> {
    let every = every.max(1);
    let len = src.len();
    if !starts_with_container(src) {
        return Vec::new();
    }
    let mut starts: Vec<u64> =
        (1..len.div_ceil(part)).into_par_iter().filter_map(|k| part_start_at(src, k * part).ok()).collect();
    starts.insert(0, 0);
    starts.retain(|&s| s < len);
    starts.dedup();
    let ends: Vec<u64> = starts.iter().skip(1).copied().chain([len]).collect();
    let reads: Vec<PartRead> = starts
        .par_iter()
        .zip(ends.par_iter())
        .map(|(&start, &end)| read_part(src, start..end, every, Strings::default()))
        .collect();
    let mut out = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let (mut newlines, mut last_line_start) = (0u64, None);
    let mut target = every;
    let mut strings = Strings::default();
    for ((&start, &end), read) in starts.iter().zip(&ends).zip(reads) {
        let read = if read.assumed == strings { read } else { read_part(src, start..end, every, strings) };
        let open = stack.len();
        let first = read.first.as_ref().filter(|c| target <= c.at);
        for cut in first.into_iter().chain(&read.cuts) {
            if !cut.rel.valid(open) {
                return out;
            }
            out.push(Cut {
                at: cut.at,
                open: cut.rel.apply(&stack),
                newlines: newlines + cut.newlines,
                last_line_start: cut.last_line_start.or(last_line_start),
            });
            target = next_target(cut.at, every);
        }
        if read.failed || !read.end.valid(open) {
            return out;
        }
        stack = read.end.apply(&stack);
        newlines += read.newlines;
        last_line_start = read.last_line_start.or(last_line_start);
        strings = read.strings;
    }
    out
}

/// Where a part cut at `at` starts: the first offset at or after `at` that
/// follows a line break or a closing brace (or the end). A valid document is never
/// inside a string after a line break, and seldom after a brace (a document
/// on one line has no line breaks); a part that does start inside a string
/// is read again once that is known.
fn part_start_at(src: &dyn RandomAccess, at: u64) -> std::io::Result<u64> {
    start_after(src, at, &mut [0u8; 4096], |b| memchr::memchr2(b'\n', b'}', b))
}

/// Whether the document starts with `[` or `{`, after a byte order mark and whitespace.
fn starts_with_container(src: &dyn RandomAccess) -> bool {
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = 0u64;
    while pos < src.len() {
        let n = ((src.len() - pos) as usize).min(buf.len());
        if src.read_at(pos, &mut buf[..n]).is_err() {
            return false;
        }
        let bytes = if pos == 0 { buf[..n].strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf[..n]) } else { &buf[..n] };
        if let Some(b) = bytes.iter().find(|&&b| !json_lexer::is_space(b)) {
            return matches!(b, b'[' | b'{');
        }
        pos += n as u64;
    }
    false
}

/// The first multiple of `every` past `at`.
fn next_target(at: u64, every: u64) -> u64 {
    (at / every + 1) * every
}

/// Whether a part starts inside a string, and after a backslash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Strings {
    in_string: bool,
    escaped: bool,
}

/// What a part's reading knows at one place, relative to the containers
/// open at the part's start (which it does not know).
#[derive(Clone, Debug, Default)]
struct Rel {
    /// Containers open at the part's start that it closed.
    closed: usize,
    /// Commas read in the innermost of those still open, while no
    /// container opened in the part was open, and the offset of the last.
    outer_commas: u64,
    outer_last_comma: Option<u64>,
    /// Containers opened in the part and still open.
    opened: Vec<Open>,
    /// The most containers open before an opening bracket, and the fewest
    /// after a closing one, relative to those open at the part's start.
    deepest: Option<isize>,
    shallowest: Option<isize>,
}

impl Rel {
    /// Whether one reading from the document's start, with `open`
    /// containers open at the part's start, would still be making cuts
    /// here: the first top-level value has not ended, and no nesting went
    /// past the tokenizer's limit.
    fn valid(&self, open: usize) -> bool {
        let open = open as isize;
        let emptied = self.shallowest.is_some_and(|d| open + d <= 0);
        let too_deep = self.deepest.is_some_and(|d| open + d >= MAX_DEPTH as isize);
        !emptied && !too_deep
    }

    /// The containers open here, given those open at the part's start.
    fn apply(&self, stack: &[Open]) -> Vec<Open> {
        let mut open = stack[..stack.len() - self.closed].to_vec();
        if let Some(top) = open.last_mut() {
            if top.array {
                top.index += self.outer_commas;
            } else if let Some(at) = self.outer_last_comma {
                top.key_after = at;
            }
        }
        open.extend_from_slice(&self.opened);
        open
    }

    /// Applies commas (`count` of them, the last at `last`) read in the innermost open container.
    fn commas(&mut self, count: u64, last: u64) {
        match self.opened.last_mut() {
            Some(top) if top.array => top.index += count,
            Some(top) => top.key_after = last,
            None => {
                self.outer_commas += count;
                self.outer_last_comma = Some(last);
            }
        }
    }
}

/// A cut found by a part's reading.
#[derive(Clone, Debug)]
struct RelCut {
    at: u64,
    rel: Rel,
    /// Newlines in the part before `at`, and where the last line before it starts.
    newlines: u64,
    last_line_start: Option<u64>,
}

/// What reading one part found.
struct PartRead {
    /// The string state it was read with, and the one at its end.
    assumed: Strings,
    strings: Strings,
    /// Cuts after the first comma at or past each multiple of `every` in the part.
    cuts: Vec<RelCut>,
    /// The part's first comma, when it is not one of `cuts`: a cut if the
    /// multiples before the part were not all served.
    first: Option<RelCut>,
    /// The state at the part's end.
    end: Rel,
    newlines: u64,
    last_line_start: Option<u64>,
    /// A read error, or nesting past any limit, ended the reading early.
    failed: bool,
}

/// Reads the structure of `span` of `src`, starting with `strings`.
fn read_part(src: &dyn RandomAccess, span: Range<u64>, every: u64, strings: Strings) -> PartRead {
    let mut pass = Pass {
        read: PartRead {
            assumed: strings,
            strings,
            cuts: Vec::new(),
            first: None,
            end: Rel::default(),
            newlines: 0,
            last_line_start: None,
            failed: false,
        },
        every,
        target: next_target(span.start, every),
    };
    let mut buf = vec![0u8; READ];
    let mut in_string = 0u64.wrapping_sub(u64::from(strings.in_string));
    let mut carry = strings.escaped;
    let mut pos = span.start;
    while pos < span.end {
        let n = ((span.end - pos) as usize).min(READ);
        if src.read_at(pos, &mut buf[..n]).is_err() {
            pass.read.failed = true;
            break;
        }
        for (k, chunk) in buf[..n].chunks(64).enumerate() {
            let mut tail = [0u8; 64];
            let block: &[u8; 64] = match chunk.try_into() {
                Ok(full) => full,
                Err(_) => {
                    tail[..chunk.len()].copy_from_slice(chunk);
                    &tail
                }
            };
            let m = masks(block);
            let quotes = m.quote & !escaped(m.backslash, &mut carry);
            let strings = prefix_xor(quotes) ^ in_string;
            in_string = 0u64.wrapping_sub(strings >> 63);
            if !pass.block(block, pos + 64 * k as u64, m.brackets & !strings, m.commas & !strings, m.newline) {
                pass.read.failed = true;
                return pass.read;
            }
        }
        pos += n as u64;
    }
    pass.read.strings = Strings { in_string: in_string != 0, escaped: carry };
    pass.read
}

/// The state of one part's reading.
struct Pass {
    read: PartRead,
    every: u64,
    /// The next cut follows the first comma at or past this offset.
    target: u64,
}

impl Pass {
    /// Reads the block at `base` with its brackets and commas outside
    /// strings; false when nesting went past the tokenizer's limit (no cut
    /// can follow).
    fn block(&mut self, block: &[u8; 64], base: u64, brackets: u64, mut commas: u64, newline: u64) -> bool {
        let mut left = brackets;
        loop {
            // The commas before the next bracket belong to the container open now.
            let before = if left == 0 { u64::MAX } else { (1 << left.trailing_zeros()) - 1 };
            if commas & before != 0 {
                self.commas(commas & before, base, newline);
            }
            commas &= !before;
            if left == 0 {
                break;
            }
            let i = left.trailing_zeros();
            left &= left - 1;
            let rel = &mut self.read.end;
            let depth = rel.opened.len() as isize - rel.closed as isize;
            match block[i as usize] {
                b @ (b'[' | b'{') => {
                    rel.deepest = Some(rel.deepest.map_or(depth, |d| d.max(depth)));
                    if rel.opened.len() >= MAX_DEPTH {
                        return false;
                    }
                    rel.opened.push(Open { array: b == b'[', index: 0, key_after: base + u64::from(i) });
                }
                _ => {
                    if rel.opened.pop().is_none() {
                        rel.closed += 1;
                        (rel.outer_commas, rel.outer_last_comma) = (0, None);
                    }
                    rel.shallowest = Some(rel.shallowest.map_or(depth - 1, |d| d.min(depth - 1)));
                }
            }
        }
        if newline != 0 {
            self.read.newlines += u64::from(newline.count_ones());
            self.read.last_line_start = Some(base + 64 - u64::from(newline.leading_zeros()));
        }
        true
    }

    /// Applies the commas `mask` of the block at `base` (all in the
    /// innermost open container) and cuts after those that reach the target.
    fn commas(&mut self, mut mask: u64, base: u64, newline: u64) {
        if self.read.first.is_none() && self.read.cuts.is_empty() {
            // The part's first comma: a cut, or one if the parts before leave a multiple unserved.
            let first = mask & mask.wrapping_neg();
            mask &= !first;
            let i = first.trailing_zeros();
            self.read.end.commas(1, base + u64::from(i));
            let cut = self.cut(base, i, newline);
            if cut.at >= self.target {
                self.target = next_target(cut.at, self.every);
                self.read.cuts.push(cut);
            } else {
                self.read.first = Some(cut);
            }
        }
        while mask != 0 {
            // Commas up to and including the first one at or past the target, or all of them.
            let reach = self.target.saturating_sub(1).saturating_sub(base);
            let due = if reach >= 64 { 0 } else { mask & (u64::MAX << reach) };
            let upto = if due == 0 { mask } else { mask & (u64::MAX >> (63 - due.trailing_zeros())) };
            mask &= !upto;
            let last = 63 - upto.leading_zeros();
            self.read.end.commas(u64::from(upto.count_ones()), base + u64::from(last));
            if due != 0 {
                let cut = self.cut(base, last, newline);
                self.target = next_target(cut.at, self.every);
                self.read.cuts.push(cut);
            }
        }
    }

    /// A cut after the comma at bit `i` of the block at `base`.
    fn cut(&self, base: u64, i: u32, newline: u64) -> RelCut {
        let below = newline & (u64::MAX >> (63 - i));
        let line_start = (below != 0).then(|| base + 64 - u64::from(below.leading_zeros()));
        RelCut {
            at: base + u64::from(i) + 1,
            rel: self.read.end.clone(),
            newlines: self.read.newlines + u64::from(below.count_ones()),
            last_line_start: line_start.or(self.read.last_line_start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Mem;
    use crate::extract::json_lexer::{Lexer, Outcome, PathTrie, Tokens};

    /// The cuts found by a plain byte-by-byte reading of `doc`.
    fn reference(doc: &[u8], every: u64) -> Vec<Cut> {
        let mut out = Vec::new();
        let mut stack: Vec<Open> = Vec::new();
        let (mut in_string, mut escape) = (false, false);
        let (mut newlines, mut last_line_start) = (0, None);
        let mut target = every;
        let start = doc.iter().position(|b| !b.is_ascii_whitespace());
        if !matches!(start.map(|i| doc[i]), Some(b'[' | b'{')) {
            return out;
        }
        for (i, &b) in doc.iter().enumerate() {
            let at = i as u64;
            // A backslash escapes the next byte: a quote or backslash after
            // it is neither. (Outside strings, where the tokenizer stops at a
            // backslash, the brackets and commas after one still count.)
            let escaped = std::mem::take(&mut escape);
            if b == b'\\' && !escaped {
                escape = true;
            } else if b == b'"' && !escaped {
                in_string = !in_string;
            } else if !in_string {
                match b {
                    b'[' | b'{' => stack.push(Open { array: b == b'[', index: 0, key_after: at }),
                    b']' | b'}' => {
                        stack.pop();
                        if stack.is_empty() {
                            return out;
                        }
                    }
                    b',' => {
                        let Some(top) = stack.last_mut() else { return out };
                        if top.array {
                            top.index += 1;
                        } else {
                            top.key_after = at;
                        }
                        if at + 1 >= target {
                            out.push(Cut { at: at + 1, open: stack.clone(), newlines, last_line_start });
                            target = ((at + 1) / every + 1) * every;
                        }
                    }
                    _ => {}
                }
            }
            if b == b'\n' {
                newlines += 1;
                last_line_start = Some(at + 1);
            }
        }
        out
    }

    #[test]
    fn cuts_follow_strings_escapes_and_nesting() {
        let mut doc = String::from("\n{\"data\": [\n");
        for i in 0..400 {
            let tricky = match i % 5 {
                0 => r#""a \"quoted, [value]\" here""#.to_string(),
                1 => r#""ends with a backslash \\""#.to_string(),
                2 => r#""\\\\\"],{""#.to_string(),
                3 => format!("[{i}, {{\"x\": [1, 2, \"{{,}}\"]}}]"),
                _ => format!("{{\"k{i}\": \"v\", \"n\": {i}}}"),
            };
            doc.push_str(&format!("  {{\"id\": {i}, \"v\": {tricky}, \"s\": \"x,y\"}},\n"));
        }
        doc.push_str("  null\n], \"after\": 1}\n[1, 2]");
        let doc = doc.as_bytes();
        for every in [1, 7, 64, 100, 1000, 5000] {
            let want = reference(doc, every);
            assert!(!want.is_empty());
            for c in &want {
                assert_eq!(doc[c.at as usize - 1], b',', "a cut follows a comma");
            }
            for part in [64, 100, 333, 4096, PART] {
                assert_eq!(cuts_in(&Mem(doc), every, part), want, "every {every}, parts of {part}");
            }
        }
        // The last cut is inside the first value: none after its end.
        let end = doc.len() - "\n[1, 2]".len();
        assert!(cuts(&Mem(doc), 1).iter().all(|c| (c.at as usize) < end));
    }

    /// Checks that reading `doc` in parts of each size finds the cuts one
    /// reading finds, for each cut spacing.
    fn assert_parts_read_alike(doc: &[u8], everies: &[u64], parts: &[u64]) {
        for &every in everies {
            let want = reference(doc, every);
            for &part in parts {
                assert_eq!(cuts_in(&Mem(doc), every, part), want, "every {every}, parts of {part}");
            }
        }
    }

    /// Tokens of `doc` from offset `from` as (value, path), read by `lexer`.
    fn tokens_from(doc: &[u8], from: usize, mut lexer: Lexer, trie: &mut PathTrie<'_>) -> Vec<(String, String)> {
        let mut out = Tokens::default();
        let mut at = from;
        while let Outcome::Done(end) = lexer.run(doc, at, true, 0, 0, trie, &mut out) {
            (at, lexer) = (end, Lexer::new(MAX_DEPTH));
        }
        out.items
            .iter()
            .map(|t| {
                let c = t.content();
                let value = String::from_utf8_lossy(&doc[c.start as usize..c.end as usize]);
                (value.into_owned(), trie.path(t.node, &out.indexes[t.indexes.start as usize..t.indexes.end as usize]))
            })
            .collect()
    }

    #[test]
    fn a_tokenizer_resumed_at_a_cut_reads_what_a_whole_reading_does() {
        let mut doc = String::from("{\"meta\": {\"n\": 1}, \"a\\\"b\": {\"rows\": [\n");
        for i in 0..200 {
            doc.push_str(&format!(
                "  {{\"id\": {i}, \"tags\": [\"x\", [{i}, \"y,z\"]], \"o\": {{\"p\": {i}, \"q\": \"{i}\"}}}},\n"
            ));
        }
        doc.push_str("  {}], \"tail\": [1, 2]}, \"end\": 0}");
        let doc = doc.as_bytes();
        let mut trie = PathTrie::new(None);
        let whole = tokens_from(doc, 0, Lexer::new(MAX_DEPTH), &mut trie);
        let cuts = cuts(&Mem(doc), 10);
        assert!(cuts.len() > 500, "cuts at every depth: {}", cuts.len());
        for cut in &cuts {
            let lexer = Lexer::resume(MAX_DEPTH, &cut.open_with_keys(&Mem(doc)), &mut trie);
            let part = tokens_from(doc, cut.at as usize, lexer, &mut trie);
            assert_eq!(part[..], whole[whole.len() - part.len()..], "cut at {}", cut.at);
        }
    }

    #[test]
    fn masks_across_blocks_and_reads() {
        // Strings and backslash runs that cross 64-byte blocks.
        let mut doc = String::from("[");
        for i in 0..3000 {
            let pad = "x".repeat(i % 70);
            let slashes = "\\\\".repeat(i % 3);
            doc.push_str(&format!("\"{pad}{slashes}\\\",\", {i},"));
        }
        doc.push_str("0]");
        let doc = doc.as_bytes();
        for every in [1, 33, 4096] {
            assert_eq!(cuts(&Mem(doc), every), reference(doc, every), "every {every}");
        }
    }

    #[test]
    fn a_document_on_one_line_is_read_in_parts() {
        // Parts start after a closing brace, some of them inside strings.
        let mut doc = String::from("[");
        for i in 0..400 {
            let s = if i % 4 == 0 { format!("\"a}},{{b}}\\\"}}, {i}\"") } else { format!("{{\"v\": [{i}, {{}}]}}") };
            doc.push_str(&format!("{s},"));
        }
        doc.push_str("0]");
        let doc = doc.as_bytes();
        assert!(!doc.contains(&b'\n'));
        assert_parts_read_alike(doc, &[1, 50, 999], &[10, 64, 257, 1000]);
    }

    #[test]
    fn parts_that_start_inside_strings_are_read_again() {
        // Raw line breaks inside strings (which the tokenizer accepts): a
        // part starting after one is inside a string.
        let mut doc = String::from("[\n");
        for i in 0..500 {
            let s = if i % 3 == 0 { format!("\"line\n, [{i}]\n\"") } else { format!("{{\"v\": [{i}, \"x\"]}}") };
            doc.push_str(&format!("  {s},\n"));
        }
        doc.push_str("  0\n]");
        let doc = doc.as_bytes();
        assert_parts_read_alike(doc, &[1, 50, 999], &[10, 64, 257, 1000]);
    }

    /// Pieces of documents: structure, strings, escapes, line breaks.
    const PIECES: &[&str] = &["[", "]", "{", "}", ",", "\"", "\\", "\\\"", "\n", "a", " ", "12", ":", "\"k\":"];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
        #[test]
        fn parts_find_what_one_reading_finds(
            picks in proptest::collection::vec(0..PIECES.len(), 0..200),
            every in 1u64..40,
            part in 1u64..120,
        ) {
            let doc = crate::testutil::joined(&["["], PIECES, &picks);
            proptest::prop_assert_eq!(cuts_in(&Mem(&doc), every, part), reference(&doc, every));
        }
    }

    #[test]
    fn documents_without_a_container_are_not_cut() {
        assert!(cuts(&Mem(b"  \"a, b\", 1"), 1).is_empty());
        assert!(cuts(&Mem(b"1, 2, 3"), 1).is_empty());
        assert!(cuts(&Mem(b""), 1).is_empty());
        assert_eq!(cuts(&Mem(b"\xEF\xBB\xBF[1,2]"), 1).len(), 1);
    }

    #[test]
    fn nesting_past_the_limit_ends_the_cuts() {
        let deep = format!("[1,{}2,3{}]", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        for part in [16, 100, 300, PART] {
            let got = cuts_in(&Mem(deep.as_bytes()), 1, part);
            assert_eq!(got.len(), 1, "only the comma before the deep part (parts of {part})");
        }
        // Parts split at line starts, the top-level value ending in a later one.
        let nested = format!("[\n1,\n{}\n2,\n3{}\n],\n[4,5]", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert_parts_read_alike(nested.as_bytes(), &[1], &[3, 16, 100, PART]);
    }
}

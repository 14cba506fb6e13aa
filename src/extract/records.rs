//! Splitting delimited text into records and fields (RFC 4180, leniently),
//! giving the byte range of every field rather than its decoded value, and
//! deciding whether a table's first row is a header.
//!
//! A field that starts with `"` is quoted: it runs to the next lone `"`
//! (`""` is an escaped quote) and may hold delimiters and line breaks. A
//! quote anywhere else is an ordinary byte. Records end at `\n`, `\r\n` or a
//! lone `\r`; empty lines are skipped. Bytes after a closing quote are kept
//! in the field and flagged ([`QuoteIssue::Stray`]), as is a quote that never
//! closes ([`QuoteIssue::Unterminated`]).

use std::ops::Range;

use crate::detect::classify::eq_mask;
use crate::detect::vectors;

/// One field: its raw bytes, quotes included, without the delimiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    /// Absolute offset of the first byte.
    pub start: u64,
    /// Absolute offset one past the last byte.
    pub end: u64,
    /// Whether the field starts with a quote.
    pub quoted: bool,
}

impl Field {
    /// The value's bytes: inside the quotes of a quoted field (escaped quotes
    /// stay doubled, so offsets match the data).
    pub fn content(&self) -> Range<u64> {
        if !self.quoted {
            return self.start..self.end;
        }
        let start = self.start + 1;
        let end = if self.end > start { self.end - 1 } else { start };
        start..end
    }
}

/// Quoting trouble in a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QuoteIssue {
    /// None.
    None,
    /// Bytes between a closing quote and the next delimiter.
    Stray,
    /// A quoted field still open at the end of the data.
    Unterminated,
}

/// What [`parse`] found at a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// No more data.
    End,
    /// An empty line, ending at this offset.
    Blank(usize),
    /// The record does not end within the data, and more may follow.
    Incomplete,
    /// A record ending (after its terminator) at this offset; its fields were pushed.
    Record {
        /// Offset after the record's terminator.
        end: usize,
        /// Quoting trouble.
        quote: QuoteIssue,
    },
}

/// What a parser keeps from one record to the next: a stretch of data known
/// to hold no quote, so that searching for a closing quote from many
/// starting points stays linear in the data; and the masks of the 64-byte
/// block the last record ended in, where the next one starts.
#[derive(Clone, Debug, Default)]
pub(crate) struct QuoteMemo {
    no_quote: Range<u64>,
    /// The block, with its masks of quotes and line breaks, and of delimiters.
    masks: Option<(BlockKey, (u64, u64))>,
}

/// A block of up to 64 bytes whose masks a [`QuoteMemo`] keeps: its
/// absolute offset, its length and the delimiter.
type BlockKey = (u64, usize, u8);

impl QuoteMemo {
    /// The stops of the block of up to 64 bytes at `data[k..]`: its
    /// delimiters, quotes and line breaks (see [`QuoteMemo::masks_at`]).
    fn stops_at(&mut self, data: &[u8], base: u64, k: usize, delimiter: u8) -> u64 {
        let (special, delimiters) = self.masks_at(data, base, k, delimiter);
        special | delimiters
    }

    /// The [`specials`] and delimiter masks of the block of up to 64 bytes
    /// at `data[k..]` (`data[0]` at absolute offset `base`), computed once
    /// per block even when several records share it: the bytes at an
    /// absolute offset are the same whichever window holds them. Bits past
    /// the data are clear.
    fn masks_at(&mut self, data: &[u8], base: u64, k: usize, delimiter: u8) -> (u64, u64) {
        let end = (k + 64).min(data.len());
        let key = (base + k as u64, end - k, delimiter);
        match self.masks {
            Some((have, masks)) if have == key => masks,
            _ => {
                let block = &data[k..end];
                let own = u64::MAX >> (64 - block.len());
                let masks = (specials(block), eq_mask(block, &[delimiter]) & own);
                self.masks = Some((key, masks));
                masks
            }
        }
    }
}

/// Parses the record starting at `data[at]` (a record start), pushing its
/// fields at absolute offsets (`data[0]` is at `base`). `eof` says whether
/// `data` runs to the end of the input. On [`Parsed::Incomplete`] some fields
/// may have been pushed: the caller removes them.
pub(crate) fn parse(
    data: &[u8],
    at: usize,
    delimiter: u8,
    eof: bool,
    base: u64,
    fields: &mut Vec<Field>,
    memo: &mut QuoteMemo,
) -> Parsed {
    let len = data.len();
    if at >= len {
        return if eof { Parsed::End } else { Parsed::Incomplete };
    }
    match data[at] {
        b'\n' => return Parsed::Blank(at + 1),
        b'\r' => match data.get(at + 1) {
            Some(b'\n') => return Parsed::Blank(at + 2),
            Some(_) => return Parsed::Blank(at + 1),
            None if eof => return Parsed::Blank(at + 1),
            None => return Parsed::Incomplete,
        },
        _ => {}
    }
    if let Some(end) = parse_simple(data, at, delimiter, base, fields, memo) {
        return Parsed::Record { end, quote: QuoteIssue::None };
    }
    parse_fields(data, at, delimiter, eof, base, fields, memo)
}

/// The end (after its terminator) of the record at `data[at]` (`data[0]`
/// at absolute offset `base`) and its number of fields, when the record is
/// one line (quoted fields included) whose terminator, with the byte after
/// a `\r`, lies in `data`: what [`parse`] reads there, with the fields
/// counted instead of split. The masks of quotes, line breaks and
/// delimiters of each 64-byte block are walked a quote or line break at a
/// time, the delimiters between them counted at once: no work per field.
/// `None` leaves the record to [`parse`]: a blank line, a quoted field
/// holding a line break or followed by other bytes, a record not ending in
/// `data`.
pub(crate) fn count_fields(
    data: &[u8],
    at: usize,
    delimiter: u8,
    base: u64,
    memo: &mut QuoteMemo,
) -> Option<(usize, usize)> {
    if matches!(delimiter, b'\n' | b'\r' | b'"') || matches!(data.get(at), None | Some(b'\n' | b'\r')) {
        return None;
    }
    // `delims`: the delimiters of the block not yet counted nor known to be quoted.
    let mut block = at & !63;
    let (mut special, mut delims) = memo.masks_at(data, base, block, delimiter);
    (special, delims) = (special & u64::MAX << (at - block), delims & u64::MAX << (at - block));
    let (mut count, mut quoted, mut skip) = (0, false, at);
    loop {
        while special != 0 {
            let i = special.trailing_zeros() as usize;
            special &= special - 1;
            let k = block + i;
            // The bits of the block before `k`, and up to it.
            let (before, upto) = ((1u64 << i) - 1, u64::MAX >> (63 - i));
            match data[k] {
                _ if k < skip => {}
                b'"' if quoted => match *data.get(k + 1)? {
                    b'"' => skip = k + 2,
                    after if after == delimiter || after == b'\n' || after == b'\r' => {
                        quoted = false;
                        delims &= !upto;
                    }
                    _ => return None,
                },
                _ if quoted => return None,
                // A quote opens a field only at its start; elsewhere it is an ordinary byte.
                b'"' if k == at || data[k - 1] == delimiter => {
                    quoted = true;
                    count += (delims & before).count_ones() as usize;
                    delims &= !upto;
                }
                b'"' => {}
                b => {
                    let end = match (b, data.get(k + 1)) {
                        (b'\n', _) => k + 1,
                        (_, Some(b'\n')) => k + 2,
                        (_, Some(_)) => k + 1,
                        (_, None) => return None,
                    };
                    return Some((end, count + (delims & before).count_ones() as usize + 1));
                }
            }
        }
        if !quoted {
            count += delims.count_ones() as usize;
        }
        block += 64;
        if block >= data.len() {
            return None;
        }
        (special, delims) = memo.masks_at(data, base, block, delimiter);
    }
}

/// Reusable buffers of [`count_run`]: per 64-byte block of the data from
/// block `first` on, the masks of its quotes, line feeds, carriage
/// returns and delimiters.
#[derive(Debug, Default)]
pub(crate) struct RunMasks {
    first: usize,
    masks: Vec<[u64; 4]>,
}

impl RunMasks {
    /// Computes the masks of up to `n` blocks from block `k` of `data` (at
    /// least one, when `k` is a block of `data`).
    fn fill(&mut self, data: &[u8], delimiter: u8, k: usize, n: usize) {
        self.first = k;
        self.masks.clear();
        vectors::eq_masks_each(
            data,
            k..data.len().div_ceil(64).min(k + n),
            [b'"', b'\n', b'\r', delimiter],
            &mut self.masks,
        );
    }

    /// Whether block `k`'s masks are computed.
    fn has(&self, k: usize) -> bool {
        k.wrapping_sub(self.first) < self.masks.len()
    }
}

/// The fewest and the most 64-byte blocks whose masks [`count_run`]
/// computes at a time: it starts small, as the run may end at once, and
/// doubles up to the most.
const RUN_BLOCKS: (usize, usize) = (2, 64);

/// Bit `i` set when an odd number of the bits of `x` at `0..=i` are set:
/// with `CLMUL`, one carry-less multiply by all ones (the caller has
/// checked the processor has it).
#[inline(always)]
#[allow(unsafe_code)]
fn prefix_xor<const CLMUL: bool>(mut x: u64) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if CLMUL {
        use std::arch::x86_64::{_mm_clmulepi64_si128, _mm_cvtsi128_si64, _mm_set_epi64x};
        // SAFETY: `CLMUL` is only set where the processor has `pclmulqdq`.
        return unsafe {
            _mm_cvtsi128_si64(_mm_clmulepi64_si128(_mm_set_epi64x(0, x as i64), _mm_set_epi64x(0, -1), 0)) as u64
        };
    }
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// The run of records from `data[at]` (a record start) that a table reads
/// as well formed with their fields only counted: each one line, ending in
/// `\n` (or `\r\n`) within `data`, with `fields` fields, at most `max_len`
/// bytes long, its quotes whole quoted fields (opening at a field's start,
/// closing right before a delimiter or line break, `""` inside). Stops
/// before the first record that is not, before a blank line, and after
/// the first record that ends at or after `limit`; returns where the run
/// ends and how many records it holds. Every record it counts is one
/// [`parse`] reads alike, with that many fields; it may stop earlier than
/// reading record by record would (at a lone `\r`, or at a quote inside an
/// unquoted field), leaving the record to [`parse`].
///
/// It reads 64 bytes at a time from masks of quotes, line breaks and
/// delimiters, with no branch per quote or field: the bytes inside quoted
/// fields are those after an odd number of quotes (a prefix XOR of the
/// quote mask), delimiters there do not count, and each record's fields
/// are the delimiters before its line feed, counted at once.
pub(crate) fn count_run(
    data: &[u8],
    at: usize,
    delimiter: u8,
    fields: usize,
    limits: (usize, usize),
    masks: &mut RunMasks,
) -> (usize, u64) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("popcnt") && is_x86_feature_detected!("pclmulqdq") {
        #[allow(unsafe_code)]
        // SAFETY: the processor has both.
        return unsafe { count_run_bits(data, at, delimiter, fields, limits, masks) };
    }
    count_run_with::<false>(data, at, delimiter, fields, limits, masks)
}

/// [`count_run`] with the processor's `popcnt` and carry-less multiply.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt,pclmulqdq")]
fn count_run_bits(
    data: &[u8],
    at: usize,
    delimiter: u8,
    fields: usize,
    limits: (usize, usize),
    masks: &mut RunMasks,
) -> (usize, u64) {
    count_run_with::<true>(data, at, delimiter, fields, limits, masks)
}

/// [`count_run`], with `CLMUL` where the processor has `pclmulqdq` (see [`prefix_xor`]).
#[inline(always)]
fn count_run_with<const CLMUL: bool>(
    data: &[u8],
    at: usize,
    delimiter: u8,
    fields: usize,
    (limit, max_len): (usize, usize),
    masks: &mut RunMasks,
) -> (usize, u64) {
    if matches!(delimiter, b'\n' | b'\r' | b'"') || at >= limit.min(data.len()) {
        return (at, 0);
    }
    let (mut end, mut rows) = (at, 0u64);
    // `rec`: where the current record starts; `count`: its delimiters in
    // the blocks before `k`.
    let (mut rec, mut count) = (at, 0usize);
    if matches!(data[rec], b'\n' | b'\r') {
        return (end, rows);
    }
    // Carried from the block before: whether it ended inside a quoted
    // field (all ones), whether its last byte ends a field (a delimiter or
    // line feed) or closes one (a quote), as bit 0.
    let (mut inside, mut sep_before, mut close_before) = (0u64, 0u64, 0u64);
    // Masks of another call may be of other data (a window that moved).
    masks.masks.clear();
    let mut step = RUN_BLOCKS.0;
    let blocks = data.len().div_ceil(64);
    let mut k = at / 64;
    while k < blocks {
        if !masks.has(k) {
            masks.fill(data, delimiter, k, step);
            step = (step * 2).min(RUN_BLOCKS.1);
        }
        let (j, base) = (k - masks.first, k * 64);
        // Nothing before `at` (in its block only).
        let from = u64::MAX.checked_shl(at.saturating_sub(base) as u32).unwrap_or(0);
        let [q, n, r, d] = masks.masks[j].map(|m| m & from);
        // The byte after the block, for quotes and `\r` at its end.
        let next = data.get(base + 64).copied();
        let next_stop = u64::from(next.is_some_and(|b| b == delimiter || matches!(b, b'\n' | b'\r' | b'"'))) << 63;
        let next_feed = u64::from(next == Some(b'\n')) << 63;
        // Bytes inside quoted fields; an opening quote is inside, a closing one not.
        let quoted = prefix_xor::<CLMUL>(q) ^ inside;
        let (opens, closes) = (q & quoted, q & !quoted);
        // The record's first byte counts as following a field's end.
        let starts = sep_before
            | ((d | n) << 1)
            | if at >= base { 1u64.checked_shl((at - base) as u32).unwrap_or(0) } else { 0 };
        let bad = (opens & !(starts | (closes << 1) | close_before))
            | (closes & !(((d | n | r | q) >> 1) | next_stop))
            | (r & (quoted | !((n >> 1) | next_feed)))
            | (n & quoted);
        // Records ending before the first bad byte only.
        let good = if bad == 0 { u64::MAX } else { (1u64 << bad.trailing_zeros()) - 1 };
        let mut delims = d & !quoted & u64::MAX.checked_shl(rec.saturating_sub(base) as u32).unwrap_or(0);
        let mut feeds = n & good;
        while feeds != 0 {
            let i = feeds.trailing_zeros() as usize;
            feeds &= feeds - 1;
            let rec_end = base + i + 1;
            let before = (1u64 << i) - 1;
            if count + (delims & before).count_ones() as usize + 1 != fields || rec_end - rec > max_len {
                return (end, rows);
            }
            (end, rows, rec, count) = (rec_end, rows + 1, rec_end, 0);
            if rec >= limit || data.get(rec).is_none_or(|&b| matches!(b, b'\n' | b'\r')) {
                return (end, rows);
            }
            delims &= !(before | 1 << i);
        }
        if bad != 0 {
            return (end, rows);
        }
        count += delims.count_ones() as usize;
        (inside, sep_before, close_before) = (0u64.wrapping_sub(quoted >> 63), (d | n) >> 63, closes >> 63);
        k += 1;
    }
    (end, rows)
}

/// The longest quoted field [`parse_simple`] reads; a longer one is left
/// to [`parse_fields`], whose [`QuoteMemo`] keeps repeated searches for its
/// closing quote linear.
const SIMPLE_QUOTED: usize = 4096;

/// Parses the record at `data[at]` (not a blank line) when it ends in
/// `data` and each of its quoted fields closes, within [`SIMPLE_QUOTED`]
/// bytes, right before a delimiter or line break: the common case, read 64
/// bytes at a time from masks of delimiters, quotes and line breaks instead
/// of one search per field. Returns where the record ends, or `None`
/// (nothing pushed) to leave it to [`parse_fields`].
fn parse_simple(
    data: &[u8],
    at: usize,
    delimiter: u8,
    base: u64,
    fields: &mut Vec<Field>,
    memo: &mut QuoteMemo,
) -> Option<usize> {
    let before = fields.len();
    // `start`: the current field's first byte; bits before `skip` lie in a quoted field already read.
    let (mut start, mut skip) = (at, at);
    // Blocks aligned in `data`, so that consecutive records share the masks
    // of the blocks they share.
    let mut block = at & !63;
    let mut mask = memo.stops_at(data, base, block, delimiter) & (u64::MAX << (at - block));
    loop {
        if mask == 0 {
            block += 64;
            if block >= data.len() {
                break;
            }
            mask = memo.stops_at(data, base, block, delimiter);
            continue;
        }
        let k = block + mask.trailing_zeros() as usize;
        mask &= mask - 1;
        if k < skip {
            continue;
        }
        let b = data[k];
        if b == b'"' {
            // A quote opens a field only at its start; elsewhere it is an ordinary byte.
            if k == start {
                let close = quoted_end(&data[..data.len().min(k + 1 + SIMPLE_QUOTED)], k + 1);
                match close.and_then(|q| data.get(q + 1).map(|&after| (q, after))) {
                    Some((q, after)) if after == delimiter || after == b'\n' || after == b'\r' => skip = q + 1,
                    _ => {
                        fields.truncate(before);
                        return None;
                    }
                }
            }
            continue;
        }
        let field = Field { start: base + start as u64, end: base + k as u64, quoted: data[start] == b'"' };
        if b == delimiter {
            fields.push(field);
            start = k + 1;
            continue;
        }
        let end = match (b, data.get(k + 1)) {
            (b'\n', _) => k + 1,
            (_, Some(b'\n')) => k + 2,
            (_, Some(_)) => k + 1,
            (_, None) => {
                fields.truncate(before);
                return None;
            }
        };
        fields.push(field);
        return Some(end);
    }
    fields.truncate(before);
    None
}

/// The offset of the quote that closes a quoted field whose content starts
/// at `data[from]` (`""` is an escaped quote), if `data` holds it and the
/// byte after it.
fn quoted_end(data: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let q = from + memchr::memchr(b'"', &data[from..])?;
        match data.get(q + 1) {
            Some(b'"') => from = q + 2,
            Some(_) => return Some(q),
            None => return None,
        }
    }
}

/// The general parser behind [`parse`]: every quoting case, and records
/// that do not end in `data`.
fn parse_fields(
    data: &[u8],
    at: usize,
    delimiter: u8,
    eof: bool,
    base: u64,
    fields: &mut Vec<Field>,
    memo: &mut QuoteMemo,
) -> Parsed {
    let len = data.len();
    let mut quote = QuoteIssue::None;
    let mut i = at;
    loop {
        let start = i;
        let quoted = data.get(i) == Some(&b'"');
        if quoted {
            let mut j = i + 1;
            loop {
                // Skip a stretch already known to hold no quote.
                let abs = base + j as u64;
                if memo.no_quote.contains(&abs) {
                    j = ((memo.no_quote.end - base) as usize).min(len);
                }
                match memchr::memchr(b'"', &data[j..]) {
                    None => {
                        let from = base + j as u64;
                        let to = base + len as u64;
                        memo.no_quote = if memo.no_quote.contains(&from) || memo.no_quote.end == from {
                            memo.no_quote.start..to
                        } else {
                            from..to
                        };
                        if !eof {
                            return Parsed::Incomplete;
                        }
                        fields.push(Field { start: base + start as u64, end: base + len as u64, quoted });
                        return Parsed::Record { end: len, quote: QuoteIssue::Unterminated };
                    }
                    Some(k) => {
                        let q = j + k;
                        match data.get(q + 1) {
                            Some(b'"') => j = q + 2,
                            None if !eof => return Parsed::Incomplete,
                            _ => {
                                i = q + 1;
                                break;
                            }
                        }
                    }
                }
            }
            if let Some(&b) = data.get(i)
                && b != delimiter
                && b != b'\n'
                && b != b'\r'
            {
                quote = QuoteIssue::Stray;
                i = unquoted_end(data, i, delimiter);
            }
        } else {
            i = unquoted_end(data, i, delimiter);
        }
        if i >= len && !eof {
            return Parsed::Incomplete;
        }
        fields.push(Field { start: base + start as u64, end: base + i as u64, quoted });
        if i >= len {
            return Parsed::Record { end: len, quote };
        }
        match data[i] {
            b if b == delimiter => i += 1,
            b'\n' => return Parsed::Record { end: i + 1, quote },
            _ => {
                // `\r`, alone or before `\n`.
                return match data.get(i + 1) {
                    Some(b'\n') => Parsed::Record { end: i + 2, quote },
                    Some(_) => Parsed::Record { end: i + 1, quote },
                    None if eof => Parsed::Record { end: i + 1, quote },
                    None => Parsed::Incomplete,
                };
            }
        }
    }
}

/// The offset of the delimiter or line break that ends an unquoted field (or the data's end).
fn unquoted_end(data: &[u8], from: usize, delimiter: u8) -> usize {
    memchr::memchr3(delimiter, b'\n', b'\r', &data[from..]).map_or(data.len(), |k| from + k)
}

/// Bit `i` set when `block[i]` (at most 64 bytes) is a quote or a line break.
#[inline]
fn specials(block: &[u8]) -> u64 {
    eq_mask(block, b"\"\n\r")
}

/// A field's value: quotes removed and `""` turned into `"`.
pub(crate) fn unquote(raw: &[u8]) -> Vec<u8> {
    let Some(inner) = raw.strip_prefix(b"\"") else { return raw.to_vec() };
    let inner = inner.strip_suffix(b"\"").unwrap_or(inner);
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        out.push(inner[i]);
        i += if inner[i] == b'"' && inner.get(i + 1) == Some(&b'"') { 2 } else { 1 };
    }
    out
}

/// Whether the first of `rows` (decoded cells of a table's first records)
/// is a header: it has no numeric cell, and either a later row has a
/// numeric cell below one of its names, or all its cells are names and in
/// some column most later values do not look like names (they hold digits,
/// punctuation such as `@`, or more than three words).
pub(crate) fn looks_like_header(rows: &[Vec<Vec<u8>>]) -> bool {
    let Some((first, rest)) = rows.split_first() else { return false };
    if first.iter().any(|c| is_numeric(c)) || first.iter().all(|c| c.trim_ascii().is_empty()) {
        return false;
    }
    let numbers_below = first
        .iter()
        .enumerate()
        .any(|(i, name)| !name.trim_ascii().is_empty() && rest.iter().any(|r| r.get(i).is_some_and(|c| is_numeric(c))));
    if numbers_below {
        return true;
    }
    let all_names = first.iter().all(|c| c.trim_ascii().is_empty() || is_name(c));
    let values_differ = rest.is_empty()
        || (0..first.len()).any(|i| {
            let below: Vec<&Vec<u8>> = rest.iter().filter_map(|r| r.get(i)).collect();
            let odd = below.iter().filter(|c| !is_name(c) || c.iter().any(u8::is_ascii_digit) || words(c) > 3).count();
            !below.is_empty() && odd * 2 >= below.len()
        });
    all_names && values_differ
}

fn words(cell: &[u8]) -> usize {
    cell.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).count()
}

/// A number, date, amount or phone number: a digit, and only digits and separators.
fn is_numeric(cell: &[u8]) -> bool {
    let c = cell.trim_ascii();
    c.iter().any(u8::is_ascii_digit) && c.iter().all(|&b| b.is_ascii_digit() || b" +-.,/:()$%".contains(&b))
}

/// A column name: short, starting with a letter or `_`, made of letters,
/// digits and a few separators.
fn is_name(cell: &[u8]) -> bool {
    let c = cell.trim_ascii();
    let Some(&first) = c.first() else { return false };
    c.len() <= 64
        && (first.is_ascii_alphabetic() || first == b'_' || first >= 0x80)
        && c.iter().all(|&b| b.is_ascii_alphanumeric() || b >= 0x80 || b" _-.#/()[]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses all of `data`, returning each record's field values (or `!reason`).
    fn split(data: &[u8], delimiter: u8) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let mut at = 0;
        let mut memo = QuoteMemo::default();
        loop {
            let mut fields = Vec::new();
            match parse(data, at, delimiter, true, 0, &mut fields, &mut memo) {
                Parsed::End => return out,
                Parsed::Blank(end) => at = end,
                Parsed::Incomplete => panic!("incomplete at eof"),
                Parsed::Record { end, quote } => {
                    let mut row: Vec<String> = fields
                        .iter()
                        .map(|f| String::from_utf8_lossy(&data[f.start as usize..f.end as usize]).into_owned())
                        .collect();
                    if quote != QuoteIssue::None {
                        row.push(format!("!{quote:?}"));
                    }
                    out.push(row);
                    at = end;
                }
            }
        }
    }

    /// One [`QuoteMemo`] kept across records whose windows start at
    /// varying offsets of the document and grow when a record does not end
    /// in them (as a table reader's windows do): every record reads as in
    /// the whole document with a fresh memo per record.
    #[test]
    fn one_memo_reads_alike_through_shifted_and_growing_windows() {
        let doc: String = (0..60)
            .map(|i| format!("r{i},\"{}\"\"x\",{},{}\n", "q".repeat(i * 7 % 90), i * 13, "y".repeat(i % 5)))
            .collect();
        let doc = doc.as_bytes();
        let (mut at, mut memo, mut records) = (0, QuoteMemo::default(), 0);
        while at < doc.len() {
            let mut want = Vec::new();
            let expected = parse(doc, at, b',', true, 0, &mut want, &mut QuoteMemo::default());
            let cut = at - at % 37;
            let mut limit = (at + 50).min(doc.len());
            let mut got = Vec::new();
            let parsed = loop {
                got.clear();
                let eof = limit == doc.len();
                match parse(&doc[cut..limit], at - cut, b',', eof, cut as u64, &mut got, &mut memo) {
                    Parsed::Incomplete => limit = (limit + 50).min(doc.len()),
                    Parsed::Record { end, quote } => break Parsed::Record { end: end + cut, quote },
                    other => panic!("{other:?} at {at}"),
                }
            };
            assert_eq!(parsed, expected, "record at {at}");
            assert_eq!(got, want, "record at {at}");
            let Parsed::Record { end, .. } = parsed else { unreachable!() };
            at = end;
            records += 1;
        }
        assert_eq!(records, 60);
    }

    const PIECES: &[&[u8]] = &[b"a", b",", b"\"", b"\"\"", b"\n", b"\r", b"\r\n", b"x y", b"12"];

    /// What a parser read of each record, with its fields.
    type Reads = Vec<(Parsed, Vec<Field>)>;

    /// Every record of `data` as [`parse`] reads it, and as the general parser alone does.
    fn both_parsers(data: &[u8], eof: bool) -> (Reads, Reads) {
        let run = |general: bool| {
            let (mut out, mut at, mut memo) = (Vec::new(), 0, QuoteMemo::default());
            loop {
                let mut fields = Vec::new();
                let p = if general && at < data.len() && !matches!(data[at], b'\n' | b'\r') {
                    parse_fields(data, at, b',', eof, 7, &mut fields, &mut memo)
                } else {
                    parse(data, at, b',', eof, 7, &mut fields, &mut memo)
                };
                let next = match p {
                    Parsed::Record { end, .. } | Parsed::Blank(end) => end,
                    Parsed::End | Parsed::Incomplete => {
                        fields.clear();
                        data.len() + 1
                    }
                };
                out.push((p, fields));
                if next > data.len() {
                    return out;
                }
                at = next;
            }
        };
        (run(false), run(true))
    }

    #[test]
    fn the_simple_path_parses_as_the_general_parser() {
        let long = format!("a,\"{}\",b\n", "q".repeat(SIMPLE_QUOTED + 10));
        for data in [
            &b"a,b,c\n1,\"2,\"\"x\"\"\",3\r\nx\ry,\"\"\n"[..],
            b"5'10\",tall\n\"ok\"x,y\n\"open,z",
            b",,\n\"\",\"\"\"\"\r",
            long.as_bytes(),
        ] {
            for eof in [false, true] {
                let (simple, general) = both_parsers(data, eof);
                assert_eq!(simple, general, "{data:?}");
            }
        }
    }

    /// Checks that [`count_fields`] agrees with [`parse`] at every record
    /// start of `data`, for `delimiter`; returns how many records it counted.
    fn check_counts(data: &[u8], delimiter: u8) -> usize {
        let (mut at, mut counted, mut memo) = (0, 0, QuoteMemo::default());
        // One memo through the records, as a table's reading keeps it.
        let mut counting = QuoteMemo::default();
        while at < data.len() {
            let mut fields = Vec::new();
            let parsed = parse(data, at, delimiter, true, 0, &mut fields, &mut memo);
            if let Some((end, n)) = count_fields(data, at, delimiter, 0, &mut counting) {
                let expected = Parsed::Record { end, quote: QuoteIssue::None };
                assert_eq!((parsed, fields.len()), (expected, n), "{:?} at {at}", String::from_utf8_lossy(data));
                counted += 1;
            }
            at = match parsed {
                Parsed::Record { end, .. } | Parsed::Blank(end) => end,
                Parsed::End | Parsed::Incomplete => break,
            };
        }
        counted
    }

    #[test]
    fn counted_records_are_the_records_parse_reads() {
        let long = format!("{}\n", ",x".repeat(100));
        let data = format!(
            "a,b,c\n1,\"2,\"\"x\"\"\",3\r\nx\ry,z\n\n,,\r\n5'10\" tall,a\"b\n\"two\nlines\",x\n\"q\"x,y\n{long}last,line"
        );
        // Blank lines, the quoted field over two lines, the stray bytes after
        // a quote and the unterminated last record are left to `parse`.
        assert_eq!(check_counts(data.as_bytes(), b','), 7);
        assert_eq!(count_fields(b"1,\"2,\"\"x\"\"\",3\n", 0, b',', 0, &mut QuoteMemo::default()), Some((14, 3)));
        assert_eq!(count_fields(long.as_bytes(), 0, b',', 0, &mut QuoteMemo::default()), Some((long.len(), 101)));
        assert_eq!(
            count_fields(b"a\tb\r", 0, b'\t', 0, &mut QuoteMemo::default()),
            None,
            "the byte after a \\r is not known"
        );
        assert_eq!(check_counts(b"a\tb\t\tc\n", b'\t'), 1);
    }

    /// Checks [`count_run`] from every record start of `data` against
    /// [`count_fields`] record by record: the run is the records that it
    /// counts with `fields` fields, of at most `max_len` bytes, up to the
    /// first that ends at or after `limit`; it may stop earlier only before
    /// a record with a `\r` or a quote inside an unquoted field. Returns the
    /// records counted from the first start.
    fn check_runs(data: &[u8], fields: usize, limit: usize, max_len: usize) -> u64 {
        let mut first = None;
        let mut at = 0;
        let mut masks = RunMasks::default();
        while at < data.len() {
            let (end, rows) = count_run(data, at, b',', fields, (limit, max_len), &mut masks);
            // Record by record.
            let (mut rec, mut want) = (at, 0u64);
            let mut memo = QuoteMemo::default();
            let irregular = loop {
                if rec >= limit.min(data.len()) {
                    break None;
                }
                match count_fields(data, rec, b',', 0, &mut memo) {
                    Some((e, n)) if n == fields && e - rec <= max_len => {
                        if want == rows {
                            break Some(rec..e);
                        }
                        (rec, want) = (e, want + 1);
                    }
                    _ => break None,
                }
            };
            assert!(
                rows <= want || irregular.is_none(),
                "{:?} from {at}: {rows} records",
                String::from_utf8_lossy(data)
            );
            if let Some(r) = irregular {
                // Stopped before a record counted record by record: one with a `\r` or a quote inside a field.
                let bytes = &data[r.clone()];
                let odd_quote = (r.start..r.end).any(|k| {
                    data[k] == b'"'
                        && k > r.start
                        && data[k - 1] != b','
                        && data[k - 1] != b'"'
                        && data.get(k + 1).is_some_and(|&b| b != b',' && b != b'\n' && b != b'\r' && b != b'"')
                });
                assert!(
                    bytes.contains(&b'\r') || odd_quote || bytes.windows(2).any(|w| w[0] != b',' && w[1] == b'"'),
                    "{:?} from {at}: stopped after {rows} records, before {:?}",
                    String::from_utf8_lossy(data),
                    String::from_utf8_lossy(bytes)
                );
            } else {
                assert_eq!(rows, want, "{:?} from {at}", String::from_utf8_lossy(data));
            }
            // The run ends where its last record does.
            let mut e = at;
            let mut memo = QuoteMemo::default();
            for _ in 0..rows {
                e = count_fields(data, e, b',', 0, &mut memo).expect("counted").0;
            }
            assert_eq!(end, e, "{:?} from {at}", String::from_utf8_lossy(data));
            first.get_or_insert(rows);
            at = match parse(data, at, b',', true, 0, &mut Vec::new(), &mut QuoteMemo::default()) {
                Parsed::Record { end, .. } | Parsed::Blank(end) => end,
                Parsed::End | Parsed::Incomplete => break,
            };
        }
        first.unwrap_or(0)
    }

    #[test]
    fn prefix_xor_marks_the_bytes_after_an_odd_number_of_quotes() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..1000 {
            x = x.rotate_left(7).wrapping_mul(0x2545_F491_4F6C_DD1D);
            let want =
                (0..64).fold(0u64, |m, i| m | u64::from((x & (u64::MAX >> (63 - i))).count_ones() % 2 == 1) << i);
            assert_eq!(prefix_xor::<false>(x), want, "{x:#x}");
            #[cfg(target_arch = "x86_64")]
            if is_x86_feature_detected!("pclmulqdq") {
                assert_eq!(prefix_xor::<true>(x), want, "{x:#x}");
            }
        }
        // Both versions of the run agree (the portable one is what other processors run).
        let table: String = (0..300).map(|i| format!("{i},\"a,\"\"b\",{}\r\n", "z".repeat(i % 90))).collect();
        let (mut a, mut b) = (RunMasks::default(), RunMasks::default());
        for at in [0, table.find('\n').unwrap() + 1] {
            let want = count_run_with::<false>(table.as_bytes(), at, b',', 3, (usize::MAX, usize::MAX), &mut a);
            assert_eq!(count_run(table.as_bytes(), at, b',', 3, (usize::MAX, usize::MAX), &mut b), want);
            assert_eq!(want, (table.len(), 300 - u64::from(at > 0)));
        }
    }

    #[test]
    fn a_run_reads_the_masks_of_its_own_data() {
        let mut masks = RunMasks::default();
        let plain = b"a,b\nc,d\ne,f\n";
        let quoted = b"a,\"b\nc,d\ne,f\n";
        assert_eq!(count_run(plain, 0, b',', 2, (usize::MAX, usize::MAX), &mut masks), (12, 3));
        // The same blocks of other bytes: a line break inside quotes ends the run at once.
        assert_eq!(count_run(quoted, 0, b',', 2, (usize::MAX, usize::MAX), &mut masks), (0, 0));
        assert_eq!(count_run(plain, 4, b',', 2, (usize::MAX, usize::MAX), &mut masks), (12, 2));
    }

    #[test]
    fn runs_are_the_records_counted_one_by_one() {
        let row = |i: usize| format!("{i},\"a, \"\"b\"\"\",{},x\n", "y".repeat(i * 7 % 150));
        let table: String = (0..200).map(row).collect();
        assert_eq!(check_runs(table.as_bytes(), 4, usize::MAX, usize::MAX), 200);
        assert_eq!(check_runs(table.replace('\n', "\r\n").as_bytes(), 4, usize::MAX, usize::MAX), 200);
        // The limit, the length limit and a record of other fields end a run.
        let first_ends = table.find('\n').unwrap() + 1;
        assert_eq!(check_runs(table.as_bytes(), 4, first_ends, usize::MAX), 1);
        assert_eq!(check_runs(table.as_bytes(), 4, first_ends + 1, usize::MAX), 2);
        assert_eq!(check_runs(table.as_bytes(), 4, usize::MAX, 20), 1, "the second record is 24 bytes");
        assert_eq!(check_runs(table.as_bytes(), 3, usize::MAX, usize::MAX), 0);
        let odd = table.replacen("5,\"a", "5,\"a\nb", 1);
        assert_eq!(check_runs(odd.as_bytes(), 4, usize::MAX, usize::MAX), 5, "a record of two lines");
        assert_eq!(check_runs(b"a,b\n\nc,d\n", 2, usize::MAX, usize::MAX), 1, "a blank line");
        assert_eq!(check_runs(b"a,b\nc,d", 2, usize::MAX, usize::MAX), 1, "a record not ending in the data");
        assert_eq!(check_runs(b"a,\"b\"c\nd,e\n", 2, usize::MAX, usize::MAX), 0, "stray bytes after a quote");
        assert_eq!(check_runs(b"a,b\"c\nd,e\n", 2, usize::MAX, usize::MAX), 0, "a quote inside a field");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn records_agree_with_parse_on_any_input(
            picks in proptest::collection::vec(0..PIECES.len(), 0..120),
            cut in 0usize..200,
        ) {
            let data: Vec<u8> = picks.iter().flat_map(|&i| PIECES[i].iter().copied()).collect();
            check_counts(&data, b',');
            for fields in 1..4 {
                check_runs(&data, fields, cut, usize::MAX);
                check_runs(&data, fields, data.len(), 9);
            }
            for eof in [false, true] {
                let (simple, general) = both_parsers(&data, eof);
                proptest::prop_assert_eq!(simple, general);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Records longer than a block, so that most blocks end none or
        /// one record.
        #[test]
        fn runs_of_long_records_agree_with_parse(
            picks in proptest::collection::vec(0..PIECES.len() + LONG.len(), 0..160),
            cut in 0usize..2000,
            max_len in 40usize..400,
        ) {
            let piece = |i: usize| PIECES.get(i).copied().unwrap_or_else(|| LONG[i - PIECES.len()]);
            let data: Vec<u8> = picks.iter().flat_map(|&i| piece(i).iter().copied()).collect();
            for fields in 1..5 {
                check_runs(&data, fields, cut, usize::MAX);
                check_runs(&data, fields, data.len(), max_len);
            }
        }
    }

    /// Long pieces of records, for [`runs_of_long_records_agree_with_parse`].
    const LONG: &[&[u8]] = &[
        b"a fairly long unquoted field of text, then a comma",
        b"\"a quoted field, with commas, \"\"quotes\"\" and more\"",
        b"0123456789012345678901234567890123456789",
        b",,,,",
        b"\n",
        b",",
    ];

    #[test]
    fn fields_and_records() {
        type Case = (&'static [u8], u8, &'static [&'static [&'static str]]);
        let cases: &[Case] = &[
            (b"a,b,c\n1,2,3\n", b',', &[&["a", "b", "c"], &["1", "2", "3"]]),
            (b"a,b\r\n1,2\r\n", b',', &[&["a", "b"], &["1", "2"]]),
            (b"a,b\n1,2", b',', &[&["a", "b"], &["1", "2"]]),
            (b"a,\"x,\"\"y\"\"\nz\",c\n", b',', &[&["a", "\"x,\"\"y\"\"\nz\"", "c"]]),
            (b"\n\na\n\r\nb\n", b',', &[&["a"], &["b"]]),
            (b"a;b|c\n", b';', &[&["a", "b|c"]]),
            (b"a\tb\n", b'\t', &[&["a", "b"]]),
            (b"a,,\n", b',', &[&["a", "", ""]]),
            (b"a,b\"c,d\n", b',', &[&["a", "b\"c", "d"]]),
            (b"\"ab\"cd,e\n", b',', &[&["\"ab\"cd", "e", "!Stray"]]),
            (b"a,\"open\nb,c\n", b',', &[&["a", "\"open\nb,c\n", "!Unterminated"]]),
            (b"a\rb\n", b',', &[&["a"], &["b"]]),
        ];
        for &(data, d, want) in cases {
            let got = split(data, d);
            let want: Vec<Vec<String>> = want.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect();
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn incomplete_until_the_end_is_known() {
        let mut memo = QuoteMemo::default();
        let mut f = Vec::new();
        assert_eq!(parse(b"a,b", 0, b',', false, 0, &mut f, &mut memo), Parsed::Incomplete);
        assert_eq!(parse(b"a,\"b\n", 0, b',', false, 0, &mut f, &mut memo), Parsed::Incomplete);
        assert_eq!(parse(b"a,\"b\"", 0, b',', false, 0, &mut f, &mut memo), Parsed::Incomplete);
        assert_eq!(parse(b"a\r", 0, b',', false, 0, &mut f, &mut memo), Parsed::Incomplete);
        f.clear();
        assert_eq!(
            parse(b"a,\"b\"\n", 0, b',', false, 100, &mut f, &mut memo),
            Parsed::Record { end: 6, quote: QuoteIssue::None }
        );
        assert_eq!(f[1], Field { start: 102, end: 105, quoted: true });
        assert_eq!(f[1].content(), 103..104);
    }

    #[test]
    fn unquoting() {
        assert_eq!(unquote(b"plain"), b"plain");
        assert_eq!(unquote(b"\"a \"\"b\"\" c\""), b"a \"b\" c");
        assert_eq!(unquote(b"\"open"), b"open");
    }

    #[test]
    fn header_detection() {
        let rows = |t: &str| -> Vec<Vec<Vec<u8>>> {
            t.lines().map(|l| l.split(',').map(|c| c.as_bytes().to_vec()).collect()).collect()
        };
        let cases = [
            ("id,name,ssn\n1,Jane,512483921\n2,John,409227781", true),
            ("name,email\nJane,jane@example.com\nJohn,john@example.com", true),
            ("Customer Name,Card Number\nJane,4532 0151 1283 0366", true),
            ("1,Jane,512483921\n2,John,409227781", false),
            ("Jane,Doe,Springfield\nJohn,Roe,Shelbyville", false),
            ("jane@example.com,Jane\njohn@example.com,John", false),
            (",a,b\n0,1,2", true),
            ("ssn,dob", true),
            ("name,dob\nJane Roe,Mar 14 1985\nJohn Doe,Apr 2 1990", true),
            ("name,notes\nJane,called back about the late order\nJohn,asked for a refund by mail", true),
            ("first,last\nJane,Doe\nJohn,Roe", false),
        ];
        for (text, want) in cases {
            assert_eq!(looks_like_header(&rows(text)), want, "{text}");
        }
    }
}

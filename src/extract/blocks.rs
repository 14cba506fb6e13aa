//! Shared machinery of the structured text formats (delimited tables, JSON):
//! a read window with absolute offsets, the fast text pass over a block of
//! whole records, isolated re-scans of single values, and findings emitted in
//! file order.
//!
//! A block is scanned in three steps:
//! 1. the whole block is scanned as text, with context on each side as in
//!    `detect::stream` (the fast path: one engine call per block), and each
//!    match is placed in the unit (cell, JSON value) where it starts;
//! 2. some units are scanned again one by one, with their keyword context:
//!    those whose column name or JSON path carries keywords (Macie's rule:
//!    the name satisfies the keyword requirement for every value below it;
//!    a JSON value comes with the 64 bytes before it, its key, which some
//!    patterns span), and those where a fast-path match relied on a nearby
//!    keyword, with the 64 bytes of text before them (a label, the previous
//!    cell), so that a keyword in the next cell or member does not count.
//!    Their findings replace the fast path's in those units: a value is
//!    reported once, the context version preferred. Units with keyword names
//!    and no letter (so no keyword) are blanked for the fast path: the
//!    digit-dense columns that cost the text engine most are skipped there;
//! 3. the findings are sorted by offset and emitted.
//!
//! The format modules own parsing; this file knows only byte ranges.

use std::io::{self, Read};
use std::ops::Range;

use crate::detect::quiet::QuietStarts;
use crate::detect::{Context, Hay, Match, Scanner, Scratch};
use crate::extract::names::NameMask;
use crate::report::{Finding, Location, Sink, TextLocation};

/// A sliding window over a reader, addressed by absolute offsets.
pub(crate) struct Window<'r> {
    data: Data<'r>,
    base: u64,
    eof: bool,
    error: Option<io::Error>,
}

/// Where a [`Window`]'s bytes come from.
enum Data<'r> {
    /// Read on demand into a buffer that forgets what is behind.
    Reader { reader: &'r mut dyn Read, buf: crate::detect::stream::ReadBuffer },
    /// Already in memory (a small file, a memory map, a decompressed member):
    /// used in place, nothing is copied.
    Bytes(&'r [u8]),
}

impl<'r> Window<'r> {
    /// A window at the start of `reader`.
    pub fn new(reader: &'r mut dyn Read) -> Window<'r> {
        Window::new_at(reader, 0)
    }

    /// A window over `reader`, whose first byte lies at absolute offset
    /// `base` of the data (a segment of a larger file, with its context).
    pub fn new_at(reader: &'r mut dyn Read, base: u64) -> Window<'r> {
        Window { data: Data::Reader { reader, buf: Default::default() }, base, eof: false, error: None }
    }

    /// A window over bytes already in memory: every byte is held from the start.
    pub fn over(bytes: &'r [u8]) -> Window<'r> {
        Window { data: Data::Bytes(bytes), base: 0, eof: true, error: None }
    }

    /// Absolute offset of the first byte held.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Absolute offset one past the last byte held.
    pub fn end(&self) -> u64 {
        self.base + self.bytes().len() as u64
    }

    /// Whether the reader is exhausted (or failed): no byte will follow [`Window::end`].
    pub fn eof(&self) -> bool {
        self.eof
    }

    /// The bytes held, starting at [`Window::base`].
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Reader { buf, .. } => buf.data(),
            Data::Bytes(b) => b,
        }
    }

    /// The bytes at absolute offsets `r`, which must be held.
    pub fn get(&self, r: Range<u64>) -> &[u8] {
        &self.bytes()[(r.start - self.base) as usize..(r.end - self.base) as usize]
    }

    /// Offset of `abs` in [`Window::bytes`].
    pub fn rel(&self, abs: u64) -> usize {
        (abs - self.base) as usize
    }

    /// Reads until the window holds the bytes before absolute offset `to`, or
    /// the reader ends. A read error ends the data; see [`Window::take_error`].
    pub fn fill_to(&mut self, to: u64) {
        let Data::Reader { reader, buf } = &mut self.data else { return };
        while self.base + (buf.len() as u64) < to && !self.eof {
            let grow = ((to - self.base - buf.len() as u64) as usize).clamp(64 * 1024, 8 << 20);
            match buf.read_from(*reader, grow) {
                Ok(0) => self.eof = true,
                Ok(_) => {}
                Err(e) => {
                    self.eof = true;
                    self.error = Some(e);
                }
            }
        }
    }

    /// The read error that ended the data, if one did.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Forgets the bytes before absolute offset `keep_from` once they are a
    /// good share of the buffer, after counting their lines in `lines`.
    /// Bytes in memory from the start are kept.
    pub fn release_before(&mut self, keep_from: u64, lines: &mut Lines) {
        let keep_from = keep_from.min(self.end());
        if keep_from <= self.base || self.rel(keep_from) < self.bytes().len() / 2 {
            return;
        }
        lines.advance(self.bytes(), self.base, keep_from);
        let n = self.rel(keep_from);
        if let Data::Reader { buf, .. } = &mut self.data {
            buf.consume(n);
            self.base = keep_from;
        }
    }
}

pub(crate) use crate::detect::lines::Lines;
use crate::detect::lines::Position;

/// Line counting over a [`Window`].
impl Lines {
    /// The 1-based line and byte column of absolute offset `at`.
    pub fn at(&mut self, w: &Window<'_>, at: u64) -> (u64, u64) {
        let p = self.position_at(w, at);
        (p.line, p.column)
    }

    /// Where absolute offset `at` is.
    pub fn position_at(&mut self, w: &Window<'_>, at: u64) -> Position {
        self.advance(w.bytes(), w.base(), at);
        let p = self.position();
        // An offset already counted past (a hit inside a block whose end
        // was counted) is on the line counted up to, or is not asked for.
        let column = at.saturating_sub(self.line_start()) + 1;
        if column == p.column { p } else { Position { column, column_utf16: None, ..p } }
    }
}

/// What a value of a block (a cell, a JSON string or number, a JSON key)
/// needs to be scanned alone. Where it lies is [`Units::span`].
#[derive(Clone, Debug)]
pub(crate) struct Unit {
    /// The value's bytes, scanned when the unit is scanned alone.
    pub content: Range<u64>,
    /// Whether `content` holds JSON escapes to decode before scanning it alone.
    pub escaped: bool,
    /// Index of the unit's keyword context in the caller's table (0: none).
    pub ctx: u32,
    /// Bytes of the text before the value that come with it when it is
    /// scanned alone for its context: a JSON member's own key (which
    /// patterns may span, and whose keywords count), nothing for a table
    /// cell, so that no other member or cell lends the value a keyword. A
    /// unit scanned alone to check a keyword its fast-pass finding used
    /// always comes with [`LEAD`] bytes (a label in the cell or member
    /// before it counts).
    pub lead: u64,
}

/// The units of a block, in file order, as the format module holds them
/// (parsed fields, JSON tokens): each is built when it is needed, not copied
/// into a list per block.
pub(crate) trait Units {
    /// How many there are.
    fn count(&self) -> usize;
    /// Unit `i`'s raw token (a quoted string with its quotes): hits
    /// starting in it belong to the unit.
    fn span(&self, i: usize) -> Range<u64>;
    /// Unit `i`.
    fn unit(&self, i: usize) -> Unit;
    /// Appends the units scanned alone even when the fast path finds nothing
    /// in them (those with a keyword context) to `out`, in increasing order.
    fn forced(&self, out: &mut Vec<usize>);
    /// The keyword context numbered `ctx` (a [`Unit::ctx`]).
    fn context(&self, ctx: u32) -> &Context;
    /// Makes sure that every unit overlapping one of `spans` is among the
    /// units, for units read only where a match asks for them; returns
    /// whether the units changed (their indexes with them). Every forced
    /// unit is always there.
    fn materialize(&mut self, _spans: &[Range<u64>]) -> bool {
        false
    }
    /// The word starts of the block known to start no keyword (see
    /// `detect::quiet`), when the format knows any.
    fn quiet(&self) -> Option<&QuietStarts> {
        None
    }
}

/// Where a hit belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// In the unit with this index.
    Unit(usize),
    /// In bytes read as plain text (a malformed record).
    Text,
}

/// A confirmed match at absolute offsets.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    /// Offset of the value's first byte in the data.
    pub start: u64,
    /// Offset one past its last byte.
    pub end: u64,
    /// The engine's match (its offsets are relative to the haystack it came from).
    pub m: Match,
    /// The value when it was decoded (JSON escapes), not read from the data as is.
    pub value: Option<Vec<u8>>,
    /// Where it belongs.
    pub place: Place,
}

/// Scans a block of whole records: the fast text pass over the block, then
/// the units whose name carries keywords, alone with that context. `text`
/// lists the sorted ranges read as plain text; `units` are sorted by offset
/// and do not overlap; [`Units::context`] gives each unit's keyword
/// context; no byte outside `bounds` is looked at. Returns the hits sorted by offset.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan_block(
    scanner: &Scanner,
    scratch: &mut Scratch,
    w: &Window<'_>,
    block: Range<u64>,
    bounds: Range<u64>,
    units: &mut impl Units,
    text: &[Range<u64>],
    unescape: &dyn Fn(&[u8], &mut Vec<u8>),
) -> Hits {
    let mut forced = Vec::new();
    units.forced(&mut forced);
    // Values scanned alone anyway are blanked for the fast pass when they
    // cannot hold a keyword (no letter): it then skips their (often
    // digit-dense) bytes, and still sees every keyword the text holds.
    let masked: Vec<Range<u64>> = forced
        .iter()
        .map(|&i| units.unit(i).content)
        .filter(|c| !w.get(c.clone()).iter().any(|b| b.is_ascii_alphabetic() || *b >= 0x80))
        .collect();
    let mut fast = FAST.take();
    fast.clear();
    fast_scan(scanner, scratch, w, block, bounds.clone(), &masked, units.quiet(), &mut fast);
    let mut hits = HITS.take();
    hits.clear();
    hits.reserve(fast.len());
    let in_text = |at: u64| {
        let i = text.partition_point(|r| r.start <= at);
        i > 0 && at < text[i - 1].end
    };
    // The units the fast path's matches reach (as far as they reach, as the
    // placement below reads them).
    let reached: Vec<Range<u64>> =
        fast.iter().filter(|&&(start, ..)| !in_text(start)).map(|&(start, end, _)| start..end.max(start + 1)).collect();
    if units.materialize(&reached) {
        forced.clear();
        units.forced(&mut forced);
    }
    // Text is read as it is, blanks or not, so that its findings do not
    // depend on where blocks start and end. Each scan reads the context on
    // both sides of what it reports, so ranges closer than twice that are
    // read in one scan, keeping the matches that start in them (a table
    // with a malformed row in every few cost a scan of twice the context
    // per row).
    if !masked.is_empty() {
        let gap = 2 * scanner.context_len() as u64;
        let mut text_hits = Vec::new();
        let mut rest = text;
        while let Some(first) = rest.first() {
            let n = 1 + rest.windows(2).take_while(|p| p[1].start <= p[0].end + gap).count();
            fast_scan(scanner, scratch, w, first.start..rest[n - 1].end, bounds.clone(), &[], None, &mut text_hits);
            rest = &rest[n..];
        }
        hits.extend(text_hits.into_iter().filter(|&(start, ..)| in_text(start)).map(|(start, end, m)| Hit {
            start,
            end,
            m,
            value: None,
            place: Place::Text,
        }));
    }
    // A unit is scanned alone when its name carries keywords, or when a
    // fast-path finding in it relied on a keyword: alone (with the text just
    // before it), a keyword after the value, in the next cell or member,
    // no longer counts. `alone` holds those units, each with whether a
    // keyword finding is to be verified in it.
    let mut alone: Vec<(usize, bool)> = forced.iter().map(|&i| (i, false)).collect();
    let mut placed = PLACED.take();
    placed.clear();
    let count = units.count();
    for (start, end, m) in fast.drain(..) {
        if in_text(start) {
            if masked.is_empty() {
                hits.push(Hit { start, end, m, value: None, place: Place::Text });
            }
            continue;
        }
        // The unit the value starts in (or, from between units, the first it reaches).
        let first = first_unit_ending_after(units, start);
        if first < count && units.span(first).start < end.max(start + 1) {
            if m.keyword {
                alone.push((first, true));
            }
            placed.push(Hit { start, end, m, value: None, place: Place::Unit(first) });
        }
    }
    alone.sort_unstable();
    alone.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        kept.1 |= same && later.1;
        same
    });
    let is_alone = UnitSet::of(count, alone.iter().map(|&(i, _)| i));
    // Fast-path findings in units scanned alone, kept where that scan does
    // not find them. A finding that starts in another unit and reaches
    // into one scanned alone (a private key split over two cells) stays as
    // it is: a scan alone reports only what starts in its unit.
    FAST.set(fast);
    let mut kept = KEPT.take();
    kept.clear();
    for hit in placed.drain(..) {
        match hit.place {
            Place::Unit(i) if is_alone.has(i) => kept.push((i, hit)),
            _ => hits.push(hit),
        }
    }
    // By unit, so that each unit scanned alone finds its own at once.
    kept.sort_by_key(|&(i, _)| i);
    let mut hay = Vec::new();
    let mut by_unit = ByUnit { items: &kept, next: 0 };
    for &(i, verify) in &alone {
        let u = units.unit(i);
        if u.content.is_empty() {
            continue;
        }
        // The value, after its key (see `Unit::lead`), or after a little of
        // the text before it (its label) when checking a keyword, so that
        // patterns spanning both still match.
        let want = if verify { LEAD } else { u.lead };
        let lead = u.content.start.saturating_sub(want).max(bounds.start).max(w.base());
        hay.clear();
        hay.extend_from_slice(w.get(lead..u.content.start));
        blank_numbers(&mut hay);
        let at = hay.len();
        if u.escaped {
            unescape(w.get(u.content.clone()), &mut hay);
        } else {
            hay.extend_from_slice(w.get(u.content.clone()));
        }
        let ctx = units.context(u.ctx);
        let before = hits.len();
        scanner.find(scratch, &hay, at..hay.len(), ctx, &mut |m| {
            let hit = if u.escaped {
                let value = Some(hay[m.start..m.end].to_vec());
                Hit { start: u.content.start, end: u.content.end, m: *m, value, place: Place::Unit(i) }
            } else {
                let (start, end) = (lead + m.start as u64, lead + m.end as u64);
                Hit { start, end, m: *m, value: None, place: Place::Unit(i) }
            };
            hits.push(hit);
            true
        });
        // A value is reported once, in the context version; the fast path's
        // findings that this scan did not reproduce stay unless they relied
        // on a keyword.
        let alone = &hits[before..];
        let own = by_unit.of(i);
        let extra: Vec<Hit> = own
            .iter()
            .map(|(_, h)| h)
            .filter(|h| !h.m.keyword && !alone.iter().any(|a| a.start < h.end && h.start < a.end))
            .cloned()
            .collect();
        hits.extend(extra);
    }
    hits.sort_by_key(|h| (h.start, h.end));
    PLACED.set(placed);
    kept.clear();
    KEPT.set(kept);
    Hits(hits)
}

/// The hits of one block, sorted by offset; their list is kept for the
/// next block's when dropped (see `HITS`).
pub(crate) struct Hits(Vec<Hit>);

impl std::ops::Deref for Hits {
    type Target = [Hit];

    fn deref(&self) -> &[Hit] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Hits {
    type Item = &'a Hit;
    type IntoIter = std::slice::Iter<'a, Hit>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Drop for Hits {
    fn drop(&mut self) {
        let mut hits = std::mem::take(&mut self.0);
        hits.clear();
        HITS.set(hits);
    }
}

/// Items sorted by unit, taken unit by unit in increasing order: one walk
/// through them in all (a binary search per unit was 3–5% of the time of a
/// dense customer table).
struct ByUnit<'a, T> {
    items: &'a [(usize, T)],
    /// Where the items of the units not taken yet start.
    next: usize,
}

impl<'a, T> ByUnit<'a, T> {
    /// The items of unit `i`, which comes after every unit taken before.
    fn of(&mut self, i: usize) -> &'a [(usize, T)] {
        let items = self.items;
        let from = self.next + items[self.next..].iter().take_while(|&&(k, _)| k < i).count();
        self.next = from + items[from..].iter().take_while(|&&(k, _)| k == i).count();
        &items[from..self.next]
    }
}

/// A set of a block's units (by index), one bit each.
struct UnitSet(Vec<u64>);

impl UnitSet {
    /// The set of `units`, each below `count`.
    fn of(count: usize, units: impl Iterator<Item = usize>) -> UnitSet {
        let mut bits = vec![0u64; count.div_ceil(64)];
        for i in units {
            bits[i / 64] |= 1 << (i % 64);
        }
        UnitSet(bits)
    }

    /// Whether unit `i` is in the set.
    fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }
}

/// The first unit whose raw token ends after absolute offset `at` (all of
/// them when none does).
fn first_unit_ending_after(units: &impl Units, at: u64) -> usize {
    let (mut lo, mut hi) = (0, units.count());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if units.span(mid).end <= at {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Bytes of text before a value scanned alone to check a keyword that come
/// with it (more than Macie's keyword distance).
pub(crate) const LEAD: u64 = 64;

/// Blanks the digits of `text` that are not next to a letter: the numbers of
/// the cells or values before a value scanned alone cannot be part of its
/// match, and would only cost the engine time (keywords, such as `w2`, stay).
fn blank_numbers(text: &mut [u8]) {
    let letter = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphabetic);
    for i in 0..text.len() {
        if text[i].is_ascii_digit() && !letter(i.checked_sub(1).and_then(|j| text.get(j))) && !letter(text.get(i + 1)) {
            text[i] = b' ';
        }
    }
}

/// Scans `report` as plain text (no keyword context), reporting every match
/// that starts in it at absolute offsets. The window must hold `report`; the
/// bytes it holds around it, within `bounds`, serve as context. The `masked`
/// ranges are read as spaces; the keyword walks skip the `quiet` word starts.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fast_scan(
    scanner: &Scanner,
    scratch: &mut Scratch,
    w: &Window<'_>,
    report: Range<u64>,
    bounds: Range<u64>,
    masked: &[Range<u64>],
    quiet: Option<&QuietStarts>,
    out: &mut Vec<(u64, u64, Match)>,
) {
    if report.is_empty() {
        return;
    }
    let context = scanner.context_len() as u64;
    let lo = report.start.saturating_sub(context).max(w.base()).max(bounds.start);
    let hi = (report.end + context).min(w.end()).min(bounds.end);
    let rel = (report.start - lo) as usize..(report.end - lo) as usize;
    let quiet = quiet.map(|q| (q, lo));
    let mut push = |m: &Match| {
        out.push((lo + m.start as u64, lo + m.end as u64, *m));
        true
    };
    if masked.is_empty() {
        scanner.find_quiet(scratch, Hay::Shared(w.get(lo..hi)), rel, &Context::none(), quiet, &mut push);
        return;
    }
    let mut copy = BLANKED.take();
    copy.clear();
    copy.extend_from_slice(w.get(lo..hi));
    for r in masked {
        let (a, b) = (r.start.clamp(lo, hi), r.end.clamp(lo, hi));
        copy[(a - lo) as usize..(b - lo) as usize].fill(b' ');
    }
    // Escapes are decoded in this copy, which spares the engine a second one.
    scanner.find_quiet(scratch, Hay::Copy(&mut copy), rel, &Context::none(), quiet, &mut push);
    BLANKED.set(copy);
}

thread_local! {
    /// The copy of a block with values blanked ([`fast_scan`]), kept from
    /// block to block: a fresh copy per block (about 1 MiB) made the
    /// allocator map and fault in its pages again for many blocks (20%
    /// more page faults on the benchmark's tables and JSON Lines).
    static BLANKED: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    /// [`scan_block`]'s lists, kept from block to block for the same
    /// reason: on a table dense in findings they hold tens of thousands of
    /// matches per block (a few MiB each), and glibc's allocator, left to
    /// its own thresholds, gave them back to the kernel after each block
    /// (about 2,200 page faults per 1 MiB block of a customer table).
    static FAST: std::cell::Cell<Vec<(u64, u64, Match)>> = const { std::cell::Cell::new(Vec::new()) };
    static PLACED: std::cell::Cell<Vec<Hit>> = const { std::cell::Cell::new(Vec::new()) };
    static KEPT: std::cell::Cell<Vec<(usize, Hit)>> = const { std::cell::Cell::new(Vec::new()) };
    static HITS: std::cell::Cell<Vec<Hit>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Builds findings from hits and sends them on, counting lines as it goes.
pub(crate) struct Emitter<'a> {
    /// The source name put in findings.
    pub source: &'a str,
    /// Keep raw values in findings.
    pub show_values: bool,
    /// Line counting up to the last emitted offset.
    pub lines: Lines,
    /// Findings emitted so far.
    pub findings: u64,
    /// Masks sensitive data in column names and JSON paths.
    names: NameMask,
}

impl<'a> Emitter<'a> {
    /// An emitter for `source`.
    pub fn new(source: &'a str, show_values: bool) -> Emitter<'a> {
        Emitter { source, show_values, lines: Lines::new(), findings: 0, names: NameMask::default() }
    }

    /// Sends the finding for `hit` at `location`; returns whether the sink wants more.
    pub fn send(
        &mut self,
        scanner: &Scanner,
        w: &Window<'_>,
        hit: &Hit,
        mut location: Location,
        sink: &mut dyn Sink,
    ) -> bool {
        if !self.show_values {
            self.names.mask_location(scanner, &mut location);
        }
        self.send_located(scanner, w, hit, location, sink)
    }

    /// [`Emitter::send`] of a location whose name is masked already (see
    /// [`Emitter::column_label`]).
    pub fn send_located(
        &mut self,
        scanner: &Scanner,
        w: &Window<'_>,
        hit: &Hit,
        location: Location,
        sink: &mut dyn Sink,
    ) -> bool {
        let info = scanner.rule_info(hit.m.rule);
        let value = match &hit.value {
            Some(v) => v.as_slice(),
            None => w.get(hit.start..hit.end),
        };
        self.findings += 1;
        sink.finding(Finding::from_match(&info, &hit.m, self.source, location, value, self.show_values))
    }

    /// A column's name as findings under it give it: with the sensitive
    /// data in it masked, unless values are shown.
    pub fn column_label(&mut self, scanner: &Scanner, name: String) -> String {
        if self.show_values {
            return name;
        }
        self.names.masked_column(scanner, &name).unwrap_or(name)
    }

    /// The plain-text location of `hit`.
    pub fn text_location(&mut self, w: &Window<'_>, hit: &Hit) -> Location {
        let at = self.lines.position_at(w, hit.start);
        Location::Text(TextLocation {
            line: at.line,
            column: at.column,
            column_utf16: at.column_utf16,
            byte_start: hit.start,
            byte_end: hit.end,
            page: None,
        })
    }
}

/// Scans the bytes from `pos` to the end of the line as plain text, however
/// long the line is, holding at most about one chunk in memory at a time.
/// Returns the offset after the line (or the end of the data) and whether the
/// sink wants more.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan_long_line(
    scanner: &Scanner,
    scratch: &mut Scratch,
    w: &mut Window<'_>,
    mut pos: u64,
    chunk: u64,
    emit: &mut Emitter<'_>,
    sink: &mut dyn Sink,
) -> (u64, bool) {
    let context = scanner.context_len() as u64;
    loop {
        w.fill_to(pos + chunk + context);
        let nl = memchr::memchr(b'\n', &w.bytes()[w.rel(pos)..]).map(|i| pos + i as u64 + 1);
        // Step by one chunk until the line end is within reach (the window
        // then also holds the context after the chunk, unless the data ends).
        let end = match nl {
            Some(e) if e - pos <= chunk => e,
            _ => (pos + chunk).min(w.end()),
        };
        let mut fast = Vec::new();
        fast_scan(scanner, scratch, w, pos..end, 0..u64::MAX, &[], None, &mut fast);
        for (start, end, m) in fast {
            let hit = Hit { start, end, m, value: None, place: Place::Text };
            let location = emit.text_location(w, &hit);
            if !emit.send(scanner, w, &hit, location, sink) {
                return (end, false);
            }
        }
        pos = end;
        w.release_before(pos.saturating_sub(context), &mut emit.lines);
        if nl == Some(end) || pos >= w.end() && w.eof() {
            return (pos, true);
        }
    }
}

/// Where the line from `pos` ends (after its newline, or where the data
/// ends), reading it as [`scan_long_line`] does, a chunk at a time, without
/// scanning it.
pub(crate) fn skip_line(w: &mut Window<'_>, mut pos: u64, chunk: u64, lines: &mut Lines) -> u64 {
    loop {
        w.fill_to(pos + chunk);
        if let Some(i) = memchr::memchr(b'\n', &w.bytes()[w.rel(pos)..]) {
            return pos + i as u64 + 1;
        }
        pos = w.end();
        if w.eof() {
            return pos;
        }
        w.release_before(pos, lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_sets_and_items_by_unit() {
        let set = UnitSet::of(130, [0, 63, 64, 129].into_iter());
        let members: Vec<usize> = (0..140).filter(|&i| set.has(i)).collect();
        assert_eq!(members, [0, 63, 64, 129]);
        let items = [(1, 'a'), (1, 'b'), (3, 'c'), (5, 'd'), (5, 'e'), (9, 'f')];
        let mut by = ByUnit { items: &items, next: 0 };
        let taken: Vec<String> =
            [0, 1, 2, 3, 5, 7, 9, 10].iter().map(|&i| by.of(i).iter().map(|&(_, c)| c).collect()).collect();
        assert_eq!(taken, ["", "ab", "", "c", "de", "", "f", ""]);
    }

    #[test]
    fn window_fills_and_releases() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut r = data.as_slice();
        let mut w = Window::new(&mut r);
        w.fill_to(100);
        assert!(w.end() >= 100);
        assert_eq!(w.get(10..20), &data[10..20]);
        let mut lines = Lines::new();
        w.fill_to(150_000);
        w.release_before(120_000, &mut lines);
        assert_eq!(w.base(), 120_000);
        assert_eq!(w.get(120_000..120_010), &data[120_000..120_010]);
        w.fill_to(u64::MAX);
        assert!(w.eof());
        assert_eq!(w.end(), 200_000);
        assert!(w.take_error().is_none());
    }

    #[test]
    fn numbers_before_a_value_are_blanked() {
        let mut t = b"\"id\": 123, \"w2\": \"4x\", 9".to_vec();
        blank_numbers(&mut t);
        assert_eq!(t, b"\"id\":    , \"w2\": \"4x\",  ");
    }

    #[test]
    fn lines_count_incrementally() {
        let data = b"ab\ncd\n\nefg";
        let mut r = &data[..];
        let mut w = Window::new(&mut r);
        w.fill_to(100);
        let mut lines = Lines::new();
        assert_eq!(lines.at(&w, 1), (1, 2));
        assert_eq!(lines.at(&w, 4), (2, 2));
        assert_eq!(lines.at(&w, 8), (4, 2));
        // Long stretches (counted with SIMD), asked for in steps of every size.
        let data: Vec<u8> =
            (0..3000u32).flat_map(|i| vec![b'x'; (i * 7 % 23) as usize].into_iter().chain([b'\n'])).collect();
        let naive = |at: usize| {
            let line = 1 + data[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            let start = data[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            (line, (at - start) as u64 + 1)
        };
        for step in [1, 63, 64, 65, 1000, 40_000] {
            let mut r = &data[..];
            let mut w = Window::new(&mut r);
            w.fill_to(data.len() as u64);
            let mut lines = Lines::new();
            for at in (0..data.len()).step_by(step) {
                assert_eq!(lines.at(&w, at as u64), naive(at), "step {step}, at {at}");
            }
        }
    }
}

//! Delimited tables (CSV, TSV, `;`, `|`): findings placed at row and column,
//! column names acting as keywords for every value in their column.
//!
//! The table is read in blocks of whole records. Each block is scanned as
//! text, and each match is placed in its cell from the field byte ranges that
//! a small RFC 4180 parser (`records.rs`) finds. Cells of columns whose name
//! carries keywords (`ssn`, `card_number`, `dob`) are also scanned one by one
//! with that keyword context (Macie's rule: the column name satisfies the
//! keyword requirement). See `blocks.rs` for how both passes combine.
//! While no column has a keyword context, a record of one line only has its
//! fields counted (to check their number) and is split into fields only
//! when the text pass finds a match in it.
//!
//! Rows that do not parse (an unterminated quote, a field count different from
//! the first row's) are scanned as text, with a warning. Memory stays bounded
//! by a few blocks plus the longest record, itself bounded by [`MAX_RECORD`].

use std::io::Read;
use std::ops::Range;

use crate::Scratch;
use crate::detect::{Context, Scanner};
use crate::extract::blocks::{self, Emitter, Hit, Lines, Place, Unit, Units, Window, skip_line};
use crate::extract::records::{self, Field, Parsed, QuoteIssue, QuoteMemo, RunMasks};
use crate::extract::{Extractor, Format, MAX_WARNINGS, RandomAccess, RandomReader, scanned_records};
use crate::report::{CellLocation, Location, Problem, Sink};

/// The longest record read as a record; a longer one is cut at its first
/// line break and read as text (it is usually an unterminated quote).
pub(crate) const MAX_RECORD: u64 = 16 << 20;

/// Records examined to decide whether the first row is a header.
const HEADER_SAMPLE: usize = 20;

/// The most records read one by one between two tries of a run that find
/// none (see [`Table::read_run`]).
const MAX_RUN_PAUSE: u32 = 255;

/// Scans an in-memory table.
pub(crate) fn scan_bytes(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    bytes: &[u8],
    delimiter: u8,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    scan_limited(x, scratch, Window::over(bytes), delimiter, source, MAX_RECORD, sink)
}

/// Scans a streamed table.
pub(crate) fn scan_stream(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    delimiter: u8,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    scan_limited(x, scratch, Window::new(reader), delimiter, source, MAX_RECORD, sink)
}

/// As [`scan_stream`], cutting records longer than `max_record` bytes.
pub(crate) fn scan_limited(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    w: Window<'_>,
    delimiter: u8,
    source: &str,
    max_record: u64,
    sink: &mut dyn Sink,
) -> bool {
    let table = Table::new(x, Layout::new(delimiter), source, max_record);
    scan_table(table, scratch, w, delimiter, source, sink)
}

/// Runs the scan `table` over `w`, then reports read errors, malformed rows
/// and what was scanned.
fn scan_table(
    mut table: Table<'_>,
    scratch: &mut Scratch,
    mut w: Window<'_>,
    delimiter: u8,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    let go_on = table.run(scratch, &mut w, sink);
    if let Some(e) = w.take_error() {
        sink.problem(Problem::partial(source, format!("read error after {} bytes: {e}", w.end())));
    }
    let format = Format::Delimited(delimiter);
    scanned_records(sink, source, format, w.end(), table.emit.findings, (table.malformed, "rows"));
    go_on
}

/// A column from the header.
#[derive(Clone, Debug)]
struct Column {
    name: String,
    /// Index into `Table::contexts`.
    ctx: u32,
}

/// One record of a block.
struct Rec {
    /// First byte of the record.
    start: u64,
    /// One past its last byte (terminator included).
    end: u64,
    /// 1-based row (the header, if any, is row 1); of the first record
    /// when it stands for several.
    row: u64,
    /// How many records it stands for: more than one only for a run of
    /// `unread` records of one line each ([`records::count_run`]), whose
    /// records are the lines of `start..end`.
    rows: u64,
    /// Its fields in the block's field list (empty when malformed or unread).
    fields: Range<usize>,
    /// Why the record is read as text.
    malformed: Option<String>,
    /// Whether it is read as text for being over the length limit (see [`Table::warn`]).
    over_limit: bool,
    /// Whether the record is well formed but its fields were only counted,
    /// not split (see [`Table::lazy`]): they are split when a match reaches it.
    unread: bool,
}

/// How a record was read.
#[derive(Clone, Copy, Debug)]
enum Reading {
    /// Split into fields, with its quoting trouble.
    Split(QuoteIssue),
    /// Its fields only counted (a record of one line whose quotes are whole fields).
    Counted(usize),
}

/// A block's cells as units: the fields of its well-formed records (a
/// malformed record has none), each with its column's keyword context. The
/// fields of `unread` records are split when a match reaches them.
struct CellUnits<'a, 'w> {
    recs: &'a mut Vec<Rec>,
    fields: &'a mut Vec<Field>,
    w: &'a Window<'w>,
    delimiter: u8,
    columns: &'a [Column],
    /// The keyword contexts the columns' `ctx` number.
    contexts: &'a [Context],
    has_header: bool,
    /// The record of the last unit asked for: units are mostly asked for in
    /// order, so the next one is usually in it or the one after.
    last: std::cell::Cell<usize>,
}

/// The record (index in `recs`) and 0-based column of field `i` of a block.
fn cell_of(recs: &[Rec], i: usize) -> (usize, usize) {
    let ri = recs.partition_point(|r| r.fields.end <= i);
    (ri, i - recs[ri].fields.start)
}

impl CellUnits<'_, '_> {
    /// The keyword context of column `ci` in record `rec` (none in the header).
    fn ctx(&self, rec: &Rec, ci: usize) -> u32 {
        if rec.row == 1 && self.has_header { 0 } else { self.columns.get(ci).map_or(0, |c| c.ctx) }
    }
}

impl Units for CellUnits<'_, '_> {
    fn count(&self) -> usize {
        self.fields.len()
    }

    fn span(&self, i: usize) -> Range<u64> {
        let f = &self.fields[i];
        f.start..f.end
    }

    fn unit(&self, i: usize) -> Unit {
        let holds = |r: usize| self.recs.get(r).is_some_and(|rec| rec.fields.contains(&i));
        let last = self.last.get();
        let ri = if holds(last) {
            last
        } else if holds(last + 1) {
            last + 1
        } else {
            cell_of(self.recs, i).0
        };
        self.last.set(ri);
        let ci = i - self.recs[ri].fields.start;
        let f = &self.fields[i];
        let ctx = self.ctx(&self.recs[ri], ci);
        Unit { content: f.content(), escaped: false, ctx, lead: 0 }
    }

    fn context(&self, ctx: u32) -> &Context {
        &self.contexts[ctx as usize]
    }

    fn forced(&self, out: &mut Vec<usize>) {
        if self.columns.iter().all(|c| c.ctx == 0) {
            return;
        }
        for rec in self.recs.iter() {
            let cells = rec.fields.clone();
            out.extend(cells.clone().filter(|&i| self.ctx(rec, i - cells.start) != 0));
        }
    }

    fn materialize(&mut self, spans: &[Range<u64>]) -> bool {
        if !self.recs.iter().any(|r| r.unread) {
            return false;
        }
        // The unread records the spans reach, with the part of each span in them.
        let mut wanted = Vec::new();
        for s in spans {
            let mut k = self.recs.partition_point(|r| r.end <= s.start);
            while k < self.recs.len() && self.recs[k].start < s.end {
                let rec = &self.recs[k];
                if rec.unread {
                    wanted.push((k, s.start.max(rec.start)..s.end.min(rec.end)));
                }
                k += 1;
            }
        }
        if wanted.is_empty() {
            return false;
        }
        wanted.sort_unstable_by_key(|(k, r)| (*k, r.start));
        // The records and fields in file order: those already split, the
        // records reached split, and the rest of their runs left unread.
        let w = self.w;
        let mut fields = Vec::with_capacity(self.fields.len() + 16 * wanted.len());
        let mut recs = Vec::with_capacity(self.recs.len() + 2 * wanted.len());
        let mut memo = QuoteMemo::default();
        let mut next = wanted.iter().peekable();
        for (k, mut rec) in std::mem::take(&mut *self.recs).into_iter().enumerate() {
            if next.peek().is_none_or(|(i, _)| *i != k) {
                let first = fields.len();
                fields.extend_from_slice(&self.fields[rec.fields.clone()]);
                rec.fields = first..fields.len();
                recs.push(rec);
                continue;
            }
            // A run's records are its lines (see `Rec::rows`).
            let unread = |start: u64, end: u64, row: u64, rows: u64, fields: usize| Rec {
                start,
                end,
                row,
                rows,
                fields: fields..fields,
                malformed: None,
                over_limit: false,
                unread: true,
            };
            let (mut at, mut row) = (rec.start, rec.row);
            while let Some((_, span)) = next.next_if(|(i, _)| *i == k) {
                if span.end <= at {
                    continue;
                }
                // From the start of the line holding the span's first byte to the end of the one holding its last.
                let from = at + memchr::memrchr(b'\n', w.get(at..span.start.max(at))).map_or(0, |i| i as u64 + 1);
                let last = (span.end - 1).max(from);
                let to = memchr::memchr(b'\n', w.get(last..rec.end)).map_or(rec.end, |i| last + i as u64 + 1);
                if from > at {
                    let rows = newlines(w, at..from);
                    recs.push(unread(at, from, row, rows, fields.len()));
                    row += rows;
                }
                at = from;
                while at < to {
                    let first = fields.len();
                    let parsed =
                        records::parse(w.bytes(), w.rel(at), self.delimiter, w.eof(), w.base(), &mut fields, &mut memo);
                    let Parsed::Record { end, quote: QuoteIssue::None } = parsed else {
                        // Not what the run counted (it cannot be): the rest stays unread.
                        debug_assert!(false, "a counted record parses as one: {parsed:?}");
                        fields.truncate(first);
                        break;
                    };
                    let end = w.base() + end as u64;
                    recs.push(Rec {
                        start: at,
                        end,
                        row,
                        rows: 1,
                        fields: first..fields.len(),
                        malformed: None,
                        over_limit: false,
                        unread: false,
                    });
                    (at, row) = (end, row + 1);
                }
            }
            if at < rec.end {
                recs.push(unread(at, rec.end, row, rec.row + rec.rows - row, fields.len()));
            }
        }
        *self.recs = recs;
        *self.fields = fields;
        self.last.set(0);
        true
    }
}

/// The line feeds of `w` in `range`: the records of a run there.
fn newlines(w: &Window<'_>, range: Range<u64>) -> u64 {
    crate::detect::lines::newlines(w.get(range)).0
}

/// How a table is laid out, as its first records tell: what every segment
/// of a table scanned by several threads shares (`extract::parallel`).
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    delimiter: u8,
    columns: Vec<Column>,
    /// Keyword contexts of the columns; index 0 is no context.
    contexts: Vec<Context>,
    /// Fields per record, from the first record (0 before it).
    expected: usize,
    /// Whether row 1 is a header.
    has_header: bool,
    /// Where the header row ends, once read: the text scan of the data rows
    /// starts there, so that column names count for their own column only.
    header_end: u64,
}

impl Layout {
    /// Whether a record was read (which fixes the number of fields).
    pub fn has_records(&self) -> bool {
        self.expected > 0
    }

    /// A table with `delimiter` whose first records are still to be read.
    fn new(delimiter: u8) -> Layout {
        Layout {
            delimiter,
            columns: Vec::new(),
            contexts: vec![Context::none()],
            expected: 0,
            has_header: false,
            header_end: 0,
        }
    }
}

/// The state of one table scan (of the whole table, or of one segment).
struct Table<'a> {
    scanner: &'a Scanner,
    chunk: u64,
    /// Records longer than this are cut at their first line break.
    max_record: u64,
    layout: Layout,
    /// Rows read so far (in a segment: with the rows before it).
    row: u64,
    /// Reading ends at the first record that starts at or after this offset.
    stop: u64,
    /// Malformed rows so far.
    malformed: u64,
    /// Malformed rows reported one by one.
    max_warnings: u64,
    emit: Emitter<'a>,
    memo: QuoteMemo,
    /// The masks [`records::count_run`] reads.
    run_masks: RunMasks,
    /// Records to read one by one before the next try of a run, after
    /// tries that found none ([`Table::read_run`]), and the pause after
    /// the last of them.
    run_pause: u32,
    run_backoff: u32,
    /// Whether records of one line (see [`records::count_fields`]) only have
    /// their fields counted when no column has a keyword context: their
    /// fields are split only when the block's text pass finds a match in
    /// them, which few records of a large table have (tests turn it off to
    /// compare).
    lazy: bool,
    /// Whether most records of the last block held a match: the next
    /// block's records are then split at once, as counting them first
    /// would only add to the work.
    dense: bool,
    /// Each column's name as its findings give it (masked), once it is
    /// known: on a table with a finding in every row, masking the name per
    /// finding (a lookup in the names' map) was 4% of the scanning thread.
    labels: Vec<Option<String>>,
}

impl<'a> Table<'a> {
    fn new(x: &Extractor<'a>, layout: Layout, source: &'a str, max_record: u64) -> Table<'a> {
        let opts = x.options();
        Table {
            scanner: x.scanner(),
            chunk: opts.text.chunk_size.max(1) as u64,
            max_record,
            layout,
            row: 0,
            stop: u64::MAX,
            malformed: 0,
            max_warnings: MAX_WARNINGS,
            emit: Emitter::new(source, opts.text.show_values),
            memo: QuoteMemo::default(),
            run_masks: RunMasks::default(),
            run_pause: 0,
            run_backoff: 0,
            lazy: true,
            dense: false,
            labels: Vec::new(),
        }
    }

    fn run(&mut self, scratch: &mut Scratch, w: &mut Window<'_>, sink: &mut dyn Sink) -> bool {
        let pos = self.read_start(w);
        self.run_from(Some((scratch, sink)), w, pos).is_some()
    }

    /// Reads the header, if any; returns where the first record starts (after a byte-order mark).
    fn read_start(&mut self, w: &mut Window<'_>) -> u64 {
        let context = self.scanner.context_len() as u64;
        w.fill_to(self.chunk.max(64 * 1024) + context);
        let pos = if w.bytes().starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        // The rows that decide the header whole, however long (a table of
        // 100,000 columns has a header of a megabyte), up to the record
        // limit: cut short, the header would go unread and the columns
        // unnamed, their names no keywords.
        loop {
            let (rows, complete) = self.header_sample(w, pos);
            if complete || w.eof() || w.end() - pos >= self.max_record.saturating_mul(2) {
                self.name_columns(&rows);
                return pos;
            }
            w.fill_to(w.end() + (w.end() - w.base()).max(64 * 1024));
        }
    }

    /// Reads the records from `pos` until the data ends or a record starts
    /// at or after [`Table::stop`], scanning them into the sink when given
    /// one (a dry run only reads them, counting rows and lines). Returns
    /// where reading ended, or `None` when the sink wants no more.
    fn run_from(
        &mut self,
        mut scan: Option<(&mut Scratch, &mut dyn Sink)>,
        w: &mut Window<'_>,
        mut pos: u64,
    ) -> Option<u64> {
        let context = self.scanner.context_len() as u64;
        let mut recs: Vec<Rec> = Vec::new();
        let mut fields: Vec<Field> = Vec::new();
        loop {
            // A chunk, but not far past the stop: a segment of a large
            // table (or its dry run) may be much smaller than a chunk.
            w.fill_to(pos + self.chunk.min(self.stop.saturating_sub(pos)).max(1) + context);
            if pos >= self.stop || pos >= w.end() && w.eof() {
                return Some(pos);
            }
            let block_start = pos;
            // A dry run reads one record at a time.
            let until = if scan.is_some() { self.stop } else { pos + 1 };
            let long_line = self.read_block(w, &mut pos, &mut recs, &mut fields, until);
            if long_line {
                self.row += 1;
                let Some((scratch, sink)) = scan.as_mut() else {
                    pos = skip_line(w, pos, self.chunk, &mut self.emit.lines);
                    continue;
                };
                let reason = format!("longer than {} bytes, the record limit", self.max_record);
                self.warn(w, pos, self.row, &reason, true, *sink);
                let (end, go_on) =
                    blocks::scan_long_line(self.scanner, scratch, w, pos, self.chunk, &mut self.emit, *sink);
                if !go_on {
                    return None;
                }
                pos = end;
                continue;
            }
            if let Some((scratch, sink)) = scan.as_mut()
                && !self.scan_block(scratch, w, block_start..pos, &mut recs, &mut fields, *sink)
            {
                return None;
            }
            w.release_before(pos.saturating_sub(context), &mut self.emit.lines);
        }
    }

    /// Reads the records from `start` to the first that starts at or after
    /// `stop` without scanning them.
    fn dry_run(&mut self, w: &mut Window<'_>, start: u64, stop: u64) -> std::io::Result<()> {
        self.stop = stop;
        self.emit.lines = Lines::from_line(start, 1);
        self.run_from(None, w, start);
        w.take_error().map_or(Ok(()), Err)
    }

    /// Reads whole records from `*pos` into `recs` and `fields` until they
    /// cover a chunk or one starts at or after `until`, advancing `*pos`.
    /// Returns true, reading nothing, when the record at `*pos` is one line
    /// longer than the record limit.
    fn read_block(
        &mut self,
        w: &mut Window<'_>,
        pos: &mut u64,
        recs: &mut Vec<Rec>,
        fields: &mut Vec<Field>,
        until: u64,
    ) -> bool {
        let block_start = *pos;
        recs.clear();
        fields.clear();
        // Fields are only counted while no column has a keyword context
        // (once the first record has fixed their number) and matches are
        // not in most records.
        // Never from the header, which is a block of its own: the first
        // segment of a table split among threads starts there with the
        // number of fields known.
        let header_next = self.row == 0 && self.layout.has_header;
        let count = self.lazy
            && !self.dense
            && !header_next
            && self.layout.has_records()
            && self.layout.columns.iter().all(|c| c.ctx == 0);
        loop {
            if count && self.read_run(w, pos, recs, fields.len(), (block_start + self.chunk).min(until)) {
                return false;
            }
            let before = fields.len();
            let counted = count
                .then(|| records::count_fields(w.bytes(), w.rel(*pos), self.layout.delimiter, w.base(), &mut self.memo))
                .flatten();
            let parsed = match counted {
                Some((end, _)) => Parsed::Record { end, quote: QuoteIssue::None },
                None => records::parse(
                    w.bytes(),
                    w.rel(*pos),
                    self.layout.delimiter,
                    w.eof(),
                    w.base(),
                    fields,
                    &mut self.memo,
                ),
            };
            match parsed {
                Parsed::End => return false,
                Parsed::Blank(end) => *pos = w.base() + end as u64,
                Parsed::Incomplete => {
                    fields.truncate(before);
                    if *pos > block_start {
                        return false;
                    }
                    if w.end() - *pos < self.max_record {
                        let more = (w.end() - *pos).max(self.chunk);
                        w.fill_to(w.end() + more);
                        continue;
                    }
                    // A record longer than the limit: cut at its first line break, if it has one.
                    let Some(i) = memchr::memchr(b'\n', &w.bytes()[w.rel(*pos)..]) else { return true };
                    let rec = self.too_long(*pos, *pos + i as u64 + 1, before);
                    *pos = rec.end;
                    recs.push(rec);
                    return false;
                }
                Parsed::Record { end, quote } => {
                    let end = w.base() + end as u64;
                    let rec = if end - *pos > self.max_record {
                        // As if it had not ended within the limit (whatever was buffered).
                        fields.truncate(before);
                        let cut = memchr::memchr(b'\n', w.get(*pos..end - 1)).map_or(end, |i| *pos + i as u64 + 1);
                        self.too_long(*pos, cut, before)
                    } else {
                        let read = counted.map_or(Reading::Split(quote), |(_, n)| Reading::Counted(n));
                        self.classify(w, *pos, end, before, fields, read)
                    };
                    *pos = rec.end;
                    let header = rec.row == 1 && self.layout.has_header;
                    recs.push(rec);
                    if header {
                        // The header is a block of its own (see `header_end`).
                        self.layout.header_end = *pos;
                        return false;
                    }
                }
            }
            if *pos - block_start >= self.chunk || *pos >= until {
                return false;
            }
        }
    }

    /// Reads the run of well-formed records of one line from `*pos` that
    /// [`records::count_run`] counts, up to the first that ends at or after
    /// `limit`, as one unread [`Rec`] (`fields`: the block's fields so far),
    /// advancing `*pos`. Returns whether the block is then full: the run
    /// reached `limit`. After tries that found no run it waits a few
    /// records (see [`MAX_RUN_PAUSE`]).
    fn read_run(&mut self, w: &Window<'_>, pos: &mut u64, recs: &mut Vec<Rec>, fields: usize, limit: u64) -> bool {
        if self.run_pause > 0 {
            self.run_pause -= 1;
            return false;
        }
        let rel = |x: u64| (x.saturating_sub(w.base())).min(w.bytes().len() as u64) as usize;
        let (end, rows) = records::count_run(
            w.bytes(),
            w.rel(*pos),
            self.layout.delimiter,
            self.layout.expected,
            (rel(limit), usize::try_from(self.max_record).unwrap_or(usize::MAX)),
            &mut self.run_masks,
        );
        if rows == 0 {
            // Tried again after 1, 3, 7, ... records read one by one, up to
            // MAX_RUN_PAUSE: a table whose records all fail the run's check
            // (a quoted line break in each, lone `\r` line ends) pays a
            // try for every few hundred records, not one per record.
            self.run_backoff = (self.run_backoff * 2 + 1).min(MAX_RUN_PAUSE);
            self.run_pause = self.run_backoff;
            return false;
        }
        self.run_backoff = 0;
        let end = w.base() + end as u64;
        recs.push(Rec {
            start: *pos,
            end,
            row: self.row + 1,
            rows,
            fields: fields..fields,
            malformed: None,
            over_limit: false,
            unread: true,
        });
        self.row += rows;
        *pos = end;
        end >= limit
    }

    /// A record over the length limit, read as text from `start` to `end`.
    fn too_long(&mut self, start: u64, end: u64, fields: usize) -> Rec {
        self.row += 1;
        let reason = format!("longer than {} bytes, the record limit", self.max_record);
        Rec {
            start,
            end,
            row: self.row,
            rows: 1,
            fields: fields..fields,
            malformed: Some(reason),
            over_limit: true,
            unread: false,
        }
    }

    /// Decides whether the record at `start..end`, whose fields were pushed
    /// from index `first` (or only counted), is well formed; a malformed
    /// record spanning several lines is cut after its first line (the parser
    /// resumes there).
    fn classify(
        &mut self,
        w: &Window<'_>,
        start: u64,
        end: u64,
        first: usize,
        fields: &mut Vec<Field>,
        read: Reading,
    ) -> Rec {
        let (count, quote) = match read {
            Reading::Split(quote) => (fields.len() - first, quote),
            Reading::Counted(n) => (n, QuoteIssue::None),
        };
        if self.layout.expected == 0 {
            self.layout.expected = count;
        }
        let multi_line = || memchr::memchr(b'\n', w.get(start..end - 1)).map(|i| start + i as u64 + 1);
        let reason = match quote {
            QuoteIssue::Unterminated => Some("unterminated quoted field".to_string()),
            QuoteIssue::Stray if multi_line().is_some() => Some("unbalanced quotes".to_string()),
            _ if count != self.layout.expected => Some(format!("{count} fields, expected {}", self.layout.expected)),
            _ => None,
        };
        self.row += 1;
        match reason {
            None => {
                let unread = matches!(read, Reading::Counted(_));
                Rec {
                    start,
                    end,
                    row: self.row,
                    rows: 1,
                    fields: first..fields.len(),
                    malformed: None,
                    over_limit: false,
                    unread,
                }
            }
            Some(reason) => {
                fields.truncate(first);
                let end = multi_line().unwrap_or(end);
                Rec {
                    start,
                    end,
                    row: self.row,
                    rows: 1,
                    fields: first..first,
                    malformed: Some(reason),
                    over_limit: false,
                    unread: false,
                }
            }
        }
    }

    /// The first records from `pos` (as many as decide whether the first
    /// row is a header), their fields unquoted, and whether the window held
    /// them all (or the data ended first).
    fn header_sample(&self, w: &Window<'_>, pos: u64) -> (Vec<Vec<Vec<u8>>>, bool) {
        let mut fields = Vec::new();
        let mut rows: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut at = w.rel(pos);
        let mut memo = QuoteMemo::default();
        while rows.len() < HEADER_SAMPLE {
            fields.clear();
            match records::parse(w.bytes(), at, self.layout.delimiter, w.eof(), w.base(), &mut fields, &mut memo) {
                Parsed::Record { end, .. } => {
                    rows.push(fields.iter().map(|f| records::unquote(w.get(f.start..f.end))).collect());
                    at = end;
                }
                Parsed::Blank(end) => at = end,
                Parsed::End => break,
                Parsed::Incomplete => return (rows, false),
            }
        }
        (rows, true)
    }

    /// Names the columns (and their keyword contexts) after the first of
    /// `rows` when it is a header.
    fn name_columns(&mut self, rows: &[Vec<Vec<u8>>]) {
        if rows.is_empty() || !records::looks_like_header(rows) {
            return;
        }
        for (i, cell) in rows[0].iter().enumerate() {
            let name = String::from_utf8_lossy(cell).trim().to_string();
            let name = if name.is_empty() { format!("column_{}", i + 1) } else { name };
            let ctx = self.scanner.context_for(&name);
            let ctx = if ctx.is_empty() {
                0
            } else {
                self.layout.contexts.push(ctx);
                (self.layout.contexts.len() - 1) as u32
            };
            self.layout.columns.push(Column { name, ctx });
        }
        self.layout.has_header = true;
    }

    fn scan_block(
        &mut self,
        scratch: &mut Scratch,
        w: &mut Window<'_>,
        block: Range<u64>,
        recs: &mut Vec<Rec>,
        fields: &mut Vec<Field>,
        sink: &mut dyn Sink,
    ) -> bool {
        if block.is_empty() {
            return true;
        }
        w.fill_to(block.end + self.scanner.context_len() as u64);
        let w: &Window<'_> = w;
        let text: Vec<Range<u64>> = recs.iter().filter(|r| r.malformed.is_some()).map(|r| r.start..r.end).collect();
        let bounds = match recs.first() {
            Some(r) if r.row == 1 && self.layout.has_header => 0..self.layout.header_end,
            _ => self.layout.header_end..u64::MAX,
        };
        let mut units = CellUnits {
            recs: &mut *recs,
            fields,
            w,
            delimiter: self.layout.delimiter,
            columns: &self.layout.columns,
            contexts: &self.layout.contexts,
            has_header: self.layout.has_header,
            last: Default::default(),
        };
        let hits = blocks::scan_block(self.scanner, scratch, w, block, bounds, &mut units, &text, &|_, _| {});
        let recs: &[Rec] = recs;
        // The records holding a match (hits are in file order).
        let (mut touched, mut ri, mut last) = (0, 0, usize::MAX);
        for hit in &hits {
            while ri + 1 < recs.len() && recs[ri].end <= hit.start {
                ri += 1;
            }
            touched += usize::from(ri != last);
            last = ri;
        }
        self.dense = 2 * touched as u64 > recs.iter().map(|r| r.rows).sum::<u64>();
        // Findings and warnings go out in file order.
        let mut warnings = recs.iter().filter(|r| r.malformed.is_some()).peekable();
        for hit in &hits {
            while let Some(rec) = warnings.next_if(|r| r.start <= hit.start) {
                self.warn(w, rec.start, rec.row, rec.malformed.as_deref().unwrap_or("malformed"), rec.over_limit, sink);
            }
            // Located with its column's name masked already.
            let location = self.locate(w, hit, recs);
            if !self.emit.send_located(self.scanner, w, hit, location, sink) {
                return false;
            }
        }
        for rec in warnings {
            self.warn(w, rec.start, rec.row, rec.malformed.as_deref().unwrap_or("malformed"), rec.over_limit, sink);
        }
        true
    }

    fn column_name(&self, index: usize) -> String {
        match self.layout.columns.get(index) {
            Some(c) => c.name.clone(),
            None => format!("column_{}", index + 1),
        }
    }

    /// Column `index`'s name as its findings give it ([`Emitter::column_label`]), worked out once.
    fn column_label(&mut self, index: usize) -> String {
        if self.labels.len() <= index {
            self.labels.resize(index + 1, None);
        }
        if let Some(label) = &self.labels[index] {
            return label.clone();
        }
        let label = self.emit.column_label(self.scanner, self.column_name(index));
        self.labels[index] = Some(label.clone());
        label
    }

    fn locate(&mut self, w: &Window<'_>, hit: &Hit, recs: &[Rec]) -> Location {
        match hit.place {
            Place::Text => self.emit.text_location(w, hit),
            Place::Unit(u) => {
                let (ri, ci) = cell_of(recs, u);
                let (line, _) = self.emit.lines.at(w, hit.start);
                Location::Cell(CellLocation {
                    line: Some(line),
                    byte_start: Some(hit.start),
                    byte_end: Some(hit.end),
                    row: recs[ri].row,
                    column_index: ci as u64 + 1,
                    column: self.column_label(ci),
                    cell_reference: None,
                })
            }
        }
    }

    /// Reports the row at `pos` as read as text, for `reason` (one by one up
    /// to `max_warnings`). A row over
    /// the length limit (`over_limit`) loses its column names, which values
    /// may need as keywords: the table is then partly scanned. The warning
    /// names the row first (`row 7 (line 9) ...`): segments of a table
    /// scanned by several threads renumber it so (`parallel::Shift`).
    fn warn(&mut self, w: &Window<'_>, pos: u64, row: u64, reason: &str, over_limit: bool, sink: &mut dyn Sink) {
        let (line, _) = self.emit.lines.at(w, pos);
        self.malformed += 1;
        if self.malformed <= self.max_warnings {
            if over_limit {
                let msg = format!("row {row} (line {line}) is {reason}; scanned as text, without its column names");
                sink.problem(Problem::partial(self.emit.source, msg));
            } else {
                let msg = format!("row {row} (line {line}) does not parse: {reason}; scanned as text");
                sink.problem(Problem::warning(self.emit.source, msg));
            }
        }
    }
}

/// Reads the layout of the table in `src` (header, columns, fields per
/// record) from its first record, and returns it with where that record
/// starts (after a byte-order mark). A table with no record in its first
/// line (blank lines first) has no number of fields yet
/// ([`Layout::has_records`]).
pub(crate) fn layout(
    x: &Extractor<'_>,
    src: &dyn RandomAccess,
    delimiter: u8,
    max_record: u64,
) -> std::io::Result<(Layout, u64)> {
    let mut reader = RandomReader::new(src);
    let mut w = Window::new(&mut reader);
    let mut table = Table::new(x, Layout::new(delimiter), "", max_record);
    let start = table.read_start(&mut w);
    table.dry_run(&mut w, start, start + 1)?;
    Ok((table.layout, start))
}

/// Records that must parse cleanly from a line start for it to be taken
/// for a record start by [`likely_record_start`] (fewer when the bytes end
/// first).
const GUESS_RECORDS: usize = 8;

/// The first line start in `data` (of a table with this layout; `eof` when
/// `data` runs to its end) from which [`GUESS_RECORDS`] records, or all
/// those ending in `data` if at least one does, parse with the table's
/// number of fields and no quoting trouble; `None` when no line start
/// does. A line start inside a quoted cell of several lines seldom passes
/// (its closing quote comes inside a field, or the fields are too few), so
/// a table cut among threads is cut at a record start even where most
/// records span lines; the caller checks the guess all the same.
pub(crate) fn likely_record_start(layout: &Layout, data: &[u8], eof: bool) -> Option<usize> {
    let mut fields = Vec::new();
    let clean_from = |mut pos: usize, fields: &mut Vec<Field>| {
        let mut memo = QuoteMemo::default();
        let mut count = 0;
        while count < GUESS_RECORDS {
            fields.clear();
            match records::parse(data, pos, layout.delimiter, eof, 0, fields, &mut memo) {
                Parsed::Blank(end) => pos = end,
                Parsed::Record { end, quote: QuoteIssue::None } if fields.len() == layout.expected => {
                    (pos, count) = (end, count + 1);
                }
                Parsed::End | Parsed::Incomplete => return count > 0,
                Parsed::Record { .. } => return false,
            }
        }
        true
    };
    memchr::memchr_iter(b'\n', data).map(|i| i + 1).find(|&start| clean_from(start, &mut fields))
}

/// The first row of a segment of a table that does not start at the
/// table's first record: its rows are numbered from here, far from the
/// header's row 1, for the caller to renumber once the rows before it are
/// known.
pub(crate) const SEGMENT_ROW_BASE: u64 = 1 << 48;

/// What the scan of a segment of a table read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SegmentEnd {
    /// Where the first record at or after the segment's end starts, or
    /// the data ends: where the next segment's records start.
    pub end: u64,
    /// Rows read.
    pub rows: u64,
    /// Newlines from the segment's start to `end`.
    pub newlines: u64,
    /// Where the last line begun before `end` starts, when one of those
    /// newlines ends the line before it.
    pub last_line_start: Option<u64>,
}

/// Scans the records of `src` from `records.start` (taken to be a record
/// start) up to the first that starts at or after `records.end`, with the
/// bytes around them as context, into `sink`, reporting every malformed
/// row (the caller caps them). Given the rows before the segment and the
/// line count at its start (`known`), it numbers rows and lines as the
/// whole table does; otherwise it numbers its rows from
/// [`SEGMENT_ROW_BASE`] and its lines from 1 (it then starts at a line
/// start). Returns the read error that ended the segment early, if one
/// did, and what it read.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan_segment(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    layout: &Layout,
    records: Range<u64>,
    known: Option<(u64, Lines)>,
    source: &str,
    max_record: u64,
    sink: &mut dyn Sink,
) -> (Option<std::io::Error>, SegmentEnd) {
    let lo = records.start.saturating_sub(x.scanner().context_len() as u64);
    let mut reader = RandomReader::at(src, lo);
    let mut w = Window::new_at(&mut reader, lo);
    let mut table = Table::new(x, layout.clone(), source, max_record);
    let (base, lines) = known.unwrap_or((SEGMENT_ROW_BASE, Lines::from_line(records.start, 1)));
    let first_line = lines.line();
    table.row = base;
    table.stop = records.end;
    table.max_warnings = u64::MAX;
    table.emit.lines = lines;
    let end = table.run_from(Some((scratch, sink)), &mut w, records.start).unwrap_or(records.start);
    let error = w.take_error();
    let (line, column) = table.emit.lines.at(&w, end);
    let newlines = line - first_line;
    let last_line_start = (newlines > 0).then(|| end - (column - 1));
    (error, SegmentEnd { end, rows: table.row - base, newlines, last_line_start })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Options;
    use crate::report::{Collect, Severity};
    use crate::testutil::{Dribble, builtin as scanner};

    /// Scans `data` with `chunk`-byte blocks, reading it `step` bytes at a
    /// time, or in place when `step` is 0 (as for a file in memory).
    fn scan(data: &[u8], delimiter: u8, chunk: usize, step: usize, max_record: u64) -> Collect {
        scan_lazy(data, delimiter, chunk, step, max_record, true)
    }

    /// As [`scan`], with plain records' fields only counted, or all split when not `lazy`.
    fn scan_lazy(data: &[u8], delimiter: u8, chunk: usize, step: usize, max_record: u64, lazy: bool) -> Collect {
        let mut opts = Options::default();
        opts.text.chunk_size = chunk;
        opts.text.show_values = true;
        let x = Extractor::new(scanner(), &opts);
        let mut scratch = scanner().scratch();
        let mut out = Collect::default();
        let mut reader = Dribble { data, step };
        let w = if step == 0 { Window::over(data) } else { Window::new(&mut reader) };
        let mut table = Table::new(&x, Layout::new(delimiter), "t.csv", max_record);
        table.lazy = lazy;
        scan_table(table, &mut scratch, w, delimiter, "t.csv", &mut out);
        out
    }

    #[test]
    fn a_header_longer_than_the_first_read_still_names_the_columns() {
        // 30,000 columns: a header of about 200 KB, over the first read of a stream.
        let mut data = (0..29_999).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",") + ",ssn\n";
        for r in 0..3 {
            data += &((0..29_999).map(|i| ((r + i) % 10).to_string()).collect::<Vec<_>>().join(",") + ",219445178\n");
        }
        assert!(data.len() > 200_000);
        for step in [0, 64 * 1024, 1 << 20] {
            let out = scan(data.as_bytes(), b',', 64 * 1024, step, MAX_RECORD);
            let found = found(&out);
            assert_eq!(found.len(), 3, "step {step}: {found:?}");
            assert!(found.iter().all(|f| f.ends_with("c30000:ssn")), "step {step}: {found:?}");
        }
    }

    /// `TYPE value @ r<row>c<column>:<name>` or `TYPE value @ <line>:<column>` for text.
    fn found(c: &Collect) -> Vec<String> {
        c.findings
            .iter()
            .map(|f| {
                let value = f.value.as_deref().unwrap_or("");
                match &f.location {
                    Location::Cell(l) => {
                        format!("{} {value} @ r{}c{}:{}", f.data_type, l.row, l.column_index, l.column)
                    }
                    other => format!("{} {value} @ {}", f.data_type, other.display_short()),
                }
            })
            .collect()
    }

    const TABLE: &str = "id,ssn,order_id,card_number,ref,notes\r\n\
        1,512483921,512483921,4954255503491068,4954255503491068,\"called, said \"\"hi\"\"\r\nSSN: 409-22-7781 (ok)\"\r\n\
        2,\"409227781\",409227781,5580335586082148,x,plain note\r\n\
        3,\"broken,jane@example.com\r\n\
        4,233710458,1,4549121035034465,y,\"x,y\"\r\n";

    #[test]
    fn cells_columns_and_keywords() {
        let out = scan(TABLE.as_bytes(), b',', 1 << 20, usize::MAX, MAX_RECORD);
        assert_eq!(
            found(&out),
            [
                "USA_SOCIAL_SECURITY_NUMBER 512483921 @ r2c2:ssn",
                "CREDIT_CARD_NUMBER 4954255503491068 @ r2c4:card_number",
                "CREDIT_CARD_NUMBER_(NO_KEYWORD) 4954255503491068 @ r2c5:ref",
                "USA_SOCIAL_SECURITY_NUMBER 409-22-7781 @ r2c6:notes",
                "USA_SOCIAL_SECURITY_NUMBER 409227781 @ r3c2:ssn",
                "CREDIT_CARD_NUMBER 5580335586082148 @ r3c4:card_number",
                "EMAIL_ADDRESS jane@example.com @ 5:11",
                "USA_SOCIAL_SECURITY_NUMBER 233710458 @ r5c2:ssn",
                "CREDIT_CARD_NUMBER 4549121035034465 @ r5c4:card_number",
            ]
        );
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert_eq!(out.problems[0].severity, Severity::Warning);
        assert_eq!(out.problems[0].reason, "row 4 (line 5) does not parse: unbalanced quotes; scanned as text");
        let f = &out.findings[3];
        let start = TABLE.find("409-22-7781").unwrap() as u64;
        match &f.location {
            Location::Cell(c) => {
                assert_eq!((c.line, c.byte_start, c.byte_end), (Some(3), Some(start), Some(start + 11)));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(out.scanned.len(), 1);
        assert_eq!(out.scanned[0].format, "csv");
        assert_eq!(out.scanned[0].bytes, TABLE.len() as u64);
        assert_eq!(out.scanned[0].findings, 9);
    }

    #[test]
    fn block_and_read_sizes_do_not_change_findings() {
        let whole = scan(TABLE.as_bytes(), b',', 1 << 20, usize::MAX, MAX_RECORD);
        for chunk in [1, 7, 64, 4096] {
            for step in [0, 1, 13, 1000] {
                let got = scan(TABLE.as_bytes(), b',', chunk, step, MAX_RECORD);
                assert_eq!(got.findings, whole.findings, "chunk {chunk}, step {step}");
                assert_eq!(got.problems, whole.problems, "chunk {chunk}, step {step}");
            }
        }
    }

    #[test]
    fn headerless_tables_name_columns_by_position() {
        let data = b"1;Jane;jane@example.com;512-48-3921\n2;John;john@example.com;671 30 2285\n";
        let out = scan(data, b';', 1 << 20, usize::MAX, MAX_RECORD);
        assert_eq!(
            found(&out),
            [
                "EMAIL_ADDRESS jane@example.com @ r1c3:column_3",
                "USA_SOCIAL_SECURITY_NUMBER 512-48-3921 @ r1c4:column_4",
                "EMAIL_ADDRESS john@example.com @ r2c3:column_3",
                "USA_SOCIAL_SECURITY_NUMBER 671 30 2285 @ r2c4:column_4",
            ]
        );
        assert!(out.problems.is_empty());
    }

    #[test]
    fn bom_and_lone_header() {
        let out = scan(b"\xEF\xBB\xBFssn|dob\n512483921|1985-03-14\n", b'|', 1 << 20, usize::MAX, MAX_RECORD);
        assert_eq!(
            found(&out),
            ["USA_SOCIAL_SECURITY_NUMBER 512483921 @ r2c1:ssn", "DATE_OF_BIRTH 1985-03-14 @ r2c2:dob"]
        );
        let out = scan(b"ssn\tdob\n", b'\t', 1 << 20, usize::MAX, MAX_RECORD);
        assert!(out.findings.is_empty() && out.problems.is_empty());
        let out = scan(b"", b',', 1 << 20, usize::MAX, MAX_RECORD);
        assert!(out.findings.is_empty() && out.problems.is_empty());
        assert_eq!(out.scanned[0].bytes, 0);
    }

    #[test]
    fn unterminated_quote_is_cut_at_its_line() {
        let data = b"name,email,ssn\n\"Jane,jane@example.com,512-48-3921\nJohn,john@example.com,409-22-7781\n";
        let out = scan(data, b',', 1 << 20, usize::MAX, MAX_RECORD);
        assert_eq!(
            found(&out),
            [
                "EMAIL_ADDRESS jane@example.com @ 2:7",
                "USA_SOCIAL_SECURITY_NUMBER 512-48-3921 @ 2:24",
                "EMAIL_ADDRESS john@example.com @ r3c2:email",
                "USA_SOCIAL_SECURITY_NUMBER 409-22-7781 @ r3c3:ssn",
            ]
        );
        assert_eq!(out.problems.len(), 1);
        assert!(out.problems[0].reason.contains("row 2 (line 2)"), "{:?}", out.problems);
    }

    #[test]
    fn overlong_records_are_read_as_text() {
        let mut data = b"a,b\n1,jane@example.com\n".to_vec();
        let filler = "x".repeat(3000);
        data.extend_from_slice(format!("2,{filler} 512-48-3921 {filler} john@example.com\n").as_bytes());
        data.extend_from_slice(b"3,\"open quote\n4,ann@example.com\n");
        for chunk in [64, 1 << 20] {
            let out = scan(&data, b',', chunk, 100, 1000);
            assert_eq!(
                found(&out),
                [
                    "EMAIL_ADDRESS jane@example.com @ r2c2:b",
                    "USA_SOCIAL_SECURITY_NUMBER 512-48-3921 @ 3:3004",
                    "EMAIL_ADDRESS john@example.com @ 3:6017",
                    "EMAIL_ADDRESS ann@example.com @ r5c2:b",
                ],
                "chunk {chunk}"
            );
            assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
            assert!(out.problems[0].reason.contains("longer than 1000 bytes"), "{:?}", out.problems);
            // Its column names are lost to the limit: partly scanned.
            assert_eq!(out.problems[0].severity, crate::report::Severity::Partial);
        }
    }

    #[test]
    fn record_starts_are_guessed_past_cells_of_several_lines() {
        let mut layout = Layout::new(b',');
        layout.expected = 3;
        // Cut inside a quoted cell: its later lines are no records.
        let data = b"Apt 4\nSpringfield\",a@example.com\n7,\"9 Main St\nApt 2\",x\n8,plain,y\n";
        let real = data.iter().position(|&b| b == b'7').unwrap();
        assert_eq!(likely_record_start(&layout, data, true), Some(real));
        // One-line records: the first line start.
        assert_eq!(likely_record_start(&layout, b"tail\n1,2,3\n4,5,6\n", true), Some(5));
        // A record that does not end in the bytes read is no evidence.
        assert_eq!(likely_record_start(&layout, b"x\n1,\"open", false), None);
        // Nothing with three fields.
        assert_eq!(likely_record_start(&layout, b"x\n1,2\n3,4\n", true), None);
    }

    #[test]
    fn warnings_are_capped() {
        let mut data = b"a,b\n".to_vec();
        for i in 0..25 {
            data.extend_from_slice(format!("{i},x,extra\n").as_bytes());
        }
        let out = scan(&data, b',', 1 << 20, usize::MAX, MAX_RECORD);
        assert_eq!(out.problems.len(), MAX_WARNINGS as usize + 1);
        assert_eq!(out.problems.last().unwrap().reason, "15 more malformed rows scanned as text");
    }

    #[test]
    fn malformed_rows_among_blanked_cells_are_read_once() {
        // The `ssn` column's cells are blanked for the text pass (they are
        // scanned alone), so the malformed rows (every fifth) are read again
        // as they are: nearby ones in one scan, not one scan with its
        // context on both sides per row.
        let mut data = b"id,ssn,email\n".to_vec();
        for i in 0..2_000 {
            let ssn = format!("536-22-{:04}", 4100 + i % 80);
            let row = if i % 5 == 2 { format!("{i},{ssn}\n") } else { format!("{i},{ssn},a{i}@example.com\n") };
            data.extend_from_slice(row.as_bytes());
        }
        let opts = Options::default();
        let x = Extractor::new(scanner(), &opts);
        let mut scratch = scanner().scratch();
        let mut out = Collect::default();
        scan_limited(&x, &mut scratch, Window::over(&data), b',', "t.csv", MAX_RECORD, &mut out);
        let text = out.findings.iter().filter(|f| matches!(f.location, Location::Text(_))).count();
        assert_eq!(text, 400, "each malformed row's SSN, found as text");
        assert_eq!(out.findings.len(), 2_000 + 1_600);
        // The text pass, the malformed rows' pass and the SSNs alone.
        let read = scratch.stats().bytes;
        assert!(read < 3 * data.len() as u64, "{read} bytes given to the engine for {} bytes", data.len());
    }

    #[test]
    fn text_rows_do_not_depend_on_block_boundaries() {
        // Found by the property test below: the malformed third row's card
        // number must read the same, keyword and all, whatever the blocks.
        let data = b"card_number;jane@example.com\r\ncard_number\n4954255503491068,";
        let whole = scan(data, b',', 1 << 20, usize::MAX, MAX_RECORD);
        assert_eq!(whole.findings.len(), 2);
        for chunk in [1, 5, 40] {
            assert_eq!(scan(data, b',', chunk, 1, MAX_RECORD).findings, whole.findings, "chunk {chunk}");
        }
    }

    #[test]
    fn plain_records_are_split_only_where_a_match_lands() {
        let mut data = String::from("id,ref,note\n");
        for i in 0..40 {
            let note = match i % 4 {
                0 => "\"quoted, with a comma\"".to_string(),
                1 if i == 13 => "write to jane@example.com".to_string(),
                2 if i == 22 => "1,2".to_string(),
                _ => "plain".to_string(),
            };
            data.push_str(&format!("{i},r{i},{note}\n"));
        }
        let lazy = scan_lazy(data.as_bytes(), b',', 1 << 20, 0, MAX_RECORD, true);
        assert_eq!(found(&lazy), ["EMAIL_ADDRESS jane@example.com @ r15c3:note"]);
        let split = scan_lazy(data.as_bytes(), b',', 1 << 20, 0, MAX_RECORD, false);
        assert_eq!((&lazy.findings, &lazy.problems), (&split.findings, &split.problems));
        assert!(lazy.problems[0].reason.contains("row 24 (line 24) does not parse: 4 fields, expected 3"));

        // The records' fields are counted, then split for the one the match reaches.
        let opts = Options::default();
        let x = Extractor::new(scanner(), &opts);
        let mut table = Table::new(&x, Layout::new(b','), "t.csv", MAX_RECORD);
        let mut w = Window::over(data.as_bytes());
        let mut pos = table.read_start(&mut w);
        let (mut recs, mut fields) = (Vec::new(), Vec::new());
        table.read_block(&mut w, &mut pos, &mut recs, &mut fields, u64::MAX);
        assert_eq!(recs.len(), 1, "the header is a block of its own");
        table.read_block(&mut w, &mut pos, &mut recs, &mut fields, u64::MAX);
        // Rows 2 to 23 and 25 to 41 in two runs, row 24 malformed.
        let unread_rows = |recs: &[Rec]| recs.iter().filter(|r| r.unread).map(|r| r.rows).sum::<u64>();
        assert_eq!((recs.len(), unread_rows(&recs), fields.len()), (3, 39, 0));
        assert_eq!((recs[0].row, recs[0].rows, recs[1].row, recs[2].row, recs[2].rows), (2, 22, 24, 25, 17));
        let at = data.find("jane").unwrap() as u64;
        let mut units = CellUnits {
            recs: &mut recs,
            fields: &mut fields,
            w: &w,
            delimiter: b',',
            columns: &table.layout.columns,
            contexts: &table.layout.contexts,
            has_header: true,
            last: Default::default(),
        };
        let reached = at..at + 16;
        assert!(units.materialize(std::slice::from_ref(&reached)));
        assert!(!units.materialize(std::slice::from_ref(&reached)), "already split");
        assert_eq!(units.count(), 3);
        assert_eq!(units.span(2).start, at - 9);
        // The run split around the record reached, which keeps its row.
        assert_eq!(unread_rows(&recs), 38);
        let rows: Vec<(u64, u64, bool)> = recs.iter().map(|r| (r.row, r.rows, r.unread)).collect();
        assert_eq!(rows, [(2, 13, true), (15, 1, false), (16, 8, true), (24, 1, false), (25, 17, true)]);
        assert_eq!(recs[1].start, data.find("13,r13").unwrap() as u64);
    }

    #[test]
    fn runs_read_through_a_moving_window_as_from_memory() {
        // 20,000 rows read 4 KiB at a time in blocks of 16 KiB: the window
        // moves under the runs' masks many times.
        let mut data = String::from("id,note,extra\n");
        for i in 0..20_000 {
            let note = match i % 997 {
                5 => "\"write to jane@example.com\"".to_string(),
                9 => "a,b,c".to_string(),
                _ => format!("\"n{i}, ok\""),
            };
            data += &format!("{i},{note},x\n");
        }
        let whole = scan_lazy(data.as_bytes(), b',', 16 * 1024, 0, MAX_RECORD, false);
        for step in [4096, 777] {
            let runs = scan_lazy(data.as_bytes(), b',', 16 * 1024, step, MAX_RECORD, true);
            assert_eq!((&runs.findings, &runs.problems), (&whole.findings, &whole.problems), "step {step}");
        }
        assert_eq!(whole.findings.len(), 21);
        assert!(whole.problems.iter().any(|p| p.reason.contains("5 fields, expected 3")));
    }

    #[test]
    fn tries_of_runs_that_find_none_grow_apart() {
        // 1,000 records with a quoted line break each, then 1,000 of one line.
        let mut data = String::from("id,note,extra\n");
        for i in 0..1000 {
            data += &format!("{i},\"two\nlines\",x\n");
        }
        let multi_end = data.len() as u64;
        for i in 0..1000 {
            data += &format!("{i},one line,x\n");
        }
        let opts = Options::default();
        let x = Extractor::new(scanner(), &opts);
        let mut table = Table::new(&x, Layout::new(b','), "t.csv", MAX_RECORD);
        let mut w = Window::over(data.as_bytes());
        let mut pos = table.read_start(&mut w);
        let (mut recs, mut fields) = (Vec::new(), Vec::new());
        table.read_block(&mut w, &mut pos, &mut recs, &mut fields, u64::MAX);
        table.read_block(&mut w, &mut pos, &mut recs, &mut fields, multi_end);
        assert_eq!((pos, table.run_backoff), (multi_end, MAX_RUN_PAUSE), "tries every 256 records");
        assert!(recs.iter().all(|r| r.rows == 1));
        // The one-line records: within a pause, then one run to the end.
        table.read_block(&mut w, &mut pos, &mut recs, &mut fields, u64::MAX);
        assert_eq!((pos, table.run_backoff), (data.len() as u64, 0));
        assert!(recs.len() < 257 && recs.last().is_some_and(|r| r.rows > 700), "{}", recs.len());
    }

    #[test]
    fn records_follow_a_block_with_matches_in_most_records_split_at_once() {
        // Records of 24 bytes, blocks of 10: the second block's records hold e-mail addresses.
        let mut data = String::from("id,note\n");
        for i in 0..40 {
            let note =
                if (10..20).contains(&i) { format!("user{i:02}@example.com") } else { "nobody; nowhere".to_string() };
            data.push_str(&format!("{i:02},{note:>20}\n"));
        }
        let opts = Options::default();
        let x = Extractor::new(scanner(), &opts);
        let mut table = Table::new(&x, Layout::new(b','), "t.csv", MAX_RECORD);
        table.chunk = 240;
        let mut w = Window::over(data.as_bytes());
        let mut scratch = scanner().scratch();
        let mut out = Collect::default();
        let mut pos = table.read_start(&mut w);
        let (mut recs, mut fields) = (Vec::new(), Vec::new());
        let mut unread = Vec::new();
        while pos < data.len() as u64 {
            let start = pos;
            table.read_block(&mut w, &mut pos, &mut recs, &mut fields, u64::MAX);
            unread.push((recs.iter().filter(|r| r.unread).map(|r| r.rows).sum::<u64>(), table.dense));
            assert!(table.scan_block(&mut scratch, &mut w, start..pos, &mut recs, &mut fields, &mut out));
        }
        // The header, then blocks of counted records, but for the block
        // after the one with matches in most of its records: split at once.
        assert_eq!(unread, [(0, false), (10, false), (10, false), (0, true), (10, false)]);
        assert_eq!(out.findings.len(), 10);
    }

    /// Pieces that make table-looking garbage: any mix must scan without
    /// panicking, and give the same result in any block size.
    const PIECES: &[&[u8]] = &[
        b",",
        b";",
        b"\"",
        b"\"\"",
        b"\n",
        b"\r\n",
        b"\r",
        b" ",
        b"ssn",
        b"512483921",
        b"jane@example.com",
        b"\xef\xbb\xbf",
        b"a",
        b"4954255503491068",
        b"card_number",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn arbitrary_input_never_panics(picks in proptest::collection::vec(0..PIECES.len(), 0..80)) {
            let data: Vec<u8> = picks.iter().flat_map(|&i| PIECES[i].iter().copied()).collect();
            let whole = scan(&data, b',', 1 << 20, usize::MAX, MAX_RECORD);
            let small = scan(&data, b',', 5, 3, 30);
            let tiny = scan(&data, b',', 1, 1, MAX_RECORD);
            proptest::prop_assert_eq!(&whole.findings, &tiny.findings);
            proptest::prop_assert_eq!(&whole.problems, &tiny.problems);
            proptest::prop_assert_eq!(small.scanned.len(), 1);
        }

        #[test]
        fn counted_records_give_what_split_records_give(
            picks in proptest::collection::vec(0..PIECES.len(), 0..80),
            chunk in 1usize..64,
        ) {
            let data: Vec<u8> = picks.iter().flat_map(|&i| PIECES[i].iter().copied()).collect();
            let lazy = scan_lazy(&data, b',', chunk, 7, MAX_RECORD, true);
            let split = scan_lazy(&data, b',', chunk, 7, MAX_RECORD, false);
            proptest::prop_assert_eq!(&lazy.findings, &split.findings);
            proptest::prop_assert_eq!(&lazy.problems, &split.problems);
        }

        /// Tables whose rows mostly have the header's fields, read in runs of
        /// counted records split where matches land: the findings (rows
        /// and columns) and problems of records split one by one.
        #[test]
        fn tables_read_in_runs_give_what_split_records_give(
            rows in proptest::collection::vec((0..4 * CELLS.len(), 0..4 * CELLS.len(), 0..8usize), 0..60),
            crlf in proptest::bool::ANY,
            chunk in 1usize..600,
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut data = format!("id,note,extra{end}");
            // Matches in few records, as in most tables (in most, records are split at once).
            let cell = |k: usize| CELLS.get(k).copied().unwrap_or("plain");
            for (i, &(a, b, kind)) in rows.iter().enumerate() {
                let (a, b) = (cell(a), cell(b));
                data += &match kind {
                    // Mostly well-formed rows; some with a field too many, blank, or over two lines.
                    0 => format!("{i},{a},{b},x{end}"),
                    1 => end.to_string(),
                    2 => format!("{i},\"two{end}lines {a}\",{b}{end}"),
                    _ => format!("{i},{a},{b}{end}"),
                };
            }
            for step in [0, 7] {
                let lazy = scan_lazy(data.as_bytes(), b',', chunk, step, MAX_RECORD, true);
                let split = scan_lazy(data.as_bytes(), b',', chunk, step, MAX_RECORD, false);
                proptest::prop_assert_eq!(&lazy.findings, &split.findings);
                proptest::prop_assert_eq!(&lazy.problems, &split.problems);
            }
        }
    }

    /// Cells of [`tables_read_in_runs_give_what_split_records_give`]: plain,
    /// quoted, and matches (one over two cells: a card number with a space).
    const CELLS: &[&str] = &[
        "plain",
        "12",
        "\"a, b\"",
        "\"say \"\"hi\"\"\"",
        "jane@example.com",
        "\"mail jane@example.com now\"",
        "4954255503491068",
        "4954 2555",
        "0349 1068",
        "",
    ];
}

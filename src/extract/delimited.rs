//! Delimited tables (CSV, TSV, `;`, `|`): findings placed at row and column,
//! column names acting as keywords for every value in their column.
//!
//! The table is read in blocks of whole records. Each block is scanned as
//! text, and each match is placed in its cell from the field byte ranges that
//! a small RFC 4180 parser (`records.rs`) finds. Cells of columns whose name
//! carries keywords (`ssn`, `card_number`, `dob`) are also scanned one by one
//! with that keyword context (Macie's rule: the column name satisfies the
//! keyword requirement). See `blocks.rs` for how both passes combine.
//!
//! Rows that do not parse (an unterminated quote, a field count different from
//! the first row's) are scanned as text, with a warning. Memory stays bounded
//! by a few blocks plus the longest record, itself bounded by [`MAX_RECORD`].

use std::io::Read;
use std::ops::Range;

use crate::Scratch;
use crate::detect::{Context, Scanner};
use crate::extract::blocks::{self, Emitter, Hit, Place, Unit, Units, Window};
use crate::extract::records::{self, Field, Parsed, QuoteIssue, QuoteMemo};
use crate::extract::{Extractor, Format};
use crate::report::{CellLocation, Location, Problem, Scanned, Sink};

/// The longest record read as a record; a longer one is cut at its first
/// line break and read as text (it is usually an unterminated quote).
pub(crate) const MAX_RECORD: u64 = 16 << 20;

/// Records examined to decide whether the first row is a header.
const HEADER_SAMPLE: usize = 20;

/// Malformed rows reported one by one; the rest are counted in one warning.
const MAX_WARNINGS: u64 = 10;

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
fn scan_limited(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    mut w: Window<'_>,
    delimiter: u8,
    source: &str,
    max_record: u64,
    sink: &mut dyn Sink,
) -> bool {
    let opts = x.options();
    let mut table = Table {
        scanner: x.scanner(),
        delimiter,
        chunk: opts.text.chunk_size.max(1) as u64,
        max_record,
        columns: Vec::new(),
        contexts: vec![Context::none()],
        expected: 0,
        row: 0,
        has_header: false,
        header_end: 0,
        malformed: 0,
        emit: Emitter::new(source, opts.text.show_values),
        memo: QuoteMemo::default(),
    };
    let go_on = table.run(scratch, &mut w, sink);
    if let Some(e) = w.take_error() {
        sink.problem(Problem::partial(source, format!("read error after {} bytes: {e}", w.end())));
    }
    if table.malformed > MAX_WARNINGS {
        let more = table.malformed - MAX_WARNINGS;
        sink.problem(Problem::warning(source, format!("{more} more malformed rows scanned as text")));
    }
    sink.scanned(Scanned {
        source: source.to_string(),
        format: Format::Delimited(delimiter).name().into(),
        bytes: w.end(),
        findings: table.emit.findings,
        binary: false,
        container: false,
    });
    go_on
}

/// A column from the header.
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
    /// 1-based row (the header, if any, is row 1).
    row: u64,
    /// Its fields in the block's field list (empty when malformed).
    fields: Range<usize>,
    /// Why the record is read as text.
    malformed: Option<String>,
}

/// A block's cells as units: the fields of its well-formed records (a
/// malformed record has none), each with its column's keyword context.
struct CellUnits<'a> {
    recs: &'a [Rec],
    fields: &'a [Field],
    columns: &'a [Column],
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

impl CellUnits<'_> {
    /// The keyword context of column `ci` in record `rec` (none in the header).
    fn ctx(&self, rec: &Rec, ci: usize) -> u32 {
        if rec.row == 1 && self.has_header { 0 } else { self.columns.get(ci).map_or(0, |c| c.ctx) }
    }
}

impl Units for CellUnits<'_> {
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

    fn forced(&self, out: &mut Vec<usize>) {
        if self.columns.iter().all(|c| c.ctx == 0) {
            return;
        }
        for rec in self.recs {
            let cells = rec.fields.clone();
            out.extend(cells.clone().filter(|&i| self.ctx(rec, i - cells.start) != 0));
        }
    }
}

/// The state of one table scan.
struct Table<'a> {
    scanner: &'a Scanner,
    delimiter: u8,
    chunk: u64,
    /// Records longer than this are cut at their first line break.
    max_record: u64,
    columns: Vec<Column>,
    /// Keyword contexts of the columns; index 0 is no context.
    contexts: Vec<Context>,
    /// Fields per record, from the first record (0 before it).
    expected: usize,
    /// Rows read so far.
    row: u64,
    /// Whether row 1 is a header.
    has_header: bool,
    /// Where the header row ends, once read: the text scan of the data rows
    /// starts there, so that column names count for their own column only.
    header_end: u64,
    /// Malformed rows so far.
    malformed: u64,
    emit: Emitter<'a>,
    memo: QuoteMemo,
}

impl Table<'_> {
    fn run(&mut self, scratch: &mut Scratch, w: &mut Window<'_>, sink: &mut dyn Sink) -> bool {
        let context = self.scanner.context_len() as u64;
        w.fill_to(self.chunk.max(64 * 1024) + context);
        let mut pos = if w.bytes().starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        self.read_header(w, pos);
        let mut recs: Vec<Rec> = Vec::new();
        let mut fields: Vec<Field> = Vec::new();
        loop {
            w.fill_to(pos + self.chunk + context);
            if pos >= w.end() && w.eof() {
                return true;
            }
            let block_start = pos;
            let long_line = self.read_block(w, &mut pos, &mut recs, &mut fields);
            if long_line {
                self.row += 1;
                self.warn(w, pos, self.row, &format!("line longer than {} bytes", self.max_record), sink);
                let (end, go_on) =
                    blocks::scan_long_line(self.scanner, scratch, w, pos, self.chunk, &mut self.emit, sink);
                if !go_on {
                    return false;
                }
                pos = end;
                continue;
            }
            if !self.scan_block(scratch, w, block_start..pos, &recs, &fields, sink) {
                return false;
            }
            w.release_before(pos.saturating_sub(context), &mut self.emit.lines);
        }
    }

    /// Reads whole records from `*pos` into `recs` and `fields` until they
    /// cover a chunk, advancing `*pos`. Returns true, reading nothing, when
    /// the record at `*pos` is one line longer than the record limit.
    fn read_block(&mut self, w: &mut Window<'_>, pos: &mut u64, recs: &mut Vec<Rec>, fields: &mut Vec<Field>) -> bool {
        let block_start = *pos;
        recs.clear();
        fields.clear();
        loop {
            let before = fields.len();
            let parsed =
                records::parse(w.bytes(), w.rel(*pos), self.delimiter, w.eof(), w.base(), fields, &mut self.memo);
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
                        self.classify(w, *pos, end, before, fields, quote)
                    };
                    *pos = rec.end;
                    let header = rec.row == 1 && self.has_header;
                    recs.push(rec);
                    if header {
                        // The header is a block of its own (see `header_end`).
                        self.header_end = *pos;
                        return false;
                    }
                }
            }
            if *pos - block_start >= self.chunk {
                return false;
            }
        }
    }

    /// A record over the length limit, read as text from `start` to `end`.
    fn too_long(&mut self, start: u64, end: u64, fields: usize) -> Rec {
        self.row += 1;
        let reason = format!("record longer than {} bytes", self.max_record);
        Rec { start, end, row: self.row, fields: fields..fields, malformed: Some(reason) }
    }

    /// Decides whether the record at `start..end`, whose fields were pushed
    /// from index `first`, is well formed; a malformed record spanning several
    /// lines is cut after its first line (the parser resumes there).
    fn classify(
        &mut self,
        w: &Window<'_>,
        start: u64,
        end: u64,
        first: usize,
        fields: &mut Vec<Field>,
        quote: QuoteIssue,
    ) -> Rec {
        let count = fields.len() - first;
        if self.expected == 0 {
            self.expected = count;
        }
        let multi_line = || memchr::memchr(b'\n', w.get(start..end - 1)).map(|i| start + i as u64 + 1);
        let reason = match quote {
            QuoteIssue::Unterminated => Some("unterminated quoted field".to_string()),
            QuoteIssue::Stray if multi_line().is_some() => Some("unbalanced quotes".to_string()),
            _ if count != self.expected => Some(format!("{count} fields, expected {}", self.expected)),
            _ => None,
        };
        self.row += 1;
        match reason {
            None => Rec { start, end, row: self.row, fields: first..fields.len(), malformed: None },
            Some(reason) => {
                fields.truncate(first);
                let end = multi_line().unwrap_or(end);
                Rec { start, end, row: self.row, fields: first..first, malformed: Some(reason) }
            }
        }
    }

    /// Reads the first records to decide whether the first row is a header,
    /// and names the columns (and their keyword contexts) if it is.
    fn read_header(&mut self, w: &Window<'_>, pos: u64) {
        let mut fields = Vec::new();
        let mut rows: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut at = w.rel(pos);
        let mut memo = QuoteMemo::default();
        while rows.len() < HEADER_SAMPLE {
            fields.clear();
            match records::parse(w.bytes(), at, self.delimiter, w.eof(), w.base(), &mut fields, &mut memo) {
                Parsed::Record { end, .. } => {
                    rows.push(fields.iter().map(|f| records::unquote(w.get(f.start..f.end))).collect());
                    at = end;
                }
                Parsed::Blank(end) => at = end,
                Parsed::End | Parsed::Incomplete => break,
            }
        }
        if rows.is_empty() || !records::looks_like_header(&rows) {
            return;
        }
        for (i, cell) in rows[0].iter().enumerate() {
            let name = String::from_utf8_lossy(cell).trim().to_string();
            let name = if name.is_empty() { format!("column_{}", i + 1) } else { name };
            let ctx = self.scanner.context_for(&name);
            let ctx = if ctx.is_empty() {
                0
            } else {
                self.contexts.push(ctx);
                (self.contexts.len() - 1) as u32
            };
            self.columns.push(Column { name, ctx });
        }
        self.has_header = true;
    }

    fn scan_block(
        &mut self,
        scratch: &mut Scratch,
        w: &mut Window<'_>,
        block: Range<u64>,
        recs: &[Rec],
        fields: &[Field],
        sink: &mut dyn Sink,
    ) -> bool {
        if block.is_empty() {
            return true;
        }
        w.fill_to(block.end + self.scanner.context_len() as u64);
        let text: Vec<Range<u64>> = recs.iter().filter(|r| r.malformed.is_some()).map(|r| r.start..r.end).collect();
        let units =
            CellUnits { recs, fields, columns: &self.columns, has_header: self.has_header, last: Default::default() };
        let bounds = match recs.first() {
            Some(r) if r.row == 1 && self.has_header => 0..self.header_end,
            _ => self.header_end..u64::MAX,
        };
        let hits =
            blocks::scan_block(self.scanner, scratch, w, block, bounds, &units, &text, &self.contexts, &|_, _| {});
        // Findings and warnings go out in file order.
        let mut warnings = recs.iter().filter(|r| r.malformed.is_some()).peekable();
        for hit in &hits {
            while let Some(rec) = warnings.next_if(|r| r.start <= hit.start) {
                self.warn(w, rec.start, rec.row, rec.malformed.as_deref().unwrap_or("malformed"), sink);
            }
            let location = self.locate(w, hit, recs);
            if !self.emit.send(self.scanner, w, hit, location, sink) {
                return false;
            }
        }
        for rec in warnings {
            self.warn(w, rec.start, rec.row, rec.malformed.as_deref().unwrap_or("malformed"), sink);
        }
        true
    }

    fn column_name(&self, index: usize) -> String {
        match self.columns.get(index) {
            Some(c) => c.name.clone(),
            None => format!("column_{}", index + 1),
        }
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
                    column: self.column_name(ci),
                })
            }
        }
    }

    /// Reports the row at `pos` as read as text (one by one up to [`MAX_WARNINGS`]).
    fn warn(&mut self, w: &Window<'_>, pos: u64, row: u64, reason: &str, sink: &mut dyn Sink) {
        let (line, _) = self.emit.lines.at(w, pos);
        self.malformed += 1;
        if self.malformed <= MAX_WARNINGS {
            let msg = format!("row {row} (line {line}) does not parse: {reason}; scanned as text");
            sink.problem(Problem::warning(self.emit.source, msg));
        }
    }
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
        let mut opts = Options::default();
        opts.text.chunk_size = chunk;
        opts.text.show_values = true;
        let x = Extractor::new(scanner(), &opts);
        let mut scratch = scanner().scratch();
        let mut out = Collect::default();
        let mut reader = Dribble { data, step };
        let w = if step == 0 { Window::over(data) } else { Window::new(&mut reader) };
        scan_limited(&x, &mut scratch, w, delimiter, "t.csv", max_record, &mut out);
        out
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
        }
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
    }
}

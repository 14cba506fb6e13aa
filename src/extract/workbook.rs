//! Spreadsheet workbooks (Excel `.xlsx`, `.xlsm`, `.xlsb`, `.xls`,
//! OpenDocument `.ods`), read with the `calamine` crate: every worksheet, hidden ones
//! included, is scanned as a table, and each finding is placed at its cell
//! (`Sheet1!C5`, Macie's `cellReference`). `office` recognizes workbooks
//! and scans their other members.
//!
//! Each worksheet's used range is written out row by row as CSV and given
//! to the table reader (`delimited`), so that a sheet gets everything a CSV
//! file gets: column names as keywords for the values under them, the text
//! pass over whole blocks of rows, the per-value scans with context. Its
//! locations are then moved from the CSV's rows and columns to the sheet's:
//! row 1 of the CSV is the first row of the table, which need not be the
//! sheet's row 1 (see [`header_row`] for titles above a table).
//!
//! Cells are written as a spreadsheet shows them where that matters for
//! detection: whole numbers without a fraction (an SSN or an account number
//! typed into a cell is stored as a float), dates as ISO dates
//! (`1984-07-02`, so that a date of birth is one), text as it is.
//! Fractional numbers are measurements, not identifiers, and are left out
//! (as in Parquet columns).
//!
//! An `.xlsx` sheet is read from its XML as it is scanned, a row at a
//! time, so that memory does not grow with the sheet (only the workbook's
//! shared strings are held); `.xlsb`, `.xls` and `.ods` sheets are read whole by
//! `calamine` first (`office` checks their size against the buffer limit).

use std::io::{self, Read};

use calamine::{Data, Ods, Range, Reader, Sheets, Xls, Xlsb, Xlsx};

use crate::Scratch;
use crate::extract::guard::quietly;
use crate::extract::names::NameMask;
use crate::extract::office::Kind;
use crate::extract::values::write_float;
use crate::extract::{Extractor, delimited};
use crate::report::{Finding, Location, Problem, Scanned, Sink};

/// Scans the sheets of workbook `reader` (of kind `kind`, a workbook) as
/// tables (see the module docs). Returns whether the scan should go on, or
/// why the workbook could not be opened (nothing is reported then). A
/// sheet that cannot be read is reported as partly scanned. The workbook
/// library's panics on damaged files are errors here (`guard::quietly`).
pub(crate) fn scan<R: Read + io::Seek>(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: R,
    kind: Kind,
    source: &str,
    sink: &mut dyn Sink,
) -> Result<bool, String> {
    let open = || -> Result<Sheets<R>, calamine::Error> {
        Ok(match kind {
            Kind::Xlsx => Sheets::Xlsx(Xlsx::new(reader)?),
            Kind::Xlsb => Sheets::Xlsb(Xlsb::new(reader)?),
            Kind::Ods => Sheets::Ods(Ods::new(reader)?),
            Kind::Xls => Sheets::Xls(Xls::new(reader)?),
            other => unreachable!("{} is not a workbook", other.name()),
        })
    };
    let mut book = quietly(READER, open)?.map_err(|e| e.to_string())?;
    let mut sheets = Sheet::new(sink);
    for name in book.sheet_names() {
        let read = quietly(READER, || match &mut book {
            Sheets::Xlsx(xlsx) => stream_sheet(x, scratch, xlsx, &name, source, &mut sheets),
            other => {
                other.worksheet_range(&name).map(|range| scan_range(x, scratch, &range, &name, source, &mut sheets))
            }
        });
        match read.and_then(|r| r.map_err(|e| e.to_string())) {
            Ok(true) => {}
            Ok(false) => return Ok(false),
            Err(e) => sheets.inner.problem(Problem::partial(source, format!("sheet {name:?} could not be read: {e}"))),
        }
    }
    Ok(true)
}

/// Who fails when the workbook library panics.
const READER: &str = "the workbook reader";

/// Scans one worksheet held in memory (its used range) as a table (see
/// the module docs).
fn scan_range(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    range: &Range<Data>,
    name: &str,
    source: &str,
    sink: &mut Sheet<'_>,
) -> bool {
    let Some((row0, col0)) = range.start() else { return true };
    let at = Start { row: row0, col: col0, width: range.width() };
    scan_rows(x, scratch, range.rows().map(<[Data]>::to_vec), at, name, source, sink)
}

/// Scans one `.xlsx` worksheet as a table, its rows read from the sheet's
/// XML as they are scanned: only a row is held in memory, whatever the
/// size of the sheet. Errors that end the sheet early are reported as a
/// partial scan.
fn stream_sheet<RS: Read + io::Seek>(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    book: &mut Xlsx<RS>,
    name: &str,
    source: &str,
    sink: &mut Sheet<'_>,
) -> Result<bool, calamine::Error> {
    let cells = book.worksheet_cells_reader(name)?;
    let dims = cells.dimensions();
    let mut rows = StreamedRows { cells, row: 0, pending: None, done: false, error: None };
    let Some(first) = rows.fill()? else { return Ok(true) };
    // Rows start at column A, whatever the used range the sheet declares
    // (a cell left of a wrong declaration would otherwise have no place);
    // they are as wide as the declared range reaches, when the sheet
    // declares one (a range of more than its first cell), else as the
    // first rows.
    let width = if dims.len() > 1 { dims.end.1 as usize + 1 } else { 0 };
    rows.row = first;
    let at = Start { row: first, col: 0, width };
    let go_on = scan_rows(x, scratch, rows.by_ref(), at, name, source, sink);
    if let Some(e) = rows.error {
        sink.inner.problem(Problem::partial(
            source,
            format!("sheet {name:?}: read error at row {}: {e}; the rows after it are not scanned", rows.row + 1),
        ));
    }
    Ok(go_on)
}

/// Where a sheet's rows start: the 0-based row and column of the first
/// cell of the first row given, and how many cells a row has at least.
#[derive(Clone, Copy)]
struct Start {
    row: u32,
    col: u32,
    width: usize,
}

/// Scans a worksheet's `rows` from `at` as a table: the rows above its
/// header row (see [`header_row`]) as a table of their own, then the rest.
fn scan_rows(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    mut rows: impl Iterator<Item = Vec<Data>>,
    at: Start,
    name: &str,
    source: &str,
    sink: &mut Sheet<'_>,
) -> bool {
    let mut head: Vec<Vec<Data>> = rows.by_ref().take(HEADER_ROWS).collect();
    // Every row as wide as the widest of the first (a row that is wider
    // still is scanned as text by the table reader, with a warning).
    let width = head.iter().map(Vec::len).max().unwrap_or(0).max(at.width);
    let pad = move |mut row: Vec<Data>| {
        if row.len() < width {
            row.resize(width, Data::Empty);
        }
        row
    };
    let header = header_row(&head);
    let table = head.split_off(header);
    if header > 0 {
        // Title rows above the table: a table of their own.
        sink.begin(x, name, at.row, at.col);
        let mut titles = SheetCsv { rows: head.into_iter().map(pad), buf: Vec::new(), at: 0 };
        if !delimited::scan_stream(x, scratch, &mut titles, b',', source, sink) {
            return false;
        }
    }
    sink.begin(x, name, at.row + header as u32, at.col);
    let mut table = SheetCsv { rows: table.into_iter().chain(rows).map(pad), buf: Vec::new(), at: 0 };
    delimited::scan_stream(x, scratch, &mut table, b',', source, sink)
}

/// Rows looked at for a sheet's header.
const HEADER_ROWS: usize = 10;

/// The index in `rows` (a sheet's first rows) of the row where its table
/// starts (its header, when it has one): the first with more than half as
/// many filled cells as the fullest. Rows above it are titles and notes
/// (`Customer export, March`), whose one filled cell would otherwise name
/// the first column and leave the others unnamed.
fn header_row(rows: &[Vec<Data>]) -> usize {
    let filled: Vec<usize> = rows.iter().map(|r| r.iter().filter(|c| !matches!(c, Data::Empty)).count()).collect();
    let most = filled.iter().copied().max().unwrap_or(0);
    filled.iter().position(|&n| n * 2 > most).unwrap_or(0)
}

/// The rows of an `.xlsx` worksheet read from its cells as they come, in
/// the sheet's order, each from column A: rows without cells between two
/// with cells are given as empty rows, so that each row and cell keeps
/// its place.
struct StreamedRows<'a, RS: Read + io::Seek> {
    cells: calamine::XlsxCellReader<'a, RS>,
    /// The 0-based sheet row given next.
    row: u32,
    /// A cell read but not given yet: the first of a later row.
    pending: Option<calamine::Cell<calamine::DataRef<'a>>>,
    done: bool,
    /// The error that ended the sheet early.
    error: Option<calamine::XlsxError>,
}

impl<RS: Read + io::Seek> StreamedRows<'_, RS> {
    /// Reads the next cell into `pending` if there is none there, and
    /// returns its row (`None` at the end of the sheet).
    fn fill(&mut self) -> Result<Option<u32>, calamine::XlsxError> {
        if self.pending.is_none() && !self.done {
            match self.cells.next_cell()? {
                Some(c) => self.pending = Some(c),
                None => self.done = true,
            }
        }
        Ok(self.pending.as_ref().map(|c| c.get_position().0))
    }
}

impl<RS: Read + io::Seek> Iterator for StreamedRows<'_, RS> {
    type Item = Vec<Data>;

    fn next(&mut self) -> Option<Vec<Data>> {
        let mut row = Vec::new();
        loop {
            match self.fill() {
                Ok(Some(r)) if r <= self.row => {
                    let cell = self.pending.take().expect("a pending cell");
                    let i = cell.get_position().1 as usize;
                    if row.len() <= i {
                        row.resize(i + 1, Data::Empty);
                    }
                    row[i] = Data::from(cell.get_value().clone());
                }
                // A later row's cell: this row is complete.
                Ok(Some(_)) => break,
                Ok(None) if row.is_empty() => return None,
                Ok(None) => break,
                Err(e) => {
                    (self.error, self.done, self.pending) = (Some(e), true, None);
                    if row.is_empty() {
                        return None;
                    }
                    break;
                }
            }
        }
        self.row += 1;
        Some(row)
    }
}

/// A worksheet's rows as CSV, written as they are read.
struct SheetCsv<I> {
    rows: I,
    buf: Vec<u8>,
    at: usize,
}

impl<I: Iterator<Item = Vec<Data>>> Read for SheetCsv<I> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.buf.len() {
            let Some(row) = self.rows.next() else { return Ok(0) };
            self.buf.clear();
            self.at = 0;
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    self.buf.push(b',');
                }
                write_field(&mut self.buf, cell);
            }
            self.buf.push(b'\n');
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Writes `cell` as a CSV field: quoted when it holds a comma, a quote or
/// a line break.
fn write_field(out: &mut Vec<u8>, cell: &Data) {
    let start = out.len();
    write_cell(out, cell);
    if out[start..].iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        let value = out.split_off(start);
        out.push(b'"');
        for &b in &value {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    }
}

/// Writes the text a cell is scanned as (see the module docs).
fn write_cell(out: &mut Vec<u8>, cell: &Data) {
    match cell {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => out.extend_from_slice(s.as_bytes()),
        Data::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Data::Float(f) => write_float(out, *f),
        Data::Bool(b) => out.extend_from_slice(if *b { b"TRUE" } else { b"FALSE" }),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if d.is_datetime() => {
                use std::io::Write;
                // A serial's fraction is the time of day: `1984-07-02`, or
                // `1984-07-02 12:00:00`.
                let _ = if d.as_f64().fract() == 0.0 { write!(out, "{}", t.date()) } else { write!(out, "{t}") };
            }
            _ => write_float(out, d.as_f64()),
        },
        Data::Error(_) | Data::Empty => {}
    }
}

/// The column letters of 0-based column `col`: `A`, ..., `Z`, `AA`, ...
fn column_letters(col: u64) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        n -= 1;
        letters.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// A sheet name as a cell reference writes it: quoted (`'Q1 data'!B2`,
/// a quote doubled) unless it is letters, digits and underscores.
fn quoted_sheet(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

/// Passes a sheet's findings on with the sheet's rows, columns and cell
/// references.
struct Sheet<'a> {
    inner: &'a mut dyn Sink,
    /// The sheet's name as cell references write it, masked like column names.
    sheet: String,
    /// The sheet's 0-based row and column of the table's first row and column.
    row0: u64,
    col0: u64,
    names: NameMask,
}

impl<'a> Sheet<'a> {
    fn new(inner: &'a mut dyn Sink) -> Sheet<'a> {
        Sheet { inner, sheet: String::new(), row0: 0, col0: 0, names: NameMask::default() }
    }

    /// Starts the sheet named `name`, whose used range starts at 0-based
    /// row `row0` and column `col0`.
    fn begin(&mut self, x: &Extractor<'_>, name: &str, row0: u32, col0: u32) {
        let masked = if x.options().text.show_values { None } else { self.names.masked_column(x.scanner(), name) };
        self.sheet = quoted_sheet(masked.as_deref().unwrap_or(name));
        (self.row0, self.col0) = (u64::from(row0), u64::from(col0));
    }
}

impl Sink for Sheet<'_> {
    fn finding(&mut self, mut finding: Finding) -> bool {
        if let Location::Cell(c) = &mut finding.location {
            // Offsets and lines are the CSV's, which exists only here.
            (c.line, c.byte_start, c.byte_end) = (None, None, None);
            c.row += self.row0;
            c.column_index += self.col0;
            c.cell_reference = Some(format!("{}!{}{}", self.sheet, column_letters(c.column_index - 1), c.row));
        }
        self.inner.finding(finding)
    }

    fn problem(&mut self, mut problem: Problem) {
        problem.reason = format!("sheet {}: {}", self.sheet, problem.reason);
        self.inner.problem(problem);
    }

    fn scanned(&mut self, scanned: Scanned) {
        self.inner.scanned(scanned);
    }

    fn flush(&mut self) {
        self.inner.flush();
    }

    fn sync(&mut self) -> io::Result<()> {
        self.inner.sync()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Collect;

    #[test]
    fn column_letters_follow_the_spreadsheet_alphabet() {
        let cases = [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (51, "AZ"), (52, "BA"), (701, "ZZ")];
        for (col, want) in cases {
            assert_eq!(column_letters(col), want, "{col}");
        }
        // The last column of a sheet: 16,384.
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn title_rows_above_a_table_are_not_its_header() {
        let text = |s: &str| if s.is_empty() { Data::Empty } else { Data::String(s.into()) };
        let range =
            |rows: &[&[&str]]| -> Vec<Vec<Data>> { rows.iter().map(|r| r.iter().map(|c| text(c)).collect()).collect() };
        let titled =
            range(&[&["Customer export", "", ""], &["", "", ""], &["name", "ssn", "email"], &["Jo", "1", "a"]]);
        assert_eq!(header_row(&titled), 2);
        // A header with an unnamed column is still the header.
        let unnamed = range(&[&["id", "", "email"], &["1", "2", "a@b.c"]]);
        assert_eq!(header_row(&unnamed), 0);
        let one_column = range(&[&["note"], &["text"]]);
        assert_eq!(header_row(&one_column), 0);
    }

    #[test]
    fn streamed_sheets_read_as_sheets_held_in_memory() {
        // A title above the table, a table from C3, empty rows inside it,
        // a value left of it, cells of every kind.
        let mut book = rust_xlsxwriter::Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 1, "Customer export").unwrap();
        for (c, name) in ["name", "ssn", "email", "note"].iter().enumerate() {
            s.write_string(2, 2 + c as u16, *name).unwrap();
        }
        s.write_string(3, 2, "Jane Roe").unwrap();
        s.write_number(3, 3, 512_483_921.0).unwrap();
        s.write_string(3, 4, "jane.roe@example.org").unwrap();
        s.write_string(4, 2, "ann.lee@example.com").unwrap();
        s.write_string(6, 4, "john.doe@example.net").unwrap();
        s.write_string(6, 5, "card 4954 2555 0349 1068, \"paid\"\nthanks").unwrap();
        s.write_boolean(7, 2, true).unwrap();
        s.write_number(8, 1, 233_710_458.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let scanner = crate::testutil::builtin();
        let opts = crate::extract::Options::default();
        let x = Extractor::new(scanner, &opts);
        let stream = |bytes: Vec<u8>| {
            let mut xlsx = Xlsx::new(io::Cursor::new(bytes)).unwrap();
            let mut out = Collect::default();
            let go_on =
                stream_sheet(&x, &mut scanner.scratch(), &mut xlsx, "Sheet1", "t.xlsx", &mut Sheet::new(&mut out));
            assert!(go_on.unwrap());
            (out, xlsx)
        };
        let (streamed, mut xlsx) = stream(bytes.clone());
        let mut held = Collect::default();
        let range = xlsx.worksheet_range("Sheet1").unwrap();
        scan_range(&x, &mut scanner.scratch(), &range, "Sheet1", "t.xlsx", &mut Sheet::new(&mut held));
        assert_eq!(streamed.findings, held.findings);
        assert_eq!(streamed.problems, held.problems);
        // A sheet that declares a used range narrower than its cells (from
        // D4, leaving out B1, C3...) loses none of them.
        let (narrow, _) = stream(with_dimension(&bytes, "D4:F9"));
        assert_eq!(narrow.findings, streamed.findings);
        let refs: Vec<(&str, &str)> = streamed
            .findings
            .iter()
            .map(|f| match &f.location {
                Location::Cell(c) => (c.cell_reference.as_deref().unwrap(), f.data_type.as_str()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            refs,
            [
                ("Sheet1!D4", "USA_SOCIAL_SECURITY_NUMBER"),
                ("Sheet1!E4", "EMAIL_ADDRESS"),
                ("Sheet1!C5", "EMAIL_ADDRESS"),
                ("Sheet1!E7", "EMAIL_ADDRESS"),
                ("Sheet1!F7", "CREDIT_CARD_NUMBER"),
            ]
        );
    }

    /// `book` with its first sheet's declared used range replaced by `range`.
    fn with_dimension(book: &[u8], range: &str) -> Vec<u8> {
        use std::io::Write;
        let mut archive = zip::ZipArchive::new(io::Cursor::new(book)).unwrap();
        let mut out = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut member = archive.by_index(i).unwrap();
            let name = member.name().unwrap().into_owned();
            let mut data = Vec::new();
            member.read_to_end(&mut data).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                let xml = String::from_utf8(data).unwrap();
                let at = xml.find("<dimension ref=\"").unwrap() + 16;
                let end = at + xml[at..].find('"').unwrap();
                data = format!("{}{range}{}", &xml[..at], &xml[end..]).into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            out.write_all(&data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn sheet_names_are_quoted_when_references_need_it() {
        assert_eq!(quoted_sheet("Sheet1"), "Sheet1");
        assert_eq!(quoted_sheet("Q1 data"), "'Q1 data'");
        assert_eq!(quoted_sheet("Bob's"), "'Bob''s'");
        assert_eq!(quoted_sheet(""), "''");
    }

    #[test]
    fn cells_are_written_as_detection_reads_them() {
        let field = |d: Data| {
            let mut out = Vec::new();
            write_field(&mut out, &d);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(field(Data::Float(512_483_921.0)), "512483921");
        assert_eq!(field(Data::Float(32.5)), "");
        assert_eq!(field(Data::Int(-7)), "-7");
        assert_eq!(field(Data::String("a,b".into())), "\"a,b\"");
        assert_eq!(field(Data::String("say \"hi\"\nthen".into())), "\"say \"\"hi\"\"\nthen\"");
        assert_eq!(field(Data::Bool(true)), "TRUE");
        assert_eq!(field(Data::Empty), "");
        // 1984-07-02 as Excel stores it (days since 1899-12-30), and with a time.
        let date = calamine::ExcelDateTime::new(30_865.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(field(Data::DateTime(date)), "1984-07-02");
        let time = calamine::ExcelDateTime::new(30_865.5, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(field(Data::DateTime(time)), "1984-07-02 12:00:00");
    }
}

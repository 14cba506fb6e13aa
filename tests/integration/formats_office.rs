//! Office files, end to end: spreadsheet workbooks (`.xlsx`, `.ods`...)
//! and documents and presentations (`.docx`, `.pptx`, `.odt`). Workbooks
//! and Word documents are written at test time by real writers
//! (`rust_xlsxwriter`, `docx-rs`); presentations and OpenDocument text, for
//! which no maintained Rust writer exists, as zip archives of the parts
//! those applications write. Each is scanned through the library or the
//! `trawl` binary.

use std::io::{Cursor, Write};

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value as Json;
use trawl::extract::{Data, Extractor, Options};
use trawl::{Collect, Location, Severity};

use crate::util::{bin, scan_bytes, scanner};

/// A valid SSN (area 512) written without separators.
const SSN: f64 = 512_483_921.0;
/// A Luhn-valid Visa number that is not a published test number.
const CARD: &str = "4954255503491068";

/// `TYPE @ where` for each finding: the cell reference and column name of
/// a sheet's cell, else the short location.
fn found(c: &Collect) -> Vec<String> {
    c.findings
        .iter()
        .map(|f| match &f.location {
            Location::Cell(l) if l.cell_reference.is_some() => {
                format!("{} @ {} ({})", f.data_type, l.cell_reference.as_deref().unwrap(), l.column)
            }
            other => format!("{} @ {}: {}", f.data_type, f.source, other.display_short()),
        })
        .collect()
}

/// A customer table starting at B3 (title rows above it), a sheet whose
/// name needs quoting, a hidden sheet, and a sheet named by an e-mail address.
fn customers_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    sheet.set_name("Customers").unwrap();
    sheet.write_string(0, 0, "Customer export").unwrap();
    for (c, name) in ["name", "ssn", "dob", "email", "card"].iter().enumerate() {
        sheet.write_string(2, 1 + c as u16, *name).unwrap();
    }
    sheet.write_string(3, 1, "Jane Roe").unwrap();
    sheet.write_number(3, 2, SSN).unwrap();
    sheet.write_datetime_with_format(3, 3, ExcelDateTime::from_ymd(1984, 7, 2).unwrap(), &date).unwrap();
    sheet.write_string(3, 4, "jane.roe@example.org").unwrap();
    sheet.write_string(3, 5, CARD).unwrap();
    // A measurement, not an identifier: fractional numbers are not scanned.
    sheet.write_number(4, 2, 4954.255503491068).unwrap();
    let notes = book.add_worksheet();
    notes.set_name("Q1 data").unwrap();
    notes.write_string(0, 0, "note").unwrap();
    notes.write_string(1, 0, "paid with 4954 2555 0349 1068, thanks").unwrap();
    let ops = book.add_worksheet();
    ops.set_name("ops").unwrap().set_hidden(true);
    ops.write_string(0, 0, "deploy key").unwrap();
    ops.write_string(1, 0, "AKIAZ3MN5QWERT7YUIOP").unwrap();
    let named = book.add_worksheet();
    named.set_name("jane.roe@example.org").unwrap();
    named.write_string(0, 0, "contact").unwrap();
    named.write_string(1, 0, "john.doe@example.net").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn workbook_cells_are_found_at_their_sheet_references() {
    let out = scan_bytes(&customers_workbook(), "customers.xlsx");
    assert_eq!(
        found(&out),
        [
            "USA_SOCIAL_SECURITY_NUMBER @ Customers!C4 (ssn)",
            "DATE_OF_BIRTH @ Customers!D4 (dob)",
            "EMAIL_ADDRESS @ Customers!E4 (email)",
            "CREDIT_CARD_NUMBER @ Customers!F4 (card)",
            "CREDIT_CARD_NUMBER_(NO_KEYWORD) @ 'Q1 data'!A2 (note)",
            "AWS_ACCESS_KEY_ID @ ops!A2 (deploy key)",
            // The sheet's name is data too: masked like a column name.
            "EMAIL_ADDRESS @ 'j*******@example.org'!A2 (contact)",
            // The other parts are scanned as members: the workbook's list of
            // sheets and its document properties name that sheet too.
            "EMAIL_ADDRESS @ customers.xlsx!xl/workbook.xml: 2:552",
            "EMAIL_ADDRESS @ customers.xlsx!docProps/app.xml: 2:594",
        ]
    );
    let ssn = &out.findings[0];
    assert_eq!(ssn.source, "customers.xlsx");
    let Location::Cell(cell) = &ssn.location else { panic!("{:?}", ssn.location) };
    assert_eq!((cell.row, cell.column_index, cell.line, cell.byte_start), (4, 3, None, None));
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.scanned.len(), 1, "{:?}", out.scanned);
    assert_eq!(out.scanned[0].format, "xlsx");
    assert_eq!(out.scanned[0].findings, 9);
}

#[test]
fn workbooks_are_recognized_by_their_members_not_their_names() {
    let book = customers_workbook();
    let named = scan_bytes(&book, "export.bin");
    assert_eq!(named.scanned[0].format, "xlsx");
    assert_eq!(found(&named).len(), 9);
    // Inside a tar.gz: the member's name, the sheet's cell.
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(book.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "q1/customers.xlsx", &book[..]).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar.into_inner().unwrap()).unwrap();
    let out = scan_bytes(&gz.finish().unwrap(), "exports.tar.gz");
    let first = &out.findings[0];
    assert_eq!(first.source, "exports.tar.gz!q1/customers.xlsx");
    assert_eq!(found(&out)[0], "USA_SOCIAL_SECURITY_NUMBER @ Customers!C4 (ssn)");
    assert!(out.problems.is_empty(), "{:?}", out.problems);
}

/// Scans `bytes` with `opts`.
fn scan_with(bytes: &[u8], source: &str, opts: &Options) -> Collect {
    let x = Extractor::new(scanner(), opts);
    let mut out = Collect::default();
    x.scan(&mut scanner().scratch(), Data::Bytes(bytes), source, &mut out);
    out
}

#[test]
fn a_workbook_not_read_as_one_is_reported_and_scanned_as_an_archive() {
    // Over the buffer limit: its members are read as a zip archive's.
    let mut opts = Options::default();
    opts.limits.max_buffer = 100;
    let out = scan_with(&customers_workbook(), "customers.xlsx", &opts);
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].severity, Severity::Warning);
    assert!(out.problems[0].reason.contains("over the 100 byte buffer limit"), "{:?}", out.problems);
    let sources: Vec<&str> = out.findings.iter().map(|f| f.source.as_str()).collect();
    assert!(sources.contains(&"customers.xlsx!xl/sharedStrings.xml"), "{sources:?}");
    assert!(found(&out).iter().any(|f| f.starts_with("AWS_ACCESS_KEY_ID @ ")), "{:?}", found(&out));

    // A workbook whose parts do not parse: reported, its members scanned.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, data) in [
        ("xl/workbook.xml", "<workbook><sheets><sheet"),
        ("xl/worksheets/sheet1.xml", "<row><c t=\"inlineStr\"><is><t>jane.roe@example.org</t></is></c></row>"),
    ] {
        w.start_file(name, opts).unwrap();
        w.write_all(data.as_bytes()).unwrap();
    }
    let broken = w.finish().unwrap().into_inner();
    let out = scan_bytes(&broken, "broken.xlsx");
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert!(out.problems[0].reason.starts_with("not readable as a .xlsx workbook"), "{:?}", out.problems);
    assert_eq!(found(&out), ["EMAIL_ADDRESS @ broken.xlsx!xl/worksheets/sheet1.xml: 1:30"]);
}

#[test]
fn an_office_file_compressed_past_the_ratio_limit_is_read_as_an_archive() {
    // 4 MiB of one paragraph repeated: far past a ratio limit of 100.
    let body = "<w:p><w:t>lorem ipsum</w:t></w:p>".repeat(4 << 20 >> 5);
    let bomb = zip_parts(&[("word/document.xml", &body)]);
    let mut opts = Options::default();
    opts.limits.max_ratio = 100;
    let out = scan_with(&bomb, "bomb.docx", &opts);
    let reasons: Vec<&str> = out.problems.iter().map(|p| p.reason.as_str()).collect();
    assert!(
        reasons[0].starts_with("word/document.xml decompresses past the 100:1 ratio limit: not read as a document"),
        "{reasons:?}"
    );
    // The archive reading applies the limit: the member is cut, and says so.
    assert!(
        out.problems.iter().any(|p| p.source == "bomb.docx!word/document.xml" && p.severity == Severity::Partial),
        "{reasons:?}"
    );
}

#[test]
fn text_mode_reads_a_workbook_as_its_archive() {
    let opts = Options { structured: false, ..Options::default() };
    let out = scan_with(&customers_workbook(), "customers.xlsx", &opts);
    assert!(out.findings.iter().all(|f| f.source.starts_with("customers.xlsx!")), "{:?}", found(&out));
    assert!(out.scanned.iter().any(|s| s.format == "zip"), "{:?}", out.scanned);
}

#[test]
fn cli_outputs_carry_the_cell_reference() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("customers.xlsx"), customers_workbook()).unwrap();
    let run = |format: &str| {
        let out = bin().current_dir(dir.path()).args(["scan", "customers.xlsx", "-f", format]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first: Json = serde_json::from_str(run("jsonl").lines().next().unwrap()).unwrap();
    assert_eq!(first["location"]["cell_reference"], "Customers!C4");
    assert_eq!(first["location"]["row"], 4);
    assert!(first["location"].get("line").is_none(), "{first}");
    let macie: Json = serde_json::from_str(run("macie").lines().next().unwrap()).unwrap();
    let detections = &macie["classificationDetails"]["result"]["sensitiveData"];
    let refs: Vec<&str> = detections
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["detections"].as_array().unwrap())
        .flat_map(|d| d["occurrences"]["cells"].as_array().into_iter().flatten())
        .map(|c| c["cellReference"].as_str().unwrap())
        .collect();
    assert!(refs.contains(&"Customers!C4") && refs.contains(&"ops!A2"), "{refs:?}");
    assert!(run("human").contains("Customers!F4 (card)"));
}

// ---------------------------------------------------------------------------
// Documents and presentations.

/// A Word document written by `docx-rs`: a keyword and its value in
/// separate runs, a card number split over two runs, a table, a header.
fn word_document() -> Vec<u8> {
    use docx_rs::{Docx, Header, Paragraph, Run, Table, TableCell, TableRow};
    let run = |t: &str| Run::new().add_text(t);
    let cell = |t: &str| TableCell::new().add_paragraph(Paragraph::new().add_run(run(t)));
    let doc = Docx::new()
        .header(Header::new().add_paragraph(Paragraph::new().add_run(run("HR contact: hr.team@example.org"))))
        .add_paragraph(Paragraph::new().add_run(run("Offer letter")))
        .add_paragraph(Paragraph::new().add_run(run("Employee SSN: ")).add_run(run("219-44-5178").bold()))
        .add_paragraph(Paragraph::new().add_run(run("Paid with card 4954 2555 ")).add_run(run("0349 1068.")))
        .add_table(Table::new(vec![TableRow::new(vec![cell("IBAN"), cell("DE35 3704 0044 0532 0130 99")])]));
    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out).unwrap();
    out.into_inner()
}

#[test]
fn document_text_is_scanned_as_its_reader_sees_it() {
    let out = scan_bytes(&word_document(), "offer.docx");
    let found: Vec<String> = out
        .findings
        .iter()
        .map(|f| format!("{} @ {}: {}", f.data_type, f.source, f.location.display_short()))
        .collect();
    // Lines are paragraphs of the body, then of its header.
    assert_eq!(
        found,
        [
            "USA_SOCIAL_SECURITY_NUMBER @ offer.docx: 2:15",
            "CREDIT_CARD_NUMBER @ offer.docx: 3:16",
            "GERMANY_BANK_ACCOUNT_NUMBER @ offer.docx: 5:1",
            "EMAIL_ADDRESS @ offer.docx: 6:13",
        ]
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.scanned.len(), 1, "{:?}", out.scanned);
    assert_eq!((out.scanned[0].format.as_str(), out.scanned[0].findings), ("docx", 4));
    // Read as XML (`--text`), the card number split by a tag is not found.
    let opts = Options { structured: false, ..Options::default() };
    let xml = scan_with(&word_document(), "offer.docx", &opts);
    let types: Vec<&str> = xml.findings.iter().map(|f| f.data_type.as_str()).collect();
    assert!(types.contains(&"EMAIL_ADDRESS") && !types.contains(&"CREDIT_CARD_NUMBER"), "{types:?}");
}

#[test]
fn presentations_and_opendocument_text_are_read_in_order() {
    // Parts as PowerPoint and LibreOffice write them (no maintained Rust
    // writer makes these files): slides out of order in the archive.
    let slide = |t: &str| {
        format!(
            r#"<p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>{t}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
        )
    };
    let (s1, s2) = (slide("Q3 review"), slide("escalate to jane.roe@example.org"));
    let deck = zip_parts(&[
        ("[Content_Types].xml", "<Types/>"),
        ("ppt/presentation.xml", "<p:presentation/>"),
        ("ppt/slides/slide2.xml", &s2),
        ("ppt/slides/slide1.xml", &s1),
        ("docProps/core.xml", "<cp:coreProperties><dc:creator>ops@example.net</dc:creator></cp:coreProperties>"),
    ]);
    let out = scan_bytes(&deck, "q3.pptx");
    let found: Vec<String> =
        out.findings.iter().map(|f| format!("{}: {}", f.source, f.location.display_short())).collect();
    assert_eq!(found, ["q3.pptx: 2:13", "q3.pptx!docProps/core.xml: 1:32"]);
    assert_eq!(out.scanned[0].format, "pptx");

    let content = r#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text><text:p>SSN<text:s/>219-44-5178</text:p></office:text></office:body></office:document-content>"#;
    let odt = zip_parts(&[("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", content)]);
    let out = scan_bytes(&odt, "letter.odt");
    assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
    assert_eq!(out.findings[0].location.display_short(), "1:5");
    assert_eq!(out.scanned[0].format, "odt");
}

/// A zip archive of the given parts, in that order.
fn zip_parts(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(data.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn excel_97_workbooks_are_read_as_workbooks_and_other_ole_files_as_bytes() {
    // Written by xlwt (`tools/make_xls_fixture.py`): a title above the table, a date cell.
    let book = std::fs::read(crate::util::root().join("tests/fixtures/customers.xls")).unwrap();
    let out = scan_bytes(&book, "customers.xls");
    assert_eq!(
        found(&out),
        [
            "USA_SOCIAL_SECURITY_NUMBER @ Customers!B4 (ssn)",
            "DATE_OF_BIRTH @ Customers!C4 (dob)",
            "EMAIL_ADDRESS @ Customers!D4 (email)",
            "CREDIT_CARD_NUMBER_(NO_KEYWORD) @ Notes!A2 (note)",
        ]
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!((out.scanned[0].format.as_str(), out.scanned[0].findings), ("xls", 4));

    // An OLE file that is no workbook (a Word 97 document, say): its bytes.
    let mut other = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    other.extend_from_slice(&[0; 504]);
    other.extend_from_slice(b"Contact jane.roe@example.org for access");
    let out = scan_bytes(&other, "minutes.doc");
    assert_eq!(found(&out), ["EMAIL_ADDRESS @ minutes.doc: 1:521"]);
    assert_eq!(out.scanned[0].format, "binary");
}

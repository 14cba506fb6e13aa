//! CSV/TSV and JSON/JSONL: row, column, record and path locations, column and path keywords.
//!
//! Fixtures are written at test time (with the `csv` crate, `serde_json`, or
//! plain writes for the malformed ones); every value is synthetic.

use std::io::Read;
use std::path::Path;

use trawl::extract::{Data, Extractor, Options};
use trawl::{Collect, Location, Severity};

use crate::util::{bin, scan_file, scanner};

/// A valid SSN (area 512) written without separators.
const SSN: &str = "512483921";
/// A Luhn-valid Visa number that is not a published test number.
const CARD: &str = "4954255503491068";

/// `TYPE @ where` for each finding: `r<row>c<col>:<name>`, `record <n> <path>`, or `<line>:<col>`.
fn found(c: &Collect) -> Vec<String> {
    c.findings
        .iter()
        .map(|f| {
            let at = match &f.location {
                Location::Cell(l) => format!("r{}c{}:{}", l.row, l.column_index, l.column),
                other => other.display_short(),
            };
            format!("{} @ {at}", f.data_type)
        })
        .collect()
}

/// Scans `bytes` as a stream delivered `step` bytes at a time (the path of
/// decompressed members and large files).
fn scan_stream(bytes: &[u8], name: &str, step: usize) -> Collect {
    struct Dribble<'a>(&'a [u8], usize);
    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let opts = Options::default();
    let x = Extractor::new(scanner(), &opts);
    let mut scratch = scanner().scratch();
    let mut out = Collect::default();
    x.scan(&mut scratch, Data::Stream(&mut Dribble(bytes, step)), name, &mut out);
    out
}

/// Scans `bytes` both in memory and as a dribbled stream, checks both agree, returns one.
fn scan_both(dir: &Path, name: &str, bytes: &[u8]) -> Collect {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let whole = scan_file(&path, name);
    let streamed = scan_stream(bytes, name, 997);
    assert_eq!(whole.findings, streamed.findings, "{name}: memory vs stream");
    assert_eq!(whole.problems, streamed.problems, "{name}: memory vs stream");
    assert_eq!(whole.scanned.len(), 1, "{name}: {:?}", whole.scanned);
    whole
}

fn write_csv(delimiter: u8, rows: &[&[&str]]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    for r in rows {
        w.write_record(*r).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn csv_quoted_multiline_fields_and_embedded_delimiters() {
    let dir = tempfile::tempdir().unwrap();
    let note = "Called back, twice.\nSays \"SSN is 409-22-7781\", confirmed; ok";
    let bytes = write_csv(
        b',',
        &[
            &["id", "name", "notes", "email"],
            &["1", "Roe, Jane", note, "jane@example.com"],
            &["2", "Doe, John", "line one\nline two, card 4549 1210 3503 4465", "john@example.com"],
        ],
    );
    let out = scan_both(dir.path(), "people.csv", &bytes);
    assert_eq!(
        found(&out),
        [
            "USA_SOCIAL_SECURITY_NUMBER @ r2c3:notes",
            "EMAIL_ADDRESS @ r2c4:email",
            "CREDIT_CARD_NUMBER @ r3c3:notes",
            "EMAIL_ADDRESS @ r3c4:email",
        ]
    );
    let text = String::from_utf8(bytes.clone()).unwrap();
    let Location::Cell(ssn) = &out.findings[0].location else { panic!() };
    let at = text.find("409-22-7781").unwrap() as u64;
    assert_eq!((ssn.line, ssn.byte_start, ssn.byte_end), (Some(3), Some(at), Some(at + 11)));
    let Location::Cell(email) = &out.findings[1].location else { panic!() };
    assert_eq!(email.line, Some(3), "the record's last field is on the field's second line");
    assert_eq!(out.scanned[0].format, "csv");
    assert!(out.problems.is_empty(), "{:?}", out.problems);
}

#[test]
fn semicolon_pipe_and_tab_delimited() {
    let dir = tempfile::tempdir().unwrap();
    let rows: &[&[&str]] = &[
        &["customer", "contact", "ssn"],
        &["Jane; \"J\" | Roe", "jane@example.com", "512-48-3921"],
        &["John", "phone\tor mail: john@example.com", SSN],
    ];
    for (name, d, format) in [("t.csv", b';', "delimited"), ("t.psv", b'|', "delimited"), ("t.tsv", b'\t', "tsv")] {
        let out = scan_both(dir.path(), name, &write_csv(d, rows));
        assert_eq!(
            found(&out),
            [
                "EMAIL_ADDRESS @ r2c2:contact",
                "USA_SOCIAL_SECURITY_NUMBER @ r2c3:ssn",
                "EMAIL_ADDRESS @ r3c2:contact",
                "USA_SOCIAL_SECURITY_NUMBER @ r3c3:ssn",
            ],
            "{name}"
        );
        assert_eq!(out.scanned[0].format, format, "{name}");
    }
}

#[test]
fn column_names_satisfy_keyword_requirements() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = write_csv(
        b',',
        &[
            &["ssn", "order_id", "card_number", "ref", "dob", "shipped"],
            &[SSN, SSN, CARD, CARD, "1985-03-14", "1985-03-14"],
            &["409227781", "409227781", "5580335586082148", "5580335586082148", "03/14/1985", "03/14/1985"],
        ],
    );
    let out = scan_both(dir.path(), "customers.csv", &bytes);
    assert_eq!(
        found(&out),
        [
            "USA_SOCIAL_SECURITY_NUMBER @ r2c1:ssn",
            "CREDIT_CARD_NUMBER @ r2c3:card_number",
            "CREDIT_CARD_NUMBER_(NO_KEYWORD) @ r2c4:ref",
            "DATE_OF_BIRTH @ r2c5:dob",
            "USA_SOCIAL_SECURITY_NUMBER @ r3c1:ssn",
            "CREDIT_CARD_NUMBER @ r3c3:card_number",
            "CREDIT_CARD_NUMBER_(NO_KEYWORD) @ r3c4:ref",
            "DATE_OF_BIRTH @ r3c5:dob",
        ]
    );
    // The same bytes read as text: the bare numbers and dates lack keywords.
    let text = trawl::extract::Options { structured: false, ..Options::default() };
    let path = dir.path().join("customers.csv");
    let as_text = crate::util::scan_file_with(&path, "customers.csv", &text);
    assert!(as_text.findings.iter().all(|f| !matches!(f.location, Location::Cell(_))));
    assert!(!as_text.findings.iter().any(|f| &*f.data_type == "DATE_OF_BIRTH"), "{:?}", found(&as_text));
}

/// A value split over two cells is found in the row's text: it is reported
/// once, in its first cell, whichever of the two cells is scanned alone for
/// its column's keywords (`secret`) or for a keyword finding of its own
/// (`gps`), though that scan sees only half the value.
#[test]
fn value_split_over_two_cells_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0";
    let (begin, end) = ("-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----");
    let row = [format!("{begin}{body}"), format!("{body}{end}")];
    // A finding in the second cell that relies on a keyword has it scanned
    // alone with the text just before it, where the start of the key is.
    let near = [format!("{begin}{}", &body[..20]), format!("{}{end} gps 48.858370;2.294481", &body[20..])];
    let cases = [
        (["name", "note"], &row, "name", ""),
        (["name", "secret"], &row, "name", ""),
        (["secret", "note"], &row, "secret", ""),
        (["name", "note"], &near, "name", "LATITUDE_LONGITUDE @ r2c2:note"),
    ];
    for (header, row, column, also) in cases {
        let bytes = write_csv(b',', &[&header, &[&row[0], &row[1]]]);
        let name = format!("{}-{}-{}.csv", header[0], header[1], row[0].len());
        let out = scan_both(dir.path(), &name, &bytes);
        let mut want = vec![format!("PKCS @ r2c1:{column}")];
        want.extend((!also.is_empty()).then(|| also.to_string()));
        assert_eq!(found(&out), want, "{name}");
        let Location::Cell(cell) = &out.findings[0].location else { panic!() };
        let text = String::from_utf8(bytes).unwrap();
        let (start, stop) = (text.find(begin).unwrap() as u64, (text.find(end).unwrap() + end.len()) as u64);
        assert_eq!((cell.byte_start, cell.byte_end), (Some(start), Some(stop)), "{name}");
    }
}

#[test]
fn headerless_csv_names_columns_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = write_csv(b',', &[&["1", "Jane", "jane@example.com", "512-48-3921"], &["2", "John", "x", "y"]]);
    let out = scan_both(dir.path(), "noheader.csv", &bytes);
    assert_eq!(found(&out), ["EMAIL_ADDRESS @ r1c3:column_3", "USA_SOCIAL_SECURITY_NUMBER @ r1c4:column_4"]);
}

#[test]
fn malformed_csv_row_is_scanned_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"id,email,ssn\n\
        1,jane@example.com,512-48-3921\n\
        2,\"unterminated,john@example.com,409-22-7781\n\
        3,ann@example.com,671-30-2285,extra\n\
        4,bob@example.com,233-71-0458\n";
    let out = scan_both(dir.path(), "broken.csv", bytes);
    assert_eq!(
        found(&out),
        [
            "EMAIL_ADDRESS @ r2c2:email",
            "USA_SOCIAL_SECURITY_NUMBER @ r2c3:ssn",
            "EMAIL_ADDRESS @ 3:17",
            "USA_SOCIAL_SECURITY_NUMBER @ 3:34",
            "EMAIL_ADDRESS @ 4:3",
            "USA_SOCIAL_SECURITY_NUMBER @ 4:19",
            "EMAIL_ADDRESS @ r5c2:email",
            "USA_SOCIAL_SECURITY_NUMBER @ r5c3:ssn",
        ]
    );
    let reasons: Vec<(&str, Severity)> = out.problems.iter().map(|p| (p.reason.as_str(), p.severity)).collect();
    assert_eq!(
        reasons,
        [
            ("row 3 (line 3) does not parse: unterminated quoted field; scanned as text", Severity::Warning),
            ("row 4 (line 4) does not parse: 4 fields, expected 3; scanned as text", Severity::Warning),
        ]
    );
    assert!(out.problems.iter().all(|p| p.source == "broken.csv"));
}

#[test]
fn json_nested_objects_and_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let doc = serde_json::json!({
        "customer": {"ssn": SSN, "orderId": 409227781u64, "name": "Jane"},
        "a": {"b": [0, 1, {"c": "jane@example.com"}]},
        "items": [{"card": CARD}, {"card": "x"}, {"card": "5580335586082148", "ref": CARD}],
        "first name": "john@example.com",
        "billing": {"dateOfBirth": "1979-11-02"}
    });
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    let out = scan_both(dir.path(), "doc.json", &bytes);
    let mut got = found(&out);
    got.sort();
    let mut want = [
        "USA_SOCIAL_SECURITY_NUMBER @ record 0 $.customer.ssn",
        "EMAIL_ADDRESS @ record 0 $.a.b[2].c",
        "CREDIT_CARD_NUMBER @ record 0 $.items[0].card",
        "CREDIT_CARD_NUMBER @ record 0 $.items[2].card",
        "CREDIT_CARD_NUMBER_(NO_KEYWORD) @ record 0 $.items[2].ref",
        "EMAIL_ADDRESS @ record 0 $['first name']",
        "DATE_OF_BIRTH @ record 0 $.billing.dateOfBirth",
    ];
    want.sort();
    assert_eq!(got, want);
    // In file order, with offsets of the values.
    let text = String::from_utf8(bytes).unwrap();
    let starts: Vec<u64> = out.findings.iter().map(|f| byte_start(&f.location)).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
    let ssn = out.findings.iter().find(|f| &*f.data_type == "USA_SOCIAL_SECURITY_NUMBER").unwrap();
    assert_eq!(byte_start(&ssn.location), text.find(SSN).unwrap() as u64);
    assert_eq!(out.scanned[0].format, "json");
}

#[test]
fn utf16_tables_and_json_lines_are_read_as_such() {
    // Excel's "Unicode text" export: UTF-16 LE with a byte-order mark, tabs, CRLF.
    let tsv: String = format!("name\tnotes\tssn\r\nJane\tsome notes\t{SSN}\r\n");
    let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(tsv.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    assert_eq!(found(&crate::util::scan_bytes(&le, "export.txt")), ["USA_SOCIAL_SECURITY_NUMBER @ r2c3:ssn"]);
    let jsonl = format!("{{\"ssn\": \"{SSN}\"}}\n{{\"id\": 2}}\n");
    let be: Vec<u8> = jsonl.encode_utf16().flat_map(u16::to_be_bytes).collect();
    assert_eq!(found(&crate::util::scan_bytes(&be, "events")), ["USA_SOCIAL_SECURITY_NUMBER @ record 0 $.ssn"]);
    // UTF-16 prose stays text, reported as UTF-16.
    let text: Vec<u8> = "card 4954 2555 0349 1068\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let out = crate::util::scan_bytes(&text, "notes");
    assert_eq!(found(&out), ["CREDIT_CARD_NUMBER @ 1:6"]);
    assert_eq!(out.scanned[0].format, "utf-16le");
}

#[test]
fn tables_with_line_breaks_in_their_first_fields_are_recognized_without_a_name() {
    let mut csv = format!("id,name,notes,ssn\n1,Jane,\"line one\nline two\",{SSN}\n");
    for i in 2..6 {
        csv.push_str(&format!("{i},Jane,some notes about this customer,{SSN}\n"));
    }
    for name in ["export.dat", "<stdin>"] {
        let cells: Vec<String> = found(&scan_stream(csv.as_bytes(), name, 7));
        assert_eq!(cells.len(), 5, "{name}: {cells:?}");
        assert_eq!(cells[0], "USA_SOCIAL_SECURITY_NUMBER @ r2c4:ssn");
    }
}

#[test]
fn markdown_tables_give_their_column_names_as_keywords() {
    let md = format!(
        "# Customers\n\n| Name | SSN | DOB | Phone |\n|---|:---:|---|---|\n\
         | Jane Roe | {SSN} | 1985-03-14 | 415-555-0132 |\n| Ann Lee | 219-44-5178 | n/a | n/a |\n\nThe id 512483921 is no SSN here.\n"
    );
    let out = crate::util::scan_bytes(md.as_bytes(), "customers.md");
    assert_eq!(
        found(&out),
        [
            "USA_SOCIAL_SECURITY_NUMBER @ 5:14",
            "DATE_OF_BIRTH @ 5:26",
            "PHONE_NUMBER @ 5:39",
            // Found by the text pass (a dashed SSN needs no keyword), reported once.
            "USA_SOCIAL_SECURITY_NUMBER @ 6:13",
        ]
    );
    let Location::Text(t) = &out.findings[0].location else { unreachable!() };
    assert_eq!(&md[t.byte_start as usize..t.byte_end as usize], SSN);
    assert_eq!(out.scanned[0].findings, 4);
}

#[test]
fn whitespace_escapes_separate_words_in_json_and_text() {
    // `\n` and `\t` as JSON strings and logs write them: the keyword after
    // one is a word of its own, and a value after one stands alone.
    let lines = [
        format!(r#"{{"note":"Customer record\nSSN: {SSN}"}}"#),
        format!(r#"{{"note":"card:\t{CARD} and x\n219-44-5178"}}"#),
        r#"{"note":"a\njane.doe@corp.example"}"#.to_string(),
        // An escaped backslash escapes nothing after it.
        format!(r#"{{"path":"C:\\nSSN {SSN}"}}"#),
    ];
    let jsonl = lines.join("\n") + "\n";
    let out = crate::util::scan_bytes(jsonl.as_bytes(), "escapes.jsonl");
    assert_eq!(
        found(&out),
        [
            "USA_SOCIAL_SECURITY_NUMBER @ record 0 $.note",
            "CREDIT_CARD_NUMBER @ record 1 $.note",
            "USA_SOCIAL_SECURITY_NUMBER @ record 1 $.note",
            "EMAIL_ADDRESS @ record 2 $.note",
        ]
    );
    let email = &out.findings[3];
    let Location::Record(r) = &email.location else { unreachable!() };
    let start = r.byte_start.unwrap() as usize;
    assert_eq!(&jsonl[start..r.byte_end.unwrap() as usize], "jane.doe@corp.example");
    // The same in a plain log line.
    let log = format!("2024-05-01 INFO msg=\"x\\nSSN: {SSN}\\tcard {CARD}\"\n");
    let types: Vec<String> =
        crate::util::scan_bytes(log.as_bytes(), "app.log").findings.iter().map(|f| f.data_type.to_string()).collect();
    assert_eq!(types, ["USA_SOCIAL_SECURITY_NUMBER", "CREDIT_CARD_NUMBER"]);
}

#[test]
fn json_keywords_near_a_value_count_as_in_text() {
    // Besides the path, a keyword close before the value counts, as in plain
    // text: here the document type in the sibling field.
    let dir = tempfile::tempdir().unwrap();
    let doc = r#"{"kyc": {"documents": [
        {"type": "passport", "number": "658903681", "country": "US"},
        {"kind": "loyalty card program membership", "number": "658903681"}
    ]}}"#;
    let out = scan_both(dir.path(), "kyc.json", doc.as_bytes());
    assert_eq!(found(&out), ["USA_PASSPORT_NUMBER @ record 0 $.kyc.documents[0].number"]);
}

fn byte_start(l: &Location) -> u64 {
    match l {
        Location::Record(r) => r.byte_start.unwrap(),
        Location::Cell(c) => c.byte_start.unwrap(),
        Location::Text(t) => t.byte_start,
    }
}

#[test]
fn jsonl_with_a_malformed_line_in_the_middle() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    for (i, rec) in
        [serde_json::json!({"ssn": SSN, "order_id": 409227781u64}), serde_json::json!({"items": [{"card": CARD}]})]
            .iter()
            .enumerate()
    {
        serde_json::to_writer(&mut bytes, rec).unwrap();
        bytes.push(b'\n');
        if i == 0 {
            bytes.extend_from_slice(b"{\"email\": \"jane@example.com\", oops}\n");
        }
    }
    bytes.extend_from_slice(b"\n");
    serde_json::to_writer(&mut bytes, &serde_json::json!({"contact": {"email": "john@example.com"}})).unwrap();
    let out = scan_both(dir.path(), "events.jsonl", &bytes);
    assert_eq!(
        found(&out),
        [
            "USA_SOCIAL_SECURITY_NUMBER @ record 0 $.ssn",
            "EMAIL_ADDRESS @ 2:12",
            "CREDIT_CARD_NUMBER @ record 2 $.items[0].card",
            "EMAIL_ADDRESS @ record 4 $.contact.email",
        ]
    );
    assert_eq!(out.problems.len(), 1);
    assert_eq!(out.problems[0].reason, "line 2 is not valid JSON (expected a key); scanned as text");
    assert_eq!(out.problems[0].severity, Severity::Warning);
    assert_eq!(out.scanned[0].format, "jsonl");
}

#[test]
fn json_nested_300_deep_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let doc = format!("{{\"ssn\": \"{SSN}\", \"deep\": {}\"jane@example.com\"{}}}", "[".repeat(300), "]".repeat(300));
    let out = scan_both(dir.path(), "deep.json", doc.as_bytes());
    assert_eq!(found(&out), ["USA_SOCIAL_SECURITY_NUMBER @ record 0 $.ssn", "EMAIL_ADDRESS @ 1:331"]);
    assert_eq!(out.problems.len(), 1);
    assert!(
        out.problems[0].reason.starts_with("nesting deeper than 256 levels (the depth limit) at line 1"),
        "{:?}",
        out.problems
    );
    assert_eq!(out.scanned[0].format, "json");
    // Far deeper: still no stack overflow.
    let doc = format!("{}{}", "{\"a\":".repeat(100_000), "1");
    let out = scan_both(dir.path(), "deeper.json", doc.as_bytes());
    assert!(out.problems[0].reason.starts_with("nesting deeper than 256 levels"), "{:?}", out.problems);
}

#[test]
fn truncated_json_document_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    // An export cut short: read as JSON up to the break, reported, then text.
    let doc = format!("{{\"users\": [{{\"ssn\": \"{SSN}\"}}, {{\"note\": \"jane@example.com\"");
    let out = scan_both(dir.path(), "users.json", doc.as_bytes());
    assert_eq!(
        found(&out),
        ["USA_SOCIAL_SECURITY_NUMBER @ record 0 $.users[0].ssn", "EMAIL_ADDRESS @ record 0 $.users[1].note"]
    );
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert!(out.problems[0].reason.contains("the rest of the document is scanned as text"), "{:?}", out.problems);
    assert_eq!(out.problems[0].severity, Severity::Warning);
    assert_eq!(out.scanned[0].format, "json");
}

#[test]
fn huge_single_lines() {
    let dir = tempfile::tempdir().unwrap();
    // A minified document longer than a block (1 MiB) on one line.
    let items: Vec<serde_json::Value> =
        (0..30_000).map(|i| serde_json::json!({"id": i, "note": "nothing to see here"})).collect();
    let doc = serde_json::json!({"items": items, "owner": {"ssn": SSN}});
    let bytes = serde_json::to_vec(&doc).unwrap();
    assert!(bytes.len() > 1 << 20 && !bytes.contains(&b'\n'), "longer than a block");
    let out = scan_both(dir.path(), "big.json", &bytes);
    assert_eq!(found(&out), ["USA_SOCIAL_SECURITY_NUMBER @ record 0 $.owner.ssn"]);
    // The same as one JSON Lines line between two short ones.
    let mut lines = b"{\"email\": \"jane@example.com\"}\n".to_vec();
    lines.extend_from_slice(&bytes);
    lines.extend_from_slice(b"\n{\"items\": [0, {\"card\": \"4954255503491068\"}]}\n");
    let out = scan_both(dir.path(), "big.jsonl", &lines);
    assert_eq!(
        found(&out),
        [
            "EMAIL_ADDRESS @ record 0 $.email",
            "USA_SOCIAL_SECURITY_NUMBER @ record 1 $.owner.ssn",
            "CREDIT_CARD_NUMBER @ record 2 $.items[1].card",
        ]
    );
    // A CSV row with a cell longer than a block.
    let wide = format!("{} jane@example.com", "word ".repeat(250_000));
    let csv = write_csv(b',', &[&["id", "text", "ssn"], &["1", &wide, SSN], &["2", "x", "409227781"]]);
    let out = scan_both(dir.path(), "wide.csv", &csv);
    assert_eq!(
        found(&out),
        ["EMAIL_ADDRESS @ r2c2:text", "USA_SOCIAL_SECURITY_NUMBER @ r2c3:ssn", "USA_SOCIAL_SECURITY_NUMBER @ r3c3:ssn"]
    );
    assert!(out.problems.is_empty());
}

#[test]
fn invalid_utf8_bom_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let doc = b"\xEF\xBB\xBF{\r\n  \"name\": \"J\xFF\xFEne\",\r\n  \"ssn\": \"512483921\",\r\n  \"mail\": \"\xC3\x28 jane@example.com\"\r\n}\r\n";
    let out = scan_both(dir.path(), "odd.json", doc);
    assert_eq!(found(&out), ["USA_SOCIAL_SECURITY_NUMBER @ record 0 $.ssn", "EMAIL_ADDRESS @ record 0 $.mail"]);
    let Location::Record(r) = &out.findings[0].location else { panic!() };
    assert_eq!(r.line, Some(3));
    assert!(out.problems.is_empty(), "{:?}", out.problems);

    let jsonl = b"\xEF\xBB\xBF{\"ssn\": 512483921}\r\n{\"note\": \"\xFF 409-22-7781\"}\r\n";
    let out = scan_both(dir.path(), "odd.jsonl", jsonl);
    assert_eq!(
        found(&out),
        ["USA_SOCIAL_SECURITY_NUMBER @ record 0 $.ssn", "USA_SOCIAL_SECURITY_NUMBER @ record 1 $.note"]
    );

    let csv = b"\xEF\xBB\xBFssn,email\r\n512483921,jane@example.com\r\n409227781,\xFF\xFE\r\n";
    let out = scan_both(dir.path(), "odd.csv", csv);
    assert_eq!(
        found(&out),
        [
            "USA_SOCIAL_SECURITY_NUMBER @ r2c1:ssn",
            "EMAIL_ADDRESS @ r2c2:email",
            "USA_SOCIAL_SECURITY_NUMBER @ r3c1:ssn"
        ]
    );
    let Location::Cell(c) = &out.findings[2].location else { panic!() };
    assert_eq!((c.line, c.byte_start), (Some(3), Some(42)));
}

#[test]
fn cli_reports_cells_and_records_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), write_csv(b',', &[&["id", "ssn"], &["1", SSN]])).unwrap();
    std::fs::write(dir.path().join("t.jsonl"), format!("{{}}\n{{\"a\": [{{\"ssn\": \"{SSN}\"}}]}}\n")).unwrap();
    let out = bin()
        .args(["scan", "-f", "jsonl"])
        .arg(dir.path().join("t.csv"))
        .arg(dir.path().join("t.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v.get("location").is_some())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let by_source = |suffix: &str| {
        lines.iter().find(|v| v["source"].as_str().unwrap().ends_with(suffix)).expect("a finding").clone()
    };
    let cell = &by_source("t.csv")["location"];
    assert_eq!((&cell["row"], &cell["column_index"], &cell["column"]), (&2.into(), &2.into(), &"ssn".into()));
    assert_eq!((&cell["line"], &cell["byte_start"]), (&2.into(), &9.into()));
    let record = &by_source("t.jsonl")["location"];
    assert_eq!((&record["record"], &record["json_path"]), (&1.into(), &"$.a[0].ssn".into()));
    assert_eq!(record["line"], 2);
}

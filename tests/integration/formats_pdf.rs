//! PDF documents, end to end: fixtures are written at test time by a real
//! PDF writer (`lopdf`: pages with fonts, text operators and compressed
//! content streams), then scanned through the library or the `trawl` binary.

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use serde_json::Value as Json;
use trawl::{Collect, Location, Severity};

use crate::util::{bin, scan_bytes};

/// A PDF whose pages each show `lines` of text, one below the other (then
/// filler lines, so that compressing the content streams pays, as most
/// writers do).
fn pdf(pages: &[&[&str]]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let mut kids = Vec::new();
    for lines in pages {
        let mut ops = vec![Operation::new("BT", vec![]), Operation::new("Tf", vec!["F1".into(), 12.into()])];
        ops.push(Operation::new("Td", vec![72.into(), 760.into()]));
        let filler = "The quick brown fox jumps over the lazy dog.";
        for line in lines.iter().copied().chain(std::iter::repeat_n(filler, 8 * usize::from(!lines.is_empty()))) {
            ops.push(Operation::new("Tj", vec![Object::string_literal(line)]));
            ops.push(Operation::new("Td", vec![0.into(), (-14).into()]));
        }
        ops.push(Operation::new("ET", vec![]));
        let content = doc.add_object(Stream::new(dictionary! {}, Content { operations: ops }.encode().unwrap()));
        let page = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content });
        kids.push(Object::from(page));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn found(c: &Collect) -> Vec<String> {
    c.findings.iter().map(|f| format!("{} @ {}", f.data_type, f.location.display_short())).collect()
}

#[test]
fn pdf_text_is_found_on_its_page_and_line() {
    let doc = pdf(&[
        &["Invoice 2024-118", "Paid by card 4954 2555 0349 1068"],
        &["Contact: jane.roe@example.org", "Employee SSN: 219-44-5178"],
    ]);
    // Compressed: the raw bytes hold none of the values.
    assert!(!doc.windows(9).any(|w| w == b"jane.roe@"), "the fixture's content streams are compressed");
    let out = scan_bytes(&doc, "invoice.pdf");
    assert_eq!(
        found(&out),
        [
            "CREDIT_CARD_NUMBER @ page 1, 2:14",
            "EMAIL_ADDRESS @ page 2, 1:10",
            "USA_SOCIAL_SECURITY_NUMBER @ page 2, 2:15",
        ]
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.scanned.len(), 1);
    assert_eq!((out.scanned[0].format.as_str(), out.scanned[0].findings), ("pdf", 3));
    let Location::Text(t) = &out.findings[1].location else { panic!() };
    assert_eq!(t.page, Some(2));
}

#[test]
fn a_pdf_that_does_not_load_is_reported_and_scanned_as_bytes() {
    let broken = b"%PDF-1.7\n1 0 obj\n<< /Note (card 4954 2555 0349 1068) >>\nendobj\ntrailer\n<<".to_vec();
    let out = scan_bytes(&broken, "broken.pdf");
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].severity, Severity::Partial);
    assert!(out.problems[0].reason.starts_with("not readable as a PDF"), "{:?}", out.problems);
    assert_eq!(found(&out), ["CREDIT_CARD_NUMBER @ 3:16"]);

    // Pages without text (scanned paper): a warning, nothing found.
    let blank = pdf(&[&[], &[]]);
    let out = scan_bytes(&blank, "scan.pdf");
    assert!(out.findings.is_empty());
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].severity, Severity::Warning);
    assert!(out.problems[0].reason.contains("no text"), "{:?}", out.problems);
}

#[test]
fn cli_outputs_carry_the_page() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("letter.pdf"), pdf(&[&["Hello"], &["SSN 219-44-5178"]])).unwrap();
    let run = |format: &str| {
        let out = bin().current_dir(dir.path()).args(["scan", "letter.pdf", "-f", format]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first: Json = serde_json::from_str(run("jsonl").lines().next().unwrap()).unwrap();
    assert_eq!(first["location"]["page"], 2);
    assert_eq!(first["location"]["line"], 1);
    let macie: Json = serde_json::from_str(run("macie").lines().next().unwrap()).unwrap();
    let occurrences = &macie["classificationDetails"]["result"]["sensitiveData"][0]["detections"][0]["occurrences"];
    assert_eq!(occurrences["pages"][0]["pageNumber"], 2, "{occurrences}");
    assert!(run("human").contains("page 2, 1:5"));
}

#[test]
fn content_streams_that_inflate_past_the_limit_are_reported_not_read() {
    let long: Vec<String> = (0..200).map(|i| format!("line {i}: jane.roe@example.org")).collect();
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let doc = pdf(&[&["SSN 219-44-5178"], &long]);
    let mut opts = trawl::extract::Options::default();
    opts.limits.max_buffer = 4000;
    let x = trawl::extract::Extractor::new(crate::util::scanner(), &opts);
    let mut out = Collect::default();
    x.scan(&mut crate::util::scanner().scratch(), trawl::extract::Data::Bytes(&doc), "big.pdf", &mut out);
    assert_eq!(found(&out), ["USA_SOCIAL_SECURITY_NUMBER @ page 1, 1:5"]);
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].severity, Severity::Partial);
    assert_eq!(
        out.problems[0].reason,
        "1 content streams decompress past 4000 bytes (or past 4000 bytes in all) and are not read"
    );
}

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
    let mut out = Vec::new();
    document(pages).save_to(&mut out).unwrap();
    out
}

/// The document [`pdf`] writes, with its content streams compressed.
fn document(pages: &[&[&str]]) -> Document {
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
    doc
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
        "1 streams decompress past 4000 bytes (or past 4000 bytes in all) and are not read"
    );
}

/// A PDF as current writers save them: its objects in compressed object
/// streams (one object in each here) and a cross-reference stream, with a
/// document information dictionary whose keywords are `keywords` long.
fn pdf_with_object_streams(pages: &[&[&str]], keywords: usize) -> Vec<u8> {
    let mut doc = document(pages);
    let info = doc.add_object(dictionary! { "Keywords" => Object::string_literal("k".repeat(keywords)) });
    doc.trailer.set("Info", info);
    let options = lopdf::SaveOptions::builder()
        .use_object_streams(true)
        .use_xref_streams(true)
        .max_objects_per_stream(1)
        .compression_level(6)
        .build();
    let mut out = Vec::new();
    doc.save_with_options(&mut out, options).unwrap();
    assert!(out.windows(7).any(|w| w == b"/ObjStm") && out.windows(5).any(|w| w == b"/XRef"));
    out
}

#[test]
fn object_streams_are_read_and_those_past_the_limit_are_reported_not_read() {
    let doc = pdf_with_object_streams(&[&["SSN 219-44-5178"], &["Card 4954 2555 0349 1068"]], 20_000);
    let scan = |max_buffer: u64| {
        let mut opts = trawl::extract::Options::default();
        opts.limits.max_buffer = max_buffer;
        let x = trawl::extract::Extractor::new(crate::util::scanner(), &opts);
        let mut out = Collect::default();
        x.scan(&mut crate::util::scanner().scratch(), trawl::extract::Data::Bytes(&doc), "modern.pdf", &mut out);
        out
    };
    let whole = scan(512 << 20);
    let expected = ["USA_SOCIAL_SECURITY_NUMBER @ page 1, 1:5", "CREDIT_CARD_NUMBER @ page 2, 1:6"];
    assert_eq!(found(&whole), expected);
    assert!(whole.problems.is_empty(), "{:?}", whole.problems);
    // The information dictionary's object stream inflates to 20 KB: past
    // a 10 KB limit it is not unpacked, and the pages are read as before.
    let bounded = scan(10_000);
    assert_eq!(found(&bounded), expected);
    assert_eq!(bounded.problems.len(), 1, "{:?}", bounded.problems);
    assert_eq!(
        bounded.problems[0].reason,
        "1 streams decompress past 10000 bytes (or past 10000 bytes in all) and are not read"
    );
}

/// A one-page PDF showing `text`, its cross-reference table a deflated
/// cross-reference stream followed by `padding` zero bytes once inflated.
fn pdf_with_xref_stream(text: &str, padding: usize) -> Vec<u8> {
    use std::io::Write;
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.5\n".to_vec();
    let mut entries = vec![0u8, 0, 0, 0, 0, 255];
    for (i, body) in objects.iter().enumerate() {
        entries.push(1);
        entries.extend_from_slice(&(pdf.len() as u32).to_be_bytes());
        entries.push(0);
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref_at = pdf.len();
    entries.push(1);
    entries.extend_from_slice(&(xref_at as u32).to_be_bytes());
    entries.push(0);
    entries.resize(entries.len() + padding, 0);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&entries).unwrap();
    let data = z.finish().unwrap();
    pdf.extend_from_slice(
        format!(
            "6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 1] /Root 1 0 R /Filter /FlateDecode /Length {} >>\nstream\n",
            data.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(&data);
    pdf.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    pdf
}

#[test]
fn a_cross_reference_stream_past_the_limit_is_reported_and_the_file_scanned_as_bytes() {
    let scan = |doc: &[u8]| {
        let mut opts = trawl::extract::Options::default();
        opts.limits.max_buffer = 10_000;
        let x = trawl::extract::Extractor::new(crate::util::scanner(), &opts);
        let mut out = Collect::default();
        x.scan(&mut crate::util::scanner().scratch(), trawl::extract::Data::Bytes(doc), "xref.pdf", &mut out);
        out
    };
    let fine = scan(&pdf_with_xref_stream("SSN 219-44-5178", 0));
    assert_eq!(found(&fine), ["USA_SOCIAL_SECURITY_NUMBER @ page 1, 1:5"]);
    assert!(fine.problems.is_empty(), "{:?}", fine.problems);
    let bomb = scan(&pdf_with_xref_stream("SSN 219-44-5178", 20_000));
    assert_eq!(bomb.problems.len(), 1, "{:?}", bomb.problems);
    assert_eq!(
        bomb.problems[0].reason,
        "not readable as a PDF (a cross-reference stream decompresses past 10000 bytes); \
         its bytes are scanned as a binary file's"
    );
    // The page's text is plain in the file: read as bytes, it is found.
    assert_eq!(found(&bomb).len(), 1, "{:?}", found(&bomb));
}

/// [`pdf`]'s document encrypted (RC4, 128-bit key) with `user` as the
/// password to open it.
fn encrypted_pdf(pages: &[&[&str]], user: &str) -> Vec<u8> {
    let mut doc = document(pages);
    doc.trailer.set("ID", vec![Object::string_literal("0123456789abcdef"), Object::string_literal("0123456789abcdef")]);
    let version = lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner secret",
        user_password: user,
        key_length: 128,
        permissions: lopdf::Permissions::all(),
    };
    let state = lopdf::EncryptionState::try_from(version).unwrap();
    doc.encrypt(&state).unwrap();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn an_encrypted_pdf_is_read_when_it_opens_without_a_password() {
    let pages: &[&[&str]] = &[&["SSN 219-44-5178"]];
    let open = encrypted_pdf(pages, "");
    // Encrypted: the value is not in the file's bytes.
    assert!(!open.windows(11).any(|w| w == b"219-44-5178"));
    let out = scan_bytes(&open, "protected.pdf");
    assert_eq!(found(&out), ["USA_SOCIAL_SECURITY_NUMBER @ page 1, 1:5"]);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    // A password to open it: reported, and its bytes scanned as a binary's.
    let locked = scan_bytes(&encrypted_pdf(pages, "user secret"), "locked.pdf");
    assert!(found(&locked).is_empty());
    assert_eq!(locked.problems.len(), 1, "{:?}", locked.problems);
    assert!(locked.problems[0].reason.starts_with("not readable as a PDF ("), "{:?}", locked.problems);
}

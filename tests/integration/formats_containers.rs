//! Compressed streams, archives, Parquet and Avro, end to end: fixtures are
//! written at test time by the real writers (flate2, zstd, bzip2, liblzma,
//! zip, tar, parquet's ArrowWriter, apache-avro), then scanned through the
//! library or the `trawl` binary.

use std::io::{Cursor, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use trawl::extract::{Data, Extractor, Options};
use trawl::{Collect, Finding, Location, Severity};

use crate::util::{bin, scan_bytes, scanner};

// ---------------------------------------------------------------------------
// Fixture writers.

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(data).expect("bzip2");
    e.finish().expect("bzip2")
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
    e.write_all(data).expect("xz");
    e.finish().expect("xz")
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).expect("zstd")
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in members {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(data.len() > u32::MAX as usize);
        w.start_file(*name, opts).expect("zip member");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

#[test]
fn a_member_that_breaks_its_format_library_ends_only_itself() {
    let notes = b"ssn 219-44-5178\n";
    let bundle = zip_of(&[("damaged.parquet", &crate::util::damaged_parquet()), ("notes.txt", notes)]);
    let out = scan_bytes(&bundle, "bundle.zip");
    let panicked: Vec<_> = out.problems.iter().filter(|p| p.reason.starts_with("reading it failed: ")).collect();
    assert_eq!(panicked.len(), 1, "{:?}", out.problems);
    assert_eq!(panicked[0].source, "bundle.zip!damaged.parquet");
    assert_eq!(panicked[0].severity, Severity::Partial);
    // The member after it is scanned, and the rows before the damage kept.
    assert!(out.findings.iter().any(|f| f.source == "bundle.zip!notes.txt"));
    assert!(out.findings.iter().any(|f| f.source == "bundle.zip!damaged.parquet"));
    assert!(out.scanned.iter().any(|s| s.source == "bundle.zip!damaged.parquet"));
}

fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).expect("tar member");
    }
    b.into_inner().expect("tar finish")
}

fn scan_with(bytes: &[u8], name: &str, opts: &Options) -> Collect {
    let scanner = scanner();
    let x = Extractor::new(scanner, opts);
    let mut scratch = scanner.scratch();
    let mut out = Collect::default();
    x.scan(&mut scratch, Data::Bytes(bytes), name, &mut out);
    out
}

/// The byte range of a finding, whatever kind of location carries it.
fn byte_range(f: &Finding) -> Option<(u64, u64)> {
    match &f.location {
        Location::Text(t) => Some((t.byte_start, t.byte_end)),
        Location::Cell(c) => c.byte_start.zip(c.byte_end),
        Location::Record(r) => r.byte_start.zip(r.byte_end),
    }
}

/// Runs `trawl scan --format json` and returns (exit code, report).
fn run_json(args: &[&str], dir: &Path) -> (i32, Json) {
    let out = bin()
        .arg("scan")
        .arg("--format")
        .arg("json")
        .arg("--quiet")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run trawl");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().expect("exit code"), report)
}

fn findings_of<'a>(report: &'a Json, source: &str) -> Vec<&'a Json> {
    report["findings"].as_array().expect("findings").iter().filter(|f| f["source"] == source).collect()
}

fn not_scanned(report: &Json) -> Vec<(String, String, String)> {
    report["summary"]["not_scanned"]
        .as_array()
        .expect("not_scanned")
        .iter()
        .map(|p| {
            (
                p["source"].as_str().unwrap_or_default().to_string(),
                p["severity"].as_str().unwrap_or_default().to_string(),
                p["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Compressed streams.

#[test]
fn jsonl_zst_is_read_as_jsonl_with_offsets_in_the_decompressed_stream() {
    let text = "{\"id\":1,\"note\":\"hello\"}\n{\"id\":2,\"email\":\"jane.doe@example.com\"}\n";
    let out = scan_bytes(&zstd(text.as_bytes()), "data.jsonl.zst");
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
    let f = &out.findings[0];
    assert_eq!((f.source.as_str(), f.data_type.as_ref()), ("data.jsonl.zst", "EMAIL_ADDRESS"));
    let start = text.find("jane.doe").expect("planted") as u64;
    assert_eq!(byte_range(f), Some((start, start + 20)));
    let inner = out.scanned.iter().find(|s| !s.container).expect("inner stream scanned");
    assert_eq!((inner.source.as_str(), inner.format.as_str()), ("data.jsonl.zst", "jsonl"));
    let outer = out.scanned.iter().find(|s| s.container).expect("container event");
    assert_eq!(outer.format, "zstd");
}

#[test]
fn every_compression_of_a_tarball_is_opened() {
    let tar = tar_of(&[("notes/a.txt", b"nothing\n"), ("notes/b.txt", b"x\nssn: 512-48-3921\n")]);
    for (name, bytes) in [
        ("x.tar.gz", gzip(&tar)),
        ("x.tgz", gzip(&tar)),
        ("x.tar.zst", zstd(&tar)),
        ("x.tar.bz2", bzip2(&tar)),
        ("x.tar.xz", xz(&tar)),
    ] {
        let out = scan_bytes(&bytes, name);
        assert!(out.problems.is_empty(), "{name}: {:?}", out.problems);
        assert_eq!(out.findings.len(), 1, "{name}");
        assert_eq!(out.findings[0].source, format!("{name}!notes/b.txt"));
        assert_eq!(byte_range(&out.findings[0]), Some((7, 18)), "{name}");
        let containers: Vec<&str> = out.scanned.iter().filter(|s| s.container).map(|s| s.format.as_str()).collect();
        assert_eq!(containers.len(), 2, "{name}: {containers:?}");
        assert_eq!(containers[0], "tar", "{name}");
    }
}

#[test]
fn truncated_gzip_is_partial_and_earlier_findings_are_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..4000 {
        text.push_str(&format!("{i:05} contact user{i}@example.com\n"));
    }
    let gz = gzip(text.as_bytes());
    std::fs::write(dir.path().join("big.log.gz"), &gz[..gz.len() / 2]).expect("write");
    let (code, report) = run_json(&["big.log.gz"], dir.path());
    assert_eq!(code, 2);
    let found = findings_of(&report, "big.log.gz");
    assert!(found.len() > 500 && found.len() < 4000, "{} findings", found.len());
    assert_eq!(found[0]["location"]["byte_start"], 14);
    let problems = not_scanned(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "big.log.gz");
    assert_eq!(problems[0].1, "partial");
    assert!(problems[0].2.starts_with("truncated gzip stream after "), "{}", problems[0].2);
}

// ---------------------------------------------------------------------------
// Archives.

#[test]
fn zip_inside_tar_gz_names_members_recursively() {
    let csv = b"name,email\njane,jane.doe@example.com\n";
    let inner = zip_of(&[("data/a.csv", csv), ("data/readme.txt", b"nothing to see\n")]);
    let tgz = gzip(&tar_of(&[("inner.zip", &inner), ("top.txt", b"ssn: 512-48-3921\n")]));
    let out = scan_bytes(&tgz, "x.tar.gz");
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let mut got: Vec<(&str, &str)> = out.findings.iter().map(|f| (f.source.as_str(), f.data_type.as_ref())).collect();
    got.sort();
    assert_eq!(
        got,
        [("x.tar.gz!inner.zip!data/a.csv", "EMAIL_ADDRESS"), ("x.tar.gz!top.txt", "USA_SOCIAL_SECURITY_NUMBER")]
    );
    let leaves: Vec<&str> = out.scanned.iter().filter(|s| !s.container).map(|s| s.source.as_str()).collect();
    assert_eq!(leaves, ["x.tar.gz!inner.zip!data/a.csv", "x.tar.gz!inner.zip!data/readme.txt", "x.tar.gz!top.txt"]);
    let containers: Vec<(&str, &str)> =
        out.scanned.iter().filter(|s| s.container).map(|s| (s.source.as_str(), s.format.as_str())).collect();
    assert_eq!(containers, [("x.tar.gz!inner.zip", "zip"), ("x.tar.gz", "tar"), ("x.tar.gz", "gzip")]);
}

#[test]
fn zip_bomb_is_cut_quickly_and_reported_partial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zeros = vec![0u8; 200 << 20];
    let bomb = zip_of(&[("zeros.bin", &zeros), ("after.txt", b"mail jane.doe@example.com\n")]);
    drop(zeros);
    assert!(bomb.len() < 400 << 10, "bomb is {} bytes", bomb.len());
    std::fs::write(dir.path().join("bomb.zip"), &bomb).expect("write");
    let started = Instant::now();
    let (code, report) = run_json(&["bomb.zip"], dir.path());
    let took = started.elapsed();
    assert_eq!(code, 2);
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_eq!(findings_of(&report, "bomb.zip!after.txt").len(), 1, "the rest of the archive is still scanned");
    let problems = not_scanned(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!((problems[0].0.as_str(), problems[0].1.as_str()), ("bomb.zip!zeros.bin", "partial"));
    assert!(problems[0].2.contains("ratio over 1000:1"), "{}", problems[0].2);
    assert!(report["summary"]["bytes_scanned"].as_u64().expect("bytes") < 2 << 20);

    // A tight byte budget stops a gzip bomb as well.
    let gz = gzip(&vec![0u8; 32 << 20]);
    std::fs::write(dir.path().join("zeros.gz"), gz).expect("write");
    let (code, report) =
        run_json(&["--max-archive-bytes", "1M", "--max-archive-ratio", "100000", "zeros.gz"], dir.path());
    assert_eq!(code, 2);
    let problems = not_scanned(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].2.contains("limit of 1048576 bytes"), "{}", problems[0].2);
}

#[test]
fn nesting_deeper_than_the_limit_is_partial() {
    // l0.zip holds l1.zip ... holds l11.zip, which holds the secret: 12 levels.
    let mut data = zip_of(&[("secret.txt", b"ssn: 512-48-3921\n")]);
    for level in (1..12).rev() {
        data = zip_of(&[(&format!("l{level}.zip"), &data)]);
    }
    let out = scan_bytes(&data, "l0.zip");
    assert!(out.findings.is_empty(), "{:?}", out.findings);
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    let p = &out.problems[0];
    assert_eq!(p.severity, Severity::Partial);
    assert_eq!(p.source, "l0.zip!l1.zip!l2.zip!l3.zip!l4.zip!l5.zip!l6.zip!l7.zip!l8.zip!l9.zip!l10.zip");
    assert!(p.reason.contains("deeper than 10 levels"), "{}", p.reason);

    let mut opts = Options::default();
    opts.limits.max_depth = 12;
    let out = scan_with(&data, "l0.zip", &opts);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.findings.len(), 1);
    assert!(out.findings[0].source.ends_with("!l11.zip!secret.txt"), "{}", out.findings[0].source);
}

#[test]
fn member_count_limit_is_partial_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names: Vec<String> = (0..10).map(|i| format!("m{i}.txt")).collect();
    let bodies: Vec<String> = (0..10).map(|i| format!("mail user{i}@example.com\n")).collect();
    let members: Vec<(&str, &[u8])> = names.iter().zip(&bodies).map(|(n, b)| (n.as_str(), b.as_bytes())).collect();
    std::fs::write(dir.path().join("many.zip"), zip_of(&members)).expect("write");
    std::fs::write(dir.path().join("many.tar"), tar_of(&members)).expect("write");
    let (code, report) = run_json(&["--max-archive-members", "4", "many.zip", "many.tar"], dir.path());
    assert_eq!(code, 2);
    assert_eq!(report["summary"]["findings"], 8);
    let mut problems = not_scanned(&report);
    problems.sort();
    assert_eq!(problems.len(), 2, "{problems:?}");
    for ((source, severity, reason), want) in problems.iter().zip(["many.tar", "many.zip"]) {
        assert_eq!((source.as_str(), severity.as_str()), (want, "partial"));
        assert!(reason.contains("member limit reached: only the first 4"), "{reason}");
    }
}

/// The zip crate (as built here, without `aes-crypto`) cannot write an
/// encrypted member, so a real zip is written and the encryption flag of
/// one member is set in its local and central headers, as an encrypting
/// writer would. The member must be reported, not scanned as garbage.
#[test]
fn encrypted_zip_member_is_an_error_naming_it() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("secret.txt", stored).expect("member");
    w.write_all(b"ssn: 512-48-3921\n").expect("write");
    w.start_file("open.txt", stored).expect("member");
    w.write_all(b"mail jane.doe@example.com\n").expect("write");
    let mut bytes = w.finish().expect("finish").into_inner();
    let mut flagged = 0;
    for (sig, flags_at) in [(b"PK\x03\x04", 6), (b"PK\x01\x02", 8)] {
        let at = bytes.windows(4).position(|w| w == sig).expect("first header of its kind is secret.txt's");
        bytes[at + flags_at] |= 1;
        flagged += 1;
    }
    assert_eq!(flagged, 2);
    let out = scan_bytes(&bytes, "x.zip");
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].source, "x.zip!open.txt");
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].source, "x.zip!secret.txt");
    assert_eq!(out.problems[0].severity, Severity::Error);
    assert!(out.problems[0].reason.contains("encrypted"), "{}", out.problems[0].reason);
}

// ---------------------------------------------------------------------------
// Parquet.

#[cfg(feature = "parquet")]
mod parquet_files {
    use std::sync::Arc;

    use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder, StructBuilder};
    use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray, StructArray};
    use arrow_schema::{DataType, Field, Fields};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    use super::*;

    /// Ten customers in row groups of four rows, with nested columns.
    pub(super) fn customers() -> Vec<u8> {
        let n = 10;
        let email: Vec<&str> = (0..n).map(|i| if i == 0 { "jane.doe@example.com" } else { "n/a" }).collect();
        let ssn: Vec<Option<i64>> = (0..n)
            .map(|i| match i {
                2 => Some(512_483_921),
                9 => Some(731_041_196),
                3 => None,
                i => Some(i as i64),
            })
            .collect();
        let card: Vec<i64> = (0..n).map(|i| if i == 5 { 4_532_015_112_830_366 } else { 1000 + i as i64 }).collect();
        let dob = Date32Array::from((0..n).map(|i| (i == 9).then_some(5_551)).collect::<Vec<_>>());

        let address_fields =
            Fields::from(vec![Field::new("zip", DataType::Utf8, true), Field::new("note", DataType::Utf8, true)]);
        let zip = StringArray::from((0..n).map(|i| format!("0213{i}")).collect::<Vec<_>>());
        let note = StringArray::from((0..n).map(|i| if i == 6 { "ssn 409-22-7781" } else { "ok" }).collect::<Vec<_>>());
        let address =
            StructArray::new(address_fields.clone(), vec![Arc::new(zip) as ArrayRef, Arc::new(note) as ArrayRef], None);
        let name = StringArray::from((0..n).map(|i| format!("Customer {i}")).collect::<Vec<_>>());
        let customer = StructArray::new(
            Fields::from(vec![
                Field::new("name", DataType::Utf8, true),
                Field::new("address", DataType::Struct(address_fields), true),
            ]),
            vec![Arc::new(name) as ArrayRef, Arc::new(address) as ArrayRef],
            None,
        );

        let mut contacts = ListBuilder::new(StringBuilder::new());
        for i in 0..n {
            if i == 7 {
                contacts.values().append_value("n/a");
                contacts.values().append_value("x");
                contacts.values().append_value("bob@example.net");
            } else {
                contacts.values().append_value("none");
            }
            contacts.append(true);
        }

        let order_fields = vec![Field::new("card", DataType::Utf8, true), Field::new("qty", DataType::Int64, true)];
        let mut orders = ListBuilder::new(StructBuilder::from_fields(order_fields, 0));
        for i in 0..n {
            let cards: &[&str] = if i == 8 { &["none", "5298 7654 3210 9872"] } else { &["none"] };
            for c in cards {
                let s = orders.values();
                s.field_builder::<StringBuilder>(0).expect("card").append_value(*c);
                s.field_builder::<Int64Builder>(1).expect("qty").append_value(1);
                s.append(true);
            }
            orders.append(i != 4);
        }
        let amount = Float64Array::from((0..n).map(|i| i as f64 * 1.5).collect::<Vec<_>>());

        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from((0..n as i64).collect::<Vec<_>>())) as ArrayRef),
            ("email", Arc::new(StringArray::from(email)) as ArrayRef),
            ("ssn", Arc::new(Int64Array::from(ssn)) as ArrayRef),
            ("card_number", Arc::new(Int64Array::from(card)) as ArrayRef),
            ("customer", Arc::new(customer) as ArrayRef),
            ("contacts", Arc::new(contacts.finish()) as ArrayRef),
            ("orders", Arc::new(orders.finish()) as ArrayRef),
            ("amount", Arc::new(amount) as ArrayRef),
            ("dob", Arc::new(dob) as ArrayRef),
        ])
        .expect("batch");
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(4)).build();
        let mut out = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).expect("writer");
        w.write(&batch).expect("write");
        w.close().expect("close");
        out
    }

    #[test]
    fn a_page_declaring_more_than_its_column_chunk_is_reported_not_read() {
        let notes: Vec<String> =
            (0..100).map(|i| format!("note {i:03}: contact jane.doe@example.com about the renewal")).collect();
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from((0..100).collect::<Vec<i64>>())) as ArrayRef),
            ("notes", Arc::new(StringArray::from(notes)) as ArrayRef),
        ])
        .expect("batch");
        let props = WriterProperties::builder()
            .set_dictionary_enabled(false)
            .set_compression(parquet::basic::Compression::SNAPPY)
            .build();
        let mut bytes = Vec::new();
        let mut w = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).expect("writer");
        w.write(&batch).expect("write");
        w.close().expect("close");
        let whole = scan_bytes(&bytes, "notes.parquet");
        assert_eq!(whole.findings.len(), 100);
        assert!(whole.problems.is_empty(), "{:?}", whole.problems);
        // The notes column's one page: its header (Thrift compact) starts
        // with the page type (field 1) and the uncompressed size (field 2).
        let meta = parquet::file::metadata::ParquetMetaDataReader::new()
            .parse_and_finish(&bytes::Bytes::from(bytes.clone()))
            .expect("metadata");
        let chunk = meta.row_group(0).column(1);
        let at = chunk.data_page_offset() as usize;
        assert_eq!(bytes[at], 0x15);
        let varint_end = |from: usize| from + bytes[from..].iter().position(|b| b & 0x80 == 0).unwrap() + 1;
        let size_at = varint_end(at + 1);
        assert_eq!(bytes[size_at], 0x15);
        let end = varint_end(size_at + 1);
        // The largest size a varint of that length holds (zigzag: even).
        let n = end - size_at - 1;
        for (k, b) in bytes[size_at + 1..end].iter_mut().enumerate() {
            *b = if k + 1 < n { 0xff } else { 0x7f };
        }
        bytes[size_at + 1] &= 0xfe;
        let claimed = ((1i64 << (7 * n)) - 2) / 2;
        assert!(claimed > chunk.uncompressed_size(), "{claimed} against {}", chunk.uncompressed_size());
        let lying = scan_bytes(&bytes, "notes.parquet");
        assert!(lying.findings.is_empty(), "{:?}", lying.findings.len());
        assert_eq!(lying.problems.len(), 1, "{:?}", lying.problems);
        assert_eq!(
            lying.problems[0].reason,
            format!(
                "row group 0, column notes: a page declares {claimed} bytes uncompressed, more than its whole column chunk ({}): not scanned",
                chunk.uncompressed_size()
            )
        );
    }

    #[test]
    fn row_groups_records_and_nested_paths() {
        let bytes = customers();
        let meta = parquet::file::metadata::ParquetMetaDataReader::new()
            .parse_and_finish(&bytes::Bytes::from(bytes.clone()))
            .expect("metadata");
        assert_eq!(meta.num_row_groups(), 3, "the fixture must span several row groups");
        let out = scan_bytes(&bytes, "customers.parquet");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let mut got: Vec<(Option<u64>, u64, String, String)> = out
            .findings
            .iter()
            .map(|f| match &f.location {
                Location::Record(r) => {
                    assert_eq!((r.line, r.byte_start, r.byte_end), (None, None, None));
                    (r.row_group, r.record, r.json_path.clone(), f.data_type.to_string())
                }
                other => panic!("not a record location: {other:?}"),
            })
            .collect();
        got.sort();
        let want: Vec<(Option<u64>, u64, String, String)> = [
            (0, 0, "$.email", "EMAIL_ADDRESS"),
            (0, 2, "$.ssn", "USA_SOCIAL_SECURITY_NUMBER"),
            (1, 5, "$.card_number", "CREDIT_CARD_NUMBER"),
            (1, 6, "$.customer.address.note", "USA_SOCIAL_SECURITY_NUMBER"),
            (1, 7, "$.contacts[2]", "EMAIL_ADDRESS"),
            (2, 8, "$.orders[1].card", "CREDIT_CARD_NUMBER"),
            (2, 9, "$.dob", "DATE_OF_BIRTH"),
            (2, 9, "$.ssn", "USA_SOCIAL_SECURITY_NUMBER"),
        ]
        .iter()
        .map(|(g, r, p, t)| (Some(*g), *r, p.to_string(), t.to_string()))
        .collect();
        assert_eq!(got, want);
        assert!(out.findings.iter().all(|f| f.source == "customers.parquet"));
        let s = out.scanned.iter().find(|s| s.source == "customers.parquet").expect("scanned");
        assert_eq!((s.format.as_str(), s.findings, s.container), ("parquet", 8, false));
    }

    #[test]
    fn parquet_in_a_zip_and_from_a_file_by_ranged_reads() {
        let bytes = customers();
        let zip = zip_of(&[("exports/customers.parquet", &bytes)]);
        let out = scan_bytes(&zip, "x.zip");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.findings.len(), 8);
        assert!(out.findings.iter().all(|f| f.source == "x.zip!exports/customers.parquet"));

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.parquet");
        std::fs::write(&path, &bytes).expect("write");
        let file = std::fs::File::open(&path).expect("open");
        let opts = Options::default();
        let x = Extractor::new(scanner(), &opts);
        let mut scratch = scanner().scratch();
        let mut out = Collect::default();
        x.scan(&mut scratch, Data::Random(&file), "c.parquet", &mut out);
        assert_eq!(out.findings.len(), 8);
    }

    #[test]
    fn corrupt_footer_is_an_error_and_other_files_are_still_scanned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = customers();
        let mut bad = good.clone();
        let n = bad.len();
        bad[n - 8..n - 4].copy_from_slice(&[0x10, 0, 0, 0]);
        std::fs::write(dir.path().join("a_bad.parquet"), &bad).expect("write");
        std::fs::write(dir.path().join("b_good.parquet"), &good).expect("write");
        std::fs::write(dir.path().join("c.txt"), "mail jane.doe@example.com\n").expect("write");
        let (code, report) = run_json(&["-j", "1", "."], dir.path());
        assert_eq!(code, 2);
        assert_eq!(findings_of(&report, "b_good.parquet").len(), 8);
        assert_eq!(findings_of(&report, "c.txt").len(), 1);
        let problems = not_scanned(&report);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].0.as_str(), problems[0].1.as_str()), ("a_bad.parquet", "error"));
        assert!(problems[0].2.starts_with("invalid parquet footer: "), "{}", problems[0].2);
    }
}

// ---------------------------------------------------------------------------
// Avro.

#[cfg(feature = "avro")]
#[test]
fn avro_records_through_the_cli() {
    use apache_avro::types::Value;

    let schema = apache_avro::Schema::parse_str(
        r#"{"type": "record", "name": "r", "fields": [
            {"name": "user", "type": {"type": "record", "name": "u", "fields": [
                {"name": "email", "type": "string"}, {"name": "ssn", "type": "long"}]}},
            {"name": "tags", "type": {"type": "array", "items": "string"}}]}"#,
    )
    .expect("schema");
    let mut w = apache_avro::Writer::with_codec(&schema, Vec::new(), apache_avro::Codec::Deflate(Default::default()))
        .expect("writer");
    for i in 0..50i64 {
        let email = if i == 31 { "jane.doe@example.com".to_string() } else { format!("user{i}") };
        let ssn = if i == 44 { 409_227_781 } else { i };
        let tags = if i == 7 { vec!["a", "ssn 512-48-3921"] } else { vec!["a"] };
        w.append_value(Value::Record(vec![
            (
                "user".into(),
                Value::Record(vec![("email".into(), Value::String(email)), ("ssn".into(), Value::Long(ssn))]),
            ),
            ("tags".into(), Value::Array(tags.into_iter().map(|t| Value::String(t.into())).collect())),
        ]))
        .expect("append");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("events.avro"), w.into_inner().expect("avro")).expect("write");
    let (code, report) = run_json(&["events.avro"], dir.path());
    assert_eq!(code, 1);
    let mut got: Vec<(u64, String, String)> = findings_of(&report, "events.avro")
        .iter()
        .map(|f| {
            (
                f["location"]["record"].as_u64().expect("record"),
                f["location"]["json_path"].as_str().expect("path").to_string(),
                f["type"].as_str().expect("type").to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (7, "$.tags[1]".to_string(), "USA_SOCIAL_SECURITY_NUMBER".to_string()),
            (31, "$.user.email".to_string(), "EMAIL_ADDRESS".to_string()),
            (44, "$.user.ssn".to_string(), "USA_SOCIAL_SECURITY_NUMBER".to_string()),
        ]
    );
}

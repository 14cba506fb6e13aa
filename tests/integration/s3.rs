//! S3 sources against a real S3-compatible server on 127.0.0.1 (s3s-fs,
//! started in process by each test; see `s3/server.rs`): listing with
//! pagination, every format, object criteria, incremental and resumed
//! sweeps, shards, injected faults, access denied, archived storage classes,
//! S3 Inventory, and the discovery results.
//!
//! The tests run the `trawl` binary with their own rule file (one e-mail
//! rule), so they depend neither on the built-in rules nor on the machine's
//! AWS configuration.
#![cfg(feature = "s3")]

mod server;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use server::{Server, parse_results, read_results};

/// A rule file with one rule: e-mail addresses at example.com / example.org.
const EMAIL_RULE: &str = r#"
[[rule]]
id = "test.email.1"
type = "EMAIL_ADDRESS"
name = "Test e-mail address"
category = "PERSONAL_INFORMATION"
regex = '''\b([a-z0-9][a-z0-9._-]{0,40}@example\.(?:com|org))\b'''
examples = ["jane.doe@example.org"]
"#;

/// A second rule file: adding it changes the rule-set version.
const SSN_RULE: &str = r#"
[[rule]]
id = "test.ssn.1"
type = "USA_SOCIAL_SECURITY_NUMBER"
name = "Test SSN"
category = "PERSONAL_INFORMATION"
regex = '''\b([0-8][0-9]{2}-[0-9]{2}-[0-9]{4})\b'''
examples = ["123-45-6789"]
"#;

/// A directory holding the e-mail rule (and the SSN rule when `both`).
fn rules(both: bool) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("email.toml"), EMAIL_RULE).unwrap();
    if both {
        std::fs::write(d.path().join("ssn.toml"), SSN_RULE).unwrap();
    }
    d
}

/// The outcome of one `trawl scan --format json`.
struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

impl Run {
    fn findings(&self) -> &[Value] {
        self.json["findings"].as_array().map(Vec::as_slice).unwrap_or(&[])
    }

    fn sources(&self) -> BTreeSet<String> {
        self.findings().iter().map(|f| f["source"].as_str().unwrap().to_string()).collect()
    }

    fn values(&self) -> BTreeSet<String> {
        self.findings().iter().filter_map(|f| f["value"].as_str().map(String::from)).collect()
    }

    fn problems(&self, key: &str) -> Vec<(String, String)> {
        let list = self.json["summary"][key].as_array().cloned().unwrap_or_default();
        list.iter().map(|p| (p["source"].as_str().unwrap().into(), p["reason"].as_str().unwrap().into())).collect()
    }

    /// The sweep's statistics line on standard error.
    fn stats(&self) -> &str {
        self.stderr.lines().find(|l| l.starts_with("s3: ")).unwrap_or("")
    }
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("trawl runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("stdout is JSON ({e}):\n{}\nstderr:\n{stderr}", String::from_utf8_lossy(&out.stdout))
    });
    Run { code: out.status.code().unwrap_or(-1), json, stderr }
}

/// `trawl scan --format json` with the test rules and the server's endpoint.
fn scan(s: &Server, rules: &Path, args: &[&str]) -> Run {
    let mut cmd = s.trawl();
    cmd.args(["--format", "json", "--show-values", "--no-builtin-rules", "--rules"]).arg(rules).args(args);
    run(&mut cmd)
}

fn set_mtime(path: &Path, rfc3339: &str) {
    let ms = trawl::source::s3::parse_time("t", rfc3339).unwrap();
    let t = SystemTime::UNIX_EPOCH + Duration::from_millis(ms as u64);
    std::fs::File::options().write(true).open(path).unwrap().set_modified(t).unwrap();
}

/// Deterministic bytes that do not compress.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Lines of filler text without anything sensitive, `n` bytes or a little more.
fn filler(n: usize) -> String {
    let mut s = String::with_capacity(n + 80);
    let mut i = 0;
    while s.len() < n {
        s.push_str(&format!("{i:08} lorem ipsum dolor sit amet consectetur adipiscing elit sed do\n"));
        i += 1;
    }
    s
}

#[test]
fn lists_more_than_one_page_of_objects() {
    let s = Server::start();
    s.bucket("bulk");
    for i in 0..1100 {
        let body = if i % 100 == 7 { format!("owner: person{i}@example.com\n") } else { format!("row {i}\n") };
        s.write("bulk", &format!("k/obj-{i:04}.txt"), body);
    }
    s.write("bulk", "outside/obj.txt", "owner: outside@example.com\n");
    assert!(s.keys("bulk", "k/").len() == 1100, "the server lists all keys");
    let rules = rules(false);
    let out = tempfile::tempdir().unwrap();
    let r = scan(&s, rules.path(), &["s3://bulk/k/", "--results", out.path().to_str().unwrap()]);
    assert_eq!(r.code, 1, "findings, no errors: {}", r.stderr);
    let want: BTreeSet<String> =
        (0..1100).filter(|i| i % 100 == 7).map(|i| format!("s3://bulk/k/obj-{i:04}.txt")).collect();
    assert_eq!(r.sources(), want);
    assert_eq!(r.findings().len(), 11);
    assert_eq!(
        r.stats(),
        "s3: 1100 objects listed, 1100 scanned, 0 unchanged since the last run, 0 not selected, 0 skipped, 0 failed"
    );
    let records = read_results(out.path());
    assert_eq!(records.len(), 1100, "one record per object");
    let uris: BTreeSet<&str> = records.iter().map(|r| r["uri"].as_str().unwrap()).collect();
    assert_eq!(uris.len(), 1100, "no object twice");
    assert!(records.iter().all(|r| r["status"] == "COMPLETE"));
    assert_eq!(records.iter().map(|r| r["findings"].as_u64().unwrap()).sum::<u64>(), 11);
}

/// Findings as comparable strings: the source without `prefix`, the type, the
/// rule and the location (byte offsets dropped for cells and records, which
/// a table read as a stream need not have).
fn comparable(r: &Run, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = r
        .findings()
        .iter()
        .map(|f| {
            let source = f["source"].as_str().unwrap();
            let source = source.strip_prefix(prefix).unwrap_or(source);
            let mut loc = f["location"].clone();
            if let Some(m) = loc.as_object_mut()
                && (m.contains_key("row") || m.contains_key("record"))
            {
                m.retain(|k, _| {
                    ["row", "column_index", "column", "record", "json_path", "row_group"].contains(&k.as_str())
                });
            }
            format!("{source} {} {} {loc}", f["type"], f["rule"])
        })
        .collect();
    v.sort();
    v
}

/// Writes the same fixtures into `dir` and bucket `formats`; returns their names.
fn format_fixtures(s: &Server, dir: &Path) -> Vec<String> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    files.push(("people.csv".into(), b"name,email\nAna,ana.silva@example.com\nBo,bo.li@example.org\n".to_vec()));
    files.push((
        "events.jsonl".into(),
        b"{\"id\":1,\"user\":{\"email\":\"ev.one@example.com\"}}\n{\"id\":2}\n".to_vec(),
    ));
    files.push(("doc.json".into(), br#"{"owner":{"contact":["x","doc.owner@example.org"]}}"#.to_vec()));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"name,email\nGz,gz.person@example.com\n").unwrap();
    files.push(("people.csv.gz".into(), gz.finish().unwrap()));
    // Larger than the whole-object limit (1 MiB): streamed.
    let mut big = filler(1_500_000);
    big.insert_str(0, "email\nfirst.big@example.com\n");
    big.push_str("last.big@example.com\n");
    files.push(("big.csv".into(), big.clone().into_bytes()));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&noise(1_200_000, 3)).unwrap();
    gz.write_all(b"\n{\"email\":\"in.big.gz@example.com\"}\n").unwrap();
    files.push(("big.jsonl.gz".into(), gz.finish().unwrap()));
    // zip: a small one, and one over 1 MiB (read with ranged GETs).
    for (name, extra) in [("bundle.zip", 0usize), ("big.zip", 1_300_000)] {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        w.start_file("inner/people.csv", stored).unwrap();
        w.write_all(format!("email\nzip.{name}@example.com\n").as_bytes()).unwrap();
        if extra > 0 {
            w.start_file("inner/noise.bin", stored).unwrap();
            w.write_all(&noise(extra, 5)).unwrap();
        }
        w.start_file("notes.txt", deflated).unwrap();
        w.write_all(format!("contact deflated.{name}@example.org\n").as_bytes()).unwrap();
        files.push((name.into(), w.finish().unwrap().into_inner()));
    }
    let mut tar = tar::Builder::new(Vec::new());
    let data = b"email\ntar.member@example.com\n";
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "dir/member.csv", &data[..]).unwrap();
    files.push(("archive.tar".into(), tar.into_inner().unwrap()));
    #[cfg(feature = "avro")]
    {
        let schema = apache_avro::Schema::parse_str(
            r#"{"type":"record","name":"person","fields":[{"name":"email","type":"string"}]}"#,
        )
        .unwrap();
        let mut w = apache_avro::Writer::new(&schema, Vec::new()).unwrap();
        for who in ["avro.one", "avro.two"] {
            let mut rec = apache_avro::types::Record::new(&schema).unwrap();
            rec.put("email", format!("{who}@example.com"));
            w.append_value(rec).unwrap();
        }
        files.push(("people.avro".into(), w.into_inner().unwrap()));
    }
    #[cfg(feature = "parquet")]
    {
        files.push(("table.parquet".into(), parquet_file(50, 0)));
        files.push(("big.parquet".into(), parquet_file(20_000, 64)));
    }
    s.bucket("formats");
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).unwrap();
        s.put("formats", name, bytes.clone());
    }
    files.into_iter().map(|(n, _)| n).collect()
}

/// A Parquet file of `rows` rows (id, email, and `pad` bytes of noise per row as hex).
#[cfg(feature = "parquet")]
fn parquet_file(rows: usize, pad: usize) -> Vec<u8> {
    use std::sync::Arc;
    let ids = arrow_array::Int64Array::from((0..rows as i64).collect::<Vec<_>>());
    let emails = arrow_array::StringArray::from(
        (0..rows)
            .map(|i| if i % 1000 == 3 { format!("pq.{i}@example.com") } else { format!("n/a {i}") })
            .collect::<Vec<_>>(),
    );
    let pads = arrow_array::StringArray::from(
        (0..rows)
            .map(|i| noise(pad / 2, i as u64 + 11).iter().map(|b| format!("{b:02x}")).collect::<String>())
            .collect::<Vec<_>>(),
    );
    let batch = arrow_array::RecordBatch::try_from_iter(vec![
        ("id", Arc::new(ids) as arrow_array::ArrayRef),
        ("email", Arc::new(emails) as arrow_array::ArrayRef),
        ("pad", Arc::new(pads) as arrow_array::ArrayRef),
    ])
    .unwrap();
    let mut buf = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    buf
}

#[test]
fn every_format_reads_the_same_from_s3_as_from_disk() {
    let s = Server::start();
    let local = tempfile::tempdir().unwrap();
    let names = format_fixtures(&s, local.path());
    let rules = rules(false);
    let from_s3 = scan(&s, rules.path(), &["s3://formats/"]);
    let mut cmd = s.trawl();
    cmd.current_dir(local.path())
        .args(["--format", "json", "--show-values", "--no-builtin-rules", "--rules"])
        .arg(rules.path())
        .arg(".");
    let from_disk = run(&mut cmd);
    assert_eq!(from_s3.code, from_disk.code, "s3: {}\nlocal: {}", from_s3.stderr, from_disk.stderr);
    assert_eq!(from_s3.problems("not_scanned"), vec![], "nothing failed from S3");
    assert_eq!(comparable(&from_s3, "s3://formats/"), comparable(&from_disk, ""), "same findings, same places");
    assert!(from_s3.findings().iter().all(|f| f["source"].as_str().unwrap().starts_with("s3://formats/")));
    // Formats whose values are visible to any reader must be found; the rest
    // (compressed members, Parquet pages) are found exactly when the local scan finds them.
    let must: &[&str] = &["people.csv", "events.jsonl", "doc.json", "big.csv", "bundle.zip", "big.zip", "archive.tar"];
    for name in &names {
        let prefix = format!("s3://formats/{name}");
        let n = from_s3.findings().iter().filter(|f| f["source"].as_str().unwrap().starts_with(&prefix)).count();
        assert!(n > 0 || !must.contains(&name.as_str()), "{name}: no finding from S3");
    }
    let values = from_s3.values();
    for v in ["first.big@example.com", "last.big@example.com", "zip.big.zip@example.com", "ana.silva@example.com"] {
        assert!(values.contains(v), "{v} not found in {values:?}");
    }
    // Large zip and Parquet objects are read with ranged GETs, never whole.
    let c = &s.controls;
    assert!(
        c.ranged_gets("big.zip") >= 2 && c.gets("big.zip") == c.ranged_gets("big.zip"),
        "big.zip: ranged reads only"
    );
    assert_eq!(c.ranged_gets("big.csv"), 0, "big.csv is streamed with one GET");
    assert_eq!(c.gets("big.csv"), 1);
    #[cfg(feature = "parquet")]
    assert!(c.ranged_gets("big.parquet") >= 2 && c.gets("big.parquet") == c.ranged_gets("big.parquet"));
}

#[test]
fn criteria_select_objects_like_macie_jobs() {
    let s = Server::start();
    s.bucket("filt");
    let small = |who: &str| format!("email\n{who}@example.com\n");
    let objects = [
        ("data/a.csv", small("selected"), "2024-06-10T00:00:00Z"),
        ("data/sub/g.csv", small("include-glob-misses"), "2024-06-10T00:00:00Z"),
        ("data/f.tsv", small("wrong-extension"), "2024-06-10T00:00:00Z"),
        ("data/secret-c.csv", small("excluded-wins"), "2024-06-10T00:00:00Z"),
        ("data/big.csv", format!("{}{}", small("too-big"), "x".repeat(2000)), "2024-06-10T00:00:00Z"),
        ("data/tiny.csv", "t".into(), "2024-06-10T00:00:00Z"),
        ("data/old.csv", small("too-old"), "2020-01-01T00:00:00Z"),
        ("data/new.csv", small("too-new"), "2030-01-01T00:00:00Z"),
        ("other/d.csv", small("other-prefix"), "2024-06-10T00:00:00Z"),
    ];
    for (key, body, mtime) in &objects {
        s.write("filt", key, body);
        set_mtime(&s.path("filt", key), mtime);
    }
    let rules = rules(false);
    let out = tempfile::tempdir().unwrap();
    let args = [
        "s3://filt/data/",
        "--glob",
        "data/*.csv",
        "--glob",
        "data/*.tsv",
        "--glob",
        "!data/secret*",
        "--extension",
        "CSV",
        "--min-size",
        "10",
        "--max-size",
        "1000",
        "--modified-after",
        "2024-01-01",
        "--modified-before",
        "2029-01-01T00:00:00Z",
        "--results",
        out.path().to_str().unwrap(),
    ];
    let r = scan(&s, rules.path(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.values(), BTreeSet::from(["selected@example.com".to_string()]));
    assert_eq!(
        r.stats(),
        "s3: 8 objects listed, 1 scanned, 0 unchanged since the last run, 7 not selected, 0 skipped, 0 failed"
    );
    let records = read_results(out.path());
    assert_eq!(records.len(), 1, "objects not selected get no record");
    assert_eq!(records[0]["uri"], "s3://filt/data/a.csv");
    // Each criterion alone excludes its object: drop one at a time.
    let r = scan(&s, rules.path(), &["s3://filt/data/", "--glob", "!data/secret*", "--glob", "data/**"]);
    let v = r.values();
    assert!(!v.contains("excluded-wins@example.com") && v.contains("include-glob-misses@example.com"), "{v:?}");
    let r = scan(&s, rules.path(), &["s3://filt/data/", "--max-size", "1000", "--min-size", "10"]);
    assert!(!r.values().contains("too-big@example.com") && r.values().contains("too-old@example.com"));
    let r = scan(&s, rules.path(), &["s3://filt/", "--modified-before", "2021-01-01"]);
    assert_eq!(r.values(), BTreeSet::from(["too-old@example.com".to_string()]));
}

#[test]
fn incremental_sweeps_scan_only_what_changed() {
    let s = Server::start();
    s.bucket("inc");
    for i in 0..20 {
        s.write("inc", &format!("obj-{i:02}.txt"), format!("contact person{i}@example.com\n"));
    }
    let rules = rules(false);
    let work = tempfile::tempdir().unwrap();
    let state = work.path().join("state.jsonl");
    let state_arg = state.to_str().unwrap();
    let results = |n: u32| work.path().join(format!("results-{n}"));
    let sweep = |n: u32, rules: &Path| {
        scan(&s, rules, &["s3://inc/", "--state", state_arg, "--results", results(n).to_str().unwrap()])
    };

    let r = sweep(1, rules.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.findings().len(), 20);
    assert_eq!(read_results(&results(1)).len(), 20);
    let text = std::fs::read_to_string(&state).unwrap();
    assert_eq!(text.lines().count(), 21, "a header and one line per object:\n{text}");

    // Two objects change (one keeps its size), one is added, one is deleted.
    s.write("inc", "obj-03.txt", "contact changed3x@example.com\n");
    s.write("inc", "obj-04.txt", "contact person9@example.com\n");
    s.write("inc", "obj-20.txt", "contact newcomer@example.com\n");
    s.delete("inc", "obj-05.txt");
    let r = sweep(2, rules.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    let want: BTreeSet<String> =
        ["obj-03.txt", "obj-04.txt", "obj-20.txt"].iter().map(|k| format!("s3://inc/{k}")).collect();
    assert_eq!(r.sources(), want, "only new and changed objects are scanned");
    assert_eq!(
        r.stats(),
        "s3: 20 objects listed, 3 scanned, 17 unchanged since the last run, 0 not selected, 0 skipped, 0 failed"
    );
    let uris: BTreeSet<String> =
        read_results(&results(2)).iter().map(|r| r["uri"].as_str().unwrap().to_string()).collect();
    assert_eq!(uris, want);
    let text = std::fs::read_to_string(&state).unwrap();
    assert_eq!(text.lines().count(), 21, "20 objects: the deleted one is forgotten");
    assert!(!text.contains("obj-05.txt"));

    // Nothing changed: nothing scanned, nothing found, exit 0.
    let r = sweep(3, rules.path());
    assert_eq!((r.code, r.findings().len()), (0, 0), "{}", r.stderr);
    assert!(r.stats().contains("0 scanned, 20 unchanged"), "{}", r.stats());

    // The rules changed: everything is scanned again.
    let more = self::rules(true);
    let r = sweep(4, more.path());
    assert_eq!(r.findings().len(), 20, "{}", r.stderr);
    assert!(r.stats().contains("20 scanned, 0 unchanged"), "{}", r.stats());
    let r = sweep(5, more.path());
    assert!(r.stats().contains("0 scanned, 20 unchanged"), "{}", r.stats());
}

#[test]
fn a_killed_sweep_resumes_without_rescanning_what_it_finished() {
    let s = Server::start();
    s.bucket("resume");
    let total = 120;
    for i in 0..total {
        s.write("resume", &format!("obj-{i:03}.txt"), format!("contact person{i}@example.com\n"));
    }
    let rules = rules(false);
    let work = tempfile::tempdir().unwrap();
    let state = work.path().join("state.jsonl.gz");
    let (res1, res2) = (work.path().join("r1"), work.path().join("r2"));
    // Slow the server down so that the sweep is killed half-way.
    s.controls.delay_ms.store(40, Ordering::Relaxed);
    let mut cmd = s.trawl();
    cmd.args(["--format", "json", "--no-builtin-rules", "--rules"])
        .arg(rules.path())
        .args(["s3://resume/", "--concurrency", "2", "-j", "1", "--state"])
        .arg(&state)
        .arg("--results")
        .arg(&res1)
        .env("TRAWL_S3_CHECKPOINT_EVERY", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let done_in = |p: &Path| -> BTreeSet<String> {
        let Ok(bytes) = std::fs::read(p) else { return BTreeSet::new() };
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text);
        text.lines()
            .skip(1)
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["uri"].as_str().unwrap().to_string())
            .collect()
    };
    while done_in(&state).len() < 30 {
        assert!(Instant::now() < deadline, "no checkpoint within a minute");
        assert!(child.try_wait().unwrap().is_none(), "the sweep ended before it could be killed");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no chance to save anything more
    child.wait().unwrap();
    let finished = done_in(&state);
    assert!(finished.len() >= 30 && finished.len() < total, "{} done at the kill", finished.len());
    let first: Vec<Value> = read_results(&res1);
    assert!(first.len() >= finished.len(), "every object in the state has its result stored");

    s.controls.delay_ms.store(0, Ordering::Relaxed);
    let gets_before: BTreeMap<String, u64> = s.controls.gets.lock().unwrap().clone().into_iter().collect();
    let r = scan(
        &s,
        rules.path(),
        &["s3://resume/", "--state", state.to_str().unwrap(), "--results", res2.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let second: BTreeSet<String> = read_results(&res2).iter().map(|r| r["uri"].as_str().unwrap().to_string()).collect();
    assert_eq!(second.len(), total - finished.len(), "the rerun scans exactly what was not finished");
    assert!(second.is_disjoint(&finished), "nothing finished is scanned again");
    assert_eq!(r.sources(), second, "findings come from the objects scanned");
    let gets_after = s.controls.gets.lock().unwrap().clone();
    for uri in &finished {
        let key = uri.strip_prefix("s3://resume/").unwrap();
        assert_eq!(gets_before.get(key), gets_after.get(key), "{key} was fetched again");
    }
    let union: BTreeSet<String> =
        first.iter().map(|r| r["uri"].as_str().unwrap().to_string()).chain(second.iter().cloned()).collect();
    assert_eq!(union.len(), total, "the two runs' results cover every object");
    assert_eq!(done_in(&state).len(), total);
}

/// Reads every results file under `s3://bucket/prefix`.
fn s3_results(s: &Server, bucket: &str, prefix: &str) -> Vec<Value> {
    let mut keys = s.keys(bucket, prefix);
    keys.sort();
    keys.iter().filter(|k| k.ends_with(".jsonl.gz")).flat_map(|k| parse_results(&s.get(bucket, k))).collect()
}

#[test]
fn shards_split_a_sweep_with_no_overlap_and_no_gap() {
    let s = Server::start();
    for b in ["shard", "state", "res"] {
        s.bucket(b);
    }
    for i in 0..90 {
        s.write("shard", &format!("p/obj-{i:02}.txt"), format!("contact person{i}@example.com\n"));
    }
    let rules = rules(false);
    let full = scan(&s, rules.path(), &["s3://shard/"]);
    assert_eq!(full.findings().len(), 90);
    let mut union: Vec<String> = Vec::new();
    for i in 0..3 {
        let mut cmd = s.trawl();
        let shard = if i == 1 { "auto/3".to_string() } else { format!("{i}/3") };
        cmd.args(["--format", "json", "--no-builtin-rules", "--rules"])
            .arg(rules.path())
            .args(["s3://shard/", "--shard", &shard, "--state", "s3://state/sweep.jsonl"])
            .args(["--results", "s3://res/run/"])
            .env("JOB_COMPLETION_INDEX", "1")
            .env_remove("AWS_BATCH_JOB_ARRAY_INDEX");
        let r = run(&mut cmd);
        assert_eq!(r.code, 1, "{}", r.stderr);
        for src in r.sources() {
            let key = src.strip_prefix("s3://shard/").unwrap();
            assert_eq!(trawl::source::s3::shard_of(key, 3), i, "{key} belongs to shard {i}");
            union.push(src);
        }
    }
    let n = union.len();
    let set: BTreeSet<String> = union.into_iter().collect();
    assert_eq!(n, set.len(), "no object in two shards");
    assert_eq!(set, full.sources(), "the shards together are the full sweep");
    let records = s3_results(&s, "res", "run/");
    assert_eq!(records.len(), 90, "one record per object, in S3");
    assert!(records.iter().all(|r| r["shard"].as_str().unwrap().ends_with("/3")));
    let state_keys: BTreeSet<String> = s.keys("state", "").into_iter().collect();
    let want: BTreeSet<String> = (0..3).map(|i| format!("sweep-shard-{i}-of-3.jsonl")).collect();
    assert_eq!(state_keys, want, "one state file per shard, in S3");
    // A second round with the S3 state scans nothing.
    let r = scan(&s, rules.path(), &["s3://shard/", "--shard", "2/3", "--state", "s3://state/sweep.jsonl"]);
    assert_eq!((r.code, r.findings().len()), (0, 0), "{}", r.stderr);
    // auto needs an index.
    let mut cmd = s.trawl();
    cmd.args(["--no-builtin-rules", "--rules"])
        .arg(rules.path())
        .args(["s3://shard/", "--shard", "auto/3"])
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JOB_COMPLETION_INDEX"));
}

#[test]
fn throttling_server_errors_and_dropped_connections_lose_nothing() {
    let s = Server::start();
    s.bucket("faulty");
    for i in 0..40 {
        s.put("faulty", &format!("small-{i:02}.txt"), format!("contact person{i}@example.com\n"));
    }
    let mut big = filler(2_500_000);
    big.insert_str(0, "contact big.first@example.com\n");
    big.push_str("contact big.last@example.com\n");
    s.put("faulty", "big.txt", big.clone());
    let mut mid = filler(700_000);
    mid.push_str("contact mid.last@example.com\n");
    s.put("faulty", "mid.txt", mid);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("noise.bin", stored).unwrap();
    w.write_all(&noise(1_500_000, 9)).unwrap();
    w.start_file("people.csv", stored).unwrap();
    w.write_all(b"email\nzipped.person@example.com\n").unwrap();
    s.put("faulty", "big.zip", w.finish().unwrap().into_inner());
    let rules = rules(false);
    let clean = scan(&s, rules.path(), &["s3://faulty/"]);
    assert_eq!(clean.code, 1, "{}", clean.stderr);
    assert_eq!(clean.findings().len(), 44);

    s.controls.every.store(3, Ordering::Relaxed);
    let out = tempfile::tempdir().unwrap();
    let faulty =
        scan(&s, rules.path(), &["s3://faulty/", "--retries", "10", "--results", out.path().to_str().unwrap()]);
    s.controls.every.store(0, Ordering::Relaxed);
    assert_eq!(faulty.code, 1, "no error left after retries: {}", faulty.stderr);
    assert_eq!(comparable(&faulty, ""), comparable(&clean, ""), "the same findings, none twice");
    let records = read_results(out.path());
    assert_eq!(records.len(), 43);
    assert!(records.iter().all(|r| r["status"] == "COMPLETE"), "{records:?}");
    for kind in ["503", "500", "cut"] {
        assert!(s.controls.injected(kind) > 0, "no {kind} was injected");
    }
}

#[test]
fn an_object_that_changes_mid_transfer_is_rescanned_cleanly() {
    let s = Server::start();
    s.bucket("mut");
    let version = |tag: &str| {
        let mut t = format!("contact {tag}.head@example.com\n");
        t.push_str(&filler(2_000_000));
        t.push_str(&format!("contact {tag}.tail@example.com\n"));
        t
    };
    s.write("mut", "big.txt", version("first"));
    let v2 = version("second");
    s.controls
        .cuts
        .lock()
        .unwrap()
        .insert("big.txt".into(), (1_200_000, Some(("mut/big.txt".into(), v2.into_bytes()))));
    let rules = rules(false);
    let out = tempfile::tempdir().unwrap();
    let r = scan(&s, rules.path(), &["s3://mut/", "--results", out.path().to_str().unwrap()]);
    assert_eq!(s.controls.injected("cut"), 1, "the transfer was cut");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let want: BTreeSet<String> = ["second.head@example.com", "second.tail@example.com"].map(String::from).into();
    assert_eq!(r.values(), want, "only the new version's findings, each once");
    assert_eq!(r.findings().len(), 2);
    let records = read_results(out.path());
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["status"], "COMPLETE");
    assert_eq!(records[0]["findings"], 2);
    assert!(s.controls.gets("big.txt") >= 3, "first GET, failed resume, fresh GET");
}

#[test]
fn access_denied_on_one_object_does_not_stop_the_sweep() {
    let s = Server::start();
    s.bucket("deny");
    for k in ["a.txt", "b.txt", "c.txt", "d.txt"] {
        s.write("deny", k, format!("contact owner.{}@example.com\n", &k[..1]));
    }
    s.controls.deny_get.lock().unwrap().insert("b.txt".into());
    let rules = rules(false);
    let out = tempfile::tempdir().unwrap();
    let r = scan(&s, rules.path(), &["s3://deny/", "--results", out.path().to_str().unwrap()]);
    assert_eq!(r.code, 2, "an object could not be scanned: {}", r.stderr);
    assert_eq!(r.findings().len(), 3);
    let failed = r.problems("not_scanned");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "s3://deny/b.txt");
    assert!(failed[0].1.contains("access denied"), "{}", failed[0].1);
    let status: BTreeMap<String, String> = read_results(out.path())
        .iter()
        .map(|r| (r["key"].as_str().unwrap().into(), r["status"].as_str().unwrap().into()))
        .collect();
    assert_eq!(status["b.txt"], "ERROR");
    assert_eq!(status.values().filter(|s| *s == "COMPLETE").count(), 3);
    assert!(r.stats().ends_with("1 failed"), "{}", r.stats());
}

#[test]
fn archived_objects_are_tried_scanned_when_restored_and_skipped_otherwise() {
    let s = Server::start();
    s.bucket("cold");
    for k in ["hot/a.txt", "glacier/b.txt", "glacier/restored.txt", "deep/c.txt", "ir/d.txt", "it/e.txt"] {
        s.write("cold", k, format!("contact owner@example.com {k}\n"));
    }
    // Over 1 MiB and named .zip: read with ranged GETs from the first request.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("noise.bin", stored).unwrap();
    w.write_all(&noise(1_300_000, 4)).unwrap();
    w.start_file("people.csv", stored).unwrap();
    w.write_all(b"email\nzipped.cold@example.com\n").unwrap();
    s.write("cold", "glacier/big.zip", w.finish().unwrap().into_inner());
    *s.controls.storage_class.lock().unwrap() = vec![
        ("glacier/".into(), "GLACIER".into()),
        ("deep/".into(), "DEEP_ARCHIVE".into()),
        ("ir/".into(), "GLACIER_IR".into()),
        ("it/".into(), "INTELLIGENT_TIERING".into()),
    ];
    s.controls.restored.lock().unwrap().insert("glacier/restored.txt".into());
    s.controls.archived.lock().unwrap().insert("it/e.txt".into());
    let rules = rules(false);
    let work = tempfile::tempdir().unwrap();
    let (out, state) = (work.path().join("results"), work.path().join("state.jsonl"));
    let args = ["s3://cold/", "--results", out.to_str().unwrap(), "--state", state.to_str().unwrap()];
    let r = scan(&s, rules.path(), &args);
    assert_eq!(r.code, 1, "skips are warnings, not errors: {}", r.stderr);
    let scanned: BTreeSet<String> =
        ["hot/a.txt", "ir/d.txt", "glacier/restored.txt"].iter().map(|k| format!("s3://cold/{k}")).collect();
    assert_eq!(r.sources(), scanned, "a restored object is scanned");
    assert_eq!(r.problems("not_scanned"), vec![], "InvalidObjectState is not an error");
    let warnings = r.problems("warnings");
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    for (key, class) in [
        ("glacier/b.txt", "GLACIER"),
        ("deep/c.txt", "DEEP_ARCHIVE"),
        ("it/e.txt", "INTELLIGENT_TIERING"),
        ("glacier/big.zip", "GLACIER"),
    ] {
        let uri = format!("s3://cold/{key}");
        let w =
            warnings.iter().find(|(s, _)| *s == uri).unwrap_or_else(|| panic!("no warning for {uri}: {warnings:?}"));
        assert!(
            w.1.starts_with(&format!("skipped: storage class {class}"))
                && w.1.ends_with("(restore the object to scan it)"),
            "{w:?}"
        );
    }
    for key in ["glacier/b.txt", "deep/c.txt", "it/e.txt", "glacier/big.zip"] {
        assert!(s.controls.gets(key) <= 1, "{key}: tried once, not retried");
    }
    let records = read_results(&out);
    let skipped: BTreeSet<&str> =
        records.iter().filter(|r| r["status"] == "SKIPPED").map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(skipped, BTreeSet::from(["glacier/b.txt", "deep/c.txt", "it/e.txt", "glacier/big.zip"]));
    assert!(
        records
            .iter()
            .filter(|r| r["status"] == "SKIPPED")
            .all(|r| r["reason"].as_str().unwrap().contains("restore the object to scan it"))
    );
    assert!(r.stats().ends_with("4 skipped, 0 failed"), "{}", r.stats());
    let text = std::fs::read_to_string(&state).unwrap();
    assert_eq!(text.lines().count(), 4, "the state records the three scanned objects only:\n{text}");
    // Once restored, a skipped object is scanned by the next incremental sweep.
    s.controls.restored.lock().unwrap().insert("glacier/b.txt".into());
    let r = scan(&s, rules.path(), &args);
    assert_eq!(r.sources(), BTreeSet::from(["s3://cold/glacier/b.txt".to_string()]), "{}", r.stderr);
}

#[test]
fn results_hold_counts_and_locations_but_never_values() {
    let s = Server::start();
    s.bucket("res");
    let mut many = String::from("name,email\n");
    for i in 0..20 {
        many.push_str(&format!("p{i},secret.person{i}@example.com\n"));
    }
    s.write("res", "many.csv", &many);
    s.write("res", "clean.txt", "nothing to see\n");
    let rules = rules(false);
    let out = tempfile::tempdir().unwrap();
    let r = scan(&s, rules.path(), &["s3://res/", "--results", out.path().to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert_eq!(r.values().len(), 20, "values are shown on stdout with --show-values");
    let files: Vec<_> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "one results file for the run: {files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("trawl-results-") && name.ends_with("-all-00000.jsonl.gz"), "{name}");
    let gz = std::fs::read(&files[0]).unwrap();
    let mut raw = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut raw).unwrap();
    assert!(!raw.contains("secret.person") && !raw.contains("@example.com"), "no value, raw or masked:\n{raw}");
    assert!(!raw.contains("\"value\"") && !raw.contains("\"redacted\""));
    let records = parse_results(&gz);
    assert_eq!(records.len(), 2);
    let by_key: BTreeMap<&str, &Value> = records.iter().map(|r| (r["key"].as_str().unwrap(), r)).collect();
    let m = by_key["many.csv"];
    assert_eq!(m["uri"], "s3://res/many.csv");
    assert_eq!(m["status"], "COMPLETE");
    assert_eq!(m["size"], many.len());
    assert_eq!(m["etag"].as_str().unwrap().len(), 32, "the object's MD5 ETag: {}", m["etag"]);
    assert_eq!(m["findings"], 20);
    assert_eq!(m["by_type"]["EMAIL_ADDRESS"], 20);
    assert_eq!(m["by_category"]["PERSONAL_INFORMATION"], 20);
    let occ = m["occurrences"]["EMAIL_ADDRESS"].as_array().unwrap();
    assert_eq!(occ.len(), trawl::source::s3::MAX_OCCURRENCES, "occurrences are capped");
    assert!(occ.iter().all(|o| o["location"].is_object() && o["source"] == "s3://res/many.csv"));
    let c = by_key["clean.txt"];
    assert_eq!((c["status"].as_str(), c["findings"].as_u64()), (Some("COMPLETE"), Some(0)));
    assert!(m["rules_version"].as_str().is_some_and(|v| !v.is_empty()) && m["scanned_at"].is_string());
}

/// Writes an S3 Inventory (gzip CSV) listing `keys` of bucket `src` into bucket `dest`; returns the manifest's key.
fn csv_inventory(s: &Server, src: &str, dest: &str, rows: &[(&str, &str)]) -> String {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for (key, class) in rows {
        let size = std::fs::metadata(s.path(src, key)).map(|m| m.len()).unwrap_or(10);
        let enc = key.replace('/', "%2F").replace(' ', "+");
        writeln!(gz, "\"{src}\",\"{enc}\",\"{size}\",\"2024-06-01T00:00:00.000Z\",\"\",\"{class}\"").unwrap();
    }
    s.put(dest, "inv/data/part-0.csv.gz", gz.finish().unwrap());
    let manifest = serde_json::json!({
        "sourceBucket": src,
        "destinationBucket": format!("arn:aws:s3:::{dest}"),
        "version": "2016-11-30",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass",
        "files": [{"key": "inv/data/part-0.csv.gz", "size": 1, "MD5checksum": "0"}]
    });
    s.put(dest, "inv/manifest.json", serde_json::to_vec(&manifest).unwrap());
    "inv/manifest.json".into()
}

#[test]
fn an_inventory_replaces_the_listing() {
    let s = Server::start();
    s.bucket("src");
    s.bucket("dest");
    for k in ["a.csv", "b.csv", "dir/c d.csv", "cold.csv"] {
        s.write("src", k, format!("email\nowner.{}@example.com\n", k.replace(['/', ' ', '.'], "-")));
    }
    let manifest = csv_inventory(
        &s,
        "src",
        "dest",
        &[("a.csv", "STANDARD"), ("dir/c d.csv", "STANDARD"), ("cold.csv", "GLACIER"), ("gone.csv", "STANDARD")],
    );
    // The server answers as S3 does for an archived object that is not restored.
    *s.controls.storage_class.lock().unwrap() = vec![("cold.csv".into(), "GLACIER".into())];
    let rules = rules(false);
    let r = scan(&s, rules.path(), &["s3://src/", "--inventory", &format!("s3://dest/{manifest}")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let want: BTreeSet<String> = ["s3://src/a.csv", "s3://src/dir/c d.csv"].map(String::from).into();
    assert_eq!(r.sources(), want, "only the inventory's keys (b.csv is not in it)");
    let warnings = r.problems("warnings");
    assert!(warnings.iter().any(|(s, w)| s == "s3://src/cold.csv" && w.contains("GLACIER")), "{warnings:?}");
    assert!(warnings.iter().any(|(s, w)| s == "s3://src/gone.csv" && w.contains("deleted since it was listed")));
    assert_eq!(s.controls.gets("b.csv"), 0);
    // A local manifest with its data file beside it.
    let local = tempfile::tempdir().unwrap();
    let m = s.get("dest", "inv/manifest.json");
    std::fs::write(local.path().join("manifest.json"), m).unwrap();
    std::fs::write(local.path().join("part-0.csv.gz"), s.get("dest", "inv/data/part-0.csv.gz")).unwrap();
    let r =
        scan(&s, rules.path(), &["s3://src/dir/", "--inventory", local.path().join("manifest.json").to_str().unwrap()]);
    assert_eq!(r.sources(), BTreeSet::from(["s3://src/dir/c d.csv".to_string()]), "the URI's prefix still applies");
}

#[cfg(feature = "parquet")]
#[test]
fn a_parquet_inventory_is_read() {
    use std::sync::Arc;
    let s = Server::start();
    s.bucket("src");
    s.bucket("dest");
    s.write("src", "x.csv", "email\nparquet.inv@example.com\n");
    s.write("src", "y.csv", "email\nnot.listed@example.com\n");
    let batch = arrow_array::RecordBatch::try_from_iter(vec![
        ("bucket", Arc::new(arrow_array::StringArray::from(vec!["src"])) as arrow_array::ArrayRef),
        ("key", Arc::new(arrow_array::StringArray::from(vec!["x.csv"])) as arrow_array::ArrayRef),
        ("size", Arc::new(arrow_array::Int64Array::from(vec![30])) as arrow_array::ArrayRef),
        ("storage_class", Arc::new(arrow_array::StringArray::from(vec!["STANDARD"])) as arrow_array::ArrayRef),
    ])
    .unwrap();
    let mut buf = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    s.put("dest", "inv/data/part-0.parquet", buf);
    let manifest = serde_json::json!({"sourceBucket": "src", "destinationBucket": "arn:aws:s3:::dest",
        "fileFormat": "Parquet", "fileSchema": "message s3.inventory { required binary bucket (STRING); }",
        "files": [{"key": "inv/data/part-0.parquet"}]});
    s.put("dest", "inv/manifest.json", serde_json::to_vec(&manifest).unwrap());
    let r = scan(&s, rules(false).path(), &["s3://src/", "--inventory", "s3://dest/inv/manifest.json"]);
    assert_eq!(r.sources(), BTreeSet::from(["s3://src/x.csv".to_string()]), "{}", r.stderr);
    // No last_modified_date column: a date filter is refused, not left to select nothing.
    let args = ["s3://src/", "--inventory", "s3://dest/inv/manifest.json", "--modified-after", "2024-01-01"];
    let r = scan(&s, rules(false).path(), &args);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let failed = r.problems("not_scanned");
    assert!(failed.iter().any(|(_, why)| why.contains("LastModifiedDate column")), "{failed:?}");
}

#[cfg(not(feature = "parquet"))]
#[test]
fn a_parquet_inventory_without_the_parquet_feature_is_a_clear_error() {
    let s = Server::start();
    s.bucket("dest");
    s.bucket("src");
    let manifest = serde_json::json!({"sourceBucket": "src", "destinationBucket": "arn:aws:s3:::dest",
        "fileFormat": "Parquet", "fileSchema": "", "files": [{"key": "inv/data/part-0.parquet"}]});
    s.put("dest", "inv/manifest.json", serde_json::to_vec(&manifest).unwrap());
    s.put("dest", "inv/data/part-0.parquet", b"PAR1".to_vec());
    let r = scan(&s, rules(false).path(), &["s3://src/", "--inventory", "s3://dest/inv/manifest.json"]);
    assert_eq!(r.code, 2);
    let failed = r.problems("not_scanned");
    assert!(failed.iter().any(|(_, w)| w.contains("`parquet` feature")), "{failed:?}");
}

#[test]
fn bad_s3_flags_fail_before_scanning() {
    let s = Server::start();
    let rules = rules(false);
    for args in [
        vec!["s3://b/", "--shard", "3/3"],
        vec!["s3://b/", "--modified-after", "yesterday"],
        vec!["s3://b/", "--glob", "a["],
        vec!["s3:///nobucket"],
        vec!["s3://b/", "--modified-after", "2024-06-02", "--modified-before", "2024-06-01"],
    ] {
        let mut cmd = s.trawl();
        let out = cmd.args(["--no-builtin-rules", "--rules"]).arg(rules.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("trawl: error: invalid"), "{args:?}: {err}");
    }
    // A bucket that does not exist: reported, exit 2.
    let r = scan(&s, rules.path(), &["s3://no-such-bucket/"]);
    assert_eq!(r.code, 2);
    assert!(
        r.problems("not_scanned")
            .iter()
            .any(|(src, why)| src == "s3://no-such-bucket/" && why.contains("NoSuchBucket")),
        "{:?}",
        r.problems("not_scanned")
    );
}

#[test]
fn the_sweeps_own_files_are_never_scanned() {
    let s = Server::start();
    s.bucket("self");
    s.write("self", "data.txt", "contact data.owner@example.com\n");
    let rules = rules(false);
    let args = ["s3://self/", "--state", "s3://self/ops/state.jsonl", "--results", "s3://self/ops/results"];
    let r = scan(&s, rules.path(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let keys = s.keys("self", "ops/");
    assert_eq!(keys.len(), 2, "the state and one results file: {keys:?}");
    // Changed data: the second run lists the state and results files too, and leaves them alone.
    s.write("self", "data.txt", "contact data.owner2@example.com\n");
    let r = scan(&s, rules.path(), &args);
    assert_eq!(r.sources(), BTreeSet::from(["s3://self/data.txt".to_string()]));
    assert_eq!(
        r.stats(),
        "s3: 3 objects listed, 1 scanned, 0 unchanged since the last run, 2 not selected, 0 skipped, 0 failed"
    );
    let records = s3_results(&s, "self", "ops/");
    assert_eq!(records.len(), 2, "one record per run, for data.txt only");
    assert!(records.iter().all(|r| r["key"] == "data.txt"));
}

/// The URIs recorded in a (plain JSON Lines) state file.
fn state_uris(path: &Path) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(path) else { return BTreeSet::new() };
    text.lines()
        .skip(1)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| v["uri"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_killed_sweep_never_records_an_object_before_its_findings_are_written() {
    let s = Server::start();
    s.bucket("durable");
    let total = 400;
    for i in 0..total {
        s.write("durable", &format!("obj-{i:03}.txt"), format!("contact person{i}@example.com\n"));
    }
    let rules = rules(false);
    let work = tempfile::tempdir().unwrap();
    let (state, output) = (work.path().join("state.jsonl"), work.path().join("out.jsonl"));
    s.controls.delay_ms.store(10, Ordering::Relaxed);
    let mut cmd = s.trawl();
    cmd.args(["--format", "jsonl", "--no-builtin-rules", "--rules"])
        .arg(rules.path())
        .args(["s3://durable/", "--concurrency", "4", "-j", "2", "--state"])
        .arg(&state)
        .arg("--output")
        .arg(&output)
        .env("TRAWL_S3_CHECKPOINT_EVERY", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while state_uris(&state).len() < 60 {
        assert!(Instant::now() < deadline, "no checkpoint within a minute");
        assert!(child.try_wait().unwrap().is_none(), "the sweep ended before it could be killed");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL: nothing more is written
    child.wait().unwrap();
    let done = state_uris(&state);
    assert!(done.len() < total, "killed half-way: {} done", done.len());
    let text = std::fs::read_to_string(&output).unwrap();
    let written: BTreeSet<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|f| f["source"].as_str().unwrap().to_string())
        .collect();
    let lost: Vec<&String> = done.difference(&written).collect();
    assert!(lost.is_empty(), "{} objects in the state have no finding in the output: {lost:?}", lost.len());
}

#[test]
fn settings_that_change_findings_rescan_and_output_settings_do_not() {
    let s = Server::start();
    s.bucket("cfg");
    s.write("cfg", "a.txt", "contact alpha@example.com\n");
    s.write("cfg", "b.txt", "contact beta@example.com\n");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("inner.txt", zip::write::SimpleFileOptions::default()).unwrap();
    w.write_all(b"contact zipped@example.com\n").unwrap();
    s.write("cfg", "c.zip", w.finish().unwrap().into_inner());
    let rules = rules(false);
    let work = tempfile::tempdir().unwrap();
    let state = work.path().join("state.jsonl.gz");
    let allow = work.path().join("allow.txt");
    std::fs::write(&allow, "alpha@example.com\n").unwrap();
    let sweep = |extra: &[&str]| {
        let mut args = vec!["s3://cfg/", "--state", state.to_str().unwrap()];
        args.extend_from_slice(extra);
        scan(&s, rules.path(), &args)
    };
    let rescanned = |r: &Run, what: &str| {
        assert!(r.stats().contains("3 scanned, 0 unchanged"), "{what}: {}\n{}", r.stats(), r.stderr);
    };
    let unchanged = |r: &Run, what: &str| {
        assert!(r.stats().contains("0 scanned, 3 unchanged"), "{what}: {}\n{}", r.stats(), r.stderr);
    };
    // A stricter first run, then the default: what it hid is found.
    let r = sweep(&["--allow-regex", "^beta@"]);
    rescanned(&r, "first run");
    assert!(!r.values().contains("beta@example.com"));
    let r = sweep(&[]);
    rescanned(&r, "--allow-regex dropped");
    assert!(r.values().contains("beta@example.com"), "{:?}", r.values());
    unchanged(&sweep(&[]), "same settings");
    unchanged(&sweep(&["-j", "1", "--concurrency", "3", "--retries", "2"]), "threads and concurrency");
    let mut cmd = s.trawl();
    cmd.args(["--format", "jsonl", "--quiet", "--no-builtin-rules", "--rules"]).arg(rules.path()).args([
        "s3://cfg/",
        "--state",
        state.to_str().unwrap(),
    ]);
    let out = cmd.output().unwrap();
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0), "another output format: nothing rescanned");
    for extra in [
        &["--min-confidence", "high"][..],
        &["--allow-list", allow.to_str().unwrap()],
        &["--no-archives"],
        &["--text"],
        &["--skip-binary"],
        &["--max-archive-depth", "3"],
        &["--max-archive-bytes", "1G"],
        &["--max-archive-ratio", "50"],
        &["--max-archive-members", "100"],
        &["--max-filesize", "1M"],
    ] {
        rescanned(&sweep(extra), &format!("{extra:?}"));
    }
    unchanged(&sweep(&["--max-filesize", "1M"]), "the same again");
    // The allow list's contents count, not its name.
    rescanned(&sweep(&["--allow-list", allow.to_str().unwrap()]), "allow list");
    unchanged(&sweep(&["--allow-list", allow.to_str().unwrap()]), "allow list again");
    std::fs::write(&allow, "beta@example.com\n").unwrap();
    let r = sweep(&["--allow-list", allow.to_str().unwrap()]);
    rescanned(&r, "allow list edited");
    assert!(r.values().contains("alpha@example.com") && !r.values().contains("beta@example.com"));
}

#[test]
fn an_s3_uri_scheme_is_case_insensitive() {
    let s = Server::start();
    s.bucket("some");
    s.write("some", "data/a.txt", "contact upper.case@example.com\n");
    let rules = rules(false);
    let r = scan(&s, rules.path(), &["S3://some/data/"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.sources(), BTreeSet::from(["s3://some/data/a.txt".to_string()]));
}

#[test]
fn an_inventory_of_another_bucket_is_an_error_naming_both() {
    let s = Server::start();
    for b in ["src", "dest", "other"] {
        s.bucket(b);
    }
    s.write("src", "a.csv", "email\nowner.a@example.com\n");
    s.write("other", "x.csv", "email\nowner.x@example.com\n");
    let manifest = csv_inventory(&s, "src", "dest", &[("a.csv", "STANDARD")]);
    let inv = format!("s3://dest/{manifest}");
    let rules = rules(false);
    let r = scan(&s, rules.path(), &["s3://other/", "--inventory", &inv]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.findings().is_empty());
    let failed = r.problems("not_scanned");
    assert!(
        failed.iter().any(|(src, why)| src == "s3://other/" && why.contains("bucket src") && why.contains(&inv)),
        "{failed:?}"
    );
    // The inventory's own bucket is still swept.
    let r = scan(&s, rules.path(), &["s3://src/", "s3://other/", "--inventory", &inv]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.sources(), BTreeSet::from(["s3://src/a.csv".to_string()]));
    assert_eq!(s.controls.gets("x.csv"), 0, "the other bucket is not listed instead");
}

#[test]
fn an_inventory_without_sizes_or_dates_refuses_the_filters_that_need_them() {
    let s = Server::start();
    s.bucket("src");
    s.bucket("dest");
    s.write("src", "big.csv", "email\nbig.owner@example.com\n");
    s.write("src", "t.txt", "x");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for key in ["big.csv", "t.txt"] {
        writeln!(gz, "\"src\",\"{key}\",\"\",\"STANDARD\"").unwrap();
    }
    s.put("dest", "inv/data/part-0.csv.gz", gz.finish().unwrap());
    let manifest = serde_json::json!({"sourceBucket": "src", "destinationBucket": "arn:aws:s3:::dest",
        "fileFormat": "CSV", "fileSchema": "Bucket, Key, ETag, StorageClass",
        "files": [{"key": "inv/data/part-0.csv.gz"}]});
    s.put("dest", "inv/manifest.json", serde_json::to_vec(&manifest).unwrap());
    let rules = rules(false);
    let inv = ["--inventory", "s3://dest/inv/manifest.json"];
    let r = scan(&s, rules.path(), &[&["s3://src/"][..], &inv].concat());
    assert_eq!(r.code, 1, "no filter: everything listed is scanned: {}", r.stderr);
    for (flags, column) in [
        (&["--max-size", "10"][..], "Size"),
        (&["--min-size", "1"], "Size"),
        (&["--modified-after", "2024-01-01"], "LastModifiedDate"),
        (&["--modified-before", "2030-01-01"], "LastModifiedDate"),
    ] {
        let r = scan(&s, rules.path(), &[&["s3://src/"][..], &inv, flags].concat());
        assert_eq!(r.code, 2, "{flags:?}: {}", r.stderr);
        assert!(r.findings().is_empty(), "{flags:?}: nothing is scanned");
        let failed = r.problems("not_scanned");
        assert!(
            failed.iter().any(|(_, why)| why.contains(flags[0]) && why.contains(&format!("{column} column"))),
            "{flags:?}: {failed:?}"
        );
    }
    // --max-filesize needs no column: the GET's length decides.
    let r = scan(&s, rules.path(), &[&["s3://src/"][..], &inv, &["--max-filesize", "10"]].concat());
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.findings().is_empty(), "big.csv is not scanned");
    let failed = r.problems("not_scanned");
    assert!(
        failed.iter().any(|(src, why)| src == "s3://src/big.csv" && why.contains("larger than --max-filesize")),
        "{failed:?}"
    );
}

#[test]
fn a_prefix_with_no_object_is_a_warning() {
    let s = Server::start();
    s.bucket("some");
    s.write("some", "data/a.txt", "contact upper.case@example.com\n");
    let rules = rules(false);
    let r = scan(&s, rules.path(), &["s3://some/nothing-here/"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.problems("warnings"),
        vec![("s3://some/nothing-here/".to_string(), "no object under s3://some/nothing-here/".to_string())]
    );
    let r = scan(&s, rules.path(), &["s3://some/data/"]);
    assert_eq!((r.code, r.problems("warnings")), (1, vec![]), "{}", r.stderr);
}

//! The command line: output formats, exit codes, bad input, redaction, walking.

use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::util::{bin, damaged_parquet, root};

/// Synthetic values used across these tests (Luhn-valid card, valid SSN, ...).
const CARD: &str = "4532015112830366";
const SSN: &str = "219-44-5178";
const AKID: &str = "AKIAZ7XJQW3MVDK2PLRT";

fn run(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).output().expect("trawl runs")
}

fn jsonl(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSONL line")).collect()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A small tree with findings in visible, hidden and ignored files.
fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir_all(p.join("logs")).unwrap();
    std::fs::create_dir_all(p.join(".secret")).unwrap();
    std::fs::write(
        p.join("logs/app.log"),
        format!("2024-01-01 INFO ok\n2024-01-01 WARN card declined card={CARD} amount=12\n"),
    )
    .unwrap();
    std::fs::write(p.join(".secret/creds.env"), format!("AWS_ACCESS_KEY_ID={AKID}\n")).unwrap();
    std::fs::write(p.join("ignored.txt"), format!("ssn: {SSN}\n")).unwrap();
    std::fs::write(p.join(".gitignore"), "ignored.txt\n").unwrap();
    std::fs::write(p.join("clean.txt"), "nothing to see here\n").unwrap();
    d
}

#[test]
fn jsonl_schema_and_default_walk_includes_hidden_and_ignored() {
    let d = tree();
    let out = run(&["scan", "-f", "jsonl", "-q", "."], d.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = jsonl(&out);
    let mut types: Vec<String> = found.iter().map(|f| f["type"].as_str().unwrap().to_string()).collect();
    types.sort();
    assert_eq!(types, ["AWS_ACCESS_KEY_ID", "CREDIT_CARD_NUMBER", "USA_SOCIAL_SECURITY_NUMBER"]);
    let card = found.iter().find(|f| f["type"] == "CREDIT_CARD_NUMBER").unwrap();
    assert_eq!(card["source"], "logs/app.log");
    assert_eq!(card["category"], "FINANCIAL_INFORMATION");
    assert_eq!(card["location"]["line"], 2);
    assert_eq!(card["location"]["column"], 36);
    let start = card["location"]["byte_start"].as_u64().unwrap();
    assert_eq!(card["location"]["byte_end"].as_u64().unwrap() - start, 16);
    assert_eq!(card["validated"], true);
    assert_eq!(card["confidence"], "high");
    assert_eq!(card["redacted"], "4532********0366");
    assert!(card["rule"].as_str().unwrap().starts_with("fin.card."));
    assert!(card.get("value").is_none());
}

#[test]
fn respect_ignore_and_globs() {
    let d = tree();
    let out = run(&["scan", "-f", "jsonl", "-q", "--respect-ignore", "."], d.path());
    let types: Vec<Value> = jsonl(&out).iter().map(|f| f["type"].clone()).collect();
    assert!(!types.contains(&Value::from("USA_SOCIAL_SECURITY_NUMBER")), "{types:?}");
    // `.ignore` and `.rgignore` files too, as the flag's help says.
    for file in [".ignore", ".rgignore"] {
        std::fs::write(d.path().join(file), "logs/\n").unwrap();
        let out = run(&["scan", "-f", "jsonl", "-q", "--respect-ignore", "."], d.path());
        assert!(jsonl(&out).iter().all(|f| f["source"] != "logs/app.log"), "{file}: {}", stdout(&out));
        std::fs::remove_file(d.path().join(file)).unwrap();
    }
    let out = run(&["scan", "-f", "jsonl", "-q", "--glob", "*.log", "."], d.path());
    let sources: Vec<Value> = jsonl(&out).iter().map(|f| f["source"].clone()).collect();
    assert_eq!(sources, [Value::from("logs/app.log")]);
    let out = run(&["scan", "-f", "jsonl", "-q", "--glob", "!logs", "."], d.path());
    assert!(jsonl(&out).iter().all(|f| f["source"] != "logs/app.log"));
}

#[test]
fn exit_codes() {
    let d = tree();
    assert_eq!(run(&["scan", "-q", "clean.txt"], d.path()).status.code(), Some(0));
    assert_eq!(run(&["scan", "-q", "logs"], d.path()).status.code(), Some(1));
    // Something not scanned wins over findings.
    let out = run(&["scan", "-q", "logs", "does-not-exist"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let help = stdout(&run(&["scan", "--help"], d.path()));
    assert!(help.contains("Exit codes") && help.contains("2 wins over 1"), "{help}");
    // Flags that select S3 objects, with no s3:// URI: an error, not a filter silently unused.
    let out = run(&["scan", "-q", "--min-size", "1K", "--shard", "1/2", "logs"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--shard, --min-size select or track S3 objects"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn values_are_redacted_in_every_format() {
    let d = tree();
    for format in ["human", "json", "jsonl", "sarif", "macie"] {
        let out = run(&["scan", "-f", format, "-q", "."], d.path());
        let text = stdout(&out);
        assert!(!text.is_empty(), "{format} printed nothing");
        for raw in [CARD, SSN, AKID] {
            assert!(!text.contains(raw), "{format} leaked {raw}:\n{text}");
        }
    }
    let out = run(&["scan", "-f", "jsonl", "-q", "--show-values", "logs"], d.path());
    assert_eq!(jsonl(&out)[0]["value"], CARD);
}

#[test]
fn values_in_column_names_and_json_keys_are_redacted() {
    // A JSON key, a JSON Lines key and a CSV header cell holding sensitive
    // data: the locations that name them would print it in full.
    let d = tempfile::tempdir().unwrap();
    let email = "jane.doe@corp.example";
    std::fs::write(d.path().join("keys.json"), format!(r#"{{"users": {{"{CARD}": {{"ssn": "{SSN}"}}}}}}"#)).unwrap();
    std::fs::write(d.path().join("keys.jsonl"), format!("{{\"x\": [1, {{\"{email}\": \"{SSN}\"}}]}}\n")).unwrap();
    std::fs::write(d.path().join("hdr.csv"), format!("id,{email}\n1,{SSN}\n")).unwrap();
    for format in ["human", "json", "jsonl", "sarif", "macie"] {
        let text = stdout(&run(&["scan", "-f", format, "-q", "."], d.path()));
        for raw in [CARD, SSN, email] {
            assert!(!text.contains(raw), "{format} leaked {raw}:\n{text}");
        }
    }
    // A scan for other types still masks the names: the card number and
    // the address are no findings of its own here.
    let text = stdout(&run(&["scan", "-f", "jsonl", "-q", "--types", "USA_SOCIAL_SECURITY_NUMBER", "."], d.path()));
    assert_eq!(text.lines().count(), 3, "{text}");
    for raw in [CARD, SSN, email] {
        assert!(!text.contains(raw), "--types leaked {raw}:\n{text}");
    }
    let out = run(&["scan", "-f", "jsonl", "-q", "."], d.path());
    let mut places: Vec<String> = jsonl(&out)
        .iter()
        .filter(|f| f["type"] == "USA_SOCIAL_SECURITY_NUMBER")
        .map(|f| {
            let l = &f["location"];
            format!("{} {}", f["source"].as_str().unwrap(), l.get("json_path").or(l.get("column")).unwrap())
        })
        .collect();
    places.sort();
    assert_eq!(
        places,
        [
            r#"hdr.csv "j*******@corp.example""#,
            r#"keys.json "$.users['4532********0366'].ssn""#,
            r#"keys.jsonl "$.x[1]['j*******@corp.example']""#,
        ]
    );
    // Values asked for in full: names in full too.
    let out = run(&["scan", "-f", "jsonl", "-q", "--show-values", "keys.json"], d.path());
    let paths: Vec<Value> = jsonl(&out).iter().map(|f| f["location"]["json_path"].clone()).collect();
    assert!(paths.contains(&Value::from(format!("$.users['{CARD}'].ssn"))), "{paths:?}");
    let out = run(&["scan", "-f", "jsonl", "-q", "--show-values", "hdr.csv"], d.path());
    let columns: Vec<Value> = jsonl(&out).iter().map(|f| f["location"]["column"].clone()).collect();
    assert!(columns.contains(&Value::from(email)), "{columns:?}");
}

#[test]
fn human_report_groups_per_file_and_summarizes() {
    let d = tree();
    let out = run(&["scan", "."], d.path());
    let text = stdout(&out);
    assert!(text.contains("logs/app.log\n  2:36  CREDIT_CARD_NUMBER  4532********0366"), "{text}");
    let err = stderr(&out);
    assert!(err.contains("scanned 5 files"), "{err}");
    assert!(err.contains("CREDIT_CARD_NUMBER"), "{err}");
}

#[test]
fn json_document_has_findings_and_summary() {
    let d = tree();
    let out = run(&["scan", "-f", "json", "."], d.path());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["findings"].as_array().unwrap().len(), 3);
    assert_eq!(doc["summary"]["files_scanned"], 5);
    assert_eq!(doc["summary"]["findings_by_type"]["CREDIT_CARD_NUMBER"], 1);
    assert!(doc["summary"]["not_scanned"].as_array().unwrap().is_empty());
    assert!(stderr(&out).is_empty(), "json keeps stderr quiet: {}", stderr(&out));
}

#[test]
fn sarif_is_valid_shape() {
    let d = tree();
    let out = run(&["scan", "-f", "sarif", "-q", "."], d.path());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF JSON");
    assert_eq!(doc["version"], "2.1.0");
    let run0 = &doc["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "trawl");
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let card = results.iter().find(|r| r["properties"]["type"] == "CREDIT_CARD_NUMBER").unwrap();
    assert_eq!(card["level"], "error");
    assert_eq!(card["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "logs/app.log");
    assert_eq!(card["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
    let idx = card["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run0["tool"]["driver"]["rules"][idx]["id"], card["ruleId"]);
    assert_eq!(run0["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sarif_locations_are_uri_references() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("q1 exports")).unwrap();
    std::fs::write(d.path().join("q1 exports/#1 100%.txt"), format!("ssn: {SSN}\n")).unwrap();
    let out = run(&["scan", "-f", "sarif", "-q", "."], d.path());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF JSON");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:?}");
    let uri = &results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "q1%20exports/%231%20100%25.txt");
}

#[test]
fn columns_after_non_ascii_text_count_utf16_units_where_consumers_expect_them() {
    let d = tempfile::tempdir().unwrap();
    // "é" is 2 bytes and 1 UTF-16 unit, "😀" 4 bytes and 2 units: the SSN
    // starts at byte column 16, UTF-16 column 13.
    std::fs::write(d.path().join("notes.txt"), format!("first\ncl\u{e9} \u{1F600} ssn: {SSN}\n")).unwrap();
    let found = jsonl(&run(&["scan", "-f", "jsonl", "-q", "notes.txt"], d.path()));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((&found[0]["location"]["column"], &found[0]["location"]["column_utf16"]), (&16.into(), &13.into()));
    let sarif: Value =
        serde_json::from_slice(&run(&["scan", "-f", "sarif", "-q", "notes.txt"], d.path()).stdout).unwrap();
    assert_eq!(sarif["runs"][0]["columnKind"], "utf16CodeUnits");
    assert_eq!(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"], 13);
    let macie = jsonl(&run(&["scan", "-f", "macie", "-q", "notes.txt"], d.path()));
    let range = &macie[0]["classificationDetails"]["result"]["sensitiveData"][0]["detections"][0]["occurrences"]["lineRanges"]
        [0];
    assert_eq!((&range["start"], &range["startColumn"]), (&2.into(), &13.into()));
}

#[test]
fn macie_findings_one_per_file() {
    let d = tree();
    let out = run(&["scan", "-f", "macie", "-q", "."], d.path());
    let found = jsonl(&out);
    assert_eq!(found.len(), 3, "{found:?}");
    let app = found.iter().find(|f| f["resourcesAffected"]["s3Object"]["path"] == "logs/app.log").unwrap();
    assert_eq!(app["type"], "SensitiveData:S3Object/Financial");
    let data = &app["classificationDetails"]["result"]["sensitiveData"][0];
    assert_eq!(data["category"], "FINANCIAL_INFORMATION");
    assert_eq!(data["detections"][0]["type"], "CREDIT_CARD_NUMBER");
    assert_eq!(data["detections"][0]["count"], 1);
    assert_eq!(data["detections"][0]["occurrences"]["lineRanges"][0]["start"], 2);
    assert_eq!(app["classificationDetails"]["result"]["status"]["code"], "COMPLETE");
    assert_eq!(app["classificationDetails"]["result"]["additionalOccurrences"], false);
}

#[test]
fn macie_findings_give_stored_sizes_and_additional_occurrences() {
    let d = tempfile::tempdir().unwrap();
    let lines: String =
        (0..20).map(|i| format!("ssn {}\n", SSN.replace("5178", &format!("{:04}", 5100 + i)))).collect();
    std::fs::write(d.path().join("many.txt"), &lines).unwrap();
    std::fs::write(d.path().join("many.txt.gz"), flate2_gzip(lines.as_bytes())).unwrap();
    let found = jsonl(&run(&["scan", "-f", "macie", "-q", "."], d.path()));
    assert_eq!(found.len(), 2, "{found:?}");
    for f in &found {
        let object = &f["resourcesAffected"]["s3Object"];
        let stored = std::fs::metadata(d.path().join(object["path"].as_str().unwrap())).unwrap().len();
        assert_eq!(object["size"], stored, "{f}");
        let result = &f["classificationDetails"]["result"];
        assert_eq!(result["sizeClassified"], lines.len(), "{f}");
        // 20 occurrences, 15 listed.
        let detection = &result["sensitiveData"][0]["detections"][0];
        assert_eq!(
            (detection["count"].as_u64(), detection["occurrences"]["lineRanges"].as_array().map(Vec::len)),
            (Some(20), Some(15))
        );
        assert_eq!(result["additionalOccurrences"], true, "{f}");
    }
}

/// `bytes` gzip-compressed.
fn flate2_gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn output_file_and_broken_pipe() {
    let d = tree();
    let out = run(&["scan", "-f", "jsonl", "-q", "-o", "out.jsonl", "logs"], d.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(d.path().join("out.jsonl")).unwrap();
    assert!(written.contains("CREDIT_CARD_NUMBER"));
    // An output that cannot be synced to disk (a device, as in benchmarks) is no error.
    #[cfg(unix)]
    for format in ["jsonl", "human", "sarif"] {
        let out = run(&["scan", "-f", format, "-q", "-o", "/dev/null", "logs"], d.path());
        assert_eq!(out.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // A reader that goes away early is not an error (as with `| head`).
    let big = d.path().join("big.txt");
    std::fs::write(&big, format!("card {CARD}\n").repeat(20_000)).unwrap();
    let mut child = bin()
        .args(["scan", "-f", "jsonl", "-q", "big.txt"])
        .current_dir(d.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    // ... but the exit code still says that something was found.
    assert_eq!(status.code(), Some(1), "{status:?}");
}

#[test]
fn the_output_file_is_never_scanned_nor_overwritten_as_an_input() {
    let d = tree();
    let p = d.path();
    // Named as an input: refused before anything is written.
    std::fs::copy(p.join("logs/app.log"), p.join("victim.log")).unwrap();
    let before = std::fs::read(p.join("victim.log")).unwrap();
    let out = run(&["scan", "-f", "jsonl", "victim.log", "-o", "victim.log"], p);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is also an input"), "{}", stderr(&out));
    assert_eq!(std::fs::read(p.join("victim.log")).unwrap(), before);
    // Met in a walk (`-o FILE`, or standard output redirected to a file):
    // skipped, so that runs agree and values shown are not found again.
    for round in 0..2 {
        let out = run(&["scan", "-f", "jsonl", "-q", "--show-values", "-o", "out.jsonl", "."], p);
        assert_eq!(out.status.code(), Some(1), "round {round}: {}", stderr(&out));
        let written = std::fs::read_to_string(p.join("out.jsonl")).unwrap();
        let sources: Vec<Value> =
            written.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["source"].clone()).collect();
        assert_eq!(sources.len(), 4, "round {round}: {written}");
        assert!(!sources.iter().any(|s| s == "out.jsonl"), "round {round}: {written}");
    }
    std::fs::remove_file(p.join("out.jsonl")).unwrap();
    for round in 0..2 {
        let redirected = std::fs::File::create(p.join("redirected.jsonl")).unwrap();
        let out = bin()
            .args(["scan", "-f", "jsonl", "-q", "--show-values", "."])
            .current_dir(p)
            .stdout(redirected)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "round {round}: {}", stderr(&out));
        let written = std::fs::read_to_string(p.join("redirected.jsonl")).unwrap();
        assert_eq!(written.lines().count(), 4, "round {round}: {written}");
    }
}

#[cfg(unix)]
#[test]
fn pipes_named_on_the_command_line_are_read_as_streams() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(&fifo, format!("ssn: {SSN}\n")).unwrap())
    };
    let out = run(&["scan", "-f", "jsonl", "fifo"], d.path());
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = jsonl(&out);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["source"], "fifo");
    assert_eq!(found[0]["type"], "USA_SOCIAL_SECURITY_NUMBER");
    // Met in a walk, a FIFO is listed and not opened (no writer: opening it would block).
    let out = run(&["scan", "-f", "jsonl", "."], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a regular file"), "{}", stderr(&out));
    // `/dev/stdin` as a path.
    #[cfg(target_os = "linux")]
    {
        use std::io::Write;
        let mut child = bin()
            .args(["scan", "-f", "jsonl", "-q", "/dev/stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("card {CARD}\n").as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(jsonl(&out)[0]["type"], "CREDIT_CARD_NUMBER");
    }
}

#[test]
fn quiet_still_names_what_was_not_scanned() {
    let d = tree();
    let out = run(&["scan", "-q", "-f", "jsonl", "clean.txt", "missing.txt"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("missing.txt") && !err.contains("scanned 1 files"), "{err}");
    // Nothing is printed when everything was scanned.
    let out = run(&["scan", "-q", "-f", "jsonl", "clean.txt"], d.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty() && out.stdout.is_empty(), "{}", stderr(&out));
}

#[test]
fn the_summary_counts_only_the_findings_reported() {
    let d = tempfile::tempdir().unwrap();
    // An e-mail address without a keyword: a medium-confidence finding.
    std::fs::write(d.path().join("m.txt"), "user jane.doe@corp.example logged in\n").unwrap();
    let out = run(&["scan", "-f", "json", "m.txt"], d.path());
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all["findings"][0]["confidence"], "medium", "{all}");
    assert_eq!(all["summary"]["sources_with_findings"], 1);
    let out = run(&["scan", "-f", "json", "--min-confidence", "high", "m.txt"], d.path());
    assert_eq!(out.status.code(), Some(0));
    let high: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(high["summary"]["findings"], 0);
    assert_eq!(high["summary"]["sources_with_findings"], 0, "{high}");
}

#[test]
fn rules_commands_survive_a_closed_output() {
    for args in [&["rules", "check"][..], &["rules", "list", "--format", "json"], &["rules", "list"]] {
        let mut child = bin().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(out.stderr.is_empty(), "{args:?}: {}", stderr(&out));
    }
}

#[cfg(unix)]
#[test]
fn bad_input_is_reported_and_the_scan_goes_on() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let d = tree();
    let p = d.path();
    std::fs::create_dir_all(p.join("bad")).unwrap();
    // Invalid UTF-8 and NUL bytes around a real value.
    std::fs::write(
        p.join("bad/binary.bin"),
        [b"\x7fELF\x02\x01\x00\x00garbage \xc3\x28 ssn: ".as_slice(), SSN.as_bytes(), b"\x00\x00"].concat(),
    )
    .unwrap();
    // A dangling symlink and a symlink loop.
    symlink(p.join("bad/nowhere"), p.join("bad/dangling")).unwrap();
    symlink(p.join("bad"), p.join("bad/loop")).unwrap();
    // An unreadable file (only meaningful when not running as root).
    let locked = p.join("bad/locked.txt");
    std::fs::write(&locked, format!("ssn: {SSN}\n")).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let root = std::fs::read(&locked).is_ok();
    let out = run(&["scan", "-f", "jsonl", "."], p);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    // A dangling link holds no data: a warning, not a file left unscanned.
    assert!(err.contains("warnings") && err.contains("bad/dangling: dangling symlink: its target"), "{err}");
    assert!(err.contains("symlink loop"), "{err}");
    if !root {
        assert!(err.contains("bad/locked.txt") && err.contains("permission denied"), "{err}");
    }
    let found = jsonl(&out);
    assert!(
        found.iter().any(|f| f["source"] == "bad/binary.bin" && f["type"] == "USA_SOCIAL_SECURITY_NUMBER"),
        "{found:?}"
    );
    assert!(found.iter().any(|f| f["source"] == "logs/app.log"), "other files still scanned");
    assert!(err.contains("binary"), "binary files are counted: {err}");
    // --skip-binary: counted, not scanned, no finding from it.
    let out = run(&["scan", "-f", "jsonl", "--skip-binary", "bad/binary.bin"], p);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("binary file skipped"), "{}", stderr(&out));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
}

/// A dangling symlink met in a walk (a build tree's stale link) is a
/// warning and leaves the exit code alone; one named on the command line
/// cannot be read and is an error.
#[cfg(unix)]
#[test]
fn dangling_symlinks_are_warnings_in_a_walk() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir(p.join("sub")).unwrap();
    std::fs::write(p.join("sub/notes.txt"), "nothing here\n").unwrap();
    std::os::unix::fs::symlink("../gone.txt", p.join("sub/stale")).unwrap();
    let out = run(&["scan", "-f", "json", "."], p);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let summary = &doc["summary"];
    assert_eq!(summary["not_scanned"].as_array().map(Vec::len), Some(0), "{summary}");
    let warnings = summary["warnings"].to_string();
    assert!(
        warnings.contains("sub/stale") && warnings.contains("dangling symlink: its target '../gone.txt'"),
        "{warnings}"
    );
    let out = run(&["scan", "sub/stale"], p);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not scanned") && stderr(&out).contains("dangling symlink"), "{}", stderr(&out));
}

/// `-` reads standard input as one stream: its format sniffed from its
/// bytes (a CSV table, a gzip stream), its findings named `<stdin>`, next to
/// the files given with it.
#[test]
fn standard_input_is_scanned_as_a_stream() {
    use std::io::Write;
    let d = tree();
    let with_stdin = |input: Vec<u8>, args: &[&str]| {
        let mut child = bin()
            .args(args)
            .current_dir(d.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        child.wait_with_output().unwrap()
    };
    // A standard input that cannot be read (open for writing only) is no empty input.
    #[cfg(unix)]
    {
        let write_only = std::fs::File::create(d.path().join("write-only")).unwrap();
        let out = bin().args(["scan", "-q", "-"]).current_dir(d.path()).stdin(write_only).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("<stdin>"), "{}", stderr(&out));
    }
    let table = format!("name,ssn\nJo,{SSN}\n").into_bytes();
    let out = with_stdin(table.clone(), &["scan", "-f", "jsonl", "-"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = jsonl(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["source"], "<stdin>");
    assert_eq!(found[0]["location"]["row"], 2);
    assert_eq!(found[0]["location"]["column"], "ssn");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&table).unwrap();
    let out = with_stdin(gz.finish().unwrap(), &["scan", "-f", "jsonl", "-", "logs"]);
    let found = jsonl(&out);
    assert!(found.iter().any(|f| f["source"] == "<stdin>" && f["location"]["column"] == "ssn"), "{found:?}");
    assert!(found.iter().any(|f| f["source"] == "logs/app.log"), "{found:?}");
}

/// Names from the data scanned reach the terminal report without their
/// control characters: a file named with escape sequences cannot redraw
/// the report (and hide another file's findings).
#[cfg(unix)]
#[test]
fn names_with_escape_sequences_are_shown_escaped() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("a\x1b[1A\x1b[2Kb.txt"), format!("ssn: {SSN}\n")).unwrap();
    std::os::unix::fs::symlink(p.join("nowhere"), p.join("gone\x1b]0;title\x07")).unwrap();
    let out = run(&["scan", "."], p);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    for (name, text) in [("stdout", stdout(&out)), ("stderr", stderr(&out))] {
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{name}: {text:?}");
    }
    assert!(stdout(&out).contains("a\\u{1b}[1A\\u{1b}[2Kb.txt"), "{}", stdout(&out));
    assert!(stderr(&out).contains("gone\\u{1b}]0;title\\u{7}"), "{}", stderr(&out));
    // Machine-readable output keeps the exact name.
    let found = jsonl(&run(&["scan", "-f", "jsonl", "-q", "."], p));
    assert_eq!(found[0]["source"], "a\x1b[1A\x1b[2Kb.txt");
}

/// FIFOs and devices hold no file data: a walk lists them as skipped,
/// with their reason, without opening them (a FIFO with no writer would
/// block the scan) and without failing the scan.
#[cfg(unix)]
#[test]
fn special_files_are_listed_not_opened() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("a.txt"), format!("ssn: {SSN}\n")).unwrap();
    let made = std::process::Command::new("mkfifo").arg(p.join("pipe")).status().unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", p.join("zero")).unwrap();
    let out = run(&["scan", "-f", "jsonl", "."], p);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for name in ["pipe", "zero"] {
        assert!(err.lines().any(|l| l.contains(name) && l.contains("not a regular file")), "{name}: {err}");
    }
    let found = jsonl(&out);
    assert!(found.iter().all(|f| f["source"] == "a.txt") && !found.is_empty(), "{found:?}");
}

#[test]
fn utf16_files_are_decoded() {
    let d = tempfile::tempdir().unwrap();
    let text = format!("Name: Jane\r\nSSN: {SSN}\r\n");
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(d.path().join("le.txt"), le).unwrap();
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    std::fs::write(d.path().join("be.txt"), be).unwrap();
    let out = run(&["scan", "-f", "jsonl", "-q", "."], d.path());
    let found = jsonl(&out);
    assert_eq!(found.len(), 2, "{found:?}");
    for f in &found {
        assert_eq!(f["type"], "USA_SOCIAL_SECURITY_NUMBER");
        assert_eq!(f["location"]["line"], 2);
    }
}

#[test]
fn huge_single_line_streams_in_bounded_memory() {
    // 64 MB with no newline (past the memory-map limit, so it streams), with a
    // value at the very end: read in chunks,
    // found, and the line is 1.
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("oneline.txt");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let block = "lorem ipsum dolor sit amet ".repeat(4096);
        let mut written = 0;
        while written < 64 << 20 {
            f.write_all(block.as_bytes()).unwrap();
            written += block.len();
        }
        write!(f, "ssn: {SSN}").unwrap();
    }
    let out = run(&["scan", "-f", "jsonl", "-q", "oneline.txt"], d.path());
    let found = jsonl(&out);
    assert_eq!(found.len(), 1, "{}", stderr(&out));
    assert_eq!(found[0]["location"]["line"], 1);
    assert!(found[0]["location"]["byte_start"].as_u64().unwrap() > 64 << 20);
}

#[test]
fn rules_list_shows_every_rule() {
    let d = tempfile::tempdir().unwrap();
    let out = run(&["rules", "list", "--format", "json"], d.path());
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list.len() >= 100);
    for t in [
        "CREDIT_CARD_NUMBER",
        "CREDIT_CARD_NUMBER_(NO_KEYWORD)",
        "USA_SOCIAL_SECURITY_NUMBER",
        "AWS_CREDENTIALS",
        "GERMANY_BANK_ACCOUNT_NUMBER",
    ] {
        assert!(list.iter().any(|r| r["type"] == t), "{t} missing");
    }
    let out = run(&["scan", "--types", "NOT_A_TYPE", "."], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown type"), "{}", stderr(&out));
}

#[test]
fn allow_lists_suppress_values() {
    let d = tree();
    std::fs::write(d.path().join("allow.txt"), format!("{CARD}\n")).unwrap();
    let out = run(&["scan", "-f", "jsonl", "-q", "--allow-list", "allow.txt", "logs"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = run(&["scan", "-f", "jsonl", "-q", "--allow-regex", "^4532", "logs"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn damaged_files_that_break_their_format_libraries_are_reported_and_the_scan_goes_on() {
    let d = tempfile::tempdir().unwrap();
    // An Excel 97 workbook whose directory chain loops back on itself (its
    // FAT entry for the directory's sector 9 names sector 9): the workbook
    // library would read it until memory runs out.
    let mut xls = std::fs::read(root().join("tests/fixtures/customers.xls")).unwrap();
    let fat_entry = 512 + 8 * 512 + 4 * 9;
    xls[fat_entry..fat_entry + 4].copy_from_slice(&9u32.to_le_bytes());
    std::fs::write(d.path().join("looped.xls"), xls).unwrap();
    std::fs::write(d.path().join("damaged.parquet"), damaged_parquet()).unwrap();
    std::fs::write(d.path().join("notes.txt"), format!("ssn {SSN}\n")).unwrap();
    for threads in ["1", "2"] {
        let out = run(&["scan", "-f", "jsonl", "-j", threads, "."], d.path());
        assert_eq!(out.status.code(), Some(2), "-j{threads}");
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "-j{threads}: {err}");
        assert!(
            err.contains("looped.xls: partly scanned: damaged OLE compound file (its directory loops); its bytes are scanned as a binary file's"),
            "-j{threads}: {err}"
        );
        assert!(
            err.contains("damaged.parquet: partly scanned: reading it failed: Decoder for dict should have been set; the rest of it is not scanned"),
            "-j{threads}: {err}"
        );
        let found = jsonl(&out);
        assert!(found.iter().any(|f| f["source"] == "notes.txt"), "-j{threads}");
        // What the Parquet file held before the damaged page is reported,
        // and the file is counted as (partly) scanned with those findings.
        let parquet_findings = found.iter().filter(|f| f["source"] == "damaged.parquet").count();
        assert!(parquet_findings > 0, "-j{threads}");
        let out = run(&["scan", "-f", "json", "-j", threads, "."], d.path());
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
        let summary = &summary["summary"];
        assert_eq!(summary["files_scanned"], 3, "-j{threads}: {summary}");
        assert_eq!(summary["findings"], found.len(), "-j{threads}: {summary}");
        assert_eq!(summary["not_scanned"].as_array().unwrap().len(), 3, "-j{threads}: {summary}");
    }
}

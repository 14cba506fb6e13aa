//! The built-in rules pass the linter: every rule compiles, finds each of its
//! examples through the full scanner, and none of its negative examples.

use crate::util::bin;

#[test]
fn builtin_rules_pass_check() {
    let rules = trawl::Rules::builtin().expect("builtin rules load");
    assert!(rules.len() >= 100, "only {} rules", rules.len());
    let report = trawl::rules::check(&rules);
    assert!(report.problems.is_empty(), "\n{report}");
}

#[test]
fn rules_check_command_reports_no_issues() {
    let out = bin().args(["rules", "check", "--warnings-as-errors"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.trim_end().ends_with("rules: no issues detected"), "{stdout}");
}

#[test]
fn rules_check_names_the_file_of_a_failing_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("badge.toml"),
        r#"[[rule]]
id = "acme.badge.1"
type = "ACME_BADGE"
name = "ACME badge number"
category = "PERSONAL_INFORMATION"
regex = 'BADGE-[0-9]{6}'
examples = ["badge BADGE-12345"]
"#,
    )
    .unwrap();
    let out = bin()
        .args(["rules", "check", "--no-builtin-rules", "--rules"])
        .arg(dir.path().join("badge.toml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("acme.badge.1") && stdout.contains("badge.toml") && stdout.contains("example not found"),
        "{stdout}"
    );
}

#[test]
fn user_rules_and_macie_custom_identifiers_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("emp.json"),
        r#"{"name":"EMPLOYEE_ID","regex":"EMP-[0-9]{6}","keywords":["employee"],"ignoreWords":["EMP-000000"],"maximumMatchDistance":20}"#,
    )
    .unwrap();
    let data = dir.path().join("hr.txt");
    std::fs::write(
        &data,
        "employee EMP-123456\n(a line long enough to push the keyword out of range)\nEMP-654321 has no keyword before it\nemployee EMP-000000\n",
    )
    .unwrap();
    let out = bin()
        .args(["scan", "--no-builtin-rules", "--rules"])
        .arg(dir.path().join("emp.json"))
        .args(["-f", "jsonl", "-q"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["type"], "EMPLOYEE_ID");
    assert_eq!(lines[0]["category"], "CUSTOM_IDENTIFIER");
    assert_eq!(lines[0]["location"]["line"], 1);
}

#[test]
fn macie_maximum_match_distance_runs_to_the_end_of_the_match() {
    // Macie: at most `maximumMatchDistance` characters from the end of the
    // keyword to the end of the match. `ORD-12345678` is 12 characters, so
    // with 20 the keyword may end at most 8 characters before the match.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ord.json"),
        r#"{"name":"ACME_ORDER","regex":"ORD-[0-9]{8}","keywords":["order"],"maximumMatchDistance":20}"#,
    )
    .unwrap();
    let lines: String =
        [1, 8, 9, 20].iter().map(|gap| format!("order{}ORD-1234567{}\n", " ".repeat(*gap), gap % 10)).collect();
    let data = dir.path().join("orders.txt");
    std::fs::write(&data, lines).unwrap();
    let out = bin()
        .args(["scan", "--no-builtin-rules", "--rules"])
        .arg(dir.path().join("ord.json"))
        .args(["-f", "jsonl", "-q"])
        .arg(&data)
        .output()
        .unwrap();
    let found: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["location"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(found, [1, 2], "gaps of 1 and 8 found, 9 and 20 not");
}

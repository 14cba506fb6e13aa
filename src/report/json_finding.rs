//! A finding written as JSON without `serde`'s serializer: byte for byte
//! what `serde_json::to_writer` writes for a [`Finding`], several times
//! faster.
//!
//! On data dense in findings the output is larger than the input (a JSONL
//! finding is ~300 bytes), and the one reporter thread that writes it was a
//! third of a scan's CPU time: `serde_json` escapes every string byte by
//! byte, field names included. Here field names are constants, strings
//! without anything to escape (nearly all) are copied after one check that
//! the compiler vectorizes, and only the rest go through `serde_json`'s own
//! escaping, so that both always agree (a property test compares them).

use crate::report::finding::{Finding, Location};

/// Appends `f` as one JSON object to `out`, exactly as
/// `serde_json::to_writer(out, f)` would.
pub(crate) fn write_finding(f: &Finding, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"source\":");
    string(&f.source, out);
    out.extend_from_slice(b",\"type\":");
    string(&f.data_type, out);
    out.extend_from_slice(b",\"category\":\"");
    out.extend_from_slice(f.category.as_str().as_bytes());
    out.extend_from_slice(b"\",\"rule\":");
    string(&f.rule, out);
    out.extend_from_slice(b",\"location\":");
    location(&f.location, out);
    out.extend_from_slice(if f.validated { b",\"validated\":true" } else { b",\"validated\":false" });
    out.extend_from_slice(b",\"confidence\":\"");
    out.extend_from_slice(f.confidence.as_str().as_bytes());
    out.extend_from_slice(b"\",\"redacted\":");
    string(&f.redacted, out);
    if let Some(v) = &f.value {
        out.extend_from_slice(b",\"value\":");
        string(v, out);
    }
    out.push(b'}');
}

fn location(loc: &Location, out: &mut Vec<u8>) {
    match loc {
        Location::Text(t) => {
            number(b"{\"line\":", t.line, out);
            number(b",\"column\":", t.column, out);
            if let Some(c) = t.column_utf16 {
                number(b",\"column_utf16\":", c, out);
            }
            number(b",\"byte_start\":", t.byte_start, out);
            number(b",\"byte_end\":", t.byte_end, out);
            if let Some(p) = t.page {
                number(b",\"page\":", p, out);
            }
        }
        Location::Cell(c) => {
            // Optional fields first: the separator before `row` depends on them.
            let mut sep = b'{';
            for (name, v) in [("line", c.line), ("byte_start", c.byte_start), ("byte_end", c.byte_end)] {
                if let Some(v) = v {
                    field(sep, name, v, out);
                    sep = b',';
                }
            }
            field(sep, "row", c.row, out);
            number(b",\"column_index\":", c.column_index, out);
            out.extend_from_slice(b",\"column\":");
            string(&c.column, out);
            if let Some(r) = &c.cell_reference {
                out.extend_from_slice(b",\"cell_reference\":");
                string(r, out);
            }
        }
        Location::Record(r) => {
            number(b"{\"record\":", r.record, out);
            out.extend_from_slice(b",\"json_path\":");
            string(&r.json_path, out);
            let optional =
                [("row_group", r.row_group), ("line", r.line), ("byte_start", r.byte_start), ("byte_end", r.byte_end)];
            for (name, v) in optional {
                if let Some(v) = v {
                    field(b',', name, v, out);
                }
            }
        }
    }
    out.push(b'}');
}

/// `sep"name":v`.
fn field(sep: u8, name: &str, v: u64, out: &mut Vec<u8>) {
    out.push(sep);
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// `head` then `v`.
fn number(head: &[u8], v: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(head);
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// `s` as a JSON string.
fn string(s: &str, out: &mut Vec<u8>) {
    // No early exit, so that the check runs on whole vectors.
    let special = s.bytes().fold(false, |any, b| any | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if special {
        serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use crate::report::Symbol;

    use proptest::prelude::*;

    use super::*;
    use crate::report::finding::{CellLocation, RecordLocation, TextLocation};
    use crate::report::{Category, Confidence};

    fn ours(f: &Finding) -> String {
        let mut out = Vec::new();
        write_finding(f, &mut out);
        String::from_utf8(out).expect("JSON is UTF-8")
    }

    fn finding(location: Location) -> Finding {
        Finding {
            source: "logs/app.log".into(),
            data_type: "USA_SOCIAL_SECURITY_NUMBER".into(),
            category: Category::PersonalInformation,
            rule: "pii.ssn.1".into(),
            location,
            validated: true,
            confidence: Confidence::High,
            redacted: "***-**-4187".into(),
            value: None,
        }
    }

    #[test]
    fn every_location_kind_reads_as_serde_writes_it() {
        let text = Location::Text(TextLocation {
            line: 3,
            column: 17,
            column_utf16: None,
            byte_start: 120,
            byte_end: 131,
            page: None,
        });
        let cell = |line, byte_start, byte_end| {
            Location::Cell(CellLocation {
                line,
                byte_start,
                byte_end,
                row: 9,
                column_index: 2,
                column: "ssn".into(),
                cell_reference: None,
            })
        };
        let sheet_cell = Location::Cell(CellLocation {
            line: None,
            byte_start: None,
            byte_end: None,
            row: 9,
            column_index: 2,
            column: "ssn".into(),
            cell_reference: Some("'Q1 \"data\"'!B9".into()),
        });
        let record = |row_group, line, byte_start, byte_end| {
            Location::Record(RecordLocation {
                record: 41,
                json_path: "$.customer[\"tax id\"]".into(),
                row_group,
                line,
                byte_start,
                byte_end,
            })
        };
        let wide = Location::Text(TextLocation {
            line: 3,
            column: 17,
            column_utf16: Some(14),
            byte_start: 120,
            byte_end: 131,
            page: None,
        });
        let paged = Location::Text(TextLocation {
            line: 2,
            column: 5,
            column_utf16: None,
            byte_start: 900,
            byte_end: 911,
            page: Some(3),
        });
        let mut cases = vec![
            text,
            wide,
            paged,
            cell(None, None, None),
            cell(Some(4), Some(50), Some(61)),
            cell(None, Some(5), None),
            sheet_cell,
        ];
        cases.extend([record(None, None, None, None), record(Some(2), None, None, None)]);
        cases.extend([record(None, Some(7), Some(300), Some(311)), record(Some(0), Some(1), None, Some(9))]);
        for loc in cases {
            let mut f = finding(loc);
            assert_eq!(ours(&f), serde_json::to_string(&f).unwrap());
            f.value = Some("536-22-4187".into());
            f.validated = false;
            assert_eq!(ours(&f), serde_json::to_string(&f).unwrap());
        }
    }

    #[test]
    fn every_category_and_confidence_reads_as_serde_writes_it() {
        // A field added to `Finding` fails this test too: serde writes it, this module does not.
        let mut f = finding(Location::Text(TextLocation {
            line: 1,
            column: 1,
            column_utf16: None,
            byte_start: 0,
            byte_end: 4,
            page: None,
        }));
        for category in [
            Category::Credentials,
            Category::FinancialInformation,
            Category::PersonalInformation,
            Category::CustomIdentifier,
        ] {
            for confidence in [Confidence::Low, Confidence::Medium, Confidence::High] {
                (f.category, f.confidence) = (category, confidence);
                assert_eq!(ours(&f), serde_json::to_string(&f).unwrap());
            }
        }
    }

    fn any_string() -> impl Strategy<Value = String> {
        // Plain text, quotes, backslashes, every control byte, DEL and non-ASCII.
        prop::collection::vec(
            prop_oneof![
                4 => prop::char::range('a', 'z'),
                1 => Just('"'),
                1 => Just('\\'),
                1 => prop::char::range('\u{0}', '\u{1f}'),
                1 => Just('\u{7f}'),
                1 => prop::char::range('\u{80}', '\u{10ffff}'),
            ],
            0..24,
        )
        .prop_map(|c| c.into_iter().collect())
    }

    proptest! {
        #[test]
        fn any_strings_are_escaped_as_serde_escapes_them(
            source in any_string(),
            kind in any_string(),
            redacted in any_string(),
            value in prop::option::of(any_string()),
            path in any_string(),
            n in any::<u64>(),
        ) {
            let loc = Location::Record(RecordLocation {
                record: n, json_path: path, row_group: None, line: Some(n / 3), byte_start: None, byte_end: Some(n),
            });
            let mut f = finding(loc);
            f.source = source;
            f.data_type = Symbol::new(&kind);
            f.rule = Symbol::new(&kind);
            f.redacted = redacted;
            f.value = value;
            prop_assert_eq!(ours(&f), serde_json::to_string(&f).unwrap());
        }
    }
}

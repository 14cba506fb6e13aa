//! Avro object container files: records streamed block by block, every
//! value scanned with its field path as keyword context, findings placed at
//! record (0-based index in the file) and JSON path (`$.customer.ssn`,
//! `$.phones[1]`), as for Parquet.
//!
//! Values become text as in `parquet.rs`: strings and enum symbols as they
//! are, bytes when UTF-8, integers in decimal, floats when whole numbers,
//! dates and timestamps as ISO text, decimals as their unscaled digits (the scale lives in the schema;
//! identifiers stored as decimals have none). Values are batched per field
//! path across records (see `values.rs`).
//!
//! Without the `avro` feature, Avro files are reported as not scanned.

use std::io::Read;

use crate::Scratch;
use crate::extract::{Extractor, Nesting};
use crate::report::Sink;

/// Scans an Avro object container file.
pub(crate) fn scan(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let _ = nest;
    #[cfg(feature = "avro")]
    {
        imp::scan(x, scratch, reader, source, sink)
    }
    #[cfg(not(feature = "avro"))]
    {
        let _ = (x, scratch, reader);
        sink.problem(crate::report::Problem::error(source, "built without the avro feature"));
        true
    }
}

#[cfg(feature = "avro")]
mod imp {
    use std::collections::HashMap;
    use std::io::{Read, Write};

    use apache_avro::types::Value;

    use crate::Scratch;
    use crate::extract::Extractor;
    use crate::extract::values::{Contexts, Emit, ValueBatch, json_path_child, write_float};
    use crate::report::{Problem, Scanned, Sink};

    /// A field's batch is scanned once it holds this many bytes.
    const BATCH_BYTES: usize = 256 * 1024;

    /// Distinct field paths (map keys count) batched at once before all batches are flushed.
    const MAX_BATCHES: usize = 1000;

    pub(super) fn scan(
        x: &Extractor<'_>,
        scratch: &mut Scratch,
        reader: &mut dyn Read,
        source: &str,
        sink: &mut dyn Sink,
    ) -> bool {
        let avro = match apache_avro::Reader::new(reader) {
            Ok(r) => r,
            Err(e) => {
                sink.problem(Problem::error(source, format!("invalid avro file: {e}")));
                return true;
            }
        };
        let mut walk = Walk {
            emit: Emit::new(x, scratch, source, sink),
            contexts: Contexts::default(),
            batches: HashMap::new(),
            name: String::new(),
            path: String::from("$"),
        };
        let mut go_on = true;
        let mut record = 0u64;
        for value in avro {
            match value {
                Ok(v) => {
                    if !walk.walk(&v, record, None) {
                        go_on = false;
                        break;
                    }
                    record += 1;
                }
                Err(e) => {
                    walk.emit
                        .sink
                        .problem(Problem::partial(source, format!("corrupt avro data after record {record}: {e}")));
                    break;
                }
            }
        }
        if go_on {
            go_on = walk.flush_all();
        }
        let (findings, bytes) = (walk.emit.findings, walk.emit.bytes);
        sink.scanned(Scanned {
            source: source.to_string(),
            format: "avro".into(),
            bytes,
            findings,
            binary: false,
            container: false,
            size: None,
        });
        go_on
    }

    /// Walks records down to their leaves, batching values per field path.
    struct Walk<'a, 'x> {
        emit: Emit<'a, 'x>,
        contexts: Contexts,
        /// Field path (`customer.ssn`) → (values, static JSON path).
        batches: HashMap<String, (ValueBatch, String)>,
        /// The current field path, dotted.
        name: String,
        /// The current static JSON path.
        path: String,
    }

    impl Walk<'_, '_> {
        /// Scans `v` of record `record`; `dynamic` is its JSON path when inside an array or map.
        fn walk(&mut self, v: &Value, record: u64, dynamic: Option<&str>) -> bool {
            match v {
                Value::Null | Value::Boolean(_) | Value::Duration(_) | Value::TimeMillis(_) | Value::TimeMicros(_) => {
                    true
                }
                Value::String(s) | Value::Enum(_, s) => {
                    self.leaf(record, dynamic, |h| h.extend_from_slice(s.as_bytes()))
                }
                Value::Bytes(b) | Value::Fixed(_, b) => self.leaf(record, dynamic, |h| {
                    if std::str::from_utf8(b).is_ok() {
                        h.extend_from_slice(b);
                    }
                }),
                Value::Int(i) => self.leaf(record, dynamic, |h| {
                    let _ = write!(h, "{i}");
                }),
                Value::Long(i) => self.leaf(record, dynamic, |h| {
                    let _ = write!(h, "{i}");
                }),
                Value::Float(f) => self.leaf(record, dynamic, |h| write_float(h, f64::from(*f))),
                Value::Double(f) => self.leaf(record, dynamic, |h| write_float(h, *f)),
                Value::Date(d) => self.leaf(record, dynamic, |h| iso(h, i64::from(*d) * 86_400, 0, 0)),
                Value::TimestampMillis(t) | Value::LocalTimestampMillis(t) => {
                    self.leaf(record, dynamic, |h| iso(h, t.div_euclid(1_000), t.rem_euclid(1_000), 3))
                }
                Value::TimestampMicros(t) | Value::LocalTimestampMicros(t) => {
                    self.leaf(record, dynamic, |h| iso(h, t.div_euclid(1_000_000), t.rem_euclid(1_000_000), 6))
                }
                Value::TimestampNanos(t) | Value::LocalTimestampNanos(t) => {
                    self.leaf(record, dynamic, |h| iso(h, t.div_euclid(1_000_000_000), t.rem_euclid(1_000_000_000), 9))
                }
                Value::Decimal(d) => {
                    let digits = <Vec<u8>>::try_from(d).ok().and_then(|b| unscaled(&b));
                    match digits {
                        Some(n) => self.leaf(record, dynamic, |h| {
                            let _ = write!(h, "{n}");
                        }),
                        None => true,
                    }
                }
                Value::BigDecimal(d) => self.leaf(record, dynamic, |h| {
                    let _ = write!(h, "{d}");
                }),
                Value::Uuid(u) => self.leaf(record, dynamic, |h| {
                    let _ = write!(h, "{u}");
                }),
                Value::Union(_, inner) => self.walk(inner, record, dynamic),
                Value::Record(fields) => {
                    for (field, value) in fields {
                        if !self.descend(field, value, record, dynamic) {
                            return false;
                        }
                    }
                    true
                }
                Value::Map(entries) => {
                    let mut keys: Vec<&String> = entries.keys().collect();
                    keys.sort();
                    for key in keys {
                        // The key itself may be sensitive (an email used as a key): it is
                        // scanned with the map's values and reported at its entry.
                        let entry = json_path_child(dynamic.unwrap_or(&self.path), key);
                        if !self.leaf(record, Some(&entry), |h| h.extend_from_slice(key.as_bytes())) {
                            return false;
                        }
                        if !self.descend(key, &entries[key], record, dynamic) {
                            return false;
                        }
                    }
                    true
                }
                Value::Array(items) => {
                    let base = dynamic.unwrap_or(&self.path).to_string();
                    for (k, item) in items.iter().enumerate() {
                        if !self.walk(item, record, Some(&format!("{base}[{k}]"))) {
                            return false;
                        }
                    }
                    true
                }
            }
        }

        /// Walks `value` under field or map key `field`.
        fn descend(&mut self, field: &str, value: &Value, record: u64, dynamic: Option<&str>) -> bool {
            let (name_len, path_len) = (self.name.len(), self.path.len());
            if !self.name.is_empty() {
                self.name.push('.');
            }
            self.name.push_str(field);
            self.path = json_path_child(&self.path, field);
            let sub = dynamic.map(|d| json_path_child(d, field));
            let go_on = self.walk(value, record, sub.as_deref());
            self.name.truncate(name_len);
            self.path.truncate(path_len);
            go_on
        }

        fn leaf(&mut self, record: u64, dynamic: Option<&str>, write: impl FnOnce(&mut Vec<u8>)) -> bool {
            let dynamic = dynamic.map(Box::from);
            let full = match self.batches.get_mut(self.name.as_str()) {
                Some((b, _)) => {
                    b.push_with(record, dynamic, write);
                    b.bytes() >= BATCH_BYTES
                }
                None => {
                    let mut b = ValueBatch::default();
                    b.push_with(record, dynamic, write);
                    self.batches.insert(self.name.clone(), (b, self.path.clone()));
                    false
                }
            };
            if full {
                let name = self.name.clone();
                return self.flush(&name);
            }
            if self.batches.len() > MAX_BATCHES {
                return self.flush_all();
            }
            true
        }

        fn flush(&mut self, name: &str) -> bool {
            let ctx = self.contexts.get(self.emit.x, name);
            match self.batches.get_mut(name) {
                Some((b, path)) => self.emit.flush(b, &ctx, path, None),
                None => true,
            }
        }

        fn flush_all(&mut self) -> bool {
            let mut names: Vec<String> = self.batches.keys().cloned().collect();
            names.sort();
            for name in names {
                if !self.flush(&name) {
                    return false;
                }
            }
            self.batches.clear();
            true
        }
    }

    /// A big-endian two's-complement integer of up to 16 bytes.
    fn unscaled(b: &[u8]) -> Option<i128> {
        if b.is_empty() || b.len() > 16 {
            return None;
        }
        let fill = if b[0] & 0x80 != 0 { 0xFF } else { 0 };
        let mut buf = [fill; 16];
        buf[16 - b.len()..].copy_from_slice(b);
        Some(i128::from_be_bytes(buf))
    }

    /// Writes `secs` since the Unix epoch (plus a fraction of `digits` digits) as ISO 8601;
    /// a whole day as a bare date.
    pub(crate) fn iso(h: &mut Vec<u8>, secs: i64, frac: i64, digits: usize) {
        let days = secs.div_euclid(86_400);
        let tod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let _ = write!(h, "{y:04}-{m:02}-{d:02}");
        if digits == 0 && tod == 0 {
            return;
        }
        let _ = write!(h, "T{:02}:{:02}:{:02}", tod / 3600, tod / 60 % 60, tod % 60);
        if frac != 0 {
            let _ = write!(h, ".{frac:0digits$}");
        }
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
    fn civil_from_days(days: i64) -> (i64, u32, u32) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y, m, d)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn iso_str(secs: i64, frac: i64, digits: usize) -> String {
            let mut h = Vec::new();
            iso(&mut h, secs, frac, digits);
            String::from_utf8(h).expect("ascii")
        }

        #[test]
        fn dates_and_timestamps() {
            assert_eq!(iso_str(0, 0, 0), "1970-01-01");
            assert_eq!(iso_str(479_606_400, 0, 0), "1985-03-14");
            assert_eq!(iso_str(-86_400, 0, 0), "1969-12-31");
            assert_eq!(iso_str(951_782_400, 0, 0), "2000-02-29");
            assert_eq!(iso_str(479_606_400 + 3_723, 45, 3), "1985-03-14T01:02:03.045");
            assert_eq!(iso_str(479_606_400, 0, 6), "1985-03-14T00:00:00");
        }

        #[test]
        fn decimals() {
            assert_eq!(unscaled(&[0x1E, 0x8A, 0x9C, 0x31]), Some(512_400_433));
            assert_eq!(unscaled(&[0xFF]), Some(-1));
            assert_eq!(unscaled(&[]), None);
        }
    }
}

#[cfg(all(test, feature = "avro"))]
mod tests {
    use apache_avro::types::{Record, Value};
    use apache_avro::{Schema, Writer};

    use crate::extract::{Data, Extractor, Options};
    use crate::report::{Collect, Location, Severity};

    const SCHEMA: &str = r#"{
        "type": "record", "name": "customer",
        "fields": [
            {"name": "name", "type": "string"},
            {"name": "ssn", "type": "long"},
            {"name": "email", "type": ["null", "string"]},
            {"name": "contacts", "type": {"type": "array", "items": "string"}},
            {"name": "address", "type": {"type": "record", "name": "addr", "fields": [
                {"name": "zip", "type": "string"}, {"name": "note", "type": "string"}]}},
            {"name": "attrs", "type": {"type": "map", "values": "string"}},
            {"name": "dob", "type": ["null", {"type": "int", "logicalType": "date"}]}
        ]}"#;

    fn scan(bytes: &[u8]) -> Collect {
        let scanner = crate::testutil::builtin();
        let opts = Options::default();
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let mut out = Collect::default();
        let mut r = bytes;
        x.scan(&mut scratch, Data::Stream(&mut r), "c.avro", &mut out);
        out
    }

    fn customers() -> Vec<u8> {
        let schema = Schema::parse_str(SCHEMA).expect("schema");
        let mut w = Writer::new(&schema, Vec::new()).expect("writer");
        type Row<'a> = (i64, Option<&'a str>, Vec<&'a str>, &'a str, Vec<(&'a str, &'a str)>, i32);
        let rows: [Row<'_>; 3] = [
            (1, None, vec!["x"], "nothing", vec![], 0),
            (
                512_483_921,
                Some("jane.doe@example.com"),
                vec!["x", "bob@example.net"],
                "n/a",
                vec![("ssn", "409-22-7781")],
                5_551,
            ),
            (2, Some("none"), vec![], "card 4532 0151 1283 0366", vec![], 0),
        ];
        for (ssn, email, contacts, note, attrs, dob) in rows {
            let mut r = Record::new(w.schema()).expect("record schema");
            r.put("name", "J. Doe");
            r.put("ssn", ssn);
            r.put(
                "email",
                match email {
                    Some(e) => Value::Union(1, Box::new(Value::String(e.into()))),
                    None => Value::Union(0, Box::new(Value::Null)),
                },
            );
            r.put("contacts", Value::Array(contacts.iter().map(|c| Value::String(c.to_string())).collect()));
            r.put(
                "address",
                Value::Record(vec![
                    ("zip".into(), Value::String("02139".into())),
                    ("note".into(), Value::String(note.into())),
                ]),
            );
            r.put(
                "attrs",
                Value::Map(attrs.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect()),
            );
            r.put(
                "dob",
                match dob {
                    0 => Value::Union(0, Box::new(Value::Null)),
                    d => Value::Union(1, Box::new(Value::Date(d))),
                },
            );
            w.append_value(r).expect("append");
        }
        w.into_inner().expect("avro")
    }

    #[test]
    fn records_are_walked_with_paths() {
        let out = scan(&customers());
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let mut got: Vec<(u64, String, String)> = out
            .findings
            .iter()
            .map(|f| match &f.location {
                Location::Record(r) => {
                    assert_eq!(r.row_group, None);
                    (r.record, r.json_path.clone(), f.data_type.to_string())
                }
                other => panic!("{other:?}"),
            })
            .collect();
        got.sort();
        let want = [
            (1, "$.attrs.ssn", "USA_SOCIAL_SECURITY_NUMBER"),
            (1, "$.contacts[1]", "EMAIL_ADDRESS"),
            (1, "$.dob", "DATE_OF_BIRTH"),
            (1, "$.email", "EMAIL_ADDRESS"),
            (1, "$.ssn", "USA_SOCIAL_SECURITY_NUMBER"),
            (2, "$.address.note", "CREDIT_CARD_NUMBER"),
        ];
        let want: Vec<(u64, String, String)> =
            want.iter().map(|(r, p, t)| (*r, p.to_string(), t.to_string())).collect();
        assert_eq!(got, want);
        let s = out.scanned.last().expect("scanned");
        assert_eq!((s.format.as_str(), s.findings), ("avro", 6));
    }

    #[test]
    fn truncated_file_keeps_earlier_records() {
        let bytes = customers();
        let out = scan(&bytes[..bytes.len() - 20]);
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert_eq!(out.problems[0].severity, Severity::Partial);
        assert!(out.problems[0].reason.starts_with("corrupt avro data after record 0"), "{}", out.problems[0].reason);
        let out = scan(b"Obj\x01 not really avro");
        assert_eq!(out.problems[0].severity, Severity::Error);
        assert!(out.problems[0].reason.starts_with("invalid avro file"), "{}", out.problems[0].reason);
    }
}

//! Scanning the values of structured records (Parquet, Avro): each value is
//! a haystack of its own, placed at its record and JSON path, with its
//! column path as keyword context.
//!
//! Values are scanned one by one: each call to the scanner sees exactly one
//! value, so matches never straddle values and keywords never leak from a
//! neighbour. A batched mode is kept for measurement: values of one column
//! joined with `\n` into one haystack, matches mapped back to values, and
//! a value re-scanned on its own whenever the batch answer could differ (a
//! match across values, or a keyword not given by the column context). It
//! is slower on most columns, because anchor windows reach into neighbouring
//! values (measured with `measure_batching` below, release build, 200,000
//! values per column: ids 20-31 MB/s batched against 52-78 one by one, names
//! 45-68 against 122-129, emails 57-86 against 64-110, free-text notes 110
//! against 123-128; only one- or two-digit integers were faster batched, 43
//! against 18-29 MB/s), so it is off by default.
//!
//! This file does not read any format; `parquet.rs` and `avro.rs` walk their
//! records and feed values here.

use std::collections::HashMap;

use crate::detect::{Context, Match, Scratch};
use crate::extract::Extractor;
use crate::extract::names::NameMask;
use crate::report::{Finding, Location, RecordLocation, Sink};

/// One value in a batch.
#[derive(Clone, Debug)]
struct Slot {
    start: usize,
    end: usize,
    record: u64,
    /// The value's JSON path when it differs from the batch's (list elements).
    path: Option<Box<str>>,
}

/// Values of one column (one keyword context) waiting to be scanned, held in
/// one buffer so that a column costs few allocations.
#[derive(Debug, Default)]
pub(crate) struct ValueBatch {
    hay: Vec<u8>,
    slots: Vec<Slot>,
}

impl ValueBatch {
    /// Appends a value that `write` writes; an empty value is dropped.
    pub(crate) fn push_with(&mut self, record: u64, path: Option<Box<str>>, write: impl FnOnce(&mut Vec<u8>)) {
        let start = self.hay.len();
        write(&mut self.hay);
        if self.hay.len() == start {
            return;
        }
        self.slots.push(Slot { start, end: self.hay.len(), record, path });
        self.hay.push(b'\n');
    }

    /// Appends a value.
    #[cfg(test)]
    pub(crate) fn push(&mut self, record: u64, path: Option<Box<str>>, value: &[u8]) {
        self.push_with(record, path, |h| h.extend_from_slice(value));
    }

    /// Bytes held (values and separators).
    #[cfg(feature = "avro")]
    pub(crate) fn bytes(&self) -> usize {
        self.hay.len()
    }

    /// Whether the batch holds no value.
    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn clear(&mut self) {
        self.hay.clear();
        self.slots.clear();
    }
}

/// Writes a floating-point value if it is a whole number (an identifier stored
/// as a float, such as an SSN, is one), as an integer without `.0`. Fractional
/// values are measurements, not identifiers, and are not written: their long
/// decimal expansions (`32.57142857142857`) would otherwise pass for card
/// numbers.
pub(crate) fn write_float(h: &mut Vec<u8>, f: f64) {
    /// 2^53: beyond it, not every integer is representable.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.is_finite() && f.fract() == 0.0 && f.abs() < EXACT {
        use std::io::Write;
        let _ = write!(h, "{}", f as i64);
    }
}

/// `parent.name`, or `parent['na.me']` when the name is not a plain identifier.
pub(crate) fn json_path_child(parent: &str, name: &str) -> String {
    let plain = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !name.as_bytes()[0].is_ascii_digit();
    if plain {
        format!("{parent}.{name}")
    } else {
        format!("{parent}['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// Keyword contexts of column paths, computed once per path.
#[derive(Debug, Default)]
pub(crate) struct Contexts {
    map: HashMap<String, Context>,
}

/// More distinct paths than this (map keys used as names), or paths longer
/// than [`MAX_CONTEXT_NAME`] bytes, are not cached: the cache stays small
/// whatever the keys of a map column.
const MAX_CONTEXTS: usize = 10_000;

/// The longest path whose context is cached, in bytes.
const MAX_CONTEXT_NAME: usize = 256;

impl Contexts {
    /// The context of column path `name`.
    pub(crate) fn get(&mut self, x: &Extractor<'_>, name: &str) -> Context {
        if let Some(c) = self.map.get(name) {
            return c.clone();
        }
        let c = x.scanner().context_for(name);
        if self.map.len() < MAX_CONTEXTS && name.len() <= MAX_CONTEXT_NAME {
            self.map.insert(name.to_string(), c.clone());
        }
        c
    }
}

/// Where scanned values go: the scanner and the sink of one source.
pub(crate) struct Emit<'a, 'x> {
    pub x: &'a Extractor<'x>,
    pub scratch: &'a mut Scratch,
    pub source: &'a str,
    pub sink: &'a mut dyn Sink,
    /// Findings reported so far.
    pub findings: u64,
    /// Value bytes scanned so far.
    pub bytes: u64,
    /// Scan a batch as one haystack (see the module docs); off by default.
    pub batched: bool,
    /// Masks sensitive data in JSON paths (map keys).
    names: NameMask,
}

impl<'a, 'x> Emit<'a, 'x> {
    /// Emits to `sink` for `source`, scanning values one by one.
    pub(crate) fn new(x: &'a Extractor<'x>, scratch: &'a mut Scratch, source: &'a str, sink: &'a mut dyn Sink) -> Self {
        Emit { x, scratch, source, sink, findings: 0, bytes: 0, batched: false, names: NameMask::default() }
    }

    /// Scans and empties `batch`, whose values have context `ctx` and JSON
    /// path `path` (unless a value has its own); returns whether the sink
    /// wants more.
    pub(crate) fn flush(&mut self, batch: &mut ValueBatch, ctx: &Context, path: &str, row_group: Option<u64>) -> bool {
        if batch.is_empty() {
            return true;
        }
        let found = if self.batched { self.find_batched(batch, ctx) } else { self.find_each(batch, ctx, None) };
        let scanner = self.x.scanner();
        let show = self.x.options().text.show_values;
        let mut go_on = true;
        for (i, m) in found {
            let slot = &batch.slots[i];
            let value = &batch.hay[slot.start..slot.end];
            let mut location = Location::Record(RecordLocation {
                record: slot.record,
                json_path: slot.path.as_deref().unwrap_or(path).to_string(),
                row_group,
                line: None,
                byte_start: None,
                byte_end: None,
            });
            if !show {
                self.names.mask_location(scanner, &mut location);
            }
            let info = scanner.rule_info(m.rule);
            self.findings += 1;
            if !self.sink.finding(Finding::from_match(&info, &m, self.source, location, &value[m.start..m.end], show)) {
                go_on = false;
                break;
            }
        }
        self.bytes += batch.slots.iter().map(|s| (s.end - s.start) as u64).sum::<u64>();
        batch.clear();
        go_on
    }

    /// Matches of every value (or of the values marked in `only`), scanned one by one,
    /// with offsets relative to their value.
    fn find_each(&mut self, batch: &ValueBatch, ctx: &Context, only: Option<&[bool]>) -> Vec<(usize, Match)> {
        let scanner = self.x.scanner();
        let mut found = Vec::new();
        for (i, slot) in batch.slots.iter().enumerate() {
            if only.is_some_and(|o| !o[i]) {
                continue;
            }
            let value = &batch.hay[slot.start..slot.end];
            scanner.find(self.scratch, value, 0..value.len(), ctx, &mut |m| {
                found.push((i, *m));
                true
            });
        }
        found
    }

    /// Matches of every value, found in one pass over the whole batch (see the module docs).
    fn find_batched(&mut self, batch: &ValueBatch, ctx: &Context) -> Vec<(usize, Match)> {
        let scanner = self.x.scanner();
        let mut all = Vec::new();
        scanner.find(self.scratch, &batch.hay, 0..batch.hay.len(), ctx, &mut |m| {
            all.push(*m);
            true
        });
        if all.is_empty() {
            return Vec::new();
        }
        let slots = &batch.slots;
        let mut again = vec![false; slots.len()];
        let mut found = Vec::with_capacity(all.len());
        for m in all {
            let i = slots.partition_point(|s| s.end <= m.start);
            let inside = i < slots.len() && slots[i].start <= m.start && m.end <= slots[i].end;
            if inside {
                if !m.keyword || ctx.has(m.rule) {
                    let start = slots[i].start;
                    found.push((i, Match { start: m.start - start, end: m.end - start, ..m }));
                } else {
                    again[i] = true;
                }
            } else {
                let mut j = i;
                while j < slots.len() && slots[j].start < m.end {
                    again[j] = true;
                    j += 1;
                }
            }
        }
        if again.iter().any(|&a| a) {
            found.retain(|(i, _)| !again[*i]);
            found.extend(self.find_each(batch, ctx, Some(&again)));
            found.sort_by_key(|(i, m)| (*i, m.start, m.end));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Options;
    use crate::report::Collect;

    fn run(values: &[&str], column: &str, batched: bool) -> Vec<(u64, String, String)> {
        let scanner = crate::testutil::builtin();
        let opts = Options::default();
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let mut out = Collect::default();
        let ctx = scanner.context_for(column);
        {
            let mut emit = Emit::new(&x, &mut scratch, "t", &mut out);
            emit.batched = batched;
            let mut batch = ValueBatch::default();
            for (i, v) in values.iter().enumerate() {
                batch.push(i as u64, None, v.as_bytes());
            }
            assert!(emit.flush(&mut batch, &ctx, &format!("$.{column}"), Some(0)));
            assert!(batch.is_empty());
        }
        out.findings
            .into_iter()
            .map(|f| match f.location {
                Location::Record(r) => (r.record, r.json_path, f.data_type.to_string()),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn batched_equals_one_by_one() {
        let tables: &[(&str, &[&str])] = &[
            ("notes", &["ssn on file", "512483921", "", "card 4532 0151 1283 0366", "4532 0151 1283 0366"]),
            ("ssn", &["512483921", "409-22-7781", "n/a", "731041196"]),
            ("email", &["jane.doe@example.com", "x", "john@example.org"]),
            ("dob", &["1985-03-14", "2020-01-01T10:00:00", "born"]),
            ("comment", &["4532 0151", "1283 0366", "ssn", "409-22-7781"]),
            ("phone", &["+1", "415 555 0132", "(415) 555-0132"]),
        ];
        for (column, values) in tables {
            let one = run(values, column, false);
            let batch = run(values, column, true);
            assert_eq!(batch, one, "column {column}");
        }
    }

    #[test]
    fn floats() {
        let w = |f: f64| {
            let mut h = Vec::new();
            write_float(&mut h, f);
            String::from_utf8(h).expect("ascii")
        };
        assert_eq!(w(512_483_921.0), "512483921");
        assert_eq!(w(-3.0), "-3");
        assert_eq!(w(32.571_428_571_428_57), "");
        assert_eq!(w(f64::NAN), "");
        assert_eq!(w(1e300), "");
    }

    #[test]
    fn json_paths() {
        assert_eq!(json_path_child("$", "email"), "$.email");
        assert_eq!(json_path_child("$.a", "zip_code-2"), "$.a.zip_code-2");
        assert_eq!(json_path_child("$", "first name"), "$['first name']");
        assert_eq!(json_path_child("$", "it's"), "$['it\\'s']");
        assert_eq!(json_path_child("$", "2fa"), "$['2fa']");
        assert_eq!(json_path_child("$", ""), "$['']");
    }

    #[test]
    fn keywords_do_not_leak_between_values() {
        // A bare nine-digit SSN needs an SSN keyword: the previous value's does not count.
        let got = run(&["ssn", "512483921"], "notes", true);
        assert!(got.is_empty(), "{got:?}");
        let got = run(&["ssn 512483921"], "notes", true);
        assert_eq!(got, [(0, "$.notes".to_string(), "USA_SOCIAL_SECURITY_NUMBER".to_string())]);
        let got = run(&["x", "512483921"], "customer_ssn", true);
        assert_eq!(got, [(1, "$.customer_ssn".to_string(), "USA_SOCIAL_SECURITY_NUMBER".to_string())]);
    }
}

/// Batched against one-by-one scanning, on columns shaped like real exports.
/// Run with `cargo test --release --lib measure_batching -- --ignored --nocapture`.
#[cfg(test)]
mod measure {
    use std::time::Instant;

    use super::*;
    use crate::extract::Options;
    use crate::report::Collect;

    #[test]
    #[ignore = "a measurement, not a test"]
    fn measure_batching() {
        let scanner = crate::testutil::builtin();
        let opts = Options::default();
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let n = 200_000usize;
        let columns: Vec<(&str, Vec<String>)> = vec![
            ("id", (0..n).map(|i| (1_000_000 + i).to_string()).collect()),
            ("ssn", (0..n).map(|i| if i % 1000 == 0 { "512483921".into() } else { (i % 97).to_string() }).collect()),
            (
                "email",
                (0..n)
                    .map(|i| if i % 1000 == 0 { format!("user{i}@example.com") } else { format!("user{i} at example") })
                    .collect(),
            ),
            ("name", (0..n).map(|i| format!("Customer {i}")).collect()),
            ("notes", (0..n).map(|i| format!("order {} shipped on time", i * 7)).collect()),
            ("email_all", (0..n).map(|i| format!("user{i}@example.com")).collect()),
        ];
        for round in 0..2 {
            for (name, values) in &columns {
                let ctx = scanner.context_for(name);
                let mut times = Vec::new();
                for batched in [true, false] {
                    let mut out = Collect::default();
                    let started = Instant::now();
                    let mut emit = Emit::new(&x, &mut scratch, "m", &mut out);
                    emit.batched = batched;
                    let mut batch = ValueBatch::default();
                    for (chunk_start, chunk) in values.chunks(8192).enumerate() {
                        for (i, v) in chunk.iter().enumerate() {
                            batch.push((chunk_start * 8192 + i) as u64, None, v.as_bytes());
                        }
                        emit.flush(&mut batch, &ctx, name, None);
                    }
                    let bytes = emit.bytes;
                    let secs = started.elapsed().as_secs_f64();
                    times.push(format!(
                        "{}: {:.0} ms ({:.0} MB/s, {} findings)",
                        if batched { "batched" } else { "one by one" },
                        secs * 1000.0,
                        bytes as f64 / secs / 1e6,
                        out.findings.len()
                    ));
                }
                println!("round {round} {name:>10}: {}", times.join("; "));
            }
        }
    }
}

//! Masking of sensitive data inside location names: the column names of a
//! table and the JSON paths of records.
//!
//! A finding's location names where its value is, and that name comes from
//! the data: a CSV header cell, a JSON object key, a Parquet map key. When
//! the name itself holds sensitive data (`{"4532015112830366": {...}}`, a
//! column headed `jane.doe@corp.example`), printing it as it is would
//! print a found value in full next to its masked form. So before a finding
//! leaves the extractor, its column name or JSON path is scanned with the
//! same rules as the data, and every match in it is replaced by its
//! redaction (`$.users['4532********0366'].ssn`), unless the user asked for
//! values in full. Names are scanned once each (a cache per source), and only
//! when a finding is reported under them, with the scanner's name rules
//! (`Scanner::set_name_rules`: all rules, when a scan is limited to some types).

use std::collections::HashMap;

use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use crate::detect::{Context, Scanner, Scratch};
use crate::report::{Location, redact};

/// More distinct names than this, or names longer than [`MAX_CACHED_LEN`]
/// bytes, are not cached (each is then scanned per finding): the cache
/// holds at most about 2.5 MiB of names, whatever the data.
const MAX_CACHED: usize = 10_000;

/// The longest name cached, in bytes.
const MAX_CACHED_LEN: usize = 256;

/// Masks the names in findings' locations for one source (see the module docs).
#[derive(Default)]
pub(crate) struct NameMask {
    /// A scratch of its own, made on the first name scanned.
    scratch: Option<Box<Scratch>>,
    /// Each name scanned so far: its masked form, or `None` when nothing was found in it.
    cache: HashMap<String, Option<String>, Xxh3DefaultBuilder>,
    /// Match spans of the name being masked.
    spans: Vec<(usize, usize, usize)>,
    /// The path being masked with its indexes zeroed, and the indexes' spans.
    zeroed: String,
    indexes: Vec<(usize, usize)>,
    zeroed_indexes: Vec<(usize, usize)>,
}

impl std::fmt::Debug for NameMask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NameMask").field("cached", &self.cache.len()).finish()
    }
}

impl NameMask {
    /// Replaces the sensitive data in `location`'s column name or JSON path
    /// by its redaction.
    pub(crate) fn mask_location(&mut self, scanner: &Scanner, location: &mut Location) {
        let scanner = scanner.name_scanner();
        let (name, path) = match location {
            Location::Cell(c) => (&mut c.column, false),
            Location::Record(r) => (&mut r.json_path, true),
            Location::Text(_) => return,
        };
        if let Some(masked) = self.masked(scanner, name, path) {
            *name = masked;
        }
    }

    /// A table's column name with the sensitive data in it redacted, or
    /// `None` when there is none.
    pub(crate) fn masked_column(&mut self, scanner: &Scanner, name: &str) -> Option<String> {
        self.masked(scanner.name_scanner(), name, false)
    }

    /// `name` with its matches redacted, or `None` when nothing is found in
    /// it. In a JSON path (`path`), array indexes (`[1234567]`) are
    /// positions, not data: they are left alone, and a path is scanned (and
    /// cached) with each index written `[0]`, so that the paths of all
    /// elements of an array cost one scan.
    fn masked(&mut self, scanner: &Scanner, name: &str, path: bool) -> Option<String> {
        if !path {
            return self.masked_with_indexes(scanner, name, &[]);
        }
        let mut indexes = std::mem::take(&mut self.indexes);
        array_indexes(name, &mut indexes);
        let masked = if indexes.iter().all(|&(a, b)| &name[a..b] == "0") {
            self.masked_with_indexes(scanner, name, &indexes)
        } else {
            self.masked_zeroed(scanner, name, &indexes)
        };
        self.indexes = indexes;
        masked
    }

    /// [`NameMask::masked`] of a path with array indexes at `indexes`, other than `[0]`.
    fn masked_zeroed(&mut self, scanner: &Scanner, name: &str, indexes: &[(usize, usize)]) -> Option<String> {
        let (mut zeroed, mut zeroed_indexes) =
            (std::mem::take(&mut self.zeroed), std::mem::take(&mut self.zeroed_indexes));
        zeroed.clear();
        let mut at = 0;
        for &(a, b) in indexes {
            zeroed.push_str(&name[at..a]);
            zeroed.push('0');
            at = b;
        }
        zeroed.push_str(&name[at..]);
        array_indexes(&zeroed, &mut zeroed_indexes);
        let masked = self.masked_with_indexes(scanner, &zeroed, &zeroed_indexes);
        (self.zeroed, self.zeroed_indexes) = (zeroed, zeroed_indexes);
        let masked = masked?;
        // Masking keeps the indexes and the brackets and quotes around them
        // (a redaction that took one away has the path scanned unzeroed):
        // the masked path's indexes are the zeroed path's, in the same order.
        let mut masked_indexes = Vec::new();
        array_indexes(&masked, &mut masked_indexes);
        if masked_indexes.len() != indexes.len() {
            return self.masked_with_indexes(scanner, name, indexes);
        }
        let mut out = String::with_capacity(masked.len() + name.len());
        let mut at = 0;
        for (&(a, b), &(oa, ob)) in masked_indexes.iter().zip(indexes) {
            out.push_str(&masked[at..a]);
            out.push_str(&name[oa..ob]);
            at = b;
        }
        out.push_str(&masked[at..]);
        Some(out)
    }

    /// `name` with its matches redacted except those that overlap one of
    /// `keep` (byte spans), or `None` when none is left.
    fn masked_with_indexes(&mut self, scanner: &Scanner, name: &str, keep: &[(usize, usize)]) -> Option<String> {
        if let Some(m) = self.cache.get(name) {
            return m.clone();
        }
        let scratch = self.scratch.get_or_insert_with(|| Box::new(scanner.scratch()));
        self.spans.clear();
        let spans = &mut self.spans;
        scanner.find(scratch, name.as_bytes(), 0..name.len(), &Context::none(), &mut |m| {
            spans.push((m.start, m.end, m.rule));
            true
        });
        spans.retain(|&(s, e, _)| !keep.iter().any(|&(a, b)| s < b && a < e));
        let masked = (!spans.is_empty()).then(|| redact_spans(scanner, name, spans));
        if self.cache.len() < MAX_CACHED && name.len() <= MAX_CACHED_LEN {
            self.cache.insert(name.to_string(), masked.clone());
        }
        masked
    }
}

/// `name` with each span (start, end, rule; sorted by start) replaced by the
/// redaction of its text; a span overlapping the one before it is merged into it.
fn redact_spans(scanner: &Scanner, name: &str, spans: &mut [(usize, usize, usize)]) -> String {
    spans.sort_unstable();
    let mut out = String::with_capacity(name.len());
    let mut at = 0;
    for &(s, e, rule) in spans.iter() {
        let s = name.floor_char_boundary(s.max(at));
        let e = name.ceil_char_boundary(e);
        if e <= s {
            continue;
        }
        out.push_str(&name[at..s]);
        out.push_str(&redact(&name[s..e], scanner.rule_info(rule).category));
        at = e;
    }
    out.push_str(&name[at..]);
    out
}

/// The byte spans of the array indexes of a JSON path, written into `out`
/// (cleared first): the digits of each `[12]`, not counting brackets inside
/// quoted keys (`['[1]']`, in which `\'` and `\\` are escapes).
fn array_indexes(path: &str, out: &mut Vec<(usize, usize)>) {
    let b = path.as_bytes();
    out.clear();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\'' {
            // Skip the quoted key to its closing quote.
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if b[i] == b'[' {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits > 0 && b.get(i + 1 + digits) == Some(&b']') {
                out.push((i + 1, i + 1 + digits));
                i += digits + 2;
                continue;
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CellLocation, RecordLocation, TextLocation};

    fn record(path: &str) -> Location {
        Location::Record(RecordLocation {
            record: 0,
            json_path: path.into(),
            row_group: None,
            line: None,
            byte_start: None,
            byte_end: None,
        })
    }

    fn masked(loc: Location) -> Location {
        let scanner = crate::testutil::builtin();
        let mut mask = NameMask::default();
        let mut loc = loc;
        mask.mask_location(scanner, &mut loc);
        loc
    }

    #[test]
    fn sensitive_keys_in_paths_are_redacted() {
        let Location::Record(r) = masked(record("$.users['4532015112830366'].ssn")) else { unreachable!() };
        assert_eq!(r.json_path, "$.users['4532********0366'].ssn");
        let Location::Record(r) = masked(record("$.x['jane.doe@corp.example']")) else { unreachable!() };
        assert_eq!(r.json_path, "$.x['j*******@corp.example']");
        // A keyword in the path counts, as in the data.
        let Location::Record(r) = masked(record("$.ssn['512483921']")) else { unreachable!() };
        assert_eq!(r.json_path, "$.ssn['*****3921']");
    }

    #[test]
    fn plain_paths_and_array_indexes_are_kept() {
        for p in ["$.customer.ssn", "$.items[2].card", "$.phones[4155550132].phone", "$['é'][0]"] {
            let Location::Record(r) = masked(record(p)) else { unreachable!() };
            assert_eq!(r.json_path, p);
        }
    }

    #[test]
    fn sensitive_column_names_are_redacted_and_text_is_untouched() {
        let cell = Location::Cell(CellLocation {
            line: None,
            byte_start: None,
            byte_end: None,
            row: 2,
            column_index: 2,
            column: "jane.doe@corp.example".into(),
            cell_reference: None,
        });
        let Location::Cell(c) = masked(cell) else { unreachable!() };
        assert_eq!(c.column, "j*******@corp.example");
        let text = Location::Text(TextLocation::plain(1, 1, 0, 1));
        assert_eq!(masked(text.clone()), text);
    }

    #[test]
    fn names_are_scanned_once() {
        let scanner = crate::testutil::builtin();
        let mut mask = NameMask::default();
        for _ in 0..3 {
            let mut loc = record("$.a['4532015112830366']");
            mask.mask_location(scanner, &mut loc);
        }
        assert_eq!(mask.cache.len(), 1);
        let stats = mask.scratch.as_ref().expect("a name was scanned").stats();
        assert_eq!(stats.bytes, "$.a['4532015112830366']".len() as u64);
    }

    #[test]
    fn elements_of_an_array_share_one_scan() {
        let scanner = crate::testutil::builtin();
        let mut mask = NameMask::default();
        for i in [0, 7, 123456] {
            let mut loc = record(&format!("$.a[{i}]['4532015112830366'][{i}]"));
            mask.mask_location(scanner, &mut loc);
            let Location::Record(r) = loc else { unreachable!() };
            assert_eq!(r.json_path, format!("$.a[{i}]['4532********0366'][{i}]"));
            let mut plain = record(&format!("$.a[{i}].card"));
            mask.mask_location(scanner, &mut plain);
            let Location::Record(r) = plain else { unreachable!() };
            assert_eq!(r.json_path, format!("$.a[{i}].card"));
        }
        assert_eq!(mask.cache.len(), 2);
    }

    #[test]
    fn array_index_spans() {
        let spans = |p: &str| {
            let mut v = vec![(0, 0)];
            array_indexes(p, &mut v);
            v
        };
        assert_eq!(spans("$.a[12].b['x'][3]"), vec![(4, 6), (15, 16)]);
        // Brackets inside a quoted key are the key's.
        assert_eq!(spans(r"$['[1]\'[2]'][3]"), vec![(14, 15)]);
    }
}

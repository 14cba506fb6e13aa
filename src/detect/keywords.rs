//! Keyword matching with Macie's semantics, on a normalized copy of the bytes.
//!
//! Normalization lowercases ASCII letters, keeps digits and non-ASCII bytes,
//! and turns every other byte (space, `_`, `-`, punctuation, control bytes)
//! into a space. A keyword is normalized the same way and searched with a
//! space on each side, so one literal search gives:
//! - ASCII case-insensitivity;
//! - whole-word matching (`lic` never matches inside `public`);
//! - `credit card` matching `credit_card`, `Credit-Card` (the spaced form) and,
//!   through a second variant, `creditcard`.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// Normalizes one byte (see the module docs).
#[inline(always)]
pub fn norm_byte(b: u8) -> u8 {
    let lower = b | 0x20;
    if lower.wrapping_sub(b'a') < 26 {
        lower
    } else if b.wrapping_sub(b'0') < 10 || b >= 0x80 {
        b
    } else {
        b' '
    }
}

/// Writes `b' '`, the normalized `hay`, and `b' '` into `out` (replacing its contents).
///
/// The sentinel spaces let a keyword at either end of `hay` match; byte `i` of
/// `hay` is byte `i + 1` of `out`.
pub fn normalize_into(hay: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(hay.len() + 2);
    out.push(b' ');
    out.extend(hay.iter().map(|&b| norm_byte(b)));
    out.push(b' ');
}

/// The normalized search forms of one keyword: ` credit card ` and ` creditcard `.
pub fn variants(keyword: &str) -> Vec<Vec<u8>> {
    let norm: Vec<u8> = keyword.bytes().map(norm_byte).collect();
    let words: Vec<&[u8]> = norm.split(|&b| b == b' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let spaced = words.join(&b' ');
    let joined = words.concat();
    let mut out = vec![wrap(&spaced)];
    if joined != spaced {
        out.push(wrap(&joined));
    }
    out
}

fn wrap(w: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(w.len() + 2);
    v.push(b' ');
    v.extend_from_slice(w);
    v.push(b' ');
    v
}

/// Splits a column name or JSON path into normalized words, breaking camelCase:
/// `customerSSN` → `customer ssn`, `$.billing.card_number` → `billing card number`.
pub fn normalize_name(name: &str) -> Vec<u8> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() + 8);
    out.push(b' ');
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 && b.is_ascii_uppercase() {
            let prev = bytes[i - 1];
            let next_lower = bytes.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push(b' ');
            }
        }
        out.push(norm_byte(b));
    }
    out.push(b' ');
    out
}

/// A compiled set of keywords, each mapped to the rules that use it.
#[derive(Clone, Debug)]
pub struct KeywordSet {
    ac: AhoCorasick,
    /// For each automaton pattern, the keyword it stands for.
    pattern_keyword: Vec<u32>,
    /// For each keyword, the indexes of the rules that list it.
    keyword_rules: Vec<Vec<u32>>,
    longest: usize,
}

/// A keyword occurrence in a haystack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeywordHit {
    /// The keyword's index in the set.
    pub keyword: u32,
    /// Offset of the keyword's first byte in the original haystack.
    pub start: usize,
    /// Offset one past its last byte.
    pub end: usize,
}

impl KeywordSet {
    /// Builds a set from `(keyword, rule index)` pairs. Returns `None` when there are none.
    pub fn new(pairs: &[(String, u32)]) -> Option<KeywordSet> {
        let mut keywords: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
        keywords.sort();
        keywords.dedup();
        let mut patterns = Vec::new();
        let mut pattern_keyword = Vec::new();
        for (ki, k) in keywords.iter().enumerate() {
            for v in variants(k) {
                patterns.push(v);
                pattern_keyword.push(ki as u32);
            }
        }
        if patterns.is_empty() {
            return None;
        }
        let mut keyword_rules = vec![Vec::new(); keywords.len()];
        for (k, rule) in pairs {
            let ki = keywords.binary_search(k).expect("keyword was collected above");
            if !keyword_rules[ki].contains(rule) {
                keyword_rules[ki].push(*rule);
            }
        }
        let longest = patterns.iter().map(Vec::len).max().unwrap_or(0);
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .or_else(|_| AhoCorasick::builder().match_kind(MatchKind::Standard).build(&patterns))
            .expect("keyword automaton builds from short literals");
        Some(KeywordSet { ac, pattern_keyword, keyword_rules, longest })
    }

    /// The longest keyword form, in bytes.
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// The rules that list keyword `k`.
    pub fn rules_of(&self, k: u32) -> &[u32] {
        &self.keyword_rules[k as usize]
    }

    /// Calls `f` for every keyword occurrence in `norm[range]`, where `norm` is
    /// the output of [`normalize_into`]. Offsets in hits refer to the original haystack.
    pub fn for_each(&self, norm: &[u8], range: std::ops::Range<usize>, mut f: impl FnMut(KeywordHit)) {
        // `range` is in haystack coordinates; the normalized copy is shifted by one
        // and the pattern includes one sentinel byte on each side.
        let lo = range.start;
        let hi = (range.end + 2).min(norm.len());
        if lo >= hi {
            return;
        }
        for m in self.ac.find_overlapping_iter(&norm[lo..hi]) {
            let p = m.pattern().as_usize();
            // Match covers " kw " at norm[lo + m.start() .. lo + m.end()];
            // the keyword's first byte is norm index lo + m.start() + 1 = hay index lo + m.start().
            let start = lo + m.start();
            let end = lo + m.end() - 2;
            f(KeywordHit { keyword: self.pattern_keyword[p], start, end });
        }
    }

    /// Whether any keyword of `rule` occurs near `value` in the normalized haystack.
    ///
    /// `before_only` restricts to keywords ending before the value starts.
    /// Distances are counted in bytes between the keyword and the value.
    pub fn near(
        &self,
        norm: &[u8],
        hay_len: usize,
        rule: u32,
        value: (usize, usize),
        distance: usize,
        before_only: bool,
    ) -> bool {
        let (vs, ve) = value;
        let lo = vs.saturating_sub(distance + self.longest);
        let hi = if before_only { vs } else { (ve + distance + self.longest).min(hay_len) };
        let mut found = false;
        self.for_each(norm, lo..hi, |hit| {
            if found || !self.keyword_rules[hit.keyword as usize].contains(&rule) {
                return;
            }
            let ok = if hit.end <= vs {
                vs - hit.end <= distance
            } else if hit.start >= ve {
                !before_only && hit.start - ve <= distance
            } else {
                false
            };
            found |= ok;
        });
        found
    }

    /// The rules whose keywords occur in a normalized name (see [`normalize_name`]).
    pub fn rules_in_name(&self, name_norm: &[u8], out: &mut Vec<u32>) {
        for m in self.ac.find_overlapping_iter(name_norm) {
            let k = self.pattern_keyword[m.pattern().as_usize()];
            for &r in &self.keyword_rules[k as usize] {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(set: &KeywordSet, hay: &str) -> Vec<(u32, usize, usize)> {
        let mut norm = Vec::new();
        normalize_into(hay.as_bytes(), &mut norm);
        let mut out = Vec::new();
        set.for_each(&norm, 0..hay.len(), |h| out.push((h.keyword, h.start, h.end)));
        out
    }

    #[test]
    fn whole_words_case_insensitive() {
        let set = KeywordSet::new(&[("lic".into(), 0), ("ssn".into(), 1)]).unwrap();
        assert!(hits(&set, "public licence").is_empty());
        let h = hits(&set, "customer_SSN=123");
        assert_eq!(h.len(), 1);
        let (k, s, e) = h[0];
        assert_eq!(&"customer_SSN=123"[s..e], "SSN");
        assert_eq!(set.rules_of(k), &[1]);
        assert_eq!(hits(&set, "ssn").len(), 1, "keyword spanning the whole haystack");
    }

    #[test]
    fn spaced_keywords_match_joined_forms() {
        let set = KeywordSet::new(&[("credit card".into(), 7)]).unwrap();
        for hay in ["credit card", "Credit-Card:", "credit_card=", "CREDITCARD", "my creditcard"] {
            assert_eq!(hits(&set, hay).len(), 1, "{hay}");
        }
        assert!(hits(&set, "credit cards").is_empty());
    }

    #[test]
    fn adjacent_keywords_both_found() {
        let set = KeywordSet::new(&[("card".into(), 0), ("number".into(), 1)]).unwrap();
        assert_eq!(hits(&set, "card number").len(), 2);
    }

    #[test]
    fn near_respects_distance_and_position() {
        let set = KeywordSet::new(&[("ssn".into(), 3)]).unwrap();
        let hay = b"ssn: 123-45-6789 and more";
        let mut norm = Vec::new();
        normalize_into(hay, &mut norm);
        assert!(set.near(&norm, hay.len(), 3, (5, 16), 30, false));
        assert!(set.near(&norm, hay.len(), 3, (5, 16), 2, false));
        assert!(!set.near(&norm, hay.len(), 3, (5, 16), 1, false));
        assert!(!set.near(&norm, hay.len(), 4, (5, 16), 30, false), "other rule");
        let after = b"123-45-6789 is my ssn";
        normalize_into(after, &mut norm);
        assert!(set.near(&norm, after.len(), 3, (0, 11), 30, false));
        assert!(!set.near(&norm, after.len(), 3, (0, 11), 30, true));
    }

    #[test]
    fn names_split_camel_case() {
        assert_eq!(normalize_name("customerSSN"), b" customer ssn ".to_vec());
        assert_eq!(normalize_name("$.billing.cardNumber"), b"   billing card number ".to_vec());
        assert_eq!(normalize_name("SSNValue"), b" ssn value ".to_vec());
        let set = KeywordSet::new(&[("card number".into(), 2)]).unwrap();
        let mut rules = Vec::new();
        set.rules_in_name(&normalize_name("billingCardNumber"), &mut rules);
        assert_eq!(rules, vec![2]);
    }
}

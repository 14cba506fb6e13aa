//! Which rules of a digit level can start a match around a digit group,
//! judged for up to 64 rules at once with two table lookups per position.
//!
//! A rule whose matches' first digit always lies in a group long enough to
//! trigger it (see `analyze::DigitFacts::start_shape`) starts its value at most `lead`
//! bytes before that group's first digit, or inside the group at a separator
//! or the digit after one. The value's first bytes are known: `+` for
//! `+1 212...`, `;` for track data, a digit for a bare number; and when every
//! value starts with one of a few literals, so are its second bytes (`0` or
//! `4` for `0049`/`+49`), and where its pattern allows no digit and
//! separator before it (an Italian landline after `2024-`), it does not
//! start after them; nor, where it wants a word boundary before its
//! digits, at a group right after a letter (the digits of a hex word). A group is judged once for every rule of its level. Most digit groups of number-dense data
//! (ids, amounts, timestamps) start no rule's value, and this filter rejects
//! them for all rules of a level at the cost of a few loads.

use crate::detect::analyze::{StartShape, in_byte_set, is_letter_or_underscore};
use crate::detect::classify::Classes;
use crate::detect::digits::SEPARATORS;

/// Leads longer than this are not tabulated: such rules are always candidates.
pub(crate) const MAX_LEAD: usize = 4;

/// The start-byte tables of one digit level (rule `p` of the level is bit `p`).
#[derive(Clone, Debug)]
pub(crate) struct StartFilter {
    /// `leads[d]`: rules whose value can start `d` bytes before the
    /// group's first digit (`d` at most the rule's lead). With `inner`, the
    /// rules whose value can start with byte `b` lying `d` bytes before
    /// are `inner[b] & leads[d]`: one table of 256 entries rather than one
    /// per distance, so that a level's tables stay in the first-level cache.
    leads: [u64; MAX_LEAD + 1],
    /// `inner[b]`: rules whose value can start with byte `b`.
    inner: Box<[u64; 256]>,
    /// `second[b]`: rules whose value's second byte can be `b`.
    second: Box<[u64; 256]>,
    /// Rules whose second byte is unconstrained: the only ones that can
    /// start at the haystack's last byte.
    any_second: u64,
    /// `after_digit_sep[s]`: rules whose value can start right after a
    /// digit and separator `s` (read only at separators).
    after_digit_sep: Box<[u64; 256]>,
    /// `after_byte[b]`: rules whose value can start at a group's first
    /// digit right after byte `b` (all but those that want a word boundary
    /// there when `b` is a letter or `_`).
    after_byte: Box<[u64; 256]>,
    /// Rules the tables cannot judge (no known lead or first bytes, a lead
    /// over [`MAX_LEAD`]): always candidates.
    always: u64,
}

/// The bytes of a 256-bit set.
fn members(set: [u64; 4]) -> impl Iterator<Item = u8> {
    (0..=255u8).filter(move |&b| in_byte_set(&set, b))
}

impl StartFilter {
    /// Tables for the first 64 rules of `shapes`; the caller checks any further
    /// rules itself.
    pub(crate) fn new(shapes: &[Option<StartShape>]) -> StartFilter {
        let mut f = StartFilter {
            leads: [0; MAX_LEAD + 1],
            inner: Box::new([0; 256]),
            second: Box::new([0; 256]),
            any_second: 0,
            after_digit_sep: Box::new([0; 256]),
            after_byte: Box::new([u64::MAX; 256]),
            always: 0,
        };
        for (p, shape) in shapes.iter().enumerate().take(64) {
            let bit = 1u64 << p;
            match shape.and_then(|s| s.second_bytes) {
                Some(second) => members(second).for_each(|b| f.second[b as usize] |= bit),
                None => {
                    f.any_second |= bit;
                    f.second.iter_mut().for_each(|s| *s |= bit);
                }
            }
            if shape.is_some_and(|s| !s.digit_after_letter) {
                for b in (0..=255).filter(|&b| is_letter_or_underscore(b)) {
                    f.after_byte[usize::from(b)] &= !bit;
                }
            }
            // Rules without a shape are always candidates.
            let after = shape.map_or(u8::MAX, |s| s.after_digit_sep);
            for (i, &sep) in SEPARATORS.iter().enumerate() {
                if after >> i & 1 == 1 {
                    f.after_digit_sep[usize::from(sep)] |= bit;
                }
            }
            match shape {
                Some(StartShape { lead, first_bytes, .. }) if *lead <= MAX_LEAD => {
                    for b in members(*first_bytes) {
                        f.inner[b as usize] |= bit;
                    }
                    for d in &mut f.leads[..=*lead] {
                        *d |= bit;
                    }
                }
                _ => f.always |= bit,
            }
        }
        f
    }

    /// The rules (bits) that may start a value around the digit group
    /// `hay[start..end]`, which holds a separator when `has_seps`; `classes`
    /// are `hay`'s byte classes (the separators come from their masks).
    #[inline]
    pub(crate) fn candidates(&self, hay: &[u8], classes: &Classes, start: usize, end: usize, has_seps: bool) -> u64 {
        // The rules that can have a value starting at `q`, by its first two bytes.
        let second = |q: usize| hay.get(q + 1).map_or(self.any_second, |&b| self.second[b as usize]);
        // A value starting at the group's first digit right after a letter
        // (the digits of a hex word): only where no word boundary is needed.
        let at_first = start.checked_sub(1).map_or(u64::MAX, |p| self.after_byte[hay[p] as usize]);
        let mut cand = self.always;
        for (d, lead) in self.leads.iter().enumerate().take(start + 1) {
            let q = start - d;
            cand |= self.inner[hay[q] as usize] & lead & second(q) & if d == 0 { at_first } else { u64::MAX };
        }
        if has_seps {
            // The separators' positions as a mask, 64 bytes at a time, then
            // one step per separator: a branch per byte on whether it is a
            // separator mispredicted often (valgrind's branch simulation
            // counted ~220,000 fewer mispredictions per 10 MB of logs).
            let mut at = start;
            while at + 1 < end {
                let n = (end - 1 - at).min(64);
                let mut seps = classes.sep_bits(at, n);
                while seps != 0 {
                    let i = at + seps.trailing_zeros() as usize;
                    seps &= seps - 1;
                    // A value after the separator: for some rules, not when
                    // a digit comes before it (in a group, which starts
                    // with a digit, `i` is past its first byte).
                    let after_digit = i > start && hay[i - 1].is_ascii_digit();
                    let after = if after_digit { self.after_digit_sep[hay[i] as usize] } else { u64::MAX };
                    cand |= self.inner[hay[i] as usize] & second(i)
                        | self.inner[hay[i + 1] as usize] & second(i + 1) & after;
                }
                at += n;
            }
        }
        cand
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::digits::is_separator;

    /// [`StartFilter::candidates`] on `hay`, its classes computed here.
    fn candidates(f: &StartFilter, hay: &[u8], start: usize, end: usize, has_seps: bool) -> u64 {
        let mut classes = Classes::default();
        classes.compute(hay);
        f.candidates(hay, &classes, start, end, has_seps)
    }

    fn set(bytes: &[u8]) -> [u64; 4] {
        let mut s = [0u64; 4];
        for &b in bytes {
            s[(b >> 6) as usize] |= 1 << (b & 63);
        }
        s
    }

    /// The shape of values with at most `lead` bytes before their group,
    /// starting with one of `first`, free of the other constraints.
    fn shape(lead: usize, first: &[u8]) -> StartShape {
        StartShape {
            lead,
            first_bytes: set(first),
            second_bytes: None,
            prefixes: None,
            after_digit_sep: 0x3F,
            digit_after_letter: true,
        }
    }

    #[test]
    fn judges_each_rule_by_its_lead_and_first_bytes() {
        let shape = |lead, first: &[u8]| Some(shape(lead, first));
        let plus = shape(3, b"+");
        let digit = shape(0, b"0123456789");
        let paren = shape(1, b"(");
        let unknown = None;
        let far = shape(MAX_LEAD + 1, b"+");
        let f = StartFilter::new(&[plus, digit, paren, unknown, far]);
        let c = |hay: &[u8], start: usize, end: usize| {
            candidates(&f, hay, start, end, hay[start..end].iter().any(|&b| is_separator(b)))
        };
        // Bits: plus 1, digit 2, paren 4, unknown 8, far 16.
        assert_eq!(c(b"x,16125551234", 2, 13), 2 | 8 | 16);
        assert_eq!(c(b"x +1 612 555", 3, 12), 1 | 2 | 8 | 16, "the + is 1 byte before the group");
        assert_eq!(c(b"+xxx1612", 4, 8), 2 | 8 | 16, "the + is 4 bytes before, beyond the lead of 3");
        assert_eq!(c(b"(212) 555", 1, 9), 2 | 4 | 8 | 16);
        assert_eq!(c(b"12 (212)", 0, 8), 2 | 4 | 8 | 16, "a ( inside the group after a separator");
        assert_eq!(c(b"5551234", 0, 7), 2 | 8 | 16, "a group at the start of the haystack");
    }

    #[test]
    fn a_value_after_a_digit_and_a_separator_only_where_its_rule_allows_it() {
        // Values starting with `0`: the first not after a digit and a space,
        // hyphen or dot (bits 0 to 2 clear), the second anywhere.
        let zero = |after_digit_sep| Some(StartShape { after_digit_sep, ..shape(0, b"0") });
        let f = StartFilter::new(&[zero(0b111000), zero(0b111111)]);
        assert_eq!(candidates(&f, b"2024-05-04", 0, 10, true), 2, "the 05 of a date");
        assert_eq!(candidates(&f, b"2024/05/04", 0, 10, true), 1 | 2, "a slash is allowed");
        assert_eq!(candidates(&f, b"x 06 1234", 2, 9, true), 1 | 2, "the group's own start");
        assert_eq!(candidates(&f, b"12 -06", 0, 6, true), 1 | 2, "two separators: not after a digit");
    }

    #[test]
    fn a_value_at_a_group_after_a_letter_only_where_its_rule_allows_it() {
        // Values starting with `0`: the first after a word boundary only.
        let zero = |digit_after_letter| Some(StartShape { digit_after_letter, ..shape(0, b"0") });
        let f = StartFilter::new(&[zero(false), zero(true)]);
        assert_eq!(candidates(&f, b"x0612345678", 1, 11, false), 2, "the digits of a hex word");
        assert_eq!(candidates(&f, b"_0612345678", 1, 11, false), 2);
        assert_eq!(candidates(&f, b"=0612345678", 1, 11, false), 1 | 2);
        assert_eq!(candidates(&f, b"0612345678", 0, 10, false), 1 | 2, "at the haystack's start");
        assert_eq!(candidates(&f, b"x1 0612345678", 1, 13, true), 1 | 2, "after a separator in the group");
    }

    #[test]
    fn separators_past_the_first_64_bytes_of_a_group_count() {
        let paren = Some(shape(1, b"("));
        let f = StartFilter::new(&[paren]);
        for digits in [1, 62, 63, 64, 65, 100, 130] {
            let hay = format!("{} (212) 555", "1".repeat(digits));
            assert_eq!(candidates(&f, hay.as_bytes(), 0, hay.len(), true), 1, "{digits} digits first");
            let plain = format!("{} 212 555", "1".repeat(digits));
            assert_eq!(candidates(&f, plain.as_bytes(), 0, plain.len(), true), 0, "{digits} digits, no (");
        }
    }

    #[test]
    fn rules_past_64_are_left_to_the_caller() {
        let shapes = vec![Some(shape(0, b"+")); 70];
        let f = StartFilter::new(&shapes);
        assert_eq!(candidates(&f, b"123", 0, 3, false), 0);
        assert_eq!(candidates(&f, b"+123", 1, 4, false), 0, "lead 0: the + must be the group's first byte");
    }

    #[test]
    fn second_bytes_narrow_the_first() {
        // Values starting `+4...` or `00...` (`+49`, `0049`), lead 3.
        let f = StartFilter::new(&[Some(StartShape { second_bytes: Some(set(b"40")), ..shape(3, b"+0") })]);
        let c = |hay: &[u8], start: usize, end: usize| candidates(&f, hay, start, end, hay[start..end].contains(&b'.'));
        assert_eq!(c(b",0049 30", 1, 8), 1);
        assert_eq!(c(b",+49 30", 2, 7), 1);
        assert_eq!(c(b",0.123456", 1, 9), 0, "a 0 followed by a separator starts no value");
        assert_eq!(c(b",01234567", 1, 9), 0);
        assert_eq!(c(b"12.0049", 0, 7), 1, "a value inside the group, after a separator");
        assert_eq!(c(b"12.0", 0, 4), 0, "a value cannot start at the last byte");
    }
}

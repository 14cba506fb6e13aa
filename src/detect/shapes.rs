//! Run shapes: the exact layout of digits and separators in the matches of a
//! simple digit rule, checked on a digit group before any regex runs.
//!
//! `\b(\d{3}-\d{2}-\d{4})\b` only matches runs of 3, 2 and 4 digits joined
//! by `-`. A digit group is written as a string of tokens, one byte each: a
//! run of `n` digits is the byte `n` (below 0x20), a separator is itself
//! (` -./()`, all 0x20 or above). The rule's shapes are written the same
//! way (`[3, b'-', 2, b'-', 4]`), and the rule can only match in the group
//! when one of its shapes occurs in the group's string. `200 86176 2026`
//! (`[3, b' ', 5, b' ', 4]`) and `490-738-841` are rejected without a regex.
//!
//! Only rules whose every match is such a layout bounded by `\b` on both
//! sides get shapes (see `analyze::digit_bounded`): such a match starts at
//! the start of a digit run and ends at the end of one, so its runs are
//! whole runs of the group and the check is exact.

use regex_syntax::hir::{Class, Hir, HirKind};

use crate::detect::analyze;
#[cfg(test)]
use crate::detect::classify::Classes;
use crate::detect::digits::is_separator;

/// Most shapes a rule may have (more would make the check slower than the regex).
const MAX_SHAPES: usize = 16;

/// The longest digit run a shape or group string can name; longer runs are
/// written as this value, which no shape holds.
const LONG_RUN: u8 = 0x1F;

/// The most tokens of a group that are checked; longer groups pass.
pub const MAX_GROUP_TOKENS: usize = 64;

/// The run shapes of one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunShapes {
    shapes: Vec<Vec<u8>>,
    /// The same shapes as byte layouts, for groups of at most 64 bytes
    /// (see [`RunShapes::occur_in_masks`]); longer shapes cannot occur there.
    layouts: Vec<ByteLayout>,
    /// For each layout, the lengths of its digit runs as bits (bit `n`: a
    /// run of `n` digits): a layout occurs only in a group that has whole
    /// runs of each of these lengths (see [`RunShapes::may_occur`]).
    needs: Vec<u64>,
}

/// A shape written out byte by byte: which of its bytes are digits, and
/// the separator bytes between them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ByteLayout {
    /// Bytes.
    len: usize,
    /// Bit `i` set when byte `i` is a digit.
    digits: u64,
    /// Offsets and bytes of the separators.
    separators: Vec<(usize, u8)>,
}

impl ByteLayout {
    /// The layout of `shape`, when it fits in 64 bytes.
    fn of(shape: &[u8]) -> Option<ByteLayout> {
        let (mut len, mut digits, mut separators) = (0usize, 0u64, Vec::new());
        for &t in shape {
            if t < LONG_RUN {
                let run = usize::from(t);
                if len + run > 64 {
                    return None;
                }
                digits |= (u64::MAX >> (64 - run)) << len;
                len += run;
            } else {
                separators.push((len, t));
                len += 1;
            }
        }
        (len <= 64).then_some(ByteLayout { len, digits, separators })
    }
}

impl RunShapes {
    /// The shapes of a rule's pattern, when every match is `\b`, then digit
    /// runs and separators in one of at most [`MAX_SHAPES`] layouts, then `\b`.
    pub fn of(hir: &Hir) -> Option<RunShapes> {
        if !analyze::digit_bounded(hir) {
            return None;
        }
        let HirKind::Concat(parts) = hir.kind() else { return None };
        let inner = Hir::concat(parts[1..parts.len() - 1].to_vec());
        let shapes = layouts(&inner)?;
        let whole = |s: &Vec<u8>| s.first().is_some_and(|&t| t < LONG_RUN) && s.last().is_some_and(|&t| t < LONG_RUN);
        if !shapes.iter().all(whole) {
            return None;
        }
        let layouts: Vec<ByteLayout> = shapes.iter().filter_map(|s| ByteLayout::of(s)).collect();
        let needs = layouts.iter().map(|l| run_lengths(l.digits)).collect();
        Some(RunShapes { shapes, layouts, needs })
    }

    /// Whether one of the layouts may occur in a group of at most 64 bytes
    /// whose runs have the lengths `lengths` ([`run_lengths`] of its digit
    /// bits): a layout's runs are whole runs of the group (its first starts
    /// where a run starts, its last ends where one ends, and separators lie
    /// between the others), so the group must have runs of each of its
    /// lengths. A necessary condition for [`RunShapes::occur_in_masks`],
    /// computed once per group for every rule with shapes: the commonest
    /// groups of logs (`200 21995 1963`, `10.114.59.212`) fail it for the
    /// US SSN's `3-2-4`.
    #[inline]
    pub fn may_occur(&self, lengths: u64) -> bool {
        self.needs.iter().any(|&need| need & !lengths == 0)
    }

    /// Whether one of the shapes occurs in a group's token string (see [`group_tokens`]).
    pub fn occur_in(&self, tokens: &[u8]) -> bool {
        self.shapes.iter().any(|s| tokens.windows(s.len()).any(|w| w == s.as_slice()))
    }

    /// [`RunShapes::occur_in`] for the digit group `hay[start..start + len]`
    /// of at most 64 bytes whose digits are the bits of `digits`, without
    /// its token string, counting only the occurrences whose bytes
    /// `accept` takes (a value that a check of the rule would drop anyway
    /// is no occurrence worth a search): a shape occurs where a run
    /// starts, the digits of its bytes are the shape's and the run after it
    /// ends (or the group does), and its separators are the shape's. Groups
    /// are short and rarely pass the digit test, so this costs a few word
    /// operations per run start and shape.
    #[inline]
    pub fn occur_in_masks(
        &self,
        hay: &[u8],
        start: usize,
        digits: u64,
        len: usize,
        mut accept: impl FnMut(&[u8]) -> bool,
    ) -> bool {
        debug_assert!(len <= 64);
        let run_starts = digits & !(digits << 1);
        self.layouts.iter().filter(|l| l.len <= len).any(|l| {
            // Offsets where the layout fits in the group.
            let room = len - l.len + 1;
            let mut at = run_starts & if room >= 64 { u64::MAX } else { (1u64 << room) - 1 };
            let bytes = if l.len >= 64 { u64::MAX } else { (1u64 << l.len) - 1 };
            while at != 0 {
                let p = at.trailing_zeros() as usize;
                at &= at - 1;
                let end = p + l.len;
                if (digits >> p) & bytes == l.digits
                    && (end == len || digits >> end & 1 == 0)
                    && l.separators.iter().all(|&(o, b)| hay[start + p + o] == b)
                    && accept(&hay[start + p..start + end])
                {
                    return true;
                }
            }
            false
        })
    }
}

/// The lengths of the digit runs in `digits` (the digit bits of at most 64
/// bytes), as bits: bit `n` (at most 63) is set when some run is `n` digits long.
#[inline]
pub fn run_lengths(digits: u64) -> u64 {
    let (mut starts, mut ends) = (digits & !(digits << 1), digits & !(digits >> 1));
    let mut lengths = 0u64;
    while starts != 0 {
        let n = ends.trailing_zeros() - starts.trailing_zeros() + 1;
        lengths |= 1 << n.min(63);
        starts &= starts - 1;
        ends &= ends - 1;
    }
    lengths
}

/// Writes the token string of `group` (a digit group: digits and separators)
/// into `out` and returns its length, or `None` when it has more than
/// [`MAX_GROUP_TOKENS`] tokens.
pub fn group_tokens(group: &[u8], out: &mut [u8; MAX_GROUP_TOKENS]) -> Option<usize> {
    let mut n = 0;
    for &b in group {
        let t = if b.is_ascii_digit() {
            if n > 0 && out[n - 1] <= LONG_RUN {
                out[n - 1] = (out[n - 1] + 1).min(LONG_RUN);
                continue;
            }
            1
        } else {
            b
        };
        if n == MAX_GROUP_TOKENS {
            return None;
        }
        out[n] = t;
        n += 1;
    }
    Some(n)
}

/// Every token string `hir` can match, when it only matches ASCII digits and
/// separators and has at most [`MAX_SHAPES`] of them.
fn layouts(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let token = |b: u8| match b {
        b'0'..=b'9' => Some(1),
        _ if is_separator(b) => Some(b),
        _ => None,
    };
    let mut out = match hir.kind() {
        HirKind::Empty => vec![Vec::new()],
        HirKind::Literal(lit) => {
            let mut s = Vec::new();
            for &b in lit.0.iter() {
                push(&mut s, token(b)?)?;
            }
            vec![s]
        }
        HirKind::Class(class) => {
            let mut bytes = Vec::new();
            match class {
                Class::Bytes(c) => c.ranges().iter().for_each(|r| bytes.extend(r.start()..=r.end())),
                Class::Unicode(c) => {
                    for r in c.ranges() {
                        let (lo, hi) = (u32::from(r.start()), u32::from(r.end()));
                        if hi >= 0x80 {
                            return None;
                        }
                        bytes.extend(lo as u8..=hi as u8);
                    }
                }
            }
            bytes.into_iter().map(|b| token(b).map(|t| vec![t])).collect::<Option<Vec<_>>>()?
        }
        HirKind::Capture(c) => layouts(&c.sub)?,
        HirKind::Concat(parts) => {
            let mut acc = vec![Vec::new()];
            for p in parts {
                acc = product(&acc, &layouts(p)?)?;
            }
            acc
        }
        HirKind::Alternation(branches) => {
            let mut acc = Vec::new();
            for b in branches {
                acc.extend(layouts(b)?);
                dedup(&mut acc)?;
            }
            acc
        }
        HirKind::Repetition(rep) => {
            let sub = layouts(&rep.sub)?;
            let max = rep.max.filter(|&m| m <= u32::from(LONG_RUN))?;
            let (mut acc, mut cur) = (Vec::new(), vec![Vec::new()]);
            for k in 0..=max {
                if k >= rep.min {
                    acc.extend(cur.iter().cloned());
                    dedup(&mut acc)?;
                }
                if k < max {
                    cur = product(&cur, &sub)?;
                }
            }
            acc
        }
        HirKind::Look(_) => return None,
    };
    dedup(&mut out)?;
    Some(out)
}

/// Appends a token, joining consecutive digit runs; `None` for runs too long to name.
fn push(s: &mut Vec<u8>, t: u8) -> Option<()> {
    match s.last_mut() {
        Some(last) if *last < LONG_RUN && t < LONG_RUN => {
            *last += t;
            (*last < LONG_RUN).then_some(())
        }
        _ => {
            s.push(t);
            Some(())
        }
    }
}

/// Every layout of `a` followed by every layout of `b`.
fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let mut s = x.clone();
            for &t in y {
                push(&mut s, t)?;
            }
            out.push(s);
            if out.len() > MAX_SHAPES * MAX_SHAPES {
                return None;
            }
        }
    }
    dedup(&mut out)?;
    Some(out)
}

/// Sorts and removes duplicate layouts; `None` when more than [`MAX_SHAPES`] remain.
fn dedup(v: &mut Vec<Vec<u8>>) -> Option<()> {
    v.sort_unstable();
    v.dedup();
    (v.len() <= MAX_SHAPES).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::XorShift;

    fn shapes(pattern: &str) -> Option<RunShapes> {
        RunShapes::of(&analyze::parse(pattern, false).unwrap())
    }

    fn occurs(s: &RunShapes, group: &str) -> bool {
        let mut buf = [0u8; MAX_GROUP_TOKENS];
        let n = group_tokens(group.as_bytes(), &mut buf).unwrap();
        s.occur_in(&buf[..n])
    }

    #[test]
    fn fixed_layouts_are_listed() {
        let s = shapes(r"\b(\d{3}-\d{2}-\d{4}|\d{3}\x20\d{2}\x20\d{4})\b").unwrap();
        assert_eq!(s.shapes, vec![vec![3, b' ', 2, b' ', 4], vec![3, b'-', 2, b'-', 4]]);
        let s = shapes(r"\b(\d{4}[ -]?\d{4})\b").unwrap();
        assert_eq!(s.shapes, vec![vec![4, b' ', 4], vec![4, b'-', 4], vec![8]]);
        let s = shapes(r"\b\(\d{3}\) ?\d{3}-\d{4}\b");
        assert!(s.is_none(), "a match may start with `(`, not at a run start");
    }

    #[test]
    fn rules_outside_the_model_have_none() {
        for p in [
            r"\d{3}-\d{2}-\d{4}",      // no word boundaries
            r"\b\d{3}:\d{2}\b",        // `:` is no separator
            r"\b\d{3}-\d+\b",          // unbounded
            r"\b(?:\d[ -]?){13,19}\b", // too many layouts
            r"\b\d{40}\b",             // run too long to name
            r"\bA\d{8}\b",             // a letter
        ] {
            assert!(shapes(p).is_none(), "{p}");
        }
    }

    #[test]
    fn groups_are_checked_by_whole_runs() {
        let ssn = shapes(r"\b(\d{3}-\d{2}-\d{4}|\d{3}\x20\d{2}\x20\d{4})\b").unwrap();
        for g in ["123-45-6789", "1 123-45-6789", "123-45-6789-1", "12.123 45 6789"] {
            assert!(occurs(&ssn, g), "{g}");
        }
        for g in ["200 86176 2026", "490-738-841", "1123-45-6789", "123-45 6789", "123--45-6789", "123456789"] {
            assert!(!occurs(&ssn, g), "{g}");
        }
    }

    #[test]
    fn occurrences_are_handed_to_accept_as_their_bytes() {
        let ssn = shapes(r"\b(\d{3}-\d{2}-\d{4}|\d{3}\x20\d{2}\x20\d{4})\b").unwrap();
        let hay = b"x 123-45-6789 900 12 3456.11";
        let (start, len) = (2, hay.len() - 2);
        let mut c = Classes::default();
        c.compute(hay);
        let digits = c.digit_bits(start, len);
        let mut seen = Vec::new();
        let none = ssn.occur_in_masks(hay, start, digits, len, |m| {
            seen.push(String::from_utf8(m.to_vec()).unwrap());
            false
        });
        assert!(!none, "no occurrence accepted");
        seen.sort();
        assert_eq!(seen, ["123-45-6789", "900 12 3456"]);
        assert!(ssn.occur_in_masks(hay, start, digits, len, |m| m.starts_with(b"900")));
    }

    #[test]
    fn built_in_rules_with_shapes() {
        let rules = crate::Rules::builtin().unwrap();
        let with: Vec<String> = rules
            .iter()
            .filter_map(|r| crate::detect::compile::CompiledRule::compile(r).ok())
            .filter(|c| c.runs.is_some())
            .map(|c| c.info.id.to_string())
            .collect();
        assert!(with.iter().any(|id| id == "pii.ssn.1"), "{with:?}");
    }

    /// The check on masks agrees with the token strings, for the layouts of
    /// several rules and pseudo-random groups at every offset of a block.
    #[test]
    fn masks_agree_with_token_strings() {
        let rules: Vec<RunShapes> = [
            r"\b(\d{3}-\d{2}-\d{4}|\d{3}\x20\d{2}\x20\d{4})\b",
            r"\b(\d{4}[ -]?\d{4})\b",
            r"\b(\d{3}[ .-]\d{3}[ .-]\d{4})\b",
            r"\b(\d{2}[ .]\d{2}[ .]\d{2}[ .]\d{2}[ .]\d{2})\b",
            r"\b(\d{9})\b",
            r"\b(\d{30}-\d{30})\b",
            r"\b(\d{3}\x20-\d{4})\b",
        ]
        .iter()
        .map(|p| shapes(p).unwrap_or_else(|| panic!("{p} has shapes")))
        .collect();
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        let (mut buf, mut hits, mut ruled_out) = ([0u8; MAX_GROUP_TOKENS], 0, 0);
        for round in 0..20_000 {
            // Runs of 1 to 5 digits (longer now and then), joined by one or two separators, up to 64 bytes.
            let mut group = Vec::new();
            loop {
                let run = if rng.below(9) == 0 { 1 + rng.below(33) } else { 1 + rng.below(5) };
                group.extend((0..run).map(|i| b'0' + (i % 10) as u8));
                if group.len() > 40 || rng.below(4) == 0 {
                    break;
                }
                group.push(b" -."[rng.below(3)]);
                if rng.below(8) == 0 {
                    group.push(b" -."[rng.below(3)]);
                }
            }
            group.truncate(64);
            while !group.last().unwrap().is_ascii_digit() {
                group.pop();
            }
            let pad = round % 64;
            let hay: Vec<u8> = std::iter::repeat_n(b'x', pad).chain(group.iter().copied()).collect();
            let mut c = Classes::default();
            c.compute(&hay);
            let digits = c.digit_bits(pad, group.len());
            let n = group_tokens(&group, &mut buf).unwrap();
            let lengths = run_lengths(digits);
            for (i, r) in rules.iter().enumerate() {
                let want = r.occur_in(&buf[..n]);
                hits += usize::from(want);
                assert_eq!(
                    r.occur_in_masks(&hay, pad, digits, group.len(), |_| true),
                    want,
                    "rule {i}: {:?}",
                    String::from_utf8_lossy(&group)
                );
                // The run lengths never rule out a group that holds a shape,
                // and they rule out most of those that do not.
                let may = r.may_occur(lengths);
                assert!(may || !want, "rule {i}: {:?}", String::from_utf8_lossy(&group));
                ruled_out += usize::from(!may);
            }
        }
        assert!(hits > 1000, "{hits} groups hold a shape");
        assert!(ruled_out > 20_000, "{ruled_out} groups ruled out by their run lengths");
    }

    #[test]
    fn run_lengths_of_digit_bits() {
        let of = |text: &str| {
            let digits = text.bytes().enumerate().fold(0u64, |m, (i, b)| m | u64::from(b.is_ascii_digit()) << i);
            let lengths = run_lengths(digits);
            (0..64).filter(|n| lengths >> n & 1 == 1).collect::<Vec<_>>()
        };
        assert_eq!(of("200 21995 1963"), [3, 4, 5]);
        assert_eq!(of("10.114.59.212"), [2, 3]);
        assert_eq!(of("123-45-6789"), [2, 3, 4]);
        assert_eq!(of("7"), [1]);
        assert_eq!(of(""), Vec::<u64>::new());
        assert_eq!(of(&"9".repeat(64)), [63]);
        assert_eq!(of(&format!("1{}", "-2".repeat(31))), [1]);
    }

    #[test]
    fn long_runs_and_long_groups() {
        let mut buf = [0u8; MAX_GROUP_TOKENS];
        let n = group_tokens("1".repeat(40).as_bytes(), &mut buf).unwrap();
        assert_eq!(&buf[..n], &[LONG_RUN]);
        assert!(group_tokens("1-".repeat(40).as_bytes(), &mut buf).is_none());
    }
}

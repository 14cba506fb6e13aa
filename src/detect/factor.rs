//! Required factors: a short run of byte sets that every match of a
//! pattern holds somewhere (`[23][0-9A-Fa-f]{3}:` for a global IPv6
//! address), found by a walk over the pattern's syntax, so that a keyword
//! window without one is not searched.
//!
//! A keyword-anchored rule without a digit group to judge (an IPv6 address,
//! a code of letters and digits) otherwise searches every window its
//! keyword opens; where a keyword is on every line of a log (`ip_hash=...`),
//! those searches are most of the scan. One `memchr` for the factor's
//! rarest byte, and a look at the bytes around each occurrence, rejects
//! such a window in a fraction of the search's time.

use std::ops::Range;

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use crate::detect::analyze::Bytes;

/// Longest factor kept: longer ones reject no more windows in practice.
const MAX_LEN: usize = 8;

/// Least selectivity (see [`bits`]) worth a check: about one chance in
/// 65,000 that a position of ordinary text starts the run.
const MIN_BITS: f64 = 16.0;

/// Most bytes the searched position may take (one `memchr3` call).
const MAX_KEY_BYTES: usize = 3;

/// Kinds of bytes of ordinary text (logs, tables, prose), with a rough
/// share of the text for each byte of the kind: spaces and lower-case
/// letters common, digits and upper case less so, punctuation rare.
const KINDS: [(Bytes, f64); 6] = [
    (Bytes::range(b' ', b' '), 0.15),
    (Bytes::range(b'a', b'z'), 0.019),
    (Bytes::range(b'0', b'9'), 0.012),
    (Bytes::range(b'A', b'Z'), 0.0025),
    (Bytes::range(b'\n', b'\n'), 0.02),
    (
        Bytes::range(b'!', b'/')
            .union(Bytes::range(b':', b'@'))
            .union(Bytes::range(b'[', b'`'))
            .union(Bytes::range(b'{', b'~')),
        0.0045,
    ),
];

const _: () = {
    let mut k = 0;
    while k < KINDS.len() {
        assert!(KINDS[k].0.0[2] == 0 && KINDS[k].0.0[3] == 0, "kinds are ASCII");
        k += 1;
    }
};

/// Share of any byte of no kind in [`KINDS`].
const OTHER: f64 = 0.0001;

/// How unlikely a byte of ordinary text is to fall in `s`, in bits.
fn bits(s: &Bytes) -> f64 {
    let mut rest = s.count();
    let mut share = 0.0;
    for (kind, each) in &KINDS {
        // Every kind is ASCII: the two low words.
        let n = (s.0[0] & kind.0[0]).count_ones() + (s.0[1] & kind.0[1]).count_ones();
        share += f64::from(n) * each;
        rest -= n;
    }
    share += f64::from(rest) * OTHER;
    -share.min(1.0).log2()
}

/// A run of byte sets that every match holds, and, when known, the bytes
/// that can come just before it (unless it starts the haystack): the byte
/// before a value is often what tells it from a date or an id (`[^\d+]`
/// before a phone number's `0`).
#[derive(Clone, Debug, Default, PartialEq)]
struct Run {
    lead: Option<Bytes>,
    sets: Vec<Bytes>,
    /// How selective it is ([`bits`] of its sets and lead), 0 when it has no set.
    score: f64,
}

impl Run {
    fn new(lead: Option<Bytes>, sets: Vec<Bytes>) -> Run {
        let score =
            if sets.is_empty() { 0.0 } else { lead.as_ref().map_or(0.0, bits) + sets.iter().map(bits).sum::<f64>() };
        Run { lead, sets, score }
    }
}

/// The best run of at most [`MAX_LEN`] sets within `seq`.
fn best_window(seq: &[Bytes]) -> Run {
    if seq.len() <= MAX_LEN {
        return Run::new(None, seq.to_vec());
    }
    let each: Vec<f64> = seq.iter().map(bits).collect();
    let sum = |a: usize| each[a..a + MAX_LEN].iter().sum::<f64>();
    let best = (0..=seq.len() - MAX_LEN).max_by(|&a, &b| sum(a).total_cmp(&sum(b))).unwrap_or(0);
    Run { lead: None, sets: seq[best..best + MAX_LEN].to_vec(), score: sum(best) }
}

fn better(a: Run, b: Run) -> Run {
    if b.score > a.score { b } else { a }
}

/// What the matches of a part of a pattern hold: their fewest and most
/// bytes, the bytes each of their first (and last) [`MAX_LEN`] positions
/// can hold, and a run of sets that every match holds somewhere (`best`).
#[derive(Clone, Debug)]
struct Facts {
    min: usize,
    /// `None`: no bound.
    max: Option<usize>,
    /// `pre[i]`: the bytes at position `i` of the matches longer than `i`.
    pre: [Bytes; MAX_LEN],
    /// `suf[i]`: the bytes `i` positions before the end of the matches longer than `i`.
    suf: [Bytes; MAX_LEN],
    /// The bytes that can come before an empty match (`^` in a multi-line
    /// pattern: a line break), unless it is at the haystack's start;
    /// nothing when every match holds a byte.
    empty_before: Bytes,
    best: Run,
}

impl Facts {
    /// The facts of the bytes `seq`, one set per position.
    fn exact(seq: &[Bytes]) -> Facts {
        let (mut pre, mut suf) = ([Bytes::NONE; MAX_LEN], [Bytes::NONE; MAX_LEN]);
        for (i, s) in seq.iter().take(MAX_LEN).enumerate() {
            pre[i] = *s;
        }
        for (i, s) in seq.iter().rev().take(MAX_LEN).enumerate() {
            suf[i] = *s;
        }
        let empty_before = if seq.is_empty() { Bytes::ANY } else { Bytes::NONE };
        Facts { min: seq.len(), max: Some(seq.len()), pre, suf, empty_before, best: best_window(seq) }
    }

    /// Matches of any bytes, at least `min` of them.
    fn any(min: usize) -> Facts {
        let empty_before = if min == 0 { Bytes::ANY } else { Bytes::NONE };
        Facts {
            min,
            max: None,
            pre: [Bytes::ANY; MAX_LEN],
            suf: [Bytes::ANY; MAX_LEN],
            empty_before,
            best: Run::default(),
        }
    }

    /// The empty match at a position after one of `before` (or at the haystack's start).
    fn empty_after(before: Bytes) -> Facts {
        Facts { empty_before: before, ..Facts::exact(&[]) }
    }

    /// The sets every match starts with.
    fn head(&self) -> &[Bytes] {
        &self.pre[..self.min.min(MAX_LEN)]
    }

    /// The sets every match ends with, in order.
    fn tail(&self) -> Vec<Bytes> {
        self.suf[..self.min.min(MAX_LEN)].iter().rev().copied().collect()
    }

    /// `self` followed by `next`, with the runs across their junction.
    fn then(&self, next: &Facts) -> Facts {
        // Where `self` can be empty, the byte before `next` is its last or
        // what its empty match allows.
        let joined = if self.min == 0 {
            let before = self.suf[0].union(self.empty_before);
            Run::new((before != Bytes::ANY).then_some(before), next.head().to_vec())
        } else {
            best_window(&[self.tail().as_slice(), next.head()].concat())
        };
        let best = better(better(self.best.clone(), next.best.clone()), joined);
        Facts { best, ..self.join(next) }
    }

    /// `self` followed by `next`: their positions only, with no run.
    fn join(&self, next: &Facts) -> Facts {
        // Position `i` falls in `self`, or at `i - l` in `next` after `l`
        // bytes of `self`, for any length `l` that `self` can have.
        let shifted = |own: &[Bytes; MAX_LEN], other: &[Bytes; MAX_LEN], min: usize, max: Option<usize>| {
            let mut out = *own;
            for (i, o) in out.iter_mut().enumerate() {
                for l in min..=max.unwrap_or(i).min(i) {
                    *o = o.union(other[i - l]);
                }
            }
            out
        };
        let empty_before =
            if self.min == 0 && next.min == 0 { self.empty_before.and(next.empty_before) } else { Bytes::NONE };
        Facts {
            min: self.min.saturating_add(next.min),
            max: self.max.zip(next.max).map(|(a, b)| a.saturating_add(b)),
            pre: shifted(&self.pre, &next.pre, self.min, self.max),
            suf: shifted(&next.suf, &self.suf, next.min, next.max),
            empty_before,
            best: Run::default(),
        }
    }

    /// `self` with its best run compared with the runs it starts and ends with.
    fn with_ends(mut self) -> Facts {
        let (head, tail) = (Run::new(None, self.head().to_vec()), Run::new(None, self.tail()));
        self.best = better(better(std::mem::take(&mut self.best), head), tail);
        self
    }

    /// One of `self` and `other`: their positions only, with no run.
    fn or(&self, other: &Facts) -> Facts {
        Facts {
            min: self.min.min(other.min),
            max: self.max.zip(other.max).map(|(a, b)| a.max(b)),
            pre: std::array::from_fn(|i| self.pre[i].union(other.pre[i])),
            suf: std::array::from_fn(|i| self.suf[i].union(other.suf[i])),
            empty_before: self.empty_before.union(other.empty_before),
            best: Run::default(),
        }
    }
}

/// The sets of a class matching one byte, if it does (a Unicode class
/// reaching past ASCII matches several).
fn one_byte_class(class: &Class) -> Option<Bytes> {
    match class {
        Class::Bytes(c) => Some(c.ranges().iter().flat_map(|r| r.start()..=r.end()).collect()),
        Class::Unicode(c) => {
            let ascii = c.ranges().iter().all(|r| (r.end() as u32) < 0x80);
            ascii.then(|| c.ranges().iter().flat_map(|r| r.start() as u8..=r.end() as u8).collect())
        }
    }
}

fn facts(hir: &Hir) -> Facts {
    match hir.kind() {
        HirKind::Empty => Facts::exact(&[]),
        HirKind::Look(look) => match look {
            Look::Start => Facts::empty_after(Bytes::NONE),
            Look::StartLF => Facts::empty_after(Bytes::of(b'\n')),
            Look::StartCRLF => Facts::empty_after([b'\r', b'\n'].into_iter().collect()),
            _ => Facts::exact(&[]),
        },
        HirKind::Literal(lit) => Facts::exact(&lit.0.iter().map(|&b| Bytes::of(b)).collect::<Vec<_>>()),
        HirKind::Class(c) => one_byte_class(c).map_or_else(|| Facts::any(1), |s| Facts::exact(&[s])),
        HirKind::Capture(c) => facts(&c.sub),
        HirKind::Repetition(r) => {
            let sub = facts(&r.sub);
            let (min, extra) = (r.min as usize, r.max.map(|m| (m - r.min) as usize));
            // Copies beyond this many change no position within `MAX_LEN`
            // (each holds a byte) and add no required run.
            let cap = MAX_LEN + 1;
            let mut head = Facts::exact(&[]);
            for _ in 0..min.min(cap) {
                head = head.then(&sub);
            }
            // Nested counts multiply (`(?:a{1000}){1000}`): saturated, as
            // lengths past any haystack mean the same.
            (head.min, head.max) = (min.saturating_mul(sub.min), sub.max.map(|m| m.saturating_mul(min)));
            if extra == Some(0) {
                return head.with_ends();
            }
            // The optional copies: any number of them, each position the
            // union over the counts.
            let optional = if sub.min == 0 {
                Facts::any(0)
            } else {
                let (mut run, mut all) = (sub.clone(), sub.clone());
                for _ in 1..extra.unwrap_or(cap).min(cap) {
                    run = run.join(&sub);
                    all = all.or(&run);
                }
                let max = extra.zip(sub.max).map(|(n, m)| n.saturating_mul(m));
                Facts { min: 0, max, empty_before: Bytes::ANY, best: Run::default(), ..all }
            };
            if min == 0 { optional } else { head.then(&optional).with_ends() }
        }
        HirKind::Concat(parts) => parts.iter().fold(Facts::exact(&[]), |acc, p| acc.then(&facts(p))).with_ends(),
        HirKind::Alternation(branches) => {
            let all: Vec<Facts> = branches.iter().map(facts).collect();
            all[1..].iter().fold(all[0].clone(), |acc, f| acc.or(f)).with_ends()
        }
    }
}

/// A run of byte sets that every match of a pattern holds, and how to look
/// for it: its position whose few bytes `memchr` finds.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    /// The bytes that can come before the run, unless it starts the haystack.
    lead: Option<Bytes>,
    sets: Vec<Bytes>,
    /// The position searched for, and its bytes.
    key: usize,
    key_bytes: Vec<u8>,
}

impl Factor {
    /// The factor of `hir` worth checking for, if it has one: selective
    /// enough, with a position of at most three bytes to search for.
    pub fn of(hir: &Hir) -> Option<Factor> {
        let Run { lead, sets, score } = facts(hir).best;
        if sets.is_empty() || score < MIN_BITS {
            return None;
        }
        let key = (0..sets.len())
            .filter(|&i| sets[i].count() as usize <= MAX_KEY_BYTES)
            .max_by(|&a, &b| bits(&sets[a]).total_cmp(&bits(&sets[b])))?;
        let key_bytes: Vec<u8> = sets[key].members().collect();
        // A set without bytes: the pattern matches nothing, and needs no check.
        (!key_bytes.is_empty()).then_some(Factor { lead, sets, key, key_bytes })
    }

    /// Whether the factor occurs within `hay[win]` (its lead, if any, may
    /// be the byte before the window).
    pub fn occurs_in(&self, hay: &[u8], win: Range<usize>) -> bool {
        let n = self.sets.len();
        if win.end < win.start + n {
            return false;
        }
        let (lo, hi) = (win.start + self.key, win.end + self.key + 1 - n);
        let fits = |i: usize| {
            let start = lo + i - self.key;
            self.sets.iter().zip(&hay[start..start + n]).all(|(s, &b)| s.has(b))
                && self.lead.as_ref().is_none_or(|lead| start == 0 || lead.has(hay[start - 1]))
        };
        // A test of each byte instead took a third more time on a log with
        // keywords on every line.
        let hay = &hay[lo..hi];
        match self.key_bytes[..] {
            [a] => memchr::memchr_iter(a, hay).any(fits),
            [a, b] => memchr::memchr2_iter(a, b, hay).any(fits),
            [a, b, c] => memchr::memchr3_iter(a, b, c, hay).any(fits),
            _ => unreachable!("a key of one to three bytes"),
        }
    }
}

/// Each set as its bytes, in brackets when there are several, or as the
/// bytes it lacks when it holds most of them (`(after [^0-9+]) [(0]...`
/// spelled out): for tests and tuning.
impl std::fmt::Display for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |f: &mut std::fmt::Formatter<'_>, s: &Bytes| {
            let b: Vec<u8> = s.members().collect();
            match b[..] {
                [one] => write!(f, "{}", one.escape_ascii()),
                _ if b.len() > 128 => {
                    let rest: Vec<u8> = (0..=255u8).filter(|c| !b.contains(c)).collect();
                    write!(f, "[^{}]", rest.escape_ascii())
                }
                _ => write!(f, "[{}]", b.escape_ascii()),
            }
        };
        if let Some(lead) = &self.lead {
            f.write_str("(after ")?;
            show(f, lead)?;
            f.write_str(") ")?;
        }
        self.sets.iter().try_for_each(|s| show(f, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::analyze::parse;

    fn factor(pattern: &str) -> Option<Factor> {
        Factor::of(&parse(pattern, false).unwrap())
    }

    #[test]
    fn an_ipv6_address_needs_its_first_group_and_colon() {
        let ipv6 = r"(?:^|[^\w:.])([23][0-9A-Fa-f]{3}(?::[0-9A-Fa-f]{1,4}){7}|[23][0-9A-Fa-f]{3}(?::[0-9A-Fa-f]{1,4}){0,6}::)(?:[^\w:.]|$)";
        let f = factor(ipv6).expect("a factor");
        let hex = "[0123456789ABCDEFabcdef]";
        assert_eq!(
            f.to_string(),
            format!(
                r"(after [^.0123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz]) [23]{hex}{hex}{hex}:[0123456789:ABCDEFabcdef]"
            )
        );
        assert_eq!(f.key_bytes, b":");
        let occurs = |s: &str| f.occurs_in(s.as_bytes(), 0..s.len());
        assert!(occurs("ip 2606:4700::1111 x"));
        assert!(!occurs("2024-05-11T04:25:41.049Z ip_hash=0ed904759531985d"));
        // The factor must lie wholly inside the window.
        assert!(!f.occurs_in(b"ip 2606:4700", 4..12));
        assert!(f.occurs_in(b"ip 2606:4700", 3..9));
        assert!(!f.occurs_in(b"ip 2606:4700", 3..8));
    }

    #[test]
    fn factors_join_parts_and_keep_what_every_branch_holds() {
        let f = factor(r"\bkey=[A-Z]{2}#\d{4}").unwrap();
        let upper = "[ABCDEFGHIJKLMNOPQRSTUVWXYZ]";
        assert_eq!(f.to_string(), format!("key={upper}{upper}#[0123456789]"));
        // Branches of different lengths: what their starts share.
        let f = factor(r"(?:ab#|ab#c|ab#cd)\d").unwrap();
        assert_eq!(f.to_string(), "ab#[0123456789c]");
        // An optional part breaks the run; a required repeat keeps its first copy.
        assert_eq!((factor(r"x?#~!|y#~!").unwrap()).to_string(), "#~!");
        assert_eq!((factor(r"(?:#~!)+").unwrap()).to_string(), "#~!");
        assert_eq!((factor(r"(?:a#~!){2,5}").unwrap()).to_string(), "a#~!a#~!");
    }

    #[test]
    fn large_counts_and_alternations_are_analysed() {
        let nested = factor(r"#~!(?:(?:(?:(?:(?:(?:x{1000}){1000}){1000}){1000}){1000}){1000})").unwrap();
        assert_eq!(nested.to_string(), "#~!xxxxx");
        let words: Vec<String> = (0..2000).map(|i| format!("k{i:04}#")).collect();
        let f = factor(&format!("(?:{})=", words.join("|"))).unwrap();
        assert_eq!(f.to_string(), "k[01][0123456789][0123456789][0123456789]#=");
    }

    #[test]
    fn common_or_short_factors_are_not_worth_a_check() {
        for pattern in [r"\d{3}\d{4}", r"[a-z]+@[a-z]+", r"(?:#~!)?", r"\w{40}", "a|b", r"[a-z]{8}"] {
            assert_eq!(factor(pattern), None, "{pattern}");
        }
    }
}

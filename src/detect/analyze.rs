//! Static analysis of a rule's regex: how long a match can be, and which
//! literal every match must contain.
//!
//! The engine uses the results to find candidates without running the rule's
//! regex over every byte: a literal anchor is searched with one multi-literal
//! automaton, and the regex then runs only in a window around each occurrence.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind};

use crate::detect::digits::{SEPARATORS, is_separator};

/// Matches longer than this are never looked for: windows and chunk overlaps are bounded by it.
pub const MAX_MATCH_LEN: usize = 8 * 1024;
/// The most literals one anchor may expand to (case variants, small classes).
const MAX_ANCHOR_LITERALS: usize = 64;
/// Anchors shorter than this are too common to be worth searching for, except
/// the single bytes in [`RARE_BYTES`].
const MIN_ANCHOR_LEN: usize = 3;
/// Single bytes rare enough in text to anchor on (`@` for e-mail addresses,
/// `^` for magnetic stripe track 1).
const RARE_BYTES: &[u8] = b"@^";

/// A set of literals, one of which every match contains, and how far the rest
/// of the match can extend around it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The literals (exact bytes).
    pub literals: Vec<Vec<u8>>,
    /// The most bytes a match can have before the literal.
    pub before: usize,
    /// The most bytes a match can have after the end of the literal.
    pub after: usize,
    /// In every match, the byte before each literal that starts with an
    /// ASCII letter is no ASCII letter or digit, or there is none: such a
    /// literal is then found at the word starts of the keyword walk.
    pub follows_non_alnum: bool,
}

/// Parses `pattern` the way the engine compiles it.
pub fn parse(pattern: &str, unicode: bool) -> Result<Hir, Box<regex_syntax::Error>> {
    regex_syntax::ParserBuilder::new().unicode(unicode).utf8(false).build().parse(pattern).map_err(Box::new)
}

/// The longest match, capped at [`MAX_MATCH_LEN`].
pub fn max_len(hir: &Hir) -> usize {
    hir.properties().maximum_len().map_or(MAX_MATCH_LEN, |n| n.min(MAX_MATCH_LEN))
}

/// How a match of a regex part can end, for [`follows_non_alnum`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct End {
    /// A non-empty match can end with an ASCII letter or digit.
    alnum: bool,
    /// The part can match the empty string.
    empty: bool,
    /// Every empty match of the part passes an assertion that no ASCII
    /// letter or digit comes before it, given that an ASCII letter comes
    /// after it (`^`, `\b`, `\b{start}`...).
    guarded: bool,
}

/// How a match of `hir` can end (see [`End`]).
fn end_of(hir: &Hir) -> End {
    use regex_syntax::hir::{Class, Look};
    let alnum = |b: u32| char::from_u32(b).is_some_and(|c| c.is_ascii_alphanumeric());
    match hir.kind() {
        HirKind::Empty => End { alnum: false, empty: true, guarded: false },
        HirKind::Look(look) => {
            let guarded = matches!(
                look,
                Look::Start
                    | Look::StartLF
                    | Look::StartCRLF
                    | Look::WordAscii
                    | Look::WordUnicode
                    | Look::WordStartAscii
                    | Look::WordStartUnicode
                    | Look::WordStartHalfAscii
                    | Look::WordStartHalfUnicode
            );
            End { alnum: false, empty: true, guarded }
        }
        HirKind::Literal(lit) => {
            End { alnum: lit.0.last().is_some_and(u8::is_ascii_alphanumeric), empty: false, guarded: false }
        }
        HirKind::Class(Class::Bytes(c)) => {
            let alnum = c.ranges().iter().any(|r| (r.start()..=r.end()).any(|b| b.is_ascii_alphanumeric()));
            End { alnum, empty: false, guarded: false }
        }
        HirKind::Class(Class::Unicode(c)) => {
            // A multi-byte character ends with a continuation byte.
            let alnum = c.ranges().iter().any(|r| (r.start() as u32..=(r.end() as u32).min(0x7F)).any(alnum));
            End { alnum, empty: false, guarded: false }
        }
        HirKind::Capture(c) => end_of(&c.sub),
        HirKind::Repetition(r) => {
            let sub = end_of(&r.sub);
            // No repetition at all passes no assertion.
            End { alnum: sub.alnum, empty: sub.empty || r.min == 0, guarded: sub.guarded && r.min > 0 }
        }
        HirKind::Concat(parts) => concat_end(parts),
        HirKind::Alternation(branches) => {
            branches.iter().map(end_of).fold(End { alnum: false, empty: false, guarded: true }, |all, e| End {
                alnum: all.alnum || e.alnum,
                empty: all.empty || e.empty,
                guarded: all.guarded && (!e.empty || e.guarded),
            })
        }
    }
}

/// How a match of the concatenation of `parts` can end: walking back from
/// the last part to the first that cannot match nothing or whose empty
/// match is guarded.
fn concat_end(parts: &[Hir]) -> End {
    let mut end = End { alnum: false, empty: true, guarded: false };
    for part in parts.iter().rev() {
        let e = end_of(part);
        end.alnum |= e.alnum;
        if !e.empty {
            end.empty = false;
            break;
        }
        if e.guarded {
            end.guarded = true;
            break;
        }
    }
    end
}

/// Whether whatever comes right before the end of `parts` is never an
/// ASCII letter or digit, given that an ASCII letter comes right after it
/// and that `outer` says the same of what comes before `parts`: the parts
/// end with another byte, or, where they can match nothing, an assertion
/// such as `^` or `\b` rules a letter or digit out.
fn follows_non_alnum(parts: &[Hir], outer: bool) -> bool {
    let end = concat_end(parts);
    !end.alnum && (!end.empty || end.guarded || outer)
}

/// The best literal anchor of `hir`, if it has one worth searching for.
pub fn anchor(hir: &Hir) -> Option<Anchor> {
    // Nothing is known of the byte before a match.
    let a = find(hir, false)?;
    good(&a.literals).then_some(a)
}

fn good(lits: &[Vec<u8>]) -> bool {
    !lits.is_empty()
        && lits.len() <= MAX_ANCHOR_LITERALS
        && lits.iter().all(|l| {
            (l.len() >= MIN_ANCHOR_LEN && crate::detect::prefilter::literal_is_distinctive(l))
                || (l.len() == 1 && RARE_BYTES.contains(&l[0]))
        })
}

/// Score used to pick among candidate anchors: a usable one, then the one
/// with the least of the match before it (smaller windows), then the longer
/// shortest literal, then fewer literals.
fn score(a: &Anchor) -> (bool, usize, usize, usize) {
    let shortest = a.literals.iter().map(Vec::len).min().unwrap_or(0);
    (good(&a.literals), usize::MAX - a.before, shortest.min(8), usize::MAX - a.literals.len())
}

/// The finite set of strings `hir` matches exactly, if small.
fn exact(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    if matches!(hir.kind(), HirKind::Look(_) | HirKind::Empty) {
        return None;
    }
    let mut ex = Extractor::new();
    ex.kind(ExtractKind::Prefix).limit_class(8).limit_repeat(4).limit_literal_len(64).limit_total(MAX_ANCHOR_LITERALS);
    let seq = ex.extract(hir);
    if !seq.is_exact() {
        return None;
    }
    let lits = seq.literals()?;
    if lits.is_empty() || lits.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    Some(lits.iter().map(|l| l.as_bytes().to_vec()).collect())
}

/// An anchor of exactly the strings `literals`.
fn exactly(literals: Vec<Vec<u8>>, follows_non_alnum: bool) -> Anchor {
    Anchor { literals, before: 0, after: 0, follows_non_alnum }
}

/// The best anchor of `hir`; `after_non_alnum` says whether what comes
/// before `hir` in a match is never an ASCII letter or digit (see
/// [`follows_non_alnum`]).
fn find(hir: &Hir, after_non_alnum: bool) -> Option<Anchor> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(exactly(vec![lit.0.to_vec()], after_non_alnum)),
        HirKind::Capture(cap) => find(&cap.sub, after_non_alnum),
        HirKind::Concat(parts) => concat(parts, after_non_alnum),
        HirKind::Alternation(branches) => {
            let mut out = exactly(Vec::new(), true);
            for b in branches {
                let a = find(b, after_non_alnum).or_else(|| exact(b).map(|l| exactly(l, after_non_alnum)))?;
                out.before = out.before.max(a.before);
                out.after = out.after.max(a.after);
                out.follows_non_alnum &= a.follows_non_alnum;
                out.literals.extend(a.literals);
            }
            out.literals.sort();
            out.literals.dedup();
            (out.literals.len() <= MAX_ANCHOR_LITERALS).then_some(out)
        }
        HirKind::Repetition(rep) if rep.min >= 1 => {
            // Later rounds follow the end of the one before.
            let a = find(&rep.sub, after_non_alnum && !end_of(&rep.sub).alnum)?;
            let extra = match rep.max {
                Some(max) => (max as usize).saturating_sub(1).saturating_mul(max_len(&rep.sub)).min(MAX_MATCH_LEN),
                None => MAX_MATCH_LEN,
            };
            Some(Anchor {
                literals: a.literals,
                before: (a.before + extra).min(MAX_MATCH_LEN),
                after: (a.after + extra).min(MAX_MATCH_LEN),
                follows_non_alnum: a.follows_non_alnum,
            })
        }
        HirKind::Class(_) => exact(hir).map(|l| exactly(l, after_non_alnum)),
        _ => None,
    }
}

/// The literals of a run of adjacent exact parts: `first`, joined by cross
/// product with the exact parts from index `from` on (before `end`) while
/// the set stays small; and the index where the run stops.
fn exact_run(first: &[Vec<u8>], exacts: &[Option<Vec<Vec<u8>>>], from: usize, end: usize) -> (Vec<Vec<u8>>, usize) {
    let mut lits = first.to_vec();
    let mut j = from;
    while j < end {
        let Some(next) = &exacts[j] else { break };
        if lits.len().saturating_mul(next.len()) > MAX_ANCHOR_LITERALS {
            break;
        }
        lits = lits.iter().flat_map(|a| next.iter().map(move |b| [a.as_slice(), b.as_slice()].concat())).collect();
        j += 1;
    }
    (lits, j)
}

/// The best anchor of a concatenation: a run of adjacent exact parts joined
/// into longer literals, or an anchor nested in one part.
fn concat(parts: &[Hir], after_non_alnum: bool) -> Option<Anchor> {
    let lens: Vec<usize> = parts.iter().map(max_len).collect();
    let prefix = |i: usize| lens[..i].iter().fold(0usize, |a, &b| a.saturating_add(b)).min(MAX_MATCH_LEN);
    let suffix = |i: usize| lens[i..].iter().fold(0usize, |a, &b| a.saturating_add(b)).min(MAX_MATCH_LEN);
    let mut best: Option<Anchor> = None;
    let consider = |cand: Anchor, best: &mut Option<Anchor>| {
        if best.as_ref().is_none_or(|b| score(&cand) > score(b)) {
            *best = Some(cand);
        }
    };
    let exacts: Vec<Option<Vec<Vec<u8>>>> = parts.iter().map(exact).collect();
    // Runs of exact parts, joined by cross product while it stays small.
    let mut i = 0;
    while i < parts.len() {
        let Some(first) = &exacts[i] else {
            i += 1;
            continue;
        };
        let (mut lits, j) = exact_run(first, &exacts, i + 1, parts.len());
        lits.sort();
        lits.dedup();
        // The literal may be shorter than the run's maximum length when parts vary in length.
        let run_max: usize = lens[i..j].iter().sum();
        let run_min = lits.iter().map(Vec::len).min().unwrap_or(0);
        consider(
            Anchor {
                literals: lits,
                before: prefix(i),
                after: suffix(j) + (run_max - run_min),
                follows_non_alnum: follows_non_alnum(&parts[..i], after_non_alnum),
            },
            &mut best,
        );
        i = j.max(i + 1);
    }
    // Anchors nested inside one part.
    for (k, part) in parts.iter().enumerate() {
        if exacts[k].is_some() {
            continue;
        }
        if let Some(a) = find(part, follows_non_alnum(&parts[..k], after_non_alnum)) {
            consider(
                Anchor {
                    literals: a.literals,
                    before: (prefix(k) + a.before).min(MAX_MATCH_LEN),
                    after: (a.after + suffix(k + 1)).min(MAX_MATCH_LEN),
                    follows_non_alnum: a.follows_non_alnum,
                },
                &mut best,
            );
        }
    }
    best
}

/// A literal of at least two bytes that every match holds before `anchor`
/// (found by [`anchor`] in `hir`): the longest common prefix of a run of
/// exact parts of the top-level concatenation before the anchor's part.
/// `URL_CREDENTIALS` (`scheme:/{1,2}user:(password)@host`, anchored on `@`)
/// needs `:/` there: a window without it cannot match, and most `@` (every
/// e-mail address) open one. `None` when there is no such literal.
pub fn needs_before(hir: &Hir, anchor: &Anchor) -> Option<Vec<u8>> {
    let mut h = hir;
    while let HirKind::Capture(c) = h.kind() {
        h = &c.sub;
    }
    let HirKind::Concat(parts) = h.kind() else { return None };
    let exacts: Vec<Option<Vec<Vec<u8>>>> = parts.iter().map(exact).collect();
    let k = exacts.iter().position(|e| e.as_ref() == Some(&anchor.literals))?;
    let mut best: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < k {
        let Some(first) = &exacts[i] else {
            i += 1;
            continue;
        };
        let (mut lits, j) = exact_run(first, &exacts, i + 1, k);
        // A repetition of one literal that ends the run still starts with
        // its required rounds (`/{1,2}` after `:`: `:/`).
        if j < k
            && let HirKind::Repetition(rep) = parts[j].kind()
            && let Some([one]) = exact(&rep.sub).as_deref()
        {
            let required = one.repeat(rep.min as usize);
            lits = lits.iter().map(|a| [a.as_slice(), required.as_slice()].concat()).collect();
        }
        let common = lits.iter().skip(1).fold(lits[0].clone(), |p, l| {
            let n = p.iter().zip(l).take_while(|(a, b)| a == b).count();
            p[..n].to_vec()
        });
        if common.len() >= 2 && best.as_ref().is_none_or(|b| common.len() > b.len()) {
            best = Some(common);
        }
        i = j;
    }
    best
}

/// The fewest ASCII digits any match contains (saturating).
pub fn min_digits(hir: &Hir) -> u32 {
    use regex_syntax::hir::Class;
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 0,
        HirKind::Literal(lit) => lit.0.iter().filter(|b| b.is_ascii_digit()).count() as u32,
        HirKind::Class(Class::Bytes(c)) => {
            u32::from(!c.ranges().is_empty() && c.ranges().iter().all(|r| r.start() >= b'0' && r.end() <= b'9'))
        }
        HirKind::Class(Class::Unicode(c)) => {
            u32::from(!c.ranges().is_empty() && c.ranges().iter().all(|r| r.start() >= '0' && r.end() <= '9'))
        }
        HirKind::Repetition(r) => r.min.saturating_mul(min_digits(&r.sub)),
        HirKind::Capture(c) => min_digits(&c.sub),
        HirKind::Concat(parts) => parts.iter().map(min_digits).fold(0u32, u32::saturating_add),
        HirKind::Alternation(branches) => branches.iter().map(min_digits).min().unwrap_or(0),
    }
}

/// A set of bytes (bit `b % 64` of word `b / 64`, as [`in_byte_set`] reads them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Bytes(pub(crate) [u64; 4]);

impl Bytes {
    /// No byte.
    pub(crate) const NONE: Bytes = Bytes([0; 4]);
    /// Every byte.
    pub(crate) const ANY: Bytes = Bytes([u64::MAX; 4]);

    pub(crate) fn of(b: u8) -> Bytes {
        let mut set = Bytes::default();
        set.add(b);
        set
    }
    /// The bytes from `lo` to `hi`.
    pub(crate) const fn range(lo: u8, hi: u8) -> Bytes {
        let mut s = [0u64; 4];
        let mut b = lo as usize;
        while b <= hi as usize {
            s[b / 64] |= 1 << (b % 64);
            b += 1;
        }
        Bytes(s)
    }
    #[inline]
    pub(crate) fn has(self, b: u8) -> bool {
        in_byte_set(&self.0, b)
    }
    pub(crate) fn add(&mut self, b: u8) {
        self.0[(b >> 6) as usize] |= 1 << (b & 63);
    }
    fn add_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.add(b);
        }
    }
    pub(crate) const fn union(self, o: Bytes) -> Bytes {
        Bytes([self.0[0] | o.0[0], self.0[1] | o.0[1], self.0[2] | o.0[2], self.0[3] | o.0[3]])
    }
    pub(crate) fn and(self, o: Bytes) -> Bytes {
        Bytes([self.0[0] & o.0[0], self.0[1] & o.0[1], self.0[2] & o.0[2], self.0[3] & o.0[3]])
    }
    /// Its bytes, in order.
    pub(crate) fn members(self) -> impl Iterator<Item = u8> {
        (0..=255u8).filter(move |&b| self.has(b))
    }
    /// How many bytes it holds.
    pub(crate) fn count(self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }
    fn minus(self, o: Bytes) -> Bytes {
        self.and(Bytes([!o.0[0], !o.0[1], !o.0[2], !o.0[3]]))
    }
    fn subset_of(self, o: Bytes) -> bool {
        self.minus(o) == Bytes::default()
    }
    fn intersects(self, o: Bytes) -> bool {
        (0..4).any(|i| self.0[i] & o.0[i] != 0)
    }
    fn digits() -> Bytes {
        let mut b = Bytes::default();
        b.add_range(b'0', b'9');
        b
    }
    fn separators() -> Bytes {
        let mut b = Bytes::default();
        for &c in SEPARATORS {
            b.add(c);
        }
        b
    }
}

impl FromIterator<u8> for Bytes {
    fn from_iter<I: IntoIterator<Item = u8>>(bytes: I) -> Bytes {
        let mut set = Bytes::default();
        bytes.into_iter().for_each(|b| set.add(b));
        set
    }
}

/// How the digits of a match sit in it (see [`DigitFacts::digit_span`]).
#[derive(Clone, Copy, Debug)]
struct Span {
    /// Some match contains a digit.
    has: bool,
    /// Some match contains no digit.
    skip: bool,
    /// Bytes that can occur before the first digit / after the last one.
    pre: Bytes,
    post: Bytes,
    /// Every byte the node can match in a match without digits.
    skip_bytes: Bytes,
    /// Longest match without digits.
    skip_len: usize,
    /// Most bytes before the first digit / after the last one.
    lead: usize,
    trail: usize,
    /// Longest match.
    len: usize,
    /// Between any two digits there are only separators, at most two in a row.
    one_group: bool,
}

/// The span of nothing (an empty match or an assertion).
const NO_SPAN: Span = Span {
    has: false,
    skip: true,
    pre: Bytes([0; 4]),
    post: Bytes([0; 4]),
    skip_bytes: Bytes([0; 4]),
    skip_len: 0,
    lead: 0,
    trail: 0,
    len: 0,
    one_group: true,
};

/// The span of `parts` matched one after the other: the span of their
/// concatenation, without building it (a copy of the parts).
fn span_of(parts: &[Hir]) -> Span {
    parts.iter().map(span).fold(NO_SPAN, concat2)
}

fn span(hir: &Hir) -> Span {
    let d = Bytes::digits();
    let none = NO_SPAN;
    let single = |set: Bytes| {
        let has = set.intersects(d);
        let nd = set.minus(d);
        let non = nd != Bytes::default();
        Span {
            has,
            skip: non,
            pre: Bytes::default(),
            post: Bytes::default(),
            skip_bytes: nd,
            skip_len: usize::from(non),
            lead: 0,
            trail: 0,
            len: 1,
            one_group: true,
        }
    };
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => none,
        HirKind::Literal(lit) => lit
            .0
            .iter()
            .map(|&b| {
                let mut set = Bytes::default();
                set.add(b);
                single(set)
            })
            .fold(none, concat2),
        HirKind::Class(c @ regex_syntax::hir::Class::Bytes(_)) => single(class_bytes(c)),
        HirKind::Class(c @ regex_syntax::hir::Class::Unicode(_)) => {
            let mut s = single(class_bytes(c));
            s.len = hir.properties().maximum_len().unwrap_or(4);
            s
        }
        HirKind::Capture(c) => span(&c.sub),
        HirKind::Concat(parts) => span_of(parts),
        HirKind::Alternation(branches) => {
            let all: Vec<Span> = branches.iter().map(span).collect();
            let mut out = Span { has: false, skip: false, ..none };
            for b in &all {
                out.has |= b.has;
                out.skip |= b.skip;
                out.pre = out.pre.union(b.pre);
                out.post = out.post.union(b.post);
                if b.skip {
                    out.skip_bytes = out.skip_bytes.union(b.skip_bytes);
                    out.skip_len = out.skip_len.max(b.skip_len);
                }
                if b.has {
                    out.lead = out.lead.max(b.lead);
                    out.trail = out.trail.max(b.trail);
                }
                out.len = out.len.max(b.len);
                out.one_group &= b.one_group;
            }
            out
        }
        HirKind::Repetition(rep) => {
            let sub = span(&rep.sub);
            let max = rep.max.map_or(usize::MAX, |m| m as usize);
            let mut out = sub;
            if max > 1 {
                // Two iterations in a row stand for any number of them.
                let two = concat2(sub, sub);
                out.one_group = two.one_group;
                out.pre = two.pre;
                out.post = two.post;
                if sub.skip {
                    out.lead = MAX_MATCH_LEN;
                    out.trail = MAX_MATCH_LEN;
                    out.skip_len = sub.skip_len.saturating_mul(max).min(MAX_MATCH_LEN);
                }
                out.len = sub.len.saturating_mul(max).min(MAX_MATCH_LEN);
            }
            if rep.min == 0 && !sub.skip {
                // Absent: no digit, no byte.
                out.skip = true;
                out.skip_len = 0;
                out.skip_bytes = Bytes::default();
            }
            out
        }
    }
}

/// `a` followed by `b`.
fn concat2(a: Span, b: Span) -> Span {
    let s = Bytes::separators();
    let mut one_group = a.one_group && b.one_group;
    if a.has && b.has {
        // The bytes between a's last digit and b's first digit.
        one_group &= a.post.union(b.pre).subset_of(s) && a.trail + b.lead <= 2;
    }
    let cap = |n: usize| n.min(MAX_MATCH_LEN);
    // Before the first digit: in a, or all of a (when a can do without digits) then b's lead.
    let (lead, pre) = match (a.has, b.has) {
        (true, true) if a.skip => (a.lead.max(cap(a.skip_len + b.lead)), a.pre.union(a.skip_bytes).union(b.pre)),
        (true, _) => (a.lead, a.pre),
        (false, true) => (cap(a.skip_len + b.lead), a.skip_bytes.union(b.pre)),
        (false, false) => (0, Bytes::default()),
    };
    let (trail, post) = match (b.has, a.has) {
        (true, true) if b.skip => (b.trail.max(cap(b.skip_len + a.trail)), b.post.union(b.skip_bytes).union(a.post)),
        (true, _) => (b.trail, b.post),
        (false, true) => (cap(b.skip_len + a.trail), b.skip_bytes.union(a.post)),
        (false, false) => (0, Bytes::default()),
    };
    Span {
        has: a.has || b.has,
        skip: a.skip && b.skip,
        pre,
        post,
        skip_bytes: a.skip_bytes.union(b.skip_bytes),
        skip_len: cap(a.skip_len + b.skip_len),
        lead,
        trail,
        len: cap(a.len.saturating_add(b.len)),
        one_group,
    }
}

/// How the digits of a pattern's matches sit in them, worked out once for
/// [`DigitFacts::digit_span`] and [`DigitFacts::start_shape`] (a walk of the
/// whole pattern, which compiling a rule would otherwise do twice).
#[derive(Clone, Copy, Debug)]
pub struct DigitFacts(Span);

impl DigitFacts {
    /// The facts of `hir`.
    pub fn of(hir: &Hir) -> DigitFacts {
        DigitFacts(span(hir))
    }

    /// Where the digits of a digit-anchored rule's matches sit: `Some((lead,
    /// trail))` when every match's digits form one digit group (only
    /// separators, at most two in a row, between any two digits), with at most
    /// `lead` bytes before its first digit and `trail` after its last; `None`
    /// when that cannot be shown, so the caller must allow the whole match length.
    pub fn digit_span(&self) -> Option<(usize, usize)> {
        let s = &self.0;
        (s.has && s.one_group && s.lead < MAX_MATCH_LEN && s.trail < MAX_MATCH_LEN).then_some((s.lead, s.trail))
    }

    /// How the matches of a rule anchored on digit groups of at least
    /// `threshold` digits start, when the group holding a match's first digit
    /// is always such a group (the match's digits form one group, or its first
    /// run alone has `threshold` digits) and the start is known: a value or
    /// match that starts with a digit must not be able to follow another digit
    /// (`7\d{8}` can start anywhere in `12347123456789`).
    ///
    /// Of the value's first bytes (`+` for `(?:^|[^\d])(\+1...)`) and the
    /// match's (`;` for `;(\d{13,19})=...`), the narrower set is used.
    /// `hir` is the pattern these facts are of.
    pub fn start_shape(&self, hir: &Hir, threshold: u32) -> Option<StartShape> {
        start_shape_with(hir, &self.0, threshold)
    }
}

/// Whether capture group 1 spans the whole match but for assertions around
/// it (`\b(...)\b`, `(...)`), so that the value is the match.
pub fn capture_is_match(hir: &Hir) -> bool {
    let is_value = |h: &Hir| matches!(h.kind(), HirKind::Capture(c) if c.index == 1);
    match hir.kind() {
        HirKind::Concat(parts) => {
            parts.iter().filter(|p| is_value(p)).count() == 1
                && parts.iter().all(|p| is_value(p) || matches!(p.kind(), HirKind::Look(_)))
        }
        _ => is_value(hir),
    }
}

/// The bytes that may stand on either side of a value between one-byte
/// edges: see [`capture_edges`]. An empty set is no edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edges {
    /// The bytes of the edge before the value.
    pub lead: [u64; 4],
    /// The bytes of the edge after it.
    pub trail: [u64; 4],
}

impl Edges {
    /// The value's span in the match `start..end` of `hay`: a byte off
    /// each end that is an edge byte.
    pub fn value(&self, hay: &[u8], start: usize, end: usize) -> (usize, usize) {
        let start = start + usize::from(start < end && in_byte_set(&self.lead, hay[start]));
        let end = end - usize::from(start < end && in_byte_set(&self.trail, hay[end - 1]));
        (start, end)
    }
}

/// When group 1 is the whole match but for one-byte edges that it can hold
/// none of, each of them optional or not, and assertions
/// (`(?:^|[^A-Za-z0-9/+])(...)(?:[^A-Za-z0-9/+=]|$)`), those edges: the
/// value's span then follows from the match's ([`Edges::value`]), without
/// a capture search. A byte of an edge's set at the match's start (or end)
/// is the edge, since the value holds no such byte, and the value is never
/// empty.
pub fn capture_edges(hir: &Hir) -> Option<Edges> {
    let HirKind::Concat(parts) = hir.kind() else { return None };
    let at = parts.iter().position(|p| matches!(p.kind(), HirKind::Capture(c) if c.index == 1))?;
    let HirKind::Capture(c) = parts[at].kind() else { return None };
    if c.sub.properties().minimum_len().is_none_or(|n| n == 0) {
        return None;
    }
    let held = byte_set(&c.sub);
    // Assertions, and at most one one-byte edge.
    let edge = |parts: &[Hir]| -> Option<Bytes> {
        let mut edge: Option<Bytes> = None;
        for p in parts.iter().filter(|p| !matches!(p.kind(), HirKind::Look(_))) {
            if edge.is_some() {
                return None;
            }
            edge = Some(one_byte(p)?);
        }
        let edge = edge.unwrap_or_default();
        (!edge.intersects(held)).then_some(edge)
    };
    Some(Edges { lead: edge(&parts[..at])?.0, trail: edge(&parts[at + 1..])?.0 })
}

/// The bytes of a part that matches one byte, or one byte or nothing (a
/// class or a one-byte literal, alone or beside assertions: `(?:^|[^a-z])`).
fn one_byte(hir: &Hir) -> Option<Bytes> {
    match hir.kind() {
        HirKind::Literal(lit) if lit.0.len() == 1 => Some(byte_set(hir)),
        HirKind::Class(regex_syntax::hir::Class::Bytes(_)) => Some(byte_set(hir)),
        HirKind::Alternation(branches) => branches.iter().try_fold(Bytes::default(), |set, b| match b.kind() {
            HirKind::Look(_) => Some(set),
            _ => Some(set.union(one_byte(b)?)),
        }),
        _ => None,
    }
}

/// The bytes of a class's matches: any byte from 0x80 up for a Unicode
/// class reaching past ASCII.
fn class_bytes(class: &regex_syntax::hir::Class) -> Bytes {
    let mut set = Bytes::default();
    match class {
        regex_syntax::hir::Class::Bytes(c) => c.ranges().iter().for_each(|r| set.add_range(r.start(), r.end())),
        regex_syntax::hir::Class::Unicode(c) => {
            for r in c.ranges() {
                let (lo, hi) = (r.start() as u32, r.end() as u32);
                if lo < 0x80 {
                    set.add_range(lo as u8, hi.min(0x7F) as u8);
                }
                if hi >= 0x80 {
                    set.add_range(0x80, 0xFF);
                }
            }
        }
    }
    set
}

/// Every byte a match of `hir` can hold (see [`class_bytes`]).
fn byte_set(hir: &Hir) -> Bytes {
    let mut set = Bytes::default();
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => lit.0.iter().for_each(|&b| set.add(b)),
        HirKind::Class(c) => set = class_bytes(c),
        HirKind::Capture(c) => set = byte_set(&c.sub),
        HirKind::Repetition(r) => set = byte_set(&r.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => {
            set = parts.iter().fold(set, |acc, p| acc.union(byte_set(p)));
        }
    }
    set
}

/// Whether every match is a run of digits and separators that starts and
/// ends with a digit at a word boundary (`\b(...)\b` around digits): in a
/// digit group, such a match starts at the group's start or just after a
/// separator, and ends at the group's end or just before one.
pub fn digit_bounded(hir: &Hir) -> bool {
    use regex_syntax::hir::Look;
    let word = |h: &Hir| matches!(h.kind(), HirKind::Look(Look::WordAscii | Look::WordUnicode));
    let HirKind::Concat(parts) = hir.kind() else { return false };
    let [first, inner @ .., last] = parts.as_slice() else { return false };
    let s = span_of(inner);
    word(first) && word(last) && s.has && !s.skip && s.one_group && s.lead == 0 && s.trail == 0
}

/// The digit-group separators (` -./()`) a match can contain anywhere, as
/// bit `i` for the `i`-th byte of ` -./()`: `-` and space for
/// `\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}`.
pub fn separator_bytes(hir: &Hir) -> u8 {
    let of = |set: Bytes| {
        SEPARATORS.iter().enumerate().filter(|&(_, &b)| in_byte_set(&set.0, b)).fold(0u8, |m, (i, _)| m | 1 << i)
    };
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 0,
        HirKind::Literal(lit) => {
            let mut set = Bytes::default();
            lit.0.iter().for_each(|&b| set.add(b));
            of(set)
        }
        HirKind::Class(_) => first_bytes(hir).map_or(0x3F, |b| of(Bytes(b))),
        HirKind::Capture(c) => separator_bytes(&c.sub),
        HirKind::Repetition(r) => separator_bytes(&r.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().fold(0, |m, p| m | separator_bytes(p)),
    }
}

/// The fewest digit-group separator bytes (` -./()`) any match contains.
pub fn min_separators(hir: &Hir) -> u32 {
    let seps = Bytes::separators();
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 0,
        HirKind::Literal(lit) => lit.0.iter().filter(|&&b| is_separator(b)).count() as u32,
        HirKind::Class(regex_syntax::hir::Class::Bytes(c)) => {
            let mut set = Bytes::default();
            for r in c.ranges() {
                set.add_range(r.start(), r.end());
            }
            u32::from(set != Bytes::default() && set.subset_of(seps))
        }
        HirKind::Class(regex_syntax::hir::Class::Unicode(c)) => u32::from(
            !c.ranges().is_empty() && c.ranges().iter().all(|r| (r.start()..=r.end()).all(|ch| " -./()".contains(ch))),
        ),
        HirKind::Repetition(r) => r.min.saturating_mul(min_separators(&r.sub)),
        HirKind::Capture(c) => min_separators(&c.sub),
        HirKind::Concat(parts) => parts.iter().map(min_separators).fold(0u32, u32::saturating_add),
        HirKind::Alternation(branches) => branches.iter().map(min_separators).min().unwrap_or(0),
    }
}

/// Whether byte `b` is in the 256-bit set `set` (bit `b % 64` of word `b / 64`),
/// the form first bytes and edge bytes are kept in.
#[inline(always)]
pub fn in_byte_set(set: &[u64; 4], b: u8) -> bool {
    set[usize::from(b >> 6)] >> (b & 63) & 1 == 1
}

/// The part of a pattern that holds the value, and the parts before it:
/// capture group 1 when it follows a prefix that never holds a digit (a
/// boundary such as `(?:^|[^\d])` before `(\+1...)`), else the whole
/// pattern after its leading assertions (`\b`).
///
/// In a digit group, such a value starts where a match without the prefix
/// could: before the group's first digit or at a separator inside it.
fn value_part(hir: &Hir) -> (&[Hir], &Hir) {
    let is_value = |h: &Hir| matches!(h.kind(), HirKind::Capture(c) if c.index == 1);
    if let HirKind::Concat(parts) = hir.kind() {
        if let Some(i) = parts.iter().position(is_value)
            && !span_of(&parts[..i]).has
        {
            return (&parts[..i], &parts[i]);
        }
        let looks = parts.iter().take_while(|p| matches!(p.kind(), HirKind::Look(_))).count();
        return (&parts[..looks], hir);
    }
    (&[], hir)
}

/// Whether whatever matches `hir` ends with a byte that is not a digit, or
/// is an assertion that no digit comes before a digit (`^`, `\b`).
fn ends_without_digit(hir: &Hir) -> bool {
    use regex_syntax::hir::Look;
    match hir.kind() {
        HirKind::Look(l) => matches!(
            l,
            Look::Start
                | Look::StartLF
                | Look::StartCRLF
                | Look::WordAscii
                | Look::WordUnicode
                | Look::WordStartAscii
                | Look::WordStartUnicode
                | Look::WordStartHalfAscii
                | Look::WordStartHalfUnicode
        ),
        HirKind::Literal(lit) => lit.0.last().is_some_and(|b| !b.is_ascii_digit()),
        HirKind::Class(_) => first_bytes(hir).is_some_and(|b| !Bytes(b).intersects(Bytes::digits())),
        HirKind::Capture(c) => ends_without_digit(&c.sub),
        HirKind::Repetition(r) => r.min > 0 && ends_without_digit(&r.sub),
        HirKind::Concat(parts) => parts.last().is_some_and(ends_without_digit),
        HirKind::Alternation(branches) => branches.iter().all(ends_without_digit),
        HirKind::Empty => false,
    }
}

/// Where and how a digit rule's matches start, relative to the digit group
/// holding their first digit (see `detect::starts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StartShape {
    /// The most bytes a match can have before its first digit.
    pub lead: usize,
    /// The bytes the value (or the match) can start with.
    pub first_bytes: [u64; 4],
    /// The bytes its second byte can be (`None`: any).
    pub second_bytes: Option<[u64; 4]>,
    /// Literals of three or four bytes, one of which every value (or
    /// match) starts with, when there are few (`+49 `, `+491`, `0049`).
    pub prefixes: Option<Prefixes>,
    /// For each separator `SEPARATORS[i]` (bit `i`), whether the value (or
    /// match) can start right after a digit and that separator, from what
    /// the pattern wants before it: an Italian landline (`[^\d+][\x20.-]`
    /// before it) cannot start at the `05` of `2024-05-04`.
    pub after_digit_sep: u8,
    /// Whether the value (or match) can start with a digit right after a
    /// letter or `_`: not when a word boundary comes before each digit it
    /// can start with (`\b[2-9]\d{2}...`), so the digits of a hex word
    /// (`0ed904759531985d`) start no US phone number.
    pub digit_after_letter: bool,
}

/// The most literals [`Prefixes`] holds.
const MAX_PREFIXES: usize = 8;

/// A few literals of three or four bytes (see [`StartShape::prefixes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefixes {
    lits: [[u8; 4]; MAX_PREFIXES],
    lens: [u8; MAX_PREFIXES],
    n: usize,
}

impl Prefixes {
    /// Whether one of the literals starts at `hay[at]`.
    #[inline]
    pub fn starts_at(&self, hay: &[u8], at: usize) -> bool {
        let rest = hay.get(at..).unwrap_or_default();
        (0..self.n).any(|k| rest.starts_with(&self.lits[k][..usize::from(self.lens[k])]))
    }
}

/// [`DigitFacts::start_shape`] given the span `s` of `hir`.
fn start_shape_with(hir: &Hir, s: &Span, threshold: u32) -> Option<StartShape> {
    let one_group = s.has && s.one_group;
    if !s.has || s.lead >= MAX_MATCH_LEN || !(one_group || first_run_digits(hir) >= threshold) {
        return None;
    }
    let looks = match hir.kind() {
        HirKind::Concat(parts) => &parts[..parts.iter().take_while(|p| matches!(p.kind(), HirKind::Look(_))).count()],
        _ => &[],
    };
    let (prefix, value) = value_part(hir);
    let starts = |prefix: &[Hir], part: &Hir| {
        let first = first_bytes(part)?;
        // A word boundary before each digit it can start with keeps a
        // value from following a digit too.
        let after_digit = Bytes(first).intersects(Bytes::digits())
            && !prefix.last().is_some_and(ends_without_digit)
            && boundary_first(part, boundary_before(prefix)).is_none();
        let ends = prefix_ends(prefix);
        let after_letter = digit_after_letter(ends.as_deref(), prefix, part);
        (!after_digit)
            .then(|| (first, second_bytes(part), prefixes(part), after_digit_separators(ends.as_deref()), after_letter))
    };
    let count = |b: &[u64; 4]| b.iter().map(|w| w.count_ones()).sum::<u32>();
    let best = match (starts(prefix, value), starts(looks, hir)) {
        (Some(v), Some(m)) => Some(if count(&m.0) < count(&v.0) { m } else { v }),
        (v, m) => v.or(m),
    }?;
    Some(StartShape {
        lead: s.lead,
        first_bytes: best.0,
        second_bytes: best.1,
        prefixes: best.2,
        after_digit_sep: best.3,
        digit_after_letter: best.4,
    })
}

/// Whether `b` is an ASCII letter or `_`: a word byte under either kind of
/// word boundary, the bytes of a hex word before its digits.
pub fn is_letter_or_underscore(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Every string of at most two bytes that `prefix`, the parts of a pattern
/// before its value, can match (see [`shorts`]), when that can be worked out.
fn prefix_ends(prefix: &[Hir]) -> Option<Vec<Short>> {
    concat_shorts(&prefix.iter().map(shorts).collect::<Option<Vec<_>>>()?)
}

/// Whether `part`, after `prefix` (whose strings are `ends`, when known:
/// [`prefix_ends`]), can start with a digit right after an ASCII letter or
/// `_`: not when `part` asserts a word boundary before every digit it can
/// start with, nor when `prefix` can only end with a byte that is no letter
/// or `_`.
fn digit_after_letter(ends: Option<&[Short]>, prefix: &[Hir], part: &Hir) -> bool {
    let letters: Bytes = (0..=255).filter(|&b| is_letter_or_underscore(b)).collect();
    let prefix_excludes = ends.is_some_and(|ends| {
        ends.iter().all(|e| match *e {
            Short::AtStart => true,
            Short::Empty => false,
            Short::One(b) | Short::Two(_, b) => !b.intersects(letters),
        })
    });
    !prefix_excludes && boundary_first(part, boundary_before(prefix)).is_none()
}

/// Whether `prefix` ends with a word-boundary assertion (`\b(...)`).
fn boundary_before(prefix: &[Hir]) -> bool {
    prefix
        .iter()
        .rev()
        .take_while(|p| matches!(p.kind(), HirKind::Look(_)))
        .any(|p| boundary_first(p, false) == Some((true, true)))
}

/// How `hir` starts, given whether a word boundary holds where it starts
/// (`boundary`): `None` when it can take a digit as its first byte with no
/// word boundary before it; otherwise whether it can match the empty string
/// and, if so, whether a word boundary holds after it.
fn boundary_first(hir: &Hir, boundary: bool) -> Option<(bool, bool)> {
    use regex_syntax::hir::Look;
    match hir.kind() {
        HirKind::Empty => Some((true, boundary)),
        HirKind::Look(
            Look::WordAscii
            | Look::WordUnicode
            | Look::WordStartAscii
            | Look::WordStartUnicode
            | Look::WordStartHalfAscii
            | Look::WordStartHalfUnicode
            | Look::Start,
        ) => Some((true, true)),
        HirKind::Look(_) => Some((true, boundary)),
        HirKind::Literal(lit) => (boundary || !lit.0.first().is_some_and(u8::is_ascii_digit)).then_some((false, false)),
        HirKind::Class(_) => {
            let digit = first_bytes(hir).is_none_or(|b| Bytes(b).intersects(Bytes::digits()));
            (boundary || !digit).then_some((false, false))
        }
        HirKind::Capture(c) => boundary_first(&c.sub, boundary),
        HirKind::Repetition(r) => {
            let (empty, after) = boundary_first(&r.sub, boundary)?;
            Some(if r.min == 0 { (true, boundary && (!empty || after)) } else { (empty, after) })
        }
        HirKind::Concat(parts) => {
            let mut at = boundary;
            for p in parts {
                let (empty, after) = boundary_first(p, at)?;
                if !empty {
                    return Some((false, false));
                }
                at = after;
            }
            Some((true, at))
        }
        HirKind::Alternation(branches) => {
            let (mut empty, mut after) = (false, true);
            for b in branches {
                let (e, a) = boundary_first(b, boundary)?;
                if e {
                    (empty, after) = (true, after && a);
                }
            }
            Some((empty, empty && after))
        }
    }
}

/// For each separator `SEPARATORS[i]` (bit `i`), whether the parts of a
/// pattern just before its value, whose strings are `ends` ([`prefix_ends`]),
/// can match where the two bytes before the value are a digit and that
/// separator (as inside a digit group). All bits are set when `ends` is
/// not known.
fn after_digit_separators(ends: Option<&[Short]>) -> u8 {
    let all = (1u8 << SEPARATORS.len()) - 1;
    let Some(ends) = ends else {
        return all;
    };
    let allows = |d: u8, sep: u8| {
        ends.iter().any(|e| match *e {
            // The value is at least two bytes into the haystack.
            Short::AtStart => false,
            Short::Empty => true,
            Short::One(b) => b.has(sep),
            Short::Two(a, b) => a.has(d) && b.has(sep),
        })
    };
    SEPARATORS
        .iter()
        .enumerate()
        .filter(|&(_, &sep)| (b'0'..=b'9').any(|d| allows(d, sep)))
        .fold(0, |m, (i, _)| m | 1 << i)
}

/// A string of at most two bytes that part of a pattern can match (see [`shorts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Short {
    /// The empty string at the haystack's start only (`^`).
    AtStart,
    /// The empty string, anywhere.
    Empty,
    /// One byte of the set.
    One(Bytes),
    /// A byte of the first set, then one of the second.
    Two(Bytes, Bytes),
}

/// The most strings [`shorts`] lists for one part.
const MAX_SHORTS: usize = 64;

/// Every string `hir` can match, when none is longer than two bytes and
/// its only assertion is `^` (not in multi-line mode): `None` otherwise.
fn shorts(hir: &Hir) -> Option<Vec<Short>> {
    use regex_syntax::hir::{Class, Look};
    let out = match hir.kind() {
        HirKind::Empty => vec![Short::Empty],
        HirKind::Look(Look::Start) => vec![Short::AtStart],
        HirKind::Look(_) => return None,
        HirKind::Literal(lit) => match *lit.0 {
            [] => vec![Short::Empty],
            [a] => vec![Short::One(Bytes::of(a))],
            [a, b] => vec![Short::Two(Bytes::of(a), Bytes::of(b))],
            _ => return None,
        },
        // A class of characters beyond ASCII matches several bytes.
        HirKind::Class(Class::Unicode(c)) if c.ranges().iter().any(|r| u32::from(r.end()) >= 0x80) => return None,
        HirKind::Class(_) => vec![Short::One(Bytes(first_bytes(hir)?))],
        HirKind::Capture(c) => shorts(&c.sub)?,
        HirKind::Repetition(r) => {
            let max = r.max.filter(|&m| m <= 2)?;
            let one = shorts(&r.sub)?;
            let mut all = Vec::new();
            for k in r.min..=max {
                all.extend(concat_shorts(&vec![one.clone(); k as usize])?);
            }
            all
        }
        HirKind::Concat(parts) => concat_shorts(&parts.iter().map(shorts).collect::<Option<Vec<_>>>()?)?,
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(shorts(b)?);
            }
            all
        }
    };
    (out.len() <= MAX_SHORTS).then_some(out)
}

/// The strings of the parts' concatenation, from each part's [`shorts`]:
/// `None` when one could be longer than two bytes, or holds `^` after a
/// byte or before one.
fn concat_shorts(parts: &[Vec<Short>]) -> Option<Vec<Short>> {
    let mut acc = vec![Short::Empty];
    for part in parts {
        let mut next = Vec::new();
        for &x in &acc {
            for &y in part {
                next.push(match (x, y) {
                    (Short::Empty, y) => y,
                    (x, Short::Empty) => x,
                    (Short::AtStart, Short::AtStart) => Short::AtStart,
                    (Short::One(a), Short::One(b)) => Short::Two(a, b),
                    _ => return None,
                });
            }
        }
        if next.len() > MAX_SHORTS {
            return None;
        }
        acc = next;
    }
    Some(acc)
}

/// The fewest digits in the run a match starts its digits with: after a
/// prefix without digits, the parts made only of digits (`13` for
/// `;(\d{13,19})=...`).
fn first_run_digits(hir: &Hir) -> u32 {
    let Some(parts) = leading_parts(hir) else { return 0 };
    parts.into_iter().skip_while(|p| !span(p).has).take_while(|p| only_digits(p)).map(min_digits).sum()
}

/// Whether every byte `hir` can match is a digit.
fn only_digits(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(lit) => lit.0.iter().all(u8::is_ascii_digit),
        HirKind::Class(_) => first_bytes(hir).is_some_and(|b| Bytes(b).subset_of(Bytes::digits())),
        HirKind::Capture(c) => only_digits(&c.sub),
        HirKind::Repetition(r) => only_digits(&r.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().all(only_digits),
    }
}

/// The bytes a match's second byte can be, when every match starts with one
/// of a few literals of two bytes or more (`+49`, `0049 `): `None` (any byte)
/// otherwise.
fn second_bytes(hir: &Hir) -> Option<[u64; 4]> {
    let mut ex = Extractor::new();
    ex.kind(ExtractKind::Prefix).limit_class(4).limit_repeat(2).limit_literal_len(2).limit_total(64);
    let seq = ex.extract(hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.iter().any(|l| l.as_bytes().len() < 2) {
        return None;
    }
    let mut set = Bytes::default();
    for l in lits {
        set.add(l.as_bytes()[1]);
    }
    Some(set.0)
}

/// The literals every match starts with one of, when there are at most
/// [`MAX_PREFIXES`] of three or four bytes each (`+49 `, `+491`, `0049` for
/// `(?:\+49[\x20.-]?|0049[\x20.-])[1-9]...`): `None` otherwise.
fn prefixes(hir: &Hir) -> Option<Prefixes> {
    let mut ex = Extractor::new();
    ex.kind(ExtractKind::Prefix).limit_class(4).limit_repeat(2).limit_literal_len(4).limit_total(64);
    let seq = ex.extract(hir);
    // The extractor may repeat a literal it cut short.
    let mut lits: Vec<&[u8]> = seq.literals()?.iter().map(|l| l.as_bytes()).collect();
    lits.sort_unstable();
    lits.dedup();
    if lits.is_empty() || lits.len() > MAX_PREFIXES || lits.iter().any(|l| !(3..=4).contains(&l.len())) {
        return None;
    }
    let mut p = Prefixes { lits: [[0; 4]; MAX_PREFIXES], lens: [0; MAX_PREFIXES], n: lits.len() };
    for (k, b) in lits.iter().enumerate() {
        p.lits[k][..b.len()].copy_from_slice(b);
        p.lens[k] = b.len() as u8;
    }
    Some(p)
}

/// The bytes a match can start with (`None` when a match can be empty, so
/// anything can follow).
pub fn first_bytes(hir: &Hir) -> Option<[u64; 4]> {
    fn go(hir: &Hir) -> (Bytes, bool) {
        // (possible first bytes, can match the empty string)
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => (Bytes::default(), true),
            HirKind::Literal(lit) => {
                let mut b = Bytes::default();
                b.add(lit.0[0]);
                (b, false)
            }
            HirKind::Class(regex_syntax::hir::Class::Bytes(c)) => {
                let mut set = Bytes::default();
                for r in c.ranges() {
                    set.add_range(r.start(), r.end());
                }
                (set, false)
            }
            HirKind::Class(regex_syntax::hir::Class::Unicode(c)) => {
                let mut set = Bytes::default();
                for r in c.ranges() {
                    let (lo, hi) = (r.start() as u32, r.end() as u32);
                    if lo < 0x80 {
                        set.add_range(lo as u8, hi.min(0x7F) as u8);
                    }
                    if hi >= 0x80 {
                        set.add_range(0xC0, 0xFF);
                    }
                }
                (set, false)
            }
            HirKind::Capture(c) => go(&c.sub),
            HirKind::Repetition(r) => {
                let (b, empty) = go(&r.sub);
                (b, empty || r.min == 0)
            }
            HirKind::Concat(parts) => {
                let mut acc = Bytes::default();
                for p in parts {
                    let (b, empty) = go(p);
                    acc = acc.union(b);
                    if !empty {
                        return (acc, false);
                    }
                }
                (acc, true)
            }
            HirKind::Alternation(branches) => {
                branches.iter().map(go).fold((Bytes::default(), false), |(a, e), (b, f)| (a.union(b), e || f))
            }
        }
    }
    let (b, empty) = go(hir);
    (!empty).then_some(b.0)
}

/// If every match starts with one of a few two-letter upper-case codes
/// followed by two digits (the shape of an IBAN: `DE89...`), those codes.
///
/// The engine finds such starts with bit masks (two capitals, two digits, a
/// word boundary before), far fewer than digit groups, and dispatches on
/// the two letters.
pub fn country_code(hir: &Hir) -> Option<Vec<[u8; 2]>> {
    let parts = leading_parts(hir)?;
    let (first, rest) = parts.split_first()?;
    let codes = exact(first)?;
    if codes.is_empty() || !codes.iter().all(|c| c.len() == 2 && c.iter().all(u8::is_ascii_uppercase)) {
        return None;
    }
    // The next parts must be two digits (one repetition or two classes).
    let is_digit_class = |h: &Hir| match h.kind() {
        HirKind::Class(regex_syntax::hir::Class::Bytes(c)) => {
            c.ranges().iter().all(|r| r.start() >= b'0' && r.end() <= b'9')
        }
        HirKind::Class(regex_syntax::hir::Class::Unicode(c)) => {
            c.ranges().iter().all(|r| r.start() >= '0' && r.end() <= '9')
        }
        _ => false,
    };
    let two_digits = match rest {
        [h, ..] if matches!(h.kind(), HirKind::Repetition(r) if r.min >= 2 && is_digit_class(&r.sub)) => true,
        [a, b, ..] => is_digit_class(a) && is_digit_class(b),
        _ => false,
    };
    if !two_digits {
        return None;
    }
    let mut out: Vec<[u8; 2]> = codes.iter().map(|c| [c[0], c[1]]).collect();
    out.sort();
    out.dedup();
    Some(out)
}

/// The concatenated parts a match starts with, skipping look-arounds and
/// entering capture groups: for `\b(DE\d{2}...)` the parts of the group.
fn leading_parts(hir: &Hir) -> Option<Vec<&Hir>> {
    match hir.kind() {
        HirKind::Capture(c) => leading_parts(&c.sub),
        HirKind::Concat(parts) => {
            let mut i = 0;
            while i < parts.len() && matches!(parts[i].kind(), HirKind::Look(_)) {
                i += 1;
            }
            let rest = &parts[i..];
            match rest.first().map(Hir::kind) {
                Some(HirKind::Capture(c)) => {
                    let mut inner = leading_parts(&c.sub)?;
                    inner.extend(&rest[1..]);
                    Some(inner)
                }
                Some(_) => Some(rest.iter().collect()),
                None => None,
            }
        }
        _ => Some(vec![hir]),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn bytes_needed_before_an_anchor() {
        let needs = |re: &str| {
            let hir = parse(re, false).unwrap();
            anchor(&hir).and_then(|a| needs_before(&hir, &a))
        };
        let url = r#"(?:^|[^A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}:/{1,2}[^\s/:@'"<>\\]{1,32}:([^\s/@'"<>\\]{1,64})@[A-Za-z0-9\[]"#;
        assert_eq!(needs(url), Some(b":/".to_vec()));
        assert_eq!(needs(r"\b([a-z0-9.]{1,64}@[a-z0-9.]{2,})\b"), None);
        assert_eq!(needs(r"key=abc[0-9]{4}@x"), None, "the anchor holds the literal itself");
    }

    use super::*;

    /// [`DigitFacts::start_shape`] of pattern `p`.
    fn shape(p: &str, threshold: u32) -> Option<StartShape> {
        let hir = parse(p, false).unwrap();
        DigitFacts::of(&hir).start_shape(&hir, threshold)
    }

    fn anchor_of(p: &str) -> Option<Anchor> {
        anchor(&parse(p, false).unwrap())
    }

    #[test]
    fn literals_that_follow_no_ascii_letter_or_digit() {
        let follows = |p: &str, u: bool| anchor(&parse(p, u).unwrap()).unwrap().follows_non_alnum;
        assert!(follows(r"\b((?:AKIA|ASIA)[A-Z2-7]{16})\b", false));
        assert!(follows(r"\b(eyJ[a-z]+)", true));
        assert!(follows(r"(\<ghp_[a-z]{4})", false));
        assert!(follows(r"\b{start-half}sk-[a-z]{4}", true));
        // `\b` right before the literal, whatever comes before it.
        assert!(follows(r"x?\bAKIA", false));
        // A byte that is no letter or digit, or the start; through an optional part ending in one.
        assert!(follows(r"(?:^|[^A-Za-z0-9])(?:[Pp]roxy-)?(?:[Aa]uthorization|AUTH)=(\w+)", true));
        assert!(follows(r"(?:^|[^A-Za-z0-9])private_key_id=(\w+)", false));
        assert!(follows(r"(?m:^)AKIA[A-Z]{4}", false));
        assert!(follows(r"[^A-Za-z0-9_]AKIA[A-Z]{4}", false));
        // Not so for every match.
        assert!(!follows(r"AKIA[A-Z]{16}\b", false));
        assert!(!follows(r"\bAKIA|xAKIA", false));
        assert!(!follows(r"\B(AKIA)", false));
        assert!(!follows(r"\b{end}AKIA", false));
        assert!(!follows(r"(?:^|[^A-Za-z])AKIA", false));
        assert!(!follows(r"(?:^|[^A-Za-z0-9])?AKIA", false));
        assert!(!follows(r"(?:[Pp]roxy-|x)?Authorization", false));
        assert!(!follows(r"[^A-Za-z0-9](?:x|)AKIA", false));
        assert!(!follows(r"\b(?:AKIA[0-9]{2}){2}", false), "a second AKIA follows a digit");
        assert!(follows(r"[^A-Za-z0-9]AKIA", true), "a character beyond ASCII ends with a byte of 0x80 or more");
    }

    #[test]
    fn captures_that_are_the_match() {
        let is = |p: &str| capture_is_match(&parse(p, false).unwrap());
        assert!(is(r"\b(\d{3}-\d{2}-\d{4})\b"));
        assert!(is(r"(AKIA[A-Z2-7]{16})"));
        assert!(is(r"\b(eyJ[a-z]+(\.[a-z]+)?)"));
        assert!(!is(r"(?:^|[^\d])(\+1\d{10})\b"));
        assert!(!is(r";(\d{13,16})=\d{4}"));
        assert!(!is(r"(a)|(b)"));
        assert!(!is(r"\d{9}"));
    }

    #[test]
    fn values_between_one_byte_edges() {
        let edges = |p: &str| capture_edges(&parse(p, false).unwrap());
        let aws = edges(r"(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)").unwrap();
        let key = "k".repeat(40);
        assert_eq!(aws.value(format!("={key};").as_bytes(), 0, 42), (1, 41));
        assert_eq!(aws.value(key.as_bytes(), 0, 40), (0, 40), "the text's start and end stand for the edges");
        assert_eq!(aws.value(format!("{key} ").as_bytes(), 0, 41), (0, 40));
        let phone = edges(r"(?:^|[^\d+])(\+1\d{10})\b").unwrap();
        assert_eq!(phone.value(b"x+14155550132", 0, 13), (1, 13));
        assert_eq!(edges(r"(?:^|[^\d])(\+1\d{10})\b"), None, "`+` is an edge byte and the value's first");
        assert!(edges(r"[,;]\b(\d+)").is_some(), "assertions beside an edge");
        // An edge byte the value can hold, an edge of two bytes, an optional
        // edge written as a repetition, a value that can be empty, two edges
        // on one side, no group.
        for p in [
            r"(?:^|[^a-z])([a-z0-9]+)",
            r"(?:^|ab)(x+)",
            r"[^a-z]?([a-z]+)",
            r"[^a-z]([a-z]*)",
            r"[,;][,;](\d+)",
            r"\d{9}",
        ] {
            assert_eq!(edges(p), None, "{p}");
        }
    }

    #[test]
    fn prefix_literal() {
        let a = anchor_of(r"\b(AKIA[A-Z2-7]{16})\b").unwrap();
        assert_eq!(a.literals, vec![b"AKIA".to_vec()]);
        assert_eq!(a.before, 0);
        assert_eq!(a.after, 16);
    }

    #[test]
    fn alternation_of_prefixes() {
        let a = anchor_of(r"\b((?:ghp|gho|ghs)_[A-Za-z0-9]{36})\b").unwrap();
        assert_eq!(a.literals, vec![b"gho_".to_vec(), b"ghp_".to_vec(), b"ghs_".to_vec()]);
        assert_eq!(a.after, 36);
    }

    #[test]
    fn inner_rare_byte() {
        let a = anchor_of(r"([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24})").unwrap();
        assert_eq!(a.literals, vec![b"@".to_vec()]);
        assert_eq!(a.before, 64);
        assert_eq!(a.after, 253 + 1 + 24);
    }

    #[test]
    fn case_insensitive_literal_expands() {
        let a = anchor_of(r"(?i)basic ([A-Za-z0-9+/=]{8,200})").unwrap();
        assert!(a.literals.contains(&b"basic ".to_vec()) || a.literals.iter().all(|l| l.len() >= 3), "{a:?}");
        assert!(a.literals.len() <= MAX_ANCHOR_LITERALS);
    }

    #[test]
    fn digits_only_has_no_anchor() {
        assert_eq!(anchor_of(r"\b(\d{3}-\d{2}-\d{4})\b"), None);
        assert_eq!(anchor_of(r"\b(\d{9})\b"), None);
    }

    #[test]
    fn unbounded_repetition_is_capped() {
        let a = anchor_of(r"(-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----[\s\S]+?-----END)").unwrap();
        assert_eq!(a.literals, vec![b"-----BEGIN ".to_vec()]);
        assert_eq!(a.after, MAX_MATCH_LEN);
    }

    #[test]
    fn digits_every_match_has() {
        let md = |p: &str| min_digits(&parse(p, false).unwrap());
        assert_eq!(md(r"\b(\d{3}-\d{2}-\d{4})\b"), 9);
        assert_eq!(md(r"(?:\d{2}/\d{2}|[A-Z]{3})"), 0);
        assert_eq!(md(r"[A-Za-z0-9+/]{40}"), 0);
        assert_eq!(md(r"AB1(\d+)"), 2);
    }

    #[test]
    fn digit_boundaries() {
        let db = |p: &str| digit_bounded(&parse(p, false).unwrap());
        assert!(db(r"\b(4\d{12}|[2-6]\d{3}[ -]\d{4}[ -]\d{4}[ -]\d{4})\b"));
        assert!(!db(r"(4\d{12})\b"));
        assert!(!db(r"\b(4\d{12})"));
        assert!(!db(r"\b(ID\d{12})\b"));
        assert!(!db(r"\b(\d{12}|x)\b"));
    }

    #[test]
    fn separators_a_value_may_follow_after_a_digit() {
        let after = |p: &str| {
            let hir = parse(p, false).unwrap();
            DigitFacts::of(&hir).start_shape(&hir, 1).map(|s| s.after_digit_sep)
        };
        // Bits for ` `, `-`, `.`, `/`, `(`, `)` from the lowest.
        assert_eq!(after(r"(?:^|[^\d\x20.+-]|[^\d+][\x20.-])(0[1-9]\d{6})"), Some(0b111000), "an Italian landline");
        assert_eq!(after(r"\b(\d{3}-\d{2}-\d{4})\b"), Some(0b111111), "a word boundary allows every separator");
        assert_eq!(after(r"(?:^|[^\d-])(\d{9})"), Some(0b111101), "no hyphen");
        assert_eq!(after(r"(?:^|[^\w.])(\d{9})"), Some(0b111011), "no dot");
        assert_eq!(after(r"(?:^|x)(\d{9})"), Some(0), "only after an x");
        assert_eq!(after(r"(?:^|[a-z]\x20)(\d{9})"), Some(0), "a space after a letter only");
        assert_eq!(after(r"(?:^|[a-z]\x20|/)(\d{9})"), Some(0b001000), "or a slash after anything");
        assert_eq!(after(r"(?:^|[a-z]{3})(\d{9})"), Some(0b111111), "three bytes before: not worked out");
        assert_eq!(after(r"(?m:^)(\d{9})"), Some(0b111111), "a line start: not worked out");
    }

    #[test]
    fn digits_a_letter_may_come_before() {
        let after_letter = |p: &str| {
            let hir = parse(p, false).unwrap();
            DigitFacts::of(&hir).start_shape(&hir, 1).map(|s| s.digit_after_letter)
        };
        let us = r"((?:\b1[\x20.-])?(?:\([2-9]\d{2}\)[\x20]?|\b[2-9]\d{2}[\x20.-]?)[2-9]\d{2}[\x20.-]?\d{4})\b";
        assert_eq!(
            after_letter(us),
            Some(false),
            "a US phone number: a boundary before each way to start with a digit"
        );
        assert_eq!(after_letter(r"\b(\d{3}-\d{2}-\d{4})\b"), Some(false));
        assert_eq!(after_letter(r"(?:^|[^\w.])(\d{9})"), Some(false), "no word byte before");
        assert_eq!(after_letter(r"(?:^|[^\d])(\d{9})"), Some(true), "a letter may come before");
        assert_eq!(after_letter(r"(?:^|[^\d])((?:\b)?\d{9})"), Some(true), "an optional boundary is none");
        assert_eq!(
            after_letter(r"(?:^|[^\d])(\b\d{9}|\(\d{9})"),
            Some(false),
            "the other branch starts with a parenthesis"
        );
        assert_eq!(after_letter(r"(?:^|[^\d])(\b\d{9}|\d{3}-\d{6})"), Some(true), "the other branch has no boundary");
        assert_eq!(after_letter(r"((?:\b1[\x20-])?\b\d{9})"), Some(false), "a boundary on both ways in");
    }

    #[test]
    fn digit_spans() {
        let ds = |p: &str| DigitFacts::of(&parse(p, false).unwrap()).digit_span();
        assert_eq!(ds(r"\b(\d{3}-\d{2}-\d{4})\b"), Some((0, 0)));
        assert_eq!(ds(r"\b(\d{4}(?:[\x20-]?\d{4}){3})\b"), Some((0, 0)));
        assert_eq!(ds(r"(\+1[\x20.-]?\(?\d{3}\)?[\x20.-]?\d{3}[\x20.-]?\d{4})\b"), Some((1, 0)));
        assert_eq!(ds(r"(?:\+|00)44[\x20]?(?:\(0\)[\x20]?)?\d{2,4}[\x20]?\d{6,8}"), Some((1, 0)));
        assert_eq!(ds(r";(\d{13,19})=(?:\d{4}|=)\d{0,20}\?"), None, "= between digits");
        assert_eq!(ds(r"\d{3}\x20{3}\d{3}"), None, "three separators split groups");
        assert_eq!(ds(r"AB\d{6}"), Some((2, 0)));
        assert_eq!(ds(r"\d+ ?x?"), Some((0, 2)));
        assert_eq!(ds(r"[A-Z]{2}"), None, "no digits");
        assert_eq!(ds(r"\d(?:[a-z]\d)*"), None);
    }

    #[test]
    fn separators_and_first_bytes() {
        let sb = |p: &str| separator_bytes(&parse(p, false).unwrap());
        assert_eq!(sb(r"\b(\d{3}-\d{2}-\d{4}|\d{3}\x20\d{2}\x20\d{4})\b"), 0b11);
        assert_eq!(sb(r"\d{3}[./]\d{2}"), 0b1100);
        assert_eq!(sb(r"\(\d{3}\)"), 0b11_0000);
        assert_eq!(sb(r"\d+"), 0);
        let ms = |p: &str| min_separators(&parse(p, false).unwrap());
        assert_eq!(ms(r"\b(\d{3}[- ]\d{2}[- ]\d{4})\b"), 2);
        assert_eq!(ms(r"\+1[\x20.-]?\d{10}"), 0);
        assert_eq!(ms(r"\d{3}-\d{2}|\d{5}"), 0);
        let fb = |p: &str| {
            first_bytes(&parse(p, false).unwrap())
                .map(|b| (0..=255u8).filter(|&x| b[(x >> 6) as usize] >> (x & 63) & 1 == 1).collect::<Vec<u8>>())
        };
        assert_eq!(fb(r"\b(?:\+|00)49"), Some(b"+0".to_vec()));
        assert_eq!(fb(r"\b(\(?\d)"), Some(b"(0123456789".to_vec()));
        assert_eq!(fb(r"a?"), None);
        let bytes =
            |b: [u64; 4]| (0..=255u8).filter(|&x| b[(x >> 6) as usize] >> (x & 63) & 1 == 1).collect::<Vec<u8>>();
        let first = |p: &str, threshold: u32| shape(p, threshold).map(|s| bytes(s.first_bytes));
        // A boundary before the value: the value's first byte counts.
        assert_eq!(first(r"(?:^|[^\d\x20])(\+1\d{10})\b", 11), Some(b"+".to_vec()));
        // A prefix that can hold digits: the match's first bytes count, and a
        // match without the prefix may start anywhere in a digit group.
        assert_eq!(first(r"\b(?:\+1)?([2-9]\d{9})", 10), Some(b"+23456789".to_vec()));
        assert_eq!(first(r"(?:\+1)?([2-9]\d{9})", 10), None);
        assert_eq!(first(r"1?([2-9]\d{9})", 10), None);
        assert_eq!(first(r"\b\d{3}", 3), Some(b"0123456789".to_vec()));
        assert_eq!(first(r"(?:^|[^\d])(\d{3})", 3), Some(b"0123456789".to_vec()));
        // A value starting with a digit that may follow a digit can start anywhere in a group.
        assert_eq!(first(r"\d{3}", 3), None);
        assert_eq!(first(r"7\d{8}", 9), None);
        assert_eq!(first(r"(?:^|[^\d]|1)(\d{3})", 3), None);
        assert_eq!(first(r"(?:x)?(\d{3})", 3), None);
        // Digits in two groups: judged by the first run when it alone reaches the
        // threshold, by the match's first byte (narrower than the value's).
        let track = shape(r";(\d{13,19})=(?:\d{4}|=)\d{0,20}\?", 13);
        assert_eq!(track.map(|s| (s.lead, bytes(s.first_bytes))), Some((1, b";".to_vec())));
        assert_eq!(first(r";(\d{13,19})=(?:\d{4}|=)\d{0,20}\?", 14), None);
        assert_eq!(first(r"\b\d{3}x\d{3}", 6), None);
        let second = |p: &str, t: u32| shape(p, t).and_then(|s| s.second_bytes.map(bytes));
        assert_eq!(second(r"(?:^|[^\d])((?:\+49[\x20.-]?|0049[\x20.-])[1-9]\d{6})", 7), Some(b"04".to_vec()));
        assert_eq!(second(r"(?:^|[^\d])(\+1\d{10})", 11), Some(b"1".to_vec()));
        assert_eq!(second(r"\b(\d{3}-\d{2})", 5), None, "ten digits are too many literals");
        assert_eq!(second(r"\b(\+?1\d{10})", 11), None, "a value can be one byte shorter than the literal");
        let starts = |p: &str, t: u32, hay: &str| {
            let prefixes = shape(p, t).and_then(|s| s.prefixes).expect("prefixes");
            (0..hay.len()).filter(|&i| prefixes.starts_at(hay.as_bytes(), i)).collect::<Vec<_>>()
        };
        let it =
            r"(?:^|[^\d\x20.-]|[^\d]\x20)((?:\+39[\x20.-]?|0039[\x20.-])(?:0\d{1,3}|3\d{2})(?:[\x20.-]?\d){5,8})\b";
        assert_eq!(starts(it, 7, "+39 06, +3906, +39-3, 0039 1, 0039-, +391, 0385, +3"), [0, 8, 15, 22, 30]);
        assert_eq!(shape(r"\b(\d{3}-\d{2}-\d{4})", 9).and_then(|s| s.prefixes), None, "too many literals");
        assert_eq!(
            shape(r"(?:^|[^\d])(\+1\d{10})", 11).and_then(|s| s.prefixes),
            None,
            "too short once cut at a class"
        );
    }

    #[test]
    fn country_codes() {
        let cc = |p: &str| country_code(&parse(p, false).unwrap());
        assert_eq!(cc(r"\b(DE\d{2}[\x20]?\d{4})\b"), Some(vec![*b"DE"]));
        assert_eq!(cc(r"\b((?:GB|GG)[0-9][0-9] ?[A-Z]{4})\b"), Some(vec![*b"GB", *b"GG"]));
        assert_eq!(cc(r"\b(de\d{2})"), None);
        assert_eq!(cc(r"\b(DEX\d{2})"), None);
        assert_eq!(cc(r"\b(\d{3}-\d{2})"), None);
    }

    #[test]
    fn max_len_caps() {
        assert_eq!(max_len(&parse(r"a+", false).unwrap()), MAX_MATCH_LEN);
        assert_eq!(max_len(&parse(r"\d{3}-\d{2}", false).unwrap()), 6);
    }
}

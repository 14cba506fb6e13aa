//! The scanner: every rule compiled once, run over a haystack in one sweep of
//! cheap prefilters followed by regex confirmation in small windows.
//!
//! See DESIGN.md for why it is built this way. In short, for one haystack:
//! 1. normalize a copy for keyword search (`keywords.rs`);
//! 2. find anchors: literal occurrences (one Aho-Corasick automaton), rare
//!    bytes (`memchr`), digit groups (`digits.rs`) and trigger keywords;
//! 3. run each anchored rule's regex only in a window around its anchor;
//! 4. validate, check keywords, apply ignore and allow lists;
//! 5. resolve overlaps so that each value is reported once, and report the
//!    survivors that start in the report range, in order.

use std::ops::Range;

use rayon::prelude::*;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input, PatternSet, Span, meta};

use crate::detect::analyze::{StartShape, in_byte_set};
use crate::detect::classify::Classes;
use crate::detect::compile::{self, AnchorKind, CompiledRule};
use crate::detect::digits::{self, Group};
use crate::detect::escapes;
use crate::detect::keywords::KeywordHit;
use crate::detect::keywords::{self, KeywordSet};
use crate::detect::prefilter::{self, Literals};
use crate::detect::quiet::QuietStarts;
use crate::detect::resolve;
use crate::detect::shapes;
use crate::detect::starts::StartFilter;
use crate::report::{Category, Confidence, Symbol};
use crate::rules::{AllowList, Rule, RuleError, Rules};
use crate::validate::{Validator, credit_card};

/// One confirmed match, before it is placed in a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    /// Index of the rule in the scanner (see [`Scanner::rule_info`]).
    pub rule: usize,
    /// Offset of the value's first byte in the haystack.
    pub start: usize,
    /// Offset one past the value's last byte.
    pub end: usize,
    /// Whether the rule's validator confirmed the value.
    pub validated: bool,
    /// Whether one of the rule's keywords was near (or given by the context).
    pub keyword: bool,
    /// The resulting confidence.
    pub confidence: Confidence,
}

/// What a scanner knows about one of its rules.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    /// The rule id.
    pub id: Symbol,
    /// The reported data type.
    pub data_type: Symbol,
    /// The category.
    pub category: Category,
}

/// Keywords supplied by the container of the bytes: a CSV column name or a JSON path.
///
/// Rules listed here count as having a keyword nearby, and rules that are
/// found only through keywords run over the whole haystack.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    rules: Vec<u32>,
}

/// Buffers reused by [`Scanner::context_rules`].
#[derive(Clone, Debug, Default)]
pub(crate) struct NameBuffers {
    normalized: Vec<u8>,
    classes: crate::detect::classify::Classes,
    /// The rules found, sorted.
    pub rules: Vec<u32>,
}

impl Context {
    /// No container keywords.
    pub fn none() -> Context {
        Context::default()
    }

    /// Whether the context satisfies no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether the context supplies a keyword of rule `rule`.
    pub(crate) fn has(&self, rule: usize) -> bool {
        self.rules.contains(&(rule as u32))
    }

    /// The rules it supplies keywords of, sorted.
    pub(crate) fn rules(&self) -> &[u32] {
        &self.rules
    }

    /// The context supplying keywords of `rules` (sorted).
    pub(crate) fn of(rules: &[u32]) -> Context {
        Context { rules: rules.to_vec() }
    }
}

/// A candidate from a rule's regex, before filtering and overlap resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Candidate {
    pub start: usize,
    pub end: usize,
    pub rule: u32,
    pub full_start: usize,
    pub full_end: usize,
}

/// Buckets digit-anchored rules by threshold: level k holds every rule whose
/// threshold is at most the k-th distinct threshold, so a group is checked
/// only against rules it is long enough for.
fn digit_levels(compiled: &[CompiledRule], digit_rules: &[u32]) -> Vec<DigitLevel> {
    let threshold = |r: u32| match compiled[r as usize].anchor {
        AnchorKind::Digits(d) => d,
        _ => unreachable!("digit_rules holds digit-anchored rules only"),
    };
    let mut thresholds: Vec<u32> = digit_rules.iter().map(|&r| threshold(r)).collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    let mut levels = Vec::new();
    for &min_digits in &thresholds {
        let members: Vec<u32> = digit_rules.iter().copied().filter(|&r| threshold(r) <= min_digits).collect();
        let shapes: Vec<_> = members.iter().map(|&r| compiled[r as usize].start).collect();
        let reach = members
            .iter()
            .map(|&r| digit_reach(&compiled[r as usize]))
            .fold((0, 0), |a, b| (a.0.max(b.0), a.1.max(b.1)));
        let fails = sep_fail_masks(compiled, &members);
        levels.push(DigitLevel {
            min_digits,
            rules: members,
            set: std::sync::OnceLock::new(),
            reach,
            starts: shapes.chunks(64).map(StartFilter::new).collect(),
            sep_fails: fails,
        });
    }
    levels
}

/// Folds every literal that starts with another (distinctive) literal into
/// that shorter one, widening its windows by the difference: `sk-ant-api`,
/// `sk-proj-` and `sk-` become one `sk-`, the PEM headers one `-----BEGIN `.
/// Fewer literals keep the SIMD literal search in its fastest form.
fn merge_prefixes(lits: Vec<Vec<u8>>, targets: Vec<Vec<Target>>) -> (Vec<Vec<u8>>, Vec<Vec<Target>>) {
    let mut order: Vec<usize> = (0..lits.len()).collect();
    order.sort_by_key(|&i| lits[i].len());
    let mut out_lits: Vec<Vec<u8>> = Vec::new();
    let mut out_targets: Vec<Vec<Target>> = Vec::new();
    for i in order {
        let lit = &lits[i];
        match out_lits.iter().position(|p| lit.starts_with(p)) {
            Some(p) => {
                let extra = lit.len() - out_lits[p].len();
                // The folded literal's bytes after the prefix must follow each hit of it.
                let rest = &lit[out_lits[p].len()..];
                out_targets[p].extend(targets[i].iter().map(|t| Target {
                    after: t.after + extra,
                    rest: [rest, &t.rest[..]].concat().into(),
                    ..t.clone()
                }));
            }
            None => {
                out_lits.push(lit.clone());
                out_targets.push(targets[i].clone());
            }
        }
    }
    (out_lits, out_targets)
}

/// A rule anchored on a literal, with how far its matches reach before the
/// literal and after its end.
#[derive(Clone, Debug)]
struct Target {
    rule: u32,
    before: usize,
    after: usize,
    /// The bytes that follow the literal in every match: the rest of a
    /// longer literal that [`merge_prefixes`] folded into this one (empty
    /// for the literal's own rules). A hit not followed by them opens no
    /// window: the longer literal, where it occurs, is a hit of its own.
    rest: Box<[u8]>,
}

/// Adds `target` to literal `lit` of the parallel lists `lits` and `targets`.
fn add_literal(lits: &mut Vec<Vec<u8>>, targets: &mut Vec<Vec<Target>>, lit: &[u8], target: Target) {
    match lits.iter().position(|l| l == lit) {
        Some(p) => targets[p].push(target),
        None => {
            lits.push(lit.to_vec());
            targets.push(vec![target]);
        }
    }
}

/// Which keyword set a trigger hit came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TriggerSet {
    Any = 0,
    Digit = 1,
    All = 2,
}

/// Index of a two-letter upper-case code in `country_rules`.
fn code_index(c: [u8; 2]) -> usize {
    (c[0] - b'A') as usize * 26 + (c[1] - b'A') as usize
}

/// How far a digit-anchored rule's match can extend beyond its digit group:
/// the match holds at least `threshold` bytes of the group, so at most
/// `max_len - threshold` bytes of it lie outside on either side.
///
/// When every match's digits form one digit group, the match lies within its
/// group plus the rule's lead and trail bytes, which is much tighter.
fn digit_reach(rule: &CompiledRule) -> (usize, usize) {
    let loose = match rule.anchor {
        AnchorKind::Digits(d) => rule.max_len.saturating_sub(d as usize),
        _ => rule.max_len,
    };
    match rule.digit_span {
        Some((lead, trail)) => (lead.min(loose), trail.min(loose)),
        None => (loose, loose),
    }
}

/// The digit-anchored rules whose threshold is at most `min_digits`, with one
/// multi-pattern regex over all of them (pattern i = `rules[i]`) that tells,
/// in one pass over a group's window, which of them can match there.
#[derive(Debug)]
struct DigitLevel {
    min_digits: u32,
    rules: Vec<u32>,
    /// The member rules' regexes as one set, compiled on first use.
    set: std::sync::OnceLock<Result<meta::Regex, String>>,
    /// How far the member rules' matches reach before and after a group.
    reach: (usize, usize),
    /// Which member rules can start a value around a given group (one
    /// filter per 64 rules).
    starts: Vec<StartFilter>,
    /// For each filter of `starts` and each separator count `s` below
    /// [`SEP_MASKS`], the member rules that a group with `s` separators
    /// fails at once: their separators all lie inside the group and they
    /// need more than `s` (the first test of [`Scanner::digit_rule_may_match`],
    /// here one mask per group instead of a rule's fields read per start).
    sep_fails: Vec<[u64; SEP_MASKS]>,
}

/// For each digit count up to the highest threshold, the last of `levels`
/// whose threshold it reaches (0 below the lowest); groups with more
/// digits take the last entry. A table read per group instead of a binary
/// search over the levels.
fn level_of_digits(levels: &[DigitLevel]) -> Vec<usize> {
    let top = levels.last().map_or(0, |l| l.min_digits);
    (0..=top).map(|d| levels.partition_point(|l| l.min_digits <= d).saturating_sub(1)).collect()
}

/// Separator counts with a mask in [`DigitLevel::sep_fails`]; groups with
/// more are left to the per-rule test.
const SEP_MASKS: usize = 8;

/// The masks of [`DigitLevel::sep_fails`] for `members`, 64 at a time.
fn sep_fail_masks(compiled: &[CompiledRule], members: &[u32]) -> Vec<[u64; SEP_MASKS]> {
    members
        .chunks(64)
        .map(|chunk| {
            let mut masks = [0u64; SEP_MASKS];
            for (s, mask) in masks.iter_mut().enumerate() {
                for (p, &r) in chunk.iter().enumerate() {
                    *mask |= u64::from(compiled[r as usize].needs_more_separators(s as u32)) << p;
                }
            }
            masks
        })
        .collect()
}

impl DigitLevel {
    /// The member rules of filter `k` (bits) that a group with `seps`
    /// separators fails at once (none past [`SEP_MASKS`]).
    #[inline]
    fn fails_for(&self, k: usize, seps: u32) -> u64 {
        self.sep_fails[k].get(seps as usize).copied().unwrap_or(0)
    }

    /// The multi-pattern regex (a lazy DFA in practice), compiled on first
    /// use: most scans never need every level, and compiling up front would
    /// slow start-up.
    fn set<'a>(&'a self, compiled: &[CompiledRule]) -> Result<&'a meta::Regex, &'a str> {
        lazy_set(&self.set, compiled, &self.rules, SET_CACHE_BYTES)
    }
}

/// A multi-pattern regex over the regexes of rules `members` (`MatchKind::All`,
/// no captures, lazy DFA caches of up to `cache` bytes), compiled into
/// `cell` on first use from the patterns the rules' analysis parsed (parsing
/// them again was a tenth of the time to build a set).
fn lazy_set<'a>(
    cell: &'a std::sync::OnceLock<Result<meta::Regex, String>>,
    compiled: &[CompiledRule],
    members: &[u32],
    cache: usize,
) -> Result<&'a meta::Regex, &'a str> {
    cell.get_or_init(|| {
        let hirs: Vec<&regex_syntax::hir::Hir> = members.iter().map(|&r| compiled[r as usize].hir()).collect();
        meta::Builder::new()
            .configure(
                compile::regex_config()
                    .hybrid_cache_capacity(cache)
                    .match_kind(regex_automata::MatchKind::All)
                    .which_captures(regex_automata::nfa::thompson::WhichCaptures::None),
            )
            .build_many_from_hir(&hirs)
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(String::as_str)
}

/// The keyword-anchored rules that one trigger keyword opens windows for,
/// with one multi-pattern regex over them. Most keyword windows hold no
/// match; one earliest-match search over the union of the members' windows
/// rejects such a window for all of them at once, instead of one regex
/// search per rule (a keyword such as `phone` triggers a dozen rules).
#[derive(Debug)]
struct KeywordGroup {
    /// Member rules.
    rules: Vec<u32>,
    /// The members' regexes as one set, compiled on first use.
    set: std::sync::OnceLock<Result<meta::Regex, String>>,
}

/// The keyword groups of the trigger sets: `groups`, and for each set
/// (indexed by [`TriggerSet`]) the group of each keyword, if it has one.
fn keyword_groups(sets: [Option<&KeywordSet>; 3]) -> (Vec<KeywordGroup>, [Vec<Option<u32>>; 3]) {
    let mut groups: Vec<KeywordGroup> = Vec::new();
    let mut index: std::collections::HashMap<Vec<u32>, u32> = std::collections::HashMap::new();
    let of_set = |set: Option<&KeywordSet>,
                  groups: &mut Vec<KeywordGroup>,
                  index: &mut std::collections::HashMap<Vec<u32>, u32>| {
        let Some(set) = set else { return Vec::new() };
        (0..set.keyword_count() as u32)
            .map(|k| {
                let members = set.rules_of(k).to_vec();
                // Members are named by bits of a `u64` (see `keyword_group_members`).
                if !(2..=MAX_GROUP_MEMBERS).contains(&members.len()) {
                    return None;
                }
                let next = groups.len() as u32;
                let g = *index.entry(members.clone()).or_insert(next);
                if g == next {
                    groups.push(KeywordGroup { rules: members, set: std::sync::OnceLock::new() });
                }
                Some(g)
            })
            .collect()
    };
    let by_set = sets.map(|set| of_set(set, &mut groups, &mut index));
    (groups, by_set)
}

/// Most members of a keyword group; a keyword of more rules lets each search
/// its own window.
const MAX_GROUP_MEMBERS: usize = 64;

/// Keyword groups with at least this many members name the members that
/// match before they search their own windows (see
/// `Scanner::keyword_group_members`); smaller groups let every member search.
const NAMED_GROUP_MEMBERS: usize = 4;

/// Keyword-anchored rules whose every match holds at least this many digits,
/// all in one digit group, search a keyword's window only when a group that
/// large is in it: a keyword such as `mobile` in a user agent then costs
/// nothing. Fewer digits would make too many small groups to be worth it.
const GROUP_FILTER_MIN_DIGITS: u32 = 5;

/// The group size that keyword-anchored `rule` needs in a window, if it is
/// filtered that way.
fn group_filter(rule: &CompiledRule) -> Option<u32> {
    (rule.anchor == AnchorKind::Keyword && rule.digit_span.is_some() && rule.min_digits >= GROUP_FILTER_MIN_DIGITS)
        .then_some(rule.min_digits)
}

/// The least digits that keyword-anchored rule `r`, outside
/// [`group_filter`] (its digits need not form one group: a French NIR may
/// hold `2A`, a German phone number ` / `), must find in one run of a digit
/// group of its window, from its declared `digits`: a keyword such as
/// `social` in prose then costs no search.
fn run_filter(rule: &CompiledRule) -> Option<u32> {
    if group_filter(rule).is_some() {
        return None;
    }
    rule.digit_run.filter(|&d| d >= GROUP_FILTER_MIN_DIGITS)
}

/// Whether keyword-anchored `rule` searches a window only when a digit
/// group there lets it ([`group_filter`] or [`run_filter`]).
fn digit_filtered(rule: &CompiledRule) -> bool {
    group_filter(rule).is_some() || run_filter(rule).is_some()
}

/// The most digits of `group` in one run joined by at most two separators
/// in a row, all among `seps` (bit `i` for `digits::SEPARATORS[i]`).
fn longest_run(group: &[u8], seps: u8) -> u32 {
    let (mut best, mut run, mut gap) = (0, 0, 0);
    for &b in group {
        if b.is_ascii_digit() {
            (run, gap) = (run + 1, 0);
            best = best.max(run);
        } else if gap < 2 && digits::SEPARATOR_BITS[usize::from(b)] & seps != 0 {
            gap += 1;
        } else {
            (run, gap) = (0, 0);
        }
    }
    best
}

/// Whether one of the literals a digit rule's values start with
/// ([`StartShape::prefixes`]; `+49 `, `0049`) starts where the start filter
/// lets a value start around group `g`: up to `lead` bytes before it, or at
/// a separator inside it or the byte after one. The filter judges a value's
/// first two bytes each on its own, and `0385...` passes it for `+39...`
/// and `0039...`. True for a rule without such literals.
fn literal_start_possible(shape: &StartShape, g: &Group, hay: &[u8]) -> bool {
    let Some(prefixes) = &shape.prefixes else { return true };
    let starts = |p: usize| in_byte_set(&shape.first_bytes, hay[p]) && prefixes.starts_at(hay, p);
    let inside = || {
        (g.start + 1..g.end).any(|p| (digits::is_separator(hay[p]) || digits::is_separator(hay[p - 1])) && starts(p))
    };
    (g.start.saturating_sub(shape.lead)..=g.start).any(starts) || g.seps > 0 && inside()
}

/// Whether some run of `group`'s digits between separators (or its ends)
/// passes `validator` (of digit values: see [`credit_card::valid_digits`]): a
/// necessary condition for a rule whose values are such
/// runs (see `CompiledRule::group_validator`). A 16-digit number with a bad
/// check digit is rejected here, before any regex. Long groups are let
/// through unchecked.
fn group_may_validate(validator: Validator, group: &[u8]) -> bool {
    const MAX: usize = 64;
    // Digits a value can have.
    let lengths = match validator {
        Validator::CreditCard => 12..=19,
        _ => return true,
    };
    let mut digits = [0u8; MAX];
    let (mut n, mut starts, mut ends, mut after_sep) = (0usize, 0u64, 0u64, true);
    for &b in group {
        if b.is_ascii_digit() {
            if n == MAX {
                return true;
            }
            if after_sep {
                starts |= 1 << n;
            }
            digits[n] = b - b'0';
            n += 1;
            after_sep = false;
        } else {
            if n > 0 && !after_sep {
                ends |= 1 << (n - 1);
            }
            after_sep = true;
        }
    }
    if n == 0 {
        return false;
    }
    ends |= 1 << (n - 1);
    // Each run start with each run end that gives a value of an allowed
    // length, walked as bits: a loop over every digit position, testing
    // each one's bit, mispredicted at most positions of number-dense data.
    let (shortest, longest) = (*lengths.start(), *lengths.end());
    while starts != 0 {
        let s = starts.trailing_zeros() as usize;
        starts &= starts - 1;
        // Bit `i`: the value from `s` may end at `s + shortest - 1 + i`.
        let mut fits = ends.checked_shr((s + shortest - 1) as u32).unwrap_or(0) & ((1 << (longest - shortest + 1)) - 1);
        while fits != 0 {
            let e = s + shortest - 1 + fits.trailing_zeros() as usize;
            fits &= fits - 1;
            if credit_card::valid_digits(&digits[s..=e]) {
                return true;
            }
        }
    }
    false
}

/// Every digit-group separator (see `CompiledRule::separators`).
const ALL_SEPARATORS: u8 = 0x3F;

/// What the cheap checks of a digit level's rules learn about one group,
/// computed once for all of them.
struct GroupFacts<'a> {
    /// The haystack's byte classes.
    classes: &'a Classes,
    /// A validator's verdict on the group's digit runs ([`group_may_validate`]).
    validated: Option<(Validator, bool)>,
    /// How long the group's token string for run shapes is (see
    /// `detect::shapes`): `None` before it is needed, `Some(None)` for a
    /// group too long to check.
    token_count: Option<Option<usize>>,
    /// Where the token string is written (reused from group to group).
    tokens: &'a mut [u8; shapes::MAX_GROUP_TOKENS],
    /// The lengths of the group's digit runs ([`shapes::run_lengths`]), for
    /// a group of at most 64 bytes, once a rule with run shapes needs them.
    run_lengths: Option<u64>,
}

impl<'a> GroupFacts<'a> {
    /// Nothing known yet about a group of a haystack with byte classes
    /// `classes`; `tokens` is space for its token string.
    fn new(classes: &'a Classes, tokens: &'a mut [u8; shapes::MAX_GROUP_TOKENS]) -> GroupFacts<'a> {
        GroupFacts { classes, validated: None, token_count: None, tokens, run_lengths: None }
    }

    /// Whether `runs` may occur in the group `g` ([`shapes::RunShapes::may_occur`]):
    /// a test of its run lengths, computed once per group; a group longer
    /// than 64 bytes always may.
    #[inline]
    fn runs_may_occur(&mut self, runs: &shapes::RunShapes, g: &Group) -> bool {
        let len = g.end - g.start;
        len > 64
            || runs.may_occur(
                *self.run_lengths.get_or_insert_with(|| shapes::run_lengths(self.classes.digit_bits(g.start, len))),
            )
    }

    /// Whether `runs` can match in the group `g` of `hay` these facts describe
    /// with a match whose bytes `accept` takes: from the digit masks when
    /// the group fits in 64 bytes, else from its token string (where any
    /// occurrence is taken).
    fn runs_occur(
        &mut self,
        runs: &shapes::RunShapes,
        hay: &[u8],
        g: &Group,
        accept: impl FnMut(&[u8]) -> bool,
    ) -> bool {
        let len = g.end - g.start;
        if len <= 64 {
            return runs.occur_in_masks(hay, g.start, self.classes.digit_bits(g.start, len), len, accept);
        }
        let tokens = &mut *self.tokens;
        let n = *self.token_count.get_or_insert_with(|| shapes::group_tokens(&hay[g.start..g.end], tokens));
        n.is_none_or(|n| runs.occur_in(&self.tokens[..n]))
    }

    /// How many separators of the set `seps` (bit `i` for
    /// `digits::SEPARATORS[i]`) the group `g` of `hay` holds, one step per
    /// separator of the group (from the masks) rather than per byte.
    fn separators_in(&self, hay: &[u8], g: &Group, seps: u8) -> u32 {
        let mut count = 0;
        let mut at = g.start;
        while at < g.end {
            let n = (g.end - at).min(64);
            let mut bits = self.classes.sep_bits(at, n);
            while bits != 0 {
                let i = at + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                count += u32::from(digits::SEPARATOR_BITS[usize::from(hay[i])] & seps != 0);
            }
            at += n;
        }
        count
    }
}

/// Cache budget for a digit level's lazy DFA: these automata are large
/// (several patterns with counted repetitions), and a cache that is too small
/// makes the lazy DFA rebuild states over and over.
const SET_CACHE_BYTES: usize = 8 << 20;

/// When at most this many rules of a digit level pass a group's cheap
/// checks, their own regexes run instead of the level's multi-pattern regex.
const DIRECT_DIGIT_RULES: usize = 2;

/// Cache budget for a keyword group's lazy DFA: groups are many and small,
/// and their windows short.
const KEYWORD_GROUP_CACHE_BYTES: usize = 1 << 20;

/// The rules that mask location names, compiled on first use (see
/// [`Scanner::set_name_rules`]); `None` inside when they do not compile.
#[derive(Debug)]
struct NameRules {
    rules: Rules,
    scanner: std::sync::OnceLock<Option<Box<Scanner>>>,
}

/// A set of rules compiled for scanning. Build once, share across threads
/// (it is `Send + Sync`), and give each thread its own [`Scratch`].
#[derive(Debug)]
pub struct Scanner {
    rules: Vec<CompiledRule>,
    /// The one search for every literal anchor.
    literals: Option<Literals>,
    /// For each literal: (rule, bytes before, bytes after the literal end).
    literal_targets: Vec<Vec<Target>>,
    /// For each literal found at word starts by the keyword walk (the
    /// literals of rules whose matches start with one after `\b`), its targets.
    word_literal_targets: Vec<Vec<Target>>,
    /// Single rare bytes (such as `@`) and the rules they anchor.
    rare: Vec<(u8, Vec<Target>)>,
    /// The rare bytes, when there are one to three (repeated to fill the
    /// set): the class pass lists where they occur (`Classes::compute_listing`).
    rare_set: Option<[u8; 3]>,
    /// Rules anchored on digit groups, bucketed by threshold (see [`DigitLevel`]).
    digit_levels: Vec<DigitLevel>,
    /// The level of a group by its digit count (see [`level_of_digits`]).
    digit_level_of: Vec<usize>,
    /// Rules anchored on a two-letter code and two digits, by code (`A`..`Z` squared).
    country_rules: Vec<Vec<u32>>,
    has_country_rules: bool,
    /// Every keyword of every rule, for checking keywords near a candidate.
    keywords: Option<KeywordSet>,
    /// Keywords of keyword-anchored rules whose every match has a digit:
    /// looked for only in blocks near a digit.
    digit_triggers: Option<KeywordSet>,
    /// Keywords of the other keyword-anchored rules: looked for everywhere.
    any_triggers: Option<KeywordSet>,
    /// Both sets in one, for chunks where many blocks are near a digit
    /// (one word scan instead of two: see [`live_ranges`]).
    all_triggers: Option<KeywordSet>,
    /// How many 64-byte blocks around a digit `digit_triggers` must cover.
    trigger_blocks: usize,
    /// A chunk whose blocks near a digit make up more than this share of it
    /// (its inverse: [`LIVE_SHARE`]) gets one walk of `all_triggers`;
    /// tests set it to 0 (never) and `usize::MAX` (whenever a digit occurs).
    live_share: usize,
    /// Rules triggered by one keyword, searched together first (see [`KeywordGroup`]).
    keyword_groups: Vec<KeywordGroup>,
    /// For each [`TriggerSet`], the group of each of its keywords.
    keyword_group_of: [Vec<Option<u32>>; 3],
    /// Fewest digits of a group worth finding (see [`GroupDigits`]).
    group_digits: Option<GroupDigits>,
    /// Whether keyword windows skip the rules a context had searched over
    /// the whole haystack (see [`Scanner::keyword_anchors`]); off only in a
    /// test that compares both ways.
    skip_context_rules: bool,
    /// For each [`TriggerSet`], how far around a hit of each keyword groups
    /// smaller than [`GroupDigits::everywhere`] are needed (0: nowhere).
    near_reach: [Vec<u32>; 3],
    /// Start tables of the keyword-anchored rules filtered by groups, 64 per
    /// filter, and each such rule's position in them.
    keyword_starts: Vec<StartFilter>,
    keyword_start_of: Vec<Option<u32>>,
    full_rules: Vec<u32>,
    allow: AllowList,
    context: usize,
    /// Rules that mask location names instead of these (see [`Scanner::set_name_rules`]).
    name_rules: Option<NameRules>,
}

/// Fewest digits of the digit groups a scan collects. Digit-anchored rules
/// need groups of their level's threshold everywhere; keyword-anchored rules
/// filtered by groups ([`group_filter`], [`run_filter`]) may need smaller ones,
/// but only in their windows around a keyword hit. Finding those only near
/// such hits spares walking the many 6- to 8-digit groups of dates, times
/// and ids elsewhere (1.3–4% of the instructions on logs and tables).
#[derive(Clone, Copy, Debug)]
struct GroupDigits {
    /// For groups anywhere: the lowest digit level's threshold, or
    /// [`NEAR_ONLY_CAP`] when no rule is anchored on digit groups.
    everywhere: u32,
    /// For groups starting near a keyword hit: the least of `everywhere`
    /// and the filters' thresholds.
    near: u32,
}

/// Without digit-anchored rules, groups with at least this many digits are
/// still collected everywhere, so that a group near a keyword hit that
/// starts far before it stays within a bounded reach (see
/// [`GroupDigits::slack`]).
const NEAR_ONLY_CAP: u32 = 64;

impl GroupDigits {
    /// How many bytes a group with fewer than `everywhere` digits can span:
    /// its digits and at most two separators between each two of them.
    fn slack(&self) -> usize {
        3 * self.everywhere as usize
    }
}

/// Counters of the engine's work, for tuning and for DESIGN.md figures.
#[derive(Clone, Copy, Debug, Default)]
pub struct EngineStats {
    /// Bytes given to [`Scanner::find`].
    pub bytes: u64,
    /// Confirmed keyword triggers.
    pub keyword_hits: u64,
    /// Confirmed literal triggers.
    pub literal_hits: u64,
    /// Rare-byte anchors (`@`, `^`).
    pub rare_hits: u64,
    /// Digit groups long enough for some rule.
    pub digit_groups: u64,
    /// Digit groups in which some rule's pattern occurs (multi-pattern check passed).
    pub digit_group_hits: u64,
    /// Multi-pattern searches of keyword groups (see DESIGN.md).
    pub keyword_group_searches: u64,
    /// Rule regex searches run in windows.
    pub windows: u64,
    /// Bytes covered by those windows.
    pub window_bytes: u64,
    /// Candidates (regex matches overlapping their anchor).
    pub candidates: u64,
    /// Matches reported after validation, keywords and overlap resolution.
    pub matches: u64,
}

/// A haystack for [`Scanner::find_quiet`]: borrowed, or the caller's own
/// copy (a block with values blanked, see `extract::blocks`), whose
/// whitespace escapes are then decoded in place, found from the byte
/// classes' backslashes, rather than in a second copy.
pub(crate) enum Hay<'h> {
    /// Bytes the scan only reads.
    Shared(&'h [u8]),
    /// A copy the scan may change.
    Copy(&'h mut [u8]),
}

impl Hay<'_> {
    /// Its bytes.
    fn bytes(&self) -> &[u8] {
        match self {
            Hay::Shared(h) => h,
            Hay::Copy(h) => h,
        }
    }
}

/// One rule's regex state in a [`Scratch`].
#[derive(Debug, Default)]
struct RuleState {
    /// Boxed: a cache is a few KiB inline, and a scratch holds a state for
    /// every rule, most of which a small file never searches (unboxed, the
    /// states were 60 pages touched at start-up).
    cache: Option<Box<meta::Cache>>,
    caps: Option<Captures>,
    /// The last match whose groups were resolved: the id of its haystack
    /// (see [`Scratch::haystack_id`]), its span and its value's span. The
    /// keyword windows of one value overlap (`aws`, `secret` and
    /// `aws_secret_access_key` before one key each open one) and find the
    /// same match; its groups are resolved once.
    last: Option<(u64, Span, Span)>,
}

/// A window to search for a rule's matches ([`Scanner::search_parts`]).
/// Windows are collected as the anchors are found, then searched a rule at
/// a time: the searches of one rule follow each other, and its lazy DFA's
/// branches stay predicted (on 10 MB of the benchmark log, 2.5% fewer
/// mispredicted branches in all; 0.9% less time on the benchmark corpus).
#[derive(Clone, Debug)]
struct Pending {
    rule: u32,
    win: Range<usize>,
    anchor: Range<usize>,
    anchored: bool,
}

/// Per-thread working memory for a [`Scanner`].
#[derive(Debug)]
pub struct Scratch {
    stats: EngineStats,
    classes: Classes,
    /// Each rule's regex state, by rule index.
    rule_states: Vec<RuleState>,
    /// Counts [`Scanner::find`] calls: a rule's remembered match (see
    /// [`RuleState`]) holds only for the haystack of the call that found it.
    haystack_id: u64,
    groups: Vec<Group>,
    /// Where the last look for the first digit group ending past a window's
    /// start ended (see [`Scratch::groups_after`]).
    group_hint: std::cell::Cell<usize>,
    /// Blocks where smaller digit groups are collected (see [`GroupDigits`]).
    near_blocks: Vec<u64>,
    /// The digit groups with enough digits for the lowest digit level (indexes into `groups`).
    level_groups: Vec<u32>,
    set_caches: Vec<Option<meta::Cache>>,
    keyword_group_caches: Vec<Option<meta::Cache>>,
    /// The members of a keyword group that match (see `Scanner::keyword_group_members`).
    group_patset: PatternSet,
    patsets: Vec<PatternSet>,
    code_starts: Vec<usize>,
    hits: Vec<prefilter::Hit>,
    kw_hits: Vec<(KeywordHit, TriggerSet)>,
    live: Vec<Range<usize>>,
    /// Level positions of the rules that passed a digit group's cheap checks.
    pass: Vec<u32>,
    cands: Vec<Candidate>,
    /// The windows found, searched once all anchors are (see [`Pending`]).
    pending: Vec<Pending>,
    /// Every keyword hit of a match-dense haystack (see `Scanner::confirm`).
    near_hits: Vec<KeywordHit>,
    matches: Vec<Match>,
    /// The haystack with its whitespace escapes decoded (see `detect::escapes`).
    decoded: Vec<u8>,
}

impl Scratch {
    /// The index of the first digit group ending after `at` (the groups
    /// are in order): walked to from the last one found, since keyword
    /// hits come in order and their windows' starts move little from one
    /// to the next (a binary search of every group of a keyword-dense log
    /// for each hit was a tenth of its scan).
    fn groups_after(&self, at: usize) -> usize {
        /// Steps walked before a binary search takes over (a far jump).
        const WALK: usize = 16;
        let groups = &self.groups;
        let mut i = self.group_hint.get().min(groups.len());
        let mut steps = 0;
        while i > 0 && groups[i - 1].end > at && steps < WALK {
            (i, steps) = (i - 1, steps + 1);
        }
        while i < groups.len() && groups[i].end <= at && steps < WALK {
            (i, steps) = (i + 1, steps + 1);
        }
        if steps == WALK {
            i = groups.partition_point(|g| g.end <= at);
        }
        self.group_hint.set(i);
        i
    }

    /// What this scratch's scans have done so far.
    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// Counts the work of another scratch (used on other threads for the
    /// same scan) as this one's.
    pub(crate) fn absorb_stats(&mut self, other: &Scratch) {
        self.stats += other.stats;
    }
}

impl std::ops::AddAssign for EngineStats {
    fn add_assign(&mut self, o: EngineStats) {
        self.bytes += o.bytes;
        self.keyword_hits += o.keyword_hits;
        self.literal_hits += o.literal_hits;
        self.rare_hits += o.rare_hits;
        self.digit_groups += o.digit_groups;
        self.digit_group_hits += o.digit_group_hits;
        self.keyword_group_searches += o.keyword_group_searches;
        self.windows += o.windows;
        self.window_bytes += o.window_bytes;
        self.candidates += o.candidates;
        self.matches += o.matches;
    }
}

impl Scanner {
    /// Compiles `rules` with no allow list.
    ///
    /// The rules' regexes are analyzed, and the keyword and literal indexes
    /// built, on rayon's global thread pool (configure it first to bound the
    /// threads used); the result does not depend on the pool.
    ///
    /// # Errors
    /// A rule's regex does not compile.
    ///
    /// # Example
    /// ```
    /// let scanner = trawl::Scanner::new(&trawl::Rules::builtin()?)?;
    /// let mut scratch = scanner.scratch();
    /// let hay = b"ssn: 536-22-4187";
    /// let mut found = Vec::new();
    /// scanner.find(&mut scratch, hay, 0..hay.len(), &trawl::Context::none(), &mut |m| {
    ///     found.push(scanner.rule_info(m.rule).data_type.to_string());
    ///     true
    /// });
    /// assert_eq!(found, ["USA_SOCIAL_SECURITY_NUMBER"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(rules: &Rules) -> Result<Scanner, RuleError> {
        Scanner::with_allow_list(rules, AllowList::new())
    }

    /// Compiles `rules`; values on `allow` are never reported.
    ///
    /// # Errors
    /// A rule's regex does not compile.
    pub fn with_allow_list(rules: &Rules, allow: AllowList) -> Result<Scanner, RuleError> {
        // Rules are analyzed on every thread of rayon's pool (parsing and
        // analyzing 124 regexes was a third of `trawl scan`'s start-up); the
        // first error in rule order is the one reported.
        let list: Vec<&Rule> = rules.iter().collect();
        let compiled: Vec<Result<CompiledRule, RuleError>> =
            list.par_iter().map(|r| CompiledRule::compile(r)).collect();
        let compiled: Vec<CompiledRule> = compiled.into_iter().collect::<Result<_, _>>()?;
        let mut lit_patterns: Vec<Vec<u8>> = Vec::new();
        let mut literal_targets: Vec<Vec<Target>> = Vec::new();
        let (mut word_lits, mut word_literal_targets): (Vec<Vec<u8>>, Vec<Vec<Target>>) = (Vec::new(), Vec::new());
        let mut rare: Vec<(u8, Vec<Target>)> = Vec::new();
        let mut digit_rules = Vec::new();
        let mut full_rules = Vec::new();
        let mut country_rules: Vec<Vec<u32>> = vec![Vec::new(); 26 * 26];
        let mut all_kw: Vec<(String, u32)> = Vec::new();
        for (i, (c, r)) in compiled.iter().zip(rules.iter()).enumerate() {
            let i = i as u32;
            for k in &r.syntax.keywords {
                all_kw.push((k.clone(), i));
            }
            match &c.anchor {
                AnchorKind::Literal(a) => {
                    for lit in &a.literals {
                        let target = Target { rule: i, before: a.before, after: a.after, rest: Box::default() };
                        if lit.len() == 1 {
                            match rare.iter_mut().find(|(b, _)| *b == lit[0]) {
                                Some((_, t)) => t.push(target),
                                None => rare.push((lit[0], vec![target])),
                            }
                        } else if keywords::word_literal_lead(lit, a.follows_non_alnum).is_some() {
                            add_literal(&mut word_lits, &mut word_literal_targets, lit, target);
                        } else {
                            add_literal(&mut lit_patterns, &mut literal_targets, lit, target);
                        }
                    }
                }
                AnchorKind::Digits(_) => digit_rules.push(i),
                AnchorKind::Keyword => {}
                AnchorKind::CountryCode(codes) => {
                    for c in codes {
                        country_rules[code_index(*c)].push(i);
                    }
                }
                AnchorKind::Full => full_rules.push(i),
            }
        }
        let (lit_patterns, literal_targets) = merge_prefixes(lit_patterns, literal_targets);
        let (word_lits, word_literal_targets) = merge_prefixes(word_lits, word_literal_targets);
        // Keyword-anchored rules, split by whether every match holds a digit.
        let mut digit_kw: Vec<(String, u32)> = Vec::new();
        let mut any_kw: Vec<(String, u32)> = Vec::new();
        let mut trigger_reach = 0;
        for (i, (c, r)) in compiled.iter().zip(rules.iter()).enumerate() {
            if c.anchor != AnchorKind::Keyword {
                continue;
            }
            let pairs = r.syntax.keywords.iter().map(|k| (k.clone(), i as u32));
            if c.min_digits > 0 {
                digit_kw.extend(pairs);
                trigger_reach = trigger_reach.max(c.distance + c.max_len);
            } else {
                any_kw.extend(pairs);
            }
        }
        // The indexes are independent: built on rayon's threads (the four
        // keyword indexes were a sixth of `trawl scan`'s start-up).
        let all_pairs = [digit_kw.clone(), any_kw.clone()].concat();
        let ((keywords, all_triggers), ((digit_triggers, any_triggers), (literals, digit_levels))) = rayon::join(
            || rayon::join(|| KeywordSet::new(&all_kw), || KeywordSet::with_literals(&all_pairs, &word_lits)),
            || {
                rayon::join(
                    || rayon::join(|| KeywordSet::new(&digit_kw), || KeywordSet::with_literals(&any_kw, &word_lits)),
                    || (Literals::new(&lit_patterns), digit_levels(&compiled, &digit_rules)),
                )
            },
        );
        let (keyword_groups, keyword_group_of) =
            keyword_groups([any_triggers.as_ref(), digit_triggers.as_ref(), all_triggers.as_ref()]);
        let filtered: Vec<u32> =
            (0..compiled.len() as u32).filter(|&r| group_filter(&compiled[r as usize]).is_some()).collect();
        let mut keyword_start_of = vec![None; compiled.len()];
        for (p, &r) in filtered.iter().enumerate() {
            keyword_start_of[r as usize] = Some(p as u32);
        }
        let shapes: Vec<_> = filtered.iter().map(|&r| compiled[r as usize].start).collect();
        let keyword_starts = shapes.chunks(64).map(StartFilter::new).collect();
        let level_digits = digit_levels.first().map(|l| l.min_digits);
        let filter_digits = compiled.iter().filter_map(|c| group_filter(c).or_else(|| run_filter(c))).min();
        let group_digits = match (level_digits, filter_digits) {
            (None, None) => None,
            (Some(l), f) => Some(GroupDigits { everywhere: l, near: f.unwrap_or(l).min(l) }),
            (None, Some(f)) => Some(GroupDigits { everywhere: NEAR_ONLY_CAP, near: f.min(NEAR_ONLY_CAP) }),
        };
        // How far each keyword's rules look for groups below `everywhere`.
        let near_of = |set: Option<&KeywordSet>| -> Vec<u32> {
            let (Some(set), Some(g)) = (set, group_digits) else { return Vec::new() };
            (0..set.keyword_count() as u32)
                .map(|k| {
                    set.rules_of(k)
                        .iter()
                        .map(|&r| &compiled[r as usize])
                        .filter(|c| group_filter(c).or_else(|| run_filter(c)).is_some_and(|m| m < g.everywhere))
                        .map(|c| (c.distance + c.max_len) as u32)
                        .max()
                        .unwrap_or(0)
                })
                .collect()
        };
        let near_reach =
            [near_of(any_triggers.as_ref()), near_of(digit_triggers.as_ref()), near_of(all_triggers.as_ref())];
        let trigger_blocks = (trigger_reach + digit_triggers.as_ref().map_or(0, KeywordSet::longest)) / 64 + 2;
        let longest_kw = keywords.as_ref().map_or(0, KeywordSet::longest);
        let context = compiled
            .iter()
            .map(|c| {
                let reach = match &c.anchor {
                    AnchorKind::Literal(a) => a.before.max(a.after) + c.max_len,
                    AnchorKind::Digits(_) => 2 * c.max_len,
                    AnchorKind::Keyword => c.distance + c.max_len + longest_kw,
                    AnchorKind::CountryCode(_) => c.max_len,
                    AnchorKind::Full => c.max_len,
                };
                reach + c.distance + longest_kw
            })
            .max()
            .unwrap_or(0)
            + 64;
        Ok(Scanner {
            rules: compiled,
            literals,
            literal_targets,
            word_literal_targets,
            rare_set: match rare[..] {
                [(a, _)] => Some([a; 3]),
                [(a, _), (b, _)] => Some([a, b, a]),
                [(a, _), (b, _), (c, _)] => Some([a, b, c]),
                _ => None,
            },
            rare,
            digit_level_of: level_of_digits(&digit_levels),
            digit_levels,
            has_country_rules: country_rules.iter().any(|v| !v.is_empty()),
            country_rules,
            keywords,
            digit_triggers,
            any_triggers,
            all_triggers,
            trigger_blocks,
            live_share: LIVE_SHARE,
            keyword_groups,
            keyword_group_of,
            group_digits,
            skip_context_rules: true,
            near_reach,
            keyword_starts,
            keyword_start_of,
            full_rules,
            allow,
            context,
            name_rules: None,
        })
    }

    /// Masks sensitive data in location names (column names and JSON paths,
    /// which come from the data: see `extract`) with `rules` instead of this
    /// scanner's own: a scan limited to some types (`--types`) still masks a
    /// card number used as a JSON key. Compiled on first use.
    pub fn set_name_rules(&mut self, rules: Rules) {
        self.name_rules = Some(NameRules { rules, scanner: std::sync::OnceLock::new() });
    }

    /// The scanner that masks location names: the one compiled from the
    /// rules of [`Scanner::set_name_rules`], else this one.
    pub fn name_scanner(&self) -> &Scanner {
        match &self.name_rules {
            Some(n) => n.scanner.get_or_init(|| Scanner::new(&n.rules).ok().map(Box::new)).as_deref().unwrap_or(self),
            None => self,
        }
    }

    /// Fresh working memory for one thread.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            stats: EngineStats::default(),
            classes: Classes::default(),
            rule_states: (0..self.rules.len()).map(|_| RuleState::default()).collect(),
            haystack_id: 0,
            groups: Vec::new(),
            group_hint: std::cell::Cell::new(0),
            near_blocks: Vec::new(),
            level_groups: Vec::new(),
            set_caches: self.digit_levels.iter().map(|_| None).collect(),
            keyword_group_caches: self.keyword_groups.iter().map(|_| None).collect(),
            group_patset: PatternSet::new(self.keyword_groups.iter().map(|g| g.rules.len()).max().unwrap_or(0)),
            patsets: self.digit_levels.iter().map(|l| PatternSet::new(l.rules.len())).collect(),
            code_starts: Vec::new(),
            hits: Vec::new(),
            kw_hits: Vec::new(),
            live: Vec::new(),
            pass: Vec::new(),
            cands: Vec::new(),
            pending: Vec::new(),
            near_hits: Vec::new(),
            matches: Vec::new(),
            decoded: Vec::new(),
        }
    }

    /// How many rules the scanner runs.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The id, type and category of rule `index` (as in [`Match::rule`]).
    ///
    /// # Panics
    /// When `index` is not below [`Scanner::rule_count`].
    pub fn rule_info(&self, index: usize) -> RuleInfo {
        self.rules[index].info
    }

    /// How the engine finds candidates for rule `index`, e.g. `literal "AKIA" at word starts, window -0/+16`,
    /// `digits >= 9`, `keyword`, `full scan`, followed by the longest match it looks for.
    ///
    /// # Panics
    /// When `index` is not below [`Scanner::rule_count`].
    pub fn anchor_description(&self, index: usize) -> String {
        let r = &self.rules[index];
        let how = match &r.anchor {
            AnchorKind::Literal(a) => {
                let lits: Vec<String> =
                    a.literals.iter().take(4).map(|l| format!("{:?}", String::from_utf8_lossy(l))).collect();
                let more =
                    if a.literals.len() > 4 { format!(" (+{} more)", a.literals.len() - 4) } else { String::new() };
                let walked = a.literals.iter().all(|l| keywords::word_literal_lead(l, a.follows_non_alnum).is_some());
                let at = if walked { " at word starts" } else { "" };
                format!("literal {}{more}{at}, window -{}/+{}", lits.join(" | "), a.before, a.after)
            }
            AnchorKind::Digits(d) => format!("digit groups >= {d}"),
            AnchorKind::Keyword => "keywords".to_string(),
            AnchorKind::CountryCode(codes) => {
                let list: Vec<String> = codes.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect();
                format!("country code {} + 2 digits", list.join("|"))
            }
            AnchorKind::Full => "full scan".to_string(),
        };
        format!("{how}; max match {} bytes", r.max_len)
    }

    /// How many bytes of context a match needs on each side: callers scanning a
    /// stream in chunks keep this much of the previous chunk and read this much ahead.
    pub fn context_len(&self) -> usize {
        self.context
    }

    /// The keyword context for a container name such as a CSV column name or a
    /// JSON path: the rules whose keywords occur in it.
    pub fn context_for(&self, name: &str) -> Context {
        let mut buf = NameBuffers::default();
        self.context_rules(name, &mut buf);
        Context { rules: buf.rules }
    }

    /// The rules of [`Scanner::context_for`] (sorted) in `buf.rules`,
    /// computed in `buf`'s buffers: for callers that look up the contexts
    /// of many names (every path of a JSON document).
    pub(crate) fn context_rules(&self, name: &str, buf: &mut NameBuffers) {
        buf.rules.clear();
        if let Some(k) = &self.keywords {
            keywords::normalize_name_into(name, &mut buf.normalized);
            k.rules_in_name(&buf.normalized, &mut buf.classes, &mut buf.rules);
        }
        buf.rules.sort_unstable();
    }

    /// Finds every match in `hay` that starts in `report`, in order of start,
    /// calling `f` for each until it returns `false`.
    ///
    /// Bytes of `hay` outside `report` are context only: they are searched so
    /// that keywords and overlapping matches there are taken into account,
    /// but matches starting there are not reported.
    pub fn find(
        &self,
        scratch: &mut Scratch,
        hay: &[u8],
        report: Range<usize>,
        ctx: &Context,
        f: &mut dyn FnMut(&Match) -> bool,
    ) {
        self.find_quiet(scratch, Hay::Shared(hay), report, ctx, None, f);
    }

    /// As [`Scanner::find`], skipping the word starts that `quiet` marks,
    /// where `hay[0]` is at offset `at` (see `detect::quiet`): the findings
    /// are the same, as long as the bytes around each mark are those it
    /// was made for.
    pub(crate) fn find_quiet(
        &self,
        scratch: &mut Scratch,
        hay: Hay<'_>,
        report: Range<usize>,
        ctx: &Context,
        quiet: Option<(&QuietStarts, u64)>,
        f: &mut dyn FnMut(&Match) -> bool,
    ) {
        let bytes = hay.bytes();
        scratch.cands.clear();
        scratch.haystack_id += 1;
        scratch.stats.bytes += bytes.len() as u64;
        if bytes.is_empty() {
            return;
        }
        scratch.classes.compute_listing(bytes, self.rare_set);
        // Whitespace escapes (`\n`, `\t`) read as what they stand for: the
        // rest of the scan runs on a copy with them decoded, when there are
        // any, or on the caller's copy decoded in place.
        let mut decoded = std::mem::take(&mut scratch.decoded);
        let hay: &[u8] = match hay {
            Hay::Shared(h) if escapes::decode_whitespace(h, &mut scratch.classes, &mut decoded) => &decoded,
            Hay::Shared(h) => h,
            Hay::Copy(h) => {
                escapes::decode_in_place(h, &mut scratch.classes);
                h
            }
        };
        if let Some((quiet, at)) = quiet {
            scratch.classes.set_quiet(quiet, at);
        }
        self.find_classified(scratch, hay, report, ctx, f);
        scratch.decoded = decoded;
    }

    /// [`Scanner::find`] once the classes of `hay` are computed.
    fn find_classified(
        &self,
        scratch: &mut Scratch,
        hay: &[u8],
        report: Range<usize>,
        ctx: &Context,
        f: &mut dyn FnMut(&Match) -> bool,
    ) {
        self.context_anchors(scratch, hay, ctx);
        self.literal_anchors(scratch, hay);
        // Keyword hits are collected before digit groups, which are found
        // with smaller thresholds near the hits that need them.
        self.keyword_hits(scratch, hay);
        self.digit_groups(scratch, hay);
        self.keyword_anchors(scratch, hay, ctx);
        self.rare_anchors(scratch, hay);
        self.digit_anchors(scratch, hay);
        self.country_anchors(scratch, hay);
        for i in 0..self.full_rules.len() {
            let r = self.full_rules[i];
            self.search(scratch, r, 0..hay.len(), 0..hay.len());
        }
        let mut pending = std::mem::take(&mut scratch.pending);
        pending.sort_by_key(|p| p.rule);
        self.build_regexes(&pending);
        for p in pending.drain(..) {
            let state = &mut scratch.rule_states[p.rule as usize];
            self.search_parts(state, scratch.haystack_id, &mut scratch.cands, hay, p.rule, p.win, p.anchor, p.anchored);
        }
        scratch.pending = pending;
        self.confirm(scratch, hay, ctx);
        resolve::resolve(&mut scratch.matches, |m| {
            (m.validated, self.rules[m.rule].priority, m.keyword, m.end - m.start, usize::MAX - m.rule)
        });
        scratch.stats.candidates += scratch.cands.len() as u64;
        let Scratch { matches, stats, .. } = scratch;
        for m in matches.iter() {
            if m.start >= report.start && m.start < report.end {
                stats.matches += 1;
                if !f(m) {
                    break;
                }
            }
        }
    }

    /// Builds the regexes of the rules of `pending` (sorted by rule) that
    /// are not built yet, on rayon's threads, when there are two or more.
    /// Rule regexes are built on first use, and a small file that brings
    /// many rules into play spent most of its scan building them one after
    /// the other while the other threads had nothing to do; once every rule
    /// in play is built, this is a look at each window's rule.
    fn build_regexes(&self, pending: &[Pending]) {
        let unbuilt = |p: &&Pending| !self.rules[p.rule as usize].regex_built();
        let mut rest = pending.iter().filter(unbuilt);
        let Some(first) = rest.next() else { return };
        let Some(second) = rest.find(|p| p.rule != first.rule) else { return };
        let mut rules: Vec<u32> = [first.rule, second.rule].into_iter().chain(rest.map(|p| p.rule)).collect();
        rules.dedup();
        rules.par_iter().for_each(|&r| {
            self.rules[r as usize].regex();
        });
    }

    /// The word starts among the first 64 offsets of `piece` at which some
    /// of the scanner's keyword walks would look, but none can find
    /// anything, whatever bytes come before or after `piece` (see
    /// `detect::quiet`); none when `piece` holds a backslash, whose escapes
    /// the scan may decode.
    pub(crate) fn quiet_starts(&self, piece: &[u8]) -> u64 {
        if piece.contains(&b'\\') {
            return 0;
        }
        let sets =
            || [&self.keywords, &self.digit_triggers, &self.any_triggers, &self.all_triggers].into_iter().flatten();
        // Only the starts some walk would look at are worth marking.
        let known = sets().fold(0, |known, set| known | set.known_starts(piece));
        sets().fold(known, |quiet, set| quiet & set.quiet_starts(piece))
    }

    /// Keyword-only rules whose keyword the container supplies: they run
    /// over the whole haystack (e.g. a CSV column named `dob`), so that the
    /// keyword windows of [`Scanner::keyword_anchors`] have nothing more to
    /// find for them.
    fn context_anchors(&self, s: &mut Scratch, hay: &[u8], ctx: &Context) {
        for &r in &ctx.rules {
            if self.rules[r as usize].anchor == AnchorKind::Keyword {
                self.search(s, r, 0..hay.len(), 0..hay.len());
            }
        }
    }

    /// The literals that can start anywhere (one search), and their windows.
    fn literal_anchors(&self, s: &mut Scratch, hay: &[u8]) {
        if let Some(lits) = &self.literals {
            let mut hits = std::mem::take(&mut s.hits);
            hits.clear();
            lits.for_each(hay, |h| hits.push(h));
            s.stats.literal_hits += hits.len() as u64;
            for h in &hits {
                self.literal_hit(s, hay, &self.literal_targets[h.id as usize], h.start..h.end);
            }
            s.hits = hits;
        }
    }

    /// Collects the keyword hits (and literals at word starts) into
    /// `s.kw_hits`: one walk over every trigger keyword where more than an
    /// eighth of the blocks are near a digit ([`live_ranges`]), else the
    /// digit-needing rules' keywords only there.
    #[inline(never)]
    fn keyword_hits(&self, s: &mut Scratch, hay: &[u8]) {
        let mut kw_hits = std::mem::take(&mut s.kw_hits);
        kw_hits.clear();
        // Blocks within reach of a digit, where the digit-needing rules' keywords can matter.
        let mut live = std::mem::take(&mut s.live);
        live.clear();
        let widely_live = self.digit_triggers.is_some()
            && live_ranges(
                &s.classes,
                hay.len(),
                self.trigger_blocks,
                self.all_triggers.is_some(),
                self.live_share,
                &mut live,
            );
        if let Some(t) = self.all_triggers.as_ref().filter(|_| widely_live) {
            // Widely live (logs, tables, prose with a number every few
            // hundred bytes): one scan of every trigger keyword.
            t.for_each(hay, &s.classes, |h| kw_hits.push((h, TriggerSet::All)));
        } else {
            if let Some(t) = &self.any_triggers {
                t.for_each(hay, &s.classes, |h| kw_hits.push((h, TriggerSet::Any)));
            }
            if let Some(t) = &self.digit_triggers {
                for r in &live {
                    t.for_each_range(hay, &s.classes, r.clone(), |h| kw_hits.push((h, TriggerSet::Digit)));
                }
            }
        }
        s.live = live;
        s.kw_hits = kw_hits;
    }

    /// Collects the digit groups: those of the lowest digit level
    /// everywhere, smaller ones only in the blocks that the windows of the
    /// keyword hits of `s.kw_hits` needing them can reach (see [`GroupDigits`]).
    #[inline(never)]
    fn digit_groups(&self, s: &mut Scratch, hay: &[u8]) {
        s.groups.clear();
        let Some(g) = self.group_digits else { return };
        let near = &mut s.near_blocks;
        near.clear();
        if g.near < g.everywhere {
            let last = s.classes.blocks().saturating_sub(1);
            for &(h, which) in &s.kw_hits {
                let reach = self.near_reach[which as usize].get(h.keyword as usize).map_or(0, |&r| r as usize);
                if reach == 0 {
                    continue;
                }
                // A group overlapping a window starts at most `slack` bytes before it.
                let lo = h.start.saturating_sub(reach + g.slack()) / 64;
                let hi = ((h.end + reach) / 64).min(last);
                if near.len() <= hi / 64 {
                    near.resize(hi / 64 + 1, 0);
                }
                for k in lo..=hi {
                    near[k / 64] |= 1 << (k % 64);
                }
            }
        }
        let near = digits::NearBlocks { blocks: &s.near_blocks, min_digits: g.near };
        digits::find_groups(&s.classes, hay.len(), g.everywhere, near, &mut s.groups);
    }

    /// Searches the windows of the keyword hits in `s.kw_hits`, and of the
    /// literals found at word starts.
    #[inline(never)]
    fn keyword_anchors(&self, s: &mut Scratch, hay: &[u8], ctx: &Context) {
        // Rules the context searched over the whole haystack have nothing
        // more to find in a keyword's window (a value alone under a `phone`
        // key holds the keyword `phone` too).
        let skip = self.skip_context_rules && !ctx.is_empty();
        let searched = |r: u32| skip && self.rules[r as usize].anchor == AnchorKind::Keyword && ctx.has(r as usize);
        let kw_hits = std::mem::take(&mut s.kw_hits);
        for &(h, which) in &kw_hits {
            let set = match which {
                TriggerSet::Any => self.any_triggers.as_ref(),
                TriggerSet::Digit => self.digit_triggers.as_ref(),
                TriggerSet::All => self.all_triggers.as_ref(),
            };
            let Some(set) = set else { continue };
            if let Some(i) = set.literal_of(h.keyword) {
                s.stats.literal_hits += 1;
                self.literal_hit(s, hay, &self.word_literal_targets[i], h.start..h.end);
                continue;
            }
            s.stats.keyword_hits += 1;
            let rules = set.rules_of(h.keyword);
            if skip && rules.iter().all(|&r| searched(r)) {
                continue;
            }
            let group = self.keyword_group_of[which as usize].get(h.keyword as usize).copied().flatten();
            let members = group.map(|g| (g, self.keyword_group_members(s, hay, g, h)));
            for &r in rules {
                if searched(r) {
                    continue;
                }
                if let Some((g, members)) = members
                    && let Some(i) = self.keyword_groups[g as usize].rules.iter().position(|&m| m == r)
                    && members >> i & 1 == 0
                {
                    continue;
                }
                if let Some(win) = self.keyword_window(s, hay, r, h) {
                    self.search(s, r, win.clone(), win);
                }
            }
        }
        s.kw_hits = kw_hits;
    }

    /// The rare bytes' windows (`@`, `^`): where the class pass listed
    /// them (up to three bytes), else one search for up to three, one per
    /// byte beyond.
    fn rare_anchors(&self, s: &mut Scratch, hay: &[u8]) {
        let listed = self.rare_set.as_ref().and_then(|set| s.classes.take_rare(set));
        let at_rare = |s: &mut Scratch, pos: usize| {
            // A listed byte may be an escape's letter that the haystack
            // decoded into whitespace (`detect::escapes`): no longer one.
            let Some((_, targets)) = self.rare.iter().find(|(b, _)| *b == hay[pos]) else { return };
            s.stats.rare_hits += 1;
            for &Target { rule, before, after, .. } in targets {
                let win = pos.saturating_sub(before)..(pos + 1 + after).min(hay.len());
                if self.lacks_needed_bytes(rule, hay, win.start..pos) {
                    continue;
                }
                self.search_at(s, rule, win, pos..pos + 1, before == 0);
            }
        };
        if let Some(listed) = listed {
            for &(k, mut mask) in &listed {
                while mask != 0 {
                    at_rare(s, k as usize * 64 + mask.trailing_zeros() as usize);
                    mask &= mask - 1;
                }
            }
            s.classes.put_rare(listed);
            return;
        }
        let mut at_rare = |pos: usize| at_rare(s, pos);
        for bytes in self.rare.chunks(3) {
            match *bytes {
                [(a, _)] => memchr::memchr_iter(a, hay).for_each(&mut at_rare),
                [(a, _), (b, _)] => memchr::memchr2_iter(a, b, hay).for_each(&mut at_rare),
                [(a, _), (b, _), (c, _)] => memchr::memchr3_iter(a, b, c, hay).for_each(&mut at_rare),
                _ => unreachable!("chunks of one to three"),
            }
        }
    }

    /// Searches the windows of `targets` around a literal found at `at`.
    fn literal_hit(&self, s: &mut Scratch, hay: &[u8], targets: &[Target], at: Range<usize>) {
        for &Target { rule, before, after, ref rest } in targets {
            let win = at.start.saturating_sub(before)..(at.end + after).min(hay.len());
            // The first byte before the whole compare: most hits of a
            // literal that longer ones share (`-----BEGIN `) are followed
            // by another one's rest.
            let after = &hay[at.end..];
            let follows = rest.first().is_none_or(|b| after.first() == Some(b)) && after.starts_with(rest);
            if !follows || self.lacks_needed_bytes(rule, hay, win.start..at.start) {
                continue;
            }
            // A match must start at the anchor when nothing comes before
            // it: the rule's validator or ignore lists may veto the only
            // value it could have.
            if before == 0 && self.rules[rule as usize].vetoed_at(hay, at.start) {
                continue;
            }
            self.search_at(s, rule, win, at.clone(), before == 0);
        }
    }

    /// Whether `rule` needs bytes before its anchor (see
    /// `CompiledRule::needs_before`) that `hay[before]`, the window's part
    /// before the anchor, lacks: then no match can be there.
    #[inline]
    fn lacks_needed_bytes(&self, rule: u32, hay: &[u8], before: Range<usize>) -> bool {
        self.rules[rule as usize].needs_before.as_ref().is_some_and(|n| memchr::memmem::find(&hay[before], n).is_none())
    }

    #[inline(never)]
    fn country_anchors(&self, s: &mut Scratch, hay: &[u8]) {
        if !self.has_country_rules {
            return;
        }
        let mut starts = std::mem::take(&mut s.code_starts);
        starts.clear();
        digits::find_country_codes(&s.classes, &mut starts);
        for &p in &starts {
            for &r in &self.country_rules[code_index([hay[p], hay[p + 1]])] {
                let rule = &self.rules[r as usize];
                s.stats.rare_hits += 1;
                let win = p..(p + rule.max_len).min(hay.len());
                self.search_at(s, r, win, p..p + 4, true);
            }
        }
        s.code_starts = starts;
    }

    /// The window keyword hit `h` opens for rule `r`, unless the rule needs a
    /// digit group there and there is none (see [`group_filter`]).
    #[inline]
    fn keyword_window(&self, s: &Scratch, hay: &[u8], r: u32, h: KeywordHit) -> Option<Range<usize>> {
        let win = self.raw_keyword_window(r, h, hay.len());
        self.window_opens(s, hay, r, &win).then_some(win)
    }

    /// Whether rule `r`'s window `win` is searched: always, unless the rule
    /// needs a digit group there and there is none (see [`group_filter`]
    /// and [`run_filter`]), or the window lacks a run of bytes that every
    /// match holds (see `factor`).
    #[inline]
    fn window_opens(&self, s: &Scratch, hay: &[u8], r: u32, win: &Range<usize>) -> bool {
        let rule = &self.rules[r as usize];
        let digits = !digit_filtered(rule) || {
            let first = s.groups_after(win.start);
            let mut tokens = [0; shapes::MAX_GROUP_TOKENS];
            s.groups[first..]
                .iter()
                .take_while(|d| d.start < win.end)
                .any(|d| self.group_opens(s, hay, r, d, &mut GroupFacts::new(&s.classes, &mut tokens), &mut None))
        };
        // Then the run of bytes every match holds (see `factor`).
        digits && rule.factor_allows(hay, win)
    }

    /// Whether digit group `d` (overlapping its window) lets keyword rule
    /// `r`, one of those judged by their windows' digit groups
    /// ([`digit_filtered`]), search its window: it has the digits the rule
    /// needs, and passes the rule's start table and the checks of
    /// [`Scanner::digit_rule_may_match`] ([`group_filter`]), or holds a long
    /// enough run ([`run_filter`]). `facts` holds what is known of `d`, and
    /// `starts` its start table's candidates (per table of 64 rules) once
    /// looked up, both shared by the rules judged on `d`. Inlined: called
    /// once per group and member on keyword-dense text, where a call cost
    /// 3% of the instructions.
    #[inline(always)]
    fn group_opens(
        &self,
        s: &Scratch,
        hay: &[u8],
        r: u32,
        d: &Group,
        facts: &mut GroupFacts,
        starts: &mut Option<(usize, u64)>,
    ) -> bool {
        let rule = &self.rules[r as usize];
        match (group_filter(rule), run_filter(rule)) {
            (Some(min), _) => {
                d.digits >= min && {
                    let p =
                        self.keyword_start_of[r as usize].expect("rules filtered by groups have start tables") as usize;
                    let cands = match *starts {
                        Some((k, c)) if k == p / 64 => c,
                        _ => {
                            let c = self.keyword_starts[p / 64].candidates(hay, &s.classes, d.start, d.end, d.seps > 0);
                            *starts = Some((p / 64, c));
                            c
                        }
                    };
                    cands >> (p % 64) & 1 == 1 && self.digit_rule_may_match(rule, d, hay, facts)
                }
            }
            (None, Some(min)) => d.digits >= min && longest_run(&hay[d.start..d.end], rule.separators) >= min,
            (None, None) => unreachable!("only rules with a digit filter are judged by their groups"),
        }
    }

    /// The bytes around keyword hit `h` where rule `r` can match, in a
    /// haystack of `len` bytes, before any check of its digit groups.
    #[inline]
    fn raw_keyword_window(&self, r: u32, h: KeywordHit, len: usize) -> Range<usize> {
        let rule = &self.rules[r as usize];
        let reach = rule.distance + rule.max_len;
        let lo = if rule.before_only { h.end } else { h.start.saturating_sub(reach) };
        lo..(h.end + reach).min(len)
    }

    /// The members of keyword group `g` (bit `i` for `rules[i]`) that can
    /// match in their windows around `h`: one earliest-match search over the
    /// union of the windows rejects most hits for every member at once; when
    /// it does not, one overlapping search names the members that match
    /// somewhere in the union (a member matching in its own window is one of
    /// them), so that only those search their own windows.
    fn keyword_group_members(&self, s: &mut Scratch, hay: &[u8], g: u32, h: KeywordHit) -> u64 {
        let group = &self.keyword_groups[g as usize];
        let Some(union) = self.group_window(s, hay, g, h) else {
            return 0;
        };
        let Ok(set) = lazy_set(&group.set, &self.rules, &group.rules, KEYWORD_GROUP_CACHE_BYTES) else {
            return u64::MAX;
        };
        let cache = s.keyword_group_caches[g as usize].get_or_insert_with(|| set.create_cache());
        s.stats.keyword_group_searches += 1;
        let input = Input::new(hay).range(union);
        if !set.is_match_with(cache, &input.clone().earliest(true)) {
            return 0;
        }
        // Naming the members costs one overlapping search, worth it only
        // when it spares several member searches (phone keywords trigger
        // seven national rules).
        if group.rules.len() < NAMED_GROUP_MEMBERS {
            return u64::MAX;
        }
        // The scratch's set holds as many patterns as the largest group.
        let matching = &mut s.group_patset;
        matching.clear();
        set.which_overlapping_matches_with(cache, &input, matching);
        matching.iter().fold(0u64, |m, p| m | 1 << p.as_usize())
    }

    /// The hull of the windows that the members of keyword group `g` open
    /// around hit `h` (see [`Scanner::keyword_window`]), or `None` when none does.
    fn group_window(&self, s: &Scratch, hay: &[u8], g: u32, h: KeywordHit) -> Option<Range<usize>> {
        let group = &self.keyword_groups[g as usize];
        let mut union: Option<Range<usize>> = None;
        let inside = |u: &Option<Range<usize>>, w: &Range<usize>| {
            u.as_ref().is_some_and(|u| u.start <= w.start && w.end <= u.end)
        };
        let grow = |u: &mut Option<Range<usize>>, w: &Range<usize>| {
            *u = Some(u.as_ref().map_or(w.clone(), |u| u.start.min(w.start)..u.end.max(w.end)));
        };
        // Members judged by the digit groups in their windows (bit `i` for
        // `group.rules[i]`), and the hull of their windows.
        let (mut judged, mut hull) = (0u64, h.start..h.start);
        for (i, &r) in group.rules.iter().enumerate() {
            let rule = &self.rules[r as usize];
            let win = self.raw_keyword_window(r, h, hay.len());
            if digit_filtered(rule) {
                judged |= 1 << i;
                hull = hull.start.min(win.start)..hull.end.max(win.end);
            } else if !inside(&union, &win) && rule.factor_allows(hay, &win) {
                grow(&mut union, &win);
            }
        }
        // The others' windows are judged in one pass over the digit groups
        // of their hull, each group's start table looked up once for all of
        // them, and a member's window only while it reaches past the union
        // so far (a window inside it leaves it as it is; its own window is
        // judged again before its own search).
        let groups = &s.groups;
        let first = s.groups_after(hull.start);
        let mut tokens = [0; shapes::MAX_GROUP_TOKENS];
        for d in groups[first..].iter().take_while(|d| d.start < hull.end) {
            if judged == 0 {
                break;
            }
            let mut facts = GroupFacts::new(&s.classes, &mut tokens);
            let mut starts = None;
            let mut left = judged;
            while left != 0 {
                let i = left.trailing_zeros() as usize;
                left &= left - 1;
                let r = group.rules[i];
                let win = self.raw_keyword_window(r, h, hay.len());
                if d.end <= win.start || d.start >= win.end {
                    continue;
                }
                if inside(&union, &win) {
                    judged &= !(1 << i);
                    continue;
                }
                let opens = self.group_opens(s, hay, r, d, &mut facts, &mut starts);
                if opens && self.rules[r as usize].factor_allows(hay, &win) {
                    grow(&mut union, &win);
                    judged &= !(1 << i);
                }
            }
        }
        union
    }

    #[inline(never)]
    fn digit_anchors(&self, s: &mut Scratch, hay: &[u8]) {
        let Some(lowest) = self.digit_levels.first() else { return };
        let mut tokens = [0; shapes::MAX_GROUP_TOKENS];
        // The groups long enough for some level, picked without a branch
        // (`push_if`): in logs, dates and addresses (6 to 8 digits) come
        // between them in no predictable order.
        let mut level_groups = std::mem::take(&mut s.level_groups);
        level_groups.clear();
        for (gi, g) in s.groups.iter().enumerate() {
            digits::push_if(&mut level_groups, gi as u32, g.digits >= lowest.min_digits);
        }
        for &gi in &level_groups {
            let g = s.groups[gi as usize];
            let li = self.level_of(g.digits);
            let level = &self.digit_levels[li];
            s.stats.digit_groups += 1;
            // Cheap necessary conditions first: most groups (ids, timestamps,
            // addresses, measurements) fail them for every rule.
            let mut pass = std::mem::take(&mut s.pass);
            pass.clear();
            let mut facts = GroupFacts::new(&s.classes, &mut tokens);
            for (k, filter) in level.starts.iter().enumerate() {
                let fails = level.fails_for(k, g.seps);
                let mut starts = filter.candidates(hay, &s.classes, g.start, g.end, g.seps > 0) & !fails;
                while starts != 0 {
                    let p = k * 64 + starts.trailing_zeros() as usize;
                    starts &= starts - 1;
                    if self.digit_rule_may_match(&self.rules[level.rules[p] as usize], &g, hay, &mut facts) {
                        pass.push(p as u32);
                    }
                }
            }
            if pass.len() <= DIRECT_DIGIT_RULES {
                // One or two candidates: their own regexes are cheaper than the
                // level's, which would also run every rule that failed above.
                for &p in &pass {
                    self.digit_window(s, hay, level.rules[p as usize], &g);
                }
            } else if let Some(patset) = self.digit_level_matches(s, hay, li, &g) {
                s.stats.digit_group_hits += u64::from(!patset.is_empty());
                for pid in patset.iter() {
                    // The level passed for some rule; this one may have failed its own checks.
                    if pass.contains(&(pid.as_usize() as u32)) {
                        self.digit_window(s, hay, level.rules[pid.as_usize()], &g);
                    }
                }
                s.patsets[li] = patset;
            }
            s.pass = pass;
        }
        s.level_groups = level_groups;
    }

    /// The digit level of a group with `digits` digits, at least the
    /// lowest level's threshold.
    #[inline]
    fn level_of(&self, digits: u32) -> usize {
        self.digit_level_of[(digits as usize).min(self.digit_level_of.len() - 1)]
    }

    /// Runs level `li`'s multi-pattern regex around group `g` and returns
    /// the rules (as level positions) that match there, or `None` when none
    /// does. The set is taken from the scratch; the caller puts it back.
    fn digit_level_matches(&self, s: &mut Scratch, hay: &[u8], li: usize, g: &Group) -> Option<PatternSet> {
        let level = &self.digit_levels[li];
        let win = g.start.saturating_sub(level.reach.0)..(g.end + level.reach.1).min(hay.len());
        let mut patset = std::mem::replace(&mut s.patsets[li], PatternSet::new(0));
        patset.clear();
        match level.set(&self.rules) {
            Ok(set) => {
                let cache = s.set_caches[li].get_or_insert_with(|| set.create_cache());
                // Most groups match no rule: a plain earliest-match check rejects
                // them faster than an overlapping search that names the rules.
                let input = Input::new(hay).range(win);
                if !set.is_match_with(cache, &input.clone().earliest(true)) {
                    s.patsets[li] = patset;
                    return None;
                }
                set.which_overlapping_matches_with(cache, &input, &mut patset);
            }
            // The member rules compiled one by one, so this cannot fail in
            // practice; if it does, try every rule of the level.
            Err(_) => (0..level.rules.len()).for_each(|p| {
                patset.insert(regex_automata::PatternID::must(p));
            }),
        }
        Some(patset)
    }

    /// Searches rule `r` in its window around digit group `g`.
    fn digit_window(&self, s: &mut Scratch, hay: &[u8], r: u32, g: &Group) {
        let (left, right) = digit_reach(&self.rules[r as usize]);
        let win = g.start.saturating_sub(left)..(g.end + right).min(hay.len());
        self.search(s, r, win, g.start..g.end);
    }

    /// Cheap necessary conditions for a digit rule to match around group `g`,
    /// besides where it can start (the level's [`StartFilter`]): enough
    /// separators of the kinds it uses, one of its layouts of digit runs and
    /// separators when it has few (see `detect::shapes`; first only the
    /// lengths of the group's runs, then the layouts), and a run of
    /// digits that passes the rule's validator (payment cards). Only for
    /// rules whose digits form one group. `facts` keeps what one rule's
    /// checks learnt about the group for the next rule.
    #[inline(always)]
    fn digit_rule_may_match(&self, rule: &CompiledRule, g: &Group, hay: &[u8], facts: &mut GroupFacts) -> bool {
        // The commonest rejection, without a call (the level's masks made it
        // already for groups with few separators): a rule whose separators
        // all lie inside the group and a group with fewer.
        if rule.needs_more_separators(g.seps) {
            return false;
        }
        // Next, a rule's run shapes against the lengths of the group's runs
        // (the SSN's `3-2-4` and the `200 21995 1963` of a web log), also
        // without a call.
        if rule.runs.as_ref().is_some_and(|runs| !facts.runs_may_occur(runs, g)) {
            return false;
        }
        self.digit_rule_checks(rule, g, hay, facts)
    }

    /// [`Scanner::digit_rule_may_match`] past its two inline tests.
    #[inline(never)]
    fn digit_rule_checks(&self, rule: &CompiledRule, g: &Group, hay: &[u8], facts: &mut GroupFacts) -> bool {
        if let Some((lead, trail)) = rule.digit_span
            && rule.min_separators > 0
            && (rule.min_separators > g.seps || rule.separators != ALL_SEPARATORS)
        {
            // Count the separators the rule can use, in the group and around it.
            let count = |bytes: &[u8]| digits::count_separators(bytes, rule.separators);
            let inside = match g.seps {
                0 => 0,
                n if rule.separators == ALL_SEPARATORS => n,
                _ => facts.separators_in(hay, g, rule.separators),
            };
            let lo = g.start.saturating_sub(lead);
            let hi = (g.end + trail).min(hay.len());
            let outside = count(&hay[lo..g.start]) + count(&hay[g.end..hi]);
            if rule.min_separators > inside + outside {
                return false;
            }
        }
        // The rule's exact layouts of runs and separators, after the cheaper
        // count above (most groups of number-dense data have no separator).
        // Each occurrence is a match the regex may find, which confirmation
        // would drop if its validator or ignore lists did (`912-34-5678`, an
        // SSN's impossible area): most SSN-shaped numbers of the benchmark
        // data are.
        if rule.runs.as_ref().is_some_and(|runs| !facts.runs_occur(runs, hay, g, |m| rule.may_keep(m))) {
            return false;
        }
        // The literals its values start with (`+49 `, `0049`).
        if rule.start.as_ref().is_some_and(|shape| !literal_start_possible(shape, g, hay)) {
            return false;
        }
        rule.group_validator.is_none_or(|v| match facts.validated {
            Some((m, ok)) if m == v => ok,
            _ => {
                let ok = group_may_validate(v, &hay[g.start..g.end]);
                facts.validated = Some((v, ok));
                ok
            }
        })
    }

    /// [`Scanner::search_at`], unanchored.
    fn search(&self, s: &mut Scratch, rule: u32, win: Range<usize>, anchor: Range<usize>) {
        self.search_at(s, rule, win, anchor, false);
    }

    /// Queues a search of rule `rule` over window `win` for matches that
    /// overlap `anchor` (see [`Scanner::search_parts`]).
    fn search_at(&self, s: &mut Scratch, rule: u32, win: Range<usize>, anchor: Range<usize>, anchored: bool) {
        s.stats.windows += 1;
        s.stats.window_bytes += (win.end - win.start) as u64;
        s.pending.push(Pending { rule, win, anchor, anchored });
    }

    /// Runs rule `rule` over `hay[win]` and keeps the matches that overlap
    /// `anchor`. With `anchored`, the match must start at `win.start` (the
    /// anchor is a literal every match starts with), so the regex stops at
    /// the first byte that cannot continue a match instead of scanning the window.
    #[allow(clippy::too_many_arguments)]
    fn search_parts(
        &self,
        state: &mut RuleState,
        haystack_id: u64,
        cands: &mut Vec<Candidate>,
        hay: &[u8],
        rule: u32,
        win: Range<usize>,
        anchor: Range<usize>,
        anchored: bool,
    ) {
        let r = &self.rules[rule as usize];
        let re = r.regex();
        let RuleState { cache, caps, last } = state;
        let cache = cache.get_or_insert_with(|| Box::new(re.create_cache()));
        let tries = !anchored && tries_starts(&win, &anchor);
        let first = r.first_bytes.as_ref();
        window_matches(re, cache, hay, win, anchor.clone(), anchored, tries, first, |cache, input, m| {
            // The value's span; a capture search only when it is not the match's.
            let v = if r.group == 0 {
                m.span()
            } else if let Some(edges) = &r.edges {
                let (start, end) = edges.value(hay, m.start(), m.end());
                regex_automata::Span { start, end }
            } else if let Some((_, _, v)) = last.filter(|&(id, span, _)| id == haystack_id && span == m.span()) {
                v
            } else {
                // The groups of the match found, as the regex engine itself
                // resolves them: an anchored search over the match alone.
                let caps = caps.get_or_insert_with(|| re.create_captures());
                let at = input.clone().span(m.span()).anchored(Anchored::Pattern(m.pattern()));
                re.search_captures_with(cache, &at, caps);
                let v = caps.get_group(r.group).unwrap_or(m.span());
                *last = Some((haystack_id, m.span(), v));
                v
            };
            if m.start() < anchor.end && m.end() > anchor.start && v.end > v.start {
                cands.push(Candidate { start: v.start, end: v.end, rule, full_start: m.start(), full_end: m.end() });
            }
        });
    }

    /// Validates candidates, checks keywords and lists, and fills `s.matches`.
    #[inline(never)]
    fn confirm(&self, s: &mut Scratch, hay: &[u8], ctx: &Context) {
        s.cands.sort_unstable();
        s.cands.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.rule == b.rule);
        s.matches.clear();
        // Keywords near each candidate are read around it, unless the
        // candidates' surroundings add up to more than the haystack
        // (match-dense data): then every keyword of the haystack is found
        // once, and each candidate looks its own up.
        let mut all_hits = std::mem::take(&mut s.near_hits);
        all_hits.clear();
        let whole = self.keywords.as_ref().filter(|k| {
            let reach = s.cands.iter().filter(|c| self.rules[c.rule as usize].has_keywords).map(|c| {
                let r = &self.rules[c.rule as usize];
                k.near_span(hay.len(), (c.start, c.end), r.distance, r.before_only).len()
            });
            reach.sum::<usize>() > hay.len()
        });
        if let Some(k) = whole {
            k.for_each(hay, &s.classes, |h| all_hits.push(h));
        }
        for c in &s.cands {
            let ri = c.rule as usize;
            let r = &self.rules[ri];
            let value = &hay[c.start..c.end];
            let validated = match r.validator {
                Some(v) if !v.check(value) => continue,
                Some(_) => true,
                None => false,
            };
            if r.ignored(&hay[c.full_start..c.full_end], value) || (!self.allow.is_empty() && self.allow.allows(value))
            {
                continue;
            }
            let value = (c.start, c.end);
            // Measured to the end of the match, the distance left before the
            // value is what the match after the value does not take.
            let distance =
                if r.distance_to_end { r.distance.checked_sub(c.full_end - c.start) } else { Some(r.distance) };
            let keyword = r.has_keywords
                && (ctx.has(ri)
                    || distance.is_some_and(|distance| {
                        self.keywords.as_ref().is_some_and(|k| match whole {
                            Some(_) => k.near_among(&all_hits, hay.len(), c.rule, value, distance, r.before_only),
                            None => k.near(hay, &s.classes, c.rule, value, distance, r.before_only),
                        })
                    }));
            if r.keyword_required && !keyword {
                continue;
            }
            let mut confidence = r.base_confidence;
            if validated {
                confidence = confidence.raise();
            }
            if keyword {
                confidence = confidence.raise();
            }
            s.matches.push(Match { rule: ri, start: c.start, end: c.end, validated, keyword, confidence });
        }
        s.near_hits = all_hits;
    }
}

/// How many bytes of window an unanchored search reads in the time of one
/// anchored try that fails at once (about 1.5 ns a byte against 15–20 ns a
/// try on this engine's lazy DFAs).
const TRY_BYTES: usize = 16;

/// Whether the starts of window `win` before the end of `anchor` are
/// better tried one by one ([`window_matches`]): the window reaches more
/// than [`TRY_BYTES`] times as far as they do.
fn tries_starts(win: &Range<usize>, anchor: &Range<usize>) -> bool {
    anchor.end.saturating_sub(win.start) * TRY_BYTES <= win.len()
}

/// The inverse of the share of a chunk's bytes near a digit above which
/// one walk of every trigger keyword replaces the walks of the ranges near
/// digits ([`live_ranges`]).
const LIVE_SHARE: usize = 8;

/// Pushes onto `live` the ranges of the haystack (`len` bytes, class
/// masks `c`) within `reach` blocks of a block holding a digit, and returns
/// whether they make up more than `1 / share` of it ([`LIVE_SHARE`]): then
/// one walk of every trigger keyword over the whole haystack costs less
/// than the walks over the ranges, which are short and walked without the
/// trigram filter (see `KeywordSet::for_each_range`). On prose with a
/// number every kilobyte, live over a third of its bytes, the ranges' walks
/// took a fifth of the scan; past an eighth, the one walk was the cheaper
/// (see DESIGN.md). With `stop_when_wide`, a haystack whose digit blocks
/// alone make up more than that share (logs, tables, JSON Lines) gets
/// `true` and no ranges: the ranges' loop (several branches per block) is
/// then replaced by a count.
fn live_ranges(
    c: &Classes,
    len: usize,
    reach: usize,
    stop_when_wide: bool,
    share: usize,
    live: &mut Vec<Range<usize>>,
) -> bool {
    let wide = |bytes: usize| bytes.saturating_mul(share) > len;
    let blocks = c.blocks();
    if stop_when_wide {
        // The digit blocks' bytes (the last block may be short).
        let full = (0..blocks.saturating_sub(1)).filter(|&b| c.digit(b) != 0).count() * 64;
        let last = blocks.checked_sub(1).filter(|&b| c.digit(b) != 0).map_or(0, |b| len - b * 64);
        if wide(full + last) {
            return true;
        }
    }
    let mut k = 0;
    while let Some(d) = (k..blocks).find(|&b| c.digit(b) != 0) {
        // Cover [d - reach, e + reach] where e is the last digit block of a
        // run in which digit blocks are at most `reach` apart.
        let mut e = d;
        while let Some(n) = (e + 1..blocks.min(e + 1 + reach)).find(|&b| c.digit(b) != 0) {
            e = n;
        }
        let lo = d.saturating_sub(reach).max(k);
        let hi = (e + reach + 1).min(blocks);
        live.push(lo * 64..(hi * 64).min(len));
        k = hi;
    }
    wide(live.iter().map(|r| r.len()).sum())
}

/// Calls `f` with each match of `re` in `hay[win]` that may overlap
/// `anchor`: leftmost-first matches from `win.start` on, each search going
/// on from the end of the last match, until one ends at or past the
/// anchor's end. With `anchored`, only a match starting at `win.start`.
///
/// With `tries`, each start before the anchor's end is tried anchored, in
/// turn, instead of one unanchored search. A window can reach far past its
/// anchor (the literal `Authorization` opens one of a kilobyte, as long as
/// the credential after it can be), while a match that overlaps the anchor
/// starts before the anchor's end: an unanchored search that finds nothing
/// reads the whole window, the tries only as far as a match from each start
/// could go (in the benchmark's logs, `Authorization: Bearer` fails at
/// `Bearer`). The first start with a match is where the unanchored search's
/// match starts, and it is the same match (a leftmost-first match is the
/// preferred match of its start), so both find the same matches. Only the
/// starts whose byte can start a match (`first`, the rule's first bytes)
/// are tried: `Authorization` opens its window a few bytes before itself
/// (`Proxy-` and a byte that is no letter or digit may come first), and
/// none of its own letters but the `A` starts a match.
#[allow(clippy::too_many_arguments)]
fn window_matches(
    re: &meta::Regex,
    cache: &mut meta::Cache,
    hay: &[u8],
    win: Range<usize>,
    anchor: Range<usize>,
    anchored: bool,
    tries: bool,
    first: Option<&[u64; 4]>,
    mut f: impl FnMut(&mut meta::Cache, &Input<'_>, regex_automata::Match),
) {
    let last_start = anchor.end.min(win.end);
    // The next start from `at` worth a try: one whose byte can start a match.
    let next_try = |at: usize| match first {
        Some(set) => (at..last_start).find(|&p| in_byte_set(set, hay[p])),
        None => (at < last_start).then_some(at),
    };
    let mut input = Input::new(hay).range(win.clone());
    if anchored || tries {
        input.set_anchored(Anchored::Yes);
    }
    if tries {
        match next_try(win.start) {
            Some(at) => input.set_start(at),
            None => return,
        }
    }
    loop {
        match re.search_with(cache, &input) {
            Some(m) => {
                f(cache, &input, m);
                // Later matches start at or after this one's end: stop once
                // they can no longer overlap the anchor.
                let next = if m.is_empty() { m.end() + 1 } else { m.end() };
                if anchored || next >= anchor.end || next > win.end {
                    return;
                }
                input.set_start(next);
            }
            None if tries => match next_try(input.start() + 1) {
                Some(at) => input.set_start(at),
                None => return,
            },
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pieces of haystacks for [`start_tables_and_literals_pass_every_match`]: the
    /// country codes of phone numbers written both ways, digits, separators
    /// and the bytes that may come before a value.
    const PHONE_PIECES: &[&str] = &[
        "+39", "0039", "+44", "0044", "+49", "0049", "+55", "+33", "0034", "(0)", "(", ")", " ", " ", "-", ".", "/",
        "06", "3", "0", "1", "9", "1234", "5678", "20", "7946", "0958", "x", "tel ", ":", "\"", ",", "\n",
    ];

    /// Pieces of haystacks for [`tried_starts_find_what_a_search_finds`]:
    /// headers, credentials and bytes that start, continue or end matches.
    const WINDOW_PIECES: &[&str] = &[
        "Authorization",
        "authorization",
        "Proxy-",
        ": ",
        "=",
        "\"",
        ",",
        "Basic ",
        "Bearer ",
        "QWxhZGRpbjpvcGVu",
        "==",
        " ",
        "\n",
        "x",
        "a",
        "ab",
        "b",
    ];

    proptest::proptest! {
        /// Trying each start before the anchor's end finds the matches one
        /// unanchored search does, with regexes whose matches start before
        /// their literal, prefer an alternative, or can be empty.
        #[test]
        fn tried_starts_find_what_a_search_finds(
            picks in proptest::collection::vec(0..WINDOW_PIECES.len(), 1..40),
            lo in 0usize..400,
            len in 0usize..600,
            at in 0usize..600,
            width in 0usize..16,
        ) {
            let hay: String = picks.iter().map(|&i| WINDOW_PIECES[i]).collect();
            let n = hay.len();
            let lo = lo % (n + 1);
            let win = lo..(lo + len).min(n);
            let start = win.start + at % (win.len() + 1);
            let anchor = start..(start + width).min(win.end);
            let http = crate::testutil::builtin().rules.iter().find(|r| &*r.info.id == "cred.http.1").unwrap();
            let mut regexes = vec![(http.regex().clone(), http.first_bytes)];
            for p in [r"(?:^|[^a-z])(a+|ab)b?", r"b*", r"[xa]b|B"] {
                let first = crate::detect::analyze::first_bytes(&crate::detect::analyze::parse(p, false).unwrap());
                regexes.push((meta::Regex::new(p).unwrap(), first));
            }
            for (re, first) in &regexes {
                let mut cache = re.create_cache();
                let mut found = [Vec::new(), Vec::new(), Vec::new()];
                // One search; tries of every start; tries of the starts a match can start with.
                for (k, found) in found.iter_mut().enumerate() {
                    let (w, a) = (win.clone(), anchor.clone());
                    let first = if k == 2 { first.as_ref() } else { None };
                    window_matches(re, &mut cache, hay.as_bytes(), w, a, false, k > 0, first, |_, _, m| found.push(m.span()));
                }
                // Matches that cannot overlap the anchor are not looked for by the tries.
                let overlapping = |v: &Vec<regex_automata::Span>| -> Vec<regex_automata::Span> {
                    v.iter().copied().filter(|m| m.start < anchor.end && m.end > anchor.start).collect()
                };
                proptest::prop_assert_eq!(overlapping(&found[0]), overlapping(&found[1]), "{:?} {:?} {:?}", hay, win, anchor);
                proptest::prop_assert_eq!(overlapping(&found[0]), overlapping(&found[2]), "{:?} {:?} {:?}", hay, win, anchor);
            }
        }
    }

    /// Pieces of haystacks for [`edges_give_the_captured_value`].
    const EDGE_PIECES: &[&str] = &[
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "0123456789abcdef0123456789abcdef01234567",
        "AKIAIOSFODNN7EXAMPLE",
        "4155550132",
        "+1",
        "+44 20 7946 0958",
        "192.168.10.1",
        "fe80::1ff:fe23:4567:890a",
        "2001:db8::8a2e:370:7334",
        "030 / 901820",
        "k",
        "9",
        "+",
        "/",
        "=",
        " ",
        "-",
        ":",
        ".",
        "\n",
        "(",
        ")",
    ];

    proptest::proptest! {
        /// A value's span taken from its match between one-byte edges is the
        /// span of the capture group, for every built-in rule that has edges.
        #[test]
        fn edges_give_the_captured_value(picks in proptest::collection::vec(0..EDGE_PIECES.len(), 1..30)) {
            let hay: String = picks.iter().map(|&i| EDGE_PIECES[i]).collect();
            let scanner = Scanner::new(&crate::Rules::builtin().unwrap()).unwrap();
            for rule in scanner.rules.iter().filter(|r| r.edges.is_some()) {
                let re = rule.regex();
                let mut caps = re.create_captures();
                for m in re.find_iter(hay.as_bytes()) {
                    let input = Input::new(hay.as_bytes()).span(m.span()).anchored(Anchored::Pattern(m.pattern()));
                    re.search_captures(&input, &mut caps);
                    let group = caps.get_group(1).map(|g| (g.start, g.end));
                    let derived = rule.edges.unwrap().value(hay.as_bytes(), m.start(), m.end());
                    proptest::prop_assert_eq!(group, Some(derived), "{} in {:?}", rule.info.id, hay);
                }
            }
        }
    }

    /// More pieces of haystacks for [`start_tables_and_literals_pass_every_match`]: dates,
    /// numbers in groups, the separators, and bytes around them.
    const START_PIECES: &[&str] = &[
        "2024-05-04",
        "06 1234 5678",
        "347 123 4567",
        "030 / 901820",
        "089/1234-5678",
        "(0)",
        "(",
        ")",
        "+39 ",
        "0049 ",
        "+1 ",
        "212",
        "555",
        "0",
        "3",
        "5",
        "9",
        "12",
        "1234",
        "123-45-6789",
        "4111 1111 1111 1111",
        " ",
        "-",
        ".",
        "/",
        "x",
        "T",
        ":",
        "=",
        "\n",
        "ab",
        "0ed9",
    ];

    /// The haystack that `picks` make of [`PHONE_PIECES`] followed by `more`
    /// (indexes past the phone pieces pick from `more`).
    fn phone_pieces_and(more: &[&str], picks: &[usize]) -> Vec<u8> {
        let piece = |i: usize| PHONE_PIECES.get(i).copied().unwrap_or_else(|| more[i - PHONE_PIECES.len()]);
        picks.iter().flat_map(|&i| piece(i).bytes()).collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
        /// Every value that a rule with a start shape finds, at any start,
        /// passes the rule's start tables ([`StartFilter`]) for the digit
        /// group of its first digit, and, for a rule with start literals
        /// (the phone numbers with a country code), [`literal_start_possible`]:
        /// neither rejects a group that a match needs.
        #[test]
        fn start_tables_and_literals_pass_every_match(
            picks in proptest::collection::vec(0..PHONE_PIECES.len() + START_PIECES.len(), 1..24)
        ) {
            let hay = &phone_pieces_and(START_PIECES, &picks)[..];
            let scanner = crate::testutil::builtin();
            let mut classes = Classes::default();
            classes.compute(hay);
            let mut groups = Vec::new();
            digits::find_groups(&classes, hay.len(), 1, digits::NearBlocks { blocks: &[], min_digits: 1 }, &mut groups);
            for rule in scanner.rules.iter().filter(|r| r.start.is_some()) {
                let shape = rule.start.as_ref().unwrap();
                let filter = StartFilter::new(&[rule.start]);
                let re = rule.regex();
                let (mut cache, mut caps) = (re.create_cache(), re.create_captures());
                for at in 0..hay.len() {
                    let input = Input::new(hay).range(at..).anchored(Anchored::Yes);
                    re.search_captures_with(&mut cache, &input, &mut caps);
                    let Some(value) = caps.get_group(1).or_else(|| caps.get_match().map(|m| m.span())) else { continue };
                    let Some(first) = (value.start..value.end).find(|&k| hay[k].is_ascii_digit()) else { continue };
                    let g = groups.iter().find(|g| (g.start..g.end).contains(&first)).expect("a group");
                    let what = || format!("{}: {:?} in {:?}", rule.info.id, &hay[value.start..value.end], String::from_utf8_lossy(hay));
                    proptest::prop_assert!(filter.candidates(hay, &classes, g.start, g.end, g.seps > 0) & 1 == 1, "{}", what());
                    proptest::prop_assert!(shape.prefixes.is_none() || literal_start_possible(shape, g, hay), "{}", what());
                }
            }
        }
    }

    /// Pieces of haystacks for [`factors_are_held_by_every_match`]: bytes of
    /// IP addresses, dates, codes and the bytes around them.
    const FACTOR_PIECES: &[&str] = &[
        "2606",
        "3ffe",
        ":",
        "::",
        "4700",
        "1111",
        ".",
        "192",
        "81",
        "2",
        "69",
        "160",
        "Z",
        "T",
        "2024-05-11",
        "X",
        "1234567",
        "A",
        "RSSMRA85T10A562S",
        "1HGCM82633A004352",
        "12/27",
        "1985",
        "0ed9",
        "_",
        "ip ",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Every match of a keyword rule holds the rule's factor within its
        /// bytes (and its lead just before them, or the haystack's start),
        /// wherever the search starts: a window without it can hold no match.
        #[test]
        fn factors_are_held_by_every_match(
            picks in proptest::collection::vec(0..PHONE_PIECES.len() + FACTOR_PIECES.len(), 1..24)
        ) {
            let hay = &phone_pieces_and(FACTOR_PIECES, &picks)[..];
            let scanner = crate::testutil::builtin();
            for rule in scanner.rules.iter().filter(|r| r.anchor == AnchorKind::Keyword) {
                let Some(factor) = rule.factor() else { continue };
                let re = rule.regex();
                let mut cache = re.create_cache();
                for at in 0..hay.len() {
                    let input = Input::new(hay).range(at..).anchored(Anchored::Yes);
                    let Some(m) = re.search_with(&mut cache, &input) else { continue };
                    proptest::prop_assert!(
                        factor.occurs_in(hay, m.range()),
                        "{} {factor}: {:?} in {:?}", rule.info.id, &hay[m.range()], String::from_utf8_lossy(hay)
                    );
                }
            }
        }
    }

    proptest::proptest! {
        /// The count that stands for the live ranges when digit blocks
        /// alone make up most of a haystack agrees with the ranges.
        #[test]
        fn live_ranges_counted_or_listed_agree(
            // About one block in ten with a digit: the ranges make up more
            // than an eighth of the haystack or less, depending on the
            // reach and the draw, and so do the digit blocks alone.
            digit_blocks in proptest::collection::vec(proptest::bool::weighted(0.1), 0..80),
            tail in 0usize..64,
            reach in 0usize..4,
        ) {
            let len = (digit_blocks.len() * 64).saturating_sub(tail);
            // One digit in each digit block that holds a byte, at an offset that varies with the block.
            let mut hay = vec![b'x'; len];
            for (b, _) in digit_blocks.iter().enumerate().filter(|&(b, &digit)| digit && b * 64 < len) {
                let block_len = (len - b * 64).min(64);
                hay[b * 64 + b % block_len] = b'7';
            }
            let mut classes = Classes::default();
            classes.compute(&hay);
            let (mut listed, mut counted) = (Vec::new(), Vec::new());
            let want = live_ranges(&classes, len, reach, false, LIVE_SHARE, &mut listed);
            let got = live_ranges(&classes, len, reach, true, LIVE_SHARE, &mut counted);
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert!(counted.is_empty() || counted == listed);
            proptest::prop_assert_eq!(want, listed.iter().map(|r| r.len()).sum::<usize>() * LIVE_SHARE > len);
        }
    }

    /// The keyword hits of trigger keywords, found by one walk of every
    /// trigger keyword or by a walk of those that need no digit and walks
    /// of the others near digits, give the same findings, whatever share of
    /// the text is near a digit.
    #[test]
    fn one_trigger_walk_or_walks_near_digits_find_the_same() {
        let rules = crate::Rules::builtin().expect("builtin rules");
        let scanner_with = |share: usize| {
            let mut s = Scanner::new(&rules).expect("compile");
            s.live_share = share;
            s
        };
        let [auto, split, one] = [LIVE_SHARE, 0, usize::MAX].map(scanner_with);
        let words = [
            "the ",
            "review ",
            "meeting ",
            "phone ",
            "ssn: ",
            "dob ",
            "passport ",
            "account number ",
            "routing ",
            "cvv ",
            "expiry ",
            "date of birth ",
            "license ",
            "card ",
            "iban ",
            "tax id ",
            "\n",
            ". ",
        ];
        let pieces = [
            "745-628-3211",
            "672-37-9757",
            "1990-04-12",
            "12/27",
            "123",
            "021000021",
            "X1234567",
            "4875-6864-8645-1230",
            "DE72518711342050302516",
            "2024",
            "7",
        ];
        let mut rng = crate::testutil::XorShift(0x11FE_5A4E);
        let mut scratches = [auto.scratch(), split.scratch(), one.scratch()];
        let (mut found, mut hays) = (0, [0usize; 2]);
        for round in 0..300 {
            // A value every `gap` words or so: from every other word to one in a few thousand.
            let gap = 1 + rng.below([2, 20, 200, 2000][round % 4]);
            let mut hay = String::new();
            for _ in 0..200 + rng.below(2000) {
                hay.push_str(words[rng.below(words.len())]);
                if rng.below(gap) == 0 {
                    hay.push_str(pieces[rng.below(pieces.len())]);
                    hay.push(' ');
                }
            }
            let mut classes = Classes::default();
            classes.compute(hay.as_bytes());
            let wide = live_ranges(&classes, hay.len(), auto.trigger_blocks, false, LIVE_SHARE, &mut Vec::new());
            hays[usize::from(wide)] += 1;
            let [a, b, c] = &mut scratches;
            let matches = |scanner: &Scanner, scratch: &mut Scratch| {
                let mut found = Vec::new();
                scanner.find(scratch, hay.as_bytes(), 0..hay.len(), &Context::none(), &mut |m| {
                    found.push(*m);
                    true
                });
                found
            };
            let want = matches(&split, b);
            assert_eq!(matches(&auto, a), want, "{hay:?}");
            assert_eq!(matches(&one, c), want, "{hay:?}");
            found += want.len();
        }
        // Texts on both sides of the share, and findings in them.
        assert!(hays[0] > 30 && hays[1] > 30, "{hays:?}");
        assert!(found > 1000, "{found} findings");
    }

    #[test]
    fn rules_with_value_edges() {
        let scanner = Scanner::new(&crate::Rules::builtin().unwrap()).unwrap();
        let ids: Vec<&str> = scanner.rules.iter().filter(|r| r.edges.is_some()).map(|r| &*r.info.id).collect();
        for id in ["cred.aws.2", "pii.ip.2"] {
            assert!(ids.contains(&id), "{ids:?}");
        }
    }

    /// The regexes of the rules with queued windows are built up front when
    /// two or more are not built yet, and a lone one is left to the search.
    #[test]
    fn queued_rules_regexes_are_built_together() {
        let scanner = Scanner::new(&crate::Rules::builtin().unwrap()).unwrap();
        let queued = |rule: u32| Pending { rule, win: 0..0, anchor: 0..0, anchored: false };
        let built = |r: u32| scanner.rules[r as usize].regex_built();
        scanner.build_regexes(&[queued(3), queued(3)]);
        assert!(!built(3), "one rule's regex is left to its search");
        scanner.build_regexes(&[queued(3), queued(3), queued(5), queued(9), queued(9)]);
        assert!([3, 5, 9].into_iter().all(built));
        assert!(!built(4) && !built(10), "only the queued rules");
        scanner.build_regexes(&[queued(5), queued(7)]);
        assert!(!built(7), "one rule left to build, beside one that is built");
        scanner.build_regexes(&[queued(5), queued(7), queued(8)]);
        assert!(built(7) && built(8));
    }

    /// Digit-group finding has a build with constant run steps for the
    /// built-in rules' thresholds: they must still be those.
    #[test]
    fn builtin_rules_have_the_digit_thresholds_compiled_for_them() {
        let scanner = Scanner::new(&crate::Rules::builtin().unwrap()).unwrap();
        let g = scanner.group_digits.expect("built-in digit rules");
        assert_eq!((g.near, g.everywhere), digits::BUILT_IN_DIGITS);
    }

    /// The separator masks drop exactly the rules whose separators lie
    /// inside the group and need more than it has, and none for groups
    /// past the masks; the formatted SSN (two separators) is among those
    /// dropped for groups without any.
    #[test]
    fn separator_masks_drop_the_rules_a_group_has_too_few_separators_for() {
        let scanner = Scanner::new(&crate::Rules::builtin().unwrap()).unwrap();
        let ssn = scanner.rules.iter().position(|r| &*r.info.id == "pii.ssn.1").unwrap() as u32;
        let mut dropped_ssn = false;
        for level in &scanner.digit_levels {
            assert_eq!(level.sep_fails.len(), level.starts.len());
            for (k, chunk) in level.rules.chunks(64).enumerate() {
                for seps in 0..SEP_MASKS as u32 + 2 {
                    let fails = level.fails_for(k, seps);
                    for (p, &r) in chunk.iter().enumerate() {
                        let rule = &scanner.rules[r as usize];
                        let too_few = rule.needs_more_separators(seps);
                        let dropped = fails >> p & 1 == 1;
                        assert_eq!(
                            dropped,
                            too_few && seps < SEP_MASKS as u32,
                            "{} with {seps} separators",
                            rule.info.id
                        );
                        dropped_ssn |= dropped && r == ssn && seps == 0;
                    }
                }
            }
        }
        assert!(dropped_ssn);
    }

    /// A group's level from the table is the last level whose threshold
    /// its digit count reaches, at every count.
    #[test]
    fn digit_level_table_agrees_with_the_thresholds() {
        let scanner = Scanner::new(&crate::Rules::builtin().unwrap()).unwrap();
        let levels = &scanner.digit_levels;
        assert!(levels.len() > 1);
        for digits in levels[0].min_digits..100 {
            let li = scanner.level_of(digits);
            assert!(levels[li].min_digits <= digits, "{digits} digits");
            assert!(levels.get(li + 1).is_none_or(|l| l.min_digits > digits), "{digits} digits");
        }
    }

    fn scan(scanner: &Scanner, hay: &str) -> (Vec<String>, EngineStats) {
        let mut scratch = scanner.scratch();
        let mut types = Vec::new();
        scanner.find(&mut scratch, hay.as_bytes(), 0..hay.len(), &Context::none(), &mut |m| {
            types.push(scanner.rule_info(m.rule).data_type.to_string());
            true
        });
        (types, scratch.stats())
    }

    /// A scanner over the rules of `toml` alone.
    fn scanner_of(toml: &str) -> Scanner {
        let mut set = crate::Rules::empty();
        set.add_toml("test.toml", toml).unwrap();
        Scanner::new(&set).unwrap()
    }

    /// The values `scanner` finds in `hay` with a scratch of its own, and
    /// the engine's work counts.
    fn values_and_stats(scanner: &Scanner, hay: &str) -> (Vec<String>, EngineStats) {
        let mut scratch = scanner.scratch();
        let found = values(scanner, &mut scratch, hay);
        (found, scratch.stats())
    }

    /// The values `scanner` finds in `hay`, in order, scanning with `scratch`.
    fn values(scanner: &Scanner, scratch: &mut Scratch, hay: &str) -> Vec<String> {
        let found = matches_of(scanner, scratch, hay.as_bytes(), &Context::none());
        found.iter().map(|m| hay[m.start..m.end].to_string()).collect()
    }

    /// The matches `scanner` finds in all of `hay` under `ctx`.
    fn matches_of(scanner: &Scanner, scratch: &mut Scratch, hay: &[u8], ctx: &Context) -> Vec<Match> {
        let mut found = Vec::new();
        scanner.find(scratch, hay, 0..hay.len(), ctx, &mut |m| {
            found.push(*m);
            true
        });
        found
    }

    /// Scans `rounds` haystacks, each with its context from `case(round)`,
    /// with `a` and with `b`, which must find the same matches, over 1,000
    /// of them in all; returns both scratches, for their counters.
    fn same_matches(
        a: &Scanner,
        b: &Scanner,
        rounds: usize,
        mut case: impl FnMut(usize) -> (String, Context),
    ) -> (Scratch, Scratch) {
        let (mut sa, mut sb) = (a.scratch(), b.scratch());
        let mut found = 0;
        for round in 0..rounds {
            let (hay, ctx) = case(round);
            let got = matches_of(a, &mut sa, hay.as_bytes(), &ctx);
            assert_eq!(got, matches_of(b, &mut sb, hay.as_bytes(), &ctx), "{hay:?} under {ctx:?}");
            found += got.len();
        }
        assert!(found > 1000, "{found} findings");
        (sa, sb)
    }

    #[test]
    fn keyword_windows_skipping_rules_a_context_searched_find_the_same() {
        let skipping = crate::testutil::builtin();
        let mut plain = Scanner::new(&crate::Rules::builtin().expect("builtin rules")).expect("compile");
        plain.skip_context_rules = false;
        let names = [
            "phone",
            "ssn",
            "dob",
            "date of birth",
            "card number",
            "iban",
            "passport",
            "bank account",
            "nir",
            "driver license",
            "tax id",
            "dni",
            "insee",
            "dea",
            "routing",
            "cvv",
            "expiry",
            "account number",
            "note",
        ];
        let pieces = [
            "+1 745 628 3211",
            "745-628-3211",
            "0044 20 7946 0958",
            "030 / 123456",
            "672-37-9757",
            "672 37 9757",
            "4875-6864-8645-1230",
            "1990-04-12",
            "12/04/1990",
            "DE72518711342050302516",
            "2A 12 34 567 890",
            "X1234567L",
            "123456789",
            "1234567",
            "AB1234563",
            "021000021",
            "123",
            "12/27",
            "phone ",
            "ssn: ",
            "dob ",
            "card ",
            "the ",
            "-",
            " ",
            "  ",
            "\n",
            "\"",
        ];
        let mut rng = crate::testutil::XorShift(0xC0_47E7);
        let (a, b) = same_matches(skipping, &plain, 6000, |round| {
            let ctx = skipping.context_for(names[round % names.len()]);
            assert!(names[round % names.len()] == "note" || !ctx.is_empty(), "{}", names[round % names.len()]);
            let mut hay = String::new();
            for _ in 0..1 + rng.below(4) {
                hay.push_str(pieces[rng.below(pieces.len())]);
                if rng.below(2) == 0 {
                    hay.push_str(&rng.below(100_000_000).to_string());
                }
            }
            (hay, ctx)
        });
        // Skipping them searches fewer windows.
        assert!(a.stats.windows < b.stats.windows, "{} against {}", a.stats.windows, b.stats.windows);
    }

    /// The rare bytes' windows (`@` of e-mail addresses and URL passwords,
    /// `^` of card track data) are the same whether the class pass lists
    /// where the bytes are or a search finds them: at block edges, in the
    /// last, short block, after whitespace escapes that the scan decodes.
    #[test]
    fn rare_bytes_listed_by_the_class_pass_find_what_a_search_finds() {
        let listing = crate::testutil::builtin();
        let mut searching = Scanner::new(&crate::Rules::builtin().expect("builtin rules")).expect("compile");
        assert_eq!(listing.rare_set.map(|set| set.contains(&b'@')), Some(true));
        searching.rare_set = None;
        let pieces = [
            "jo.doe@example.com",
            "a@b.co",
            "@",
            "^",
            "postgres://app:Tr0ub4dor-3x@db.internal:5432/prod",
            "%B4111111111111111^DOE/JOHN^2512101000000000000000?",
            "\\n",
            "\\t",
            "\\",
            " ",
            "\n",
            "x",
            "0123456789abcdef0123456789abcdef",
        ];
        let mut rng = crate::testutil::XorShift(0x0A7_B17E);
        let (a, b) = same_matches(listing, &searching, 3000, |_| {
            let mut hay = "y".repeat(rng.below(130));
            for _ in 0..1 + rng.below(6) {
                hay.push_str(pieces[rng.below(pieces.len())]);
            }
            (hay, Context::none())
        });
        assert_eq!(a.stats.rare_hits, b.stats.rare_hits);
    }

    #[test]
    fn every_match_of_a_rules_examples_holds_its_factor() {
        let scanner = crate::testutil::builtin();
        let rules = Rules::builtin().unwrap();
        let mut with_factor = Vec::new();
        for rule in scanner.rules.iter().filter(|r| r.anchor == AnchorKind::Keyword) {
            let Some(factor) = rule.factor() else { continue };
            with_factor.push(format!("{} {factor}", rule.info.id));
            let syntax = &rules.iter().find(|r| r.syntax.id == rule.info.id.as_ref()).unwrap().syntax;
            assert!(!syntax.examples.is_empty(), "{}", rule.info.id);
            for ex in &syntax.examples {
                let hay = ex.as_bytes();
                for m in rule.regex().find_iter(hay) {
                    assert!(factor.occurs_in(hay, m.range()), "{} {factor}: {ex:?}", rule.info.id);
                }
            }
        }
        eprintln!("{}", with_factor.join("\n"));
        // The IPv6 rule, whose keyword `ip` is on every line of some logs, has one.
        assert!(
            with_factor
                .iter()
                .any(|f| f.starts_with("pii.ip.2 (after [^.0-9") || f.starts_with("pii.ip.2 (after [^.0123")),
            "{with_factor:?}"
        );
    }

    #[test]
    fn a_keyword_group_rejects_a_window_in_one_search() {
        let scanner = crate::testutil::builtin();
        // `phone` triggers a dozen national phone rules; the digit group lets
        // them all through their filters (a German area code's `0` after a
        // space, digits and separators after it), but none matches: one
        // group search, no per-rule window (the group is too short for any
        // keyword-free digit rule, which would search its own window).
        let (types, stats) = scan(scanner, "phone_status=ok ref 0471 22 9 remaining");
        assert!(types.is_empty(), "{types:?}");
        assert!(stats.keyword_group_searches >= 1, "{stats:?}");
        assert_eq!(stats.windows, 0, "{stats:?}");
    }

    #[test]
    fn keyword_windows_without_their_rules_factors_search_nothing() {
        let scanner = crate::testutil::builtin();
        // A log line with `phone` and `ip` keywords and no value: the IPv6
        // and German phone rules (no digit group to judge) need a factor
        // (`[23]xxx:` after a non-word byte; a `0` or `(` after neither a
        // digit nor `+`, then digits), which no window holds; the other
        // members' digit groups fail their filters.
        let line =
            "2024-05-11T04:25:41.049Z INFO [auth] account=12337 phone_ok=true ip_hash=0ed904759531985d took 4156ms\n";
        let (types, stats) = scan(scanner, &line.repeat(3));
        assert!(types.is_empty(), "{types:?}");
        assert_eq!((stats.keyword_group_searches, stats.windows), (0, 0), "{stats:?}");
        // With an address or a number in the window, the group is searched and finds it.
        for (value, wanted) in [("ip=2606:4700::1111", "IP_ADDRESS"), ("phone 030 901820", "GERMANY_PHONE_NUMBER")] {
            let (types, stats) = scan(scanner, &format!("{line}{value}\n{line}"));
            assert!(types.iter().any(|t| t == wanted), "{value}: {types:?}");
            assert!(stats.keyword_group_searches >= 1, "{value}: {stats:?}");
        }
    }

    #[test]
    fn country_code_phone_rules_need_their_literals_where_a_value_starts() {
        let scanner = crate::testutil::builtin();
        // Without a keyword: the start tables let `0385...` through for
        // `0039`/`+39` (a `0` first, a `3` second) and `04,1747...` for
        // `0044`, but no value starts with those literals there.
        for hay in ["id\":\"0385441126\"", "x 04,1747923966844 y", "n=0049,123456789"] {
            let (types, stats) = scan(scanner, hay);
            assert!(types.is_empty(), "{hay}: {types:?}");
            assert_eq!(stats.windows, 0, "{hay}: {stats:?}");
        }
        // The same literals where a value starts still open windows and match:
        // before the group and at its first digit.
        for (hay, want) in [
            ("call +39 06 1234 5678 now", "ITALY_PHONE_NUMBER"),
            ("call 0039 06 1234 5678 now", "ITALY_PHONE_NUMBER"),
            ("call +44 20 7946 0958 now", "UK_PHONE_NUMBER"),
            ("ruf 0049 30 1234567 an", "GERMANY_PHONE_NUMBER"),
        ] {
            let (types, stats) = scan(scanner, hay);
            assert!(types.contains(&want.to_string()), "{hay}: {types:?}");
            assert!(stats.windows >= 1, "{hay}: {stats:?}");
        }
    }

    #[test]
    fn a_keyword_group_lets_each_member_rule_match() {
        let scanner = crate::testutil::builtin();
        for (hay, want) in [
            ("phone: (415) 555-0132", "PHONE_NUMBER"),
            ("phone: 020 7946 0958", "UK_PHONE_NUMBER"),
            ("telefono: 06 1234 5678", "ITALY_PHONE_NUMBER"),
            ("phone: 0151 23456789", "GERMANY_PHONE_NUMBER"),
        ] {
            let (types, stats) = scan(scanner, hay);
            assert_eq!(types, vec![want.to_string()], "{hay}");
            assert!(stats.keyword_group_searches >= 1, "{hay}: {stats:?}");
            // Only the members that match somewhere in the group's window
            // search their own (seven phone rules share `phone`).
            assert!(stats.windows <= 3, "{hay}: {stats:?}");
        }
    }

    #[test]
    fn card_digits_are_checked_between_separators() {
        let v = Validator::CreditCard;
        assert!(group_may_validate(v, b"4532015112830366"));
        assert!(group_may_validate(v, b"4532 0151 1283 0366"));
        assert!(!group_may_validate(v, b"4532 0151 1283 0367"));
        assert!(!group_may_validate(v, b"4532015112830367"));
        // A card after a date in one group, and one that runs into more digits.
        assert!(group_may_validate(v, b"2024-01-01 4532 0151 1283 0366"));
        assert!(!group_may_validate(v, b"45320151128303669"));
        assert!(!group_may_validate(v, b"12345"));
    }

    #[test]
    fn card_runs_are_judged_as_every_start_and_end_would_be() {
        // Every run start with every run end of 12 to 19 digits, the
        // validator on the digits between: what the bit walk must find.
        let reference = |group: &[u8]| {
            let digits: Vec<u8> = group.iter().filter(|b| b.is_ascii_digit()).copied().collect();
            let (mut starts, mut ends, mut n) = (Vec::new(), Vec::new(), 0);
            for (i, &b) in group.iter().enumerate() {
                if b.is_ascii_digit() {
                    if i == 0 || !group[i - 1].is_ascii_digit() {
                        starts.push(n);
                    }
                    if group.get(i + 1).is_none_or(|c| !c.is_ascii_digit()) {
                        ends.push(n);
                    }
                    n += 1;
                }
            }
            starts.iter().any(|&s| {
                ends.iter()
                    .any(|&e| e >= s && (12..=19).contains(&(e - s + 1)) && Validator::CreditCard.check(&digits[s..=e]))
            })
        };
        let mut rng = crate::testutil::XorShift(0x4341_5244);
        let (mut valid, mut invalid) = (0, 0);
        for _ in 0..20_000 {
            // Runs of digits between separators, some of them pieces of a valid card.
            let mut group = Vec::new();
            while group.len() < 2 + rng.below(60) {
                if !group.is_empty() {
                    group.push(b" -."[rng.below(3)]);
                }
                if rng.below(3) == 0 {
                    let card = b"4532015112830366";
                    let (a, b) = (rng.below(8), 8 + rng.below(9));
                    group.extend_from_slice(&card[a.min(b)..b]);
                } else {
                    group.extend((0..1 + rng.below(19)).map(|_| b'0' + rng.below(10) as u8));
                }
            }
            if group.iter().filter(|b| b.is_ascii_digit()).count() > 64 {
                continue;
            }
            let want = reference(&group);
            assert_eq!(group_may_validate(Validator::CreditCard, &group), want, "{}", String::from_utf8_lossy(&group));
            (valid, invalid) = (valid + usize::from(want), invalid + usize::from(!want));
        }
        assert!(valid > 100 && invalid > 1000, "{valid} valid, {invalid} invalid groups");
    }

    /// Keyword-anchored rules whose digits form one group are searched only
    /// where a group near the keyword passes their start, separator and
    /// layout checks, and still find values with a lead byte (`(`), fixed
    /// layouts and a leading `0`.
    #[test]
    fn keyword_windows_judge_their_groups_as_digit_anchors_do() {
        let rules = [
            ("kparen", r"(?:^|[^\d])(\(0\d{2}\)\x20?\d{6})\b", "tel", 8),
            ("kssn", r"\b(\d{3}-\d{2}-\d{4})\b", "ssn", 9),
            ("kzero", r"\b(0\d{3}[\x20-]\d{5})\b", "phone", 9),
        ];
        let mut toml = String::new();
        for (id, re, kw, digits) in rules {
            toml.push_str(&format!(
                "[[rule]]\nid = \"t.{id}\"\ntype = \"{id}\"\nname = \"{id}\"\ncategory = \"PERSONAL_INFORMATION\"\n\
                 regex = '''{re}'''\nkeywords = [\"{kw}\"]\nkeyword_required = true\ndigits = {digits}\n\
                 description = \"test\"\n"
            ));
        }
        let scanner = scanner_of(&toml);
        for (id, _, _, _) in rules {
            let i = (0..scanner.rule_count()).find(|&i| scanner.rule_info(i).data_type.as_ref() == id).unwrap();
            assert!(scanner.anchor_description(i).starts_with("keywords"), "{id}: {}", scanner.anchor_description(i));
        }
        let hay = "tel (030) 123456 and tel: 12 (040)654321, tel 2024-05-12 x\n\
                   ssn 123-45-6789, ssn 200 86176 2026, ssn 490-738-841 ssn 2024-05-12\n\
                   phone 0301 23456 or phone 1301 23456 or phone x0301-23456 or phone 0301-2345\n";
        let mut scratch = scanner.scratch();
        let mut found = Vec::new();
        scanner.find(&mut scratch, hay.as_bytes(), 0..hay.len(), &Context::none(), &mut |m| {
            found.push(format!("{}:{}", scanner.rule_info(m.rule).data_type, &hay[m.start..m.end]));
            true
        });
        assert_eq!(found, ["kparen:(030) 123456", "kparen:(040)654321", "kssn:123-45-6789", "kzero:0301 23456"]);
    }

    #[test]
    fn longest_runs_join_digits_by_the_rule_separators() {
        let space_dot = 0b000101;
        assert_eq!(longest_run(b"1 85 03 75 116 234 85", space_dot), 15);
        assert_eq!(longest_run(b"536-22-4100", space_dot), 4);
        assert_eq!(longest_run(b"536-22-4100", 0b000010), 9);
        assert_eq!(longest_run(b"030 / 901820", 0b111111), 6, "three separators in a row break a run");
        assert_eq!(longest_run(b"(030) 901820", 0b111111), 9);
        assert_eq!(longest_run(b"12..34", space_dot), 4);
    }

    #[test]
    fn keyword_windows_without_a_long_enough_run_are_not_searched() {
        // Digits split by a letter (`2A`), so they do not form one group: the
        // declared `digits = 6` (`123 456`) is what a window must hold.
        let toml = r#"[[rule]]
id = "t.kid"
type = "KID"
name = "kid"
category = "PERSONAL_INFORMATION"
regex = '''\b([12]\d{2}(?:\d{2}|2[AB])\x20?\d{3}\x20?\d{3})\b'''
keywords = ["kid"]
keyword_required = true
digits = 6
description = "test"
"#;
        let scanner = scanner_of(toml);
        assert_eq!(run_filter(&scanner.rules[0]), Some(6));
        let find = |hay: &str| {
            let (found, stats) = values_and_stats(&scanner, hay);
            (found, stats.windows + stats.keyword_group_searches)
        };
        for value in ["1232A 123 456", "12345 678901", "2002B 123456"] {
            let (found, searched) = find(&format!("kid {value}."));
            assert_eq!(found, [value]);
            assert!(searched > 0);
        }
        let (found, searched) = find("kid 123-456-789, kid 2024-05-12 10:30, kid 12A, kid 99999");
        assert!(found.is_empty());
        assert_eq!(searched, 0, "no window holds six digits joined by spaces");
    }

    #[test]
    fn a_folded_literal_opens_windows_only_where_it_occurs() {
        // `tok-live-` is folded into `tok-`: a hit of `tok-` opens the
        // longer literal's rule's window only when `live-` follows it.
        let toml = r#"[[rule]]
id = "t.short"
type = "SHORT"
name = "short"
category = "CREDENTIALS"
regex = '''\b(tok-[a-z]{8})\b'''
description = "test"

[[rule]]
id = "t.long"
type = "LONG"
name = "long"
category = "CREDENTIALS"
regex = '''\b(tok-live-[0-9]{6})\b'''
description = "test"
"#;
        let scanner = scanner_of(toml);
        let find = |hay: &str| {
            let (found, stats) = values_and_stats(&scanner, hay);
            (found, stats.windows)
        };
        assert_eq!(find("a tok-abcdefgh b"), (vec!["tok-abcdefgh".to_string()], 1));
        assert_eq!(find("a tok-live-123456 b"), (vec!["tok-live-123456".to_string()], 2));
        // The rest cut by the haystack's end: no window, as no match.
        assert_eq!(find("a tok-liv").1, 1);
        let (found, windows) = find("tok-abcdefgh tok-live-654321 tok-");
        assert_eq!(found, ["tok-abcdefgh", "tok-live-654321"]);
        assert_eq!(windows, 4, "three hits of the short rule, one of the long");
    }

    #[test]
    fn validators_and_ignore_lists_veto_the_windows_of_fixed_length_literal_rules() {
        // `t.key`: every match 12 bytes long and its own value; `t.var` holds
        // 8 to 12 letters, so only its search can tell what its value is.
        let toml = r#"[[rule]]
id = "t.key"
type = "KEY"
name = "key"
category = "CREDENTIALS"
regex = '''\b(KEY[A-Z2-7]{9})\b'''
ignore_values = ["KEYEXAMPLE23"]
ignore_words = ["XXXX"]
description = "test"

[[rule]]
id = "t.var"
type = "VAR"
name = "var"
category = "CREDENTIALS"
regex = '''\b(VAR[A-Z]{5,9})\b'''
ignore_values = ["VARABCDE"]
description = "test"
"#;
        let scanner = scanner_of(toml);
        let (key, var) = (&scanner.rules[0], &scanner.rules[1]);
        assert!(key.vetoed_at(b"a KEYEXAMPLE23 b", 2));
        assert!(key.vetoed_at(b"a keyexample23", 2), "ignore values compare canonically, as for candidates");
        assert!(key.vetoed_at(b"KEYXXXXABCDE", 0), "an ignore word");
        assert!(!key.vetoed_at(b"KEYQWERTY234", 0));
        assert!(!key.vetoed_at(b"KEYEXAMPLE2", 0), "cut by the haystack's end: the search decides");
        assert!(!var.vetoed_at(b"VARABCDE ", 0), "matches of several lengths are not vetoed before their search");
        // Vetoed windows are not searched; the findings are those the
        // candidates' own checks leave, vetoed or not.
        let find = |hay: &str| {
            let (found, stats) = values_and_stats(&scanner, hay);
            (found, stats.windows)
        };
        assert_eq!(find("a KEYEXAMPLE23 b KEYXXXXABCDE c"), (vec![], 0));
        assert_eq!(find("a KEYQWERTY234 b KEYEXAMPLE23"), (vec!["KEYQWERTY234".to_string()], 1));
        assert_eq!(find("VARABCDE VARABCDEF"), (vec!["VARABCDEF".to_string()], 2));
        // A vetoed value inside a longer token is no match either way.
        assert_eq!(find("KEYEXAMPLE23Q KEYQWERTY234").0, ["KEYQWERTY234"]);
        // A validator vetoes as the ignore lists do: a GitHub token whose
        // checksum is wrong opens no window.
        let builtin = Scanner::new(&crate::Rules::builtin().unwrap()).unwrap();
        let github = builtin.rules.iter().find(|r| &*r.info.id == "cred.github.1").unwrap();
        assert!(!github.vetoed_at(b"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", 0));
        assert!(github.vetoed_at(b"ghp_O3plOrXYfkdITmutxXSNrv9WuqGfGP1o2nAQ", 0));
        let (found, stats) = values_and_stats(&builtin, "token ghp_O3plOrXYfkdITmutxXSNrv9WuqGfGP1o2nAQ");
        assert_eq!((found.len(), stats.windows), (0, 0));
    }

    #[test]
    fn digit_groups_whose_every_match_a_check_drops_open_no_window() {
        // The US SSN's layouts: an impossible area (`000`, `666`, `9xx`), an
        // ignored value or a zero serial needs no search.
        let scanner = Scanner::new(&crate::Rules::builtin().unwrap()).unwrap();
        let ssn = scanner.rules.iter().position(|r| &*r.info.id == "pii.ssn.1").unwrap();
        let find = |hay: &str| {
            let (found, stats) = values_and_stats(&scanner, hay);
            (found, stats.windows)
        };
        for bad in ["912-34-5678", "000-12-3456", "666 12 3456", "512-00-3921", "512-48-0000", "078-05-1120"] {
            assert!(!scanner.rules[ssn].may_keep(bad.as_bytes()), "{bad}");
            assert_eq!(find(&format!("id {bad} ok")), (vec![], 0), "{bad}");
        }
        assert!(scanner.rules[ssn].may_keep(b"512-48-3921"));
        assert_eq!(find("id 512-48-3921 ok"), (vec!["512-48-3921".to_string()], 1));
        // One good layout in a group is enough for its window.
        assert_eq!(find("ids 912-34-5678 512-48-3921."), (vec!["512-48-3921".to_string()], 1));
    }

    #[test]
    fn a_match_found_again_keeps_the_value_of_its_own_haystack() {
        // Two keywords (`ref`, `ref no`) before one value open two windows
        // that find the same match: its groups are resolved once per
        // haystack, never carried over to another haystack where the same
        // span holds a match whose value group does not take part.
        let toml = r#"[[rule]]
id = "t.ref"
type = "REF"
name = "ref"
category = "PERSONAL_INFORMATION"
regex = '''\b(?:n(\d{6})|\d{6}k)\b'''
keywords = ["ref", "ref no"]
keyword_required = true
description = "test"
"#;
        let scanner = scanner_of(toml);
        let mut scratch = scanner.scratch();
        let mut find = |hay: &str| {
            let windows = scratch.stats().windows;
            let found = values(&scanner, &mut scratch, hay);
            (found, scratch.stats().windows - windows)
        };
        let (found, windows) = find("ref no n123456");
        assert_eq!(found, ["123456"]);
        assert!(windows >= 2, "both keywords open a window: {windows}");
        assert_eq!(find("ref no 123456k").0, ["123456k"]);
        assert_eq!(find("ref no n123456").0, ["123456"]);
        assert_eq!(find("ref no n123456, ref no 654321k").0, ["123456", "654321k"]);
    }

    /// Compares each keyword group's window around every keyword hit of
    /// `hay` with the hull of its members' own windows; returns how many hits
    /// had a window and how many had none.
    fn check_group_windows(scanner: &Scanner, hay: &str) -> (usize, usize) {
        let bytes = hay.as_bytes();
        let mut scratch = scanner.scratch();
        scanner.find(&mut scratch, bytes, 0..bytes.len(), &Context::none(), &mut |_| true);
        let set = scanner.all_triggers.as_ref().expect("the rules have keywords");
        let (mut some, mut none) = (0, 0);
        set.for_each(bytes, &scratch.classes, |h| {
            let Some(g) = scanner.keyword_group_of[TriggerSet::All as usize][h.keyword as usize] else { return };
            let want = scanner.keyword_groups[g as usize]
                .rules
                .iter()
                .filter_map(|&r| scanner.keyword_window(&scratch, bytes, r, h))
                .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end));
            let got = scanner.group_window(&scratch, bytes, g, h);
            assert_eq!(got, want, "hit at {}: {:?}", h.start, &hay[h.start..h.end]);
            if got.is_some() { some += 1 } else { none += 1 }
        });
        (some, none)
    }

    /// A keyword group's window is the hull of its members' windows, whether
    /// or not the members inside the hull so far were judged.
    #[test]
    fn keyword_group_windows_are_the_hull_of_their_members_windows() {
        let scanner = Scanner::new(&crate::Rules::builtin().unwrap()).unwrap();
        let hay = "mobile cell cellulare movil telefono nie dni ni number bban iban, and then plenty of words \
                   with no digit in them, so that no window of these keywords holds a digit group\n\
                   phone: 030 1234567 x; phone 12 and far away from any digits at all, phone\n\
                   account 12345678 at FR76 3000 6000 0112 3456 7890 189, account none here\n\
                   mobile (212) 555-0123 tel +44 20 7946 0958 cell 0301 23456 phone 98 76\n\
                   ip 10.0.0.1 ip fe80::1 card 4111 1111 1111 1111 account 1234 5678 9012\n\
                   telephone\n";
        let (some, none) = check_group_windows(&scanner, hay);
        assert!(some >= 5 && none >= 1, "{some} hits with a window, {none} without");
        // Windows that are not nested: a long one after the keyword only, and
        // a short one on both sides that starts before it.
        let rule = |id: &str, regex: &str, extra: &str| {
            format!(
                "[[rule]]\nid = \"t.{id}\"\ntype = \"{id}\"\nname = \"{id}\"\ncategory = \"PERSONAL_INFORMATION\"\n\
                 regex = '''{regex}'''\nkeywords = [\"ref\"]\nkeyword_required = true\n{extra}description = \"test\"\n"
            )
        };
        let toml = rule("after", r"\b([A-Z]{40,60})\b", "keyword_position = \"before\"\nkeyword_distance = 50\n")
            + &rule("num", r"\b(\d{9})\b", "digits = 9\nkeyword_distance = 20\n");
        let scanner = scanner_of(&toml);
        assert_eq!(scanner.keyword_groups.len(), 1);
        let hay = "id 123456789 ref ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ and then a ref with no number near it\n";
        assert_eq!(check_group_windows(&scanner, hay), (2, 0));
    }

    /// Digit rules of every start shape find exactly what their regex finds:
    /// values that may start inside a digit run, after a boundary, behind a
    /// `+` or `00` prefix, or after a separator inside a group, and values
    /// whose separators are of some kinds only or fixed layouts of runs.
    #[test]
    fn digit_rules_find_what_their_regex_finds() {
        let rules = [
            ("mid", r"7\d{8}", 9),
            ("bounded", r"\b(\d{3}-\d{2}-\d{4})\b", 9),
            ("spaced", r"\b(\d{3}\x20\d{2}\x20\d{4})\b", 9),
            ("plus", r"(?:^|[^\d])((?:\+49|0049[\x20.-])[1-9](?:[\x20.-]?\d){6,8})\b", 8),
            ("paren", r"(?:^|[^\d])(\(0\d{2}\)[\x20]?\d{6})\b", 8),
            ("track", r";(\d{13,16})=\d{4}\?", 13),
            ("eight", r"\b(\d{4}[ -]?\d{4})\b", 8),
        ];
        let mut toml = String::new();
        for (id, re, digits) in rules {
            toml.push_str(&format!(
                "[[rule]]\nid = \"t.{id}\"\ntype = \"{id}\"\nname = \"{id}\"\ncategory = \"PERSONAL_INFORMATION\"\n\
                 regex = '''{re}'''\ndigits = {digits}\ndescription = \"test\"\n"
            ));
        }
        let scanner = scanner_of(&toml);
        let hay = "ids 12347123456789 and 123-45-6789, 9123-45-6789 x\n\
                   tel +4930 1234567 or 0049 30 1234567; 00.4930123456 0.123456789\n\
                   call (030) 123456, 12 (030) 123456 and 1(030)123456\n\
                   swipe ;4111111111111111=2712? then 5;4111111111111=2712?\n\
                   10.10.155.132 123.45.6789 123 45 6789 (987)-65-4321 1 234-56-7890\n\
                   200 86176 2026 490-738-841 123-45-6789-1 1123-45-6789 12.123 45 6789\n\
                   1234 5678 12345678 1234-5678-9 123-4567 8 1234--5678 a1234 5678\n";
        let mut want: Vec<(String, String)> = Vec::new();
        for (id, re, _) in rules {
            let re = regex::bytes::Regex::new(re).unwrap();
            for c in re.captures_iter(hay.as_bytes()) {
                let m = c.get(1).unwrap_or_else(|| c.get(0).unwrap());
                want.push((id.to_string(), String::from_utf8_lossy(m.as_bytes()).into_owned()));
            }
        }
        let mut scratch = scanner.scratch();
        let mut got = Vec::new();
        scanner.find(&mut scratch, hay.as_bytes(), 0..hay.len(), &Context::none(), &mut |m| {
            let value = String::from_utf8_lossy(&hay.as_bytes()[m.start..m.end]).into_owned();
            got.push((scanner.rule_info(m.rule).data_type.to_string(), value));
            true
        });
        want.sort();
        got.sort();
        assert!(want.iter().any(|(id, _)| id == "mid") && want.len() >= 8, "{want:?}");
        assert_eq!(got, want);
    }

    /// Groups smaller than the digit levels' are collected only near the
    /// keyword hits that need them: the findings are those of a scanner
    /// collecting them everywhere, with keywords and values at every
    /// distance and across block boundaries.
    #[test]
    fn small_groups_collected_near_keywords_find_what_collecting_them_everywhere_finds() {
        let toml = r#"[[rule]]
id = "t.ref"
type = "REF"
name = "ref"
category = "PERSONAL_INFORMATION"
regex = '''\b(\d{3}[\x20-]?\d{3})\b'''
keywords = ["ref"]
keyword_required = true
keyword_distance = 30
digits = 6
description = "test"

[[rule]]
id = "t.kid"
type = "KID"
name = "kid"
category = "PERSONAL_INFORMATION"
regex = '''\b([12]\d{2}(?:\d{2}|2[AB])\x20?\d{3})\b'''
keywords = ["kid"]
keyword_required = true
keyword_distance = 20
digits = 6
description = "test"

[[rule]]
id = "t.long"
type = "LONG"
name = "long"
category = "PERSONAL_INFORMATION"
regex = '''\b(9\d{8})\b'''
digits = 9
description = "test"
"#;
        compare_small_groups(toml, 9);
        // Without digit-anchored rules, only groups of 64 digits or more are
        // collected everywhere.
        let keyword_only = &toml[..toml.find("[[rule]]\nid = \"t.long\"").expect("the digit rule")];
        compare_small_groups(keyword_only, NEAR_ONLY_CAP);
    }

    /// Compares a scanner of `toml`, whose groups below `everywhere_digits`
    /// digits are collected near keyword hits only, with one collecting them
    /// everywhere.
    fn compare_small_groups(toml: &str, everywhere_digits: u32) {
        let near = scanner_of(toml);
        assert_eq!(group_filter(&near.rules[0]), Some(6));
        assert_eq!(run_filter(&near.rules[1]), Some(6));
        let g = near.group_digits.expect("rules filtered by groups");
        assert_eq!((g.everywhere, g.near), (everywhere_digits, 6));
        let mut everywhere = scanner_of(toml);
        everywhere.group_digits = Some(GroupDigits { everywhere: 6, near: 6 });
        let pieces = [
            "ref ",
            "kid ",
            "ref: ",
            "word ",
            "lorem ipsum ",
            "\n",
            "123-456",
            "123 456",
            "12345 678",
            "1 2 3 4 5 6 7 8",
            "12-34-56-78",
            "1232A 456",
            "987654321",
            "912 345 678",
            "2024-05-12 ",
            "55 ",
            "(12) 34.56 78",
        ];
        let mut rng = crate::testutil::XorShift(0x2545_F491_4F6C_DD1D);
        let (mut a, mut b) = (near.scratch(), everywhere.scratch());
        let (mut found, mut collected) = (0, [0, 0]);
        for round in 0..400 {
            let mut hay = " ".repeat(round % 64);
            while hay.len() < 700 {
                let r = rng.next_u64();
                hay.push_str(pieces[(r % pieces.len() as u64) as usize]);
                hay.push_str(&" ".repeat((r >> 20) as usize % 3));
            }
            let got = values(&near, &mut a, &hay);
            assert_eq!(got, values(&everywhere, &mut b, &hay), "{hay:?}");
            found += got.len();
            collected = [collected[0] + a.groups.len(), collected[1] + b.groups.len()];
        }
        assert!(found > 1000, "{found} values found");
        assert!(collected[0] < collected[1], "groups collected: {collected:?}");
        // A group that starts before a window and ends in it, at every
        // alignment with the blocks and every distance from its keyword.
        let mut edge = 0;
        for pad in 0..128 {
            for gap in 0..40 {
                for value in ["55 123-456", "1-2 123 456", "(12) 1232A 456"] {
                    let (pad, gap) = ("x".repeat(pad), " ".repeat(gap));
                    for hay in [format!("{pad} {value}{gap}ref kid tail"), format!("{pad} ref kid{gap}{value} tail")] {
                        let got = values(&near, &mut a, &hay);
                        assert_eq!(got, values(&everywhere, &mut b, &hay), "{hay:?}");
                        edge += got.len();
                    }
                }
            }
        }
        assert!(edge > 10_000, "{edge} values found at the edges");
    }

    #[test]
    fn rules_compiled_in_parallel_report_the_first_error_in_rule_order() {
        let rule = |i: usize, regex: &str| {
            format!(
                "[[rule]]\nid = \"t.r{i}\"\ntype = \"T{i}\"\nname = \"r\"\ncategory = \"PERSONAL_INFORMATION\"\n\
                 regex = '''{regex}'''\ndescription = \"test\"\n"
            )
        };
        // Bad regexes at rules 23 and 57 of 80: whichever thread compiles
        // which, the error names rule 23.
        let toml: String =
            (0..80).map(|i| rule(i, if i == 23 || i == 57 { r"\bx(\d{4}\b" } else { r"\bid[0-9]{6}\b" })).collect();
        let mut set = crate::Rules::empty();
        set.add_toml("test.toml", &toml).unwrap();
        for _ in 0..20 {
            let Err(err) = Scanner::new(&set) else { panic!("two rules do not compile") };
            assert!(err.to_string().contains("t.r23"), "{err}");
        }
        set.retain(|r| r.syntax.id != "t.r23" && r.syntax.id != "t.r57");
        assert_eq!(Scanner::new(&set).expect("the rest compiles").rule_count(), 78);
    }

    #[test]
    fn literals_after_a_word_boundary_are_found_by_the_keyword_walk_as_the_regex_finds_them() {
        // Two rules whose matches start with their literal after `\b`
        // (ASCII and Unicode), one whose literal follows a byte that is no
        // letter or digit, one whose literal starts with dashes, and a
        // keyword rule, so the walk has keywords too.
        let toml = r#"[[rule]]
id = "t.key"
type = "KEY"
name = "key"
category = "CREDENTIALS"
regex = '''\b((?:AKIA|ASIA)[A-Z2-7]{4})\b'''
description = "test"

[[rule]]
id = "t.tok"
type = "TOK"
name = "tok"
category = "CREDENTIALS"
regex = '''\b(tok-[a-z]{3})'''
unicode = true
description = "test"

[[rule]]
id = "t.auth"
type = "AUTH"
name = "auth"
category = "CREDENTIALS"
regex = '''(?:^|[^A-Za-z0-9])(?:pre-)?(?:auth|AUTH)=([a-z]{3})'''
unicode = true
description = "test"

[[rule]]
id = "t.begin"
type = "BEGIN"
name = "begin"
category = "CREDENTIALS"
regex = '''(--BEG [a-z]{3})'''
description = "test"

[[rule]]
id = "t.free"
type = "FREE"
name = "free"
category = "CREDENTIALS"
regex = '''(?:[a-z]|-)?free=([a-z]{3})'''
description = "test"

[[rule]]
id = "t.pin"
type = "PIN"
name = "pin"
category = "PERSONAL_INFORMATION"
regex = '''\b(\d{4})\b'''
keywords = ["pin"]
keyword_required = true
description = "test"
"#;
        let scanner = scanner_of(toml);
        assert_eq!(
            scanner.word_literal_targets.len(),
            6,
            "AKIA, ASIA, tok-, auth, AUTH and --BEG are found at word starts"
        );
        assert_eq!(scanner.literal_targets.len(), 1, "free= may follow a letter: it is left to the literal search");
        for i in 0..4 {
            assert!(scanner.anchor_description(i).contains("at word starts"), "{}", scanner.anchor_description(i));
        }
        assert!(!scanner.anchor_description(4).contains("at word starts"), "{}", scanner.anchor_description(4));
        let literal_rules = &scanner.rules[..5];
        let mut scratch = scanner.scratch();
        let befores = ["", " ", "_", "x", "7", "é", "€", "\u{a0}", "-", "\"", "\n", "ü"];
        let candidates = [
            "AKIAABCD",
            "ASIA2345",
            "akiaabcd",
            "tok-abc",
            "TOK-abc",
            "AKIAABC",
            "auth=abc",
            "pre-auth=abc",
            "AUTH=xyz",
            "Auth=abc",
            "--BEG abc",
            "-BEG abc",
            "x--BEG abc",
            "free=abc",
            "xfree=abc",
        ];
        for pad in [0, 1, 50, 58, 59, 60, 61, 62, 63, 64, 120] {
            for before in befores {
                for value in candidates {
                    let hay = format!("{}{before}{value} end, pin 1234", "y".repeat(pad));
                    // What each rule's regex finds over the whole haystack, and the PIN.
                    let mut want = vec!["1234".to_string()];
                    for rule in literal_rules {
                        let re = rule.regex();
                        let mut caps = re.create_captures();
                        re.captures(Input::new(hay.as_bytes()), &mut caps);
                        if let Some(g) = caps.get_group(1) {
                            want.push(hay[g.range()].to_string());
                        }
                    }
                    want.sort();
                    let mut got = values(&scanner, &mut scratch, &hay);
                    got.sort();
                    assert_eq!(got, want, "{hay:?}");
                }
            }
        }
    }

    #[test]
    fn a_keyword_group_of_unicode_and_ascii_rules_keeps_each_rules_syntax() {
        let toml = r#"
[[rule]]
id = "t.code"
type = "CODE"
name = "code"
category = "PERSONAL_INFORMATION"
regex = '''\b(\w{3}-\d{3})\b'''
unicode = true
keywords = ["code"]
keyword_required = true
description = "test"

[[rule]]
id = "t.pin"
type = "PIN"
name = "pin"
category = "PERSONAL_INFORMATION"
regex = '''\b(\d{4})\b'''
keywords = ["code"]
keyword_required = true
description = "test"
"#;
        let scanner = scanner_of(toml);
        let groups: Vec<Vec<u32>> = scanner.keyword_groups.iter().map(|g| g.rules.clone()).collect();
        assert!(groups.iter().any(|g| g.contains(&0) && g.contains(&1)), "one group holds both rules: {groups:?}");
        let mut scratch = scanner.scratch();
        // A Unicode `\w` reads `äöü` as letters; an ASCII `\b` holds between
        // `é` and a digit, where a Unicode one would not.
        for (hay, want) in [
            ("code äöü-123 here", vec!["äöü-123"]),
            ("code é1234 here", vec!["1234"]),
            ("code äöü-123 and é4321", vec!["4321", "äöü-123"]),
            ("code xyz 12", vec![]),
        ] {
            let mut got = values(&scanner, &mut scratch, hay);
            got.sort();
            assert_eq!(got, want, "{hay:?}");
        }
    }
}

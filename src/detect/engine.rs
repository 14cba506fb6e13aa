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
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use regex_automata::util::captures::Captures;
use regex_automata::{Input, PatternSet, meta};

use crate::detect::compile::{AnchorKind, CompiledRule, regex_config, syntax_config};
use crate::detect::digits::{self, Group};
use crate::detect::keywords::{self, KeywordSet};
use crate::detect::resolve;
use crate::report::{Category, Confidence};
use crate::rules::{AllowList, RuleError, Rules};

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
#[derive(Clone, Debug)]
pub struct RuleInfo {
    /// The rule id.
    pub id: Arc<str>,
    /// The reported data type.
    pub data_type: Arc<str>,
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
fn digit_levels(compiled: &[CompiledRule], rules: &Rules, digit_rules: &[u32]) -> Result<Vec<DigitLevel>, RuleError> {
    let threshold = |r: u32| match compiled[r as usize].anchor {
        AnchorKind::Digits(d) => d,
        _ => unreachable!("digit_rules holds digit-anchored rules only"),
    };
    let mut thresholds: Vec<u32> = digit_rules.iter().map(|&r| threshold(r)).collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    let syntax: Vec<&crate::rules::Rule> = rules.iter().collect();
    let mut levels = Vec::new();
    for &min_digits in &thresholds {
        let members: Vec<u32> = digit_rules.iter().copied().filter(|&r| threshold(r) <= min_digits).collect();
        let patterns: Vec<&str> = members.iter().map(|&r| syntax[r as usize].syntax.regex.as_str()).collect();
        let unicode = members.iter().any(|&r| syntax[r as usize].syntax.unicode);
        let set = meta::Builder::new()
            .configure(
                regex_config()
                    .hybrid_cache_capacity(SET_CACHE_BYTES)
                    .match_kind(regex_automata::MatchKind::All)
                    .which_captures(regex_automata::nfa::thompson::WhichCaptures::None),
            )
            .syntax(syntax_config(unicode))
            .build_many(&patterns)
            .map_err(|e| RuleError::compile("digit-anchored rules", e.to_string()))?;
        let reach = members.iter().map(|&r| compiled[r as usize].max_len).max().unwrap_or(0);
        levels.push(DigitLevel { min_digits, rules: members, set, reach });
    }
    Ok(levels)
}

/// Cache budget for a digit level's multi-pattern lazy DFA: these automata
/// are large (dozens of patterns with counted repetitions), and a cache that
/// is too small makes the lazy DFA rebuild states over and over.
const SET_CACHE_BYTES: usize = 8 << 20;

/// Literal anchors: one automaton over every literal, each pattern mapped to
/// the rules it anchors and how far their matches extend around it.
#[derive(Debug)]
struct LiteralIndex {
    ac: AhoCorasick,
    /// For each pattern: (rule, bytes before, bytes after the literal end).
    targets: Vec<Vec<(u32, usize, usize)>>,
}

/// The digit-anchored rules whose threshold is at most `min_digits`, with one
/// multi-pattern regex over all of them (pattern i = `rules[i]`) that tells,
/// in one pass over a group's window, which of them can match there.
#[derive(Debug)]
struct DigitLevel {
    min_digits: u32,
    rules: Vec<u32>,
    set: meta::Regex,
    reach: usize,
}

/// A set of rules compiled for scanning. Build once, share across threads
/// (it is `Send + Sync`), and give each thread its own [`Scratch`].
#[derive(Debug)]
pub struct Scanner {
    rules: Vec<CompiledRule>,
    literals: Option<LiteralIndex>,
    /// Single rare bytes (such as `@`) and the rules they anchor.
    rare: Vec<(u8, Vec<(u32, usize, usize)>)>,
    /// Rules anchored on digit groups, bucketed by threshold (see [`DigitLevel`]).
    digit_levels: Vec<DigitLevel>,
    /// Every keyword of every rule.
    keywords: Option<KeywordSet>,
    /// The keywords of rules found only through keywords.
    triggers: Option<KeywordSet>,
    full_rules: Vec<u32>,
    allow: AllowList,
    context: usize,
}

/// Per-thread working memory for a [`Scanner`].
#[derive(Debug)]
pub struct Scratch {
    norm: Vec<u8>,
    caches: Vec<Option<meta::Cache>>,
    caps: Vec<Option<Captures>>,
    set_caches: Vec<Option<meta::Cache>>,
    patsets: Vec<PatternSet>,
    groups: Vec<Group>,
    cands: Vec<Candidate>,
    matches: Vec<Match>,
}

impl Scanner {
    /// Compiles `rules` with no allow list.
    ///
    /// # Errors
    /// A rule's regex does not compile.
    ///
    /// # Example
    /// ```
    /// let scanner = trawl::Scanner::new(&trawl::Rules::builtin()?)?;
    /// let mut scratch = scanner.scratch();
    /// let hay = b"ssn: 123-45-6789";
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
        let compiled: Vec<CompiledRule> = rules.iter().map(CompiledRule::compile).collect::<Result<_, _>>()?;
        let mut lit_patterns: Vec<Vec<u8>> = Vec::new();
        let mut lit_targets: Vec<Vec<(u32, usize, usize)>> = Vec::new();
        let mut rare: Vec<(u8, Vec<(u32, usize, usize)>)> = Vec::new();
        let mut digit_rules = Vec::new();
        let mut full_rules = Vec::new();
        let mut all_kw: Vec<(String, u32)> = Vec::new();
        let mut trigger_kw: Vec<(String, u32)> = Vec::new();
        for (i, (c, r)) in compiled.iter().zip(rules.iter()).enumerate() {
            let i = i as u32;
            for k in &r.syntax.keywords {
                all_kw.push((k.clone(), i));
            }
            match &c.anchor {
                AnchorKind::Literal(a) => {
                    for lit in &a.literals {
                        let target = (i, a.before, a.after);
                        if lit.len() == 1 {
                            match rare.iter_mut().find(|(b, _)| *b == lit[0]) {
                                Some((_, t)) => t.push(target),
                                None => rare.push((lit[0], vec![target])),
                            }
                        } else if let Some(p) = lit_patterns.iter().position(|l| l == lit) {
                            lit_targets[p].push(target);
                        } else {
                            lit_patterns.push(lit.clone());
                            lit_targets.push(vec![target]);
                        }
                    }
                }
                AnchorKind::Digits(_) => digit_rules.push(i),
                AnchorKind::Keyword => {
                    for k in &r.syntax.keywords {
                        trigger_kw.push((k.clone(), i));
                    }
                }
                AnchorKind::Full => full_rules.push(i),
            }
        }
        let literals = if lit_patterns.is_empty() {
            None
        } else {
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&lit_patterns)
                .map_err(|e| RuleError::compile("literal anchors", e.to_string()))?;
            Some(LiteralIndex { ac, targets: lit_targets })
        };
        let digit_levels = digit_levels(&compiled, rules, &digit_rules)?;
        let keywords = KeywordSet::new(&all_kw);
        let triggers = KeywordSet::new(&trigger_kw);
        let longest_kw = keywords.as_ref().map_or(0, KeywordSet::longest);
        let context = compiled
            .iter()
            .map(|c| {
                let reach = match &c.anchor {
                    AnchorKind::Literal(a) => a.before.max(a.after) + c.max_len,
                    AnchorKind::Digits(_) => 2 * digit_levels.iter().map(|l| l.reach).max().unwrap_or(0),
                    AnchorKind::Keyword => c.distance + c.max_len + longest_kw,
                    AnchorKind::Full => c.max_len,
                };
                reach + c.distance + longest_kw
            })
            .max()
            .unwrap_or(0)
            + 64;
        Ok(Scanner { rules: compiled, literals, rare, digit_levels, keywords, triggers, full_rules, allow, context })
    }

    /// Fresh working memory for one thread.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            norm: Vec::new(),
            caches: (0..self.rules.len()).map(|_| None).collect(),
            caps: (0..self.rules.len()).map(|_| None).collect(),
            set_caches: self.digit_levels.iter().map(|_| None).collect(),
            patsets: self.digit_levels.iter().map(|l| PatternSet::new(l.rules.len())).collect(),
            groups: Vec::new(),
            cands: Vec::new(),
            matches: Vec::new(),
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
        let r = &self.rules[index];
        RuleInfo { id: r.id.clone(), data_type: r.data_type.clone(), category: r.category }
    }

    /// How the engine finds candidates for rule `index`, e.g. `literal "AKIA" (+0/-16 bytes)`,
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
                format!("literal {}{more}, window -{}/+{}", lits.join(" | "), a.before, a.after)
            }
            AnchorKind::Digits(d) => format!("digit groups >= {d}"),
            AnchorKind::Keyword => "keywords".to_string(),
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
        let mut rules = Vec::new();
        if let Some(k) = &self.keywords {
            k.rules_in_name(&keywords::normalize_name(name), &mut rules);
        }
        rules.sort_unstable();
        Context { rules }
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
        scratch.cands.clear();
        if hay.is_empty() {
            return;
        }
        let need_norm = self.keywords.is_some();
        if need_norm {
            keywords::normalize_into(hay, &mut scratch.norm);
        }
        self.literal_anchors(scratch, hay);
        self.digit_anchors(scratch, hay);
        self.keyword_anchors(scratch, hay, ctx);
        for i in 0..self.full_rules.len() {
            let r = self.full_rules[i];
            self.search(scratch, hay, r, 0..hay.len(), 0..hay.len());
        }
        self.confirm(scratch, hay, ctx);
        let Scratch { matches, .. } = scratch;
        resolve::resolve(matches, |m| {
            (m.validated, self.rules[m.rule].priority, m.keyword, m.end - m.start, usize::MAX - m.rule)
        });
        for m in matches.iter() {
            if m.start >= report.start && m.start < report.end && !f(m) {
                break;
            }
        }
    }

    fn literal_anchors(&self, s: &mut Scratch, hay: &[u8]) {
        if let Some(lits) = &self.literals {
            for m in lits.ac.find_overlapping_iter(hay) {
                for &(rule, before, after) in &lits.targets[m.pattern().as_usize()] {
                    let win = m.start().saturating_sub(before)..(m.end() + after).min(hay.len());
                    self.search(s, hay, rule, win, m.start()..m.end());
                }
            }
        }
        for (byte, targets) in &self.rare {
            for pos in memchr::memchr_iter(*byte, hay) {
                for &(rule, before, after) in targets {
                    let win = pos.saturating_sub(before)..(pos + 1 + after).min(hay.len());
                    self.search(s, hay, rule, win, pos..pos + 1);
                }
            }
        }
    }

    fn digit_anchors(&self, s: &mut Scratch, hay: &[u8]) {
        let Some(lowest) = self.digit_levels.first() else { return };
        s.groups.clear();
        digits::find_groups(hay, lowest.min_digits, &mut s.groups);
        for gi in 0..s.groups.len() {
            let g = s.groups[gi];
            let li = self.digit_levels.partition_point(|l| l.min_digits <= g.digits) - 1;
            let level = &self.digit_levels[li];
            let win = g.start.saturating_sub(level.reach)..(g.end + level.reach).min(hay.len());
            let cache = s.set_caches[li].get_or_insert_with(|| level.set.create_cache());
            let patset = &mut s.patsets[li];
            patset.clear();
            level.set.which_overlapping_matches_with(cache, &Input::new(hay).range(win), patset);
            for pid in patset.iter() {
                let r = level.rules[pid.as_usize()];
                let rule = &self.rules[r as usize];
                let win = g.start.saturating_sub(rule.max_len)..(g.end + rule.max_len).min(hay.len());
                self.search_parts(&mut s.caches, &mut s.caps, &mut s.cands, hay, r, win, g.start..g.end);
            }
        }
    }

    fn keyword_anchors(&self, s: &mut Scratch, hay: &[u8], ctx: &Context) {
        // Rules found through keywords run over the whole haystack when the
        // container supplies their keyword (e.g. a CSV column named `dob`).
        for r in &ctx.rules {
            if self.rules[*r as usize].anchor == AnchorKind::Keyword {
                self.search(s, hay, *r, 0..hay.len(), 0..hay.len());
            }
        }
        let Some(trig) = &self.triggers else { return };
        let mut hits = Vec::new();
        trig.for_each(&s.norm, 0..hay.len(), |h| hits.push(h));
        for h in hits {
            for &r in trig.rules_of(h.keyword) {
                let rule = &self.rules[r as usize];
                let reach = rule.distance + rule.max_len;
                let lo = if rule.before_only { h.end } else { h.start.saturating_sub(reach) };
                let win = lo..(h.end + reach).min(hay.len());
                let anchor = win.clone();
                self.search(s, hay, r, win, anchor);
            }
        }
    }

    fn search(&self, s: &mut Scratch, hay: &[u8], rule: u32, win: Range<usize>, anchor: Range<usize>) {
        self.search_parts(&mut s.caches, &mut s.caps, &mut s.cands, hay, rule, win, anchor);
    }

    /// Runs rule `rule` over `hay[win]` and keeps the matches that overlap `anchor`.
    #[allow(clippy::too_many_arguments)]
    fn search_parts(
        &self,
        caches: &mut [Option<meta::Cache>],
        caps: &mut [Option<Captures>],
        cands: &mut Vec<Candidate>,
        hay: &[u8],
        rule: u32,
        win: Range<usize>,
        anchor: Range<usize>,
    ) {
        let ri = rule as usize;
        let r = &self.rules[ri];
        let cache = caches[ri].get_or_insert_with(|| r.regex.create_cache());
        let caps = caps[ri].get_or_insert_with(|| r.regex.create_captures());
        let mut input = Input::new(hay).range(win.clone());
        loop {
            r.regex.search_captures_with(cache, &input, caps);
            let Some(m) = caps.get_match() else { break };
            if m.start() < anchor.end && m.end() > anchor.start {
                let v = caps.get_group(r.group).unwrap_or(m.span());
                if v.end > v.start {
                    cands.push(Candidate {
                        start: v.start,
                        end: v.end,
                        rule,
                        full_start: m.start(),
                        full_end: m.end(),
                    });
                }
            }
            let next = if m.is_empty() { m.end() + 1 } else { m.end() };
            if next > win.end || m.start() >= anchor.end {
                break;
            }
            input.set_start(next);
        }
    }

    /// Validates candidates, checks keywords and lists, and fills `s.matches`.
    fn confirm(&self, s: &mut Scratch, hay: &[u8], ctx: &Context) {
        s.cands.sort_unstable();
        s.cands.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.rule == b.rule);
        s.matches.clear();
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
            let keyword = r.has_keywords
                && (ctx.has(ri)
                    || self.keywords.as_ref().is_some_and(|k| {
                        k.near(&s.norm, hay.len(), c.rule, (c.start, c.end), r.distance, r.before_only)
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
    }
}

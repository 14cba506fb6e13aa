//! Compiling one rule: regex, anchor, keyword settings and filters.

use std::collections::HashSet;

use regex_automata::meta;
use regex_syntax::hir::Hir;

use crate::detect::analyze::{self, Anchor};
use crate::detect::engine::RuleInfo;
use crate::detect::factor::Factor;
use crate::detect::shapes;
use crate::report::{Confidence, Symbol};
use crate::rules::syntax::{DEFAULT_KEYWORD_DISTANCE, KeywordPosition};
use crate::rules::{Rule, RuleError};
use crate::validate::Validator;

/// Cache budget per lazy DFA: windows are small, so a small cache suffices
/// and keeps per-thread memory bounded.
pub(crate) const DFA_CACHE_BYTES: usize = 256 * 1024;

/// How the engine finds candidates for a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AnchorKind {
    /// Occurrences of literals every match contains.
    Literal(Anchor),
    /// Digit groups of at least this many digits.
    Digits(u32),
    /// A two-letter upper-case code followed by two digits at a word start
    /// (IBANs): one of these codes.
    CountryCode(Vec<[u8; 2]>),
    /// Occurrences of the rule's keywords.
    Keyword,
    /// No anchor: the regex runs over all bytes.
    Full,
}

/// A rule ready to run.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    /// The rule's id, type and category, as findings carry them.
    pub info: RuleInfo,
    /// The parsed pattern, compiled on first use (most rules never see a
    /// candidate in a given scan, and compiling all of them up front would
    /// dominate start-up); kept parsed, so that it is not parsed again then.
    hir: Hir,
    regex: std::sync::OnceLock<meta::Regex>,
    /// The capture group holding the value: 1, or 0 when the regex has none
    /// or group 1 is the whole match but for assertions (`\b(...)\b`), so
    /// that the value is found without a capture search.
    pub group: usize,
    /// With a `group` of 1, the one-byte edges around the value, when its
    /// span follows from the match's (see [`analyze::capture_edges`]).
    pub edges: Option<analyze::Edges>,
    pub max_len: usize,
    /// The fewest digits any match holds.
    pub min_digits: u32,
    /// Bytes a match can have before its first digit and after its last,
    /// when all its digits form one digit group (see `analyze::DigitFacts::digit_span`).
    pub digit_span: Option<(usize, usize)>,
    /// The fewest separators (` -./()`) any match holds.
    pub min_separators: u32,
    /// Which separators a match can hold (bit `i`: the `i`-th byte of ` -./()`).
    pub separators: u8,
    /// Where a digit rule's matches start relative to the digit group of
    /// their first digit, when known (see `analyze::DigitFacts::start_shape`).
    pub start: Option<analyze::StartShape>,
    /// A keyword-anchored rule's declared `digits`: every match holds a
    /// run of that many digits joined by separators it can hold.
    pub digit_run: Option<u32>,
    /// A validator that can be run on the digits of a digit group before any
    /// regex: the rule's validator depends only on the value's digits, and
    /// the value is a run of the group between separators (see
    /// `analyze::digit_bounded`). Only payment card numbers so far.
    pub group_validator: Option<Validator>,
    /// For a literal-anchored rule, bytes every match holds before the
    /// anchor (see `analyze::needs_before`): a window without them before
    /// its anchor is not searched.
    pub needs_before: Option<Vec<u8>>,
    /// A short run of byte sets every match holds (see `factor`), worked
    /// out on first use (most rules never need it in a given scan).
    factor: std::sync::OnceLock<Option<Factor>>,
    /// The bytes a match can start with (`None`: a match can be empty):
    /// the tries of a window's starts skip the others (see `engine::window_matches`).
    pub first_bytes: Option<[u64; 4]>,
    /// The exact layouts of digit runs and separators of a digit rule's
    /// matches, when it has few (see `detect::shapes`).
    pub runs: Option<shapes::RunShapes>,
    pub anchor: AnchorKind,
    pub has_keywords: bool,
    pub keyword_required: bool,
    pub distance: usize,
    /// `distance` runs to the end of the match (see `RuleSyntax::keyword_distance_to_end`).
    pub distance_to_end: bool,
    pub before_only: bool,
    pub validator: Option<Validator>,
    pub ignore_values: HashSet<Vec<u8>>,
    /// The lengths of `ignore_values` (sorted): a value of another
    /// canonical length is on no list, and is neither copied nor hashed
    /// (a JWT is longer than the 64 bytes looked up without a copy).
    ignore_lengths: Vec<usize>,
    /// The rule's ignore words, each with its searcher built once (a
    /// candidate of such a rule searches its match for each).
    pub ignore_words: Vec<memchr::memmem::Finder<'static>>,
    /// The length of every match, when all are one length, each is its
    /// own value (`group` 0) and the rule has a validator or ignore lists:
    /// then the bytes where a match would start are the only value it
    /// could have there, and those checks can veto a window before its
    /// search (see [`CompiledRule::vetoed_at`]).
    fixed_len: Option<usize>,
    pub base_confidence: Confidence,
    pub priority: i32,
}

/// The meta-regex configuration shared by every rule regex.
pub(crate) fn regex_config() -> meta::Config {
    meta::Config::new().hybrid_cache_capacity(DFA_CACHE_BYTES).utf8_empty(false)
}

/// Lowercases ASCII and drops the separators ` -./` so that `4111-1111-1111-1111`
/// and `4111111111111111` compare equal.
pub(crate) fn canonical_value(v: &[u8]) -> Vec<u8> {
    canonical_bytes(v).collect()
}

/// The bytes of [`canonical_value`].
fn canonical_bytes(v: &[u8]) -> impl Iterator<Item = u8> + '_ {
    v.iter().filter(|b| !matches!(b, b' ' | b'-' | b'.' | b'/' | b'\t')).map(u8::to_ascii_lowercase)
}

/// Compiles a rule's parsed pattern ([`analyze::parse`]) with the engine's
/// configuration. The regex gets a prefilter of its own only when
/// `prefilter` says so: the engine runs a rule's regex over windows its own
/// prefilters found (a literal, a digit group, a keyword), where the
/// regex's literal analysis (prefixes, suffixes, inner literals with their
/// reverse automata, 44% of the time to compile it) rarely pays. It does
/// for rules whose matches start before their literal (e-mail addresses
/// around `@`): the inner literal lets the regex search back from the
/// literal instead of forward over the bytes before it (3% of the
/// match-dense benchmark). Nor does the regex get a full DFA or a one-pass
/// DFA: the lazy DFA and the backtracker serve windows of a few hundred
/// bytes as fast, and building them was another 5% of a small file's scan.
///
/// # Errors
/// The pattern does not compile (too large).
fn build_regex(hir: &Hir, prefilter: bool) -> Result<meta::Regex, Box<meta::BuildError>> {
    meta::Builder::new()
        .configure(regex_config().auto_prefilter(prefilter).dfa(false).onepass(false))
        .build_from_hir(hir)
        .map_err(Box::new)
}

/// Whether a rule's regex gets its own prefilter ([`build_regex`]): its
/// matches start before the literal that anchors them.
fn wants_prefilter(anchor: &AnchorKind) -> bool {
    matches!(anchor, AnchorKind::Literal(a) if a.before > 0)
}

impl CompiledRule {
    /// Whether a digit group with `seps` separators is too few for this
    /// rule: its separators all lie inside the group (`\d{3}-\d{2}-\d{4}`)
    /// and it needs more than the group has.
    #[inline(always)]
    pub(crate) fn needs_more_separators(&self, seps: u32) -> bool {
        self.digit_span == Some((0, 0)) && self.min_separators > seps
    }

    /// Whether [`CompiledRule::regex`] is built already.
    pub(crate) fn regex_built(&self) -> bool {
        self.regex.get().is_some()
    }

    /// The compiled regex. A pattern that parsed but fails to build (which
    /// `rules check` reports) never matches.
    pub(crate) fn regex(&self) -> &meta::Regex {
        self.regex.get_or_init(|| {
            build_regex(&self.hir, wants_prefilter(&self.anchor))
                .unwrap_or_else(|_| meta::Regex::new_many::<&str>(&[]).expect("an empty regex set builds"))
        })
    }

    /// A short run of byte sets that every match holds, if the pattern has
    /// one selective enough to be worth a look before a search (see `factor`).
    pub(crate) fn factor(&self) -> Option<&Factor> {
        self.factor.get_or_init(|| Factor::of(&self.hir)).as_ref()
    }

    /// Whether `hay[win]` holds the rule's factor, or the rule has none:
    /// a window without it holds no match.
    pub(crate) fn factor_allows(&self, hay: &[u8], win: &std::ops::Range<usize>) -> bool {
        self.factor().is_none_or(|f| f.occurs_in(hay, win.clone()))
    }

    pub(crate) fn compile(rule: &Rule) -> Result<CompiledRule, RuleError> {
        let s = &rule.syntax;
        let id = s.id.as_str();
        let hir = analyze::parse(&s.regex, s.unicode)
            .map_err(|e| RuleError::invalid(rule, format!("regex does not parse: {e}")))?;
        let captures = hir.properties().explicit_captures_len() > 0;
        // Group 1 holds the value; 0 when the match is the value.
        let group = if !captures || analyze::capture_is_match(&hir) { 0 } else { 1 };
        if hir.properties().minimum_len() == Some(0) {
            return Err(RuleError::invalid(rule, "regex matches the empty string"));
        }
        // A keyword is far rarer than a digit group (every log line has a few
        // numbers), so rules that require one are found through it.
        let anchor = match (analyze::anchor(&hir), analyze::country_code(&hir)) {
            (Some(a), _) => AnchorKind::Literal(a),
            (None, Some(codes)) => AnchorKind::CountryCode(codes),
            (None, None) if s.keyword_required => AnchorKind::Keyword,
            (None, None) => match s.digits {
                Some(d) => AnchorKind::Digits(d),
                None => AnchorKind::Full,
            },
        };
        let min_digits = analyze::min_digits(&hir);
        let facts = analyze::DigitFacts::of(&hir);
        Ok(CompiledRule {
            info: RuleInfo { id: Symbol::new(id), data_type: Symbol::new(&s.data_type), category: s.category },
            regex: {
                // Built-in rules are compiled lazily (the test suite proves
                // they build); user rules are compiled now, so that a bad one
                // is an error at load time rather than a silent no-match.
                let cell = std::sync::OnceLock::new();
                if !rule.origin.starts_with("builtin:") {
                    let _ =
                        cell.set(build_regex(&hir, wants_prefilter(&anchor)).map_err(|e| RuleError::regex(rule, e))?);
                }
                cell
            },
            group,
            edges: if group == 1 { analyze::capture_edges(&hir) } else { None },
            max_len: analyze::max_len(&hir),
            min_digits,
            digit_span: facts.digit_span(),
            min_separators: analyze::min_separators(&hir),
            separators: analyze::separator_bytes(&hir),
            start: match anchor {
                AnchorKind::Digits(d) => facts.start_shape(&hir, d),
                // Keyword-anchored rules judged by the groups in their windows.
                AnchorKind::Keyword => facts.start_shape(&hir, min_digits),
                _ => None,
            },
            digit_run: s.digits.filter(|_| anchor == AnchorKind::Keyword),
            runs: shapes::RunShapes::of(&hir),
            first_bytes: analyze::first_bytes(&hir),
            needs_before: match &anchor {
                AnchorKind::Literal(a) => analyze::needs_before(&hir, a),
                _ => None,
            },
            factor: std::sync::OnceLock::new(),
            group_validator: s
                .validator
                .filter(|v| *v == Validator::CreditCard && analyze::digit_bounded(&hir) && captures),
            anchor,
            has_keywords: !s.keywords.is_empty(),
            keyword_required: s.keyword_required,
            distance: s.keyword_distance.unwrap_or(DEFAULT_KEYWORD_DISTANCE) as usize,
            distance_to_end: s.keyword_distance_to_end,
            before_only: s.keyword_position == KeywordPosition::Before,
            validator: s.validator,
            ignore_lengths: {
                let mut lengths: Vec<usize> =
                    s.ignore_values.iter().map(|v| canonical_bytes(v.as_bytes()).count()).collect();
                lengths.sort_unstable();
                lengths.dedup();
                lengths
            },
            ignore_values: s.ignore_values.iter().map(|v| canonical_value(v.as_bytes())).collect(),
            ignore_words: s
                .ignore_words
                .iter()
                .map(|w| memchr::memmem::Finder::new(w.as_bytes()).into_owned())
                .collect(),
            fixed_len: match (hir.properties().minimum_len(), hir.properties().maximum_len()) {
                (Some(min), Some(max))
                    if min == max
                        && group == 0
                        && (s.validator.is_some() || !(s.ignore_values.is_empty() && s.ignore_words.is_empty())) =>
                {
                    Some(min)
                }
                _ => None,
            },
            base_confidence: s.confidence.unwrap_or(Confidence::Low),
            priority: s.priority,
            hir,
        })
    }

    /// The parsed pattern (for the multi-pattern sets that hold the rule).
    pub(crate) fn hir(&self) -> &Hir {
        &self.hir
    }

    /// Compiles the rule's regex anew (for `rules check`, which reports
    /// why a rule does not build).
    ///
    /// # Errors
    /// The pattern does not compile (too large).
    pub(crate) fn build_regex(&self) -> Result<meta::Regex, Box<meta::BuildError>> {
        build_regex(&self.hir, wants_prefilter(&self.anchor))
    }

    /// Whether the rule's ignore lists veto a match with this full text and value.
    pub(crate) fn ignored(&self, full: &[u8], value: &[u8]) -> bool {
        self.ignores_value(value) || self.ignore_words.iter().any(|w| w.find(full).is_some())
    }

    /// Whether a match starting at `hay[start]` would be vetoed by the
    /// rule's validator or ignore lists whatever the regex finds there:
    /// its matches all have one length and are their own values, so the
    /// bytes there are the one value a match could have. On the benchmark
    /// corpus, 52,000 of the 83,000 `AKIA` strings are the documentation's
    /// `AKIAIOSFODNN7EXAMPLE` and `AKIAXXXXXXXXXXXXXXXX`, each a window
    /// searched and a candidate checked only to be dropped.
    pub(crate) fn vetoed_at(&self, hay: &[u8], start: usize) -> bool {
        self.fixed_len.and_then(|n| hay.get(start..start + n)).is_some_and(|m| !self.may_keep(m))
    }

    /// Whether a match whose bytes are `m` can pass the checks of its
    /// bytes alone that confirm a candidate (the validator, the ignore
    /// lists), when the match is its own value (`group` 0); always for
    /// other rules, whose value is a part of the match found by a search.
    pub(crate) fn may_keep(&self, m: &[u8]) -> bool {
        self.group != 0 || (self.validator.is_none_or(|v| v.check(m)) && !self.ignored(m, m))
    }

    /// Whether `value` is on the rule's ignore list (canonically): every
    /// candidate of a rule with such a list is asked. A value of a length
    /// no listed value has is not looked up; the others are without an
    /// allocation up to 64 bytes.
    fn ignores_value(&self, value: &[u8]) -> bool {
        // Counted only up to one past the longest listed value: a longer
        // one (a JWT, a private key) is on no list, however long.
        let Some(&longest) = self.ignore_lengths.last() else { return false };
        if self.ignore_lengths.binary_search(&canonical_bytes(value).take(longest + 1).count()).is_err() {
            return false;
        }
        let mut buf = [0u8; 64];
        let mut n = 0;
        for b in canonical_bytes(value) {
            if n == buf.len() {
                return self.ignore_values.contains(&canonical_value(value));
            }
            buf[n] = b;
            n += 1;
        }
        self.ignore_values.contains(&buf[..n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_values_compare_canonically_at_any_length() {
        let long = "A".repeat(80);
        let toml = format!(
            "[[rule]]\nid = \"t.tok\"\ntype = \"TOK\"\nname = \"tok\"\ncategory = \"CREDENTIALS\"\n\
             regex = '''tok-[A-Za-z0-9 -]+'''\nignore_values = [\"TOK-1234 5678\", \"tok-{long}\"]\n\
             description = \"test\"\n"
        );
        let mut set = crate::Rules::empty();
        set.add_toml("test.toml", &toml).unwrap();
        let rule = CompiledRule::compile(set.iter().next().unwrap()).unwrap();
        for (value, ignored) in [
            ("tok-12345678", true),
            ("Tok-1234-5678", true),
            ("tok-12345679", false),
            (&*format!("tok-{}", long.to_lowercase()), true),
            (&*format!("tok-{long}B"), false),
            (&*format!("tok-{long}-"), true),
            (&*format!("tok-{}", "A".repeat(500)), false),
        ] {
            assert_eq!(rule.ignored(value.as_bytes(), value.as_bytes()), ignored, "{value}");
        }
    }
}

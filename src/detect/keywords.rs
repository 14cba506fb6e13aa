//! Keyword matching with Macie's semantics.
//!
//! Normalization lowercases ASCII letters, keeps digits and non-ASCII bytes,
//! and turns every other byte (space, `_`, `-`, punctuation, control bytes)
//! into a space. A keyword is normalized the same way and must stand between
//! spaces (or the ends), which gives:
//! - ASCII case-insensitivity;
//! - whole-word matching (`lic` never matches inside `public`);
//! - `credit card` matching `credit_card`, `Credit-Card` (the spaced form) and,
//!   through a second variant, `creditcard`.

/// Normalizes one byte (see the module docs): one table load, without the
/// branches on the byte's kind that text mispredicts.
#[inline(always)]
pub fn norm_byte(b: u8) -> u8 {
    NORM[usize::from(b)]
}

/// [`norm_byte`] of every byte.
static NORM: [u8; 256] = {
    let mut t = [b' '; 256];
    let mut b = 0usize;
    while b < 256 {
        let (byte, lower) = (b as u8, b as u8 | 0x20);
        if lower.wrapping_sub(b'a') < 26 {
            t[b] = lower;
        } else if byte.wrapping_sub(b'0') < 10 || byte >= 0x80 {
            t[b] = byte;
        }
        b += 1;
    }
    t
};

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
/// The result goes into `out` (cleared first).
pub fn normalize_name_into(name: &str, out: &mut Vec<u8>) {
    let bytes = name.as_bytes();
    out.clear();
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
}

/// Class of a normalized byte in a trigram code: space 0, letters 1-26,
/// digits 27, non-ASCII 28, anything else (never produced by normalization) 29.
static CLASS: [u8; 256] = {
    let mut t = [29u8; 256];
    t[b' ' as usize] = 0;
    let mut b = b'a';
    while b <= b'z' {
        t[b as usize] = b - b'a' + 1;
        b += 1;
    }
    let mut d = b'0';
    while d <= b'9' {
        t[d as usize] = 27;
        d += 1;
    }
    let mut h = 0x80usize;
    while h < 256 {
        t[h] = 28;
        h += 1;
    }
    t
};

/// Class of a raw byte in a trigram code: normalization then [`CLASS`].
static RAW_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let x = b as u8;
        let lower = x | 0x20;
        t[b] = if lower >= b'a' && lower <= b'z' {
            lower - b'a' + 1
        } else if x >= b'0' && x <= b'9' {
            27
        } else if x >= 0x80 {
            28
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The trigram code of three normalized bytes.
#[inline(always)]
fn trigram(a: u8, b: u8, c: u8) -> usize {
    ((CLASS[a as usize] as usize) << 10) | ((CLASS[b as usize] as usize) << 5) | CLASS[c as usize] as usize
}

use std::ops::Range;

use crate::detect::classify::{Classes, two_words};
use crate::detect::lookups::{self, Batch};
use crate::detect::vectors::{self, TrigramFilter};
use crate::detect::word_lanes;

const CODES: usize = 1 << 15;

/// One normalized form of one keyword, split into its first word and the rest.
#[derive(Clone, Debug)]
struct Form {
    keyword: u32,
    first: Vec<u8>,
    /// `first` as a little-endian word, zero-padded (its [`word_head`]),
    /// when it is ASCII and at most 8 bytes long (compared in one
    /// instruction), else `None`.
    key: Option<u64>,
    /// The following words, with a leading space (empty for one-word keywords).
    rest: Vec<u8>,
}

/// A compiled set of keywords, each mapped to the rules that use it.
///
/// Keywords are found by walking the word starts of the normalized text
/// (computed 64 bytes at a time with bit masks) and looking up each word's
/// first three bytes in a trigram table; only words whose trigram starts a
/// keyword are compared in full. This costs the same for 10 keywords or
/// 1,000, unlike an automaton whose speed falls as keywords are added.
#[derive(Clone, Debug)]
pub struct KeywordSet {
    forms: Vec<Form>,
    /// `offsets[r]..offsets[r + 1]` indexes `by_code`: the forms whose
    /// first word has the trigram of rank `r` in `bits` (see
    /// [`KeywordSet::forms_of`]).
    offsets: Vec<u32>,
    by_code: Vec<u32>,
    /// Bit `code`: some form or literal has that trigram.
    bits: Box<[u64; CODES / 64]>,
    /// The ranks of `bits`' words ([`Ranks`]).
    code_ranks: Ranks,
    /// Bit [`head_hash`] of every form's first word, with the first two
    /// bytes of its second word (0 for one-word forms): a word whose two
    /// bits (with 0 and with the two bytes after the one that ends it) are
    /// clear starts no keyword. Most words that pass the trigram table
    /// are rejected here: the `id` of `user_id` starts keywords (`id
    /// number`...), but none followed by a quote; the `user` of `user_id`
    /// starts `user ip`, but no keyword goes on with `id`.
    heads: Box<[u64; HEAD_BITS / 64]>,
    keyword_rules: Vec<Vec<u32>>,
    /// Whether keyword `k` is one of the [`GENERIC_KEYWORDS`].
    generic: Vec<bool>,
    longest: usize,
    first_bytes: FirstBytes,
    /// When all keywords start with one of a few ASCII letters, those letters
    /// (lowercase): word starts are then filtered 16 bytes at a time.
    first_letters: Option<[u8; MAX_FIRST_LETTERS]>,
    /// Exact literals found at word starts, sorted by trigram code (see
    /// [`KeywordSet::with_literals`]).
    literals: Vec<WordLiteral>,
    /// `literal_runs[i]` is the range of `literals` with the `i`-th
    /// distinct trigram: that of rank `i` in `literal_bits`.
    literal_runs: Vec<Range<u32>>,
    /// Bit `code`: some literal has that trigram.
    literal_bits: Box<[u64; CODES / 64]>,
    /// The ranks of `literal_bits`' words ([`Ranks`]).
    literal_ranks: Ranks,
    /// Bit [`literal_key`] of every literal's first three bytes from its
    /// first letter, as they are (literals are matched exactly): a word
    /// whose trigram some literal has, but whose case none has (`HTTP` of
    /// every web log line against `https://hooks.slack.com/`), is rejected
    /// before the literals of its trigram are compared.
    literal_keys: Box<[u64; CODES / 64]>,
    /// The codes of `bits` in two hashed tables: where the processor looks
    /// them up 64 at a time ([`TrigramFilter::masks`]), the word starts
    /// of a block whose trigram no keyword nor literal has are dropped
    /// before any is looked up one by one.
    filter: TrigramFilter,
}

/// For each 64-bit word of a table of [`CODES`] bits, how many bits the
/// words before it have set: with it, a set code's rank among the set ones
/// takes a load and a population count. Tables indexed by rank hold an
/// entry per code present instead of one per code (a table of every code
/// was 128 KiB per keyword set, paged in at start-up: see `KeywordSet`).
#[derive(Clone, Debug)]
struct Ranks(Box<[u16; CODES / 64]>);

impl Ranks {
    fn of(bits: &[u64; CODES / 64]) -> Ranks {
        let mut before = Box::new([0u16; CODES / 64]);
        let mut n = 0u16;
        for (r, w) in before.iter_mut().zip(bits.iter()) {
            *r = n;
            n += w.count_ones() as u16;
        }
        Ranks(before)
    }

    /// The rank of `code` among the codes set in `bits` (those of [`Ranks::of`]).
    #[inline(always)]
    fn rank(&self, bits: &[u64; CODES / 64], code: usize) -> usize {
        usize::from(self.0[code / 64]) + (bits[code / 64] & ((1u64 << (code % 64)) - 1)).count_ones() as usize
    }
}

/// A literal found at word starts: its trigram code (of its first letter
/// on), bytes, index, and the bytes before its first letter (`-----` of
/// `-----BEGIN `), which are never a word's.
#[derive(Clone, Debug)]
struct WordLiteral {
    code: usize,
    bytes: Vec<u8>,
    index: u32,
    lead: usize,
    /// Up to 16 bytes from the first letter on, as two little-endian words
    /// (zero-padded), and masks of the bytes they hold: most word starts
    /// with a literal's trigram (`https` of every URL for
    /// `https://hooks.slack.com/`) are rejected by two compares.
    head: [u64; 2],
    head_mask: [u64; 2],
}

/// Where the keyword walk looks for literal `lit`: the offset of its first
/// letter, which starts a word wherever the literal occurs when the bytes
/// before it are ASCII but no letters or digits (`-----BEGIN `), or, when
/// it starts with a letter, when the rule's regex says that no ASCII letter
/// or digit comes before it (`follows_non_alnum`: `\bAKIA`). `None` for
/// literals the walk cannot find: they start after a letter or digit, or
/// are shorter than the trigram read from their first letter.
pub fn word_literal_lead(lit: &[u8], follows_non_alnum: bool) -> Option<usize> {
    let lead = lit.iter().position(u8::is_ascii_alphabetic)?;
    let ok = if lead == 0 {
        follows_non_alnum
    } else {
        lit[..lead].iter().all(|b| b.is_ascii() && !b.is_ascii_alphanumeric())
    };
    (ok && lit.len() - lead >= 3).then_some(lead)
}

/// The shortest range walked with the trigram filter
/// ([`TrigramFilter::masks`]): on the short ranges around values the
/// filter's set-up (its tables loaded into vector registers) costs more
/// than the trigram lookups it saves.
const FILTERED_RANGE: usize = 1024;

/// Bits of [`KeywordSet::heads`] (4 KiB, for about a thousand forms).
const HEAD_BITS: usize = 1 << 15;

/// A word's first 8 bytes (fewer when it is shorter, zero-padded), with
/// `| 0x20` applied to each, given its raw bytes from `hay[s]` and its
/// length. Word bytes are letters, digits and non-ASCII bytes: `| 0x20`
/// lowercases the letters, leaves the digits and maps non-ASCII bytes
/// alike in the text and in the (normalized) keyword forms, so a word and
/// a form it equals once normalized have the same head.
#[inline(always)]
fn word_head(hay: &[u8], s: usize, len: usize) -> u64 {
    let raw = match hay.get(s..s + 8) {
        Some(w) => u64::from_le_bytes(w.try_into().expect("8 bytes")),
        None => {
            let mut b = [0u8; 8];
            let n = hay.len().saturating_sub(s).min(8);
            b[..n].copy_from_slice(&hay[s..s + n]);
            u64::from_le_bytes(b)
        }
    };
    let folded = raw | 0x2020_2020_2020_2020;
    if len >= 8 { folded } else { folded & ((1u64 << (8 * len)) - 1) }
}

/// A hash of the three bytes of `hay` from offset `s`, as they are (bytes
/// past its end read as zero), to a bit of [`KeywordSet::literal_keys`].
#[inline(always)]
fn literal_key(hay: &[u8], s: usize) -> usize {
    let bytes = match hay.get(s..s + 3) {
        Some(b) => [b[0], b[1], b[2], 0],
        None => {
            let at = |i: usize| hay.get(i).copied().unwrap_or(0);
            [at(s), at(s + 1), at(s + 2), 0]
        }
    };
    (u32::from_le_bytes(bytes).wrapping_mul(LITERAL_MULTIPLIER) >> LITERAL_SHIFT) as usize
}

/// Whether `b` is a word byte: an ASCII letter or digit, or a non-ASCII
/// byte (the word mask of [`Classes::word`]).
#[inline(always)]
fn is_word_byte(b: u8) -> bool {
    RAW_CLASS[usize::from(b)] != 0
}

/// Whether `text`, normalized, and the normalized `form` agree over the
/// shorter of the two.
#[inline]
fn same_prefix(text: &[u8], form: &[u8]) -> bool {
    text.iter().zip(form).all(|(&t, &k)| norm_byte(t) == k)
}

/// The `next` of [`head_hash`]: the first two (normalized) bytes of the
/// word after, given its first byte, if any, and the byte after that (a
/// space when there is none: a one-byte word ending the text).
#[inline(always)]
fn next_word_key(first: Option<u8>, second: Option<u8>) -> u16 {
    first.map_or(0, |b| u16::from(b) | u16::from(second.unwrap_or(b' ')) << 8)
}

/// The bit of [`KeywordSet::heads`] for a word with head `head` (see
/// [`word_head`]) and `len` bytes, followed by a word starting with the
/// two bytes of `next` (normalized, the first in the low byte; 0 for none).
#[inline(always)]
fn head_hash(head: u64, len: usize, next: u16) -> usize {
    let extra = ((len as u64) << 16 | u64::from(next)).rotate_right(24);
    let x = (head ^ extra).wrapping_mul(HEAD_MULTIPLIER);
    (x >> HEAD_SHIFT) as usize
}

/// The multiplier of [`head_hash`].
pub(crate) const HEAD_MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// The shift of [`head_hash`]: its top bits index [`KeywordSet::heads`].
pub(crate) const HEAD_SHIFT: u32 = 64 - HEAD_BITS.trailing_zeros();

/// The multiplier of [`literal_key`].
pub(crate) const LITERAL_MULTIPLIER: u32 = 0x9E37_79B1;

/// The shift of [`literal_key`]: its top bits index [`KeywordSet::literal_keys`].
pub(crate) const LITERAL_SHIFT: u32 = 32 - CODES.trailing_zeros();

/// Whether a keyword followed by `rest` names a product in a user-agent
/// string instead of labelling a value (`Mobile/15E148`, `Mobile
/// Safari/537.36`, `(Android 14; Mobile; rv:125.0)`): followed by a slash
/// and a version (a digit first, then digits, letters and dots, with a
/// letter or a dot among them and at most six digits: `/15E148`,
/// `/605.1.15`, not the phone number of `/phone/4155550132`), by
/// ` Safari/`, or by `; rv:`. Web logs hold such a user agent on most
/// requests from phones, where each `Mobile` opened windows for every
/// phone rule.
fn names_a_product(rest: &[u8]) -> bool {
    match rest.first() {
        Some(b'/') => {
            let n = rest[1..].iter().take(17).take_while(|b| b.is_ascii_alphanumeric() || **b == b'.').count();
            let token = &rest[1..1 + n];
            n <= 16
                && token.first().is_some_and(u8::is_ascii_digit)
                && token.iter().filter(|b| b.is_ascii_digit()).count() <= 6
                && token.iter().any(|b| b.is_ascii_alphabetic() || *b == b'.')
        }
        Some(b' ') => rest.get(1..8).is_some_and(|w| w.eq_ignore_ascii_case(b"safari/")),
        Some(b';') => rest.starts_with(b"; rv:"),
        _ => false,
    }
}

/// Keywords that are everyday words before they are labels (`call`,
/// `contact`, `text`): followed by an identifier word (see
/// [`names_an_identifier`]) they name a record's id, not a value of their
/// rules' type (`contact_id`, `call_id`, `cell_id` hold internal ids that
/// the phone rules would misread as numbers).
const GENERIC_KEYWORDS: &[&str] = &["call", "cell", "contact", "mob", "mobile", "reach", "sms", "text"];

/// Whether a keyword followed by `rest` names an identifier: one separator
/// (`_`, `-`, `.`, space), then the word `id`, `ids`, `uuid`, `guid`,
/// `idx` or `seq`, in any case.
fn names_an_identifier(rest: &[u8]) -> bool {
    let Some((&sep, after)) = rest.split_first() else { return false };
    if !matches!(sep, b'_' | b'-' | b'.' | b' ') {
        return false;
    }
    let n = after.iter().take(5).take_while(|b| b.is_ascii_alphanumeric()).count();
    let word = after[..n].to_ascii_lowercase();
    matches!(word.as_slice(), b"id" | b"ids" | b"uuid" | b"guid" | b"idx" | b"seq")
        && after.get(n).is_none_or(|b| !b.is_ascii_alphanumeric())
}

/// Up to this many distinct first letters are filtered with SIMD compares.
const MAX_FIRST_LETTERS: usize = 6;

/// Bit `i` set when `block[i]`, lowercased, is one of `letters` (a block
/// shorter than 64 bytes leaves the high bits clear).
#[inline]
fn letter_mask(block: &[u8], letters: [u8; MAX_FIRST_LETTERS]) -> u64 {
    use wide::u8x16;
    crate::detect::classify::mask64(block, |v| {
        let v = v | u8x16::splat(0x20);
        letters.iter().fold(u8x16::splat(0), |hit, &l| hit | v.simd_eq(u8x16::splat(l)))
    })
}

/// Which bytes keywords start with: letters only (the common case, which
/// lets the scan skip words starting with digits), or anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FirstBytes {
    Letters,
    Any,
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
        Self::with_literals(pairs, &[])
    }

    /// Like [`KeywordSet::new`], and the walk also reports `literals` (exact,
    /// case-sensitive bytes, each at least 3 bytes long and starting with an
    /// ASCII letter) where they start at a word start or right after a
    /// non-ASCII byte: at every position not preceded by an ASCII letter or
    /// digit. A literal hit's `keyword` is the set's keyword count plus the
    /// literal's index in `literals` (see [`KeywordSet::literal_of`]).
    /// Returns `None` when there are neither keywords nor literals.
    ///
    /// # Panics
    /// When a literal cannot be found at word starts: its first ASCII letter
    /// follows a letter, digit or non-ASCII byte, or fewer than 3 bytes
    /// start there (see [`word_literal_lead`]).
    pub fn with_literals(pairs: &[(String, u32)], literals: &[Vec<u8>]) -> Option<KeywordSet> {
        let mut keywords: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        keywords.sort_unstable();
        keywords.dedup();
        // Two forms at most per keyword (`credit card`, `creditcard`).
        let mut forms = Vec::with_capacity(2 * keywords.len());
        let mut longest = 0;
        for (ki, k) in keywords.iter().enumerate() {
            for v in variants(k) {
                let w = &v[1..v.len() - 1];
                longest = longest.max(w.len());
                let split = w.iter().position(|&b| b == b' ').unwrap_or(w.len());
                let first = w[..split].to_vec();
                // Normalized ASCII bytes are their own `| 0x20`: the key is the form's head.
                let key = (first.len() <= 8 && first.is_ascii()).then(|| word_head(&first, 0, first.len()));
                forms.push(Form { keyword: ki as u32, first, key, rest: w[split..].to_vec() });
            }
        }
        if forms.is_empty() && literals.is_empty() {
            return None;
        }
        let code_of = |f: &Form| {
            let g = |i: usize| f.first.get(i).copied().unwrap_or(b' ');
            let b = g(1);
            trigram(g(0), b, if b == b' ' { b' ' } else { g(2) })
        };
        let mut order: Vec<u32> = (0..forms.len() as u32).collect();
        order.sort_by_key(|&i| code_of(&forms[i as usize]));
        let mut bits = Box::new([0u64; CODES / 64]);
        let mut heads = Box::new([0u64; HEAD_BITS / 64]);
        for f in &forms {
            let c = code_of(f);
            bits[c / 64] |= 1 << (c % 64);
            // `rest` is a space, then the next word.
            let next = next_word_key(f.rest.get(1).copied(), f.rest.get(2).copied());
            let h = head_hash(word_head(&f.first, 0, f.first.len()), f.first.len(), next);
            heads[h / 64] |= 1 << (h % 64);
        }
        let generic: Vec<bool> =
            keywords.iter().map(|k| GENERIC_KEYWORDS.iter().any(|g| g.eq_ignore_ascii_case(k.trim()))).collect();
        let mut keyword_rules = vec![Vec::new(); keywords.len()];
        for (k, rule) in pairs {
            let ki = keywords.binary_search(&k.as_str()).expect("keyword was collected above");
            if !keyword_rules[ki].contains(rule) {
                keyword_rules[ki].push(*rule);
            }
        }
        let mut literal_bits = Box::new([0u64; CODES / 64]);
        let mut literal_keys = Box::new([0u64; CODES / 64]);
        let mut word_literals: Vec<WordLiteral> = literals
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let lead = word_literal_lead(l, true).unwrap_or_else(|| panic!("a word-start literal: {l:?}"));
                let code = Self::code_at(l, lead);
                bits[code / 64] |= 1 << (code % 64);
                literal_bits[code / 64] |= 1 << (code % 64);
                let key = literal_key(l, lead);
                literal_keys[key / 64] |= 1 << (key % 64);
                let from_letter = &l[lead..l.len().min(lead + 16)];
                let mut ones = [0xFFu8; 16];
                ones[from_letter.len()..].fill(0);
                WordLiteral {
                    code,
                    bytes: l.clone(),
                    index: i as u32,
                    lead,
                    head: two_words(from_letter, 0),
                    head_mask: two_words(&ones, 0),
                }
            })
            .collect();
        // The filter lets through the first four bytes' classes of every
        // form, followed by a word end, and of every literal from its first
        // letter (the bytes after a short one of any class).
        let mut filter = TrigramFilter::new(RAW_CLASS[..128].try_into().expect("128 bytes"));
        let classes_of =
            |bytes: &[u8]| bytes.iter().take(4).map(|&b| usize::from(RAW_CLASS[usize::from(b)])).collect::<Vec<_>>();
        for f in &forms {
            filter.insert(&classes_of(&[&f.first[..], &f.rest[..], b" "].concat()));
        }
        for l in &word_literals {
            filter.insert(&classes_of(&l.bytes[l.lead..]));
        }
        // Forms by the rank of their trigram among the codes of `bits`.
        let code_ranks = Ranks::of(&bits);
        let mut offsets = vec![0u32; bits.iter().map(|w| w.count_ones() as usize).sum::<usize>() + 1];
        for f in &forms {
            offsets[code_ranks.rank(&bits, code_of(f)) + 1] += 1;
        }
        for r in 1..offsets.len() {
            offsets[r] += offsets[r - 1];
        }
        // Literals by trigram: the `i`-th run holds those of the code of rank `i`.
        word_literals.sort_by_key(|l| l.code);
        let mut literal_runs: Vec<Range<u32>> = Vec::new();
        for (i, l) in word_literals.iter().enumerate() {
            match literal_runs.last_mut() {
                Some(r) if word_literals[r.start as usize].code == l.code => r.end += 1,
                _ => literal_runs.push(i as u32..i as u32 + 1),
            }
        }
        let literal_ranks = Ranks::of(&literal_bits);
        let first_bytes =
            if forms.iter().all(|f| f.first[0].is_ascii_lowercase()) { FirstBytes::Letters } else { FirstBytes::Any };
        let mut firsts: Vec<u8> = forms.iter().map(|f| f.first[0]).collect();
        firsts.extend(word_literals.iter().map(|l| l.bytes[l.lead].to_ascii_lowercase()));
        firsts.sort_unstable();
        firsts.dedup();
        let first_letters = (first_bytes == FirstBytes::Letters && firsts.len() <= MAX_FIRST_LETTERS).then(|| {
            // Pad by repeating a letter already in the set.
            let mut l = [firsts[0]; MAX_FIRST_LETTERS];
            l[..firsts.len()].copy_from_slice(&firsts);
            l
        });
        Some(KeywordSet {
            forms,
            offsets,
            by_code: order,
            bits,
            code_ranks,
            heads,
            keyword_rules,
            generic,
            longest,
            first_bytes,
            first_letters,
            literals: word_literals,
            literal_runs,
            literal_bits,
            literal_ranks,
            literal_keys,
            filter,
        })
    }

    /// The index in the literals given to [`KeywordSet::with_literals`] of
    /// hit keyword `k`, when it is a literal.
    pub fn literal_of(&self, k: u32) -> Option<usize> {
        (k as usize).checked_sub(self.keyword_rules.len())
    }

    /// The longest keyword form, in bytes.
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// How many distinct keywords the set holds (keyword ids are below this).
    pub fn keyword_count(&self) -> usize {
        self.keyword_rules.len()
    }

    /// The rules that list keyword `k`.
    pub fn rules_of(&self, k: u32) -> &[u32] {
        &self.keyword_rules[k as usize]
    }

    /// The trigram code of the word starting at offset `s` of `hay`. Bytes
    /// are classed in normalized form, so `hay` may be raw text or already
    /// normalized; bytes past the end of the word (or of `hay`) count as
    /// spaces, as in the keywords' own codes.
    #[inline(always)]
    fn code_at(hay: &[u8], s: usize) -> usize {
        let (a, b, c) = if let Some(w) = hay.get(s..s + 3) {
            (RAW_CLASS[w[0] as usize], RAW_CLASS[w[1] as usize], RAW_CLASS[w[2] as usize])
        } else {
            let at = |i: usize| hay.get(i).map_or(0, |&x| RAW_CLASS[x as usize]);
            (at(s), at(s + 1), at(s + 2))
        };
        Self::code_of_classes(a, b, c)
    }

    /// [`KeywordSet::code_at`] of a word whose first three bytes are `x`, `y`, `z`.
    #[inline(always)]
    fn code_of(x: u8, y: u8, z: u8) -> usize {
        Self::code_of_classes(RAW_CLASS[x as usize], RAW_CLASS[y as usize], RAW_CLASS[z as usize])
    }

    /// The trigram code of three byte classes (a space second ends the word).
    #[inline(always)]
    fn code_of_classes(a: u8, b: u8, c: u8) -> usize {
        let c = if b == 0 { 0 } else { c };
        (((a as usize) << 10) | ((b as usize) << 5) | c as usize) & (CODES - 1)
    }

    /// Whether some form's first word or some literal has trigram `code`.
    #[inline(always)]
    fn has_code(&self, code: usize) -> bool {
        self.bits[code / 64] >> (code % 64) & 1 == 1
    }

    /// Checks the forms that could start at offset `s` of `hay` (a word
    /// start whose trigram `code` some form has), given the word's length.
    #[inline(always)]
    fn at_word(&self, hay: &[u8], s: usize, code: usize, len: usize, f: &mut impl FnMut(KeywordHit)) {
        if self.has_head(hay, s, len) {
            self.verify(hay, s, len, word_head(hay, s, len), code, f);
        }
        if self.has_literal(code) && self.has_literal_key(literal_key(hay, s)) {
            self.verify_literals(hay, s, code, f);
        }
    }

    /// Whether some form's first word could be the word of `len` bytes at
    /// offset `s` of `hay`, by the bits of [`KeywordSet::heads`].
    #[inline(always)]
    fn has_head(&self, hay: &[u8], s: usize, len: usize) -> bool {
        let head = word_head(hay, s, len);
        // The word ends at a byte that normalizes to a space; a second word
        // may follow it, of which two bytes are hashed (`user_id` is then
        // told from `user ip` before any compare).
        let byte = |i: usize| hay.get(i).map(|&b| norm_byte(b));
        let next = next_word_key(byte(s + len + 1), byte(s + len + 2));
        let (one, two) = (head_hash(head, len, 0), head_hash(head, len, next));
        (self.heads[one / 64] >> (one % 64) | self.heads[two / 64] >> (two % 64)) & 1 == 1
    }

    /// Whether some literal's first three bytes from its first letter have
    /// [`literal_key`] `key`.
    #[inline(always)]
    fn has_literal_key(&self, key: usize) -> bool {
        self.literal_keys[key / 64] >> (key % 64) & 1 == 1
    }

    /// The forms (indexes into `forms`) whose first word has trigram `code`.
    #[inline(always)]
    fn forms_of(&self, code: usize) -> &[u32] {
        if !self.has_code(code) {
            return &[];
        }
        let r = self.code_ranks.rank(&self.bits, code);
        &self.by_code[self.offsets[r] as usize..self.offsets[r + 1] as usize]
    }

    /// Whether some literal has trigram `code`.
    #[inline(always)]
    fn has_literal(&self, code: usize) -> bool {
        self.literal_bits[code / 64] >> (code % 64) & 1 == 1
    }

    /// Reports the literals of trigram `code` (one of [`KeywordSet::has_literal`])
    /// whose first letter is at offset `s`.
    #[inline(never)]
    fn verify_literals(&self, hay: &[u8], s: usize, code: usize, f: &mut impl FnMut(KeywordHit)) {
        let run = &self.literal_runs[self.literal_ranks.rank(&self.literal_bits, code)];
        let words = two_words(hay, s);
        for l in &self.literals[run.start as usize..run.end as usize] {
            if (words[0] & l.head_mask[0]) != l.head[0] || (words[1] & l.head_mask[1]) != l.head[1] {
                continue;
            }
            let Some(start) = s.checked_sub(l.lead) else { continue };
            if hay[start..].starts_with(&l.bytes) {
                let keyword = (self.keyword_rules.len() + l.index as usize) as u32;
                f(KeywordHit { keyword, start, end: start + l.bytes.len() });
            }
        }
    }

    /// Compares the word at `s` (`len` bytes, head `head`: see
    /// [`word_head`]) with the forms of trigram `code`.
    #[inline(never)]
    fn verify(&self, hay: &[u8], s: usize, len: usize, head: u64, code: usize, f: &mut impl FnMut(KeywordHit)) {
        let word_end = s + len;
        let same = |text: &[u8], form: &[u8]| text.len() == form.len() && same_prefix(text, form);
        // A word of up to 8 bytes is its head, compared with an ASCII form's key in one instruction.
        let word_key = (len <= 8).then_some(head);
        for &fi in self.forms_of(code) {
            let form = &self.forms[fi as usize];
            if form.first.len() != len {
                continue;
            }
            let first_matches = match (word_key, form.key) {
                (Some(w), Some(k)) => w == k,
                _ => same(&hay[s..word_end], &form.first),
            };
            if !first_matches {
                continue;
            }
            let end = word_end + form.rest.len();
            if end <= hay.len()
                && same(&hay[word_end..end], &form.rest)
                && hay.get(end).is_none_or(|&b| norm_byte(b) == b' ')
                && !names_a_product(&hay[end..])
                && !(self.generic[form.keyword as usize] && names_an_identifier(&hay[end..]))
            {
                f(KeywordHit { keyword: form.keyword, start: s, end });
            }
        }
    }

    /// The offsets among the first 64 of `piece` at which no keyword or
    /// literal of this set can start, whatever bytes come before or after
    /// `piece` (bit `i` for offset `i`): the word there ends inside `piece`,
    /// no literal has its trigram, and every form with its trigram differs
    /// from the bytes of `piece` before they run out. A record's keys
    /// between its values (`,"trace_id":`) are such bytes, repeated on
    /// every line: the keyword walk skips them where it knows they occur
    /// ([`Classes::set_quiet`]). Word starts only depend on the bytes of
    /// `piece` from offset 1 on, so offset 0 is never quiet.
    pub(crate) fn quiet_starts(&self, piece: &[u8]) -> u64 {
        let mut quiet = 0u64;
        for s in 1..piece.len().min(64) {
            let len = piece[s..].iter().take_while(|&&b| is_word_byte(b)).count();
            // The walk reads a word's length from two blocks of masks, and
            // its trigram from the two bytes after its first.
            if len == 0 || len > 64 || s + len.max(3) > piece.len() || s + len == piece.len() {
                continue;
            }
            let code = Self::code_at(piece, s);
            if self.has_literal(code) {
                continue;
            }
            let may_match = self.forms_of(code).iter().any(|&fi| {
                let form = &self.forms[fi as usize];
                form.first.len() == len
                    && same_prefix(&piece[s..s + len], &form.first)
                    && same_prefix(&piece[s + len..], &form.rest)
            });
            if !may_match {
                quiet |= 1 << s;
            }
        }
        quiet
    }

    /// The word starts among the first 64 offsets of `piece` (after its
    /// first byte) whose trigram some form or literal of this set has: the
    /// only ones the walk would look at.
    pub(crate) fn known_starts(&self, piece: &[u8]) -> u64 {
        (1..piece.len().min(64))
            .filter(|&s| {
                is_word_byte(piece[s]) && !is_word_byte(piece[s - 1]) && self.has_code(Self::code_at(piece, s))
            })
            .fold(0, |known, s| known | 1 << s)
    }

    /// Calls `f` for every keyword in `hay`, in order of start, given the
    /// class masks of `hay`.
    pub fn for_each(&self, hay: &[u8], classes: &Classes, f: impl FnMut(KeywordHit)) {
        self.for_each_range(hay, classes, 0..hay.len(), f);
    }

    /// Calls `f` for every keyword that starts in `range`, in order of start.
    pub fn for_each_range(&self, hay: &[u8], classes: &Classes, range: Range<usize>, f: impl FnMut(KeywordHit)) {
        let filtered = range.len() >= FILTERED_RANGE && vectors::has_trigram_filter();
        self.walk_range(hay, classes, range, filtered, word_lanes::available(), f);
    }

    /// [`KeywordSet::for_each_range`], with the trigram filter or without
    /// (`filtered`, only where the processor has it), eight blocks at a
    /// time in vector lanes where `filtered` and `lanes` (only where
    /// [`word_lanes::available`]).
    fn walk_range(
        &self,
        hay: &[u8],
        classes: &Classes,
        range: Range<usize>,
        filtered: bool,
        lanes: bool,
        mut f: impl FnMut(KeywordHit),
    ) {
        if filtered && lanes && self.first_letters.is_none() && lookups::has_batched_lookups() {
            let starts = word_lanes::Starts {
                classes,
                range,
                letters_only: self.first_bytes == FirstBytes::Letters,
                after_high: !self.literals.is_empty(),
                quiet: classes.has_quiet(),
            };
            let filter = |k, n, out: &mut [u64; 64]| self.filter.masks(hay, k, n, out);
            word_lanes::walk(&starts, filter, |batch| self.judge_batch(hay, batch, &mut f));
            return;
        }
        // Most haystacks have no quiet starts: their walk does not read any.
        if classes.has_quiet() {
            self.walk::<true>(hay, classes, range, filtered, f);
        } else {
            self.walk::<false>(hay, classes, range, filtered, f);
        }
    }

    /// [`KeywordSet::for_each_range`], with the trigram filter or without
    /// (`filtered`, only where the processor has it), skipping the quiet
    /// starts of `classes` when `QUIET` (see `detect::quiet`).
    fn walk<const QUIET: bool>(
        &self,
        hay: &[u8],
        classes: &Classes,
        range: Range<usize>,
        filtered: bool,
        mut f: impl FnMut(KeywordHit),
    ) {
        if range.start >= range.end {
            return;
        }
        let (first_block, last_block) = (range.start / 64, (range.end - 1) / 64);
        let mut prev_word = if first_block > 0 { classes.word(first_block - 1) >> 63 } else { 0 };
        let mut prev_high = if first_block > 0 { classes.high(first_block - 1) >> 63 } else { 0 };
        // Where the processor has them, the filtered starts are looked up
        // eight at a time (see `detect::lookups`).
        let batched = filtered && lookups::has_batched_lookups();
        let mut batch = Batch::default();
        // Trigram codes by offset in the block: only the entries of a
        // block's known starts are written and read, so the array is not
        // cleared per block.
        let mut codes = [0u16; 64];
        // The trigram filter's masks of up to 64 blocks from block
        // `filter_first`, computed when a block with starts needs them.
        let (mut passing, mut filter_first) = ([0u64; 64], usize::MAX);
        for k in first_block..=last_block.min(classes.blocks().saturating_sub(1)) {
            let word = classes.word(k);
            // Only starts inside the range.
            let lo = if k == first_block { range.start % 64 } else { 0 };
            let hi = if k == last_block { (range.end - 1) % 64 + 1 } else { 64 };
            let in_range = (if hi == 64 { u64::MAX } else { (1u64 << hi) - 1 }) & !((1u64 << lo) - 1);
            // Only words whose first byte can start a keyword.
            let first = match self.first_bytes {
                FirstBytes::Letters => classes.upper(k) | classes.lower(k),
                FirstBytes::Any => word,
            };
            // Not the starts known to start nothing (a record's keys).
            let quiet = if QUIET { classes.quiet(k) } else { 0 };
            let mut starts = first & !((word << 1) | prev_word) & in_range & !quiet;
            prev_word = word >> 63;
            // Letters right after a non-ASCII byte start no word, but a literal can start there.
            let mut after_high = 0;
            if !self.literals.is_empty() {
                let high = classes.high(k);
                after_high = (classes.upper(k) | classes.lower(k)) & ((high << 1) | prev_high) & in_range & !quiet;
                prev_high = high >> 63;
            }
            if starts | after_high == 0 {
                continue;
            }
            if filtered {
                if k < filter_first || k - filter_first >= 64 {
                    filter_first = k;
                    self.filter.masks(hay, k, last_block + 1 - k, &mut passing);
                }
                let passed = passing[k - filter_first];
                (starts, after_high) = (starts & passed, after_high & passed);
            }
            if let Some(letters) = self.first_letters {
                let m = letter_mask(&hay[k * 64..(k * 64 + 64).min(hay.len())], letters);
                starts &= m;
                after_high &= m;
            }
            starts |= after_high;
            // The starts whose trigram some form has, without a branch on
            // each (about one start in five passes in logs, unpredictably).
            let mut known = 0u64;
            if filtered {
                // Nearly every start the filter passed has a known
                // trigram: each is looked up with its word.
                (known, starts) = (starts, 0);
            } else if let Some(block) = hay.get(k * 64..k * 64 + 66) {
                // The block and the two bytes after it: trigrams read without bounds checks.
                let block: &[u8; 66] = block.try_into().expect("66 bytes");
                while starts != 0 {
                    let i = starts.trailing_zeros() as usize & 63;
                    starts &= starts - 1;
                    let code = Self::code_of(block[i], block[i + 1], block[i + 2]);
                    codes[i] = code as u16;
                    known |= u64::from(self.has_code(code)) << i;
                }
            }
            while starts != 0 {
                let i = starts.trailing_zeros() as usize;
                starts &= starts - 1;
                let code = Self::code_at(hay, k * 64 + i);
                codes[i] = code as u16;
                known |= u64::from(self.has_code(code)) << i;
            }
            // Word lengths from the masks (a word longer than what the two
            // blocks show is long anyway). The next block's words are read
            // whether or not a start is known here: a branch on it would go
            // either way in no order.
            let next = if k + 1 < classes.blocks() { classes.word(k + 1) } else { 0 };
            let word_len = |i: usize| ((word as u128 | (next as u128) << 64) >> i).trailing_ones() as usize;
            if batched {
                while known != 0 {
                    let i = known.trailing_zeros() as usize;
                    known &= known - 1;
                    batch.push(k * 64 + i, word_len(i), after_high >> i & 1 == 1);
                    if batch.is_full() {
                        self.judge_batch(hay, &mut batch, &mut f);
                    }
                }
                continue;
            }
            while known != 0 {
                let i = known.trailing_zeros() as usize;
                known &= known - 1;
                let code = if filtered { Self::code_at(hay, k * 64 + i) } else { usize::from(codes[i]) };
                if after_high >> i & 1 == 1 {
                    if self.has_literal(code) {
                        self.verify_literals(hay, k * 64 + i, code, &mut f);
                    }
                    continue;
                }
                self.at_word(hay, k * 64 + i, code, word_len(i), &mut f);
            }
        }
        if batch.n > 0 {
            self.judge_batch(hay, &mut batch, &mut f);
        }
    }

    /// Looks the starts of `batch` up at once ([`lookups::judge`]), compares
    /// those left with their forms and literals in order, and empties it.
    fn judge_batch(&self, hay: &[u8], batch: &mut Batch, f: &mut impl FnMut(KeywordHit)) {
        let tables = lookups::Tables { heads: &self.heads, literal_keys: &self.literal_keys };
        let (heads, keys) = lookups::judge(hay, batch, &tables);
        let mut left = heads | keys;
        while left != 0 {
            let j = left.trailing_zeros() as usize;
            left &= left - 1;
            let (s, len) = (batch.pos[j] as usize, batch.len[j] as usize);
            let code = Self::code_at(hay, s);
            if heads >> j & 1 == 1 {
                self.verify(hay, s, len, word_head(hay, s, len), code, f);
            }
            if keys >> j & 1 == 1 && self.has_literal(code) {
                self.verify_literals(hay, s, code, f);
            }
        }
        batch.n = 0;
    }

    /// Whether a hit of keyword `k` lies within `distance` bytes of `value`
    /// (`before_only`: it must end before the value starts).
    pub fn hit_near(hit: &KeywordHit, value: (usize, usize), distance: usize, before_only: bool) -> bool {
        let (vs, ve) = value;
        if hit.end <= vs {
            vs - hit.end <= distance
        } else if hit.start >= ve {
            !before_only && hit.start - ve <= distance
        } else {
            false
        }
    }

    /// Whether any keyword of `rule` occurs within `distance` bytes of `value`
    /// in `hay` (whose class masks are `classes`).
    pub fn near(
        &self,
        hay: &[u8],
        classes: &Classes,
        rule: u32,
        value: (usize, usize),
        distance: usize,
        before_only: bool,
    ) -> bool {
        let mut found = false;
        self.for_each_range(hay, classes, self.near_span(hay.len(), value, distance, before_only), |h| {
            found |= self.counts_for(&h, rule, value, distance, before_only);
        });
        found
    }

    /// As [`KeywordSet::near`], given every keyword hit of the haystack in
    /// order of start (from [`KeywordSet::for_each`]): for many values close
    /// together, one pass over the haystack instead of one per value.
    pub fn near_among(
        &self,
        hits: &[KeywordHit],
        len: usize,
        rule: u32,
        value: (usize, usize),
        distance: usize,
        before_only: bool,
    ) -> bool {
        let span = self.near_span(len, value, distance, before_only);
        let first = hits.partition_point(|h| h.start < span.start);
        hits[first..]
            .iter()
            .take_while(|h| h.start < span.end)
            .any(|h| self.counts_for(h, rule, value, distance, before_only))
    }

    /// Where the keywords that [`KeywordSet::near`] looks for start, in a
    /// haystack of `len` bytes.
    pub fn near_span(&self, len: usize, value: (usize, usize), distance: usize, before_only: bool) -> Range<usize> {
        let lo = value.0.saturating_sub(distance + self.longest);
        let hi = if before_only { value.0 } else { (value.1 + distance + 1).min(len) };
        lo..hi
    }

    /// Whether hit `h` is a keyword of `rule` near enough to `value`.
    fn counts_for(&self, h: &KeywordHit, rule: u32, value: (usize, usize), distance: usize, before_only: bool) -> bool {
        self.keyword_rules[h.keyword as usize].contains(&rule) && Self::hit_near(h, value, distance, before_only)
    }

    /// Adds to `out` the rules whose keywords occur in a normalized name
    /// (see [`normalize_name_into`]), computing its masks in `classes`.
    pub fn rules_in_name(&self, name_norm: &[u8], classes: &mut Classes, out: &mut Vec<u32>) {
        classes.compute(name_norm);
        self.for_each(name_norm, classes, |h| {
            for &r in &self.keyword_rules[h.keyword as usize] {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::quiet::QuietStarts;

    fn normalize_name(name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        normalize_name_into(name, &mut out);
        out
    }

    #[test]
    fn a_code_rank_counts_the_codes_set_before_it() {
        let mut rng = crate::testutil::XorShift(0x5EED_BA5E);
        for density in [1, 8, 64, 1024] {
            let mut bits = Box::new([0u64; CODES / 64]);
            for _ in 0..density {
                let c = rng.below(CODES);
                bits[c / 64] |= 1 << (c % 64);
            }
            // Every code at times, and the first and last.
            bits[0] |= 1;
            bits[CODES / 64 - 1] |= 1 << 63;
            let ranks = Ranks::of(&bits);
            let set: Vec<usize> = (0..CODES).filter(|&c| bits[c / 64] >> (c % 64) & 1 == 1).collect();
            for (rank, &code) in set.iter().enumerate() {
                assert_eq!(ranks.rank(&bits, code), rank, "code {code} of {} set", set.len());
            }
        }
    }

    #[test]
    fn normalization_of_every_byte() {
        for b in 0..=255u8 {
            let want = match b {
                b'A'..=b'Z' => b.to_ascii_lowercase(),
                b'a'..=b'z' | b'0'..=b'9' | 0x80..=0xFF => b,
                _ => b' ',
            };
            assert_eq!(norm_byte(b), want, "{b:#x}");
        }
    }

    /// Calls `f` for every keyword hit in `text`.
    fn for_each_in(set: &KeywordSet, text: &[u8], f: impl FnMut(KeywordHit)) {
        let mut classes = Classes::default();
        classes.compute(text);
        set.for_each(text, &classes, f);
    }

    /// The set of keyword `i` of `words` for rule `i`, and of `literals`.
    fn set_of(words: &[&str], literals: &[Vec<u8>]) -> KeywordSet {
        let pairs: Vec<(String, u32)> = words.iter().enumerate().map(|(i, w)| (w.to_string(), i as u32)).collect();
        KeywordSet::with_literals(&pairs, literals).unwrap()
    }

    /// Appends `n` of `parts`, picked at random.
    fn append_parts(rng: &mut crate::testutil::XorShift, parts: &[&str], n: usize, out: &mut Vec<u8>) {
        (0..n).for_each(|_| out.extend_from_slice(parts[rng.below(parts.len())].as_bytes()));
    }

    fn hits(set: &KeywordSet, hay: &str) -> Vec<(u32, usize, usize)> {
        let mut out = Vec::new();
        for_each_in(set, hay.as_bytes(), |h| out.push((h.keyword, h.start, h.end)));
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
    fn everyday_keywords_before_an_id_word_are_not_keywords() {
        let set =
            KeywordSet::new(&[("call".into(), 0), ("contact".into(), 0), ("phone".into(), 1), ("tax id".into(), 2)])
                .unwrap();
        for hay in ["contact_id", "rpc call seq=2125550199", "Call-ID: 7", "contact.uuid", "CALL IDS"] {
            assert!(hits(&set, hay).is_empty(), "{hay}");
        }
        // Other keywords keep theirs; an id word must be a word of its own.
        for hay in ["phone_id", "tax_id", "call me", "contact idaho", "contact: 415", "call"] {
            assert_eq!(hits(&set, hay).len(), 1, "{hay}");
        }
    }

    #[test]
    fn product_names_of_user_agents_are_not_keywords() {
        let set = KeywordSet::new(&[("mobile".into(), 0), ("phone".into(), 1), ("ssn".into(), 2)]).unwrap();
        for hay in [
            "(iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
            "(Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
            "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
            "client Phone/2.4.1",
        ] {
            assert!(hits(&set, hay).is_empty(), "{hay}");
        }
        for hay in [
            "Mobile: 0151 23456789",
            "mobile/cell 415-555-0132",
            "GET /api/phone/4155550132",
            "GET /ssn/123456789 200",
            "GET /phone/415.555.0132",
            "mobile/1234567",
            "Mobile/",
            "mobile",
            "mobile safari",
        ] {
            assert_eq!(hits(&set, hay).len(), 1, "{hay}");
        }
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
    fn short_first_words() {
        let set = KeywordSet::new(&[("x forwarded for".into(), 0), ("ip".into(), 1)]).unwrap();
        assert_eq!(hits(&set, "X-Forwarded-For: 1.2.3.4").len(), 1);
        assert_eq!(hits(&set, "ip x").len(), 1);
        assert!(hits(&set, "ipx x-forwarded").is_empty());
    }

    #[test]
    fn word_heads_keep_every_keyword_form() {
        // Short, 8-byte and long first words, non-ASCII ones, one-word and
        // several-word forms sharing a first word, digits.
        let keywords = [
            "id",
            "id number",
            "idnr",
            "user name",
            "passport",
            "passportnumber",
            "número de cuenta",
            "straße",
            "credit card",
            "Kontonummer des Inhabers",
            "ab12",
            "Führerschein",
        ];
        let pairs: Vec<(String, u32)> = keywords.iter().enumerate().map(|(i, k)| (k.to_string(), i as u32)).collect();
        let set = KeywordSet::new(&pairs).unwrap();
        let cases = |k: &str| {
            let spaced = k.to_string();
            let upper = k.to_ascii_uppercase();
            let underscored = k.replace(' ', "_");
            let joined = k.replace(' ', "");
            [spaced, upper, underscored, joined]
        };
        for (i, k) in keywords.iter().enumerate() {
            for form in cases(k) {
                // In the middle of a text, at its very end, and after a long word.
                for hay in [format!("x {form}: 7"), form.clone(), format!("abcdefghijklmnop {form}")] {
                    let found: Vec<u32> = all_hits(&set, hay.as_bytes()).iter().map(|h| h.keyword).collect();
                    let want = set.keyword_rules.iter().position(|r| r == &[i as u32]).expect("keyword");
                    assert!(found.contains(&(want as u32)), "{k:?} in {hay:?}: {found:?}");
                }
            }
        }
        // The first word of a several-word keyword, followed by something else, is no hit.
        assert!(hits(&set, "user_id user-age \"id\": 1").iter().all(|&(k, ..)| set.rules_of(k) == [0]));
    }

    #[test]
    fn adjacent_keywords_both_found() {
        let set = KeywordSet::new(&[("card".into(), 0), ("number".into(), 1)]).unwrap();
        assert_eq!(hits(&set, "card number").len(), 2);
    }

    fn all_hits(set: &KeywordSet, hay: &[u8]) -> Vec<KeywordHit> {
        let mut out = Vec::new();
        for_each_in(set, hay, |h| out.push(h));
        out
    }

    #[test]
    fn near_respects_distance_and_position() {
        let set = KeywordSet::new(&[("ssn".into(), 3)]).unwrap();
        let near = |hay: &[u8], rule, value, distance, before| {
            let mut c = Classes::default();
            c.compute(hay);
            set.near(hay, &c, rule, value, distance, before)
        };
        let hay = b"ssn: 123-45-6789 and more";
        assert!(near(hay, 3, (5, 16), 30, false));
        assert!(near(hay, 3, (5, 16), 2, false));
        assert!(!near(hay, 3, (5, 16), 1, false));
        assert!(!near(hay, 4, (5, 16), 30, false), "other rule");
        let hay = b"123-45-6789 is my ssn";
        assert!(near(hay, 3, (0, 11), 30, false));
        assert!(!near(hay, 3, (0, 11), 30, true));
        let long = format!("{}ssn {}", "x ".repeat(100), "1".repeat(9));
        assert!(near(long.as_bytes(), 3, (204, 213), 30, false));
    }

    #[test]
    fn near_among_all_hits_answers_as_near() {
        let set = KeywordSet::new(&[("ssn".into(), 3), ("social security".into(), 3), ("card".into(), 4)]).unwrap();
        let mut hay = String::new();
        for i in 0..400 {
            hay.push_str(["ssn ", "card ", "social security ", "x ", "123-45-6789 ", "\n", "ssnx "][i * 7 % 11 % 7]);
        }
        let hay = hay.as_bytes();
        let mut c = Classes::default();
        c.compute(hay);
        let mut all = Vec::new();
        set.for_each(hay, &c, |h| all.push(h));
        let (mut found, mut missed) = (0, 0);
        for start in (0..hay.len()).step_by(7) {
            let value = (start, (start + 11).min(hay.len()));
            for (rule, distance, before) in [(3, 30, false), (3, 5, true), (4, 0, false), (4, 60, true)] {
                let want = set.near(hay, &c, rule, value, distance, before);
                assert_eq!(set.near_among(&all, hay.len(), rule, value, distance, before), want, "{value:?} {rule}");
                if want { found += 1 } else { missed += 1 }
            }
        }
        assert!(found > 100 && missed > 100, "both answers occur: {found} {missed}");
    }

    #[test]
    fn ranges_limit_starts() {
        let set = KeywordSet::new(&[("ssn".into(), 0)]).unwrap();
        let hay = "ssn ".repeat(100);
        let mut c = Classes::default();
        c.compute(hay.as_bytes());
        for (lo, hi, want) in [(0, 400, 100), (1, 400, 99), (0, 1, 1), (60, 130, 18), (64, 64, 0), (396, 400, 1)] {
            let mut n = 0;
            set.for_each_range(hay.as_bytes(), &c, lo..hi, |_| n += 1);
            assert_eq!(n, want, "{lo}..{hi}");
        }
    }

    #[test]
    fn many_keywords_and_long_texts() {
        let mut pairs: Vec<(String, u32)> = (0..500).map(|i| (format!("kw{i}x"), i)).collect();
        pairs.push(("date of birth".into(), 900));
        let set = KeywordSet::new(&pairs).unwrap();
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!("word{i} kw{}x filler, Date_of-Birth: x; ", i % 700));
        }
        let hits = all_hits(&set, text.as_bytes());
        let dob = hits.iter().filter(|h| set.rules_of(h.keyword) == [900]).count();
        assert_eq!(dob, 2000);
        let kw = hits.len() - dob;
        assert_eq!(kw, (0..2000).filter(|i| i % 700 < 500).count());
        assert!(hits.windows(2).all(|w| w[0].start < w[1].start));
    }

    #[test]
    fn literal_keys_tell_a_literal_from_its_trigram_in_another_case() {
        let set = KeywordSet::with_literals(&[], &[b"https://hooks.slack.com/".to_vec(), b"AKIA".to_vec()]).unwrap();
        assert!(set.has_literal_key(literal_key(b"https://x", 0)));
        assert!(set.has_literal_key(literal_key(b"AKI", 0)), "read up to the end of the text");
        assert!(!set.has_literal_key(literal_key(b"HTTP/1.1", 0)));
        assert!(!set.has_literal_key(literal_key(b"akia", 0)));
        let text = b"GET / HTTP/1.1 https://hooks.slack.com/services/T0 akia AKIA";
        let found: Vec<(usize, usize)> = all_hits(&set, text).iter().map(|h| (h.start, h.end)).collect();
        assert_eq!(found, [(15, 39), (56, 60)]);
    }

    #[test]
    fn quiet_starts_are_those_of_words_that_start_nothing() {
        let pairs: Vec<(String, u32)> =
            ["ssn", "credit card", "id number", "user name"].iter().map(|w| (w.to_string(), 0)).collect();
        let set = KeywordSet::with_literals(&pairs, &[b"AKIA".to_vec()]).unwrap();
        // The offsets of the words of `piece` that are quiet.
        let quiet = |piece: &str| {
            let mask = set.quiet_starts(piece.as_bytes());
            (0..64).filter(|i| mask >> i & 1 == 1).collect::<Vec<usize>>()
        };
        // `user` and `id` start keywords, but none goes on with `_id` or `":`.
        assert_eq!(quiet(r#","user_id":"#), [2, 3, 4, 5, 7, 8]);
        // `credit` goes on with `_card`; `card` alone starts nothing.
        assert_eq!(quiet(r#","credit_card":"#), [3, 4, 5, 6, 7, 9, 10, 11, 12]);
        assert_eq!(quiet(r#","credit":"#), [2, 3, 4, 5, 6, 7]);
        assert_eq!(quiet(r#","ssn":"#), [3, 4]);
        assert_eq!(quiet(r#","akiaxyz":"#), [3, 4, 5, 6, 7, 8]);
        // A word that the piece's end cuts may go on after it.
        assert_eq!(quiet(r#","trace_credit"#), [2, 3, 4, 5, 6]);
        assert_eq!(quiet(r#","id number"#), [3]);
    }

    #[test]
    fn quiet_starts_change_no_hit() {
        // Keywords of one word and of several, literals, and pieces made
        // of their words, other words, separators and stray bytes, put
        // between random bytes of the same kind, in short texts and in
        // texts long enough for the trigram filter.
        let words = ["ssn", "credit card", "id number", "user name", "passport", "visa"];
        let literals = [b"AKIA".to_vec(), b"ghp_".to_vec(), b"-----BEGIN ".to_vec()];
        let set = set_of(&words, &literals);
        let parts: [&str; 26] = [
            "ssn",
            "credit",
            "card",
            "id",
            "number",
            "user",
            "name",
            "passport",
            "pass",
            "port",
            "visa",
            "AKIAX",
            "ghp_",
            "-----BEGIN ",
            "trace",
            "x",
            "\u{e9}",
            "_",
            "-",
            " ",
            "\"",
            ":",
            ",",
            "{",
            "7",
            "\\n",
        ];
        let mut rng = crate::testutil::XorShift(0x9e37_79b9_7f4a_7c15);
        let mut random = |n: usize, out: &mut Vec<u8>| append_parts(&mut rng, &parts, n, out);
        let (mut quiet_bits, mut loud_words) = (0, 0);
        for round in 0..4000 {
            let mut piece = b",\"".to_vec();
            random(1 + round % 4, &mut piece);
            if round % 3 > 0 {
                piece.extend_from_slice(b"\":");
            }
            let mut hay = Vec::new();
            random(if round % 2 == 0 { 3 } else { 400 }, &mut hay);
            let at = hay.len();
            hay.extend_from_slice(&piece);
            random(3, &mut hay);
            let mask = set.quiet_starts(&piece);
            quiet_bits += mask.count_ones();
            let mut classes = Classes::default();
            classes.compute(&hay);
            let word_starts =
                (0..piece.len()).filter(|&i| i > 0 && classes.word((at + i) / 64) >> ((at + i) % 64) & 1 == 1);
            loud_words += word_starts.filter(|&i| mask >> i & 1 == 0 && i < 64).count();
            let mut plain = Vec::new();
            set.for_each(&hay, &classes, |h| plain.push(h));
            let mut marks = QuietStarts::default();
            marks.reset(0);
            marks.mark(at as u64, mask);
            classes.set_quiet(&marks, 0);
            let mut skipped = Vec::new();
            set.for_each(&hay, &classes, |h| skipped.push(h));
            assert_eq!(skipped, plain, "{:?} in {:?}", String::from_utf8_lossy(&piece), String::from_utf8_lossy(&hay));
        }
        assert!(quiet_bits > 10_000 && loud_words > 1_000, "both kinds of words occur: {quiet_bits} {loud_words}");
    }

    /// The walk eight blocks at a time in vector lanes finds the hits the
    /// block-by-block walk finds, in the same order: for keywords that all
    /// start with a letter and for some that start with a digit, with
    /// literals after non-ASCII bytes, quiet starts, ranges that start and
    /// end inside blocks, and starts left waiting across long stretches of
    /// text without any (which the lanes' ring of word masks must not
    /// forget).
    #[test]
    fn word_starts_walked_in_lanes_as_block_by_block() {
        if !(word_lanes::available() && vectors::has_trigram_filter() && lookups::has_batched_lookups()) {
            eprintln!("no AVX-512 VBMI, VBMI2 and VPOPCNTDQ here: only the block-by-block walk runs");
            return;
        }
        let literals = [b"AKIA".to_vec(), b"ghp_".to_vec(), b"-----BEGIN ".to_vec()];
        let letters = ["ssn", "credit card", "id number", "user name", "passport", "visa", "tax id", "email"];
        let any = ["ssn", "credit card", "2fa code", "user name", "passport", "4th", "tax id"];
        let parts: [&str; 24] = [
            "ssn",
            "credit",
            "card",
            "id",
            "number",
            "user",
            "name",
            "passport",
            "visa",
            "2fa",
            "code",
            "AKIAX",
            "ghp_",
            "-----BEGIN ",
            "trace",
            "x",
            "\u{e9}",
            "\u{e9}visa",
            "_",
            " ",
            "\"",
            ":",
            "7",
            "4th",
        ];
        let sets = [set_of(&letters, &literals), set_of(&any, &literals)];
        assert!(sets.iter().all(|s| s.first_letters.is_none()), "too many first letters for the letter filter");
        let mut rng = crate::testutil::XorShift(0x2545_f491_4f6c_dd1d);
        let (mut hits, mut hay) = (0, Vec::new());
        for (round, set) in sets.iter().cycle().take(160).enumerate() {
            hay.clear();
            let mut random = |n: usize, hay: &mut Vec<u8>| append_parts(&mut rng, &parts, n, hay);
            random([1, 30, 400, 3000][round % 4], &mut hay);
            if round % 5 == 0 {
                // More than the ring's 256 blocks without a start.
                hay.extend(b"7 ".repeat(9000 + round));
                random(40, &mut hay);
            }
            let mut classes = Classes::default();
            classes.compute(&hay);
            if round % 3 == 0 {
                let mut marks = QuietStarts::default();
                marks.reset(0);
                for k in 0..classes.blocks() {
                    marks.mark(k as u64 * 64, rng.next_u64() & rng.next_u64());
                }
                classes.set_quiet(&marks, 0);
            }
            let ends = [0, rng.below(hay.len() + 1), rng.below(hay.len() + 1), hay.len()];
            for range in [0..hay.len(), ends[1].min(ends[2])..ends[1].max(ends[2]), ends[1]..hay.len()] {
                let (mut lanes, mut blocks) = (Vec::new(), Vec::new());
                set.walk_range(&hay, &classes, range.clone(), true, true, |h| lanes.push(h));
                set.walk_range(&hay, &classes, range.clone(), true, false, |h| blocks.push(h));
                assert_eq!(lanes, blocks, "round {round}, range {range:?} of {}", hay.len());
                hits += lanes.len();
            }
        }
        assert!(hits > 10_000, "{hits} hits");
    }

    #[test]
    fn the_trigram_filter_drops_no_keyword_nor_literal() {
        // Filtered by the vector kernel where the processor has it, else byte by byte.
        // Forms whose first word has 1, 2, 3 or more bytes (the filter's
        // four-byte table reads the word after a short one), literals of 3
        // bytes and more.
        let words = [
            "ssn",
            "date of birth",
            "passport",
            "iban",
            "ip",
            "cc",
            "card",
            "Visa",
            "dl#",
            "naïve",
            "überweisung",
            "e mail",
            "x api key",
        ];
        let literals =
            [b"AKIA".to_vec(), b"ghp_".to_vec(), b"-----BEGIN ".to_vec(), b"xoxb-".to_vec(), b"sk-".to_vec()];
        let set = set_of(&words, &literals);
        // Keywords, literals, words sharing their first letters, digits,
        // non-ASCII bytes (before letters too) and stray bytes, from a fixed seed.
        let pieces: [&[u8]; 22] = [
            b"e-mail",
            b"E_MAIL",
            b"e mailer",
            b"x-api-key",
            b"x ray",
            b"sk-live",
            b"SSN",
            b"date-of-birth",
            b"passports",
            b"ip",
            b"ipx",
            b"AKIAX",
            b"ghp_a",
            b"-----BEGIN ",
            b"\xc3\xa9Visa",
            b"na\xc3\xafve",
            b"\xc3\xbcberweisung",
            b"card9",
            b"cc",
            b"dl#",
            b"1234",
            b"\xff\x80xoxb-",
        ];
        let mut rng = crate::testutil::XorShift(0x9E37_79B9_7F4A_7C15);
        let mut hay = Vec::new();
        while hay.len() < 64 * 150 {
            hay.extend_from_slice(pieces[rng.below(pieces.len())]);
            hay.push(b" _:\n,\"-."[rng.below(8)]);
        }
        let mut classes = Classes::default();
        classes.compute(&hay);
        let hits = |range: Range<usize>, filtered: bool| {
            let mut out = Vec::new();
            set.walk::<false>(&hay, &classes, range, filtered, |h| out.push(h));
            out
        };
        let len = hay.len();
        for range in [0..len, 1..len, 64 * 70 + 5..len, 0..64 * 64 + 1, 100..130, len - 3..len] {
            let want = hits(range.clone(), false);
            assert!(!want.is_empty() || range.len() < 64, "{range:?}");
            assert_eq!(hits(range.clone(), true), want, "{range:?}");
        }
        // The forms of short first words and the short literal are found.
        let found: Vec<Vec<u8>> = hits(0..len, true).iter().map(|h| hay[h.start..h.end].to_ascii_lowercase()).collect();
        for want in [&b"e-mail"[..], b"e_mail", b"x-api-key", b"sk-", b"ip", b"dl"] {
            assert!(found.iter().any(|f| f == want), "{}", String::from_utf8_lossy(want));
        }
    }

    #[test]
    fn batched_lookups_agree_with_one_by_one() {
        if !lookups::has_batched_lookups() {
            return; // The keyword walk looks starts up one by one there.
        }
        let words = ["user name", "id number", "api key", "ssn", "credit card", "x api key", "straße", "passport"];
        let set = set_of(&words, &[b"AKIA".to_vec(), b"https://hooks.slack.com/".to_vec()]);
        // Words that pass the heads or the literal keys and words that
        // share only their first word or trigram, at every distance from
        // the end of the text.
        let pieces: [&[u8]; 16] = [
            b"user",
            b"USER",
            b"name",
            b"id",
            b"number",
            b"api",
            b"key",
            b"ssn",
            b"credit",
            b"card",
            b"x",
            b"stra\xc3\x9fe",
            b"AKIA",
            b"https",
            b"HTTP",
            b"passports",
        ];
        let mut rng = crate::testutil::XorShift(0x5851_F42D_4C95_7F2D);
        let tables = lookups::Tables { heads: &set.heads, literal_keys: &set.literal_keys };
        let (mut checked, mut heads, mut keys, mut near_end) = (0, 0, 0, 0);
        for _ in 0..600 {
            let mut hay = Vec::new();
            while hay.len() < 40 + rng.below(60) {
                hay.extend_from_slice(pieces[rng.below(pieces.len())]);
                hay.push(b" _:\n,\"-."[rng.below(8)]);
            }
            hay.truncate(hay.len() - rng.below(3));
            let starts: Vec<usize> =
                (0..hay.len()).filter(|&s| is_word_byte(hay[s]) && (s == 0 || !is_word_byte(hay[s - 1]))).collect();
            for lanes in starts.chunks(8) {
                let mut batch = Batch::default();
                for &s in lanes {
                    let len = hay[s..].iter().take_while(|&&b| is_word_byte(b)).count();
                    batch.push(s, len, rng.below(8) == 0);
                }
                let (head_bits, key_bits) = lookups::judge(&hay, &batch, &tables);
                for (j, &s) in lanes.iter().enumerate() {
                    let (len, high) = (batch.len[j] as usize, batch.high >> j & 1 == 1);
                    let head = !high && set.has_head(&hay, s, len);
                    let key = high || set.has_literal_key(literal_key(&hay, s));
                    let (got_head, got_key) = (head_bits >> j & 1 == 1, key_bits >> j & 1 == 1);
                    if s + len + 9 <= hay.len() {
                        assert_eq!((got_head, got_key), (head, key), "{s} in {:?}", String::from_utf8_lossy(&hay));
                    } else {
                        // Too near the end to read 8 bytes: such a start passes.
                        assert!(got_head >= head && got_key >= key, "{s} in {:?}", String::from_utf8_lossy(&hay));
                        near_end += 1;
                    }
                    checked += 1;
                    heads += usize::from(head);
                    keys += usize::from(key && !high);
                }
                assert_eq!(u32::from(head_bits | key_bits) >> lanes.len(), 0, "no bits past the batch");
            }
        }
        assert!(
            checked > 5_000 && heads > 500 && keys > 500 && near_end > 1_000,
            "{checked} {heads} {keys} {near_end}"
        );
    }

    #[test]
    fn names_split_camel_case() {
        assert_eq!(normalize_name("customerSSN"), b" customer ssn ".to_vec());
        assert_eq!(normalize_name("$.billing.cardNumber"), b"   billing card number ".to_vec());
        assert_eq!(normalize_name("SSNValue"), b" ssn value ".to_vec());
        let set = KeywordSet::new(&[("card number".into(), 2)]).unwrap();
        let mut rules = Vec::new();
        set.rules_in_name(&normalize_name("billingCardNumber"), &mut Classes::default(), &mut rules);
        assert_eq!(rules, vec![2]);
    }

    #[test]
    fn literals_at_every_position_not_after_an_ascii_letter_or_digit() {
        // `--key` is found wherever it is: its first letter follows a `-`.
        let literals = [b"AKIA".to_vec(), b"sk-".to_vec(), b"eyJ".to_vec(), b"--key".to_vec()];
        let set = KeywordSet::with_literals(&[("ssn".into(), 0)], &literals).unwrap();
        let only = KeywordSet::with_literals(&[], &literals).unwrap();
        assert_eq!((set.literal_of(0), set.literal_of(1), set.literal_of(3)), (None, Some(0), Some(2)));
        // Every literal, by a byte-by-byte reference: those starting with a
        // letter not after [A-Za-z0-9].
        let reference = |hay: &[u8]| {
            let mut out = Vec::new();
            for s in 0..hay.len() {
                for (i, l) in literals.iter().enumerate() {
                    let free = !l[0].is_ascii_alphabetic() || s == 0 || !hay[s - 1].is_ascii_alphanumeric();
                    if hay[s..].starts_with(l) && free {
                        out.push((i, s));
                    }
                }
            }
            out.sort();
            out
        };
        let found = |set: &KeywordSet, hay: &[u8]| {
            let mut classes = Classes::default();
            classes.compute(hay);
            let mut out = Vec::new();
            let mut push = |h: KeywordHit| {
                if let Some(i) = set.literal_of(h.keyword) {
                    assert_eq!(h.end - h.start, literals[i].len());
                    out.push((i, h.start));
                }
            };
            set.for_each(hay, &classes, &mut push);
            out.sort();
            out
        };
        let pieces: [&[u8]; 17] = [
            b"AKIA",
            b"--key",
            b"key",
            b"-KEY",
            b"sk-",
            b"eyJ",
            b"akia",
            b"SK-",
            b"eyj",
            b"x",
            b"9",
            b"_",
            b" ",
            b"\xc3\xa9",
            b"\xff",
            b"ssn",
            b"-",
        ];
        // Pseudo-random sequences of pieces, long enough to cross blocks.
        let mut seed = 12345u64;
        for _ in 0..300 {
            let mut hay = Vec::new();
            while hay.len() < 200 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                hay.extend_from_slice(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let want = reference(&hay);
            assert_eq!(found(&set, &hay), want, "{:?}", String::from_utf8_lossy(&hay));
            assert_eq!(found(&only, &hay), want);
        }
        // Keywords are still found beside literals.
        assert_eq!(hits(&set, "ssn AKIA"), [(0, 0, 3), (1, 4, 8)]);
        // Long literals are compared past the 16 bytes of their heads.
        let long = [b"https://hooks.example.com/x".to_vec()];
        let set = KeywordSet::with_literals(&[], &long).unwrap();
        assert_eq!(hits(&set, "at https://hooks.example.com/x!"), [(0, 3, 30)]);
        assert!(hits(&set, "at https://hooks.example.com/y https://hooks.example.org/x").is_empty());
    }

    #[test]
    fn where_the_walk_looks_for_a_literal() {
        assert_eq!(word_literal_lead(b"AKIA", true), Some(0));
        assert_eq!(word_literal_lead(b"AKIA", false), None, "it may follow a letter");
        assert_eq!(word_literal_lead(b"-----BEGIN ", false), Some(5));
        assert_eq!(word_literal_lead(b"--\x80key", false), None, "a byte beyond ASCII before the letter");
        assert_eq!(word_literal_lead(b"9key", true), None, "a digit before the letter");
        assert_eq!(word_literal_lead(b"--ke", false), None, "fewer than 3 bytes from the letter");
        assert_eq!(word_literal_lead(b"-----", true), None);
    }
}

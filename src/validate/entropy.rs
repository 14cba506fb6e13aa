//! High-entropy secret heuristic (API keys, passwords, tokens), in the
//! spirit of truffleHog / detect-secrets' Shannon-entropy detectors.
//!
//! A value passes when it:
//!
//! - is at least 16 printable ASCII characters (no spaces);
//! - has a Shannon entropy of at least 3.0 bits per character, computed
//!   from a byte histogram (over the first 65 535 bytes);
//! - when shorter than 24 characters, mixes at least two character classes
//!   (lower case, upper case, digits, symbols);
//! - is not mostly a sequential run (`abcdef...`, `987654...`) nor a
//!   repeated unit (`secret12secret12`);
//! - does not contain a placeholder marker (ASCII case-insensitive):
//!   `EXAMPLE`, `XXXX`, `0000000`, `1234567`, `your`, `placeholder`,
//!   `changeme`, `dummy`, `redacted`.

/// Minimum length of a secret.
const MIN_LEN: usize = 16;
/// Below this length a secret must mix character classes.
const MIXED_CLASS_LEN: usize = 24;
/// Minimum Shannon entropy in bits per character.
const MIN_BITS: f64 = 3.0;

/// Substrings that mark example or placeholder values.
const PLACEHOLDERS: &[&[u8]] =
    &[b"example", b"xxxx", b"0000000", b"1234567", b"your", b"placeholder", b"changeme", b"dummy", b"redacted"];

/// Whether `value` looks like a randomly generated secret.
pub fn check(value: &[u8]) -> bool {
    if value.len() < MIN_LEN || !value.iter().all(u8::is_ascii_graphic) {
        return false;
    }
    if value.len() < MIXED_CLASS_LEN && classes(value).count_ones() < 2 {
        return false;
    }
    if is_sequential(value) || is_repeated(value) || has_placeholder(value) {
        return false;
    }
    enough_bits(value)
}

/// Bit set of the character classes present: 1 lower, 2 upper, 4 digit, 8 symbol.
fn classes(value: &[u8]) -> u8 {
    value.iter().fold(0u8, |acc, &b| {
        acc | match b {
            b'a'..=b'z' => 1,
            b'A'..=b'Z' => 2,
            b'0'..=b'9' => 4,
            _ => 8,
        }
    })
}

/// Whether more than half of the adjacent pairs step by exactly +1 or -1.
fn is_sequential(value: &[u8]) -> bool {
    let steps = value.windows(2).filter(|w| w[1] == w[0].wrapping_add(1) || w[1] == w[0].wrapping_sub(1)).count();
    steps * 2 > value.len() - 1
}

/// Whether `value` repeats a unit of up to 64 characters at least twice
/// (`password12password12`). A unit of `p` bytes needs `value[p]` to be
/// `value[0]`, which most `p` fail before any compare.
fn is_repeated(value: &[u8]) -> bool {
    (1..=(value.len() / 2).min(64)).any(|p| value[p] == value[0] && value[p..] == value[..value.len() - p])
}

/// Whether `value` contains a placeholder marker, ASCII case-insensitively.
fn has_placeholder(value: &[u8]) -> bool {
    // Only where a marker's first byte is (markers are lower case): one
    // table load per byte, instead of a window compare per marker and byte.
    value.iter().enumerate().any(|(i, &b)| {
        PLACEHOLDER_FIRST[usize::from(b)]
            && PLACEHOLDERS.iter().any(|p| value.get(i..i + p.len()).is_some_and(|w| w.eq_ignore_ascii_case(p)))
    })
}

/// Whether a byte, either case, is the first byte of some placeholder marker.
const PLACEHOLDER_FIRST: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < PLACEHOLDERS.len() {
        let b = PLACEHOLDERS[i][0];
        t[b as usize] = true;
        t[b.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    t
};

/// Whether the Shannon entropy of (at most the first 65 535 bytes of)
/// `value` is at least [`MIN_BITS`] bits per byte.
///
/// Most values are decided by two bounds of the histogram, without a
/// logarithm: the entropy is at most `log2` of the number of distinct
/// bytes (so fewer than 8 fail), and at least the min-entropy
/// `-log2(max / n)` of the most frequent byte (so one that makes at most
/// an eighth of the bytes passes). The sum is computed only between them.
fn enough_bits(value: &[u8]) -> bool {
    const _: () = assert!(MIN_BITS == 3.0, "the bounds below are for 3 bits");
    let sample = &value[..value.len().min(usize::from(u16::MAX))];
    let mut hist = [0u16; 256];
    let (mut distinct, mut most) = (0u32, 0u16);
    for &b in sample {
        let c = &mut hist[usize::from(b)];
        *c += 1;
        distinct += u32::from(*c == 1);
        most = most.max(*c);
    }
    if distinct < 8 {
        return false;
    }
    if usize::from(most) * 8 <= sample.len() {
        return true;
    }
    histogram_bits(&hist, sample.len()) >= MIN_BITS
}

/// Shannon entropy in bits per byte of (at most the first 65 535 bytes of)
/// `value`.
#[cfg(test)]
fn shannon_bits(value: &[u8]) -> f64 {
    let sample = &value[..value.len().min(usize::from(u16::MAX))];
    let mut hist = [0u16; 256];
    for &b in sample {
        hist[usize::from(b)] += 1;
    }
    histogram_bits(&hist, sample.len())
}

/// Shannon entropy in bits per byte of `n` bytes with histogram `hist`.
fn histogram_bits(hist: &[u16; 256], n: usize) -> f64 {
    let n = n as f64;
    hist.iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("wJalrXUtnFEMI/K7MDENG/bPxRfiCY", true),
            ("7Fq2pLx9Zr4Vt8Kd", true),
            ("sk_test_4eC39HqLyjWDarjtT1zdp7dc", true),
            ("AKIAZ7QW3RT5YU8IO2PL", true),
            ("d41d8cd98f00b204e9800998ecf8427e", true), // hex digest
            ("q8w7e6r5t4y3u2i1", true),
            ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", false), // AWS docs placeholder
            ("AKIAIOSFODNN7EXAMPLE", false),
            ("sk_test_xxxxxxxxxxxxxxxxxxxxxxxx", false),
            ("ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", false),
            ("token_000000000000000", false),
            ("abc1234567defghijk", false),
            ("your-api-key-goes-here", false),
            ("Your_Secret_Token_Here_123", false),
            ("insert_placeholder_value_here", false),
            ("CHANGEME-please-now-123", false),
            ("dummy_secret_value_4711", false),
            ("[REDACTED]-secret-value-42", false),
            ("abcdefghijklmnopqrstuvwxyz", false), // sequential
            ("ZYXWVUTSRQPONMLKJIHGFEDCBA", false),
            ("0123456789abcdef", false),
            ("qwertyuiopasdfgh", false), // one class, short
            ("QWERTYUIOPASDFGHJKL", false),
            ("8475938475938475", false),
            ("aaaaaaaaaaaaaaaaaaaaaaaaaa", false), // low entropy
            ("abababababababababababab12", false),
            ("password12password12", false), // repeated
            ("Pa55w0rd!Pa55w0rd!Pa55w0rd!", false),
            ("7Fq2pLx9Zr4Vt8K", false),   // 15 characters
            ("7Fq2pLx9 Zr4Vt8Kd", false), // space
            ("7Fq2pLx9Zr4Vt8K\u{e9}", false),
            ("", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    #[test]
    fn placeholders_are_found_as_a_window_search_finds_them() {
        let windows = |v: &[u8]| PLACEHOLDERS.iter().any(|p| v.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p)));
        let mut rng = crate::testutil::XorShift(0x504C_4143);
        let pieces: &[&[u8]] =
            &[b"EXAMPLE", b"xXxX", b"0000000", b"123456", b"YouR", b"placeholdeR", b"ChangeMe", b"dumm", b"redacted"];
        let mut found = 0;
        for _ in 0..20_000 {
            let mut v = Vec::new();
            while v.len() < rng.below(48) {
                if rng.below(4) == 0 {
                    let p = pieces[rng.below(pieces.len())];
                    v.extend_from_slice(&p[..p.len() - rng.below(2)]);
                } else {
                    v.push(b"aXe0y1pcdr7_-Z"[rng.below(14)]);
                }
            }
            assert_eq!(has_placeholder(&v), windows(&v), "{}", String::from_utf8_lossy(&v));
            found += usize::from(windows(&v));
        }
        assert!(found > 1_000, "{found} values with a marker");
    }

    #[test]
    fn the_bounds_decide_as_the_sum_does() {
        let mut rng = crate::testutil::XorShift(0x454E_5452);
        let mut decided = [0usize; 2];
        for _ in 0..50_000 {
            // Alphabets of 4 to 40 bytes, skewed toward their first bytes
            // half the time: values on both sides of 3 bits and near it.
            let alphabet = 4 + rng.below(37);
            let v: Vec<u8> = (0..8 + rng.below(120))
                .map(|_| {
                    let reach = if rng.below(2) == 0 { alphabet } else { 1 + rng.below(alphabet) };
                    let i = rng.below(reach);
                    b'!' + i as u8
                })
                .collect();
            let want = shannon_bits(&v) >= MIN_BITS;
            assert_eq!(enough_bits(&v), want, "{}", String::from_utf8_lossy(&v));
            decided[usize::from(want)] += 1;
        }
        assert!(decided[0] > 5_000 && decided[1] > 5_000, "{decided:?}");
        // Exactly 3 bits: eight bytes, each an eighth of the value.
        assert!(enough_bits(b"abcdefghabcdefghabcdefgh"));
        assert!(!enough_bits(b"abcdefgabcdefgabcdefgabc"));
    }

    #[test]
    fn repeats_are_found_as_every_compare_finds_them() {
        let mut rng = crate::testutil::XorShift(0x5245_5045);
        let mut found = 0;
        for _ in 0..20_000 {
            let unit: Vec<u8> = (0..1 + rng.below(6)).map(|_| b"ab1"[rng.below(3)]).collect();
            let v: Vec<u8> =
                unit.iter().cycle().take(rng.below(40)).copied().chain((0..rng.below(2)).map(|_| b'a')).collect();
            let repeated = (1..=(v.len() / 2).min(64)).any(|p| v[p..] == v[..v.len() - p]);
            assert_eq!(is_repeated(&v), repeated, "{}", String::from_utf8_lossy(&v));
            found += usize::from(repeated);
        }
        assert!(found > 5_000, "{found}");
    }

    #[test]
    fn huge_input_does_not_overflow() {
        let big: Vec<u8> = (0..200_000u32).map(|i| b"aZ3k"[(i % 4) as usize]).collect();
        assert!(!check(&big)); // only 2 bits per character
    }

    proptest! {
        #[test]
        fn random_tokens_are_accepted(s in "[A-Za-z0-9]{32}") {
            prop_assume!(!has_placeholder(s.as_bytes()));
            // 32 random base62 characters have ~4.5 bits/char; a rare draw may dip below 3.
            prop_assume!(shannon_bits(s.as_bytes()) >= MIN_BITS);
            prop_assert!(check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = check(&bytes);
        }
    }
}

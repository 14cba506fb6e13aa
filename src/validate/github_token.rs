//! GitHub access tokens, per GitHub's token format (GitHub blog "Behind
//! GitHub's new authentication token formats", 2021).
//!
//! Classic tokens are a type prefix (`ghp_` personal, `gho_` OAuth, `ghu_`
//! user-to-server, `ghs_` server-to-server, `ghr_` refresh) and 36 base62
//! characters: 30 random ones followed by a six-character checksum, the
//! CRC-32 (IEEE) of those 30 characters encoded in base62 (`0-9A-Za-z`,
//! most significant first, left-padded with `0`).
//!
//! Fine-grained personal access tokens are `github_pat_`, 22 alphanumerics,
//! `_` and 59 alphanumerics; their checksum is not public, so they are
//! accepted on structure alone.

use super::util::crc32;

/// Base62 digits in value order.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Whether `value` is a classic GitHub token with a valid checksum or a
/// well-formed fine-grained personal access token.
pub fn check(value: &[u8]) -> bool {
    if let Some(rest) = value.strip_prefix(b"github_pat_") {
        return rest.len() == 82
            && rest[22] == b'_'
            && rest[..22].iter().chain(&rest[23..]).all(u8::is_ascii_alphanumeric);
    }
    let Some((prefix, body)) = value.split_at_checked(4) else {
        return false;
    };
    if !matches!(prefix, b"ghp_" | b"gho_" | b"ghu_" | b"ghs_" | b"ghr_")
        || body.len() != 36
        || !body.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let (random, checksum) = body.split_at(30);
    checksum == base62_6(crc32(random))
}

/// `n` in base62, six digits, most significant first (CRC-32 < 62^6).
fn base62_6(mut n: u32) -> [u8; 6] {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn make(prefix: &str, random: &str) -> String {
        let sum = base62_6(crc32(random.as_bytes()));
        format!("{prefix}{random}{}", std::str::from_utf8(&sum).unwrap())
    }

    #[test]
    fn table() {
        let good = make("ghp_", "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123");
        let good_s = make("ghs_", "000000000000000000000000000000");
        let mut bad = good.clone().into_bytes();
        bad[39] = if bad[39] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        let pat = format!("github_pat_{}_{}", "A".repeat(22), "b".repeat(59));
        let cases: &[(&str, bool)] = &[
            (&good, true),
            (&good_s, true),
            (&good.replacen("ghp_", "gho_", 1), true),
            (&good.replacen("ghp_", "ghu_", 1), true),
            (&good.replacen("ghp_", "ghr_", 1), true),
            (&pat, true),
            (&bad, false), // checksum changed
            (&good.replacen("ghp_", "ghx_", 1), false),
            (&good.replacen("ghp_", "GHP_", 1), false),
            (&good[..good.len() - 1], false),
            (&format!("{good}0"), false),
            ("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123-abcde", false),
            ("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", false),
            ("ghp_", false),
            ("gh", false),
            (&format!("github_pat_{}-{}", "A".repeat(22), "b".repeat(59)), false),
            (&format!("github_pat_{}_{}", "A".repeat(21), "b".repeat(59)), false),
            (&format!("github_pat_{}_{}", "A".repeat(22), "b".repeat(58)), false),
            ("", false),
            ("not a token", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    #[test]
    fn base62_encoding() {
        assert_eq!(*b"000000", base62_6(0));
        assert_eq!(*b"00000z", base62_6(61));
        assert_eq!(*b"000010", base62_6(62));
        assert_eq!(*b"4gfFC3", base62_6(u32::MAX));
    }

    proptest! {
        #[test]
        fn computed_checksum_is_accepted(
            prefix in prop::sample::select(vec!["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]),
            random in "[0-9A-Za-z]{30}",
        ) {
            let t = make(prefix, &random);
            prop_assert!(check(t.as_bytes()), "{}", t);
        }

        #[test]
        fn changing_one_character_is_rejected(
            random in "[0-9A-Za-z]{30}",
            pos in 4usize..40,
            delta in 1usize..62,
        ) {
            let mut t = make("ghp_", &random).into_bytes();
            let i = BASE62.iter().position(|&b| b == t[pos]).unwrap();
            t[pos] = BASE62[(i + delta) % 62];
            prop_assert!(!check(&t), "{}", String::from_utf8_lossy(&t));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..50)) {
            let _ = check(&bytes);
        }
    }
}

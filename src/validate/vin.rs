//! Vehicle identification number, ISO 3779 with the North American check
//! digit of 49 CFR Part 565.
//!
//! Seventeen characters from `A-H J-N P R-Z 0-9` (no I, O or Q). Letters
//! are transliterated (A=1 ... H=8, J=1 ... N=5, P=7, R=9, S=2 ... Z=9),
//! multiplied by the position weights 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2,
//! and the sum mod 11 is the ninth character (10 written `X`).
//! Case-insensitive. Seventeen copies of one character pass the arithmetic
//! but are not VINs, so they are rejected.

/// Position weights, 49 CFR 565.15.
const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// Whether `value` is a 17-character VIN with a correct check digit.
pub fn check(value: &[u8]) -> bool {
    let Ok(raw) = <&[u8; 17]>::try_from(value) else {
        return false;
    };
    let c = raw.map(|b| b.to_ascii_uppercase());
    if c.windows(2).all(|w| w[0] == w[1]) {
        return false;
    }
    let mut sum = 0u32;
    for (&b, &w) in c.iter().zip(&WEIGHTS) {
        let Some(v) = value_of(b) else {
            return false;
        };
        sum += v * w;
    }
    let want = match sum % 11 {
        10 => b'X',
        r => b'0' + u8::try_from(r).expect("a remainder mod 11 fits in u8"),
    };
    c[8] == want
}

/// Transliterated value of an upper-case VIN character, `None` if not allowed.
fn value_of(b: u8) -> Option<u32> {
    Some(match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'A'..=b'H' => u32::from(b - b'A') + 1,
        b'J'..=b'N' => u32::from(b - b'J') + 1,
        b'P' => 7,
        b'R' => 9,
        b'S'..=b'Z' => u32::from(b - b'S') + 2,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("1M8GDM9AXKP042788", true), // example from 49 CFR 565 literature, check X
            ("1m8gdm9axkp042788", true),
            ("5GZCZ43D13S812715", true),
            ("1HGBH41JXMN109186", true),
            ("JH4KA7561PC008269", true),
            ("WP0ZZZ998TS392124", true),
            ("WP0ZZZ99ZTS392124", false), // European VIN without a check digit
            ("1M8GDM9A1KP042788", false), // bad check digit
            ("1M8GDM9AXKP042789", false),
            ("1M8GDM9AXKP04278", false),   // 16 characters
            ("1M8GDM9AXKP0427888", false), // 18 characters
            ("1M8GDM9AXKI042788", false),  // I is not allowed
            ("1M8GDM9AXKO042788", false),
            ("1M8GDM9AXKQ042788", false),
            ("11111111111111111", false), // one repeated character
            ("1M8GDM9AXKP04278-", false),
            ("", false),
            ("not a vin at all!", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    /// Fills position 9 of `s` with its check digit.
    fn complete(s: &str) -> Vec<u8> {
        let mut c = s.as_bytes().to_vec();
        let sum: u32 = c.iter().zip(&WEIGHTS).map(|(&b, &w)| value_of(b).unwrap() * w).sum();
        c[8] = match sum % 11 {
            10 => b'X',
            r => b'0' + r as u8,
        };
        c
    }

    proptest! {
        #[test]
        fn computed_check_digit_is_accepted(s in "[A-HJ-NPR-Z0-9]{17}") {
            let c = complete(&s);
            prop_assume!(!c.windows(2).all(|w| w[0] == w[1]));
            prop_assert!(check(&c), "{}", String::from_utf8_lossy(&c));
        }

        #[test]
        fn changing_one_digit_is_rejected(
            s in "[A-HJ-NPR-Z0-9]{17}",
            which in any::<prop::sample::Index>(),
            delta in 1u8..10,
        ) {
            // Letters sharing a transliterated value (A and J are both 1) are
            // indistinguishable, so only digits are changed. Position 9 has
            // weight 0 in the sum but is the check digit itself.
            let mut c = complete(&s);
            let digits: Vec<usize> = (0..17).filter(|&i| c[i].is_ascii_digit()).collect();
            if digits.is_empty() {
                return Ok(());
            }
            let pos = digits[which.index(digits.len())];
            c[pos] = b'0' + (c[pos] - b'0' + delta) % 10;
            prop_assert!(!check(&c), "{}", String::from_utf8_lossy(&c));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            let _ = check(&bytes);
        }
    }
}

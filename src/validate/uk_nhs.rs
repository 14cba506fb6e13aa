//! UK NHS number (England, Wales and the Isle of Man), NHS Data Dictionary
//! "NHS NUMBER" format.
//!
//! Ten digits, usually written `3-3-4` with spaces (`943 476 5919`) or
//! dashes. The tenth digit is a modulus 11 check digit: multiply the first
//! nine digits by 10, 9, ..., 2, sum, and the check digit is
//! `11 - (sum mod 11)`, with 11 meaning 0 and 10 meaning the number is
//! invalid. Numbers of one repeated digit are rejected.

use super::util::{all_same, sep_digits};

/// Whether `value` is ten digits (optionally grouped with spaces or `-`)
/// with a valid NHS modulus 11 check digit.
pub fn check(value: &[u8]) -> bool {
    let mut d = [0u8; 10];
    if sep_digits(value, b" -", &mut d) != Some(10) || all_same(&d) {
        return false;
    }
    check_digit(&d[..9]) == Some(d[9])
}

/// The modulus 11 check digit for nine digit values, or `None` when the
/// remainder makes the number invalid.
fn check_digit(d: &[u8]) -> Option<u8> {
    let sum: u32 = d.iter().zip((2..=10u32).rev()).map(|(&x, w)| u32::from(x) * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        c => u8::try_from(c).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("9434765919", true), // NHS Digital's published example
            ("943 476 5919", true),
            ("943-476-5919", true),
            ("4010232137", true),
            ("9434765918", false), // bad check digit
            ("9434765910", false),
            ("1000000010", false), // remainder 10: never issued
            ("1000000019", false),
            ("0000000000", false), // all one digit
            ("1111111111", false),
            ("943476591", false),
            ("94347659190", false),
            ("943 476 591x", false),
            ("943_476_5919", false),
            ("", false),
            ("nhs number", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn computed_check_digit_is_accepted(body in proptest::collection::vec(0u8..10, 9)) {
            let Some(c) = check_digit(&body) else { return Ok(()) };
            let mut d = body.clone();
            d.push(c);
            prop_assume!(!all_same(&d));
            let s: Vec<u8> = d.iter().map(|x| x + b'0').collect();
            prop_assert!(check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn changing_one_digit_is_rejected(
            body in proptest::collection::vec(0u8..10, 9),
            pos in 0usize..10,
            delta in 1u8..10,
        ) {
            let Some(c) = check_digit(&body) else { return Ok(()) };
            let mut d = body.clone();
            d.push(c);
            d[pos] = (d[pos] + delta) % 10;
            let s: Vec<u8> = d.iter().map(|x| x + b'0').collect();
            prop_assert!(!check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = check(&bytes);
        }
    }
}

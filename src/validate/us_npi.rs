//! US National Provider Identifier, per CMS "Requirements for NPI Check
//! Digit" (45 CFR 162.406, ISO/IEC 7812 card issuer prefix 80840).
//!
//! Ten digits, the first 1 or 2. The tenth is the Luhn check digit of the
//! first nine digits prefixed with `80840` (equivalently: Luhn over the nine
//! digits plus the constant 24).

use super::util::{luhn_ok, sep_digits};

/// Whether `value` is a ten-digit NPI (optionally grouped with spaces or
/// `-`) starting with 1 or 2 with a valid check digit.
pub fn check(value: &[u8]) -> bool {
    let mut d = [8, 0, 8, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut npi = [0u8; 10];
    if sep_digits(value, b" -", &mut npi) != Some(10) || !matches!(npi[0], 1 | 2) {
        return false;
    }
    d[5..].copy_from_slice(&npi);
    luhn_ok(&d)
}

#[cfg(test)]
mod tests {
    use super::super::util::luhn_check_digit;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("1234567893", true), // CMS's published example
            ("1000000004", true),
            ("2234567891", true),
            ("1987654328", true),
            ("123-456-7893", true),
            ("1234567890", false), // bad check digit
            ("1234567894", false),
            ("3234567898", false), // first digit 3
            ("0234567894", false),
            ("123456789", false),
            ("12345678933", false),
            ("123456789x", false),
            ("", false),
            ("npi number", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    fn make(first: u8, body: &[u8]) -> Vec<u8> {
        let mut full = vec![8, 0, 8, 4, 0, first];
        full.extend_from_slice(body);
        let c = luhn_check_digit(&full);
        let mut d = vec![first];
        d.extend_from_slice(body);
        d.push(c);
        d
    }

    proptest! {
        #[test]
        fn computed_check_digit_is_accepted(
            first in 1u8..=2,
            body in proptest::collection::vec(0u8..10, 8),
        ) {
            let s: Vec<u8> = make(first, &body).iter().map(|x| x + b'0').collect();
            prop_assert!(check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn changing_one_digit_is_rejected(
            first in 1u8..=2,
            body in proptest::collection::vec(0u8..10, 8),
            pos in 0usize..10,
            delta in 1u8..10,
        ) {
            let mut d = make(first, &body);
            d[pos] = (d[pos] + delta) % 10;
            let s: Vec<u8> = d.iter().map(|x| x + b'0').collect();
            prop_assert!(!check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            let _ = check(&bytes);
        }
    }
}

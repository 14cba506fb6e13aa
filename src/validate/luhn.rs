//! Luhn (mod 10) check digit, ISO/IEC 7812-1 Annex B.
//!
//! The value is ASCII digits, optionally grouped with spaces, `-`, `.` or
//! `/`; at least two digits. Any length is accepted: the sum is computed in
//! one pass from the right without buffering.

use super::util::{SEPARATORS, luhn_doubled};

/// Whether `value` is at least two digits (separators allowed between them)
/// whose Luhn sum is a multiple of 10.
pub fn check(value: &[u8]) -> bool {
    let (Some(first), Some(last)) = (value.first(), value.last()) else {
        return false;
    };
    if !first.is_ascii_digit() || !last.is_ascii_digit() {
        return false;
    }
    let mut sum = 0u32;
    let mut n = 0usize;
    for &b in value.iter().rev() {
        if b.is_ascii_digit() {
            let x = b - b'0';
            let x = if n % 2 == 1 { luhn_doubled(x) } else { u32::from(x) };
            sum = (sum + x) % 10;
            n += 1;
        } else if !SEPARATORS.contains(&b) {
            return false;
        }
    }
    n >= 2 && sum == 0
}

#[cfg(test)]
mod tests {
    use super::super::util::luhn_check_digit;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("79927398713", true),
            ("7992 7398 713", true),
            ("4111-1111-1111-1111", true),
            ("18", true),
            ("00", true),
            ("0", false), // too short
            ("79927398710", false),
            ("79927398711", false),
            ("79927398719", false),
            ("7992739871x", false),
            ("7992_7398713", false),
            (" 79927398713", false),
            ("79927398713-", false),
            ("", false),
            ("--", false),
            ("hello world", false),
            ("٣٤٥", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    #[test]
    fn huge_and_binary_input_does_not_panic() {
        let big = vec![b'9'; 1 << 16];
        let _ = check(&big);
        assert!(!check(&[0xff, 0xfe, b'1', b'2']));
    }

    proptest! {
        #[test]
        fn computed_check_digit_is_accepted(body in proptest::collection::vec(0u8..10, 1..40)) {
            let mut d = body.clone();
            d.push(luhn_check_digit(&body));
            let s: Vec<u8> = d.iter().map(|x| x + b'0').collect();
            prop_assert!(check(&s));
        }

        #[test]
        fn changing_one_digit_is_rejected(
            body in proptest::collection::vec(0u8..10, 1..40),
            pos in any::<prop::sample::Index>(),
            delta in 1u8..10,
        ) {
            let mut d = body.clone();
            d.push(luhn_check_digit(&body));
            let i = pos.index(d.len());
            d[i] = (d[i] + delta) % 10;
            let s: Vec<u8> = d.iter().map(|x| x + b'0').collect();
            prop_assert!(!check(&s));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = check(&bytes);
        }
    }
}

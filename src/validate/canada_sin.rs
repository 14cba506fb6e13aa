//! Canadian Social Insurance Number, per Employment and Social Development
//! Canada (Service Canada SIN format).
//!
//! Nine digits, usually written `3-3-3` with spaces or `-`, valid under the
//! Luhn algorithm (ISO/IEC 7812-1 Annex B). The first digit gives the
//! issuing region; 0 is only used for fictitious / test numbers and 8 is
//! unassigned, so both are rejected.

use super::util::{luhn_ok, sep_digits};

/// Whether `value` is nine digits (optionally grouped with spaces or `-`)
/// passing Luhn, with a first digit other than 0 or 8.
pub fn check(value: &[u8]) -> bool {
    let mut d = [0u8; 9];
    sep_digits(value, b" -", &mut d) == Some(9) && d[0] != 0 && d[0] != 8 && luhn_ok(&d)
}

#[cfg(test)]
mod tests {
    use super::super::util::luhn_check_digit;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("130692544", true),
            ("130 692 544", true),
            ("130-692-544", true),
            ("271828188", true),
            ("912345675", true),  // temporary residents
            ("130692545", false), // bad checksum
            ("130692543", false),
            ("046454286", false), // Government of Canada's fictitious example, starts with 0
            ("812345676", false), // 8 is unassigned
            ("13069254", false),
            ("1306925440", false),
            ("130.692.544", false),
            ("13o692544", false),
            ("", false),
            ("sin number", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    fn make(first: u8, body: &[u8]) -> Vec<u8> {
        let mut d = vec![first];
        d.extend_from_slice(body);
        d.push(luhn_check_digit(&d));
        d
    }

    fn first() -> impl Strategy<Value = u8> {
        prop_oneof![1u8..8, Just(9u8)]
    }

    proptest! {
        #[test]
        fn computed_check_digit_is_accepted(
            f in first(),
            body in proptest::collection::vec(0u8..10, 7),
        ) {
            let s: Vec<u8> = make(f, &body).iter().map(|x| x + b'0').collect();
            prop_assert!(check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn changing_one_digit_is_rejected(
            f in first(),
            body in proptest::collection::vec(0u8..10, 7),
            pos in 0usize..9,
            delta in 1u8..10,
        ) {
            let mut d = make(f, &body);
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

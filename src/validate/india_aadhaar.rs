//! Indian Aadhaar number, per UIDAI's numbering scheme (Aadhaar (Enrolment
//! and Update) Regulations, 2016).
//!
//! Twelve digits, usually written `4-4-4` with spaces or `-`; the first
//! digit is 2-9 (0 and 1 are reserved) and the last is a Verhoeff check
//! digit (dihedral group D5). Numbers of one repeated digit are rejected.

use super::util::{all_same, sep_digits};

/// Verhoeff multiplication table (dihedral group D5).
const D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

/// Verhoeff permutation table, row `i mod 8` for position `i` from the right:
/// row `k` is the base permutation (row 1) applied `k` times.
const P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Whether `value` is twelve digits (optionally grouped with spaces or `-`),
/// first digit 2-9, passing the Verhoeff check.
pub fn check(value: &[u8]) -> bool {
    let mut d = [0u8; 12];
    sep_digits(value, b" -", &mut d) == Some(12) && d[0] >= 2 && !all_same(&d) && verhoeff(&d) == 0
}

/// The Verhoeff checksum of digit values `d` (0 when valid).
fn verhoeff(d: &[u8]) -> u8 {
    d.iter().rev().enumerate().fold(0u8, |c, (i, &x)| D[usize::from(c)][usize::from(P[i % 8][usize::from(x)])])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Inverse table: the check digit that brings a checksum to 0.
    const INV: [u8; 10] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

    /// Appends the Verhoeff check digit to `body`.
    fn complete(body: &[u8]) -> Vec<u8> {
        let c = body
            .iter()
            .rev()
            .enumerate()
            .fold(0u8, |c, (i, &x)| D[usize::from(c)][usize::from(P[(i + 1) % 8][usize::from(x)])]);
        let mut d = body.to_vec();
        d.push(INV[usize::from(c)]);
        d
    }

    #[test]
    fn permutation_rows_are_powers_of_the_base_permutation() {
        for k in 1..8 {
            for x in 0..10 {
                assert_eq!(P[k][x], P[1][usize::from(P[k - 1][x])], "row {k}, column {x}");
            }
        }
    }

    #[test]
    fn published_verhoeff_examples() {
        // The worked examples of Verhoeff's scheme: 236 → 2363, 12345 → 123451.
        assert_eq!(verhoeff(&[2, 3, 6, 3]), 0);
        assert_eq!(verhoeff(&[1, 2, 3, 4, 5, 1]), 0);
        assert_ne!(verhoeff(&[1, 2, 3, 4, 5, 0]), 0);
        // Digits at positions 4 and 12 from the right go through row 4 of the
        // permutation table (where 6, 7 and 8 map to 6, 8 and 7).
        assert!(check(b"752462086713"));
        assert!(check(b"5659-9167-6702"));
        assert!(!check(b"752462086714"));
    }

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("234123412346", true),
            ("2341 2341 2346", true),
            ("2341-2341-2346", true),
            ("499999999993", true),
            ("987654321096", true),
            ("234123412347", false), // bad check digit
            ("234123412345", false),
            ("243123412346", false), // transposition
            ("123456789011", false), // first digit 1 is reserved
            ("012345678901", false),
            ("333333333333", false), // one repeated digit
            ("23412341234", false),
            ("2341234123466", false),
            ("2341.2341.2346", false),
            ("2341 2341 234x", false),
            ("", false),
            ("aadhaar card", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn computed_check_digit_is_accepted(
            first in 2u8..10,
            body in proptest::collection::vec(0u8..10, 10),
        ) {
            let mut b = vec![first];
            b.extend(body);
            let d = complete(&b);
            prop_assume!(!all_same(&d));
            let s: Vec<u8> = d.iter().map(|x| x + b'0').collect();
            prop_assert!(check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn changing_one_digit_is_rejected(
            first in 2u8..10,
            body in proptest::collection::vec(0u8..10, 10),
            pos in 0usize..12,
            delta in 1u8..10,
        ) {
            let mut b = vec![first];
            b.extend(body);
            let mut d = complete(&b);
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

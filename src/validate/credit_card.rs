//! Payment card number (PAN), ISO/IEC 7812-1.
//!
//! A PAN passes when it is 12-19 digits (optionally grouped with spaces or
//! `-`), passes the Luhn check (ISO/IEC 7812-1 Annex B), is not one digit
//! repeated, and starts with an issuer identification number range of a
//! major network with a length that network issues:
//!
//! | Network    | IIN prefixes                            | Lengths     |
//! |------------|-----------------------------------------|-------------|
//! | Visa       | 4                                       | 13, 16, 19  |
//! | Mastercard | 51-55, 2221-2720                        | 16          |
//! | Amex       | 34, 37                                  | 15          |
//! | Discover   | 6011, 644-649, 65, 622126-622925        | 16-19       |
//! | JCB        | 3528-3589                               | 16-19       |
//! | Diners     | 300-305, 36, 38-39                      | 14-19       |
//! | UnionPay   | 62                                      | 16-19       |
//! | Maestro    | 50, 56-69                               | 12-19       |

use super::util::{all_same, luhn_ok, number, sep_digits};

/// One issuer range: the first `digits` digits of the PAN, read as a
/// number, fall in `lo..=hi`, and the PAN length is in `len`.
struct Range {
    digits: usize,
    lo: u64,
    hi: u64,
    len: (usize, usize),
    /// For networks that issue only some lengths inside `len` (Visa).
    only: &'static [usize],
}

const fn r(digits: usize, lo: u64, hi: u64, min: usize, max: usize) -> Range {
    Range { digits, lo, hi, len: (min, max), only: &[] }
}

const RANGES: &[Range] = &[
    // Visa
    Range { digits: 1, lo: 4, hi: 4, len: (13, 19), only: &[13, 16, 19] },
    // Mastercard
    r(2, 51, 55, 16, 16),
    r(4, 2221, 2720, 16, 16),
    // American Express
    r(2, 34, 34, 15, 15),
    r(2, 37, 37, 15, 15),
    // Discover
    r(4, 6011, 6011, 16, 19),
    r(3, 644, 649, 16, 19),
    r(2, 65, 65, 16, 19),
    r(6, 622126, 622925, 16, 19),
    // JCB
    r(4, 3528, 3589, 16, 19),
    // Diners Club
    r(3, 300, 305, 14, 19),
    r(2, 36, 36, 14, 19),
    r(2, 38, 39, 14, 19),
    // UnionPay
    r(2, 62, 62, 16, 19),
    // Maestro
    r(2, 50, 50, 12, 19),
    r(2, 56, 69, 12, 19),
];

/// Whether `value` is a Luhn-valid card number in a known issuer range with
/// a length that issuer uses. Spaces and `-` may group the digits.
pub fn check(value: &[u8]) -> bool {
    let mut buf = [0u8; 19];
    let Some(n) = sep_digits(value, b" -", &mut buf) else {
        return false;
    };
    valid_digits(&buf[..n])
}

/// [`check`] of a number's digit values (0-9), its separators taken out:
/// the payment-card prefilter of digit groups calls it on each run of a
/// group's digits without copying them again.
pub fn valid_digits(d: &[u8]) -> bool {
    let n = d.len();
    // Every issuer range starts with 2 to 6 (see `RANGES`): half of all
    // numbers fail here, before the Luhn sum.
    if !(12..=19).contains(&n) || !(2..=6).contains(&d[0]) || all_same(d) || !luhn_ok(d) {
        return false;
    }
    RANGES.iter().any(|rg| {
        let prefix = number(&d[..rg.digits]);
        (rg.lo..=rg.hi).contains(&prefix)
            && (rg.len.0..=rg.len.1).contains(&n)
            && (rg.only.is_empty() || rg.only.contains(&n))
    })
}

#[cfg(test)]
mod tests {
    use super::super::util::luhn_check_digit;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        // Issuer test PANs published by Stripe and PayPal/Braintree, plus synthetic values.
        let cases: &[(&str, bool)] = &[
            ("4111111111111111", true),      // Visa
            ("4111 1111 1111 1111", true),   // Visa, grouped
            ("4111-1111-1111-1111", true),   // Visa, dashes
            ("4532015112830366", true),      // Visa
            ("4532 0151 1283 0366", true),   // Visa, grouped
            ("4222222222222", true),         // Visa, 13 digits
            ("4000056655665556", true),      // Visa debit
            ("5555555555554444", true),      // Mastercard
            ("5105105105105100", true),      // Mastercard
            ("2223003122003222", true),      // Mastercard 2-series
            ("2720990000000007", true),      // Mastercard 2-series upper edge
            ("378282246310005", true),       // Amex
            ("3782 822463 10005", true),     // Amex 4-6-5 grouping
            ("371449635398431", true),       // Amex
            ("6011111111111117", true),      // Discover
            ("6011000990139424", true),      // Discover
            ("3530111333300000", true),      // JCB
            ("3566002020360505", true),      // JCB
            ("30569309025904", true),        // Diners 14 digits
            ("38520000023237", true),        // Diners
            ("36227206271667", true),        // Diners 36
            ("6200000000000005", true),      // UnionPay
            ("6759649826438453", true),      // Maestro
            ("4111111111111112", false),     // bad checksum
            ("5555555555554440", false),     // bad checksum
            ("411111111111111", false),      // Visa, 15 digits not issued
            ("41111111111111111", false),    // Visa, 17 digits not issued
            ("37828224631000", false),       // Amex, wrong length
            ("1234567812345670", false),     // no issuer starts with 1
            ("7234567812345677", false),     // no issuer starts with 7
            ("9999999999999995", false),     // no issuer starts with 9
            ("2220990000000002", false),     // just below Mastercard 2-series
            ("2721000000000004", false),     // just above Mastercard 2-series
            ("0000000000000000", false),     // all one digit
            ("4444444444444448", true),      // not all one digit
            ("5555555555555557", true),      // Luhn-valid, not one digit
            ("41111111111", false),          // too short
            ("41111111111111111111", false), // too long
            ("4111_1111_1111_1111", false),  // underscore is not a separator
            ("4111 1111 1111 111a", false),
            (" 4111111111111111", false),
            ("", false),
            ("not a card number", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    /// A card number with `prefix`, `len` digits, and a valid check digit.
    fn make(prefix: &[u8], fill: &[u8], len: usize) -> Vec<u8> {
        let mut d: Vec<u8> = prefix.iter().chain(fill.iter().cycle()).take(len - 1).copied().collect();
        d.push(luhn_check_digit(&d));
        d.iter().map(|x| x + b'0').collect()
    }

    proptest! {
        #[test]
        fn computed_visa_and_mastercard_are_accepted(
            fill in proptest::collection::vec(0u8..10, 1..20),
            which in 0usize..4,
        ) {
            let (prefix, len): (&[u8], usize) = match which {
                0 => (&[4], 16),
                1 => (&[5, 3], 16),
                2 => (&[2, 5, 0, 0], 16),
                _ => (&[3, 4], 15),
            };
            let s = make(prefix, &fill, len);
            prop_assume!(!all_same(&s));
            prop_assert!(check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn changing_one_digit_is_rejected(
            fill in proptest::collection::vec(0u8..10, 1..20),
            pos in 0usize..16,
            delta in 1u8..10,
        ) {
            let mut s = make(&[4], &fill, 16);
            s[pos] = b'0' + (s[pos] - b'0' + delta) % 10;
            prop_assert!(!check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn issuer_ranges_start_with_2_to_6(which in 0usize..RANGES.len(), pick in 0u64..1_000_000) {
            // The first digit of any prefix in the range, which `valid_digits`
            // tests first.
            let rg = &RANGES[which];
            let prefix = rg.lo + pick % (rg.hi - rg.lo + 1);
            let first = prefix / 10u64.pow(rg.digits as u32 - 1);
            prop_assert!((2..=6).contains(&first), "{prefix}");
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = check(&bytes);
        }

        #[test]
        fn digit_values_are_judged_as_the_digits_are(
            fill in proptest::collection::vec(0u8..10, 0..24),
            which in 0usize..4,
        ) {
            // Card-like prefixes, so that some values pass.
            let prefix: &[u8] = [&[4u8][..], &[5, 3], &[3, 4], &[6, 2]][which];
            let values: Vec<u8> = prefix.iter().chain(&fill).copied().collect();
            let ascii: Vec<u8> = values.iter().map(|v| b'0' + v).collect();
            prop_assert_eq!(valid_digits(&values), check(&ascii), "{}", String::from_utf8_lossy(&ascii));
        }
    }
}

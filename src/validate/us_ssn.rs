//! US Social Security number, per the Social Security Administration's
//! numbering rules (POMS RM 10201.035, SSN randomization 2011).
//!
//! `AAA-GG-SSSS`, `AAA GG SSSS` or `AAAGGSSSS`: the area is never 000, 666
//! or 900-999, the group never 00 and the serial never 0000. The two
//! numbers the SSA voided after they were widely misused in advertising,
//! 078-05-1120 (the Woolworth wallet card) and 219-09-9999, are rejected.

use super::util::{number, ssn_shape};

/// Whether `value` is a well-formed SSN the SSA could have issued.
pub fn check(value: &[u8]) -> bool {
    let Some(d) = ssn_shape(value) else {
        return false;
    };
    let area = number(&d[..3]);
    let group = number(&d[3..5]);
    let serial = number(&d[5..]);
    let whole = number(&d);
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0 && whole != 78_051_120 && whole != 219_099_999
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("123-45-6789", true),
            ("123456789", true),
            ("123 45 6789", true),
            ("001-01-0001", true),
            ("899-99-9999", true),
            ("000-12-3456", false), // area 000
            ("666-12-3456", false), // area 666
            ("900-12-3456", false), // area 9xx (ITIN range)
            ("999-12-3456", false),
            ("123-00-4567", false), // group 00
            ("123-45-0000", false), // serial 0000
            ("078-05-1120", false), // voided advertising number
            ("078051120", false),
            ("219-09-9999", false),
            ("123-45 6789", false), // mixed separators
            ("123.45.6789", false),
            ("12-345-6789", false),
            ("1234-56-789", false),
            ("12345678", false),
            ("1234567890", false),
            ("12a-45-6789", false),
            ("", false),
            ("not an ssn!", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn valid_parts_are_accepted(area in 1u32..900, group in 1u32..100, serial in 1u32..10000) {
            prop_assume!(area != 666);
            let s = format!("{area:03}-{group:02}-{serial:04}");
            prop_assume!(s != "078-05-1120" && s != "219-09-9999");
            prop_assert!(check(s.as_bytes()), "{s}");
            prop_assert!(check(s.replace('-', "").as_bytes()), "{s}");
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = check(&bytes);
        }
    }
}

//! US Individual Taxpayer Identification Number, per IRS rules (IRS
//! Publication 1915; group ranges extended in 2011 and later).
//!
//! `9XX-GG-SSSS`, `9XX GG SSSS` or `9XXGGSSSS`: the first digit is 9 and
//! the group (digits 4-5) is 50-65, 70-88, 90-92 or 94-99.

use super::util::{number, ssn_shape};

/// Whether `value` is a well-formed ITIN.
pub fn check(value: &[u8]) -> bool {
    let Some(d) = ssn_shape(value) else {
        return false;
    };
    d[0] == 9 && matches!(number(&d[3..5]), 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("900-70-0000", true),
            ("912-50-1234", true),
            ("912 65 1234", true),
            ("912881234", true),
            ("999-90-0001", true),
            ("999-92-0001", true),
            ("999-94-0001", true),
            ("999-99-0001", true),
            ("912-93-1234", false), // group 93 unused
            ("912-49-1234", false),
            ("912-66-1234", false),
            ("912-69-1234", false),
            ("912-89-1234", false),
            ("912-00-1234", false),
            ("812-70-1234", false), // not 9xx
            ("123-45-6789", false),
            ("912-70 1234", false), // mixed separators
            ("912-70-123", false),
            ("", false),
            ("ITIN number", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = check(&bytes);
        }

        #[test]
        fn group_decides(area in 0u32..100, group in 0u32..100, serial in 0u32..10000) {
            let s = format!("9{area:02}-{group:02}-{serial:04}");
            let want = matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99);
            prop_assert_eq!(want, check(s.as_bytes()), "{}", s);
        }
    }
}

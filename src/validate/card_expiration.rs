//! Payment card expiration date, as embossed per ISO/IEC 7813 (`MM/YY`).
//!
//! Accepted shapes: `MM/YY`, `MM/YYYY`, `MM-YY`, `MM-YYYY`, with optional
//! spaces around the separator (`MM / YY`). The month is 01-12; a
//! four-digit year is 2000-2099 and any two-digit year is accepted.

/// Whether `value` is a card expiration date.
pub fn check(value: &[u8]) -> bool {
    let [m1, m2, rest @ ..] = value else {
        return false;
    };
    if !m1.is_ascii_digit() || !m2.is_ascii_digit() {
        return false;
    }
    let month = (m1 - b'0') * 10 + (m2 - b'0');
    if !(1..=12).contains(&month) {
        return false;
    }
    let rest = rest.trim_ascii_start();
    let Some((&sep, year)) = rest.split_first() else {
        return false;
    };
    if sep != b'/' && sep != b'-' {
        return false;
    }
    let year = year.trim_ascii_start();
    if !year.iter().all(u8::is_ascii_digit) {
        return false;
    }
    matches!(year, [_, _] | [b'2', b'0', _, _])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("12/25", true),
            ("01/30", true),
            ("09/2027", true),
            ("09-27", true),
            ("09-2027", true),
            ("09 / 27", true),
            ("09 /27", true),
            ("12/99", true),
            ("12/00", true),
            ("12/2000", true),
            ("12/2099", true),
            ("00/25", false), // month 0
            ("13/25", false), // month 13
            ("99/99", false),
            ("12/1999", false), // year before 2000
            ("12/2100", false),
            ("12/205", false),
            ("12/20255", false),
            ("1/25", false),
            ("12.25", false),
            ("12 25", false),
            ("12//25", false),
            ("12/", false),
            ("12/2a", false),
            ("12/25 ", false),
            ("", false),
            ("expires soon", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn month_and_year_decide(month in 0u32..100, year in 1900u32..2200, sep in "[/-]") {
            let want = (1..=12).contains(&month) && (2000..=2099).contains(&year);
            let s = format!("{month:02}{sep}{year}");
            prop_assert_eq!(want, check(s.as_bytes()), "{}", s);
            let s = format!("{month:02}{sep}{:02}", year % 100);
            prop_assert_eq!((1..=12).contains(&month), check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..12)) {
            let _ = check(&bytes);
        }
    }
}

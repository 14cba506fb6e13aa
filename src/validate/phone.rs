//! Telephone number, per ITU-T E.164 (country calling codes from ITU-T
//! E.164 Annex / "List of ITU-T Recommendation E.164 assigned country
//! codes") and the North American Numbering Plan (ATIS-0300115).
//!
//! The value is digits with optional separators (space, `-`, `.`, `/`, one
//! pair of parentheses around a digit group) and an optional leading `+`.
//!
//! - International form, `+CC ...`, `00 CC ...` or the NANP exit code
//!   `011 CC ...`: the country code must be assigned and the whole number
//!   8-15 digits (E.164). A trunk `0` after the country code, as in
//!   `+44 (0)20 ...`, is ignored (except for Italy, where it is part of the
//!   number, and NANP, which has no trunk prefix). Known countries get
//!   their national lengths: US/Canada (+1) follows NANP rules,
//!   Russia/Kazakhstan (+7) 10 digits, UK (+44) 9-10, Germany (+49) 6-13,
//!   France (+33) 9, Italy (+39) 6-11, Spain (+34) 9, Brazil (+55) 10-11.
//! - Without a country code the number must be NANP: ten digits (or eleven
//!   starting with `1`), area code `NXX` with N 2-9 and not `N11`,
//!   exchange `NXX` with N 2-9. Fictional 555 numbers are accepted:
//!   synthetic test data uses them.

/// Assigned E.164 country calling codes (geographic, plus the global
/// services 800, 808, 870, 878, 881-883). Sorted.
const COUNTRY_CODES: &[u16] = &[
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60,
    61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98, 211, 212, 213, 216, 218, 220, 221, 222, 223,
    224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246,
    247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290,
    291, 297, 298, 299, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378,
    380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 590, 591,
    592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676, 677, 678, 679, 680, 681, 682, 683, 685, 686,
    687, 688, 689, 690, 691, 692, 800, 808, 850, 852, 853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 960, 961, 962,
    963, 964, 965, 966, 967, 968, 970, 971, 972, 973, 974, 975, 976, 977, 992, 993, 994, 995, 996, 998,
];

/// Most digits a value may hold: `011` exit code plus 15 E.164 digits.
const MAX_DIGITS: usize = 18;

/// Whether `value` is a plausible phone number.
pub fn check(value: &[u8]) -> bool {
    let (plus, body) = match value.split_first() {
        Some((b'+', rest)) => (true, rest),
        Some(_) => (false, value),
        None => return false,
    };
    let mut d = [0u8; MAX_DIGITS];
    let Some(n) = shape(body, &mut d) else {
        return false;
    };
    let d = &d[..n];
    if plus {
        international(d)
    } else if let Some(rest) = d.strip_prefix(&[0, 0]) {
        international(rest)
    } else if let Some(rest) = d.strip_prefix(&[0, 1, 1]) {
        international(rest)
    } else {
        match d {
            [1, rest @ ..] => nanp(rest),
            _ => nanp(d),
        }
    }
}

/// Checks the separators and copies the digits of `body` into `out`.
fn shape(body: &[u8], out: &mut [u8; MAX_DIGITS]) -> Option<usize> {
    let (&first, &last) = (body.first()?, body.last()?);
    if !(first.is_ascii_digit() || first == b'(') || !last.is_ascii_digit() {
        return None;
    }
    let mut n = 0;
    let mut open: Option<usize> = None; // digit count at '('
    let mut parens = 0;
    let mut sep_run = 0;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                *out.get_mut(n)? = b - b'0';
                n += 1;
                sep_run = 0;
                continue;
            }
            b'(' if open.is_none() && parens == 0 => open = Some(n),
            b')' => {
                let inside = n - open.take()?;
                if !(1..=5).contains(&inside) {
                    return None;
                }
                parens += 1;
            }
            b' ' | b'-' | b'.' | b'/' => {}
            _ => return None,
        }
        sep_run += 1;
        if sep_run > 2 {
            return None;
        }
    }
    open.is_none().then_some(n)
}

/// `d` is country code and national number (exit code removed).
fn international(d: &[u8]) -> bool {
    let Some((cc, len)) = country_code(d) else {
        return false;
    };
    let mut national = &d[len..];
    if cc != 39
        && cc != 1
        && let Some(rest) = national.strip_prefix(&[0])
    {
        national = rest;
    }
    let total = len + national.len();
    if !(8..=15).contains(&total) {
        return false;
    }
    let nat = national.len();
    match cc {
        1 => nanp(national),
        7 => nat == 10,
        44 => (9..=10).contains(&nat),
        49 => (6..=13).contains(&nat),
        33 | 34 => nat == 9,
        39 => (6..=11).contains(&nat),
        55 => (10..=11).contains(&nat),
        _ => true,
    }
}

/// The assigned country code that `d` starts with, and its length.
/// E.164 country codes form a prefix code, so at most one matches.
fn country_code(d: &[u8]) -> Option<(u16, usize)> {
    (1..=3).find_map(|len| {
        let prefix = d.get(..len)?;
        let cc = prefix.iter().fold(0u16, |acc, &x| acc * 10 + u16::from(x));
        (prefix[0] != 0 && COUNTRY_CODES.binary_search(&cc).is_ok()).then_some((cc, len))
    })
}

/// A ten-digit NANP number: `NXX NXX XXXX`, area code not `N11`.
fn nanp(d: &[u8]) -> bool {
    let &[a1, a2, a3, e1, ..] = d else {
        return false;
    };
    d.len() == 10 && a1 >= 2 && !(a2 == 1 && a3 == 1) && e1 >= 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            // NANP
            ("(212) 555-0123", true),
            ("212-555-0123", true),
            ("212.555.0123", true),
            ("2125550123", true),
            ("1-212-555-0123", true),
            ("1 (212) 555-0123", true),
            ("+1 212 555 0123", true),
            ("+1 (212) 555-0123", true),
            ("+12125550123", true),
            ("001 212 555 0123", true),
            ("011 44 20 7946 0958", true),
            ("(112) 555-0123", false), // area code starts with 1
            ("(012) 555-0123", false),
            ("(211) 555-0123", false), // N11 area code
            ("(911) 555-0123", false),
            ("(212) 155-0123", false), // exchange starts with 1
            ("(212) 055-0123", false),
            ("212-555-012", false),
            ("212-555-01234", false),
            ("2-212-555-0123", false),
            ("+1 212 555 012", false),
            ("+1 112 555 0123", false),
            ("+1 0212 555 0123", false),
            // International
            ("+44 20 7946 0958", true),
            ("+44 (0)20 7946 0958", true),
            ("+44 7700 900123", true),
            ("0044 20 7946 0958", true),
            ("+49 30 901820", true),
            ("+49 1512 3456789", true),
            ("+33 1 23 45 67 89", true),
            ("+33 (0)1 23 45 67 89", true),
            ("+39 06 6982 1234", true),
            ("+39 312 345 6789", true),
            ("+34 912 345 678", true),
            ("+55 11 91234-5678", true),
            ("+55 11 3123-4567", true),
            ("+7 495 123-45-67", true),
            ("+91 98765 43210", true),
            ("+61 2 9374 4000", true),
            ("+353 1 234 5678", true),
            ("+886 2 2345 6789", true),
            ("+44 20 7946 09", false),     // UK, 8 national digits
            ("+44 20 7946 095812", false), // UK, 12 national digits
            ("+33 1 23 45 67 8", false),   // France, 8
            ("+34 912 345 67", false),
            ("+55 11 1234 567", false),
            ("+7 495 123 45 6", false),
            ("+49 30 123", false),      // too short overall
            ("+28 123 456 789", false), // unassigned code
            ("+259 123 4567", false),
            ("+0 123 456 789", false),
            ("+999 123 456 789", false),
            ("+123456", false),
            ("+1234567890123456", false), // 16 digits
            ("+44 20 7946 0958 1234 5678", false),
            // Shapes
            ("+44 20--7946 0958", true),
            ("+44 20---7946 0958", false),
            ("(212 555-0123", false),
            ("212) 555-0123", false),
            ("(212) (555) 0123", false),
            ("() 212 555 0123", false),
            ("212-555-0123-", false),
            ("++1 212 555 0123", false),
            ("212_555_0123", false),
            ("212-555-O123", false),
            ("", false),
            ("+", false),
            ("call me maybe", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    #[test]
    fn country_codes_are_sorted_and_prefix_free() {
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0] < w[1]));
        for &a in COUNTRY_CODES {
            for &b in COUNTRY_CODES {
                let (sa, sb) = (a.to_string(), b.to_string());
                assert!(a == b || !sb.starts_with(&sa), "{a} is a prefix of {b}");
            }
        }
    }

    proptest! {
        #[test]
        fn nanp_numbers_are_accepted(
            area in 200u32..1000,
            exch in 200u32..1000,
            line in 0u32..10000,
        ) {
            prop_assume!(area % 100 != 11);
            let s = format!("({area}) {exch}-{line:04}");
            prop_assert!(check(s.as_bytes()), "{}", s);
            let s = format!("+1 {area} {exch} {line:04}");
            prop_assert!(check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = check(&bytes);
        }

        #[test]
        fn never_panics_on_phone_like_text(s in "[+0-9() ./-]{0,30}") {
            let _ = check(s.as_bytes());
        }
    }
}

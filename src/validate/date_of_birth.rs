//! Date of birth: a real Gregorian calendar date (leap years per ISO 8601)
//! with a year from 1900 to 2026 (the current year; a validator has no
//! clock, so "not in the future" is approximated by the year).
//!
//! Accepted forms:
//!
//! - numeric, one separator used throughout: `YYYY-MM-DD`, `YYYY/MM/DD`,
//!   `YYYY.MM.DD`, `MM/DD/YYYY` or `DD/MM/YYYY` (either reading may be
//!   valid), `DD.MM.YYYY`, `DD-MM-YYYY`; day and month may have one digit;
//! - compact `YYYYMMDD`;
//! - English month names, full or abbreviated (`Sept` too), any case:
//!   `12 March 1985`, `March 12, 1985`, `Mar 12 1985`, `12-Mar-1985`,
//!   `1985 March 12`, with an optional ordinal suffix (`12th`).

/// First year accepted.
const MIN_YEAR: u32 = 1900;
/// Last year accepted: the current year.
const MAX_YEAR: u32 = 2026;

/// English month names; a token matches the full name or its first three
/// letters (and `sept`).
const MONTHS: [&[u8]; 12] = [
    b"january",
    b"february",
    b"march",
    b"april",
    b"may",
    b"june",
    b"july",
    b"august",
    b"september",
    b"october",
    b"november",
    b"december",
];

/// Whether `value` is a plausible date of birth in one of the accepted forms.
pub fn check(value: &[u8]) -> bool {
    if value.len() > 32 {
        return false;
    }
    if value.len() == 8 && value.iter().all(u8::is_ascii_digit) {
        return valid(num(&value[..4]), num(&value[4..6]), num(&value[6..]));
    }
    if value.iter().all(|&b| b.is_ascii_digit() || b"-/.".contains(&b)) {
        return numeric(value);
    }
    named(value)
}

/// `YYYY-MM-DD`-style and `DD/MM/YYYY`-style dates with one separator.
fn numeric(value: &[u8]) -> bool {
    let Some(&sep) = value.iter().find(|b| !b.is_ascii_digit()) else {
        return false;
    };
    let mut parts = value.split(|&b| b == sep);
    let (Some(a), Some(b), Some(c), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if ![a, b, c].iter().all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit)) {
        return false;
    }
    let short = |p: &[u8]| (1..=2).contains(&p.len());
    if a.len() == 4 && short(b) && short(c) {
        return valid(num(a), num(b), num(c));
    }
    if short(a) && short(b) && c.len() == 4 {
        let (x, y, year) = (num(a), num(b), num(c));
        return valid(year, x, y) || valid(year, y, x);
    }
    false
}

/// Dates with an English month name.
fn named(value: &[u8]) -> bool {
    let mut tokens: [&[u8]; 3] = [&[]; 3];
    let mut n = 0;
    for tok in value.split(|&b| b" ,-./".contains(&b)) {
        if tok.is_empty() {
            continue;
        }
        let Some(slot) = tokens.get_mut(n) else {
            return false;
        };
        *slot = tok;
        n += 1;
    }
    // Separator runs are short: "March 12, 1985" has ", ".
    if n != 3 || value.split(|b| b.is_ascii_alphanumeric()).any(|s| s.len() > 2) {
        return false;
    }
    let [a, b, c] = tokens;
    let (year, month, day) = if let Some(m) = month_number(a) {
        // March 12, 1985
        (year_token(c), Some(m), day_token(b))
    } else if let Some(m) = month_number(b) {
        if a.len() == 4 {
            // 1985 March 12
            (year_token(a), Some(m), day_token(c))
        } else {
            // 12 March 1985
            (year_token(c), Some(m), day_token(a))
        }
    } else {
        return false;
    };
    match (year, month, day) {
        (Some(y), Some(m), Some(d)) => valid(y, m, d),
        _ => false,
    }
}

/// The month (1-12) named by `tok`, full or abbreviated, any case.
fn month_number(tok: &[u8]) -> Option<u32> {
    if tok.len() < 3 || !tok.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let is_prefix = |name: &[u8]| name.len() >= tok.len() && name[..tok.len()].eq_ignore_ascii_case(tok);
    MONTHS
        .iter()
        .position(|name| {
            is_prefix(name) && (tok.len() == 3 || tok.len() == name.len() || tok.eq_ignore_ascii_case(b"sept"))
        })
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// A four-digit year.
fn year_token(tok: &[u8]) -> Option<u32> {
    (tok.len() == 4 && tok.iter().all(u8::is_ascii_digit)).then(|| num(tok))
}

/// A one- or two-digit day, optionally with an English ordinal suffix.
fn day_token(tok: &[u8]) -> Option<u32> {
    let digits_end = tok.iter().position(|b| !b.is_ascii_digit()).unwrap_or(tok.len());
    let (digits, suffix) = tok.split_at(digits_end);
    let suffix_ok =
        suffix.is_empty() || [&b"st"[..], b"nd", b"rd", b"th"].iter().any(|s| suffix.eq_ignore_ascii_case(s));
    ((1..=2).contains(&digits.len()) && suffix_ok).then(|| num(digits))
}

/// Decimal value of an all-digit slice of at most four digits.
fn num(d: &[u8]) -> u32 {
    d.iter().fold(0, |acc, &b| acc * 10 + u32::from(b.wrapping_sub(b'0') % 10))
}

/// Whether year/month/day is a real date within the accepted years.
fn valid(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (MIN_YEAR..=MAX_YEAR).contains(&year) && (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("1985-03-12", true),
            ("1985/03/12", true),
            ("1985.03.12", true),
            ("1985-3-2", true),
            ("03/12/1985", true), // March 12 or 3 December
            ("12/31/1985", true), // only MM/DD reads
            ("31/12/1985", true), // only DD/MM reads
            ("31.12.1985", true),
            ("31-12-1985", true),
            ("19850312", true),
            ("2000-02-29", true), // 2000 is a leap year
            ("1996-02-29", true),
            ("1900-01-01", true),
            ("2026-12-31", true),
            ("12 March 1985", true),
            ("March 12, 1985", true),
            ("Mar 12 1985", true),
            ("mar 12 1985", true),
            ("12-Mar-1985", true),
            ("12 Sept 1985", true),
            ("Sep. 12, 1985", true),
            ("1985 March 12", true),
            ("March 12th, 1985", true),
            ("1st January 1990", true),
            ("29 February 2024", true),
            ("1900-02-29", false), // 1900 is not a leap year
            ("1985-02-29", false),
            ("1985-04-31", false),
            ("1985-13-01", false),
            ("1985-00-10", false),
            ("1985-01-00", false),
            ("1985-01-32", false),
            ("31/31/1985", false),
            ("1899-12-31", false), // too early
            ("2027-01-01", false), // future
            ("19850230", false),
            ("1985031", false),
            ("1985-03/12", false), // mixed separators
            ("1985--03-12", false),
            ("85-03-12", false), // two-digit year
            ("03/12/85", false),
            ("123/12/1985", false),
            ("30 February 1985", false),
            ("12 Marc 1985", false),
            ("12 Mars 1985", false),
            ("March 1985", false),
            ("March 12 1985 1986", false),
            ("12 March 85", false),
            ("12xx March 1985", false),
            ("March 12,,, 1985", false),
            ("", false),
            ("born yesterday", false),
            ("\u{fe}\u{ff}", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_calendar(year in 1890u32..2040, month in 0u32..14, day in 0u32..33) {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            let want = (1900..=2026).contains(&year)
                && (1..=12).contains(&month)
                && day >= 1
                && day <= days[(month as usize).clamp(1, 12) - 1];
            let iso = format!("{year}-{month:02}-{day:02}");
            prop_assert_eq!(want, check(iso.as_bytes()), "{}", iso);
            let compact = format!("{year}{month:02}{day:02}");
            prop_assert_eq!(want, check(compact.as_bytes()), "{}", compact);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = check(&bytes);
        }

        #[test]
        fn never_panics_on_date_like_text(s in "[0-9A-Za-z ,./-]{0,24}") {
            let _ = check(s.as_bytes());
        }
    }
}

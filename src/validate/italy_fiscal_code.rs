//! Italian fiscal code (codice fiscale) of a natural person, per Decreto
//! ministeriale 23 dicembre 1976 and D.P.R. 605/1973.
//!
//! Sixteen characters `LLLLLLDDLDDLDDDL`: three surname and three name
//! letters, two-digit birth year, a month letter from `ABCDEHLMPRST`, a
//! birth day (01-31, plus 40 for women), a cadastral municipality code
//! (letter and three digits) and a check letter. To resolve clashes
//! ("omocodia") any digit position may hold the letter standing for that
//! digit: `L M N P Q R S T U V` for 0-9. The check letter is the sum of the
//! odd-position values (1-based, official odd table) and even-position
//! values (A/0 = 0 ... Z = 25) mod 26, read as A-Z. Case-insensitive.

/// Letters replacing digits 0-9 under omocodia.
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";

/// Month letters for January to December.
const MONTHS: &[u8] = b"ABCDEHLMPRST";

/// Values of characters in odd (1st, 3rd, ...) positions, indexed by digit
/// 0-9 or letter A-Z (digits and the letter with the same index share it).
const ODD: [u8; 26] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/// Positions (0-based) that hold digits, possibly replaced by omocodia letters.
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];

/// Whether `value` is a structurally valid codice fiscale with the right
/// check character.
pub fn check(value: &[u8]) -> bool {
    let Ok(raw) = <&[u8; 16]>::try_from(value) else {
        return false;
    };
    let c = raw.map(|b| b.to_ascii_uppercase());
    if !c.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    // Letters everywhere except digit positions.
    for (i, &b) in c.iter().enumerate() {
        let ok = if DIGIT_POSITIONS.contains(&i) {
            b.is_ascii_digit() || OMOCODIA.contains(&b)
        } else {
            b.is_ascii_uppercase()
        };
        if !ok {
            return false;
        }
    }
    if !MONTHS.contains(&c[8]) {
        return false;
    }
    let day = digit(c[9]) * 10 + digit(c[10]);
    if !matches!(day, 1..=31 | 41..=71) {
        return false;
    }
    let sum: u32 = c[..15]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let idx = usize::from(if b.is_ascii_digit() { b - b'0' } else { b - b'A' });
            u32::from(if i % 2 == 0 { ODD[idx] } else { u8::try_from(idx).unwrap_or(0) })
        })
        .sum();
    let want = b'A' + u8::try_from(sum % 26).expect("a remainder mod 26 fits in u8");
    c[15] == want
}

/// The digit a digit-position character stands for (omocodia decoded).
fn digit(b: u8) -> u8 {
    if b.is_ascii_digit() {
        b - b'0'
    } else {
        OMOCODIA.iter().position(|&l| l == b).and_then(|p| u8::try_from(p).ok()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("RSSMRA85T10A562S", true), // Agenzia delle Entrate's example "Mario Rossi"
            ("rssmra85t10a562s", true),
            ("MRTMTT25D09F205Z", true),
            ("BNCGNN80A41H501X", true),  // woman: day + 40
            ("RSSMRA85T10A56NH", true),  // omocodia in the last digit
            ("RSSMRAURTMLARSNL", true),  // omocodia in every digit position
            ("RSSMRA85T10A562T", false), // bad check character
            ("RSSMRA85T10A562", false),  // too short
            ("RSSMRA85T10A562SS", false),
            ("RSSMRA85F10A562S", false), // F is not a month letter
            ("RSSMRA85T32A562S", false), // day 32
            ("RSSMRA85T00A562S", false), // day 0
            ("RSSMRA85T72A562S", false), // day 72
            ("RSSMRA85TA0A562S", false), // A is not an omocodia letter
            ("1SSMRA85T10A562S", false),
            ("RSSMRA85T10A5626", false),
            ("RSSMRA85T10-562S", false),
            ("", false),
            ("codice fiscale!!", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    /// Completes the first 15 characters with their check character.
    fn complete(s15: &str) -> String {
        let sum: u32 = s15
            .bytes()
            .enumerate()
            .map(|(i, b)| {
                let idx = usize::from(if b.is_ascii_digit() { b - b'0' } else { b - b'A' });
                u32::from(if i % 2 == 0 { ODD[idx] } else { idx as u8 })
            })
            .sum();
        format!("{s15}{}", char::from(b'A' + (sum % 26) as u8))
    }

    proptest! {
        #[test]
        fn computed_check_character_is_accepted(
            names in "[A-Z]{6}",
            year in 0u32..100,
            month in "[ABCDEHLMPRST]",
            day in prop_oneof![1u32..=31, 41u32..=71],
            town in "[A-Z][0-9]{3}",
        ) {
            let s = complete(&format!("{names}{year:02}{month}{day:02}{town}"));
            prop_assert!(check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn changing_one_character_is_rejected(
            names in "[A-Z]{6}",
            year in 0u32..100,
            day in 1u32..=28,
            town in "[A-Z][0-9]{3}",
            pos in 0usize..6,
            delta in 1u8..26,
        ) {
            let mut s = complete(&format!("{names}{year:02}A{day:02}{town}")).into_bytes();
            s[pos] = b'A' + (s[pos] - b'A' + delta) % 26;
            prop_assert!(!check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            let _ = check(&bytes);
        }
    }
}

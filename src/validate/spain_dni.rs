//! Spanish national identity number (DNI, Real Decreto 1553/2005) and
//! foreigner identity number (NIE, Orden INT/2058/2008).
//!
//! A DNI is eight digits and a check letter; an NIE is `X`, `Y` or `Z`
//! (standing for 0, 1, 2), seven digits and a check letter. The check
//! letter is `TRWAGMYFPDXBNJZSQVHLCKE[n mod 23]` for the eight-digit number
//! `n`. A single `-` or space may precede the check letter; letters are
//! case-insensitive.

/// Check letters indexed by the number mod 23.
const LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Whether `value` is a DNI or NIE with the right check letter.
pub fn check(value: &[u8]) -> bool {
    let (body, letter) = match value {
        [body @ .., b'-' | b' ', l] | [body @ .., l] => (body, l.to_ascii_uppercase()),
        [] => return false,
    };
    if body.len() != 8 || !letter.is_ascii_uppercase() {
        return false;
    }
    let lead = match body[0].to_ascii_uppercase() {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        d if d.is_ascii_digit() => u32::from(d - b'0'),
        _ => return false,
    };
    let mut n = lead;
    for &b in &body[1..] {
        if !b.is_ascii_digit() {
            return false;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    let idx = usize::try_from(n % 23).expect("a remainder mod 23 fits in usize");
    LETTERS[idx] == letter
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("12345678Z", true),
            ("12345678-Z", true),
            ("12345678 Z", true),
            ("12345678z", true),
            ("00000000T", true),
            ("87654321X", true),
            ("X1234567L", true), // NIE
            ("x1234567l", true),
            ("Y1234567X", true),
            ("Z1234567R", true),
            ("Z1234567-R", true),
            ("12345678A", false), // wrong letter
            ("X1234567T", false),
            ("12345678", false), // letter missing
            ("1234567Z", false), // seven digits
            ("123456789Z", false),
            ("W1234567L", false), // W is not an NIE prefix
            ("12345678-", false),
            ("12345678--Z", false),
            ("12345678_Z", false),
            ("1234S678Z", false),
            ("", false),
            ("Z", false),
            ("documento", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn computed_letter_is_accepted(n in 0u32..100_000_000) {
            let s = format!("{n:08}{}", char::from(LETTERS[(n % 23) as usize]));
            prop_assert!(check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn changing_one_digit_is_rejected(
            n in 0u32..100_000_000,
            pos in 0usize..8,
            delta in 1u8..10,
        ) {
            let mut s = format!("{n:08}{}", char::from(LETTERS[(n % 23) as usize])).into_bytes();
            s[pos] = b'0' + (s[pos] - b'0' + delta) % 10;
            prop_assert!(!check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = check(&bytes);
        }
    }
}

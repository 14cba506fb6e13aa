//! German identity card number (Personalausweis, Reisepass serial), per the
//! Personalausweisverordnung and the ICAO Doc 9303 check digit.
//!
//! Since November 2010 the card number is nine characters from
//! `0-9 C F G H J K L M N P R T V W X Y Z` (no vowels, no easily confused
//! letters) followed by a check digit; older cards used ten digits (nine
//! plus a check digit). The check digit is the ICAO 9303 7-3-1 checksum:
//! characters valued 0-9 and A=10 ... Z=35, weighted 7, 3, 1 repeating,
//! summed mod 10. A trailing nationality letter `D` (as printed in the
//! machine-readable zone) is accepted and ignored.

/// Characters allowed in the nine-character serial.
const ALPHABET: &[u8] = b"0123456789CFGHJKLMNPRTVWXYZ";

/// Whether `value` is a German ID card number with a valid check digit,
/// optionally followed by `D` (itself optionally after a space).
pub fn check(value: &[u8]) -> bool {
    let mut buf = [0u8; 10];
    let body: &[u8] = match value {
        [rest @ .., b' ', b'D' | b'd'] | [rest @ .., b'D' | b'd'] => rest,
        _ => value,
    };
    if body.len() != 10 {
        return false;
    }
    for (slot, &b) in buf.iter_mut().zip(body) {
        *slot = b.to_ascii_uppercase();
    }
    let (serial, check_digit) = buf.split_at(9);
    if !serial.iter().all(|b| ALPHABET.contains(b)) || !check_digit[0].is_ascii_digit() {
        return false;
    }
    if serial.windows(2).all(|w| w[0] == w[1]) {
        return false;
    }
    icao_check_digit(serial) == check_digit[0] - b'0'
}

/// ICAO 9303 check digit of upper-case alphanumerics (weights 7, 3, 1).
fn icao_check_digit(chars: &[u8]) -> u8 {
    let sum: u32 = chars
        .iter()
        .zip([7u32, 3, 1].iter().cycle())
        .map(|(&c, &w)| {
            let v = if c.is_ascii_digit() { c - b'0' } else { c - b'A' + 10 };
            u32::from(v) * w
        })
        .sum();
    u8::try_from(sum % 10).expect("a remainder mod 10 fits in u8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("T220001293", true), // specimen card "Erika Mustermann", 2010 series
            ("T220001293D", true),
            ("T220001293 D", true),
            ("t220001293", true),
            ("L01X00T471", true), // specimen card, 2010 series
            ("1220001297", true), // specimen card, pre-2010 numeric series
            ("1220001297D", true),
            ("T220001294", false), // bad check digit
            ("T22000129X", false),
            ("1220001296", false),
            ("A220001293", false), // vowels are not used
            ("T2200012930", false),
            ("T22000129", false),
            ("T220001293DD", false),
            ("0000000000", false), // one repeated character
            ("T22000-1293", false),
            ("", false),
            ("D", false),
            ("ausweis!!!", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn computed_check_digit_is_accepted(serial in "[0-9CFGHJKLMNPRTVWXYZ]{9}") {
            prop_assume!(!serial.bytes().all(|b| b == serial.as_bytes()[0]));
            let s = format!("{serial}{}", icao_check_digit(serial.as_bytes()));
            prop_assert!(check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn changing_one_digit_is_rejected(
            serial in "[0-9]{9}",
            pos in 0usize..10,
            delta in 1u8..10,
        ) {
            let mut s = format!("{serial}{}", icao_check_digit(serial.as_bytes())).into_bytes();
            s[pos] = b'0' + (s[pos] - b'0' + delta) % 10;
            prop_assert!(!check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = check(&bytes);
        }
    }
}

//! French social security number (NIR, "numéro INSEE"), per INSEE's
//! Répertoire national d'identification des personnes physiques and
//! décret n° 82-103.
//!
//! Thirteen characters plus a two-digit key, 15 in all, usually written
//! `s yy mm dd ccc ooo kk` with spaces:
//!
//! - `s`: sex / status, 1 or 2 (3, 4, 7 and 8 for temporary numbers);
//! - `yy`: year of birth;
//! - `mm`: month of birth 01-12, or 20-42 / 50-99 for unknown months and
//!   temporary numbers;
//! - `dd`: department of birth, digits or `2A` / `2B` for Corsica;
//! - `ccc`, `ooo`: commune and order number;
//! - `kk`: key, `97 - (N mod 97)` where `N` is the 13-character number with
//!   `2A` read as 19 and `2B` as 18.

/// Whether `value` is a NIR with a valid structure and key. Single spaces
/// may separate the groups.
pub fn check(value: &[u8]) -> bool {
    if value.first() == Some(&b' ') || value.last() == Some(&b' ') || value.windows(2).any(|w| w == b"  ") {
        return false;
    }
    let mut c = [0u8; 15];
    let mut n = 0;
    for &b in value {
        if b == b' ' {
            continue;
        }
        let Some(slot) = c.get_mut(n) else {
            return false;
        };
        *slot = b.to_ascii_uppercase();
        n += 1;
    }
    if n != 15 {
        return false;
    }
    // Corsica: department 2A / 2B counts as 19 / 18.
    let corsica = match &c[5..7] {
        b"2A" => Some(b"19"),
        b"2B" => Some(b"18"),
        _ => None,
    };
    if let Some(repl) = corsica {
        c[5..7].copy_from_slice(repl);
    }
    if !c.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let num = |r: core::ops::Range<usize>| c[r].iter().fold(0u64, |acc, &b| acc * 10 + u64::from(b - b'0'));
    let sex = num(0..1);
    let month = num(3..5);
    let body = num(0..13);
    let key = num(13..15);
    matches!(sex, 1 | 2 | 3 | 4 | 7 | 8) && matches!(month, 1..=12 | 20..=42 | 50..=99) && key == 97 - body % 97
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("269054958815780", true), // INSEE's published example
            ("2 69 05 49 588 157 80", true),
            ("185057800608491", true),
            ("1 85 05 78 006 084 91", true),
            ("185022A00608484", true), // Corsica
            ("1 85 02 2A 006 084 84", true),
            ("1 85 02 2a 006 084 84", true),
            ("185022B00608414", true),
            ("399129912345612", true),  // month 99, temporary number
            ("269054958815781", false), // bad key
            ("185022A00608414", false), // 2B's key on a 2A number
            ("185022C00608484", false),
            ("569054958815780", false), // sex digit 5
            ("123456789012311", false), // month 45
            ("1850578006084", false),   // key missing
            ("18505780060849", false),
            ("1850578006084910", false),
            ("1 85 05 78 006 084  91", false),
            ("1-85-05-78-006-084-91", false),
            ("", false),
            ("numero de secu!", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    fn make(sex: u64, rest: u64) -> String {
        let body = sex * 1_000_000_000_000 + 99 * 10_000_000_000 + 1_200_000_000 + rest;
        format!("{body:013}{:02}", 97 - body % 97)
    }

    proptest! {
        #[test]
        fn computed_key_is_accepted(
            sex in prop::sample::select(vec![1u64, 2, 3, 4, 7, 8]),
            rest in 0u64..100_000_000,
        ) {
            let s = make(sex, rest);
            prop_assert!(check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn changing_one_digit_is_rejected(
            sex in prop::sample::select(vec![1u64, 2]),
            rest in 0u64..100_000_000,
            pos in 5usize..15,
            delta in 1u8..10,
        ) {
            let mut s = make(sex, rest).into_bytes();
            s[pos] = b'0' + (s[pos] - b'0' + delta) % 10;
            prop_assert!(!check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            let _ = check(&bytes);
        }
    }
}

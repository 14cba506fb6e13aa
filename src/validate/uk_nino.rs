//! UK National Insurance number, per HMRC's National Insurance Manual
//! NIM39110.
//!
//! Two prefix letters, six digits and an optional suffix letter A-D, with
//! optional single spaces between the groups (`AB 12 34 56 C`, `AB123456C`).
//! Neither prefix letter is D, F, I, Q, U or V; the second is not O; the
//! prefixes BG, GB, KN, NK, NT, TN and ZZ are never allocated. Letters are
//! case-insensitive.

/// Whether `value` is a National Insurance number HMRC could allocate.
pub fn check(value: &[u8]) -> bool {
    if value.first() == Some(&b' ') || value.last() == Some(&b' ') || value.windows(2).any(|w| w == b"  ") {
        return false;
    }
    let mut buf = [0u8; 9];
    let mut n = 0;
    for &b in value {
        if b == b' ' {
            continue;
        }
        let Some(slot) = buf.get_mut(n) else {
            return false;
        };
        *slot = b.to_ascii_uppercase();
        n += 1;
    }
    if !(8..=9).contains(&n) {
        return false;
    }
    let (p1, p2) = (buf[0], buf[1]);
    let prefix_ok = p1.is_ascii_uppercase()
        && p2.is_ascii_uppercase()
        && !b"DFIQUV".contains(&p1)
        && !b"DFIOQUV".contains(&p2)
        && !matches!(&buf[..2], b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ");
    let digits_ok = buf[2..8].iter().all(u8::is_ascii_digit);
    let suffix_ok = n == 8 || matches!(buf[8], b'A'..=b'D');
    prefix_ok && digits_ok && suffix_ok && spaces_ok(value)
}

/// Spaces, if any, may only separate the groups `AA 12 34 56 A`
/// (or `AA 123456 A`): never inside a pair of digits.
fn spaces_ok(value: &[u8]) -> bool {
    let mut pos = 0; // index among non-space characters
    for &b in value {
        if b == b' ' {
            if !matches!(pos, 2 | 4 | 6 | 8) {
                return false;
            }
        } else {
            pos += 1;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("AB123456C", true),
            ("AB 12 34 56 C", true),
            ("AB 123456 C", true),
            ("ab123456c", true),
            ("JG103759A", true),
            ("AB123456", true), // suffix omitted
            ("AB 12 34 56", true),
            ("OA123456D", true),  // O may be the first letter
            ("AB123456E", false), // suffix beyond D
            ("AB1234567", false),
            ("DA123456A", false), // D first
            ("FA123456A", false),
            ("IA123456A", false),
            ("QQ123456C", false), // Q: HMRC's specimen prefix, never allocated
            ("UA123456A", false),
            ("VA123456A", false),
            ("AO123456A", false), // O second
            ("AD123456A", false),
            ("BG123456A", false),
            ("GB123456A", false),
            ("KN123456A", false),
            ("NK123456A", false),
            ("NT123456A", false),
            ("TN123456A", false),
            ("ZZ123456A", false),
            ("A1123456A", false),
            ("AB12345C", false), // five digits
            ("AB12E456C", false),
            ("AB1 23456C", false), // space inside a pair
            ("AB  123456C", false),
            ("AB123456C ", false),
            ("", false),
            ("hello world", false),
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
        fn valid_shapes_are_accepted(
            p in "[ABCEGHJKLMNOPRSTWXYZ][ABCEGHJKLMNPRSTWXYZ]",
            d in "[0-9]{6}",
            s in "[A-D]?",
        ) {
            prop_assume!(!matches!(p.as_str(), "BG" | "GB" | "KN" | "NK" | "NT" | "TN" | "ZZ"));
            let v = format!("{p}{d}{s}");
            prop_assert!(check(v.as_bytes()), "{}", v);
        }
    }
}

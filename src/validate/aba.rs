//! US ABA routing transit number (RTN), as assigned by the American Bankers
//! Association / Accuity under the ABA Key to Routing Numbers.
//!
//! Nine digits `XXXXYYYYC`: the first two digits are the Federal Reserve
//! routing symbol (00 US government, 01-12 Federal Reserve districts,
//! 21-32 thrift institutions, 61-72 electronic transactions, 80 traveler's
//! cheques) and the check digit makes
//! `3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9)` a multiple of 10.

use super::util::sep_digits;

/// Whether `value` is nine digits (optionally split by `-` or a space) with
/// a valid Federal Reserve prefix and ABA checksum.
pub fn check(value: &[u8]) -> bool {
    let mut d = [0u8; 9];
    if sep_digits(value, b" -", &mut d) != Some(9) {
        return false;
    }
    let prefix = d[0] * 10 + d[1];
    if !matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80) {
        return false;
    }
    checksum(&d) == 0
}

/// The ABA weighted sum of nine digit values, mod 10.
fn checksum(d: &[u8; 9]) -> u32 {
    d.iter().zip([3u32, 7, 1].iter().cycle()).map(|(&x, &w)| u32::from(x) * w).sum::<u32>() % 10
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("011000015", true), // Federal Reserve Bank of Boston
            ("021000021", true),
            ("111000025", true),
            ("122105278", true),
            ("021 000 021", true), // grouped
            ("011000016", false),  // bad checksum
            ("021000022", false),
            ("131000018", false), // prefix 13 unused
            ("411000013", false), // prefix 41 unused
            ("901000015", false), // prefix 90 unused
            ("01100001", false),
            ("0110000155", false),
            ("01100001a", false),
            ("", false),
            ("routing!!", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    fn make(prefix: u8, body: &[u8]) -> [u8; 9] {
        let mut d = [0u8; 9];
        d[0] = prefix / 10;
        d[1] = prefix % 10;
        d[2..8].copy_from_slice(&body[..6]);
        let s = checksum(&d); // d[8] is 0, weight 1
        d[8] = u8::try_from((10 - s) % 10).unwrap();
        d
    }

    fn prefix() -> impl Strategy<Value = u8> {
        prop_oneof![0u8..=12, 21u8..=32, 61u8..=72, Just(80u8)]
    }

    proptest! {
        #[test]
        fn computed_check_digit_is_accepted(
            p in prefix(),
            body in proptest::collection::vec(0u8..10, 6),
        ) {
            let s: Vec<u8> = make(p, &body).iter().map(|x| x + b'0').collect();
            prop_assert!(check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn changing_one_digit_is_rejected(
            p in prefix(),
            body in proptest::collection::vec(0u8..10, 6),
            pos in 2usize..9,
            delta in 1u8..10,
        ) {
            let mut d = make(p, &body);
            d[pos] = (d[pos] + delta) % 10;
            let s: Vec<u8> = d.iter().map(|x| x + b'0').collect();
            prop_assert!(!check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = check(&bytes);
        }
    }
}

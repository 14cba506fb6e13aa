//! Small helpers shared by validators: digit extraction with separators,
//! Luhn (ISO/IEC 7812-1 Annex B), CRC-32 (IEEE 802.3 polynomial) and the
//! fixed `AAA-GG-SSSS` shape used by US taxpayer numbers.
//!
//! Everything here works on caller-provided fixed-size arrays: no heap.

/// The separators numeric identifiers are commonly written with.
pub const SEPARATORS: &[u8] = b" -./";

/// Copies the digit values (0-9) of `value` into `out` and returns how many
/// there were, allowing the bytes in `seps` between digits.
///
/// Returns `None` when any other byte occurs, when the value starts or ends
/// with a separator, or when there are more than `N` digits.
pub fn sep_digits<const N: usize>(value: &[u8], seps: &[u8], out: &mut [u8; N]) -> Option<usize> {
    let (first, last) = (value.first()?, value.last()?);
    if !first.is_ascii_digit() || !last.is_ascii_digit() {
        return None;
    }
    let mut n = 0;
    for &b in value {
        if b.is_ascii_digit() {
            *out.get_mut(n)? = b - b'0';
            n += 1;
        } else if !seps.contains(&b) {
            return None;
        }
    }
    Some(n)
}

/// Copies the ASCII letters and digits of `value` into `out`, upper-cased,
/// skipping the bytes in `seps`. Returns the count, or `None` on any other
/// byte or when more than `N` characters would be copied.
pub fn sep_alnum_upper<const N: usize>(value: &[u8], seps: &[u8], out: &mut [u8; N]) -> Option<usize> {
    let mut n = 0;
    for &b in value {
        if b.is_ascii_alphanumeric() {
            *out.get_mut(n)? = b.to_ascii_uppercase();
            n += 1;
        } else if !seps.contains(&b) {
            return None;
        }
    }
    Some(n)
}

/// Whether every element of `s` is equal (true for empty and one-element slices).
pub fn all_same(s: &[u8]) -> bool {
    s.windows(2).all(|w| w[0] == w[1])
}

/// The Luhn sum of digit values `d` (0-9), rightmost digit undoubled.
/// A number is Luhn-valid when this is a multiple of 10.
pub fn luhn_sum(d: &[u8]) -> u32 {
    let mut pairs = d.rchunks_exact(2);
    let sum = pairs.by_ref().map(|p| u32::from(p[1]) + luhn_doubled(p[0])).sum::<u32>();
    sum + pairs.remainder().iter().map(|&x| u32::from(x)).sum::<u32>()
}

/// What digit value `x` (0-9) adds to a Luhn sum when it is doubled: the
/// digits of `2 * x` summed, by table (no branch per digit).
#[inline(always)]
pub fn luhn_doubled(x: u8) -> u32 {
    const DOUBLED: [u8; 16] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9, 0, 0, 0, 0, 0, 0];
    u32::from(DOUBLED[usize::from(x & 15)])
}

/// Whether the digit values `d` pass the Luhn check.
pub fn luhn_ok(d: &[u8]) -> bool {
    luhn_sum(d).is_multiple_of(10)
}

/// The Luhn check digit to append to the digit values `d`.
#[cfg(test)]
pub fn luhn_check_digit(d: &[u8]) -> u8 {
    // Appending a 0 shifts every digit one place left; the sum's distance
    // to the next multiple of ten is the digit that makes it valid.
    let mut buf = [0u8; 64];
    buf[..d.len()].copy_from_slice(d);
    let s = luhn_sum(&buf[..=d.len()]);
    u8::try_from((10 - s % 10) % 10).expect("a value below 10 fits in u8")
}

/// Number value of a decimal digit string's digit values (at most 19 digits).
pub fn number(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |acc, &x| acc.wrapping_mul(10).wrapping_add(u64::from(x)))
}

const fn crc32_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

/// Lookup table for the reflected CRC-32 polynomial 0xEDB88320.
static CRC32_TABLE: [u32; 256] = crc32_table();

/// CRC-32 (IEEE 802.3 / zlib / PNG) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| CRC32_TABLE[usize::from((c as u8) ^ b)] ^ (c >> 8))
}

/// Parses the US taxpayer-number shape `AAAGGSSSS`, `AAA-GG-SSSS` or
/// `AAA GG SSSS` (one separator, used in both places) into nine digit values.
pub fn ssn_shape(value: &[u8]) -> Option<[u8; 9]> {
    let mut out = [0u8; 9];
    let digits_at: &[usize] = match value.len() {
        9 => &[0, 1, 2, 3, 4, 5, 6, 7, 8],
        11 => {
            let sep = value[3];
            if !(sep == b'-' || sep == b' ') || value[6] != sep {
                return None;
            }
            &[0, 1, 2, 4, 5, 7, 8, 9, 10]
        }
        _ => return None,
    };
    for (slot, &i) in out.iter_mut().zip(digits_at) {
        let b = value[i];
        if !b.is_ascii_digit() {
            return None;
        }
        *slot = b - b'0';
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_known_vectors() {
        let cases: &[(&str, u32)] = &[
            ("", 0),
            ("a", 0xE8B7_BE43),
            ("123456789", 0xCBF4_3926),
            ("The quick brown fox jumps over the lazy dog", 0x414F_A339),
        ];
        for &(input, want) in cases {
            assert_eq!(want, crc32(input.as_bytes()), "input: {input:?}");
        }
    }

    #[test]
    fn sep_digits_cases() {
        let cases: &[(&str, Option<&[u8]>)] = &[
            ("12 3-4", Some(&[1, 2, 3, 4])),
            ("1", Some(&[1])),
            ("", None),
            (" 12", None),
            ("12-", None),
            ("12a3", None),
            ("123456789", None), // more than the buffer holds
        ];
        for &(input, want) in cases {
            let mut buf = [0u8; 8];
            let got = sep_digits(input.as_bytes(), SEPARATORS, &mut buf).map(|n| &buf[..n]);
            assert_eq!(want, got, "input: {input:?}");
        }
    }

    #[test]
    fn ssn_shape_cases() {
        let cases: &[(&str, bool)] = &[
            ("123456789", true),
            ("123-45-6789", true),
            ("123 45 6789", true),
            ("123-45 6789", false),
            ("123.45.6789", false),
            ("12-345-6789", false),
            ("12345678", false),
            ("12345678a", false),
            ("", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, ssn_shape(input.as_bytes()).is_some(), "input: {input:?}");
        }
    }

    #[test]
    fn luhn_helpers_agree() {
        let d = [7, 9, 9, 2, 7, 3, 9, 8, 7, 1];
        assert_eq!(3, luhn_check_digit(&d));
        assert!(luhn_ok(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
        assert!(!luhn_ok(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4]));
    }

    #[test]
    fn luhn_sum_is_the_textbook_sum_at_every_length() {
        // Every other digit from the right doubled, a two-digit product's
        // digits summed.
        let textbook = |d: &[u8]| -> u32 {
            d.iter()
                .rev()
                .enumerate()
                .map(|(i, &x)| if i % 2 == 1 { u32::from(x * 2 % 10 + x * 2 / 10) } else { u32::from(x) })
                .sum()
        };
        let mut d = Vec::new();
        for n in 0..40u32 {
            assert_eq!(luhn_sum(&d), textbook(&d), "{d:?}");
            d.push(((n * 7 + 3) % 10) as u8);
        }
        for x in 0..10 {
            assert_eq!(luhn_sum(&[x, 0]), textbook(&[x, 0]), "{x}");
            assert_eq!(luhn_sum(&[x]), u32::from(x), "{x}");
        }
    }
}

//! Digit groups: the candidate finder for rules whose values are mostly digits
//! (card numbers, national ids, phone numbers, IBANs...).
//!
//! A digit group is a maximal run of ASCII digits in which consecutive digit
//! runs are joined by one or two separator bytes from ` -./()`. So
//! `4532 0151 1283 0366` is one group of 16 digits, `(555) 123-4567` one of
//! 10, and `2024-03-01T12:00` a group of 8 (the `T` ends it). Rules declare
//! `digits = N`: every match contains a group of at least N digits, so only
//! groups that large need the rule's regex.

/// One digit group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    /// Offset of the first digit.
    pub start: usize,
    /// Offset one past the last digit.
    pub end: usize,
    /// How many digits the group has.
    pub digits: u32,
}

const DIGIT: u8 = 1;
const SEP: u8 = 2;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = DIGIT;
        b += 1;
    }
    t[b' ' as usize] = SEP;
    t[b'-' as usize] = SEP;
    t[b'.' as usize] = SEP;
    t[b'/' as usize] = SEP;
    t[b'(' as usize] = SEP;
    t[b')' as usize] = SEP;
    t
};

/// Bit `i` of the result is set when byte `i` of `block` is an ASCII digit.
#[inline(always)]
fn digit_mask(block: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for i in 0..64 {
        flags[i] = (block[i].wrapping_sub(b'0') < 10) as u8;
    }
    let mut m = 0u64;
    for (j, chunk) in flags.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(chunk.try_into().expect("chunks of 8"));
        m |= (x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (j * 8);
    }
    m
}

/// The offset of the first digit at or after `from`, if any.
#[inline]
fn next_digit(hay: &[u8], mut from: usize) -> Option<usize> {
    while from + 64 <= hay.len() {
        let block: &[u8; 64] = hay[from..from + 64].try_into().expect("64 bytes");
        let m = digit_mask(block);
        if m != 0 {
            return Some(from + m.trailing_zeros() as usize);
        }
        from += 64;
    }
    hay[from..].iter().position(|b| b.is_ascii_digit()).map(|p| from + p)
}

/// Appends to `out` every digit group of `hay` with at least `min_digits` digits.
pub fn find_groups(hay: &[u8], min_digits: u32, out: &mut Vec<Group>) {
    let n = hay.len();
    let class = |i: usize| CLASS[hay[i] as usize];
    let mut i = 0;
    while let Some(start) = next_digit(hay, i) {
        let mut j = start;
        let mut digits = 0u32;
        let end;
        loop {
            while j < n && class(j) == DIGIT {
                j += 1;
                digits += 1;
            }
            let run_end = j;
            if j < n && class(j) == SEP {
                if j + 1 < n && class(j + 1) == DIGIT {
                    j += 1;
                    continue;
                }
                if j + 2 < n && class(j + 1) == SEP && class(j + 2) == DIGIT {
                    j += 2;
                    continue;
                }
            }
            end = run_end;
            break;
        }
        if digits >= min_digits {
            out.push(Group { start, end, digits });
        }
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(hay: &str, min: u32) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        find_groups(hay.as_bytes(), min, &mut out);
        out.into_iter().map(|g| (hay[g.start..g.end].to_string(), g.digits)).collect()
    }

    #[test]
    fn group_table() {
        let cases: &[(&str, u32, &[(&str, u32)])] = &[
            ("card 4532 0151 1283 0366.", 1, &[("4532 0151 1283 0366", 16)]),
            ("call (555) 123-4567 now", 1, &[("555) 123-4567", 10)]),
            ("2024-03-01T12:00:05Z", 1, &[("2024-03-01", 8), ("12", 2), ("00", 2), ("05", 2)]),
            ("GB82 WEST 1234 5698 7654 32", 3, &[("1234 5698 7654 32", 14)]),
            ("a1b22c333", 2, &[("22", 2), ("333", 3)]),
            ("12 -- 34", 1, &[("12", 2), ("34", 2)]),
            ("12 - 34", 1, &[("12", 2), ("34", 2)]),
            ("12 -34", 1, &[("12 -34", 4)]),
            ("", 1, &[]),
            ("no digits here", 1, &[]),
        ];
        for &(hay, min, want) in cases {
            let want: Vec<(String, u32)> = want.iter().map(|&(s, d)| (s.to_string(), d)).collect();
            assert_eq!(groups(hay, min), want, "hay: {hay:?}");
        }
    }

    #[test]
    fn long_inputs_cross_blocks() {
        let mut hay = "x".repeat(100);
        hay.push_str("123-45-6789");
        hay.push_str(&"y".repeat(70));
        hay.push_str("4532015112830366");
        let g = groups(&hay, 9);
        assert_eq!(g, vec![("123-45-6789".to_string(), 9), ("4532015112830366".to_string(), 16)]);
    }

    #[test]
    fn mask_matches_scalar() {
        let block: Vec<u8> = (0..64u8).map(|i| if i % 3 == 0 { b'0' + i % 10 } else { b'a' + i % 26 }).collect();
        let m = digit_mask(block.as_slice().try_into().unwrap());
        for (i, b) in block.iter().enumerate() {
            assert_eq!(m >> i & 1 == 1, b.is_ascii_digit(), "bit {i}");
        }
    }
}

//! Byte classes as bit masks: one pass over a haystack computes, for every
//! 64-byte block, which bytes are digits, separators, upper- or lower-case
//! ASCII letters, or non-ASCII. The prefilters (digit groups, country codes,
//! keyword word starts) then work on these masks a word at a time.
//!
//! The masks are computed 16 bytes at a time with SSE2 compares and
//! movemask through the safe `wide` crate.

use wide::u8x16;

/// Per-block class masks of a haystack (bit `i` of block `k` is byte `64k + i`).
/// The last block is padded with bytes of no class.
#[derive(Clone, Debug, Default)]
pub struct Classes {
    /// ASCII digits.
    pub digit: Vec<u64>,
    /// Digit-group separators: space, `-`, `.`, `/`, `(`, `)`.
    pub sep: Vec<u64>,
    /// ASCII upper-case letters.
    pub upper: Vec<u64>,
    /// ASCII lower-case letters.
    pub lower: Vec<u64>,
    /// Bytes 0x80 and above.
    pub high: Vec<u64>,
}

#[inline(always)]
fn masks16(v: u8x16) -> [u32; 5] {
    let digit = (v - u8x16::splat(b'0')).simd_lt(u8x16::splat(10));
    let upper = (v - u8x16::splat(b'A')).simd_lt(u8x16::splat(26));
    let lower = (v - u8x16::splat(b'a')).simd_lt(u8x16::splat(26));
    let high = (v ^ u8x16::splat(0x80)).simd_lt(u8x16::splat(0x80));
    let sep = v.simd_eq(u8x16::splat(b' '))
        | v.simd_eq(u8x16::splat(b'-'))
        | v.simd_eq(u8x16::splat(b'.'))
        | v.simd_eq(u8x16::splat(b'/'))
        | v.simd_eq(u8x16::splat(b'('))
        | v.simd_eq(u8x16::splat(b')'));
    [digit.to_bitmask(), sep.to_bitmask(), upper.to_bitmask(), lower.to_bitmask(), high.to_bitmask()]
}

impl Classes {
    /// Computes the masks of `hay`, replacing the previous contents.
    pub fn compute(&mut self, hay: &[u8]) {
        let blocks = hay.len().div_ceil(64);
        for v in [&mut self.digit, &mut self.sep, &mut self.upper, &mut self.lower, &mut self.high] {
            v.clear();
            v.reserve(blocks);
        }
        let mut push = |block: &[u8; 64]| {
            let mut m = [0u64; 5];
            for j in 0..4 {
                let arr: [u8; 16] = block[j * 16..j * 16 + 16].try_into().expect("16 bytes");
                let part = masks16(u8x16::from(arr));
                for (k, p) in part.iter().enumerate() {
                    m[k] |= u64::from(*p) << (j * 16);
                }
            }
            self.digit.push(m[0]);
            self.sep.push(m[1]);
            self.upper.push(m[2]);
            self.lower.push(m[3]);
            self.high.push(m[4]);
        };
        let mut chunks = hay.chunks_exact(64);
        for block in chunks.by_ref() {
            push(block.try_into().expect("64 bytes"));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // Pad with a byte of no class (0x01 is not a digit, separator, letter or high byte).
            let mut tail = [1u8; 64];
            tail[..rest.len()].copy_from_slice(rest);
            push(&tail);
        }
    }

    /// Number of 64-byte blocks.
    pub fn blocks(&self) -> usize {
        self.digit.len()
    }

    /// Keyword word characters of block `k`: letters, digits and non-ASCII
    /// bytes (everything keyword normalization does not turn into a space).
    #[inline(always)]
    pub fn word(&self, k: usize) -> u64 {
        self.digit[k] | self.upper[k] | self.lower[k] | self.high[k]
    }

    /// ASCII letters and digits of block `k`.
    #[inline(always)]
    pub fn alnum(&self, k: usize) -> u64 {
        self.digit[k] | self.upper[k] | self.lower[k]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_scalar() {
        let hay: Vec<u8> = (0..300u32).map(|i| (i * 37 % 256) as u8).collect();
        let mut c = Classes::default();
        c.compute(&hay);
        assert_eq!(c.blocks(), 5);
        for (i, &b) in hay.iter().enumerate() {
            let (k, bit) = (i / 64, i % 64);
            let get = |v: &Vec<u64>| v[k] >> bit & 1 == 1;
            assert_eq!(get(&c.digit), b.is_ascii_digit(), "digit {i}");
            assert_eq!(get(&c.upper), b.is_ascii_uppercase(), "upper {i}");
            assert_eq!(get(&c.lower), b.is_ascii_lowercase(), "lower {i}");
            assert_eq!(get(&c.high), b >= 0x80, "high {i}");
            assert_eq!(get(&c.sep), b" -./()".contains(&b), "sep {i}");
        }
        for bit in 300 % 64..64 {
            assert_eq!(c.word(4) >> bit & 1, 0, "padding is of no class");
        }
    }
}

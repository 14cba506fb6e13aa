//! Byte classes as bit masks: one pass over a haystack computes, for every
//! 64-byte block, which bytes are digits, separators, upper- or lower-case
//! ASCII letters, or non-ASCII. The prefilters (digit groups, country codes,
//! keyword word starts) then work on these masks a word at a time.
//!
//! The masks are computed with the widest vector unit the processor has
//! (`detect::vectors`): 64 bytes per compare with AVX-512BW, 32 with AVX2,
//! else 16 with SSE2 compares and movemask through the safe `wide` crate.

use wide::{i8x16, u8x16};

use crate::detect::quiet::QuietStarts;
use crate::detect::vectors;

/// Per-block class masks of a haystack (bit `i` of block `k` is byte `64k + i`).
/// The last block is padded with bytes of no class.
#[derive(Clone, Debug, Default)]
pub struct Classes {
    /// The digit, separator, upper, lower and high masks of every block.
    planes: Planes,
    /// Whether the haystack holds a backslash (which may start an escape,
    /// see `detect::escapes`).
    backslash: bool,
    /// Per block, the word starts known to start no keyword nor literal
    /// (see [`Classes::set_quiet`]); empty when none are known.
    quiet: Vec<u64>,
    /// The blocks holding a byte of `rare_set`, in order, each with the
    /// mask of those bytes (see [`Classes::compute_listing`]).
    rare: Vec<(u32, u64)>,
    /// The bytes listed in `rare`, if any were.
    rare_set: Option<[u8; 3]>,
}

/// The class masks of a haystack's blocks, one plane per class: plane `c`
/// ([`DIGIT`], [`SEP`]...) holds mask `c` of every block in order, so
/// that a vector kernel loads eight blocks' masks of a class with one
/// load, where a record of five masks per block needed a gather.
#[derive(Clone, Debug, Default)]
pub(crate) struct Planes {
    /// The five planes one after the other, `blocks` masks each, then
    /// what is left of the storage.
    masks: Vec<u64>,
    /// Number of blocks.
    blocks: usize,
}

impl Planes {
    /// Makes room for the masks of `blocks` blocks, to be set through
    /// [`Planes::planes_mut`]. The storage is kept from haystack to
    /// haystack and never shrinks: shrunk for a short haystack, it was
    /// zeroed again as it grew for the next long one (memset went from
    /// 0.3% to 1.5% of the corpus's profile, JSON Lines windows and
    /// chunks alternating).
    pub(crate) fn reset(&mut self, blocks: usize) {
        if self.masks.len() < 5 * blocks {
            self.masks.resize(5 * blocks, 0);
        }
        self.blocks = blocks;
    }

    /// Number of blocks.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.blocks
    }

    /// Mask `class` of every block.
    #[inline(always)]
    pub(crate) fn plane(&self, class: usize) -> &[u64] {
        &self.masks[class * self.blocks..(class + 1) * self.blocks]
    }

    /// Mask `class` of block `k`.
    #[inline(always)]
    pub(crate) fn get(&self, class: usize, k: usize) -> u64 {
        self.plane(class)[k]
    }

    /// The five planes, to be written.
    pub(crate) fn planes_mut(&mut self) -> [&mut [u64]; 5] {
        let (digit, rest) = self.masks.split_at_mut(self.blocks);
        let (sep, rest) = rest.split_at_mut(self.blocks);
        let (upper, rest) = rest.split_at_mut(self.blocks);
        let (lower, rest) = rest.split_at_mut(self.blocks);
        let (high, _) = rest.split_at_mut(self.blocks);
        [digit, sep, upper, lower, high]
    }

    /// The five masks of block `k`, in the order of the planes.
    #[cfg(test)]
    pub(crate) fn block(&self, k: usize) -> [u64; 5] {
        std::array::from_fn(|c| self.get(c, k))
    }
}

/// Equal when they hold the same masks (whatever their storage's length).
impl PartialEq for Planes {
    fn eq(&self, other: &Planes) -> bool {
        self.blocks == other.blocks && (0..5).all(|c| self.plane(c) == other.plane(c))
    }
}

impl Eq for Planes {}

pub(crate) const DIGIT: usize = 0;
pub(crate) const SEP: usize = 1;
pub(crate) const UPPER: usize = 2;
pub(crate) const LOWER: usize = 3;
pub(crate) const HIGH: usize = 4;

/// Bit `i` set when `hit` marks byte `i` of `block` (at most 64 bytes),
/// compared 16 bytes at a time; bytes past the end of `block` read as zero.
/// A whole 64-byte block takes four fixed loads, without a branch per part.
#[inline(always)]
pub(crate) fn mask64(block: &[u8], hit: impl Fn(u8x16) -> u8x16) -> u64 {
    if let Ok(block) = <&[u8; 64]>::try_from(block) {
        return (0..4).fold(0, |m, q| {
            let part: [u8; 16] = block[q * 16..q * 16 + 16].try_into().expect("16 bytes");
            m | u64::from(hit(u8x16::from(part)).to_bitmask()) << (q * 16)
        });
    }
    let mut mask = 0u64;
    for (j, part) in block.chunks(16).enumerate() {
        let v = match <[u8; 16]>::try_from(part) {
            Ok(a) => u8x16::from(a),
            Err(_) => {
                let mut a = [0u8; 16];
                a[..part.len()].copy_from_slice(part);
                u8x16::from(a)
            }
        };
        mask |= u64::from(hit(v).to_bitmask()) << (j * 16);
    }
    mask
}

/// The five class masks of 16 bytes. Each range test is one add and one
/// signed compare: adding `0x80 - lo` moves the range `lo..lo + n` to the
/// bottom of the signed bytes, where `< -128 + n` selects it (SSE2 has no
/// unsigned compare, which would take an extra XOR per test). Non-ASCII
/// bytes are those with their top bit set, which the movemask reads
/// directly.
#[inline(always)]
fn masks16(bytes: [u8; 16]) -> ([u32; 5], i8x16) {
    let v = i8x16::from(bytes.map(|b| b as i8));
    let below = |lo: u8, n: u8| {
        let shifted = v + i8x16::splat(0x80u8.wrapping_sub(lo) as i8);
        shifted.simd_lt(i8x16::splat((0x80 + n) as i8))
    };
    let digit = below(b'0', 10);
    let upper = below(b'A', 26);
    let lower = below(b'a', 26);
    // ` `, then `(` and `)` (equal once their last bit is set), then `-./`.
    let sep =
        v.simd_eq(i8x16::splat(b' ' as i8)) | (v | i8x16::splat(1)).simd_eq(i8x16::splat(b')' as i8)) | below(b'-', 3);
    let masks = [digit.to_bitmask(), sep.to_bitmask(), upper.to_bitmask(), lower.to_bitmask(), v.to_bitmask()];
    (masks, v.simd_eq(i8x16::splat(b'\\' as i8)))
}

/// The class masks of a block (bit `i` of class `c` at `[c]`, in the
/// order digit, separator, upper, lower, high) and whether it holds a
/// backslash, 16 bytes at a time (the portable kernel of `detect::vectors`).
#[inline(always)]
pub(crate) fn classes16(block: &[u8; 64]) -> ([u64; 5], bool) {
    let mut backslash = i8x16::splat(0);
    let m = block_masks(block, &mut backslash);
    (m, backslash.to_bitmask() != 0)
}

/// The class masks of a block; its backslashes are ORed into `backslash`.
#[inline(always)]
fn block_masks(block: &[u8; 64], backslash: &mut i8x16) -> [u64; 5] {
    let mut m = [0u64; 5];
    for j in 0..4 {
        let arr: [u8; 16] = block[j * 16..j * 16 + 16].try_into().expect("16 bytes");
        let (part, b) = masks16(arr);
        *backslash |= b;
        for (k, p) in part.iter().enumerate() {
            m[k] |= u64::from(*p) << (j * 16);
        }
    }
    m
}

/// Bit `i` set when `block[i]` (at most 64 bytes) equals one of `set`,
/// 16 bytes at a time (also the portable kernel of `detect::vectors`).
/// Bytes past the end of `block` read as zero: with 0 in `set`, mask them off.
#[inline(always)]
pub(crate) fn eq_mask<const N: usize>(block: &[u8], set: &[u8; N]) -> u64 {
    mask64(block, |v| set.iter().fold(u8x16::splat(0), |m, &b| m | v.simd_eq(u8x16::splat(b))))
}

impl Classes {
    /// Computes the masks of `hay`, replacing the previous contents.
    pub fn compute(&mut self, hay: &[u8]) {
        self.compute_listing(hay, None);
    }

    /// [`Classes::compute`], also listing where the bytes of `rare` (up
    /// to three, repeated to fill the set) occur: the rare-byte anchors
    /// (`@` of e-mail addresses) come with the classes, in the same pass,
    /// instead of a search of their own over the haystack.
    pub(crate) fn compute_listing(&mut self, hay: &[u8], rare: Option<[u8; 3]>) {
        self.rare.clear();
        self.rare_set = rare;
        self.backslash = vectors::class_blocks(&mut self.planes, hay, rare.as_ref(), &mut self.rare);
        self.quiet.clear();
    }

    /// Where the bytes of `set` occur, when the classes were computed
    /// listing them ([`Classes::compute_listing`]): the blocks that hold
    /// some, in order, each with the mask of those bytes. Taken out (so
    /// that the caller may change the classes' owner while reading it),
    /// to be given back with [`Classes::put_rare`].
    #[inline]
    pub(crate) fn take_rare(&mut self, set: &[u8; 3]) -> Option<Vec<(u32, u64)>> {
        (self.rare_set.as_ref() == Some(set)).then(|| std::mem::take(&mut self.rare))
    }

    /// Gives back the list [`Classes::take_rare`] took.
    #[inline]
    pub(crate) fn put_rare(&mut self, rare: Vec<(u32, u64)>) {
        self.rare = rare;
    }

    /// Sets the word starts at which the keyword walks need not look,
    /// known from the bytes around them (a record's keys: see
    /// `detect::quiet`), where the haystack starts at offset `at` of the
    /// data `quiet` marks. Called after [`Classes::compute`], which forgets them.
    pub(crate) fn set_quiet(&mut self, quiet: &QuietStarts, at: u64) {
        quiet.blocks_into(at, self.planes.len(), &mut self.quiet);
    }

    /// Whether some word starts were set as quiet ([`Classes::set_quiet`]).
    #[inline]
    pub(crate) fn has_quiet(&self) -> bool {
        !self.quiet.is_empty()
    }

    /// The quiet word starts of block `k` ([`Classes::set_quiet`]).
    #[inline(always)]
    pub(crate) fn quiet(&self, k: usize) -> u64 {
        self.quiet.get(k).copied().unwrap_or(0)
    }

    /// The quiet word starts of every block, as [`Classes::quiet`] gives
    /// them (blocks past the slice have none).
    #[inline(always)]
    pub(crate) fn quiet_masks(&self) -> &[u64] {
        &self.quiet
    }

    /// Whether the haystack holds a backslash.
    #[inline]
    pub fn has_backslash(&self) -> bool {
        self.backslash
    }

    /// Takes byte `at` out of the lower-case letters (it was replaced by a
    /// byte of no class: see `detect::escapes`).
    pub(crate) fn clear_lower(&mut self, at: usize) {
        self.planes.planes_mut()[LOWER][at / 64] &= !(1u64 << (at % 64));
    }

    /// The masks of every block, one plane per class: for vector kernels
    /// that read eight blocks at a time.
    #[inline(always)]
    pub(crate) fn planes(&self) -> &Planes {
        &self.planes
    }

    /// Number of 64-byte blocks.
    pub fn blocks(&self) -> usize {
        self.planes.len()
    }

    /// ASCII digits of block `k`.
    #[inline(always)]
    pub fn digit(&self, k: usize) -> u64 {
        self.planes.get(DIGIT, k)
    }

    /// Digit-group separators (space, `-`, `.`, `/`, `(`, `)`) of block `k`.
    #[inline(always)]
    pub fn sep(&self, k: usize) -> u64 {
        self.planes.get(SEP, k)
    }

    /// The separator bits of the `n` bytes (at most 64) from offset `at`:
    /// bit `j` for byte `at + j`, from the masks of the one or two blocks
    /// they lie in.
    #[inline(always)]
    pub fn sep_bits(&self, at: usize, n: usize) -> u64 {
        self.bits(SEP, at, n)
    }

    /// The digit bits of the `n` bytes (at most 64) from offset `at`, as
    /// [`Classes::sep_bits`] gives separators.
    #[inline(always)]
    pub fn digit_bits(&self, at: usize, n: usize) -> u64 {
        self.bits(DIGIT, at, n)
    }

    #[inline(always)]
    fn bits(&self, class: usize, at: usize, n: usize) -> u64 {
        let (k, off) = (at / 64, at % 64);
        let plane = self.planes.plane(class);
        let next = if off > 0 && k + 1 < plane.len() { plane[k + 1] << (64 - off) } else { 0 };
        let bits = plane[k] >> off | next;
        if n >= 64 { bits } else { bits & ((1u64 << n) - 1) }
    }

    /// ASCII upper-case letters of block `k`.
    #[inline(always)]
    pub fn upper(&self, k: usize) -> u64 {
        self.planes.get(UPPER, k)
    }

    /// ASCII lower-case letters of block `k`.
    #[inline(always)]
    pub fn lower(&self, k: usize) -> u64 {
        self.planes.get(LOWER, k)
    }

    /// Bytes 0x80 and above of block `k`.
    #[inline(always)]
    pub fn high(&self, k: usize) -> u64 {
        self.planes.get(HIGH, k)
    }

    /// Keyword word characters of block `k`: letters, digits and non-ASCII
    /// bytes (everything keyword normalization does not turn into a space).
    #[inline(always)]
    pub fn word(&self, k: usize) -> u64 {
        let p = &self.planes;
        p.get(DIGIT, k) | p.get(UPPER, k) | p.get(LOWER, k) | p.get(HIGH, k)
    }

    /// ASCII letters and digits of block `k`.
    #[inline(always)]
    pub fn alnum(&self, k: usize) -> u64 {
        let p = &self.planes;
        p.get(DIGIT, k) | p.get(UPPER, k) | p.get(LOWER, k)
    }
}

/// Bytes `at..at + 16` of `hay` as two little-endian words, zero-padded past its end.
#[inline(always)]
pub(crate) fn two_words(hay: &[u8], at: usize) -> [u64; 2] {
    let word = |w: &[u8]| u64::from_le_bytes(w.try_into().expect("8 bytes"));
    if let Some(w) = hay.get(at..at + 16) {
        return [word(&w[..8]), word(&w[8..])];
    }
    let mut b = [0u8; 16];
    let n = hay.len().saturating_sub(at);
    b[..n].copy_from_slice(&hay[at..at + n]);
    [word(&b[..8]), word(&b[8..])]
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
            let get = |m: u64| m >> bit & 1 == 1;
            assert_eq!(get(c.digit(k)), b.is_ascii_digit(), "digit {i}");
            assert_eq!(get(c.upper(k)), b.is_ascii_uppercase(), "upper {i}");
            assert_eq!(get(c.lower(k)), b.is_ascii_lowercase(), "lower {i}");
            assert_eq!(get(c.high(k)), b >= 0x80, "high {i}");
            assert_eq!(get(c.sep(k)), b" -./()".contains(&b), "sep {i}");
        }
        for at in 0..hay.len() {
            for n in [1, 2, 17, 63, 64] {
                let n = n.min(hay.len() - at);
                let want = (0..n).fold(0u64, |m, j| m | u64::from(b" -./()".contains(&hay[at + j])) << j);
                assert_eq!(c.sep_bits(at, n), want, "{n} bytes from {at}");
                let want = (0..n).fold(0u64, |m, j| m | u64::from(hay[at + j].is_ascii_digit()) << j);
                assert_eq!(c.digit_bits(at, n), want, "{n} bytes from {at}");
            }
        }
        for bit in 300 % 64..64 {
            assert_eq!(c.word(4) >> bit & 1, 0, "padding is of no class");
        }
    }
}

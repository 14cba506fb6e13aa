//! Byte masks through the widest vector unit the processor has. One
//! `trawl` binary runs on every x86-64 processor: the loops that turn bytes
//! into bit masks (byte classes for the prefilters, stop bytes for the
//! JSON Lines reader) are built for the baseline (SSE2, 16 bytes per
//! compare, through `wide`) and again with `target_feature` for AVX2 (32
//! bytes) and AVX-512BW (64 bytes, one compare per class straight into a
//! 64-bit mask), and each call picks the widest the processor has (the
//! check reads a flag the standard library caches).
//!
//! The kernels are written with plain loops: code the standard library
//! generates for an iterator adapter or `array::map` is not built with the
//! caller's target features and cannot inline a kernel that is, which made
//! the first version call a function per block.
//!
//! One kernel has no baseline vector version: the keyword walk's trigram
//! filter ([`TrigramFilter::masks`]) needs AVX-512 VBMI's byte shuffle over two
//! registers (a 128-byte table lookup per byte), and GFNI's affine byte
//! transforms for its hashes' shifts; without them the walk looks
//! every word start's trigram up one by one, as it did before the filter
//! (a byte-by-byte filter gives the same masks, for tests). The same
//! shuffle also gives the byte classes where the processor has it: one
//! lookup of each byte's flags instead of a compare per class.
//!
//! Other hot loops (the keyword and digit-group walks over 64-bit masks)
//! were also built for the bit instructions (`POPCNT`, `BMI1`, `BMI2`): no
//! difference was measurable, so they are not, but for the loops that run
//! inside vector functions anyway: the lane walks of `word_lanes` and
//! `group_lanes`, whose population counts took a dozen instructions each
//! without `POPCNT`.

use std::ops::Range;

use crate::detect::classify::{Planes, classes16, eq_mask};

/// The widest vector unit the processor has, as far as trawl uses one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Vectors {
    /// AVX-512F and AVX-512BW: a compare of 64 bytes gives a mask.
    Avx512,
    /// AVX2: 32 bytes per compare.
    Avx2,
    /// The baseline (SSE2 on x86-64, or another processor's 128-bit unit).
    Baseline,
}

/// The vector unit to use.
#[inline]
pub(crate) fn vectors() -> Vectors {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512bw") {
            return Vectors::Avx512;
        }
        if is_x86_feature_detected!("avx2") {
            return Vectors::Avx2;
        }
    }
    Vectors::Baseline
}

/// Sets `planes` to the class masks of every 64-byte block of `hay` (see
/// `Classes::compute`); returns whether `hay` holds a backslash. With
/// `rare`, also pushes onto `listed` each block holding one of its bytes,
/// with the mask of those bytes (see `Classes::compute_listing`), in the same pass.
pub(crate) fn class_blocks(
    planes: &mut Planes,
    hay: &[u8],
    rare: Option<&[u8; 3]>,
    listed: &mut Vec<(u32, u64)>,
) -> bool {
    class_blocks_with(vectors(), planes, hay, rare, listed)
}

#[allow(unsafe_code)]
fn class_blocks_with(
    unit: Vectors,
    planes: &mut Planes,
    hay: &[u8],
    rare: Option<&[u8; 3]>,
    listed: &mut Vec<(u32, u64)>,
) -> bool {
    let rare = rare.map(|set| (set, listed));
    match unit {
        #[cfg(target_arch = "x86_64")]
        Vectors::Avx512 if has_vbmi() && rare.as_ref().is_none_or(|(set, _)| set.is_ascii()) => {
            // SAFETY: `has_vbmi` found AVX-512F, AVX-512BW and AVX-512 VBMI.
            unsafe { x86::class_blocks_vbmi(planes, hay, rare) }
        }
        // SAFETY: `vectors` found AVX-512F and AVX-512BW.
        #[cfg(target_arch = "x86_64")]
        Vectors::Avx512 => unsafe { x86::class_blocks_avx512(planes, hay, rare) },
        // SAFETY: `vectors` found AVX2.
        #[cfg(target_arch = "x86_64")]
        Vectors::Avx2 => unsafe { x86::class_blocks_avx2(planes, hay, rare) },
        _ => class_blocks_of(planes, hay, rare, classes16, |b, set| eq_mask(b, set)),
    }
}

/// Pushes onto `out` the mask of each 64-byte block `b` in `blocks` of
/// `data` (bytes `64 * b..`, the last one shorter) whose bytes equal one of
/// `bytes`; bits past the data are clear.
pub(crate) fn eq_masks<const N: usize>(data: &[u8], blocks: Range<usize>, bytes: [u8; N], out: &mut Vec<u64>) {
    eq_masks_with(vectors(), data, blocks, bytes, out)
}

#[allow(unsafe_code)]
fn eq_masks_with<const N: usize>(unit: Vectors, data: &[u8], blocks: Range<usize>, bytes: [u8; N], out: &mut Vec<u64>) {
    match unit {
        // SAFETY: `vectors` found AVX-512F and AVX-512BW.
        #[cfg(target_arch = "x86_64")]
        Vectors::Avx512 => unsafe { x86::eq_masks_avx512(data, blocks, bytes, out) },
        // SAFETY: `vectors` found AVX2.
        #[cfg(target_arch = "x86_64")]
        Vectors::Avx2 => unsafe { x86::eq_masks_avx2(data, blocks, bytes, out) },
        _ => eq_blocks_of(data, blocks, out, |block| eq_mask(block, &bytes)),
    }
}

/// Pushes onto `out`, for each 64-byte block `b` in `blocks` of `data`, the
/// mask of each of `bytes` apart (`out[..][i]` for `bytes[i]`), from one
/// read of the block; bits past the data are clear.
pub(crate) fn eq_masks_each<const N: usize>(
    data: &[u8],
    blocks: Range<usize>,
    bytes: [u8; N],
    out: &mut Vec<[u64; N]>,
) {
    eq_masks_each_with(vectors(), data, blocks, bytes, out)
}

#[allow(unsafe_code)]
fn eq_masks_each_with<const N: usize>(
    unit: Vectors,
    data: &[u8],
    blocks: Range<usize>,
    bytes: [u8; N],
    out: &mut Vec<[u64; N]>,
) {
    match unit {
        // SAFETY: `vectors` found AVX-512F and AVX-512BW.
        #[cfg(target_arch = "x86_64")]
        Vectors::Avx512 => unsafe { x86::eq_masks_each_avx512(data, blocks, bytes, out) },
        // SAFETY: `vectors` found AVX2.
        #[cfg(target_arch = "x86_64")]
        Vectors::Avx2 => unsafe { x86::eq_masks_each_avx2(data, blocks, bytes, out) },
        _ => each_blocks_of(data, blocks, out, |block| bytes.map(|b| eq_mask(block, &[b]))),
    }
}

/// The keyword walk's trigram filter: the class of each ASCII byte that
/// grams are read in (bytes from 0x80 are class 28), two bit tables of
/// 1,024 bits holding the hashes ([`gram_hashes`]) of the trigrams to let
/// through, and a third holding those of the four-byte grams.
#[derive(Clone, Debug)]
pub(crate) struct TrigramFilter {
    class: [u8; 128],
    tables: [[u8; 128]; 3],
}

/// The classes of the four bytes from a word start (each below 32; the
/// keyword walk's trigram code is `a << 10 | b << 5 | c`), as
/// [`TrigramFilter::gram_at`] reads them.
pub(crate) type Gram = [usize; 4];

/// The bit of gram `[a, b, c, d]` in each of the three tables of a
/// [`TrigramFilter`]: the first two hash its trigram (`c` taken as 0 when
/// `b` is, a word of one byte), the third its four bytes (`d` taken as 0
/// when `b` is; `c` is then the next word's first byte). Hashes rather than
/// exact tables, so that a vector unit looks 64 grams up at once: the
/// tables are 128 bytes each, the size of one two-register byte shuffle,
/// and each hash's byte index and bit come out of byte shifts and XORs.
/// On the benchmark corpus the trigram pair passes 27% of word starts,
/// where 26% have a keyword's trigram (the best pair of a search over
/// shift amounts); with the third table 15%, where 11% have a keyword's
/// or literal's first four bytes (the best of 3,000 random shift amounts).
#[inline]
fn gram_hashes([a, b, c, d]: Gram) -> [usize; 3] {
    let (c0, d0) = if b == 0 { (0, 0) } else { (c, d) };
    [
        ((a << 5) ^ b ^ (c0 << 3)) & 1023,
        (a ^ (b << 5) ^ (c0 << 2)) & 1023,
        (((a << 3) ^ (b >> 1) ^ (c << 1) ^ (d0 >> 2)) & 127) << 3 | ((d0 ^ b) & 7),
    ]
}

/// Whether this processor has AVX-512 VBMI (with AVX-512F and BW), whose byte
/// shuffle over two registers looks up a 128-byte table: the byte classes
/// are then one lookup of their flags per block.
#[inline]
fn has_vbmi() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vbmi")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this processor runs [`TrigramFilter::masks`] with its vector
/// kernel (it has AVX-512 VBMI, whose byte shuffle over two registers looks
/// up a 128-byte table, and GFNI, whose affine transforms shift bytes).
#[inline]
pub(crate) fn has_trigram_filter() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vbmi")
            && is_x86_feature_detected!("gfni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The number of byte classes (`0..=28`).
const CLASSES: usize = 29;

impl TrigramFilter {
    /// A filter letting nothing through yet, reading grams in `class`.
    pub(crate) fn new(class: [u8; 128]) -> TrigramFilter {
        TrigramFilter { class, tables: [[0; 128]; 3] }
    }

    /// Lets through the grams that start with the classes `known` (the
    /// bytes after them of any class): what may start at a word start is
    /// known for as many bytes as it has (and the word end after a
    /// keyword).
    pub(crate) fn insert(&mut self, known: &[usize]) {
        let at = |j: usize| known.get(j).map_or(0..=CLASSES - 1, |&c| c..=c);
        for a in at(0) {
            for b in at(1) {
                for c in at(2) {
                    for d in at(3) {
                        for (table, h) in self.tables.iter_mut().zip(gram_hashes([a, b, c, d])) {
                            table[h / 8] |= 1 << (h % 8);
                        }
                    }
                }
            }
        }
    }

    /// Whether gram `g` gets through.
    fn passes(&self, g: Gram) -> bool {
        gram_hashes(g).iter().zip(&self.tables).all(|(&h, t)| t[h / 8] >> (h % 8) & 1 == 1)
    }

    /// The classes of the four bytes of `data` from offset `i`, bytes past
    /// the data of class 0.
    fn gram_at(&self, data: &[u8], i: usize) -> Gram {
        let class =
            |i: usize| data.get(i).map_or(0, |&b| if b >= 0x80 { 28 } else { usize::from(self.class[usize::from(b)]) });
        [class(i), class(i + 1), class(i + 2), class(i + 3)]
    }

    /// For each of the `n` (at most 64) blocks of `data` from block
    /// `first`, writes to `out` the mask of its offsets whose trigram
    /// ([`TrigramFilter::gram_at`]) gets through (offsets past the data
    /// are not set). Fast only where [`has_trigram_filter`]; elsewhere a
    /// byte-by-byte version gives the same masks (for tests: the keyword
    /// walk does not filter there).
    #[allow(unsafe_code)]
    pub(crate) fn masks(&self, data: &[u8], first: usize, n: usize, out: &mut [u64; 64]) {
        #[cfg(target_arch = "x86_64")]
        if has_trigram_filter() {
            // SAFETY: `has_trigram_filter` found AVX-512F, AVX-512BW, AVX-512 VBMI and GFNI.
            unsafe { x86::trigram_filter_vbmi(self, data, first, n.min(64), out) };
            return;
        }
        self.masks_bytewise(data, first, n, out);
    }

    /// [`TrigramFilter::masks`] a byte at a time.
    fn masks_bytewise(&self, data: &[u8], first: usize, n: usize, out: &mut [u64; 64]) {
        for (j, mask) in out.iter_mut().enumerate().take(n.min(64)) {
            *mask = 0;
            let at = (first + j) * 64;
            for i in at..(at + 64).min(data.len()) {
                *mask |= u64::from(self.passes(self.gram_at(data, i))) << (i - at);
            }
        }
    }
}

/// Calls `f` on each 64-byte block `b` in `blocks` of `data` (bytes
/// `64 * b..`) with the number of its bytes in `data`: the whole blocks in
/// a plain loop (no iterator adapter, whose code would not have the
/// caller's target features), then the last block, if short, padded with
/// `pad`. Through a chain of the two, four AVX-512 masks took 4.8 ns a
/// block, 3.5 this way; the byte classes' share of the corpus's profile
/// fell from 4.9–5.2% to 4.2–4.8%, the JSON Lines stop masks' share of
/// those files' profile from 2.3% to 1.6%.
#[inline(always)]
fn each_block(data: &[u8], blocks: Range<usize>, pad: u8, mut f: impl FnMut(&[u8; 64], usize)) {
    let bytes = &data[(blocks.start * 64).min(data.len())..(blocks.end * 64).min(data.len())];
    let chunks = bytes.chunks_exact(64);
    let rest = chunks.remainder();
    for block in chunks {
        f(block.try_into().expect("64 bytes"), 64);
    }
    if !rest.is_empty() {
        let mut tail = [pad; 64];
        tail[..rest.len()].copy_from_slice(rest);
        f(&tail, rest.len());
    }
}

/// A set of up to three bytes (repeated to fill it) and the list of the
/// blocks where they occur, with their masks (see `Classes::compute_listing`).
type Rare<'a> = Option<(&'a [u8; 3], &'a mut Vec<(u32, u64)>)>;

/// Sets `planes` to the class masks of `hay`'s blocks, each block's from
/// `masks` (the last block padded with 0x01, a byte of no class); returns
/// whether a block holds a backslash. With `rare`, a set of bytes and a
/// list, also pushes onto the list each block whose mask of those bytes
/// (`eq`) has a bit before the data's end, with that mask.
#[inline(always)]
fn class_blocks_of(
    planes: &mut Planes,
    hay: &[u8],
    mut rare: Rare<'_>,
    masks: impl Fn(&[u8; 64]) -> ([u64; 5], bool),
    eq: impl Fn(&[u8; 64], &[u8; 3]) -> u64,
) -> bool {
    let blocks = hay.len().div_ceil(64);
    planes.reset(blocks);
    let [digit, sep, upper, lower, high] = planes.planes_mut();
    let mut backslash = false;
    // The loop of `each_block`, its body written out for the whole blocks
    // and the last: as a closure that also stores into the five planes it
    // was no longer inlined, which doubled the pass's time.
    macro_rules! block {
        ($k:expr, $block:expr, $len:expr) => {{
            let (k, block): (usize, &[u8; 64]) = ($k, $block);
            let (m, b) = masks(block);
            backslash |= b;
            if let Some((set, listed)) = rare.as_mut() {
                let r = eq(block, set) & (u64::MAX >> (64 - $len));
                if r != 0 {
                    listed.push((k as u32, r));
                }
            }
            [digit[k], sep[k], upper[k], lower[k], high[k]] = m;
        }};
    }
    let chunks = hay.chunks_exact(64);
    let rest = chunks.remainder();
    for (k, block) in chunks.enumerate() {
        block!(k, block.try_into().expect("64 bytes"), 64);
    }
    if !rest.is_empty() {
        let mut tail = [1u8; 64];
        tail[..rest.len()].copy_from_slice(rest);
        block!(blocks - 1, &tail, rest.len());
    }
    backslash
}

/// Pushes onto `out` the mask from `mask` of each block in `blocks` of
/// `data`, its bits past the data cleared.
#[inline(always)]
fn eq_blocks_of(data: &[u8], blocks: Range<usize>, out: &mut Vec<u64>, mask: impl Fn(&[u8; 64]) -> u64) {
    out.reserve(blocks.len());
    each_block(data, blocks, 0, |block, len| out.push(mask(block) & (u64::MAX >> (64 - len))));
}

/// Pushes onto `out` the masks from `masks` of each block in `blocks` of
/// `data`, their bits past the data cleared.
#[inline(always)]
fn each_blocks_of<const N: usize>(
    data: &[u8],
    blocks: Range<usize>,
    out: &mut Vec<[u64; N]>,
    masks: impl Fn(&[u8; 64]) -> [u64; N],
) {
    out.reserve(blocks.len());
    each_block(data, blocks, 0, |block, len| out.push(masks(block).map(|m| m & (u64::MAX >> (64 - len)))));
}

/// The AVX2 and AVX-512BW kernels.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use std::ops::Range;

    use super::{Planes, Rare, class_blocks_of, each_blocks_of, eq_blocks_of};

    /// `classify::classes16` for 64 bytes, 32 at a time.
    #[target_feature(enable = "avx2")]
    fn classes_avx2(block: &[u8; 64]) -> ([u64; 5], bool) {
        let mut m = [0u64; 5];
        let mut backslash = 0u32;
        for h in 0..2 {
            let half: [u8; 32] = block[h * 32..h * 32 + 32].try_into().expect("32 bytes");
            let v: __m256i = bytemuck::cast(half);
            // `lo..lo + n` moved to the bottom of the signed bytes, then one signed compare.
            let below = |lo: u8, n: u8| {
                let shifted = _mm256_add_epi8(v, _mm256_set1_epi8(0x80u8.wrapping_sub(lo) as i8));
                _mm256_cmpgt_epi8(_mm256_set1_epi8((0x80 + n) as i8), shifted)
            };
            let eq = |x: __m256i, b: u8| _mm256_cmpeq_epi8(x, _mm256_set1_epi8(b as i8));
            // ` `, then `(` and `)` (equal once their last bit is set), then `-./`.
            let sep = _mm256_or_si256(
                _mm256_or_si256(eq(v, b' '), eq(_mm256_or_si256(v, _mm256_set1_epi8(1)), b')')),
                below(b'-', 3),
            );
            let classes = [below(b'0', 10), sep, below(b'A', 26), below(b'a', 26), v];
            for c in 0..5 {
                m[c] |= u64::from(movemask_avx2(classes[c])) << (32 * h);
            }
            backslash |= movemask_avx2(eq(v, b'\\'));
        }
        (m, backslash != 0)
    }

    /// `classify::classes16` for 64 bytes at once: each class is one
    /// unsigned range compare (`byte - lo < n`) straight into a mask.
    #[target_feature(enable = "avx512f,avx512bw")]
    fn classes_avx512(block: &[u8; 64]) -> ([u64; 5], bool) {
        let v: __m512i = bytemuck::cast(*block);
        let range = |lo: u8, n: u8| {
            _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8(lo as i8)), _mm512_set1_epi8(n as i8))
        };
        let eq = |x: __m512i, b: u8| _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(b as i8));
        let sep = eq(v, b' ') | eq(_mm512_or_si512(v, _mm512_set1_epi8(1)), b')') | range(b'-', 3);
        let m = [range(b'0', 10), sep, range(b'A', 26), range(b'a', 26), _mm512_movepi8_mask(v)];
        (m, eq(v, b'\\') != 0)
    }

    /// The flags of each ASCII byte for [`class_blocks_vbmi`]: bit 7 a
    /// digit, 6 a separator (` `, `(`, `)`, `-`, `.`, `/`), 5 upper case, 4
    /// lower case, 3 a backslash; bit 2 is set at run time for the rare bytes.
    const FLAGS: [u8; 128] = {
        let mut t = [0u8; 128];
        let mut b = 0;
        while b < 128 {
            let c = b as u8;
            t[b] = if c.is_ascii_digit() {
                0x80
            } else if matches!(c, b' ' | b'(' | b')' | b'-' | b'.' | b'/') {
                0x40
            } else if c.is_ascii_uppercase() {
                0x20
            } else if c.is_ascii_lowercase() {
                0x10
            } else if c == b'\\' {
                0x08
            } else {
                0
            };
            b += 1;
        }
        t
    };

    /// `class_blocks_avx512` with one two-register byte shuffle per block:
    /// each byte's flags ([`FLAGS`]) looked up, non-ASCII bytes given none,
    /// then each class's mask from its flag (the top bit straight into a
    /// mask, the next two shifted there first, the others tested), fewer
    /// operations on the vector unit's shuffle port than a range compare
    /// per class. The rare bytes must be ASCII.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    pub(super) fn class_blocks_vbmi(planes: &mut Planes, hay: &[u8], rare: Rare<'_>) -> bool {
        let halves: [[u8; 64]; 2] = bytemuck::cast(FLAGS);
        let (mut lo, mut hi): (__m512i, __m512i) = (bytemuck::cast(halves[0]), bytemuck::cast(halves[1]));
        if let Some((set, _)) = &rare {
            let iota: __m512i = bytemuck::cast(std::array::from_fn::<u8, 64, _>(|i| i as u8));
            let iota_hi = _mm512_add_epi8(iota, _mm512_set1_epi8(64));
            let four = _mm512_set1_epi8(4);
            for &b in set.iter() {
                let at = _mm512_set1_epi8(b as i8);
                lo = _mm512_or_si512(lo, _mm512_maskz_mov_epi8(_mm512_cmpeq_epi8_mask(iota, at), four));
                hi = _mm512_or_si512(hi, _mm512_maskz_mov_epi8(_mm512_cmpeq_epi8_mask(iota_hi, at), four));
            }
        }
        // The flags of the block the class closure saw last, for the rare
        // bytes' mask, and those of all blocks ORed, for the backslashes.
        let flags = std::cell::Cell::new(_mm512_setzero_si512());
        let all = std::cell::Cell::new(_mm512_setzero_si512());
        class_blocks_of(
            planes,
            hay,
            rare,
            |block| {
                let v: __m512i = bytemuck::cast(*block);
                let high = _mm512_movepi8_mask(v);
                let f = _mm512_maskz_permutex2var_epi8(!high, lo, v, hi);
                flags.set(f);
                all.set(_mm512_or_si512(all.get(), f));
                let top = |x: __m512i| _mm512_movepi8_mask(x);
                let m = [
                    top(f),
                    top(_mm512_add_epi8(f, f)),
                    top(_mm512_slli_epi16::<2>(f)),
                    _mm512_test_epi8_mask(f, _mm512_set1_epi8(0x10)),
                    high,
                ];
                (m, false)
            },
            |_, _| _mm512_test_epi8_mask(flags.get(), _mm512_set1_epi8(4)),
        );
        _mm512_test_epi8_mask(all.get(), _mm512_set1_epi8(8)) != 0
    }

    /// `classify::eq_mask` for 64 bytes, 32 at a time.
    #[target_feature(enable = "avx2")]
    fn eq_set_avx2<const N: usize>(block: &[u8; 64], set: &[u8; N]) -> u64 {
        let mut out = 0;
        for h in 0..2 {
            let half: [u8; 32] = block[h * 32..h * 32 + 32].try_into().expect("32 bytes");
            let v: __m256i = bytemuck::cast(half);
            let mut hit = _mm256_setzero_si256();
            for &b in set {
                hit = _mm256_or_si256(hit, _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b as i8)));
            }
            out |= u64::from(movemask_avx2(hit)) << (32 * h);
        }
        out
    }

    /// `_mm256_movemask_epi8`, out of LLVM's sight, for every AVX2 kernel
    /// that joins two halves' masks into a `u64`: LLVM reads the intrinsic
    /// as 32 one-bit lanes, and two of them joined as 64 lanes, which AVX2
    /// has no mask for; it then took the bits apart one by one and put them
    /// back together with a byte insert each (12% of the JSON Lines files'
    /// time, in their stop masks).
    #[inline]
    #[allow(unsafe_code)]
    #[target_feature(enable = "avx2")]
    fn movemask_avx2(v: __m256i) -> u32 {
        let mask: u32;
        // SAFETY: the instruction reads one register and writes another;
        // the processor has AVX2 (this function's target feature).
        unsafe {
            std::arch::asm!(
                "vpmovmskb {mask:e}, {v}",
                mask = lateout(reg) mask,
                v = in(ymm_reg) v,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        mask
    }

    /// `classify::eq_mask` for 64 bytes at once.
    #[target_feature(enable = "avx512f,avx512bw")]
    fn eq_set_avx512<const N: usize>(block: &[u8; 64], set: &[u8; N]) -> u64 {
        let v: __m512i = bytemuck::cast(*block);
        let mut out = 0;
        for &b in set {
            out |= _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b as i8));
        }
        out
    }

    /// The matrix of `_mm512_gf2p8affine_epi64_epi8` that shifts each byte
    /// left by `shift` bits (right for a negative one) and keeps the bits
    /// of `mask`: row `i` (byte `7 - i`) picks input bit `i - shift` for
    /// output bit `i`.
    const fn shift_matrix(shift: i32, mask: u8) -> i64 {
        let mut m = 0u64;
        let mut i = 0;
        while i < 8 {
            let from = i - shift;
            if mask >> i & 1 == 1 && from >= 0 && from < 8 {
                m |= 1 << (8 * (7 - i) + from);
            }
            i += 1;
        }
        m as i64
    }

    /// `TrigramFilter::masks` for up to 64 blocks from block `first`:
    /// each block's byte classes by one two-register shuffle of the class
    /// table, the classes of the next three bytes by shuffles of this
    /// block's and the next one's, then each table's byte by another
    /// shuffle, its bit by a one-register one, and the three tests into a
    /// mask. The hashes' byte shifts that must drop bits are affine
    /// transforms of each byte (GFNI), and their XORs three-way logic ops.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,gfni")]
    pub(super) fn trigram_filter_vbmi(
        filter: &super::TrigramFilter,
        data: &[u8],
        first: usize,
        n: usize,
        out: &mut [u64; 64],
    ) {
        let halves = |t: &[u8; 128]| -> (__m512i, __m512i) {
            let lo: [u8; 64] = t[..64].try_into().expect("64 bytes");
            let hi: [u8; 64] = t[64..].try_into().expect("64 bytes");
            (bytemuck::cast(lo), bytemuck::cast(hi))
        };
        let set = |b: u8| _mm512_set1_epi8(b as i8);
        let (class_lo, class_hi) = halves(&filter.class);
        let (one_lo, one_hi) = halves(&filter.tables[0]);
        let (two_lo, two_hi) = halves(&filter.tables[1]);
        let (four_lo, four_hi) = halves(&filter.tables[2]);
        // Bit `x & 7` for any index `x` under 128 (the one-register shuffle
        // reads its low four bits): no `& 7` before it.
        let bit_of: __m512i = bytemuck::cast([[1u8, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128]; 4]);
        let blocks = data.len().div_ceil(64).saturating_sub(first).min(n);
        // The classes of block `first + j`, zero-padded past the data.
        let classes = |j: usize| {
            let at = (first + j) * 64;
            let raw: [u8; 64] = match data.get(at..at + 64) {
                Some(bytes) => bytes.try_into().expect("64 bytes"),
                None => {
                    let mut pad = [0u8; 64];
                    let rest = data.get(at..).unwrap_or_default();
                    pad[..rest.len()].copy_from_slice(rest);
                    pad
                }
            };
            let v: __m512i = bytemuck::cast(raw);
            let low = _mm512_permutex2var_epi8(class_lo, v, class_hi);
            _mm512_mask_mov_epi8(low, _mm512_movepi8_mask(v), set(28))
        };
        // Byte `i` of a shuffle of (this block, the next) by `AFTER[d - 1]`: byte `i + d`.
        const AFTER: [[u8; 64]; 3] = {
            let mut t = [[0u8; 64]; 3];
            let mut i = 0;
            while i < 64 {
                (t[0][i], t[1][i], t[2][i]) = (i as u8 + 1, i as u8 + 2, i as u8 + 3);
                i += 1;
            }
            t
        };
        let after: [__m512i; 3] = AFTER.map(bytemuck::cast);
        // Byte shifts that keep some bits, one affine transform each.
        let shift = |x: __m512i, m: i64| _mm512_gf2p8affine_epi64_epi8::<0>(x, _mm512_set1_epi64(m));
        let xor3 = |x, y, z| _mm512_ternarylogic_epi64::<0x96>(x, y, z);
        const A_SR3: i64 = shift_matrix(-3, 0x03);
        const C_SR1: i64 = shift_matrix(-1, 0x0f);
        const D_SR2: i64 = shift_matrix(-2, 0x3f);
        let mut this = classes(0);
        for (j, mask) in out.iter_mut().enumerate().take(n) {
            if j >= blocks {
                *mask = 0;
                continue;
            }
            let next = classes(j + 1);
            let a = this;
            let b = _mm512_permutex2var_epi8(this, after[0], next);
            // `c` and `d` as the trigram and the four-byte gram read them:
            // after a word of one byte, `c` of the trigram and `d` are 0.
            let word = _mm512_test_epi8_mask(b, b);
            let raw_c = _mm512_permutex2var_epi8(this, after[1], next);
            let c = _mm512_maskz_mov_epi8(word, raw_c);
            let d = _mm512_maskz_mov_epi8(word, _mm512_permutex2var_epi8(this, after[2], next));
            this = next;
            // Shifts that keep every bit are 16-bit ones: classes are at
            // most 28, so left shifts by up to 3 (224) carry nothing into
            // the next byte, and a right shift by one brings its bit down
            // into an index's bit 7, which the table shuffles ignore.
            // Table one: byte (a << 2 ^ b >> 3 ^ c), bit b & 7.
            let index = xor3(_mm512_slli_epi16::<2>(a), shift(b, A_SR3), c);
            let bit = _mm512_shuffle_epi8(bit_of, b);
            let one = _mm512_test_epi8_mask(_mm512_permutex2var_epi8(one_lo, index, one_hi), bit);
            // Table two: byte (a >> 3 ^ b << 2 ^ c >> 1), bit (a ^ c << 2) & 7.
            let index = xor3(shift(a, A_SR3), _mm512_slli_epi16::<2>(b), shift(c, C_SR1));
            let bit = _mm512_shuffle_epi8(bit_of, _mm512_xor_si512(a, _mm512_slli_epi16::<2>(c)));
            let two = _mm512_test_epi8_mask(_mm512_permutex2var_epi8(two_lo, index, two_hi), bit);
            // Table three: byte (a << 3 ^ b >> 1 ^ raw c << 1 ^ d >> 2), bit (d ^ b) & 7.
            let index = _mm512_xor_si512(
                xor3(_mm512_slli_epi16::<3>(a), _mm512_srli_epi16::<1>(b), _mm512_slli_epi16::<1>(raw_c)),
                shift(d, D_SR2),
            );
            let bit = _mm512_shuffle_epi8(bit_of, _mm512_xor_si512(d, b));
            let four = _mm512_test_epi8_mask(_mm512_permutex2var_epi8(four_lo, index, four_hi), bit);
            let len = data.len() - (first + j) * 64;
            *mask = one & two & four & if len < 64 { (1 << len) - 1 } else { u64::MAX };
        }
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn class_blocks_avx2(planes: &mut Planes, hay: &[u8], rare: Rare<'_>) -> bool {
        class_blocks_of(planes, hay, rare, |block| classes_avx2(block), |block, set| eq_set_avx2(block, set))
    }

    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) fn class_blocks_avx512(planes: &mut Planes, hay: &[u8], rare: Rare<'_>) -> bool {
        class_blocks_of(planes, hay, rare, |block| classes_avx512(block), |block, set| eq_set_avx512(block, set))
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn eq_masks_avx2<const N: usize>(data: &[u8], blocks: Range<usize>, bytes: [u8; N], out: &mut Vec<u64>) {
        eq_blocks_of(data, blocks, out, |block| eq_set_avx2(block, &bytes))
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn eq_masks_each_avx2<const N: usize>(
        data: &[u8],
        blocks: Range<usize>,
        bytes: [u8; N],
        out: &mut Vec<[u64; N]>,
    ) {
        each_blocks_of(data, blocks, out, |block| {
            let mut m = [0u64; N];
            for h in 0..2 {
                let half: [u8; 32] = block[h * 32..h * 32 + 32].try_into().expect("32 bytes");
                let v: __m256i = bytemuck::cast(half);
                for i in 0..N {
                    let hit = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(bytes[i] as i8));
                    m[i] |= u64::from(movemask_avx2(hit)) << (32 * h);
                }
            }
            m
        })
    }

    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) fn eq_masks_each_avx512<const N: usize>(
        data: &[u8],
        blocks: Range<usize>,
        bytes: [u8; N],
        out: &mut Vec<[u64; N]>,
    ) {
        each_blocks_of(data, blocks, out, |block| {
            let v: __m512i = bytemuck::cast(*block);
            let mut m = [0u64; N];
            for i in 0..N {
                m[i] = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(bytes[i] as i8));
            }
            m
        })
    }

    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) fn eq_masks_avx512<const N: usize>(
        data: &[u8],
        blocks: Range<usize>,
        bytes: [u8; N],
        out: &mut Vec<u64>,
    ) {
        eq_blocks_of(data, blocks, out, |block| eq_set_avx512(block, &bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The units this processor can run, the baseline first.
    fn units() -> Vec<Vectors> {
        let mut units = vec![Vectors::Baseline];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") {
                units.push(Vectors::Avx2);
            }
            if is_x86_feature_detected!("avx512bw") {
                units.push(Vectors::Avx512);
            }
        }
        units
    }

    /// Inputs of every length class: empty, short, one block, a padded
    /// last block, and every byte value, with and without a backslash.
    fn inputs() -> Vec<Vec<u8>> {
        let mut hay: Vec<u8> = (0..1000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        hay.extend(0..=255u8);
        let mut out = Vec::new();
        for len in [0, 1, 31, 32, 63, 64, 65, 127, 128, 500, hay.len()] {
            let clean: Vec<u8> = hay[..len].iter().map(|&b| if b == b'\\' { b'x' } else { b }).collect();
            let mut with = clean.clone();
            if let Some(last) = with.last_mut() {
                *last = b'\\';
            }
            out.extend([clean, with]);
        }
        out
    }

    /// Where the processor has AVX-512 VBMI, the class pass looks each
    /// byte's flags up rather than comparing ranges: both kernels agree.
    #[test]
    #[allow(unsafe_code)]
    #[cfg(target_arch = "x86_64")]
    fn the_lookup_and_compare_kernels_give_the_same_classes() {
        if !has_vbmi() {
            return;
        }
        for hay in inputs() {
            for rare in [None, Some(*b"@@@"), Some(*b"@^\\"), Some(*b"\x01\x01\x01"), Some(*b"a7 ")] {
                let run = |vbmi: bool| {
                    let (mut blocks, mut listed) = (Planes::default(), Vec::new());
                    let rare = rare.as_ref().map(|set| (set, &mut listed));
                    // SAFETY: `has_vbmi` found AVX-512F, AVX-512BW and AVX-512 VBMI.
                    let backslash = unsafe {
                        if vbmi {
                            x86::class_blocks_vbmi(&mut blocks, &hay, rare)
                        } else {
                            x86::class_blocks_avx512(&mut blocks, &hay, rare)
                        }
                    };
                    (blocks, listed, backslash)
                };
                assert_eq!(run(true), run(false), "{} bytes, rare {rare:?}", hay.len());
            }
        }
    }

    #[test]
    fn every_unit_computes_the_classes_of_every_byte() {
        let class_of = |b: u8| {
            [b.is_ascii_digit(), b" -./()".contains(&b), b.is_ascii_uppercase(), b.is_ascii_lowercase(), b >= 0x80]
        };
        for unit in units() {
            for hay in inputs() {
                let mut blocks = Planes::default();
                let mut listed = Vec::new();
                let backslash = class_blocks_with(unit, &mut blocks, &hay, None, &mut listed);
                assert_eq!(backslash, hay.contains(&b'\\'), "{unit:?}, {} bytes", hay.len());
                assert_eq!(blocks.len(), hay.len().div_ceil(64));
                assert!(listed.is_empty());
                // The same masks in planes kept from a longer haystack.
                let mut reused = Planes::default();
                class_blocks_with(unit, &mut reused, &[b'7'; 2000], None, &mut listed);
                class_blocks_with(unit, &mut reused, &hay, None, &mut listed);
                assert_eq!(reused, blocks, "{unit:?}, {} bytes after 2000", hay.len());
                // The same masks with a rare set listed, and each of its bytes in order.
                for rare in [*b"@@@", *b"@^@", *b"\x01\x01\x01", *b"a7\xff"] {
                    let mut again = Planes::default();
                    assert_eq!(class_blocks_with(unit, &mut again, &hay, Some(&rare), &mut listed), backslash);
                    assert_eq!(again, blocks, "{unit:?}, {} bytes, rare {rare:?}", hay.len());
                    let got: Vec<usize> = listed
                        .drain(..)
                        .flat_map(|(k, m)| (0..64).filter(move |b| m >> b & 1 == 1).map(move |b| k as usize * 64 + b))
                        .collect();
                    let want: Vec<usize> = (0..hay.len()).filter(|&i| rare.contains(&hay[i])).collect();
                    assert_eq!(got, want, "{unit:?}, {} bytes, rare {rare:?}", hay.len());
                }
                for (i, &b) in hay.iter().enumerate() {
                    let got: Vec<bool> = blocks.block(i / 64).iter().map(|m| m >> (i % 64) & 1 == 1).collect();
                    assert_eq!(got, class_of(b), "{unit:?}, byte {b:#04x} at {i}");
                }
                for i in hay.len()..hay.len().next_multiple_of(64) {
                    assert!(
                        blocks.block(i / 64).iter().all(|m| m >> (i % 64) & 1 == 0),
                        "{unit:?}: padding has no class"
                    );
                }
            }
        }
    }

    #[test]
    fn the_trigram_filter_passes_the_grams_of_its_tables() {
        // Classes as the keyword walk's: letters 1..=26, digits 27, others 0.
        let mut class = [0u8; 128];
        for b in 0..128u8 {
            class[usize::from(b)] = match b {
                b'a'..=b'z' => b - b'a' + 1,
                b'A'..=b'Z' => b - b'A' + 1,
                b'0'..=b'9' => 27,
                _ => 0,
            };
        }
        for hay in inputs() {
            // A filter letting the grams at every third offset through.
            let mut filter = TrigramFilter::new(class);
            for i in (0..hay.len()).step_by(3) {
                filter.insert(&filter.gram_at(&hay, i));
            }
            for first in [0, 1, 3] {
                let mut want = [0u64; 64];
                for (j, mask) in want.iter_mut().enumerate() {
                    for bit in 0..64 {
                        let i = (first + j) * 64 + bit;
                        *mask |= u64::from(i < hay.len() && filter.passes(filter.gram_at(&hay, i))) << bit;
                    }
                }
                // The processor's version (the vector kernel where it has one) and the byte-by-byte one.
                let mut fast = [u64::MAX; 64];
                filter.masks(&hay, first, 64, &mut fast);
                let mut bytewise = [u64::MAX; 64];
                filter.masks_bytewise(&hay, first, 64, &mut bytewise);
                assert_eq!(fast, want, "{} bytes from block {first}", hay.len());
                assert_eq!(bytewise, want, "{} bytes from block {first}", hay.len());
            }
        }
    }

    #[test]
    fn grams_follow_the_class_table() {
        let mut class = [0u8; 128];
        class[usize::from(b'a')] = 1;
        class[usize::from(b'b')] = 2;
        let filter = TrigramFilter::new(class);
        assert_eq!(filter.gram_at(b"ab", 0), [1, 2, 0, 0]);
        assert_eq!(filter.gram_at(b"abab", 0), [1, 2, 1, 2]);
        assert_eq!(filter.gram_at(b"a b", 0), [1, 0, 2, 0]);
        assert_eq!(filter.gram_at(b"\xc3b", 0), [28, 2, 0, 0]);
        assert_eq!(filter.gram_at(b"a", 3), [0, 0, 0, 0]);
    }

    #[test]
    fn a_gram_known_in_part_lets_every_continuation_through() {
        let mut filter = TrigramFilter::new([0; 128]);
        filter.insert(&[1, 2]);
        // A word of one byte: the fourth byte is not read, the third (the next word's) is.
        filter.insert(&[3, 0, 4]);
        for c in 0..CLASSES {
            for d in 0..CLASSES {
                assert!(filter.passes([1, 2, c, d]), "{c} {d}");
                assert!(filter.passes([3, 0, 4, d]), "{d}");
            }
        }
        // A second byte of class 0 ends the trigram: its third byte counts as 0.
        assert_eq!(gram_hashes([3, 0, 4, 9])[..2], gram_hashes([3, 0, 0, 0])[..2]);
        let passing = (0..CLASSES).flat_map(|b| (0..CLASSES).map(move |c| [5, b, c, 0])).filter(|&g| filter.passes(g));
        assert!(passing.count() < CLASSES * CLASSES / 4, "a gram not inserted rarely passes");
    }

    #[test]
    fn every_unit_finds_the_bytes_of_a_set() {
        let set = [b'"', b'\\', b'\n'];
        for unit in units() {
            for hay in inputs() {
                let want = |from: usize| -> u64 {
                    let part = &hay[from.min(hay.len())..(from + 64).min(hay.len())];
                    part.iter().enumerate().fold(0, |m, (j, x)| m | u64::from(set.contains(x)) << j)
                };
                let blocks = hay.len().div_ceil(64);
                for first in [0, 1] {
                    let mut got = Vec::new();
                    eq_masks_with(unit, &hay, first.min(blocks)..blocks, set, &mut got);
                    let expected: Vec<u64> = (first.min(blocks)..blocks).map(|b| want(b * 64)).collect();
                    assert_eq!(got, expected, "{unit:?}, {} bytes from block {first}", hay.len());
                    // Each byte apart, from one read: together they make the set's mask.
                    let mut each = Vec::new();
                    eq_masks_each_with(unit, &hay, first.min(blocks)..blocks, set, &mut each);
                    let joined: Vec<u64> = each.iter().map(|m| m[0] | m[1] | m[2]).collect();
                    assert_eq!(joined, expected, "{unit:?}, {} bytes from block {first}", hay.len());
                    let mut quotes = Vec::new();
                    eq_masks_with(unit, &hay, first.min(blocks)..blocks, [b'"'], &mut quotes);
                    let firsts: Vec<u64> = each.iter().map(|m| m[0]).collect();
                    assert_eq!(firsts, quotes, "{unit:?}, {} bytes from block {first}", hay.len());
                }
            }
        }
    }
}

//! The keyword walk's word starts, found eight blocks at a time in the
//! lanes of AVX-512 registers and handed to the batched lookups
//! (`detect::lookups`) eight at a time, with no branch per block or start
//! (only one per eight blocks, past those without any start).
//!
//! Block by block, the walk (`keywords`) tested whether each block had a
//! start that its trigram filter passed (about one block in two of a web
//! log, in no order a branch predictor follows) and queued each start with
//! its word's length in a loop whose trip count varied as unpredictably.
//! Here eight blocks' word, letter, non-ASCII and quiet masks are loaded
//! into lanes (one load each from the classes' planes), their starts
//! computed there (the block before each by a lane shift), the filter's
//! masks applied, and each block's passed starts spread into a list of
//! offsets with `compress`. Each batch of eight
//! starts then takes its words' lengths in lanes from the word masks of
//! their blocks (kept in a ring), as population counts.

use std::ops::Range;

use crate::detect::classify::Classes;
use crate::detect::lookups::Batch;

/// Whether this processor walks word starts in lanes (AVX-512F, BW, DQ,
/// VBMI2 and VPOPCNTDQ, and the bit instructions `POPCNT`, `BMI1` and
/// `BMI2`; the caller also needs the trigram filter's VBMI).
#[inline]
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx512vbmi2")
            && is_x86_feature_detected!("avx512vpopcntdq")
            && is_x86_feature_detected!("popcnt")
            && is_x86_feature_detected!("bmi1")
            && is_x86_feature_detected!("bmi2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The word starts a walk looks at.
pub(crate) struct Starts<'a> {
    /// The haystack's class masks.
    pub(crate) classes: &'a Classes,
    /// The offsets whose starts are wanted.
    pub(crate) range: Range<usize>,
    /// Whether only words starting with a letter are wanted (else any word).
    pub(crate) letters_only: bool,
    /// Whether letters right after a non-ASCII byte are wanted too (they
    /// start no word, but a literal may start there).
    pub(crate) after_high: bool,
    /// Whether to leave out the classes' quiet starts.
    pub(crate) quiet: bool,
}

/// Hands `judge` every start of `starts` that the trigram filter passes, in
/// order, in batches of eight (the last one shorter), each with the length
/// of its word (as far as its block and the next show it) and whether it
/// follows a non-ASCII byte: the batches the block-by-block walk would
/// queue. `filter(k, n, out)` writes the filter's masks of the `n` blocks
/// (at most 64) from block `k`. Only where [`available`].
#[allow(unsafe_code)]
pub(crate) fn walk(starts: &Starts, filter: impl FnMut(usize, usize, &mut [u64; 64]), judge: impl FnMut(&mut Batch)) {
    #[cfg(target_arch = "x86_64")]
    {
        assert!(
            available(),
            "walking word starts in lanes needs AVX-512F, BW, DQ, VBMI2, VPOPCNTDQ, POPCNT, BMI1 and BMI2"
        );
        // SAFETY: the processor has the features (asserted above).
        unsafe { x86::walk_avx512(starts, filter, judge) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (starts, filter, judge);
        unreachable!("walking word starts in lanes needs AVX-512")
    }
}

/// Room for the starts spread and not yet judged: fewer than 8 left from
/// before, at most 64 per block for eight blocks (word starts are never
/// next to each other, but a start at a non-ASCII byte can be followed by
/// a letter after it: ` \xc3a` repeated has 43 a block), and 64 bytes
/// written for the last block's.
const SPREAD: usize = 8 + 8 * 64 + 64;

/// Blocks whose word masks the ring keeps: starts spread from a block
/// further back than this (less some room) are judged before more blocks are
/// read.
const RING: usize = 256;

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Batch, RING, SPREAD, Starts};
    use crate::detect::classify::{DIGIT, HIGH, LOWER, UPPER};
    use crate::detect::group_lanes::x86::{load_lanes, run_lengths};

    /// Eight blocks' masks, one block a lane.
    #[derive(Clone, Copy)]
    struct Lanes {
        word: __m512i,
        letters: __m512i,
        high: __m512i,
        quiet: __m512i,
    }

    /// [`super::walk`].
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vbmi2,avx512vpopcntdq,popcnt,bmi1,bmi2")]
    pub(super) fn walk_avx512(
        starts: &Starts,
        mut filter: impl FnMut(usize, usize, &mut [u64; 64]),
        mut judge: impl FnMut(&mut Batch),
    ) {
        let c = starts.classes;
        let masks = c.planes();
        let blocks = masks.len();
        let range = starts.range.clone();
        if range.start >= range.end || range.start / 64 >= blocks {
            return;
        }
        let (first_block, last_block) = (range.start / 64, ((range.end - 1) / 64).min(blocks - 1));
        let quiet = if starts.quiet { c.quiet_masks() } else { &[] };
        let set = |x: u64| _mm512_set1_epi64(x as i64);
        let zero = _mm512_setzero_si512();
        // The masks of blocks `k0..k0 + 8`, 0 past the last block.
        let load = |k0: usize| -> Lanes {
            let class = |i: usize| load_lanes(masks.plane(i), k0);
            let letters = _mm512_or_si512(class(UPPER), class(LOWER));
            let high = class(HIGH);
            let word = _mm512_or_si512(_mm512_or_si512(letters, high), class(DIGIT));
            let quiet = if quiet.is_empty() { zero } else { load_lanes(quiet, k0) };
            Lanes { word, letters, high, quiet }
        };
        let iota: __m512i = bytemuck::cast(std::array::from_fn::<u8, 64, _>(|i| i as u8));
        // The starts spread and not yet judged: offset in the block, block
        // (from `base`), and 0xff after a non-ASCII byte.
        let (mut offsets, mut block_of, mut highs) = ([0u8; SPREAD], [0u16; SPREAD], [0u8; SPREAD]);
        let mut count = 0;
        let mut base = first_block;
        // Word masks by block, at `(block - base) % RING`.
        let mut ring = [0u64; RING];
        let mut batch = Batch::default();
        // Judges the first `n` (up to 8) spread starts.
        let mut judge_first =
            |n: usize, base: usize, (offsets, block_of, highs): (&[u8], &[u16], &[u8]), ring: &[u64; RING]| {
                let eight = |b: &[u8]| i64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
                let s = _mm512_cvtepu8_epi64(_mm_set_epi64x(0, eight(offsets)));
                let blocks: [u16; 8] = block_of[..8].try_into().expect("8 blocks");
                let rel = _mm512_cvtepu16_epi64(bytemuck::cast(blocks));
                let ring_index = |x: __m512i| _mm512_and_si512(x, set(RING as u64 - 1));
                // SAFETY: ring indexes are under `RING`.
                let (w, w_next) = unsafe {
                    (
                        _mm512_i64gather_epi64::<8>(ring_index(rel), ring.as_ptr().cast()),
                        _mm512_i64gather_epi64::<8>(ring_index(_mm512_add_epi64(rel, set(1))), ring.as_ptr().cast()),
                    )
                };
                let (ones, ones_next) = run_lengths(w, w_next, s);
                let len = _mm512_add_epi64(ones, ones_next);
                let pos = _mm512_add_epi64(_mm512_slli_epi64::<6>(_mm512_add_epi64(rel, set(base as u64))), s);
                batch.pos = bytemuck::cast(pos);
                batch.len = bytemuck::cast(len);
                batch.high = _mm512_movepi8_mask(_mm512_zextsi128_si512(_mm_set_epi64x(0, eight(highs)))) as u8;
                batch.n = n;
                judge(&mut batch);
            };
        // The filter's masks of 64 blocks from `filter_first`.
        let (mut passing, mut filter_first) = ([0u64; 64], usize::MAX);
        // Lane 7: the block before the first (broadcast).
        let (mut prev_word, mut prev_high) =
            if first_block > 0 { (set(c.word(first_block - 1)), set(c.high(first_block - 1))) } else { (zero, zero) };
        let mut cur = load(first_block);
        let mut k0 = first_block;
        while k0 <= last_block {
            // Starts far back are judged before the ring forgets their
            // blocks (and before their block numbers outgrow 16 bits).
            if count > 0 && k0 + 16 - base > RING - 8 {
                judge_first(count, base, (&offsets, &block_of, &highs), &ring);
                count = 0;
            }
            if count == 0 {
                base = k0;
            }
            let next = load(k0 + 8);
            let at = (k0 - base) % RING;
            ring[at..at + 8].copy_from_slice(&bytemuck::cast::<__m512i, [u64; 8]>(cur.word));
            let after = (at + 8) % RING;
            ring[after..after + 8].copy_from_slice(&bytemuck::cast::<__m512i, [u64; 8]>(next.word));
            // Each lane's block before: lane 7 of the last eight, then lanes 0..7.
            let before = |now: __m512i, then: __m512i| _mm512_srli_epi64::<63>(_mm512_alignr_epi64::<7>(now, then));
            let first = if starts.letters_only { cur.letters } else { cur.word };
            let in_range: [u64; 8] = std::array::from_fn(|l| {
                let k = k0 + l;
                let lo = if k == first_block { range.start % 64 } else { 0 };
                let hi = if k == last_block { (range.end - 1) % 64 + 1 } else { 64 };
                let upto = if hi == 64 { u64::MAX } else { (1u64 << hi) - 1 };
                if k > last_block { 0 } else { upto & !((1u64 << lo) - 1) }
            });
            let wanted = _mm512_andnot_si512(cur.quiet, bytemuck::cast(in_range));
            let word_starts = _mm512_andnot_si512(
                _mm512_or_si512(_mm512_slli_epi64::<1>(cur.word), before(cur.word, prev_word)),
                _mm512_and_si512(first, wanted),
            );
            let after_high = if starts.after_high {
                let follows = _mm512_or_si512(_mm512_slli_epi64::<1>(cur.high), before(cur.high, prev_high));
                _mm512_and_si512(_mm512_and_si512(cur.letters, follows), wanted)
            } else {
                zero
            };
            let any = _mm512_or_si512(word_starts, after_high);
            if _mm512_test_epi64_mask(any, any) == 0 {
                // No start in these blocks (number-dense data): nothing to
                // filter or spread.
                (prev_word, prev_high) = (cur.word, cur.high);
                cur = next;
                k0 += 8;
                continue;
            }
            if k0 < filter_first || k0 + 8 > filter_first + 64 {
                filter_first = k0;
                filter(k0, (last_block + 1 - k0).min(64), &mut passing);
            }
            let j = k0 - filter_first;
            let passed: [u64; 8] = passing[j..j + 8].try_into().expect("8 masks");
            let passed: __m512i = bytemuck::cast(passed);
            let known: [u64; 8] = bytemuck::cast(_mm512_and_si512(_mm512_or_si512(word_starts, after_high), passed));
            let high: [u64; 8] = bytemuck::cast(_mm512_and_si512(after_high, passed));
            for l in 0..8 {
                let spread: [u8; 64] = bytemuck::cast(_mm512_maskz_compress_epi8(known[l], iota));
                offsets[count..count + 64].copy_from_slice(&spread);
                let flags: [u8; 64] = bytemuck::cast(_mm512_maskz_compress_epi8(known[l], _mm512_movm_epi8(high[l])));
                highs[count..count + 64].copy_from_slice(&flags);
                block_of[count..count + 64].fill((k0 + l - base) as u16);
                count += known[l].count_ones() as usize;
            }
            let mut done = 0;
            while count - done >= 8 {
                judge_first(8, base, (&offsets[done..], &block_of[done..], &highs[done..]), &ring);
                done += 8;
            }
            // Fewer than 8 left: moved to the front as 8, a fixed size.
            offsets.copy_within(done..done + 8, 0);
            block_of.copy_within(done..done + 8, 0);
            highs.copy_within(done..done + 8, 0);
            count -= done;
            (prev_word, prev_high) = (cur.word, cur.high);
            cur = next;
            k0 += 8;
        }
        if count > 0 {
            judge_first(count, base, (&offsets, &block_of, &highs), &ring);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With a filter that passes everything, the walk hands over every word
    /// start in the range (and every letter after a non-ASCII byte), in
    /// order, each with its word's length as far as its block and the next
    /// show it: also where a block holds 43 of them (` \xc3a` repeated).
    #[test]
    fn every_start_in_order_with_its_length() {
        if !available() {
            eprintln!("no AVX-512 VBMI2 and VPOPCNTDQ here: the block-by-block walk runs instead");
            return;
        }
        let mut hay = b" \xc3a".repeat(700);
        hay.extend(b"ab cd 12 x\xc3\xa9y token_name ".repeat(300));
        hay.extend("w".repeat(300).as_bytes());
        hay.extend(b" \xc3a".repeat(700));
        let mut classes = Classes::default();
        classes.compute(&hay);
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
        let is_letter = |b: u8| b.is_ascii_alphabetic();
        let n = hay.len();
        for letters_only in [true, false] {
            for range in [0..n, 1..n - 1, 63..4097, 2100..2101, 0..64, n - 70..n] {
                let starts =
                    Starts { classes: &classes, range: range.clone(), letters_only, after_high: true, quiet: false };
                let mut got = Vec::new();
                let all = |_, n: usize, out: &mut [u64; 64]| out[..n].fill(u64::MAX);
                walk(&starts, all, |b| {
                    got.extend((0..b.n).map(|j| (b.pos[j] as usize, b.len[j] as usize, b.high >> j & 1 == 1)));
                    b.n = 0;
                });
                let want: Vec<(usize, usize, bool)> = range
                    .clone()
                    .filter_map(|i| {
                        let prev = i.checked_sub(1).map(|p| hay[p]);
                        let first = if letters_only { is_letter(hay[i]) } else { is_word(hay[i]) };
                        let word_start = first && !prev.is_some_and(is_word);
                        let after_high = is_letter(hay[i]) && prev.is_some_and(|p| p >= 0x80);
                        let len = hay[i..].iter().take_while(|&&b| is_word(b)).count().min(128 - i % 64);
                        (word_start || after_high).then_some((i, len, after_high))
                    })
                    .collect();
                assert_eq!(got, want, "letters only {letters_only}, range {range:?}");
            }
        }
    }
}

//! Digit groups' runs walked to their ends eight at a time, in the lanes
//! of a vector register, where the processor has AVX-512 (with `VBMI2`
//! and `VPOPCNTDQ`).
//!
//! The group finder (`digits`) queues the blocks where runs long enough for
//! a group start. Walked one by one, each run costs a loop over its start
//! bits and another over the blocks it spans, whose trip counts follow no
//! pattern (a date's ten bytes, then a card number's nineteen): in logs,
//! about half the finder's time. Here the start bits of the queued blocks
//! are first spread into a list of (entry, offset) pairs, 64 bytes at a
//! time (`compress`), then each lane takes one start and measures its run
//! in its block and the next with shifts and population counts, no branch.
//! The rare run that reaches past the next block is walked one by one.

use crate::detect::digits::{Group, QUEUE, Queue, push_if};

/// Whether this processor walks runs in lanes (AVX-512F, BW, VBMI2 and
/// VPOPCNTDQ).
#[inline]
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vbmi2")
            && is_x86_feature_detected!("avx512vpopcntdq")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Where [`walk`] spreads the start bits of a queue: each start's offset
/// in its block and its entry, in order. Kept by the caller from one queue
/// to the next, so that it is not cleared for each.
pub(crate) struct Spread {
    offsets: [u8; STARTS],
    entries: [u8; STARTS],
}

impl Default for Spread {
    fn default() -> Spread {
        Spread { offsets: [0; STARTS], entries: [0; STARTS] }
    }
}

/// Appends to `out`, in order, the group of every run that starts at a bit
/// of `queue.bits` and has the digits its entry needs (as the one-by-one
/// walk does), for a haystack of `len` bytes. A run that reaches past the
/// block after its own is left to `slow(entry, offset, out)`, at its place
/// in the order. Only where [`available`].
#[allow(unsafe_code)]
pub(crate) fn walk(
    queue: &Queue,
    spread: &mut Spread,
    len: usize,
    out: &mut Vec<Group>,
    slow: impl FnMut(usize, usize, &mut Vec<Group>),
) {
    #[cfg(target_arch = "x86_64")]
    {
        assert!(available(), "walking runs in lanes needs AVX-512F, BW, VBMI2 and VPOPCNTDQ");
        // SAFETY: the processor has the features (asserted above).
        unsafe { x86::walk_avx512(queue, spread, len, out, slow) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (queue, spread, len, out, slow);
        unreachable!("walking runs in lanes needs AVX-512")
    }
}

/// Room for the starts of a full queue: at most 32 runs start in a block
/// (each after a byte outside the group mask), and each block's starts are
/// written as a whole 64-byte vector.
const STARTS: usize = (QUEUE - 1) * 32 + 64;

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Group, QUEUE, Queue, Spread, push_if};

    /// [`super::walk`].
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,avx512vpopcntdq")]
    pub(super) fn walk_avx512(
        queue: &Queue,
        Spread { offsets, entries }: &mut Spread,
        len: usize,
        out: &mut Vec<Group>,
        mut slow: impl FnMut(usize, usize, &mut Vec<Group>),
    ) {
        let n = queue.n.min(QUEUE);
        // Each start's offset in its block, and its entry, in order.
        let iota: __m512i = bytemuck::cast(std::array::from_fn::<u8, 64, _>(|i| i as u8));
        let mut count = 0;
        for i in 0..n {
            let bits = queue.bits[i];
            let spread: [u8; 64] = bytemuck::cast(_mm512_maskz_compress_epi8(bits, iota));
            offsets[count..count + 64].copy_from_slice(&spread);
            entries[count..count + 64].fill(i as u8);
            count += bits.count_ones() as usize;
        }
        let halves = |a: &[u64; QUEUE]| -> (__m512i, __m512i) {
            let [lo, hi]: [[u64; 8]; 2] = bytemuck::cast(*a);
            (bytemuck::cast(lo), bytemuck::cast(hi))
        };
        let fields = [&queue.k, &queue.cur, &queue.next, &queue.digits, &queue.next_digits, &queue.need].map(halves);
        let set = |x: u64| _mm512_set1_epi64(x as i64);
        let one = set(1);
        // Bit i of the count: bits 0..=i of `x` are all set.
        let trailing_ones = |x: __m512i| _mm512_popcnt_epi64(_mm512_andnot_si512(_mm512_add_epi64(x, one), x));
        // The low `n` bits (all 64 for 64: the shift gives 0).
        let low_bits = |n: __m512i| _mm512_sub_epi64(_mm512_sllv_epi64(one, n), one);
        let len_v = set(len as u64);
        let mut j = 0;
        while j < count {
            let widen = |bytes: &[u8]| {
                let eight: [u8; 8] = bytes.try_into().expect("8 bytes");
                _mm512_cvtepu8_epi64(_mm_set_epi64x(0, i64::from_le_bytes(eight)))
            };
            let s = widen(&offsets[j..j + 8]);
            let entry = widen(&entries[j..j + 8]);
            let [k, cur, next, digits, next_digits, need] =
                fields.map(|(lo, hi)| _mm512_permutex2var_epi64(lo, entry, hi));
            // The run in its block, from its start.
            let ones = trailing_ones(_mm512_srlv_epi64(cur, s));
            let dig = _mm512_popcnt_epi64(_mm512_and_si512(_mm512_srlv_epi64(digits, s), low_bits(ones)));
            // Its part in the next block, where it reaches the block's end
            // (0 elsewhere, and past the last block, whose masks are 0).
            let reach = _mm512_cmpeq_epi64_mask(_mm512_add_epi64(s, ones), set(64));
            let ones_next = _mm512_maskz_mov_epi64(reach, trailing_ones(next));
            let dig_next = _mm512_popcnt_epi64(_mm512_and_si512(next_digits, low_bits(ones_next)));
            // Runs that fill the next block too go on past it.
            let further = _mm512_cmpeq_epi64_mask(ones_next, set(64));
            let bytes = _mm512_add_epi64(ones, ones_next);
            let digit_count = _mm512_add_epi64(dig, dig_next);
            let start = _mm512_add_epi64(_mm512_slli_epi64::<6>(k), s);
            let end = _mm512_min_epu64(_mm512_add_epi64(start, bytes), len_v);
            let keep = _mm512_cmpge_epu64_mask(digit_count, need);
            let [start, end, digit_count, bytes]: [[u64; 8]; 4] =
                [start, end, digit_count, bytes].map(bytemuck::cast::<__m512i, [u64; 8]>);
            for l in 0..(count - j).min(8) {
                if further >> l & 1 == 1 {
                    slow(usize::from(entries[j + l]), usize::from(offsets[j + l]), out);
                    continue;
                }
                let (digits, seps) = (digit_count[l] as u32, (bytes[l] - digit_count[l]) as u32);
                let group = Group { start: start[l] as usize, end: end[l] as usize, digits, seps };
                push_if(out, group, keep >> l & 1 == 1);
            }
            j += 8;
        }
    }
}

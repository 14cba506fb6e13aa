//! Digit groups found eight blocks at a time, and their runs walked to
//! their ends eight at a time, in the lanes of vector registers, where the
//! processor has AVX-512 (with `VBMI2` and `VPOPCNTDQ`): what `digits`
//! does block by block and run by run elsewhere.
//!
//! Block by block, each block costs a few dozen word operations (its group
//! mask from its neighbours' digits and separators, the run tests of both
//! thresholds), and each run that starts a loop over its start bits and
//! another over the blocks it spans, whose trip counts follow no pattern (a
//! date's ten bytes, then a card number's nineteen): in logs, each about
//! half the finder's time. Here eight blocks' digit and separator masks are
//! loaded into the lanes of two registers (one load each: the classes are
//! kept one plane per class), their group masks and run
//! tests computed in those lanes (the blocks before and after by lane
//! shifts), and the blocks where runs start queued with `compress`, no
//! branch per block (one per eight blocks, past those where no run
//! starts). The queue's start bits are then spread into a list of
//! (entry, offset) pairs, 64 bytes at a time (`compress` again), and each
//! lane takes one start and measures its run in its block and the next
//! with shifts and population counts, no branch per run. The rare run that
//! reaches past the next block is walked one by one.
//!
//! Where the processor has AVX2 but not AVX-512, the blocks are tested
//! four at a time the same way, and their runs walked one by one
//! ([`Lanes`] says which is used).

use crate::detect::classify::Classes;
use crate::detect::digits::{Group, NearBlocks, QUEUE, Queue, push_if};

/// How many blocks [`crate::detect::digits::find_groups`] and
/// `find_country_codes` test at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lanes {
    /// Eight, in the lanes of AVX-512 registers, runs walked eight at a
    /// time too ([`available`]).
    Eight,
    /// Four, in the lanes of AVX2 registers ([`available_four`]); the runs
    /// are walked one by one.
    Four,
    /// One at a time.
    One,
}

impl Lanes {
    /// The most this processor tests at once.
    #[inline]
    pub(crate) fn best() -> Lanes {
        if available() {
            Lanes::Eight
        } else if available_four() {
            Lanes::Four
        } else {
            Lanes::One
        }
    }
}

/// Whether this processor tests blocks four at a time (AVX2, with the bit
/// instructions `POPCNT` and `BMI1` that every processor with AVX2 has).
#[inline]
pub(crate) fn available_four() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("popcnt") && is_x86_feature_detected!("bmi1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this processor finds groups in lanes (AVX-512F, BW, VBMI2 and
/// VPOPCNTDQ, and the bit instructions `POPCNT`, `BMI1` and `BMI2`).
#[inline]
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512bw")
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

/// A threshold of digits, and the shifts that test for runs that long
/// (see `digits::run_steps`).
pub(crate) type Threshold<'a> = (u32, &'a [u32]);

/// Appends to `out`, in order, every digit group of the haystack (`len`
/// bytes, class masks `c`) with at least the digits of the first threshold
/// (`near`'s) when it starts in a block of `near`, of the second elsewhere,
/// the run steps of the first going from 1 digit to it, of the second from
/// the first to the second: `digits::find_groups`, `lanes` blocks at a time.
///
/// With eight lanes (AVX-512) the runs are walked eight at a time too, and
/// a run that reaches past the block after its own is left to `slow(queue,
/// entry, offset, out)`, at its place in the order. With four (AVX2, where
/// the processor has no AVX-512) the blocks where runs start are queued by
/// a shuffle of the lanes that have any (AVX2 has no `compress`), and the
/// queued runs walked one by one, as the block-by-block finder does
/// (`digits::walk_runs`), but built here with the bit instructions
/// (`POPCNT`, `BMI1`) that every processor with AVX2 has: the baseline's
/// population count is a dozen instructions. Only with lanes the
/// processor has ([`Lanes::best`] or fewer, never [`Lanes::One`]).
#[allow(unsafe_code)]
pub(crate) fn groups(
    lanes: Lanes,
    c: &Classes,
    len: usize,
    thresholds: (Threshold, Threshold),
    near: NearBlocks,
    out: &mut Vec<Group>,
    slow: impl Fn(&Queue, usize, usize, &mut Vec<Group>),
) {
    #[cfg(target_arch = "x86_64")]
    match lanes {
        Lanes::Eight => {
            assert!(
                available(),
                "digit groups in eight lanes need AVX-512F, BW, VBMI2, VPOPCNTDQ, POPCNT, BMI1 and BMI2"
            );
            // SAFETY: the processor has the features (asserted above).
            unsafe { x86::groups_avx512(c, len, thresholds, near, out, slow) }
        }
        Lanes::Four => {
            assert!(available_four(), "digit groups in four lanes need AVX2, POPCNT and BMI1");
            // SAFETY: the processor has the features (asserted above).
            unsafe { avx2::groups_avx2(c, len, thresholds, near, out) }
        }
        Lanes::One => unreachable!("digit groups one block at a time are `digits`'s own walk"),
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (lanes, c, len, thresholds, near, out, slow);
        unreachable!("digit groups in lanes need AVX-512 or AVX2")
    }
}

/// Appends to `out` the offsets `digits::find_country_codes` finds, in
/// order, `lanes` blocks at a time: each block's test is a few word
/// operations on its masks and its neighbours', and here the upper-case,
/// digit and lower-case masks of eight blocks (AVX-512) or four (AVX2) are
/// loaded into lanes and tested at once, with one branch per eight or
/// four blocks (codes are rare: about 11 per MB of logs). Only with lanes
/// the processor has, as [`groups`].
#[allow(unsafe_code)]
pub(crate) fn country_codes(lanes: Lanes, c: &Classes, out: &mut Vec<usize>) {
    #[cfg(target_arch = "x86_64")]
    match lanes {
        Lanes::Eight => {
            assert!(
                available(),
                "country codes in eight lanes run where digit groups do: AVX-512F, BW, VBMI2 and VPOPCNTDQ"
            );
            // SAFETY: the processor has the features (asserted above).
            unsafe { x86::country_codes_avx512(c, out) }
        }
        Lanes::Four => {
            assert!(available_four(), "country codes in four lanes run where digit groups do: AVX2, POPCNT and BMI1");
            // SAFETY: the processor has the features (asserted above).
            unsafe { avx2::country_codes_avx2(c, out) }
        }
        Lanes::One => unreachable!("country codes one block at a time are `digits`'s own search"),
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (lanes, c, out);
        unreachable!("country codes in lanes need AVX-512 or AVX2")
    }
}

/// Where the walk spreads the start bits of a queue: each start's offset
/// in its block and its entry, in order. Kept from one queue to the next,
/// so that it is not cleared for each.
struct Spread {
    offsets: [u8; STARTS],
    entries: [u8; STARTS],
}

impl Default for Spread {
    fn default() -> Spread {
        Spread { offsets: [0; STARTS], entries: [0; STARTS] }
    }
}

/// Room for the starts of a full queue: at most 32 runs start in a block
/// (each after a byte outside the group mask), and each block's starts are
/// written as a whole 64-byte vector.
const STARTS: usize = (QUEUE - 1) * 32 + 64;

/// `digits::group_mask` in each 64-bit lane of the blocks `dc`/`sc`
/// (digits and separators), given as `(dp, dc, dn)` and `(sp, sc, sn)` with
/// the blocks before and after them. Written once for every lane count: it calls the lane
/// operations of the module it is used in (`or`, `and`, `shl`, `shr`,
/// `before`, `after`), whatever their vector type.
#[cfg(target_arch = "x86_64")]
macro_rules! group_masks_in_lanes {
    ($digits:expr, $seps:expr) => {{
        let ((dp, dc, dn), (sp, sc, sn)) = ($digits, $seps);
        // Each lane's previous and next block.
        let (dp, dn) = (before(dc, dp), after(dc, dn));
        let (sp, sn) = (before(sc, sp), after(sc, sn));
        let d_l1 = or(shl::<1>(dc), shr::<63>(dp));
        let d_l2 = or(shl::<2>(dc), shr::<62>(dp));
        let d_r1 = or(shr::<1>(dc), shl::<63>(dn));
        let d_r2 = or(shr::<2>(dc), shl::<62>(dn));
        let s_l1 = or(shl::<1>(sc), shr::<63>(sp));
        let s_r1 = or(shr::<1>(sc), shl::<63>(sn));
        let one = and(sc, and(d_l1, d_r1));
        let first_of_two = and(and(sc, s_r1), and(d_l1, d_r2));
        let second_of_two = and(and(sc, s_l1), and(d_l2, d_r1));
        or(or(dc, one), or(first_of_two, second_of_two))
    }};
}

/// `digits::find_country_codes`'s test in each 64-bit lane: the bits where
/// two upper-case letters (`u`) and two digits (`d`) start, after no letter
/// or digit (`a`: letters and digits), given the next blocks' letters and
/// digits (`next_u`, `next_d`) and the previous blocks' letters and digits
/// (`prev_a`). Written once for every lane count, as
/// `group_masks_in_lanes!`.
#[cfg(target_arch = "x86_64")]
macro_rules! country_codes_in_lanes {
    ($u:expr, $d:expr, $a:expr, $next_u:expr, $next_d:expr, $prev_a:expr) => {{
        let (u, d, a) = ($u, $d, $a);
        let (nu, nd, pa) = (after(u, $next_u), after(d, $next_d), before(a, $prev_a));
        let u1 = or(shr::<1>(u), shl::<63>(nu));
        let d2 = or(shr::<2>(d), shl::<62>(nd));
        let d3 = or(shr::<3>(d), shl::<61>(nd));
        let before_bits = or(shl::<1>(a), shr::<63>(pa));
        andnot(before_bits, and(and(u, u1), and(d2, d3)))
    }};
}

/// The lane operations that `group_masks_in_lanes!` and
/// `country_codes_in_lanes!` call, besides `before` and `after`, on vectors
/// of type `$v` of 64-bit lanes with target feature `$feature`: `or`,
/// `and`, `andnot` (`!a & b`), and shifts of each lane left (`shl`) and
/// right (`shr`) by a constant (of type `$imm`, as the intrinsics take it).
#[cfg(target_arch = "x86_64")]
macro_rules! lane_ops {
    ($v:ty, $feature:literal, $imm:ty, $or:ident, $and:ident, $andnot:ident, $shl:ident, $shr:ident) => {
        #[inline]
        #[target_feature(enable = $feature)]
        fn or(a: $v, b: $v) -> $v {
            $or(a, b)
        }

        #[inline]
        #[target_feature(enable = $feature)]
        fn and(a: $v, b: $v) -> $v {
            $and(a, b)
        }

        #[inline]
        #[target_feature(enable = $feature)]
        fn andnot(a: $v, b: $v) -> $v {
            $andnot(a, b)
        }

        #[inline]
        #[target_feature(enable = $feature)]
        fn shl<const N: $imm>(x: $v) -> $v {
            $shl::<N>(x)
        }

        #[inline]
        #[target_feature(enable = $feature)]
        fn shr<const N: $imm>(x: $v) -> $v {
            $shr::<N>(x)
        }
    };
}

/// Pushes the offset of every bit set in `words`, the masks of the
/// consecutive blocks from block `first`.
#[cfg(target_arch = "x86_64")]
fn push_bits(words: &[u64], first: usize, out: &mut Vec<usize>) {
    for (l, &w) in words.iter().enumerate() {
        let mut w = w;
        while w != 0 {
            out.push((first + l) * 64 + w.trailing_zeros() as usize);
            w &= w - 1;
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
pub(crate) mod x86 {
    use std::arch::x86_64::*;

    use super::{Group, NearBlocks, QUEUE, Queue, Spread, Threshold, push_bits, push_if};
    use crate::detect::classify::{Classes, DIGIT, LOWER, Planes, SEP, UPPER};

    /// The masks of class `class` of blocks `8 * v..8 * v + 8` of `masks`,
    /// 0 past the last.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn load_class(masks: &Planes, v: usize, class: usize) -> __m512i {
        load_lanes(masks.plane(class), v * 8)
    }

    /// Masks `k0..k0 + 8` of `masks`, 0 past the last: one masked load
    /// (a load of each lane by itself, or a call for the lanes past the
    /// end, was not inlined in the walks' loops).
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn load_lanes(masks: &[u64], k0: usize) -> __m512i {
        let present = ((1u16 << masks.len().saturating_sub(k0).min(8)) - 1) as u8;
        // SAFETY: only the lanes of masks that exist are read: a masked
        // load does not touch the others.
        unsafe { _mm512_maskz_loadu_epi64(present, masks.as_ptr().wrapping_add(k0).cast()) }
    }

    /// [`super::country_codes`] in eight lanes: `digits::find_country_codes`'s test of
    /// each block in the lanes of eight (the neighbours' bits by lane shifts).
    #[target_feature(enable = "avx512f")]
    pub(super) fn country_codes_avx512(c: &Classes, out: &mut Vec<usize>) {
        let masks = c.planes();
        // Upper-case letters, digits, and letters or digits, of eight blocks.
        let load = |v: usize| {
            let (u, d) = (load_class(masks, v, UPPER), load_class(masks, v, DIGIT));
            (u, d, or(or(u, d), load_class(masks, v, LOWER)))
        };
        let (mut cur, mut next) = (load(0), load(1));
        let mut prev_alnum = _mm512_setzero_si512();
        for v in 0..masks.len().div_ceil(8) {
            let (u, d, a) = cur;
            let hits = country_codes_in_lanes!(u, d, a, next.0, next.1, prev_alnum);
            if _mm512_test_epi64_mask(hits, hits) != 0 {
                push_bits(&bytemuck::cast::<__m512i, [u64; 8]>(hits), v * 8, out);
            }
            prev_alnum = a;
            cur = next;
            next = load(v + 2);
        }
    }

    /// The group masks of the eight blocks of `dc`/`sc` (digits and
    /// separators), given the eight blocks before (`dp`, `sp`) and after
    /// (`dn`, `sn`): `digits::group_mask` in each lane.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn group_masks(d: (__m512i, __m512i, __m512i), s: (__m512i, __m512i, __m512i)) -> __m512i {
        group_masks_in_lanes!(d, s)
    }

    /// The lane operations of `group_masks_in_lanes!` and
    /// `country_codes_in_lanes!` on eight lanes: each lane's previous block
    /// (`prev` holds the eight blocks before `cur`'s) and next block.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn before(cur: __m512i, prev: __m512i) -> __m512i {
        _mm512_alignr_epi64::<7>(cur, prev)
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn after(cur: __m512i, next: __m512i) -> __m512i {
        _mm512_alignr_epi64::<1>(next, cur)
    }

    lane_ops!(
        __m512i,
        "avx512f",
        u32,
        _mm512_or_si512,
        _mm512_and_si512,
        _mm512_andnot_si512,
        _mm512_slli_epi64,
        _mm512_srli_epi64
    );

    /// In each lane, the length of the run of ones of `mask` from bit `s`,
    /// and, when that run reaches the block's end, of the run of ones at the
    /// start of `next` (0 when it does not): each a population count of
    /// the ones below the first zero (`x & !(x + 1)`), at most 64. Digit
    /// groups' runs and words (`word_lanes`) are measured so.
    #[inline]
    #[target_feature(enable = "avx512f,avx512vpopcntdq")]
    pub(crate) fn run_lengths(mask: __m512i, next: __m512i, s: __m512i) -> (__m512i, __m512i) {
        let one = _mm512_set1_epi64(1);
        let trailing_ones = |x: __m512i| _mm512_popcnt_epi64(_mm512_andnot_si512(_mm512_add_epi64(x, one), x));
        let ones = trailing_ones(_mm512_srlv_epi64(mask, s));
        let reach = _mm512_cmpeq_epi64_mask(_mm512_add_epi64(s, ones), _mm512_set1_epi64(64));
        (ones, _mm512_maskz_mov_epi64(reach, trailing_ones(next)))
    }

    /// [`super::groups`] in eight lanes.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,avx512vpopcntdq,popcnt,bmi1,bmi2")]
    pub(super) fn groups_avx512(
        c: &Classes,
        len: usize,
        ((near_digits, near_steps), (min_digits, far_steps)): (Threshold, Threshold),
        near: NearBlocks,
        out: &mut Vec<Group>,
        slow: impl Fn(&Queue, usize, usize, &mut Vec<Group>),
    ) {
        let masks = c.planes();
        let blocks = masks.len();
        let set = |x: u64| _mm512_set1_epi64(x as i64);
        let lane = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
        // The digit and separator masks of blocks `8 * v..8 * v + 8`, 0 past the last.
        let load = |v: usize| (load_class(masks, v, DIGIT), load_class(masks, v, SEP));
        let zero = _mm512_setzero_si512();
        let (mut d, mut s) = ([zero; 4], [zero; 4]);
        (d[1], s[1]) = load(0);
        (d[2], s[2]) = load(1);
        (d[3], s[3]) = load(2);
        // The group masks of the eight blocks before, these and the next.
        let mut g_prev = zero;
        let mut g_cur = group_masks((d[0], d[1], d[2]), (s[0], s[1], s[2]));
        let mut g_next = group_masks((d[1], d[2], d[3]), (s[1], s[2], s[3]));
        let mut queue = Queue::default();
        let mut spread = Spread::default();
        for v in 0..blocks.div_ceil(8) {
            let cur = g_cur;
            let next = _mm512_alignr_epi64::<1>(g_next, g_cur);
            let carry = _mm512_srli_epi64::<63>(_mm512_alignr_epi64::<7>(g_cur, g_prev));
            // Bit i of `run`: bits i..i+need of the group mask (this
            // block's, then the next one's in `ahead`) are all set.
            let (mut run, mut ahead) = (cur, next);
            let step_by = |run: &mut __m512i, ahead: &mut __m512i, step: u32| {
                let (right, left) = (set(u64::from(step)), set(u64::from(64 - step)));
                let from_ahead = _mm512_sllv_epi64(*ahead, left);
                *run = _mm512_and_si512(*run, _mm512_or_si512(_mm512_srlv_epi64(*run, right), from_ahead));
                *ahead = _mm512_and_si512(*ahead, _mm512_srlv_epi64(*ahead, right));
            };
            for &step in near_steps {
                step_by(&mut run, &mut ahead, step);
            }
            let near_run = run;
            for &step in far_steps {
                step_by(&mut run, &mut ahead, step);
            }
            let k0 = v * 8;
            // Eight bits of one word: `k0` is a multiple of 8.
            let is_near = near.blocks.get(k0 / 64).map_or(0, |w| (w >> (k0 % 64)) as u8);
            let run = _mm512_mask_blend_epi64(is_near, run, near_run);
            let starts = _mm512_andnot_si512(_mm512_or_si512(_mm512_slli_epi64::<1>(cur), carry), cur);
            let bits = _mm512_and_si512(run, starts);
            // The blocks where runs start, queued in order.
            let found = _mm512_test_epi64_mask(bits, bits);
            // Text without long digit runs (prose) skips the queue.
            if found != 0 {
                let need = _mm512_mask_blend_epi64(is_near, set(u64::from(min_digits)), set(u64::from(near_digits)));
                let at = queue.n;
                let put = |field: &mut [u64; QUEUE], x: __m512i| {
                    let packed: [u64; 8] = bytemuck::cast(_mm512_maskz_compress_epi64(found, x));
                    field[at..at + 8].copy_from_slice(&packed);
                };
                put(&mut queue.k, _mm512_add_epi64(set(k0 as u64), lane));
                put(&mut queue.bits, bits);
                put(&mut queue.cur, cur);
                put(&mut queue.next, next);
                put(&mut queue.digits, d[1]);
                put(&mut queue.next_digits, _mm512_alignr_epi64::<1>(d[2], d[1]));
                put(&mut queue.need, need);
                queue.n += found.count_ones() as usize;
                // Room for the next eight blocks.
                if queue.n > QUEUE - 8 {
                    walk_avx512(&queue, &mut spread, len, out, |i, s, out| slow(&queue, i, s, out));
                    queue.n = 0;
                }
            }
            // On to the next eight blocks (moved by hand: `rotate_left`
            // is a call, not inlined here).
            let (dn, sn) = load(v + 3);
            d = [d[1], d[2], d[3], dn];
            s = [s[1], s[2], s[3], sn];
            (g_prev, g_cur) = (g_cur, g_next);
            g_next = group_masks((d[1], d[2], d[3]), (s[1], s[2], s[3]));
        }
        walk_avx512(&queue, &mut spread, len, out, |i, s, out| slow(&queue, i, s, out));
    }

    /// Appends to `out`, in order, the group of every run that starts at a
    /// bit of `queue.bits` and has the digits its entry needs, for a
    /// haystack of `len` bytes; a run that reaches past the block after its
    /// own is left to `slow(entry, offset, out)`, at its place in the order.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,avx512vpopcntdq,popcnt,bmi1,bmi2")]
    fn walk_avx512(
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
        // Each field's 16 entries in two registers (spelled out: a closure
        // mapped over an array is called, not inlined, from code built
        // with other target features).
        let (k_of, cur_of, next_of) = (halves(&queue.k), halves(&queue.cur), halves(&queue.next));
        let (digits_of, next_digits_of, need_of) =
            (halves(&queue.digits), halves(&queue.next_digits), halves(&queue.need));
        let set = |x: u64| _mm512_set1_epi64(x as i64);
        let one = set(1);
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
            let field = |(lo, hi): (__m512i, __m512i)| _mm512_permutex2var_epi64(lo, entry, hi);
            let (k, cur, next) = (field(k_of), field(cur_of), field(next_of));
            let (digits, next_digits, need) = (field(digits_of), field(next_digits_of), field(need_of));
            // The run in its block, from its start, and its part in the
            // next block (none past the last block, whose masks are 0).
            let (ones, ones_next) = run_lengths(cur, next, s);
            let dig = _mm512_popcnt_epi64(_mm512_and_si512(_mm512_srlv_epi64(digits, s), low_bits(ones)));
            let dig_next = _mm512_popcnt_epi64(_mm512_and_si512(next_digits, low_bits(ones_next)));
            // Runs that fill the next block too go on past it.
            let further = _mm512_cmpeq_epi64_mask(ones_next, set(64));
            let bytes = _mm512_add_epi64(ones, ones_next);
            let digit_count = _mm512_add_epi64(dig, dig_next);
            let start = _mm512_add_epi64(_mm512_slli_epi64::<6>(k), s);
            let end = _mm512_min_epu64(_mm512_add_epi64(start, bytes), len_v);
            let keep = _mm512_cmpge_epu64_mask(digit_count, need);
            let lanes = |x: __m512i| -> [u64; 8] { bytemuck::cast(x) };
            let (start, end, digit_count, bytes) = (lanes(start), lanes(end), lanes(digit_count), lanes(bytes));
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

/// The four-lane kernels of [`groups`] and [`country_codes`].
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{Group, NearBlocks, QUEUE, Queue, Threshold, push_bits};
    use crate::detect::classify::{Classes, DIGIT, LOWER, Planes, SEP, UPPER};
    use crate::detect::digits::walk_runs;

    /// The masks of class `class` of blocks `4 * v..4 * v + 4` of `masks`,
    /// 0 past the last.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn load_class(masks: &Planes, v: usize, class: usize) -> __m256i {
        let (plane, k0) = (masks.plane(class), v * 4);
        let at = |k: usize| plane.get(k).copied().unwrap_or(0) as i64;
        _mm256_setr_epi64x(at(k0), at(k0 + 1), at(k0 + 2), at(k0 + 3))
    }

    /// Each lane's previous block: `[p3, c0, c1, c2]` of `prev = [p0..p3]`
    /// and `cur = [c0..c3]`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn before(cur: __m256i, prev: __m256i) -> __m256i {
        _mm256_alignr_epi8::<8>(cur, _mm256_permute2x128_si256::<0x21>(prev, cur))
    }

    /// Each lane's next block: `[c1, c2, c3, n0]` of `cur = [c0..c3]` and
    /// `next = [n0..n3]`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn after(cur: __m256i, next: __m256i) -> __m256i {
        _mm256_alignr_epi8::<8>(_mm256_permute2x128_si256::<0x21>(cur, next), cur)
    }

    /// Lane `l` all ones where bit `l` of `bits` is set.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn lane_mask(bits: u8) -> __m256i {
        let lanes = _mm256_setr_epi64x(1, 2, 4, 8);
        _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x(i64::from(bits)), lanes), lanes)
    }

    /// Bit `l` set where lane `l` of `x` is not 0.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn nonzero_lanes(x: __m256i) -> u8 {
        let zero = _mm256_cmpeq_epi64(x, _mm256_setzero_si256());
        !(_mm256_movemask_pd(_mm256_castsi256_pd(zero)) as u8) & 0xF
    }

    /// For each set of lanes (bit `l` for lane `l`), the shuffle of 32-bit
    /// halves that moves those lanes, in order, to the front.
    const PACK: [[u32; 8]; 16] = {
        let mut t = [[0u32; 8]; 16];
        let mut m = 0;
        while m < 16 {
            let (mut l, mut n) = (0, 0);
            while l < 4 {
                if m >> l & 1 == 1 {
                    t[m][2 * n] = 2 * l as u32;
                    t[m][2 * n + 1] = 2 * l as u32 + 1;
                    n += 1;
                }
                l += 1;
            }
            m += 1;
        }
        t
    };

    /// The group masks of the four blocks of `dc`/`sc` (digits and
    /// separators), given the four blocks before (`dp`, `sp`) and after
    /// (`dn`, `sn`): `digits::group_mask` in each lane.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn group_masks(d: (__m256i, __m256i, __m256i), s: (__m256i, __m256i, __m256i)) -> __m256i {
        group_masks_in_lanes!(d, s)
    }

    // The other lane operations, with `before` and `after`.
    lane_ops!(
        __m256i,
        "avx2",
        i32,
        _mm256_or_si256,
        _mm256_and_si256,
        _mm256_andnot_si256,
        _mm256_slli_epi64,
        _mm256_srli_epi64
    );

    /// [`super::groups`] in four lanes.
    #[target_feature(enable = "avx2,popcnt,bmi1")]
    pub(super) fn groups_avx2(
        c: &Classes,
        len: usize,
        ((near_digits, near_steps), (min_digits, far_steps)): (Threshold, Threshold),
        near: NearBlocks,
        out: &mut Vec<Group>,
    ) {
        let walk = |queue: &Queue, out: &mut Vec<Group>| walk_runs(c, len, queue, out);
        let masks = c.planes();
        let set = |x: u64| _mm256_set1_epi64x(x as i64);
        let lane = _mm256_setr_epi64x(0, 1, 2, 3);
        let load = |v: usize| (load_class(masks, v, DIGIT), load_class(masks, v, SEP));
        let zero = _mm256_setzero_si256();
        let (mut d, mut s) = ([zero; 4], [zero; 4]);
        (d[1], s[1]) = load(0);
        (d[2], s[2]) = load(1);
        (d[3], s[3]) = load(2);
        let mut g_prev = zero;
        let mut g_cur = group_masks((d[0], d[1], d[2]), (s[0], s[1], s[2]));
        let mut g_next = group_masks((d[1], d[2], d[3]), (s[1], s[2], s[3]));
        let mut queue = Queue::default();
        let step_by = |run: &mut __m256i, ahead: &mut __m256i, step: u32| {
            let (right, left) = (_mm_set_epi64x(0, i64::from(step)), _mm_set_epi64x(0, i64::from(64 - step)));
            let from_ahead = _mm256_sll_epi64(*ahead, left);
            *run = _mm256_and_si256(*run, _mm256_or_si256(_mm256_srl_epi64(*run, right), from_ahead));
            *ahead = _mm256_and_si256(*ahead, _mm256_srl_epi64(*ahead, right));
        };
        for v in 0..masks.len().div_ceil(4) {
            let cur = g_cur;
            let next = after(g_cur, g_next);
            let carry = _mm256_srli_epi64::<63>(before(g_cur, g_prev));
            // Bit i of `run`: bits i..i+need of the group mask (this
            // block's, then the next one's in `ahead`) are all set.
            let (mut run, mut ahead) = (cur, next);
            for &step in near_steps {
                step_by(&mut run, &mut ahead, step);
            }
            let near_run = run;
            for &step in far_steps {
                step_by(&mut run, &mut ahead, step);
            }
            let k0 = v * 4;
            // Four bits of one word: `k0` is a multiple of 4.
            let is_near = lane_mask(near.blocks.get(k0 / 64).map_or(0, |w| (w >> (k0 % 64)) as u8 & 0xF));
            let run = _mm256_blendv_epi8(run, near_run, is_near);
            let starts = _mm256_andnot_si256(_mm256_or_si256(_mm256_slli_epi64::<1>(cur), carry), cur);
            let bits = _mm256_and_si256(run, starts);
            let found = nonzero_lanes(bits);
            // Text without long digit runs (prose) skips the queue.
            if found != 0 {
                let need = _mm256_blendv_epi8(set(u64::from(min_digits)), set(u64::from(near_digits)), is_near);
                // SAFETY: `PACK` rows are eight indexes below 8.
                let pack = unsafe { _mm256_loadu_si256(PACK[usize::from(found)].as_ptr().cast()) };
                let at = queue.n;
                let put = |field: &mut [u64; QUEUE], x: __m256i| {
                    let packed: [u64; 4] = bytemuck::cast(_mm256_permutevar8x32_epi32(x, pack));
                    field[at..at + 4].copy_from_slice(&packed);
                };
                put(&mut queue.k, _mm256_add_epi64(set(k0 as u64), lane));
                put(&mut queue.bits, bits);
                put(&mut queue.cur, cur);
                put(&mut queue.next, next);
                put(&mut queue.digits, d[1]);
                put(&mut queue.next_digits, after(d[1], d[2]));
                put(&mut queue.need, need);
                queue.n += found.count_ones() as usize;
                // Room for the next four blocks.
                if queue.n > QUEUE - 4 {
                    walk(&queue, out);
                    queue.n = 0;
                }
            }
            // On to the next four blocks (moved by hand: `rotate_left`
            // is a call, not inlined here).
            let (dn, sn) = load(v + 3);
            d = [d[1], d[2], d[3], dn];
            s = [s[1], s[2], s[3], sn];
            (g_prev, g_cur) = (g_cur, g_next);
            g_next = group_masks((d[1], d[2], d[3]), (s[1], s[2], s[3]));
        }
        walk(&queue, out);
    }

    /// [`super::country_codes`] in four lanes: `digits::find_country_codes`'s test
    /// of each block in the lanes of four (the neighbours' bits from the
    /// lanes beside).
    #[target_feature(enable = "avx2")]
    pub(super) fn country_codes_avx2(c: &Classes, out: &mut Vec<usize>) {
        let masks = c.planes();
        let load = |v: usize| {
            let (u, d) = (load_class(masks, v, UPPER), load_class(masks, v, DIGIT));
            (u, d, or(or(u, d), load_class(masks, v, LOWER)))
        };
        let (mut cur, mut next) = (load(0), load(1));
        let mut prev_alnum = _mm256_setzero_si256();
        for v in 0..masks.len().div_ceil(4) {
            let (u, d, a) = cur;
            let hits = country_codes_in_lanes!(u, d, a, next.0, next.1, prev_alnum);
            if _mm256_testz_si256(hits, hits) == 0 {
                push_bits(&bytemuck::cast::<__m256i, [u64; 4]>(hits), v * 4, out);
            }
            prev_alnum = a;
            cur = next;
            next = load(v + 2);
        }
    }
}

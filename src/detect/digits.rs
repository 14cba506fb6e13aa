//! Digit groups: the candidate finder for rules whose values are mostly digits
//! (card numbers, national ids, phone numbers, IBANs...).
//!
//! A digit group is a maximal run of ASCII digits in which consecutive digit
//! runs are joined by one or two separator bytes from ` -./()`. So
//! `4532 0151 1283 0366` is one group of 16 digits, `(555) 123-4567` one of
//! 10, and `2024-03-01T12:00` a group of 8 (the `T` ends it). Rules declare
//! `digits = N`: every match contains a group of at least N digits, so only
//! groups that large need the rule's regex.
//!
//! The finder works on the class masks of 64-byte blocks (`classify.rs`),
//! so that text whose digit runs are all short (timestamps, ports, sizes)
//! costs a few word operations per block and no per-run work. Where the
//! processor has AVX-512 with VBMI2 and VPOPCNTDQ, `group_lanes` finds
//! the same groups eight blocks and eight runs at a time; where it has
//! AVX2, four blocks at a time.

use crate::detect::classify::Classes;
use crate::detect::group_lanes::{self, Lanes};

/// The bytes that join the digit runs of a group, in the order that rules'
/// separator bit sets use (bit `i` is `SEPARATORS[i]`).
pub const SEPARATORS: &[u8; 6] = b" -./()";

/// Whether `b` is one of the [`SEPARATORS`].
#[inline(always)]
pub fn is_separator(b: u8) -> bool {
    SEPARATOR_BITS[usize::from(b)] != 0
}

/// For each byte, its bit in a separator set (`1 << i` for
/// `SEPARATORS[i]`), 0 for a byte that is not a separator: one load tells
/// whether a byte is among a rule's separators, without a branch.
pub static SEPARATOR_BITS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < SEPARATORS.len() {
        t[SEPARATORS[i] as usize] = 1 << i;
        i += 1;
    }
    t
};

/// How many bytes of `bytes` are separators in the set `seps` (bit `i` for
/// `SEPARATORS[i]`).
#[inline]
pub fn count_separators(bytes: &[u8], seps: u8) -> u32 {
    bytes.iter().map(|&b| u32::from(SEPARATOR_BITS[usize::from(b)] & seps != 0)).sum()
}

/// One digit group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    /// Offset of the first digit.
    pub start: usize,
    /// Offset one past the last digit.
    pub end: usize,
    /// How many digits the group has.
    pub digits: u32,
    /// How many separator bytes join its digits.
    pub seps: u32,
}

/// Blocks where smaller digit groups are wanted than elsewhere (see
/// [`find_groups`]).
#[derive(Clone, Copy, Debug)]
pub struct NearBlocks<'a> {
    /// Bit `k % 64` of word `k / 64` marks block `k`; blocks past the end
    /// of the slice are not marked.
    pub blocks: &'a [u64],
    /// Fewest digits of a group starting in a marked block (at most the
    /// haystack-wide threshold).
    pub min_digits: u32,
}

impl NearBlocks<'_> {
    #[inline(always)]
    fn has(&self, k: usize) -> bool {
        self.blocks.get(k / 64).is_some_and(|w| w >> (k % 64) & 1 == 1)
    }
}

/// The shifts that AND runs of `from` consecutive bits into runs of `to`
/// (doubling, then the rest), each at most 32.
const fn run_steps(from: u32, to: u32) -> ([u32; 7], usize) {
    let (mut steps, mut n) = ([0u32; 7], 0);
    let mut have = if from == 0 { 1 } else { from };
    while have < to {
        let step = if have < to - have { have } else { to - have };
        steps[n] = step;
        n += 1;
        have += step;
    }
    (steps, n)
}

/// The thresholds (near a keyword, everywhere) of the built-in rules, for
/// which [`find_groups`] is compiled with its run steps as constants:
/// shifts by constants, unrolled, take 28% fewer instructions there than
/// steps read from a list (a test checks that the built-in rules still
/// have these thresholds).
pub(crate) const BUILT_IN_DIGITS: (u32, u32) = (6, 9);

/// Appends to `out` every digit group of the haystack (`len` bytes, with
/// class masks `c`) having at least `min_digits` digits, or at least
/// `near.min_digits` when it starts in a block of `near`: keyword windows
/// need smaller groups than digit-anchored rules, and only around their
/// keywords.
#[inline(never)]
pub fn find_groups(c: &Classes, len: usize, min_digits: u32, near: NearBlocks, out: &mut Vec<Group>) {
    find_groups_walked(c, len, min_digits, near, out, Lanes::best());
}

/// [`find_groups`], eight or four blocks at a time in vector lanes (only
/// where the processor has them: see [`Lanes::best`]), or block by block.
#[inline(always)]
fn find_groups_walked(c: &Classes, len: usize, min_digits: u32, near: NearBlocks, out: &mut Vec<Group>, lanes: Lanes) {
    let min_digits = min_digits.max(1);
    let near_digits = near.min_digits.clamp(1, min_digits);
    if lanes != Lanes::One {
        // Their shifts by a register take no longer than by constants.
        let (near_steps, n) = run_steps(1, near_digits.min(64));
        let (far_steps, f) = run_steps(near_digits.min(64), min_digits.min(64));
        let thresholds = ((near_digits, &near_steps[..n]), (min_digits, &far_steps[..f]));
        let slow = |q: &Queue, i, s, out: &mut Vec<Group>| walk_run(c, len, q, i, s, out);
        return group_lanes::groups(lanes, c, len, thresholds, near, out, slow);
    }
    if (near_digits, min_digits) == BUILT_IN_DIGITS {
        const NEAR: ([u32; 7], usize) = run_steps(1, BUILT_IN_DIGITS.0);
        const FAR: ([u32; 7], usize) = run_steps(BUILT_IN_DIGITS.0, BUILT_IN_DIGITS.1);
        return groups_with(c, len, (near_digits, &NEAR.0[..NEAR.1]), (min_digits, &FAR.0[..FAR.1]), near, out);
    }
    // Runs of the group mask long enough to hold the digits wanted: the
    // steps up to a near block's threshold, then on to the others'.
    let (near_steps, n) = run_steps(1, near_digits.min(64));
    let (far_steps, f) = run_steps(near_digits.min(64), min_digits.min(64));
    groups_with(c, len, (near_digits, &near_steps[..n]), (min_digits, &far_steps[..f]), near, out);
}

/// [`find_groups`] with its thresholds and the run steps that reach them
/// (up to the near blocks' threshold, then on to the others').
#[inline(always)]
fn groups_with(
    c: &Classes,
    len: usize,
    (near_digits, near_steps): (u32, &[u32]),
    (min_digits, far_steps): (u32, &[u32]),
    near: NearBlocks,
    out: &mut Vec<Group>,
) {
    let blocks = c.blocks();
    let d = |k: usize| if k < blocks { c.digit(k) } else { 0 };
    let mut carry = 0u64; // the group mask's last bit in the previous block
    let mut cur = group_mask(c, 0);
    // The blocks where long enough runs start, walked to their ends a
    // batch at a time (see `Queue`); a batch is walked as soon as it is
    // full, so an entry is always free for the next block.
    let mut queue = Queue::default();
    for k in 0..blocks {
        let next = group_mask(c, k + 1);
        if cur == 0 {
            carry = 0;
            cur = next;
            continue;
        }
        // Bit i of `run`: bits i..i+need of the group mask (this block's,
        // then the next one's in `ahead`) are all set.
        let (mut run, mut ahead) = (cur, next);
        for &step in near_steps {
            run &= (run >> step) | (ahead << (64 - step));
            ahead &= ahead >> step;
        }
        // Both thresholds' runs, then one picked without a branch: near
        // blocks come and go with keyword hits.
        let near_run = run;
        for &step in far_steps {
            run &= (run >> step) | (ahead << (64 - step));
            ahead &= ahead >> step;
        }
        let is_near = near.has(k);
        let run = if is_near { near_run } else { run };
        let need = if is_near { near_digits } else { min_digits };
        let starts = cur & !((cur << 1) | carry);
        let bits = run & starts;
        // Queued without a branch on whether any run starts here: in logs
        // and JSON Lines about every other block has one (a date's ten
        // bytes are walked, then dropped with their eight digits), in no
        // order a branch predictor follows.
        let i = queue.n;
        (queue.k[i], queue.bits[i], queue.cur[i], queue.next[i]) = (k as u64, bits, cur, next);
        (queue.digits[i], queue.next_digits[i], queue.need[i]) = (d(k), d(k + 1), u64::from(need));
        queue.n += usize::from(bits != 0);
        if queue.n == QUEUE {
            walk_runs(c, len, &queue, out);
            queue.n = 0;
        }
        carry = cur >> 63;
        cur = next;
    }
    walk_runs(c, len, &queue, out);
}

/// Blocks [`groups_with`] queues before walking their runs: the walks
/// take the same time in batches of 16 or 64, and a queue of 16 is less
/// to set up for each of many small files.
pub(crate) const QUEUE: usize = 16;

/// The blocks of [`groups_with`] where runs long enough for its threshold
/// start, one entry per array: the block, those starts, its group and
/// digit masks and the next block's, and the digits a group starting
/// there needs. Arrays, so that the vector walk reads eight entries' fields
/// into the lanes of one register.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Queue {
    /// The block.
    pub(crate) k: [u64; QUEUE],
    /// Bit `s`: a long enough run starts at offset `s` of the block.
    pub(crate) bits: [u64; QUEUE],
    /// The block's group mask.
    pub(crate) cur: [u64; QUEUE],
    /// The next block's group mask (0 past the last block).
    pub(crate) next: [u64; QUEUE],
    /// The block's digits.
    pub(crate) digits: [u64; QUEUE],
    /// The next block's digits (0 past the last block).
    pub(crate) next_digits: [u64; QUEUE],
    /// The digits a group starting in the block needs.
    pub(crate) need: [u64; QUEUE],
    /// How many entries are queued.
    pub(crate) n: usize,
}

/// Walks each queued run to its end, across blocks, counting digits, and
/// appends the groups with enough digits to `out`.
#[inline(always)]
pub(crate) fn walk_runs(c: &Classes, len: usize, queue: &Queue, out: &mut Vec<Group>) {
    for i in 0..queue.n {
        let mut bits = queue.bits[i];
        while bits != 0 {
            let s = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            walk_run(c, len, queue, i, s, out);
        }
    }
}

/// Walks the run starting at offset `s` of queued block `i` to its end,
/// and appends its group to `out` when it has enough digits.
#[inline(always)]
fn walk_run(c: &Classes, len: usize, queue: &Queue, i: usize, s: usize, out: &mut Vec<Group>) {
    let blocks = c.blocks();
    let first = queue.k[i] as usize;
    let (mut kk, mut from, mut digits, mut seps) = (first, s, 0u32, 0u32);
    let (mut mask, mut dig_mask) = (queue.cur[i], queue.digits[i]);
    let end = loop {
        let ones = (mask >> from).trailing_ones() as usize;
        let span = if ones >= 64 { u64::MAX } else { (1u64 << ones) - 1 };
        let dig = ((dig_mask >> from) & span).count_ones();
        digits += dig;
        seps += ones as u32 - dig;
        if from + ones < 64 || kk + 1 == blocks {
            break kk * 64 + from + ones;
        }
        kk += 1;
        from = 0;
        (mask, dig_mask) =
            if kk == first + 1 { (queue.next[i], queue.next_digits[i]) } else { (group_mask(c, kk), c.digit(kk)) };
    };
    // Runs long enough in bytes but short of digits (dates,
    // addresses) come and go unpredictably.
    let keep = u64::from(digits) >= queue.need[i];
    push_if(out, Group { start: first * 64 + s, end: end.min(len), digits, seps }, keep);
}

/// Appends `item` to `v` when `keep`, without a branch on `keep`: for
/// filters whose outcome follows no pattern, where a mispredicted branch
/// costs more than writing the item and taking it back.
#[inline(always)]
pub(crate) fn push_if<T: Copy>(v: &mut Vec<T>, item: T, keep: bool) {
    v.push(item);
    v.truncate(v.len() - usize::from(!keep));
}

/// Block `k`'s group mask (0 past the last block): digits, plus
/// separators bridging digits (one, or two in a row). Computed as the scan
/// reaches each block, not kept.
#[inline(always)]
fn group_mask(c: &Classes, k: usize) -> u64 {
    let blocks = c.blocks();
    if k >= blocks {
        return 0;
    }
    let d = |k: usize| if k < blocks { c.digit(k) } else { 0 };
    let sp = |k: usize| if k < blocks { c.sep(k) } else { 0 };
    let (dp, dc, dn) = (if k > 0 { d(k - 1) } else { 0 }, d(k), d(k + 1));
    let (sp, sc, sn) = (if k > 0 { sp(k - 1) } else { 0 }, sp(k), sp(k + 1));
    let d_l1 = (dc << 1) | (dp >> 63); // digit at i-1
    let d_l2 = (dc << 2) | (dp >> 62); // digit at i-2
    let d_r1 = (dc >> 1) | (dn << 63); // digit at i+1
    let d_r2 = (dc >> 2) | (dn << 62); // digit at i+2
    let s_l1 = (sc << 1) | (sp >> 63);
    let s_r1 = (sc >> 1) | (sn << 63);
    let one = sc & d_l1 & d_r1;
    let first_of_two = sc & s_r1 & d_l1 & d_r2;
    let second_of_two = sc & s_l1 & d_l2 & d_r1;
    dc | one | first_of_two | second_of_two
}

/// Appends to `out` the offset of every place where two upper-case ASCII
/// letters are followed by two digits and preceded by a byte that is not a
/// letter or digit (or nothing): the start of an IBAN-shaped value.
#[inline(never)]
pub fn find_country_codes(c: &Classes, out: &mut Vec<usize>) {
    match Lanes::best() {
        Lanes::One => country_codes_by_block(c, out),
        lanes => group_lanes::country_codes(lanes, c, out),
    }
}

/// [`find_country_codes`] block by block.
fn country_codes_by_block(c: &Classes, out: &mut Vec<usize>) {
    let blocks = c.blocks();
    let mut prev_alnum = 0u64;
    for k in 0..blocks {
        let (u, d, a) = (c.upper(k), c.digit(k), c.alnum(k));
        let (nu, nd) = if k + 1 < blocks { (c.upper(k + 1), c.digit(k + 1)) } else { (0, 0) };
        let u1 = (u >> 1) | (nu << 63);
        let d2 = (d >> 2) | (nd << 62);
        let d3 = (d >> 3) | (nd << 61);
        let before = (a << 1) | prev_alnum;
        let mut hits = u & u1 & d2 & d3 & !before;
        while hits != 0 {
            let i = hits.trailing_zeros() as usize;
            hits &= hits - 1;
            out.push(k * 64 + i);
        }
        prev_alnum = a >> 63;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::XorShift;

    fn find(hay: &[u8], min: u32) -> Vec<Group> {
        let mut c = Classes::default();
        c.compute(hay);
        let mut out = Vec::new();
        find_groups(&c, hay.len(), min, NearBlocks { blocks: &[], min_digits: min }, &mut out);
        out
    }

    fn groups(hay: &str, min: u32) -> Vec<(String, u32)> {
        find(hay.as_bytes(), min).into_iter().map(|g| (hay[g.start..g.end].to_string(), g.digits)).collect()
    }

    /// A straightforward byte-at-a-time reference.
    fn reference(hay: &[u8], min: u32) -> Vec<Group> {
        let sep = is_separator;
        let mut out = Vec::new();
        let mut i = 0;
        while i < hay.len() {
            if !hay[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            let mut digits = 0;
            let end = loop {
                while i < hay.len() && hay[i].is_ascii_digit() {
                    i += 1;
                    digits += 1;
                }
                let run_end = i;
                if i + 1 < hay.len() && sep(hay[i]) && hay[i + 1].is_ascii_digit() {
                    i += 1;
                    continue;
                }
                if i + 2 < hay.len() && sep(hay[i]) && sep(hay[i + 1]) && hay[i + 2].is_ascii_digit() {
                    i += 2;
                    continue;
                }
                break run_end;
            };
            if digits >= min {
                let seps = (end - start) as u32 - digits;
                out.push(Group { start, end, digits, seps });
            }
            i = end;
        }
        out
    }

    #[test]
    fn group_table() {
        type Case<'a> = (&'a str, u32, &'a [(&'a str, u32)]);
        let cases: &[Case] = &[
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
            ("123-45-6789 and 12345678", 9, &[("123-45-6789", 9)]),
        ];
        for &(hay, min, want) in cases {
            let want: Vec<(String, u32)> = want.iter().map(|&(s, d)| (s.to_string(), d)).collect();
            assert_eq!(groups(hay, min), want, "hay: {hay:?}");
        }
    }

    #[test]
    fn matches_reference_across_block_boundaries() {
        // Deterministic pseudo-random text heavy in digits and separators.
        let alphabet = b"0123456789012345678901234567890123456789 -./()abcXYZ,:";
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        let hay: Vec<u8> = (0..20_000).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        // Every threshold up to past 64, so that every split of the run
        // test into shifts (1, 2, 4... then the rest) is taken.
        for min in 1..=70 {
            for len in [0, 1, 63, 64, 65, 127, 128, 129, 1000, hay.len()] {
                let h = &hay[..len];
                assert_eq!(find(h, min), reference(h, min), "min {min}, len {len}");
            }
        }
    }

    /// With near blocks, a group is found when it has `min` digits, or
    /// `near_min` and starts in a marked block.
    #[test]
    fn near_blocks_lower_the_threshold_where_marked() {
        let alphabet = b"0123456789012345678901234567890123456789 -./()abcXYZ,:";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let hay: Vec<u8> = (0..9_000).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        let mut c = Classes::default();
        c.compute(&hay);
        let blocks = c.blocks();
        for round in 0..40 {
            // Random marks, sometimes none or every block; a slice shorter
            // than the haystack's blocks leaves the rest unmarked.
            let words = match round % 4 {
                0 => 0,
                1 => blocks.div_ceil(64),
                _ => 1 + rng.below(blocks.div_ceil(64)),
            };
            let marks: Vec<u64> = (0..words).map(|_| if round == 1 { u64::MAX } else { rng.next_u64() }).collect();
            let marked = |k: usize| marks.get(k / 64).is_some_and(|w| w >> (k % 64) & 1 == 1);
            for (near_min, min) in [(1, 1), (3, 9), (6, 9), (5, 13), (1, 64), (9, 70), (40, 66), (9, 9)] {
                let mut got = Vec::new();
                find_groups(&c, hay.len(), min, NearBlocks { blocks: &marks, min_digits: near_min }, &mut got);
                let want: Vec<Group> =
                    reference(&hay, near_min).into_iter().filter(|g| g.digits >= min || marked(g.start / 64)).collect();
                assert_eq!(got, want, "round {round}, near {near_min}, min {min}");
            }
        }
    }

    /// The lane counts this processor has, besides one block at a time.
    fn lanes_here() -> Vec<Lanes> {
        let mut here = Vec::new();
        if group_lanes::available() {
            here.push(Lanes::Eight);
        } else {
            eprintln!("no AVX-512 VBMI2 and VPOPCNTDQ here: eight lanes not tested");
        }
        if group_lanes::available_four() {
            here.push(Lanes::Four);
        } else {
            eprintln!("no AVX2 here: four lanes not tested");
        }
        here
    }

    /// Groups found eight or four blocks at a time in vector lanes (where
    /// the processor can) are those the block-by-block walk gives, in the
    /// same order: runs within a block, into the next, and past it (left
    /// to the one-by-one walk), near marked blocks and elsewhere.
    #[test]
    fn runs_walked_in_lanes_as_one_by_one() {
        let alphabet = b"0123456789012345678901234567890123456789 -./()abcXYZ,:";
        let mut rng = XorShift(0xD1B5_4A32_D192_ED03);
        let mut hay: Vec<u8> = Vec::new();
        while hay.len() < 30_000 {
            // Mostly short random text, at times a run of 60 to 300
            // digits and separators (reaching one, two or more blocks on).
            if rng.below(8) == 0 {
                let n = 60 + rng.below(240);
                hay.extend((0..n).map(|i| if i % 5 == 4 && rng.below(2) == 0 { b' ' } else { b'7' }));
            } else {
                hay.extend((0..rng.below(200)).map(|_| alphabet[rng.below(alphabet.len())]));
            }
        }
        let mut c = Classes::default();
        let marks: Vec<u64> = (0..hay.len().div_ceil(64 * 64)).map(|_| rng.next_u64()).collect();
        for len in [0, 1, 64, 127, 128, 1000, 4097, hay.len()] {
            let h = &hay[..len];
            c.compute(h);
            for (near_min, min) in [(1, 1), (6, 9), (3, 9), (9, 9), (9, 70), (40, 66)] {
                let near = NearBlocks { blocks: &marks, min_digits: near_min };
                let mut one_by_one = Vec::new();
                find_groups_walked(&c, len, min, near, &mut one_by_one, Lanes::One);
                let marked = |k: usize| marks.get(k / 64).is_some_and(|w| w >> (k % 64) & 1 == 1);
                let want: Vec<Group> =
                    reference(h, near_min).into_iter().filter(|g| g.digits >= min || marked(g.start / 64)).collect();
                assert_eq!(one_by_one, want, "len {len}, near {near_min}, min {min}");
                for &n in &lanes_here() {
                    let mut lanes = Vec::new();
                    find_groups_walked(&c, len, min, near, &mut lanes, n);
                    assert_eq!(lanes, one_by_one, "{n:?}: len {len}, near {near_min}, min {min}");
                }
            }
        }
    }

    /// Country codes found eight or four blocks at a time (where the
    /// processor can) are those found block by block, in the same order:
    /// at block edges, in the last block, and in haystacks of every length
    /// class.
    #[test]
    fn country_codes_in_lanes_as_by_block() {
        let alphabet = b"0123456789DEGBFRxy ,-";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let hay: Vec<u8> = (0..40_000).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        let mut c = Classes::default();
        for len in [0, 3, 4, 63, 64, 65, 511, 512, 513, 1000, 4097, hay.len()] {
            c.compute(&hay[..len]);
            let mut by_block = Vec::new();
            country_codes_by_block(&c, &mut by_block);
            if len == hay.len() {
                assert!(by_block.len() > 40, "the text holds codes: {}", by_block.len());
            }
            for n in lanes_here() {
                let mut lanes = Vec::new();
                group_lanes::country_codes(n, &c, &mut lanes);
                assert_eq!(lanes, by_block, "{n:?}: len {len}");
            }
        }
    }

    #[test]
    fn country_codes() {
        let find = |h: &str| {
            let mut c = Classes::default();
            c.compute(h.as_bytes());
            let mut out = Vec::new();
            find_country_codes(&c, &mut out);
            out
        };
        assert_eq!(find("iban DE89 3704 and GB82WEST, xDE12, DE1, De12"), vec![5, 19]);
        let long = format!("{}GB82 WEST", "x".repeat(62) + " ");
        assert_eq!(find(&long), vec![63]);
        let edge = format!("{}GB82", "y".repeat(62) + " ");
        assert_eq!(find(&edge), vec![63]);
        assert_eq!(find("GB"), Vec::<usize>::new());
    }

    #[test]
    fn separator_bits_follow_the_separator_order() {
        for b in 0..=255u8 {
            let bit = SEPARATOR_BITS[usize::from(b)];
            match SEPARATORS.iter().position(|&s| s == b) {
                Some(i) => assert_eq!(bit, 1 << i, "{:?}", b as char),
                None => assert_eq!(bit, 0, "{b:#x}"),
            }
            assert_eq!(is_separator(b), matches!(b, b' ' | b'-' | b'.' | b'/' | b'(' | b')'), "{b:#x}");
        }
        let text = b"(555) 123-4567 / 1.2";
        assert_eq!(count_separators(text, 0x3F), 8);
        assert_eq!(count_separators(text, 0b10), 1, "the dash alone");
        assert_eq!(count_separators(text, 0b1 | 0b1000), 4, "spaces and the slash");
        assert_eq!(count_separators(text, 0b11_0000), 2, "the parentheses");
        assert_eq!(count_separators(b"", 0x3F), 0);
    }

    #[test]
    fn runs_spanning_many_blocks() {
        let hay = "1 ".repeat(200) + "x";
        let g = groups(&hay, 9);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].1, 200);
        // A run over three blocks and more, ending at every offset of its last one.
        for n in 129..=300 {
            let hay = format!("x{}y 12", "1".repeat(n));
            assert_eq!(groups(&hay, 9), vec![("1".repeat(n), n as u32)], "{n} digits");
        }
    }
}

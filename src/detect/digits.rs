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
//! The finder works on bit masks of 64-byte blocks (one bit per byte: digit,
//! separator), so that text whose digit runs are all short (timestamps,
//! ports, sizes) costs a few word operations per block and no per-run work.

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

/// Working memory for [`find_groups`].
#[derive(Clone, Debug, Default)]
pub struct Masks {
    digit: Vec<u64>,
    sep: Vec<u64>,
    group: Vec<u64>,
}

/// Converts 64 flag bytes (0 or 1) to a bit mask.
#[inline(always)]
fn pack(flags: &[u8; 64]) -> u64 {
    let mut m = 0u64;
    for (j, chunk) in flags.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(chunk.try_into().expect("chunks of 8"));
        m |= (x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (j * 8);
    }
    m
}

/// Digit and separator masks of one 64-byte block.
#[inline(always)]
fn block_masks(block: &[u8; 64]) -> (u64, u64) {
    let mut d = [0u8; 64];
    let mut s = [0u8; 64];
    for i in 0..64 {
        let b = block[i];
        d[i] = (b.wrapping_sub(b'0') < 10) as u8;
        s[i] = (b == b' ' || b == b'-' || b == b'.' || b == b'/' || b == b'(' || b == b')') as u8;
    }
    (pack(&d), pack(&s))
}

/// Appends to `out` every digit group of `hay` with at least `min_digits` digits.
pub fn find_groups(hay: &[u8], min_digits: u32, masks: &mut Masks, out: &mut Vec<Group>) {
    let min_digits = min_digits.max(1);
    let blocks = hay.len().div_ceil(64);
    masks.digit.clear();
    masks.sep.clear();
    masks.group.clear();
    // Pass 1: digit and separator masks.
    let mut chunks = hay.chunks_exact(64);
    for block in chunks.by_ref() {
        let (d, s) = block_masks(block.try_into().expect("64 bytes"));
        masks.digit.push(d);
        masks.sep.push(s);
    }
    if !chunks.remainder().is_empty() {
        let mut tail = [0u8; 64];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        let (d, s) = block_masks(&tail);
        masks.digit.push(d);
        masks.sep.push(s);
    }
    let seps = &masks.sep;
    // Pass 2: group masks, where separators bridging digits are set too.
    let d = &masks.digit;
    let at = |v: &Vec<u64>, k: usize| if k < v.len() { v[k] } else { 0 };
    for k in 0..blocks {
        let (dp, dc, dn) = (if k > 0 { d[k - 1] } else { 0 }, d[k], at(d, k + 1));
        let (sp, sc, sn) = (if k > 0 { seps[k - 1] } else { 0 }, seps[k], at(seps, k + 1));
        let d_l1 = (dc << 1) | (dp >> 63); // digit at i-1
        let d_l2 = (dc << 2) | (dp >> 62); // digit at i-2
        let d_r1 = (dc >> 1) | (dn << 63); // digit at i+1
        let d_r2 = (dc >> 2) | (dn << 62); // digit at i+2
        let s_l1 = (sc << 1) | (sp >> 63);
        let s_r1 = (sc >> 1) | (sn << 63);
        let one = sc & d_l1 & d_r1;
        let first_of_two = sc & s_r1 & d_l1 & d_r2;
        let second_of_two = sc & s_l1 & d_l2 & d_r1;
        masks.group.push(dc | one | first_of_two | second_of_two);
    }
    let g = &masks.group;
    // Pass 3: runs of the group mask long enough to hold `min_digits` digits.
    let need = min_digits.min(64);
    let mut k = 0;
    let mut carry = 0u64; // bit 0: the group mask's last bit of the previous block
    while k < blocks {
        let cur = g[k];
        if cur == 0 {
            carry = 0;
            k += 1;
            continue;
        }
        let next = at(g, k + 1);
        // Bit i of `long`: bits i..i+need of the group mask are all set.
        let wide = (cur as u128) | ((next as u128) << 64);
        let mut run = wide;
        let mut have = 1u32;
        while have < need {
            let step = have.min(need - have);
            run &= run >> step;
            have += step;
        }
        let starts = cur & !((cur << 1) | carry);
        let long = (run as u64) & starts;
        carry = cur >> 63;
        let mut bits = long;
        while bits != 0 {
            let s = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let start = k * 64 + s;
            // Walk the run to its end, across blocks.
            let mut kk = k;
            let mut from = s;
            let mut digits = 0u32;
            let end = loop {
                let word = g[kk] >> from;
                let ones = word.trailing_ones() as usize;
                let span = if ones == 0 {
                    0
                } else if ones >= 64 {
                    u64::MAX
                } else {
                    (1u64 << ones) - 1
                };
                digits += ((d[kk] >> from) & span).count_ones();
                if from + ones < 64 || kk + 1 == blocks {
                    break kk * 64 + from + ones;
                }
                kk += 1;
                from = 0;
            };
            if digits >= min_digits {
                out.push(Group { start, end: end.min(hay.len()), digits });
            }
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(hay: &str, min: u32) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        find_groups(hay.as_bytes(), min, &mut Masks::default(), &mut out);
        out.into_iter().map(|g| (hay[g.start..g.end].to_string(), g.digits)).collect()
    }

    /// A straightforward byte-at-a-time reference.
    pub(super) fn reference_pub(hay: &[u8], min: u32) -> Vec<Group> {
        reference(hay, min)
    }

    fn reference(hay: &[u8], min: u32) -> Vec<Group> {
        let sep = |b: u8| matches!(b, b' ' | b'-' | b'.' | b'/' | b'(' | b')');
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
                out.push(Group { start, end, digits });
            }
            i = end;
        }
        out
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
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut hay = Vec::new();
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            hay.push(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        for min in [1, 4, 9, 13, 20, 70] {
            for len in [0, 1, 63, 64, 65, 127, 128, 129, 1000, hay.len()] {
                let h = &hay[..len];
                let mut got = Vec::new();
                find_groups(h, min, &mut Masks::default(), &mut got);
                assert_eq!(got, reference(h, min), "min {min}, len {len}");
            }
        }
    }

    #[test]
    fn runs_spanning_many_blocks() {
        let hay = "1 ".repeat(200) + "x";
        let g = groups(&hay, 9);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].1, 200);
    }
}
#[cfg(test)]
mod tmp_probe {
    #[test]
    fn probe_file() {
        let Ok(hay) = std::fs::read("/tmp/s5.log") else { return };
        let mut got = Vec::new();
        super::find_groups(&hay, 9, &mut super::Masks::default(), &mut got);
        let want = super::tests::reference_pub(&hay, 9);
        eprintln!("got {} want {}", got.len(), want.len());
        for (a, b) in got.iter().zip(want.iter()) {
            if a != b {
                eprintln!(
                    "first diff: {:?} {:?} {:?} {:?}",
                    a,
                    b,
                    String::from_utf8_lossy(&hay[a.start..a.end]),
                    String::from_utf8_lossy(&hay[b.start..b.end])
                );
                break;
            }
        }
        assert_eq!(got.len(), want.len());
    }
}

//! The keyword walk's word lookups, eight word starts at a time in the
//! lanes of a vector register where the processor has AVX-512.
//!
//! Of the word starts the trigram filter passes (see `keywords`), nine in
//! ten start no keyword nor literal: `api` of `/api/v1` shares its first
//! word with `api key`, `HTTP` its trigram with `https://hooks.slack.com/`.
//! Two hashed bit sets tell them apart: one of every keyword form's head
//! (its first word's first 8 bytes and length, and the two bytes of its
//! second word), one of every literal's first three bytes. Looked up one
//! start at a time, these were about 13% of a web log's scan. Here eight
//! starts are read, hashed and looked up at once (`gather` loads), and
//! only the starts left are compared with their forms and literals, one by
//! one, in order.

/// Up to eight word starts of one haystack, queued for [`judge`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Batch {
    /// Each start's offset in the haystack.
    pub(crate) pos: [u64; 8],
    /// The length of the word at each start.
    pub(crate) len: [u64; 8],
    /// Bit `j`: start `j` follows a non-ASCII byte (only literals may start
    /// there, see `KeywordSet::for_each_range`).
    pub(crate) high: u8,
    /// How many starts are queued.
    pub(crate) n: usize,
}

impl Batch {
    /// Queues the start at `pos`, of a word of `len` bytes (`high`: after a
    /// non-ASCII byte); the caller judges the batch once it is full.
    #[inline(always)]
    pub(crate) fn push(&mut self, pos: usize, len: usize, high: bool) {
        debug_assert!(self.n < 8, "a full batch is judged before the next push");
        let j = self.n & 7;
        self.pos[j] = pos as u64;
        self.len[j] = len as u64;
        self.high = self.high & !(1 << j) | u8::from(high) << j;
        self.n = j + 1;
    }

    /// Whether eight starts are queued.
    #[inline(always)]
    pub(crate) fn is_full(&self) -> bool {
        self.n == 8
    }
}

/// The tables [`judge`] looks starts up in, and how it hashes into them:
/// `keywords::head_hash` and `keywords::literal_key`, which a test checks
/// it agrees with.
pub(crate) struct Tables<'a> {
    /// Bits of every form's head hash.
    pub(crate) heads: &'a [u64; 512],
    /// Bits of every literal's key.
    pub(crate) literal_keys: &'a [u64; 512],
}

/// Whether this processor judges batches with [`judge`] (AVX-512F, BW and
/// DQ: 64-bit multiplies and gathers in eight lanes).
#[inline]
pub(crate) fn has_batched_lookups() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512bw") && is_x86_feature_detected!("avx512dq")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// For the starts of `batch` in `hay`: bit `j` of the first mask is set
/// when start `j`'s word may begin a keyword form (its head hash, with no
/// second word or with the two bytes after the byte that ends it, is in
/// `tables.heads`; never for starts after a non-ASCII byte), of the second
/// when a literal may start there (its key is in `tables.literal_keys`;
/// always after a non-ASCII byte). A start too near the end of `hay` to
/// read 8 bytes at it, or at the byte after its word, passes both: the
/// caller's compares decide. Only where [`has_batched_lookups`].
#[allow(unsafe_code)]
pub(crate) fn judge(hay: &[u8], batch: &Batch, tables: &Tables) -> (u8, u8) {
    #[cfg(target_arch = "x86_64")]
    {
        assert!(has_batched_lookups(), "batched lookups need AVX-512F, BW and DQ");
        debug_assert!(batch.pos[..batch.n].iter().all(|&p| (p as usize) < hay.len()));
        // SAFETY: the processor has the features (asserted above), and the
        // kernel reads `hay` only at offsets it checked against its length.
        unsafe { x86::judge_avx512(hay, batch, tables) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (hay, batch, tables);
        unreachable!("batched lookups need AVX-512")
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Batch, Tables};
    use crate::detect::keywords::{HEAD_MULTIPLIER, HEAD_SHIFT, LITERAL_MULTIPLIER, LITERAL_SHIFT};

    /// [`super::judge`]: each lane reads its start's 8 bytes and the 8
    /// from the byte after its word with a masked gather, normalizes the
    /// two bytes of the next word, computes the two head hashes and the
    /// literal key, and tests their bits with three more gathers.
    #[target_feature(enable = "avx512f,avx512bw,avx512dq")]
    pub(super) fn judge_avx512(hay: &[u8], batch: &Batch, tables: &Tables) -> (u8, u8) {
        let lanes: __mmask8 = ((1u16 << batch.n) - 1) as u8;
        let set = |x: u64| _mm512_set1_epi64(x as i64);
        let len_of_hay = set(hay.len() as u64);
        let pos: __m512i = bytemuck::cast(batch.pos);
        let len: __m512i = bytemuck::cast(batch.len);
        let base = hay.as_ptr().cast::<i64>();
        // The start's 8 bytes, where they are all in `hay`.
        let head_in = _mm512_mask_cmple_epu64_mask(lanes, _mm512_add_epi64(pos, set(8)), len_of_hay);
        // SAFETY: only lanes whose 8 bytes lie in `hay` are read.
        let raw = unsafe { _mm512_mask_i64gather_epi64::<1>(_mm512_setzero_si512(), head_in, pos, base) };
        // `keywords::word_head`: `| 0x20` on each byte, the bytes past the
        // word cleared (a shift by 64 or more gives 0: all 8 kept).
        let kept = _mm512_andnot_si512(_mm512_sllv_epi64(set(u64::MAX), _mm512_slli_epi64::<3>(len)), set(u64::MAX));
        let head = _mm512_and_si512(_mm512_or_si512(raw, set(0x2020_2020_2020_2020)), kept);
        // The byte after the one that ends the word, and the next: the
        // second word's key (`keywords::next_word_key`), 0 when there is no
        // such byte, a space for a missing second one.
        let after = _mm512_add_epi64(pos, _mm512_add_epi64(len, set(1)));
        let has_next = _mm512_mask_cmplt_epu64_mask(lanes, after, len_of_hay);
        let next_in = _mm512_mask_cmple_epu64_mask(has_next, _mm512_add_epi64(after, set(8)), len_of_hay);
        // SAFETY: only lanes whose 8 bytes lie in `hay` are read.
        let next_raw = unsafe { _mm512_mask_i64gather_epi64::<1>(_mm512_setzero_si512(), next_in, after, base) };
        let next_key = _mm512_maskz_and_epi64(next_in, normalized(next_raw), set(0xffff));
        // Lanes whose next bytes are there but could not be read in 8.
        let unsure_next = has_next & !next_in;
        // `keywords::head_hash` without and with the second word's key.
        let hash = |extra: __m512i| {
            let x = _mm512_mullo_epi64(_mm512_xor_si512(head, _mm512_ror_epi64::<24>(extra)), set(HEAD_MULTIPLIER));
            _mm512_srli_epi64::<HEAD_SHIFT>(x)
        };
        let with_len = _mm512_slli_epi64::<16>(len);
        let one = hash(with_len);
        let two = hash(_mm512_or_si512(with_len, next_key));
        let heads = tables.heads.as_ptr().cast::<i64>();
        let literal_keys = tables.literal_keys.as_ptr().cast::<i64>();
        let has_bit = |table: *const i64, bit: __m512i, k: __mmask8| {
            // SAFETY: `bit` is under 2^15 (a 64-bit value shifted right by
            // at least 49), the table has 2^15 bits.
            let words = unsafe { _mm512_mask_i64gather_epi64::<8>(set(0), k, _mm512_srli_epi64::<6>(bit), table) };
            _mm512_mask_test_epi64_mask(k, _mm512_srlv_epi64(words, _mm512_and_si512(bit, set(63))), set(1))
        };
        let head_hit = has_bit(heads, one, head_in) | has_bit(heads, two, head_in);
        let head_pass = (head_hit | (lanes & !head_in) | (head_in & unsure_next)) & !batch.high;
        // `keywords::literal_key`: the first three bytes as they are, in a
        // 32-bit multiply.
        let key_word = _mm512_and_si512(raw, set(0xff_ffff));
        let key = _mm512_srli_epi64::<LITERAL_SHIFT>(_mm512_and_si512(
            _mm512_mullo_epi64(key_word, set(u64::from(LITERAL_MULTIPLIER))),
            set(0xffff_ffff),
        ));
        let key_pass = has_bit(literal_keys, key, head_in) | (lanes & !head_in) | (lanes & batch.high);
        (head_pass & lanes, key_pass & lanes)
    }

    /// `keywords::norm_byte` of every byte: ASCII letters lowercased,
    /// digits and non-ASCII bytes kept, every other byte a space.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn normalized(x: __m512i) -> __m512i {
        let set = |b: u8| _mm512_set1_epi8(b as i8);
        let lower = _mm512_or_si512(x, set(0x20));
        let letter = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(lower, set(b'a')), set(26));
        let digit = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(x, set(b'0')), set(10));
        let kept = digit | _mm512_movepi8_mask(x);
        _mm512_mask_mov_epi8(_mm512_mask_mov_epi8(set(b' '), kept, x), letter, lower)
    }
}

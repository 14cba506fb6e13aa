//! Quiet word starts: offsets of a span of data at which the keyword walks
//! need not look, because the bytes around them are known to start no
//! keyword nor literal.
//!
//! The lines of a JSON Lines file repeat the keys of one record
//! (`{"ts":`, `,"trace_id":`, `,"user_id":`...), and in such files most of
//! the word starts that reach the keyword lookups are in those keys (72% on
//! the benchmark's files): `id`, `user`, `trace` and `latency` begin
//! keywords or share a keyword's trigram, and are looked up on every line.
//! A record's shape (`extract::json_shape`) knows where its keys are on
//! each line it checks, and which of their word starts can start nothing
//! whatever comes before or after them (`Scanner::quiet_starts`); it marks
//! them here, and the text pass over the block hands them to the engine,
//! which takes them out of the walks' word starts.

/// Marked offsets from `base` on, one bit each.
#[derive(Clone, Debug, Default)]
pub(crate) struct QuietStarts {
    base: u64,
    words: Vec<u64>,
}

impl QuietStarts {
    /// Forgets every mark; offsets from `base` on can be marked.
    pub fn reset(&mut self, base: u64) {
        self.base = base;
        self.words.clear();
    }

    /// Marks offset `at + i` for every bit `i` of `mask` (none below the base).
    #[inline(always)]
    pub fn mark(&mut self, at: u64, mask: u64) {
        let rel = at.wrapping_sub(self.base);
        let (w, shift) = ((rel / 64) as usize, rel % 64);
        match self.words.get_mut(w..).and_then(|s| s.first_chunk_mut::<2>()) {
            Some([low, high]) => {
                *low |= mask << shift;
                // The bits shifted out of the first word (none when `shift` is 0).
                *high |= (mask >> 1) >> (63 - shift);
            }
            None => self.mark_further(at, mask),
        }
    }

    /// [`QuietStarts::mark`] past the words there are: grows them first.
    #[cold]
    fn mark_further(&mut self, at: u64, mask: u64) {
        let Some(rel) = at.checked_sub(self.base) else { return };
        self.words.resize((rel / 64) as usize + 2 + 1024, 0);
        self.mark(at, mask);
    }

    /// The marks of the 64 offsets from `at` (bit `i` for `at + i`); any
    /// offset, those outside what was marked reading as unmarked.
    pub fn bits(&self, at: u64) -> u64 {
        let rel = at.wrapping_sub(self.base) as i64;
        let (w, shift) = (rel.div_euclid(64), rel.rem_euclid(64) as u32);
        let word = |i: i64| usize::try_from(i).ok().and_then(|i| self.words.get(i)).copied().unwrap_or(0);
        let high = if shift == 0 { 0 } else { word(w + 1) << (64 - shift) };
        word(w) >> shift | high
    }

    /// Writes into `out` the marks of `n` blocks of 64 offsets from `at`
    /// ([`QuietStarts::bits`] of `at`, `at + 64`...).
    pub fn blocks_into(&self, at: u64, n: usize, out: &mut Vec<u64>) {
        out.clear();
        // The blocks that start before the base (the context before a block of lines).
        let before = self.base.saturating_sub(at).div_ceil(64).min(n as u64);
        out.extend((0..before).map(|k| self.bits(at + 64 * k)));
        if out.len() < n {
            let from = at + 64 * before - self.base;
            let (shift, words) = (from % 64, self.words.get((from / 64) as usize..).unwrap_or(&[]));
            let m = (n - out.len()).min(words.len());
            out.extend((0..m).map(|i| {
                let high = words.get(i + 1).copied().unwrap_or(0);
                if shift == 0 { words[i] } else { words[i] >> shift | high << (64 - shift) }
            }));
        }
        out.resize(n, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_read_back_at_any_offset() {
        let mut q = QuietStarts::default();
        q.reset(1000);
        let marks = [(1000u64, 0b1011u64), (1061, u64::MAX), (1200, 1 << 63), (1300, 0x8000_0000_0000_0001)];
        let mut want = std::collections::BTreeSet::new();
        for (at, mask) in marks {
            q.mark(at, mask);
            want.extend((0..64).filter(|i| mask >> i & 1 == 1).map(|i| at + i));
        }
        for at in 900..1500u64 {
            let got = q.bits(at);
            for i in 0..64 {
                assert_eq!(got >> i & 1 == 1, want.contains(&(at + i)), "offset {} read from {at}", at + i);
            }
        }
        let mut out = Vec::new();
        for at in 900..1500u64 {
            for n in [0, 1, 2, 5, 9] {
                q.blocks_into(at, n, &mut out);
                let want: Vec<u64> = (0..n as u64).map(|k| q.bits(at + 64 * k)).collect();
                assert_eq!(out, want, "{n} blocks from {at}");
            }
        }
        q.reset(5);
        assert_eq!((0..100).map(|at| q.bits(at)).max(), Some(0));
    }
}

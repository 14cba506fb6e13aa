//! Helpers shared by unit tests.

use std::io::Read;

use crate::{Rules, Scanner};

/// The built-in rules, compiled once for all tests of the process.
pub(crate) fn builtin() -> &'static Scanner {
    static S: std::sync::OnceLock<Scanner> = std::sync::OnceLock::new();
    S.get_or_init(|| Scanner::new(&Rules::builtin().expect("builtin rules")).expect("builtin rules compile"))
}

/// A reader that hands out its data `step` bytes at a time, as a slow pipe
/// or socket would.
pub(crate) struct Dribble<'a> {
    pub data: &'a [u8],
    pub step: usize,
}

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The bytes of `head` followed by the `pieces` that `picks` index: a
/// document built from random picks by a property test.
pub(crate) fn joined(head: &[&str], pieces: &[&str], picks: &[usize]) -> Vec<u8> {
    head.iter().copied().chain(picks.iter().map(|&i| pieces[i])).flat_map(str::bytes).collect()
}

/// A xorshift64 generator: deterministic pseudo-random test data from a
/// fixed seed (which must not be 0).
pub(crate) struct XorShift(pub u64);

impl XorShift {
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut s = self.0;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        self.0 = s;
        s
    }

    /// The next value, as an index below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

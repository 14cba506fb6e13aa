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

//! Bomb limits enforced while streaming: a reader around a decompressor or
//! archive member that charges every byte it delivers to the top-level
//! source's [`Budget`], watches the decompression ratio, and turns a read
//! error into a clean end of stream with a recorded reason.
//!
//! A cut never loses what was read before it: the consumer sees an ordinary
//! end of stream and scans everything up to it, and the container reports
//! the reason as a partial scan. This file does not decide what a container
//! does after a cut (see `compress.rs` and `archive.rs`).

use std::cell::Cell;
use std::io::{self, BufRead, Read};

use crate::extract::{Budget, Limits};

/// Below this many decompressed bytes the ratio limit does not apply: small
/// members of repetitive text legitimately compress very well.
pub(crate) const RATIO_FLOOR: u64 = 1 << 20;

/// How the compressed size behind a [`Limited`] reader is known.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Compressed<'a> {
    /// Fixed and known in advance (a zip member's compressed size).
    Known(u64),
    /// Counted as the decompressor consumes its input (see [`ConsumeCounter`]).
    Counted(&'a Cell<u64>),
    /// Not compressed at this level: no ratio limit.
    Unknown,
}

impl Compressed<'_> {
    fn get(self) -> Option<u64> {
        match self {
            Compressed::Known(n) => Some(n),
            Compressed::Counted(c) => Some(c.get()),
            Compressed::Unknown => None,
        }
    }
}

/// A reader that enforces the byte budget and the ratio limit on the bytes
/// it delivers, and ends the stream cleanly (recording why) on the first
/// limit hit or read error.
pub(crate) struct Limited<'a, R> {
    inner: R,
    /// What is being read, for messages: `gzip stream`, `zip member`.
    what: &'static str,
    compressed: Compressed<'a>,
    limits: Limits,
    /// The budget charged, if this level decompresses (a tar member's bytes
    /// were already charged when the tar stream was decompressed).
    budget: Option<&'a Budget>,
    /// Bytes delivered so far.
    delivered: u64,
    /// Stop after this many bytes (a member whose declared sizes already exceed the ratio).
    cap: Option<u64>,
    cut: Option<String>,
}

impl<'a, R: Read> Limited<'a, R> {
    /// Wraps `inner`, charging `budget` under `limits`.
    pub(crate) fn new(
        inner: R,
        what: &'static str,
        compressed: Compressed<'a>,
        limits: Limits,
        budget: &'a Budget,
    ) -> Limited<'a, R> {
        Limited { inner, what, compressed, limits, budget: Some(budget), delivered: 0, cap: None, cut: None }
    }

    /// Wraps `inner` with no limits: read errors still end the stream cleanly with a reason.
    pub(crate) fn unlimited(inner: R, what: &'static str) -> Limited<'a, R> {
        Limited {
            inner,
            what,
            compressed: Compressed::Unknown,
            limits: Limits::default(),
            budget: None,
            delivered: 0,
            cap: None,
            cut: None,
        }
    }

    /// Applies the ratio limit up front to a member whose declared
    /// decompressed size already exceeds it: such a member is read only up
    /// to [`RATIO_FLOOR`] bytes.
    pub(crate) fn declared_size(mut self, size: u64) -> Limited<'a, R> {
        if let Some(c) = self.compressed.get()
            && size > RATIO_FLOOR
            && size / c.max(1) > self.limits.max_ratio
        {
            self.cap = Some(RATIO_FLOOR);
        }
        self
    }

    /// Why the stream was cut short, if it was.
    pub(crate) fn cut(&self) -> Option<&str> {
        self.cut.as_deref()
    }

    /// Bytes delivered so far.
    pub(crate) fn delivered(&self) -> u64 {
        self.delivered
    }

    fn ratio_message(&self, at: u64) -> String {
        format!(
            "decompression ratio over {}:1 after {at} bytes, rest of the {} not read (possible decompression bomb)",
            self.limits.max_ratio, self.what
        )
    }

    /// How many of `n` freshly read bytes may be delivered; records a cut when fewer.
    fn allow(&mut self, n: usize) -> usize {
        let mut allowed = n as u64;
        if let Some(cap) = self.cap
            && self.delivered + allowed > cap
        {
            allowed = cap.saturating_sub(self.delivered);
            self.cut.get_or_insert_with(|| {
                format!(
                    "declared decompression ratio over {}:1, only the first {} bytes of the {} read (possible decompression bomb)",
                    self.limits.max_ratio, cap, self.what
                )
            });
        }
        if let Some(c) = self.compressed.get() {
            let most = RATIO_FLOOR.max(self.limits.max_ratio.saturating_mul(c.max(1)));
            if self.delivered + allowed > most {
                allowed = most.saturating_sub(self.delivered);
                if self.cut.is_none() {
                    self.cut = Some(self.ratio_message(most));
                }
            }
        }
        if let Some(budget) = self.budget
            && !budget.charge(allowed, self.limits.max_total_bytes)
        {
            let over = budget.used().saturating_sub(self.limits.max_total_bytes);
            allowed = allowed.saturating_sub(over);
            self.cut.get_or_insert_with(|| {
                format!(
                    "decompressed size limit of {} bytes per file reached, rest of the {} not read",
                    self.limits.max_total_bytes, self.what
                )
            });
        }
        allowed as usize
    }
}

impl<R: Read> Read for Limited<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.cut.is_some() || buf.is_empty() {
            return Ok(0);
        }
        let n = loop {
            match self.inner.read(buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let reason = e.to_string();
                    self.cut = Some(if e.kind() == io::ErrorKind::UnexpectedEof {
                        format!("truncated {} after {} bytes", self.what, self.delivered)
                    } else if reason.contains("memory limit") || reason.contains("too much memory") {
                        // Not corrupt: made with a dictionary larger than the decoder may hold.
                        format!(
                            "{} needs more memory to decode than allowed ({e}), not read after {} bytes",
                            self.what, self.delivered
                        )
                    } else {
                        format!("corrupt {} after {} bytes: {e}", self.what, self.delivered)
                    });
                    return Ok(0);
                }
            }
        };
        let allowed = self.allow(n);
        self.delivered += allowed as u64;
        Ok(allowed)
    }
}

/// A buffered reader that counts the bytes its consumer has consumed (not
/// merely read ahead), so that a decompressor's input is measured exactly.
pub(crate) struct ConsumeCounter<'a, R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    consumed: &'a Cell<u64>,
}

impl<'a, R: Read> ConsumeCounter<'a, R> {
    /// Buffers `inner`, adding consumed bytes to `consumed`.
    pub(crate) fn new(inner: R, consumed: &'a Cell<u64>) -> ConsumeCounter<'a, R> {
        ConsumeCounter { inner, buf: vec![0; 64 * 1024].into_boxed_slice(), pos: 0, filled: 0, consumed }
    }
}

impl<R: Read> Read for ConsumeCounter<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for ConsumeCounter<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.filled {
            self.pos = 0;
            self.filled = 0;
            self.filled = loop {
                match self.inner.read(&mut self.buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.filled - self.pos);
        self.pos += amt;
        self.consumed.set(self.consumed.get() + amt as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_total_bytes: u64, max_ratio: u64) -> Limits {
        Limits { max_total_bytes, max_ratio, ..Limits::default() }
    }

    fn drain(r: &mut impl Read) -> u64 {
        io::copy(r, &mut io::sink()).expect("a limited reader never fails")
    }

    #[test]
    fn budget_cuts_at_the_exact_byte_and_is_shared() {
        let budget = Budget::default();
        let data = vec![b'a'; 10_000];
        let mut a = Limited::new(&data[..], "gzip stream", Compressed::Unknown, limits(15_000, 1000), &budget);
        assert_eq!(drain(&mut a), 10_000);
        assert_eq!(a.cut(), None);
        let mut b = Limited::new(&data[..], "zip member", Compressed::Unknown, limits(15_000, 1000), &budget);
        assert_eq!(drain(&mut b), 5_000);
        assert!(b.cut().expect("cut").contains("limit of 15000 bytes"), "{:?}", b.cut());
    }

    #[test]
    fn ratio_applies_past_the_floor_only() {
        let budget = Budget::default();
        let data = vec![0u8; 3 << 20];
        // 1 KiB compressed: 1 MiB floor, then ratio 1000 allows 1 MiB too (1000 * 1024 < floor).
        let mut r = Limited::new(&data[..], "zip member", Compressed::Known(1024), limits(u64::MAX, 1000), &budget);
        assert_eq!(drain(&mut r), RATIO_FLOOR);
        assert!(r.cut().expect("cut").contains("ratio over 1000:1"));
        // 2 KiB compressed: ratio 1000 allows 2,048,000 bytes.
        let mut r = Limited::new(&data[..], "zip member", Compressed::Known(2048), limits(u64::MAX, 1000), &budget);
        assert_eq!(drain(&mut r), 2_048_000);
        // A small member compressing 3000:1 is fine.
        let small = vec![0u8; 300_000];
        let mut r = Limited::new(&small[..], "zip member", Compressed::Known(100), limits(u64::MAX, 1000), &budget);
        assert_eq!(drain(&mut r), 300_000);
        assert_eq!(r.cut(), None);
    }

    #[test]
    fn declared_ratio_cuts_at_the_floor() {
        let budget = Budget::default();
        let data = vec![0u8; 3 << 20];
        let mut r = Limited::new(&data[..], "zip member", Compressed::Known(4096), limits(u64::MAX, 100), &budget)
            .declared_size(3 << 20);
        assert_eq!(drain(&mut r), RATIO_FLOOR);
        assert!(r.cut().expect("cut").contains("declared"));
    }

    #[test]
    fn read_errors_end_the_stream_with_a_reason() {
        struct Failing(u8);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0 += 1;
                match self.0 {
                    1 => {
                        buf[..3].copy_from_slice(b"abc");
                        Ok(3)
                    }
                    2 => Err(io::ErrorKind::UnexpectedEof.into()),
                    _ => panic!("read after the cut"),
                }
            }
        }
        let budget = Budget::default();
        let mut r = Limited::new(Failing(0), "gzip stream", Compressed::Unknown, Limits::default(), &budget);
        let mut out = Vec::new();
        r.read_to_end(&mut out).expect("no error escapes");
        assert_eq!(out, b"abc");
        assert_eq!(r.cut(), Some("truncated gzip stream after 3 bytes"));
        assert_eq!(r.read(&mut [0; 4]).expect("still no error"), 0);
    }

    #[test]
    fn consume_counter_counts_consumed_bytes() {
        let consumed = Cell::new(0);
        let data = vec![7u8; 200_000];
        let mut c = ConsumeCounter::new(&data[..], &consumed);
        let got = c.fill_buf().expect("fill").len();
        assert!(got > 0);
        assert_eq!(consumed.get(), 0, "reading ahead is not consuming");
        c.consume(10);
        assert_eq!(consumed.get(), 10);
        let mut rest = Vec::new();
        c.read_to_end(&mut rest).expect("read");
        assert_eq!(consumed.get(), 200_000);
        assert_eq!(rest.len(), 199_990);
    }
}

//! Decompression on a helper thread while the calling thread scans. A
//! compressed stream cannot be cut into segments as a plain file can, but
//! its decoding and its scanning can run at once: a helper thread decodes
//! chunks ahead into a small bounded channel, and the scanning thread reads
//! them as one stream. Memory stays bounded by [`AHEAD`] chunks; the helper
//! stops as soon as the reader is dropped (the scan ended or was cut by a
//! limit).
//!
//! This file owns the helper's loop and the reader; what the stream is
//! scanned as, and its limits, stay in `compress.rs`.

use std::cell::Cell;
use std::io::{self, Read};

use crossbeam_channel::{Receiver, Sender};

use crate::extract::guard;

/// Compressed sources at least this large are decoded ahead when a thread
/// is free: below it, the walk's own parallelism (one file per thread)
/// keeps the threads busy.
pub(crate) const MIN_BYTES: u64 = 16 << 20;

/// Decoded bytes per chunk.
const CHUNK: usize = 256 << 10;

/// The most bytes asked of the decoder at once. A decoder that meets
/// corrupt data fails the whole call, and what that call decoded is lost,
/// so how much of a corrupt stream is scanned depends on the sizes asked:
/// pieces as large as a scan reading the stream itself asks for keep it
/// close to what one thread scans (on the tests' corrupt streams, the xz
/// decoder asked for 256 KiB at once gave 64 KiB less, asked for 64 KiB
/// the same; the zstd decoder gave 128 KiB more). Intact and truncated
/// streams give the same bytes whatever the sizes.
const READ: usize = 64 << 10;

/// Chunks decoded ahead of the reader.
const AHEAD: usize = 8;

/// A decoded chunk and the compressed bytes consumed to decode everything
/// up to its end, or the decoder's error.
type Chunk = io::Result<(Vec<u8>, u64)>;

/// The channels the helper thread holds.
pub(crate) struct HelperEnd {
    opened: Sender<io::Result<()>>,
    chunks: Sender<Chunk>,
    spare: Receiver<Vec<u8>>,
}

impl HelperEnd {
    /// The helper's loop, given its decoder (or the error that kept it from
    /// opening) and the counter of compressed bytes it consumed: reports
    /// whether the decoder opened, then sends chunks in order until the
    /// stream ends, the decoder fails (the error is sent as the last chunk)
    /// or the reader is gone.
    pub(crate) fn run(self, decoder: io::Result<Box<dyn Read + '_>>, consumed: &Cell<u64>) {
        let mut decoder = match decoder {
            Ok(d) => {
                let _ = self.opened.send(Ok(()));
                d
            }
            Err(e) => {
                let _ = self.opened.send(Err(e));
                return;
            }
        };
        loop {
            // A chunk is filled by as many decoder calls as it takes (a
            // bzip2 decoder returns a few KiB per call).
            let mut buf = self.spare.try_recv().unwrap_or_default();
            buf.resize(CHUNK, 0);
            let (mut filled, mut end, mut failed) = (0, false, None);
            while filled < CHUNK {
                // A decoder library's panic is this stream's error, not a
                // silent end of the stream.
                let read = guard::quietly("the decoder", || decoder.read(&mut buf[filled..(filled + READ).min(CHUNK)]));
                match read.unwrap_or_else(|panic| Err(io::Error::other(panic))) {
                    Ok(0) => {
                        end = true;
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            buf.truncate(filled);
            if filled > 0 && self.chunks.send(Ok((buf, consumed.get()))).is_err() {
                return;
            }
            if let Some(e) = failed {
                let _ = self.chunks.send(Err(e));
                return;
            }
            if end {
                return;
            }
        }
    }
}

/// The channels the reading thread holds, before the decoder opened.
pub(crate) struct ReaderEnd {
    opened: Receiver<io::Result<()>>,
    chunks: Receiver<Chunk>,
    spare: Sender<Vec<u8>>,
}

/// The channels between a helper decoding ahead and the thread reading.
pub(crate) fn channels() -> (HelperEnd, ReaderEnd) {
    let (opened_tx, opened_rx) = crossbeam_channel::bounded(1);
    let (chunks_tx, chunks_rx) = crossbeam_channel::bounded(AHEAD);
    let (spare_tx, spare_rx) = crossbeam_channel::bounded(AHEAD + 1);
    (
        HelperEnd { opened: opened_tx, chunks: chunks_tx, spare: spare_rx },
        ReaderEnd { opened: opened_rx, chunks: chunks_rx, spare: spare_tx },
    )
}

impl ReaderEnd {
    /// Waits for the helper's decoder to open; the reader of its chunks, or
    /// the error that kept it from opening. `consumed` follows the
    /// compressed bytes consumed up to the end of the chunk being read.
    pub(crate) fn open(self, consumed: &Cell<u64>) -> io::Result<AheadReader<'_>> {
        match self.opened.recv() {
            Ok(Ok(())) => Ok(AheadReader { chunks: self.chunks, spare: self.spare, cur: Vec::new(), pos: 0, consumed }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(io::Error::other("the decoding thread ended before the stream opened")),
        }
    }
}

/// The decoded stream, read from the helper's chunks.
pub(crate) struct AheadReader<'c> {
    chunks: Receiver<Chunk>,
    spare: Sender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    consumed: &'c Cell<u64>,
}

impl Read for AheadReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.cur.len() {
            match self.chunks.recv() {
                Ok(Ok((buf, consumed))) => {
                    let done = std::mem::replace(&mut self.cur, buf);
                    let _ = self.spare.try_send(done);
                    self.pos = 0;
                    self.consumed.set(consumed);
                }
                Ok(Err(e)) => return Err(e),
                // The helper ended: the stream is complete.
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.cur.len() - self.pos);
        out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in decoder: yields `data` in reads of at most 7,777 bytes,
    /// counting half a compressed byte per byte, then `fail` if set.
    struct Source<'a> {
        data: &'a [u8],
        pos: usize,
        consumed: &'a Cell<u64>,
        fail: bool,
    }

    impl Read for Source<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = out.len().min(7_777).min(self.data.len() - self.pos);
            if n == 0 && self.fail {
                return Err(io::Error::other("bad data"));
            }
            out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            self.consumed.set(self.pos as u64 / 2);
            Ok(n)
        }
    }

    /// Runs a helper over `data` and reads it all in pieces of 1,000 bytes:
    /// the bytes read, and the error that ended them.
    fn read_all(data: &[u8], fail: bool) -> (Vec<u8>, Option<io::Error>) {
        std::thread::scope(|scope| {
            let (helper, reader) = channels();
            scope.spawn(move || {
                let c = Cell::new(0);
                let source = Source { data, pos: 0, consumed: &c, fail };
                helper.run(Ok(Box::new(source)), &c);
            });
            let consumed = Cell::new(0);
            let mut r = reader.open(&consumed).expect("opened");
            let (mut got, mut buf) = (Vec::new(), [0u8; 1000]);
            loop {
                match r.read(&mut buf) {
                    Ok(0) => return (got, None),
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) => return (got, Some(e)),
                }
                // The count is the one at the end of the chunk being read.
                let at = got.len() as u64;
                assert!(consumed.get() >= at / 2 && consumed.get() <= (at + CHUNK as u64) / 2, "{at}");
            }
        })
    }

    #[test]
    fn chunks_arrive_in_order_with_their_consumed_counts() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (got, err) = read_all(&data, false);
        assert!(err.is_none());
        assert!(got == data);
    }

    #[test]
    fn an_error_comes_after_the_bytes_before_it() {
        let data = vec![b'x'; 300_000];
        let (got, err) = read_all(&data, true);
        assert_eq!(got.len(), data.len());
        assert_eq!(err.expect("the error").to_string(), "bad data");
    }

    #[test]
    fn a_decoder_that_did_not_open_is_reported() {
        let (helper, reader) = channels();
        let c = Cell::new(0);
        helper.run(Err(io::Error::other("no such format")), &c);
        let consumed = Cell::new(0);
        let e = reader.open(&consumed).err().expect("not opened");
        assert_eq!(e.to_string(), "no such format");
    }

    #[test]
    fn dropping_the_reader_stops_the_helper() {
        let decoded = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|scope| {
            let (helper, reader) = channels();
            let decoded = &decoded;
            scope.spawn(move || {
                // An endless stream: only the reader's going stops it.
                struct Endless<'a>(&'a std::sync::atomic::AtomicU64);
                impl Read for Endless<'_> {
                    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                        out.fill(b'z');
                        self.0.fetch_add(out.len() as u64, std::sync::atomic::Ordering::Relaxed);
                        Ok(out.len())
                    }
                }
                helper.run(Ok(Box::new(Endless(decoded))), &Cell::new(0));
            });
            let consumed = Cell::new(0);
            let mut r = reader.open(&consumed).expect("opened");
            let mut buf = [0u8; 10];
            assert_eq!(r.read(&mut buf).expect("read"), 10);
            drop(r);
        });
        // The scope ended, so the helper returned, having decoded at most
        // the chunks the channel holds, the one being filled and the one read.
        let most = ((AHEAD + 2) * CHUNK) as u64;
        assert!(decoded.into_inner() <= most);
    }
}

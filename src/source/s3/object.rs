//! Reading one object: whole when small, as a bounded stream of chunks for
//! formats read from start to end, or with ranged GETs for formats read from
//! the end (Parquet, zip). A response body that breaks off is resumed with a
//! ranged GET from the byte reached, on condition that the ETag is unchanged
//! (`If-Match`); when the object changed, the reader says so and the sweep
//! rescans it from the start.
//!
//! The async side (GETs, pumping bodies) runs on the sweep's tokio runtime; the
//! readers handed to scanning threads are synchronous ([`std::io::Read`] and
//! [`RandomAccess`]) and never run inside the runtime.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_s3::Client;
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::extract::{Format, RandomAccess, sniff};
use crate::source::s3::list::{ObjectInfo, normalize_etag};
use crate::source::s3::retry::{self, Failure};

/// Objects up to this size are fetched with one GET and scanned from memory.
pub(crate) const SMALL: u64 = 1 << 20;
/// Bytes read before choosing between streaming and ranged reads.
const HEAD: usize = crate::extract::sniff::SNIFF_LEN;
/// Size of the chunks a streamed body is cut into for the scanning thread.
const CHUNK: usize = 256 << 10;
/// Chunks buffered ahead of the scanning thread, per streamed object.
const AHEAD: usize = 8;
/// Block size of ranged reads for random access.
const BLOCK: u64 = 1 << 20;
/// Blocks kept per object read with random access.
const CACHED_BLOCKS: usize = 8;

/// What happened to the transfer of one object, as seen by its readers.
#[derive(Debug, Default)]
pub(crate) struct Flags {
    changed: AtomicBool,
    failure: Mutex<Option<String>>,
}

impl Flags {
    /// Whether the object changed during the transfer (the scan must restart).
    pub(crate) fn changed(&self) -> bool {
        self.changed.load(Ordering::Relaxed)
    }

    /// Why the transfer failed after all retries, if it did.
    pub(crate) fn failure(&self) -> Option<String> {
        self.failure.lock().expect("flags lock").clone()
    }

    fn fail(&self, why: &str) {
        let mut f = self.failure.lock().expect("flags lock");
        if f.is_none() {
            *f = Some(why.to_string());
        }
    }

    fn set_changed(&self) {
        self.changed.store(true, Ordering::Relaxed);
    }
}

/// One object in a bucket, and how to reach it.
#[derive(Clone)]
pub(crate) struct Remote {
    pub(crate) client: Client,
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) retries: u32,
    /// Objects larger than this are not read (`--max-filesize`): checked
    /// against the GET's length, since a listing may not give sizes (an
    /// inventory without its `Size` column).
    pub(crate) max_size: Option<u64>,
}

impl Remote {
    /// Fails with [`Failure::TooLarge`] when `size` is over the limit.
    fn check_size(&self, size: u64) -> Result<(), Failure> {
        match self.max_size {
            Some(max) if size > max => Err(Failure::TooLarge(size)),
            _ => Ok(()),
        }
    }
}

/// The bytes of a fetched object, in the form its scan needs.
pub(crate) enum Body {
    /// A small object, whole.
    Bytes(Vec<u8>),
    /// A large object read from start to end.
    Stream(StreamReader),
    /// A large object read with ranged GETs.
    Random(RangeReader),
}

/// A fetched object.
pub(crate) struct Fetched {
    /// The ETag of the version being read.
    pub(crate) etag: Option<String>,
    /// Its size.
    pub(crate) size: u64,
    /// Its bytes.
    pub(crate) body: Body,
}

impl Remote {
    async fn get(&self, range: Option<(u64, Option<u64>)>, if_match: Option<&str>) -> Result<GetObjectOutput, Failure> {
        let mut req = self.client.get_object().bucket(&self.bucket).key(&self.key);
        if let Some((start, end)) = range {
            req = req.range(match end {
                Some(e) => format!("bytes={start}-{e}"),
                None => format!("bytes={start}-"),
            });
        }
        if let Some(tag) = if_match {
            req = req.if_match(format!("\"{tag}\""));
        }
        req.send().await.map_err(|e| retry::classify(&e))
    }
}

/// Fetches `info` for scanning: small objects whole, large ones as a stream
/// or as random access depending on their format (sniffed from the first
/// bytes, or named by the key when it ends in `.parquet` or `.zip`).
pub(crate) async fn fetch(remote: Remote, info: &ObjectInfo, flags: Arc<Flags>) -> Result<Fetched, Failure> {
    let handle = Handle::current();
    if info.size > SMALL && random_by_name(&info.key) {
        remote.check_size(info.size)?;
        let r = RangeReader::new(remote, handle, info.size, info.etag.clone(), Vec::new(), flags);
        r.prefetch_last().await?;
        let etag = r.etag.lock().expect("etag lock").clone();
        return Ok(Fetched { etag, size: info.size, body: Body::Random(r) });
    }
    let mut attempt = 0;
    'fetch: loop {
        let out = remote.get(None, None).await?;
        let etag = out.e_tag().map(normalize_etag);
        let size = out.content_length().and_then(|n| u64::try_from(n).ok()).unwrap_or(info.size);
        remote.check_size(size)?;
        let mut r =
            Resumable { remote: remote.clone(), etag: etag.clone(), size, offset: 0, body: out.body, failures: 0 };
        if size <= SMALL {
            let mut all = Vec::with_capacity(size as usize);
            match r.read_all(&mut all).await {
                Ok(()) => return Ok(Fetched { etag, size, body: Body::Bytes(all) }),
                Err(Failure::Changed) if attempt < remote.retries => {
                    attempt += 1;
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        let mut head = Vec::with_capacity(HEAD + CHUNK);
        while head.len() < HEAD {
            match r.read_into(&mut head).await {
                Ok(0) => break,
                Ok(_) => {}
                Err(Failure::Changed) if attempt < remote.retries => {
                    attempt += 1;
                    continue 'fetch; // changed while reading the head: start over
                }
                Err(e) => return Err(e),
            }
        }
        let format = sniff(&head[..head.len().min(HEAD)], &info.key, head.len() as u64 == size);
        if matches!(format, Format::Parquet | Format::Zip) {
            drop(r); // the rest is read with ranged GETs; the head is kept
            let reader = RangeReader::new(remote, handle, size, etag.clone(), head, flags);
            return Ok(Fetched { etag, size, body: Body::Random(reader) });
        }
        let (tx, rx) = mpsc::channel(AHEAD);
        tokio::spawn(pump(r, tx));
        let reader = StreamReader { head, pos: 0, rx, error: None, done: false, flags };
        return Ok(Fetched { etag, size, body: Body::Stream(reader) });
    }
}

/// Whether the key names a format read from the end.
fn random_by_name(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with(".parquet") || k.ends_with(".zip") || k.ends_with(".parq") || k.ends_with(".jar")
}

/// A response body that resumes itself with ranged GETs when it breaks off.
struct Resumable {
    remote: Remote,
    etag: Option<String>,
    size: u64,
    offset: u64,
    body: ByteStream,
    /// Failed attempts since the last byte received.
    failures: u32,
}

impl Resumable {
    /// Appends the next bytes to `out`; `Ok(0)` at the end of the object.
    async fn read_into(&mut self, out: &mut Vec<u8>) -> Result<usize, Failure> {
        loop {
            match self.body.next().await {
                Some(Ok(b)) if b.is_empty() => {}
                Some(Ok(b)) => {
                    let keep = (b.len() as u64).min(self.size.saturating_sub(self.offset)) as usize;
                    out.extend_from_slice(&b[..keep]);
                    self.offset += keep as u64;
                    self.failures = 0;
                    return Ok(keep);
                }
                Some(Err(e)) => self.resume(&format!("connection failed: {e}")).await?,
                None if self.offset < self.size => {
                    self.resume(&format!("body ended at byte {} of {}", self.offset, self.size)).await?;
                }
                None => return Ok(0),
            }
        }
    }

    async fn read_all(&mut self, out: &mut Vec<u8>) -> Result<(), Failure> {
        while self.read_into(out).await? > 0 {}
        Ok(())
    }

    /// Replaces the body with a ranged GET from the offset reached, if the
    /// object is unchanged.
    async fn resume(&mut self, why: &str) -> Result<(), Failure> {
        let mut why = why.to_string();
        loop {
            if self.failures >= self.remote.retries {
                return Err(Failure::Other(format!("{why} (after {} retries)", self.remote.retries)));
            }
            self.failures += 1;
            retry::sleep(self.failures).await;
            match self.remote.get(Some((self.offset, None)), self.etag.as_deref()).await {
                Ok(out) => {
                    self.body = out.body;
                    return Ok(());
                }
                Err(Failure::Changed) => return Err(Failure::Changed),
                Err(f) => why = f.reason(),
            }
        }
    }
}

/// What the pump sends to a [`StreamReader`].
enum Msg {
    Data(Vec<u8>),
    End,
    Failed(String),
    Changed,
}

/// Copies a body into the channel in chunks of [`CHUNK`] bytes; stops when
/// the reader is gone.
async fn pump(mut r: Resumable, tx: mpsc::Sender<Msg>) {
    let mut buf = Vec::with_capacity(CHUNK);
    loop {
        match r.read_into(&mut buf).await {
            Ok(0) => {
                if !buf.is_empty() && tx.send(Msg::Data(buf)).await.is_err() {
                    return;
                }
                let _ = tx.send(Msg::End).await;
                return;
            }
            Ok(_) => {
                if buf.len() >= CHUNK
                    && tx.send(Msg::Data(std::mem::replace(&mut buf, Vec::with_capacity(CHUNK)))).await.is_err()
                {
                    return;
                }
            }
            Err(f) => {
                if !buf.is_empty() && tx.send(Msg::Data(std::mem::take(&mut buf))).await.is_err() {
                    return;
                }
                let _ = tx.send(if f == Failure::Changed { Msg::Changed } else { Msg::Failed(f.reason()) }).await;
                return;
            }
        }
    }
}

/// The synchronous end of a streamed object: reads the head, then the chunks
/// the pump sends. A failure is sticky and recorded in the object's [`Flags`].
pub(crate) struct StreamReader {
    head: Vec<u8>,
    pos: usize,
    rx: mpsc::Receiver<Msg>,
    error: Option<String>,
    done: bool,
    flags: Arc<Flags>,
}

impl Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(e) = &self.error {
                return Err(io::Error::other(e.clone()));
            }
            if self.pos < self.head.len() {
                let n = buf.len().min(self.head.len() - self.pos);
                buf[..n].copy_from_slice(&self.head[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.done || buf.is_empty() {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Msg::Data(d)) => {
                    self.head = d;
                    self.pos = 0;
                }
                Some(Msg::End) => self.done = true,
                Some(Msg::Failed(why)) => {
                    self.flags.fail(&why);
                    self.error = Some(why);
                }
                Some(Msg::Changed) => {
                    self.flags.set_changed();
                    self.error = Some(Failure::Changed.reason());
                }
                None => {
                    let why = "transfer aborted".to_string();
                    self.flags.fail(&why);
                    self.error = Some(why);
                }
            }
        }
    }
}

/// Random access to an object with ranged GETs of [`BLOCK`] bytes, the last
/// [`CACHED_BLOCKS`] kept; reads of a block or more go straight through.
pub(crate) struct RangeReader {
    remote: Remote,
    handle: Handle,
    size: u64,
    etag: Mutex<Option<String>>,
    head: Vec<u8>,
    cache: Mutex<VecDeque<(u64, Arc<Vec<u8>>)>>,
    flags: Arc<Flags>,
}

impl RangeReader {
    fn new(
        remote: Remote,
        handle: Handle,
        size: u64,
        etag: Option<String>,
        head: Vec<u8>,
        flags: Arc<Flags>,
    ) -> RangeReader {
        RangeReader { remote, handle, size, etag: Mutex::new(etag), head, cache: Mutex::new(VecDeque::new()), flags }
    }

    /// Reads bytes `start..end` with retries, resuming nothing: a failed range is fetched again.
    fn fetch(&self, start: u64, end: u64) -> io::Result<Vec<u8>> {
        if self.flags.changed() {
            return Err(io::Error::other(Failure::Changed.reason()));
        }
        match self.handle.block_on(self.get_range(start, end)) {
            Ok(bytes) => Ok(bytes),
            Err(Failure::Changed) => {
                self.flags.set_changed();
                Err(io::Error::other(Failure::Changed.reason()))
            }
            Err(f) => {
                let why = f.reason();
                self.flags.fail(&why);
                Err(io::Error::other(why))
            }
        }
    }

    /// Reads the last block into the cache before the scan starts: formats
    /// read from the end read it first anyway, and an object that cannot be
    /// read at all (archived, denied, deleted) fails here, as a whole GET
    /// does, rather than half-way through its scan.
    async fn prefetch_last(&self) -> Result<(), Failure> {
        if self.size == 0 {
            return Ok(());
        }
        let index = (self.size - 1) / BLOCK;
        let start = index * BLOCK;
        let bytes = self.get_range(start, (start + BLOCK).min(self.size)).await?;
        self.cache.lock().expect("cache lock").push_back((index, Arc::new(bytes)));
        Ok(())
    }

    /// Bytes `start..end` with retries; the first ETag seen is kept for the
    /// next ranges' `If-Match`.
    async fn get_range(&self, start: u64, end: u64) -> Result<Vec<u8>, Failure> {
        let etag = self.etag.lock().expect("etag lock").clone();
        let (tag, bytes) = self.get_tagged(start, end, etag.as_deref()).await?;
        let mut known = self.etag.lock().expect("etag lock");
        if known.is_none() {
            *known = tag;
        }
        Ok(bytes)
    }

    /// Bytes `start..end` and their ETag, `If-Match` `etag`, with retries.
    async fn get_tagged(&self, start: u64, end: u64, etag: Option<&str>) -> Result<(Option<String>, Vec<u8>), Failure> {
        {
            let mut failures = 0;
            loop {
                let attempt = async {
                    let out = self.remote.get(Some((start, Some(end - 1))), etag).await?;
                    let tag = out.e_tag().map(normalize_etag);
                    let bytes =
                        out.body.collect().await.map_err(|e| Failure::Other(format!("connection failed: {e}")))?;
                    Ok::<_, Failure>((tag, bytes.to_vec()))
                };
                match attempt.await {
                    Ok((tag, bytes)) if bytes.len() as u64 == end - start => return Ok((tag, bytes)),
                    Ok((_, bytes)) => {
                        if failures >= self.remote.retries {
                            return Err(Failure::Other(format!(
                                "short read: {} of {} bytes at offset {start}",
                                bytes.len(),
                                end - start
                            )));
                        }
                    }
                    Err(Failure::Changed) => return Err(Failure::Changed),
                    Err(f @ (Failure::Denied(_) | Failure::Gone(_) | Failure::Archived(_))) => return Err(f),
                    Err(f) if failures >= self.remote.retries => {
                        return Err(Failure::Other(format!("{} (after {} retries)", f.reason(), self.remote.retries)));
                    }
                    Err(_) => {}
                }
                failures += 1;
                retry::sleep(failures).await;
            }
        }
    }

    fn block(&self, index: u64) -> io::Result<Arc<Vec<u8>>> {
        if let Some((_, b)) = self.cache.lock().expect("cache lock").iter().find(|(i, _)| *i == index) {
            return Ok(b.clone());
        }
        let start = index * BLOCK;
        let end = (start + BLOCK).min(self.size);
        let b = Arc::new(self.fetch(start, end)?);
        let mut cache = self.cache.lock().expect("cache lock");
        if cache.len() >= CACHED_BLOCKS {
            cache.pop_front();
        }
        cache.push_back((index, b.clone()));
        Ok(b)
    }
}

impl RandomAccess for RangeReader {
    fn len(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64).filter(|&e| e <= self.size);
        let Some(end) = end else { return Err(io::ErrorKind::UnexpectedEof.into()) };
        if buf.is_empty() {
            return Ok(());
        }
        if end <= self.head.len() as u64 {
            buf.copy_from_slice(&self.head[offset as usize..end as usize]);
            return Ok(());
        }
        if buf.len() as u64 >= BLOCK {
            let bytes = self.fetch(offset, end)?;
            buf.copy_from_slice(&bytes);
            return Ok(());
        }
        let mut pos = offset;
        while pos < end {
            let index = pos / BLOCK;
            let block = self.block(index)?;
            let from = (pos - index * BLOCK) as usize;
            let n = ((end - pos) as usize).min(block.len() - from);
            let at = (pos - offset) as usize;
            buf[at..at + n].copy_from_slice(&block[from..from + n]);
            pos += n as u64;
        }
        Ok(())
    }
}

//! Reading one local file: small files into a buffer (mid-sized ones through
//! a memory map with `--mmap`), large ones by positioned reads so memory
//! stays bounded.
//!
//! This is the only place with `unsafe` code (the memory map).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Files smaller than this are read into a buffer: a map costs more than it saves.
const MMAP_MIN: u64 = 1 << 20;
/// Files larger than this are read in blocks rather than mapped, so that the
/// mapped pages never count against the process's memory.
const MMAP_MAX: u64 = 32 << 20;
/// Files larger than this are read in blocks rather than whole (when not
/// mapped), so that each thread holds at most this much of a file, and so
/// that the bytes being scanned were read just before, while they are
/// still in the processor's cache: a file read whole is out of a 2 MiB
/// level-2 cache by the time its scan reaches its start (files of 1 to 8
/// MiB took 6% more CPU time read whole; see DESIGN.md, "Measured effects").
/// The scan's chunks are 1 MiB too.
const READ_MAX: u64 = 1 << 20;

/// How one file's bytes are held.
pub enum Contents {
    /// Read into memory.
    Buffer(Vec<u8>),
    /// Memory-mapped.
    Map(memmap2::Mmap),
    /// Too large to hold: read on demand.
    Large(File),
    /// Longer than its size said (a file of `/proc` or `/sys`, which report
    /// 0 bytes, or one growing fast): the bytes read so far, then the rest
    /// of the file, read once as a stream so that memory stays bounded.
    Stream(Vec<u8>, File),
}

/// Whether to use memory maps at all.
///
/// Files are read by default: a map saves the kernel's copy of the bytes
/// but nothing measurable on the benchmark corpus, and a file truncated
/// while it is mapped (a log rotated with `copytruncate`) kills the
/// process with SIGBUS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MmapChoice {
    /// Map files between 1 MiB and 32 MiB (`--mmap`): a file truncated by
    /// another process during the scan crashes it.
    Auto,
    /// Never map.
    #[default]
    Never,
}

/// Opens `path` and returns its contents in the cheapest suitable form.
///
/// # Errors
/// The file cannot be opened or read, or is not a regular file.
pub fn open(path: &Path, mmap: MmapChoice) -> io::Result<Contents> {
    open_reusing(path, mmap, Vec::new())
}

/// Like [`open`], but a file read into memory is read into `buf` (cleared
/// first), so that a caller reading many small files reuses one allocation.
///
/// # Errors
/// The file cannot be opened or read, or is not a regular file.
pub fn open_reusing(path: &Path, mmap: MmapChoice, mut buf: Vec<u8>) -> io::Result<Contents> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let len = meta.len();
    if len > MMAP_MAX || (len > READ_MAX && mmap == MmapChoice::Never) {
        return Ok(Contents::Large(file));
    }
    // Fall back to reading if the map fails (special file systems).
    if len >= MMAP_MIN
        && mmap == MmapChoice::Auto
        && let Ok(map) = map_file(&file)
    {
        return Ok(Contents::Map(map));
    }
    buf.clear();
    buf.reserve(len as usize + 1);
    // At most what a buffer may hold: a file whose size says nothing of its
    // length (`/proc/self/pagemap` reports 0 and yields gigabytes) goes on
    // as a stream.
    let mut file = file;
    (&mut file).take(READ_MAX + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > READ_MAX {
        return Ok(Contents::Stream(buf, file));
    }
    Ok(Contents::Buffer(buf))
}

/// Opens `path` for reading without waiting: a file that would make a
/// read wait for data (`/proc/kmsg` waits for kernel messages; a named
/// pipe with no writer waits at its opening) fails at once with
/// `WouldBlock`, or turns out not to be a regular file, instead of
/// hanging the scan. Files on disk ignore the flag.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}

/// Maps `file` read-only.
///
/// If another process truncates the file while it is mapped, reading the lost
/// pages raises SIGBUS; this is the documented risk of every memory-mapping
/// reader (ripgrep has the same), which is why maps are only made with
/// [`MmapChoice::Auto`] (`--mmap`).
#[allow(unsafe_code)]
fn map_file(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and private to this process; the bytes are
    // only read, never assumed valid UTF-8 or otherwise structured. The
    // remaining hazard (concurrent truncation) is documented above.
    let map = unsafe { memmap2::MmapOptions::new().map(file)? };
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn sizes_choose_reading_mode() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small");
        std::fs::write(&small, b"hello").unwrap();
        assert!(matches!(open(&small, MmapChoice::Auto).unwrap(), Contents::Buffer(b) if b == b"hello"));
        let mid = dir.path().join("mid");
        let mut f = File::create(&mid).unwrap();
        f.write_all(&vec![b'x'; (MMAP_MIN + 10) as usize]).unwrap();
        drop(f);
        assert!(matches!(open(&mid, MmapChoice::Auto).unwrap(), Contents::Map(m) if m.len() as u64 == MMAP_MIN + 10));
        // Read whole up to the limit, past it in blocks.
        let whole = dir.path().join("whole");
        std::fs::write(&whole, vec![b'x'; READ_MAX as usize]).unwrap();
        assert!(matches!(open(&whole, MmapChoice::Never).unwrap(), Contents::Buffer(b) if b.len() as u64 == READ_MAX));
        assert_eq!(
            MmapChoice::default(),
            MmapChoice::Never,
            "maps only when asked for (a truncated map raises SIGBUS)"
        );
        // Larger files in blocks, unless mapped.
        let large = dir.path().join("large");
        std::fs::write(&large, vec![b'x'; (READ_MAX + 1) as usize]).unwrap();
        assert!(matches!(open(&large, MmapChoice::Never).unwrap(), Contents::Large(_)));
        assert!(matches!(open(&large, MmapChoice::Auto).unwrap(), Contents::Map(_)));
        // A file that says 0 bytes and yields gigabytes goes on as a stream.
        #[cfg(target_os = "linux")]
        match open(Path::new("/proc/self/pagemap"), MmapChoice::Never) {
            Ok(Contents::Stream(head, _)) => assert_eq!(head.len() as u64, READ_MAX + 1),
            Ok(_) => panic!("/proc/self/pagemap read whole"),
            // Some sandboxes do not let a process read its page map.
            Err(e) => eprintln!("/proc/self/pagemap not readable here: {e}"),
        }
        // A named pipe with no writer: refused at once, not waited on.
        #[cfg(unix)]
        {
            let fifo = dir.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let (tx, rx) = std::sync::mpsc::channel();
                let path = fifo.clone();
                std::thread::spawn(move || {
                    tx.send(open(&path, MmapChoice::Never).map(|_| ()).map_err(|e| e.to_string()))
                });
                let got =
                    rx.recv_timeout(std::time::Duration::from_secs(10)).expect("opening a pipe waited for a writer");
                assert_eq!(got, Err("not a regular file".to_string()));
            }
        }
        let err = open(dir.path(), MmapChoice::Auto).err().unwrap();
        assert!(err.to_string().contains("not a regular file") || err.kind() == io::ErrorKind::IsADirectory, "{err}");
    }
}

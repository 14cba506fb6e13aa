//! Local paths: a parallel directory walk with `ignore`, each file read and
//! handed to the [`Extractor`] on the walker's own thread.

use std::path::{Path, PathBuf};

use crate::Scratch;
use crate::extract::{Data, Extractor, RandomAccess};
use crate::report::{Problem, Sink};
use crate::source::read::{self, Contents, MmapChoice};

/// How to walk local paths.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Honour `.gitignore`, `.ignore` and friends (off by default: sensitive data hides in ignored files).
    pub respect_ignore: bool,
    /// Include/exclude globs (`!` excludes), matched as in ripgrep's `--glob`.
    pub globs: Vec<String>,
    /// Follow symbolic links (on by default; loops are detected and reported).
    pub follow_links: bool,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Memory-map choice.
    pub mmap: MmapChoice,
    /// Skip files larger than this many bytes (reported as not scanned).
    pub max_filesize: Option<u64>,
}

impl Default for WalkOptions {
    fn default() -> WalkOptions {
        WalkOptions {
            respect_ignore: false,
            globs: Vec::new(),
            follow_links: true,
            threads: 0,
            mmap: MmapChoice::Never,
            max_filesize: None,
        }
    }
}

/// The name a finding gives for a file: the path as given on the command
/// line joined with the path below it, as ripgrep prints paths. Bytes of a
/// name that are not UTF-8 (possible on Unix) are written `\xFF`, so that
/// two such names stay apart and each can be told from the other.
pub fn display_path(path: &Path) -> String {
    let s = lossless(path);
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

#[cfg(unix)]
fn lossless(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

#[cfg(not(unix))]
fn lossless(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Scans one local file with `x`, reporting problems to `sink`.
pub fn scan_file(x: &Extractor<'_>, scratch: &mut Scratch, path: &Path, mmap: MmapChoice, sink: &mut dyn Sink) -> bool {
    thread_local! {
        /// Each walker thread reads its small files into one reused buffer.
        static BUF: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let source = display_path(path);
    match read::open_reusing(path, mmap, BUF.take()) {
        Ok(Contents::Buffer(b)) => {
            let ok = x.scan(scratch, Data::Bytes(&b), &source, sink);
            // Keep at most a few MiB between files.
            if b.capacity() <= 4 << 20 {
                BUF.set(b);
            }
            ok
        }
        Ok(Contents::Map(m)) => x.scan(scratch, Data::Bytes(&m), &source, sink),
        Ok(Contents::Large(f)) => x.scan(scratch, Data::Random(&f as &dyn RandomAccess), &source, sink),
        Ok(Contents::Stream(head, f)) => {
            let mut rest = std::io::Read::chain(std::io::Cursor::new(head), f);
            x.scan(scratch, Data::Stream(&mut rest), &source, sink)
        }
        Err(e) => {
            sink.problem(dangling(path, &e).unwrap_or_else(|| Problem::error(source, describe_io(&e))));
            true
        }
    }
}

/// A warning for `path` when `e` says it does not exist because it is a
/// symbolic link whose target does not: the link holds no data, so there
/// is nothing that was not scanned (a build tree's stale links would
/// otherwise fail every scan of it). `None` for any other error, and for a
/// file removed during the scan, which stays an error.
fn dangling(path: &Path, e: &std::io::Error) -> Option<Problem> {
    if e.kind() != std::io::ErrorKind::NotFound || !std::fs::symlink_metadata(path).ok()?.is_symlink() {
        return None;
    }
    let target = std::fs::read_link(path).ok()?;
    Some(Problem::warning(
        display_path(path),
        format!("dangling symlink: its target '{}' does not exist", target.display()),
    ))
}

/// A short, lowercase reason for an I/O error.
pub fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or directory".into(),
        K::PermissionDenied => "permission denied".into(),
        K::WouldBlock => {
            "a read would wait for data that may never come (a device or kernel file such as /proc/kmsg); not read"
                .into()
        }
        _ => {
            let s = e.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    }
}

/// Builds the parallel walker over `paths`.
///
/// # Errors
/// A glob does not parse.
pub fn walker(paths: &[PathBuf], opts: &WalkOptions) -> Result<ignore::WalkParallel, ignore::Error> {
    let mut b = ignore::WalkBuilder::new(&paths[0]);
    for p in &paths[1..] {
        b.add(p);
    }
    let respect = opts.respect_ignore;
    b.hidden(false)
        .ignore(respect)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .parents(respect)
        .require_git(false)
        .follow_links(opts.follow_links)
        .threads(opts.threads);
    if respect {
        b.add_custom_ignore_filename(".rgignore");
    }
    if !opts.globs.is_empty() {
        let mut ob =
            ignore::overrides::OverrideBuilder::new(std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")));
        for g in &opts.globs {
            ob.add(g)?;
        }
        b.overrides(ob.build()?);
    }
    Ok(b.build_parallel())
}

/// Turns a walker error into a problem naming the path.
pub fn walk_problem(err: &ignore::Error) -> Problem {
    /// The innermost error, with the path and depth its wrappers give.
    fn unwrap<'e>(
        err: &'e ignore::Error,
        path: Option<&'e Path>,
        depth: usize,
    ) -> (Option<&'e Path>, usize, &'e ignore::Error) {
        match err {
            ignore::Error::WithPath { path, err } => unwrap(err, Some(path), depth),
            ignore::Error::WithDepth { err, depth } => unwrap(err, path, *depth),
            ignore::Error::WithLineNumber { err, .. } => unwrap(err, path, depth),
            other => (path, depth, other),
        }
    }
    let (path, depth, inner) = unwrap(err, None, 0);
    let name = |p: Option<&Path>| p.map(display_path).unwrap_or_else(|| "<walk>".into());
    match inner {
        ignore::Error::Loop { child, ancestor } => {
            Problem::error(display_path(child), format!("symlink loop: points back to {}", ancestor.display()))
        }
        ignore::Error::Io(e) => match path.and_then(|p| dangling(p, e)) {
            // A dangling link met in a walk is a warning; one named on the
            // command line (depth 0) stays an error: that file was asked for.
            Some(warning) if depth > 0 => warning,
            Some(warning) => Problem::error(warning.source, warning.reason),
            None => Problem::error(name(path), describe_io(e)),
        },
        other => Problem::error(name(path), other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_stay_apart() {
        use std::os::unix::ffi::OsStrExt;
        let name = |b: &[u8]| super::display_path(std::path::Path::new(std::ffi::OsStr::from_bytes(b)));
        assert_eq!(name(b"./logs/a\xff.txt"), "logs/a\\xFF.txt");
        assert_ne!(name(b"a\xff.txt"), name(b"a\xfe.txt"));
        assert_eq!(name("données/é.txt".as_bytes()), "données/é.txt");
    }
}

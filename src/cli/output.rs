//! The scan's own output file: never scanned, never an input.

use std::path::Path;

/// Whether `a` and `b` name the same existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => id(&x) == id(&y),
        _ => false,
    }
}

/// The identity of a file: device and inode (on Unix).
#[cfg(unix)]
fn id(m: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// The file the findings are written to (`-o FILE`, or standard output
/// redirected to a file), which a walk of its directory must skip: scanning
/// the output as it is written would report findings again, differently
/// from run to run.
#[derive(Debug, Default)]
pub struct OwnOutput {
    /// Device and inode of the output, when it is a regular file.
    file: Option<(u64, u64)>,
}

impl OwnOutput {
    /// The output of a scan writing to `output` (standard output when `None`),
    /// which must have been created already.
    pub fn of(output: Option<&Path>) -> OwnOutput {
        let meta = match output {
            Some(p) => std::fs::metadata(p).ok(),
            None => stdout_file().and_then(|f| f.metadata().ok()),
        };
        OwnOutput { file: meta.filter(std::fs::Metadata::is_file).and_then(|m| id(&m)) }
    }

    /// Whether the walk's `entry` is the output. The inode the directory
    /// listing gave is compared first, so that other files cost no `stat`.
    pub fn is(&self, entry: &ignore::DirEntry) -> bool {
        let Some((dev, ino)) = self.file else { return false };
        entry_ino(entry) == Some(ino) && std::fs::metadata(entry.path()).ok().and_then(|m| id(&m)) == Some((dev, ino))
    }
}

#[cfg(unix)]
fn entry_ino(entry: &ignore::DirEntry) -> Option<u64> {
    entry.ino()
}

#[cfg(not(unix))]
fn entry_ino(_: &ignore::DirEntry) -> Option<u64> {
    None
}

/// Standard output as a file, when it is a regular file (`> out.jsonl`).
#[cfg(unix)]
pub fn stdout_file() -> Option<std::fs::File> {
    use std::os::fd::AsFd;
    let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    let file = std::fs::File::from(fd);
    file.metadata().ok()?.is_file().then_some(file)
}

#[cfg(not(unix))]
pub fn stdout_file() -> Option<std::fs::File> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_file_follows_links_and_needs_both_to_exist() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.txt");
        std::fs::write(&a, "x").unwrap();
        assert!(same_file(&a, &d.path().join(".").join("a.txt")));
        assert!(!same_file(&a, &d.path().join("b.txt")));
        std::fs::write(d.path().join("b.txt"), "x").unwrap();
        assert!(!same_file(&a, &d.path().join("b.txt")));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&a, d.path().join("link")).unwrap();
            assert!(same_file(&a, &d.path().join("link")));
        }
    }
}

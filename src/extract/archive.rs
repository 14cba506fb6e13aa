//! Archives (zip, tar): every member scanned as a source of its own, named
//! `archive!member/path` (recursively: `a.tar.gz!b.zip!c.csv`), nested
//! containers opened up to the depth limit.
//!
//! Zip archives are read by random access (central directory first), tar
//! archives as a stream, so that `.tar.gz` and friends never touch the disk.
//! Members carrying no data (directories, devices, hard links to earlier
//! members) are skipped silently; symbolic links are skipped with a warning;
//! encrypted members are reported as not scanned. The member count, the
//! decompressed byte budget and the ratio limit are enforced here and in
//! `limit.rs`; after its members, an archive reports itself as a container.

use std::io::{self, BufReader, Cursor, Read};

use crate::Scratch;
use crate::extract::limit::{Compressed, Limited};
use crate::extract::plain::{Counting, CountingReader};
use crate::extract::{Data, Extractor, Nesting, RandomAccess, RandomReader};
use crate::report::{Problem, Scanned, Sink};

/// Members up to this size are read into memory and scanned as bytes.
const SMALL_MEMBER: u64 = 1 << 20;

/// Buffer for reading a zip archive by random access: the central directory
/// is parsed with many small reads, which must not become one I/O (or one
/// ranged GET) each.
const ZIP_READ_BUFFER: usize = 256 * 1024;

/// Scans every member of a zip archive.
pub(crate) fn scan_zip(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    // An office file (a workbook, a document) is a zip archive read as its content.
    #[cfg(feature = "office")]
    if x.options().structured
        && let Some(go_on) = super::office::scan_zip(x, scratch, src, source, nest, sink)
    {
        return go_on;
    }
    let mut counting = Counting::new(sink);
    let go_on = zip_members_except(x, scratch, src, source, nest, &|_| false, &mut counting);
    let findings = counting.findings;
    sink.scanned(Scanned {
        source: source.to_string(),
        format: "zip".into(),
        bytes: src.len(),
        findings,
        binary: false,
        container: true,
        size: None,
    });
    go_on
}

/// Scans the members of zip archive `src` whose names `skip` does not
/// take (an office file's content parts, read already), each as a source
/// of its own.
pub(crate) fn zip_members_except(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    nest: Nesting<'_>,
    skip: &dyn Fn(&str) -> bool,
    sink: &mut dyn Sink,
) -> bool {
    if !x.may_nest(nest, source, sink) {
        return true;
    }
    let reader = BufReader::with_capacity(ZIP_READ_BUFFER, RandomReader::new(src));
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(a) => a,
        Err(e) => {
            sink.problem(Problem::error(source, format!("invalid zip archive: {e}")));
            return true;
        }
    };
    let limits = x.options().limits;
    let total = archive.len();
    for i in 0..total {
        if !within_limits(x, nest, source, i as u64, total as u64, sink) {
            break;
        }
        let (name, is_dir, is_symlink, encrypted, size, compressed) = match archive.by_index_data(i) {
            Ok(e) => {
                let name = match e.name() {
                    Ok(n) => n.into_owned(),
                    Err(_) => String::from_utf8_lossy(e.name_raw()).into_owned(),
                };
                (name, e.is_dir(), e.is_symlink(), e.encrypted(), e.size(), e.compressed_size())
            }
            Err(e) => {
                sink.problem(Problem::error(format!("{source}!#{i}"), format!("unreadable zip entry: {e}")));
                continue;
            }
        };
        let member = format!("{source}!{name}");
        if is_dir || skip(&name) {
            continue;
        }
        if encrypted {
            sink.problem(Problem::error(member, "encrypted zip member not scanned"));
            continue;
        }
        if is_symlink {
            sink.problem(Problem::warning(member, "symbolic link not followed"));
            continue;
        }
        let file = match archive.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                sink.problem(Problem::error(member, format!("cannot read zip member: {e}")));
                continue;
            }
        };
        let mut limited =
            Limited::new(file, "zip member", Compressed::Known(compressed), limits, nest.budget).declared_size(size);
        let go_on = scan_member(x, scratch, &mut limited, size, &member, &name, nest, sink);
        if let Some(reason) = limited.cut() {
            sink.problem(Problem::partial(&member, reason));
        }
        if !go_on {
            return false;
        }
    }
    true
}

/// Whether member `index` (0-based) of `total` (if known) may still be read;
/// reports the archive as partly scanned if not.
fn within_limits(
    x: &Extractor<'_>,
    nest: Nesting<'_>,
    source: &str,
    index: u64,
    total: u64,
    sink: &mut dyn Sink,
) -> bool {
    let limits = x.options().limits;
    let of_total = if total > 0 { format!(" of {total}") } else { String::new() };
    if index >= limits.max_members {
        sink.problem(Problem::partial(
            source,
            format!("member limit reached: only the first {}{of_total} members read", limits.max_members),
        ));
        return false;
    }
    if nest.budget.used() >= limits.max_total_bytes {
        sink.problem(Problem::partial(
            source,
            format!(
                "decompressed size limit of {} bytes per file reached: members after the first {index}{of_total} not read",
                limits.max_total_bytes
            ),
        ));
        return false;
    }
    true
}

/// Scans one member, from memory when it is small.
#[allow(clippy::too_many_arguments)]
fn scan_member(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    declared: u64,
    member: &str,
    hint: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let inner = Nesting { depth: nest.depth + 1, budget: nest.budget };
    // A panic in one member's reading ends that member, not the archive.
    x.guarded(scratch, member, None, sink, |scratch, sink| {
        if declared <= SMALL_MEMBER {
            let mut buf = Vec::with_capacity(declared as usize);
            // A `Limited` reader ends cleanly instead of failing: the error is its cut reason.
            let _ = (&mut *reader).take(SMALL_MEMBER + 1).read_to_end(&mut buf);
            if buf.len() as u64 <= SMALL_MEMBER {
                return x.scan_nested(scratch, Data::Bytes(&buf), member, hint, inner, sink);
            }
            // The declared size was wrong: go on streaming after what was read.
            let mut chained = Cursor::new(buf).chain(reader);
            return x.scan_nested(scratch, Data::Stream(&mut chained), member, hint, inner, sink);
        }
        x.scan_nested(scratch, Data::Stream(reader), member, hint, inner, sink)
    })
}

/// Scans every member of a tar archive.
pub(crate) fn scan_tar(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    scan_streamed_container(x, scratch, reader, "tar", source, nest, sink, tar_members)
}

/// The members a container read as a stream holds, scanned by `members`
/// (each reported as a source of its own; see [`scan_streamed_container`]).
pub(crate) type Members = fn(&Extractor<'_>, &mut Scratch, &mut dyn Read, &str, Nesting<'_>, &mut dyn Sink) -> bool;

/// Scans the container `reader` (a tar archive, a mailbox) of format
/// `format` by its `members`, then reports it as a container with the
/// bytes read and its members' findings. Returns whether the scan should go on.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan_streamed_container(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    format: &str,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
    members: Members,
) -> bool {
    let mut counting = Counting::new(sink);
    let mut counted = CountingReader { inner: reader, bytes: 0 };
    let go_on = members(x, scratch, &mut counted, source, nest, &mut counting);
    let findings = counting.findings;
    sink.scanned(Scanned {
        source: source.to_string(),
        format: format.into(),
        bytes: counted.bytes,
        findings,
        binary: false,
        container: true,
        size: None,
    });
    go_on
}

fn tar_members(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    use tar::EntryType as T;
    if !x.may_nest(nest, source, sink) {
        return true;
    }
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            sink.problem(Problem::error(source, format!("invalid tar archive: {e}")));
            return true;
        }
    };
    for (index, entry) in (0u64..).zip(entries) {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                sink.problem(Problem::partial(
                    source,
                    format!("corrupt or truncated tar archive after {index} members: {e}"),
                ));
                break;
            }
        };
        if !within_limits(x, nest, source, index, 0, sink) {
            break;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let member = format!("{source}!{name}");
        let size = entry.size();
        let kind = entry.header().entry_type();
        match kind {
            T::Symlink => {
                let target = entry.link_name_bytes().map(|t| String::from_utf8_lossy(&t).into_owned());
                let to = target.map(|t| format!(" (to {t})")).unwrap_or_default();
                sink.problem(Problem::warning(member, format!("symbolic link not followed{to}")));
                continue;
            }
            // No data of their own: a hard link's data is an earlier member's.
            T::Directory | T::Link | T::Char | T::Block | T::Fifo if size == 0 => continue,
            T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => continue,
            _ => {}
        }
        // A sparse member's holes read as zeros: 10 KB of archive can stand
        // for a terabyte, so its bytes count as decompressed ones do.
        let mut limited = if kind == T::GNUSparse {
            let stored = entry.header().entry_size().unwrap_or(0);
            let limits = x.options().limits;
            Limited::new(&mut entry, "sparse tar member", Compressed::Known(stored), limits, nest.budget)
                .declared_size(size)
        } else {
            Limited::unlimited(&mut entry, "tar member")
        };
        if !scan_member(x, scratch, &mut limited, size, &member, &name, nest, sink) {
            return false;
        }
        // Read what the member's reader left, so that a short member is noticed here.
        let _ = io::copy(&mut limited, &mut io::sink());
        if let Some(reason) = limited.cut() {
            sink.problem(Problem::partial(&member, reason));
        } else if limited.delivered() < size && kind != T::GNUSparse {
            sink.problem(Problem::partial(
                &member,
                format!("truncated tar member: {} of {size} bytes", limited.delivered()),
            ));
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::extract::Options;
    use crate::report::{Collect, Location, Severity};

    fn scan_with(bytes: &[u8], name: &str, opts: &Options) -> Collect {
        let scanner = crate::testutil::builtin();
        let x = Extractor::new(scanner, opts);
        let mut scratch = scanner.scratch();
        let mut out = Collect::default();
        x.scan(&mut scratch, Data::Bytes(bytes), name, &mut out);
        out
    }

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in members {
            if name.ends_with('/') {
                w.add_directory(*name, opts).expect("dir");
            } else {
                w.start_file(*name, opts).expect("start");
                w.write_all(data).expect("write");
            }
        }
        w.finish().expect("finish").into_inner()
    }

    fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).expect("append");
        }
        b.into_inner().expect("tar")
    }

    fn text_location(l: &Location) -> (u64, u64) {
        match l {
            Location::Text(t) => (t.byte_start, t.byte_end),
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn zip_members_are_named_and_scanned() {
        let zip = zip_of(&[
            ("dir/", b""),
            ("dir/a.txt", b"ssn: 512-48-3921\n"),
            ("b.txt", b"nothing here\n"),
            ("c.log", b"x\nmail jane.doe@example.com\n"),
        ]);
        let out = scan_with(&zip, "o.zip", &Options::default());
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let got: Vec<(&str, &str, (u64, u64))> = out
            .findings
            .iter()
            .map(|f| (f.source.as_str(), f.data_type.as_ref(), text_location(&f.location)))
            .collect();
        assert_eq!(
            got,
            [("o.zip!dir/a.txt", "USA_SOCIAL_SECURITY_NUMBER", (5, 16)), ("o.zip!c.log", "EMAIL_ADDRESS", (7, 27))]
        );
        let leaves: Vec<&str> = out.scanned.iter().filter(|s| !s.container).map(|s| s.source.as_str()).collect();
        assert_eq!(leaves, ["o.zip!dir/a.txt", "o.zip!b.txt", "o.zip!c.log"]);
        let c = out.scanned.iter().find(|s| s.container).expect("container event");
        assert_eq!((c.source.as_str(), c.format.as_str(), c.findings), ("o.zip", "zip", 2));
        assert_eq!(c.bytes, zip.len() as u64);
    }

    #[test]
    fn tar_members_and_links() {
        let mut b = tar::Builder::new(Vec::new());
        let data = b"card 4532 0151 1283 0366\n";
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append_data(&mut h, "d/cards.txt", &data[..]).expect("file");
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "d/link", "cards.txt").expect("link");
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_size(0);
        h.set_cksum();
        b.append_data(&mut h, "d/sub/", io::empty()).expect("dir");
        let tar = b.into_inner().expect("tar");
        let out = scan_with(&tar, "t.tar", &Options::default());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].source, "t.tar!d/cards.txt");
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert_eq!(out.problems[0].severity, Severity::Warning);
        assert_eq!(out.problems[0].source, "t.tar!d/link");
        assert!(out.problems[0].reason.contains("to cards.txt"));
    }

    #[test]
    fn truncated_tar_member_is_partial() {
        let body: Vec<u8> = (0..5000).flat_map(|_| b"ssn: 512-48-3921\n".iter().copied()).collect();
        let tar = tar_of(&[("big.txt", &body)]);
        let cut = &tar[..512 + 40_000];
        let out = scan_with(cut, "t.tar", &Options::default());
        assert!(!out.findings.is_empty());
        let partial: Vec<_> = out.problems.iter().filter(|p| p.source == "t.tar!big.txt").collect();
        assert_eq!(partial.len(), 1, "{:?}", out.problems);
        assert!(partial[0].reason.contains("truncated tar member: 40000 of 85000 bytes"), "{}", partial[0].reason);
    }

    /// A tar holding a GNU sparse member of `real` bytes: holes, then
    /// `data` at its end (the only bytes stored), then a plain member.
    fn sparse_tar(real: u64, data: &[u8]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_path("sparse.bin").unwrap();
        h.set_entry_type(tar::EntryType::GNUSparse);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        let gnu = h.as_gnu_mut().unwrap();
        gnu.set_real_size(real);
        let octal = |field: &mut [u8; 12], n: u64| {
            let s = format!("{n:011o}\0");
            field.copy_from_slice(s.as_bytes());
        };
        octal(&mut gnu.sparse[0].offset, real - data.len() as u64);
        octal(&mut gnu.sparse[0].numbytes, data.len() as u64);
        h.set_cksum();
        b.append(&h, data).unwrap();
        let mut plain = tar::Header::new_gnu();
        plain.set_path("after.txt").unwrap();
        plain.set_size(22);
        plain.set_mode(0o644);
        plain.set_cksum();
        b.append(&plain, &b"card 4532015112830366\n"[..]).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn sparse_tar_members_count_as_decompressed_bytes() {
        // Small: read whole, its value found.
        let out = scan_with(&sparse_tar(100_000, b"ssn: 512-48-3921\n"), "s.tar", &Options::default());
        assert_eq!(out.findings.len(), 2, "{:?} {:?}", out.findings, out.problems);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        // Gigabytes of holes: cut at the ratio limit, and the scan goes on.
        let out = scan_with(&sparse_tar(4 << 30, b"ssn: 512-48-3921\n"), "s.tar", &Options::default());
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert_eq!(out.problems[0].source, "s.tar!sparse.bin");
        assert!(out.problems[0].reason.contains("possible decompression bomb"), "{}", out.problems[0].reason);
        assert!(out.findings.iter().any(|f| f.source == "s.tar!after.txt"), "{:?}", out.findings);
    }

    #[test]
    fn member_limit_stops_the_archive() {
        let names: Vec<String> = (0..5).map(|i| format!("f{i}.txt")).collect();
        let members: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"ssn: 512-48-3921\n"[..])).collect();
        let mut opts = Options::default();
        opts.limits.max_members = 3;
        for (bytes, name) in [(zip_of(&members), "m.zip"), (tar_of(&members), "m.tar")] {
            let out = scan_with(&bytes, name, &opts);
            assert_eq!(out.findings.len(), 3, "{name}");
            assert_eq!(out.problems.len(), 1, "{name}: {:?}", out.problems);
            assert_eq!(out.problems[0].severity, Severity::Partial);
            assert_eq!(out.problems[0].source, name);
            assert!(out.problems[0].reason.contains("member limit"), "{}", out.problems[0].reason);
        }
    }

    #[test]
    fn nested_archives_and_depth() {
        let inner = zip_of(&[("deep.txt", b"ssn: 512-48-3921\n")]);
        let middle = tar_of(&[("in.zip", &inner)]);
        let outer = zip_of(&[("mid.tar", &middle)]);
        let out = scan_with(&outer, "o.zip", &Options::default());
        assert_eq!(out.findings.len(), 1, "{:?}", out.problems);
        assert_eq!(out.findings[0].source, "o.zip!mid.tar!in.zip!deep.txt");
        let mut opts = Options::default();
        opts.limits.max_depth = 2;
        let out = scan_with(&outer, "o.zip", &opts);
        assert!(out.findings.is_empty());
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert_eq!(out.problems[0].source, "o.zip!mid.tar!in.zip");
        assert_eq!(out.problems[0].severity, Severity::Partial);
    }

    #[test]
    fn zip_bomb_member_is_cut_and_the_rest_scanned() {
        let zeros = vec![0u8; 8 << 20];
        let zip = zip_of(&[("zeros.bin", &zeros), ("after.txt", b"ssn: 512-48-3921\n")]);
        assert!(zip.len() < 200_000, "{}", zip.len());
        let out = scan_with(&zip, "b.zip", &Options::default());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].source, "b.zip!after.txt");
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert_eq!(out.problems[0].source, "b.zip!zeros.bin");
        assert!(out.problems[0].reason.contains("ratio over 1000:1"), "{}", out.problems[0].reason);
    }

    #[test]
    fn corrupt_zip_is_an_error() {
        let out = scan_with(b"PK\x03\x04 this is not really a zip file at all", "bad.zip", &Options::default());
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].severity, Severity::Error);
        assert!(out.problems[0].reason.starts_with("invalid zip archive"), "{}", out.problems[0].reason);
    }
}

//! Compressed streams (gzip, zstd, bzip2, xz), decompressed as they stream:
//! no temporary files and no whole-file buffer. The decompressed stream is
//! scanned as a source of its own under the file's name (`data.jsonl.gz`),
//! its format guessed from the name without the compression extension
//! (`data.jsonl`), so byte offsets in findings are offsets in the
//! decompressed stream.
//!
//! Bomb limits and truncation are handled by [`Limited`]: what was
//! decompressed before a cut is scanned, and the cut is reported as a
//! partial scan of the file.

use std::cell::Cell;
use std::io::{BufRead, Read};

use crate::Scratch;
use crate::extract::limit::{Compressed, ConsumeCounter, Limited};
use crate::extract::plain::Counting;
use crate::extract::{Data, Extractor, Format, Nesting, RandomAccess, RandomReader, ahead, ordered};
use crate::report::{Problem, Scanned, Sink};

/// Decompresses `reader` (`compressed_len` bytes when known, else 0) and scans the inner stream.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    compressed_len: u64,
    format: Format,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let consumed = Cell::new(0u64);
    let decoded = decoder(format, ConsumeCounter::new(reader, &consumed));
    scan_decoded(x, scratch, decoded, &consumed, compressed_len, format, source, nest, sink)
}

/// As [`scan`] for a compressed source with random access, decoded on a
/// helper thread while this one scans (see `ahead.rs`) when the source is
/// large enough and a thread of the `-j` budget is free; the findings,
/// problems and limits are those of [`scan`].
pub(crate) fn scan_random(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    format: Format,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let threads = x.options().parallel;
    let ahead = threads > 1
        && src.len() >= ahead::MIN_BYTES
        && nest.depth < x.options().limits.max_depth
        && ordered::borrow_helpers(1, threads - 1) == 1;
    if !ahead {
        let mut reader = RandomReader::new(src);
        return scan(x, scratch, &mut reader, src.len(), format, source, nest, sink);
    }
    let go_on = scan_ahead(x, scratch, src, format, source, nest, sink);
    ordered::return_helpers(1);
    go_on
}

/// [`scan_random`] with the decoder on a thread of its own.
fn scan_ahead(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    format: Format,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    std::thread::scope(|scope| {
        let (helper, reader) = ahead::channels();
        scope.spawn(move || {
            let consumed = Cell::new(0u64);
            helper.run(decoder(format, ConsumeCounter::new(RandomReader::new(src), &consumed)), &consumed);
        });
        let consumed = Cell::new(0u64);
        let decoded = reader.open(&consumed).map(|r| Box::new(r) as Box<dyn Read>);
        // The reader is dropped when the scan ends, which stops the helper.
        scan_decoded(x, scratch, decoded, &consumed, src.len(), format, source, nest, sink)
    })
}

/// Scans the decoded stream of a compressed source (`compressed_len` bytes
/// when known, else the `consumed` count at the end), within the bomb
/// limits; a decoder that did not open is reported.
#[allow(clippy::too_many_arguments)]
fn scan_decoded(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    decoded: std::io::Result<Box<dyn Read + '_>>,
    consumed: &Cell<u64>,
    compressed_len: u64,
    format: Format,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let mut counting = Counting::new(sink);
    let mut go_on = true;
    if x.may_nest(nest, source, &mut counting) {
        match decoded {
            Ok(decoder) => {
                let what = stream_name(format);
                let limits = x.options().limits;
                let mut limited = Limited::new(decoder, what, Compressed::Counted(consumed), limits, nest.budget);
                let hint = inner_name(source);
                let inner = Nesting { depth: nest.depth + 1, budget: nest.budget };
                go_on = x.scan_nested(scratch, Data::Stream(&mut limited), source, &hint, inner, &mut counting);
                if let Some(reason) = limited.cut() {
                    counting.problem(Problem::partial(source, reason));
                }
            }
            Err(e) => counting.problem(Problem::error(source, format!("cannot open {}: {e}", stream_name(format)))),
        }
    }
    let findings = counting.findings;
    sink.scanned(Scanned {
        source: source.to_string(),
        format: format.name().into(),
        bytes: if compressed_len > 0 { compressed_len } else { consumed.get() },
        findings,
        binary: false,
        container: true,
        size: None,
    });
    go_on
}

/// The most memory the xz decoder may use (its dictionary): streams that
/// need more fail with an error instead of growing the process.
const XZ_MEMORY: u64 = 256 << 20;

/// The streaming decoder for `format` over `input`.
fn decoder<'a, R: BufRead + 'a>(format: Format, input: R) -> std::io::Result<Box<dyn Read + 'a>> {
    Ok(match format {
        Format::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        Format::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(input)?),
        Format::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(input)),
        Format::Xz => {
            // The dictionary is the decoder's memory: 64 MiB at `xz -9`, and
            // up to 1.5 GiB for a stream made to exhaust it.
            let stream = liblzma::stream::Stream::new_auto_decoder(XZ_MEMORY, liblzma::stream::CONCATENATED)
                .map_err(std::io::Error::other)?;
            Box::new(liblzma::bufread::XzDecoder::new_stream(input, stream))
        }
        other => {
            return Err(std::io::Error::other(format!("{} is not a compressed stream format", other.name())));
        }
    })
}

fn stream_name(format: Format) -> &'static str {
    match format {
        Format::Gzip => "gzip stream",
        Format::Zstd => "zstd stream",
        Format::Bzip2 => "bzip2 stream",
        Format::Xz => "xz stream",
        _ => "compressed stream",
    }
}

/// The name of the decompressed stream, used to guess its format: the
/// compression extension dropped (`data.csv.gz` → `data.csv`), the short
/// tarball forms expanded (`x.tgz` → `x.tar`).
pub(crate) fn inner_name(name: &str) -> String {
    let file_start = name.rfind(['/', '\\', '!']).map_or(0, |i| i + 1);
    let Some(dot) = name[file_start..].rfind('.').map(|d| file_start + d) else { return name.to_string() };
    let ext = name[dot + 1..].to_ascii_lowercase();
    let base = &name[..dot];
    match ext.as_str() {
        "gz" | "gzip" | "z" | "zst" | "zstd" | "bz2" | "bzip2" | "bz" | "xz" | "lzma" => base.to_string(),
        "tgz" | "taz" | "tbz" | "tbz2" | "tb2" | "txz" | "tzst" | "tzs" => format!("{base}.tar"),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::extract::Options;
    use crate::report::{Collect, Location, Severity};

    #[test]
    fn inner_names() {
        let cases = [
            ("data.jsonl.gz", "data.jsonl"),
            ("data.jsonl.zst", "data.jsonl"),
            ("a/b.csv.BZ2", "a/b.csv"),
            ("x.tgz", "x.tar"),
            ("x.tar.xz", "x.tar"),
            ("outer.zip!dir/y.txz", "outer.zip!dir/y.tar"),
            ("noext", "noext"),
            ("dir.gz/file", "dir.gz/file"),
            ("data.csv", "data.csv"),
        ];
        for (name, want) in cases {
            assert_eq!(inner_name(name), want, "{name}");
        }
    }

    fn encode(format: Format, data: &[u8]) -> Vec<u8> {
        match format {
            Format::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(data).expect("gzip");
                e.finish().expect("gzip")
            }
            Format::Zstd => zstd::encode_all(data, 3).expect("zstd"),
            Format::Bzip2 => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
                e.write_all(data).expect("bzip2");
                e.finish().expect("bzip2")
            }
            Format::Xz => {
                let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
                e.write_all(data).expect("xz");
                e.finish().expect("xz")
            }
            _ => unreachable!("not a compression format"),
        }
    }

    fn scan_with(bytes: &[u8], name: &str, opts: &Options) -> Collect {
        let scanner = crate::testutil::builtin();
        let x = Extractor::new(scanner, opts);
        let mut scratch = scanner.scratch();
        let mut out = Collect::default();
        x.scan(&mut scratch, Data::Bytes(bytes), name, &mut out);
        out
    }

    #[test]
    fn every_format_decompresses_with_offsets_in_the_stream() {
        let text = b"first line\nssn: 512-48-3921\n";
        for (format, name) in [
            (Format::Gzip, "t.txt.gz"),
            (Format::Zstd, "t.txt.zst"),
            (Format::Bzip2, "t.txt.bz2"),
            (Format::Xz, "t.txt.xz"),
        ] {
            let out = scan_with(&encode(format, text), name, &Options::default());
            assert!(out.problems.is_empty(), "{name}: {:?}", out.problems);
            assert_eq!(out.findings.len(), 1, "{name}");
            let f = &out.findings[0];
            assert_eq!(f.source, name);
            match &f.location {
                Location::Text(t) => assert_eq!((t.line, t.byte_start, t.byte_end), (2, 16, 27), "{name}"),
                other => panic!("{name}: {other:?}"),
            }
            let containers: Vec<_> = out.scanned.iter().filter(|s| s.container).collect();
            assert_eq!(containers.len(), 1, "{name}");
            assert_eq!(containers[0].format, format.name());
            assert_eq!(containers[0].findings, 1);
            let inner: Vec<_> = out.scanned.iter().filter(|s| !s.container).collect();
            assert_eq!(inner.len(), 1);
            assert_eq!(inner[0].bytes, text.len() as u64);
        }
    }

    /// Scans `bytes` as [`scan_random`] does with a thread free: decoded on
    /// a helper thread (see `ahead.rs`).
    fn scan_ahead_with(bytes: &[u8], name: &str, format: Format, opts: &Options) -> Collect {
        let scanner = crate::testutil::builtin();
        let x = Extractor::new(scanner, opts);
        let mut scratch = scanner.scratch();
        let mut out = Collect::default();
        let budget = crate::extract::Budget::default();
        let nest = Nesting { depth: 0, budget: &budget };
        scan_ahead(&x, &mut scratch, &crate::extract::Mem(bytes), format, name, nest, &mut out);
        out
    }

    #[test]
    fn decoding_ahead_finds_what_one_thread_finds() {
        // Several chunks of decoded text (~700 KB), whole, cut short and
        // followed by garbage, in every format.
        let mut text = Vec::new();
        for i in 0..12_000 {
            writeln!(text, "row {i} ssn: 512-48-3921 card 4111 1111 1111 1111").expect("write");
        }
        for (format, name) in [
            (Format::Gzip, "t.txt.gz"),
            (Format::Zstd, "t.txt.zst"),
            (Format::Bzip2, "t.txt.bz2"),
            (Format::Xz, "t.txt.xz"),
        ] {
            let whole = encode(format, &text);
            let mut garbage = whole[..whole.len() * 2 / 3].to_vec();
            garbage.extend_from_slice(&[0x5A; 4096]);
            for (case, data) in [("whole", &whole[..]), ("cut", &whole[..whole.len() / 2]), ("garbage", &garbage)] {
                let one = scan_with(data, name, &Options::default());
                let ahead = scan_ahead_with(data, name, format, &Options::default());
                assert!(one.findings.len() > 500 || case != "whole", "{name}: {}", one.findings.len());
                assert_eq!(one.problems.is_empty(), case == "whole", "{name} {case}: {:?}", one.problems);
                if case != "garbage" {
                    assert_eq!(one.findings.len(), ahead.findings.len(), "{name} {case}");
                    assert!(one.findings == ahead.findings, "{name} {case}: findings differ");
                    assert_eq!(one.problems, ahead.problems, "{name} {case}");
                    // The stored size is given only by `Extractor::scan`, not by the inner scan run here.
                    let unsized_ = |c: &Collect| -> Vec<Scanned> {
                        c.scanned.iter().map(|s| Scanned { size: None, ..s.clone() }).collect()
                    };
                    assert_eq!(unsized_(&one), unsized_(&ahead), "{name} {case}");
                    continue;
                }
                // A decoder failing on corrupt data loses what its failing
                // call decoded, which depends on the sizes asked: both scan
                // a prefix of the same stream, within a read of each other.
                let corrupt = |c: &Collect| {
                    c.problems.len() == 1
                        && c.problems[0].severity == Severity::Partial
                        && c.problems[0].reason.contains(&format!("{} after", stream_name(format)))
                };
                assert!(corrupt(&one) && corrupt(&ahead), "{name}: {:?} {:?}", one.problems, ahead.problems);
                let (short, long) =
                    if one.findings.len() <= ahead.findings.len() { (&one, &ahead) } else { (&ahead, &one) };
                assert!(short.findings[..] == long.findings[..short.findings.len()], "{name}: not a prefix");
                let bytes = |c: &Collect| c.scanned.iter().find(|s| !s.container).expect("inner").bytes;
                assert!(bytes(long) - bytes(short) <= 256 << 10, "{name}: {} {}", bytes(&one), bytes(&ahead));
            }
        }
    }

    #[test]
    fn decoding_ahead_stops_a_bomb_and_its_helper() {
        let gz = encode(Format::Gzip, &vec![0u8; 16 << 20]);
        let out = scan_ahead_with(&gz, "zeros.gz", Format::Gzip, &Options::default());
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(out.problems[0].reason.contains("ratio over 1000:1"), "{}", out.problems[0].reason);
        let inner = out.scanned.iter().find(|s| !s.container).expect("inner scanned");
        assert!(inner.bytes < 2 << 20, "read {} bytes of a bomb", inner.bytes);
        // Returning at all shows the helper stopped with 14 MiB left to decode.
    }

    #[test]
    fn concatenated_members_are_all_read() {
        let mut gz = encode(Format::Gzip, b"ssn: 512-48-3921\n");
        gz.extend(encode(Format::Gzip, b"ssn: 409-22-7781\n"));
        let out = scan_with(&gz, "two.txt.gz", &Options::default());
        assert_eq!(out.findings.len(), 2);
        assert!(out.problems.is_empty());
    }

    #[test]
    fn truncated_stream_is_partial_and_keeps_what_came_before() {
        let mut text = Vec::new();
        for i in 0..2000 {
            writeln!(text, "row {i} ssn: 512-48-3921").expect("write");
        }
        let gz = encode(Format::Gzip, &text);
        let cut = &gz[..gz.len() / 2];
        let out = scan_with(cut, "t.txt.gz", &Options::default());
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        let p = &out.problems[0];
        assert_eq!(p.severity, Severity::Partial);
        assert_eq!(p.source, "t.txt.gz");
        assert!(p.reason.starts_with("truncated gzip stream after "), "{}", p.reason);
        assert!(!out.findings.is_empty() && out.findings.len() < 2000, "{}", out.findings.len());
    }

    #[test]
    fn xz_streams_needing_too_much_memory_are_reported() {
        // A dictionary of 512 MiB (over the decoder's limit) for a few bytes of text.
        let mut opts = liblzma::stream::LzmaOptions::new_preset(0).unwrap();
        opts.dict_size(512 << 20);
        let mut filters = liblzma::stream::Filters::new();
        filters.lzma2(&opts);
        let stream = liblzma::stream::Stream::new_stream_encoder(&filters, liblzma::stream::Check::Crc64).unwrap();
        let mut e = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
        e.write_all(b"ssn: 512-48-3921\n").unwrap();
        let xz = e.finish().unwrap();
        let out = scan_with(&xz, "big-dict.txt.xz", &Options::default());
        assert!(out.findings.is_empty());
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(
            out.problems[0].reason.contains("needs more memory to decode than allowed"),
            "{}",
            out.problems[0].reason
        );
    }

    #[test]
    fn garbage_is_reported_as_corrupt() {
        let mut gz = encode(Format::Gzip, b"hello\n");
        gz.truncate(10);
        gz.extend_from_slice(&[0xFF; 64]);
        let out = scan_with(&gz, "bad.gz", &Options::default());
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(out.problems[0].reason.contains("gzip stream after 0 bytes"), "{}", out.problems[0].reason);
    }

    #[test]
    fn ratio_limit_stops_a_bomb_early() {
        let zeros = vec![0u8; 8 << 20];
        let gz = encode(Format::Gzip, &zeros);
        let out = scan_with(&gz, "zeros.gz", &Options::default());
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(out.problems[0].reason.contains("ratio over 1000:1"), "{}", out.problems[0].reason);
        let inner = out.scanned.iter().find(|s| !s.container).expect("inner scanned");
        assert!(inner.bytes < 2 << 20, "read {} bytes of a bomb", inner.bytes);
    }

    #[test]
    fn budget_limit_is_shared_by_nested_streams() {
        let text: Vec<u8> = (0..200_000u32).flat_map(|i| format!("{i:08}\n").into_bytes()).collect();
        let double = encode(Format::Gzip, &encode(Format::Zstd, &text));
        let mut opts = Options::default();
        opts.limits.max_total_bytes = 500_000;
        let out = scan_with(&double, "t.txt.zst.gz", &opts);
        assert!(!out.problems.is_empty());
        assert!(out.problems.iter().all(|p| p.severity == Severity::Partial && p.source == "t.txt.zst.gz"));
        assert!(out.problems.iter().any(|p| p.reason.contains("limit of 500000 bytes")), "{:?}", out.problems);
        let inner = out.scanned.iter().find(|s| !s.container).expect("inner scanned");
        assert!(inner.bytes <= 500_000, "{}", inner.bytes);
    }

    #[test]
    fn depth_limit_leaves_the_stream_closed() {
        let gz = encode(Format::Gzip, b"ssn: 512-48-3921\n");
        let mut opts = Options::default();
        opts.limits.max_depth = 0;
        let out = scan_with(&gz, "t.gz", &opts);
        assert!(out.findings.is_empty());
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].severity, Severity::Partial);
    }
}

//! The same findings whatever the read path: a whole slice, a memory map, a
//! reader delivering a few bytes at a time, and tiny chunk sizes that make
//! values and keywords straddle chunk boundaries.

use std::io::Read;

use trawl::{Finding, TextOptions};

use crate::util::{root, scanner};

/// Delivers at most `n` bytes per read.
struct Dribble<'a> {
    data: &'a [u8],
    n: usize,
}

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.n.min(buf.len()).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

fn files_below(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { files_below(&p, out) } else { out.push(p) }
    }
}

fn corpus_sample() -> Vec<u8> {
    // A mix of every kind of text corpus file, concatenated.
    let mut out = Vec::new();
    for dir in ["logs", "email", "config", "tickets", "keys", "hr", "src", "exports"] {
        let mut files = Vec::new();
        files_below(&root().join("corpus").join(dir), &mut files);
        files.sort();
        for p in files.into_iter().take(4) {
            out.extend(std::fs::read(p).unwrap());
            out.push(b'\n');
        }
    }
    out
}

/// Scans `hay` whole, then sliced and streamed in each of `chunks`, and
/// checks the findings are identical.
fn check_chunks(hay: &[u8], chunks: &[usize], min_findings: usize) {
    let s = scanner();
    let mut scratch = s.scratch();
    let whole_opts = TextOptions { chunk_size: usize::MAX / 4, show_values: true };
    let mut whole: Vec<Finding> = Vec::new();
    s.scan_slice(&mut scratch, hay, "sample", &whole_opts, &mut whole);
    assert!(whole.len() >= min_findings, "sample has only {} findings", whole.len());
    for &chunk in chunks {
        let opts = TextOptions { chunk_size: chunk, show_values: true };
        let mut sliced: Vec<Finding> = Vec::new();
        s.scan_slice(&mut scratch, hay, "sample", &opts, &mut sliced);
        assert_eq!(sliced, whole, "slice with {chunk}-byte chunks");
        let mut read: Vec<Finding> = Vec::new();
        s.scan_reader(&mut scratch, &mut Dribble { data: hay, n: 13 }, "sample", &opts, &mut read).unwrap();
        assert_eq!(read, whole, "reader with {chunk}-byte chunks");
    }
}

#[test]
fn tiny_chunks_match_whole_buffer() {
    // Every step searches its chunk plus the context on each side, so tiny
    // chunks are tested on a small sample.
    let hay = corpus_sample();
    let small = &hay[..hay.len().min(6_000)];
    check_chunks(small, &[7, 64], 5);
}

#[test]
fn tiny_chunks_match_whole_buffer_across_whitespace_escapes() {
    // Escapes and the values after them fall on every chunk boundary.
    let line = "{\"note\":\"record\\nSSN: 219445178\\tcard 4532015112830366\\\\nssn 512483921\"}\n";
    let hay = line.repeat(40);
    check_chunks(hay.as_bytes(), &[7, 64, 1000], 80);
}

#[test]
fn chunked_reads_match_whole_buffer() {
    let hay = corpus_sample();
    assert!(hay.len() > 20_000, "sample too small: {}", hay.len());
    check_chunks(&hay, &[1000, 4096, 65_536], 50);
}

#[test]
fn memory_mapped_file_matches_buffer() {
    let hay = corpus_sample();
    let big: Vec<u8> = hay.iter().copied().cycle().take(3 << 20).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    std::fs::write(&path, &big).unwrap();
    let opts = trawl::extract::Options::default();
    let x = trawl::extract::Extractor::new(scanner(), &opts);
    let mut scratch = scanner().scratch();
    let mut mapped = trawl::Collect::default();
    trawl::source::fs::scan_file(&x, &mut scratch, &path, trawl::source::read::MmapChoice::Auto, &mut mapped);
    let mut read = trawl::Collect::default();
    trawl::source::fs::scan_file(&x, &mut scratch, &path, trawl::source::read::MmapChoice::Never, &mut read);
    assert!(!mapped.findings.is_empty());
    assert_eq!(mapped.findings, read.findings);
}

//! One large plain-text, JSON Lines, JSON or delimited file scanned by several
//! threads: the file is cut into small jobs, and each of
//! `Options::parallel` threads takes runs of consecutive jobs (as many as
//! the findings per job allow, up to a segment's size; see
//! `extract::ordered`) and reads and scans each run as one segment, with
//! context on both sides. The findings are emitted in file order (through
//! `extract::ordered`, which holds only a few per run) with their line
//! numbers and columns made absolute.
//!
//! JSON Lines segments are cut at line ends (a JSON value holds no raw
//! newline, so every line is a record wherever the file is cut); each
//! numbers its records and lines from its own start, renumbered as its
//! findings and warnings are sent on ([`Shift`]). A table's segments start
//! at record starts, which a line start is not always (a quoted cell may
//! hold line breaks): guessed at line starts and numbered the same way,
//! each guess is checked once the segment before it is scanned, and the
//! segments from a wrong guess on are scanned again from the true record
//! start (see [`table_passes`]). A JSON document's
//! segments start just after commas inside its first top-level value,
//! found with the containers open there by one pass over its structure
//! (`json_cuts`).
//!
//! Memory stays bounded by the threads times one segment, whatever the
//! number of findings. A segment reports only the matches that start in it
//! and sees the bytes around it as context, the same rule as the chunks of
//! one stream (`detect::stream`), so the findings are exactly those of one
//! scan of the whole file.

use std::io::Read;
use std::ops::Range;

use rayon::prelude::*;

use crate::detect::Scanner;
use crate::detect::stream::{Segment, SegmentScan};
use crate::extract::blocks::{Lines, Window};
use crate::extract::ordered::{Step, run_merged};
use crate::extract::{
    Extractor, Format, MAX_WARNINGS, Nesting, RandomAccess, RandomReader, delimited, json, json_cuts, scanned_records,
};
use crate::report::{Location, Problem, Scanned, Sink};
use crate::{Scratch, TextOptions};

/// Files at least this large are scanned in segments when threads allow
/// (the default of `Options::split_bytes`). Smaller files are left to the
/// walk's own parallelism (one file per thread): splitting them too made a
/// directory scan slower (scaling on the benchmark corpus, whose largest
/// files are 134 MB, fell from 2.0x to 1.75x on two threads), while a file
/// this large takes a second or more alone.
pub(crate) const MIN_BYTES: u64 = 256 << 20;

/// Bytes per job: a file is cut into jobs this small, and a worker takes
/// as many consecutive jobs at once as fit in one segment's size, or fewer
/// where the data is dense in findings (see `extract::ordered`): the
/// findings of one run must fit a small queue, or the workers after it
/// wait for it, and a file where every line holds a finding would be
/// scanned by one thread at a time.
const JOB: u64 = 256 << 10;

/// Bytes per segment of plain text.
const SEGMENT: u64 = 2 << 20;

/// Bytes per JSON Lines segment: each segment starts a JSON scan of its
/// own, so segments are larger than plain-text ones (with 2 MiB segments a
/// 400 MB file took 17% more CPU time than one thread's scan; with 16 MiB, 4%).
const JSONL_SEGMENT: u64 = 16 << 20;

/// Bytes per segment of a JSON document: as for JSON Lines, each segment
/// starts a JSON scan of its own.
const JSON_SEGMENT: u64 = 16 << 20;

/// Bytes per segment of a delimited table: as for JSON Lines, each segment
/// starts a table scan of its own.
const TABLE_SEGMENT: u64 = 16 << 20;

/// How a file is cut into jobs: bytes per job (about), and the most
/// consecutive jobs one worker scans at once as one segment.
#[derive(Clone, Copy, Debug)]
struct Split {
    job: u64,
    merge: usize,
}

impl Split {
    /// Jobs of [`JOB`] bytes, merged up to segments of `segment` bytes.
    fn segments_of(segment: u64) -> Split {
        Split { job: JOB.min(segment), merge: segment.div_ceil(JOB).max(1) as usize }
    }
}

/// The span from the first of `jobs` to the end of the last (`span` gives
/// each one's): the segment a run of consecutive jobs scans as one.
fn joined<J>(jobs: &[J], span: impl Fn(&J) -> Range<u64>) -> Range<u64> {
    match jobs {
        [first, .., last] => span(first).start..span(last).end,
        [one] => span(one),
        [] => 0..0,
    }
}

/// Scans `src` as plain UTF-8 text with up to `x.options().parallel` threads.
pub(crate) fn scan_text(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    scan_text_in(x, scratch, src, source, Split::segments_of(SEGMENT), sink)
}

/// [`scan_text`] split as `split` says.
fn scan_text_in(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    split: Split,
    sink: &mut dyn Sink,
) -> bool {
    let scanner = x.scanner();
    let opts = &x.options().text;
    let len = src.len();
    let job = split.job.max(1);
    let segments: Vec<Range<u64>> = (0..len.div_ceil(job)).map(|k| k * job..((k + 1) * job).min(len)).collect();
    // Lines before the segment being emitted, where the last of them ended,
    // and the UTF-16 code units of the line open at the segment's start.
    let (mut lines_before, mut line_start, mut scanned) = (0u64, 0u64, 0u64);
    let mut open_units = 0u64;
    let outcome = run_merged(
        scanner,
        scratch,
        x.options().parallel,
        &segments,
        split.merge,
        |rs, s, out| scan_segment(scanner, s, src, len, joined(rs, Range::clone), source, opts, out),
        sink,
        |k, step, sink| match step {
            Step::Finding(f) => {
                if let Location::Text(t) = &mut f.location {
                    if t.line == 1 {
                        // Counted from the segment's start: the line's
                        // bytes and units before it are added.
                        let units = open_units + t.column_utf16.unwrap_or(t.column);
                        t.column = t.byte_start - line_start + 1;
                        t.column_utf16 = (units != t.column).then_some(units);
                    }
                    t.line += lines_before;
                }
                true
            }
            Step::Problem(p) => {
                sink.problem(p);
                true
            }
            Step::Done(Ok(part)) => {
                lines_before += part.newlines;
                if let Some(nl) = part.last_newline {
                    line_start = nl + 1;
                    open_units = 0;
                }
                open_units += part.tail_units;
                scanned = segments[k.end - 1].end;
                true
            }
            Step::Done(Err(e)) => {
                // Reported; the scan goes on with the other files.
                let at = segments[k.start].start;
                sink.problem(Problem::partial(source, format!("read error at byte {at}: {e}")));
                false
            }
        },
    );
    sink.scanned(Scanned {
        source: source.to_string(),
        format: Format::Text.name().into(),
        bytes: scanned,
        findings: outcome.findings,
        binary: false,
        container: false,
        size: None,
    });
    outcome.sink_wants_more
}

/// Reads segment `r` of `src` (`len` bytes in all) with context on both
/// sides, scans it into `sink` (line numbers counted from the segment's
/// start) and counts its newlines.
#[allow(clippy::too_many_arguments)]
fn scan_segment(
    scanner: &Scanner,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    len: u64,
    r: Range<u64>,
    source: &str,
    opts: &TextOptions,
    sink: &mut dyn Sink,
) -> std::io::Result<SegmentScan> {
    thread_local! {
        static BUF: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let context = scanner.context_len() as u64;
    let start = r.start.saturating_sub(context);
    let end = (r.end + context).min(len);
    let mut buf = BUF.take();
    buf.resize((end - start) as usize, 0);
    let read = src.read_at(start, &mut buf);
    let out = read.map(|()| {
        let report = (r.start - start) as usize..(r.end - start) as usize;
        scanner.scan_segment(scratch, &Segment { buf: &buf, base: start, report }, source, opts, sink)
    });
    BUF.set(buf);
    out
}

/// Scans `src` as JSON Lines with up to `x.options().parallel` threads.
pub(crate) fn scan_jsonl(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    scan_jsonl_in(x, scratch, src, source, Split::segments_of(JSONL_SEGMENT), sink)
}

/// [`scan_jsonl`] split as `split` says.
fn scan_jsonl_in(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    split: Split,
    sink: &mut dyn Sink,
) -> bool {
    let context = x.scanner().context_len() as u64;
    let len = src.len();
    // Each job's lines: from the first line start at or after its cut to
    // the next job's. How many lines come before a job is known only once
    // the jobs before it were scanned: its findings and warnings are
    // numbered from its start, and renumbered as they are sent on.
    let job = split.job.max(1);
    let cuts: Vec<u64> = (0..len.div_ceil(job)).map(|k| k * job).chain([len]).collect();
    let starts: Vec<std::io::Result<u64>> =
        cuts.par_iter().map(|&at| line_start_at(src, at, &mut [0u8; 4096])).collect();
    let mut jobs: Vec<Range<u64>> = Vec::new();
    let mut failed = None;
    let mut start = 0;
    for (&at, next) in cuts.iter().zip(starts).skip(1) {
        match next {
            Ok(next) => {
                jobs.push(start..next.max(start));
                start = next.max(start);
            }
            Err(e) => {
                failed = Some((at, e));
                break;
            }
        }
    }
    let run = |run: &[Range<u64>], s: &mut Scratch, out: &mut dyn Sink| {
        let span = joined(run, Range::clone);
        if span.is_empty() {
            return Ended::at(None);
        }
        let lo = span.start.saturating_sub(context);
        let mut reader = RandomReader::at(src, lo).take((span.end + context).min(len) - lo);
        let w = Window::new_at(&mut reader, lo);
        let (_, error, lines) = json::scan_lines_segment(x, s, w, span.clone(), source, out);
        let counted = Counted { end: span.end, rows: lines, newlines: lines, last_line_start: None };
        Ended { error, to_end: false, counted: Some(counted) }
    };
    let numbering = Numbering { start: 0, row_base: 0 };
    let each = Segments { jobs: &jobs, merge: split.merge, records: Range::clone, failed, len, numbering };
    run_segments(x, scratch, each, run, Format::Jsonl, "lines", source, sink)
}

/// The segments of one structured file, ready to scan.
struct Segments<'j, J, R> {
    jobs: &'j [J],
    /// The most consecutive jobs scanned at once as one segment.
    merge: usize,
    /// The bytes whose records a job reads.
    records: R,
    /// Where cutting the file into segments met a read error, if it did:
    /// the jobs stop before that offset.
    failed: Option<(u64, std::io::Error)>,
    /// The file's length.
    len: u64,
    /// How segments that count their own rows and lines ([`Counted`])
    /// number them.
    numbering: Numbering,
}

/// How the segments of a file that count their own rows and lines number
/// them: a segment starting at `start` (the file's first record, or where a
/// table's records proved to start after a wrong guess) as the whole file
/// does, any other from row `row_base` and line 1, to be renumbered as its
/// findings and warnings are sent on, once the rows and lines before it are
/// known.
#[derive(Clone, Copy, Debug)]
struct Numbering {
    start: u64,
    row_base: u64,
}

/// How the scan of one segment ended.
struct Ended {
    /// The read error that cut it short, if one did.
    error: Option<std::io::Error>,
    /// It read on to the end of the file (a JSON document read as text
    /// from an error on, as one scan of the file would): the segments
    /// after it are not used.
    to_end: bool,
    /// What it read, when it numbered its rows and lines itself (see [`Numbering`]).
    counted: Option<Counted>,
}

/// What a segment that numbers its own rows and lines read.
#[derive(Clone, Copy, Debug)]
struct Counted {
    /// Where its records ended: where the next segment's must start (a
    /// table's segments start where a record was guessed to; when the
    /// guess was wrong, the segments from there are scanned again).
    end: u64,
    /// Rows (records) read.
    rows: u64,
    /// Newlines read.
    newlines: u64,
    /// Where the last line begun before `end` starts, when a newline read ends the line before it.
    last_line_start: Option<u64>,
}

impl Ended {
    /// A segment that ended at its own end, or at a read error, numbering
    /// lines as the whole file does.
    fn at(error: Option<std::io::Error>) -> Ended {
        Ended { error, to_end: false, counted: None }
    }
}

/// What the segments of a file sent on so far came to.
#[derive(Debug, Default)]
struct Tally {
    /// Malformed records met.
    malformed: u64,
    /// Where the bytes scanned end.
    scanned: u64,
    /// Findings sent on.
    findings: u64,
    /// Rows counted by the segments sent on (see [`Counted`]), and the
    /// line count where they end.
    rows: u64,
    lines: Lines,
}

/// How one pass of [`run_pass`] ended.
struct Pass {
    /// The sink never refused a finding.
    wants_more: bool,
    /// Every segment was scanned to its end.
    finished: bool,
    /// A segment's records ended elsewhere than where the next segment
    /// started: the file is to be scanned again from there.
    resume_at: Option<u64>,
}

/// Moves the numbers of a segment's findings and warnings, counted as
/// [`Numbering`] says, to those of the whole file: rows and lines are
/// added (modulo 2^64, so that a row base is taken away too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Shift {
    rows: u64,
    lines: u64,
}

impl Shift {
    /// The shift of a segment starting at `at`, after the rows and lines of `tally`.
    fn of(numbering: Numbering, at: u64, tally: &Tally) -> Shift {
        if at == numbering.start {
            return Shift::default();
        }
        Shift { rows: tally.rows.wrapping_sub(numbering.row_base), lines: tally.lines.line() - 1 }
    }

    /// Renumbers a finding's location: a JSON Lines record is a row.
    fn location(self, location: &mut Location) {
        match location {
            Location::Record(r) => {
                r.record = r.record.wrapping_add(self.rows);
                r.line = r.line.map(|l| l.wrapping_add(self.lines));
            }
            Location::Cell(c) => {
                c.row = c.row.wrapping_add(self.rows);
                c.line = c.line.map(|l| l.wrapping_add(self.lines));
            }
            Location::Text(t) => t.line = t.line.wrapping_add(self.lines),
        }
    }

    /// Renumbers a warning about a malformed record, which names it first:
    /// `line 12 ...` (JSON Lines) or `row 7 (line 9) ...` (tables).
    fn problem(self, problem: &mut Problem) {
        if self == Shift::default() {
            return;
        }
        let reason = &problem.reason;
        let mut out = String::with_capacity(reason.len() + 8);
        let mut rest = reason.as_str();
        for (prefix, by) in [("row ", self.rows), ("(line ", self.lines), ("line ", self.lines)] {
            let Some(after) = rest.strip_prefix(prefix) else { continue };
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let Ok(n) = after[..digits].parse::<u64>() else { return };
            out.push_str(prefix);
            out.push_str(&n.wrapping_add(by).to_string());
            rest = &after[digits..];
            // `row 7 (line 9)`: the line follows the row.
            if let Some(more) = rest.strip_prefix(' ') {
                out.push(' ');
                rest = more;
            }
        }
        out.push_str(rest);
        problem.reason = out;
    }
}

/// Scans the segments of a structured file in order with `run` (given
/// runs of consecutive jobs, each scanned as one segment), and
/// reports what one scan of the file would: the malformed records (`what`)
/// the segments found, the first [`MAX_WARNINGS`] one by one and then
/// their count, read errors, and the bytes scanned.
#[allow(clippy::too_many_arguments)]
fn run_segments<J: Sync, R: Fn(&J) -> Range<u64>>(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    segments: Segments<'_, J, R>,
    run: impl Fn(&[J], &mut Scratch, &mut dyn Sink) -> Ended + Sync,
    format: Format,
    what: &str,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    let mut tally = Tally::default();
    let pass = run_pass(x, scratch, &segments, &run, source, sink, &mut tally);
    debug_assert!(pass.resume_at.is_none(), "only a table's segments start at guesses");
    finish_segments(sink, source, format, what, segments.failed.filter(|_| pass.finished), &tally);
    pass.wants_more
}

/// Reports the end of a file scanned in segments: the read error that
/// ended its segments early, if one did, and what was scanned.
fn finish_segments(
    sink: &mut dyn Sink,
    source: &str,
    format: Format,
    what: &str,
    failed: Option<(u64, std::io::Error)>,
    tally: &Tally,
) {
    if let Some((at, e)) = failed {
        sink.problem(Problem::partial(source, format!("read error at byte {at}: {e}")));
    }
    scanned_records(sink, source, format, tally.scanned, tally.findings, (tally.malformed, what));
}

/// One pass of [`run_segments`] over `segments`, adding what it sends on
/// to `tally`. Stops where a segment's records end elsewhere than where
/// the next segment starts (see [`Counted::end`]).
fn run_pass<J: Sync, R: Fn(&J) -> Range<u64>>(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    segments: &Segments<'_, J, R>,
    run: &(impl Fn(&[J], &mut Scratch, &mut dyn Sink) -> Ended + Sync),
    source: &str,
    sink: &mut dyn Sink,
    tally: &mut Tally,
) -> Pass {
    let Segments { jobs, merge, records, len, numbering, .. } = segments;
    let mut resume_at = None;
    let par = x.options().parallel;
    let shift = |k: &Range<usize>, tally: &Tally| Shift::of(*numbering, records(&jobs[k.start]).start, tally);
    let outcome = run_merged(x.scanner(), scratch, par, jobs, *merge, run, sink, |k, step, sink| match step {
        Step::Finding(f) => {
            shift(&k, tally).location(&mut f.location);
            true
        }
        // Every problem of a segment is a record read as text.
        Step::Problem(mut p) => {
            tally.malformed += 1;
            if tally.malformed <= MAX_WARNINGS {
                shift(&k, tally).problem(&mut p);
                sink.problem(p);
            }
            true
        }
        Step::Done(Ended { error: None, to_end, counted }) => {
            tally.scanned = if to_end { *len } else { joined(&jobs[k.clone()], records).end };
            if let Some(c) = counted {
                tally.rows += c.rows;
                tally.lines = tally.lines.followed_by(c.end, c.newlines, c.last_line_start);
                if jobs.get(k.end).is_some_and(|next| records(next).start != c.end) {
                    (tally.scanned, resume_at) = (c.end, Some(c.end));
                    return false;
                }
            }
            !to_end
        }
        Step::Done(Ended { error: Some(e), to_end, .. }) => {
            let r = joined(&jobs[k], records);
            let end = if to_end { *len } else { r.end };
            sink.problem(Problem::partial(source, format!("read error in bytes {}..{end}: {e}", r.start)));
            false
        }
    });
    tally.findings += outcome.findings;
    Pass { wants_more: outcome.sink_wants_more, finished: outcome.finished, resume_at }
}

/// Scans `src` as one JSON document with up to `x.options().parallel`
/// threads, cut after commas inside its first top-level value (see
/// `json_cuts`); a document that cannot be cut is scanned by one thread.
pub(crate) fn scan_json(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    scan_json_in(x, scratch, src, source, nest, Split::segments_of(JSON_SEGMENT), sink)
}

/// [`scan_json`] split as `split` says.
fn scan_json_in(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    nest: Nesting<'_>,
    split: Split,
    sink: &mut dyn Sink,
) -> bool {
    let len = src.len();
    let cuts = json_cuts::cuts(src, split.job.max(1));
    if cuts.is_empty() {
        let mut reader = RandomReader::new(src);
        return json::scan_stream(x, scratch, &mut reader, Format::Json, source, nest, sink);
    }
    // Job k runs from cut k - 1 (the start for the first) to cut k (the end for the last).
    let jobs: Vec<(Range<u64>, Option<&json_cuts::Cut>)> = (0..=cuts.len())
        .map(|k| {
            let cut = k.checked_sub(1).map(|i| &cuts[i]);
            (cut.map_or(0, |c| c.at)..cuts.get(k).map_or(len, |c| c.at), cut)
        })
        .collect();
    let context = x.scanner().context_len() as u64;
    // A run resumes the document's open containers at its first job's cut,
    // and reads on through the cuts of the others.
    let span = |(span, _): &(Range<u64>, Option<&json_cuts::Cut>)| span.clone();
    let run = |run: &[(Range<u64>, Option<&json_cuts::Cut>)], s: &mut Scratch, out: &mut dyn Sink| {
        let (span, cut) = (joined(run, span), run[0].1);
        let lo = span.start.saturating_sub(context);
        let mut reader = RandomReader::at(src, lo);
        let w = Window::new_at(&mut reader, lo);
        let open = cut.map(|c| c.open_with_keys(src));
        let resume = cut
            .zip(open.as_deref())
            .map(|(c, open)| (open, Lines::new().followed_by(c.at, c.newlines, c.last_line_start)));
        let ended = json::scan_document_segment(x, s, w, span, resume, source, out);
        Ended { error: ended.error, to_end: ended.to_end, counted: None }
    };
    let numbering = Numbering { start: 0, row_base: 0 };
    let each = Segments { jobs: &jobs, merge: split.merge, records: span, failed: None, len, numbering };
    run_segments(x, scratch, each, run, Format::Json, "values", source, sink)
}

/// Scans `src` as a delimited table with up to `x.options().parallel` threads.
pub(crate) fn scan_delimited(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    delimiter: u8,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    scan_delimited_in(
        x,
        scratch,
        src,
        delimiter,
        source,
        Split::segments_of(TABLE_SEGMENT),
        delimited::MAX_RECORD,
        sink,
    )
}

/// [`scan_delimited`] split as `split` says, with records cut at `max_record` bytes.
#[allow(clippy::too_many_arguments)]
fn scan_delimited_in(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    delimiter: u8,
    source: &str,
    split: Split,
    max_record: u64,
    sink: &mut dyn Sink,
) -> bool {
    table_passes(x, scratch, src, delimiter, source, split, max_record, MAX_TABLE_PASSES, sink).0
}

/// [`scan_delimited_in`], also returning how many passes over segments it
/// made (more than one when a guessed record start proved wrong), or 0
/// when one thread read the table. After `max_passes` passes, the rest of
/// the table is one segment.
#[allow(clippy::too_many_arguments)]
fn table_passes(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    delimiter: u8,
    source: &str,
    split: Split,
    max_record: u64,
    max_passes: usize,
    sink: &mut dyn Sink,
) -> (bool, usize) {
    let len = src.len();
    let whole = |scratch: &mut Scratch, sink: &mut dyn Sink| {
        let mut reader = RandomReader::new(src);
        delimited::scan_limited(x, scratch, Window::new(&mut reader), delimiter, source, max_record, sink)
    };
    let (layout, start) = match delimited::layout(x, src, delimiter, max_record) {
        // No record on the first line (blank lines first): which record sets
        // the number of fields is not known here, so one thread reads it all.
        Ok((layout, _)) if !layout.has_records() => return (whole(scratch, sink), 0),
        Ok(found) => found,
        // The first record cannot be read: one thread reads what it can and
        // reports where reading failed, as for a small table.
        Err(_) => return (whole(scratch, sink), 0),
    };
    // Records are guessed to start at the first line start after each cut
    // from which a few records parse cleanly; a cut whose bytes cannot be
    // read is dropped (the scan of the segment holding it meets the error
    // and reports it).
    let job = split.job.max(1);
    let mut guesses: Vec<u64> =
        (1..len.div_ceil(job)).into_par_iter().filter_map(|k| guess_record_start(src, &layout, k * job).ok()).collect();
    guesses.retain(|&g| g > start && g < len);
    guesses.sort_unstable();
    guesses.dedup();
    let mut tally = Tally::default();
    // Each segment is scanned from its guess. Where the records before a
    // guess end elsewhere (the cut fell inside a quoted cell holding line
    // breaks, or a stray quote moved the record ends), the segments from
    // there are scanned again, cut from where those records do end; the
    // first of them knows the rows and lines before it (it may start inside
    // a line: a record may end at a lone carriage return).
    let mut from = start;
    for passes in 1.. {
        let known = (tally.rows, tally.lines);
        let run = |run: &[Range<u64>], s: &mut Scratch, out: &mut dyn Sink| {
            let records = joined(run, Range::clone);
            let known = (records.start == from).then_some(known);
            let (error, read) = delimited::scan_segment(x, s, src, &layout, records, known, source, max_record, out);
            let delimited::SegmentEnd { end, rows, newlines, last_line_start } = read;
            Ended { error, to_end: false, counted: Some(Counted { end, rows, newlines, last_line_start }) }
        };
        // Past a few wrong guesses, the rest is one segment: each wrong guess
        // throws away the work of the threads ahead, and a table that keeps
        // defeating the guesses would cost more than one thread reading it.
        let jobs =
            if passes > max_passes { std::iter::once(from..len).collect() } else { table_jobs(from, &guesses, len) };
        let numbering = Numbering { start: from, row_base: delimited::SEGMENT_ROW_BASE };
        let each = Segments { jobs: &jobs, merge: split.merge, records: Range::clone, failed: None, len, numbering };
        let pass = run_pass(x, scratch, &each, &run, source, sink, &mut tally);
        match pass.resume_at {
            Some(at) if pass.wants_more && at < len => from = at,
            _ => {
                finish_segments(sink, source, Format::Delimited(delimiter), "rows", None, &tally);
                return (pass.wants_more, passes);
            }
        }
    }
    unreachable!("the passes end")
}

/// Passes over a table's segments, each after a wrong guess of where
/// records start, before one thread reads the rest (see [`table_passes`]).
const MAX_TABLE_PASSES: usize = 8;

/// Bytes read after a cut of a table to guess where a record starts there.
const GUESS_BYTES: usize = 8 << 10;

/// A likely record start at or after `at` (> 0) in the table `src` of
/// `layout` ([`delimited::likely_record_start`] in the [`GUESS_BYTES`]
/// from there); failing one, the first line start at or after `at`.
fn guess_record_start(src: &dyn RandomAccess, layout: &delimited::Layout, at: u64) -> std::io::Result<u64> {
    let len = src.len();
    // From the byte before, so that a line starting at `at` is seen.
    let from = at.saturating_sub(1).min(len);
    let mut buf = [0u8; GUESS_BYTES];
    let n = ((len - from) as usize).min(GUESS_BYTES);
    src.read_at(from, &mut buf[..n])?;
    match delimited::likely_record_start(layout, &buf[..n], from + n as u64 == len) {
        Some(start) => Ok(from + start as u64),
        None => line_start_at(src, at, &mut buf[..4096]),
    }
}

/// The jobs of a table whose records start at `from`: from there to the
/// first of the guessed record starts `guesses` after it, then from guess
/// to guess, the last to the end (`len`).
fn table_jobs(from: u64, guesses: &[u64], len: u64) -> Vec<Range<u64>> {
    let later = &guesses[guesses.partition_point(|&g| g <= from)..];
    let bounds: Vec<u64> = [from].into_iter().chain(later.iter().copied()).chain([len]).collect();
    bounds.windows(2).map(|b| b[0]..b[1]).collect()
}

/// The first offset at or after `at` that starts a line (follows a newline,
/// or is 0), or the length of `src` if none does.
fn line_start_at(src: &dyn RandomAccess, at: u64, buf: &mut [u8]) -> std::io::Result<u64> {
    start_after(src, at, buf, |b| memchr::memchr(b'\n', b))
}

/// The first offset at or after `at` that follows a byte `find` finds (or
/// is 0), or the length of `src` if none does; reads `buf.len()` bytes at a
/// time, so a long stretch without one costs no memory.
pub(crate) fn start_after(
    src: &dyn RandomAccess,
    at: u64,
    buf: &mut [u8],
    find: impl Fn(&[u8]) -> Option<usize>,
) -> std::io::Result<u64> {
    let len = src.len();
    if at == 0 || at >= len {
        return Ok(at.min(len));
    }
    let mut pos = at - 1;
    while pos < len {
        let n = ((len - pos) as usize).min(buf.len());
        src.read_at(pos, &mut buf[..n])?;
        if let Some(i) = find(&buf[..n]) {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Data, Mem, Options};
    use crate::report::Collect;
    use crate::testutil::builtin;

    /// Jobs of `job` bytes, up to five scanned at once (as many as the
    /// findings per job allow), so that segments are runs of several jobs
    /// as well as jobs alone.
    fn split(job: u64) -> Split {
        Split { job, merge: 5 }
    }

    /// Text with values of several kinds on lines of every length, some
    /// longer than a segment.
    fn text() -> Vec<u8> {
        let mut t = String::new();
        for i in 0..400 {
            t.push_str(&format!("{i} note ssn: 536-22-{:04} mail a{i}@example.com", 4100 + i % 80));
            t.push_str(&" filler".repeat(i % 37));
            if i % 50 == 7 {
                // 4,500 bytes with no newline, in characters of 1 to 4 bytes.
                t.push_str(&" l\u{f3}ng l\u{1F600}ne".repeat(300));
                t.push_str(" card 4532 0151 1283 0366");
            }
            t.push('\n');
        }
        t.into_bytes()
    }

    #[test]
    fn segments_find_exactly_what_one_scan_finds() {
        let scanner = builtin();
        let mut opts = Options { parallel: 2, ..Options::default() };
        opts.text.chunk_size = 700;
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let bytes = text();
        let mut whole = Collect::default();
        x.scan(&mut scratch, Data::Bytes(&bytes), "t.txt", &mut whole);
        assert!(whole.findings.len() > 800, "{}", whole.findings.len());
        // Columns in bytes and in UTF-16 code units, as counted from the line's start.
        let mut wide = 0;
        for f in &whole.findings {
            let Location::Text(t) = &f.location else { panic!("{:?}", f.location) };
            let at = t.byte_start as usize;
            let start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let units = std::str::from_utf8(&bytes[start..at]).unwrap().encode_utf16().count() as u64 + 1;
            assert_eq!(t.column, (at - start) as u64 + 1);
            assert_eq!(t.column_utf16, (units != t.column).then_some(units), "{t:?}");
            wide += usize::from(t.column_utf16.is_some());
        }
        assert!(wide >= 8, "{wide}");
        for segment in [1_000, 1_777, 4_096, 1 << 20] {
            let mut parts = Collect::default();
            assert!(scan_text_in(&x, &mut scratch, &Mem(&bytes), "t.txt", split(segment), &mut parts));
            assert!(parts.problems.is_empty(), "{:?}", parts.problems);
            assert_eq!(parts.findings, whole.findings, "segment {segment}");
            assert_eq!(parts.scanned[0].bytes, bytes.len() as u64);
            assert_eq!(parts.scanned[0].findings, whole.findings.len() as u64);
        }
    }

    /// JSON Lines with values of several kinds, malformed lines (more than
    /// are reported one by one), blank lines, CRLF ends and lines longer
    /// than a segment.
    fn jsonl() -> Vec<u8> {
        let mut t = String::new();
        for i in 0..300 {
            match i % 23 {
                3 => t.push_str(&format!("{{broken ssn 536-22-{:04}\n", 4100 + i % 80)),
                9 => t.push('\n'),
                _ => {
                    let pad = "x".repeat(if i % 97 == 5 { 5_000 } else { i % 53 });
                    t.push_str(&format!(
                        r#"{{"id":{i},"customer":{{"ssn":"536-22-{:04}","email":"a{i}@example.com"}},"note":"{pad}","card":"4532 0151 1283 0366"}}"#,
                        4100 + i % 80
                    ));
                    t.push_str(if i % 7 == 0 { "\r\n" } else { "\n" });
                }
            }
        }
        t.push_str(r#"{"last":"no newline","ssn":"536-22-4199"}"#);
        t.into_bytes()
    }

    /// Two threads, small chunks (so segments hold several), raw values
    /// kept (so equal findings mean equal values).
    fn segment_options() -> Options {
        let mut opts = Options { parallel: 2, ..Options::default() };
        opts.text.chunk_size = 700;
        opts.text.show_values = true;
        opts
    }

    /// Segments of `segment` bytes gave what one scan of the whole gave.
    fn assert_same(parts: &Collect, whole: &Collect, segment: u64) {
        assert_eq!(parts.findings, whole.findings, "segment {segment}");
        assert_eq!(parts.problems, whole.problems, "segment {segment}");
        // The stored size is given only by `Extractor::scan`, not by the segment scans run here.
        let unsized_ =
            |c: &Collect| -> Vec<Scanned> { c.scanned.iter().map(|s| Scanned { size: None, ..s.clone() }).collect() };
        assert_eq!(unsized_(parts), unsized_(whole), "segment {segment}");
    }

    #[test]
    fn jsonl_segments_find_exactly_what_one_scan_finds() {
        let scanner = builtin();
        let opts = segment_options();
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let bytes = jsonl();
        let mut whole = Collect::default();
        x.scan(&mut scratch, Data::Bytes(&bytes), "t.jsonl", &mut whole);
        assert_eq!(whole.scanned[0].format, "jsonl");
        assert!(whole.findings.len() > 700, "{}", whole.findings.len());
        assert!(whole.findings.iter().any(|f| matches!(&f.location, Location::Record(r) if r.record > 250)));
        assert_eq!(whole.problems.len(), 11, "{:?}", whole.problems);
        for segment in [1_777, 4_096, 1 << 20] {
            let mut parts = Collect::default();
            assert!(scan_jsonl_in(&x, &mut scratch, &Mem(&bytes), "t.jsonl", split(segment), &mut parts));
            assert_same(&parts, &whole, segment);
        }
    }

    /// A table whose cuts fall inside quoted cells, with a byte-order mark,
    /// a keyword-named column, multi-line cells, blank lines, CRLF and lone
    /// CR ends, malformed rows (more than are reported one by one), a quote
    /// left open over lines, records over the record limit and a line longer
    /// than a segment.
    fn table() -> Vec<u8> {
        let mut t = String::from("\u{feff}id,ssn,email,note,card\r\n");
        for i in 0..400 {
            let ssn = format!("536-22-{:04}", 4100 + i % 80);
            let note = match i % 9 {
                0 => format!("\"multi\nline {i}, \"\"quoted\"\"\n{}\nssn {ssn}\"", "pad ".repeat(i % 40)),
                4 => format!("\"{}\"", "x".repeat(i % 300)),
                _ => format!("n{i}"),
            };
            match i % 37 {
                5 => t.push_str(&format!("{i},{ssn}\n")),
                11 => t.push_str(&format!("{i},\"open\"ed\nstill {ssn}\",a@example.com,x,y\n")),
                17 => t.push_str("\n\r\n"),
                23 => t.push_str(&format!("{i},{ssn},\"{}\nssn {ssn}\",x,y\n", "long ".repeat(700))),
                29 => t.push_str(&format!("{i},{ssn},b@example.com,{},4532 0151 1283 0366\n", "w".repeat(9_000))),
                _ => {
                    let end = if i % 13 == 0 {
                        "\r"
                    } else if i % 5 == 0 {
                        "\r\n"
                    } else {
                        "\n"
                    };
                    t.push_str(&format!("{i},{ssn},a{i}@example.com,{note},4532 0151 1283 0366{end}"));
                }
            }
        }
        t.into_bytes()
    }

    /// What one scan of the whole CSV table `bytes` finds.
    fn whole_table(x: &Extractor<'_>, scratch: &mut Scratch, bytes: &[u8], max_record: u64) -> Collect {
        let mut whole = Collect::default();
        delimited::scan_limited(x, scratch, Window::over(bytes), b',', "t.csv", max_record, &mut whole);
        whole
    }

    #[test]
    fn table_segments_find_exactly_what_one_scan_finds() {
        let scanner = builtin();
        let opts = segment_options();
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let bytes = table();
        let max_record = 3_000;
        let whole = whole_table(&x, &mut scratch, &bytes, max_record);
        assert_eq!(whole.scanned[0].format, "csv");
        assert!(whole.findings.len() > 1_000, "{}", whole.findings.len());
        assert!(whole.findings.iter().any(|f| matches!(&f.location, Location::Cell(c) if c.row > 350)));
        assert!(whole.findings.iter().any(|f| matches!(&f.location, Location::Text(_))));
        assert!(whole.problems.len() > MAX_WARNINGS as usize, "{:?}", whole.problems);
        for segment in [1_000, 1_234, 1_777, 4_096, 1 << 20] {
            let mut parts = Collect::default();
            let src = Mem(&bytes);
            let (go_on, passes) =
                table_passes(&x, &mut scratch, &src, b',', "t.csv", split(segment), max_record, 8, &mut parts);
            assert!(go_on);
            assert_same(&parts, &whole, segment);
            // Cuts fall inside multi-line cells, but the guesses skip them
            // (scans started again are tested below).
            assert!(passes >= 1);
        }
    }

    #[test]
    fn a_table_resumed_inside_a_line_finds_what_one_scan_finds() {
        // Records with a cell of several lines, each ending with a lone
        // carriage return, followed on the same line by a malformed row
        // holding an SSN (read as text, with a column): cuts inside the
        // cells make the scan start again at those carriage returns, inside
        // a line, whose start and number must be known there.
        let mut t = String::from("id,note,a,b\n");
        for i in 0..200 {
            let pad = "pad ".repeat(i % 30);
            t.push_str(&format!("{i},\"cell\n{pad}\nend\",x,y\r{i}z,ssn 536-22-{:04}\n", 4100 + i % 80));
        }
        let bytes = t.into_bytes();
        let scanner = builtin();
        let opts = segment_options();
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let whole = whole_table(&x, &mut scratch, &bytes, 3_000);
        let text = whole.findings.iter().filter(|f| matches!(&f.location, Location::Text(t) if t.column > 1)).count();
        assert!(text >= 150, "{text} findings in rows read as text");
        let (mut resumed, mut capped) = (0, 0);
        for segment in [1_000, 1_111, 1_234, 1_500, 4_096] {
            let src = Mem(&bytes);
            // Past the last pass allowed (here the first), one segment reads the rest.
            for max_passes in [MAX_TABLE_PASSES, 1] {
                let mut parts = Collect::default();
                let (go_on, passes) =
                    table_passes(&x, &mut scratch, &src, b',', "t.csv", split(segment), 3_000, max_passes, &mut parts);
                assert!(go_on);
                assert_same(&parts, &whole, segment);
                assert!(passes <= max_passes + 1, "{passes}");
                resumed += passes - 1;
                capped += usize::from(max_passes == 1 && passes == 2);
            }
        }
        assert!(resumed > 5, "{resumed}");
        assert!(capped > 0, "no scan read the rest as one segment");
    }

    #[test]
    fn table_segments_without_keyword_columns_find_what_one_scan_finds() {
        // No column name is a keyword, so runs of one-line records are
        // counted without splitting their fields, and findings from the
        // first rows on: the first segment must not count the header into
        // a run (its findings were lost).
        let mut t = String::from("id,city,note\n");
        for i in 0..3_000 {
            let note = match i % 7 {
                0 => format!("mail a{i}@example.com"),
                3 => "card 4532 0151 1283 0366".to_string(),
                _ => format!("n{i}"),
            };
            t.push_str(&format!("{i},Lyon,{note}\n"));
        }
        let bytes = t.into_bytes();
        let scanner = builtin();
        let opts = segment_options();
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let whole = whole_table(&x, &mut scratch, &bytes, 3_000);
        assert!(whole.findings.len() > 800, "{}", whole.findings.len());
        assert!(matches!(&whole.findings[0].location, Location::Cell(c) if c.row == 2), "{:?}", whole.findings[0]);
        for segment in [1_000, 4_096, 1 << 20] {
            let mut parts = Collect::default();
            assert!(scan_delimited_in(
                &x,
                &mut scratch,
                &Mem(&bytes),
                b',',
                "t.csv",
                split(segment),
                3_000,
                &mut parts
            ));
            assert_same(&parts, &whole, segment);
        }
    }

    #[test]
    fn line_starts_found_from_any_offset() {
        let data = b"ab\ncd\n\nlong line here\nz";
        let src = Mem(data);
        let mut buf = vec![0u8; 4];
        let starts: Vec<u64> =
            (0..=data.len() as u64 + 2).map(|at| line_start_at(&src, at, &mut buf).unwrap()).collect();
        assert_eq!(&starts[..9], &[0, 3, 3, 3, 6, 6, 6, 7, 22]);
        assert_eq!(starts[9], 22, "inside the long line: the next line's start");
        assert_eq!(*starts.last().unwrap(), data.len() as u64);
    }

    /// A source that fails past a point, as a file truncated mid-scan would.
    struct Failing<'a>(&'a [u8], u64);

    impl RandomAccess for Failing<'_> {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
            if offset + buf.len() as u64 > self.1 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            Mem(self.0).read_at(offset, buf)
        }
    }

    /// A file truncated to `short` bytes by another process once it has
    /// been read past its first bytes: from then on its length is `short`,
    /// and reads past that fail, as reads past a file's end do.
    struct Truncated<'a> {
        data: &'a [u8],
        short: u64,
        truncated: std::sync::atomic::AtomicBool,
    }

    impl RandomAccess for Truncated<'_> {
        fn len(&self) -> u64 {
            if self.truncated.load(std::sync::atomic::Ordering::Relaxed) { self.short } else { self.data.len() as u64 }
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
            if offset > 0 {
                self.truncated.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            let end = if self.truncated.load(std::sync::atomic::Ordering::Relaxed) { self.short } else { u64::MAX };
            Failing(self.data, end).read_at(offset, buf)
        }
    }

    #[cfg(unix)]
    #[test]
    fn reading_past_the_end_of_a_file_names_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short.txt");
        std::fs::write(&path, b"0123456789").unwrap();
        let f = std::fs::File::open(&path).unwrap();
        let mut buf = [0u8; 8];
        assert!(RandomAccess::read_at(&f, 2, &mut buf).is_ok());
        let err = RandomAccess::read_at(&f, 5, &mut buf).unwrap_err();
        assert!(err.to_string().contains("truncated during the scan"), "{err}");
    }

    #[test]
    fn a_file_truncated_during_the_scan_is_reported_as_partly_scanned() {
        let scanner = builtin();
        let opts = Options { parallel: 1, ..Options::default() };
        let x = Extractor::new(scanner, &opts);
        let bytes = text().repeat(4);
        let short = bytes.len() as u64 * 3 / 4;
        let src = Truncated { data: &bytes, short, truncated: false.into() };
        let (mut out, mut scratch) = (Collect::default(), scanner.scratch());
        assert!(x.scan(&mut scratch, crate::extract::Data::Random(&src), "t.txt", &mut out));
        assert!(src.truncated.load(std::sync::atomic::Ordering::Relaxed), "read in more than one piece");
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(out.problems[0].reason.contains("read error"), "{}", out.problems[0].reason);
        assert!(!out.findings.is_empty(), "{:?}", out.problems);
        assert!(out.findings.iter().all(|f| matches!(&f.location, Location::Text(t) if t.byte_start < short)));
    }

    #[test]
    fn a_read_error_is_reported_and_what_came_before_is_kept() {
        let scanner = builtin();
        let opts = Options { parallel: 2, ..Options::default() };
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let bytes = text();
        let mut out = Collect::default();
        // Segments 0 to 2 read (with their context) before the failure point, segment 3 does not.
        let fail_at = 3 * 4_096 + scanner.context_len() as u64;
        assert!(bytes.len() as u64 > fail_at + 4_096);
        // Each job alone: a run of several would fail as a whole.
        let alone = Split { job: 4_096, merge: 1 };
        assert!(scan_text_in(&x, &mut scratch, &Failing(&bytes, fail_at), "t.txt", alone, &mut out));
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(out.problems[0].reason.contains("read error at byte"), "{}", out.problems[0].reason);
        assert!(out.problems[0].reason.contains("12288"), "{}", out.problems[0].reason);
        assert!(!out.findings.is_empty());
        assert!(out.findings.iter().all(|f| matches!(&f.location, Location::Text(t) if t.byte_start < 3 * 4_096)));
        assert_eq!(out.scanned[0].bytes, 3 * 4_096);
    }

    #[test]
    fn a_read_error_in_jsonl_is_reported_and_what_came_before_is_kept() {
        let scanner = builtin();
        let opts = Options { parallel: 2, ..Options::default() };
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let bytes = jsonl();
        let fail_at = bytes.len() as u64 / 2;
        let mut out = Collect::default();
        assert!(scan_jsonl_in(&x, &mut scratch, &Failing(&bytes, fail_at), "t.jsonl", split(4_096), &mut out));
        assert_kept_before_read_error(&out, fail_at);
    }

    /// Checks a scan that met one read error at `fail_at`: it is reported
    /// once as a partial scan, and the findings before it are kept, in
    /// order, none past it.
    fn assert_kept_before_read_error(out: &Collect, fail_at: u64) {
        let errors: Vec<_> = out.problems.iter().filter(|p| p.reason.contains("read error")).collect();
        assert_eq!(errors.len(), 1, "{:?}", out.problems);
        assert_eq!(errors[0].severity, crate::report::Severity::Partial);
        assert!(!out.findings.is_empty());
        let scanned = out.scanned[0].bytes;
        assert!(scanned > 0 && scanned < fail_at, "{scanned}");
        let ends: Vec<u64> = out
            .findings
            .iter()
            .map(|f| match &f.location {
                Location::Record(r) => r.byte_end.unwrap(),
                Location::Cell(c) => c.byte_end.unwrap(),
                Location::Text(t) => t.byte_end,
            })
            .collect();
        assert!(ends.windows(2).all(|p| p[0] <= p[1]) && ends.iter().all(|&e| e <= fail_at), "{ends:?}");
    }

    /// A JSON document: an object holding an array of records (nested
    /// objects and arrays, keyword-named keys, escaped keys and strings,
    /// values longer than a segment), then a second top-level value.
    fn json_document(records: usize) -> String {
        let mut t = String::from("\u{feff}{\"meta\": {\"ssn\": \"536-22-4100\"},\n \"cust\\\"omers\": [\n");
        for i in 0..records {
            let ssn = format!("536-22-{:04}", 4100 + i % 80);
            let note = if i % 97 == 5 { "long ".repeat(1_200) } else { format!("n\\\"{i}, [x]") };
            t.push_str(&format!(
                "  {{\"id\": {i}, \"ssn\": \"{ssn}\", \"contact\": {{\"email\": \"a{i}@example.com\", \"tags\": [\"{note}\", {i}]}}, \"note\": \"card 4532 0151 1283 0366\"}},\n"
            ));
        }
        t.push_str("  {}\n], \"phone\": [\"+1 415 555 0132\"]}\n[{\"ssn\": \"536-22-4101\"}]\n");
        t
    }

    #[test]
    fn json_document_segments_find_exactly_what_one_scan_finds() {
        let scanner = builtin();
        let opts = segment_options();
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let doc = json_document(300);
        // Intact; with an error in the middle (the rest read as text); cut short.
        let broken = doc.replacen("\"id\": 150,", "\"id\": 150 ,,", 1);
        let cut_short = &doc[..doc.len() * 2 / 3];
        for (name, bytes) in
            [("intact", doc.as_bytes()), ("broken", broken.as_bytes()), ("short", cut_short.as_bytes())]
        {
            let mut whole = Collect::default();
            json::scan_bytes(&x, &mut scratch, bytes, Format::Json, "t.json", &mut whole);
            assert!(whole.findings.len() > 400, "{name}: {}", whole.findings.len());
            assert!(
                whole.findings.iter().any(
                    |f| matches!(&f.location, Location::Record(r) if r.json_path.starts_with("$['cust\"omers'][29"))
                ),
                "{name}"
            );
            if name == "intact" {
                assert!(whole.findings.iter().any(|f| matches!(&f.location, Location::Record(r) if r.record == 1)));
                assert!(whole.problems.is_empty(), "{:?}", whole.problems);
            } else {
                assert_eq!(whole.problems.len(), 1, "{name}: {:?}", whole.problems);
            }
            for segment in [500, 1_777, 4_096, 1 << 20] {
                let cuts = json_cuts::cuts(&Mem(bytes), segment);
                assert_eq!(cuts.is_empty(), segment == 1 << 20, "{name}, segment {segment}");
                let mut parts = Collect::default();
                let budget = crate::extract::Budget::default();
                let nest = Nesting { depth: 0, budget: &budget };
                assert!(scan_json_in(&x, &mut scratch, &Mem(bytes), "t.json", nest, split(segment), &mut parts));
                assert_same(&parts, &whole, segment);
            }
        }
    }

    /// Pieces of JSON documents, valid or not, some holding findings.
    const JSON_PIECES: &[&str] = &[
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "\"",
        "\\",
        "\n",
        " ",
        "1",
        "null",
        "\"ssn\": ",
        "\"536-22-4100\"",
        "\"a@example.com\"",
        "{\"card\": \"4532 0151 1283 0366\"}",
        "\"x\\\"y\"",
        "\"k\": [",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn json_segments_of_any_document_find_what_one_scan_finds(
            picks in proptest::collection::vec(0..JSON_PIECES.len(), 0..120),
            segment in 1u64..200,
        ) {
            let doc = crate::testutil::joined(&["["], JSON_PIECES, &picks);
            let scanner = builtin();
            let opts = segment_options();
            let x = Extractor::new(scanner, &opts);
            let mut scratch = scanner.scratch();
            let mut whole = Collect::default();
            json::scan_bytes(&x, &mut scratch, &doc, Format::Json, "t.json", &mut whole);
            let mut parts = Collect::default();
            let budget = crate::extract::Budget::default();
            let nest = Nesting { depth: 0, budget: &budget };
            scan_json_in(&x, &mut scratch, &Mem(&doc), "t.json", nest, split(segment), &mut parts);
            proptest::prop_assert_eq!(&parts.findings, &whole.findings);
            proptest::prop_assert_eq!(&parts.problems, &whole.problems);
            proptest::prop_assert_eq!(&parts.scanned, &whole.scanned);
        }
    }

    #[test]
    fn a_read_error_in_a_json_document_is_reported_and_what_came_before_is_kept() {
        let scanner = builtin();
        let opts = segment_options();
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        // Larger than the cuts' reads, so that those before the failure succeed.
        let bytes = json_document(30_000).into_bytes();
        assert!(bytes.len() > 4 << 20);
        let fail_at = bytes.len() as u64 * 2 / 3;
        let mut out = Collect::default();
        let budget = crate::extract::Budget::default();
        let nest = Nesting { depth: 0, budget: &budget };
        assert!(scan_json_in(&x, &mut scratch, &Failing(&bytes, fail_at), "t.json", nest, split(256 << 10), &mut out));
        assert_kept_before_read_error(&out, fail_at);
    }

    #[test]
    fn a_read_error_in_a_table_is_reported_and_what_came_before_is_kept() {
        let scanner = builtin();
        let mut opts = Options { parallel: 2, ..Options::default() };
        opts.text.chunk_size = 700;
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        // Four copies, so that the first segment reads in full and later ones fail.
        let bytes = table().repeat(4);
        let scan = |fail_at: u64, scratch: &mut Scratch| {
            let mut out = Collect::default();
            let src = Failing(&bytes, fail_at);
            assert!(scan_delimited_in(&x, scratch, &src, b',', "t.csv", split(4_096), 3_000, &mut out));
            out
        };
        let fail_at = bytes.len() as u64 / 2;
        assert_kept_before_read_error(&scan(fail_at, &mut scratch), fail_at);
        // The header cannot be read: one thread tries, and nothing is scanned.
        let out = scan(10, &mut scratch);
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(out.problems[0].reason.contains("read error"), "{:?}", out.problems);
        assert!(out.findings.is_empty());
        assert_eq!(out.scanned[0].bytes, 0);
    }
}

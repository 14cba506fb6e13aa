//! The reporter thread: the one owner of the output. Scanning threads send
//! events over a bounded channel, in batches; the reporter prints them,
//! totals the summary and draws the progress bar.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use crossbeam_channel::{Receiver, Sender};

use crate::cli::args::{OutputFormat, ScanArgs};
use trawl::report::{Human, JsonDocument, JsonLines, Macie, Printer, Sarif, Summary, human_bytes, printable};
use trawl::{Confidence, Finding, Problem, RuleInfo, Scanned, Sink};

/// What scanning threads send.
pub enum Event {
    Findings(Vec<Finding>),
    Stats(trawl::detect::EngineStats),
    Problem(Problem),
    Scanned(Scanned),
    /// Write and flush everything received so far, then answer.
    Sync(Sender<io::Result<()>>),
}

/// A sink on a scanning thread: filters by confidence, batches findings of
/// one source, and sends everything to the reporter in order.
///
/// Events are sent in batches, not one by one: waking the reporter for every
/// small file's "scanned" event cost a fifth of the time of a scan of many
/// small files. A batch goes when it is large or a little old.
pub struct ChannelSink {
    tx: Sender<Vec<Event>>,
    batch: Vec<Finding>,
    pending: Vec<Event>,
    /// Findings in `pending`.
    pending_findings: usize,
    since: Instant,
    min_confidence: Confidence,
    /// Findings of each source left out by `min_confidence`, taken off
    /// its `Scanned` count when it comes.
    dropped: std::collections::HashMap<String, u64>,
    quit: Arc<AtomicBool>,
}

/// Findings per `Event::Findings`, and at most per message to the reporter.
const BATCH: usize = 256;
/// Events per message to the reporter.
const EVENTS: usize = 64;
/// Messages the channel to the reporter holds. With at most [`BATCH`]
/// findings per message, a slow reader of the output (a pipe to a slow
/// consumer) holds up at most ~8,000 findings here, and the scan waits;
/// messages bounded only by event count (up to 16,384 findings each) let
/// the findings of gigabytes of logs pile up in memory.
pub const CHANNEL: usize = 32;
/// The longest an event waits for its batch to fill (checked at the next event).
const MAX_WAIT: Duration = Duration::from_millis(100);

impl ChannelSink {
    pub fn new(tx: Sender<Vec<Event>>, min_confidence: Confidence, quit: Arc<AtomicBool>) -> ChannelSink {
        ChannelSink {
            tx,
            batch: Vec::new(),
            pending: Vec::new(),
            pending_findings: 0,
            since: Instant::now(),
            min_confidence,
            dropped: std::collections::HashMap::new(),
            quit,
        }
    }

    /// Closes the current findings batch into the pending events.
    fn close_batch(&mut self) {
        if !self.batch.is_empty() {
            // The next batch is sized like this one: full batches (tables dense
            // in findings) then skip growing from empty, small ones stay small.
            let next = Vec::with_capacity(self.batch.len());
            let b = std::mem::replace(&mut self.batch, next);
            self.pending_findings += b.len();
            self.push(Event::Findings(b));
        }
    }

    fn push(&mut self, e: Event) {
        if self.pending.is_empty() {
            self.since = Instant::now();
        }
        self.pending.push(e);
        if self.pending.len() >= EVENTS || self.pending_findings >= BATCH || self.since.elapsed() >= MAX_WAIT {
            self.flush();
        }
    }

    /// Sends everything pending.
    fn send_pending(&mut self) {
        self.close_batch();
        if !self.pending.is_empty() {
            let events = std::mem::take(&mut self.pending);
            self.pending_findings = 0;
            if self.tx.send(events).is_err() {
                self.quit.store(true, Ordering::Relaxed);
            }
        }
    }

    fn send(&mut self, e: Event) {
        self.close_batch();
        self.push(e);
    }
}

impl Sink for ChannelSink {
    fn finding(&mut self, f: Finding) -> bool {
        if f.confidence >= self.min_confidence {
            if self.batch.last().is_some_and(|l| l.source != f.source) {
                self.close_batch();
            }
            self.batch.push(f);
            if self.batch.len() >= BATCH {
                self.close_batch();
            }
        } else {
            *self.dropped.entry(f.source).or_default() += 1;
        }
        !self.quit.load(Ordering::Relaxed)
    }

    fn problem(&mut self, p: Problem) {
        self.send(Event::Problem(p));
    }

    fn scanned(&mut self, mut s: Scanned) {
        if let Some(n) = self.dropped.remove(&s.source) {
            s.findings = s.findings.saturating_sub(n);
        }
        self.send(Event::Scanned(s));
    }

    fn flush(&mut self) {
        self.send_pending();
    }

    /// Sends what is pending, then waits for the reporter to have written
    /// and flushed (and synced) everything it received before: events sent
    /// earlier by any sink, in this thread or another, come first.
    fn sync(&mut self) -> io::Result<()> {
        self.send_pending();
        let (ack, answer) = crossbeam_channel::bounded(1);
        if self.tx.send(vec![Event::Sync(ack)]).is_err() {
            return Err(io::Error::other("the output is closed"));
        }
        answer.recv().unwrap_or_else(|_| Err(io::Error::other("the output could not be written")))
    }
}

impl Drop for ChannelSink {
    fn drop(&mut self) {
        self.send_pending();
    }
}

/// The running reporter.
pub struct Reporter {
    pub tx: Sender<Vec<Event>>,
    pub quit: Arc<AtomicBool>,
    handle: JoinHandle<Result<Summary>>,
}

/// How the reporter ended.
pub struct Outcome {
    pub summary: Summary,
    pub broken_pipe: bool,
}

impl Reporter {
    /// Starts the reporter thread for `args`; `rules` describes the rules for SARIF.
    pub fn start(args: &ScanArgs, rules: Vec<RuleInfo>) -> Result<Reporter> {
        let out: Box<dyn Write + Send> = match args.output_file() {
            Some(p) => Box::new(Durable::new(create(p)?)),
            None => Box::new(Durable::stdout()),
        };
        let color = args.output.is_none() && io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let printer: Box<dyn Printer> = match args.format {
            OutputFormat::Human => Box::new(Human::new(out, color)),
            OutputFormat::Json => Box::new(JsonDocument::new(out)),
            OutputFormat::Jsonl => Box::new(JsonLines::new(out)),
            OutputFormat::Sarif => Box::new(Sarif::new(out, rules)),
            OutputFormat::Macie => Box::new(Macie::new(out)),
        };
        let progress = !args.quiet && !args.no_progress && (args.progress || io::stderr().is_terminal());
        let (tx, rx) = crossbeam_channel::bounded(CHANNEL);
        let quit = Arc::new(AtomicBool::new(false));
        let q = quit.clone();
        let handle = std::thread::Builder::new()
            .name("trawl-reporter".into())
            .spawn(move || run(rx, printer, progress, q))
            .context("failed to start the reporter thread")?;
        Ok(Reporter { tx, quit, handle })
    }

    /// Waits for every sender to finish and the output to be written.
    pub fn finish(self) -> Result<Outcome> {
        drop(self.tx);
        let broken = self.quit.clone();
        let summary = self.handle.join().map_err(|_| anyhow::anyhow!("the reporter thread panicked"))??;
        Ok(Outcome { summary, broken_pipe: broken.load(Ordering::Relaxed) })
    }
}

/// The output, buffered; flushing it also syncs it to disk when it is a
/// file (`-o FILE`, or standard output redirected to a file), so that what a
/// flush wrote survives a crash. Flushes happen at the end and at each
/// checkpoint of an S3 sweep's state, not per finding.
struct Durable {
    out: io::BufWriter<Box<dyn Write + Send>>,
    /// The file to sync, if the output is one.
    file: Option<std::fs::File>,
}

impl Durable {
    fn new(file: std::fs::File) -> Durable {
        // Only a regular file is synced: `fsync` of `/dev/null`, a FIFO or
        // a terminal fails with `EINVAL`, and there is nothing to keep.
        let sync = file.metadata().is_ok_and(|m| m.is_file()).then(|| file.try_clone().ok()).flatten();
        Durable { out: io::BufWriter::new(Box::new(file)), file: sync }
    }

    fn stdout() -> Durable {
        Durable { out: io::BufWriter::new(Box::new(io::stdout())), file: crate::cli::output::stdout_file() }
    }
}

impl Write for Durable {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()?;
        match self.file.as_ref().map(std::fs::File::sync_data) {
            // A file system that cannot sync (some FUSE and network file
            // systems) still holds what was written.
            Some(Err(e)) if matches!(e.kind(), io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported) => Ok(()),
            Some(r) => r,
            None => Ok(()),
        }
    }
}

fn create(p: &Path) -> Result<std::fs::File> {
    std::fs::File::create(p).with_context(|| format!("failed to create {}", p.display()))
}

fn run(
    rx: Receiver<Vec<Event>>,
    mut printer: Box<dyn Printer>,
    progress: bool,
    quit: Arc<AtomicBool>,
) -> Result<Summary> {
    let started = Instant::now();
    let bar = progress.then(|| {
        let b = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        b.set_style(indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("valid template"));
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    });
    let mut summary = Summary::default();
    let mut engine = trawl::detect::EngineStats::default();
    let mut failed: Option<io::Error> = None;
    for ev in rx.into_iter().flatten() {
        if failed.is_some() {
            continue; // drain so that senders never block (a `Sync` dropped unanswered fails)
        }
        let r = match &ev {
            Event::Findings(batch) => batch.iter().try_for_each(|f| {
                summary.add_finding(f);
                printer.finding(f)
            }),
            Event::Stats(st) => {
                engine += *st;
                Ok(())
            }
            Event::Problem(p) => {
                summary.add_problem(p);
                if let Some(b) = &bar {
                    b.suspend(|| eprintln!("trawl: {}: {}", printable(&p.source), printable(&p.reason)));
                } else if !progress {
                    // Problems are listed in the summary; nothing to draw here.
                }
                printer.problem(p)
            }
            Event::Scanned(s) => {
                summary.add_scanned(s);
                if let Some(b) = &bar {
                    b.set_message(format!(
                        "{} files, {}, {} findings",
                        summary.files_scanned,
                        human_bytes(summary.bytes_scanned),
                        summary.findings
                    ));
                }
                printer.scanned(s)
            }
            Event::Sync(ack) => {
                let r = printer.flush();
                let answer = match &r {
                    Ok(()) => Ok(()),
                    Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
                };
                let _ = ack.send(answer);
                r
            }
        };
        if let Err(e) = r {
            quit.store(true, Ordering::Relaxed);
            failed = Some(e);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    summary.elapsed_secs = started.elapsed().as_secs_f64();
    if std::env::var_os("TRAWL_STATS").is_some() {
        let mb = engine.bytes as f64 / 1e6;
        eprintln!("trawl: engine work per MB scanned ({mb:.1} MB): {}", per_mb(&engine, mb));
    }
    let r = match failed {
        Some(e) => Err(e),
        None => printer.finish(&summary),
    };
    match r {
        Ok(()) => {
            // `quit` doubles as "output closed early"; reset it when all went well.
            quit.store(false, Ordering::Relaxed);
            Ok(summary)
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            quit.store(true, Ordering::Relaxed);
            Ok(summary)
        }
        Err(e) => Err(anyhow::Error::from(e).context("failed to write output")),
    }
}

/// Whether the summary goes to standard error for this format.
pub fn summary_on_stderr(args: &ScanArgs) -> bool {
    !args.quiet && !matches!(args.format, OutputFormat::Json)
}

fn per_mb(s: &trawl::detect::EngineStats, mb: f64) -> String {
    let f = |n: u64| n as f64 / mb.max(1e-9);
    format!(
        "keyword hits {:.0}, literal hits {:.0}, rare-byte hits {:.0}, digit groups {:.0} ({:.0} with a pattern), keyword group searches {:.0}, windows {:.0} ({:.0} bytes), candidates {:.0}, matches {:.0}",
        f(s.keyword_hits),
        f(s.literal_hits),
        f(s.rare_hits),
        f(s.digit_groups),
        f(s.digit_group_hits),
        f(s.keyword_group_searches),
        f(s.windows),
        f(s.window_bytes),
        f(s.candidates),
        f(s.matches)
    )
}

/// Sends a scratch's engine counters to the reporter when a scanning thread ends.
pub struct StatsOnDrop {
    pub scratch: trawl::Scratch,
    pub tx: Sender<Vec<Event>>,
}

impl Drop for StatsOnDrop {
    fn drop(&mut self) {
        let _ = self.tx.send(vec![Event::Stats(self.scratch.stats())]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trawl::{Category, Location, TextLocation};

    fn finding(n: u64) -> Finding {
        Finding {
            source: "a.log".into(),
            data_type: "T".into(),
            category: Category::CustomIdentifier,
            rule: "r".into(),
            location: Location::Text(TextLocation {
                line: n,
                column: 1,
                column_utf16: None,
                byte_start: n,
                byte_end: n + 1,
                page: None,
            }),
            validated: false,
            confidence: Confidence::High,
            redacted: String::new(),
            value: None,
        }
    }

    #[test]
    fn a_message_carries_at_most_one_batch_of_findings() {
        let (tx, rx) = crossbeam_channel::bounded(CHANNEL);
        let mut sink = ChannelSink::new(tx, Confidence::Low, Arc::new(AtomicBool::new(false)));
        for n in 0..3 * BATCH as u64 + 10 {
            assert!(sink.finding(finding(n)));
        }
        // Each full batch went at once, in a message of its own: a message
        // never holds more findings than one batch, so the bounded channel
        // bounds the findings waiting for the reporter.
        let sent: Vec<usize> = rx
            .try_iter()
            .map(|events| events.iter().map(|e| if let Event::Findings(b) = e { b.len() } else { 0 }).sum())
            .collect();
        assert_eq!(sent, vec![BATCH; 3]);
        drop(sink);
        let rest: Vec<Vec<Event>> = rx.try_iter().collect();
        assert!(
            matches!(rest.as_slice(), [events] if matches!(events.as_slice(), [Event::Findings(b)] if b.len() == 10))
        );
    }

    /// A writer into shared memory, which only shows what was flushed.
    #[derive(Clone, Default)]
    struct Flushed {
        pending: Vec<u8>,
        shown: Arc<std::sync::Mutex<Vec<u8>>>,
    }

    impl Write for Flushed {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.pending.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            self.shown.lock().unwrap().append(&mut self.pending);
            Ok(())
        }
    }

    #[test]
    fn sync_returns_once_everything_sent_before_is_flushed() {
        let out = Flushed::default();
        let shown = out.shown.clone();
        let (tx, rx) = crossbeam_channel::bounded(CHANNEL);
        let quit = Arc::new(AtomicBool::new(false));
        let q = quit.clone();
        let reporter = std::thread::spawn(move || run(rx, Box::new(JsonLines::new(out)), false, q));
        let mut other = ChannelSink::new(tx.clone(), Confidence::Low, quit.clone());
        let mut sink = ChannelSink::new(tx, Confidence::Low, quit);
        for n in 0..5 {
            assert!(other.finding(finding(n)));
        }
        other.flush(); // another thread's object, passed on before it is recorded as done
        assert!(sink.finding(finding(9)), "held in this sink's batch until the sync");
        assert_eq!(shown.lock().unwrap().len(), 0, "nothing flushed yet");
        sink.sync().unwrap();
        let lines = String::from_utf8(shown.lock().unwrap().clone()).unwrap().lines().count();
        assert_eq!(lines, 6, "both sinks' findings are written and flushed");
        drop((sink, other));
        reporter.join().unwrap().unwrap();
    }
}

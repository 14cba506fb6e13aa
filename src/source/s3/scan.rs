//! Scanning one fetched object on a scanning thread, through the same
//! [`Extractor`] as local files, with its events held back until the object
//! is done.
//!
//! Holding events back is how a restart stays clean: when the object changes
//! during the transfer (the resumed GET's `If-Match` fails), what was found
//! in the old version is dropped and the new version is scanned from the
//! start, so no finding is reported twice or from a version that no longer
//! exists. An object with more than [`HOLD`] findings releases them as they
//! come (memory stays bounded); if such an object then changes, it is
//! reported as an error instead of being rescanned.

use std::sync::Arc;

use crate::Scratch;
use crate::extract::{Data, Extractor};
use crate::report::{Confidence, Finding, Problem, Scanned, Severity, Sink};
use crate::source::s3::filter::archived_reason;
use crate::source::s3::list::ObjectInfo;
use crate::source::s3::object::{self, Body, Fetched, Flags, Remote};
use crate::source::s3::results::{Status, Tally};
use crate::source::s3::retry::Failure;

/// Findings held back per object before they are released as they come.
const HOLD: usize = 10_000;
/// Times an object that changed during its scan is scanned again.
const MAX_RESTARTS: u32 = 3;

/// What became of one object.
pub(crate) struct Outcome {
    pub(crate) info: ObjectInfo,
    pub(crate) etag: Option<String>,
    pub(crate) status: Status,
    pub(crate) reason: Option<String>,
    pub(crate) tally: Tally,
    pub(crate) problems: Vec<Problem>,
    pub(crate) format: Option<String>,
    pub(crate) bytes: u64,
    /// Whether the state may record it as done.
    pub(crate) done: bool,
    /// Whether the sink asked to stop.
    pub(crate) stop: bool,
}

impl Outcome {
    /// An object that was not scanned, reported with `problem`.
    pub(crate) fn not_scanned(info: ObjectInfo, status: Status, problem: Problem, sink: &mut dyn Sink) -> Outcome {
        sink.problem(problem.clone());
        Outcome {
            etag: info.etag.clone(),
            info,
            status,
            reason: Some(problem.reason.clone()),
            tally: Tally::default(),
            problems: vec![problem],
            format: None,
            bytes: 0,
            done: false,
            stop: false,
        }
    }

    /// An object whose fetch failed.
    pub(crate) fn failed(info: ObjectInfo, f: Failure, sink: &mut dyn Sink) -> Outcome {
        let uri = info.uri();
        let (status, problem) = match f {
            Failure::Gone(r) => (Status::Skipped, Problem::warning(uri, format!("deleted since it was listed ({r})"))),
            Failure::Archived(_) => {
                (Status::Skipped, Problem::warning(uri, archived_reason(info.storage_class.as_deref())))
            }
            f @ Failure::TooLarge(_) => (Status::Skipped, Problem::error(uri, f.reason())),
            f => (Status::Error, Problem::error(uri, f.reason())),
        };
        Outcome::not_scanned(info, status, problem, sink)
    }
}

enum Event {
    Finding(Finding),
    Problem(Problem),
    Scanned(Scanned),
}

/// Holds one object's events back (up to [`HOLD`] findings) and tallies them.
struct Held<'s> {
    out: &'s mut dyn Sink,
    min_confidence: Confidence,
    events: Vec<Event>,
    findings: usize,
    released: bool,
    stop: bool,
    tally: Tally,
    problems: Vec<Problem>,
    scanned: Vec<Scanned>,
}

impl<'s> Held<'s> {
    fn new(out: &'s mut dyn Sink, min_confidence: Confidence) -> Held<'s> {
        Held {
            out,
            min_confidence,
            events: Vec::new(),
            findings: 0,
            released: false,
            stop: false,
            tally: Tally::default(),
            problems: Vec::new(),
            scanned: Vec::new(),
        }
    }

    fn emit(&mut self, e: Event) {
        match e {
            Event::Finding(f) => {
                if !self.out.finding(f) {
                    self.stop = true;
                }
            }
            Event::Problem(p) => self.out.problem(p),
            Event::Scanned(s) => self.out.scanned(s),
        }
    }

    fn push(&mut self, e: Event) {
        if self.released {
            self.emit(e);
        } else {
            self.events.push(e);
        }
    }

    /// Sends everything held to the real sink.
    fn release(&mut self) {
        self.released = true;
        for e in std::mem::take(&mut self.events) {
            self.emit(e);
        }
    }
}

impl Sink for Held<'_> {
    fn finding(&mut self, f: Finding) -> bool {
        if f.confidence < self.min_confidence {
            return !self.stop;
        }
        self.tally.add(&f);
        self.findings += 1;
        self.push(Event::Finding(f));
        if !self.released && self.findings > HOLD {
            self.release();
        }
        !self.stop
    }

    fn problem(&mut self, p: Problem) {
        self.problems.push(p.clone());
        self.push(Event::Problem(p));
    }

    fn scanned(&mut self, s: Scanned) {
        self.scanned.push(s.clone());
        self.push(Event::Scanned(s));
    }
}

/// Scans a fetched object, scanning it again from the start if it changes
/// during the transfer.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan_object(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    sink: &mut dyn Sink,
    handle: &tokio::runtime::Handle,
    min_confidence: Confidence,
    info: ObjectInfo,
    remote: Remote,
    mut fetched: Fetched,
    mut flags: Arc<Flags>,
) -> Outcome {
    let uri = info.uri();
    let mut restarts = 0;
    loop {
        let mut held = Held::new(sink, min_confidence);
        let more = match &mut fetched.body {
            Body::Bytes(b) => x.scan(scratch, Data::Bytes(b), &uri, &mut held),
            Body::Stream(r) => x.scan(scratch, Data::Stream(r), &uri, &mut held),
            Body::Random(r) => x.scan(scratch, Data::Random(r), &uri, &mut held),
        };
        let stop = !more || held.stop;
        if flags.changed() && !stop {
            if held.released {
                held.problem(Problem::error(&uri, "object changed during the scan after findings were reported"));
                return finish(held, info, &fetched, &flags, stop);
            }
            if restarts < MAX_RESTARTS {
                restarts += 1;
                drop(held); // what the old version gave is dropped
                drop(fetched.body);
                let fresh = Arc::new(Flags::default());
                let mut again = info.clone();
                again.etag = None;
                match handle.block_on(object::fetch(remote.clone(), &again, fresh.clone())) {
                    Ok(f) => {
                        fetched = f;
                        flags = fresh;
                        continue;
                    }
                    Err(f) => return Outcome::failed(info, f, sink),
                }
            }
            held.problem(Problem::error(
                &uri,
                format!("object kept changing during the scan ({MAX_RESTARTS} restarts)"),
            ));
        }
        held.release();
        return finish(held, info, &fetched, &flags, stop);
    }
}

/// The outcome of a scan from what it reported.
fn finish(mut held: Held<'_>, mut info: ObjectInfo, fetched: &Fetched, flags: &Flags, stop: bool) -> Outcome {
    let uri = info.uri();
    info.size = fetched.size; // the version scanned, should it differ from the listing
    let transport = flags.failure();
    if let Some(why) = &transport
        && !held.problems.iter().any(|p| p.source == uri && p.severity == Severity::Error)
    {
        held.problem(Problem::error(&uri, format!("transfer failed: {why}")));
    }
    held.release();
    let own_error = held.problems.iter().find(|p| p.source == uri && p.severity == Severity::Error);
    let lost = held.problems.iter().find(|p| p.severity >= Severity::Partial);
    let (status, reason) = match (own_error, lost) {
        (Some(p), _) => (Status::Error, Some(p.reason.clone())),
        (None, Some(p)) => (Status::Partial, Some(format!("{}: {}", p.source, p.reason))),
        (None, None) => (Status::Complete, None),
    };
    let format = held.scanned.iter().find(|s| s.source == uri).map(|s| s.format.clone());
    let bytes = held.scanned.iter().filter(|s| !s.container).map(|s| s.bytes).sum();
    let done = matches!(status, Status::Complete | Status::Partial) && transport.is_none() && !flags.changed() && !stop;
    Outcome {
        etag: fetched.etag.clone().or_else(|| info.etag.clone()),
        info,
        status,
        reason,
        tally: std::mem::take(&mut held.tally),
        problems: std::mem::take(&mut held.problems),
        format,
        bytes,
        done,
        stop: stop || held.stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Collect;

    fn info(class: Option<&str>) -> ObjectInfo {
        ObjectInfo {
            bucket: "b".into(),
            key: "k.csv".into(),
            size: 10,
            etag: Some("e".into()),
            last_modified: None,
            storage_class: class.map(String::from),
        }
    }

    #[test]
    fn an_archived_object_is_skipped_with_a_warning_and_never_done() {
        for class in [Some("GLACIER"), Some("INTELLIGENT_TIERING"), None] {
            let mut sink = Collect::default();
            let why = "archived object: restore it to scan it (InvalidObjectState)".to_string();
            let o = Outcome::failed(info(class), Failure::Archived(why), &mut sink);
            assert_eq!((o.status, o.done), (Status::Skipped, false), "{class:?}");
            assert_eq!(sink.problems.len(), 1);
            let p = &sink.problems[0];
            assert_eq!((p.severity, p.source.as_str()), (Severity::Warning, "s3://b/k.csv"));
            assert_eq!(p.reason, archived_reason(class));
            assert_eq!(o.reason.as_deref(), Some(p.reason.as_str()));
        }
        let mut sink = Collect::default();
        let o = Outcome::failed(info(None), Failure::Denied("access denied (AccessDenied)".into()), &mut sink);
        assert_eq!(o.status, Status::Error, "access denied stays an error");
        assert_eq!(sink.problems[0].severity, Severity::Error);
        let mut sink = Collect::default();
        let o = Outcome::failed(info(None), Failure::TooLarge(2048), &mut sink);
        assert_eq!((o.status, o.done), (Status::Skipped, false), "as when the listing gives the size");
        assert_eq!(sink.problems[0].severity, Severity::Error, "an error, as for local files");
        assert_eq!(sink.problems[0].reason, "larger than --max-filesize (2048 bytes)");
    }
}

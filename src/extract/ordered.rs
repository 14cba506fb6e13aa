//! Jobs run on several threads whose findings reach the sink in job order,
//! with bounded memory: each job sends its findings and problems into a
//! small bounded channel of its own, and the calling thread drains the
//! channels one job after the other. A job ahead of the one being drained
//! waits when its channel is full, and no job starts more than a few jobs
//! ahead of it, so however many findings the jobs make, and however slowly
//! the sink takes them, only a few per thread are held.
//!
//! No deadlock: workers take jobs in increasing order, so when the caller
//! waits for job `i`, job `i` has a worker (or is done), and that worker's
//! channel is the one being drained.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use crate::Scratch;
use crate::detect::Scanner;
use crate::report::{Finding, Problem, Sink};

/// Findings and problems one job may have waiting. Enough that a job of
/// ordinary data never waits (a 16 MiB JSONL segment of the benchmark data
/// holds ~1,600 findings); on data where every line is a finding, each
/// thread holds at most this many (~12 MiB).
const QUEUED: usize = 4096;

/// Events a job queues before the caller is woken to take them (unless
/// the job is done): waking it for each finding made a context switch per
/// finding, with the workers preempted on a machine with as many cores as
/// threads.
const BATCH: usize = 64;
const _: () = assert!(BATCH < QUEUED, "a job must be able to queue a batch");

/// Jobs a worker may start ahead of the one being drained, per thread.
/// Without a limit, a slow sink (output piped to a slow reader) let the
/// workers run through a whole wave, holding every finding of up to
/// [`JOBS_PER_WAVE`] jobs.
const AHEAD_PER_THREAD: usize = 2;

/// Jobs given queues at a time: bounds the queues alive for a file of many
/// segments.
const JOBS_PER_WAVE: usize = 256;

/// Helper workers running in the process, over all files being split at
/// once: each run has one worker of its own and borrows the others from a
/// budget of `threads - 1`, so that several large files scanned at once (one
/// per walk thread) do not start `threads` workers each, with a scratch
/// (and its regex caches) apiece.
static HELPERS: AtomicUsize = AtomicUsize::new(0);

/// Takes up to `want` helpers from a budget of `limit`; returns how many
/// (give them back with [`return_helpers`]).
pub(crate) fn borrow_helpers(want: usize, limit: usize) -> usize {
    let mut cur = HELPERS.load(Ordering::SeqCst);
    loop {
        let take = want.min(limit.saturating_sub(cur));
        if take == 0 {
            return 0;
        }
        match HELPERS.compare_exchange(cur, cur + take, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => return take,
            Err(now) => cur = now,
        }
    }
}

/// Gives back `n` helpers taken with [`borrow_helpers`].
pub(crate) fn return_helpers(n: usize) {
    HELPERS.fetch_sub(n, Ordering::SeqCst);
}

/// What a job sends, in order, ending with its result.
enum Event<T> {
    Finding(Finding),
    Problem(Problem),
    Done(T),
}

/// What the caller of [`run_ordered`] sees of a job's events: a finding
/// about to be sent on (to amend), a problem (to send on or not), the
/// job's result.
pub(crate) enum Step<'f, T> {
    Finding(&'f mut Finding),
    Problem(Problem),
    Done(T),
}

/// How a [`run_ordered`] call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Findings sent on.
    pub findings: u64,
    /// The sink never refused a finding.
    pub sink_wants_more: bool,
    /// Every job ran to its end (neither the sink nor the caller stopped).
    pub finished: bool,
}

/// One job's queue of events, filled by its worker and drained by the caller.
struct Queue<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
}

struct State<T> {
    events: VecDeque<Event<T>>,
    /// The job has sent `Done`.
    done: bool,
    /// The caller no longer listens.
    dropped: bool,
}

impl<T> Queue<T> {
    fn new() -> Queue<T> {
        Queue {
            state: Mutex::new(State { events: VecDeque::new(), done: false, dropped: false }),
            changed: Condvar::new(),
        }
    }

    /// Queues `event`, waiting while `cap` are queued; false once the caller stopped listening.
    fn push(&self, event: Event<T>, cap: usize) -> bool {
        let mut st = self.state.lock().expect("queue lock");
        while st.events.len() >= cap && !st.dropped {
            st = self.changed.wait(st).expect("queue lock");
        }
        if st.dropped {
            return false;
        }
        let done = matches!(event, Event::Done(_));
        st.done |= done;
        st.events.push_back(event);
        if done || st.events.len() == BATCH {
            self.changed.notify_all();
        }
        true
    }

    /// Takes every queued event, waiting for a batch of them or the job's
    /// end; an empty batch means the job is done.
    fn take(&self, batch: &mut VecDeque<Event<T>>) {
        let mut st = self.state.lock().expect("queue lock");
        while st.events.len() < BATCH && !st.done {
            st = self.changed.wait(st).expect("queue lock");
        }
        std::mem::swap(&mut st.events, batch);
        if st.done {
            // Nothing more comes: free the buffer the swap left here, or
            // every drained queue of the wave keeps one (up to `QUEUED`
            // findings' worth each; 110 MB on a findings-dense log).
            st.events = VecDeque::new();
        }
        self.changed.notify_all();
    }

    /// Stops listening: the job's further events are refused.
    fn drop_listener(&self) {
        let mut st = self.state.lock().expect("queue lock");
        st.dropped = true;
        st.events.clear();
        self.changed.notify_all();
    }
}

/// The first job not yet drained, which workers wait on before starting a
/// job too far ahead of it.
struct Window {
    drained: Mutex<usize>,
    moved: Condvar,
}

impl Window {
    /// Waits until job `i` is fewer than `ahead` jobs past the first one not drained.
    fn wait_for(&self, i: usize, ahead: usize) {
        let mut d = self.drained.lock().expect("window lock");
        while i >= d.saturating_add(ahead) {
            d = self.moved.wait(d).expect("window lock");
        }
    }

    /// Jobs before `i` are drained (`usize::MAX` releases every worker).
    fn advance(&self, i: usize) {
        *self.drained.lock().expect("window lock") = i;
        self.moved.notify_all();
    }
}

/// A sink that queues into a job's queue; it stops the job when the caller
/// no longer listens.
struct QueueSink<'a, T> {
    queue: &'a Queue<T>,
    cap: usize,
}

impl<T> Sink for QueueSink<'_, T> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.queue.push(Event::Finding(finding), self.cap)
    }

    fn problem(&mut self, problem: Problem) {
        self.queue.push(Event::Problem(problem), self.cap);
    }
}

/// Runs `run` on every job on up to `threads` threads (each with a scratch
/// of `scanner`, the first the caller's `scratch`, kept from one wave of
/// jobs to the next; all but one thread borrowed from a process-wide budget
/// of `threads - 1`), and passes every event to `on_step` with its job's index
/// and `sink`, jobs in order and each job's events in the order it sent
/// them; findings go on to `sink` after `on_step` has seen them. Stops
/// (skipping the jobs not started) once `on_step` returns false or the sink
/// refuses a finding. The workers' engine statistics are added to `scratch`.
pub(crate) fn run_ordered<J: Sync, T: Send>(
    scanner: &Scanner,
    scratch: &mut Scratch,
    threads: usize,
    jobs: &[J],
    run: impl Fn(&J, &mut Scratch, &mut dyn Sink) -> T + Sync,
    sink: &mut dyn Sink,
    mut on_step: impl FnMut(usize, Step<'_, T>, &mut dyn Sink) -> bool,
) -> Outcome {
    let mut outcome = Outcome { findings: 0, sink_wants_more: true, finished: true };
    // Passes one event on; false to stop.
    let mut step = |k: usize, event: Event<T>| match event {
        Event::Finding(mut f) => {
            if !on_step(k, Step::Finding(&mut f), &mut *sink) {
                return false;
            }
            outcome.findings += 1;
            outcome.sink_wants_more = sink.finding(f);
            outcome.sink_wants_more
        }
        Event::Problem(p) => on_step(k, Step::Problem(p), &mut *sink),
        Event::Done(out) => on_step(k, Step::Done(out), &mut *sink),
    };
    let threads = threads.max(1);
    let cap = QUEUED;
    let stop = AtomicBool::new(false);
    // The workers' scratches, kept from wave to wave so that each warms its
    // regexes' lazy DFAs once, not once per wave; the first is the caller's
    // (already warm when it scanned other files), given back at the end.
    let mut pool = vec![std::mem::replace(scratch, scanner.scratch())];
    for (wave, chunk) in jobs.chunks(JOBS_PER_WAVE).enumerate() {
        let queues: Vec<Queue<T>> = chunk.iter().map(|_| Queue::new()).collect();
        let next = AtomicUsize::new(0);
        let window = Window { drained: Mutex::new(0), moved: Condvar::new() };
        let ahead = AHEAD_PER_THREAD * threads;
        let helpers = borrow_helpers(threads.min(chunk.len()) - 1, threads - 1);
        pool.resize_with(pool.len().max(1 + helpers), || scanner.scratch());
        let (next, window, stop, queues, run) = (&next, &window, &stop, &queues, &run);
        let go_on = std::thread::scope(|scope| {
            let workers: Vec<_> = pool
                .drain(..1 + helpers)
                .map(|mut s| {
                    scope.spawn(move || {
                        loop {
                            let i = next.fetch_add(1, Ordering::SeqCst);
                            if i >= chunk.len() {
                                break;
                            }
                            window.wait_for(i, ahead);
                            if stop.load(Ordering::SeqCst) {
                                break;
                            }
                            let q = &queues[i];
                            let out = run(&chunk[i], &mut s, &mut QueueSink { queue: q, cap });
                            // Always accepted: `Done` may exceed the cap by one.
                            q.push(Event::Done(out), usize::MAX);
                        }
                        s
                    })
                })
                .collect();
            let mut go_on = true;
            let mut batch = VecDeque::new();
            'jobs: for (i, q) in queues.iter().enumerate() {
                loop {
                    q.take(&mut batch);
                    if batch.is_empty() {
                        break;
                    }
                    for event in batch.drain(..) {
                        let done = matches!(event, Event::Done(_));
                        if !step(wave * JOBS_PER_WAVE + i, event) {
                            go_on = false;
                            stop.store(true, Ordering::SeqCst);
                            break 'jobs;
                        }
                        if done {
                            window.advance(i + 1);
                            continue 'jobs;
                        }
                    }
                }
            }
            if !go_on {
                queues.iter().for_each(Queue::drop_listener);
            }
            window.advance(usize::MAX);
            // In the order taken: the caller's scratch stays first.
            let mut used: Vec<Scratch> = workers.into_iter().map(|w| w.join().expect("scan worker")).collect();
            used.append(&mut pool);
            pool = used;
            go_on
        });
        return_helpers(helpers);
        if !go_on {
            outcome.finished = false;
            break;
        }
    }
    let mut pool = pool.into_iter();
    *scratch = pool.next().expect("the caller's scratch");
    for s in pool {
        scratch.absorb_stats(&s);
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Category, Collect, Confidence, Location, TextLocation};
    use crate::testutil::builtin;

    fn finding(job: usize, n: u64) -> Finding {
        Finding {
            source: format!("job {job}"),
            data_type: "T".into(),
            category: Category::CustomIdentifier,
            rule: "r".into(),
            location: Location::Text(TextLocation {
                line: n,
                column: 1,
                column_utf16: None,
                byte_start: n,
                byte_end: n + 1,
            }),
            validated: false,
            confidence: Confidence::Low,
            redacted: String::new(),
            value: None,
        }
    }

    #[test]
    fn events_arrive_in_job_order_however_many_there_are() {
        let scanner = builtin();
        let mut scratch = scanner.scratch();
        // Later jobs are quicker and make more findings than a queue holds.
        let jobs: Vec<usize> = (0..40).collect();
        let mut seen = Vec::new();
        let mut out = Collect::default();
        let outcome = run_ordered(
            scanner,
            &mut scratch,
            4,
            &jobs,
            |&j, _, sink| {
                std::thread::sleep(std::time::Duration::from_millis((40 - j as u64) / 4));
                for n in 0..(j as u64 * 250) {
                    if !sink.finding(finding(j, n)) {
                        return false;
                    }
                }
                true
            },
            &mut out,
            |i, step, _| {
                match step {
                    Step::Finding(f) => seen.push((i, f.location.display_short())),
                    Step::Done(ok) => assert!(ok),
                    Step::Problem(_) => unreachable!(),
                }
                true
            },
        );
        assert_eq!(outcome, Outcome { findings: seen.len() as u64, sink_wants_more: true, finished: true });
        assert_eq!(out.findings.len(), seen.len(), "every finding seen is sent on");
        let want: Vec<(usize, String)> = (0..40)
            .flat_map(|j| (0..j as u64 * 250).map(move |n| (j, finding(j, n).location.display_short())))
            .collect();
        assert!(want.len() > 40 * QUEUED / 2);
        assert!(seen == want, "{} events, {} expected", seen.len(), want.len());
    }

    /// Runs `jobs` jobs, each scanning `hay` with the scratch it is given,
    /// and returns, for each job, how many bytes that scratch had scanned
    /// before it.
    fn bytes_before_each_job(scratch: &mut Scratch, threads: usize, jobs: usize, hay: &[u8]) -> Vec<u64> {
        let scanner = builtin();
        let jobs: Vec<usize> = (0..jobs).collect();
        let before = Mutex::new(vec![0; jobs.len()]);
        let outcome = run_ordered(
            scanner,
            scratch,
            threads,
            &jobs,
            |&j, s, _| {
                before.lock().unwrap()[j] = s.stats().bytes;
                scanner.find(s, hay, 0..hay.len(), &crate::detect::Context::none(), &mut |_| true);
            },
            &mut Collect::default(),
            |_, _, _| true,
        );
        assert!(outcome.finished);
        before.into_inner().unwrap()
    }

    #[test]
    fn scratches_are_kept_from_wave_to_wave_and_the_callers_given_back() {
        let scanner = builtin();
        let hay = b"call 555-0100 or mail ops@example.com, ssn 123-45-6789\n".repeat(20);
        let n = 2 * JOBS_PER_WAVE + 3;
        // One thread: every job, in every wave, runs on the caller's scratch,
        // which arrives with 7 bytes scanned and leaves with all of them.
        let mut scratch = scanner.scratch();
        scanner.find(&mut scratch, b"warm up", 0..7, &crate::detect::Context::none(), &mut |_| true);
        let before = bytes_before_each_job(&mut scratch, 1, n, &hay);
        let want: Vec<u64> = (0..n as u64).map(|j| 7 + j * hay.len() as u64).collect();
        assert!(before == want, "a wave started on a scratch of its own");
        assert_eq!(scratch.stats().bytes, 7 + n as u64 * hay.len() as u64);
        // Two threads: every byte counted once in the caller's statistics,
        // and the jobs of later waves run on scratches that have scanned.
        let mut scratch = scanner.scratch();
        let before = bytes_before_each_job(&mut scratch, 2, n, &hay);
        assert_eq!(scratch.stats().bytes, n as u64 * hay.len() as u64);
        // One fresh scratch per thread that ran a job (the helper thread is
        // borrowed from a budget other tests share, so it may be missing).
        let fresh = before.iter().filter(|&&b| b == 0).count();
        assert!((1..=2).contains(&fresh), "{fresh} jobs started on a fresh scratch");
    }

    #[test]
    fn a_slow_sink_holds_the_workers_back() {
        let scanner = builtin();
        let mut scratch = scanner.scratch();
        // Quick jobs with a few findings each, and a slow sink: without a
        // window, the workers would run through every job while the caller
        // waits on the sink, holding every job's findings.
        let jobs: Vec<usize> = (0..60).collect();
        let threads = 3;
        let started = AtomicUsize::new(0);
        let mut furthest_ahead = 0;
        let mut out = Collect::default();
        let outcome = run_ordered(
            scanner,
            &mut scratch,
            threads,
            &jobs,
            |&j, _, sink| {
                started.fetch_max(j, Ordering::SeqCst);
                (0..10).all(|n| sink.finding(finding(j, n)))
            },
            &mut out,
            |i, step, _| {
                if matches!(step, Step::Done(_)) {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                furthest_ahead = furthest_ahead.max(started.load(Ordering::SeqCst) - i);
                true
            },
        );
        assert!(outcome.finished);
        assert_eq!(out.findings.len(), 600);
        let ahead = AHEAD_PER_THREAD * threads;
        assert!(furthest_ahead < ahead, "a job started {furthest_ahead} jobs ahead of the one drained");
        assert!(furthest_ahead >= 1, "jobs still run ahead of the one drained");
    }

    #[test]
    fn a_drained_queue_frees_its_buffer() {
        let q: Queue<()> = Queue::new();
        for n in 0..1000 {
            assert!(q.push(Event::Finding(finding(0, n)), QUEUED));
        }
        q.push(Event::Done(()), usize::MAX);
        let mut batch = VecDeque::with_capacity(2000);
        q.take(&mut batch);
        assert_eq!(batch.len(), 1001);
        assert_eq!(q.state.lock().unwrap().events.capacity(), 0, "the swapped-in buffer is freed");
    }

    #[test]
    fn stopping_skips_the_rest() {
        let scanner = builtin();
        let mut scratch = scanner.scratch();
        // Each job makes more findings than its queue holds, so no job ends
        // before the stop, and no worker takes a second one.
        let jobs: Vec<usize> = (0..600).collect();
        let started = AtomicUsize::new(0);
        let mut got = 0;
        let mut out = Collect::default();
        let outcome = run_ordered(
            scanner,
            &mut scratch,
            3,
            &jobs,
            |&j, _, sink| {
                started.fetch_add(1, Ordering::SeqCst);
                (0..3 * QUEUED as u64).all(|n| sink.finding(finding(j, n)))
            },
            &mut out,
            |_, step, _| {
                got += usize::from(matches!(step, Step::Finding(_)));
                got < 1_500
            },
        );
        assert!(!outcome.finished);
        assert_eq!(got, 1_500);
        assert_eq!(out.findings.len(), 1_499, "the finding that stopped the run is not sent");
        assert_eq!(outcome.findings, 1_499);
        assert!(started.load(Ordering::SeqCst) <= 3, "{}", started.load(Ordering::SeqCst));
    }
}

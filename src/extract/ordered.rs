//! Jobs run on several threads whose findings reach the sink in job order,
//! with bounded memory: each run of jobs sends its findings and problems
//! into a small bounded queue of its own, and the calling thread drains the
//! queues one run after the other. A run ahead of the one being drained
//! waits when its queue is full, and no run starts more than a few runs
//! ahead of it, so however many findings the jobs make, and however slowly
//! the sink takes them, only a few per thread are held.
//!
//! A worker takes several consecutive jobs at once as one run (when the
//! caller allows it, see [`run_merged`]): as many as the findings per job
//! of the run that ended last say will fit half a queue. Jobs are small, so that data dense
//! in findings is cut into runs that each fit a queue and the threads never
//! wait for one another; on ordinary data a run takes many jobs, so that
//! per-run costs stay those of a large segment.
//!
//! No deadlock: workers take runs in increasing order, so when the caller
//! waits for run `c`, run `c` has a worker (or is done), and that worker's
//! queue is the one being drained.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use crate::Scratch;
use crate::detect::Scanner;
use crate::extract::guard;
use crate::report::{Finding, Problem, Sink};

/// Findings and problems one run may have waiting. Enough that a run of
/// ordinary data never waits; on data where every line is a finding, each
/// thread holds at most this many (a few MiB).
const QUEUED: usize = 16384;

/// Findings a run is sized to make, from the findings per job seen so far:
/// half a queue, so that a run denser than the ones before it still
/// rarely fills its queue.
const RUN_FINDINGS: u64 = QUEUED as u64 / 2;

/// Events a run queues before the caller is woken to take them (unless
/// the run is done): waking it for each finding made a context switch per
/// finding, with the workers preempted on a machine with as many cores as
/// threads. 512 rather than 64: a 49 MB customer table on two threads made
/// 36,000 context switches with 64 and 5,700 with 512, and took 0.94 of
/// the CPU time.
const BATCH: usize = 512;
const _: () = assert!(BATCH < QUEUED, "a run must be able to queue a batch");

/// Runs a worker may start ahead of the one being drained, per thread.
/// Without a limit, a slow sink (output piped to a slow reader) let the
/// workers run through every job, holding every finding.
const AHEAD_PER_THREAD: usize = 2;

/// Helper workers running in the process, over all files being split at
/// once: each call has one worker of its own and borrows the others from a
/// budget of `threads - 1` (when it starts, and again as its runs end while
/// it has fewer than it wants), so that several large files scanned at once
/// (one per walk thread) do not start `threads` workers each, with a
/// scratch (and its regex caches) apiece.
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

/// What a run sends, in order, ending with its result.
enum Event<T> {
    Finding(Finding),
    Problem(Problem),
    Done(T),
    /// The run panicked (a format library on a damaged file): ends the
    /// run, and the merge re-raises the panic once earlier runs are sent.
    Panicked(Box<dyn std::any::Any + Send>),
}

/// What the caller of [`run_merged`] sees of a run's events: a finding
/// about to be sent on (to amend), a problem (to send on or not), the
/// run's result.
pub(crate) enum Step<'f, T> {
    Finding(&'f mut Finding),
    Problem(Problem),
    Done(T),
}

/// How a [`run_merged`] call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Findings sent on.
    pub findings: u64,
    /// The sink never refused a finding.
    pub sink_wants_more: bool,
    /// Every job ran to its end (neither the sink nor the caller stopped).
    pub finished: bool,
}

/// One run's queue of events, filled by its worker and drained by the
/// caller; used again, once drained, by a later run.
struct Queue<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
}

struct State<T> {
    /// The jobs of the run using the queue (set by its worker before any event).
    jobs: Range<usize>,
    events: VecDeque<Event<T>>,
    /// The run has sent `Done`.
    done: bool,
    /// The caller no longer listens.
    dropped: bool,
}

impl<T> Queue<T> {
    fn new() -> Queue<T> {
        Queue {
            state: Mutex::new(State { jobs: 0..0, events: VecDeque::new(), done: false, dropped: false }),
            changed: Condvar::new(),
        }
    }

    /// Gives the queue to the run of `jobs`; the run before has been drained.
    fn start(&self, jobs: Range<usize>) {
        self.state.lock().expect("queue lock").jobs = jobs;
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
        let done = matches!(event, Event::Done(_) | Event::Panicked(_));
        st.done |= done;
        st.events.push_back(event);
        if done || st.events.len() == BATCH {
            self.changed.notify_all();
        }
        true
    }

    /// Takes every queued event, waiting for a batch of them or the run's
    /// end (the batch then ends with `Done`). Returns the run's jobs.
    fn take(&self, batch: &mut VecDeque<Event<T>>) -> Range<usize> {
        let mut st = self.state.lock().expect("queue lock");
        while st.events.len() < BATCH && !st.done {
            st = self.changed.wait(st).expect("queue lock");
        }
        std::mem::swap(&mut st.events, batch);
        if st.done {
            // Nothing more comes from this run: free the buffer the swap
            // left here, or every drained queue keeps one (up to `QUEUED`
            // findings' worth each; 110 MB on a findings-dense log), and
            // wait for the next run's events on the next call.
            st.events = VecDeque::new();
            st.done = false;
        }
        self.changed.notify_all();
        st.jobs.clone()
    }

    /// Stops listening: the run's further events are refused.
    fn drop_listener(&self) {
        let mut st = self.state.lock().expect("queue lock");
        st.dropped = true;
        st.events.clear();
        self.changed.notify_all();
    }
}

/// The first run not yet drained, which workers wait on before starting a
/// run too far ahead of it.
struct Window {
    drained: Mutex<usize>,
    moved: Condvar,
}

impl Window {
    /// Waits until run `c` is fewer than `ahead` runs past the first one not drained.
    fn wait_for(&self, c: usize, ahead: usize) {
        let mut d = self.drained.lock().expect("window lock");
        while c >= d.saturating_add(ahead) {
            d = self.moved.wait(d).expect("window lock");
        }
    }

    /// Runs before `c` are drained (`usize::MAX` releases every worker).
    fn advance(&self, c: usize) {
        *self.drained.lock().expect("window lock") = c;
        self.moved.notify_all();
    }
}

/// Hands out runs: the next job and run number, and how many jobs the next
/// run takes, from the findings per job of the run that ended last (the
/// data's density where the workers are).
struct Pace {
    state: Mutex<PaceState>,
}

#[derive(Default)]
struct PaceState {
    /// The next job to hand out and the number of the next run.
    job: usize,
    run: usize,
    /// The jobs of the run that ended last (0 before any has ended), and
    /// the findings and problems it sent.
    last_jobs: u64,
    last_events: u64,
}

impl Pace {
    fn new() -> Pace {
        Pace { state: Mutex::new(PaceState::default()) }
    }

    /// The next run of at most `merge` of the `jobs` jobs, and its number;
    /// `None` once every job is taken.
    fn claim(&self, jobs: usize, merge: usize) -> Option<(usize, Range<usize>)> {
        let mut st = self.state.lock().expect("pace lock");
        if st.job >= jobs {
            return None;
        }
        // Until a run has ended, one job at a time.
        let fit = match st.last_jobs {
            0 => 1,
            n => (RUN_FINDINGS.saturating_mul(n) / st.last_events.max(1)).max(1),
        };
        let take = usize::try_from(fit).unwrap_or(usize::MAX).min(merge.max(1));
        let (job, run) = (st.job, st.run);
        let end = job.saturating_add(take).min(jobs);
        (st.job, st.run) = (end, run + 1);
        Some((run, job..end))
    }

    /// Counts a run of `jobs` jobs that sent `events` findings and problems.
    fn ended(&self, jobs: usize, events: u64) {
        let mut st = self.state.lock().expect("pace lock");
        (st.last_jobs, st.last_events) = (jobs as u64, events);
    }
}

/// A sink that queues into a run's queue, counting what it queues; it
/// stops the run when the caller no longer listens.
struct QueueSink<'a, T> {
    queue: &'a Queue<T>,
    cap: usize,
    sent: u64,
}

impl<T> Sink for QueueSink<'_, T> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.sent += 1;
        self.queue.push(Event::Finding(finding), self.cap)
    }

    fn problem(&mut self, problem: Problem) {
        self.sent += 1;
        self.queue.push(Event::Problem(problem), self.cap);
    }
}

/// [`run_merged`] with each job run alone; `on_step` gets the job's index.
#[cfg_attr(not(feature = "parquet"), allow(dead_code))] // Parquet's row groups are its only jobs.
pub(crate) fn run_ordered<J: Sync, T: Send>(
    scanner: &Scanner,
    scratch: &mut Scratch,
    threads: usize,
    jobs: &[J],
    run: impl Fn(&J, &mut Scratch, &mut dyn Sink) -> T + Sync,
    sink: &mut dyn Sink,
    mut on_step: impl FnMut(usize, Step<'_, T>, &mut dyn Sink) -> bool,
) -> Outcome {
    let run = |js: &[J], s: &mut Scratch, out: &mut dyn Sink| run(&js[0], s, out);
    run_merged(scanner, scratch, threads, jobs, 1, run, sink, |r, step, sink| on_step(r.start, step, sink))
}

/// Runs `run` on every job on up to `threads` threads (each with a scratch
/// of `scanner`, the first the caller's `scratch`; all but one thread
/// borrowed from a process-wide budget of `threads - 1`), a run of up to
/// `merge` consecutive jobs at a time (`run` treats them as one job from
/// the first's start to the last's end), and passes every event to
/// `on_step` with its run's jobs and `sink`, runs in order and each run's
/// events in the order it sent them; findings go on to `sink` after
/// `on_step` has seen them. Stops (skipping the runs not started) once
/// `on_step` returns false or the sink refuses a finding. The workers'
/// engine statistics are added to `scratch`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_merged<J: Sync, T: Send>(
    scanner: &Scanner,
    scratch: &mut Scratch,
    threads: usize,
    jobs: &[J],
    merge: usize,
    run: impl Fn(&[J], &mut Scratch, &mut dyn Sink) -> T + Sync,
    sink: &mut dyn Sink,
    mut on_step: impl FnMut(Range<usize>, Step<'_, T>, &mut dyn Sink) -> bool,
) -> Outcome {
    let mut outcome = Outcome { findings: 0, sink_wants_more: true, finished: true };
    if jobs.is_empty() {
        return outcome;
    }
    // A run's panic, re-raised once the runs before it are sent on.
    let mut panicked = None;
    // Passes one event on; false to stop.
    let mut step = |r: Range<usize>, event: Event<T>| match event {
        Event::Finding(mut f) => {
            if !on_step(r, Step::Finding(&mut f), &mut *sink) {
                return false;
            }
            outcome.findings += 1;
            outcome.sink_wants_more = sink.finding(f);
            outcome.sink_wants_more
        }
        Event::Problem(p) => on_step(r, Step::Problem(p), &mut *sink),
        Event::Done(out) => on_step(r, Step::Done(out), &mut *sink),
        Event::Panicked(payload) => {
            panicked = Some(payload);
            false
        }
    };
    let threads = threads.max(1);
    let ahead = AHEAD_PER_THREAD * threads;
    // A run uses queue `run % ahead`: it starts only once the run `ahead`
    // before it is drained.
    let queues: Vec<Queue<T>> = (0..ahead).map(|_| Queue::new()).collect();
    let pace = Pace::new();
    let window = Window { drained: Mutex::new(0), moved: Condvar::new() };
    let stop = AtomicBool::new(false);
    // Helpers wanted; those the budget lacks now are borrowed again as
    // runs end (another split file may give them back).
    let want = threads.min(jobs.len()) - 1;
    let mut helpers = borrow_helpers(want, threads - 1);
    // The caller's scratch (already warm when it scanned other files) goes
    // to the first worker, and is given back at the end.
    let first = std::mem::replace(scratch, scanner.scratch());
    let (pace, window, stop, queues, run) = (&pace, &window, &stop, &queues, &run);
    let work = move |mut s: Scratch| {
        while let Some((c, r)) = pace.claim(jobs.len(), merge) {
            window.wait_for(c, ahead);
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let q = &queues[c % ahead];
            q.start(r.clone());
            let mut out = QueueSink { queue: q, cap: QUEUED, sent: 0 };
            let result = guard::catch_quietly(|| run(&jobs[r.clone()], &mut s, &mut out));
            pace.ended(r.len(), out.sent);
            // Always accepted: `Done` may exceed the cap by one.
            match result {
                Ok(result) => q.push(Event::Done(result), usize::MAX),
                Err(payload) => {
                    // The runs before this one are claimed already, by
                    // workers that finish them; the merge stops at this one.
                    q.push(Event::Panicked(payload), usize::MAX);
                    return scanner.scratch();
                }
            };
        }
        s
    };
    let (go_on, used) = std::thread::scope(|scope| {
        let mut workers: Vec<_> = std::iter::once(first)
            .chain((0..helpers).map(|_| scanner.scratch()))
            .map(|s| scope.spawn(move || work(s)))
            .collect();
        let mut go_on = true;
        let mut batch = VecDeque::new();
        let (mut c, mut next_job) = (0, 0);
        'runs: while next_job < jobs.len() {
            let q = &queues[c % ahead];
            loop {
                let r = q.take(&mut batch);
                for event in batch.drain(..) {
                    let done = matches!(event, Event::Done(_));
                    if !step(r.clone(), event) {
                        go_on = false;
                        stop.store(true, Ordering::SeqCst);
                        break 'runs;
                    }
                    if done {
                        (c, next_job) = (c + 1, r.end);
                        window.advance(c);
                        if helpers < want && next_job < jobs.len() {
                            let more = borrow_helpers(want - helpers, threads - 1);
                            helpers += more;
                            workers.extend((0..more).map(|_| scope.spawn(move || work(scanner.scratch()))));
                        }
                        continue 'runs;
                    }
                }
            }
        }
        if !go_on {
            queues.iter().for_each(Queue::drop_listener);
        }
        window.advance(usize::MAX);
        // In the order taken: the caller's scratch stays first.
        let used: Vec<Scratch> = workers.into_iter().map(|w| w.join().expect("scan worker")).collect();
        (go_on, used)
    });
    return_helpers(helpers);
    if let Some(payload) = panicked {
        *scratch = used.into_iter().next().expect("the caller's scratch");
        std::panic::resume_unwind(payload);
    }
    outcome.finished = go_on;
    let mut used = used.into_iter();
    *scratch = used.next().expect("the caller's scratch");
    for s in used {
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
                page: None,
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
        let jobs: Vec<usize> = (0..20).collect();
        let mut seen = Vec::new();
        let mut out = Collect::default();
        let outcome = run_ordered(
            scanner,
            &mut scratch,
            4,
            &jobs,
            |&j, _, sink| {
                std::thread::sleep(std::time::Duration::from_millis((20 - j as u64) / 2));
                for n in 0..(j * QUEUED / 8) as u64 {
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
        let want: Vec<(usize, String)> = (0..20)
            .flat_map(|j| (0..(j * QUEUED / 8) as u64).map(move |n| (j, finding(j, n).location.display_short())))
            .collect();
        assert!(want.len() > 20 * QUEUED / 2);
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
    fn scratches_are_kept_from_job_to_job_and_the_callers_given_back() {
        let scanner = builtin();
        let hay = b"call 555-0100 or mail ops@example.com, ssn 123-45-6789\n".repeat(20);
        let n = 300;
        // One thread: every job runs on the caller's scratch,
        // which arrives with 7 bytes scanned and leaves with all of them.
        let mut scratch = scanner.scratch();
        scanner.find(&mut scratch, b"warm up", 0..7, &crate::detect::Context::none(), &mut |_| true);
        let before = bytes_before_each_job(&mut scratch, 1, n, &hay);
        let want: Vec<u64> = (0..n as u64).map(|j| 7 + j * hay.len() as u64).collect();
        assert!(before == want, "a job started on a scratch of its own");
        assert_eq!(scratch.stats().bytes, 7 + n as u64 * hay.len() as u64);
        // Two threads: every byte counted once in the caller's statistics,
        // and later jobs run on scratches that have scanned.
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
    fn a_run_that_panics_is_re_raised_after_the_runs_before_it() {
        let scanner = builtin();
        let jobs: Vec<usize> = (0..40).collect();
        for threads in [1, 2, 4] {
            let mut scratch = scanner.scratch();
            let mut out = Collect::default();
            let mut done = Vec::new();
            let caught = crate::extract::guard::quietly("the run", || {
                run_ordered(
                    scanner,
                    &mut scratch,
                    threads,
                    &jobs,
                    |&j, _, sink| {
                        assert!(j != 17, "damaged input in job {j}");
                        sink.finding(finding(j, 0))
                    },
                    &mut out,
                    |i, step, _| {
                        if matches!(step, Step::Done(_)) {
                            done.push(i);
                        }
                        true
                    },
                )
            });
            // No hang, the panic's message, and every run before it sent.
            assert_eq!(caught.unwrap_err(), "the run failed: damaged input in job 17", "{threads} threads");
            assert_eq!(done, (0..17).collect::<Vec<_>>(), "{threads} threads");
            assert_eq!(out.findings.len(), 17);
        }
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

    #[test]
    fn runs_merge_sparse_jobs_and_keep_dense_ones_alone() {
        let scanner = builtin();
        let mut scratch = scanner.scratch();
        // 100 jobs with no findings, then 100 with more than a run is sized for.
        let jobs: Vec<u64> = (0..200).map(|j| if j < 100 { 0 } else { RUN_FINDINGS + 500 }).collect();
        let mut runs: Vec<Range<usize>> = Vec::new();
        let mut seen = Vec::new();
        let outcome = run_merged(
            scanner,
            &mut scratch,
            2,
            &jobs,
            16,
            |js, _, sink| {
                let first = (js.as_ptr() as usize - jobs.as_ptr() as usize) / std::mem::size_of::<u64>();
                for (j, &n) in js.iter().enumerate() {
                    for k in 0..n {
                        sink.finding(finding(first + j, k));
                    }
                }
                js.len()
            },
            &mut Collect::default(),
            |r, step, _| {
                match step {
                    Step::Finding(f) => seen.push((f.source.clone(), f.location.line())),
                    Step::Done(n) => {
                        assert_eq!(n, r.len());
                        runs.push(r);
                    }
                    Step::Problem(_) => unreachable!(),
                }
                true
            },
        );
        assert!(outcome.finished);
        // Runs cover the jobs in order, none longer than allowed.
        assert_eq!(runs.first().map(|r| r.start), Some(0));
        assert!(runs.windows(2).all(|w| w[0].end == w[1].start), "{runs:?}");
        assert_eq!(runs.last().map(|r| r.end), Some(200));
        assert!(runs.iter().all(|r| (1..=16).contains(&r.len())), "{runs:?}");
        // Sparse jobs go many to a run; dense ones (once seen) one to a run.
        assert!(runs.iter().any(|r| r.end <= 100 && r.len() == 16), "{runs:?}");
        assert!(runs.iter().filter(|r| r.start >= 150).all(|r| r.len() == 1), "{runs:?}");
        let want: Vec<(String, Option<u64>)> =
            (100..200).flat_map(|j| (0..jobs[j]).map(move |k| (format!("job {j}"), Some(k)))).collect();
        assert!(seen == want, "findings out of order");
    }

    #[test]
    fn helpers_given_back_by_others_join_a_running_file() {
        let scanner = builtin();
        let mut scratch = scanner.scratch();
        // Another split file holds the whole budget of 7 helpers (other
        // tests borrow with budgets of 3 at most, so they take none of it)
        // and gives it back once 4 jobs of this one are done.
        let mut held = borrow_helpers(7, 7);
        let all_held = held == 7;
        let jobs: Vec<usize> = (0..40).collect();
        let ran = Mutex::new(Vec::new());
        let outcome = run_ordered(
            scanner,
            &mut scratch,
            8,
            &jobs,
            |&j, _, _| {
                std::thread::sleep(std::time::Duration::from_millis(5));
                ran.lock().unwrap().push((j, std::thread::current().id()));
            },
            &mut Collect::default(),
            |j, _, _| {
                if j == 3 {
                    return_helpers(std::mem::take(&mut held));
                }
                true
            },
        );
        return_helpers(held);
        assert!(outcome.finished);
        let ran = ran.into_inner().unwrap();
        let threads = |jobs: Range<usize>| -> std::collections::HashSet<std::thread::ThreadId> {
            ran.iter().filter(|(j, _)| jobs.contains(j)).map(|&(_, t)| t).collect()
        };
        assert_eq!(ran.len(), 40);
        if all_held {
            assert_eq!(threads(0..4).len(), 1, "the first jobs ran with no helper");
        }
        assert!(threads(0..40).len() >= 2, "no helper joined once the budget had some");
    }
}

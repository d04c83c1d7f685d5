//! loom models of the executor: the task state machine (wakes, abort, join
//! handle and join waker racing completion, shutdown racing a wake) driven
//! by the real task code, and the parker and idle protocol that put workers
//! to sleep without losing a wake-up.
#![cfg(taskcell_loom)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use loom::thread;
use taskcell_executor::loom_hooks::{Idle, Parker, Queue};

/// Counts polls and drops; on every poll before the `ready_at`-th it leaves
/// its waker in `slot` and returns `Pending`.
struct Probe {
    ready_at: usize,
    slot: Arc<Mutex<Option<Waker>>>,
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    polls: AtomicUsize,
    future_drops: AtomicUsize,
    output_drops: AtomicUsize,
}

/// The probe's output; counts its drops.
#[derive(Debug)]
struct Output(Arc<Counts>);

impl Drop for Output {
    fn drop(&mut self) {
        self.0.output_drops.fetch_add(1, Relaxed);
    }
}

impl Future for Probe {
    type Output = Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        let polls = self.counts.polls.fetch_add(1, Relaxed) + 1;
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        if polls >= self.ready_at {
            Poll::Ready(Output(self.counts.clone()))
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.counts.future_drops.fetch_add(1, Relaxed);
    }
}

fn probe(ready_at: usize) -> (Probe, Arc<Mutex<Option<Waker>>>, Arc<Counts>) {
    let slot = Arc::new(Mutex::new(None));
    let counts = Arc::new(Counts::default());
    let probe = Probe {
        ready_at,
        slot: slot.clone(),
        counts: counts.clone(),
    };
    (probe, slot, counts)
}

/// Spins (yielding to loom) until the probe has left a waker, then wakes it.
fn wake_when_stored(slot: Arc<Mutex<Option<Waker>>>) -> thread::JoinHandle<()> {
    thread::spawn(move || loop {
        if let Some(waker) = slot.lock().unwrap().take() {
            waker.wake();
            return;
        }
        thread::yield_now();
    })
}

/// A wake that lands while the task is being polled makes it run again,
/// exactly once; a wake after that poll schedules it. Either way it is
/// polled exactly twice and completes.
#[test]
fn wake_while_running_runs_the_task_again_exactly_once() {
    loom::model(|| {
        let queue = Queue::new();
        let (probe, slot, counts) = probe(2);
        let join = queue.spawn(probe);
        let waker = wake_when_stored(slot);
        assert!(queue.run_next());
        waker.join().unwrap();
        while queue.run_next() {}
        assert_eq!(counts.polls.load(Relaxed), 2);
        assert!(join.is_finished());
        drop(loom::future::block_on(join).unwrap());
        assert_eq!(counts.future_drops.load(Relaxed), 1);
        assert_eq!(counts.output_drops.load(Relaxed), 1);
    });
}

/// A wake that races the completing poll never polls the task again.
#[test]
fn wake_after_completion_is_a_no_op() {
    loom::model(|| {
        let queue = Queue::new();
        let (probe, slot, counts) = probe(1);
        let join = queue.spawn(probe);
        let waker = wake_when_stored(slot);
        assert!(queue.run_next());
        waker.join().unwrap();
        assert!(queue.is_empty(), "a completed task was scheduled again");
        assert_eq!(counts.polls.load(Relaxed), 1);
        drop(loom::future::block_on(join).unwrap());
        assert_eq!(counts.future_drops.load(Relaxed), 1);
        assert_eq!(counts.output_drops.load(Relaxed), 1);
    });
}

/// `abort` racing the task's completing poll: the handle gives either the
/// output or a cancellation, and the future and output are each dropped
/// exactly once.
#[test]
fn abort_racing_completion() {
    loom::model(|| {
        let queue = Queue::new();
        let (probe, _slot, counts) = probe(1);
        let join = Arc::new(queue.spawn(probe));
        let aborter = {
            let join = join.clone();
            thread::spawn(move || join.abort())
        };
        queue.run_next();
        aborter.join().unwrap();
        while queue.run_next() {}
        let join = Arc::try_unwrap(join).ok().expect("the aborter is done");
        match loom::future::block_on(join) {
            Ok(output) => {
                assert_eq!(counts.polls.load(Relaxed), 1);
                drop(output);
                assert_eq!(counts.output_drops.load(Relaxed), 1);
            }
            Err(err) => {
                assert!(err.is_cancelled());
                assert_eq!(counts.polls.load(Relaxed), 0, "cancelled before its poll");
            }
        }
        assert_eq!(counts.future_drops.load(Relaxed), 1);
    });
}

/// The `JoinHandle` dropped while the task completes: the output is dropped
/// exactly once, by whichever side owns it.
#[test]
fn join_handle_dropped_racing_completion() {
    loom::model(|| {
        let queue = Queue::new();
        let (probe, _slot, counts) = probe(1);
        let join = queue.spawn(probe);
        let dropper = thread::spawn(move || drop(join));
        queue.run_next();
        dropper.join().unwrap();
        assert_eq!(counts.polls.load(Relaxed), 1);
        assert_eq!(counts.future_drops.load(Relaxed), 1);
        assert_eq!(counts.output_drops.load(Relaxed), 1);
    });
}

/// The join waker registered while the task completes is never lost: the
/// joining thread always wakes up with the output.
#[test]
fn join_waker_registration_racing_completion() {
    loom::model(|| {
        let queue = Queue::new();
        let (probe, _slot, counts) = probe(1);
        let join = queue.spawn(probe);
        let joiner = thread::spawn(move || loom::future::block_on(join).map(drop).is_ok());
        queue.run_next();
        assert!(joiner.join().unwrap());
        assert_eq!(counts.output_drops.load(Relaxed), 1);
    });
}

/// Runtime shutdown racing a wake of a pending task: the future is dropped
/// exactly once, the handle reports the cancellation, and the wake neither
/// polls the task again nor leaves work behind.
#[test]
fn shutdown_racing_a_wake() {
    loom::model(|| {
        let queue = Queue::new();
        let (probe, slot, counts) = probe(2);
        let join = queue.spawn(probe);
        assert!(queue.run_next()); // pending, waker stored
        let waker = wake_when_stored(slot);
        queue.shutdown();
        waker.join().unwrap();
        // A wake that found the task idle queued it; shutdown or the drain
        // below drops that notification without polling.
        queue.shutdown();
        assert_eq!(counts.polls.load(Relaxed), 1);
        assert_eq!(counts.future_drops.load(Relaxed), 1);
        assert!(loom::future::block_on(join).unwrap_err().is_cancelled());
    });
}

/// An `unpark` racing a `park` is never lost.
#[test]
fn parker_loses_no_wake_up() {
    loom::model(|| {
        let parker = Arc::new(Parker::new());
        let work = Arc::new(AtomicBool::new(false));
        let producer = {
            let (parker, work) = (parker.clone(), work.clone());
            thread::spawn(move || {
                work.store(true, SeqCst);
                parker.unpark();
            })
        };
        while !work.load(SeqCst) {
            parker.park();
        }
        producer.join().unwrap();
    });
}

/// The last searching worker going to sleep while a producer queues work:
/// either the producer sees no searcher and wakes the worker, or the worker
/// sees the work in its last look. The model deadlocks if neither happens.
#[test]
fn last_searcher_and_producer_lose_no_wake_up() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(1));
        let parker = Arc::new(Parker::new());
        // Stands for the injector: `true` once a task is queued.
        let queued = Arc::new(AtomicBool::new(false));
        let producer = {
            let (idle, parker, queued) = (idle.clone(), parker.clone(), queued.clone());
            thread::spawn(move || {
                queued.store(true, SeqCst);
                // As `Shared::notify_parked`: a fence, then the idle word.
                fence(SeqCst);
                if idle.worker_to_notify().is_some() {
                    parker.unpark();
                }
            })
        };
        // The worker, as `Core::run` and `Core::park` do it.
        let mut searching = idle.transition_worker_to_searching();
        assert!(searching);
        while !queued.load(SeqCst) {
            if idle.transition_worker_to_parked(0, searching) && queued.load(SeqCst) {
                // The last searcher's final look found work: wake a worker
                // (here: itself), as `Shared::notify_parked` does.
                fence(SeqCst);
                if idle.worker_to_notify().is_some() {
                    parker.unpark();
                }
            }
            // Asleep until a notifier takes it off the sleeper list, which
            // makes it a searcher again.
            loop {
                parker.park();
                if !idle.is_parked(0) {
                    searching = true;
                    break;
                }
            }
        }
        producer.join().unwrap();
    });
}

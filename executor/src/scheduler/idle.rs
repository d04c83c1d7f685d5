//! Which workers sleep and which search, so that new work wakes a sleeper
//! only when no one is already looking for work.
//!
//! One atomic word counts the searching workers (low 16 bits) and the
//! unparked workers (the rest); the list of sleeping workers sits behind a
//! lock touched only when a worker parks or is woken, never per task.
//!
//! No lost wake-up: a producer pushes its task, then issues a `SeqCst`
//! fence (`Shared::notify_parked` does, or `schedule_remote` before it) and
//! reads the word; a worker going to sleep updates the word, issues a
//! `SeqCst` fence and, if it was the last searcher, looks at every queue once
//! more. Either the producer sees no searcher and wakes someone, or the last
//! searcher sees the task. (`loom-tests` models this handshake.)

use crate::primitives::{fence, AtomicUsize, Mutex, Ordering::SeqCst};

const SEARCHING_MASK: usize = (1 << 16) - 1;
const UNPARKED_ONE: usize = 1 << 16;

/// The searching and sleeping workers; see the module docs.
#[derive(Debug)]
pub struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

impl Idle {
    /// All `num_workers` workers awake, none searching.
    pub fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCHING_MASK, "too many worker threads");
        Idle {
            state: AtomicUsize::new(num_workers * UNPARKED_ONE),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    /// After new work was queued: the worker to wake, if no one searches and
    /// someone sleeps. The woken worker counts as searching.
    ///
    /// The caller issues a `SeqCst` fence between queueing the work and this
    /// call (see the module docs).
    #[inline]
    pub fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_wake() {
            return None;
        }
        self.worker_to_notify_slow()
    }

    #[cold]
    fn worker_to_notify_slow(&self) -> Option<usize> {
        let mut sleepers = self.sleepers.lock();
        if !self.should_wake() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add(1 + UNPARKED_ONE, SeqCst);
        Some(worker)
    }

    #[inline]
    fn should_wake(&self) -> bool {
        let state = self.state.load(SeqCst);
        state & SEARCHING_MASK == 0 && state / UNPARKED_ONE < self.num_workers
    }

    /// A worker with nothing to do wants to steal; at most half the workers
    /// search at once.
    pub fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * (state & SEARCHING_MASK) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work. Returns whether it was the last
    /// searcher (then it must wake another, who may find more).
    pub fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(prev & SEARCHING_MASK > 0);
        prev & SEARCHING_MASK == 1
    }

    /// A worker goes to sleep. Returns whether it was the last searcher
    /// (then it must look at every queue once more before sleeping).
    pub fn transition_worker_to_parked(&self, worker: usize, searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let prev = self
            .state
            .fetch_sub(UNPARKED_ONE + usize::from(searching), SeqCst);
        // Pairs with the producer's fence before `worker_to_notify`: fence to
        // fence, the
        // producer's push and this worker's last look at the queues cannot
        // both miss each other. (Cold path: once per sleep.)
        fence(SeqCst);
        sleepers.push(worker);
        searching && prev & SEARCHING_MASK == 1
    }

    /// A parked worker found work of its own (the driver woke tasks onto
    /// its queue): it counts as unparked again. Returns false if a notifier
    /// already took it off the list, counting it as a searcher.
    pub fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        let Some(at) = sleepers.iter().position(|&w| w == worker) else {
            return false;
        };
        sleepers.swap_remove(at);
        self.state.fetch_add(UNPARKED_ONE, SeqCst);
        true
    }

    /// A sleeping worker other than `me`, the one asleep longest (the last
    /// a notification wakes), if any.
    pub fn another_sleeper(&self, me: usize) -> Option<usize> {
        self.sleepers
            .lock()
            .iter()
            .copied()
            .find(|&worker| worker != me)
    }

    /// Whether `worker` is still asleep (a wake-up without a notification).
    pub fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }
}

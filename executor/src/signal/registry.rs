//! The process-wide record of signal deliveries, apart from the system
//! calls (so that Miri runs its tests).
//!
//! Each signal number has a [`Slot`]:
//!
//! 1. The signal handler sets `pending` (an atomic store: async-signal-safe)
//!    and then wakes a runtime's driver through the self-pipe
//!    (`signal/unix.rs`).
//! 2. A driver that sees the pipe readable drains it, then calls
//!    [`Registry::broadcast`]: every slot whose `pending` it swaps from true
//!    bumps its `generation` and wakes its waiters. A delivery that lands
//!    after the drain writes the pipe again, so the driver comes back.
//! 3. A listener remembers the generation it last saw: a newer one is a
//!    delivery (several since its last look count as one, as in tokio),
//!    and every listener of a signal sees it.
//!
//! The rule that loses no delivery: a listener registers its waker, under
//! the slot's lock, *before* it reads the generation again; `broadcast`
//! bumps the generation, then takes the waiters under that lock. Either the
//! listener's second read sees the bump, or `broadcast` finds its waker.

use std::task::{Context, Poll, Waker};

use crate::primitives::{AtomicBool, AtomicU64, Mutex, Ordering::AcqRel, Ordering::Acquire};

/// One signal number's deliveries and listeners.
#[derive(Debug)]
pub(crate) struct Slot {
    /// Set by the handler; taken by `broadcast`.
    pending: AtomicBool,
    /// Deliveries so far.
    generation: AtomicU64,
    /// The wakers of listeners waiting for the next delivery.
    waiters: Mutex<Vec<Waker>>,
}

impl Slot {
    pub(crate) fn new() -> Slot {
        Slot {
            pending: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// The handler's side: a delivery to broadcast. Async-signal-safe.
    pub(crate) fn record(&self) {
        self.pending
            .store(true, crate::primitives::Ordering::Release);
    }

    /// The deliveries so far: what a new listener starts from.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Acquire)
    }

    /// Takes a pending delivery: bumps the generation and wakes every
    /// waiter. Returns whether there was one.
    fn deliver(&self) -> bool {
        if !self.pending.swap(false, AcqRel) {
            return false;
        }
        self.generation.fetch_add(1, AcqRel);
        self.wake_all();
        true
    }

    /// Wakes every waiter (a delivery, or the end of its runtime).
    pub(crate) fn wake_all(&self) {
        let waiters = std::mem::take(&mut *self.waiters.lock());
        // Outside the lock; a panic in a (foreign) waker stays there.
        waiters.into_iter().for_each(crate::task::wake_contained);
    }

    /// A listener that last saw `seen`: `Ready` with the newer generation,
    /// or `Pending` with `cx`'s waker registered (see the module's rule).
    pub(crate) fn poll_delivery(&self, seen: u64, cx: &mut Context<'_>) -> Poll<u64> {
        let now = self.generation();
        if now != seen {
            return Poll::Ready(now);
        }
        {
            let mut waiters = self.waiters.lock();
            if !waiters.iter().any(|waiter| waiter.will_wake(cx.waker())) {
                waiters.push(cx.waker().clone());
            }
        }
        match self.generation() {
            now if now != seen => Poll::Ready(now),
            _ => Poll::Pending,
        }
    }
}

/// Every signal number's slot.
#[derive(Debug)]
pub(crate) struct Registry {
    slots: Box<[Slot]>,
}

impl Registry {
    /// Slots for signal numbers `0..len`.
    pub(crate) fn new(len: usize) -> Registry {
        Registry {
            slots: (0..len).map(|_| Slot::new()).collect(),
        }
    }

    /// The slot of `signum`, if it is in range.
    pub(crate) fn slot(&self, signum: usize) -> Option<&Slot> {
        self.slots.get(signum)
    }

    /// Delivers every pending signal; returns how many there were.
    pub(crate) fn broadcast(&self) -> usize {
        self.slots.iter().filter(|slot| slot.deliver()).count()
    }

    /// Wakes every listener of every signal (a runtime is going away).
    pub(crate) fn wake_all(&self) {
        self.slots.iter().for_each(Slot::wake_all);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (Arc::clone(&count), Waker::from(count))
    }

    #[test]
    fn every_listener_sees_a_delivery_once() {
        let registry = Registry::new(4);
        let slot = registry.slot(2).unwrap();
        let (a_wakes, a) = counter();
        let (b_wakes, b) = counter();
        let start = slot.generation();
        assert!(slot
            .poll_delivery(start, &mut Context::from_waker(&a))
            .is_pending());
        assert!(slot
            .poll_delivery(start, &mut Context::from_waker(&b))
            .is_pending());
        assert_eq!(registry.broadcast(), 0, "nothing pending");
        slot.record();
        assert_eq!(registry.broadcast(), 1);
        assert_eq!((a_wakes.0.load(SeqCst), b_wakes.0.load(SeqCst)), (1, 1));
        let Poll::Ready(seen) = slot.poll_delivery(start, &mut Context::from_waker(&a)) else {
            panic!("delivered");
        };
        assert!(slot
            .poll_delivery(seen, &mut Context::from_waker(&a))
            .is_pending());
    }

    #[test]
    fn deliveries_between_two_looks_count_as_one() {
        let registry = Registry::new(2);
        let slot = registry.slot(1).unwrap();
        let (_, waker) = counter();
        let start = slot.generation();
        for _ in 0..3 {
            slot.record();
            registry.broadcast();
        }
        let mut cx = Context::from_waker(&waker);
        let Poll::Ready(seen) = slot.poll_delivery(start, &mut cx) else {
            panic!("delivered");
        };
        assert!(slot.poll_delivery(seen, &mut cx).is_pending());
        // A record not yet broadcast is not a delivery.
        slot.record();
        assert!(slot.poll_delivery(seen, &mut cx).is_pending());
        assert!(registry.slot(2).is_none());
    }

    #[test]
    fn a_listener_is_kept_once_and_woken_at_the_end() {
        let registry = Registry::new(2);
        let slot = registry.slot(1).unwrap();
        let (wakes, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        for _ in 0..5 {
            assert!(slot.poll_delivery(0, &mut cx).is_pending());
        }
        // `will_wake` may say no for one task's clones (std promises no
        // more; under Miri a waker's vtable moves between clones): kept
        // once where it says yes, and never more than once a poll.
        let kept = slot.waiters.lock().len();
        assert!(kept <= 5);
        if !cfg!(miri) {
            assert_eq!(kept, 1);
        }
        registry.wake_all();
        assert_eq!(wakes.0.load(SeqCst), kept);
        assert!(slot.waiters.lock().is_empty());
    }
}

//! loom models of the timer wheels' protocols (`driver/time`): a timer
//! dropped on one worker while another fires its wheel, a deadline moved
//! later without the lock while the wheel fires, a timer armed earlier than
//! the parked driver's deadline, and the driver handed to a worker that
//! found it taken.
#![cfg(taskcell_loom)]

use std::sync::Arc as StdArc;
use std::task::{Poll, Wake, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use taskcell_executor::loom_hooks::{Driver, Handoff, Timer, Timers};

/// Counts wake-ups.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: StdArc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn count() -> (StdArc<Count>, Waker) {
    let count = StdArc::new(Count(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

/// A timer dropped on its worker while another thread fires its wheel: it
/// either fires, once, or leaves the wheel unfired; never both, never
/// neither, and the wheel ends empty.
#[test]
fn a_drop_racing_the_fire_fires_once_or_not_at_all() {
    loom::model(|| {
        let timers = Arc::new(Timers::new(1));
        let (woken, waker) = count();
        let mut timer = Box::pin(Timer::new());
        assert!(!timers.arm(timer.as_mut(), 0, 5, &waker));
        let firer = {
            let timers = timers.clone();
            thread::spawn(move || timers.fire(0, 10))
        };
        timers.cancel(timer.as_mut());
        // The entry's memory goes with its `Sleep`.
        drop(timer);
        let fired = firer.join().unwrap();
        assert_eq!(woken.0.load(SeqCst), fired, "woken once per fire");
        assert!(fired <= 1);
        assert_eq!(timers.entries(), 0, "the dropped timer stayed in its wheel");
    });
}

/// A deadline moved later (a compare-and-swap, no lock) while the wheel
/// fires the old one: the timer either fired first, and the reset leaves it
/// unarmed for its next poll to arm, or it is filed again and fires at the
/// new deadline, not before.
#[test]
fn a_later_reset_racing_the_fire_moves_it_or_finds_it_fired() {
    loom::model(|| {
        let timers = Arc::new(Timers::new(1));
        let (woken, waker) = count();
        let mut timer = Box::pin(Timer::new());
        let _ = timers.arm(timer.as_mut(), 0, 5, &waker);
        let firer = {
            let timers = timers.clone();
            thread::spawn(move || timers.fire(0, 10))
        };
        assert!(!timers.reset(timer.as_mut(), 20), "later: nothing to wake");
        let fired = firer.join().unwrap();
        if timer.is_armed() {
            // The reset won: filed again, due at 20.
            assert_eq!(fired, 0, "fired before its new deadline");
            assert_eq!(woken.0.load(SeqCst), 0);
            assert_eq!(timers.entries(), 1);
            assert!(timers.poll(timer.as_mut(), &waker).is_pending());
            assert_eq!(timers.fire(0, 19), 0);
            assert_eq!(timers.fire(0, 20), 1);
            assert_eq!(timers.poll(timer.as_mut(), &waker), Poll::Ready(()));
        } else {
            // The fire won: the reset saw it and left the timer unarmed.
            assert_eq!(fired, 1);
            assert_eq!(woken.0.load(SeqCst), 1);
            assert_eq!(timers.entries(), 0);
        }
        timers.cancel(timer.as_mut());
        assert_eq!(timers.entries(), 0);
    });
}

/// The driver is about to sleep until the earliest deadline of every wheel
/// (100) while another worker arms a timer due at 5 in its own wheel:
/// either the driver sees it and sleeps until 5, or the armer is told to
/// wake the driver.
#[test]
fn a_timer_armed_earlier_than_the_parked_driver_wakes_it() {
    loom::model(|| {
        let timers = Arc::new(Timers::new(2));
        let (_, waker) = count();
        let mut late = Box::pin(Timer::new());
        let _ = timers.arm(late.as_mut(), 0, 100, &waker);
        let driver = {
            let timers = timers.clone();
            thread::spawn(move || timers.park())
        };
        let mut early = Box::pin(Timer::new());
        let wake = timers.arm(early.as_mut(), 1, 5, &waker);
        let until = driver.join().unwrap();
        assert!(
            until <= 5 || wake,
            "the driver sleeps until {until}, past a timer due at 5, unwoken"
        );
        timers.cancel(early.as_mut());
        timers.cancel(late.as_mut());
    });
}

/// A worker goes to sleep while another holds the driver for a busy look:
/// it either takes the driver itself, or the holder, letting go, wakes it
/// to take it. It never sleeps on its condition variable with the driver
/// left empty: here only driver wake-ups, which cannot reach it there, are
/// sent besides the hand-off, so a lost hand-off leaves the model spinning.
#[test]
fn the_driver_goes_to_a_worker_that_found_it_taken() {
    loom::model(|| {
        let driver = Arc::new(Driver::new());
        let handoff = Arc::new(Handoff::new());
        let parkers: Vec<_> = (0..2).map(|_| Arc::new(driver.parker())).collect();
        let busy = {
            let (driver, handoff, parkers) = (driver.clone(), handoff.clone(), parkers.clone());
            thread::spawn(move || {
                if driver.busy_turn() {
                    if let Some(worker) = handoff.released() {
                        parkers[worker].unpark();
                    }
                }
            })
        };
        let done = Arc::new(AtomicUsize::new(0));
        let sleeper = {
            let (driver, handoff, parker, done) = (
                driver.clone(),
                handoff.clone(),
                parkers[1].clone(),
                done.clone(),
            );
            thread::spawn(move || {
                driver.park_wanting(&parker, &handoff, 1);
                done.store(1, SeqCst);
            })
        };
        // Wakes the sleeper only if it sleeps in the driver (a busy turn may
        // take a wake-up meant for it: hence the loop).
        while done.load(SeqCst) == 0 {
            driver.unpark_driver();
            thread::yield_now();
        }
        busy.join().unwrap();
        sleeper.join().unwrap();
    });
}

//! loom models of the timer wheels' protocols (`driver/time`): a timer
//! dropped on one worker while another fires its wheel, a deadline moved
//! later without the lock while the wheel fires, and a timer armed earlier
//! than the parked driver's or the watcher's deadline.
#![cfg(taskcell_loom)]

use std::sync::Arc as StdArc;
use std::task::{Poll, Wake, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use taskcell_executor::loom_hooks::{Timer, Timers};

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
        assert_eq!(timers.arm(timer.as_mut(), 0, 5, &waker), (false, None));
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
        assert_eq!(
            timers.reset(timer.as_mut(), 20),
            (false, None),
            "later: nothing to wake"
        );
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
        let (wake, _) = timers.arm(early.as_mut(), 1, 5, &waker);
        let until = driver.join().unwrap();
        assert!(
            until <= 5 || wake,
            "the driver sleeps until {until}, past a timer due at 5, unwoken"
        );
        timers.cancel(early.as_mut());
        timers.cancel(late.as_mut());
    });
}

/// A worker goes to sleep on its condition variable as the timers' watcher
/// (the driver is taken), until the earliest deadline of every wheel (100),
/// while another arms a timer due at 5: either the watcher sees it and wakes
/// at 5, or the armer is told to wake the watcher.
#[test]
fn a_timer_armed_earlier_than_the_watchers_deadline_wakes_it() {
    loom::model(|| {
        let timers = Arc::new(Timers::new(2));
        let (_, waker) = count();
        let mut late = Box::pin(Timer::new());
        let _ = timers.arm(late.as_mut(), 0, 100, &waker);
        let watcher = {
            let timers = timers.clone();
            thread::spawn(move || timers.watch(1))
        };
        let mut early = Box::pin(Timer::new());
        let (_, wake) = timers.arm(early.as_mut(), 0, 5, &waker);
        let until = watcher.join().unwrap().expect("the only watcher");
        assert!(
            until <= 5 || wake == Some(1),
            "the watcher sleeps until {until}, past a timer due at 5, unwoken"
        );
        timers.unwatch(1, true);
        timers.cancel(early.as_mut());
        timers.cancel(late.as_mut());
    });
}

/// A watcher gives up the role while another worker takes it and a timer
/// is armed. The old watcher was to wake early (at 3, for a timer since
/// dropped); the newcomer's wheels say 100. The armer of a timer due at 5
/// either wakes the newcomer or the newcomer saw the timer: never is the
/// old, earlier deadline taken for the newcomer's.
#[test]
fn a_new_watcher_is_never_judged_by_its_predecessors_deadline() {
    loom::model(|| {
        let timers = Arc::new(Timers::new(1));
        let (_, waker) = count();
        let mut late = Box::pin(Timer::new());
        let _ = timers.arm(late.as_mut(), 0, 100, &waker);
        let mut soon = Box::pin(Timer::new());
        let _ = timers.arm(soon.as_mut(), 0, 3, &waker);
        assert_eq!(timers.watch(0), Some(3));
        // The early timer goes; the wheel's next deadline moves back to 100.
        timers.cancel(soon.as_mut());
        assert_eq!(timers.fire(0, 4), 0);
        // The old watcher wakes and leaves; another worker goes to sleep.
        let old = {
            let timers = timers.clone();
            thread::spawn(move || timers.unwatch(0, true))
        };
        let successor = {
            let timers = timers.clone();
            thread::spawn(move || timers.watch(1))
        };
        let mut early = Box::pin(Timer::new());
        let (_, wake) = timers.arm(early.as_mut(), 0, 5, &waker);
        old.join().unwrap();
        let Some(until) = successor.join().unwrap() else {
            // The role was still taken: the newcomer is no watcher.
            timers.cancel(early.as_mut());
            timers.cancel(late.as_mut());
            return;
        };
        if wake != Some(1) {
            // Not woken: it must have seen the timer. (Told to wake the old
            // watcher, which was leaving, the armer came early enough for
            // the newcomer to see the timer.)
            assert!(
                until <= 5,
                "the new watcher sleeps until {until}, past a timer due at 5 (wake {wake:?})"
            );
        }
        timers.unwatch(1, true);
        timers.cancel(early.as_mut());
        timers.cancel(late.as_mut());
    });
}

/// The watcher leaves to run tasks as another worker goes to sleep on its
/// condition variable: either the newcomer takes the watch up, or the
/// leaver sees that it must wake a sleeper to take it. Never are workers
/// left asleep with nobody watching.
#[test]
fn a_leaving_watcher_and_a_newcomer_leave_no_one_unwatched() {
    loom::model(|| {
        let timers = Arc::new(Timers::new(1));
        assert_eq!(timers.watch(0), Some(u64::MAX));
        let newcomer = {
            let timers = timers.clone();
            thread::spawn(move || timers.watch(1).is_some())
        };
        timers.unwatch(0, true);
        let must_wake = timers.needs_watcher();
        let watches = newcomer.join().unwrap();
        assert!(
            watches || must_wake,
            "a worker sleeps with no watcher, and nobody is told to wake it"
        );
    });
}

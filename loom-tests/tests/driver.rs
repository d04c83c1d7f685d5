//! loom models of the I/O driver's protocols: a worker parking in the
//! driver while another unparks it, two workers racing for the driver, and
//! a socket's readiness against the reader's waker (no lost edge-triggered
//! event, even across a failed read that clears what it saw), and two
//! readers of one socket against one event (the displaced waiter is listed,
//! and woken).
#![cfg(taskcell_loom)]

use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use taskcell_executor::loom_hooks::{Driver, Readiness};

/// An `unpark` racing a worker parking in the driver is never lost: either
/// the park sees the notification, or the unpark writes the driver's waker
/// and the poll returns.
#[test]
fn parking_in_the_driver_loses_no_wake_up() {
    loom::model(|| {
        let driver = Arc::new(Driver::new());
        let parker = Arc::new(driver.parker());
        let work = Arc::new(AtomicBool::new(false));
        let producer = {
            let (parker, work) = (parker.clone(), work.clone());
            thread::spawn(move || {
                work.store(true, SeqCst);
                parker.unpark();
            })
        };
        while !work.load(SeqCst) {
            driver.park(&parker);
        }
        producer.join().unwrap();
    });
}

/// Two workers park at once: one takes the driver, the other its condition
/// variable; unparking both wakes both, whichever sleeps where.
#[test]
fn two_workers_racing_for_the_driver_both_wake() {
    loom::model(|| {
        let driver = Arc::new(Driver::new());
        let workers: Vec<_> = (0..2)
            .map(|_| (Arc::new(driver.parker()), Arc::new(AtomicBool::new(false))))
            .collect();
        let threads: Vec<_> = workers
            .iter()
            .map(|(parker, work)| {
                let (driver, parker, work) = (driver.clone(), parker.clone(), work.clone());
                thread::spawn(move || {
                    while !work.load(SeqCst) {
                        driver.park(&parker);
                    }
                })
            })
            .collect();
        for (parker, work) in &workers {
            work.store(true, SeqCst);
            parker.unpark();
        }
        for thread in threads {
            thread.join().unwrap();
        }
    });
}

/// Counts wake-ups.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: StdArc<Self>) {
        self.0.store(true, SeqCst);
    }
}

fn flag() -> (StdArc<Flag>, Waker) {
    let flag = StdArc::new(Flag(AtomicBool::new(false)));
    (flag.clone(), Waker::from(flag))
}

/// Readiness set by the driver while the reader registers its waker: the
/// reader either sees it or is woken.
#[test]
fn readiness_racing_a_reader_is_seen_or_wakes_it() {
    loom::model(|| {
        let io = Arc::new(Readiness::new());
        let driver = {
            let io = io.clone();
            thread::spawn(move || io.set_readable(1))
        };
        let (woken, waker) = flag();
        let first = io.poll_readable(&mut Context::from_waker(&waker));
        driver.join().unwrap();
        assert!(first.is_ready() || woken.0.load(SeqCst), "lost wake-up");
    });
}

/// The first task ever to wait for priority data races the driver's first
/// priority event: the slot is woken only once marked used, so the mark
/// must come before the waker goes in. The task sees the event or is woken.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn the_first_priority_waiter_racing_the_event_is_seen_or_woken() {
    loom::model(|| {
        let io = Arc::new(Readiness::new());
        let driver = {
            let io = io.clone();
            thread::spawn(move || io.set_priority(1))
        };
        let (woken, waker) = flag();
        let first = io.poll_priority(&mut Context::from_waker(&waker));
        driver.join().unwrap();
        assert!(first.is_ready() || woken.0.load(SeqCst), "lost wake-up");
    });
}

/// The first `poll_read_ready` on a socket, racing the readable event:
/// its polled slot is one the driver wakes only once a call has been made
/// (the word's polled-used bit), so the caller either sees the readiness
/// or is woken.
#[test]
fn the_first_polled_waiter_racing_the_event_is_seen_or_woken() {
    loom::model(|| {
        let io = Arc::new(Readiness::new());
        let driver = {
            let io = io.clone();
            thread::spawn(move || io.set_readable(1))
        };
        let (woken, waker) = flag();
        let first = io.poll_read_ready(&mut Context::from_waker(&waker));
        driver.join().unwrap();
        assert!(first.is_ready() || woken.0.load(SeqCst), "lost wake-up");
    });
}

/// A reader that saw readiness, read, hit `WouldBlock` and cleared what it
/// saw, while a new edge arrived: the new edge survives the clear or wakes
/// the reader's next wait. (Edge-triggered: the OS reports it once.)
#[test]
fn a_new_edge_survives_a_stale_clear() {
    loom::model(|| {
        let io = Arc::new(Readiness::new());
        io.set_readable(1);
        let driver = {
            let io = io.clone();
            thread::spawn(move || io.set_readable(2))
        };
        let (_, noop) = flag();
        let Poll::Ready(seen) = io.poll_readable(&mut Context::from_waker(&noop)) else {
            panic!("readable since turn 1");
        };
        // The read would block: forget what was seen.
        io.clear(seen);
        let (woken, waker) = flag();
        let again = io.poll_readable(&mut Context::from_waker(&waker));
        driver.join().unwrap();
        assert!(
            again.is_ready() || woken.0.load(SeqCst),
            "the turn-2 edge was lost"
        );
    });
}

/// Two tasks wait to read one socket while its readiness arrives: the
/// second's registration displaces the first from the slot into the list,
/// racing the driver's event. Each either sees the readiness or is woken.
#[test]
fn two_waiters_on_one_socket_both_see_the_event_or_wake() {
    loom::model(|| {
        let io = Arc::new(Readiness::new());
        let first = {
            let io = io.clone();
            thread::spawn(move || {
                let (woken, waker) = flag();
                let ready = io.poll_readable(&mut Context::from_waker(&waker));
                (ready.is_ready(), woken)
            })
        };
        let driver = {
            let io = io.clone();
            thread::spawn(move || io.set_readable(1))
        };
        let (woken, waker) = flag();
        let second = io.poll_readable(&mut Context::from_waker(&waker));
        driver.join().unwrap();
        let (first_ready, first_woken) = first.join().unwrap();
        assert!(second.is_ready() || woken.0.load(SeqCst), "second lost");
        assert!(first_ready || first_woken.0.load(SeqCst), "first lost");
    });
}

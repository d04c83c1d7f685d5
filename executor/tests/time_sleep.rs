//! `sleep` and `sleep_until`: a sleep never completes before its deadline,
//! alone or among many concurrent sleepers; sleepers whose deadlines are
//! 5 ms or more apart complete in deadline order; `reset` moves the
//! deadline; a dropped or aborted sleep frees its timer-wheel entry; and
//! 100 000 concurrent sleepers all complete.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use taskcell_executor::time::Instant;

use io_common::Rng;
use taskcell_executor::time::{sleep, sleep_until, Sleep};
use taskcell_executor::{spawn, JoinHandle};

const HOUR: Duration = Duration::from_secs(3600);
const SETTLE: Duration = Duration::from_secs(30);

/// Polls `sleep` once; returns whether it was ready.
fn poll_once(mut sleep: Pin<&mut Sleep>) -> impl Future<Output = bool> + '_ {
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        Poll::Ready(sleep.as_mut().poll(cx).is_ready())
    })
}

/// As tokio's: `Send` and `Sync` (and `!Unpin`: its timer lives inside it).
#[test]
fn sleep_is_send_and_sync() {
    fn send_sync<T: Send + Sync + 'static>(_: &T) {}
    common::guarded(|| {
        io_common::rt_all(1).block_on(async {
            let s = sleep(Duration::from_millis(1));
            send_sync(&s);
            s.await;
        });
    });
}

#[test]
fn a_sleep_never_completes_before_its_deadline() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            for ms in [0, 1, 2, 5, 13, 20, 50] {
                let d = Duration::from_millis(ms);
                let start = Instant::now();
                let s = sleep(d);
                let deadline = s.deadline();
                assert!(
                    deadline >= start + d,
                    "deadline {ms} ms from before the call"
                );
                assert!(
                    deadline <= Instant::now() + d,
                    "deadline {ms} ms from the call"
                );
                s.await;
                let now = Instant::now();
                assert!(
                    now >= deadline,
                    "sleep({ms} ms) woke {:?} early",
                    deadline - now
                );
            }
            for ms in [1, 7, 30] {
                let deadline = Instant::now() + Duration::from_millis(ms);
                let s = sleep_until(deadline);
                assert_eq!(s.deadline(), deadline);
                s.await;
                assert!(Instant::now() >= deadline, "sleep_until woke early");
            }
        });
    });
}

#[test]
fn is_elapsed_turns_true_at_completion_and_past_deadlines_complete_at_once() {
    common::guarded(|| {
        io_common::current_thread_all().block_on(async {
            let mut s = Box::pin(sleep(Duration::from_millis(200)));
            assert!(!s.is_elapsed());
            assert!(!poll_once(s.as_mut()).await, "ready 200 ms early");
            assert!(!s.is_elapsed());
            s.as_mut().await;
            assert!(s.is_elapsed());
            assert!(Instant::now() >= s.deadline());

            let mut past = Box::pin(sleep_until(Instant::now()));
            assert!(poll_once(past.as_mut()).await, "a deadline of now is due");
            assert!(past.is_elapsed());
            let mut zero = Box::pin(sleep(Duration::ZERO));
            assert!(poll_once(zero.as_mut()).await, "a zero sleep is due");
        });
    });
}

#[test]
fn reset_moves_the_deadline_later_and_earlier_after_the_first_poll() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            // Earlier: registered an hour out, then brought in.
            let mut s = Box::pin(sleep(HOUR));
            assert!(!poll_once(s.as_mut()).await);
            let soon = Instant::now() + Duration::from_millis(20);
            s.as_mut().reset(soon);
            assert_eq!(s.deadline(), soon);
            assert!(!s.is_elapsed());
            s.as_mut().await;
            assert!(Instant::now() >= soon);

            // Later: registered 100 ms out, then pushed back.
            let mut s = Box::pin(sleep(Duration::from_millis(100)));
            assert!(!poll_once(s.as_mut()).await);
            let later = Instant::now() + Duration::from_millis(150);
            s.as_mut().reset(later);
            s.as_mut().await;
            assert!(Instant::now() >= later, "woke at the deadline before reset");

            // A completed sleep reset to the future sleeps again.
            let again = Instant::now() + Duration::from_millis(15);
            s.as_mut().reset(again);
            assert!(!s.is_elapsed());
            s.as_mut().await;
            assert!(Instant::now() >= again);
        });
    });
}

#[test]
fn two_thousand_concurrent_sleepers_with_random_deadlines_never_wake_early() {
    const SLEEPERS: usize = 2_000;
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let early = rt.block_on(async {
            let mut rng = Rng::new(42);
            let tasks: Vec<JoinHandle<Option<Duration>>> = (0..SLEEPERS)
                .map(|i| {
                    let offset = Duration::from_micros(rng.range(0, 250_000));
                    spawn(async move {
                        let deadline = Instant::now() + offset;
                        if i % 2 == 0 {
                            sleep_until(deadline).await;
                        } else {
                            sleep(offset).await;
                        }
                        let now = Instant::now();
                        (now < deadline).then(|| deadline - now)
                    })
                })
                .collect();
            let mut early = Vec::new();
            for (i, t) in tasks.into_iter().enumerate() {
                if let Some(by) = t.await.unwrap() {
                    early.push((i, by));
                }
            }
            early
        });
        assert!(
            early.is_empty(),
            "{} of {SLEEPERS} sleepers woke early, among them (index, by): {:?}",
            early.len(),
            &early[..early.len().min(10)]
        );
    });
}

#[test]
fn sleepers_complete_in_deadline_order() {
    const SLEEPERS: usize = 40;
    common::guarded(|| {
        let rt = io_common::current_thread_all();
        let order = Arc::new(Mutex::new(Vec::new()));
        rt.block_on(async {
            let base = Instant::now() + Duration::from_millis(20);
            // Spawned in a shuffled order: rank k wakes at base + 5k ms.
            let mut ranks: Vec<usize> = (0..SLEEPERS).collect();
            let mut rng = Rng::new(7);
            for i in (1..ranks.len()).rev() {
                ranks.swap(i, rng.range(0, i as u64 + 1) as usize);
            }
            let tasks: Vec<_> = ranks
                .iter()
                .map(|&rank| {
                    let order = order.clone();
                    spawn(async move {
                        sleep_until(base + Duration::from_millis(5 * rank as u64)).await;
                        order.lock().unwrap().push(rank);
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        let order = order.lock().unwrap().clone();
        assert_eq!(order, (0..SLEEPERS).collect::<Vec<_>>());
    });
}

#[test]
fn a_dropped_sleep_frees_its_wheel_entry() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let handle = rt.handle().clone();
        let start = handle.timer_entries();
        let sleeps = rt.block_on(async {
            let mut sleeps: Vec<Pin<Box<Sleep>>> = (0..100)
                .map(|i| Box::pin(sleep(HOUR + Duration::from_millis(i))))
                .collect();
            for s in &mut sleeps {
                assert!(!poll_once(s.as_mut()).await);
            }
            sleeps
        });
        assert_eq!(
            io_common::settle(SETTLE, start + 100, || handle.timer_entries()),
            start + 100,
            "each pending sleep is one wheel entry"
        );
        rt.block_on(async move { drop(sleeps) });
        assert_eq!(
            io_common::settle(SETTLE, start, || handle.timer_entries()),
            start,
            "dropped sleeps left wheel entries"
        );
    });
}

#[test]
// The `block_on` below hands out the sleep, a future, on purpose.
#[allow(clippy::async_yields_async)]
fn a_sleep_reset_again_and_again_holds_one_wheel_entry() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let handle = rt.handle().clone();
        let start = handle.timer_entries();
        let s = rt.block_on(async {
            let mut s = Box::pin(sleep(HOUR));
            assert!(!poll_once(s.as_mut()).await);
            for i in 0..100u32 {
                // Alternately later and earlier.
                let deadline = Instant::now() + HOUR + (HOUR / 100) * (i % 2) * i;
                s.as_mut().reset(deadline);
                assert!(!poll_once(s.as_mut()).await);
                assert_eq!(s.deadline(), deadline);
            }
            s
        });
        assert_eq!(
            io_common::settle(SETTLE, start + 1, || handle.timer_entries()),
            start + 1,
            "a reset sleep left stale wheel entries"
        );
        rt.block_on(async move { drop(s) });
        assert_eq!(
            io_common::settle(SETTLE, start, || handle.timer_entries()),
            start,
            "the dropped sleep left a wheel entry"
        );
    });
}

#[test]
fn ten_thousand_aborted_sleepers_free_their_wheel_entries() {
    const SLEEPERS: usize = 10_000;
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let handle = rt.handle().clone();
        let start = handle.timer_entries();
        let polled = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<JoinHandle<()>> = (0..SLEEPERS)
            .map(|i| {
                let polled = polled.clone();
                rt.spawn(async move {
                    let mut s = Box::pin(sleep(HOUR + Duration::from_micros(i as u64 * 37)));
                    assert!(!poll_once(s.as_mut()).await);
                    polled.fetch_add(1, SeqCst);
                    s.await;
                    unreachable!("an hour passed");
                })
            })
            .collect();
        assert!(
            common::wait_until(SETTLE, || polled.load(SeqCst) == SLEEPERS),
            "only {} of {SLEEPERS} sleepers were polled",
            polled.load(SeqCst)
        );
        assert_eq!(
            io_common::settle(SETTLE, start + SLEEPERS, || handle.timer_entries()),
            start + SLEEPERS,
            "each pending sleeper holds one entry"
        );
        for t in &tasks {
            t.abort();
        }
        for t in tasks {
            let err = rt.block_on(t).expect_err("an aborted sleeper finished");
            assert!(err.is_cancelled(), "{err}");
        }
        assert_eq!(
            io_common::settle(SETTLE, start, || handle.timer_entries()),
            start,
            "aborted sleepers left wheel entries"
        );
    });
}

#[test]
fn a_hundred_thousand_concurrent_short_sleepers_all_complete() {
    const SLEEPERS: usize = 100_000;
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let handle = rt.handle().clone();
        let start = handle.timer_entries();
        let done = Arc::new(AtomicUsize::new(0));
        let early = Arc::new(AtomicUsize::new(0));
        let mut rng = Rng::new(100_000);
        let tasks: Vec<JoinHandle<()>> = (0..SLEEPERS)
            .map(|_| {
                let (done, early) = (done.clone(), early.clone());
                let d = Duration::from_micros(rng.range(50_000, 200_000));
                rt.spawn(async move {
                    let s = sleep(d);
                    let deadline = s.deadline();
                    s.await;
                    if Instant::now() < deadline {
                        early.fetch_add(1, SeqCst);
                    }
                    done.fetch_add(1, SeqCst);
                })
            })
            .collect();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(done.load(SeqCst), SLEEPERS);
        assert_eq!(early.load(SeqCst), 0, "sleepers woke early");
        assert_eq!(
            io_common::settle(SETTLE, start, || handle.timer_entries()),
            start,
            "completed sleepers left wheel entries"
        );
    });
}

/// Reset to a deadline that has passed, an armed sleep is ready at its next
/// poll (as tokio's is), and whoever waited on it is woken.
#[test]
fn reset_to_a_past_deadline_is_ready_at_the_next_poll() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            for past in [Instant::now(), Instant::now() - Duration::from_millis(5)] {
                let mut s = Box::pin(sleep(HOUR));
                assert!(!poll_once(s.as_mut()).await);
                s.as_mut().reset(past);
                assert!(
                    poll_once(s.as_mut()).await,
                    "not ready after a reset to the past"
                );
                assert!(s.is_elapsed());
            }
            // Waited on by another task: that task is woken, and completes.
            let mut s = Box::pin(sleep(HOUR));
            assert!(!poll_once(s.as_mut()).await);
            let shared = Arc::new(Mutex::new(s));
            let polled = Arc::new(AtomicUsize::new(0));
            let waiter = {
                let (shared, polled) = (shared.clone(), polled.clone());
                spawn(std::future::poll_fn(move |cx| {
                    let poll = shared.lock().unwrap().as_mut().poll(cx);
                    polled.fetch_add(1, SeqCst);
                    poll
                }))
            };
            // Registered: the waiter's waker is the sleep's now.
            while polled.load(SeqCst) == 0 {
                taskcell_executor::yield_now().await;
            }
            shared.lock().unwrap().as_mut().reset(Instant::now());
            waiter.await.unwrap();
            assert_eq!(
                polled.load(SeqCst),
                2,
                "woken once by the reset, then ready"
            );
        });
    });
}

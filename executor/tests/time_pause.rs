//! Paused time (feature `test-util`), as tokio's: `pause`, `advance` and
//! `resume` on a current-thread runtime; `time::Instant::now` follows the
//! paused clock; an idle runtime jumps the clock to its next timer, so long
//! timeouts take no real time; a `spawn_blocking` closure holds that jump
//! back; `start_paused`, from the builder and the test macro.
#![cfg(not(miri))]

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use taskcell_executor::time::{self, Instant};
use taskcell_executor::{spawn, spawn_blocking, Builder, Runtime};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn paused_rt() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

fn panic_message(err: Box<dyn std::any::Any + Send>) -> String {
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Polls once with a waker that does nothing.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn an_hour_long_sleep_takes_no_real_time() {
    common::guarded(|| {
        let rt = paused_rt();
        let real = std::time::Instant::now();
        let elapsed = rt.block_on(async {
            let start = Instant::now();
            time::sleep(Duration::from_secs(3600)).await;
            start.elapsed()
        });
        assert_eq!(elapsed, Duration::from_secs(3600));
        assert!(real.elapsed() < Duration::from_secs(60));
    });
}

#[test]
fn the_clock_stands_still_until_advanced() {
    common::guarded(|| {
        let rt = paused_rt();
        rt.block_on(async {
            let start = Instant::now();
            std::thread::sleep(ms(20));
            assert_eq!(Instant::now(), start, "paused: no real time passes");
            time::advance(ms(100)).await;
            assert_eq!(start.elapsed(), ms(100));
            // Blocking threads in the runtime's context read it too.
            let seen = spawn_blocking(Instant::now).await.unwrap();
            assert_eq!(seen, start + ms(100));
        });
    });
}

#[test]
fn advance_fires_what_is_due_and_nothing_later() {
    common::guarded(|| {
        let rt = paused_rt();
        rt.block_on(async {
            let start = Instant::now();
            let mut early = pin!(time::sleep_until(start + ms(300)));
            let mut late = pin!(time::sleep_until(start + ms(301)));
            assert!(poll_once(early.as_mut()).is_pending());
            assert!(poll_once(late.as_mut()).is_pending());
            time::advance(ms(100)).await;
            assert!(poll_once(early.as_mut()).is_pending());
            time::advance(ms(200)).await;
            assert!(poll_once(early.as_mut()).is_ready(), "due at 300 ms");
            assert!(poll_once(late.as_mut()).is_pending(), "due at 301 ms");
            time::advance(ms(1)).await;
            assert!(poll_once(late.as_mut()).is_ready());
        });
    });
}

#[test]
fn timers_fire_in_deadline_order_as_the_clock_jumps() {
    common::guarded(|| {
        let rt = paused_rt();
        let order = rt.block_on(async {
            let start = Instant::now();
            let (tx, rx) = mpsc::channel();
            for (name, after) in [("c", 30), ("a", 10), ("b", 20)] {
                let tx = tx.clone();
                spawn(async move {
                    time::sleep(Duration::from_secs(after)).await;
                    tx.send((name, start.elapsed())).unwrap();
                });
            }
            drop(tx);
            time::sleep(Duration::from_secs(40)).await;
            rx.iter().collect::<Vec<_>>()
        });
        assert_eq!(
            order,
            [
                ("a", Duration::from_secs(10)),
                ("b", Duration::from_secs(20)),
                ("c", Duration::from_secs(30)),
            ]
        );
    });
}

#[test]
fn a_timeout_elapses_at_once_when_nothing_else_can_happen() {
    common::guarded(|| {
        let rt = paused_rt();
        let real = std::time::Instant::now();
        let out = rt.block_on(async {
            time::timeout(Duration::from_secs(30), std::future::pending::<()>()).await
        });
        assert!(out.is_err());
        assert!(real.elapsed() < Duration::from_secs(20));
    });
}

#[test]
fn an_interval_ticks_on_the_paused_clock() {
    common::guarded(|| {
        let rt = paused_rt();
        rt.block_on(async {
            let start = Instant::now();
            let mut every = time::interval(ms(300));
            assert_eq!(every.tick().await, start);
            assert_eq!(every.tick().await, start + ms(300));
            assert_eq!(every.tick().await, start + ms(600));
            assert_eq!(start.elapsed(), ms(600));
        });
    });
}

#[test]
fn spawn_blocking_holds_the_jump_back() {
    common::guarded(|| {
        let rt = paused_rt();
        rt.block_on(async {
            let start = Instant::now();
            let timer = time::timeout(Duration::from_secs(5), async {
                spawn_blocking(|| std::thread::sleep(ms(50))).await.unwrap();
            });
            assert!(
                timer.await.is_ok(),
                "the clock jumped past the timeout while a blocking closure ran"
            );
            assert!(start.elapsed() < Duration::from_secs(5));
        });
    });
}

#[test]
fn resume_runs_on_from_the_paused_time() {
    common::guarded(|| {
        let rt = paused_rt();
        rt.block_on(async {
            let start = Instant::now();
            time::advance(Duration::from_secs(10)).await;
            time::resume();
            time::sleep(ms(5)).await;
            let elapsed = start.elapsed();
            assert!(elapsed >= Duration::from_secs(10) + ms(5), "{elapsed:?}");
            assert!(elapsed < Duration::from_secs(70), "{elapsed:?}");
            // And it can pause again.
            time::pause();
            let frozen = Instant::now();
            std::thread::sleep(ms(5));
            assert_eq!(Instant::now(), frozen);
        });
    });
}

#[test]
fn misuse_panics_with_tokios_messages() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let err = std::panic::catch_unwind(time::resume).unwrap_err();
            assert!(panic_message(err).contains("time is not frozen"));
            time::pause();
            let err = std::panic::catch_unwind(time::pause).unwrap_err();
            assert!(panic_message(err).contains("time is already frozen"));
        });
        let err = std::panic::catch_unwind(time::pause).unwrap_err();
        let msg = panic_message(err);
        assert!(
            msg.starts_with("time cannot be frozen from outside the Tokio runtime")
                && msg.contains("outside a taskcell runtime"),
            "{msg}"
        );
        // tokio's text, unbalanced backtick and all: tokio's tests match it.
        const MULTI: &str = "`time::pause()` requires the `current_thread` Tokio runtime. This \
                             is the default Runtime used by `#[tokio::test].";
        let multi = Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            multi.block_on(async { time::pause() })
        }))
        .unwrap_err();
        let msg = panic_message(err);
        assert!(
            msg.starts_with(MULTI) && msg.contains("current-thread runtime"),
            "{msg}"
        );
        let err = std::panic::catch_unwind(|| {
            Builder::new_multi_thread()
                .enable_all()
                .start_paused(true)
                .build()
        })
        .unwrap_err();
        let msg = panic_message(err);
        assert!(
            msg.starts_with(MULTI) && msg.contains("start_paused"),
            "{msg}"
        );
    });
}

#[test]
fn a_runtime_that_is_not_paused_keeps_real_time() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let real = std::time::Instant::now();
            let start = Instant::now();
            time::sleep(ms(20)).await;
            assert!(start.elapsed() >= ms(20));
            assert!(real.elapsed() >= ms(20), "really slept");
        });
    });
}

#[taskcell_executor::test(start_paused = true)]
async fn the_test_macro_starts_paused() {
    let real = std::time::Instant::now();
    let start = Instant::now();
    time::sleep(Duration::from_secs(86_400)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(86_400));
    assert!(real.elapsed() < Duration::from_secs(60));
}

#[test]
fn resume_goes_on_from_the_frozen_time_not_the_systems() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            time::pause();
            let start = Instant::now();
            std::thread::sleep(ms(300));
            time::resume();
            assert!(start.elapsed() < ms(100), "{:?}", start.elapsed());
            // A small advance is kept too, not swallowed by the pause.
            time::pause();
            let start = Instant::now();
            time::advance(ms(100)).await;
            std::thread::sleep(ms(300));
            time::resume();
            let elapsed = start.elapsed();
            assert!(elapsed >= ms(100) && elapsed < ms(200), "{elapsed:?}");
        });
    });
}

/// tokio's `unawaited_blocking_task_wakes_paused_runtime`: a closure that
/// ends lets the parked runtime jump at once, not after the real wait.
#[taskcell_executor::test(start_paused = true)]
async fn a_finished_blocking_closure_wakes_the_paused_runtime() {
    let real = std::time::Instant::now();
    let blocking = spawn_blocking(|| std::thread::sleep(ms(1)));
    time::sleep(Duration::from_secs(15)).await;
    blocking.await.unwrap();
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "{:?}",
        real.elapsed()
    );
}

/// Polls an interval once with a waker that does nothing.
fn tick_now(every: &mut time::Interval) -> Poll<Instant> {
    every.poll_tick(&mut Context::from_waker(Waker::noop()))
}

/// tokio's `reset_*` tests: where the next tick falls after each kind of
/// reset, on the paused clock.
#[taskcell_executor::test(start_paused = true)]
async fn interval_resets_move_the_next_tick_as_tokios() {
    let start = Instant::now();
    time::advance(ms(1)).await;
    let mut every = time::interval_at(start, ms(300));
    assert_eq!(tick_now(&mut every), Poll::Ready(start));
    assert!(tick_now(&mut every).is_pending());

    time::advance(ms(100)).await; // 101
    every.reset_immediately();
    assert_eq!(tick_now(&mut every), Poll::Ready(start + ms(101)));
    assert!(tick_now(&mut every).is_pending());
    time::advance(ms(300)).await; // 401
    assert_eq!(tick_now(&mut every), Poll::Ready(start + ms(401)));

    every.reset_after(ms(20));
    time::advance(ms(19)).await; // 420
    assert!(tick_now(&mut every).is_pending());
    time::advance(ms(1)).await; // 421
    assert_eq!(tick_now(&mut every), Poll::Ready(start + ms(421)));

    every.reset_at(Instant::now() + ms(40));
    time::advance(ms(40)).await; // 461
    assert_eq!(tick_now(&mut every), Poll::Ready(start + ms(461)));
    time::advance(ms(300)).await; // 761: one period after the reset tick
    assert_eq!(tick_now(&mut every), Poll::Ready(start + ms(761)));

    every.reset();
    time::advance(ms(299)).await;
    assert!(tick_now(&mut every).is_pending());
    time::advance(ms(1)).await;
    assert_eq!(tick_now(&mut every), Poll::Ready(start + ms(1061)));
}

/// tokio's `is_elapsed`: a sleep has elapsed once it completed or its
/// timer fired, not merely because its deadline passed unpolled.
#[taskcell_executor::test(start_paused = true)]
async fn a_sleep_is_elapsed_once_its_timer_fired() {
    let now = Instant::now();
    let mut at_once = pin!(time::sleep_until(now));
    assert!(!at_once.is_elapsed(), "never polled");
    at_once.as_mut().await;
    assert!(at_once.is_elapsed());

    let mut later = pin!(time::sleep(ms(10)));
    assert!(poll_once(later.as_mut()).is_pending());
    assert!(!later.is_elapsed());
    time::advance(ms(10)).await;
    assert!(later.is_elapsed(), "fired, not yet polled");
    assert!(poll_once(later.as_mut()).is_ready());
    assert!(later.is_elapsed());
    later.as_mut().reset(Instant::now() + ms(5));
    assert!(!later.is_elapsed(), "reset");
}

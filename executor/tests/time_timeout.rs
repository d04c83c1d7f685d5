//! `timeout` and `timeout_at`: an inner future still pending at the deadline
//! gives `Err(Elapsed)` — not before the deadline — and is dropped; one that
//! finishes first gives `Ok` with its value; either way the timer's wheel
//! entry goes away.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::error::Error;
use std::time::Duration;
use taskcell_executor::time::Instant;

use common::DropLog;
use futures_channel::oneshot;
use taskcell_executor::spawn;
use taskcell_executor::time::{sleep, timeout, timeout_at};

const SETTLE: Duration = Duration::from_secs(30);

#[test]
fn a_future_pending_past_the_deadline_elapses_and_is_dropped() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let drops = DropLog::new();
        let probe = drops.probe();
        let (elapsed_after, result, dropped) = rt.block_on(async {
            let start = Instant::now();
            let result = timeout(Duration::from_millis(40), async move {
                let _probe = probe;
                futures::future::pending::<u32>().await
            })
            .await;
            (start.elapsed(), result, drops.count())
        });
        assert!(result.is_err(), "a forever-pending future gave {result:?}");
        assert!(
            elapsed_after >= Duration::from_millis(40),
            "elapsed after only {elapsed_after:?}"
        );
        assert_eq!(dropped, 1, "the inner future was dropped once");
    });
}

#[test]
fn elapsed_is_a_displayable_comparable_error() {
    common::guarded(|| {
        let err = io_common::current_thread_all()
            .block_on(async { timeout(Duration::ZERO, futures::future::pending::<()>()).await })
            .expect_err("a pending future under a zero timeout");
        let copy = err;
        assert_eq!(copy, err);
        let boxed: Box<dyn Error + Send + Sync> = Box::new(err);
        assert!(!boxed.to_string().is_empty());
        assert!(!format!("{err:?}").is_empty());
    });
}

#[test]
fn a_future_that_finishes_first_gives_its_value() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let drops = DropLog::new();
        let probe = drops.probe();
        let out = rt.block_on(async {
            let ready = timeout(Duration::from_secs(3600), async { 5 }).await;
            let slept = timeout(Duration::from_secs(60), async move {
                let _probe = probe;
                sleep(Duration::from_millis(10)).await;
                "woke"
            })
            .await;
            (ready, slept)
        });
        assert_eq!(out, (Ok(5), Ok("woke")));
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn timeout_at_a_past_deadline_elapses_a_pending_future_at_once() {
    common::guarded(|| {
        let rt = io_common::rt_all(1);
        let result = rt.block_on(async {
            let past = Instant::now();
            sleep(Duration::from_millis(2)).await;
            timeout_at(past, futures::future::pending::<()>()).await
        });
        assert!(result.is_err());
    });
}

#[test]
fn timeout_at_gives_the_value_of_a_future_that_beats_the_deadline() {
    common::guarded(|| {
        let rt = io_common::rt_all(1);
        let (tx, rx) = oneshot::channel::<u64>();
        let result = rt.block_on(async move {
            let sender = spawn(async move {
                sleep(Duration::from_millis(5)).await;
                tx.send(99).unwrap();
            });
            let deadline = Instant::now() + Duration::from_secs(60);
            let r = timeout_at(deadline, rx).await;
            sender.await.unwrap();
            r
        });
        assert_eq!(result, Ok(Ok(99)));
    });
}

#[test]
fn a_thousand_timeouts_split_exactly_into_finished_and_elapsed() {
    const N: usize = 1_000;
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let handle = rt.handle().clone();
        let start_entries = handle.timer_entries();
        let drops = DropLog::new();
        let outcomes = rt.block_on(async {
            let tasks: Vec<_> = (0..N)
                .map(|i| {
                    let probe = drops.probe();
                    spawn(async move {
                        let (tx, rx) = oneshot::channel::<usize>();
                        if i % 2 == 0 {
                            // Answered by another task, well within the time.
                            spawn(async move { tx.send(i).unwrap() });
                            let r = timeout(Duration::from_secs(60), async move {
                                let _probe = probe;
                                rx.await.unwrap()
                            });
                            r.await
                        } else {
                            // Never answered: the sender stays alive here.
                            let deadline = Duration::from_millis(20 + (i % 50) as u64);
                            let start = Instant::now();
                            let r = timeout(deadline, async move {
                                let _probe = probe;
                                rx.await.unwrap()
                            })
                            .await;
                            assert!(start.elapsed() >= deadline, "elapsed early");
                            drop(tx);
                            r
                        }
                    })
                })
                .collect();
            let mut outcomes = Vec::new();
            for t in tasks {
                outcomes.push(t.await.unwrap());
            }
            outcomes
        });
        for (i, r) in outcomes.iter().enumerate() {
            if i % 2 == 0 {
                assert_eq!(*r, Ok(i), "timeout {i}");
            } else {
                assert!(r.is_err(), "timeout {i} should have elapsed: {r:?}");
            }
        }
        assert_eq!(drops.count(), N, "every inner future dropped once");
        assert_eq!(
            io_common::settle(SETTLE, start_entries, || handle.timer_entries()),
            start_entries,
            "finished and elapsed timeouts left wheel entries"
        );
    });
}

/// The inner future spends the whole budget on every poll: the timeout's
/// own timer is still armed and checked, unconstrained (as tokio's is), so
/// it fires instead of never.
#[test]
fn a_timeout_fires_around_a_future_that_spends_the_budget() {
    common::guarded(|| {
        for rt in [io_common::rt_all(2), io_common::current_thread_all()] {
            let (took, result) = rt.block_on(async {
                let start = Instant::now();
                let result = timeout(Duration::from_millis(50), async {
                    loop {
                        taskcell_executor::task::consume_budget().await;
                    }
                })
                .await;
                (start.elapsed(), result)
            });
            let _: taskcell_executor::time::Elapsed = result.unwrap_err();
            assert!(took >= Duration::from_millis(50), "elapsed after {took:?}");
        }
    });
}

/// A read loop on a socket that is always readable spends the budget on
/// every poll; its 50 ms timeout fires within a few ticks, not seconds.
#[test]
#[cfg(unix)]
fn a_timeout_fires_around_a_read_loop_on_a_busy_socket() {
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    use taskcell_executor::net::UnixStream;
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let took = rt.block_on(async {
            let (mut tx, mut rx) = UnixStream::pair().unwrap();
            let writer = spawn(async move {
                let chunk = vec![7u8; 64 * 1024];
                while tx.write_all(&chunk).await.is_ok() {}
            });
            // A byte at a time: the socket never runs dry within a poll, so
            // every poll of the loop ends with the budget spent.
            let mut first = [0u8; 1];
            rx.read_exact(&mut first).await.unwrap();
            let start = Instant::now();
            let result = timeout(Duration::from_millis(50), async {
                let mut buf = [0u8; 1];
                loop {
                    if rx.read(&mut buf).await.unwrap() == 0 {
                        break;
                    }
                }
            })
            .await;
            let took = start.elapsed();
            assert!(result.is_err(), "the reader saw EOF");
            drop(rx);
            let _ = writer.await;
            took
        });
        assert!(took >= Duration::from_millis(50), "elapsed after {took:?}");
        assert!(
            took < Duration::from_millis(500),
            "elapsed only after {took:?}"
        );
    });
}

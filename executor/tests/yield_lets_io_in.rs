//! A yield lets I/O in, as tokio's does: a task that yields (`yield_now`)
//! runs again only after its worker has run its other work and taken a
//! driver turn, so a task that yields while it waits for a socket sees the
//! socket's readiness within a few yields; and on a current-thread runtime
//! a task spinning on `yield_now` gets one poll for each poll of the
//! `block_on` future, not dozens.
#![cfg(not(miri))]

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskcell_executor::net::UnixStream;
use taskcell_executor::{spawn, yield_now, Builder, Runtime};

/// A task makes its socket readable, then yields looking for the
/// readiness: the yields must let the driver in. With `most_yields`, within
/// that many yields: where the yielding task's own thread takes the driver
/// turn (one worker, or the current-thread runtime). Without, while a
/// second worker may hold the driver, the readiness comes when that worker
/// gets the CPU, which a loaded machine may delay past any count of yields:
/// the yields must merely not keep it out (well within the watchdog).
fn a_yielding_task_sees_its_socket_ready(rt: &Runtime, most_yields: Option<u32>) {
    let started = Instant::now();
    let seen = rt.block_on(async move {
        spawn(async move {
            let (a, b) = UnixStream::pair().unwrap();
            a.writable().await.unwrap();
            a.try_write(b"x").unwrap();
            let mut yields = 0;
            while !common::readable_now(&b) {
                if Some(yields) == most_yields {
                    return None;
                }
                yields += 1;
                yield_now().await;
            }
            Some(yields)
        })
        .await
        .unwrap()
    });
    assert!(
        seen.is_some(),
        "{most_yields:?} yields and the socket never turned readable"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "readable only after {:?} of yields",
        started.elapsed()
    );
}

fn multi_thread(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn yields_let_io_in_on_a_one_worker_runtime() {
    common::guarded(|| a_yielding_task_sees_its_socket_ready(&multi_thread(1), Some(10)));
}

#[test]
fn yields_let_io_in_on_a_two_worker_runtime() {
    common::guarded(|| a_yielding_task_sees_its_socket_ready(&multi_thread(2), None));
}

#[test]
fn yields_let_io_in_on_a_current_thread_runtime() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        a_yielding_task_sees_its_socket_ready(&rt, Some(10));
    });
}

#[test]
fn a_spinning_task_gets_one_poll_per_poll_of_block_on() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let spins = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let most = rt.block_on({
            let (spins, stop) = (Arc::clone(&spins), Arc::clone(&stop));
            async move {
                let spinner = spawn({
                    let (spins, stop) = (Arc::clone(&spins), Arc::clone(&stop));
                    async move {
                        while !stop.load(SeqCst) {
                            spins.fetch_add(1, SeqCst);
                            yield_now().await;
                        }
                    }
                });
                let mut most = 0;
                let mut last = spins.load(SeqCst);
                for _ in 0..16 {
                    yield_now().await;
                    let now = spins.load(SeqCst);
                    most = most.max(now - last);
                    last = now;
                }
                stop.store(true, SeqCst);
                spinner.await.unwrap();
                most
            }
        });
        assert!(
            most <= 3,
            "the spinner ran {most} times between two polls of block_on"
        );
        assert!(spins.load(SeqCst) >= 16, "the spinner ran");
    });
}

#[test]
fn a_root_future_that_yields_lets_io_in_on_a_current_thread_runtime() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        // The root future, not a task: it too waits for a driver turn.
        let seen = rt.block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            a.writable().await.unwrap();
            a.try_write(b"x").unwrap();
            for yields in 0..10 {
                if common::readable_now(&b) {
                    return Some(yields);
                }
                yield_now().await;
            }
            None
        });
        assert!(seen.is_some(), "10 yields of block_on, never readable");
    });
}

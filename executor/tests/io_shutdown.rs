//! Shutdown with I/O and timers: dropping a runtime whose tasks wait in
//! `accept`, `read`, `recv_from` and `sleep` does not hang and drops their
//! futures; a socket that outlives its runtime fails every operation with
//! an `io::Error` instead of hanging; a sleep polled after its runtime is
//! gone panics, saying the runtime has shut down.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use common::DropLog;
use futures::executor::block_on;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::{TcpListener, TcpStream, UdpSocket};
use taskcell_executor::time::{sleep, Sleep};
use taskcell_executor::{JoinHandle, Runtime};

const LIMIT: Duration = Duration::from_secs(30);

/// Polls `fut` once and asserts it is pending: after this the task is
/// known to wait on it.
async fn assert_pending<F: Future>(fut: Pin<&mut F>, what: &str) {
    let mut fut = fut;
    let pending = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx).is_pending())).await;
    assert!(pending, "{what} was ready");
}

/// Spawns, on `rt`, one task waiting in `accept`, one in a TCP `read`, one
/// in `recv_from` and one in `sleep`, each holding a probe of `drops`;
/// returns their handles, a counter of those parked, and the client end of
/// the connection, kept open so the read never ends.
fn spawn_waiters(
    rt: &Runtime,
    drops: &DropLog,
) -> (Vec<JoinHandle<()>>, Arc<AtomicUsize>, TcpStream) {
    let parked = Arc::new(AtomicUsize::new(0));
    let (listener, client, server, udp) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        (listener, client, server, udp)
    });
    let mut handles = Vec::new();
    {
        let (probe, parked) = (drops.probe(), parked.clone());
        handles.push(rt.spawn(async move {
            let _probe = probe;
            let mut accept = pin!(listener.accept());
            assert_pending(accept.as_mut(), "accept").await;
            parked.fetch_add(1, SeqCst);
            let _ = accept.await;
            unreachable!("nobody connects");
        }));
    }
    {
        let (probe, parked) = (drops.probe(), parked.clone());
        let mut server = server;
        handles.push(rt.spawn(async move {
            let _probe = probe;
            let mut buf = [0u8; 16];
            let mut read = pin!(server.read(&mut buf));
            assert_pending(read.as_mut(), "read").await;
            parked.fetch_add(1, SeqCst);
            let _ = read.await;
            unreachable!("the client never writes nor closes");
        }));
    }
    {
        let (probe, parked) = (drops.probe(), parked.clone());
        handles.push(rt.spawn(async move {
            let _probe = probe;
            let mut buf = [0u8; 16];
            let mut recv = pin!(udp.recv_from(&mut buf));
            assert_pending(recv.as_mut(), "recv_from").await;
            parked.fetch_add(1, SeqCst);
            let _ = recv.await;
            unreachable!("nobody sends");
        }));
    }
    {
        let (probe, parked) = (drops.probe(), parked.clone());
        handles.push(rt.spawn(async move {
            let _probe = probe;
            let mut nap = Box::pin(sleep(Duration::from_secs(3600)));
            assert_pending(nap.as_mut(), "an hour's sleep").await;
            parked.fetch_add(1, SeqCst);
            nap.await;
            unreachable!("an hour passed");
        }));
    }
    (handles, parked, client)
}

/// Every handle resolves, after the runtime is gone, to a cancellation.
fn assert_cancelled(handles: Vec<JoinHandle<()>>) {
    for h in handles {
        let err = block_on(h).expect_err("a waiting task finished");
        assert!(err.is_cancelled(), "{err}");
    }
}

#[test]
fn dropping_a_multi_thread_runtime_drops_tasks_waiting_on_io_and_timers() {
    common::watchdog(LIMIT, || {
        let rt = io_common::rt_all(2);
        let drops = DropLog::new();
        let (handles, parked, client) = spawn_waiters(&rt, &drops);
        assert!(
            common::wait_until(Duration::from_secs(20), || parked.load(SeqCst) == 4),
            "only {} of 4 tasks parked",
            parked.load(SeqCst)
        );
        assert_eq!(drops.count(), 0);
        drop(rt);
        assert_eq!(drops.count(), 4, "each waiting future dropped once");
        assert_cancelled(handles);
        drop(client);
    });
}

#[test]
fn dropping_a_current_thread_runtime_drops_tasks_waiting_on_io_and_timers() {
    common::watchdog(LIMIT, || {
        let rt = io_common::current_thread_all();
        let drops = DropLog::new();
        let (handles, parked, client) = spawn_waiters(&rt, &drops);
        rt.block_on(async {
            while parked.load(SeqCst) < 4 {
                taskcell_executor::yield_now().await;
            }
        });
        assert_eq!(drops.count(), 0);
        drop(rt);
        assert_eq!(drops.count(), 4, "each waiting future dropped once");
        assert_cancelled(handles);
        drop(client);
    });
}

#[test]
fn sockets_that_outlive_their_runtime_fail_every_operation() {
    common::watchdog(LIMIT, || {
        let rt = io_common::rt_all(2);
        let (listener, mut client, mut server, udp, udp_peer) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            // The connection works while the runtime lives.
            client.write_all(b"ping").await.unwrap();
            let mut buf = [0u8; 4];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let udp_peer = udp.local_addr().unwrap();
            (listener, client, server, udp, udp_peer)
        });
        drop(rt);

        // Twice each: the error is not a one-off.
        for round in 0..2 {
            let mut buf = [0u8; 16];
            let accept = block_on(listener.accept());
            assert!(accept.is_err(), "round {round}: accept gave {accept:?}");
            let read = block_on(client.read(&mut buf));
            assert!(read.is_err(), "round {round}: client read gave {read:?}");
            let read = block_on(server.read(&mut buf));
            assert!(read.is_err(), "round {round}: server read gave {read:?}");
            let write = block_on(client.write(b"after"));
            assert!(write.is_err(), "round {round}: client write gave {write:?}");
            let write = block_on(server.write(b"after"));
            assert!(write.is_err(), "round {round}: server write gave {write:?}");
            let recv = block_on(udp.recv_from(&mut buf));
            assert!(recv.is_err(), "round {round}: recv_from gave {recv:?}");
            let send = block_on(udp.send_to(b"after", udp_peer));
            assert!(send.is_err(), "round {round}: send_to gave {send:?}");
        }
        // Dropping them without a runtime is fine too.
        drop((listener, client, server, udp));
    });
}

/// Makes a one-hour sleep on a runtime that is then dropped, polling it
/// there first if `polled`; returns the sleep.
// The `block_on` below hands out the sleep, a future, on purpose.
#[allow(clippy::async_yields_async)]
fn orphaned_sleep(polled: bool) -> Pin<Box<Sleep>> {
    let rt = io_common::rt_all(1);
    let nap = rt.block_on(async move {
        let mut nap = Box::pin(sleep(Duration::from_secs(3600)));
        if polled {
            assert_pending(nap.as_mut(), "an hour's sleep").await;
        }
        nap
    });
    drop(rt);
    nap
}

#[test]
fn polling_a_sleep_after_its_runtime_is_gone_panics_with_shut_down() {
    common::watchdog(LIMIT, || {
        for polled in [false, true] {
            let nap = orphaned_sleep(polled);
            let payload = catch_unwind(AssertUnwindSafe(|| block_on(nap)))
                .expect_err("a sleep outlived its runtime and completed");
            let msg = common::panic_message(&*payload);
            // tokio's words first: tokio's own tests match them.
            assert!(
                msg.starts_with("A Tokio 1.x context was found, but it is being shutdown.")
                    && msg.contains("shut down"),
                "polled before: {polled}; panic message: {msg:?}"
            );
        }
    });
}

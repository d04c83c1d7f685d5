//! Many tasks waiting on one socket in the same direction are all woken:
//! tasks in `accept` on one shared `TcpListener`, in `recv_from` on one
//! shared `UdpSocket`, reading or writing one shared `UnixStream`. Each
//! test first has every task parked on the socket (its operation returned
//! `Pending`, so its waker is registered), then gives every task what it
//! waits for (a connection, a datagram or a byte each; room to write, by
//! draining the peer), and checks that every task completes with its share. A
//! socket that keeps one waker per direction wakes only the task that
//! registered last, and the others hang until the watchdog fails the test.
#![cfg(not(miri))]
#![cfg(unix)]

mod common;
mod io_common;

use std::collections::BTreeSet;
use std::future::{poll_fn, Future};
use std::io::{ErrorKind, Write};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use taskcell_executor::spawn;
use taskcell_executor::time::sleep;

/// How long a test body may run: each takes milliseconds when every waiter
/// is woken; a lost wake-up hangs it, and this bounds the hang.
const LIMIT: Duration = Duration::from_secs(10);

/// A pause between two readiness events, so that they reach the driver as
/// separate edges.
const GAP: Duration = Duration::from_millis(20);

/// Runs `body` under the watchdog with [`LIMIT`].
fn guarded<R: Send + 'static>(body: impl FnOnce() -> R + Send + 'static) -> R {
    common::watchdog(LIMIT, body)
}

/// Polls `fut`, counting in `parked` the first time it returns `Pending`:
/// once every waiter has been counted, every waiter's waker is registered
/// with the socket.
async fn parked<F: Future>(parked: &AtomicUsize, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut counted = false;
    poll_fn(|cx| {
        let poll = fut.as_mut().poll(cx);
        if poll.is_pending() && !counted {
            counted = true;
            parked.fetch_add(1, SeqCst);
        }
        poll
    })
    .await
}

/// Waits until `n` tasks are parked.
async fn all_parked(parked: &AtomicUsize, n: usize) {
    while parked.load(SeqCst) < n {
        sleep(Duration::from_millis(1)).await;
    }
}

/// `waiters` tasks in `accept` on one listener, then `waiters` connections
/// (with a pause after each when `gap`): every accept completes, each with
/// a different one of the connections.
async fn every_accept_completes(waiters: usize, gap: bool) {
    let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let accepts: Vec<_> = (0..waiters)
        .map(|_| {
            let (listener, count) = (Arc::clone(&listener), Arc::clone(&count));
            spawn(async move {
                let (stream, from) = parked(&count, listener.accept()).await.unwrap();
                assert_eq!(stream.peer_addr().unwrap(), from);
                from
            })
        })
        .collect();
    all_parked(&count, waiters).await;

    let mut clients = Vec::new();
    for _ in 0..waiters {
        clients.push(TcpStream::connect(addr).await.unwrap());
        if gap {
            sleep(GAP).await;
        }
    }
    let mut accepted = BTreeSet::new();
    for a in accepts {
        let from = a.await.unwrap();
        assert!(accepted.insert(from), "{from} accepted twice");
    }
    let connected: BTreeSet<SocketAddr> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
    assert_eq!(accepted, connected, "the accepted connections");
}

#[test]
fn two_tasks_accepting_on_one_listener_both_get_a_connection() {
    guarded(|| {
        io_common::current_thread_all().block_on(every_accept_completes(2, true));
    });
}

#[test]
fn fifty_tasks_accepting_on_one_listener_all_get_a_connection() {
    guarded(|| {
        io_common::rt_all(2).block_on(every_accept_completes(50, false));
    });
}

/// `waiters` tasks in `recv_from` on one socket, then `waiters` datagrams
/// from one sender (with a pause after each when `gap`): every task gets
/// one, and each datagram goes to exactly one task.
async fn every_receiver_gets_a_datagram(waiters: usize, gap: bool) {
    let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let addr = socket.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let receivers: Vec<_> = (0..waiters)
        .map(|_| {
            let (socket, count) = (Arc::clone(&socket), Arc::clone(&count));
            spawn(async move {
                let mut buf = [0u8; 16];
                let (n, from) = parked(&count, socket.recv_from(&mut buf)).await.unwrap();
                assert_eq!(n, 4, "a datagram's length");
                (u32::from_le_bytes(buf[..4].try_into().unwrap()), from)
            })
        })
        .collect();
    all_parked(&count, waiters).await;

    let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let sender_addr = sender.local_addr().unwrap();
    for i in 0..waiters as u32 {
        assert_eq!(sender.send_to(&i.to_le_bytes(), addr).await.unwrap(), 4);
        if gap {
            sleep(GAP).await;
        }
    }
    let mut got = Vec::new();
    for r in receivers {
        let (i, from) = r.await.unwrap();
        assert_eq!(from, sender_addr, "datagram {i}'s source");
        got.push(i);
    }
    got.sort_unstable();
    assert_eq!(
        got,
        (0..waiters as u32).collect::<Vec<_>>(),
        "the datagrams received"
    );
}

#[test]
fn two_tasks_receiving_on_one_udp_socket_both_get_a_datagram() {
    guarded(|| {
        io_common::current_thread_all().block_on(every_receiver_gets_a_datagram(2, true));
    });
}

#[test]
fn eight_tasks_receiving_on_one_udp_socket_all_get_a_datagram() {
    guarded(|| {
        io_common::rt_all(2).block_on(every_receiver_gets_a_datagram(8, false));
    });
}

#[test]
fn two_tasks_reading_one_unix_stream_both_get_a_byte() {
    guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let a = Arc::new(a);
            let count = Arc::new(AtomicUsize::new(0));
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    let (a, count) = (Arc::clone(&a), Arc::clone(&count));
                    spawn(async move {
                        let mut buf = [0u8; 1];
                        let n = parked(&count, (&*a).read(&mut buf)).await.unwrap();
                        assert_eq!(n, 1, "a read before the peer hung up");
                        buf[0]
                    })
                })
                .collect();
            all_parked(&count, 2).await;

            b.write_all(b"x").await.unwrap();
            sleep(GAP).await;
            b.write_all(b"y").await.unwrap();
            let mut got = Vec::new();
            for r in readers {
                got.push(r.await.unwrap());
            }
            got.sort_unstable();
            assert_eq!(got, b"xy", "the bytes read");
            // The peer stays open until here: its hang-up would wake readers.
            drop(b);
        });
    });
}

/// Bytes each writer writes, all its tag.
const MSG_LEN: usize = 1000;
/// What fills the socket's buffer before the writers start.
const FILL: u8 = 0xAA;

#[test]
fn readers_and_writers_on_one_unix_stream_all_finish() {
    const READERS: usize = 2;
    const WRITERS: usize = 2;
    guarded(|| {
        let (std_a, std_b) = std::os::unix::net::UnixStream::pair().unwrap();
        // Fill a's send buffer, so that writers on `a` have to wait for the
        // peer to drain it.
        std_a.set_nonblocking(true).unwrap();
        let mut filled = 0;
        loop {
            match (&std_a).write(&[FILL; 4096]) {
                Ok(n) => filled += n,
                Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                Err(err) => panic!("filling the socket buffer: {err}"),
            }
        }
        assert!(filled > 0);

        io_common::rt_all(2).block_on(async move {
            let a = Arc::new(UnixStream::from_std(std_a).unwrap());
            let mut b = UnixStream::from_std(std_b).unwrap();
            let count = Arc::new(AtomicUsize::new(0));
            let readers: Vec<_> = (0..READERS)
                .map(|_| {
                    let (a, count) = (Arc::clone(&a), Arc::clone(&count));
                    spawn(async move {
                        let mut buf = [0u8; 1];
                        let n = parked(&count, (&*a).read(&mut buf)).await.unwrap();
                        assert_eq!(n, 1, "a read before the peer hung up");
                        buf[0]
                    })
                })
                .collect();
            let writers: Vec<_> = (1..=WRITERS as u8)
                .map(|tag| {
                    let (a, count) = (Arc::clone(&a), Arc::clone(&count));
                    spawn(async move {
                        let msg = [tag; MSG_LEN];
                        parked(&count, (&*a).write_all(&msg)).await.unwrap();
                    })
                })
                .collect();
            all_parked(&count, READERS + WRITERS).await;

            // One byte per reader, as separate edges.
            for i in 0..READERS as u8 {
                b.write_all(&[b'a' + i]).await.unwrap();
                sleep(GAP).await;
            }
            // Drain everything: the fill, then every writer's message.
            let want = filled + WRITERS * MSG_LEN;
            let mut tally = [0usize; 256];
            let mut total = 0;
            let mut buf = vec![0u8; 64 * 1024];
            while total < want {
                let n = b.read(&mut buf).await.unwrap();
                assert_ne!(n, 0, "EOF after {total} of {want} bytes");
                for &byte in &buf[..n] {
                    tally[usize::from(byte)] += 1;
                }
                total += n;
            }
            assert_eq!(total, want, "bytes drained");
            assert_eq!(tally[usize::from(FILL)], filled, "fill bytes drained");
            for tag in 1..=WRITERS as u8 {
                assert_eq!(tally[usize::from(tag)], MSG_LEN, "writer {tag}'s bytes");
            }
            for w in writers {
                w.await.unwrap();
            }
            let mut got = Vec::new();
            for r in readers {
                got.push(r.await.unwrap());
            }
            got.sort_unstable();
            assert_eq!(got, b"ab", "the bytes read");
            drop(b);
        });
    });
}

#[test]
fn receivers_and_senders_on_one_udp_socket_all_finish() {
    const RECEIVERS: usize = 4;
    const SENDERS: usize = 2;
    guarded(|| {
        io_common::current_thread_all().block_on(async {
            let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            let addr = socket.local_addr().unwrap();
            let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let peer_addr = peer.local_addr().unwrap();
            let count = Arc::new(AtomicUsize::new(0));
            let receivers: Vec<_> = (0..RECEIVERS)
                .map(|_| {
                    let (socket, count) = (Arc::clone(&socket), Arc::clone(&count));
                    spawn(async move {
                        let mut buf = [0u8; 16];
                        let (n, from) = parked(&count, socket.recv_from(&mut buf)).await.unwrap();
                        assert_eq!((n, from), (1, peer_addr), "a datagram from the peer");
                        buf[0]
                    })
                })
                .collect();
            all_parked(&count, RECEIVERS).await;

            // Senders on the same socket while the receivers wait.
            let senders: Vec<_> = (0..SENDERS as u8)
                .map(|i| {
                    let socket = Arc::clone(&socket);
                    spawn(async move {
                        assert_eq!(socket.send_to(&[100 + i], peer_addr).await.unwrap(), 1);
                    })
                })
                .collect();
            let mut sent = Vec::new();
            let mut buf = [0u8; 16];
            for _ in 0..SENDERS {
                let (n, from) = peer.recv_from(&mut buf).await.unwrap();
                assert_eq!((n, from), (1, addr), "a datagram from the socket");
                sent.push(buf[0]);
            }
            sent.sort_unstable();
            assert_eq!(sent, [100, 101], "the senders' datagrams");
            for s in senders {
                s.await.unwrap();
            }

            for i in 0..RECEIVERS as u8 {
                peer.send_to(&[i], addr).await.unwrap();
                sleep(GAP).await;
            }
            let mut got = Vec::new();
            for r in receivers {
                got.push(r.await.unwrap());
            }
            got.sort_unstable();
            assert_eq!(got, [0, 1, 2, 3], "the datagrams received");
        });
    });
}

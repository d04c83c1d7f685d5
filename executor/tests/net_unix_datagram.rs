//! `UnixDatagram`: datagrams go whole and in order between a pair, between
//! sockets bound to paths (the sender's path comes with each), from an
//! unbound or connected socket, and on Linux between abstract names; many
//! tasks in `recv` on one socket each get a datagram (no lost wake-up); a
//! sender blocked on a full buffer wakes when the reader makes room; a
//! cancelled `recv` loses nothing; the `poll_` and `try_` forms work
//! through `poll_fn`; `recv_buf_from` fills a buffer's spare capacity
//! (cut to it) and names the sender; the socket survives
//! `into_std`/`from_std`; a socket that outlives its runtime fails with an
//! error; and outside a runtime the constructors panic naming themselves.
#![cfg(not(miri))]
#![cfg(unix)]

mod common;
mod io_common;

use std::future::{poll_fn, Future};
use std::io::ErrorKind;
use std::net::Shutdown;
use std::path::PathBuf;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::Duration;

use io_common::{assert_bytes_eq, pattern};
use taskcell_executor::net::UnixDatagram;
use taskcell_executor::spawn;
use taskcell_executor::time::{sleep, timeout};

const LIMIT: Duration = Duration::from_secs(10);

/// A fresh directory for this test's socket files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("taskcell-dgram-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Datagram sizes: empty, tiny, and a few larger ones (a Unix datagram
/// must fit the send buffer whole).
const SIZES: [usize; 5] = [0, 1, 100, 1500, 16_000];

#[test]
fn a_pair_carries_datagrams_whole_and_in_order_both_ways() {
    common::guarded(|| {
        for rt in [io_common::rt_all(2), io_common::current_thread_all()] {
            rt.block_on(async {
                let (a, b) = UnixDatagram::pair().unwrap();
                // All sent before any is received: boundaries and order hold.
                for (i, &size) in SIZES.iter().enumerate() {
                    assert_eq!(a.send(&pattern(i as u64, size)).await.unwrap(), size);
                }
                let mut buf = vec![0u8; 32_000];
                for (i, &size) in SIZES.iter().enumerate() {
                    let n = timeout(LIMIT, b.recv(&mut buf)).await.unwrap().unwrap();
                    assert_bytes_eq(
                        &buf[..n],
                        &pattern(i as u64, size),
                        &format!("datagram {i}"),
                    );
                }
                // A datagram longer than the buffer is cut, and the rest lost.
                b.send(b"0123456789").await.unwrap();
                b.send(b"next").await.unwrap();
                let mut small = [0u8; 4];
                assert_eq!(a.recv(&mut small).await.unwrap(), 4);
                assert_eq!(&small, b"0123");
                assert_eq!(a.recv(&mut small).await.unwrap(), 4);
                assert_eq!(&small, b"next");
            });
        }
    });
}

#[test]
fn bound_sockets_exchange_datagrams_with_the_senders_path() {
    common::guarded(|| {
        let dir = TempDir::new("bound");
        let (server_path, client_path) = (dir.path("server"), dir.path("client"));
        io_common::rt_all(2).block_on(async move {
            let server = UnixDatagram::bind(&server_path).unwrap();
            let client = UnixDatagram::bind(&client_path).unwrap();
            assert_eq!(
                server.local_addr().unwrap().as_pathname(),
                Some(server_path.as_path())
            );
            // The server echoes each datagram, reversed, to its sender.
            let echo = spawn(async move {
                let mut buf = vec![0u8; 32_000];
                for _ in 0..SIZES.len() {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    let reply: Vec<u8> = buf[..n].iter().rev().copied().collect();
                    let to = from.as_pathname().expect("a bound sender has a path");
                    assert_eq!(server.send_to(&reply, to).await.unwrap(), n);
                }
            });
            let mut buf = vec![0u8; 32_000];
            for (i, &size) in SIZES.iter().enumerate() {
                let msg = pattern(i as u64, size);
                client.send_to(&msg, &server_path).await.unwrap();
                let (n, from) = timeout(LIMIT, client.recv_from(&mut buf))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(from.as_pathname(), Some(server_path.as_path()));
                let want: Vec<u8> = msg.iter().rev().copied().collect();
                assert_bytes_eq(&buf[..n], &want, &format!("reply {i}"));
            }
            echo.await.unwrap();
            // Binding a path that exists fails.
            let err = UnixDatagram::bind(&client_path).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
        });
    });
}

#[test]
fn an_unbound_socket_sends_and_a_connected_one_uses_send_and_recv() {
    common::guarded(|| {
        let dir = TempDir::new("connect");
        let (server_path, peer_path) = (dir.path("server"), dir.path("peer"));
        io_common::rt_all(2).block_on(async move {
            let server = UnixDatagram::bind(&server_path).unwrap();
            let anon = UnixDatagram::unbound().unwrap();
            assert!(anon.local_addr().unwrap().is_unnamed());
            assert_eq!(
                anon.peer_addr().unwrap_err().kind(),
                ErrorKind::NotConnected
            );
            anon.send_to(b"anon", &server_path).await.unwrap();
            let mut buf = [0u8; 8];
            let (n, from) = server.recv_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from.is_unnamed()), (&b"anon"[..], true));

            let peer = UnixDatagram::bind(&peer_path).unwrap();
            anon.connect(&server_path).unwrap();
            assert_eq!(
                anon.peer_addr().unwrap().as_pathname(),
                Some(server_path.as_path())
            );
            anon.send(b"connected").await.unwrap();
            assert_eq!(server.recv(&mut buf[..]).await.unwrap(), 8);
            // The peer, bound, may still send to the connected socket's
            // server; and the connected socket receives from its peer.
            server.connect(&peer_path).unwrap();
            server.send(b"to peer").await.unwrap();
            assert_eq!(peer.recv(&mut buf).await.unwrap(), 7);
        });
    });
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn abstract_names_bind_connect_and_send_to() {
    use std::os::linux::net::SocketAddrExt;
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let name = format!("taskcell-dgram-abstract-{}", std::process::id());
            let path = format!("\0{name}");
            let server = UnixDatagram::bind(&path).unwrap();
            assert_eq!(
                server.local_addr().unwrap().as_abstract_name(),
                Some(name.as_bytes())
            );
            let client_name = format!("{name}-client");
            let client = UnixDatagram::bind(format!("\0{client_name}")).unwrap();
            client.send_to(b"abstract", &path).await.unwrap();
            let mut buf = [0u8; 16];
            let (n, from) = server.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"abstract");
            assert_eq!(from.as_abstract_name(), Some(client_name.as_bytes()));

            let other = UnixDatagram::unbound().unwrap();
            other.connect(&path).unwrap();
            assert_eq!(
                other.peer_addr().unwrap().as_abstract_name(),
                Some(name.as_bytes())
            );
            other.send(b"via connect").await.unwrap();
            let n = server.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"via connect");
            other.writable().await.unwrap();
            assert_eq!(other.try_send_to(b"try", &path).unwrap(), 3);
            let n = server.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"try");
        });
    });
}

/// Polls `fut`, counting in `parked` the first time it returns `Pending`:
/// once every waiter is counted, every waiter's waker is registered.
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

/// `waiters` tasks in `recv` on one socket, then `waiters` datagrams (a
/// pause after each when `gap`, so each is its own readiness event): each
/// task gets exactly one.
async fn every_receiver_gets_a_datagram(waiters: usize, gap: bool) {
    let (socket, sender) = UnixDatagram::pair().unwrap();
    let socket = Arc::new(socket);
    let count = Arc::new(AtomicUsize::new(0));
    let receivers: Vec<_> = (0..waiters)
        .map(|_| {
            let (socket, count) = (Arc::clone(&socket), Arc::clone(&count));
            spawn(async move {
                let mut buf = [0u8; 8];
                let n = parked(&count, socket.recv(&mut buf)).await.unwrap();
                assert_eq!(n, 4, "a datagram's length");
                u32::from_le_bytes(buf[..4].try_into().unwrap())
            })
        })
        .collect();
    while count.load(SeqCst) < waiters {
        sleep(Duration::from_millis(1)).await;
    }
    for i in 0..waiters as u32 {
        assert_eq!(sender.send(&i.to_le_bytes()).await.unwrap(), 4);
        if gap {
            sleep(Duration::from_millis(20)).await;
        }
    }
    let mut got = Vec::new();
    for r in receivers {
        got.push(r.await.unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (0..waiters as u32).collect::<Vec<_>>());
}

#[test]
fn many_tasks_in_recv_on_one_socket_each_get_a_datagram() {
    // A lost wake-up leaves a receiver waiting forever: the watchdog fails.
    common::watchdog(Duration::from_secs(30), || {
        io_common::current_thread_all().block_on(every_receiver_gets_a_datagram(2, true));
        io_common::rt_all(4).block_on(every_receiver_gets_a_datagram(64, false));
        io_common::rt_all(2).block_on(every_receiver_gets_a_datagram(8, true));
    });
}

#[test]
fn a_sender_waiting_on_a_full_buffer_wakes_when_the_reader_makes_room() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            // Fill `a`'s way to `b` until the system refuses more.
            let mut sent = 0usize;
            loop {
                a.writable().await.unwrap();
                match a.try_send(&[7u8; 512]) {
                    Ok(_) => sent += 1,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("try_send: {e}"),
                }
                assert!(sent < 1_000_000, "the buffer never filled");
            }
            let mut cx = Context::from_waker(Waker::noop());
            assert!(
                a.poll_send(&mut cx, b"x").is_pending(),
                "a full buffer took more"
            );
            let a = Arc::new(a);
            let blocked = spawn({
                let a = Arc::clone(&a);
                async move { a.send(b"last").await.unwrap() }
            });
            sleep(Duration::from_millis(20)).await;
            assert!(!blocked.is_finished(), "a send to a full buffer finished");
            let mut buf = [0u8; 512];
            let mut received = 0;
            // Reading makes room; the blocked sender then gets through.
            while received < sent + 1 {
                let n = timeout(LIMIT, b.recv(&mut buf))
                    .await
                    .expect("a datagram never came")
                    .unwrap();
                received += 1;
                if n == 4 {
                    assert_eq!(&buf[..4], b"last");
                    assert_eq!(received, sent + 1, "the blocked datagram overtook others");
                }
            }
            assert_eq!(timeout(LIMIT, blocked).await.unwrap().unwrap(), 4);
        });
    });
}

#[test]
fn a_cancelled_recv_loses_no_datagram() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            let mut buf = [0u8; 8];
            // Cancelled while waiting.
            assert!(timeout(Duration::from_millis(10), a.recv(&mut buf))
                .await
                .is_err());
            b.send(b"kept").await.unwrap();
            a.readable().await.unwrap();
            // Cancelled when ready but never polled again: nothing taken.
            drop(a.recv(&mut buf));
            let n = timeout(LIMIT, a.recv(&mut buf)).await.unwrap().unwrap();
            assert_eq!(&buf[..n], b"kept");
        });
    });
}

#[test]
fn poll_and_try_forms_work_through_poll_fn() {
    common::guarded(|| {
        let dir = TempDir::new("poll");
        let path = dir.path("server");
        io_common::rt_all(2).block_on(async move {
            let (a, b) = UnixDatagram::pair().unwrap();
            let mut buf = [0u8; 16];
            assert_eq!(
                a.try_recv(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert_eq!(
                a.try_recv_from(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            let mut cx = Context::from_waker(Waker::noop());
            assert!(a.poll_recv_ready(&mut cx).is_pending());

            poll_fn(|cx| b.poll_send_ready(cx)).await.unwrap();
            assert_eq!(poll_fn(|cx| b.poll_send(cx, b"polled")).await.unwrap(), 6);
            poll_fn(|cx| a.poll_recv_ready(cx)).await.unwrap();
            let n = a.try_recv(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"polled");

            b.writable().await.unwrap();
            assert_eq!(b.try_send(b"tried").unwrap(), 5);
            let (n, from) = loop {
                a.readable().await.unwrap();
                match a.try_recv_from(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    got => break got.unwrap(),
                }
            };
            assert_eq!((&buf[..n], from.is_unnamed()), (&b"tried"[..], true));

            let server = UnixDatagram::bind(&path).unwrap();
            let sent = poll_fn(|cx| a.poll_send_to(cx, b"to path", &path))
                .await
                .unwrap();
            assert_eq!(sent, 7);
            let mut vec = Vec::with_capacity(64);
            assert_eq!(server.recv_buf(&mut vec).await.unwrap(), 7);
            assert_eq!(vec, b"to path");
            assert_eq!(
                server.try_recv_buf(&mut vec).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
        });
    });
}

#[test]
fn poll_recv_and_poll_recv_from_fill_a_read_buf() {
    use std::mem::MaybeUninit;
    use tokio::io::ReadBuf;
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            b.send(b"uninit").await.unwrap();
            b.send(b"zeroed").await.unwrap();
            let mut storage = [MaybeUninit::<u8>::uninit(); 32];
            let mut buf = ReadBuf::uninit(&mut storage);
            buf.put_slice(b">");
            poll_fn(|cx| a.poll_recv(cx, &mut buf)).await.unwrap();
            assert_eq!(buf.filled(), b">uninit");
            let from = poll_fn(|cx| a.poll_recv_from(cx, &mut buf)).await.unwrap();
            assert_eq!(buf.filled(), b">uninitzeroed");
            assert!(from.is_unnamed());
            let mut cx = Context::from_waker(Waker::noop());
            assert!(a.poll_recv(&mut cx, &mut buf).is_pending());
        });
    });
}

#[test]
fn recv_buf_from_fills_spare_capacity_and_names_the_sender() {
    common::guarded(|| {
        let dir = TempDir::new("recv-buf-from");
        let (server_path, client_path) = (dir.path("server"), dir.path("client"));
        io_common::rt_all(2).block_on(async move {
            let server = UnixDatagram::bind(&server_path).unwrap();
            let client = UnixDatagram::bind(&client_path).unwrap();

            // A bound sender's path; the datagram lands after what the
            // buffer already holds.
            client.send_to(b"named", &server_path).await.unwrap();
            let mut buf = b"ab".to_vec();
            buf.reserve(64);
            let (n, from) = timeout(LIMIT, server.recv_buf_from(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!((n, &buf[..]), (5, &b"abnamed"[..]));
            assert_eq!(from.as_pathname(), Some(client_path.as_path()));

            // An unnamed sender, and a datagram cut to the room there is.
            let unbound = UnixDatagram::unbound().unwrap();
            unbound.send_to(b"cut short", &server_path).await.unwrap();
            let mut storage = [0u8; 3];
            let mut room = &mut storage[..];
            let (n, from) = timeout(LIMIT, server.recv_buf_from(&mut room))
                .await
                .unwrap()
                .unwrap();
            assert_eq!((n, room.len()), (3, 0));
            assert_eq!(&storage, b"cut");
            assert!(from.is_unnamed(), "{from:?}");

            // The `try_` form: `WouldBlock` on an empty queue, then the
            // datagram once one is there.
            let mut buf = Vec::with_capacity(16);
            let err = server.try_recv_buf_from(&mut buf).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            client.send_to(b"try", &server_path).await.unwrap();
            let (n, from) = loop {
                timeout(LIMIT, server.readable()).await.unwrap().unwrap();
                match server.try_recv_buf_from(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    got => break got.unwrap(),
                }
            };
            assert_eq!((n, &buf[..]), (3, &b"try"[..]));
            assert_eq!(from.as_pathname(), Some(client_path.as_path()));
        });
    });
}

#[cfg(target_os = "linux")]
#[test]
fn recv_buf_from_names_an_abstract_sender() {
    use std::os::linux::net::SocketAddrExt;
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let name = format!("taskcell-dgram-buf-{}", std::process::id());
            let server = UnixDatagram::bind(format!("\0{name}")).unwrap();
            let client_name = format!("{name}-client");
            let client = UnixDatagram::bind(format!("\0{client_name}")).unwrap();
            client
                .send_to(b"abstract", format!("\0{name}"))
                .await
                .unwrap();
            let mut buf = Vec::with_capacity(16);
            let (n, from) = timeout(LIMIT, server.recv_buf_from(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!((n, &buf[..]), (8, &b"abstract"[..]));
            assert_eq!(from.as_abstract_name(), Some(client_name.as_bytes()));
        });
    });
}

#[test]
fn shutdown_write_makes_sends_fail() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            a.shutdown(Shutdown::Write).unwrap();
            let err = a.send(b"late").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{err}");
            b.send(b"still").await.unwrap();
            let mut buf = [0u8; 8];
            assert_eq!(a.recv(&mut buf).await.unwrap(), 5);
        });
    });
}

#[test]
fn a_socket_survives_into_std_and_from_std() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let before = rt.handle().io_registrations();
        rt.block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            let a = a.into_std().unwrap();
            // Still non-blocking, and no longer registered.
            let mut buf = [0u8; 8];
            assert_eq!(a.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
            let a = UnixDatagram::from_std(a).unwrap();
            b.send(b"back").await.unwrap();
            let n = timeout(LIMIT, a.recv(&mut buf)).await.unwrap().unwrap();
            assert_eq!(&buf[..n], b"back");
        });
        let after = io_common::settle(LIMIT, before, || rt.handle().io_registrations());
        assert_eq!(after, before, "registrations left behind");
    });
}

#[test]
fn a_socket_that_outlives_its_runtime_fails_with_an_error() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let (a, b) = rt.block_on(async { UnixDatagram::pair().unwrap() });
        drop(rt);
        for round in 0..2 {
            let mut buf = [0u8; 8];
            let recv = futures::executor::block_on(a.recv(&mut buf));
            assert!(recv.is_err(), "round {round}: recv gave {recv:?}");
            let readable = futures::executor::block_on(a.readable());
            assert!(
                readable.is_err(),
                "round {round}: readable gave {readable:?}"
            );
            let send = futures::executor::block_on(b.send(b"after"));
            assert!(send.is_err(), "round {round}: send gave {send:?}");
        }
    });
}

#[test]
fn outside_a_runtime_the_constructors_panic_naming_themselves() {
    common::guarded(|| {
        let cases: [(&str, fn()); 3] = [
            ("`UnixDatagram::pair`", || drop(UnixDatagram::pair())),
            ("`UnixDatagram::unbound`", || drop(UnixDatagram::unbound())),
            ("`UnixDatagram::from_std`", || {
                let (a, _b) = std::os::unix::net::UnixDatagram::pair().unwrap();
                drop(UnixDatagram::from_std(a));
            }),
        ];
        let check = |name: &str, payload: Box<dyn std::any::Any + Send>| {
            let msg = common::panic_message(&*payload);
            assert!(
                msg.contains("there is no reactor running"),
                "{name}: {msg:?}"
            );
            assert!(msg.contains(name), "{name}: {msg:?}");
        };
        for (name, make) in cases {
            check(name, std::panic::catch_unwind(make).expect_err(name));
        }
        // `bind` panics before it makes the socket file.
        let dir = TempDir::new("outside");
        let path = dir.path("never");
        let payload = std::panic::catch_unwind(|| drop(UnixDatagram::bind(&path)));
        check("`UnixDatagram::bind`", payload.expect_err("bind"));
        assert!(!path.exists(), "a panicking bind left {path:?} behind");
    });
}

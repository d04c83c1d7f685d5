//! The readiness API with tokio's semantics: `readable`/`writable`/`ready`
//! wait, `try_*` attempt without waiting and hit `WouldBlock` when there is
//! nothing (clearing the readiness, so that the next wait really waits),
//! `peek` takes nothing (nor does `poll_peek` into tokio's
//! `ReadBuf`), a peer that hangs up reads as EOF, a zero linger
//! resets, `TCP_QUICKACK` reads back, split halves reunite only with their
//! own, `async_io` waits and retries the caller's own operation until it
//! does not block, and a socket whose runtime is gone fails instead of
//! hanging.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::future::{poll_fn, Future};
use std::io::{self, ErrorKind, IoSlice, IoSliceMut};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::Duration;

use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt, Interest};
use taskcell_executor::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use taskcell_executor::spawn;

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// Whether `fut` is still pending after one poll.
fn pending_once<F: Future>(fut: F) -> bool {
    let mut fut = pin!(fut);
    fut.as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_pending()
}

/// `readable` then `try_read` until it does not block, as tokio's docs
/// write the loop.
macro_rules! read_when_readable {
    ($socket:expr, $buf:expr) => {
        loop {
            $socket.readable().await.unwrap();
            match $socket.try_read($buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                result => break result,
            }
        }
    };
}

#[test]
fn try_read_blocks_until_data_then_reads_it_and_eof_after_hang_up() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, b) = tcp_pair().await;
            let mut buf = [0; 16];
            assert_eq!(
                a.try_read(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert!(pending_once(a.readable()), "nothing to read yet");

            b.writable().await.unwrap();
            assert_eq!(b.try_write(b"hello").unwrap(), 5);
            let n = read_when_readable!(a, &mut buf).unwrap();
            assert_eq!(&buf[..n], b"hello");

            drop(b);
            let ready = a.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable());
            assert_eq!(read_when_readable!(a, &mut buf).unwrap(), 0, "EOF");
        });
    });
}

#[test]
fn a_would_block_attempt_clears_readiness_so_the_next_wait_waits() {
    common::guarded(|| {
        io_common::current_thread_all().block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            (&b).write_all(b"x").await.unwrap();
            a.readable().await.unwrap();
            // Someone else's attempt finds nothing after all.
            let err = a.try_io(Interest::READABLE, || {
                Err::<(), _>(io::ErrorKind::WouldBlock.into())
            });
            assert_eq!(err.unwrap_err().kind(), ErrorKind::WouldBlock);
            assert!(pending_once(a.readable()), "readiness was forgotten");
            // The byte is still there for the next event's reader, and a
            // new edge brings it.
            (&b).write_all(b"y").await.unwrap();
            let mut buf = [0; 4];
            let n = read_when_readable!(a, &mut buf).unwrap();
            assert_eq!(&buf[..n], b"xy");
        });
    });
}

#[test]
fn try_write_fills_the_socket_then_writable_waits_for_the_peer_to_drain() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, b) = tcp_pair().await;
            let chunk = vec![7u8; 64 * 1024];
            let mut sent = 0;
            loop {
                a.writable().await.unwrap();
                match a.try_write_vectored(&[IoSlice::new(&chunk), IoSlice::new(&chunk)]) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("{e}"),
                }
            }
            assert!(sent > 0);
            assert!(pending_once(a.writable()), "the send buffer is full");
            // The peer drains to EOF.
            let drain = spawn(async move {
                let mut got = 0;
                let mut buf = vec![0; 64 * 1024];
                loop {
                    let (head, tail) = buf.split_at_mut(1);
                    let mut bufs = [IoSliceMut::new(head), IoSliceMut::new(tail)];
                    b.readable().await.unwrap();
                    match b.try_read_vectored(&mut bufs) {
                        Ok(0) => return got,
                        Ok(n) => got += n,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            });
            a.writable().await.unwrap();
            let more = a.try_write(b"more").unwrap();
            assert!(more > 0);
            drop(a);
            assert_eq!(drain.await.unwrap(), sent + more);
        });
    });
}

#[test]
fn ready_for_both_reports_each_direction() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, b) = tcp_pair().await;
            let both = Interest::READABLE | Interest::WRITABLE;
            let ready = a.ready(both).await.unwrap();
            assert!(ready.is_writable());
            assert!(!ready.is_readable());
            (&b).write_all(b"z").await.unwrap();
            // Wait for the read side, then ask for both: both are reported.
            a.readable().await.unwrap();
            let ready = a.ready(both).await.unwrap();
            assert!(ready.is_readable() && ready.is_writable());
            assert!(!ready.is_read_closed());
        });
    });
}

#[test]
fn many_tasks_waiting_readable_on_one_udp_socket_each_get_a_datagram() {
    const TASKS: usize = 8;
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            let addr = socket.local_addr().unwrap();
            let receivers: Vec<_> = (0..TASKS)
                .map(|_| {
                    let socket = Arc::clone(&socket);
                    spawn(async move {
                        let mut buf = [0; 8];
                        loop {
                            socket.readable().await.unwrap();
                            match socket.try_recv_from(&mut buf) {
                                Ok((n, _)) => break buf[..n].to_vec(),
                                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                                Err(e) => panic!("{e}"),
                            }
                        }
                    })
                })
                .collect();
            taskcell_executor::time::sleep(Duration::from_millis(20)).await;
            let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            for i in 0..TASKS as u8 {
                sender.writable().await.unwrap();
                assert_eq!(sender.try_send_to(&[i], addr).unwrap(), 1);
                taskcell_executor::time::sleep(Duration::from_millis(2)).await;
            }
            let mut got: Vec<u8> = Vec::new();
            for receiver in receivers {
                got.extend(receiver.await.unwrap());
            }
            got.sort();
            assert_eq!(got, (0..TASKS as u8).collect::<Vec<_>>());
        });
    });
}

#[test]
fn udp_peek_takes_nothing_and_try_recv_would_block_when_empty() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();
            let mut buf = [0; 8];
            assert_eq!(
                a.try_recv(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            b.writable().await.unwrap();
            b.try_send(b"one").unwrap();
            assert_eq!(a.peek_sender().await.unwrap(), b.local_addr().unwrap());
            let (n, from) = a.peek_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"one"[..], b.local_addr().unwrap()));
            poll_fn(|cx| a.poll_recv_ready(cx)).await.unwrap();
            poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();
            assert_eq!(a.try_recv(&mut buf).unwrap(), 3, "peeked, not taken");
            assert_eq!(
                a.try_recv(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
        });
    });
}

#[test]
fn tcp_peek_and_the_halves_readiness() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, mut b) = tcp_pair().await;
            let (read, write) = a.into_split();
            b.write_all(b"abc").await.unwrap();
            let mut buf = [0; 8];
            let n = read.peek(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &b"abc"[..n]);
            let n = read_when_readable!(read, &mut buf).unwrap();
            assert!(n >= 1 && buf[..n] == b"abc"[..n]);
            write.writable().await.unwrap();
            assert_eq!(write.try_write(b"ok").unwrap(), 2);
            let mut back = [0; 2];
            b.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"ok");
            // Reunited, the stream still writes: the write half's drop did
            // not shut writing down.
            let mut a = read.reunite(write).unwrap();
            a.write_all(b"!").await.unwrap();
            b.read_exact(&mut back[..1]).await.unwrap();
            assert_eq!(&back[..1], b"!");
        });
    });
}

#[test]
fn halves_of_different_streams_do_not_reunite() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, _a_peer) = tcp_pair().await;
            let (b, mut b_peer) = tcp_pair().await;
            let (a_read, a_write) = a.into_split();
            let (b_read, b_write) = b.into_split();
            let err = a_read.reunite(b_write).unwrap_err();
            assert!(err.to_string().contains("not from the same socket"));
            let (a_read, b_write) = (err.0, err.1);
            // Both halves come back whole; the mismatched write half still
            // writes, and shuts down when dropped.
            let _a = a_read.reunite(a_write).unwrap();
            drop(b_read);
            b_write.writable().await.unwrap();
            assert_eq!(b_write.try_write(b"w").unwrap(), 1);
            drop(b_write);
            let mut got = Vec::new();
            b_peer.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"w");
        });
    });
}

#[test]
fn a_zero_linger_resets_the_connection() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, mut b) = tcp_pair().await;
            a.set_linger(Some(Duration::ZERO)).unwrap();
            assert_eq!(a.linger().unwrap(), Some(Duration::ZERO));
            a.set_ttl(9).unwrap();
            assert_eq!(a.ttl().unwrap(), 9);
            drop(a);
            let mut buf = [0; 1];
            let err = b.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        });
    });
}

/// `TCP_QUICKACK` reads back what was set, on both ends, around traffic
/// that still flows (tokio's `net_quickack`).
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn quickack_reads_back_on_both_ends_around_traffic() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (mut a, mut b) = tcp_pair().await;
            for stream in [&a, &b] {
                stream.set_quickack(true).unwrap();
                assert!(stream.quickack().unwrap());
            }
            a.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            b.read_exact(&mut buf).await.unwrap();
            b.write_all(&buf).await.unwrap();
            a.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            for stream in [&a, &b] {
                stream.set_quickack(false).unwrap();
                assert!(!stream.quickack().unwrap());
            }
        });
    });
}

/// `poll_peek` on a stream and on its read halves fills
/// tokio's `ReadBuf` after what it holds, takes nothing (the read that
/// follows gets the same bytes), waits while there is nothing, and reads
/// 0 at EOF.
#[test]
fn poll_peek_fills_a_read_buf_and_takes_nothing() {
    use tokio::io::ReadBuf;
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, mut b) = tcp_pair().await;
            let mut storage = [0u8; 8];
            let mut buf = ReadBuf::new(&mut storage);
            buf.put_slice(b">");
            assert!(pending_once(poll_fn(|cx| a.poll_peek(cx, &mut buf))));
            b.write_all(b"abc").await.unwrap();
            let n = poll_fn(|cx| a.poll_peek(cx, &mut buf)).await.unwrap();
            assert_eq!((n, buf.filled()), (3, &b">abc"[..]));
            let (mut read, write) = a.into_split();
            let mut storage = [0u8; 2];
            let mut buf = ReadBuf::new(&mut storage);
            let n = poll_fn(|cx| read.poll_peek(cx, &mut buf)).await.unwrap();
            assert_eq!((n, buf.filled()), (2, &b"ab"[..]), "cut to the room left");
            let mut got = [0; 3];
            read.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"abc", "a peek took data");
            drop(b);
            let mut storage = [0u8; 4];
            let mut buf = ReadBuf::new(&mut storage);
            let n = poll_fn(|cx| read.poll_peek(cx, &mut buf)).await.unwrap();
            assert_eq!(n, 0, "EOF");
            drop(write);
        });
    });
}

#[test]
fn readiness_fails_once_the_runtime_is_gone() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let (a, _b) = rt.block_on(tcp_pair());
        drop(rt);
        let other = io_common::current_thread_all();
        other.block_on(async {
            use taskcell_executor::is_rt_shutdown_err;
            assert!(is_rt_shutdown_err(&a.readable().await.unwrap_err()));
            assert!(is_rt_shutdown_err(
                &a.ready(Interest::WRITABLE).await.unwrap_err()
            ));
            // Readiness seen before the runtime went is still tried, as
            // in tokio: the peer is there, and takes the byte.
            assert_eq!(a.try_write(b"x").unwrap(), 1);
            // Nothing to read: the attempt clears the readiness it tried,
            // and from then on there is only the shutdown error.
            let mut buf = [0; 4];
            if let Err(err) = a.try_read(&mut buf) {
                assert!(
                    err.kind() == std::io::ErrorKind::WouldBlock || is_rt_shutdown_err(&err),
                    "{err}"
                );
            }
            assert!(is_rt_shutdown_err(&a.try_read(&mut buf).unwrap_err()));
            // A new socket on the same thread's new runtime is fine, and
            // its errors are other errors.
            let refused = TcpStream::connect(io_common::closed_port()).await;
            assert!(!is_rt_shutdown_err(&refused.unwrap_err()));
        });
    });
}

#[test]
fn buf_reads_fill_spare_capacity_and_advance() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            // A stream into a `BytesMut` with no spare capacity: it grows.
            let (a, b) = UnixStream::pair().unwrap();
            (&b).write_all(b"bytes").await.unwrap();
            let mut buf = bytes::BytesMut::new();
            while buf.len() < 5 {
                a.readable().await.unwrap();
                match a.try_read_buf(&mut buf) {
                    Ok(n) => assert!(n > 0),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            assert_eq!(&buf[..], b"bytes");

            // Datagrams into a `Vec`'s spare capacity, after what it holds.
            let x = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let y = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            x.connect(y.local_addr().unwrap()).await.unwrap();
            y.connect(x.local_addr().unwrap()).await.unwrap();
            let mut got = Vec::with_capacity(64);
            got.extend_from_slice(b"<");
            y.send(b"one").await.unwrap();
            assert_eq!(x.recv_buf(&mut got).await.unwrap(), 3);
            y.send(b"two").await.unwrap();
            let (n, from) = x.recv_buf_from(&mut got).await.unwrap();
            assert_eq!((n, from), (3, y.local_addr().unwrap()));
            assert_eq!(got, b"<onetwo");
            let err = x.try_recv_buf(&mut got).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            let err = x.try_recv_buf_from(&mut got).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            assert_eq!(got, b"<onetwo", "nothing appended by a failed read");
        });
    });
}

#[test]
fn try_io_runs_the_callers_own_syscall_on_the_descriptor() {
    use std::os::fd::AsRawFd;
    common::guarded(|| {
        io_common::current_thread_all().block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            (&b).write_all(b"raw").await.unwrap();
            let mut buf = [0u8; 8];
            let n = loop {
                a.readable().await.unwrap();
                let read = a.try_io(Interest::READABLE, || {
                    // SAFETY: `buf` is valid for writes of its length.
                    let n =
                        unsafe { libc::recv(a.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
                    usize::try_from(n).map_err(|_| io::Error::last_os_error())
                });
                match read {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    n => break n.unwrap(),
                }
            };
            assert_eq!(&buf[..n], b"raw");
        });
    });
}

/// One `recv(2)` on `fd`, without waiting: what `async_io`'s closures do.
fn raw_recv(fd: std::os::fd::RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of its length.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

#[test]
fn async_io_waits_then_retries_the_callers_operation_until_it_does_not_block() {
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            // Nothing to read: `f` is not called until a datagram comes.
            let a = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let calls = Arc::new(AtomicUsize::new(0));
            let waiter = spawn({
                let (a, calls) = (a.clone(), calls.clone());
                async move {
                    let mut buf = [0u8; 16];
                    let n = a
                        .async_io(Interest::READABLE, || {
                            calls.fetch_add(1, SeqCst);
                            raw_recv(a.as_raw_fd(), &mut buf)
                        })
                        .await
                        .unwrap();
                    buf[..n].to_vec()
                }
            });
            taskcell_executor::time::sleep(Duration::from_millis(20)).await;
            assert!(!waiter.is_finished());
            assert_eq!(calls.load(SeqCst), 0, "called before any readiness");
            b.send_to(b"dgram", a.local_addr().unwrap()).await.unwrap();
            let got = taskcell_executor::time::timeout(Duration::from_secs(10), waiter)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got, b"dgram");

            // Stale readiness: the data was taken behind the socket's back,
            // so the first call hits `WouldBlock`; the wait then lasts until
            // the peer writes again, and the second call reads.
            let (a, b) = UnixStream::pair().unwrap();
            (&b).write_all(b"first").await.unwrap();
            a.readable().await.unwrap();
            let mut buf = [0u8; 16];
            assert_eq!(raw_recv(a.as_raw_fd(), &mut buf).unwrap(), 5);
            let calls = AtomicUsize::new(0);
            let read = a.async_io(Interest::READABLE, || {
                calls.fetch_add(1, SeqCst);
                raw_recv(a.as_raw_fd(), &mut buf)
            });
            let write_later = async {
                taskcell_executor::time::sleep(Duration::from_millis(20)).await;
                (&b).write_all(b"second").await.unwrap();
            };
            let (n, ()) = futures::join!(read, write_later);
            assert_eq!(n.unwrap(), 6);
            assert_eq!(&buf[..6], b"second");
            assert_eq!(calls.load(SeqCst), 2);
        });
    });
}

#[test]
fn async_io_fails_once_the_runtime_is_gone() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let (a, _b) = rt.block_on(tcp_pair());
        drop(rt);
        let other = io_common::current_thread_all();
        other.block_on(async {
            let err = a
                .async_io(Interest::READABLE, || -> io::Result<()> {
                    unreachable!("no runtime to wait on")
                })
                .await
                .unwrap_err();
            assert!(taskcell_executor::is_rt_shutdown_err(&err), "{err}");
        });
    });
}

#[test]
fn unix_streams_split_reunite_and_connect_by_address() {
    use std::os::unix::net::SocketAddr as UnixAddr;
    use taskcell_executor::net::UnixListener;
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let path = std::env::temp_dir().join(format!(
                "taskcell-net-readiness-{}.sock",
                std::process::id()
            ));
            let _ = std::fs::remove_file(&path);
            let addr = UnixAddr::from_pathname(&path).unwrap();
            let listener = UnixListener::bind_addr(&addr).unwrap();
            let mut client = UnixStream::connect_addr(&addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();

            // Borrowed halves: one task reads and writes at once.
            let (mut reader, mut writer) = UnixStream::split(&mut client);
            writer.write_all(b"up").await.unwrap();
            let (mut s_read, mut s_write) = server.into_split();
            let mut two = [0; 2];
            s_read.readable().await.unwrap();
            s_read.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"up");
            s_write.writable().await.unwrap();
            s_write.write_all(b"dn").await.unwrap();
            reader.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"dn");

            // Reunited, the server end still writes; dropped, it is EOF.
            let server = s_read.reunite(s_write).unwrap();
            (&server).write_all(b"!").await.unwrap();
            drop(server);
            let mut rest = Vec::new();
            client.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"!");
            let std_stream = client.into_std().unwrap();
            assert!(std_stream.peer_addr().is_ok());
            drop(listener);
            std::fs::remove_file(&path).unwrap();
        });
    });
}

#[test]
fn udp_options_round_trip() {
    common::guarded(|| {
        io_common::current_thread_all().block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.set_tos(0x20).unwrap();
            assert_eq!(socket.tos_v4().unwrap(), 0x20);
            socket.set_ttl(7).unwrap();
            assert_eq!(socket.ttl().unwrap(), 7);
            socket.set_broadcast(true).unwrap();
            assert!(socket.broadcast().unwrap());
            socket.set_multicast_ttl_v4(3).unwrap();
            assert_eq!(socket.multicast_ttl_v4().unwrap(), 3);
            socket.set_multicast_loop_v4(false).unwrap();
            assert!(!socket.multicast_loop_v4().unwrap());
            assert_eq!(
                socket.peer_addr().unwrap_err().kind(),
                ErrorKind::NotConnected
            );
        });
    });
}

#[test]
fn an_error_alone_ends_only_a_wait_for_errors() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            // A connected UDP socket whose peer port is closed: its send
            // draws an ICMP port-unreachable, an error and nothing to read.
            let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let port = closed.local_addr().unwrap();
            drop(closed);
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            a.connect(port).await.unwrap();
            a.send(b"x").await.unwrap();
            let ready = a.ready(Interest::ERROR).await.unwrap();
            assert!(ready.is_error() && !ready.is_readable(), "{ready:?}");
            // As tokio's: a wait for readable does not end on the error,
            // and a try_recv without readiness does no system call.
            assert!(pending_once(a.ready(Interest::READABLE)));
            let mut buf = [0; 4];
            assert_eq!(
                a.try_recv(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert_eq!(
                a.take_error().unwrap().map(|e| e.kind()),
                Some(ErrorKind::ConnectionRefused)
            );
        });
    });
}

#[test]
fn a_forgotten_write_half_does_not_shut_writing_down() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, mut b) = tcp_pair().await;
            let (read, write) = a.into_split();
            assert!(write.as_ref().peer_addr().is_ok());
            write.forget();
            // No EOF yet: the peer's read is still pending.
            let mut buf = [0; 1];
            assert!(pending_once(b.read(&mut buf)));
            drop(read);
            assert_eq!(
                b.read(&mut buf).await.unwrap(),
                0,
                "EOF once the stream goes"
            );
        });
    });
}

/// As tokio's: an accepted socket is assumed readable and writable, so its
/// first read takes what the peer sent before the accept without waiting
/// for the driver's event, and a fresh pair's ends are writable at once. A
/// wrong guess costs one `WouldBlock`, after which the socket waits as any.
#[test]
fn accepted_sockets_and_fresh_pairs_try_the_socket_at_once() {
    use std::io::Write;
    use taskcell_executor::net::UnixListener;
    common::guarded(|| {
        // Current-thread: no driver turn runs between the accept and the
        // attempts below, so no event can have marked the socket ready.
        io_common::current_thread_all().block_on(async {
            let path = std::env::temp_dir()
                .join(format!("taskcell-net-assumed-{}.sock", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let listener = UnixListener::bind(&path).unwrap();
            // A Unix socket's write is in the peer's buffer when it returns.
            let mut peer = std::os::unix::net::UnixStream::connect(&path).unwrap();
            peer.write_all(b"hello").unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let mut buf = [0; 16];
            assert_eq!(server.try_read(&mut buf).unwrap(), 5);
            assert_eq!(&buf[..5], b"hello");
            assert_eq!(
                server.try_read(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert!(pending_once(server.readable()), "the guess is cleared");
            assert_eq!(server.try_write(b"x").unwrap(), 1);
            let _ = std::fs::remove_file(&path);

            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let _peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (server, _) = listener.accept().await.unwrap();
            assert!(!pending_once(server.writable()));
            assert_eq!(server.try_write(b"hi").unwrap(), 2);
            // The peer sent nothing: the assumed readability costs one
            // `WouldBlock`, then the socket waits.
            assert_eq!(
                server.try_read(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert!(pending_once(server.readable()));

            let (a, b) = UnixStream::pair().unwrap();
            assert!(!pending_once(a.writable()) && !pending_once(b.writable()));
            assert!(pending_once(a.readable()), "nothing written yet");
        });
    });
}

/// As tokio's: waiting for readiness spends none of the task's budget
/// (the attempts do), so a ready socket answers `Ready` however often one
/// poll of a task asks.
#[test]
fn readiness_waits_spend_no_budget() {
    use futures::FutureExt;
    common::guarded(|| {
        let rt = io_common::rt_all(1);
        rt.block_on(async {
            spawn(async {
                let (a, _b) = UnixStream::pair().unwrap();
                for i in 0..1_000 {
                    assert!(a.writable().now_or_never().is_some(), "wait {i}");
                    assert!(
                        a.ready(Interest::WRITABLE).now_or_never().is_some(),
                        "ready {i}"
                    );
                }
            })
            .await
            .unwrap();
        });
    });
}

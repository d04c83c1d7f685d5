//! `TcpSocket`: a socket bound and set up by hand becomes a listener and a
//! stream that carry bytes both ways, on IPv4 and (where the host has it)
//! IPv6; options set on it read back and take effect (`SO_REUSEPORT`
//! lets two listeners share a port, `TCP_NODELAY` is inherited by the
//! stream); a refused connect is a `ConnectionRefused` error, not a hang;
//! an abandoned connect leaves nothing registered; a blocking socket handed
//! over with `from_std_stream` still never blocks a worker; and outside a
//! runtime `connect` and `listen` panic naming themselves.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::future::Future;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::{TcpSocket, TcpStream};
use taskcell_executor::time::timeout;
use taskcell_executor::Runtime;

const LIMIT: Duration = Duration::from_secs(10);

/// Binds a listener to `listen_at` and a client to `client_at` (port 0:
/// the system picks), both made with `TcpSocket`, connects them and sends
/// a message each way. Checks the addresses each side sees.
async fn round_trip(
    new: fn() -> std::io::Result<TcpSocket>,
    listen_at: SocketAddr,
    client_at: SocketAddr,
) {
    let server = new().unwrap();
    server.set_reuseaddr(true).unwrap();
    server.bind(listen_at).unwrap();
    let listener = server.listen(16).unwrap();
    let server_addr = listener.local_addr().unwrap();
    assert_eq!(server_addr.ip(), listen_at.ip());

    let client = new().unwrap();
    client.bind(client_at).unwrap();
    let client_addr = client.local_addr().unwrap();
    assert_ne!(client_addr.port(), 0, "bind picked no port");

    let accept = taskcell_executor::spawn(async move {
        let (mut peer, from) = listener.accept().await.unwrap();
        let mut buf = [0; 5];
        peer.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello");
        peer.write_all(b"world").await.unwrap();
        from
    });
    let mut stream = timeout(LIMIT, client.connect(server_addr))
        .await
        .expect("connect hung")
        .unwrap();
    assert_eq!(stream.local_addr().unwrap(), client_addr);
    assert_eq!(stream.peer_addr().unwrap(), server_addr);
    stream.write_all(b"hello").await.unwrap();
    let mut buf = [0; 5];
    timeout(LIMIT, stream.read_exact(&mut buf))
        .await
        .expect("the reply never came")
        .unwrap();
    assert_eq!(&buf, b"world");
    let from = accept.await.unwrap();
    assert_eq!(from, client_addr, "the listener saw another client address");
}

#[test]
fn an_ipv4_socket_listens_and_connects() {
    common::guarded(|| {
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        io_common::rt_all(2).block_on(round_trip(TcpSocket::new_v4, loopback, loopback));
        io_common::current_thread_all().block_on(round_trip(TcpSocket::new_v4, loopback, loopback));
    });
}

#[test]
fn an_ipv6_socket_listens_and_connects_where_the_host_has_ipv6() {
    common::guarded(|| {
        // Hosts without IPv6, or without its loopback, cannot run this.
        if TcpSocket::new_v6().is_err()
            || std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_err()
        {
            eprintln!("no IPv6 loopback here; skipped");
            return;
        }
        let loopback = SocketAddr::from((Ipv6Addr::LOCALHOST, 0));
        io_common::rt_all(2).block_on(round_trip(TcpSocket::new_v6, loopback, loopback));
    });
}

#[test]
fn options_read_back_what_was_set() {
    let socket = TcpSocket::new_v4().unwrap();
    for on in [true, false, true] {
        socket.set_reuseaddr(on).unwrap();
        assert_eq!(socket.reuseaddr().unwrap(), on, "SO_REUSEADDR");
        socket.set_reuseport(on).unwrap();
        assert_eq!(socket.reuseport().unwrap(), on, "SO_REUSEPORT");
        socket.set_keepalive(on).unwrap();
        assert_eq!(socket.keepalive().unwrap(), on, "SO_KEEPALIVE");
        socket.set_nodelay(on).unwrap();
        assert_eq!(socket.nodelay().unwrap(), on, "TCP_NODELAY");
    }
    socket.set_linger(Some(Duration::from_secs(3))).unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(3)));
    socket.set_zero_linger().unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
    socket.set_linger(None).unwrap();
    assert_eq!(socket.linger().unwrap(), None);
    socket.set_tos_v4(0x20).unwrap();
    assert_eq!(socket.tos_v4().unwrap(), 0x20);
    // The system may round buffer sizes up, never below what was asked.
    let before = socket.recv_buffer_size().unwrap();
    socket.set_recv_buffer_size(before * 2).unwrap();
    assert!(socket.recv_buffer_size().unwrap() >= before * 2);
    socket.set_send_buffer_size(300_000).unwrap();
    assert!(socket.send_buffer_size().unwrap() >= 300_000);
    assert!(socket.take_error().unwrap().is_none());
}

#[test]
fn reuseport_lets_two_listeners_share_a_port() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let first = TcpSocket::new_v4().unwrap();
            first.set_reuseport(true).unwrap();
            first.bind((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
            let addr = first.local_addr().unwrap();
            let _first = first.listen(8).unwrap();

            // Without the option, the port is taken.
            let without = TcpSocket::new_v4().unwrap();
            let err = without.bind(addr).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");

            let second = TcpSocket::new_v4().unwrap();
            second.set_reuseport(true).unwrap();
            second.bind(addr).unwrap();
            let second = second.listen(8).unwrap();
            assert_eq!(second.local_addr().unwrap(), addr);
        });
    });
}

#[test]
fn the_stream_inherits_options_set_on_the_socket() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let listener = taskcell_executor::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let socket = TcpSocket::new_v4().unwrap();
            socket.set_nodelay(true).unwrap();
            socket.set_keepalive(true).unwrap();
            let stream = socket
                .connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            assert!(stream.nodelay().unwrap());
            assert!(socket2_keepalive(&stream));
        });
    });
}

/// `SO_KEEPALIVE` of a connected stream, read with a plain `getsockopt`.
fn socket2_keepalive(stream: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut on: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the descriptor is the stream's, open while `stream` is
    // borrowed; `on` and `len` are valid for writes of their sizes.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_KEEPALIVE,
            (&mut on as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    assert_eq!(rc, 0, "getsockopt: {}", std::io::Error::last_os_error());
    on != 0
}

/// Connects a fresh `TcpSocket` to a port nobody listens on, and expects
/// a refusal within the limit; then checks no registration is left.
fn expect_refused(rt: &Runtime) {
    let addr = io_common::closed_port();
    let before = rt.handle().io_registrations();
    let result = rt.block_on(async move {
        let socket = TcpSocket::new_v4().unwrap();
        timeout(LIMIT, socket.connect(addr))
            .await
            .expect("a refused connect hung")
    });
    match result {
        Ok(stream) => panic!("connected to {addr}, where nobody listens: {stream:?}"),
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}"),
    }
    let after = io_common::settle(LIMIT, before, || rt.handle().io_registrations());
    assert_eq!(after, before, "a refused connect left a registration");
}

#[test]
fn a_refused_connect_is_connection_refused() {
    common::guarded(|| {
        expect_refused(&io_common::rt_all(2));
        expect_refused(&io_common::current_thread_all());
    });
}

#[test]
fn a_connect_dropped_midway_leaves_no_registration() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        rt.block_on(async {
            // A listener whose accept queue is full ignores new handshakes
            // (Linux), so connects to it stay under way.
            let server = TcpSocket::new_v4().unwrap();
            server.bind((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
            let listener = server.listen(0).unwrap();
            let addr = listener.local_addr().unwrap();
            let handle = taskcell_executor::Handle::current();
            let before = handle.io_registrations();
            let mut pending_seen = 0;
            let mut held = Vec::new();
            for _ in 0..8 {
                let socket = TcpSocket::new_v4().unwrap();
                let mut connect = Box::pin(socket.connect(addr));
                let mut cx = Context::from_waker(Waker::noop());
                match connect.as_mut().poll(&mut cx) {
                    Poll::Pending => {
                        pending_seen += 1;
                        // Its own, beside the streams held.
                        assert_eq!(handle.io_registrations(), before + held.len() + 1);
                        drop(connect);
                    }
                    // Filled a place in the queue: keep it filled.
                    Poll::Ready(stream) => held.push(stream),
                }
                let after =
                    io_common::settle(LIMIT, before + held.len(), || handle.io_registrations());
                assert_eq!(
                    after,
                    before + held.len(),
                    "a dropped connect stayed registered"
                );
            }
            assert!(
                pending_seen > 0,
                "no connect was ever under way when dropped"
            );
        });
    });
}

#[test]
fn a_blocking_socket_from_std_stream_never_blocks_a_worker() {
    // If the socket stayed blocking, the second read below would block the
    // only thread, and its timeout could never fire: the watchdog reports.
    common::watchdog(Duration::from_secs(30), || {
        io_common::current_thread_all().block_on(async {
            let listener = taskcell_executor::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let blocking = std::net::TcpStream::from(
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap(),
            );
            let socket = TcpSocket::from_std_stream(blocking);
            let mut stream = socket
                .connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut peer, _) = listener.accept().await.unwrap();
            peer.write_all(b"four").await.unwrap();
            // A read that fills its buffer keeps the readiness: the next
            // read tries the socket itself.
            let mut buf = [0; 4];
            stream.read_exact(&mut buf).await.unwrap();
            let waited = timeout(Duration::from_millis(50), stream.read(&mut buf)).await;
            assert!(waited.is_err(), "read {waited:?} where nothing was sent");
        });
    });
}

/// Asserts that `f` panics, naming `needle`.
#[track_caller]
fn assert_panics_with(what: &str, needle: &str, f: impl FnOnce()) {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => panic!("{what} did not panic"),
        Err(payload) => {
            let msg = common::panic_message(&*payload);
            assert!(
                msg.contains("there is no reactor running"),
                "{what}: {msg:?}"
            );
            assert!(
                msg.contains(needle),
                "{what} panicked with {msg:?}, expected {needle:?}"
            );
        }
    }
}

#[test]
fn outside_a_runtime_connect_and_listen_panic_naming_themselves() {
    common::guarded(|| {
        // Options need no runtime.
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_nodelay(true).unwrap();
        socket.bind((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
        assert_panics_with("listen", "`TcpSocket::listen`", || {
            let _ = socket.listen(8);
        });
        let live = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = live.local_addr().unwrap();
        assert_panics_with("connect", "`TcpSocket::connect`", || {
            let socket = TcpSocket::new_v4().unwrap();
            let mut connect = pin!(socket.connect(addr));
            let _ = connect
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
        });
    });
}

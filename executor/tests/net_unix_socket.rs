//! `UnixSocket`: a stream socket bound by hand listens, and another, bound
//! to its own path, connects to it and carries bytes both ways; datagram
//! sockets bound by hand send and receive; a leading NUL names an abstract
//! socket (Linux); the wrong kind of socket is an error with tokio's
//! message, and the socket is closed, not leaked; a missing path and a
//! socket nobody listens on are errors; a connect dropped midway, or whose
//! runtime is gone, closes its socket and fails instead of hanging; a
//! blocking descriptor handed over never blocks a worker; and outside a
//! runtime `listen`, `connect` and `datagram` panic naming themselves,
//! before any listener is reached.
#![cfg(not(miri))]
#![cfg(unix)]

mod common;
mod io_common;

use std::future::Future;
use std::io::ErrorKind;
use std::os::fd::{FromRawFd, IntoRawFd};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Waker};
use std::time::Duration;

use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::{UnixSocket, UnixStream};
use taskcell_executor::spawn;
use taskcell_executor::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

/// A fresh directory in the temp dir for a test's sockets, removed (with
/// them) when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "taskcell-usock-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_stream_socket_listens_and_another_connects_from_its_own_path() {
    common::guarded(|| {
        let dir = TempDir::new("stream");
        let (server_path, client_path) = (dir.join("server.sock"), dir.join("client.sock"));
        io_common::rt_all(2).block_on(async move {
            let socket = UnixSocket::new_stream().unwrap();
            socket.bind(&server_path).unwrap();
            let listener = socket.listen(16).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_pathname(),
                Some(server_path.as_path())
            );

            let echo = spawn(async move {
                let (mut peer, from) = listener.accept().await.unwrap();
                let mut got = Vec::new();
                peer.read_to_end(&mut got).await.unwrap();
                peer.write_all(&got).await.unwrap();
                (from, got)
            });

            let socket = UnixSocket::new_stream().unwrap();
            socket.bind(&client_path).unwrap();
            let mut client = timeout(LIMIT, socket.connect(&server_path))
                .await
                .expect("connect hung")
                .unwrap();
            assert_eq!(
                client.peer_addr().unwrap().as_pathname(),
                Some(server_path.as_path())
            );
            assert_eq!(
                client.local_addr().unwrap().as_pathname(),
                Some(client_path.as_path())
            );
            client.write_all(b"hello").await.unwrap();
            client.shutdown().await.unwrap();
            let mut back = Vec::new();
            timeout(LIMIT, client.read_to_end(&mut back))
                .await
                .expect("the echo hung")
                .unwrap();
            assert_eq!(back, b"hello");
            let (from, got) = echo.await.unwrap();
            assert_eq!(got, b"hello");
            // The server saw the client's bound path.
            assert_eq!(from.as_pathname(), Some(client_path.as_path()));
        });
    });
}

#[test]
fn datagram_sockets_bound_by_hand_send_and_receive() {
    common::guarded(|| {
        let dir = TempDir::new("dgram");
        let (server_path, client_path) = (dir.join("server.sock"), dir.join("client.sock"));
        io_common::rt_all(2).block_on(async move {
            let socket = UnixSocket::new_datagram().unwrap();
            socket.bind(&server_path).unwrap();
            let server = socket.datagram().unwrap();
            let echo = spawn(async move {
                let mut buf = [0; 64];
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                let to = from.as_pathname().expect("the client is bound").to_owned();
                server.send_to(&buf[..n], &to).await.unwrap();
                to
            });

            let socket = UnixSocket::new_datagram().unwrap();
            socket.bind(&client_path).unwrap();
            let client = socket.datagram().unwrap();
            client.connect(&server_path).unwrap();
            client.send(b"ECHO").await.unwrap();
            let mut buf = [0; 16];
            let n = timeout(LIMIT, client.recv(&mut buf))
                .await
                .expect("no echo came back")
                .unwrap();
            assert_eq!(&buf[..n], b"ECHO");
            assert_eq!(echo.await.unwrap(), client_path);
        });
    });
}

/// On Linux, as tokio's: a path that starts with a NUL byte binds and
/// connects in the abstract namespace, for streams and datagrams.
#[cfg(target_os = "linux")]
#[test]
fn a_leading_nul_names_an_abstract_socket() {
    use std::os::linux::net::SocketAddrExt;
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let name = format!("taskcell-usock-abstract-{}", std::process::id());
            let path = format!("\0{name}");
            let socket = UnixSocket::new_stream().unwrap();
            socket.bind(&path).unwrap();
            let listener = socket.listen(8).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_abstract_name(),
                Some(name.as_bytes())
            );
            let client = timeout(LIMIT, UnixSocket::new_stream().unwrap().connect(&path))
                .await
                .expect("connect hung")
                .unwrap();
            assert_eq!(
                client.peer_addr().unwrap().as_abstract_name(),
                Some(name.as_bytes())
            );
            let (_peer, _) = timeout(LIMIT, listener.accept())
                .await
                .expect("accept hung")
                .unwrap();

            let dgram_name = format!("{name}-dgram");
            let socket = UnixSocket::new_datagram().unwrap();
            socket.bind(format!("\0{dgram_name}")).unwrap();
            let server = socket.datagram().unwrap();
            assert_eq!(
                server.local_addr().unwrap().as_abstract_name(),
                Some(dgram_name.as_bytes())
            );
            let client = UnixSocket::new_datagram().unwrap().datagram().unwrap();
            client
                .send_to(b"abs", format!("\0{dgram_name}"))
                .await
                .unwrap();
            let mut buf = [0; 8];
            let n = timeout(LIMIT, server.recv(&mut buf))
                .await
                .expect("recv hung")
                .unwrap();
            assert_eq!(&buf[..n], b"abs");
            assert!(!Path::new(&name).exists(), "an abstract bind made a file");
        });
    });
}

/// Sends a datagram to `path` and expects it refused: nothing is bound
/// there any more, so the socket that was is closed.
fn expect_closed_datagram(path: &Path, what: &str) {
    let probe = std::os::unix::net::UnixDatagram::unbound().unwrap();
    let sent = probe.send_to(b"?", path);
    assert!(
        matches!(&sent, Err(e) if e.kind() == ErrorKind::ConnectionRefused),
        "{what}: the failed socket is still open ({sent:?})"
    );
}

#[test]
fn the_wrong_kind_of_socket_is_an_error_and_is_closed() {
    common::guarded(|| {
        let dir = TempDir::new("kind");
        io_common::current_thread_all().block_on(async move {
            let path = dir.join("listen.sock");
            let socket = UnixSocket::new_datagram().unwrap();
            socket.bind(&path).unwrap();
            let err = socket.listen(8).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Other);
            assert_eq!(
                err.to_string(),
                "listen cannot be called on a datagram socket"
            );
            expect_closed_datagram(&path, "listen");

            let path = dir.join("connect.sock");
            let socket = UnixSocket::new_datagram().unwrap();
            socket.bind(&path).unwrap();
            let err = socket.connect(dir.join("nowhere.sock")).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Other);
            assert_eq!(
                err.to_string(),
                "connect cannot be called on a datagram socket"
            );
            expect_closed_datagram(&path, "connect");

            // A listening stream socket, handed over: if `datagram` leaked
            // it, a connect would still reach it.
            let path = dir.join("datagram.sock");
            let std_listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
            // SAFETY: the descriptor comes from `into_raw_fd`, so it is open
            // and owned by nothing else.
            let socket = unsafe { UnixSocket::from_raw_fd(std_listener.into_raw_fd()) };
            let err = socket.datagram().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Other);
            assert_eq!(
                err.to_string(),
                "datagram cannot be called on a stream socket"
            );
            let reached = std::os::unix::net::UnixStream::connect(&path);
            assert!(
                matches!(&reached, Err(e) if e.kind() == ErrorKind::ConnectionRefused),
                "datagram: the failed socket is still open ({reached:?})"
            );
        });
    });
}

#[test]
fn a_path_with_a_nul_inside_is_invalid_input() {
    let socket = UnixSocket::new_stream().unwrap();
    let err = socket.bind("/tmp/taskcell\0usock").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

#[test]
fn connecting_to_a_missing_path_or_a_socket_nobody_listens_on_fails() {
    common::guarded(|| {
        let dir = TempDir::new("refused");
        let rt = io_common::rt_all(2);
        let before = rt.handle().io_registrations();
        rt.block_on(async move {
            let missing = UnixSocket::new_stream().unwrap();
            let err = timeout(LIMIT, missing.connect(dir.join("absent.sock")))
                .await
                .expect("a connect to a missing path hung")
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");

            // Bound, but not listening.
            let path = dir.join("deaf.sock");
            let deaf = UnixSocket::new_stream().unwrap();
            deaf.bind(&path).unwrap();
            let err = timeout(LIMIT, UnixSocket::new_stream().unwrap().connect(&path))
                .await
                .expect("a refused connect hung")
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        });
        let after = io_common::settle(LIMIT, before, || rt.handle().io_registrations());
        assert_eq!(after, before, "a failed connect left a registration");
    });
}

#[test]
fn a_connect_dropped_midway_closes_its_socket() {
    common::guarded(|| {
        let dir = TempDir::new("dropped");
        let path = dir.join("server.sock");
        let rt = io_common::current_thread_all();
        rt.block_on(async move {
            let socket = UnixSocket::new_stream().unwrap();
            socket.bind(&path).unwrap();
            let listener = socket.listen(8).unwrap();
            let handle = taskcell_executor::Handle::current();
            let before = handle.io_registrations();

            let mut connect = Box::pin(UnixSocket::new_stream().unwrap().connect(&path));
            let polled = connect
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            // The system connected it at once; the driver has not yet said
            // that it is writable.
            assert!(polled.is_pending(), "{polled:?}");
            assert_eq!(handle.io_registrations(), before + 1);
            drop(connect);
            let after = io_common::settle(LIMIT, before, || handle.io_registrations());
            assert_eq!(after, before, "a dropped connect stayed registered");

            // The connection it made is there, and its far end is closed.
            let (mut peer, _) = timeout(LIMIT, listener.accept())
                .await
                .expect("the dropped connect reached no listener")
                .unwrap();
            let mut buf = [0; 4];
            let n = timeout(LIMIT, peer.read(&mut buf))
                .await
                .expect("the dropped connect's socket stayed open")
                .unwrap();
            assert_eq!(n, 0, "read {:?} from a dropped connect", &buf[..n]);
        });
    });
}

#[test]
fn a_connect_whose_runtime_is_gone_fails() {
    common::guarded(|| {
        let dir = TempDir::new("orphan");
        let path = dir.join("server.sock");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let rt = io_common::current_thread_all();
        // The future goes out of the `block_on` that first polled it, on
        // purpose.
        #[allow(clippy::async_yields_async)]
        let connect = rt.block_on(async {
            let mut connect: Pin<Box<dyn Future<Output = _> + Send>> =
                Box::pin(UnixSocket::new_stream().unwrap().connect(path.clone()));
            let polled = connect
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            assert!(polled.is_pending(), "{polled:?}");
            connect
        });
        drop(rt);
        let result: std::io::Result<UnixStream> = futures::executor::block_on(connect);
        let err = result.expect_err("connected on a runtime that is gone");
        assert!(taskcell_executor::is_rt_shutdown_err(&err), "{err:?}");
        drop(listener);
    });
}

#[test]
fn a_blocking_descriptor_handed_over_never_blocks_a_worker() {
    // If the socket stayed blocking, the second receive below would block
    // the only thread, and its timeout could never fire: the watchdog
    // reports.
    common::watchdog(Duration::from_secs(30), || {
        io_common::current_thread_all().block_on(async {
            let (blocking, other) = std::os::unix::net::UnixDatagram::pair().unwrap();
            // SAFETY: the descriptor comes from `into_raw_fd`, so it is open
            // and owned by nothing else.
            let socket = unsafe { UnixSocket::from_raw_fd(blocking.into_raw_fd()) };
            let socket = socket.datagram().unwrap();
            other.send(b"one").unwrap();
            let mut buf = [0; 8];
            let n = timeout(LIMIT, socket.recv(&mut buf))
                .await
                .expect("recv hung")
                .unwrap();
            assert_eq!(&buf[..n], b"one");
            let waited = timeout(Duration::from_millis(50), socket.recv(&mut buf)).await;
            assert!(
                waited.is_err(),
                "received {waited:?} where nothing was sent"
            );
        });
    });
}

/// Asserts that `f` panics with tokio's words and `needle`.
#[track_caller]
fn assert_panics_with(what: &str, needle: &str, f: impl FnOnce()) {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => panic!("{what} did not panic"),
        Err(payload) => {
            let msg = common::panic_message(&*payload);
            assert!(
                msg.starts_with("there is no reactor running"),
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
fn outside_a_runtime_listen_connect_and_datagram_panic_before_reaching_anyone() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let dir = TempDir::new("outside");

        // Making and binding need no runtime; listening does, and a socket
        // that panics there never listened.
        let path = dir.join("listen.sock");
        let socket = UnixSocket::new_stream().unwrap();
        socket.bind(&path).unwrap();
        assert_panics_with("listen", "`UnixSocket::listen`", || {
            let _ = socket.listen(8);
        });
        let reached = std::os::unix::net::UnixStream::connect(&path);
        assert!(
            matches!(&reached, Err(e) if e.kind() == ErrorKind::ConnectionRefused),
            "a panicking listen left a listener: {reached:?}"
        );

        // `connect` reaches no listener before its panic.
        let path = dir.join("connect.sock");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        listener.set_nonblocking(true).unwrap();
        assert_panics_with("connect", "`UnixSocket::connect`", || {
            let mut connect = pin!(UnixSocket::new_stream().unwrap().connect(&path));
            let _ = connect
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
        });
        let accepted = listener.accept();
        assert!(
            matches!(&accepted, Err(e) if e.kind() == ErrorKind::WouldBlock),
            "a panicking connect reached the listener: {accepted:?}"
        );

        let path = dir.join("datagram.sock");
        let socket = UnixSocket::new_datagram().unwrap();
        socket.bind(&path).unwrap();
        assert_panics_with("datagram", "`UnixSocket::datagram`", || {
            let _ = socket.datagram();
        });
        expect_closed_datagram(&path, "a panicking datagram");
    });
}

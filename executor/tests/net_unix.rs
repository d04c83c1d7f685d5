//! Unix domain sockets: a `UnixListener` bound to a temp-dir path serves
//! many concurrent echo clients that connect by path, and `UnixStream::pair`
//! carries bytes both ways and reports EOF when one end is dropped; outside
//! a runtime, `bind` and `connect` panic before they touch the path.
#![cfg(not(miri))]
#![cfg(unix)]

mod common;
mod io_common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use futures::io::{AsyncReadExt, AsyncWriteExt};
use io_common::{assert_bytes_eq, pattern};
use taskcell_executor::net::{UnixListener, UnixStream};
use taskcell_executor::spawn;

/// A fresh socket path in the temp dir, removed when dropped.
struct SocketPath(PathBuf);

impl SocketPath {
    fn new(tag: &str) -> SocketPath {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "taskcell-{tag}-{}-{}.sock",
            std::process::id(),
            NEXT.fetch_add(1, SeqCst)
        ));
        let _ = std::fs::remove_file(&path);
        SocketPath(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for SocketPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_unix_listener_serves_concurrent_echo_clients_by_path() {
    const CLIENTS: usize = 100;
    common::guarded(|| {
        let socket_path = SocketPath::new("echo");
        let path = socket_path.path().to_owned();
        io_common::rt_all(2).block_on(async move {
            let listener = UnixListener::bind(&path).unwrap();
            assert!(path.exists(), "bind created the socket file");
            let server = spawn(async move {
                let mut echoes = Vec::new();
                for _ in 0..CLIENTS {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    echoes.push(spawn(async move {
                        let mut buf = [0u8; 4096];
                        let mut total = 0;
                        loop {
                            let n = stream.read(&mut buf).await.unwrap();
                            if n == 0 {
                                return total;
                            }
                            stream.write_all(&buf[..n]).await.unwrap();
                            total += n;
                        }
                    }));
                }
                let mut total = 0;
                for e in echoes {
                    total += e.await.unwrap();
                }
                total
            });

            let len = |i: usize| 1 + (i * 997) % 20_000;
            let clients: Vec<_> = (0..CLIENTS)
                .map(|i| {
                    let path = path.clone();
                    spawn(async move {
                        let stream = UnixStream::connect(&path).await.unwrap();
                        let msg = pattern(i as u64, len(i));
                        let (mut rd, mut wr) = (&stream, &stream);
                        let write = async {
                            wr.write_all(&msg).await.unwrap();
                        };
                        let read = async {
                            let mut back = vec![0u8; msg.len()];
                            rd.read_exact(&mut back).await.unwrap();
                            back
                        };
                        let ((), back) = futures::join!(write, read);
                        assert_bytes_eq(&back, &msg, &format!("client {i}'s echo"));
                        // Hanging up ends the server's echo loop.
                        drop(stream);
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap();
            }
            let sent: usize = (0..CLIENTS).map(len).sum();
            assert_eq!(server.await.unwrap(), sent);
        });
        drop(socket_path);
    });
}

#[test]
fn connecting_to_a_path_nobody_listens_on_fails() {
    common::guarded(|| {
        let socket_path = SocketPath::new("absent");
        let err = io_common::rt_all(1)
            .block_on(UnixStream::connect(socket_path.path()))
            .expect_err("connected to a path with no socket");
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{err}");
    });
}

#[test]
fn a_pair_carries_bytes_both_ways_and_reports_eof_after_a_drop() {
    common::guarded(|| {
        io_common::current_thread_all().block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            // More than a socket buffer each way, from two tasks at once.
            let to_b = pattern(1, 1 << 20);
            let to_a = pattern(2, 1 << 20);
            let b_side = {
                let (to_b, to_a) = (to_b.clone(), to_a.clone());
                spawn(async move {
                    let (mut rd, mut wr) = (&b, &b);
                    let send = async { wr.write_all(&to_a).await.unwrap() };
                    let recv = async {
                        let mut got = vec![0u8; to_b.len()];
                        rd.read_exact(&mut got).await.unwrap();
                        got
                    };
                    let ((), got) = futures::join!(send, recv);
                    assert_bytes_eq(&got, &to_b, "a to b");
                    b
                })
            };
            let mut got = vec![0u8; to_a.len()];
            let (mut rd, mut wr) = (&a, &a);
            let ((), ()) = futures::join!(async { wr.write_all(&to_b).await.unwrap() }, async {
                rd.read_exact(&mut got).await.unwrap()
            },);
            assert_bytes_eq(&got, &to_a, "b to a");
            b = b_side.await.unwrap();

            b.write_all(b"bye").await.unwrap();
            drop(b);
            let mut rest = Vec::new();
            a.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"bye");
            assert_eq!(a.read(&mut [0u8; 8]).await.unwrap(), 0, "EOF stays EOF");
        });
    });
}

/// On Linux, as tokio's: a path that starts with a NUL byte binds and
/// connects in the abstract namespace (no file is made), and the socket
/// reports that name.
#[cfg(target_os = "linux")]
#[test]
fn a_leading_nul_names_an_abstract_socket() {
    use std::os::linux::net::SocketAddrExt;
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let name = format!("taskcell-abstract-{}", std::process::id());
            let path = format!("\0{name}");
            let listener = UnixListener::bind(&path).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_abstract_name(),
                Some(name.as_bytes())
            );
            let server = spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut buf = [0; 5];
                stream.read_exact(&mut buf).await.unwrap();
                stream.write_all(&buf).await.unwrap();
            });
            let mut client = UnixStream::connect(&path).await.unwrap();
            assert_eq!(
                client.peer_addr().unwrap().as_abstract_name(),
                Some(name.as_bytes())
            );
            client.write_all(b"hello").await.unwrap();
            let mut buf = [0; 5];
            client.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello");
            server.await.unwrap();
            assert!(!std::path::Path::new(&name).exists());
        });
    });
}

#[test]
fn outside_a_runtime_bind_and_connect_panic_before_touching_the_path() {
    common::quiet_expected_panics();
    common::guarded(|| {
        // `bind` makes no socket file before its panic.
        let unbound = SocketPath::new("outside-bind");
        let payload = std::panic::catch_unwind(|| drop(UnixListener::bind(unbound.path())))
            .expect_err("bind outside a runtime");
        let msg = common::panic_message(&*payload);
        assert!(msg.contains("`UnixListener::bind`"), "{msg:?}");
        assert!(
            !unbound.path().exists(),
            "a panicking bind left a socket file"
        );

        // `connect` reaches no listener before its panic.
        let served = SocketPath::new("outside-connect");
        let listener = std::os::unix::net::UnixListener::bind(served.path()).unwrap();
        listener.set_nonblocking(true).unwrap();
        let payload = std::panic::catch_unwind(|| {
            drop(futures::executor::block_on(UnixStream::connect(
                served.path(),
            )))
        })
        .expect_err("connect outside a runtime");
        let msg = common::panic_message(&*payload);
        assert!(msg.contains("`UnixStream::connect`"), "{msg:?}");
        let accepted = listener.accept();
        assert!(
            matches!(&accepted, Err(err) if err.kind() == std::io::ErrorKind::WouldBlock),
            "a panicking connect reached the listener: {accepted:?}"
        );
    });
}

//! TCP echo: a thousand concurrent clients on a two-worker runtime each get
//! exactly their own bytes back, and the halves of a split stream read and
//! write at the same time from different tasks.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use io_common::{assert_bytes_eq, pattern};
use taskcell_executor::net::{TcpListener, TcpStream};
use taskcell_executor::{spawn, JoinHandle};

const CLIENTS: usize = 1_000;

/// The length of client `i`'s message: a few KiB, different for
/// neighbouring clients.
fn message_len(i: usize) -> usize {
    1024 + (i * 773) % 7168
}

/// Raises the soft limit on open files to what `want` descriptors need, if
/// the hard limit allows: a thousand connections hold two thousand.
fn raise_fd_limit(want: u64) {
    // SAFETY: `getrlimit`/`setrlimit` only read and write the struct passed.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// Echoes everything it reads until the peer closes; returns the bytes
/// echoed.
async fn echo(mut stream: TcpStream) -> usize {
    let mut buf = vec![0u8; 4096];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await.expect("server read");
        if n == 0 {
            return total;
        }
        stream.write_all(&buf[..n]).await.expect("server write");
        total += n;
    }
}

#[test]
fn a_thousand_concurrent_clients_each_get_exactly_their_bytes_back() {
    raise_fd_limit(2 * CLIENTS as u64 + 256);
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            assert!(addr.ip().is_loopback());
            assert_ne!(addr.port(), 0);

            // The server accepts exactly CLIENTS connections, one echo task
            // each, and reports the peer addresses accept gave it and the
            // bytes each connection echoed.
            let server: JoinHandle<(Vec<SocketAddr>, usize)> = spawn(async move {
                let mut peers = Vec::with_capacity(CLIENTS);
                let mut echoes = Vec::with_capacity(CLIENTS);
                for _ in 0..CLIENTS {
                    let (stream, peer) = listener.accept().await.expect("accept");
                    assert_eq!(stream.peer_addr().unwrap(), peer);
                    assert_eq!(stream.local_addr().unwrap(), addr);
                    peers.push(peer);
                    echoes.push(spawn(echo(stream)));
                }
                let mut total = 0;
                for e in echoes {
                    total += e.await.expect("echo task");
                }
                (peers, total)
            });

            let clients: Vec<JoinHandle<SocketAddr>> = (0..CLIENTS)
                .map(|i| {
                    spawn(async move {
                        let mut stream = TcpStream::connect(addr).await.expect("connect");
                        assert_eq!(stream.peer_addr().unwrap(), addr);
                        let msg = pattern(i as u64, message_len(i));
                        stream.write_all(&msg).await.expect("client write");
                        let mut back = vec![0u8; msg.len()];
                        stream.read_exact(&mut back).await.expect("client read");
                        assert_bytes_eq(&back, &msg, &format!("client {i}'s echo"));
                        stream.local_addr().unwrap()
                    })
                })
                .collect();

            let mut client_addrs = HashSet::new();
            for c in clients {
                assert!(client_addrs.insert(c.await.expect("client task")));
            }
            let (peers, echoed) = server.await.expect("server task");
            let peers: HashSet<SocketAddr> = peers.into_iter().collect();
            assert_eq!(peers.len(), CLIENTS, "accept returned a peer twice");
            assert_eq!(peers, client_addrs, "accept's peers are the clients");
            let sent: usize = (0..CLIENTS).map(message_len).sum();
            assert_eq!(echoed, sent, "the server echoed every byte once");
        });
    });
}

#[test]
fn owned_halves_read_and_write_from_two_tasks_while_the_server_echoes_through_borrowed_halves() {
    const LEN: usize = 4 << 20;
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                // Called by path: with `AsyncReadExt` in scope, `stream.split()`
                // would pick its by-value `split`, not the inherent borrowing one.
                let (mut rd, mut wr) = TcpStream::split(&mut stream);
                // Reads and writes at once: the client sends all of its
                // 4 MiB before it needs anything back, more than the
                // socket buffers hold.
                let copied = futures::io::copy(&mut rd, &mut wr).await.unwrap();
                wr.close().await.unwrap();
                copied
            });

            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut rd, mut wr) = stream.into_split();
            let data = Arc::new(pattern(7, LEN));
            let written = Arc::new(AtomicUsize::new(0));

            let writer = {
                let data = data.clone();
                let written = written.clone();
                spawn(async move {
                    // Uneven chunks, so writes and reads do not line up.
                    let mut at = 0;
                    let mut chunk = 1;
                    while at < data.len() {
                        let end = (at + chunk).min(data.len());
                        wr.write_all(&data[at..end]).await.unwrap();
                        written.fetch_add(end - at, SeqCst);
                        at = end;
                        chunk = chunk * 3 % 65_521 + 1;
                    }
                    wr.close().await.unwrap();
                })
            };
            let reader = spawn(async move {
                let mut got = Vec::with_capacity(LEN);
                rd.read_to_end(&mut got).await.unwrap();
                got
            });

            let got = reader.await.unwrap();
            writer.await.unwrap();
            assert_eq!(written.load(SeqCst), LEN);
            assert_bytes_eq(&got, &data, "the echo read through the owned read half");
            assert_eq!(server.await.unwrap(), LEN as u64);
        });
    });
}

#[test]
fn a_borrowed_split_reads_and_writes_concurrently_in_one_task() {
    const LEN: usize = 1 << 20;
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let (mut rd, mut wr) = stream.into_split();
                futures::io::copy(&mut rd, &mut wr).await.unwrap()
            });

            let mut stream = TcpStream::connect(addr).await.unwrap();
            let data = pattern(11, LEN);
            // Called by path: with `AsyncReadExt` in scope, `stream.split()`
            // would pick its by-value `split`, not the inherent borrowing one.
            let (mut rd, mut wr) = TcpStream::split(&mut stream);
            let write = async {
                wr.write_all(&data).await.unwrap();
                wr.close().await.unwrap();
            };
            let read = async {
                let mut got = vec![0u8; LEN];
                rd.read_exact(&mut got).await.unwrap();
                got
            };
            let ((), got) = futures::join!(write, read);
            assert_bytes_eq(&got, &data, "the echo read through the borrowed read half");
            assert_eq!(server.await.unwrap(), LEN as u64);
        });
    });
}

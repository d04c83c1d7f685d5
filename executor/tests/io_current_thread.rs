//! A current-thread runtime with `enable_all`: `block_on` drives the I/O
//! driver and the timers itself — it serves a TCP echo and sleeps from
//! spawned tasks, all on the calling thread; wakes from its parked state
//! for a timer or for readiness caused by another thread; and tasks waiting
//! on a socket between two `block_on` calls resume in the next one.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::io::{Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use futures::io::{AsyncReadExt, AsyncWriteExt};
use io_common::{assert_bytes_eq, pattern};
use taskcell_executor::net::{TcpListener, TcpStream};
use taskcell_executor::spawn;
use taskcell_executor::time::sleep;

#[test]
fn block_on_serves_a_tcp_echo_with_sleeps_from_spawned_tasks_on_its_own_thread() {
    const CLIENTS: usize = 50;
    common::guarded(|| {
        let rt = io_common::current_thread_all();
        let caller = thread::current().id();
        let total = rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spawn(async move {
                let mut echoes = Vec::new();
                for _ in 0..CLIENTS {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    echoes.push(spawn(async move {
                        assert_eq!(thread::current().id(), caller);
                        let mut buf = [0u8; 1024];
                        let mut total = 0;
                        loop {
                            let n = stream.read(&mut buf).await.unwrap();
                            if n == 0 {
                                return total;
                            }
                            // A timer between read and write, on the same
                            // thread as the socket.
                            sleep(Duration::from_millis(1)).await;
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
            let clients: Vec<_> = (0..CLIENTS)
                .map(|i| {
                    spawn(async move {
                        assert_eq!(thread::current().id(), caller);
                        // Staggered starts.
                        sleep(Duration::from_millis((i % 10) as u64 * 3)).await;
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        let mut sent = 0;
                        for round in 0..3u64 {
                            let msg = pattern(i as u64 * 10 + round, 100 + i * 37);
                            stream.write_all(&msg).await.unwrap();
                            let mut back = vec![0u8; msg.len()];
                            stream.read_exact(&mut back).await.unwrap();
                            assert_bytes_eq(&back, &msg, &format!("client {i} round {round}"));
                            sent += msg.len();
                        }
                        sent
                    })
                })
                .collect();
            let mut sent = 0;
            for c in clients {
                sent += c.await.unwrap();
            }
            assert_eq!(
                server.await.unwrap(),
                sent,
                "the server echoed every byte once"
            );
            sent
        });
        assert_eq!(
            total,
            (0..CLIENTS).map(|i| 3 * (100 + i * 37)).sum::<usize>()
        );
    });
}

#[test]
fn block_on_parks_until_a_timer_is_due() {
    common::guarded(|| {
        let rt = io_common::current_thread_all();
        for ms in [1, 10, 40] {
            let start = Instant::now();
            let d = Duration::from_millis(ms);
            rt.block_on(async move { sleep(d).await });
            assert!(start.elapsed() >= d, "sleep({ms} ms) ended early");
        }
        // Several sleeping tasks, the longest last: block_on waits for it.
        let start = Instant::now();
        let order = rt.block_on(async {
            let tasks: Vec<_> = [30u64, 10, 20]
                .into_iter()
                .map(|ms| {
                    spawn(async move {
                        sleep(Duration::from_millis(ms)).await;
                        (ms, Instant::now())
                    })
                })
                .collect();
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.unwrap());
            }
            out
        });
        for (ms, at) in order {
            assert!(
                at >= start + Duration::from_millis(ms),
                "{ms} ms sleeper early"
            );
        }
    });
}

#[test]
fn block_on_wakes_from_its_park_when_another_thread_makes_a_socket_ready() {
    common::guarded(|| {
        let rt = io_common::current_thread_all();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let peer = thread::spawn(move || {
            // Connect and write late: the runtime has nothing else to do
            // and is parked in its driver by then.
            thread::sleep(Duration::from_millis(50));
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            thread::sleep(Duration::from_millis(50));
            s.write_all(b"wake up").unwrap();
            let mut reply = [0u8; 2];
            s.read_exact(&mut reply).unwrap();
            reply
        });
        rt.block_on(async {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 7];
            stream.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"wake up");
            stream.write_all(b"ok").await.unwrap();
        });
        assert_eq!(&peer.join().unwrap(), b"ok");
    });
}

#[test]
fn a_task_waiting_on_a_socket_resumes_at_the_next_block_on() {
    common::guarded(|| {
        let rt = io_common::current_thread_all();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut peer = std::net::TcpStream::connect(addr).unwrap();
        let (stream, _) = rt.block_on(listener.accept()).unwrap();
        let reader = rt.spawn(async move {
            let mut stream = stream;
            let mut buf = Vec::new();
            stream.read_to_end(&mut buf).await.unwrap();
            buf
        });
        // Let the reader start and park on its socket.
        rt.block_on(async { sleep(Duration::from_millis(20)).await });
        assert!(!reader.is_finished());
        // The data arrives while no block_on runs.
        peer.write_all(b"between calls").unwrap();
        drop(peer);
        thread::sleep(Duration::from_millis(20));
        assert!(
            !reader.is_finished(),
            "a current-thread task ran without block_on"
        );
        assert_eq!(rt.block_on(reader).unwrap(), b"between calls");
    });
}

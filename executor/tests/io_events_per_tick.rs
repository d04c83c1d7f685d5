//! `Builder::max_io_events_per_tick` and `max_io_events_per_busy_tick`: a
//! driver that takes one readiness event per turn, or per turn of a busy
//! worker, still delivers every event (those left over wait in the kernel
//! for the next turn), on both flavours.
#![cfg(not(miri))]

use std::time::Duration;

use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::{TcpListener, TcpStream};
use taskcell_executor::{time, Builder, Runtime};

fn echo_many(rt: &Runtime) {
    rt.block_on(async {
        // A task that always has more to do: the workers' looks at the
        // driver do not wait, and take the busy cap.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spinner = taskcell_executor::spawn({
            let done = std::sync::Arc::clone(&done);
            async move {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    taskcell_executor::task::yield_now().await;
                }
            }
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        taskcell_executor::spawn(async move {
            loop {
                let (mut peer, _) = listener.accept().await.unwrap();
                taskcell_executor::spawn(async move {
                    let mut buf = [0; 64];
                    loop {
                        match peer.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => peer.write_all(&buf[..n]).await.unwrap(),
                        }
                    }
                });
            }
        });
        let clients: Vec<_> = (0..32u8)
            .map(|i| {
                taskcell_executor::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    for round in 0..20u8 {
                        stream.write_all(&[i, round]).await.unwrap();
                        let mut back = [0; 2];
                        stream.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, [i, round]);
                    }
                })
            })
            .collect();
        for client in clients {
            time::timeout(Duration::from_secs(20), client)
                .await
                .expect("an event was lost")
                .unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        spinner.await.unwrap();
    });
}

#[test]
fn one_event_per_tick_loses_none_on_a_current_thread_runtime() {
    let rt = Builder::new_current_thread()
        .enable_all()
        .max_io_events_per_tick(1)
        .build()
        .unwrap();
    echo_many(&rt);
}

#[test]
fn one_event_per_tick_loses_none_on_a_multi_thread_runtime() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .max_io_events_per_tick(1)
        .build()
        .unwrap();
    echo_many(&rt);
}

#[test]
fn one_event_per_busy_tick_loses_none_on_a_current_thread_runtime() {
    let rt = Builder::new_current_thread()
        .enable_all()
        .event_interval(2)
        .max_io_events_per_busy_tick(1)
        .build()
        .unwrap();
    echo_many(&rt);
}

#[test]
fn one_event_per_busy_tick_loses_none_on_a_multi_thread_runtime() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .event_interval(2)
        .max_io_events_per_busy_tick(1)
        .build()
        .unwrap();
    echo_many(&rt);
}

#[test]
#[should_panic(expected = "max_io_events_per_busy_tick must be non-zero")]
fn zero_events_per_busy_tick_is_refused() {
    Builder::new_current_thread().max_io_events_per_busy_tick(0);
}

#[test]
#[should_panic(expected = "max_io_events_per_tick must be non-zero")]
fn zero_events_per_tick_is_refused() {
    Builder::new_current_thread().max_io_events_per_tick(0);
}

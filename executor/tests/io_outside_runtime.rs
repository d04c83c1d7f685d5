//! Timers and sockets need their driver: outside any runtime, timer
//! functions panic saying "no timer running" and socket constructors
//! "no reactor running"; on a runtime built without the driver they panic
//! with tokio's words, which name the builder method that turns it on,
//! `enable_time` or `enable_io` — while the other driver, if enabled, works.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::Context;
use std::time::Duration;
use taskcell_executor::time::Instant;

use futures::executor::block_on;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use futures::FutureExt;
use taskcell_executor::net::{TcpListener, TcpStream, UdpSocket};
use taskcell_executor::time::{interval, interval_at, sleep, sleep_until, timeout, timeout_at};
use taskcell_executor::{Builder, Runtime};

const LIMIT: Duration = Duration::from_secs(60);
const MS: Duration = Duration::from_millis(1);

/// Polls `fut` once with a waker that does nothing.
fn poll_once<F: Future>(fut: F) {
    let mut fut = pin!(fut);
    let _ = fut
        .as_mut()
        .poll(&mut Context::from_waker(futures::task::noop_waker_ref()));
}

/// The six ways to make a timer, each made and polled once.
fn timer_uses() -> [(&'static str, fn()); 6] {
    [
        ("sleep", || poll_once(sleep(MS))),
        ("sleep_until", || {
            poll_once(sleep_until(Instant::now() + MS))
        }),
        ("timeout", || {
            poll_once(timeout(MS, futures::future::pending::<()>()))
        }),
        ("timeout_at", || {
            poll_once(timeout_at(
                Instant::now() + MS,
                futures::future::pending::<()>(),
            ))
        }),
        ("interval", || {
            let mut iv = interval(MS);
            poll_once(iv.tick());
            poll_once(iv.tick());
        }),
        ("interval_at", || {
            let mut iv = interval_at(Instant::now() + MS, MS);
            poll_once(iv.tick());
        }),
    ]
}

/// tokio's panic texts for a runtime without timers and without I/O
/// (tokio's own tests match them).
const NO_TIME: &str = "A Tokio 1.x context was found, but timers are disabled. Call \
                       `enable_time` on the runtime builder to enable timers.";
const NO_IO: &str = "A Tokio 1.x context was found, but IO is disabled. Call `enable_io` on \
                     the runtime builder to enable IO.";

/// Asserts that `f` panics with a message containing `needle`.
#[track_caller]
fn assert_panics_with(what: &str, needle: &str, f: impl FnOnce()) {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => panic!("{what} did not panic"),
        Err(payload) => {
            let msg = common::panic_message(&*payload);
            assert!(
                msg.contains(needle),
                "{what} panicked with {msg:?}, expected {needle:?}"
            );
        }
    }
}

/// The same for a future: it panics when run to completion (or sooner).
async fn assert_future_panics_with<F: Future>(what: &str, needle: &str, fut: F) {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(_) => panic!("{what} did not panic"),
        Err(payload) => {
            let msg = common::panic_message(&*payload);
            assert!(
                msg.contains(needle),
                "{what} panicked with {msg:?}, expected {needle:?}"
            );
        }
    }
}

/// A live std listener to connect to, so a connect that fails to panic
/// ends instead of hanging.
fn live_listener() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap()
}

/// Runtimes of both flavours with neither driver, or only the other one.
fn runtimes_without(missing: &str) -> Vec<(&'static str, Runtime)> {
    let other = |b: &mut Builder| -> Runtime {
        match missing {
            "time" => b.enable_io().build().unwrap(),
            "io" => b.enable_time().build().unwrap(),
            _ => unreachable!(),
        }
    };
    vec![
        (
            "multi-thread, no drivers",
            Builder::new_multi_thread()
                .worker_threads(1)
                .build()
                .unwrap(),
        ),
        (
            "current-thread, no drivers",
            Builder::new_current_thread().build().unwrap(),
        ),
        (
            "multi-thread, other driver",
            other(Builder::new_multi_thread().worker_threads(1)),
        ),
        (
            "current-thread, other driver",
            other(&mut Builder::new_current_thread()),
        ),
    ]
}

#[test]
fn timers_outside_any_runtime_panic_saying_no_timer_running() {
    common::watchdog(LIMIT, || {
        for (name, use_timer) in timer_uses() {
            assert_panics_with(name, "no timer running", use_timer);
        }
    });
}

#[test]
fn sockets_made_outside_any_runtime_panic_saying_no_reactor_running() {
    common::watchdog(LIMIT, || {
        const NEEDLE: &str = "no reactor running";
        assert_panics_with("TcpListener::bind", NEEDLE, || {
            drop(block_on(TcpListener::bind("127.0.0.1:0")));
        });
        let live = live_listener();
        let addr = live.local_addr().unwrap();
        assert_panics_with("TcpStream::connect", NEEDLE, || {
            drop(block_on(TcpStream::connect(addr)));
        });
        assert_panics_with("UdpSocket::bind", NEEDLE, || {
            drop(block_on(UdpSocket::bind("127.0.0.1:0")));
        });
        // from_std panics at the call itself.
        let std_listener = live_listener();
        assert_panics_with("TcpListener::from_std", NEEDLE, || {
            drop(TcpListener::from_std(std_listener));
        });
        let std_stream = std::net::TcpStream::connect(addr).unwrap();
        assert_panics_with("TcpStream::from_std", NEEDLE, || {
            drop(TcpStream::from_std(std_stream));
        });
        #[cfg(unix)]
        {
            let path =
                std::env::temp_dir().join(format!("taskcell-outside-{}.sock", std::process::id()));
            let _ = std::fs::remove_file(&path);
            assert_panics_with("UnixListener::bind", NEEDLE, || {
                drop(taskcell_executor::net::UnixListener::bind(&path));
            });
            let _ = std::fs::remove_file(&path);
        }
    });
}

#[test]
fn timers_on_a_runtime_without_time_panic_naming_enable_time() {
    common::watchdog(LIMIT, || {
        for (flavour, rt) in runtimes_without("time") {
            // In block_on ...
            rt.block_on(async {
                for (name, use_timer) in timer_uses() {
                    assert_panics_with(
                        &format!("{name} in block_on, {flavour}"),
                        NO_TIME,
                        use_timer,
                    );
                }
            });
            // ... and in a spawned task, where the panic becomes the task's.
            for (name, use_timer) in timer_uses() {
                let err = rt
                    .block_on(rt.spawn(async move { use_timer() }))
                    .expect_err("a timer worked without enable_time");
                assert!(err.is_panic(), "{name}, {flavour}: {err}");
                let msg = common::panic_message(&*err.into_panic());
                assert!(
                    msg.starts_with(NO_TIME),
                    "{name}, {flavour}: panicked with {msg:?}"
                );
            }
        }
    });
}

#[test]
fn sockets_on_a_runtime_without_io_panic_naming_enable_io() {
    common::watchdog(LIMIT, || {
        const NEEDLE: &str = NO_IO;
        let live = live_listener();
        let addr = live.local_addr().unwrap();
        for (flavour, rt) in runtimes_without("io") {
            rt.block_on(async {
                let what = |name: &str| format!("{name}, {flavour}");
                assert_future_panics_with(
                    &what("TcpListener::bind"),
                    NEEDLE,
                    TcpListener::bind("127.0.0.1:0"),
                )
                .await;
                assert_future_panics_with(
                    &what("TcpStream::connect"),
                    NEEDLE,
                    TcpStream::connect(addr),
                )
                .await;
                assert_future_panics_with(
                    &what("UdpSocket::bind"),
                    NEEDLE,
                    UdpSocket::bind("127.0.0.1:0"),
                )
                .await;
                let std_listener = live_listener();
                assert_panics_with(&what("TcpListener::from_std"), NEEDLE, || {
                    drop(TcpListener::from_std(std_listener));
                });
                let std_stream = std::net::TcpStream::connect(addr).unwrap();
                assert_panics_with(&what("TcpStream::from_std"), NEEDLE, || {
                    drop(TcpStream::from_std(std_stream));
                });
                #[cfg(unix)]
                {
                    let path = std::env::temp_dir()
                        .join(format!("taskcell-no-io-{}.sock", std::process::id()));
                    let _ = std::fs::remove_file(&path);
                    assert_panics_with(&what("UnixListener::bind"), NEEDLE, || {
                        drop(taskcell_executor::net::UnixListener::bind(&path));
                    });
                    let _ = std::fs::remove_file(&path);
                }
            });
            // In a spawned task, the panic becomes the task's.
            let err = rt
                .block_on(rt.spawn(async { drop(TcpListener::bind("127.0.0.1:0").await) }))
                .expect_err("a socket was made without enable_io");
            let msg = common::panic_message(&*err.into_panic());
            assert!(
                msg.starts_with(NEEDLE),
                "spawned bind, {flavour}: panicked with {msg:?}"
            );
        }
    });
}

#[test]
fn each_driver_works_on_a_runtime_that_enables_only_it() {
    common::watchdog(LIMIT, || {
        for mut builder in [Builder::new_multi_thread(), Builder::new_current_thread()] {
            let time_only = builder.enable_time().build().unwrap();
            time_only.block_on(async {
                let deadline = Instant::now() + Duration::from_millis(5);
                sleep_until(deadline).await;
                assert!(Instant::now() >= deadline);
            });
        }
        for mut builder in [Builder::new_multi_thread(), Builder::new_current_thread()] {
            let io_only = builder.enable_io().build().unwrap();
            io_only.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let mut client = TcpStream::connect(listener.local_addr().unwrap())
                    .await
                    .unwrap();
                let (mut server, _) = listener.accept().await.unwrap();
                client.write_all(b"io only").await.unwrap();
                let mut buf = [0u8; 7];
                server.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"io only");
            });
        }
    });
}

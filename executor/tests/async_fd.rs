//! `io::unix::AsyncFd` over nonblocking socket pairs: a wait for
//! readability ends only when the peer writes; `clear_ready` (and a guard's
//! `try_io` that hits `WouldBlock`) makes the next wait wait for a new
//! event, while a kept readiness ends it at once; `into_inner` and drop
//! deregister the descriptor (it can be registered again) without closing
//! it unless `T` closes it; every task waiting on one `AsyncFd` wakes, and
//! a woken wait ends even if another task cleared the readiness first; a
//! regular file is refused, with the value given back; once the runtime is
//! gone every operation fails with its shutdown error instead of hanging,
//! a wait in flight included; outside a runtime `new` panics with tokio's
//! words.
#![cfg(not(miri))]
#![cfg(unix)]

mod common;
mod io_common;

use std::future::{poll_fn, Future};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use taskcell_executor::io::unix::AsyncFd;
use taskcell_executor::io::{Interest, Ready};
use taskcell_executor::time::timeout;
use taskcell_executor::{is_rt_shutdown_err, Handle, Runtime};

/// How long a test body may run; each takes milliseconds unless a wake-up
/// is lost.
const LIMIT: Duration = Duration::from_secs(20);

/// How long an awaited readiness may take before the test calls it lost.
const WAIT: Duration = Duration::from_secs(10);

/// A connected pair; the first end nonblocking (the one to wrap).
fn pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    (a, b)
}

/// Whether `fut` is ready at its first poll (with a waker that does
/// nothing).
fn ready_now<F: Future>(fut: F) -> bool {
    pin!(fut)
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_ready()
}

/// Reads what `fd` holds until `WouldBlock`, without clearing anything.
fn drain(fd: &UnixStream) -> usize {
    let mut buf = [0u8; 64];
    let mut total = 0;
    loop {
        match (&*fd).read(&mut buf) {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Both flavours, each test body run on each.
fn runtimes() -> [(&'static str, Runtime); 2] {
    [
        ("current_thread", io_common::current_thread_all()),
        ("multi_thread", io_common::rt_all(2)),
    ]
}

#[test]
fn readable_waits_for_the_peer_then_clear_ready_waits_again() {
    common::watchdog(LIMIT, || {
        for (flavour, rt) in runtimes() {
            rt.block_on(async {
                let (a, mut b) = pair();
                let a = AsyncFd::new(a).unwrap();
                assert!(
                    !ready_now(a.readable()),
                    "{flavour}: readable before any write"
                );

                b.write_all(b"one").unwrap();
                let mut guard = timeout(WAIT, a.readable()).await.unwrap().unwrap();
                assert!(guard.ready().is_readable(), "{flavour}");
                assert_eq!(drain(guard.get_inner()), 3);
                // Kept readiness: the next wait ends at once, though the
                // descriptor is drained.
                guard.retain_ready();
                assert!(ready_now(a.readable()), "{flavour}: a kept readiness");
                // Cleared: the next wait waits for a new event.
                a.readable().await.unwrap().clear_ready();
                assert!(!ready_now(a.readable()), "{flavour}: cleared, yet ready");

                b.write_all(b"two").unwrap();
                let guard = timeout(WAIT, a.readable()).await.unwrap().unwrap();
                assert_eq!(drain(guard.get_inner()), 3, "{flavour}");
            });
        }
    });
}

#[test]
fn try_io_that_would_block_clears_readiness_and_others_keep_it() {
    common::watchdog(LIMIT, || {
        for (flavour, rt) in runtimes() {
            rt.block_on(async {
                let (a, mut b) = pair();
                let a = AsyncFd::new(a).unwrap();
                b.write_all(b"data").unwrap();
                let mut buf = [0u8; 16];

                let mut guard = timeout(WAIT, a.readable()).await.unwrap().unwrap();
                let n = guard.try_io(|fd| fd.get_ref().read(&mut buf)).unwrap();
                assert_eq!(n.unwrap(), 4, "{flavour}");
                assert!(guard.ready().is_readable(), "{flavour}: a success keeps it");
                drop(guard);

                // Ready still (kept), but drained: `WouldBlock` clears it.
                let mut guard = a.readable().await.unwrap();
                assert!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err());
                assert!(guard.ready().is_empty(), "{flavour}");
                drop(guard);
                assert!(
                    !ready_now(a.readable()),
                    "{flavour}: WouldBlock kept readiness"
                );

                // The same through the mutable guard and `AsyncFd::try_io`.
                let mut a = a;
                b.write_all(b"x").unwrap();
                let mut guard = timeout(WAIT, a.readable_mut()).await.unwrap().unwrap();
                assert_eq!(
                    guard
                        .try_io(|fd| fd.get_mut().read(&mut buf))
                        .unwrap()
                        .unwrap(),
                    1
                );
                assert!(guard.try_io(|fd| fd.get_mut().read(&mut buf)).is_err());
                drop(guard);
                assert!(
                    !ready_now(a.readable()),
                    "{flavour}: mut guard kept readiness"
                );
                let err = a
                    .try_io(Interest::READABLE, |s| (&*s).read(&mut buf))
                    .unwrap_err();
                assert_eq!(
                    err.kind(),
                    io::ErrorKind::WouldBlock,
                    "not ready: not called"
                );
            });
        }
    });
}

#[test]
fn clear_ready_matching_clears_only_what_it_names() {
    common::watchdog(LIMIT, || {
        io_common::current_thread_all().block_on(async {
            let (a, mut b) = pair();
            // Written before the registration: its first event says both.
            b.write_all(b"x").unwrap();
            let a = AsyncFd::new(a).unwrap();
            let both = Interest::READABLE | Interest::WRITABLE;
            let mut guard = timeout(WAIT, a.ready(both)).await.unwrap().unwrap();
            assert!(guard.ready().is_readable() && guard.ready().is_writable());
            guard.clear_ready_matching(Ready::READABLE);
            assert!(!guard.ready().is_readable() && guard.ready().is_writable());
            drop(guard);
            assert!(!ready_now(a.readable()), "readable was cleared");
            assert!(ready_now(a.writable()), "writable was kept");
        });
    });
}

#[test]
fn async_io_waits_and_retries_until_the_peer_writes() {
    common::watchdog(LIMIT, || {
        for (flavour, rt) in runtimes() {
            rt.block_on(async {
                let (a, b) = pair();
                let mut a = AsyncFd::new(a).unwrap();
                let attempts = AtomicUsize::new(0);
                let writer = std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    (&b).write_all(b"late").unwrap();
                    b
                });
                let mut buf = [0u8; 4];
                let n = timeout(
                    WAIT,
                    a.async_io_mut(Interest::READABLE, |s| {
                        attempts.fetch_add(1, SeqCst);
                        s.read(&mut buf)
                    }),
                )
                .await
                .unwrap()
                .unwrap();
                assert!(n > 0 && buf[..n] == b"late"[..n], "{flavour}");
                assert!(attempts.load(SeqCst) >= 1);
                let _b = writer.join().unwrap();
                // Nothing to read: each attempt's `WouldBlock` is cleared,
                // so `async_io` waits instead of spinning.
                let before = attempts.load(SeqCst);
                drain(a.get_ref());
                let mut read = pin!(a.async_io(Interest::READABLE, |s| {
                    attempts.fetch_add(1, SeqCst);
                    (&*s).read(&mut [0u8; 4])
                }));
                for _ in 0..3 {
                    let polled = poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
                    assert!(polled.is_pending(), "{flavour}");
                }
                assert!(attempts.load(SeqCst) - before <= 1, "{flavour}: it spun");
            });
        }
    });
}

#[test]
fn into_inner_deregisters_and_gives_back_an_open_descriptor() {
    common::watchdog(LIMIT, || {
        let rt = io_common::rt_all(2);
        let handle = rt.handle().clone();
        rt.block_on(async {
            let before = handle.io_registrations();
            let (a, mut b) = pair();
            let a = AsyncFd::new(a).unwrap();
            assert_eq!(handle.io_registrations(), before + 1);
            let a = a.into_inner();
            assert_eq!(handle.io_registrations(), before, "into_inner deregisters");
            // Deregistered from the poller too: it can be registered again
            // (a second `EPOLL_CTL_ADD` of a registered descriptor fails).
            let a = AsyncFd::new(a).unwrap().into_inner();
            // Open and usable, blocking again if asked.
            a.set_nonblocking(false).unwrap();
            b.write_all(b"ok").unwrap();
            let mut buf = [0u8; 2];
            (&a).read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"ok");
            (&a).write_all(b"back").unwrap();
            let mut buf = [0u8; 4];
            b.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"back");
        });
    });
}

#[test]
fn drop_deregisters_and_closes_only_what_t_owns() {
    common::watchdog(LIMIT, || {
        let rt = io_common::current_thread_all();
        let handle = rt.handle().clone();
        rt.block_on(async {
            let before = handle.io_registrations();
            // A borrowed descriptor: `RawFd` closes nothing when dropped.
            let (a, mut b) = pair();
            let raw: RawFd = a.as_raw_fd();
            drop(AsyncFd::new(raw).unwrap());
            assert_eq!(handle.io_registrations(), before, "drop deregisters");
            b.write_all(b"hi").unwrap();
            let fd = AsyncFd::new(raw).expect("deregistered, so it registers again");
            let guard = timeout(WAIT, fd.readable()).await.unwrap().unwrap();
            assert_eq!(drain(&a), 2, "still open");
            drop(guard);
            drop(fd);
            (&a).write_all(b"x").unwrap();

            // An owning `T` closes it when the `AsyncFd` drops: the peer
            // reads EOF.
            drop(AsyncFd::new(a).unwrap());
            let mut rest = Vec::new();
            b.read_to_end(&mut rest).unwrap();
            assert_eq!(rest, b"x");
        });
    });
}

#[test]
fn every_task_waiting_readable_on_one_async_fd_wakes() {
    const TASKS: usize = 2;
    common::watchdog(LIMIT, || {
        for (flavour, rt) in runtimes() {
            rt.block_on(async {
                let (a, mut b) = pair();
                let a = Arc::new(AsyncFd::new(a).unwrap());
                let parked = Arc::new(AtomicUsize::new(0));
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let (a, parked) = (a.clone(), parked.clone());
                        taskcell_executor::spawn(async move {
                            let mut readable = pin!(a.readable());
                            let first = poll_fn(|cx| Poll::Ready(readable.as_mut().poll(cx))).await;
                            assert!(first.is_pending(), "readable before the write");
                            parked.fetch_add(1, SeqCst);
                            readable.await.unwrap().ready()
                        })
                    })
                    .collect();
                timeout(WAIT, async {
                    while parked.load(SeqCst) < TASKS {
                        taskcell_executor::yield_now().await;
                    }
                })
                .await
                .expect("the tasks did not park");
                b.write_all(b"!").unwrap();
                for task in tasks {
                    let ready = timeout(WAIT, task).await.expect("a waiter was not woken");
                    assert!(ready.unwrap().is_readable(), "{flavour}");
                }
            });
        }
    });
}

#[test]
fn a_woken_waiter_completes_though_another_cleared_the_readiness_first() {
    // As tokio's readiness futures: a wait that an event woke ends, even
    // if a task polled before it cleared that readiness (here without
    // reading, so no new event will ever come for the byte left).
    const TASKS: usize = 3;
    common::watchdog(LIMIT, || {
        for (flavour, rt) in runtimes() {
            rt.block_on(async {
                let (a, mut b) = pair();
                let a = Arc::new(AsyncFd::new(a).unwrap());
                let parked = Arc::new(AtomicUsize::new(0));
                let cleared = Arc::new(AtomicUsize::new(0));
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let (a, parked, cleared) = (a.clone(), parked.clone(), cleared.clone());
                        taskcell_executor::spawn(async move {
                            let mut readable = pin!(a.readable());
                            let first = poll_fn(|cx| Poll::Ready(readable.as_mut().poll(cx))).await;
                            assert!(first.is_pending(), "readable before the write");
                            parked.fetch_add(1, SeqCst);
                            let mut guard = readable.await.unwrap();
                            // The first to get here clears at once.
                            if cleared.fetch_add(1, SeqCst) == 0 {
                                guard.clear_ready();
                            }
                        })
                    })
                    .collect();
                timeout(WAIT, async {
                    while parked.load(SeqCst) < TASKS {
                        taskcell_executor::yield_now().await;
                    }
                })
                .await
                .expect("the tasks did not park");
                b.write_all(b"!").unwrap();
                for task in tasks {
                    timeout(WAIT, task)
                        .await
                        .unwrap_or_else(|_| panic!("{flavour}: a woken waiter waits on"))
                        .unwrap();
                }
            });
        }
    });
}

#[test]
fn a_regular_file_is_refused_and_given_back() {
    common::watchdog(LIMIT, || {
        io_common::current_thread_all().block_on(async {
            let file =
                std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
            let (file, err) = AsyncFd::try_new(file).unwrap_err().into_parts();
            assert_eq!(err.raw_os_error(), Some(libc::EPERM), "{err}");
            assert!(
                file.metadata().unwrap().is_file(),
                "the file came back open"
            );
            let err = AsyncFd::with_interest(file, Interest::READABLE).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EPERM), "{err}");
        });
    });
}

/// Every operation of `fd` fails with the runtime's shutdown error.
async fn assert_all_fail(fd: &mut AsyncFd<UnixStream>) {
    let gone = |err: io::Error| assert!(is_rt_shutdown_err(&err), "{err}");
    gone(fd.readable().await.unwrap_err());
    gone(fd.writable().await.unwrap_err());
    gone(fd.ready(Interest::ERROR).await.unwrap_err());
    gone(fd.readable_mut().await.unwrap_err());
    gone(
        poll_fn(|cx| fd.poll_read_ready(cx).map_ok(drop))
            .await
            .unwrap_err(),
    );
    gone(
        poll_fn(|cx| fd.poll_write_ready_mut(cx).map_ok(drop))
            .await
            .unwrap_err(),
    );
    gone(
        fd.async_io(Interest::READABLE, |_| Ok(()))
            .await
            .unwrap_err(),
    );
    // Readiness seen before the runtime went is still tried, as in tokio;
    // once an attempt finds nothing, the shutdown error follows.
    if let Err(err) = fd.try_io(Interest::WRITABLE, |_| {
        Err::<(), _>(io::ErrorKind::WouldBlock.into())
    }) {
        if err.kind() != io::ErrorKind::WouldBlock {
            gone(err);
        }
    }
    gone(fd.try_io(Interest::WRITABLE, |_| Ok(())).unwrap_err());
}

#[test]
fn after_the_runtime_is_gone_every_operation_fails_without_hanging() {
    common::watchdog(LIMIT, || {
        for (flavour, rt) in runtimes() {
            let (a, mut b) = pair();
            let mut fd = rt.block_on(async { AsyncFd::new(a).unwrap() });
            drop(rt);
            b.write_all(b"x").unwrap();
            // Polled from another runtime, and from no runtime at all.
            io_common::current_thread_all().block_on(assert_all_fail(&mut fd));
            futures::executor::block_on(assert_all_fail(&mut fd));
            // The descriptor is still open, and comes back.
            let a = fd.into_inner();
            assert_eq!(drain(&a), 1, "{flavour}");
        }
    });
}

#[test]
fn a_wait_in_flight_ends_with_an_error_when_the_runtime_shuts_down() {
    common::watchdog(LIMIT, || {
        let rt = io_common::rt_all(1);
        let (a, _b) = pair();
        let fd = rt.block_on(async { AsyncFd::new(a).unwrap() });
        // Waited on from a thread outside that runtime.
        let (parked_tx, parked_rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            futures::executor::block_on(async {
                let mut readable = pin!(fd.readable());
                let first = poll_fn(|cx| Poll::Ready(readable.as_mut().poll(cx))).await;
                assert!(first.is_pending());
                parked_tx.send(()).unwrap();
                readable.await.map(drop)
            })
        });
        parked_rx.recv().unwrap();
        drop(rt);
        let err = waiter.join().unwrap().unwrap_err();
        assert!(is_rt_shutdown_err(&err), "{err}");
    });
}

#[test]
fn outside_a_runtime_new_panics_with_tokios_words() {
    let (a, _b) = pair();
    let panic = catch_unwind(AssertUnwindSafe(|| AsyncFd::new(a))).unwrap_err();
    let msg = common::panic_message(&*panic);
    assert!(
        msg.starts_with(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
        ),
        "{msg}"
    );
    assert!(msg.contains("AsyncFd::new"), "{msg}");
    assert!(Handle::try_current().is_err());
}

/// TCP urgent data raises `EPOLLPRI`: a wait for `Interest::PRIORITY` on
/// an `AsyncFd` registered for it ends only then, in every waiting task,
/// and the guard says priority.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn priority_waits_end_on_urgent_data_in_every_waiting_task() {
    use std::net::{TcpListener, TcpStream};
    common::watchdog(LIMIT, || {
        for (flavour, rt) in runtimes() {
            rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
                let (server, _) = listener.accept().unwrap();
                server.set_nonblocking(true).unwrap();
                let fd = Arc::new(
                    AsyncFd::with_interest(server, Interest::READABLE | Interest::PRIORITY)
                        .unwrap(),
                );
                // Ordinary data is not priority data.
                (&client).write_all(b"plain").unwrap();
                timeout(WAIT, fd.readable())
                    .await
                    .unwrap()
                    .unwrap()
                    .retain_ready();
                assert!(!ready_now(fd.ready(Interest::PRIORITY)), "{flavour}");

                let parked = Arc::new(AtomicUsize::new(0));
                let waiters: Vec<_> = (0..2)
                    .map(|_| {
                        let (fd, parked) = (fd.clone(), parked.clone());
                        taskcell_executor::spawn(async move {
                            let mut wait = pin!(fd.ready(Interest::PRIORITY));
                            let first = poll_fn(|cx| Poll::Ready(wait.as_mut().poll(cx))).await;
                            assert!(first.is_pending(), "priority before the urgent byte");
                            parked.fetch_add(1, SeqCst);
                            wait.await.unwrap().ready()
                        })
                    })
                    .collect();
                timeout(WAIT, async {
                    while parked.load(SeqCst) < 2 {
                        taskcell_executor::yield_now().await;
                    }
                })
                .await
                .expect("the waiters did not park");
                socket2::SockRef::from(&client)
                    .send_out_of_band(b"!")
                    .unwrap();
                for waiter in waiters {
                    let ready = timeout(WAIT, waiter).await.expect("a waiter was not woken");
                    assert!(ready.unwrap().is_priority(), "{flavour}");
                }
                // The urgent byte is there to take.
                let mut urgent = [std::mem::MaybeUninit::new(0u8); 4];
                let n = fd
                    .try_io(Interest::PRIORITY, |s| {
                        socket2::SockRef::from(s).recv_out_of_band(&mut urgent)
                    })
                    .unwrap();
                assert_eq!(n, 1, "{flavour}");
            });
        }
    });
}

//! Signals through the runtime's driver: a raised signal reaches every
//! listener of it, on either flavour and across runtimes; deliveries
//! between two `recv`s count as one; `ctrl_c` completes at `SIGINT` (which
//! then no longer ends the process); forbidden signals are refused with
//! tokio's error kind and words; a runtime without I/O makes `signal`
//! panic in tokio's words; and a listener's `recv` ends when its runtime
//! does. Each test raises its own signal, since the process (and its
//! handlers) is shared by the tests, and the tests that build a runtime
//! run one at a time: a delivery is broadcast by whichever listening
//! runtime's driver looks first, so another test's driver could look
//! between two raises that one test counts as one delivery.
#![cfg(all(unix, not(miri)))]

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::Duration;

use taskcell_executor::signal::unix::{signal, SignalKind};
use taskcell_executor::time::timeout;
use taskcell_executor::Builder;

/// One runtime-building test of this file at a time (module docs).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial<R: Send + 'static>(body: impl FnOnce() -> R + Send + 'static) -> R {
    let _alone = common::lock(&SERIAL);
    common::guarded(body)
}

/// Bounds a wait for a delivery that should come at once.
const LIMIT: Duration = Duration::from_secs(10);

fn raise(signum: libc::c_int) {
    // SAFETY: `raise` has no preconditions; every signal raised here has a
    // handler installed first.
    assert_eq!(unsafe { libc::raise(signum) }, 0);
}

#[test]
fn every_listener_gets_a_raised_signal_on_both_flavours() {
    serial(|| {
        let multi = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let current = Builder::new_current_thread().enable_all().build().unwrap();
        let (mut a, mut b) = multi.block_on(async {
            (
                signal(SignalKind::user_defined1()).unwrap(),
                signal(SignalKind::user_defined1()).unwrap(),
            )
        });
        let mut c = current.block_on(async { signal(SignalKind::user_defined1()).unwrap() });
        raise(libc::SIGUSR1);
        let on_multi = multi.spawn(async move {
            timeout(LIMIT, a.recv()).await.unwrap().unwrap();
            timeout(LIMIT, b.recv()).await.unwrap().unwrap();
            a
        });
        current.block_on(async { timeout(LIMIT, c.recv()).await.unwrap().unwrap() });
        drop(multi.block_on(on_multi).unwrap());
        // Three deliveries before the next look count as one. The look is
        // the current-thread runtime's, which looks at nothing while no
        // `block_on` runs; the multi-thread runtime goes first, as its
        // parked workers could look between two of the raises.
        drop(multi);
        for _ in 0..3 {
            raise(libc::SIGUSR1);
        }
        current.block_on(async {
            timeout(LIMIT, c.recv()).await.unwrap().unwrap();
            let mut next = pin!(c.recv());
            taskcell_executor::time::sleep(Duration::from_millis(20)).await;
            assert!(next
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_pending());
        });
    });
}

#[test]
fn ctrl_c_completes_at_sigint() {
    serial(|| {
        let rt = Builder::new_multi_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let mut ctrl_c = pin!(taskcell_executor::signal::ctrl_c());
            assert!(ctrl_c
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_pending());
            raise(libc::SIGINT);
            timeout(LIMIT, ctrl_c).await.unwrap().unwrap();
        });
    });
}

#[test]
fn forbidden_and_out_of_range_signals_are_refused_as_tokio_refuses_them() {
    let _alone = common::lock(&SERIAL);
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        // tokio's kind and words: "Refusing to register signal N" for the
        // forbidden ones and those not positive, "signal too large" past
        // the last.
        for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::Other, "{signum}");
            assert_eq!(
                err.to_string(),
                format!("Refusing to register signal {signum}")
            );
        }
        let err = signal(SignalKind::from_raw(1000)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::Other);
        assert_eq!(err.to_string(), "signal too large");
    });
}

#[test]
fn recv_ends_when_the_runtime_does() {
    serial(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let mut hangups = rt.block_on(async { signal(SignalKind::window_change()).unwrap() });
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let other = Builder::new_current_thread().enable_all().build().unwrap();
            let end = other.block_on(async {
                tx.send(()).unwrap();
                hangups.recv().await
            });
            assert_eq!(end, None);
        });
        rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        drop(rt);
        waiter.join().unwrap();
    });
}

#[test]
fn a_signal_outside_a_runtime_panics_with_the_fix() {
    common::quiet_expected_panics();
    let err = std::panic::catch_unwind(|| signal(SignalKind::user_defined2())).unwrap_err();
    let message = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or_default();
    assert!(message.contains("needs a taskcell runtime"), "{message}");
}

#[test]
fn a_signal_in_a_runtime_without_io_panics_in_tokios_words() {
    common::quiet_expected_panics();
    let _alone = common::lock(&SERIAL);
    let rt = Builder::new_current_thread().build().unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { signal(SignalKind::user_defined2()) })
    }))
    .unwrap_err();
    let message = common::payload_str(&*err).unwrap_or_default();
    assert!(
        message.starts_with(
            "there is no signal driver running, must be called from the context of Tokio runtime"
        ),
        "{message}"
    );
    assert!(message.contains("`enable_io`"), "{message}");
}

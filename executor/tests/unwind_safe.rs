//! Unwind safety, as tokio's: the runtime, its handles, the sockets and the
//! timers may be used inside `catch_unwind` (tokio's own suite asserts the
//! same of its types), and a runtime whose `block_on` panicked goes on
//! running tasks, timers and sockets afterwards.
#![cfg(not(miri))]

mod common;

use std::panic::{self, RefUnwindSafe, UnwindSafe};
use std::time::Duration;

use common::{ExpectedPanic, EXPECTED};
use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::{net, task, time, Builder, Handle, JoinHandle, Runtime, RuntimeMetrics};

fn is_unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}

#[test]
fn runtime_handles_sockets_and_timers_are_unwind_safe() {
    is_unwind_safe::<Runtime>();
    is_unwind_safe::<Handle>();
    is_unwind_safe::<RuntimeMetrics>();
    is_unwind_safe::<JoinHandle<()>>();
    // Whatever the output: the handle never lends it out.
    is_unwind_safe::<JoinHandle<std::cell::Cell<u8>>>();
    is_unwind_safe::<task::AbortHandle>();
    is_unwind_safe::<net::TcpListener>();
    is_unwind_safe::<net::TcpStream>();
    is_unwind_safe::<net::UdpSocket>();
    is_unwind_safe::<net::UnixListener>();
    is_unwind_safe::<net::UnixStream>();
    is_unwind_safe::<time::Sleep>();
    is_unwind_safe::<time::Interval>();
}

/// `catch_unwind(|| rt.block_on(..))` compiles without `AssertUnwindSafe`
/// and, once the panic is caught, the same runtime spawns, sleeps and moves
/// bytes between sockets as before: nothing was left half-updated.
#[test]
fn a_runtime_goes_on_after_a_caught_panic_in_block_on() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let flavours = [
            Builder::new_current_thread().enable_all().build().unwrap(),
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ];
        for rt in flavours {
            let (a, b) = rt.block_on(async { net::UnixStream::pair() }).unwrap();
            let pending = rt.spawn(async { time::sleep(Duration::from_millis(20)).await });
            let caught = panic::catch_unwind(|| {
                rt.block_on(async {
                    // A timer armed and a task spawned by the panicking
                    // future stay the runtime's.
                    let sleep = time::sleep(Duration::from_millis(10));
                    let mut sleep = std::pin::pin!(sleep);
                    let _ = futures::poll!(sleep.as_mut());
                    panic::panic_any(ExpectedPanic(1));
                })
            });
            let payload = caught.expect_err("the future panicked");
            assert_eq!(payload.downcast_ref(), Some(&ExpectedPanic(1)));
            // The handles, borrowed into the closure, work as before.
            let echoed = rt.block_on(async move {
                pending.await.expect("the sleep spawned before the panic");
                let writer = taskcell_executor::spawn(async move {
                    let mut a = a;
                    a.write_all(b"after").await.unwrap();
                    a
                });
                let mut b = b;
                let mut buf = [0; 5];
                b.read_exact(&mut buf).await.unwrap();
                writer.await.unwrap();
                time::sleep(Duration::from_millis(1)).await;
                buf
            });
            assert_eq!(&echoed, b"after");
            // A panic in a task is still the task's.
            let task = rt.spawn(async { panic!("{EXPECTED} in a task") });
            assert!(rt.block_on(task).unwrap_err().is_panic());
        }
    });
}

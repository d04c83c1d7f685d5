//! Shutting a runtime down behaves as tokio's: the futures it drops run
//! their `Drop`s inside its context (`Handle::try_current()` works there,
//! and a spawn from there is cancelled, not a panic), and a shutdown that
//! waits for nothing (`shutdown_timeout(0)`, `shutdown_background`) may be
//! called inside another runtime's task.
#![cfg(not(miri))]

mod common;

use std::sync::mpsc;
use std::time::Duration;

use taskcell_executor::{Handle, Runtime};

/// What a pending future's `Drop` saw of the runtime context.
#[derive(Debug, PartialEq)]
struct Seen {
    in_context: bool,
    spawn_cancelled: bool,
}

/// A future that never completes and reports, from its `Drop`, whether it
/// runs inside a runtime context and what a spawn from there gives.
struct ReportsOnDrop(mpsc::Sender<Seen>);

impl std::future::Future for ReportsOnDrop {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Pending
    }
}

impl Drop for ReportsOnDrop {
    fn drop(&mut self) {
        let in_context = Handle::try_current().is_ok();
        let spawn_cancelled = in_context && {
            let join = taskcell_executor::spawn(async {});
            futures::executor::block_on(join).is_err_and(|err| err.is_cancelled())
        };
        let _ = self.0.send(Seen {
            in_context,
            spawn_cancelled,
        });
    }
}

fn drops_inside_the_context(rt: Runtime) {
    let (tx, rx) = mpsc::channel();
    // One future on the runtime's tasks, polled once, then left pending.
    let (polled_tx, polled_rx) = mpsc::channel();
    rt.spawn(async move {
        polled_tx.send(()).unwrap();
        ReportsOnDrop(tx).await
    });
    polled_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    drop(rt);
    let seen = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(
        seen,
        Seen {
            in_context: true,
            spawn_cancelled: true
        }
    );
}

#[test]
fn a_multi_thread_runtime_drops_its_futures_inside_its_context() {
    common::guarded(|| drops_inside_the_context(common::rt(2)));
}

#[test]
fn a_current_thread_runtime_drops_its_futures_inside_its_context() {
    common::guarded(|| {
        let rt = common::current_thread_rt();
        let (tx, rx) = mpsc::channel();
        // Polled once by `block_on`'s turn, then left pending.
        rt.spawn(ReportsOnDrop(tx));
        rt.block_on(taskcell_executor::yield_now());
        drop(rt);
        let seen = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        assert!(seen.in_context && seen.spawn_cancelled, "{seen:?}");
    });
}

#[test]
fn an_idle_runtime_shuts_down_without_waiting_inside_another_runtime() {
    common::guarded(|| {
        let outer = common::rt(2);
        for flavour in 0..4 {
            let inner = if flavour % 2 == 0 {
                common::rt(1)
            } else {
                common::current_thread_rt()
            };
            inner.spawn(std::future::pending::<()>());
            outer.block_on(async move {
                if flavour < 2 {
                    inner.shutdown_timeout(Duration::ZERO);
                } else {
                    inner.shutdown_background();
                }
            });
        }
        // And from a task of the outer runtime.
        let inner = common::rt(1);
        outer
            .block_on(outer.spawn(async move { inner.shutdown_background() }))
            .unwrap();
    });
}

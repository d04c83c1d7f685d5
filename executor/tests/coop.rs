//! The cooperative budget: a task whose runtime resources are always ready
//! still lets the tasks behind it run (an elapsed sleep, a socket that
//! always has data, join handles already complete), `unconstrained` turns
//! the budget off, and `consume_budget` yields once it is spent, as does a
//! foreign future wrapped in `coop::cooperative`, and a `select!`;
//! `coop::poll_proceed` gives its unit back unless the caller made
//! progress.
#![cfg(not(miri))]

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use futures::AsyncReadExt;
use taskcell_executor::net::{TcpListener, TcpStream};
use taskcell_executor::task::coop::cooperative;
use taskcell_executor::task::{consume_budget, unconstrained};
use taskcell_executor::time::sleep;
use taskcell_executor::{spawn, Builder, Runtime};

const LOOPS: usize = 200_000;

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// Spawns `hog` (given a counter it bumps after each operation it
/// completes), then a task that records the counter when it runs, on a
/// runtime where only the hog yielding lets that second task run. Returns
/// how many operations the hog had completed by then.
fn progress_when_the_next_task_ran<F, Fut>(rt: &Runtime, hog: F) -> usize
where
    F: FnOnce(Arc<AtomicUsize>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let progress = Arc::new(AtomicUsize::new(0));
    let hog = hog(Arc::clone(&progress));
    rt.block_on(async move {
        let hog = spawn(hog);
        let next = spawn(async move { progress.load(SeqCst) });
        hog.await.unwrap();
        next.await.unwrap()
    })
}

#[test]
fn an_elapsed_sleep_in_a_loop_lets_a_later_task_run() {
    common::watchdog(common::WATCHDOG, || {
        let rt = current_thread();
        let done = progress_when_the_next_task_ran(&rt, |progress| async move {
            for _ in 0..LOOPS {
                sleep(Duration::ZERO).await;
                progress.fetch_add(1, SeqCst);
            }
        });
        assert_eq!(done, 128, "ready sleeps before the next task ran");
    });
}

#[test]
fn a_socket_that_always_has_data_lets_a_later_task_run() {
    common::watchdog(common::WATCHDOG, || {
        let rt = current_thread();
        let (stream, feeder) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // A plain thread keeps the socket full.
            let feeder = std::thread::spawn(move || {
                let mut peer = std::net::TcpStream::connect(addr).unwrap();
                let chunk = [7u8; 64 * 1024];
                while peer.write_all(&chunk).is_ok() {}
            });
            let (stream, _) = listener.accept().await.unwrap();
            // Let data pile up before the hog starts.
            sleep(Duration::from_millis(50)).await;
            (stream, feeder)
        });
        let done = progress_when_the_next_task_ran(&rt, move |progress| async move {
            let mut stream: TcpStream = stream;
            let mut byte = [0u8; 1];
            for _ in 0..LOOPS {
                stream.read_exact(&mut byte).await.unwrap();
                assert_eq!(byte[0], 7);
                progress.fetch_add(1, SeqCst);
            }
        });
        // At most the budget; fewer only if the socket ran dry for a moment.
        assert!(
            (1..=128).contains(&done),
            "{done} reads before the next task ran"
        );
        drop(rt); // closes the socket: the feeder's write fails and it ends
        feeder.join().unwrap();
    });
}

#[test]
fn join_handles_already_complete_let_a_later_task_run() {
    common::watchdog(common::WATCHDOG, || {
        let rt = current_thread();
        let done = rt.block_on(async {
            let handles: Vec<_> = (0..2_000).map(|i| spawn(async move { i })).collect();
            // Let every one of them finish before the hog awaits them.
            while !handles.iter().all(|h| h.is_finished()) {
                taskcell_executor::yield_now().await;
            }
            handles
        });
        let joined = progress_when_the_next_task_ran(&rt, move |progress| async move {
            for (i, handle) in done.into_iter().enumerate() {
                assert_eq!(handle.await.unwrap(), i);
                progress.fetch_add(1, SeqCst);
            }
        });
        assert_eq!(joined, 128, "ready joins before the next task ran");
    });
}

#[test]
fn unconstrained_turns_the_budget_off() {
    common::watchdog(common::WATCHDOG, || {
        let rt = current_thread();
        let done = progress_when_the_next_task_ran(&rt, |progress| {
            unconstrained(async move {
                for _ in 0..10_000 {
                    sleep(Duration::ZERO).await;
                    progress.fetch_add(1, SeqCst);
                }
            })
        });
        assert_eq!(done, 10_000, "the hog yielded while unconstrained");
    });
}

#[test]
fn consume_budget_yields_once_the_budget_is_spent() {
    common::watchdog(common::WATCHDOG, || {
        let rt = current_thread();
        let done = progress_when_the_next_task_ran(&rt, |progress| async move {
            for _ in 0..10_000 {
                consume_budget().await;
                progress.fetch_add(1, SeqCst);
            }
        });
        assert_eq!(done, 128, "the default budget is 128 units");
    });
}

#[test]
fn a_foreign_future_made_cooperative_yields_once_the_budget_is_spent() {
    common::watchdog(common::WATCHDOG, || {
        let rt = current_thread();
        let done = progress_when_the_next_task_ran(&rt, |progress| async move {
            for _ in 0..10_000 {
                cooperative(std::future::ready(())).await;
                progress.fetch_add(1, SeqCst);
            }
        });
        assert_eq!(
            done, 128,
            "ready futures completed before the next task ran"
        );
    });
}

#[test]
fn poll_proceed_gives_its_unit_back_unless_progress_was_made() {
    use std::future::poll_fn;
    use std::task::Poll;
    use taskcell_executor::task::coop::poll_proceed;
    common::watchdog(common::WATCHDOG, || {
        let rt = current_thread();
        let (kept, given_back) = rt.block_on(poll_fn(|cx| {
            // 100 attempts that made no progress: every unit comes back.
            for _ in 0..100 {
                let restore = std::task::ready!(poll_proceed(cx));
                drop(restore);
            }
            let mut given_back = 0;
            while poll_proceed(cx).map(|r| r.made_progress()).is_ready() {
                given_back += 1;
            }
            // And once spent, nothing is left for a resource either.
            let kept = poll_proceed(cx).is_pending();
            Poll::Ready((kept, given_back))
        }));
        assert_eq!(
            given_back, 128,
            "units left after attempts without progress"
        );
        assert!(kept, "a spent budget still answered Ready");
    });
}

#[test]
fn select_yields_before_its_branches_once_the_budget_is_spent() {
    use std::future::{ready, Future};
    use std::task::{Context, Poll};
    common::watchdog(common::WATCHDOG, || {
        let rt = current_thread();
        rt.block_on(std::future::poll_fn(|cx: &mut Context<'_>| {
            let select = || {
                Box::pin(async {
                    taskcell_executor::select! {
                        biased;
                        () = consume_budget() => {},
                        () = ready(()) => {},
                    }
                })
            };
            for n in 0..128 {
                assert!(select().as_mut().poll(cx).is_ready(), "select {n}");
            }
            // The budget is spent: the select yields, though a branch is
            // ready (tokio's `select_is_budget_aware`).
            assert!(select().as_mut().poll(cx).is_pending());
            Poll::Ready(())
        }));
    });
}

#[test]
fn the_budget_is_settable_on_the_builder() {
    common::watchdog(common::WATCHDOG, || {
        let rt = Builder::new_current_thread()
            .enable_all()
            .task_budget(10)
            .build()
            .unwrap();
        let done = progress_when_the_next_task_ran(&rt, |progress| async move {
            for _ in 0..10_000 {
                sleep(Duration::ZERO).await;
                progress.fetch_add(1, SeqCst);
            }
        });
        assert_eq!(done, 10);
    });
}

#[test]
fn a_hog_on_a_multi_thread_worker_lets_a_queued_task_run() {
    common::watchdog(common::WATCHDOG, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let done = progress_when_the_next_task_ran(&rt, |progress| async move {
            for _ in 0..LOOPS {
                sleep(Duration::ZERO).await;
                progress.fetch_add(1, SeqCst);
            }
        });
        // The next task was spawned from outside the worker (block_on on
        // a plain thread): it waits in the injector, which the worker
        // checks every 61 tasks; the hog yields every 128 sleeps.
        assert!(done < LOOPS / 2, "{done} sleeps before the next task ran");
    });
}

#[test]
fn a_task_run_from_the_lifo_slot_goes_on_with_the_wakers_budget() {
    common::watchdog(common::WATCHDOG, || {
        // One worker: a task woken by the task it runs goes to its LIFO
        // slot and runs right after, inside the same budget.
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let (tx, rx) = futures_channel::oneshot::channel::<()>();
        let waiting = Arc::new(AtomicUsize::new(0));
        let b_waiting = Arc::clone(&waiting);
        let b = rt.spawn(async move {
            b_waiting.store(1, SeqCst);
            rx.await.unwrap();
            // Count the units left: consume_budget yields once they are spent.
            let units = Arc::new(AtomicUsize::new(0));
            let counted = Arc::clone(&units);
            let counter = spawn(async move { counted.load(SeqCst) });
            loop {
                consume_budget().await;
                if counter.is_finished() {
                    break;
                }
                units.fetch_add(1, SeqCst);
            }
            counter.await.unwrap()
        });
        while waiting.load(SeqCst) == 0 {
            std::thread::yield_now();
        }
        // B now waits on `rx`. A spends 100 of its 128 units, then wakes B.
        let a = rt.spawn(async move {
            for _ in 0..100 {
                consume_budget().await;
            }
            tx.send(()).unwrap();
        });
        rt.block_on(a).unwrap();
        let units_left_for_b = rt.block_on(b).unwrap();
        assert_eq!(units_left_for_b, 28, "B started a fresh budget");
    });
}

//! A runtime (and a `LocalSet` beside it) kept in a thread-local is dropped
//! by the thread-local's destructor at thread exit, after this crate's own
//! thread-local context may be gone: the drop shuts the runtime down and
//! drops its tasks instead of aborting the process (tokio's
//! `store_local_set_in_thread_local_with_runtime`).
#![cfg(not(miri))]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;

use taskcell_executor::task::{self, LocalSet};
use taskcell_executor::{Builder, Runtime};

struct RtAndLocalSet {
    rt: Runtime,
    local: LocalSet,
}

/// Counts drops.
struct Count(Arc<AtomicUsize>);

impl Drop for Count {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn at_thread_exit(build: fn() -> Runtime) {
    let dropped = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&dropped);
    thread::spawn(move || {
        thread_local! {
            static CURRENT: std::cell::RefCell<Option<RtAndLocalSet>> =
                const { std::cell::RefCell::new(None) };
        }
        CURRENT.with(|current| {
            let both = RtAndLocalSet {
                rt: build(),
                local: LocalSet::new(),
            };
            let (a, b) = (Count(Arc::clone(&counted)), Count(Arc::clone(&counted)));
            both.rt.block_on(both.local.run_until(async move {
                task::spawn_local(async {});
                // Pending when the thread ends: one on the set, one on the
                // runtime.
                task::spawn_local(async move {
                    let _a = a;
                    std::future::pending::<()>().await
                });
                taskcell_executor::spawn(async move {
                    let _b = b;
                    std::future::pending::<()>().await
                });
                task::yield_now().await;
            }));
            *current.borrow_mut() = Some(both);
        });
    })
    .join()
    .expect("the thread exited without a panic or an abort");
    assert_eq!(dropped.load(SeqCst), 2, "both pending futures were dropped");
}

#[test]
fn a_current_thread_runtime_in_a_thread_local() {
    common::guarded(|| {
        at_thread_exit(|| Builder::new_current_thread().enable_all().build().unwrap())
    });
}

#[test]
fn a_multi_thread_runtime_in_a_thread_local() {
    common::guarded(|| {
        at_thread_exit(|| {
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        })
    });
}

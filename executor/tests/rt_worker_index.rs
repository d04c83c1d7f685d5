//! `runtime::worker_index`: the worker a task runs on, in the range the
//! metrics' `worker_*` methods take, on every multi-thread worker; 0 on
//! the thread that drives a current-thread runtime or a `LocalRuntime`;
//! `None` off a worker (the multi-thread `block_on`'s own future, the
//! blocking pool, `block_in_place`, a second thread in a current-thread
//! `block_on` while another drives it, `Handle::block_on`, no runtime).
#![cfg(not(miri))]

use std::collections::BTreeSet;
use std::sync::{mpsc, Arc, Barrier};
use std::time::Duration;

use taskcell_executor::runtime::{self, Builder, LocalRuntime};

#[test]
fn every_multi_thread_worker_has_its_own_index() {
    let rt = Builder::new_multi_thread()
        .worker_threads(3)
        .build()
        .unwrap();
    let workers = rt.metrics().num_workers();
    let seen = rt.block_on(async move {
        assert_eq!(
            runtime::worker_index(),
            None,
            "block_on's future is no task"
        );
        // One task held on each worker at once: three distinct indices.
        let barrier = Arc::new(Barrier::new(workers));
        let tasks: Vec<_> = (0..workers)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                taskcell_executor::spawn(async move {
                    let index = runtime::worker_index();
                    barrier.wait();
                    index
                })
            })
            .collect();
        let mut seen = BTreeSet::new();
        for task in tasks {
            seen.insert(task.await.unwrap().expect("a task runs on a worker"));
        }
        seen
    });
    assert_eq!(seen, (0..workers).collect::<BTreeSet<_>>());
}

#[test]
fn off_the_workers_there_is_no_index() {
    assert_eq!(runtime::worker_index(), None, "no runtime");
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let blocking = taskcell_executor::task::spawn_blocking(runtime::worker_index);
        assert_eq!(blocking.await.unwrap(), None, "the blocking pool");
        let in_place = taskcell_executor::spawn(async {
            let before = runtime::worker_index();
            let inside = taskcell_executor::task::block_in_place(runtime::worker_index);
            (before, inside)
        });
        let (before, inside) = in_place.await.unwrap();
        assert!(before.is_some());
        assert_eq!(inside, None, "block_in_place gives the worker away");
    });
}

#[test]
fn a_current_thread_runtime_is_worker_zero_where_it_is_driven() {
    let rt = Arc::new(Builder::new_current_thread().build().unwrap());
    assert_eq!(rt.block_on(async { runtime::worker_index() }), Some(0));
    let spawned = rt.block_on(async {
        taskcell_executor::spawn(async { runtime::worker_index() })
            .await
            .unwrap()
    });
    assert_eq!(spawned, Some(0));
    assert_eq!(
        rt.handle().block_on(async { runtime::worker_index() }),
        None,
        "Handle::block_on does not drive the runtime"
    );

    // A second thread's block_on while the first one drives: no index.
    let (driving_tx, driving_rx) = mpsc::channel();
    let (release_tx, release_rx) = taskcell_executor::sync::oneshot::channel::<()>();
    let owner = {
        let rt = Arc::clone(&rt);
        std::thread::spawn(move || {
            rt.block_on(async move {
                driving_tx.send(()).unwrap();
                release_rx.await.unwrap();
                runtime::worker_index()
            })
        })
    };
    driving_rx.recv().unwrap();
    let other = {
        let rt = Arc::clone(&rt);
        std::thread::spawn(move || rt.block_on(async { runtime::worker_index() }))
    };
    let other = other.join().unwrap();
    release_tx.send(()).unwrap();
    assert_eq!(owner.join().unwrap(), Some(0));
    assert_eq!(other, None);
}

#[test]
fn a_local_runtime_is_worker_zero() {
    let rt = LocalRuntime::new().unwrap();
    rt.block_on(async {
        assert_eq!(runtime::worker_index(), Some(0));
        let local = taskcell_executor::task::spawn_local(async {
            taskcell_executor::time::sleep(Duration::from_millis(1)).await;
            runtime::worker_index()
        });
        assert_eq!(local.await.unwrap(), Some(0));
    });
}

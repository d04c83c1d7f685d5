//! Compile-time promises: what is `Send`, what is `Sync`, and which futures
//! the compiler accepts where `Send` is required. The refusals are
//! `compile_fail` doc tests on `TaskCell` and `Bound`.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::Arc;

use taskcell::{bind, Bound, TaskCell};

fn assert_send<T: Send>() {}
fn assert_sync<T: Sync>() {}
fn assert_send_future<F: Future + Send>(f: F) -> F {
    f
}

#[test]
fn cell_is_send_and_sync_for_send_contents() {
    assert_send::<TaskCell<Cell<u64>>>();
    assert_sync::<TaskCell<Cell<u64>>>();
    assert_send::<TaskCell<RefCell<Vec<u8>>>>();
    assert_sync::<TaskCell<RefCell<Vec<u8>>>>();
    assert_sync::<TaskCell<std::sync::mpsc::Receiver<u8>>>();
    assert_send::<&TaskCell<RefCell<String>>>();
    assert_send::<Bound<std::future::Ready<u8>>>();
}

/// The classic trigger: a temporary in a `match` scrutinee lives to the end
/// of the `match`, across the `.await` in the arm. Written with an explicit
/// `+ Send` return type, which is the promise under test.
#[allow(clippy::manual_async_fn)]
fn classic_trigger(state: TaskCell<Cell<usize>>) -> impl Future<Output = usize> + Send {
    async move {
        match state.with(|c| c.get()) {
            0 => state.with(|c| c.set(1)),
            n => {
                common::yield_now().await;
                state.with(|c| c.set(n + 1));
            }
        }
        state.with(|c| c.get())
    }
}

#[test]
fn classic_trigger_compiles_as_send_and_runs() {
    let future = assert_send_future(bind(classic_trigger(TaskCell::new(Cell::new(1)))));
    assert_eq!(futures::executor::block_on(future), 2);
}

#[test]
fn tokio_spawn_accepts_a_future_holding_a_cell_reference_across_await() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let cell = Arc::new(TaskCell::new(RefCell::new(Vec::<u8>::new())));
    let in_task = Arc::clone(&cell);
    let out = rt.block_on(async move {
        tokio::spawn(bind(async move {
            let log: &TaskCell<RefCell<Vec<u8>>> = &in_task;
            log.with(|v| v.borrow_mut().push(1));
            tokio::task::yield_now().await; // `log` is alive across this
            log.with(|v| v.borrow_mut().push(2));
            log.with(|v| v.borrow().clone())
        }))
        .await
        .unwrap()
    });
    assert_eq!(out, [1, 2]);
    assert!(cell.owner().is_some());
}

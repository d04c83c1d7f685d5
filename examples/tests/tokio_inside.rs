//! Which tokio pieces work inside `taskcell-executor`'s tasks, as the
//! README's "Coming from tokio" says: `tokio::sync` does (it needs no
//! runtime); whatever needs tokio's runtime, reactor or timer panics with
//! tokio's "there is no reactor running", and works when run on a tokio
//! runtime (in `taskcell::bind`) and awaited from our task.
//!
//! (`tokio::sync` is enabled for this crate through `taskcell-benches`.)

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use taskcell_executor::{Runtime, TaskCell};

/// Runs `future` in a task of a fresh runtime; its panic message, if any.
fn panic_of<F>(future: F) -> Option<String>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let runtime = Runtime::new().unwrap();
    let result = runtime.block_on(async { taskcell_executor::spawn(future).await });
    let payload: Box<dyn Any + Send> = result.err()?.into_panic();
    Some(match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast_ref::<&str>().unwrap().to_string(),
    })
}

#[test]
fn tokio_sync_works_inside_our_tasks() {
    let runtime = Runtime::new().unwrap();
    let got = runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let notify = Arc::new(tokio::sync::Notify::new());
        let shared = Arc::new(tokio::sync::Mutex::new(0));
        let producer = taskcell_executor::spawn({
            let (notify, shared) = (Arc::clone(&notify), Arc::clone(&shared));
            async move {
                notify.notified().await;
                for i in 1..=3 {
                    *shared.lock().await += i;
                    tx.send(i).await.unwrap();
                }
                done_tx.send(()).unwrap();
            }
        });
        taskcell_executor::yield_now().await;
        notify.notify_one();
        let received = TaskCell::new(Vec::new());
        while let Some(i) = rx.recv().await {
            received.with_mut(|r| r.push(i));
        }
        done_rx.await.unwrap();
        producer.await.unwrap();
        let total = *shared.lock().await;
        (received.into_inner(), total)
    });
    assert_eq!(got, (vec![1, 2, 3], 6));
}

#[test]
fn what_needs_tokios_runtime_panics_inside_our_tasks() {
    const NO_REACTOR: &str = "there is no reactor running";
    let sleep = panic_of(async { tokio::time::sleep(Duration::from_millis(1)).await });
    let bind = panic_of(async {
        let _ = tokio::net::TcpListener::bind("127.0.0.1:0").await;
    });
    let spawn = panic_of(async {
        tokio::spawn(async {}).await.unwrap();
    });
    for (what, message) in [("sleep", sleep), ("bind", bind), ("spawn", spawn)] {
        let message = message.unwrap_or_else(|| panic!("tokio's {what} did not panic"));
        assert!(message.contains(NO_REACTOR), "{what}: {message}");
    }
}

#[test]
fn tokio_only_futures_run_on_a_tokio_runtime_and_are_awaited_from_ours() {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handle = tokio.handle().clone();
    let runtime = Runtime::new().unwrap();
    let got = runtime.block_on(runtime.spawn(async move {
        let on_tokio = handle.spawn(taskcell::bind(async {
            let count = TaskCell::new(0);
            tokio::time::sleep(Duration::from_millis(1)).await;
            count.with_mut(|c| *c += 1);
            count.into_inner()
        }));
        on_tokio.await.unwrap()
    }));
    assert_eq!(got.unwrap(), 1);
}

//! `Handle` implements `futures_task::Spawn`, so `futures::task::SpawnExt`
//! spawns onto the runtime: futures spawned that way run as runtime tasks.

mod common;

use futures::task::SpawnExt;
use futures_channel::oneshot;
use taskcell_executor::{Handle, TaskId};

#[test]
fn spawn_with_handle_runs_the_future_as_a_runtime_task() {
    common::guarded(|| {
        let rt = common::rt(2);
        let handle: Handle = rt.handle().clone();
        let remote = handle
            .spawn_with_handle(async {
                taskcell_executor::yield_now().await;
                (
                    TaskId::current().is_some(),
                    Handle::try_current().is_ok(),
                    21 * 2,
                )
            })
            .expect("spawning on a live runtime");
        assert_eq!(futures::executor::block_on(remote), (true, true, 42));
    });
}

#[test]
fn spawn_ext_spawn_runs_detached_futures() {
    common::guarded(|| {
        let rt = common::rt(2);
        let handle = rt.handle().clone();
        let receivers: Vec<_> = (0..common::scaled(100, 5))
            .map(|i| {
                let (tx, rx) = oneshot::channel();
                // The trait's `spawn`, not the inherent one.
                SpawnExt::spawn(&handle, async move { tx.send(i * 2).unwrap() })
                    .expect("spawning on a live runtime");
                rx
            })
            .collect();
        rt.block_on(async {
            for (i, rx) in receivers.into_iter().enumerate() {
                assert_eq!(rx.await, Ok(i * 2));
            }
        });
    });
}

#[test]
fn a_generic_spawner_accepts_the_handle() {
    fn spawn_sum<S: futures::task::Spawn>(spawner: &S) -> futures::future::RemoteHandle<u32> {
        spawner
            .spawn_with_handle(async { (1..=10).sum() })
            .expect("spawning on a live runtime")
    }
    common::guarded(|| {
        let rt = common::rt(1);
        let remote = spawn_sum(rt.handle());
        assert_eq!(rt.block_on(remote), 55);
    });
}

//! `AbortHandle`: aborts the task from any thread and any number of clones,
//! never keeps its output, and frees nothing early: the task's allocation
//! goes with the last of its handles, whichever drops last (the `JoinHandle`,
//! an `AbortHandle`, a waker). `JoinSet::spawn` returns one.

mod common;

use common::DropLog;
use taskcell_executor::task::{AbortHandle, JoinSet};
use taskcell_executor::yield_now;

#[test]
fn an_abort_handle_cancels_from_another_thread() {
    common::guarded(|| {
        let rt = common::rt(2);
        let drops = DropLog::new();
        let probe = drops.probe();
        let task = rt.spawn(async move {
            let _probe = probe;
            std::future::pending::<()>().await;
        });
        let abort = task.abort_handle();
        let clone = abort.clone();
        assert_eq!((abort.id(), clone.id()), (task.id(), task.id()));
        assert!(!clone.is_finished());
        std::thread::spawn(move || clone.abort()).join().unwrap();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        assert!(abort.is_finished());
        assert_eq!(drops.count(), 1, "the future dropped once");
        abort.abort(); // on a finished task: nothing
    });
}

#[test]
fn the_last_handle_frees_the_task_whichever_it_is() {
    common::guarded(|| {
        let rt = common::rt(2);
        for order in 0..3 {
            let drops = DropLog::new();
            let probe = drops.probe();
            let task = rt.spawn(async move {
                yield_now().await;
                probe
            });
            let abort = task.abort_handle();
            let other = abort.clone();
            match order {
                // The output is taken; the abort handles outlive it.
                0 => drop(rt.block_on(task).unwrap()),
                // The join handle goes first: the output is dropped when
                // the task completes, not kept for the abort handles.
                1 => drop(task),
                _ => {
                    drop(other.clone());
                    drop(rt.block_on(task).unwrap());
                }
            }
            assert!(common::wait_until(
                std::time::Duration::from_secs(30),
                || { drops.count() == 1 }
            ));
            assert!(abort.is_finished());
            drop(other);
            drop(abort);
        }
    });
}

#[test]
fn join_set_spawn_returns_an_abort_handle() {
    common::guarded(|| {
        common::rt(2).block_on(async {
            let mut set = JoinSet::new();
            let quick: AbortHandle = set.spawn(async { 7 });
            let stuck = set.spawn(std::future::pending());
            stuck.abort();
            let mut results = Vec::new();
            while let Some(joined) = set.join_next_with_id().await {
                results.push(joined.map_err(|err| err.id()));
            }
            assert!(results.contains(&Ok((quick.id(), 7))));
            assert!(results.contains(&Err(stuck.id())));
        });
    });
}

//! Tasks that spawn tasks: trees of nested spawns complete, with every leaf
//! counted, whether parents await their children or detach them.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::StreamExt;
use futures_channel::mpsc;
use taskcell_executor::{spawn, Handle, TaskId};

const DEPTH: u32 = if cfg!(miri) { 2 } else { 6 };
const FAN_OUT: usize = if cfg!(miri) { 3 } else { 5 };

fn leaves_expected() -> usize {
    FAN_OUT.pow(DEPTH)
}

/// A node spawns `FAN_OUT` children with the free `spawn`, awaits them and
/// returns the number of leaves below it.
fn awaited_tree(depth: u32, leaves: Arc<AtomicUsize>) -> BoxFuture<'static, usize> {
    Box::pin(async move {
        let me = TaskId::current().expect("a tree node runs inside a task");
        if depth == 0 {
            leaves.fetch_add(1, SeqCst);
            return 1;
        }
        let children: Vec<_> = (0..FAN_OUT)
            .map(|_| spawn(awaited_tree(depth - 1, leaves.clone())))
            .collect();
        let mut sum = 0;
        for child in children {
            assert_ne!(child.id(), me, "a child shares its parent's id");
            sum += child.await.expect("a tree node finishes with Ok");
        }
        assert_eq!(
            TaskId::current(),
            Some(me),
            "a parent's id changed while it awaited"
        );
        sum
    })
}

/// A node spawns its children through `Handle::current()` and does not wait
/// for them; each leaf reports on `done`.
fn detached_tree(depth: u32, done: mpsc::UnboundedSender<TaskId>) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        if depth == 0 {
            let me = TaskId::current().expect("a leaf runs inside a task");
            done.unbounded_send(me)
                .expect("the root is still listening");
            return;
        }
        let handle = Handle::current();
        for _ in 0..FAN_OUT {
            drop(handle.spawn(detached_tree(depth - 1, done.clone())));
        }
    })
}

fn awaited_tree_on(workers: usize) {
    common::guarded(move || {
        let rt = common::rt(workers);
        let leaves = Arc::new(AtomicUsize::new(0));
        let counted = rt.block_on(rt.spawn(awaited_tree(DEPTH, leaves.clone())));
        assert_eq!(
            counted.expect("the root node finishes with Ok"),
            leaves_expected()
        );
        assert_eq!(leaves.load(SeqCst), leaves_expected());
    });
}

#[test]
fn awaited_spawn_tree_counts_every_leaf_on_four_workers() {
    awaited_tree_on(4);
}

#[test]
fn awaited_spawn_tree_counts_every_leaf_on_one_worker() {
    awaited_tree_on(1);
}

#[test]
fn awaited_spawn_tree_counts_every_leaf_from_the_root_future() {
    common::guarded(|| {
        let rt = common::rt(3);
        let leaves = Arc::new(AtomicUsize::new(0));
        // The root future itself is the top node: spawns from `block_on`.
        let counted = rt.block_on(awaited_tree(DEPTH, leaves.clone()));
        assert_eq!(counted, leaves_expected());
        assert_eq!(leaves.load(SeqCst), leaves_expected());
    });
}

#[test]
fn detached_spawn_tree_runs_every_leaf() {
    common::guarded(|| {
        let rt = common::rt(4);
        let (tx, rx) = mpsc::unbounded();
        drop(rt.spawn(detached_tree(DEPTH, tx)));
        // The stream ends when the last leaf (and so the last sender) is gone.
        let leaf_ids: Vec<TaskId> = rt.block_on(rx.collect());
        assert_eq!(leaf_ids.len(), leaves_expected());
        let mut distinct = leaf_ids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), leaf_ids.len(), "two leaves share an id");
    });
}

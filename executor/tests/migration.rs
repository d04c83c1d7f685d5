//! Tasks migrate between worker threads while keeping their `TaskCell`
//! state: 64 tasks on 2 workers carry `TaskCell<RefCell<u64>>` counters
//! through 10 000 `yield_now()`s each, checked at every step.

mod common;

use std::cell::RefCell;
use std::collections::HashSet;
use std::thread::{self, ThreadId};

use taskcell_executor::{spawn, yield_now, TaskCell, TaskId};

const TASKS: usize = common::scaled(64, 4);
const STEPS: u64 = common::scaled(10_000, 50) as u64;
/// Every this many steps a task is woken from a plain thread instead of by
/// `yield_now`: see `common::remote_wake`.
const REMOTE_EVERY: u64 = common::scaled(100, 10) as u64;

#[test]
fn tasks_carry_task_cell_state_across_yields_and_migrate_between_workers() {
    common::guarded(|| {
        let rt = common::rt(2);
        let per_task: Vec<(TaskId, HashSet<ThreadId>)> = rt.block_on(async {
            let handles: Vec<_> = (0..TASKS)
                .map(|t| {
                    spawn(async move {
                        let me = TaskId::current().expect("a task has an id");
                        let state = TaskCell::new(RefCell::new(t as u64 * 1_000_000));
                        let threads = TaskCell::new(RefCell::new(HashSet::new()));
                        for step in 0..STEPS {
                            assert_eq!(TaskId::current(), Some(me), "task {t} changed id");
                            threads.with(|s| s.borrow_mut().insert(thread::current().id()));
                            state.with(|v| {
                                let mut v = v.borrow_mut();
                                assert_eq!(*v, t as u64 * 1_000_000 + step, "task {t} step {step}");
                                *v += 1;
                            });
                            // Yielding keeps every task runnable, so a work-
                            // stealing runtime could well leave each on the
                            // worker it started on. A wake-up from a plain
                            // thread goes through the queue both workers
                            // take from, which moves tasks around for sure.
                            if step % REMOTE_EVERY == REMOTE_EVERY - 1 {
                                common::remote_wake().await;
                            } else {
                                yield_now().await;
                            }
                        }
                        assert_eq!(state.with(|v| *v.borrow()), t as u64 * 1_000_000 + STEPS);
                        assert_eq!(state.owner(), Some(me));
                        (me, threads.into_inner().into_inner())
                    })
                })
                .collect();
            let mut out = Vec::with_capacity(TASKS);
            for handle in handles {
                let id = handle.id();
                let (me, threads) = handle.await.expect("a migrating task finishes with Ok");
                assert_eq!(me, id);
                out.push((me, threads));
            }
            out
        });

        let all_threads: HashSet<ThreadId> = per_task
            .iter()
            .flat_map(|(_, s)| s.iter().copied())
            .collect();
        assert_eq!(
            all_threads.len(),
            2,
            "tasks ran on {} threads; expected exactly the 2 workers",
            all_threads.len()
        );
        let migrated = per_task.iter().filter(|(_, s)| s.len() >= 2).count();
        assert!(migrated >= 1, "no task ever moved to another worker");
    });
}

#[test]
fn a_task_cell_stays_with_its_task_while_the_task_migrates() {
    // The cell is created outside the task and moved in; it binds to the
    // task at first touch and stays bound, whichever worker runs the task.
    const ROUNDS: usize = common::scaled(2_000, 20);
    common::guarded(|| {
        let rt = common::rt(2);
        let cell = TaskCell::new(RefCell::new(Vec::<ThreadId>::new()));
        let handle = rt.spawn(async move {
            for _ in 0..ROUNDS {
                cell.with(|v| v.borrow_mut().push(thread::current().id()));
                common::remote_wake().await;
            }
            cell
        });
        let id = handle.id();
        let cell = rt.block_on(handle).unwrap();
        assert_eq!(cell.owner(), Some(id));
        let visits = cell.into_inner().into_inner();
        assert_eq!(visits.len(), ROUNDS);
        let distinct: HashSet<_> = visits.into_iter().collect();
        assert!(
            distinct.len() <= 2,
            "ran on more threads than there are workers"
        );
    });
}

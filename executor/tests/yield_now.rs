//! `yield_now` lets the other runnable tasks run before the yielding task
//! resumes: two tasks that yield after every step interleave their steps.

mod common;

use std::sync::{Arc, Mutex};

use taskcell_executor::{spawn, yield_now, Runtime};

const STEPS: usize = common::scaled(200, 10);

/// Longest run of one letter in `log`.
fn longest_run(log: &[char]) -> usize {
    log.chunk_by(|a, b| a == b)
        .map(<[char]>::len)
        .max()
        .unwrap_or(0)
}

/// Spawns two tasks from inside one parent task (so both are queued before
/// either starts, whichever thread the parent runs on) that alternately
/// push their letter and yield; returns the log.
fn run_two_yielding_tasks(rt: &Runtime) -> Vec<char> {
    let log = Arc::new(Mutex::new(Vec::with_capacity(2 * STEPS)));
    let parent_log = log.clone();
    let parent = rt.spawn(async move {
        let tasks: Vec<_> = ['a', 'b']
            .into_iter()
            .map(|letter| {
                let log = parent_log.clone();
                spawn(async move {
                    for _ in 0..STEPS {
                        common::lock(&log).push(letter);
                        yield_now().await;
                    }
                })
            })
            .collect();
        tasks
    });
    rt.block_on(async {
        for task in parent.await.unwrap() {
            task.await.unwrap();
        }
    });
    let log = common::lock(&log).clone();
    log
}

fn assert_interleaved(log: &[char]) {
    assert_eq!(log.iter().filter(|c| **c == 'a').count(), STEPS);
    assert_eq!(log.iter().filter(|c| **c == 'b').count(), STEPS);
    // Once one task is done the other runs alone: ignore that last stretch.
    let last = *log.last().expect("the log is not empty");
    let both_runnable = &log[..=log.iter().rposition(|c| *c != last).unwrap_or(0)];
    let run = longest_run(both_runnable);
    let shown: String = log.iter().collect();
    assert!(
        run <= 2,
        "a yielding task ran {run} steps in a row while the other was runnable: {shown}"
    );
}

#[test]
fn yield_now_interleaves_two_tasks_on_a_current_thread_runtime() {
    common::guarded(|| {
        let rt = common::current_thread_rt();
        assert_interleaved(&run_two_yielding_tasks(&rt));
    });
}

#[test]
fn yield_now_interleaves_two_tasks_on_a_one_worker_runtime() {
    common::guarded(|| {
        let rt = common::rt(1);
        assert_interleaved(&run_two_yielding_tasks(&rt));
    });
}

// Two workers trade this task by stealing, and crossbeam-deque's steal reads
// a slot with a volatile read that races a concurrent push by design (listed
// as deliberate UB in the Unsafe Code Guidelines, rust-lang/
// unsafe-code-guidelines#568; crossbeam's own CI runs its deque under Miri
// without preemption). Miri, which preempts at every atomic operation,
// reports that race here; the test runs natively and under LeakSanitizer.
#[test]
#[cfg_attr(
    miri,
    ignore = "crossbeam-deque's steal races a push by design (UCG #568)"
)]
fn yield_now_completes_and_resumes_the_same_task() {
    common::guarded(|| {
        let rt = common::rt(2);
        let out = rt.block_on(rt.spawn(async {
            let me = taskcell_executor::TaskId::current();
            for _ in 0..100 {
                yield_now().await;
                assert_eq!(taskcell_executor::TaskId::current(), me);
            }
            me
        }));
        assert!(out.unwrap().is_some());
    });
}

//! loom models of `TaskCell`'s binding race and of its accesses across a
//! hand-off between threads.
#![cfg(taskcell_loom)]

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;
use taskcell::{enter, AccessErrorKind, TaskCell, TaskId};

/// Runs `f` with `id` entered on this thread.
///
/// Callers keep `enter`'s rules: each model enters an id on one thread at a
/// time, orders successive entries by a release/acquire hand-off or a
/// `join`, and the guard is a local.
fn as_task<R>(id: TaskId, f: impl FnOnce() -> R) -> R {
    // SAFETY: see above; each call site states how it keeps rule 2.
    let _guard = unsafe { enter(id) };
    f()
}

/// Two tasks on two threads race to bind an unbound cell: exactly one wins
/// and writes; the other gets `OtherTask` naming the winner, and its closure
/// never runs.
#[test]
fn racing_binds_have_exactly_one_winner() {
    loom::model(|| {
        let cell = Arc::new(TaskCell::new(0u32));
        let ids = [TaskId::fresh(), TaskId::fresh()];
        let threads: Vec<_> = ids
            .iter()
            .map(|&id| {
                let cell = Arc::clone(&cell);
                // Rule 2: each id is entered on this one thread only.
                thread::spawn(move || {
                    as_task(id, || {
                        cell.try_with_mut(|n| {
                            *n += 1;
                            *n
                        })
                    })
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let winner = results.iter().position(Result::is_ok).expect("one winner");
        let loser = 1 - winner;
        assert_eq!(results[winner], Ok(1));
        let err = results[loser].unwrap_err();
        assert_eq!(err.kind(), AccessErrorKind::OtherTask);
        assert_eq!(err.owner(), Some(ids[winner]));
        assert_eq!(err.current(), Some(ids[loser]));
        assert_eq!(cell.owner(), Some(ids[winner]));
    });
}

/// The owning task binds and writes on one thread, is handed to another
/// thread through a release/acquire flag (as an executor's queue does), and
/// there sees its own writes — while a third task probes the cell
/// concurrently and is refused without touching the value.
#[test]
fn owner_writes_survive_a_hand_off_while_another_task_probes() {
    loom::model(|| {
        let cell = Arc::new(TaskCell::new(Vec::new()));
        let handed_off = Arc::new(AtomicBool::new(false));
        let (owner, prober) = (TaskId::fresh(), TaskId::fresh());

        // Bind on the main thread first; `spawn` orders it before the rest.
        as_task(owner, || cell.with_mut(|v| v.push(0)));

        let first = {
            let (cell, handed_off) = (Arc::clone(&cell), Arc::clone(&handed_off));
            thread::spawn(move || {
                as_task(owner, || cell.with_mut(|v| v.push(1)));
                // Rule 2: the release store orders this entry before the next.
                handed_off.store(true, Ordering::Release);
            })
        };
        let second = {
            let (cell, handed_off) = (Arc::clone(&cell), Arc::clone(&handed_off));
            thread::spawn(move || {
                while !handed_off.load(Ordering::Acquire) {
                    thread::yield_now();
                }
                as_task(owner, || {
                    cell.with_mut(|v| {
                        v.push(2);
                        v.clone()
                    })
                })
            })
        };
        let probe = {
            let cell = Arc::clone(&cell);
            thread::spawn(move || as_task(prober, || cell.try_with(|v| v.len())))
        };

        first.join().unwrap();
        assert_eq!(second.join().unwrap(), [0, 1, 2]);
        let err = probe.join().unwrap().unwrap_err();
        assert_eq!(err.kind(), AccessErrorKind::OtherTask);
        assert_eq!((err.owner(), err.current()), (Some(owner), Some(prober)));
    });
}

/// The model has teeth: a hand-off without release/acquire breaks `enter`'s
/// rule 2, and loom reports the unsynchronised access to the value.
#[test]
#[should_panic(expected = "Causality violation")]
fn a_relaxed_hand_off_is_caught() {
    loom::model(|| {
        let cell = Arc::new(TaskCell::new(0u64));
        let handed_off = Arc::new(AtomicBool::new(false));
        let owner = TaskId::fresh();
        as_task(owner, || cell.set(1));
        let first = {
            let (cell, handed_off) = (Arc::clone(&cell), Arc::clone(&handed_off));
            thread::spawn(move || {
                as_task(owner, || cell.set(2));
                handed_off.store(true, Ordering::Relaxed); // the bug
            })
        };
        while !handed_off.load(Ordering::Relaxed) {
            thread::yield_now();
        }
        as_task(owner, || cell.set(3));
        first.join().unwrap();
    });
}

/// A stream whose size hint is the number of items left.
struct Countdown(u64);

impl futures_core::Stream for Countdown {
    type Item = u64;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<u64>> {
        let left = self.0;
        self.0 = left.saturating_sub(1);
        std::task::Poll::Ready((left > 0).then_some(left))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.0 as usize, Some(self.0 as usize))
    }
}

/// The hint record that `&self` callers outside the owning task fall back
/// on: while the owner changes the stream on another thread, such a caller
/// reads either the whole record of the last poll or "unknown" — never a
/// torn pair — and once the change is ordered before it (a release/acquire
/// hand-off), never the stale record.
#[test]
fn a_hint_record_is_read_whole_or_forgotten() {
    use futures_core::Stream;

    loom::model(|| {
        let mut cell = TaskCell::new(Countdown(3));
        let owner = TaskId::fresh();
        as_task(owner, || cell.with(|_| ())); // bind
        let waker = std::task::Waker::noop();
        let polled =
            std::pin::Pin::new(&mut cell).poll_next(&mut std::task::Context::from_waker(waker));
        assert_eq!(polled, std::task::Poll::Ready(Some(3)));
        let cell = Arc::new(cell);
        let changed = Arc::new(AtomicBool::new(false));

        let owner_thread = {
            let (cell, changed) = (Arc::clone(&cell), Arc::clone(&changed));
            // Rule 2: `owner` is entered on this thread only from here on.
            thread::spawn(move || {
                as_task(owner, || cell.with_mut(|stream| stream.0 = 100));
                changed.store(true, Ordering::Release);
            })
        };
        // Outside any task: the owner check refuses, the record answers.
        let after_change = changed.load(Ordering::Acquire);
        let hint = cell.size_hint();
        if after_change {
            assert_eq!(hint, (0, None), "a stale record after the change");
        } else {
            assert!(hint == (2, Some(2)) || hint == (0, None), "torn: {hint:?}");
        }
        owner_thread.join().unwrap();
        assert_eq!(cell.size_hint(), (0, None));
    });
}

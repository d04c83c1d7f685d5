//! Helpers shared by the criterion benchmarks in `benches/`.
//!
//! Run them with `cargo bench -p taskcell-benches`; criterion's HTML report
//! lands in `target/criterion/report/index.html`.

use taskcell::{enter, TaskId};

/// Runs `f` inside a fresh task identity on this thread, so that it can use
/// `TaskCell`s the way a task does.
///
/// ```
/// let cell = taskcell::TaskCell::new(1);
/// assert_eq!(taskcell_benches::in_task(|| cell.get()), 1);
/// ```
pub fn in_task<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: `enter` rules — (1) `f` stands for this one task; (2) the id is
    // fresh and entered on no other thread; (3) the guard is a local, dropped
    // before returning.
    let _guard = unsafe { enter(TaskId::fresh()) };
    f()
}

//! `across_await`: state that a task owns and updates between `.await`s,
//! kept in a `TaskCell` against the `Mutex`es that a `Send` future needs
//! without one.
//!
//! [`TASKS`] tasks each take [`STEPS`] steps. A step updates the task's own
//! [`State`] — a counter, a `Vec` push and a `HashMap` entry — and then
//! awaits the runtime's `yield_now`, so that the task goes back to the queue
//! and may resume on another worker. Each task checks its state at the end
//! (the counter reached `STEPS`, the `Vec` holds `STEPS` entries, the map's
//! counts add up to `STEPS`), so no update can be optimised away. One
//! iteration spawns the tasks from the root future of `block_on` and joins
//! them all.
//!
//! Every variant keeps the state behind an `Arc` owned by its task and
//! touches it the same way; only the holder differs ([`Holder`]): a
//! `TaskCell`, a `std::sync::Mutex`, a `parking_lot::Mutex` or a
//! `tokio::sync::Mutex` (`lock().await`). On tokio a `TaskCell` needs a task
//! identity, which `taskcell::bind` gives. `taskcell-executor` with a
//! `std::sync::Mutex` separates what the cell gains from what the runtime
//! gains.

use std::collections::HashMap;
use std::future::{ready, Future};
use std::sync::{Arc, Mutex};

use taskcell::TaskCell;

use crate::Variant;

/// Tasks per iteration.
pub const TASKS: usize = 256;
/// Steps per task, each an update and a `yield_now`.
pub const STEPS: u64 = 1_000;
/// Distinct keys of [`State::map`].
const KEYS: u64 = 16;

/// The state a task owns.
#[derive(Debug, Default)]
pub struct State {
    /// Steps taken.
    pub counter: u64,
    /// One entry per step.
    pub log: Vec<u64>,
    /// Steps per key, the key being the step number modulo 16.
    pub map: HashMap<u64, u64>,
}

impl State {
    /// Step `i`: bumps the counter, pushes `i` and counts `i`'s key.
    fn step(&mut self, i: u64) {
        self.counter += 1;
        self.log.push(i);
        *self.map.entry(i % KEYS).or_default() += 1;
    }

    /// Panics unless the state has seen exactly [`STEPS`] steps.
    fn check(&mut self) {
        assert_eq!(self.counter, STEPS);
        assert_eq!(self.log.len() as u64, STEPS);
        assert_eq!(self.map.values().sum::<u64>(), STEPS);
    }
}

/// What a task keeps its [`State`] in.
pub trait Holder: Send + Sync + 'static {
    /// Wraps a fresh state.
    fn new(state: State) -> Self;

    /// Runs `f` on the state: locks, or, for a `TaskCell`, checks that the
    /// current task owns it.
    fn update(&self, f: impl FnOnce(&mut State) + Send) -> impl Future<Output = ()> + Send;
}

impl Holder for Arc<TaskCell<State>> {
    fn new(state: State) -> Self {
        Arc::new(TaskCell::new(state))
    }

    fn update(&self, f: impl FnOnce(&mut State) + Send) -> impl Future<Output = ()> + Send {
        self.with_mut(f);
        ready(())
    }
}

impl Holder for Arc<Mutex<State>> {
    fn new(state: State) -> Self {
        Arc::new(Mutex::new(state))
    }

    fn update(&self, f: impl FnOnce(&mut State) + Send) -> impl Future<Output = ()> + Send {
        f(&mut self.lock().unwrap());
        ready(())
    }
}

impl Holder for Arc<parking_lot::Mutex<State>> {
    fn new(state: State) -> Self {
        Arc::new(parking_lot::Mutex::new(state))
    }

    fn update(&self, f: impl FnOnce(&mut State) + Send) -> impl Future<Output = ()> + Send {
        f(&mut self.lock());
        ready(())
    }
}

impl Holder for Arc<tokio::sync::Mutex<State>> {
    fn new(state: State) -> Self {
        Arc::new(tokio::sync::Mutex::new(state))
    }

    async fn update(&self, f: impl FnOnce(&mut State) + Send) {
        f(&mut *self.lock().await)
    }
}

/// `taskcell-executor` with a `TaskCell`: ours.
pub const OURS: Variant = Variant {
    name: "taskcell-executor+TaskCell",
    setup: on_taskcell::routine::<Arc<TaskCell<State>>>,
};

/// What [`OURS`] is compared with.
pub const THEIRS: [Variant; 5] = [
    Variant {
        name: "tokio+std::Mutex",
        setup: on_tokio::routine::<Arc<Mutex<State>>>,
    },
    Variant {
        name: "tokio+parking_lot::Mutex",
        setup: on_tokio::routine::<Arc<parking_lot::Mutex<State>>>,
    },
    Variant {
        name: "tokio+tokio::sync::Mutex",
        setup: on_tokio::routine::<Arc<tokio::sync::Mutex<State>>>,
    },
    Variant {
        name: "tokio+bind+TaskCell",
        setup: on_tokio_bound::routine::<Arc<TaskCell<State>>>,
    },
    Variant {
        name: "taskcell-executor+std::Mutex",
        setup: on_taskcell::routine::<Arc<Mutex<State>>>,
    },
];

/// Defines `mod $side` with the workload on the runtime that `$runtime()`
/// builds, each task wrapped in `$wrap`.
macro_rules! on_runtime {
    (
        $(#[$doc:meta])*
        mod $side:ident,
        runtime = $runtime:path,
        spawn = $spawn:path,
        yield_now = $yield_now:path,
        wrap = $wrap:path $(,)?
    ) => {
        $(#[$doc])*
        pub mod $side {
            use super::{Holder, State, STEPS, TASKS};
            use crate::Routine;

            /// One task: [`STEPS`] updates, each followed by a `yield_now`,
            /// then the check.
            async fn task<H: Holder>() {
                let state = H::new(State::default());
                for i in 0..STEPS {
                    state.update(|s| s.step(i)).await;
                    $yield_now().await;
                }
                state.update(State::check).await;
            }

            /// Builds the runtime; each call of the routine spawns
            /// [`TASKS`] tasks keeping their state in `H` and joins them.
            pub fn routine<H: Holder>() -> Routine {
                let rt = $runtime();
                Box::new(move || {
                    rt.block_on(async {
                        let handles: Vec<_> =
                            (0..TASKS).map(|_| $spawn($wrap(task::<H>()))).collect();
                        for handle in handles {
                            handle.await.unwrap();
                        }
                    })
                })
            }
        }
    };
}

on_runtime! {
    /// The workload on `taskcell-executor`, where every task has an identity.
    mod on_taskcell,
    runtime = crate::taskcell_runtime,
    spawn = taskcell_executor::spawn,
    yield_now = taskcell_executor::yield_now,
    wrap = std::convert::identity,
}

on_runtime! {
    /// The workload on tokio.
    mod on_tokio,
    runtime = crate::tokio_runtime,
    spawn = tokio::spawn,
    yield_now = tokio::task::yield_now,
    wrap = std::convert::identity,
}

on_runtime! {
    /// The workload on tokio, each task wrapped in `taskcell::bind` so that
    /// it has an identity for its `TaskCell`.
    mod on_tokio_bound,
    runtime = crate::tokio_runtime,
    spawn = tokio::spawn,
    yield_now = tokio::task::yield_now,
    wrap = taskcell::bind,
}

//! Task-owned cells for async Rust.
//!
//! A future that holds `&T` across `.await` is `Send` only if `T: Sync`.
//! State that is `Send` but not `Sync` — `Cell`, `RefCell`, most hand-written
//! streams, HTTP body streams — usually ends up behind a `Mutex` that is never
//! contended, or behind an `unsafe impl Sync` on a hunch.
//!
//! Yet inside one task nothing is concurrent: a task is polled by one thread
//! at a time, even when a work-stealing scheduler moves it between threads.
//! [`TaskCell<T>`] turns that into a checked guarantee. It is `Sync` for any
//! `T: Send`, and lends its value only to closures running inside the task
//! that owns it — checked at run time in about a nanosecond. So futures keep
//! `&TaskCell<T>` across `.await`, stay `Send`, and migrate freely.
//!
//! ```
//! use std::cell::Cell;
//! use std::future::Future;
//! use taskcell::TaskCell;
//!
//! // With a bare `Cell` the `&state` kept across the `.await` would make this
//! // future `!Send`; through `TaskCell` it is `Send`.
//! fn example(state: TaskCell<Cell<usize>>) -> impl Future<Output = usize> + Send {
//!     async move {
//!         match state.with(|c| c.get()) {
//!             n => {
//!                 tokio::task::yield_now().await;
//!                 state.with(|c| c.set(n + 1));
//!             }
//!         }
//!         state.with(|c| c.get())
//!     }
//! }
//!
//! # let rt = tokio::runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! // On tokio (or smol, or `futures::executor`), `bind` gives the future a
//! // task identity; the taskcell runtime gives one to every task it spawns.
//! let done = tokio::spawn(taskcell::bind(example(TaskCell::new(Cell::new(41)))));
//! assert_eq!(done.await.unwrap(), 42);
//! # });
//! ```
//!
//! # Pieces
//!
//! - [`TaskCell`]: the cell, with closure-scoped access
//!   ([`with`](TaskCell::with), [`with_mut`](TaskCell::with_mut), their
//!   `try_` forms) and unchecked exclusive access
//!   ([`get_mut`](TaskCell::get_mut), [`into_inner`](TaskCell::into_inner),
//!   [`unbind`](TaskCell::unbind)).
//! - [`AccessError`]: a refused access — outside any task, from another task,
//!   or overlapping a mutable borrow — never undefined behaviour.
//! - [`bind`]: a task identity for a future on any executor.
//! - [`TaskId`], [`enter`] and [`EnterGuard`]: the identity an executor gives
//!   each task while it polls or drops it, and the contract (Invariant I) that
//!   makes the check sound.
//!
//! # Features
//!
//! - `stream` (default): `futures_core::Stream` for `TaskCell<S>`.
//! - `http-body`: `http_body::Body` for `TaskCell<B>`, so that a `Send` but
//!   not `Sync` body fits where `Sync` is demanded (`BoxBody`, reqwest's
//!   `Body::wrap`) and keeps its `size_hint` and `is_end_stream`.
//!
//! Either feature adds 16 bytes to every `TaskCell`: the hints recorded at
//! the end of each poll, for the `&self` hint methods that the owner check
//! refuses (outside any task, or from another task).

mod bind;
mod cell;
mod error;
#[cfg(any(feature = "stream", feature = "http-body"))]
mod hint;
mod id;
mod names;
mod poll;
mod sync;

pub use crate::bind::{bind, Bound};
pub use crate::cell::TaskCell;
pub use crate::error::{AccessError, AccessErrorKind};
pub use crate::id::{enter, EnterGuard, TaskId};
pub use crate::names::{register_task_name, task_name, unregister_task_name};

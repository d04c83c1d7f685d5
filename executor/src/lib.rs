//! A work-stealing async runtime that gives every task a [`TaskId`], so
//! [`TaskCell`]s work in any task, across migrations, with nothing to wrap.
//!
//! The API is the one tokio users know: [`Builder`], [`Runtime`],
//! [`Handle`] (also in [`runtime`], as tokio's), [`spawn`], [`spawn_blocking`],
//! [`yield_now`], [`JoinHandle`] and [`JoinError`]; sockets in [`net`],
//! files in [`fs`], timers in [`time`], the byte-stream traits in [`io`],
//! the cooperative budget in [`task`], signals in `signal` and child
//! processes in `process` (Unix), and `#[main]`/`#[test]`.
//!
//! ```
//! use std::cell::RefCell;
//! use taskcell_executor::{Runtime, TaskCell};
//!
//! let rt = Runtime::new().unwrap();
//! let lengths = rt.block_on(async {
//!     let tasks: Vec<_> = (0..4)
//!         .map(|n| {
//!             taskcell_executor::spawn(async move {
//!                 // Non-`Sync` state kept across `.await` in a `Send` task.
//!                 let words = TaskCell::new(RefCell::new(Vec::new()));
//!                 for i in 0..n {
//!                     words.with(|w| w.borrow_mut().push(i));
//!                     taskcell_executor::yield_now().await;
//!                 }
//!                 words.with(|w| w.borrow().len())
//!             })
//!         })
//!         .collect();
//!     let mut lengths = Vec::new();
//!     for task in tasks {
//!         lengths.push(task.await.unwrap());
//!     }
//!     lengths
//! });
//! assert_eq!(lengths, [0, 1, 2, 3]);
//! ```
//!
//! # Inside
//!
//! - Each task is one allocation: a header (state word, vtable, id), the
//!   future or its output, and the join waker. Every state transition is one
//!   atomic read-modify-write (`task/state.rs` documents the bits); wakers
//!   are raw wakers over the header, counted in the state word.
//! - Each worker has a `crossbeam_deque` queue, stolen from in batches, and a
//!   LIFO slot; work from outside goes through a global injector, checked
//!   every 61 ticks for fairness. Idle workers sleep on parking_lot
//!   primitives, and at most half of them search for work at once.
//! - Every poll of a task, and every drop of its future or output, happens
//!   with its id entered (`taskcell::enter`). A panicking task becomes a
//!   [`JoinError`]; the worker lives on.
//! - The workers drive the I/O reactor (`mio`, edge-triggered) and the timer
//!   wheels (one per worker) themselves: an idle worker sleeps *in* the
//!   driver when no other worker does, a busy one looks at it every
//!   `event_interval` tasks, and a task woken by I/O lands in the queue of
//!   the worker that saw the event.
//!
//! # Features
//!
//! - `macros` (default): `#[taskcell_executor::main]` and
//!   `#[taskcell_executor::test]`, with tokio's arguments.
//! - `hyper`: hyper 1.x on this runtime — `hyper::rt::Executor` for
//!   [`Handle`], hyper's `Read` and `Write` for the runtime's streams, and
//!   `hyper::rt::Timer` on its wheel. See the `hyper` module.
//! - `hyper-server`: `hyper::serve`, an axum `Router` (or any tower service)
//!   over HTTP/1 and HTTP/2, as `axum::serve` on tokio.
//! - `tokio-io`: tokio's `AsyncRead` and `AsyncWrite` on the runtime's
//!   streams and on [`fs::File`] (with `AsyncSeek`), for tokio's `io-util`,
//!   tokio-util's codecs and tokio-rustls (tokio's traits only, never its
//!   runtime).

mod blocking;
mod context;
mod coop;
mod driver;
// Off under loom, as tokio's: the blocking pool's files are not modelled.
#[cfg(not(taskcell_loom))]
pub mod fs;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
#[cfg(taskcell_loom)]
#[doc(hidden)]
pub mod loom_hooks;
// `write_through_futures_io!`, for the pipes of `process`.
#[macro_use]
pub mod net;
#[cfg(all(unix, not(taskcell_loom)))]
pub mod process;
pub mod runtime;
mod scheduler;
#[cfg(all(unix, not(taskcell_loom)))]
pub mod signal;
mod sync;
pub mod task;
pub mod time;
mod yield_now;

pub use crate::runtime::{
    is_rt_shutdown_err, spawn, spawn_blocking, Builder, Dump, EnterGuard, Handle, Runtime,
    RuntimeFlavor, RuntimeId, RuntimeMetrics, TaskInfo, TaskState, TryCurrentError,
};
pub use crate::task::{JoinError, JoinHandle};
pub use crate::yield_now::yield_now;
pub use taskcell::{AccessError, AccessErrorKind, TaskCell, TaskId};
/// Marks the `async fn main` of a program that runs on this runtime; see
/// the macro's own docs for its arguments (tokio's).
///
/// ```
/// #[taskcell_executor::main(flavor = "current_thread")]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let listener = taskcell_executor::net::TcpListener::bind("127.0.0.1:0").await?;
///     assert!(listener.local_addr()?.ip().is_loopback());
///     Ok(())
/// }
/// ```
#[cfg(feature = "macros")]
pub use taskcell_executor_macros::main;
/// Marks an `async fn` test that runs on this runtime (current-thread by
/// default, one runtime per test); see the macro's own docs.
#[cfg(feature = "macros")]
pub use taskcell_executor_macros::test;

/// The workspace README's examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

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
//!   `#[taskcell_executor::test]`, with tokio's arguments, and tokio's own
//!   [`select!`], [`join!`], [`try_join!`] and [`pin!`].
//! - `sync`: tokio's own `sync` module, as [`sync`].
//! - `full`, `io-util`, `rt`, `rt-multi-thread`, `net`, `time`, `fs`,
//!   `io-std`, `process`, `signal`, `parking_lot`: tokio's feature names,
//!   so that a dependency line ports unchanged. `full` turns on `macros`
//!   and `sync`; the rest are always on here.
//! - `hyper`: hyper 1.x on this runtime — `hyper::rt::Executor` for
//!   [`Handle`], hyper's `Read` and `Write` for the runtime's streams, and
//!   `hyper::rt::Timer` on its wheel. See the `hyper` module.
//! - `hyper-server`: `hyper::serve`, an axum `Router` (or any tower service)
//!   over HTTP/1 and HTTP/2, as `axum::serve` on tokio.
//! - `futures-io`: `futures-io`'s `AsyncRead`/`AsyncWrite` (`AsyncSeek`
//!   on [`fs::File`]) on the runtime's streams too, for the smol and
//!   `futures` ecosystem; off by default and not in `full`, since a tokio
//!   program with both families' extension traits in scope would find
//!   `write_all` and the like ambiguous on them.
//! - `tokio-io`: does nothing, kept for dependency lines that name it:
//!   tokio's `AsyncRead` and `AsyncWrite` are always on the runtime's
//!   streams and on [`fs::File`] (with `AsyncSeek`), so tokio's `io-util`,
//!   tokio-util's codecs and tokio-rustls work on them (tokio's traits
//!   only, never its runtime).

mod blocking;
mod context;
mod coop;
mod driver;
// `write_through_raw!` and `async_write_through_raw!`, for the streams of
// `fs`, `net` and `process`.
#[macro_use]
pub mod io;
// Off under loom, as tokio's: the blocking pool's files are not modelled.
#[cfg(not(taskcell_loom))]
pub mod fs;
#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(taskcell_loom)]
#[doc(hidden)]
pub mod loom_hooks;
// `pipe_reader_io!` and `pipe_writer_io!`, for the pipes of `process`.
#[macro_use]
pub mod net;
mod primitives;
#[cfg(all(unix, not(taskcell_loom)))]
pub mod process;
pub mod runtime;
mod scheduler;
#[cfg(all(unix, not(taskcell_loom)))]
pub mod signal;
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

/// Waits on several futures at once and runs the branch of the first to
/// complete, dropping the others: tokio's `select!` (feature `macros`),
/// with all its forms (`biased;`, patterns, `if` preconditions, `else`).
///
/// It is tokio's own macro, with one step in front: when the task's
/// cooperative budget (this runtime's) is already spent, it yields before
/// polling any branch, as tokio's does with tokio's budget, so that a loop
/// of `select!`s over futures that are always ready still lets the other
/// tasks run. tokio looks at the budget on every poll of the select; this
/// step looks once, before the branches' futures are made (and, after its
/// one yield, lets them run). `join!`, `try_join!` and `pin!` are tokio's,
/// re-exported.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::sleep;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let slow = sleep(Duration::from_secs(60));
///     taskcell_executor::pin!(slow);
///     let winner = taskcell_executor::select! {
///         _ = &mut slow => "slow",
///         _ = sleep(Duration::from_millis(1)) => "fast",
///     };
///     assert_eq!(winner, "fast");
///     let (a, b) = taskcell_executor::join!(async { 1 }, async { 2 });
///     assert_eq!(a + b, 3);
///     let both: Result<_, ()> = taskcell_executor::try_join!(async { Ok(1) }, async { Ok(2) });
///     assert_eq!(both, Ok((1, 2)));
/// });
/// ```
#[cfg(feature = "macros")]
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {{
        $crate::task::coop::__yield_if_spent().await;
        $crate::__tokio_select! { $($tokens)* }
    }};
}
#[cfg(feature = "macros")]
#[doc(hidden)]
pub use tokio::select as __tokio_select;
/// tokio's own `join!`, `try_join!` and `pin!`, re-exported (feature
/// `macros`); see [`select!`] for an example of all four on this runtime.
#[cfg(feature = "macros")]
pub use tokio::{join, pin, try_join};

/// tokio's synchronisation primitives (feature `sync`): channels
/// (`mpsc`, `oneshot`, `broadcast`, `watch`), `Mutex`, `RwLock`,
/// `Semaphore`, `Notify`, `Barrier`, `OnceCell`, re-exported as they are.
///
/// They need no runtime, so tokio's own are the ones to use on this one;
/// `taskcell_executor::sync` is `tokio::sync`, so that a port keeps its
/// paths. Where tokio's `sync` asks tokio's own runtime context, a task of
/// this runtime is not in one:
///
/// - its receives and waits take no unit of this runtime's cooperative
///   budget: a task that loops on a channel that is always ready (or
///   closed) yields only where it awaits something of this runtime's;
/// - `blocking_recv`, `blocking_send`, `blocking_lock` and the like, called
///   in a task, block its worker instead of panicking: call them on
///   `spawn_blocking`'s threads or outside the runtime, as tokio says;
/// - `mpsc::Sender::send_timeout` (which needs tokio's timer) is not here:
///   wrap `send` in [`time::timeout`].
///
/// ```
/// use taskcell_executor::sync::{mpsc, oneshot};
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let (tx, mut rx) = mpsc::channel(4);
///     let (done_tx, done_rx) = oneshot::channel();
///     taskcell_executor::spawn(async move {
///         let mut sum = 0;
///         while let Some(n) = rx.recv().await {
///             sum += n;
///         }
///         done_tx.send(sum).unwrap();
///     });
///     for n in 1..=10 {
///         tx.send(n).await.unwrap();
///     }
///     drop(tx);
///     assert_eq!(done_rx.await.unwrap(), 55);
/// });
/// ```
#[cfg(feature = "sync")]
pub mod sync {
    pub use tokio::sync::*;
}

/// The workspace README's examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

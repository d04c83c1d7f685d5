//! Signals, delivered through the runtime's own driver (Unix): [`ctrl_c`],
//! and [`unix::signal`] for any signal, with tokio's names and meanings.
//!
//! The first listener of a signal installs a process-wide handler for it
//! (through `signal-hook-registry`, so other users of the signal keep
//! theirs). The handler records the delivery and writes one byte to a pipe
//! that every runtime with listeners has registered with its I/O driver;
//! the driver that sees the pipe readable wakes the listeners. No extra
//! thread, no second runtime. Several listeners of one signal each get every
//! delivery; deliveries between two `recv`s count as one, as in tokio.
//!
//! Once a handler is installed the signal's default action (for `SIGINT`,
//! ending the process) no longer happens, for the rest of the process.
//!
//! ```no_run
//! # let rt = taskcell_executor::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let server = std::future::pending::<()>(); // the program's real work
//! futures::future::select(Box::pin(server), Box::pin(taskcell_executor::signal::ctrl_c())).await;
//! println!("shutting down");
//! # });
//! ```

mod registry;
pub mod unix;

use std::io;

/// Completes at the next `SIGINT` (Ctrl-C) the process receives from the
/// first poll on. Its first poll installs the handler, so that from then on
/// Ctrl-C no longer ends the process: the program decides.
///
/// # Errors
///
/// If the handler cannot be installed, or the runtime has no I/O driver to
/// deliver through.
///
/// # Panics
///
/// Outside a runtime with I/O enabled.
///
/// ```
/// use std::future::Future;
/// use std::pin::pin;
/// use std::task::{Context, Waker};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut ctrl_c = pin!(taskcell_executor::signal::ctrl_c());
///     // The first poll installs the handler; then a Ctrl-C arrives.
///     assert!(ctrl_c.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
///     // SAFETY: `raise` has no preconditions.
///     unsafe { libc::raise(libc::SIGINT) };
///     ctrl_c.await.unwrap();
/// });
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupts = unix::signal(unix::SignalKind::interrupt())?;
    match interrupts.recv().await {
        Some(()) => Ok(()),
        None => Err(crate::driver::io::scheduled_io::gone()),
    }
}

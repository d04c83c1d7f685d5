//! [`Stdin`]: the process's standard input, read on the blocking pool.

use std::io;

use super::blocking::Blocking;

/// The standard input of the process, read asynchronously: each read runs
/// on the runtime's blocking pool (`spawn_blocking`), one at a time, so it
/// never stalls a worker. tokio's `tokio::io::Stdin`, with tokio's
/// `AsyncRead` (and, feature `futures-io`, futures-io's).
///
/// A blocking read cannot be cancelled: one in flight runs until input
/// comes, even if its future is dropped (what it reads is kept for the
/// next read of this handle), and shutting down the runtime waits for it,
/// as in tokio. So reading an interactive terminal can hold up a shutdown
/// until the user presses Enter; `Runtime::shutdown_timeout` or
/// `shutdown_background` do not wait for it. It suits input piped to the
/// process best.
///
/// Each handle has its own read-ahead buffer: bytes one handle read ahead
/// are not seen by another. Keep one handle for a stream of reads.
///
/// ```no_run
/// use taskcell_executor::io::{self, AsyncBufReadExt};
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let mut input = io::BufReader::new(io::stdin());
///     let mut line = String::new();
///     while input.read_line(&mut line).await.unwrap() > 0 {
///         print!("read: {line}");
///         line.clear();
///     }
/// });
/// ```
pub struct Stdin {
    std: Blocking<io::Stdin>,
    /// The descriptor's owner, for `AsFd` (the `Blocking`'s may be away on
    /// the pool).
    #[cfg(unix)]
    fd: io::Stdin,
}

/// A handle to the standard input of the process; see [`Stdin`]. tokio's
/// `tokio::io::stdin`. It can be made anywhere; reading it needs a
/// runtime (outside one, a read panics, as tokio's does).
///
/// ```
/// use std::os::fd::AsRawFd;
///
/// let stdin = taskcell_executor::io::stdin();
/// assert_eq!(stdin.as_raw_fd(), 0);
/// ```
pub fn stdin() -> Stdin {
    Stdin {
        std: Blocking::new(io::stdin(), "`Stdin`"),
        #[cfg(unix)]
        fd: io::stdin(),
    }
}

read_through_blocking!(Stdin, std);

std_stream_impls!(Stdin);

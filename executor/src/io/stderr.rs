//! [`Stderr`]: the process's standard error, written on the blocking pool.

use std::io;

use super::blocking::Blocking;

/// The standard error of the process, written asynchronously: each write
/// runs on the runtime's blocking pool (`spawn_blocking`), one at a time,
/// so it never stalls a worker. tokio's `tokio::io::Stderr`, with
/// tokio's `AsyncWrite` (and, feature `futures-io`, futures-io's).
///
/// A write returns as soon as its bytes are copied into the handle's
/// buffer; it lands in the background, and the next write (or a flush)
/// waits for it and reports its error. Call `flush` to know the bytes
/// are out. Closing (tokio's `shutdown`) flushes, where tokio's returns at
/// once. A write is at most 2 MiB; `write_all` loops as usual.
///
/// Each handle writes on its own: writes of two handles (of two tasks)
/// may interleave, at the granularity of one write each. For whole lines
/// that never mix, write each line in one `write_all` through one handle.
///
/// ```
/// use taskcell_executor::io::AsyncWriteExt;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let mut out = taskcell_executor::io::stderr();
///     out.write_all(b"hello from a task\n").await.unwrap();
///     out.flush().await.unwrap();
/// });
/// ```
pub struct Stderr {
    std: Blocking<io::Stderr>,
    /// The descriptor's owner, for `AsFd` (the `Blocking`'s may be away on
    /// the pool).
    #[cfg(unix)]
    fd: io::Stderr,
}

/// A handle to the standard error of the process; see [`Stderr`]. tokio's
/// `tokio::io::stderr`. It can be made anywhere; writing to it needs a
/// runtime (outside one, a write panics, as tokio's does).
///
/// ```
/// use std::os::fd::AsRawFd;
///
/// let out = taskcell_executor::io::stderr();
/// assert_eq!(out.as_raw_fd(), 2);
/// ```
pub fn stderr() -> Stderr {
    Stderr {
        std: Blocking::new(io::stderr(), "`Stderr`"),
        #[cfg(unix)]
        fd: io::stderr(),
    }
}

write_through_blocking!(Stderr, std);

std_stream_impls!(Stderr);

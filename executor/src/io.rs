//! I/O, as tokio's `io`: tokio's byte-stream traits ([`AsyncRead`],
//! [`AsyncWrite`], [`AsyncBufRead`], [`AsyncSeek`]), their extension
//! traits (`read`, `read_exact`, `read_buf`, `read_u32`, `write_all`,
//! `shutdown`, `lines`, …) and utilities ([`BufReader`], [`BufWriter`],
//! [`split`], …), which need no runtime and are tokio's own,
//! re-exported; and this runtime's: [`Interest`] and [`Ready`], for the
//! sockets' readiness API (`ready`, `readable`, `try_read`, …), the
//! process's [`stdin`], [`stdout`] and [`stderr`], served by the blocking
//! pool, the in-memory [`duplex`], [`copy_bidirectional`] and, on Unix,
//! [`unix::AsyncFd`] for any other file descriptor.
//!
//! Every stream of the runtime (sockets and their halves, pipes, a child's
//! stdio, `fs::File`, [`DuplexStream`], [`Stdin`], …) implements tokio's
//! traits, and, with the `futures-io` feature, the `futures` family's
//! (`futures-io`) too, which smol's ecosystem uses: with
//! `futures::io::AsyncReadExt` in scope instead of this module's, the same
//! streams then take futures' `read`, `close`, … . That feature is off by
//! default and not in `full`: a tokio program that has both families'
//! extension traits in scope (`futures::prelude::*` and
//! `tokio::io::AsyncWriteExt`) would find `write_all` ambiguous on a
//! stream that implements both.
//!
//! ```
//! use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let rt = taskcell_executor::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let (mut a, mut b) = taskcell_executor::net::UnixStream::pair().unwrap();
//!     a.write_u32(7).await.unwrap();
//!     a.write_all(b"ok").await.unwrap();
//!     a.shutdown().await.unwrap();
//!     assert_eq!(b.read_u32().await.unwrap(), 7);
//!     let mut got = String::new();
//!     b.read_to_string(&mut got).await.unwrap();
//!     assert_eq!(got, "ok");
//! });
//! ```

#[cfg(unix)]
mod async_fd;
#[macro_use]
mod blocking;
mod buf;
mod copy_bidirectional;
mod duplex;
mod ready;
mod stderr;
mod stdin;
mod stdout;
mod util;

pub(crate) use self::buf::{Buf, DEFAULT_MAX_BUF_SIZE};

/// A writable stream's writes, written once under names of its own, which
/// tokio's `AsyncWrite`, hyper's `Write` and (feature `futures-io`)
/// futures-io's `AsyncWrite` all go through. The names differ from theirs
/// so that inside this crate a call never has two candidates.
pub(crate) trait RawWrite {
    /// A write of `buf`: how much was taken.
    fn raw_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<Result<usize>>;

    /// A gathering write of `bufs`.
    fn raw_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<Result<usize>>;

    /// Everything written has reached its destination.
    fn raw_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<()>>;

    /// Flushes and ends the writing side (tokio's `poll_shutdown`,
    /// futures-io's `poll_close`).
    fn raw_close(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<()>>;
}

/// Implements `$trait` for `$ty` through its [`RawWrite`]: tokio's
/// `AsyncWrite` and hyper's `Write` (`$close` = `poll_shutdown`, and
/// `is_write_vectored` given to say that writes are vectored), or
/// futures-io's `AsyncWrite` (`poll_close`, under its feature's `cfg`).
/// The last method ends the writing side: for a socket, a shutdown of its
/// write half.
macro_rules! write_through_raw {
    ($(#[$attr:meta])* $trait:path, $close:ident, $ty:ty $(, $vectored:ident)?) => {
        $(#[$attr])*
        impl $trait for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::io::RawWrite::raw_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::io::RawWrite::raw_write_vectored(self, cx, bufs)
            }

            $(
                fn $vectored(&self) -> bool {
                    true
                }
            )?

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                $crate::io::RawWrite::raw_flush(self, cx)
            }

            fn $close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                $crate::io::RawWrite::raw_close(self, cx)
            }
        }
    };
}

/// tokio's `AsyncWrite` for `$ty` through its [`RawWrite`], and
/// futures-io's with the `futures-io` feature (only then: with both
/// families' extension traits in scope, `futures::prelude::*` beside
/// `tokio::io::AsyncWriteExt`, a stream implementing both would make
/// `write_all` ambiguous, which tokio's never is).
macro_rules! async_write_through_raw {
    ($ty:ty) => {
        write_through_raw!(tokio::io::AsyncWrite, poll_shutdown, $ty, is_write_vectored);
        write_through_raw!(
            #[cfg(feature = "futures-io")]
            futures_io::AsyncWrite,
            poll_close,
            $ty
        );
    };
}
pub use self::copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use self::duplex::{duplex, DuplexStream};
pub use self::ready::{Interest, Ready};
pub use self::stderr::{stderr, Stderr};
pub use self::stdin::{stdin, Stdin};
pub use self::stdout::{stdout, Stdout};
pub use self::util::{copy, copy_buf, empty, repeat, sink, Empty, Repeat, Sink};

/// Unix-only I/O: [`AsyncFd`](unix::AsyncFd), any file descriptor (a pipe,
/// an `eventfd`, a tty) driven by the runtime's reactor, as tokio's
/// `tokio::io::unix`.
#[cfg(unix)]
pub mod unix {
    pub use super::async_fd::{
        AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, AsyncFdTryNewError,
        TryIoError,
    };
}
/// `std::io`'s error and result types and `SeekFrom`, which tokio's `io`
/// re-exports too, so that `io::Error` and `io::Result` name them here.
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
/// Buffered readers and writers, copying, splitting and joining, and
/// in-memory streams: tokio's own (its `io-util`), over tokio's traits,
/// which every stream of this runtime implements.
///
/// ```
/// use taskcell_executor::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let (a, b) = taskcell_executor::net::UnixStream::pair().unwrap();
///     let mut writer = BufWriter::new(a);
///     writer.write_all(b"one\ntwo\n").await.unwrap();
///     writer.shutdown().await.unwrap();
///     let mut lines = BufReader::new(b).lines();
///     let mut got = Vec::new();
///     while let Some(line) = lines.next_line().await.unwrap() {
///         got.push(line);
///     }
///     assert_eq!(got, ["one", "two"]);
/// });
/// ```
///
/// The parts of tokio's that count tokio's cooperative budget are this
/// module's own, spending this runtime's budget instead, with tokio's
/// signatures: [`copy`], [`copy_buf`], [`copy_bidirectional`], [`duplex`],
/// [`empty`], [`repeat`], [`sink`]. tokio's `simplex` is re-exported as it
/// is: it finds no tokio budget in a task here, and never gives way for
/// it.
pub use tokio::io::{
    join, simplex, split, BufReader, BufStream, BufWriter, Chain, Join, Lines, ReadHalf,
    SimplexStream, Split, Take, WriteHalf,
};
pub use tokio::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
pub use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

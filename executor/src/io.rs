//! The byte-stream traits the runtime's sockets implement, and their
//! extension traits (`read`, `read_exact`, `write_all`, `close`, …), from
//! the `futures` family: the same traits smol's ecosystem uses; and
//! [`Interest`] and [`Ready`], for the sockets' readiness API (`ready`,
//! `readable`, `try_read`, …); the process's [`stdin`], [`stdout`] and
//! [`stderr`], served by the blocking pool; and, on Unix,
//! [`unix::AsyncFd`] for any other file descriptor.
//!
//! ```
//! use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let rt = taskcell_executor::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let (mut a, mut b) = taskcell_executor::net::UnixStream::pair().unwrap();
//!     a.write_all(b"ok").await.unwrap();
//!     a.close().await.unwrap();
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

pub(crate) use self::buf::{Buf, DEFAULT_MAX_BUF_SIZE};
pub use self::copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use self::duplex::{duplex, DuplexStream};
pub use self::ready::{Interest, Ready};
pub use self::stderr::{stderr, Stderr};
pub use self::stdin::{stdin, Stdin};
pub use self::stdout::{stdout, Stdout};

/// Unix-only I/O: [`AsyncFd`](unix::AsyncFd), any file descriptor (a pipe,
/// an `eventfd`, a tty) driven by the runtime's reactor, as tokio's
/// `tokio::io::unix`.
#[cfg(unix)]
pub mod unix {
    pub use super::async_fd::{
        AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdTryNewError, TryIoError,
    };
}
pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
/// Buffered readers and writers, copying and in-memory streams, from the
/// `futures` family (over `futures-io`'s traits, as the sockets' own).
///
/// ```
/// use taskcell_executor::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let (a, b) = taskcell_executor::net::UnixStream::pair().unwrap();
///     let mut writer = BufWriter::new(a);
///     writer.write_all(b"one\ntwo\n").await.unwrap();
///     writer.close().await.unwrap();
///     let mut lines = Vec::new();
///     let mut reader = BufReader::new(b);
///     let mut line = String::new();
///     while reader.read_line(&mut line).await.unwrap() > 0 {
///         lines.push(std::mem::take(&mut line));
///     }
///     assert_eq!(lines, ["one\n", "two\n"]);
/// });
/// ```
pub use futures_util::io::{
    copy, copy_buf, empty, repeat, sink, BufReader, BufWriter, Cursor, LineWriter,
};
pub use futures_util::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
pub use futures_util::io::{ReadHalf, ReuniteError, WriteHalf};
/// `std::io`'s error and result types and `SeekFrom`, which tokio's `io`
/// re-exports too, so that `io::Error` and `io::Result` name them here.
pub use std::io::{Error, ErrorKind, Result, SeekFrom};

/// Splits one stream into a read half and a write half, which can move to
/// different tasks, as tokio's `io::split`: a lock, taken for each
/// operation, shares the stream between them (futures'
/// `AsyncReadExt::split`). [`ReadHalf::reunite`] gives the stream back.
///
/// The runtime's sockets need none of this: `TcpStream::into_split` and
/// `UnixStream::into_split` give halves that share no lock.
///
/// ```
/// use taskcell_executor::io::{split, AsyncReadExt, AsyncWriteExt};
/// use taskcell_executor::net::UnixStream;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let (near, mut far) = UnixStream::pair().unwrap();
///     let (mut reader, mut writer) = split(near);
///     let echo = taskcell_executor::spawn(async move {
///         let mut got = [0; 5];
///         far.read_exact(&mut got).await.unwrap();
///         far.write_all(&got).await.unwrap();
///     });
///     writer.write_all(b"hello").await.unwrap();
///     let mut back = [0; 5];
///     reader.read_exact(&mut back).await.unwrap();
///     assert_eq!(&back, b"hello");
///     echo.await.unwrap();
///     let _stream: UnixStream = reader.reunite(writer).unwrap();
/// });
/// ```
pub fn split<T>(stream: T) -> (ReadHalf<T>, WriteHalf<T>)
where
    T: AsyncRead + AsyncWrite,
{
    AsyncReadExt::split(stream)
}
/// tokio's `ReadBuf` (feature `tokio-io`): what the datagram sockets'
/// `poll_recv`, `poll_recv_from` and `poll_peek*`, and the streams'
/// `poll_peek`, fill, as tokio's take it.
///
/// ```
/// use std::future::poll_fn;
/// use taskcell_executor::io::ReadBuf;
/// use taskcell_executor::net::UdpSocket;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     b.send_to(b"datagram", a.local_addr().unwrap()).await.unwrap();
///     let mut storage = [0; 16];
///     let mut buf = ReadBuf::new(&mut storage);
///     poll_fn(|cx| a.poll_recv_from(cx, &mut buf)).await.unwrap();
///     assert_eq!(buf.filled(), b"datagram");
/// });
/// ```
#[cfg(feature = "tokio-io")]
pub use tokio::io::ReadBuf;

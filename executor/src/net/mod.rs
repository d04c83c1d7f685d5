//! Sockets on the runtime's own I/O driver: [`TcpListener`], [`TcpStream`],
//! [`TcpSocket`] (to set options before connecting or listening),
//! [`UdpSocket`], and on Unix [`UnixListener`], [`UnixStream`],
//! [`UnixDatagram`] and [`UnixSocket`] (to set up before listening,
//! connecting or sending), and pipes and FIFOs in [`unix::pipe`].
//!
//! Each socket is registered with the driver once, edge-triggered, when it
//! is made; a read or write that would block waits for the next readiness
//! event without another system call to re-arm it. Streams implement
//! tokio's [`AsyncRead`](crate::io::AsyncRead) and
//! [`AsyncWrite`](crate::io::AsyncWrite) (their extension traits, with
//! `read`, `write_all`, `shutdown`, …, are in [`io`](crate::io)),
//! with the `futures-io` feature futures-io's, and with the `hyper`
//! feature hyper's `Read` and
//! `Write`.
//!
//! Every socket also has tokio's readiness API: `ready(Interest)`,
//! `readable`, `writable`, then `try_read`, `try_recv_from`, `try_io`, …
//! without waiting (`WouldBlock` when another task got there first; wait
//! again). Any number of tasks may wait on one socket at once — tasks in
//! `accept` on one listener, in `recv_from` or `readable` on one datagram
//! socket — and each is woken when the readiness it waits for arrives.
//!
//! Sockets need a runtime with I/O enabled ([`Runtime::new`] or
//! [`Builder::enable_io`]): making one anywhere else panics with a message
//! that says so. A socket that outlives its runtime fails every wait and
//! operation with an error; a `try_` method first tries the readiness it
//! last saw (as tokio's), so what the kernel already holds can be drained.
//!
//! Addresses are given as [`impl ToSocketAddrs`](ToSocketAddrs), as in
//! tokio: a literal address costs nothing, and a host name is looked up
//! with the system resolver on the runtime's blocking pool, never on a
//! worker ([`lookup_host`] does just the lookup).
//!
//! ```
//! use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
//! use taskcell_executor::net::{TcpListener, TcpStream};
//!
//! let rt = taskcell_executor::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     taskcell_executor::spawn(async move {
//!         let (mut peer, _) = listener.accept().await.unwrap();
//!         let mut buf = [0; 4];
//!         peer.read_exact(&mut buf).await.unwrap();
//!         peer.write_all(&buf).await.unwrap();
//!     });
//!     let mut stream = TcpStream::connect(addr).await.unwrap();
//!     stream.write_all(b"ping").await.unwrap();
//!     let mut back = [0; 4];
//!     stream.read_exact(&mut back).await.unwrap();
//!     assert_eq!(&back, b"ping");
//! });
//! ```
//!
//! [`Runtime::new`]: crate::Runtime::new
//! [`Builder::enable_io`]: crate::Builder::enable_io

/// `AsRawFd` and `AsFd` for `$ty`, whose `PollEvented` is `self.io`: the
/// descriptor for a caller's own system calls (in `try_io`, say) and for
/// socket-option crates. The socket stays registered; a caller must not
/// close the descriptor or make it blocking.
macro_rules! fd_impls {
    ($($ty:ty),*) => {$(
        #[cfg(unix)]
        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }

        #[cfg(unix)]
        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }
    )*};
}

#[macro_use]
mod ready;
#[macro_use]
pub(crate) mod stream;
mod addr;
#[macro_use]
mod split;
pub mod tcp;
mod tcp_socket;
#[cfg(unix)]
mod ucred;
mod udp;
// `pipe_reader_io!` and `pipe_writer_io!` (from `unix::pipe`).
#[cfg(unix)]
#[macro_use]
pub mod unix;
#[cfg(unix)]
mod unix_datagram;
#[cfg(unix)]
mod unix_socket;

pub use self::addr::{lookup_host, ToSocketAddrs};
pub use self::tcp::{
    OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, TcpListener, TcpStream, WriteHalf,
};
pub use self::tcp_socket::TcpSocket;
pub use self::udp::UdpSocket;
#[cfg(unix)]
pub use self::unix::{UnixListener, UnixStream};
#[cfg(unix)]
pub use self::unix_datagram::UnixDatagram;
#[cfg(unix)]
pub use self::unix_socket::UnixSocket;

use std::future::Future;
use std::io;
use std::net::SocketAddr;

/// `TryFrom` the standard library's socket for `$ty`, as tokio has it:
/// [`from_std`](TcpStream::from_std) (made non-blocking, registered with
/// the current runtime's driver), so `std_socket.try_into()` works.
macro_rules! try_from_std {
    ($($std:ty => $ty:ty),* $(,)?) => {$(
        impl TryFrom<$std> for $ty {
            type Error = io::Error;

            /// As `from_std`; panics as it does, outside a runtime with I/O
            /// enabled.
            #[track_caller]
            fn try_from(socket: $std) -> io::Result<$ty> {
                <$ty>::from_std(socket)
            }
        }
    )*};
}

try_from_std!(
    std::net::TcpListener => TcpListener,
    std::net::TcpStream => TcpStream,
    std::net::UdpSocket => UdpSocket,
);
#[cfg(unix)]
try_from_std!(
    std::os::unix::net::UnixListener => UnixListener,
    std::os::unix::net::UnixStream => UnixStream,
    std::os::unix::net::UnixDatagram => UnixDatagram,
);

/// Reads into `buf`'s spare capacity with `read` (a `recv` of socket2's,
/// or a pipe's `read(2)`: either writes only what it receives), then
/// advances `buf` past what was read. Uninitialised memory is offered as
/// such: nothing is zeroed first.
pub(crate) fn read_into_buf<B: bytes::BufMut + ?Sized, R>(
    buf: &mut B,
    read: impl FnOnce(&mut [std::mem::MaybeUninit<u8>]) -> io::Result<(usize, R)>,
) -> io::Result<(usize, R)> {
    let spare = buf.chunk_mut();
    // SAFETY: `as_uninit_slice_mut` asks that no initialised byte be
    // de-initialised: only `read` writes here, and socket2's `recv`s and
    // `read(2)` write received data, never uninitialised bytes.
    let spare = unsafe { spare.as_uninit_slice_mut() };
    let len = spare.len();
    let (n, with) = read(spare)?;
    assert!(n <= len, "a recv claimed {n} bytes of a {len}-byte buffer");
    // SAFETY: `read` initialised the first `n ≤ len` bytes of the chunk
    // `chunk_mut` returned (the contract of `advance_mut`).
    unsafe { buf.advance_mut(n) };
    Ok((n, with))
}

/// One datagram (or what a stream holds) into `buf`'s spare capacity, with
/// socket2's `recv`; returns its length.
pub(crate) fn recv_buf<S, B>(socket: &S, buf: &mut B) -> io::Result<usize>
where
    for<'a> socket2::SockRef<'a>: From<&'a S>,
    B: bytes::BufMut + ?Sized,
{
    read_into_buf(buf, |spare| {
        socket2::SockRef::from(socket).recv(spare).map(|n| (n, ()))
    })
    .map(|(n, ())| n)
}

/// Receives into the unfilled part of tokio's `ReadBuf` with `recv`, which
/// must be one of socket2's receives or a pipe's `read(2)` (they write only
/// what they receive, never uninitialised bytes, and report its length),
/// then marks those bytes filled. Uninitialised memory is offered as such: nothing is
/// zeroed first.
pub(crate) fn recv_into_read_buf<R>(
    buf: &mut tokio::io::ReadBuf<'_>,
    recv: impl FnOnce(&mut [std::mem::MaybeUninit<u8>]) -> io::Result<(usize, R)>,
) -> io::Result<R> {
    // SAFETY: `unfilled_mut` asks that no initialised byte be
    // de-initialised: only `recv` writes here, and it writes received data.
    let unfilled = unsafe { buf.unfilled_mut() };
    let len = unfilled.len();
    let (n, with) = recv(unfilled)?;
    assert!(n <= len, "a recv claimed {n} bytes of a {len}-byte buffer");
    // SAFETY: `recv` initialised the first `n ≤ len` bytes of the unfilled
    // part (the contract of `assume_init`).
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(with)
}

/// Polls `io` for a datagram and receives it into the unfilled part of
/// tokio's `ReadBuf` with `recv`, one of socket2's receives (`recv`,
/// `peek`, `recv_from`, ...) on the socket: the datagram sockets'
/// `ReadBuf` polls. See [`recv_into_read_buf`].
pub(crate) fn poll_recv_read_buf<E, R>(
    io: &crate::driver::io::PollEvented<E>,
    cx: &mut std::task::Context<'_>,
    buf: &mut tokio::io::ReadBuf<'_>,
    mut recv: impl FnMut(
        socket2::SockRef<'_>,
        &mut [std::mem::MaybeUninit<u8>],
    ) -> io::Result<(usize, R)>,
) -> std::task::Poll<io::Result<R>>
where
    E: mio::event::Source,
    for<'a> socket2::SockRef<'a>: From<&'a E>,
{
    io.poll_io(cx, crate::driver::io::Direction::Read, |s| {
        recv_into_read_buf(&mut *buf, |spare| recv(socket2::SockRef::from(s), spare))
    })
}

/// The result of shutting down a stream's write half. A peer that has
/// already closed the whole connection (`NotConnected`: its reset beat our
/// shutdown) leaves nothing to shut down: that is success, not an error.
/// The runtime's streams are always connected, so this is the only way to
/// get `NotConnected` here.
pub(crate) fn write_shut(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(err) if err.kind() == io::ErrorKind::NotConnected => Ok(()),
        result => result,
    }
}

/// Tries `attempt` on each address `addr` resolves to, in order; the first
/// success wins, otherwise the last error.
async fn each_addr<A, T, F>(addr: A, mut attempt: impl FnMut(SocketAddr) -> F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addr::resolve(addr).await? {
        match attempt(addr).await {
            Ok(out) => return Ok(out),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address did not resolve to any socket address",
        )
    }))
}

/// Hands a socket's descriptor over to another type.
#[cfg(unix)]
pub(crate) fn socket_into_std<S: std::os::fd::IntoRawFd, T: std::os::fd::FromRawFd>(
    socket: S,
) -> T {
    // SAFETY: the descriptor comes straight from `into_raw_fd`, so it is
    // open and owned by nothing else; `T` takes ownership of it.
    unsafe { T::from_raw_fd(socket.into_raw_fd()) }
}

/// Hands a socket over to another type.
#[cfg(windows)]
pub(crate) fn socket_into_std<
    S: std::os::windows::io::IntoRawSocket,
    T: std::os::windows::io::FromRawSocket,
>(
    socket: S,
) -> T {
    // SAFETY: the socket comes straight from `into_raw_socket`, so it is
    // open and owned by nothing else; `T` takes ownership of it.
    unsafe { T::from_raw_socket(socket.into_raw_socket()) }
}

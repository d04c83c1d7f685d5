//! Unix pipes, as tokio's `net::unix::pipe`: an anonymous pipe made by
//! [`pipe`], or a FIFO (named pipe) opened with [`OpenOptions`], and either
//! end taken over from a [`File`] or an [`OwnedFd`]. A [`Sender`] writes
//! (tokio's [`AsyncWrite`](crate::io::AsyncWrite), and futures-io's with
//! the `futures-io` feature); a
//! [`Receiver`] reads ([`AsyncRead`](crate::io::AsyncRead), and
//! futures-io's with that feature).
//!
//! Each end is made non-blocking and registered with the runtime's driver
//! once, edge-triggered, for its one direction (the same machinery as a
//! child's piped [`ChildStdin`](crate::process::ChildStdin) and
//! [`ChildStdout`](crate::process::ChildStdout)); reads and writes wait for
//! readiness events, never in `read(2)` or `write(2)`.
//!
//! When every sender of a pipe is closed, a [`Receiver`] reads what is left
//! and then end-of-file (0 bytes; `read_exact` fails with
//! `UnexpectedEof`). When every receiver is closed, a write fails with
//! `BrokenPipe` (the standard library ignores `SIGPIPE` in Rust programs,
//! so the process is not killed). Neither waits forever.
//!
//! Making an end needs a runtime with I/O enabled: elsewhere it panics
//! with a message that says so, as tokio's does. An end that outlives its
//! runtime fails every read, write and wait with an error; its descriptor
//! can still be taken back with `into_blocking_fd`.
//!
//! ```
//! use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
//! use taskcell_executor::net::unix::pipe;
//!
//! let rt = taskcell_executor::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let (mut tx, mut rx) = pipe::pipe().unwrap();
//!     taskcell_executor::spawn(async move {
//!         tx.write_all(b"through the pipe").await.unwrap();
//!         // Dropping `tx` closes the pipe: the reader sees end-of-file.
//!     });
//!     let mut text = String::new();
//!     rx.read_to_string(&mut text).await.unwrap();
//!     assert_eq!(text, "through the pipe");
//! });
//! ```
//!
//! # Compared with tokio
//!
//! The same functions, types and errors. [`Receiver::try_read_buf`] is
//! always here (tokio has it with its `io-util` feature).

use std::fmt;
use std::fs::File;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::task::{Context, Poll};

use mio::unix::pipe as mio_pipe;

use crate::driver::io::{io_handle, Direction, PollEvented};
use crate::io::{Interest, Ready};
use crate::scheduler::Handle;

/// Makes an anonymous pipe (`pipe2(2)`, non-blocking and close-on-exec)
/// and registers both ends with the runtime of the calling code: bytes
/// written to the [`Sender`] come out of the [`Receiver`].
///
/// To talk to a child process, `Stdio::piped()` on a
/// [`Command`](crate::process::Command) is usually simpler; an end of this
/// pipe can also be handed to a child with
/// [`into_blocking_fd`](Sender::into_blocking_fd).
///
/// # Errors
///
/// The operating system's, if it cannot make a pipe (`EMFILE`, ...).
///
/// # Panics
///
/// Outside a runtime with I/O enabled, before making the pipe.
///
/// ```
/// use taskcell_executor::io::AsyncReadExt;
/// use taskcell_executor::net::unix::pipe;
/// use taskcell_executor::process::Command;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let (tx, mut rx) = pipe::pipe().unwrap();
///     let status = Command::new("echo")
///         .arg("Hello, world!")
///         .stdout(tx.into_blocking_fd().unwrap())
///         .status();
///     let mut out = String::new();
///     rx.read_to_string(&mut out).await.unwrap();
///     assert!(status.await.unwrap().success());
///     assert_eq!(out, "Hello, world!\n");
/// });
/// ```
#[track_caller]
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    // The runtime first: a panic for the lack of one makes no pipe.
    let handle = io_handle("`pipe::pipe`");
    let (tx, rx) = mio_pipe::new()?;
    Ok((
        Sender::register(tx, &handle)?,
        Receiver::register(rx, &handle)?,
    ))
}

/// Options to open a FIFO (a named pipe, made with `mkfifo`) as a
/// [`Receiver`] or a [`Sender`], as tokio's.
///
/// The file is opened non-blocking, so opening never waits for the other
/// side: a receiver opens at once and waits for data (it reads end-of-file
/// only once a writer has come and gone), and a sender fails with `ENXIO`
/// while no reader has the FIFO open (see [`read_write`](Self::read_write)
/// on Linux for a way around that).
///
/// ```
/// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
/// use taskcell_executor::net::unix::pipe;
///
/// # let dir = std::env::temp_dir().join(format!("taskcell-doc-fifo-{}-options", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("fifo");
/// assert!(std::process::Command::new("mkfifo").arg(&path).status().unwrap().success());
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut rx = pipe::OpenOptions::new().open_receiver(&path).unwrap();
///     let mut tx = pipe::OpenOptions::new().open_sender(&path).unwrap();
///     tx.write_all(b"named").await.unwrap();
///     let mut buf = [0; 5];
///     rx.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"named");
/// });
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    read_write: bool,
    unchecked: bool,
}

impl OpenOptions {
    /// Options with everything off: the access mode is the end's alone
    /// (read for a receiver, write for a sender), and the file is checked
    /// to be a FIFO.
    ///
    /// ```
    /// let options = taskcell_executor::net::unix::pipe::OpenOptions::new();
    /// # drop(options);
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            read_write: false,
            unchecked: false,
        }
    }

    /// Opens the FIFO for reading and writing both (Linux and Android only:
    /// POSIX leaves it undefined).
    ///
    /// A sender opened so does not need a reader to be there (no `ENXIO`),
    /// and a receiver opened so never reads end-of-file, since it holds a
    /// writing end itself: it waits for the next writer instead.
    ///
    /// ```
    /// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
    /// use taskcell_executor::net::unix::pipe::OpenOptions;
    ///
    /// # let dir = std::env::temp_dir().join(format!("taskcell-doc-fifo-{}-rw", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("fifo");
    /// # assert!(std::process::Command::new("mkfifo").arg(&path).status().unwrap().success());
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     // No reader yet: a plain sender would fail with ENXIO.
    ///     let mut tx = OpenOptions::new().read_write(true).open_sender(&path).unwrap();
    ///     tx.write_all(b"early").await.unwrap();
    ///     let mut rx = OpenOptions::new().open_receiver(&path).unwrap();
    ///     let mut buf = [0; 5];
    ///     rx.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"early");
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn read_write(&mut self, value: bool) -> &mut Self {
        self.read_write = value;
        self
    }

    /// Skips the check that the opened file is a FIFO (for a caller that
    /// knows it is). Reading or writing another kind of file through a pipe
    /// end is not supported: a regular file, for one, is always "ready",
    /// so it gains nothing from the driver.
    ///
    /// ```
    /// use taskcell_executor::net::unix::pipe::OpenOptions;
    ///
    /// # let dir = std::env::temp_dir().join(format!("taskcell-doc-fifo-{}-unchecked", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("fifo");
    /// # assert!(std::process::Command::new("mkfifo").arg(&path).status().unwrap().success());
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let rx = OpenOptions::new().unchecked(true).open_receiver(&path).unwrap();
    /// #   drop(rx);
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn unchecked(&mut self, value: bool) -> &mut Self {
        self.unchecked = value;
        self
    }

    /// Opens the FIFO at `path` for reading, non-blocking, and registers it
    /// with the runtime of the calling code.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the file is not a FIFO (unless
    /// [`unchecked`](Self::unchecked)); otherwise what `open(2)` reports
    /// (`NotFound`, `PermissionDenied`, ...).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled, before opening anything.
    ///
    /// ```
    /// use taskcell_executor::net::unix::pipe::OpenOptions;
    ///
    /// # let dir = std::env::temp_dir().join(format!("taskcell-doc-fifo-{}-open-rx", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     // A regular file is not a FIFO.
    ///     let path = dir.join("plain");
    ///     std::fs::write(&path, b"").unwrap();
    ///     let err = OpenOptions::new().open_receiver(&path).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[track_caller]
    pub fn open_receiver<P: AsRef<Path>>(&self, path: P) -> io::Result<Receiver> {
        let handle = io_handle("`pipe::OpenOptions::open_receiver`");
        let file = self.open(path.as_ref(), End::Receiver)?;
        Receiver::register(mio_pipe::Receiver::from(OwnedFd::from(file)), &handle)
    }

    /// Opens the FIFO at `path` for writing, non-blocking, and registers it
    /// with the runtime of the calling code.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the file is not a FIFO (unless
    /// [`unchecked`](Self::unchecked)); `ENXIO` (`raw_os_error`) if no
    /// process has the FIFO open for reading (unless
    /// [`read_write`](Self::read_write)); otherwise what `open(2)` reports.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled, before opening anything.
    ///
    /// ```
    /// use taskcell_executor::net::unix::pipe::OpenOptions;
    ///
    /// # let dir = std::env::temp_dir().join(format!("taskcell-doc-fifo-{}-open-tx", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("fifo");
    /// # assert!(std::process::Command::new("mkfifo").arg(&path).status().unwrap().success());
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let err = OpenOptions::new().open_sender(&path).unwrap_err();
    ///     assert_eq!(err.raw_os_error(), Some(libc::ENXIO), "no reader yet");
    ///     let _rx = OpenOptions::new().open_receiver(&path).unwrap();
    ///     let tx = OpenOptions::new().open_sender(&path).unwrap();
    /// #   drop(tx);
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[track_caller]
    pub fn open_sender<P: AsRef<Path>>(&self, path: P) -> io::Result<Sender> {
        let handle = io_handle("`pipe::OpenOptions::open_sender`");
        let file = self.open(path.as_ref(), End::Sender)?;
        Sender::register(mio_pipe::Sender::from(OwnedFd::from(file)), &handle)
    }

    /// Opens `path` non-blocking for `end`, checked to be a FIFO unless
    /// `unchecked` (tokio's order: open, then look at what was opened).
    fn open(&self, path: &Path, end: End) -> io::Result<File> {
        let mut options = std::fs::OpenOptions::new();
        options
            .read(end == End::Receiver)
            .write(end == End::Sender)
            .custom_flags(libc::O_NONBLOCK);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.read_write {
            options.read(true).write(true);
        }
        let file = options.open(path)?;
        if !self.unchecked && !file.metadata()?.file_type().is_fifo() {
            return Err(not_a_pipe());
        }
        Ok(file)
    }
}

/// As [`OpenOptions::new`].
impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

/// Which end of a pipe is wanted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum End {
    Sender,
    Receiver,
}

/// The error for a descriptor that is not a pipe, with tokio's words.
fn not_a_pipe() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a pipe")
}

/// Checks that `fd` is a pipe (or FIFO) open for `end`, and makes it
/// non-blocking: what `from_owned_fd` does before it registers, as tokio's.
fn checked(fd: OwnedFd, end: End) -> io::Result<OwnedFd> {
    // `fstat` through a `File` that owns the descriptor for a moment.
    let file = File::from(fd);
    if !file.metadata()?.file_type().is_fifo() {
        return Err(not_a_pipe());
    }
    let fd = OwnedFd::from(file);
    // No std or mio call reads a descriptor's access mode: `F_GETFL` does.
    // SAFETY: `fcntl(F_GETFL)` takes no pointer and only reads the flags
    // of `fd`, a descriptor this function owns, so it is open.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let mode = flags & libc::O_ACCMODE;
    let (wanted, message) = match end {
        End::Sender => (libc::O_WRONLY, "not in O_WRONLY or O_RDWR access mode"),
        End::Receiver => (libc::O_RDONLY, "not in O_RDONLY or O_RDWR access mode"),
    };
    if mode != wanted && mode != libc::O_RDWR {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    if flags & libc::O_NONBLOCK == 0 {
        // Through mio's pipe type, which sets `O_NONBLOCK` for us.
        let pipe = mio_pipe::Sender::from(fd);
        pipe.set_nonblocking(true)?;
        return Ok(OwnedFd::from(pipe));
    }
    Ok(fd)
}

/// `read(2)` into `buf`, which may be uninitialised: the kernel writes
/// only the bytes it reads, and reports how many.
fn read_uninit(fd: BorrowedFd<'_>, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // As the standard library does: no single read larger than this, which
    // some systems refuse (`EINVAL`) and no pipe needs.
    let len = buf.len().min(i32::MAX as usize - 1);
    // SAFETY: `buf` is valid for writes of `len ≤ buf.len()` bytes for the
    // whole call (borrowed mutably), `read(2)` writes at most `len` bytes
    // there, and writing to `MaybeUninit` memory is allowed.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), len) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// tokio's `AsyncWrite` for `$ty`, a pipe's writing end whose
/// `PollEvented<mio::unix::pipe::Sender>` is `self.io`, and futures-io's
/// with its feature: for [`Sender`] and a child's stdin.
macro_rules! pipe_writer_io {
    ($ty:ty) => {
        impl $crate::io::RawWrite for $ty {
            fn raw_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::unix::pipe::poll_write(&self.io, cx, buf)
            }

            fn raw_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::unix::pipe::poll_write_vectored(&self.io, cx, bufs)
            }

            fn raw_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                // Writes go straight to the pipe: nothing is buffered.
                std::task::Poll::Ready(Ok(()))
            }

            fn raw_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                // As tokio's: a pipe has no half to shut down; it closes
                // on drop.
                std::task::Poll::Ready(Ok(()))
            }
        }

        // tokio's `AsyncWrite`, and futures-io's with its feature.
        async_write_through_raw!($ty);
    };
}

/// tokio's `AsyncRead` for `$ty`, a pipe's reading end whose
/// `PollEvented<mio::unix::pipe::Receiver>` is `self.io`, which reads
/// straight into the unfilled part of the `ReadBuf`, uninitialised or not,
/// and futures-io's with its feature: for [`Receiver`] and a child's
/// stdout and stderr.
macro_rules! pipe_reader_io {
    ($ty:ty) => {
        #[cfg(feature = "futures-io")]
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::unix::pipe::poll_read(&self.io, cx, buf)
            }
        }

        impl tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                $crate::net::unix::pipe::poll_read_tokio(&self.io, cx, buf)
            }
        }
    };
}

/// A pipe's read into `buf`: edge-triggered, and a read that came back
/// short clears readiness. Shared with `process`'s child pipes.
#[cfg_attr(not(feature = "futures-io"), allow(dead_code))]
pub(crate) fn poll_read(
    io: &PollEvented<mio_pipe::Receiver>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let len = buf.len();
    io.poll_read_io(cx, len, |mut pipe| io::Read::read(&mut pipe, buf))
}

/// A pipe's read into tokio's `ReadBuf`, straight into its unfilled part,
/// uninitialised or not (`read(2)` only writes there): nothing is zeroed.
/// Shared with `process`'s child pipes.
pub(crate) fn poll_read_tokio(
    io: &PollEvented<mio_pipe::Receiver>,
    cx: &mut Context<'_>,
    buf: &mut tokio::io::ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let len = buf.remaining();
    std::task::ready!(io.poll_read_io(cx, len, |pipe| {
        crate::net::recv_into_read_buf(&mut *buf, |spare| {
            read_uninit(pipe.as_fd(), spare).map(|n| (n, n))
        })
    }))?;
    Poll::Ready(Ok(()))
}

/// A pipe's write. Shared with `process`'s child pipes.
pub(crate) fn poll_write(
    io: &PollEvented<mio_pipe::Sender>,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    io.poll_io(cx, Direction::Write, |mut pipe| {
        io::Write::write(&mut pipe, buf)
    })
}

/// A pipe's gathered write (`writev`). Shared with `process`'s child pipes.
pub(crate) fn poll_write_vectored(
    io: &PollEvented<mio_pipe::Sender>,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    io.poll_io(cx, Direction::Write, |mut pipe| {
        io::Write::write_vectored(&mut pipe, bufs)
    })
}

/// The writing end of a pipe, registered with the runtime's driver for
/// writes only.
///
/// Writes go straight to the pipe; `flush` and `close` (tokio's
/// `shutdown`) do nothing, as in tokio: the pipe closes when the `Sender`
/// is dropped, and readers then see end-of-file once no other writer is
/// left. A write after every reader is gone fails with `BrokenPipe`.
///
/// ```
/// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let (mut tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
///     drop(rx);
///     let err = tx.write_all(b"nobody listens").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
/// });
/// ```
pub struct Sender {
    io: PollEvented<mio_pipe::Sender>,
}

impl Sender {
    /// Registers `pipe`, non-blocking already, with `handle`'s driver.
    fn register(pipe: mio_pipe::Sender, handle: &Handle) -> io::Result<Sender> {
        let io = PollEvented::with_handle_interest(pipe, handle, mio::Interest::WRITABLE)?;
        Ok(Sender { io })
    }

    /// `from_owned_fd` naming `what` if it panics.
    #[track_caller]
    fn checked_fd(fd: OwnedFd, what: &str) -> io::Result<Sender> {
        let fd = checked(fd, End::Sender)?;
        Sender::register(mio_pipe::Sender::from(fd), &io_handle(what))
    }

    /// Takes over `file`, the writing end of a pipe or a FIFO: checks it,
    /// makes it non-blocking and registers it with the runtime of the
    /// calling code; as [`from_owned_fd`](Self::from_owned_fd).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `file` is not a pipe, or not open for writing.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (after the checks, as tokio's).
    ///
    /// ```
    /// use taskcell_executor::net::unix::pipe::Sender;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let file = tempfile_like();
    ///     let err = Sender::from_file(file).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "not a pipe");
    /// });
    /// # fn tempfile_like() -> std::fs::File {
    /// #     let path = std::env::temp_dir().join(format!("taskcell-doc-{}-sender-from-file", std::process::id()));
    /// #     let file = std::fs::File::create(&path).unwrap();
    /// #     std::fs::remove_file(&path).unwrap();
    /// #     file
    /// # }
    /// ```
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Sender> {
        Sender::checked_fd(file.into(), "`pipe::Sender::from_file`")
    }

    /// Takes over `owned_fd`, the writing end of an anonymous pipe or a
    /// FIFO: checks that it is a pipe open for writing (`O_WRONLY` or
    /// `O_RDWR`), makes it non-blocking if it is not, and registers it with
    /// the runtime of the calling code.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the descriptor is not a pipe, or not open for
    /// writing; the operating system's if a check fails.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (after the checks, as tokio's).
    ///
    /// ```
    /// use std::io::Read;
    /// use std::os::fd::OwnedFd;
    /// use taskcell_executor::io::AsyncWriteExt;
    /// use taskcell_executor::net::unix::pipe::{self, Sender};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = pipe::pipe().unwrap();
    ///     let fd: OwnedFd = tx.into_blocking_fd().unwrap();
    ///     let mut tx = Sender::from_owned_fd(fd).unwrap();
    ///     tx.write_all(b"again").await.unwrap();
    ///     drop(tx);
    ///     let mut text = String::new();
    ///     std::fs::File::from(rx.into_blocking_fd().unwrap()).read_to_string(&mut text).unwrap();
    ///     assert_eq!(text, "again");
    /// });
    /// ```
    #[track_caller]
    pub fn from_owned_fd(owned_fd: OwnedFd) -> io::Result<Sender> {
        Sender::checked_fd(owned_fd, "`pipe::Sender::from_owned_fd`")
    }

    /// Takes over `file` without checking it: the caller makes sure it is
    /// the writing end of a pipe, open for writing and non-blocking (a
    /// blocking one would block a worker thread in `write(2)`). Registers
    /// it with the runtime of the calling code.
    ///
    /// # Errors
    ///
    /// If the driver refuses to register it.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    /// use taskcell_executor::net::unix::pipe::{OpenOptions, Sender};
    ///
    /// # let dir = std::env::temp_dir().join(format!("taskcell-doc-fifo-{}-tx-unchecked", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("fifo");
    /// # assert!(std::process::Command::new("mkfifo").arg(&path).status().unwrap().success());
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let _rx = OpenOptions::new().open_receiver(&path).unwrap();
    ///     let file = std::fs::OpenOptions::new()
    ///         .write(true)
    ///         .custom_flags(libc::O_NONBLOCK)
    ///         .open(&path)
    ///         .unwrap();
    ///     assert!(file.metadata().unwrap().file_type().is_fifo());
    ///     let tx = Sender::from_file_unchecked(file).unwrap();
    /// #   drop(tx);
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Sender> {
        let handle = io_handle("`pipe::Sender::from_file_unchecked`");
        Sender::register(mio_pipe::Sender::from(OwnedFd::from(file)), &handle)
    }

    /// Takes over `owned_fd` without checking it; as
    /// [`from_file_unchecked`](Self::from_file_unchecked).
    ///
    /// # Errors
    ///
    /// If the driver refuses to register it.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use taskcell_executor::net::unix::pipe::{self, Sender};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, _rx) = pipe::pipe().unwrap();
    ///     let fd = tx.into_nonblocking_fd().unwrap();
    ///     let tx = Sender::from_owned_fd_unchecked(fd).unwrap();
    ///     tx.writable().await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn from_owned_fd_unchecked(owned_fd: OwnedFd) -> io::Result<Sender> {
        let handle = io_handle("`pipe::Sender::from_owned_fd_unchecked`");
        Sender::register(mio_pipe::Sender::from(owned_fd), &handle)
    }

    /// Waits until the pipe is ready for any of `interest`, and returns the
    /// readiness found: `WRITABLE`, or `WRITE_CLOSED` once every reader is
    /// gone. Only writes are registered: waiting for `READABLE` alone never
    /// ends, as in tokio.
    ///
    /// The readiness may be stale when used (another task may have filled
    /// the pipe), and the wait may end with none at all (tokio's false
    /// positive): the `try_write` that follows can hit `WouldBlock`, and
    /// should then wait again.
    ///
    /// Cancel-safe: dropping the future loses nothing.
    ///
    /// # Errors
    ///
    /// Once the runtime is gone.
    ///
    /// ```
    /// use taskcell_executor::io::Interest;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     assert!(tx.ready(Interest::WRITABLE).await.unwrap().is_writable());
    ///     drop(rx);
    ///     while !tx.ready(Interest::WRITABLE).await.unwrap().is_write_closed() {}
    /// });
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until the pipe is writable (or every reader is gone):
    /// `ready(Interest::WRITABLE)`. Usually followed by
    /// [`try_write`](Self::try_write), which may still hit `WouldBlock`.
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// Once the runtime is gone.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, _rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     tx.writable().await.unwrap();
    /// });
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for write readiness: `Ready(Ok(()))` once the pipe is writable
    /// (or every reader is gone). As tokio's, only the waker of the most
    /// recent call is woken: a call from another task replaces (and drops)
    /// the waker of the one before. Tasks waiting in `writable`, `ready`
    /// or a write are apart from this, and each is woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, _rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     poll_fn(|cx| tx.poll_write_ready(cx)).await.unwrap();
    /// });
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_ready_for(cx, Interest::WRITABLE, true)
            .map_ok(drop)
    }

    /// Writes as much of `buf` as the pipe takes now, without waiting: the
    /// byte count, or `WouldBlock` when the pipe is full (or was not seen
    /// writable yet; then wait with [`writable`](Self::writable)).
    /// `BrokenPipe` once every reader is gone.
    ///
    /// A write of up to `PIPE_BUF` bytes (4096 on Linux) is atomic: all of
    /// it or none.
    ///
    /// ```
    /// use std::io;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, _rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     let n = loop {
    ///         tx.writable().await.unwrap();
    ///         match tx.try_write(b"hello") {
    ///             Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
    ///             n => break n.unwrap(),
    ///         }
    ///     };
    ///     assert_eq!(n, 5);
    /// });
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |mut pipe| {
            io::Write::write(&mut pipe, buf)
        })
    }

    /// Writes from several buffers in order (`writev`) without waiting; as
    /// [`try_write`](Self::try_write).
    ///
    /// ```
    /// use std::io::{self, IoSlice};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, _rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     let bufs = [IoSlice::new(b"hel"), IoSlice::new(b"lo")];
    ///     let n = loop {
    ///         tx.writable().await.unwrap();
    ///         match tx.try_write_vectored(&bufs) {
    ///             Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
    ///             n => break n.unwrap(),
    ///         }
    ///     };
    ///     assert_eq!(n, 5);
    /// });
    /// ```
    pub fn try_write_vectored(&self, buf: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |mut pipe| {
            io::Write::write_vectored(&mut pipe, buf)
        })
    }

    /// Runs `f`, a write of the caller's own on this pipe (through its
    /// descriptor), if the pipe was last seen writable; if `f` returns
    /// `WouldBlock`, that readiness is forgotten, so the next wait waits for
    /// a new event. If the pipe was not seen writable, returns
    /// `WouldBlock` without calling `f`.
    ///
    /// `f` must do non-blocking I/O and report `WouldBlock` truthfully: the
    /// pipe is edge-triggered, and readiness forgotten while there is room
    /// would wait for an event that never comes.
    ///
    /// ```
    /// use std::io;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, _rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     tx.writable().await.unwrap();
    ///     let err = tx.try_io(|| Err::<(), _>(io::ErrorKind::WouldBlock.into()));
    ///     assert_eq!(err.unwrap_err().kind(), io::ErrorKind::WouldBlock);
    ///     // The readiness is forgotten: `f` is not called now.
    ///     let err = tx.try_io(|| -> io::Result<()> { unreachable!() });
    ///     assert_eq!(err.unwrap_err().kind(), io::ErrorKind::WouldBlock);
    /// });
    /// ```
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Interest::WRITABLE, |_| f())
    }

    /// Deregisters the pipe and gives back its descriptor in blocking mode
    /// (what a child process handed it expects).
    ///
    /// # Errors
    ///
    /// If deregistering fails (the descriptor is then closed) or the
    /// descriptor cannot be made blocking. An end that outlived its runtime
    /// still gives its descriptor back.
    ///
    /// ```
    /// use taskcell_executor::io::AsyncReadExt;
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, mut rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     let status = Command::new("echo").arg("hi").stdout(tx.into_blocking_fd().unwrap()).status();
    ///     let mut out = String::new();
    ///     rx.read_to_string(&mut out).await.unwrap();
    ///     assert!(status.await.unwrap().success());
    ///     assert_eq!(out, "hi\n");
    /// });
    /// ```
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let pipe = self.io.into_inner()?;
        pipe.set_nonblocking(false)?;
        Ok(pipe.into())
    }

    /// Deregisters the pipe and gives back its descriptor, still
    /// non-blocking.
    ///
    /// # Errors
    ///
    /// If deregistering fails (the descriptor is then closed). An end that
    /// outlived its runtime still gives its descriptor back.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, _rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     let fd = tx.into_nonblocking_fd().unwrap();
    /// #   drop(fd);
    /// });
    /// ```
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        Ok(self.io.into_inner()?.into())
    }
}

pipe_writer_io!(Sender);

/// The reading end of a pipe, registered with the runtime's driver for
/// reads only.
///
/// Once every writer has closed the pipe, reads return what is left, then
/// 0 (end-of-file). A FIFO opened with
/// [`read_write`](OpenOptions::read_write) holds a writing end itself, so
/// it never reads end-of-file.
///
/// ```
/// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let (mut tx, mut rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
///     tx.write_all(b"last words").await.unwrap();
///     drop(tx);
///     let mut all = Vec::new();
///     rx.read_to_end(&mut all).await.unwrap();
///     assert_eq!(all, b"last words");
///     assert_eq!(rx.read(&mut [0; 8]).await.unwrap(), 0, "end-of-file again");
/// });
/// ```
pub struct Receiver {
    io: PollEvented<mio_pipe::Receiver>,
}

impl Receiver {
    /// Registers `pipe`, non-blocking already, with `handle`'s driver.
    fn register(pipe: mio_pipe::Receiver, handle: &Handle) -> io::Result<Receiver> {
        let io = PollEvented::with_handle_interest(pipe, handle, mio::Interest::READABLE)?;
        Ok(Receiver { io })
    }

    /// `from_owned_fd` naming `what` if it panics.
    #[track_caller]
    fn checked_fd(fd: OwnedFd, what: &str) -> io::Result<Receiver> {
        let fd = checked(fd, End::Receiver)?;
        Receiver::register(mio_pipe::Receiver::from(fd), &io_handle(what))
    }

    /// Takes over `file`, the reading end of a pipe or a FIFO: checks it,
    /// makes it non-blocking and registers it with the runtime of the
    /// calling code; as [`from_owned_fd`](Self::from_owned_fd).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `file` is not a pipe, or not open for reading.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (after the checks, as tokio's).
    ///
    /// ```
    /// use std::os::unix::fs::OpenOptionsExt;
    /// use taskcell_executor::net::unix::pipe::{OpenOptions, Receiver};
    ///
    /// # let dir = std::env::temp_dir().join(format!("taskcell-doc-fifo-{}-rx-from-file", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("fifo");
    /// # assert!(std::process::Command::new("mkfifo").arg(&path).status().unwrap().success());
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let _rx = OpenOptions::new().open_receiver(&path).unwrap();
    ///     // The FIFO, but open for writing: no receiver can come of it.
    ///     let write_only = std::fs::OpenOptions::new()
    ///         .write(true)
    ///         .custom_flags(libc::O_NONBLOCK)
    ///         .open(&path)
    ///         .unwrap();
    ///     let err = Receiver::from_file(write_only).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Receiver> {
        Receiver::checked_fd(file.into(), "`pipe::Receiver::from_file`")
    }

    /// Takes over `owned_fd`, the reading end of an anonymous pipe or a
    /// FIFO: checks that it is a pipe open for reading (`O_RDONLY` or
    /// `O_RDWR`), makes it non-blocking if it is not, and registers it with
    /// the runtime of the calling code.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the descriptor is not a pipe, or not open for
    /// reading; the operating system's if a check fails.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (after the checks, as tokio's).
    ///
    /// ```
    /// use std::io::Write;
    /// use taskcell_executor::io::AsyncReadExt;
    /// use taskcell_executor::net::unix::pipe::{self, Receiver};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = pipe::pipe().unwrap();
    ///     let mut rx = Receiver::from_owned_fd(rx.into_blocking_fd().unwrap()).unwrap();
    ///     let mut tx = std::fs::File::from(tx.into_blocking_fd().unwrap());
    ///     tx.write_all(b"std wrote").unwrap();
    ///     drop(tx);
    ///     let mut text = String::new();
    ///     rx.read_to_string(&mut text).await.unwrap();
    ///     assert_eq!(text, "std wrote");
    /// });
    /// ```
    #[track_caller]
    pub fn from_owned_fd(owned_fd: OwnedFd) -> io::Result<Receiver> {
        Receiver::checked_fd(owned_fd, "`pipe::Receiver::from_owned_fd`")
    }

    /// Takes over `file` without checking it: the caller makes sure it is
    /// the reading end of a pipe, open for reading and non-blocking (a
    /// blocking one would block a worker thread in `read(2)`). Registers it
    /// with the runtime of the calling code.
    ///
    /// # Errors
    ///
    /// If the driver refuses to register it.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use std::os::unix::fs::OpenOptionsExt;
    /// use taskcell_executor::net::unix::pipe::Receiver;
    ///
    /// # let dir = std::env::temp_dir().join(format!("taskcell-doc-fifo-{}-rx-unchecked", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("fifo");
    /// # assert!(std::process::Command::new("mkfifo").arg(&path).status().unwrap().success());
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let file = std::fs::OpenOptions::new()
    ///         .read(true)
    ///         .custom_flags(libc::O_NONBLOCK)
    ///         .open(&path)
    ///         .unwrap();
    ///     let rx = Receiver::from_file_unchecked(file).unwrap();
    /// #   drop(rx);
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Receiver> {
        let handle = io_handle("`pipe::Receiver::from_file_unchecked`");
        Receiver::register(mio_pipe::Receiver::from(OwnedFd::from(file)), &handle)
    }

    /// Takes over `owned_fd` without checking it; as
    /// [`from_file_unchecked`](Self::from_file_unchecked).
    ///
    /// # Errors
    ///
    /// If the driver refuses to register it.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use taskcell_executor::net::unix::pipe::{self, Receiver};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (_tx, rx) = pipe::pipe().unwrap();
    ///     let fd = rx.into_nonblocking_fd().unwrap();
    ///     let rx = Receiver::from_owned_fd_unchecked(fd).unwrap();
    /// #   drop(rx);
    /// });
    /// ```
    #[track_caller]
    pub fn from_owned_fd_unchecked(owned_fd: OwnedFd) -> io::Result<Receiver> {
        let handle = io_handle("`pipe::Receiver::from_owned_fd_unchecked`");
        Receiver::register(mio_pipe::Receiver::from(owned_fd), &handle)
    }

    /// Waits until the pipe is ready for any of `interest`, and returns the
    /// readiness found: `READABLE`, or `READ_CLOSED` once every writer is
    /// gone. Only reads are registered: waiting for `WRITABLE` alone never
    /// ends, as in tokio.
    ///
    /// The readiness may be stale when used (another task may have drained
    /// the pipe), and the wait may end with none at all (tokio's false
    /// positive): the `try_read` that follows can hit `WouldBlock`, and
    /// should then wait again.
    ///
    /// Cancel-safe: dropping the future loses nothing.
    ///
    /// # Errors
    ///
    /// Once the runtime is gone.
    ///
    /// ```
    /// use taskcell_executor::io::Interest;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     drop(tx);
    ///     while !rx.ready(Interest::READABLE).await.unwrap().is_read_closed() {}
    /// });
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until the pipe is readable (or every writer is gone):
    /// `ready(Interest::READABLE)`. Usually followed by
    /// [`try_read`](Self::try_read), which may still hit `WouldBlock`.
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// Once the runtime is gone.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     tx.writable().await.unwrap();
    ///     tx.try_write(b"x").unwrap();
    ///     rx.readable().await.unwrap();
    /// });
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.io.ready(Interest::READABLE).await.map(drop)
    }

    /// Polls for read readiness: `Ready(Ok(()))` once the pipe is readable
    /// (or every writer is gone). As tokio's, only the waker of the most
    /// recent call is woken: a call from another task replaces (and drops)
    /// the waker of the one before. Tasks waiting in `readable`, `ready`
    /// or a read are apart from this, and each is woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     drop(tx);
    ///     poll_fn(|cx| rx.poll_read_ready(cx)).await.unwrap();
    /// });
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_ready_for(cx, Interest::READABLE, true)
            .map_ok(drop)
    }

    /// Reads what the pipe holds into `buf` without waiting: the byte count
    /// (0 at end-of-file, or for an empty `buf`), or `WouldBlock` when there
    /// is nothing yet (or the pipe was not seen readable; then wait with
    /// [`readable`](Self::readable)).
    ///
    /// ```
    /// use std::io;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(rx.try_read(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
    ///     tx.writable().await.unwrap();
    ///     tx.try_write(b"hey").unwrap();
    ///     let n = loop {
    ///         rx.readable().await.unwrap();
    ///         match rx.try_read(&mut buf) {
    ///             Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
    ///             n => break n.unwrap(),
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], b"hey");
    /// });
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |mut pipe| {
            io::Read::read(&mut pipe, buf)
        })
    }

    /// Reads into several buffers in order (`readv`) without waiting; as
    /// [`try_read`](Self::try_read).
    ///
    /// ```
    /// use std::io::{self, IoSliceMut};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     tx.writable().await.unwrap();
    ///     tx.try_write(b"abcd").unwrap();
    ///     let (mut head, mut tail) = ([0; 1], [0; 8]);
    ///     let n = loop {
    ///         rx.readable().await.unwrap();
    ///         let mut bufs = [IoSliceMut::new(&mut head), IoSliceMut::new(&mut tail)];
    ///         match rx.try_read_vectored(&mut bufs) {
    ///             Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
    ///             n => break n.unwrap(),
    ///         }
    ///     };
    ///     assert_eq!((n, &head, &tail[..3]), (4, b"a", &b"bcd"[..]));
    /// });
    /// ```
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |mut pipe| {
            io::Read::read_vectored(&mut pipe, bufs)
        })
    }

    /// Reads what the pipe holds into `buf`'s spare capacity without
    /// waiting, and advances `buf` past it: as [`try_read`](Self::try_read),
    /// for a growable buffer such as `Vec<u8>` or `bytes::BytesMut` (which
    /// grows if it has no spare capacity). Uninitialised capacity is read
    /// into as it is: nothing is zeroed first.
    ///
    /// ```
    /// use std::io;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     tx.writable().await.unwrap();
    ///     tx.try_write(b"grow").unwrap();
    ///     let mut buf = Vec::with_capacity(2);
    ///     buf.push(b'>');
    ///     while buf.len() < 5 {
    ///         rx.readable().await.unwrap();
    ///         match rx.try_read_buf(&mut buf) {
    ///             Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
    ///             n => assert!(n.unwrap() > 0),
    ///         }
    ///     }
    ///     assert_eq!(buf, b">grow");
    /// });
    /// ```
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |pipe| {
            crate::net::read_into_buf(buf, |spare| {
                read_uninit(pipe.as_fd(), spare).map(|n| (n, ()))
            })
            .map(|(n, ())| n)
        })
    }

    /// Runs `f`, a read of the caller's own on this pipe (through its
    /// descriptor), if the pipe was last seen readable; if `f` returns
    /// `WouldBlock`, that readiness is forgotten, so the next wait waits
    /// for a new event. If the pipe was not seen readable, returns
    /// `WouldBlock` without calling `f`.
    ///
    /// `f` must do non-blocking I/O and report `WouldBlock` truthfully: the
    /// pipe is edge-triggered, and readiness forgotten while data remains
    /// would wait for an event that never comes.
    ///
    /// ```
    /// use std::io;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     // Nothing written yet: `f` is not called.
    ///     let err = rx.try_io(|| -> io::Result<()> { unreachable!() });
    ///     assert_eq!(err.unwrap_err().kind(), io::ErrorKind::WouldBlock);
    ///     tx.writable().await.unwrap();
    ///     tx.try_write(b"x").unwrap();
    ///     rx.readable().await.unwrap();
    ///     assert!(rx.try_io(|| Ok(())).is_ok());
    /// });
    /// ```
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Interest::READABLE, |_| f())
    }

    /// Deregisters the pipe and gives back its descriptor in blocking mode
    /// (what a child process handed it expects).
    ///
    /// # Errors
    ///
    /// If deregistering fails (the descriptor is then closed) or the
    /// descriptor cannot be made blocking. An end that outlived its runtime
    /// still gives its descriptor back.
    ///
    /// ```
    /// use taskcell_executor::io::AsyncWriteExt;
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (mut tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     let child = Command::new("cat")
    ///         .stdin(rx.into_blocking_fd().unwrap())
    ///         .stdout(std::process::Stdio::piped())
    ///         .spawn()
    ///         .unwrap();
    ///     tx.write_all(b"fed").await.unwrap();
    ///     drop(tx);
    ///     let out = child.wait_with_output().await.unwrap();
    ///     assert_eq!(out.stdout, b"fed");
    /// });
    /// ```
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let pipe = self.io.into_inner()?;
        pipe.set_nonblocking(false)?;
        Ok(pipe.into())
    }

    /// Deregisters the pipe and gives back its descriptor, still
    /// non-blocking.
    ///
    /// # Errors
    ///
    /// If deregistering fails (the descriptor is then closed). An end that
    /// outlived its runtime still gives its descriptor back.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let (_tx, rx) = taskcell_executor::net::unix::pipe::pipe().unwrap();
    ///     let fd = rx.into_nonblocking_fd().unwrap();
    /// #   drop(fd);
    /// });
    /// ```
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        Ok(self.io.into_inner()?.into())
    }
}

pipe_reader_io!(Receiver);

/// `Debug` for the pipe ends: the descriptor.
macro_rules! pipe_debug {
    ($($ty:ident),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &self.as_raw_fd())
                    .finish()
            }
        }
    )*};
}

pipe_debug!(Sender, Receiver);
fd_impls!(Sender, Receiver);

//! The child's ends of its standard streams, as pipes registered with the
//! runtime's driver: [`ChildStdin`], [`ChildStdout`], [`ChildStderr`].
//!
//! The standard library's pipe is made non-blocking and registered once,
//! edge-triggered, like a socket (`mio`'s pipe types do both); reads and
//! writes then wait for readiness events, never in `read(2)` or
//! `write(2)`. They are those of [`net::unix::pipe`](crate::net::unix::pipe),
//! whose `Sender` and `Receiver` wrap the same `mio` types.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::process::Stdio;

use mio::unix::pipe::{Receiver, Sender};

use crate::driver::io::PollEvented;
use crate::scheduler::Handle;

/// The parent's end of a child's standard input: an
/// [`AsyncWrite`](crate::io::AsyncWrite) (and futures-io's, feature
/// `futures-io`).
///
/// The child reads end-of-file once this is dropped (or the
/// [`Child`](super::Child) is waited for, which drops it). As in tokio,
/// `close` (`shutdown` in tokio's terms) does not close the pipe: it
/// flushes, which does nothing, since writes go straight to the pipe.
///
/// ```
/// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
/// use taskcell_executor::process::Command;
/// use std::process::Stdio;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut child = Command::new("cat")
///         .stdin(Stdio::piped())
///         .stdout(Stdio::piped())
///         .spawn()
///         .unwrap();
///     let mut stdin = child.stdin.take().unwrap();
///     stdin.write_all(b"hello").await.unwrap();
///     drop(stdin); // end of file for `cat`
///     let mut echoed = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut echoed).await.unwrap();
///     assert_eq!(echoed, "hello");
///     assert!(child.wait().await.unwrap().success());
/// });
/// ```
pub struct ChildStdin {
    io: PollEvented<Sender>,
}

/// The parent's end of a child's standard output: an
/// [`AsyncRead`](crate::io::AsyncRead) (and futures-io's, feature
/// `futures-io`). Reads return 0 at end of file: once the child
/// (and every process that inherited the pipe) has closed it.
///
/// ```
/// use taskcell_executor::io::AsyncReadExt;
/// use taskcell_executor::process::Command;
/// use std::process::Stdio;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn().unwrap();
///     let mut out = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut out).await.unwrap();
///     assert_eq!(out, "hi\n");
///     child.wait().await.unwrap();
/// });
/// ```
pub struct ChildStdout {
    io: PollEvented<Receiver>,
}

/// The parent's end of a child's standard error; as [`ChildStdout`].
///
/// ```
/// use taskcell_executor::io::AsyncReadExt;
/// use taskcell_executor::process::Command;
/// use std::process::Stdio;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut child = Command::new("sh")
///         .args(["-c", "echo oops >&2"])
///         .stderr(Stdio::piped())
///         .spawn()
///         .unwrap();
///     let mut err = String::new();
///     child.stderr.take().unwrap().read_to_string(&mut err).await.unwrap();
///     assert_eq!(err, "oops\n");
///     child.wait().await.unwrap();
/// });
/// ```
pub struct ChildStderr {
    io: PollEvented<Receiver>,
}

/// Makes `pipe` non-blocking and registers it with `handle`'s driver.
fn register<P: mio::event::Source>(
    pipe: P,
    nonblocking: impl FnOnce(&P) -> io::Result<()>,
    handle: &Handle,
) -> io::Result<PollEvented<P>> {
    nonblocking(&pipe)?;
    PollEvented::with_handle(pipe, handle)
}

impl ChildStdin {
    /// Registers a spawned child's pipe with `handle`'s driver.
    pub(crate) fn new(pipe: std::process::ChildStdin, handle: &Handle) -> io::Result<ChildStdin> {
        let io = register(Sender::from(pipe), |p| p.set_nonblocking(true), handle)?;
        Ok(ChildStdin { io })
    }

    /// Takes a standard library `ChildStdin` (from a child spawned with
    /// `std::process::Command`) onto the runtime of the calling code.
    ///
    /// # Errors
    ///
    /// If the pipe cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use taskcell_executor::io::AsyncWriteExt;
    /// use taskcell_executor::process::ChildStdin;
    /// use std::process::{Command, Stdio};
    ///
    /// let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut stdin = ChildStdin::from_std(child.stdin.take().unwrap()).unwrap();
    ///     stdin.write_all(b"data").await.unwrap();
    /// });
    /// assert!(child.wait().unwrap().success());
    /// ```
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStdin) -> io::Result<ChildStdin> {
        let handle = crate::driver::io::io_handle("`ChildStdin::from_std`");
        ChildStdin::new(inner, &handle)
    }

    /// Deregisters the pipe and gives back its descriptor, in blocking
    /// mode again (what a program handed it expects).
    ///
    /// # Errors
    ///
    /// If deregistering or making it blocking fails.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    /// use std::process::Stdio;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
    ///     let fd = child.stdin.take().unwrap().into_owned_fd().unwrap();
    ///     drop(fd); // end of file for `cat`
    ///     assert!(child.wait().await.unwrap().success());
    /// });
    /// ```
    pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
        let pipe = self.io.into_inner()?;
        pipe.set_nonblocking(false)?;
        Ok(pipe.into())
    }
}

/// Implements, for a child's readable pipe: `from_std`, `into_owned_fd`,
/// tokio's `AsyncRead`, and futures-io's with the `futures-io` feature.
macro_rules! reader {
    ($ty:ident, $std:ty, $what:literal) => {
        impl $ty {
            /// Registers a spawned child's pipe with `handle`'s driver.
            pub(crate) fn new(pipe: $std, handle: &Handle) -> io::Result<$ty> {
                let io = register(Receiver::from(pipe), |p| p.set_nonblocking(true), handle)?;
                Ok($ty { io })
            }

            #[doc = concat!("Takes a standard library `", stringify!($ty), "` (from a child")]
            /// spawned with `std::process::Command`) onto the runtime of the
            /// calling code.
            ///
            /// # Errors
            ///
            /// If the pipe cannot be made non-blocking or registered.
            ///
            /// # Panics
            ///
            /// Outside a runtime with I/O enabled.
            ///
            /// ```
            /// use taskcell_executor::io::AsyncReadExt;
            #[doc = concat!("use taskcell_executor::process::", stringify!($ty), ";")]
            /// use std::process::{Command, Stdio};
            ///
            /// let mut child = Command::new("sh")
            ///     .args(["-c", "echo stdout; echo stderr >&2"])
            ///     .stdout(Stdio::piped())
            ///     .stderr(Stdio::piped())
            ///     .spawn()
            ///     .unwrap();
            /// let rt = taskcell_executor::Runtime::new().unwrap();
            /// let text = rt.block_on(async {
            #[doc = concat!("    let pipe = child.", $what, ".take().unwrap();")]
            #[doc = concat!("    let mut pipe = ", stringify!($ty), "::from_std(pipe).unwrap();")]
            ///     let mut text = String::new();
            ///     pipe.read_to_string(&mut text).await.unwrap();
            ///     text
            /// });
            #[doc = concat!("assert_eq!(text.trim(), \"", $what, "\");")]
            /// child.wait().unwrap();
            /// ```
            #[track_caller]
            pub fn from_std(inner: $std) -> io::Result<$ty> {
                let handle = crate::driver::io::io_handle(concat!(
                    "`",
                    stringify!($ty),
                    "::from_std`"
                ));
                $ty::new(inner, &handle)
            }

            /// Deregisters the pipe and gives back its descriptor, in
            /// blocking mode again (what a program handed it expects).
            ///
            /// # Errors
            ///
            /// If deregistering or making it blocking fails.
            ///
            /// ```
            /// use std::io::Read;
            /// use taskcell_executor::process::Command;
            /// use std::process::Stdio;
            ///
            /// let rt = taskcell_executor::Runtime::new().unwrap();
            /// let fd = rt.block_on(async {
            ///     let mut child = Command::new("sh")
            ///         .args(["-c", "echo stdout; echo stderr >&2"])
            ///         .stdout(Stdio::piped())
            ///         .stderr(Stdio::piped())
            ///         .spawn()
            ///         .unwrap();
            #[doc = concat!("    let fd = child.", $what, ".take().unwrap().into_owned_fd().unwrap();")]
            ///     child.wait().await.unwrap();
            ///     fd
            /// });
            /// let mut text = String::new();
            /// std::fs::File::from(fd).read_to_string(&mut text).unwrap();
            #[doc = concat!("assert_eq!(text.trim(), \"", $what, "\");")]
            /// ```
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                let pipe = self.io.into_inner()?;
                pipe.set_nonblocking(false)?;
                Ok(pipe.into())
            }
        }

        pipe_reader_io!($ty);
    };
}

reader!(ChildStdout, std::process::ChildStdout, "stdout");
reader!(ChildStderr, std::process::ChildStderr, "stderr");

pipe_writer_io!(ChildStdin);

/// `AsRawFd`, `AsFd`, `Debug` and the conversion to [`Stdio`] for the pipe
/// types.
macro_rules! pipe_impls {
    ($($ty:ident),*) => {$(
        /// The pipe's descriptor, for a caller's own system calls; it stays
        /// registered: a caller must not close it or make it blocking.
        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }

        /// As `AsRawFd`.
        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }

        /// The pipe as another child's standard stream (`into_owned_fd`):
        /// how one child's output becomes the next one's input.
        ///
        /// ```
        /// use taskcell_executor::process::Command;
        /// use std::process::Stdio;
        ///
        /// let rt = taskcell_executor::Runtime::new().unwrap();
        /// rt.block_on(async {
        ///     let mut first = Command::new("echo").arg("piped").stdout(Stdio::piped()).spawn().unwrap();
        ///     let between: Stdio = first.stdout.take().unwrap().try_into().unwrap();
        ///     let out = Command::new("cat").stdin(between).output().await.unwrap();
        ///     assert_eq!(out.stdout, b"piped\n");
        ///     first.wait().await.unwrap();
        /// });
        /// ```
        impl TryFrom<$ty> for Stdio {
            type Error = io::Error;

            fn try_from(pipe: $ty) -> io::Result<Stdio> {
                pipe.into_owned_fd().map(Stdio::from)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &self.as_raw_fd())
                    .finish()
            }
        }
    )*};
}

pipe_impls!(ChildStdin, ChildStdout, ChildStderr);

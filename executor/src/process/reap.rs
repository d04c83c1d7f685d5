//! How a child's exit is noticed and the child reaped, without ever
//! blocking a worker in `waitpid`.
//!
//! A [`Reaper`] holds the standard library's child and one of two exit
//! notifications, chosen at spawn:
//!
//! 1. **pidfd** (Linux 5.3 and later): `pidfd_open(2)` gives a descriptor
//!    that polls readable once the child has ended; it is registered with
//!    the runtime's driver like a socket. When it is readable, `try_wait`
//!    (`waitpid(pid, WNOHANG)`) reaps the child. No signal handler is
//!    installed, and only this child's waiter wakes.
//! 2. **SIGCHLD** (any other Unix, or where `pidfd_open` fails: `ENOSYS` on
//!    older kernels, `EPERM` under a seccomp filter): a listener of the
//!    crate's own `SIGCHLD` stream (`crate::signal`). At every delivery,
//!    each waiting child looks again with `try_wait`, since deliveries
//!    coalesce and say nothing of which child ended. The listener is made
//!    *before* the first `try_wait`: a child that ends before it exists is
//!    seen by that `try_wait`, one that ends after sends a `SIGCHLD` the
//!    listener counts.
//!
//! A child outlives the runtime it was spawned on: once that runtime is
//! gone, the next look (a `wait` polled elsewhere) watches the child anew
//! through the runtime of the calling code, as tokio's re-registration
//! does; with none, it fails with the shut-down error.
//!
//! A child whose [`Child`](super::Child) is dropped before it was reaped
//! is reaped in the background by a task spawned on its runtime
//! ([`Reaper::reap_in_background`]), which awaits the same notification.
//! That is prompt (the exit wakes it) and costs nothing while the child
//! runs, and the pidfd path needs no process-wide `SIGCHLD` handler for
//! it, where tokio's orphan queue installs one. If the runtime is gone, or
//! goes before the child ends, the child is adopted by `orphan`.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::{Child as StdChild, ExitStatus};
use std::task::{ready, Context, Poll};

use super::orphan;
#[cfg(target_os = "linux")]
use super::pidfd::PidFd;
use crate::driver::io::scheduled_io::gone;
#[cfg(target_os = "linux")]
use crate::driver::io::PollEvented;
#[cfg(target_os = "linux")]
use crate::io::Interest;
use crate::scheduler::Handle;
use crate::signal::unix::{signal_with_handle, Signal, SignalKind};
use crate::task::Meta;

/// Whether children are watched through a pidfd where the kernel allows.
/// The crate's own unit tests turn it off, to run the `SIGCHLD` path on
/// Linux too (the integration tests run the pidfd path).
#[cfg(target_os = "linux")]
const TRY_PIDFD: bool = cfg!(all(target_os = "linux", not(test)));

/// How the exit of a child is noticed; see the module docs.
enum Exit {
    #[cfg(target_os = "linux")]
    Pidfd(PollEvented<PidFd>),
    Sigchld(Signal),
}

/// A spawned, not yet reaped child and its exit notification.
pub(crate) struct Reaper {
    std: StdChild,
    exit: Exit,
    /// The runtime the notification comes through, which a background
    /// reap is spawned on.
    handle: Handle,
}

impl Reaper {
    /// Watches `std`, just spawned, through `handle`'s driver (which has
    /// I/O enabled).
    ///
    /// # Errors
    ///
    /// If neither notification can be set up (the runtime has shut down,
    /// or the `SIGCHLD` handler cannot be installed). `std` is then handed
    /// back, for the caller to dispose of.
    pub(crate) fn new(std: StdChild, handle: &Handle) -> Result<Reaper, (io::Error, StdChild)> {
        match Exit::watch(std.id(), handle) {
            Ok(exit) => Ok(Reaper {
                std,
                exit,
                handle: handle.clone(),
            }),
            Err(err) => Err((err, std)),
        }
    }

    /// The child's process id.
    pub(crate) fn id(&self) -> u32 {
        self.std.id()
    }

    /// Whether the exit is noticed through `SIGCHLD`.
    #[cfg(test)]
    pub(crate) fn uses_sigchld(&self) -> bool {
        matches!(self.exit, Exit::Sigchld(_))
    }

    /// Sends `SIGKILL` (the standard library's `kill`).
    pub(crate) fn kill(&mut self) -> io::Result<()> {
        self.std.kill()
    }

    /// Reaps the child if it has ended, without waiting.
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.std.try_wait()
    }

    /// `Ready` with the exit status once the child has ended (and is
    /// reaped); otherwise `cx`'s waker is woken when it may have.
    ///
    /// If the runtime that watches the child is gone, the runtime of the
    /// calling code takes over (as in tokio, where a child spawned on one
    /// runtime may be waited for on another); without one, the result is
    /// the runtime's shut-down error: never `Pending` for ever.
    pub(crate) fn poll_exit(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        loop {
            let gone = match &mut self.exit {
                #[cfg(target_os = "linux")]
                Exit::Pidfd(pidfd) => match pidfd.poll_ready_for(cx, Interest::READABLE, false) {
                    Poll::Ready(Ok(_)) => {
                        if let Some(status) = self.std.try_wait()? {
                            return Poll::Ready(Ok(status));
                        }
                        // A pidfd polls readable only once its process has
                        // ended (`pidfd_open(2)`), so `waitpid` finds it;
                        // should it not, look again after the other tasks
                        // have run, rather than wait for an edge that has
                        // come already.
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(err)) => err,
                    Poll::Pending => return Poll::Pending,
                },
                Exit::Sigchld(listener) => loop {
                    if let Some(status) = self.std.try_wait()? {
                        return Poll::Ready(Ok(status));
                    }
                    match listener.poll_recv(cx) {
                        // A `SIGCHLD` since the last look: some child ended.
                        Poll::Ready(Some(())) => continue,
                        Poll::Ready(None) => break gone(),
                        Poll::Pending => return Poll::Pending,
                    }
                },
            };
            // The watching runtime is gone.
            if let Some(status) = self.std.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            let Some(handle) = current_runtime() else {
                return Poll::Ready(Err(gone));
            };
            // The child has not been reaped: its pid is still its own. A
            // new `SIGCHLD` listener exists before the loop's `try_wait`.
            match Exit::watch(self.std.id(), &handle) {
                Ok(exit) => {
                    self.exit = exit;
                    self.handle = handle;
                }
                Err(_) => return Poll::Ready(Err(gone)),
            }
        }
    }

    /// The child's handle is dropped before the child was reaped: reaps it
    /// now if it has ended, otherwise once it does, in a task on its
    /// runtime (or, with the runtime gone, by `orphan`).
    pub(crate) fn reap_in_background(mut self) {
        if !matches!(self.std.try_wait(), Ok(None)) {
            // Reaped now, or not ours to reap (`ECHILD`).
            return;
        }
        if self.handle.is_shutdown() {
            orphan::adopt(self.std);
            return;
        }
        let handle = self.handle.clone();
        let meta = Meta {
            name: Some("taskcell_executor::process::reap"),
            ..Meta::caller()
        };
        // A refused spawn (the runtime shut down meanwhile) drops the
        // future, whose `Drop` hands the child to `orphan`.
        drop(handle.spawn(Background(Some(self)), meta));
    }
}

impl Exit {
    /// Watches process `pid`, an unreaped child, through `handle`'s driver:
    /// a pidfd where the kernel allows, otherwise a `SIGCHLD` listener.
    fn watch(pid: u32, handle: &Handle) -> io::Result<Exit> {
        #[cfg(target_os = "linux")]
        if TRY_PIDFD {
            let pidfd = PidFd::open(pid).and_then(|pidfd| PollEvented::with_handle(pidfd, handle));
            if let Ok(pidfd) = pidfd {
                return Ok(Exit::Pidfd(pidfd));
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = pid;
        // The listener exists before the first `try_wait` (in `poll_exit`).
        signal_with_handle(SignalKind::child(), handle.clone()).map(Exit::Sigchld)
    }
}

/// The runtime of the calling code, if it has I/O and has not shut down.
fn current_runtime() -> Option<Handle> {
    let handle = crate::runtime::Handle::try_current().ok()?.inner;
    (handle.io().is_some() && !handle.is_shutdown()).then_some(handle)
}

impl fmt::Debug for Reaper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reaper")
            .field("pid", &self.std.id())
            .field(
                "exit",
                &match self.exit {
                    #[cfg(target_os = "linux")]
                    Exit::Pidfd(_) => "pidfd",
                    Exit::Sigchld(_) => "SIGCHLD",
                },
            )
            .finish()
    }
}

/// The task that reaps a dropped child: done once the child is reaped.
/// Dropped before that (its runtime shut down), it hands the child to
/// `orphan`.
struct Background(Option<Reaper>);

impl Future for Background {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(reaper) = &mut self.0 {
            if ready!(reaper.poll_exit(cx)).is_ok() {
                self.0 = None;
            }
            // An error: the runtime is gone (the child is adopted on drop)
            // or the child is not ours to reap any more.
        }
        Poll::Ready(())
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(reaper) = self.0.take() {
            orphan::adopt(reaper.std);
        }
    }
}

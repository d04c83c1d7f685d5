//! Unix signals: [`signal`] gives a [`Signal`] stream for one
//! [`SignalKind`], as tokio's `signal::unix`.

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll};

use super::registry::{Registry, Slot};
use crate::scheduler::Handle;

/// A kind of signal: its number, with constructors for the usual ones.
///
/// ```
/// use taskcell_executor::signal::unix::SignalKind;
///
/// assert_eq!(SignalKind::hangup().as_raw_value(), libc::SIGHUP);
/// assert_eq!(SignalKind::from_raw(libc::SIGUSR1), SignalKind::user_defined1());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// The signal with number `signum`.
    pub const fn from_raw(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    pub const fn as_raw_value(&self) -> libc::c_int {
        self.0
    }

    /// `SIGALRM`: a timer set with `alarm(2)` expired.
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// `SIGCHLD`: a child process stopped or ended.
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// `SIGHUP`: the terminal went away; daemons take it as "reload".
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGINFO`: a request for a status line (Ctrl-T at the terminal on
    /// the BSDs and macOS). Ignored by default. Only where the system has
    /// it, as tokio's.
    ///
    /// ```
    /// # #[cfg(any(
    /// #     target_os = "dragonfly",
    /// #     target_os = "freebsd",
    /// #     target_os = "macos",
    /// #     target_os = "netbsd",
    /// #     target_os = "openbsd",
    /// #     target_os = "illumos"
    /// # ))]
    /// # {
    /// use taskcell_executor::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::info().as_raw_value(), libc::SIGINFO);
    /// # }
    /// ```
    #[cfg(any(
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "illumos"
    ))]
    pub const fn info() -> SignalKind {
        SignalKind(libc::SIGINFO)
    }

    /// `SIGINT`: Ctrl-C at the terminal.
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// `SIGIO`: I/O is possible on a descriptor set up for it.
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// `SIGPIPE`: a write to a pipe or socket with no reader.
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// `SIGQUIT`: Ctrl-\ at the terminal.
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// `SIGTERM`: a polite request to end (what `kill` and service
    /// managers send).
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGUSR1`: for the program's own use.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`: for the program's own use.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// `SIGWINCH`: the terminal's window changed size.
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<libc::c_int> for SignalKind {
    fn from(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }
}

impl From<SignalKind> for libc::c_int {
    fn from(kind: SignalKind) -> libc::c_int {
        kind.0
    }
}

/// A stream of one signal's deliveries; see [`signal`].
pub struct Signal {
    slot: &'static Slot,
    /// The deliveries seen so far.
    seen: u64,
    /// The runtime whose driver delivers: once it is gone, `recv` ends.
    handle: Handle,
}

/// Listens for `kind` from now on: installs the process-wide handler for it
/// (once; the signal's default action no longer happens) and registers the
/// runtime's driver to deliver it. Deliveries before this call are not
/// seen.
///
/// # Errors
///
/// For a signal that cannot be handled (`SIGKILL`, `SIGSTOP`, and the
/// faults `SIGILL`, `SIGFPE`, `SIGSEGV`, `SIGBUS`, `SIGTRAP`) or is not
/// positive, an error of kind `Other` that says "Refusing to register
/// signal N"; for a number past the largest signal, `Other` too ("signal
/// too large"), as tokio's. Also if the handler or the driver's
/// registration fails.
///
/// # Panics
///
/// Outside a runtime with I/O enabled, in tokio's words (a runtime without
/// I/O has no signal driver in tokio's).
///
/// ```
/// use taskcell_executor::signal::unix::{signal, SignalKind};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut hangups = signal(SignalKind::hangup()).unwrap();
///     // SAFETY: `raise` has no preconditions.
///     unsafe { libc::raise(libc::SIGHUP) };
///     hangups.recv().await.unwrap(); // "reload the configuration"
///     assert!(signal(SignalKind::from_raw(libc::SIGKILL)).is_err());
/// });
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    if let Ok(current) = crate::runtime::Handle::try_current() {
        if current.inner.io().is_none() {
            // tokio's words (its signal driver comes with its I/O driver),
            // then ours.
            panic!(
                "there is no signal driver running, must be called from the context of \
                 Tokio runtime: `signal::unix::signal` needs the I/O driver, which delivers \
                 signals, and this taskcell runtime was built without it (`enable_io` or \
                 `enable_all` on its `Builder`)"
            );
        }
    }
    let handle = crate::driver::io::io_handle("`signal::unix::signal`");
    signal_with_handle(kind, handle)
}

/// [`signal`], delivered through the driver of `handle`'s runtime (which
/// has I/O enabled).
pub(crate) fn signal_with_handle(kind: SignalKind, handle: Handle) -> io::Result<Signal> {
    let signum = kind.0;
    // tokio's checks, kinds and words: `Other` for both.
    if signum <= 0 || FORBIDDEN.contains(&signum) {
        return Err(io::Error::other(format!(
            "Refusing to register signal {signum}"
        )));
    }
    let slot = usize::try_from(signum)
        .ok()
        .and_then(|index| globals().registry.slot(index))
        .ok_or_else(|| io::Error::other("signal too large"))?;
    install(signum)?;
    handle
        .io()
        .expect("the caller checked that I/O is enabled")
        .listen_for_signals()?;
    Ok(Signal {
        seen: slot.generation(),
        slot,
        handle,
    })
}

impl Signal {
    /// Waits for the next delivery: `Some(())`, or `None` once the runtime
    /// that delivers is gone. Deliveries since the last `recv` count as
    /// one.
    ///
    /// Cancel-safe: a delivery is taken only when the future completes.
    ///
    /// ```
    /// use taskcell_executor::signal::unix::{signal, SignalKind};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut a = signal(SignalKind::user_defined2()).unwrap();
    ///     let mut b = signal(SignalKind::user_defined2()).unwrap();
    ///     // SAFETY: `raise` has no preconditions.
    ///     unsafe { libc::raise(libc::SIGUSR2) };
    ///     assert_eq!(a.recv().await, Some(()));
    ///     assert_eq!(b.recv().await, Some(()), "every listener gets it");
    /// });
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery; see [`recv`](Self::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        if self.handle.is_shutdown() {
            return Poll::Ready(None);
        }
        match self.slot.poll_delivery(self.seen, cx) {
            Poll::Ready(seen) => {
                self.seen = seen;
                Poll::Ready(Some(()))
            }
            // Woken by the runtime's end too: look again.
            Poll::Pending if self.handle.is_shutdown() => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

/// Signals that a handler must not take: uncatchable, or faults whose
/// handler returning would run the faulting instruction again (tokio's
/// list, with `SIGBUS` and `SIGTRAP`).
const FORBIDDEN: [libc::c_int; 7] = [
    libc::SIGKILL,
    libc::SIGSTOP,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGTRAP,
];

/// What the process shares between the handlers and the drivers.
struct Globals {
    registry: Registry,
    /// The handlers write here; each listening driver reads a copy of
    /// `receiver`.
    sender: OwnedFd,
    receiver: UnixStream,
    /// The signals whose handler is installed.
    installed: Mutex<Vec<libc::c_int>>,
}

/// Signal numbers the registry has room for (`SIGRTMAX` is 64 on Linux).
const SLOTS: usize = 65;

fn globals() -> &'static Globals {
    static GLOBALS: OnceLock<Globals> = OnceLock::new();
    GLOBALS.get_or_init(|| {
        let (sender, receiver) =
            UnixStream::pair().expect("a socket pair for signal delivery (out of descriptors?)");
        sender
            .set_nonblocking(true)
            .expect("a non-blocking signal pipe");
        receiver
            .set_nonblocking(true)
            .expect("a non-blocking signal pipe");
        Globals {
            registry: Registry::new(SLOTS),
            sender: sender.into(),
            receiver,
            installed: Mutex::new(Vec::new()),
        }
    })
}

/// Installs the handler for `signum`, once.
fn install(signum: libc::c_int) -> io::Result<()> {
    let globals = globals();
    let mut installed = globals
        .installed
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if installed.contains(&signum) {
        return Ok(());
    }
    let slot: &'static Slot = globals
        .registry
        .slot(signum as usize)
        .expect("checked by `signal`");
    let fd = globals.sender.as_raw_fd();
    let action = move || {
        slot.record();
        // Wake a driver. A full pipe already holds a byte that will.
        let byte = 1u8;
        // SAFETY: `fd` is the sending end of the process's signal pipe,
        // open for the process's life (`Globals` is never dropped); the
        // buffer is one valid byte. `write(2)` is async-signal-safe.
        let _ = unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    };
    // SAFETY: `signal_hook_registry::register` asks for an async-signal-safe
    // action and a signal that is not forbidden: `action` does an atomic
    // store and a `write(2)` (no lock, no allocation), and `signal` refused
    // the forbidden ones.
    unsafe { signal_hook_registry::register(signum, action) }?;
    installed.push(signum);
    Ok(())
}

/// A copy of the pipe's receiving end, for a driver to register.
pub(crate) fn receiver() -> io::Result<UnixStream> {
    globals().receiver.try_clone()
}

/// Driver side, after it drained the pipe: delivers what is pending.
pub(crate) fn broadcast() {
    globals().registry.broadcast();
}

/// Wakes every listener: a runtime that delivered signals is going away,
/// and its listeners' `recv` ends.
pub(crate) fn wake_all() {
    globals().registry.wake_all();
}

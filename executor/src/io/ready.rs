//! [`Interest`] and [`Ready`]: what a task waits for on a socket, and what
//! it found, with tokio's names and meanings.

use std::fmt;
use std::ops;

use crate::driver::io::scheduled_io::{
    ERROR, PRIORITY, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED,
};

/// The readiness a task waits for on a socket: `READABLE`, `WRITABLE`,
/// `ERROR`, `PRIORITY` (Linux and Android), or a union of them
/// (`Interest::READABLE | Interest::WRITABLE`).
///
/// As in tokio, a wait for `READABLE` also ends when the read half is
/// closed (a read then returns EOF at once), and one for `WRITABLE` when the
/// write half is; an error condition ends only a wait that includes
/// `ERROR`.
///
/// ```
/// use taskcell_executor::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable() && !both.is_error());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

const I_READABLE: u8 = 0b001;
const I_WRITABLE: u8 = 0b010;
const I_ERROR: u8 = 0b100;
/// Set only through `Interest::PRIORITY`, which exists on Linux and
/// Android alone.
const I_PRIORITY: u8 = 0b1000;

impl Interest {
    /// Readable: data to read, a connection to accept, a datagram to
    /// receive, or the read half closed.
    pub const READABLE: Interest = Interest(I_READABLE);
    /// Writable: room to write or send, or the write half closed.
    pub const WRITABLE: Interest = Interest(I_WRITABLE);
    /// An error condition on the socket (`SO_ERROR`).
    pub const ERROR: Interest = Interest(I_ERROR);
    /// Priority data (`EPOLLPRI`): TCP urgent (out-of-band) data, a
    /// changed `sysfs` attribute or cgroup file, a pseudo-terminal's
    /// packet-mode status. A wait for it also ends when the read side is
    /// closed, as tokio's. Only an [`AsyncFd`](crate::io::unix::AsyncFd)
    /// registered with it (`AsyncFd::with_interest`) sees it; the
    /// runtime's sockets are registered without it, as tokio's. Linux and
    /// Android only, as tokio's.
    ///
    /// ```
    /// use taskcell_executor::io::Interest;
    ///
    /// let both = Interest::READABLE | Interest::PRIORITY;
    /// assert!(both.is_priority() && !Interest::READABLE.is_priority());
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const PRIORITY: Interest = Interest(I_PRIORITY);

    /// Whether the interest includes `READABLE`.
    ///
    /// ```
    /// # use taskcell_executor::io::Interest;
    /// assert!(Interest::READABLE.is_readable() && !Interest::WRITABLE.is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0 & I_READABLE != 0
    }

    /// Whether the interest includes `WRITABLE`.
    ///
    /// ```
    /// # use taskcell_executor::io::Interest;
    /// assert!(Interest::WRITABLE.is_writable() && !Interest::ERROR.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0 & I_WRITABLE != 0
    }

    /// Whether the interest includes `ERROR`.
    ///
    /// ```
    /// # use taskcell_executor::io::Interest;
    /// assert!(Interest::ERROR.is_error() && !Interest::READABLE.is_error());
    /// ```
    pub const fn is_error(self) -> bool {
        self.0 & I_ERROR != 0
    }

    /// Whether the interest includes `PRIORITY`.
    ///
    /// ```
    /// # use taskcell_executor::io::Interest;
    /// assert!(Interest::PRIORITY.is_priority() && !Interest::ERROR.is_priority());
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const fn is_priority(self) -> bool {
        self.has_priority()
    }

    /// `is_priority`, on every platform (never true where `PRIORITY` does
    /// not exist).
    const fn has_priority(self) -> bool {
        self.0 & I_PRIORITY != 0
    }

    /// The union of both interests; `|` in a `const` context.
    ///
    /// ```
    /// # use taskcell_executor::io::Interest;
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert_eq!(BOTH, Interest::READABLE | Interest::WRITABLE);
    /// ```
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// This interest without `other`'s; `None` if nothing is left (an
    /// interest is never empty).
    ///
    /// ```
    /// # use taskcell_executor::io::Interest;
    /// let both = Interest::READABLE | Interest::ERROR;
    /// assert_eq!(both.remove(Interest::READABLE), Some(Interest::ERROR));
    /// ```
    #[must_use]
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        (left != 0).then_some(Interest(left))
    }

    /// What to register with the OS poller for this interest, as tokio's:
    /// an error is reported whatever the registration, but `mio` needs one,
    /// so `ERROR` alone registers for reads (whose readiness a wait for
    /// `ERROR` alone never sees: see `mask`).
    pub(crate) fn to_mio(self) -> mio::Interest {
        let mut mio: Option<mio::Interest> = None;
        let mut add = |interest| mio = Some(mio.map_or(interest, |mio| mio | interest));
        if self.is_readable() {
            add(mio::Interest::READABLE);
        }
        if self.is_writable() {
            add(mio::Interest::WRITABLE);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.has_priority() {
            add(mio::Interest::PRIORITY);
        }
        mio.unwrap_or(mio::Interest::READABLE)
    }

    /// The readiness bits that end a wait for this interest.
    pub(crate) fn mask(self) -> usize {
        let mut mask = 0;
        if self.is_readable() {
            mask |= READABLE | READ_CLOSED;
        }
        if self.is_writable() {
            mask |= WRITABLE | WRITE_CLOSED;
        }
        if self.is_error() {
            mask |= ERROR;
        }
        if self.has_priority() {
            mask |= PRIORITY | READ_CLOSED;
        }
        mask
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (self.is_readable(), "READABLE"),
            (self.is_writable(), "WRITABLE"),
            (self.is_error(), "ERROR"),
            (self.has_priority(), "PRIORITY"),
        ];
        let mut first = true;
        for (_, name) in names.iter().filter(|(set, _)| *set) {
            if !first {
                f.write_str(" | ")?;
            }
            f.write_str(name)?;
            first = false;
        }
        Ok(())
    }
}

/// The readiness a socket was found in: returned by `ready(interest)`.
///
/// It may be stale by the time it is read (a peer may have hung up since,
/// another task may have drained the socket): an attempt that follows can
/// still hit `WouldBlock`, and then waits again.
///
/// ```
/// use taskcell_executor::io::Ready;
///
/// let ready = Ready::READABLE | Ready::READ_CLOSED;
/// assert!(ready.is_readable() && ready.is_read_closed() && !ready.is_writable());
/// assert!(Ready::READ_CLOSED.is_readable(), "a closed read half reads EOF at once");
/// assert!((ready - Ready::READABLE - Ready::READ_CLOSED).is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ready(usize);

impl Ready {
    /// No readiness.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(READABLE);
    /// Writable.
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// The read half is closed: reads return EOF at once.
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    /// The write half is closed: writes fail at once.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    /// The socket has an error to report.
    pub const ERROR: Ready = Ready(ERROR);
    /// Priority data is there (`EPOLLPRI`); see `Interest::PRIORITY`.
    /// Linux and Android only, as tokio's.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const PRIORITY: Ready = Ready(PRIORITY);
    /// Every readiness.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const ALL: Ready =
        Ready(READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | ERROR | PRIORITY);
    /// Every readiness.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub const ALL: Ready = Ready(READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | ERROR);

    pub(crate) fn from_bits(bits: usize) -> Ready {
        Ready(bits & Ready::ALL.0)
    }

    /// The `scheduled_io` bits of this readiness.
    pub(crate) fn bits(self) -> usize {
        self.0
    }

    /// Whether nothing is set.
    ///
    /// ```
    /// # use taskcell_executor::io::Ready;
    /// assert!(Ready::EMPTY.is_empty() && !Ready::ERROR.is_empty());
    /// ```
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether a read would make progress: readable, or read-closed (EOF).
    ///
    /// ```
    /// # use taskcell_executor::io::Ready;
    /// assert!(Ready::READABLE.is_readable() && !Ready::WRITABLE.is_readable());
    /// ```
    pub fn is_readable(self) -> bool {
        self.0 & (READABLE | READ_CLOSED) != 0
    }

    /// Whether a write would make progress: writable, or write-closed (an
    /// error at once).
    ///
    /// ```
    /// # use taskcell_executor::io::Ready;
    /// assert!(Ready::WRITE_CLOSED.is_writable() && !Ready::READABLE.is_writable());
    /// ```
    pub fn is_writable(self) -> bool {
        self.0 & (WRITABLE | WRITE_CLOSED) != 0
    }

    /// Whether the read half is closed.
    ///
    /// ```
    /// # use taskcell_executor::io::Ready;
    /// assert!(Ready::READ_CLOSED.is_read_closed() && !Ready::READABLE.is_read_closed());
    /// ```
    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// Whether the write half is closed.
    ///
    /// ```
    /// # use taskcell_executor::io::Ready;
    /// assert!(Ready::WRITE_CLOSED.is_write_closed() && !Ready::WRITABLE.is_write_closed());
    /// ```
    pub fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }

    /// Whether the socket has an error to report.
    ///
    /// ```
    /// # use taskcell_executor::io::Ready;
    /// assert!(Ready::ERROR.is_error() && !(Ready::ALL - Ready::ERROR).is_error());
    /// ```
    pub fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Whether priority data is there.
    ///
    /// ```
    /// # use taskcell_executor::io::Ready;
    /// assert!(Ready::PRIORITY.is_priority() && !Ready::READABLE.is_priority());
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;

    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;

    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_error", &self.is_error())
            .field("is_priority", &(self.0 & PRIORITY != 0))
            .finish()
    }
}

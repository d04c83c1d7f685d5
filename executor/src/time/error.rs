//! The time module's errors, as tokio's `time::error`: [`Elapsed`] from a
//! [`timeout`](super::timeout), and [`Error`], the kinds of timer failure
//! that code written against tokio's timer matches on.

use std::fmt;

pub use super::timeout::Elapsed;

/// A timer failure, as tokio's `time::error::Error`: the timer's runtime
/// has shut down, the timer could not be stored, or its deadline is out of
/// range.
///
/// This runtime's own timers do not return it: a timer polled after its
/// runtime shut down panics, with a message that says so, and a deadline
/// too far away is treated as "never" (as tokio's). It exists for code that
/// builds or matches these errors, such as timer queues of its own.
///
/// ```
/// use taskcell_executor::time::error::Error;
///
/// let err = Error::shutdown();
/// assert!(err.is_shutdown() && !err.is_at_capacity() && !err.is_invalid());
/// assert_eq!(err.to_string(), "the timer is shutdown, must be called from the context of Tokio runtime");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shutdown,
    AtCapacity,
    Invalid,
}

impl Error {
    /// The timer's runtime has shut down.
    pub fn shutdown() -> Error {
        Error(Kind::Shutdown)
    }

    /// Whether the timer's runtime has shut down.
    ///
    /// ```
    /// assert!(taskcell_executor::time::error::Error::shutdown().is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.0 == Kind::Shutdown
    }

    /// The timer could not be stored: too many timers.
    pub fn at_capacity() -> Error {
        Error(Kind::AtCapacity)
    }

    /// Whether the timer could not be stored.
    ///
    /// ```
    /// assert!(taskcell_executor::time::error::Error::at_capacity().is_at_capacity());
    /// ```
    pub fn is_at_capacity(&self) -> bool {
        self.0 == Kind::AtCapacity
    }

    /// The timer's deadline is out of range.
    pub fn invalid() -> Error {
        Error(Kind::Invalid)
    }

    /// Whether the timer's deadline is out of range.
    ///
    /// ```
    /// assert!(taskcell_executor::time::error::Error::invalid().is_invalid());
    /// ```
    pub fn is_invalid(&self) -> bool {
        self.0 == Kind::Invalid
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // tokio's words, which code matching on the text expects.
        f.write_str(match self.0 {
            Kind::Shutdown => {
                "the timer is shutdown, must be called from the context of Tokio runtime"
            }
            Kind::AtCapacity => "timer is at capacity and cannot create a new entry",
            Kind::Invalid => "timer duration exceeds maximum duration",
        })
    }
}

impl std::error::Error for Error {}

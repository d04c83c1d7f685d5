//! The driver's OS layer: `mio`'s poller and waker, or under
//! `cfg(taskcell_loom)` a stand-in that loom can explore — a poll that
//! blocks on a condition variable until the waker fires, and never returns
//! an event. The park/unpark hand-off above it is the same code either way.

#[cfg(not(taskcell_loom))]
pub(crate) use mio::{Events, Poll, Waker};

#[cfg(taskcell_loom)]
pub(crate) use self::model::{Events, Poll, Waker};

#[cfg(taskcell_loom)]
mod model {
    use std::io;
    use std::time::Duration;

    use crate::primitives::{Arc, Condvar, Mutex};

    /// A poller with no sources: `poll` waits for its [`Waker`].
    #[derive(Debug)]
    pub(crate) struct Poll {
        woken: Arc<(Mutex<bool>, Condvar)>,
    }

    /// Cuts a `poll` short, or makes the next one return at once.
    #[derive(Debug)]
    pub(crate) struct Waker {
        woken: Arc<(Mutex<bool>, Condvar)>,
    }

    /// Always empty.
    #[derive(Debug)]
    pub(crate) struct Events;

    impl Poll {
        pub(crate) fn new() -> io::Result<Poll> {
            Ok(Poll {
                woken: Arc::new((Mutex::new(false), Condvar::new())),
            })
        }

        pub(crate) fn waker(&self) -> io::Result<Waker> {
            Ok(Waker {
                woken: self.woken.clone(),
            })
        }

        /// Waits until woken; a zero timeout only takes a pending wake-up.
        pub(crate) fn poll(&mut self, _: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
            let (woken, cvar) = &*self.woken;
            let mut woken = woken.lock();
            while !*woken && timeout != Some(Duration::ZERO) {
                cvar.wait(&mut woken);
            }
            *woken = false;
            Ok(())
        }
    }

    impl Waker {
        pub(crate) fn wake(&self) -> io::Result<()> {
            let (woken, cvar) = &*self.woken;
            *woken.lock() = true;
            cvar.notify_one();
            Ok(())
        }
    }

    impl Events {
        pub(crate) fn with_capacity(_: usize) -> Events {
            Events
        }

        pub(crate) fn iter(&self) -> std::iter::Empty<&mio::event::Event> {
            std::iter::empty()
        }
    }
}

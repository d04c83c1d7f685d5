//! The I/O half of the driver: sockets registered with the OS poller
//! (`mio`), and the registration set that keeps their [`ScheduledIo`]s alive.
//!
//! # Rules
//!
//! `// SAFETY:` comments in this module cite these.
//!
//! 1. **A token is the address of a live `ScheduledIo`.** A socket is
//!    registered with `mio` under the address of its `ScheduledIo`, whose
//!    `Arc` the registration set holds. Deregistering removes the socket from
//!    the poller first, then moves the `Arc` to `pending_release`.
//! 2. **Release waits a turn.** Only the driver frees what is in
//!    `pending_release`, at the start of a turn, while it holds the driver
//!    core. Every event it dispatches was returned by the poll of the current
//!    turn, which follows the deregistration of any socket already in
//!    `pending_release` (rule 1) — so a token being dispatched always points
//!    at an `Arc` still held by the set.

mod registration;
pub(crate) mod scheduled_io;

pub(crate) use self::scheduled_io::Direction;

use std::io;
use std::sync::Arc as StdArc;

use mio::event::Source;
use mio::{Interest, Token};

pub(crate) use self::registration::{io_handle, PollEvented};
use self::scheduled_io::{ScheduledIo, ERROR, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED};
use crate::primitives::{AtomicBool, Mutex, Ordering};

/// The token of the driver's own waker; never the address of a
/// `ScheduledIo`.
pub(crate) const WAKER_TOKEN: Token = Token(0);

/// The token of the signal pipe (`crate::signal`); never the address of a
/// `ScheduledIo` (those are aligned).
pub(crate) const SIGNAL_TOKEN: Token = Token(1);

/// What every thread may reach of the I/O driver: registering and
/// deregistering sockets.
pub(crate) struct IoHandle {
    registry: mio::Registry,
    set: Mutex<RegistrationSet>,
    /// Whether `pending_release` may hold something: one relaxed load per
    /// turn instead of a lock.
    needs_release: AtomicBool,
    /// This driver's copy of the signal pipe, once a task listens for a
    /// signal on this runtime.
    #[cfg(all(unix, not(taskcell_loom)))]
    signals: std::sync::Mutex<Option<mio::net::UnixStream>>,
}

struct RegistrationSet {
    /// Every registered socket's state; each knows its index here.
    live: Vec<StdArc<ScheduledIo>>,
    /// Deregistered, freed by the driver at its next turn (rule 2).
    pending_release: Vec<StdArc<ScheduledIo>>,
    is_shutdown: bool,
}

impl IoHandle {
    pub(crate) fn new(registry: mio::Registry) -> IoHandle {
        IoHandle {
            registry,
            set: Mutex::new(RegistrationSet {
                live: Vec::new(),
                pending_release: Vec::new(),
                is_shutdown: false,
            }),
            needs_release: AtomicBool::new(false),
            #[cfg(all(unix, not(taskcell_loom)))]
            signals: std::sync::Mutex::new(None),
        }
    }

    /// Registers the signal pipe with this driver, once: from then on a
    /// signal delivered to the process wakes its listeners through it.
    #[cfg(all(unix, not(taskcell_loom)))]
    pub(crate) fn listen_for_signals(&self) -> io::Result<()> {
        let mut signals = self.signals.lock().unwrap_or_else(|p| p.into_inner());
        if signals.is_none() {
            if self.set.lock().is_shutdown {
                return Err(scheduled_io::gone());
            }
            let mut receiver = mio::net::UnixStream::from_std(crate::signal::unix::receiver()?);
            self.registry
                .register(&mut receiver, SIGNAL_TOKEN, Interest::READABLE)?;
            *signals = Some(receiver);
        }
        Ok(())
    }

    /// Driver side: the signal pipe is readable. Drains it, then delivers
    /// what the handlers recorded (`crate::signal`'s registry: a delivery
    /// after the drain writes the pipe again, and comes back here).
    #[cfg(all(unix, not(taskcell_loom)))]
    fn deliver_signals(&self) {
        if let Some(receiver) = &*self.signals.lock().unwrap_or_else(|p| p.into_inner()) {
            let mut buf = [0u8; 64];
            while let Ok(n) = io::Read::read(&mut &*receiver, &mut buf) {
                if n == 0 {
                    break;
                }
            }
        }
        crate::signal::unix::broadcast();
    }

    /// Registers `source` for `interest` (a socket: reads and writes),
    /// edge-triggered, once for its whole life.
    pub(crate) fn register(
        &self,
        source: &mut impl Source,
        interest: Interest,
    ) -> io::Result<StdArc<ScheduledIo>> {
        let io = StdArc::new(ScheduledIo::new());
        {
            let mut set = self.set.lock();
            if set.is_shutdown {
                return Err(scheduled_io::gone());
            }
            io.index.store(set.live.len(), Ordering::Relaxed);
            set.live.push(StdArc::clone(&io));
        }
        let token = Token(StdArc::as_ptr(&io) as usize);
        if let Err(err) = self.registry.register(source, token, interest) {
            self.release(&io);
            return Err(err);
        }
        Ok(io)
    }

    /// Removes `source` from the poller and hands `io` to the driver to free
    /// (rule 1).
    pub(crate) fn deregister(
        &self,
        io: &StdArc<ScheduledIo>,
        source: &mut impl Source,
    ) -> io::Result<()> {
        let result = self.registry.deregister(source);
        self.release(io);
        // Outside the set's lock: dropping a waker may drop a task.
        io.clear_wakers();
        result
    }

    fn release(&self, io: &StdArc<ScheduledIo>) {
        let mut set = self.set.lock();
        let index = io.index.load(Ordering::Relaxed);
        debug_assert!(StdArc::ptr_eq(&set.live[index], io));
        let released = set.live.swap_remove(index);
        if let Some(moved) = set.live.get(index) {
            moved.index.store(index, Ordering::Relaxed);
        }
        set.pending_release.push(released);
        self.needs_release.store(true, Ordering::Release);
    }

    /// Driver side, at the start of a turn: frees what was deregistered
    /// before it (rule 2).
    pub(crate) fn release_pending(&self) {
        if self.needs_release.load(Ordering::Acquire) {
            let released = {
                let mut set = self.set.lock();
                self.needs_release.store(false, Ordering::Relaxed);
                std::mem::take(&mut set.pending_release)
            };
            drop(released);
        }
    }

    /// Driver side: passes one event on to its socket's waiters.
    pub(crate) fn dispatch(&self, tick: u16, event: &mio::event::Event) {
        #[cfg(all(unix, not(taskcell_loom)))]
        if event.token() == SIGNAL_TOKEN {
            self.deliver_signals();
            return;
        }
        let mut ready = 0;
        if event.is_readable() {
            ready |= READABLE;
        }
        if event.is_writable() {
            ready |= WRITABLE;
        }
        if event.is_read_closed() {
            ready |= READ_CLOSED;
        }
        if event.is_write_closed() {
            ready |= WRITE_CLOSED;
        }
        if event.is_error() {
            ready |= ERROR;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if event.is_priority() {
            ready |= scheduled_io::PRIORITY;
        }
        let io = event.token().0 as *const ScheduledIo;
        // SAFETY: rule 2 — the token is the address of a `ScheduledIo` whose
        // `Arc` the set still holds during this turn.
        unsafe { &*io }.set_readiness(tick, ready);
    }

    /// At shutdown: every socket fails from now on, and its waiters wake.
    pub(crate) fn shutdown(&self) {
        let set = {
            let mut set = self.set.lock();
            set.is_shutdown = true;
            set.live.clone()
        };
        for io in set {
            io.shutdown();
        }
        // Listeners of signals delivered here: their `recv` ends.
        #[cfg(all(unix, not(taskcell_loom)))]
        if self
            .signals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
        {
            crate::signal::unix::wake_all();
        }
    }

    /// How many sockets are registered.
    pub(crate) fn registrations(&self) -> usize {
        self.set.lock().live.len()
    }
}

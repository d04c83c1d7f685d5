//! A process descriptor (Linux, `pidfd_open(2)`): a descriptor that polls
//! readable once its process has ended, so that a child's exit is one more
//! readiness event of the runtime's driver, with no signal handler.
//!
//! Small and private on purpose: a `mio` source over an owned descriptor,
//! nothing more.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use mio::unix::SourceFd;

/// An owned process descriptor, registrable with the driver.
#[derive(Debug)]
pub(crate) struct PidFd(OwnedFd);

/// Set once the kernel has answered `ENOSYS` (before Linux 5.3): the system
/// call is not tried again.
static UNSUPPORTED: AtomicBool = AtomicBool::new(false);

impl PidFd {
    /// A descriptor for process `pid`, which must be an unreaped child of
    /// this process (so that the number cannot have been reused).
    ///
    /// # Errors
    ///
    /// What the kernel answers: `ENOSYS` on kernels without the call,
    /// `EPERM` under a seccomp filter that denies it, `EMFILE`, ...; the
    /// caller then falls back to `SIGCHLD`.
    pub(crate) fn open(pid: u32) -> io::Result<PidFd> {
        if UNSUPPORTED.load(Relaxed) {
            return Err(io::Error::from_raw_os_error(libc::ENOSYS));
        }
        let pid = libc::c_long::from(pid);
        // SAFETY: `pidfd_open(pid, flags)` takes two integers and touches
        // no memory of ours; flags 0 asks for a plain descriptor (it is
        // close-on-exec regardless).
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0 as libc::c_long) };
        if fd < 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::ENOSYS) {
                UNSUPPORTED.store(true, Relaxed);
            }
            return Err(err);
        }
        let fd = RawFd::try_from(fd).map_err(io::Error::other)?;
        // SAFETY: a non-negative result of `pidfd_open` is a descriptor the
        // kernel just opened for this process, held by nothing else: the
        // `OwnedFd` takes sole ownership of it (`from_raw_fd`'s contract).
        Ok(PidFd(unsafe { OwnedFd::from_raw_fd(fd) }))
    }
}

impl mio::event::Source for PidFd {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}

//! [`UCred`]: the credentials of the process at the other end of a Unix
//! stream, and the types of its fields, as tokio's `net::unix` has them.

/// A user ID.
#[allow(non_camel_case_types)]
pub type uid_t = u32;

/// A group ID.
#[allow(non_camel_case_types)]
pub type gid_t = u32;

/// A process ID.
#[allow(non_camel_case_types)]
pub type pid_t = i32;

/// The credentials of a process: what
/// [`UnixStream::peer_cred`](crate::net::UnixStream::peer_cred) reports
/// about the peer.
///
/// ```
/// # #[cfg(any(target_os = "linux", target_os = "android"))]
/// # fn main() {
/// # let rt = taskcell_executor::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (a, _b) = taskcell_executor::net::UnixStream::pair().unwrap();
/// let cred = a.peer_cred().unwrap();
/// assert_eq!(cred.pid(), Some(std::process::id() as i32));
/// # let _ = (cred.uid(), cred.gid());
/// # });
/// # }
/// # #[cfg(not(any(target_os = "linux", target_os = "android")))]
/// # fn main() {}
/// ```
#[derive(Copy, Clone, Eq, PartialEq, Hash, Debug)]
pub struct UCred {
    pid: Option<pid_t>,
    uid: uid_t,
    gid: gid_t,
}

impl UCred {
    /// The process's effective user ID.
    pub fn uid(&self) -> uid_t {
        self.uid
    }

    /// The process's effective group ID.
    pub fn gid(&self) -> gid_t {
        self.gid
    }

    /// The process's ID, where the system reports it (Linux and Android
    /// do).
    pub fn pid(&self) -> Option<pid_t> {
        self.pid
    }
}

/// The credentials of the process that connected `socket`, a connected
/// Unix stream, or made it with `socketpair` (`SO_PEERCRED`): as they
/// were then, effective IDs.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn peer_cred(socket: std::os::fd::BorrowedFd<'_>) -> std::io::Result<UCred> {
    use std::os::fd::AsRawFd;

    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let size = std::mem::size_of::<libc::ucred>();
    let mut len = libc::socklen_t::try_from(size).expect("a `ucred` fits a `socklen_t`");
    // SAFETY: the descriptor is open while `socket` borrows it; `cred` is a
    // `ucred`, the type `SO_PEERCRED` writes, valid for writes of `len`
    // bytes, and `len` is valid for writes too (getsockopt(2)'s contract).
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    if usize::try_from(len).ok() != Some(size) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "SO_PEERCRED returned a credential of an unexpected size",
        ));
    }
    Ok(UCred {
        pid: Some(cred.pid),
        uid: cred.uid,
        gid: cred.gid,
    })
}

//! `SignalKind::info()` (`SIGINFO`) exists where the system has the signal,
//! as tokio's, and a `Signal` for it receives a delivery. Builds to nothing
//! on systems without `SIGINFO` (Linux among them).
#![cfg(all(
    not(miri),
    any(
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "illumos"
    )
))]

use std::time::Duration;

use taskcell_executor::signal::unix::{signal, SignalKind};
use taskcell_executor::time::timeout;

#[test]
fn info_is_siginfo() {
    assert_eq!(SignalKind::info().as_raw_value(), libc::SIGINFO);
}

#[taskcell_executor::test]
async fn siginfo_is_received() {
    let mut sig = signal(SignalKind::info()).expect("installed signal handler");

    taskcell_executor::spawn(async {
        // SAFETY: `getpid` and `kill` have no memory-safety preconditions.
        let rc = unsafe { libc::kill(libc::getpid(), libc::SIGINFO) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    });

    timeout(Duration::from_secs(5), sig.recv())
        .await
        .expect("SIGINFO received in time")
        .expect("SIGINFO received");
}

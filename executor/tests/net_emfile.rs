//! Running out of file descriptors: with `RLIMIT_NOFILE` lowered and
//! connections waiting, `accept` returns the `EMFILE` error — it neither
//! hangs nor crashes — and accepts again once descriptors are freed. The
//! limit is process-wide, so the check runs in a child process: this test
//! binary, re-run on its own child test.
#![cfg(not(miri))]
#![cfg(target_os = "linux")]

mod common;
mod io_common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::TcpListener;

/// Set in the child's environment.
const CHILD_ENV: &str = "TASKCELL_EMFILE_CHILD";
const CHILD_TEST: &str = "emfile_child";
/// Printed by the child when it has seen everything it checks.
const MARKER: &str = "emfile child: accept failed with EMFILE and recovered";

#[test]
fn accept_reports_emfile_and_recovers() {
    common::guarded(|| {
        let exe = std::env::current_exe().expect("the test binary's path");
        let out = Command::new(exe)
            .args([
                "--exact",
                CHILD_TEST,
                "--include-ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, "1")
            .output()
            .expect("running the child test");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "the child failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            out.status
        );
        // It really ran the child test, and that got to the end.
        assert!(
            stdout.contains("1 passed") && stdout.contains(MARKER),
            "the child did not run its checks:\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        );
    });
}

/// The lowest soft limit on open files that leaves `free` descriptor
/// numbers unused below it: new descriptors take the lowest free numbers,
/// and ones already open at or above the limit stay open but leave no room.
fn limit_leaving(free: u64) -> u64 {
    let open: Vec<u64> = std::fs::read_dir("/proc/self/fd")
        .expect("listing /proc/self/fd")
        .map(|e| e.unwrap().file_name().to_string_lossy().parse().unwrap())
        .collect();
    let mut limit = 0;
    while limit - (open.iter().filter(|&&fd| fd < limit).count() as u64) < free {
        limit += 1;
    }
    limit
}

fn set_soft_nofile(limit: u64) {
    // SAFETY: `getrlimit`/`setrlimit` only read and write the struct passed.
    let rc = unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        assert!(
            limit <= lim.rlim_max,
            "hard limit {} below {limit}",
            lim.rlim_max
        );
        lim.rlim_cur = limit;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim)
    };
    assert_eq!(rc, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

fn is_emfile(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(libc::EMFILE)
}

/// Runs only as the child of `accept_reports_emfile_and_recovers`: it lowers
/// the limit on open files for its whole process.
#[test]
#[ignore = "run in a child process by accept_reports_emfile_and_recovers"]
fn emfile_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        eprintln!("{CHILD_ENV} is not set: not lowering this process's file limit");
        return;
    }
    // Shorter than the parent's watchdog, so a hang reports from here.
    common::watchdog(Duration::from_secs(60), || {
        // Everything the runtime needs is made before the limit drops.
        let rt = io_common::rt_all(2);
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();

        // Room for about 16 more descriptors (the listing counts its own,
        // closed by now).
        let limit = limit_leaving(17);
        set_soft_nofile(limit);

        // Clients until the descriptors run out. None is accepted yet, so
        // they all wait in the listener's backlog.
        let mut clients: Vec<std::net::TcpStream> = Vec::new();
        loop {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
                Ok(c) => clients.push(c),
                Err(e) if is_emfile(&e) => break,
                Err(e) => panic!("connecting client {}: {e}", clients.len()),
            }
            assert!(clients.len() < 64, "the limit of {limit} never bit");
        }
        assert!(clients.len() >= 2, "only {} clients fit", clients.len());
        let waiting = clients.len();

        rt.block_on(async {
            // No descriptor is left: accept fails, and says why, twice.
            for attempt in 0..2 {
                match listener.accept().await {
                    Ok((_, peer)) => {
                        panic!("attempt {attempt}: accepted {peer} without a free descriptor")
                    }
                    Err(e) => assert!(
                        is_emfile(&e),
                        "attempt {attempt}: expected EMFILE, got {e:?}"
                    ),
                }
            }
        });

        // Free two descriptors by hanging up the newest two clients.
        drop(clients.pop());
        drop(clients.pop());
        // The oldest client is first in the backlog; accept works again.
        let mut first = clients.remove(0);
        first.write_all(b"hello").unwrap();
        rt.block_on(async {
            let (mut stream, peer) = listener
                .accept()
                .await
                .expect("accept after freeing descriptors");
            assert_eq!(
                peer,
                first.local_addr().unwrap(),
                "the oldest waiting client"
            );
            let mut buf = [0u8; 5];
            stream.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello");
            stream.write_all(b"world").await.unwrap();
        });
        let mut reply = [0u8; 5];
        first.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"world");
        println!("{MARKER} ({waiting} clients under a limit of {limit})");
    });
}

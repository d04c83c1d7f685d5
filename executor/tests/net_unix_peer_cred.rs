//! `UnixStream::peer_cred` (Linux and Android): both ends of a pair, and
//! both ends of a connection within this process, report this process's
//! ID and effective user and group; a stream accepted from another process
//! reports that process's ID.
#![cfg(not(miri))]
#![cfg(any(target_os = "linux", target_os = "android"))]

mod common;
mod io_common;

use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::unix::UCred;
use taskcell_executor::net::{UnixListener, UnixStream};
use taskcell_executor::time::timeout;

/// The environment variable that turns `connect_from_a_child` into the
/// child's side: the path to connect to.
const CHILD_CONNECTS_TO: &str = "TASKCELL_PEER_CRED_CONNECT_TO";

const LIMIT: Duration = Duration::from_secs(10);

/// This process's credentials, read without `unsafe`: `/proc/self`
/// belongs to the effective user and group.
fn own_cred() -> (i32, u32, u32) {
    let proc_self = std::fs::metadata("/proc/self").unwrap();
    (std::process::id() as i32, proc_self.uid(), proc_self.gid())
}

fn parts(cred: UCred) -> (i32, u32, u32) {
    (
        cred.pid().expect("Linux reports the pid"),
        cred.uid(),
        cred.gid(),
    )
}

#[test]
fn both_ends_of_a_pair_report_this_process() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            assert_eq!(parts(a.peer_cred().unwrap()), own_cred());
            assert_eq!(parts(b.peer_cred().unwrap()), own_cred());
        });
    });
}

#[test]
fn a_connection_within_the_process_reports_it_on_both_ends() {
    common::guarded(|| {
        let path =
            std::env::temp_dir().join(format!("taskcell-peer-cred-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        io_common::rt_all(2).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            let client = UnixStream::connect(&path).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            assert_eq!(parts(client.peer_cred().unwrap()), own_cred());
            assert_eq!(parts(server.peer_cred().unwrap()), own_cred());
        });
        std::fs::remove_file(&path).unwrap();
    });
}

#[test]
fn a_stream_accepted_from_a_child_reports_the_child() {
    if let Some(path) = std::env::var_os(CHILD_CONNECTS_TO) {
        // The child: connect, say hello, wait for the parent to hang up.
        use std::io::{Read, Write};
        let mut stream = std::os::unix::net::UnixStream::connect(path).unwrap();
        stream.write_all(b"hi").unwrap();
        let _ = stream.read(&mut [0; 1]);
        return;
    }
    common::guarded(|| {
        let path = std::env::temp_dir().join(format!(
            "taskcell-peer-cred-child-{}.sock",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        io_common::rt_all(2).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            let mut child = std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "a_stream_accepted_from_a_child_reports_the_child",
                    "--test-threads=1",
                ])
                .env(CHILD_CONNECTS_TO, &path)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let (mut server, _) = timeout(LIMIT, listener.accept())
                .await
                .expect("the child never connected")
                .unwrap();
            let mut hello = [0; 2];
            server.read_exact(&mut hello).await.unwrap();
            let cred = server.peer_cred().unwrap();
            assert_eq!(cred.pid(), Some(child.id() as i32), "the peer is the child");
            assert_ne!(cred.pid(), Some(std::process::id() as i32));
            let (_, uid, gid) = own_cred();
            assert_eq!((cred.uid(), cred.gid()), (uid, gid));
            server.write_all(b"x").await.unwrap();
            drop(server);
            assert!(child.wait().unwrap().success());
        });
        std::fs::remove_file(&path).unwrap();
    });
}

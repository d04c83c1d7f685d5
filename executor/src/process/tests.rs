//! The `SIGCHLD` path of `process`, which the crate's own unit tests take
//! on every Unix (`reap::TRY_PIDFD` is off under `cfg(test)`): the
//! integration tests (`tests/process.rs`) take the pidfd path on Linux.
#![cfg(not(miri))]

use std::future::Future;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::io::{AsyncReadExt, AsyncWriteExt};

use super::{orphan, Child, Command};
use crate::runtime::{Builder, Runtime};
use crate::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

fn rt() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Spawns `command`, checking that its exit is noticed through `SIGCHLD`.
fn spawn(command: &mut Command) -> Child {
    let child = command.spawn().unwrap();
    assert!(child.reaper().unwrap().uses_sigchld());
    child
}

/// Whether `pid` names no process any more (reaped: a zombie still does).
fn is_gone(pid: u32) -> bool {
    // SAFETY: `kill` with signal 0 sends nothing; it only checks `pid`.
    let result = unsafe { libc::kill(pid as libc::pid_t, 0) };
    result == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Polls `cond` every millisecond until it holds or `LIMIT` passes.
fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + LIMIT;
    while !cond() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

#[test]
fn statuses_and_output_through_sigchld() {
    rt().block_on(async {
        let status = |script: &str| {
            let mut child = spawn(Command::new("sh").args(["-c", script]));
            async move { timeout(LIMIT, child.wait()).await.unwrap().unwrap() }
        };
        assert!(status("true").await.success());
        assert_eq!(status("false").await.code(), Some(1));
        assert_eq!(status("exit 3").await.code(), Some(3));
        let mut cat = spawn(
            Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped()),
        );
        let mut stdin = cat.stdin.take().unwrap();
        stdin.write_all(b"through cat").await.unwrap();
        drop(stdin);
        let mut echoed = String::new();
        let mut stdout = cat.stdout.take().unwrap();
        timeout(LIMIT, stdout.read_to_string(&mut echoed))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(echoed, "through cat");
        assert!(cat.wait().await.unwrap().success());
    });
}

#[test]
fn many_children_waited_from_many_tasks_through_sigchld() {
    let rt = rt();
    rt.block_on(async {
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                crate::spawn(async move {
                    let mut child =
                        spawn(Command::new("sh").args(["-c", &format!("exit {}", i % 7)]));
                    timeout(LIMIT, child.wait()).await.unwrap().unwrap().code()
                })
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap(), Some(i as i32 % 7));
        }
    });
}

#[test]
fn kill_and_cancelled_wait_through_sigchld() {
    rt().block_on(async {
        let mut child = spawn(Command::new("sleep").arg("30"));
        assert!(timeout(Duration::from_millis(50), child.wait())
            .await
            .is_err());
        assert!(child.try_wait().unwrap().is_none());
        child.start_kill().unwrap();
        let status = timeout(LIMIT, child.wait()).await.unwrap().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(child.id(), None);
    });
}

#[test]
fn dropped_children_are_reaped_through_sigchld() {
    let rt = rt();
    let (killed, ended) = rt.block_on(async {
        let killed = spawn(Command::new("sleep").arg("30").kill_on_drop(true));
        let ended = spawn(&mut Command::new("true"));
        (killed.id().unwrap(), ended.id().unwrap())
    });
    assert!(eventually(|| is_gone(killed)), "killed and reaped");
    assert!(eventually(|| is_gone(ended)), "reaped");
    drop(rt);
}

#[test]
fn a_child_outliving_its_runtime_moves_to_another_or_is_adopted() {
    let rt = rt();
    let (mut running, mut killed) = rt.block_on(async {
        (
            spawn(Command::new("sleep").arg("30")),
            spawn(Command::new("sleep").arg("30").kill_on_drop(true)),
        )
    });
    drop(rt);
    // In no runtime, the wait fails at once.
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let std::task::Poll::Ready(Err(err)) = std::pin::pin!(running.wait()).poll(&mut cx) else {
        panic!("the wait of a child whose runtime is gone, in no runtime");
    };
    assert!(crate::is_rt_shutdown_err(&err), "{err}");
    // On another runtime, which takes over through its own listener.
    let other = Builder::new_current_thread().enable_all().build().unwrap();
    other.block_on(async {
        assert!(timeout(Duration::from_millis(50), running.wait())
            .await
            .is_err());
        assert!(running.reaper().unwrap().uses_sigchld());
        running.start_kill().unwrap();
        let status = timeout(LIMIT, running.wait()).await.unwrap().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
    });
    // Dropped with its runtime gone: killed, then reaped by `orphan`.
    let pid = killed.id().unwrap();
    assert!(killed.try_wait().unwrap().is_none());
    drop(killed);
    assert!(eventually(|| is_gone(pid)), "the orphan was reaped");
}

#[test]
fn adopted_children_are_reaped_once_they_end() {
    let mut children: Vec<_> = (0..3)
        .map(|_| {
            std::process::Command::new("sleep")
                .arg("0.05")
                .spawn()
                .unwrap()
        })
        .collect();
    let pids: Vec<_> = children.iter().map(std::process::Child::id).collect();
    for child in children.drain(..) {
        orphan::adopt(child);
    }
    assert!(eventually(|| pids.iter().all(|&pid| is_gone(pid))));
}

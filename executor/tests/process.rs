//! Child processes (`process`), on the path the platform gives (on Linux,
//! exits noticed through a pidfd registered with the driver; the crate's
//! unit tests cover the `SIGCHLD` path): exit statuses; `output` capturing
//! stdout and stderr apart, more than a pipe holds on both without a
//! deadlock; stdin piped through `cat`; many children waited for at once
//! from many tasks; `kill` and `start_kill` reported as `SIGKILL`;
//! `kill_on_drop` killing; a dropped child reaped (no zombie); `try_wait`
//! before and after the exit; a cancelled `wait` resumed; a child and its
//! that outlives its runtime waited for on another (its pipes failing),
//! or failing at once in no runtime; spawning
//! outside a runtime panicking with tokio's words; pipes handed on as
//! `Stdio`; and tokio's I/O traits on the pipes.
#![cfg(all(unix, not(miri)))]

mod common;

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use futures::FutureExt;
use taskcell_executor::process::{Child, ChildStdout, Command};
use taskcell_executor::time::timeout;
use taskcell_executor::{Builder, Runtime};

/// Bounds every wait for something that should come at once.
const LIMIT: Duration = Duration::from_secs(10);

/// A multi-thread runtime with two workers, and a current-thread one.
fn runtimes() -> [Runtime; 2] {
    [
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
        Builder::new_current_thread().enable_all().build().unwrap(),
    ]
}

/// Whether `pid` names no process any more (reaped: a zombie still does).
fn is_gone(pid: u32) -> bool {
    // SAFETY: `kill` with signal 0 sends nothing; it only checks `pid`.
    let result = unsafe { libc::kill(pid as libc::pid_t, 0) };
    result == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// The state letter of `pid` in `/proc/<pid>/stat` (`Z`: a zombie), or
/// `None` once the process is gone.
#[cfg(target_os = "linux")]
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) S ...`: the state follows the last `)`.
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}

async fn wait(child: &mut Child) -> std::process::ExitStatus {
    timeout(LIMIT, child.wait()).await.unwrap().unwrap()
}

#[test]
fn the_types_and_futures_are_send() {
    fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    fn send<T: Send>(_: &T) {}
    send_sync_unpin::<Command>();
    send_sync_unpin::<Child>();
    send_sync_unpin::<taskcell_executor::process::ChildStdin>();
    send_sync_unpin::<ChildStdout>();
    send_sync_unpin::<taskcell_executor::process::ChildStderr>();
    // Checked when compiled; never run (it would spawn outside a runtime).
    let _futures = |command: &mut Command, child: &mut Child| {
        send(&command.status());
        send(&command.output());
        send(&child.wait());
        send(&child.kill());
    };
}

#[test]
fn statuses_of_true_false_and_exit_3() {
    common::guarded(|| {
        for rt in runtimes() {
            rt.block_on(async {
                let status = |mut command: Command| async move {
                    timeout(LIMIT, command.status()).await.unwrap().unwrap()
                };
                let ok = status(Command::new("true")).await;
                assert!(ok.success());
                assert_eq!(ok.code(), Some(0));
                let failed = status(Command::new("false")).await;
                assert!(!failed.success());
                assert_eq!(failed.code(), Some(1));
                let mut three = Command::new("/bin/sh");
                three.args(["-c", "exit 3"]);
                assert_eq!(status(three).await.code(), Some(3));
                let missing = Command::new("/nonexistent/program").spawn().unwrap_err();
                assert_eq!(missing.kind(), io::ErrorKind::NotFound);
            });
        }
    });
}

#[test]
fn output_captures_stdout_and_stderr_apart() {
    common::guarded(|| {
        for rt in runtimes() {
            rt.block_on(async {
                let out = timeout(
                    LIMIT,
                    Command::new("/bin/sh")
                        .args(["-c", "echo to-out; echo to-err >&2; exit 4"])
                        .output(),
                )
                .await
                .unwrap()
                .unwrap();
                assert_eq!(out.status.code(), Some(4));
                assert_eq!(out.stdout, b"to-out\n");
                assert_eq!(out.stderr, b"to-err\n");
            });
        }
    });
}

#[test]
fn output_of_megabytes_on_both_pipes_does_not_deadlock() {
    common::guarded(|| {
        // Far more than a pipe holds (64 KiB on Linux), on both at once: a
        // reader of one pipe only would leave the child blocked on the
        // other.
        let path = std::env::temp_dir().join(format!("taskcell-process-{}", std::process::id()));
        let data: Vec<u8> = (0..3 << 19).map(|i: u32| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        for rt in runtimes() {
            rt.block_on(async {
                let out = timeout(
                    LIMIT,
                    Command::new("/bin/sh")
                        .args(["-c", "cat \"$1\"; cat \"$1\" >&2; cat \"$1\"", "sh"])
                        .arg(&path)
                        .output(),
                )
                .await
                .unwrap()
                .unwrap();
                assert!(out.status.success());
                assert_eq!(out.stdout.len(), 2 * data.len());
                assert!(out.stdout.chunks(data.len()).all(|half| half == data));
                assert_eq!(out.stderr, data);
            });
        }
        std::fs::remove_file(&path).unwrap();
    });
}

#[test]
fn stdin_piped_through_cat_comes_back() {
    common::guarded(|| {
        for rt in runtimes() {
            rt.block_on(async {
                let mut cat = Command::new("cat")
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                let mut stdin = cat.stdin.take().unwrap();
                let mut stdout = cat.stdout.take().unwrap();
                // More than both pipes hold: the writer and the reader must
                // run at once.
                let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 253) as u8).collect();
                let writer = taskcell_executor::spawn({
                    let data = data.clone();
                    async move {
                        stdin.write_all(&data).await.unwrap();
                        stdin.flush().await.unwrap();
                        stdin.close().await.unwrap();
                        // Dropped: `cat` reads end of file.
                    }
                });
                let mut back = Vec::new();
                timeout(LIMIT, stdout.read_to_end(&mut back))
                    .await
                    .unwrap()
                    .unwrap();
                writer.await.unwrap();
                assert!(back == data, "the bytes came back unchanged");
                assert!(wait(&mut cat).await.success());
            });
        }
    });
}

#[test]
fn wait_closes_stdin_first() {
    common::guarded(|| {
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            // `cat` ends only at end of file on its input.
            let mut cat = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            assert!(wait(&mut cat).await.success());
            assert!(cat.stdin.is_none());
        });
    });
}

#[test]
fn many_children_waited_for_at_once_from_many_tasks() {
    common::guarded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let tasks: Vec<_> = (0..64)
                .map(|i| {
                    taskcell_executor::spawn(async move {
                        // Some end at once, some a little later, all while
                        // others are waited for.
                        let script = format!("sleep 0.0{}; exit {}", i % 3, i % 5);
                        let mut child = Command::new("/bin/sh")
                            .args(["-c", &script])
                            .spawn()
                            .unwrap();
                        wait(&mut child).await.code()
                    })
                })
                .collect();
            for (i, task) in tasks.into_iter().enumerate() {
                assert_eq!(task.await.unwrap(), Some(i as i32 % 5));
            }
        });
    });
}

#[test]
fn kill_then_wait_reports_sigkill() {
    common::guarded(|| {
        for rt in runtimes() {
            rt.block_on(async {
                let mut child = Command::new("sleep").arg("30").spawn().unwrap();
                timeout(LIMIT, child.kill()).await.unwrap().unwrap();
                let status = wait(&mut child).await;
                assert_eq!(status.signal(), Some(libc::SIGKILL));
                assert_eq!(status.code(), None);
                assert_eq!(child.id(), None);
                // Killing a reaped child does nothing.
                child.start_kill().unwrap();

                let mut child = Command::new("sleep").arg("30").spawn().unwrap();
                child.start_kill().unwrap();
                assert_eq!(wait(&mut child).await.signal(), Some(libc::SIGKILL));
            });
        }
    });
}

#[test]
fn kill_on_drop_kills_and_reaps() {
    common::guarded(|| {
        for rt in runtimes() {
            let pid = rt.block_on(async {
                let child = Command::new("sleep")
                    .arg("30")
                    .kill_on_drop(true)
                    .spawn()
                    .unwrap();
                let pid = child.id().unwrap();
                drop(child);
                // Give the reaping task its turn (on the current-thread
                // runtime it runs only inside `block_on`).
                for _ in 0..1000 {
                    if is_gone(pid) {
                        break;
                    }
                    taskcell_executor::time::sleep(Duration::from_millis(1)).await;
                }
                pid
            });
            assert!(common::wait_until(LIMIT, || is_gone(pid)));
        }
    });
}

#[test]
fn a_child_dropped_on_a_thread_outside_the_runtime_is_killed_and_reaped() {
    common::guarded(|| {
        let rt = Runtime::new().unwrap();
        let child = rt.block_on(async {
            Command::new("sleep")
                .arg("30")
                .kill_on_drop(true)
                .spawn()
                .unwrap()
        });
        let pid = child.id().unwrap();
        std::thread::spawn(move || drop(child)).join().unwrap();
        assert!(common::wait_until(LIMIT, || is_gone(pid)));
        drop(rt);
    });
}

#[test]
fn without_kill_on_drop_a_dropped_child_runs_on() {
    common::guarded(|| {
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let child = Command::new("sleep").arg("30").spawn().unwrap();
            let pid = child.id().unwrap();
            drop(child);
            taskcell_executor::time::sleep(Duration::from_millis(50)).await;
            assert!(!is_gone(pid), "still running");
            #[cfg(target_os = "linux")]
            assert_ne!(proc_state(pid), Some('Z'));
            // SAFETY: `pid` is our child, not reaped yet (it runs).
            assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) }, 0);
            for _ in 0..1000 {
                if is_gone(pid) {
                    break;
                }
                taskcell_executor::time::sleep(Duration::from_millis(1)).await;
            }
            assert!(is_gone(pid), "reaped in the background once it ended");
        });
    });
}

#[cfg(target_os = "linux")]
#[test]
fn a_dropped_child_is_no_zombie() {
    common::guarded(|| {
        let rt = Runtime::new().unwrap();
        let pids = rt.block_on(async {
            // One ends before its drop, one after.
            let ended = Command::new("true").spawn().unwrap();
            let pid = ended.id().unwrap();
            assert!(common::wait_until(LIMIT, || proc_state(pid) == Some('Z')));
            drop(ended);
            let later = Command::new("sleep").arg("0.1").spawn().unwrap();
            let later_pid = later.id().unwrap();
            drop(later);
            [pid, later_pid]
        });
        for pid in pids {
            assert!(
                common::wait_until(LIMIT, || proc_state(pid).is_none()),
                "{pid} is {:?}",
                proc_state(pid)
            );
        }
        drop(rt);
    });
}

#[test]
fn try_wait_before_and_after_the_exit() {
    common::guarded(|| {
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let mut child = Command::new("/bin/sh")
                .args(["-c", "read line; exit 7"])
                .stdin(Stdio::piped())
                .spawn()
                .unwrap();
            assert!(child.try_wait().unwrap().is_none(), "waits for input");
            assert!(child.id().is_some());
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(b"go\n").await.unwrap();
            let mut status = None;
            for _ in 0..1000 {
                status = child.try_wait().unwrap();
                if status.is_some() {
                    break;
                }
                taskcell_executor::time::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(status.and_then(|s| s.code()), Some(7));
            assert_eq!(child.id(), None);
            assert_eq!(child.try_wait().unwrap().unwrap().code(), Some(7));
            assert_eq!(wait(&mut child).await.code(), Some(7));
        });
    });
}

#[test]
fn a_cancelled_wait_can_be_waited_again() {
    common::guarded(|| {
        for rt in runtimes() {
            rt.block_on(async {
                let mut child = Command::new("/bin/sh")
                    .args(["-c", "sleep 0.2; exit 5"])
                    .spawn()
                    .unwrap();
                assert!(timeout(Duration::from_millis(20), child.wait())
                    .await
                    .is_err());
                assert!(child.id().is_some());
                assert_eq!(wait(&mut child).await.code(), Some(5));
            });
        }
    });
}

#[test]
fn a_child_that_outlives_its_runtime_is_waited_for_on_another() {
    common::guarded(|| {
        let rt = Runtime::new().unwrap();
        let [mut running, mut later, mut ended, orphaned] = rt.block_on(async {
            let spawn = |script: &str, kill_on_drop: bool| {
                Command::new("/bin/sh")
                    .args(["-c", script])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .kill_on_drop(kill_on_drop)
                    .spawn()
                    .unwrap()
            };
            let ended = spawn("exit 0", false);
            // Ended (not yet reaped) before the runtime goes.
            #[cfg(target_os = "linux")]
            {
                let pid = ended.id().unwrap();
                assert!(common::wait_until(LIMIT, || proc_state(pid) == Some('Z')));
            }
            [
                spawn("exec sleep 30", true),
                spawn("sleep 0.3; exit 6", false),
                ended,
                spawn("exec sleep 30", true),
            ]
        });
        drop(rt);
        // In no runtime: the wait fails at once.
        let err = running.wait().now_or_never().unwrap().unwrap_err();
        assert!(taskcell_executor::is_rt_shutdown_err(&err), "{err}");
        let other = Runtime::new().unwrap();
        let running_pid = running.id().unwrap();
        other.block_on(async {
            // On another runtime, which takes over (as tokio's).
            assert_eq!(wait(&mut later).await.code(), Some(6));
            assert!(wait(&mut ended).await.success());
            assert!(timeout(Duration::from_millis(50), running.wait())
                .await
                .is_err());
            // The pipes stay with the runtime that is gone: they fail.
            let mut stdout = running.stdout.take().unwrap();
            let err = timeout(LIMIT, stdout.read(&mut [0; 8]))
                .await
                .unwrap()
                .unwrap_err();
            assert!(taskcell_executor::is_rt_shutdown_err(&err), "{err}");
            // Killed on drop, and reaped by the new runtime.
            drop(running);
            for _ in 0..1000 {
                if is_gone(running_pid) {
                    break;
                }
                taskcell_executor::time::sleep(Duration::from_millis(1)).await;
            }
        });
        assert!(is_gone(running_pid));
        // Dropped in no runtime after its own is gone: killed, and still
        // reaped (by the orphan reaper).
        let pid = orphaned.id().unwrap();
        drop(orphaned);
        assert!(common::wait_until(LIMIT, || is_gone(pid)));
    });
}

#[test]
fn spawning_outside_a_runtime_panics_with_tokios_words() {
    common::guarded(|| {
        let panic = std::panic::catch_unwind(|| Command::new("true").spawn()).unwrap_err();
        let message = common::panic_message(&*panic);
        assert!(
            message.starts_with(
                "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
            ),
            "{message}"
        );
        assert!(message.contains("`Command::spawn`"), "{message}");
        let without_io = Builder::new_current_thread().build().unwrap();
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            without_io.block_on(async { Command::new("true").status().await })
        }))
        .unwrap_err();
        let message = common::panic_message(&*panic);
        assert!(message.contains("enable_io"), "{message}");
        let pipe = std::process::Command::new("true")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
            .stdout
            .take()
            .unwrap();
        let panic = std::panic::catch_unwind(|| ChildStdout::from_std(pipe)).unwrap_err();
        let message = common::panic_message(&*panic);
        assert!(message.contains("`ChildStdout::from_std`"), "{message}");
    });
}

#[test]
fn pipes_hand_on_as_stdio_and_come_from_std() {
    common::guarded(|| {
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let mut first = Command::new("echo")
                .arg("between")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let between: Stdio = first.stdout.take().unwrap().try_into().unwrap();
            let out = timeout(LIMIT, Command::new("cat").stdin(between).output())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(out.stdout, b"between\n");
            assert!(wait(&mut first).await.success());

            let mut std_child = std::process::Command::new("echo")
                .arg("from std")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdout = ChildStdout::from_std(std_child.stdout.take().unwrap()).unwrap();
            let mut text = String::new();
            timeout(LIMIT, stdout.read_to_string(&mut text))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(text, "from std\n");
            assert!(std_child.wait().unwrap().success());
        });
    });
}

#[cfg(target_os = "linux")]
#[test]
fn on_linux_the_exit_comes_through_a_pidfd_when_the_kernel_allows() {
    common::guarded(|| {
        // The environment may deny `pidfd_open` (old kernel, seccomp):
        // then the `SIGCHLD` path is taken and there is nothing to check.
        let probe = std::process::Command::new("true").spawn().unwrap();
        // SAFETY: `pidfd_open` takes two integers and touches no memory.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, probe.id() as libc::c_long, 0) };
        let mut probe = probe;
        probe.wait().unwrap();
        if fd < 0 {
            eprintln!(
                "pidfd_open is not available here: {}",
                io::Error::last_os_error()
            );
            return;
        }
        // SAFETY: `fd` was just opened by `pidfd_open` and is ours.
        unsafe { libc::close(fd as libc::c_int) };
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let before = rt_registrations();
            let mut child = Command::new("sleep").arg("30").spawn().unwrap();
            assert_eq!(rt_registrations(), before + 1, "its pidfd is registered");
            child.kill().await.unwrap();
            drop(child);
            assert_eq!(rt_registrations(), before, "and deregistered");
        });
    });
}

#[cfg(target_os = "linux")]
fn rt_registrations() -> usize {
    taskcell_executor::Handle::current().io_registrations()
}

#[test]
fn the_pipes_have_tokios_io_traits() {
    common::guarded(|| {
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let mut cat = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = cat.stdin.take().unwrap();
            tokio::io::AsyncWriteExt::write_all(&mut stdin, b"tokio")
                .await
                .unwrap();
            tokio::io::AsyncWriteExt::shutdown(&mut stdin)
                .await
                .unwrap();
            drop(stdin);
            let mut back = Vec::new();
            let stdout = cat.stdout.as_mut().unwrap();
            timeout(
                LIMIT,
                tokio::io::AsyncReadExt::read_to_end(stdout, &mut back),
            )
            .await
            .unwrap()
            .unwrap();
            assert_eq!(back, b"tokio");
            assert!(wait(&mut cat).await.success());
        });
    });
}

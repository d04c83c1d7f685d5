//! `io::stdin`, `io::stdout` and `io::stderr`: writes and flushes succeed
//! from tasks of both runtime flavours (through `futures-io`'s traits, and
//! tokio's); a child process (this test binary again)
//! reads what its parent pipes into its stdin through `io::stdin`, to the
//! end, and its bytes written through `io::stdout` and `io::stderr` reach
//! the parent whole and in order; outside a runtime a write panics with
//! tokio's words.
#![cfg(not(miri))]
#![cfg(unix)]

mod common;
mod io_common;

use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::{Command, Stdio};
use std::time::Duration;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::io::{stderr, stdin, stdout};
use taskcell_executor::time::timeout;

const LIMIT: Duration = Duration::from_secs(60);

/// Set in the child's environment: [`child`] runs only there.
const CHILD: &str = "TASKCELL_STDIO_CHILD";

#[test]
fn writes_to_stdout_and_stderr_succeed_and_flush() {
    common::watchdog(LIMIT, || {
        for rt in [io_common::current_thread_all(), io_common::rt_all(2)] {
            rt.block_on(async {
                let mut out = stdout();
                let mut err = stderr();
                assert_eq!((out.as_raw_fd(), err.as_raw_fd()), (1, 2));
                timeout(Duration::from_secs(10), async {
                    out.write_all(b"[stdio test: to stdout]\n").await.unwrap();
                    out.flush().await.unwrap();
                    err.write_all(b"[stdio test: to stderr]\n").await.unwrap();
                    err.close().await.unwrap();
                    // From a spawned task too.
                    taskcell_executor::spawn(async {
                        let mut out = stdout();
                        out.write_all(b"[stdio test: from a task]\n").await.unwrap();
                        out.flush().await.unwrap();
                    })
                    .await
                    .unwrap();
                })
                .await
                .expect("a write or flush hung");
            });
        }
    });
}

#[test]
fn tokios_traits_write_to_stdout_and_stderr() {
    use tokio::io::AsyncWriteExt as _;
    common::watchdog(LIMIT, || {
        io_common::current_thread_all().block_on(async {
            let mut out = stdout();
            tokio::io::AsyncWriteExt::write_all(&mut out, b"[stdio test: tokio's traits]\n")
                .await
                .unwrap();
            tokio::io::AsyncWriteExt::flush(&mut out).await.unwrap();
            let mut err = stderr();
            err.write_u8(b'\n').await.unwrap();
            err.shutdown().await.unwrap();
        });
    });
}

#[test]
fn a_child_reads_its_piped_stdin_and_its_output_reaches_the_parent() {
    common::watchdog(LIMIT, || {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // More than one read's worth, so that it comes in several reads.
        let input: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut pipe = child.stdin.take().unwrap();
        let feeder = {
            let input = input.clone();
            std::thread::spawn(move || pipe.write_all(&input))
        };
        let output = child.wait_with_output().unwrap();
        feeder.join().unwrap().unwrap();
        let (out, err) = (output.stdout, output.stderr);
        assert!(
            output.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&err)
        );
        let report = format!("<read {} bytes, sum {}>", input.len(), checksum(&input));
        assert!(
            String::from_utf8_lossy(&out).contains(&report),
            "stdout lacks {report}: {}",
            String::from_utf8_lossy(&out)
        );
        // Every line in order, none split.
        let lines = (0..500).map(|i| format!("<out {i}>\n")).collect::<String>();
        assert!(String::from_utf8_lossy(&out).contains(&lines));
        assert!(String::from_utf8_lossy(&err).contains("<to stderr>"));
    });
}

/// A checksum that sees order: bytes swapped change it.
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |sum, &b| {
        sum.wrapping_mul(31).wrapping_add(u64::from(b))
    })
}

/// The child of the test above: reads stdin to the end, reports what it
/// read, and writes numbered lines and a marker to stdout and stderr.
#[test]
#[ignore = "run by a_child_reads_its_piped_stdin_and_its_output_reaches_the_parent"]
fn child() {
    assert_eq!(
        std::env::var(CHILD).as_deref(),
        Ok("1"),
        "run only as the child"
    );
    io_common::rt_all(2).block_on(async {
        let mut input = Vec::new();
        stdin().read_to_end(&mut input).await.unwrap();
        let mut out = stdout();
        let report = format!("<read {} bytes, sum {}>\n", input.len(), checksum(&input));
        out.write_all(report.as_bytes()).await.unwrap();
        for i in 0..500 {
            out.write_all(format!("<out {i}>\n").as_bytes())
                .await
                .unwrap();
        }
        out.flush().await.unwrap();
        let mut err = stderr();
        err.write_all(b"<to stderr>\n").await.unwrap();
        err.flush().await.unwrap();
    });
}

#[test]
fn outside_a_runtime_a_write_panics_with_tokios_words() {
    let mut out = stdout();
    let panic = catch_unwind(AssertUnwindSafe(|| {
        futures::executor::block_on(out.write(b"never"))
    }))
    .unwrap_err();
    let msg = common::panic_message(&*panic);
    assert!(
        msg.starts_with(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
        ),
        "{msg}"
    );
    assert!(msg.contains("`Stdout`"), "{msg}");
}

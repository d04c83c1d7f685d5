//! `net::unix::pipe`, tokio's Unix pipes: FIFOs opened with `OpenOptions`
//! (a reader first, a sender without a reader failing with `ENXIO` unless
//! `read_write`, end-of-file between writers, a `read_write` receiver that
//! never reads end-of-file), anonymous pipes carrying data between two
//! tasks, end-of-file when the last sender is dropped and `BrokenPipe`
//! when the receiver is, on another thread, while the other side waits;
//! the checks of `from_file`/`from_owned_fd` (not a pipe, wrong access
//! mode, made non-blocking); the `try_` API and its readiness; tokio's
//! `AsyncRead`/`AsyncWrite`; ends that outlive their runtime failing with
//! an error (but giving their descriptors back), and tasks waiting on a
//! pipe dropped with their runtime; and a panic naming the function outside a runtime, before any
//! FIFO is opened.
#![cfg(not(miri))]
#![cfg(unix)]

mod common;
mod io_common;

use std::ffi::CString;
use std::fs::File;
use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::Context;
use std::time::Duration;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::io::Interest;
use taskcell_executor::net::unix::pipe::{self, OpenOptions, Receiver, Sender};
use taskcell_executor::time::timeout;

const DATA: &[u8] = b"some bytes that go through the pipe";
const LIMIT: Duration = Duration::from_secs(20);

/// A FIFO in a fresh directory of its own, removed when dropped.
struct Fifo {
    dir: PathBuf,
    path: PathBuf,
}

impl Fifo {
    fn new(tag: &str) -> Fifo {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "taskcell-pipe-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fifo");
        let c_path = CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: `c_path` is a NUL-terminated string that outlives the call.
        let made = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
        assert_eq!(made, 0, "mkfifo: {}", io::Error::last_os_error());
        Fifo { dir, path }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// A plain file beside the FIFO.
    fn regular_file(&self) -> PathBuf {
        let path = self.dir.join("plain");
        std::fs::write(&path, b"not a pipe").unwrap();
        path
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `fd` has `O_NONBLOCK` set.
fn is_nonblocking(fd: &impl AsFd) -> bool {
    // SAFETY: `F_GETFL` takes no pointer; the descriptor is borrowed, open.
    let flags = unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETFL) };
    assert!(flags >= 0, "fcntl: {}", io::Error::last_os_error());
    flags & libc::O_NONBLOCK != 0
}

/// Runs `body` on a two-worker runtime with I/O, bounded by `LIMIT`.
fn run<F: Future<Output = ()> + Send + 'static>(body: impl FnOnce() -> F + Send + 'static) {
    common::guarded(move || {
        io_common::rt_all(2).block_on(async move {
            timeout(LIMIT, body()).await.expect("the test body hung");
        })
    })
}

/// Polls `fut` once; whether it is still pending.
fn pending_now<F: Future>(fut: std::pin::Pin<&mut F>) -> bool {
    fut.poll(&mut Context::from_waker(std::task::Waker::noop()))
        .is_pending()
}

/// Fills the pipe with `try_write` until it is full; returns what went in.
fn fill(tx: &Sender, with: impl Fn(&Sender) -> io::Result<usize>) -> Vec<u8> {
    let mut written = Vec::new();
    loop {
        match with(tx) {
            Ok(n) => {
                assert!(n > 0);
                written.extend_from_slice(&DATA[..n]);
            }
            Err(err) => {
                assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}");
                return written;
            }
        }
    }
}

#[test]
fn a_fifo_carries_bytes_from_a_sender_to_a_receiver_opened_first() {
    run(|| async {
        let fifo = Fifo::new("simple");
        let mut rx = OpenOptions::new().open_receiver(fifo.path()).unwrap();
        let reader = taskcell_executor::spawn(async move {
            let mut buf = vec![0; DATA.len()];
            rx.read_exact(&mut buf).await.unwrap();
            buf
        });
        let mut tx = OpenOptions::new().open_sender(fifo.path()).unwrap();
        tx.write_all(DATA).await.unwrap();
        assert_eq!(reader.await.unwrap(), DATA);
    });
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_sender_without_a_reader_fails_with_enxio_unless_read_write() {
    run(|| async {
        let fifo = Fifo::new("sender-first");
        let err = OpenOptions::new().open_sender(fifo.path()).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENXIO), "{err}");
        let mut tx = OpenOptions::new()
            .read_write(true)
            .open_sender(fifo.path())
            .unwrap();
        tx.write_all(DATA).await.unwrap();
        let mut rx = OpenOptions::new().open_receiver(fifo.path()).unwrap();
        let mut buf = vec![0; DATA.len()];
        rx.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, DATA);
    });
}

/// Opens the FIFO as a sender, writes `DATA` and closes it.
async fn write_and_close(path: &Path) {
    let mut tx = OpenOptions::new().open_sender(path).unwrap();
    tx.write_all(DATA).await.unwrap();
}

#[test]
fn a_receiver_reads_end_of_file_between_writers_and_the_next_writers_bytes() {
    run(|| async {
        let fifo = Fifo::new("writers");
        let mut rx = OpenOptions::new().open_receiver(fifo.path()).unwrap();
        let mut buf = vec![0; DATA.len()];
        for round in 0..3 {
            write_and_close(fifo.path()).await;
            let ready = rx.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable(), "round {round}: {ready:?}");
            rx.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf, DATA, "round {round}");
            let err = rx.read_exact(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "round {round}");
        }
    });
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_read_write_receiver_waits_for_the_next_writer_instead_of_end_of_file() {
    run(|| async {
        let fifo = Fifo::new("resilient");
        let mut rx = OpenOptions::new()
            .read_write(true)
            .open_receiver(fifo.path())
            .unwrap();
        write_and_close(fifo.path()).await;
        let mut buf = vec![0; DATA.len()];
        rx.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, DATA);
        // The writer is gone, but the receiver holds a writing end itself.
        {
            let mut read = pin!(rx.read_exact(&mut buf));
            assert!(pending_now(read.as_mut()), "read end-of-file");
            write_and_close(fifo.path()).await;
            read.await.unwrap();
        }
        assert_eq!(buf, DATA);
    });
}

#[test]
fn opening_a_file_that_is_not_a_fifo_is_invalid_input_unless_unchecked() {
    run(|| async {
        let fifo = Fifo::new("not-a-fifo");
        let plain = fifo.regular_file();
        let err = OpenOptions::new().open_receiver(&plain).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        let err = OpenOptions::new().open_sender(&plain).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        // Unchecked, the file is opened and handed to the driver, which
        // (epoll) refuses a regular file: a different error.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let err = OpenOptions::new()
                .unchecked(true)
                .open_receiver(&plain)
                .unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EPERM), "{err}");
        }
        // A FIFO passes either way.
        OpenOptions::new()
            .unchecked(true)
            .open_receiver(fifo.path())
            .unwrap();
    });
}

#[test]
fn from_file_takes_over_fifo_ends_and_makes_them_non_blocking() {
    run(|| async {
        let fifo = Fifo::new("from-file");
        // Opened non-blocking, so that neither open waits for the other.
        let rx_file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(fifo.path())
            .unwrap();
        let mut rx = Receiver::from_file(rx_file).unwrap();
        // Opened blocking (a reader is there, so the open does not wait).
        let tx_file = std::fs::OpenOptions::new()
            .write(true)
            .open(fifo.path())
            .unwrap();
        assert!(!is_nonblocking(&tx_file));
        let mut tx = Sender::from_file(tx_file).unwrap();
        assert!(is_nonblocking(&tx), "from_file made it non-blocking");
        let mut read = pin!(async {
            let mut buf = vec![0; DATA.len()];
            rx.read_exact(&mut buf).await.map(|()| buf)
        });
        assert!(pending_now(read.as_mut()));
        tx.write_all(DATA).await.unwrap();
        assert_eq!(read.await.unwrap(), DATA);

        let rx_file = std::fs::OpenOptions::new()
            .read(true)
            .open(fifo.path())
            .unwrap();
        assert!(!is_nonblocking(&rx_file));
        let rx = Receiver::from_file(rx_file).unwrap();
        assert!(is_nonblocking(&rx), "from_file made it non-blocking");
    });
}

#[test]
fn from_file_refuses_a_regular_file_and_the_wrong_access_mode() {
    run(|| async {
        let fifo = Fifo::new("from-file-checks");
        let plain = fifo.regular_file();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&plain)
            .unwrap();
        let err = Sender::from_file(file).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        let file = File::open(&plain).unwrap();
        let err = Receiver::from_file(file).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");

        let _rx = OpenOptions::new().open_receiver(fifo.path()).unwrap();
        let write_only = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(fifo.path())
            .unwrap();
        let err = Receiver::from_file(write_only).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        let read_only = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(fifo.path())
            .unwrap();
        let err = Sender::from_file(read_only).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");

        // Both directions at once (`O_RDWR`) serve either end.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        for _ in 0..2 {
            let rdwr = || {
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(fifo.path())
                    .unwrap()
            };
            Sender::from_file(rdwr()).unwrap();
            Receiver::from_file(rdwr()).unwrap();
        }
    });
}

#[test]
fn two_tasks_move_a_megabyte_through_an_anonymous_pipe_then_end_of_file() {
    const LEN: usize = 1 << 20;
    run(|| async {
        let (mut tx, mut rx) = pipe::pipe().unwrap();
        let want = io_common::pattern(7, LEN);
        let writer = taskcell_executor::spawn({
            let want = want.clone();
            async move {
                for chunk in want.chunks(10_000) {
                    tx.write_all(chunk).await.unwrap();
                }
                // `tx` dropped here: end-of-file for the reader.
            }
        });
        let reader = taskcell_executor::spawn(async move {
            let mut got = Vec::new();
            rx.read_to_end(&mut got).await.unwrap();
            got
        });
        writer.await.unwrap();
        io_common::assert_bytes_eq(&reader.await.unwrap(), &want, "the pipe's bytes");
    });
}

#[test]
fn a_waiting_read_ends_with_end_of_file_when_the_sender_is_dropped_on_another_thread() {
    run(|| async {
        let (tx, mut rx) = pipe::pipe().unwrap();
        let mut buf = [0; 16];
        let mut read = pin!(rx.read(&mut buf));
        assert!(pending_now(read.as_mut()));
        std::thread::spawn(move || drop(tx)).join().unwrap();
        assert_eq!(read.await.unwrap(), 0);
        assert_eq!(rx.try_read(&mut buf).unwrap(), 0, "end-of-file stays");
    });
}

#[test]
fn a_waiting_write_fails_with_broken_pipe_when_the_receiver_is_dropped_on_another_thread() {
    run(|| async {
        let (mut tx, rx) = pipe::pipe().unwrap();
        // More than any pipe buffer holds: the write waits for room.
        let big = vec![7u8; 4 << 20];
        let mut write = pin!(tx.write_all(&big));
        assert!(pending_now(write.as_mut()));
        std::thread::spawn(move || drop(rx)).join().unwrap();
        let err = write.await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
        let ready = tx.ready(Interest::WRITABLE).await.unwrap();
        assert!(ready.is_write_closed(), "{ready:?}");
        let err = tx.try_write(b"more").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
    });
}

#[test]
fn try_write_fills_the_pipe_and_try_read_and_try_read_vectored_drain_it() {
    run(|| async {
        let (tx, rx) = pipe::pipe().unwrap();
        tx.writable().await.unwrap();
        let written = fill(&tx, |tx| tx.try_write(DATA));
        assert!(
            written.len() > DATA.len(),
            "a pipe holds more than one write"
        );
        let mut got = vec![0; written.len()];
        let mut at = 0;
        while at < got.len() {
            rx.readable().await.unwrap();
            // Alternate the two reads.
            let n = if at % 2 == 0 {
                rx.try_read(&mut got[at..])
            } else {
                let (a, b) = got[at..].split_at_mut(1);
                rx.try_read_vectored(&mut [io::IoSliceMut::new(a), io::IoSliceMut::new(b)])
            };
            match n {
                Ok(n) => {
                    assert!(n > 0, "end-of-file with the sender alive");
                    at += n;
                }
                Err(err) => assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}"),
            }
        }
        assert_eq!(got, written);
        // Drained: the next read waits.
        let mut byte = [0];
        assert_eq!(
            rx.try_read(&mut byte).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
    });
}

#[test]
fn try_write_vectored_and_try_read_buf_move_the_same_bytes() {
    run(|| async {
        let (tx, rx) = pipe::pipe().unwrap();
        let slices: Vec<_> = DATA.chunks(3).map(io::IoSlice::new).collect();
        std::future::poll_fn(|cx| tx.poll_write_ready(cx))
            .await
            .unwrap();
        let written = fill(&tx, |tx| tx.try_write_vectored(&slices));
        // Into uninitialised spare capacity, growing the buffer as needed.
        let mut got = Vec::with_capacity(16);
        while got.len() < written.len() {
            std::future::poll_fn(|cx| rx.poll_read_ready(cx))
                .await
                .unwrap();
            match rx.try_read_buf(&mut got) {
                Ok(n) => assert!(n > 0, "end-of-file with the sender alive"),
                Err(err) => assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}"),
            }
        }
        assert_eq!(got, written);
    });
}

#[test]
fn try_io_runs_only_while_the_end_is_seen_ready() {
    common::guarded(|| {
        io_common::current_thread_all().block_on(async {
            let (tx, rx) = pipe::pipe().unwrap();
            // The driver's first events come in.
            taskcell_executor::task::yield_now().await;
            let mut called = false;
            tx.try_io(|| {
                called = true;
                Ok(())
            })
            .unwrap();
            assert!(called, "a fresh pipe is writable");
            let _ = tx.try_io(|| Err::<(), _>(io::ErrorKind::WouldBlock.into()));
            let err = tx.try_io(|| -> io::Result<()> { panic!("readiness was forgotten") });
            assert_eq!(err.unwrap_err().kind(), io::ErrorKind::WouldBlock);

            let err = rx.try_io(|| -> io::Result<()> { panic!("nothing to read yet") });
            assert_eq!(err.unwrap_err().kind(), io::ErrorKind::WouldBlock);
            File::from(tx.as_fd().try_clone_to_owned().unwrap())
                .write_all(b"x")
                .unwrap();
            rx.readable().await.unwrap();
            let mut byte = [0];
            let n = rx.try_io(|| File::from(rx.as_fd().try_clone_to_owned()?).read(&mut byte));
            assert_eq!((n.unwrap(), byte), (1, *b"x"));
        })
    });
}

#[test]
fn into_fd_gives_the_descriptor_back_blocking_or_not() {
    run(|| async {
        let (tx, rx) = pipe::pipe().unwrap();
        let (tx, rx) = (
            tx.into_nonblocking_fd().unwrap(),
            rx.into_nonblocking_fd().unwrap(),
        );
        assert!(is_nonblocking(&tx) && is_nonblocking(&rx));
        // Back on the runtime, then off it in blocking mode.
        let tx = Sender::from_owned_fd(tx).unwrap();
        let rx = Receiver::from_owned_fd(rx).unwrap();
        let (tx, rx) = (
            tx.into_blocking_fd().unwrap(),
            rx.into_blocking_fd().unwrap(),
        );
        assert!(!is_nonblocking(&tx) && !is_nonblocking(&rx));
        File::from(tx).write_all(DATA).unwrap();
        let mut got = Vec::new();
        File::from(rx).read_to_end(&mut got).unwrap();
        assert_eq!(got, DATA);
    });
}

#[test]
fn a_child_process_writes_into_a_pipe_handed_to_it() {
    run(|| async {
        let (tx, mut rx) = pipe::pipe().unwrap();
        let status = taskcell_executor::process::Command::new("printf")
            .arg("%s")
            .arg("from the child")
            .stdout(tx.into_blocking_fd().unwrap())
            .status();
        let mut out = String::new();
        rx.read_to_string(&mut out).await.unwrap();
        assert!(status.await.unwrap().success());
        assert_eq!(out, "from the child");
    });
}

#[test]
fn tokio_read_and_write_traits_move_bytes_into_uninitialised_buffers() {
    run(|| async {
        let (mut tx, mut rx) = pipe::pipe().unwrap();
        let writer = taskcell_executor::spawn(async move {
            tokio::io::AsyncWriteExt::write_all(&mut tx, DATA)
                .await
                .unwrap();
            tokio::io::AsyncWriteExt::shutdown(&mut tx).await.unwrap();
        });
        let mut got = bytes::BytesMut::with_capacity(4);
        while tokio::io::AsyncReadExt::read_buf(&mut rx, &mut got)
            .await
            .unwrap()
            > 0
        {}
        writer.await.unwrap();
        assert_eq!(&got[..], DATA);
        let mut rest = Vec::new();
        assert_eq!(rx.read_to_end(&mut rest).await.unwrap(), 0);
    });
}

#[test]
fn pipe_ends_that_outlive_their_runtime_fail_with_an_error() {
    common::guarded(|| {
        let rt = io_common::rt_all(1);
        let (mut tx, mut rx) = rt.block_on(async {
            let (mut tx, mut rx) = pipe::pipe().unwrap();
            tx.write_all(b"ok").await.unwrap();
            let mut buf = [0; 2];
            rx.read_exact(&mut buf).await.unwrap();
            (tx, rx)
        });
        drop(rt);
        for round in 0..2 {
            let mut buf = [0; 4];
            let read = futures::executor::block_on(rx.read(&mut buf));
            assert!(read.is_err(), "round {round}: read gave {read:?}");
            let write = futures::executor::block_on(tx.write(b"late"));
            assert!(write.is_err(), "round {round}: write gave {write:?}");
            let ready = futures::executor::block_on(rx.readable());
            assert!(ready.is_err(), "round {round}: readable gave {ready:?}");
            let ready = futures::executor::block_on(tx.writable());
            assert!(ready.is_err(), "round {round}: writable gave {ready:?}");
        }
        // The descriptors can still be taken back, intact, for std's I/O.
        let tx = File::from(tx.into_blocking_fd().unwrap());
        let rx = File::from(rx.into_blocking_fd().unwrap());
        (&tx).write_all(b"late").unwrap();
        drop(tx);
        let mut got = Vec::new();
        (&rx).read_to_end(&mut got).unwrap();
        assert_eq!(got, b"late");
    });
}

#[test]
fn dropping_the_runtime_ends_tasks_waiting_on_a_pipe() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let (tx, rx) = rt.block_on(async { pipe::pipe().unwrap() });
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let reader = rt.spawn(async move {
            let mut rx = rx;
            started_tx.send(()).unwrap();
            rx.read(&mut [0; 8]).await
        });
        started_rx.recv().unwrap();
        // The task waits in `read` (or is about to); the runtime goes away
        // under it, dropping it, while the sender is still open.
        drop(rt);
        let err = futures::executor::block_on(reader).unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
        drop(tx);
    });
}

/// The message of the panic `f` raises.
fn panic_of(f: impl FnOnce()) -> String {
    common::quiet_expected_panics();
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it panicked");
    common::panic_message(&*payload)
}

#[test]
fn outside_a_runtime_making_an_end_panics_naming_it_before_opening_the_fifo() {
    const TOKIO: &str =
        "there is no reactor running, must be called from the context of a Tokio 1.x runtime";
    let msg = panic_of(|| drop(pipe::pipe()));
    assert!(
        msg.starts_with(TOKIO) && msg.contains("`pipe::pipe`"),
        "{msg}"
    );

    // No reader has the FIFO open: had it been opened, that would be
    // `ENXIO`, an error, not a panic.
    let fifo = Fifo::new("outside");
    let msg = panic_of(|| drop(OpenOptions::new().open_sender(fifo.path())));
    assert!(
        msg.starts_with(TOKIO) && msg.contains("open_sender"),
        "{msg}"
    );
    let msg = panic_of(|| drop(OpenOptions::new().open_receiver(fifo.path())));
    assert!(
        msg.starts_with(TOKIO) && msg.contains("open_receiver"),
        "{msg}"
    );

    // `from_owned_fd` checks first, as tokio's: a file that is not a pipe
    // is an error even here.
    let plain = File::open(fifo.regular_file()).unwrap();
    let err = Receiver::from_file(plain).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let (a, b) = std::io::pipe().unwrap();
    let msg = panic_of(|| drop(Receiver::from_owned_fd(a.into())));
    assert!(
        msg.starts_with(TOKIO) && msg.contains("from_owned_fd"),
        "{msg}"
    );
    let msg = panic_of(|| {
        drop(Sender::from_file_unchecked(File::from(
            std::os::fd::OwnedFd::from(b),
        )))
    });
    assert!(
        msg.starts_with(TOKIO) && msg.contains("from_file_unchecked"),
        "{msg}"
    );
}

#[test]
fn pipe_on_a_runtime_without_io_panics_with_tokios_words() {
    let rt = taskcell_executor::Builder::new_current_thread()
        .build()
        .unwrap();
    let msg = panic_of(|| rt.block_on(async { drop(pipe::pipe()) }));
    assert!(
        msg.starts_with("A Tokio 1.x context was found, but IO is disabled.")
            && msg.contains("`pipe::pipe`"),
        "{msg}"
    );
}

#[test]
fn the_ends_are_send_sync_and_show_their_descriptor_in_debug() {
    fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    send_sync_unpin::<Sender>();
    send_sync_unpin::<Receiver>();
    send_sync_unpin::<OpenOptions>();
    run(|| async {
        let (tx, rx) = pipe::pipe().unwrap();
        assert_eq!(
            format!("{tx:?}"),
            format!("Sender {{ fd: {} }}", tx.as_raw_fd())
        );
        assert_eq!(
            format!("{rx:?}"),
            format!("Receiver {{ fd: {} }}", rx.as_raw_fd())
        );
    });
}

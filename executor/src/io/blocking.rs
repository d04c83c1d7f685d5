//! [`Blocking`]: a blocking `Read` or `Write` made async by running each of
//! its calls on the runtime's blocking pool. It serves `stdin`, `stdout`
//! and `stderr`, and is meant to serve anything else that has no
//! nonblocking form: files, a child's pipes.
//!
//! The design is tokio's (`tokio/src/io/blocking.rs`): the value is handed
//! to a blocking-pool closure with a buffer, and comes back with the
//! result, so there is no lock and at most one operation in flight.
//!
//! - **Reads** ask for as many bytes as the caller's buffer holds (at most
//!   [`DEFAULT_MAX_BUF_SIZE`]); what the caller does not take stays in the
//!   read-ahead buffer for the next read. A read in flight when its future
//!   is dropped still lands there: nothing is lost.
//! - **Writes** are write-behind: `poll_write` copies the bytes (at most
//!   [`DEFAULT_MAX_BUF_SIZE`]), starts `write_all` on the pool and returns
//!   `Ok(n)` at once. The next write, or a flush, waits for it first, and
//!   reports its error. `poll_flush` waits for the write in flight, then
//!   flushes the value if anything was written since the last flush.
//! - **Errors** of a read go to the next read; of a write or flush, to the
//!   next write or flush, whoever finds them. An operation that never
//!   finished (its runtime shut down before running it) or panicked takes
//!   the value with it: that operation's caller gets the reason, and every
//!   later one an error too. None hangs. An operation asked of a runtime
//!   that has already shut down is refused at once, with the error
//!   `is_rt_shutdown_err` knows (as tokio's, whose stdio runs its calls as
//!   mandatory blocking tasks), and the value stays.
//!
//! Where tokio's differs: tokio's `poll_shutdown` returns at once, and
//! ours (`poll_close`) flushes, so that the last write has landed when it
//! returns; tokio's would panic on a write while read-ahead bytes are
//! buffered (a value that is both `Read` and `Write`), where ours keeps
//! separate buffers for the two directions (two [`Buf`]s; `fs::File`
//! keeps one, for both). The reads and writes of such a value still share
//! the one operation slot: a write waits for a read in flight. It suits
//! streams; a file, whose reads and writes share a position, needs to drop
//! its read-ahead (seek back) before a write, as tokio's `fs::File` does,
//! on top of this.

use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::{Buf, DEFAULT_MAX_BUF_SIZE};
use crate::runtime;
use crate::task::{JoinError, JoinHandle, Meta};

/// A blocking `T` used through async reads and writes; see the module docs.
pub(crate) struct Blocking<T> {
    state: State<T>,
    /// Bytes read ahead and not handed out yet.
    read_buf: Buf,
    /// A read reached the end of the input: the next `poll_fill` reports
    /// it (nothing buffered) once.
    read_eof: bool,
    /// The last read's error, for the next read.
    read_error: Option<io::Error>,
    /// The write buffer, empty between writes (kept for its capacity).
    write_buf: Buf,
    /// The last write's or flush's error, for the next write or flush.
    write_error: Option<io::Error>,
    /// Something was written since the last flush.
    need_flush: bool,
    /// The public type, for messages (`` `Stdout` ``).
    what: &'static str,
}

// Nothing in a `Blocking` is ever pinned: the value moves to the pool
// and back by value.
impl<T> Unpin for Blocking<T> {}

enum State<T> {
    /// No operation in flight: the value is here.
    Idle(T),
    /// The value is on the blocking pool, inside an operation.
    Busy(JoinHandle<Done<T>>),
    /// The value went with an operation that did not finish.
    Lost,
}

/// What an operation hands back: the value, and what it did.
struct Done<T> {
    inner: T,
    op: Op,
}

enum Op {
    /// The buffer with the bytes read and their count (0 at the end of the
    /// input), or the error.
    Read(Buf, io::Result<usize>),
    /// The buffer written, emptied, and the result.
    Write(Buf, io::Result<()>),
    Flush(io::Result<()>),
}

impl<T: Send + 'static> Blocking<T> {
    /// `inner`, used through the blocking pool of the runtime of the code
    /// that polls it. `what` names the public type in messages.
    pub(crate) fn new(inner: T, what: &'static str) -> Blocking<T> {
        Blocking {
            state: State::Idle(inner),
            read_buf: Buf::default(),
            read_eof: false,
            read_error: None,
            write_buf: Buf::default(),
            write_error: None,
            need_flush: false,
            what,
        }
    }

    /// Waits for the operation in flight, if any, and takes in what it
    /// did (its error is kept for the next operation of its direction).
    /// `Err` if the value is lost.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let done = match &mut self.state {
            State::Idle(_) => return Poll::Ready(Ok(())),
            State::Lost => return Poll::Ready(Err(self.lost())),
            State::Busy(join) => ready!(Pin::new(join).poll(cx)),
        };
        let Done { inner, op } = match done {
            Ok(done) => done,
            Err(err) => {
                self.state = State::Lost;
                return Poll::Ready(Err(self.failed(&err)));
            }
        };
        self.state = State::Idle(inner);
        match op {
            Op::Read(buf, result) => {
                self.read_buf = buf;
                match result {
                    Ok(n) => self.read_eof = n == 0,
                    Err(err) => self.read_error = Some(err),
                }
            }
            Op::Write(buf, result) => {
                self.write_buf = buf;
                self.write_error = result.err();
            }
            Op::Flush(result) => self.write_error = result.err(),
        }
        Poll::Ready(Ok(()))
    }

    /// Runs `op` on the value on the blocking pool of the runtime of the
    /// calling code; the value must be idle.
    ///
    /// # Errors
    ///
    /// The runtime's shutdown error if it has shut down: `op` is dropped
    /// unrun, and the value stays idle.
    ///
    /// # Panics
    ///
    /// Outside a runtime, with the value left in place.
    fn start(&mut self, op: impl FnOnce(T) -> Done<T> + Send + 'static) -> io::Result<()> {
        let Ok(handle) = runtime::Handle::try_current() else {
            panic!(
                "there is no reactor running, must be called from the context of a Tokio 1.x \
                 runtime: {} runs its blocking calls on a taskcell runtime's blocking pool. \
                 Use it from a task, a `block_on` or a `spawn_blocking` closure of a runtime",
                self.what
            );
        };
        if handle.inner.is_shutdown() {
            return Err(crate::driver::io::scheduled_io::gone());
        }
        let State::Idle(inner) = mem::replace(&mut self.state, State::Lost) else {
            unreachable!("an operation starts only when the value is idle");
        };
        self.state = State::Busy(handle.spawn_blocking_with(move || op(inner), Meta::caller()));
        Ok(())
    }

    /// The error of the operation that took the value with it.
    fn failed(&self, err: &JoinError) -> io::Error {
        let why = if err.is_panic() {
            "panicked"
        } else {
            "was cancelled: its runtime shut down before running it"
        };
        io::Error::other(format!("{}: a blocking operation {why}", self.what))
    }

    /// The error of every operation after that.
    fn lost(&self) -> io::Error {
        io::Error::other(format!(
            "{}: unusable since a blocking operation on it failed to finish",
            self.what
        ))
    }
}

impl<T: Read + Send + 'static> Blocking<T> {
    /// `Ready(Ok(()))` once read-ahead bytes are buffered, or the input
    /// ended (nothing buffered then), reading up to `max` bytes if need be.
    /// With `max == 0` and nothing buffered, `Ready(Ok(()))` at once.
    fn poll_fill(&mut self, cx: &mut Context<'_>, max: usize) -> Poll<io::Result<()>> {
        loop {
            if !self.read_buf.is_empty() {
                return Poll::Ready(Ok(()));
            }
            ready!(self.poll_idle(cx))?;
            if let Some(err) = self.read_error.take() {
                return Poll::Ready(Err(err));
            }
            if !self.read_buf.is_empty() {
                continue;
            }
            if max == 0 || mem::take(&mut self.read_eof) {
                return Poll::Ready(Ok(()));
            }
            let len = max.min(DEFAULT_MAX_BUF_SIZE);
            let mut buf = mem::take(&mut self.read_buf);
            if let Err(err) = self.start(move |mut inner| {
                let result = buf.read_from(&mut inner, len);
                Done {
                    inner,
                    op: Op::Read(buf, result),
                }
            }) {
                return Poll::Ready(Err(err));
            }
        }
    }

    /// A read into `dst`: the byte count, 0 at the end of the input.
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_fill(cx, dst.len()))?;
        Poll::Ready(Ok(self.read_buf.copy_to(dst)))
    }

    /// A read into tokio's `ReadBuf`.
    pub(crate) fn poll_read_tokio(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(self.poll_fill(cx, dst.remaining()))?;
        self.read_buf.copy_to_read_buf(dst);
        Poll::Ready(Ok(()))
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    /// Waits for the operation in flight; `Ready(Err)` with a pending write
    /// error (or if the value is lost).
    fn poll_write_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(err) = self.write_error.take() {
            return Poll::Ready(Err(err));
        }
        ready!(self.poll_idle(cx))?;
        Poll::Ready(self.write_error.take().map_or(Ok(()), Err))
    }

    /// Takes up to [`DEFAULT_MAX_BUF_SIZE`] bytes of `src` and starts
    /// writing them: `Ok(n)` once the previous write is done; its error, if
    /// it failed.
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_write_idle(cx))?;
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut buf = mem::take(&mut self.write_buf);
        let n = buf.copy_from(src, DEFAULT_MAX_BUF_SIZE);
        self.start(move |mut inner| {
            let result = buf.write_to(&mut inner);
            Done {
                inner,
                op: Op::Write(buf, result),
            }
        })?;
        self.need_flush = true;
        Poll::Ready(Ok(n))
    }

    /// Waits for the write in flight, then flushes the value if anything
    /// was written since the last flush; the first error met.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.poll_write_idle(cx))?;
            if !self.need_flush {
                return Poll::Ready(Ok(()));
            }
            self.start(|mut inner| {
                let result = inner.flush();
                Done {
                    inner,
                    op: Op::Flush(result),
                }
            })?;
            self.need_flush = false;
        }
    }
}

impl<T: Read + Send + 'static> futures_io::AsyncRead for Blocking<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Blocking::poll_read(self.get_mut(), cx, buf)
    }
}

impl<T: Write + Send + 'static> futures_io::AsyncWrite for Blocking<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Blocking::poll_write(self.get_mut(), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Blocking::poll_flush(self.get_mut(), cx)
    }

    /// Flushes: closing leaves nothing in flight (tokio's `poll_shutdown`
    /// returns at once).
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Blocking::poll_flush(self.get_mut(), cx)
    }
}

impl<T> fmt::Debug for Blocking<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Idle(_) => "idle",
            State::Busy(_) => "busy",
            State::Lost => "lost",
        };
        f.debug_struct("Blocking")
            .field("state", &state)
            .field("read_ahead", &self.read_buf.bytes().len())
            .field("need_flush", &self.need_flush)
            .finish_non_exhaustive()
    }
}

/// Implements tokio's `AsyncRead`, and futures-io's with its feature, for
/// `$ty`, whose `Blocking` is the field `$field`.
macro_rules! read_through_blocking {
    ($ty:ty, $field:ident) => {
        #[cfg(feature = "futures-io")]
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.get_mut().$field.poll_read(cx, buf)
            }
        }

        /// tokio's `AsyncRead`.
        impl tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.get_mut().$field.poll_read_tokio(cx, buf)
            }
        }
    };
}

/// Implements tokio's `AsyncWrite`, and futures-io's with its feature, for
/// `$ty`, whose `Blocking` is the field `$field`: shutting down (futures'
/// close) flushes. The two traits differ only in the name of that last
/// method (`$close`), so one arm writes both.
macro_rules! write_through_blocking {
    ($ty:ty, $field:ident) => {
        write_through_blocking!(
            #[cfg(feature = "futures-io")]
            futures_io::AsyncWrite,
            poll_close,
            $ty,
            $field
        );

        write_through_blocking!(
            /// tokio's `AsyncWrite`: `poll_shutdown`
            /// flushes.
            tokio::io::AsyncWrite,
            poll_shutdown,
            $ty,
            $field
        );
    };
    ($(#[$attr:meta])* $trait:path, $close:ident, $ty:ty, $field:ident) => {
        $(#[$attr])*
        impl $trait for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.get_mut().$field.poll_write(cx, buf)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.get_mut().$field.poll_flush(cx)
            }

            fn $close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.get_mut().$field.poll_flush(cx)
            }
        }
    };
}

/// `AsRawFd` and `AsFd` (Unix) for `$ty`, a handle of a standard stream,
/// from its field `fd` (its `Blocking`, the field `std`, may be away on
/// the pool), and `Debug`, which shows that `Blocking`.
macro_rules! std_stream_impls {
    ($ty:ident) => {
        #[cfg(unix)]
        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.fd.as_raw_fd()
            }
        }

        #[cfg(unix)]
        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.fd.as_fd()
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("std", &self.std)
                    .finish()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    use std::collections::VecDeque;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::{mpsc, Arc, Mutex};
    use std::time::Duration;

    /// Runs `fut` on a current-thread runtime (with its blocking pool),
    /// failing the test if it takes more than 10 s: a lost wake-up.
    fn run<F: Future>(fut: F) -> F::Output {
        let rt = crate::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async { crate::time::timeout(Duration::from_secs(10), fut).await })
            .expect("the operation hung")
    }

    /// A reader that returns its chunks in order, one per call (the part
    /// of a chunk that does not fit stays for the next call); an empty
    /// chunk reads as the end of the input; an error is returned once;
    /// `None` panics. With a gate, the first call waits for a message.
    struct Chunks(
        VecDeque<Option<io::Result<Vec<u8>>>>,
        Option<mpsc::Receiver<()>>,
    );

    impl Chunks {
        fn new(chunks: impl IntoIterator<Item = Option<io::Result<&'static [u8]>>>) -> Self {
            Chunks(
                chunks
                    .into_iter()
                    .map(|c| c.map(|r| r.map(<[u8]>::to_vec)))
                    .collect(),
                None,
            )
        }
    }

    impl Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if let Some(gate) = self.1.take() {
                gate.recv().unwrap();
            }
            match self.0.pop_front() {
                None => Ok(0),
                Some(None) => panic!("a reader that panics"),
                Some(Some(Err(err))) => Err(err),
                Some(Some(Ok(mut chunk))) => {
                    let n = chunk.len().min(buf.len());
                    buf[..n].copy_from_slice(&chunk[..n]);
                    if n < chunk.len() {
                        self.0.push_front(Some(Ok(chunk.split_off(n))));
                    }
                    Ok(n)
                }
            }
        }
    }

    /// What the next `write` or `flush` call of a [`Script`] does.
    enum Act {
        Ok,
        Fail(io::ErrorKind),
        /// Waits for a message first, then succeeds.
        Wait(mpsc::Receiver<()>),
        Panic,
    }

    /// A writer that follows its acts (then succeeds) and logs the calls
    /// that succeed: `"w:<bytes>"` and `"flush"`.
    struct Script {
        acts: VecDeque<Act>,
        log: Arc<Mutex<Vec<String>>>,
    }

    fn script(acts: impl IntoIterator<Item = Act>) -> (Blocking<Script>, Arc<Mutex<Vec<String>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let script = Script {
            acts: acts.into_iter().collect(),
            log: log.clone(),
        };
        (Blocking::new(script, "`Script`"), log)
    }

    impl Script {
        fn act(&mut self, entry: String) -> io::Result<()> {
            match self.acts.pop_front().unwrap_or(Act::Ok) {
                Act::Ok => {}
                Act::Fail(kind) => return Err(kind.into()),
                Act::Wait(gate) => gate.recv().unwrap(),
                Act::Panic => panic!("a writer that panics"),
            }
            self.log.lock().unwrap().push(entry);
            Ok(())
        }
    }

    impl Write for Script {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.act(format!("w:{}", String::from_utf8_lossy(buf)))?;
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            self.act("flush".into())
        }
    }

    fn logged(log: &Mutex<Vec<String>>) -> Vec<String> {
        log.lock().unwrap().clone()
    }

    #[test]
    fn reads_come_in_order_and_a_dropped_read_keeps_its_bytes() {
        let (gate, wait) = mpsc::channel();
        let mut chunks = Chunks::new([Some(Ok(&b"hello"[..])), Some(Ok(b" world"))]);
        chunks.1 = Some(wait);
        let mut input = Blocking::new(chunks, "`Chunks`");
        let got = run(async {
            // A read for 64 bytes, dropped while in flight: its bytes stay.
            let mut first = [0u8; 64];
            let mut read = input.read(&mut first);
            let polled = std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut read).poll(cx))).await;
            assert!(polled.is_pending(), "the read is held");
            drop(read);
            gate.send(()).unwrap();
            // Then two bytes at a time.
            let mut got = Vec::new();
            let mut two = [0u8; 2];
            loop {
                let n = input.read(&mut two).await.unwrap();
                if n == 0 {
                    break got;
                }
                got.extend_from_slice(&two[..n]);
            }
        });
        assert_eq!(got, b"hello world");
    }

    #[test]
    fn read_errors_surface_in_order_and_interruptions_are_retried() {
        let mut input = Blocking::new(
            Chunks::new([
                Some(Ok(&b"ab"[..])),
                Some(Err(io::ErrorKind::Interrupted.into())),
                Some(Err(io::ErrorKind::InvalidData.into())),
                Some(Ok(b"cd")),
                Some(Ok(b"")),
                Some(Ok(b"after the end")),
            ]),
            "`Chunks`",
        );
        run(async {
            let mut buf = [0u8; 16];
            assert_eq!(input.read(&mut buf).await.unwrap(), 2);
            assert_eq!(&buf[..2], b"ab");
            let err = input.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert_eq!(input.read(&mut buf).await.unwrap(), 2);
            assert_eq!(&buf[..2], b"cd");
            assert_eq!(input.read(&mut buf).await.unwrap(), 0, "the end, once");
            // A read after the end asks again (a terminal may say more).
            assert_eq!(input.read(&mut buf).await.unwrap(), 13);
            assert_eq!(input.read(&mut buf).await.unwrap(), 0);
            assert_eq!(input.read(&mut []).await.unwrap(), 0, "an empty read");
        });
    }

    #[test]
    fn writes_land_in_order_and_a_flush_follows_them() {
        let (mut out, log) = script([]);
        run(async {
            for part in ["a", "b", "c"] {
                out.write_all(part.as_bytes()).await.unwrap();
            }
            out.flush().await.unwrap();
            assert_eq!(logged(&log), ["w:a", "w:b", "w:c", "flush"]);
            // Nothing written since: no second flush.
            out.flush().await.unwrap();
            out.close().await.unwrap();
            assert_eq!(logged(&log).len(), 4);
            // Closing flushes.
            out.write_all(b"d").await.unwrap();
            out.close().await.unwrap();
            assert_eq!(logged(&log)[4..], ["w:d", "flush"]);
            assert_eq!(out.write(b"").await.unwrap(), 0);
        });
    }

    #[test]
    fn a_write_returns_before_it_lands_and_flush_waits_for_it() {
        let (gate, wait) = mpsc::channel();
        let (mut out, log) = script([Act::Wait(wait)]);
        run(async {
            out.write_all(b"slow").await.unwrap();
            let mut flush = out.flush();
            let polled =
                std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut flush).poll(cx))).await;
            assert!(polled.is_pending(), "the write is still held");
            assert!(logged(&log).is_empty());
            gate.send(()).unwrap();
            flush.await.unwrap();
            assert_eq!(logged(&log), ["w:slow", "flush"]);
        });
    }

    #[test]
    fn a_failed_write_or_flush_is_reported_by_the_next_write_or_flush() {
        use io::ErrorKind::{BrokenPipe, InvalidData, Other};
        let (mut out, log) = script([
            Act::Ok,
            Act::Fail(BrokenPipe),
            Act::Ok,
            Act::Fail(Other),
            Act::Fail(InvalidData),
        ]);
        run(async {
            assert_eq!(out.write(b"1").await.unwrap(), 1);
            assert_eq!(
                out.write(b"2").await.unwrap(),
                1,
                "accepted; it fails later"
            );
            assert_eq!(out.write(b"3").await.unwrap_err().kind(), BrokenPipe);
            assert_eq!(out.write(b"3").await.unwrap(), 1, "reported once");
            assert_eq!(out.flush().await.unwrap_err().kind(), Other);
            assert_eq!(out.write(b"4").await.unwrap(), 1);
            assert_eq!(out.flush().await.unwrap_err().kind(), InvalidData);
            assert_eq!(logged(&log), ["w:1", "w:3"], "no flush succeeded");
            // "4" was written (and failed) since the last flush: this one
            // runs.
            out.flush().await.unwrap();
        });
        assert_eq!(logged(&log), ["w:1", "w:3", "flush"]);
    }

    #[test]
    fn an_operation_that_panics_fails_it_and_every_later_call() {
        let (mut out, _log) = script([Act::Panic]);
        let mut input = Blocking::new(Chunks::new([None]), "`Chunks`");
        run(async {
            assert_eq!(out.write(b"x").await.unwrap(), 1);
            let err = out.flush().await.unwrap_err();
            assert!(
                err.to_string()
                    .contains("`Script`: a blocking operation panicked"),
                "{err}"
            );
            let err = out.write(b"y").await.unwrap_err();
            assert!(err.to_string().contains("unusable"), "{err}");
            assert!(out.flush().await.is_err());

            let err = input.read(&mut [0; 4]).await.unwrap_err();
            assert!(err.to_string().contains("panicked"), "{err}");
            assert!(input.read(&mut [0; 4]).await.is_err());
        });
    }

    #[test]
    fn an_operation_asked_of_a_shut_down_runtime_is_refused_with_its_error() {
        let rt = crate::Builder::new_current_thread().build().unwrap();
        let handle = rt.handle().clone();
        drop(rt);
        let _in_dead_runtime = handle.enter();
        let (mut out, log) = script([]);
        let mut input = Blocking::new(Chunks::new([]), "`Chunks`");
        futures::executor::block_on(async {
            let err = out.write(b"x").await.unwrap_err();
            assert!(crate::is_rt_shutdown_err(&err), "{err}");
            let err = input.read(&mut [0; 4]).await.unwrap_err();
            assert!(crate::is_rt_shutdown_err(&err), "{err}");
            // Nothing was taken: nothing to flush, and the values stay.
            out.flush().await.unwrap();
            assert!(matches!(out.state, State::Idle(_)));
            assert!(matches!(input.state, State::Idle(_)));
        });
        assert!(logged(&log).is_empty());
    }

    #[test]
    fn outside_a_runtime_an_operation_panics_with_tokios_words_and_keeps_the_value() {
        let (mut out, log) = script([]);
        let panic = catch_unwind(AssertUnwindSafe(|| {
            futures::executor::block_on(out.write(b"x"))
        }))
        .unwrap_err();
        let msg = panic.downcast_ref::<String>().unwrap();
        assert!(
            msg.starts_with(
                "there is no reactor running, must be called from the context of a Tokio 1.x \
                 runtime: `Script`"
            ),
            "{msg}"
        );
        run(async {
            out.write_all(b"x").await.unwrap();
            out.flush().await.unwrap();
        });
        assert_eq!(logged(&log), ["w:x", "flush"]);
    }
}

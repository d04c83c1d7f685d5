//! [`duplex`]: an in-memory pair of connected byte streams, as tokio's
//! `io::duplex`.
//!
//! Each direction is a [`Pipe`]: a bounded byte queue behind a lock, with
//! the waker of the task waiting to read it and of the one waiting to write
//! it. A waker is taken out under the lock and woken after it is released:
//! no foreign code (a waker's `wake` or `drop`) runs under the lock.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};

#[cfg(feature = "futures-io")]
use futures_io::{AsyncRead, AsyncWrite};

use crate::primitives::Mutex;

/// Makes a pair of connected in-memory streams: what one end writes, the
/// other reads, as tokio's `io::duplex`. Each direction holds at most
/// `max_buf_size` bytes; a write to a full direction waits until the other
/// end reads.
///
/// An end that is closed (`AsyncWriteExt::close`, tokio's `shutdown`) or
/// dropped has written its last: the other end reads what is left, then
/// end of file. A write to an end whose peer is dropped fails with
/// `BrokenPipe`. Reads and writes spend the task's budget, as the
/// runtime's sockets do.
///
/// The ends implement this module's (tokio's) `AsyncRead` and
/// `AsyncWrite`, and futures-io's with the `futures-io` feature.
///
/// # Panics
///
/// If `max_buf_size` is zero: such a stream could never carry a byte.
///
/// ```
/// use taskcell_executor::io::{duplex, AsyncReadExt, AsyncWriteExt};
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let (mut client, mut server) = duplex(64);
///     client.write_all(b"ping").await.unwrap();
///     let mut got = [0; 4];
///     server.read_exact(&mut got).await.unwrap();
///     assert_eq!(&got, b"ping");
///     server.write_all(b"pong").await.unwrap();
///     drop(server);
///     let mut reply = Vec::new();
///     client.read_to_end(&mut reply).await.unwrap();
///     assert_eq!(reply, b"pong");
/// });
/// ```
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    // tokio's words, at the caller's line: a pipe of zero bytes could
    // never carry one.
    assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
    let one = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    let two = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

/// One end of a [`duplex`] pair: reads what the other end writes, and
/// writes what it reads. Dropping it ends both directions (module docs of
/// [`duplex`]).
pub struct DuplexStream {
    read: Arc<Mutex<Pipe>>,
    write: Arc<Mutex<Pipe>>,
}

/// One direction.
struct Pipe {
    buf: VecDeque<u8>,
    max: usize,
    /// The writing end closed or dropped: reads drain, then end of file.
    write_closed: bool,
    /// The reading end dropped: writes fail.
    read_closed: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl Pipe {
    fn new(max: usize) -> Pipe {
        Pipe {
            buf: VecDeque::new(),
            max,
            write_closed: false,
            read_closed: false,
            reader: None,
            writer: None,
        }
    }
}

/// Wakes `waker`, if any, once the lock it came from is released.
fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        crate::task::wake_contained(waker);
    }
}

/// Stores `cx`'s waker in `slot`, unless the one there would wake the same
/// task; the waker replaced is given back, to be dropped after the lock.
fn park(slot: &mut Option<Waker>, cx: &Context<'_>) -> Option<Waker> {
    match slot {
        Some(waker) if waker.will_wake(cx.waker()) => None,
        _ => slot.replace(cx.waker().clone()),
    }
}

impl DuplexStream {
    /// Copies what is queued into `dst` (`Ready(0)` at end of file, or if
    /// `dst` is empty).
    fn poll_read_into(&self, cx: &mut Context<'_>, dst: &mut [u8]) -> Poll<io::Result<usize>> {
        let coop = ready!(crate::coop::poll_proceed(cx));
        let mut pipe = self.read.lock();
        if pipe.buf.is_empty() && !dst.is_empty() {
            if pipe.write_closed {
                drop(pipe);
                coop.made_progress();
                return Poll::Ready(Ok(0));
            }
            let replaced = park(&mut pipe.reader, cx);
            drop(pipe);
            drop(replaced);
            return Poll::Pending;
        }
        let n = dst.len().min(pipe.buf.len());
        for (to, from) in dst.iter_mut().zip(pipe.buf.drain(..n)) {
            *to = from;
        }
        // Room was made only if bytes were taken.
        let writer = if n > 0 { pipe.writer.take() } else { None };
        drop(pipe);
        wake(writer);
        coop.made_progress();
        Poll::Ready(Ok(n))
    }

    /// Queues as much of `src` as fits.
    fn poll_write_from(&self, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_from(cx, &[IoSlice::new(src)])
    }

    /// Queues as much of `bufs`, in order, as fits.
    fn poll_write_vectored_from(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let coop = ready!(crate::coop::poll_proceed(cx));
        let mut pipe = self.write.lock();
        if pipe.read_closed || pipe.write_closed {
            drop(pipe);
            coop.made_progress();
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let mut room = pipe.max - pipe.buf.len();
        if room == 0 && bufs.iter().any(|buf| !buf.is_empty()) {
            let replaced = park(&mut pipe.writer, cx);
            drop(pipe);
            drop(replaced);
            return Poll::Pending;
        }
        let mut n = 0;
        for buf in bufs {
            let take = room.min(buf.len());
            pipe.buf.extend(&buf[..take]);
            n += take;
            room -= take;
            if room == 0 {
                break;
            }
        }
        // There is more to read only if bytes were queued.
        let reader = if n > 0 { pipe.reader.take() } else { None };
        drop(pipe);
        wake(reader);
        coop.made_progress();
        Poll::Ready(Ok(n))
    }

    /// Ends this end's writing: the peer reads what is queued, then end of
    /// file.
    fn close_write(&self) {
        let mut pipe = self.write.lock();
        pipe.write_closed = true;
        let reader = pipe.reader.take();
        drop(pipe);
        wake(reader);
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        self.close_write();
        let mut pipe = self.read.lock();
        pipe.read_closed = true;
        let writer = pipe.writer.take();
        drop(pipe);
        wake(writer);
    }
}

impl fmt::Debug for DuplexStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DuplexStream").finish_non_exhaustive()
    }
}

/// futures-io's `AsyncRead` (feature `futures-io`).
#[cfg(feature = "futures-io")]
impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_into(cx, buf)
    }
}

/// futures-io's `AsyncWrite` (feature `futures-io`).
#[cfg(feature = "futures-io")]
impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_from(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_from(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.close_write();
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = ready!(self.poll_read_into(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_from(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_from(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.close_write();
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn a_zero_size_panics_at_the_callers_line_with_tokios_words() {
        use std::sync::Mutex as StdMutex;
        // The panic's location, recorded by a hook for this thread only
        // (other tests' panics go on to the hook that was there).
        static SEEN: StdMutex<Option<(String, u32)>> = StdMutex::new(None);
        let me = std::thread::current().id();
        let previous = Arc::new(std::panic::take_hook());
        let forward = Arc::clone(&previous);
        std::panic::set_hook(Box::new(move |info| {
            match (std::thread::current().id() == me, info.location()) {
                (true, Some(at)) => {
                    *SEEN.lock().unwrap() = Some((at.file().to_owned(), at.line()));
                }
                _ => forward(info),
            }
        }));
        let line = line!() + 1;
        let caught = std::panic::catch_unwind(|| duplex(0));
        drop(std::panic::take_hook());
        std::panic::set_hook(Box::new(move |info| previous(info)));
        let message = caught.unwrap_err().downcast_ref::<&str>().copied();
        assert_eq!(message, Some("`max_buf_size` must be greater than 0"));
        assert_eq!(
            SEEN.lock().unwrap().take(),
            Some((file!().to_owned(), line)),
            "the panic points at the caller (`#[track_caller]`)"
        );
    }

    #[test]
    fn a_full_direction_waits_and_a_read_wakes_the_writer() {
        let (a, b) = duplex(4);
        let (woken, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert!(matches!(
            a.poll_write_from(&mut cx, b"abcdef"),
            Poll::Ready(Ok(4))
        ));
        assert!(a.poll_write_from(&mut cx, b"ef").is_pending());
        assert_eq!(woken.0.load(Ordering::SeqCst), 0);
        let mut got = [0; 3];
        assert!(matches!(
            b.poll_read_into(&mut cx, &mut got),
            Poll::Ready(Ok(3))
        ));
        assert_eq!(&got, b"abc");
        assert_eq!(woken.0.load(Ordering::SeqCst), 1, "the writer is woken");
        assert!(matches!(
            a.poll_write_from(&mut cx, b"ef"),
            Poll::Ready(Ok(2))
        ));
        let mut rest = [0; 8];
        assert!(matches!(
            b.poll_read_into(&mut cx, &mut rest),
            Poll::Ready(Ok(3))
        ));
        assert_eq!(&rest[..3], b"def");
    }

    #[test]
    fn a_vectored_write_queues_every_slice_that_fits() {
        let (a, b) = duplex(6);
        let (_, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let slices = [
            IoSlice::new(b"abc"),
            IoSlice::new(b""),
            IoSlice::new(b"defgh"),
        ];
        assert!(matches!(
            a.poll_write_vectored_from(&mut cx, &slices),
            Poll::Ready(Ok(6))
        ));
        let mut got = [0; 8];
        assert!(matches!(
            b.poll_read_into(&mut cx, &mut got),
            Poll::Ready(Ok(6))
        ));
        assert_eq!(&got[..6], b"abcdef");
    }

    #[test]
    fn a_read_waits_until_a_write_or_the_writers_end() {
        let (a, b) = duplex(8);
        let (woken, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let mut got = [0; 8];
        assert!(b.poll_read_into(&mut cx, &mut got).is_pending());
        assert!(matches!(
            a.poll_write_from(&mut cx, b"x"),
            Poll::Ready(Ok(1))
        ));
        assert_eq!(woken.0.load(Ordering::SeqCst), 1);
        assert!(matches!(
            b.poll_read_into(&mut cx, &mut got),
            Poll::Ready(Ok(1))
        ));
        assert!(b.poll_read_into(&mut cx, &mut got).is_pending());
        a.close_write();
        assert_eq!(
            woken.0.load(Ordering::SeqCst),
            2,
            "closing wakes the reader"
        );
        assert!(matches!(
            b.poll_read_into(&mut cx, &mut got),
            Poll::Ready(Ok(0))
        ));
        match a.poll_write_from(&mut cx, b"late") {
            Poll::Ready(Err(err)) => assert_eq!(err.kind(), io::ErrorKind::BrokenPipe),
            other => panic!("no write after close, got {other:?}"),
        }
    }

    #[test]
    fn dropping_an_end_gives_the_other_eof_after_the_data_and_broken_pipe() {
        let (a, b) = duplex(8);
        let (woken, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert!(matches!(
            a.poll_write_from(&mut cx, b"last"),
            Poll::Ready(Ok(4))
        ));
        // b waits to write into a full direction, then a goes.
        assert!(matches!(
            b.poll_write_from(&mut cx, &[0; 8]),
            Poll::Ready(Ok(8))
        ));
        assert!(b.poll_write_from(&mut cx, b"more").is_pending());
        drop(a);
        assert_eq!(
            woken.0.load(Ordering::SeqCst),
            1,
            "the waiting writer is woken"
        );
        let err = match b.poll_write_from(&mut cx, b"more") {
            Poll::Ready(Err(err)) => err,
            other => panic!("expected BrokenPipe, got {other:?}"),
        };
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        let mut got = [0; 8];
        assert!(matches!(
            b.poll_read_into(&mut cx, &mut got),
            Poll::Ready(Ok(4))
        ));
        assert_eq!(&got[..4], b"last");
        assert!(matches!(
            b.poll_read_into(&mut cx, &mut got),
            Poll::Ready(Ok(0))
        ));
    }
}

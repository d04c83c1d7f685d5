//! [`copy_bidirectional`]: tokio's, spending this runtime's budget.
//!
//! Two one-way copies polled side by side, each with a buffer of its own.
//! A copy reads while its buffer is empty and writes out what it holds;
//! when its reader reports end of file it flushes its writer and shuts it
//! down (`poll_shutdown`: for a socket, a shutdown of its write half, so the peer
//! reads end of file in turn), and keeps its count. The pair is done when
//! both are; an error in either ends it at once. tokio's
//! `io/util/copy_bidirectional.rs` works the same way.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The buffer size of each direction, as tokio's (and of
/// [`copy`](super::copy)'s one).
pub(super) const DEFAULT_BUF_SIZE: usize = 8 * 1024;

/// Copies from `a` to `b` and from `b` to `a` at the same time, until both
/// have reached end of file; returns how many bytes went each way, `(a to
/// b, b to a)`. When one side reaches end of file, the other side's write
/// half is flushed and shut down (`AsyncWriteExt::shutdown`; for a socket,
/// a shutdown of its write half), as tokio's `copy_bidirectional` does, and
/// the copy the other way goes on.
///
/// Each direction has an 8 KiB buffer; [`copy_bidirectional_with_sizes`]
/// sets them. Each poll of a direction spends a unit of the task's budget,
/// so a loop of copies between always-ready streams gives way to other
/// tasks, as tokio's does (tokio's own counts tokio's budget, which a task
/// of this runtime does not have, and so would never give way here). An
/// error in either direction ends the copy and is returned; the counts so
/// far are then lost, as in tokio's.
///
/// ```
/// use taskcell_executor::io::{copy_bidirectional, AsyncReadExt, AsyncWriteExt};
/// use taskcell_executor::net::UnixStream;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     // client <-> (proxy_a | proxy_b) <-> server
///     let (mut client, mut proxy_a) = UnixStream::pair().unwrap();
///     let (mut proxy_b, mut server) = UnixStream::pair().unwrap();
///     let proxy = taskcell_executor::spawn(async move {
///         copy_bidirectional(&mut proxy_a, &mut proxy_b).await
///     });
///     client.write_all(b"ping").await.unwrap();
///     let mut got = [0; 4];
///     server.read_exact(&mut got).await.unwrap();
///     server.write_all(b"pong!").await.unwrap();
///     server.shutdown().await.unwrap();
///     let mut reply = Vec::new();
///     client.shutdown().await.unwrap();
///     client.read_to_end(&mut reply).await.unwrap();
///     assert_eq!((&got, &reply[..]), (b"ping", &b"pong!"[..]));
///     assert_eq!(proxy.await.unwrap().unwrap(), (4, 5));
/// });
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// [`copy_bidirectional`] with a buffer of `a_to_b_buf_size` bytes for the
/// copy from `a` to `b`, and of `b_to_a_buf_size` for the other way.
///
/// # Panics
///
/// If a size is zero: such a copy could never move a byte.
///
/// ```
/// use taskcell_executor::io::{copy_bidirectional_with_sizes, AsyncReadExt, AsyncWriteExt};
/// use taskcell_executor::net::UnixStream;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let (mut near, mut a) = UnixStream::pair().unwrap();
///     let (mut b, mut far) = UnixStream::pair().unwrap();
///     let copy = taskcell_executor::spawn(async move {
///         copy_bidirectional_with_sizes(&mut a, &mut b, 3, 5).await
///     });
///     near.write_all(b"one byte at a time is slow").await.unwrap();
///     near.shutdown().await.unwrap();
///     let mut got = String::new();
///     far.read_to_string(&mut got).await.unwrap();
///     far.shutdown().await.unwrap();
///     assert_eq!(got, "one byte at a time is slow");
///     assert_eq!(copy.await.unwrap().unwrap(), (26, 0));
/// });
/// ```
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    // tokio's words: a buffer of zero bytes could never move one.
    assert!(
        a_to_b_buf_size > 0,
        "`a_to_b_buf_size` must be greater than 0"
    );
    assert!(
        b_to_a_buf_size > 0,
        "`b_to_a_buf_size` must be greater than 0"
    );
    let mut a_to_b = OneWay::new(a_to_b_buf_size, AtEof::Shutdown);
    let mut b_to_a = OneWay::new(b_to_a_buf_size, AtEof::Shutdown);
    poll_fn(|cx| {
        let there = a_to_b.poll(cx, &mut *a, &mut *b)?;
        let back = b_to_a.poll(cx, &mut *b, &mut *a)?;
        match (there, back) {
            (Poll::Ready(there), Poll::Ready(back)) => Poll::Ready(Ok((there, back))),
            _ => Poll::Pending,
        }
    })
    .await
}

/// What a one-way copy does to its writer once its reader is at end of
/// file and everything read is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum AtEof {
    /// Flushes it ([`copy`](super::copy)).
    Flush,
    /// Flushes it and shuts it down ([`copy_bidirectional`]).
    Shutdown,
}

/// One direction of a copy: [`copy`](super::copy)'s, and each of
/// [`copy_bidirectional`]'s two.
pub(super) struct OneWay {
    buf: Box<[u8]>,
    /// `buf[start..end]` is read and not yet written.
    start: usize,
    end: usize,
    /// Bytes written so far.
    copied: u64,
    /// Bytes were written since the last flush.
    need_flush: bool,
    at_eof: AtEof,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading and writing.
    Copying,
    /// The reader is at end of file and everything read is written: the
    /// writer is being flushed (and shut down, if `AtEof::Shutdown`).
    Closing,
    /// Done with the writer: the count is final.
    Done,
}

impl OneWay {
    pub(super) fn new(size: usize, at_eof: AtEof) -> OneWay {
        OneWay {
            buf: vec![0; size].into_boxed_slice(),
            start: 0,
            end: 0,
            copied: 0,
            need_flush: false,
            at_eof,
            state: State::Copying,
        }
    }

    /// Moves bytes from `reader` to `writer` until one of them is pending,
    /// the task's budget is spent, or the copy is done (`Ready` with the
    /// count). Each call spends one unit of budget, and gives it back if
    /// nothing moved, as the runtime's sockets do (tokio's copy does the
    /// same with tokio's budget). A read or write that is `Interrupted` is
    /// tried again, as tokio's.
    pub(super) fn poll<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &mut R,
        writer: &mut W,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + Unpin + ?Sized,
        W: AsyncWrite + Unpin + ?Sized,
    {
        if self.state == State::Done {
            return Poll::Ready(Ok(self.copied));
        }
        let coop = ready!(crate::coop::poll_proceed(cx));
        loop {
            match self.state {
                State::Done => return Poll::Ready(Ok(self.copied)),
                State::Closing => {
                    // Flushed first: not every writer's shutdown flushes.
                    ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                    if self.at_eof == AtEof::Shutdown {
                        ready!(Pin::new(&mut *writer).poll_shutdown(cx))?;
                    }
                    coop.made_progress();
                    self.state = State::Done;
                }
                State::Copying if self.start < self.end => {
                    let written = match Pin::new(&mut *writer)
                        .poll_write(cx, &self.buf[self.start..self.end])
                    {
                        Poll::Ready(Err(err)) if err.kind() == io::ErrorKind::Interrupted => {
                            continue
                        }
                        Poll::Ready(written) => written?,
                        Poll::Pending => return Poll::Pending,
                    };
                    // An answer is progress, an error included (as
                    // tokio's): the budget spent stays spent.
                    coop.made_progress();
                    if written == 0 {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::WriteZero,
                            "write zero byte into writer",
                        )));
                    }
                    self.start += written;
                    self.copied += written as u64;
                    self.need_flush = true;
                }
                State::Copying => {
                    let mut buf = ReadBuf::new(&mut self.buf);
                    match Pin::new(&mut *reader).poll_read(cx, &mut buf) {
                        Poll::Ready(Ok(())) => {
                            coop.made_progress();
                            match buf.filled().len() {
                                0 => self.state = State::Closing,
                                read => {
                                    self.start = 0;
                                    self.end = read;
                                }
                            }
                        }
                        Poll::Ready(Err(err)) if err.kind() == io::ErrorKind::Interrupted => {}
                        Poll::Ready(Err(err)) => {
                            coop.made_progress();
                            return Poll::Ready(Err(err));
                        }
                        Poll::Pending => return self.flush_pending(cx, writer),
                    }
                }
            }
        }
    }

    /// The reader is pending: flushes what was written since the last
    /// flush, so that nothing waits in a buffered writer while the reader
    /// is quiet, then is pending.
    fn flush_pending<W>(&mut self, cx: &mut Context<'_>, writer: &mut W) -> Poll<io::Result<u64>>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        if self.need_flush {
            ready!(Pin::new(&mut *writer).poll_flush(cx))?;
            self.need_flush = false;
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A stream over scripted reads; records writes and whether it was
    /// shut down.
    #[derive(Default)]
    struct Scripted {
        reads: VecDeque<Poll<io::Result<Vec<u8>>>>,
        written: Vec<u8>,
        closed: bool,
        max_write: usize,
    }

    impl AsyncRead for Scripted {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            match self.reads.pop_front() {
                Some(Poll::Ready(Ok(bytes))) => {
                    assert!(
                        bytes.len() <= buf.remaining(),
                        "script reads fit the buffer"
                    );
                    buf.put_slice(&bytes);
                    Poll::Ready(Ok(()))
                }
                Some(Poll::Ready(Err(err))) => Poll::Ready(Err(err)),
                Some(Poll::Pending) => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                None => Poll::Ready(Ok(())),
            }
        }
    }

    impl AsyncWrite for Scripted {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            assert!(!self.closed, "no write after shutdown");
            let n = buf.len().min(self.max_write.max(1));
            self.written.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.closed = true;
            Poll::Ready(Ok(()))
        }
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    #[test]
    fn both_ways_are_copied_through_short_writes_and_each_writer_is_shut_down() {
        let mut a = Scripted {
            reads: [
                Poll::Ready(Ok(b"hello".to_vec())),
                Poll::Pending,
                Poll::Ready(Ok(b" world".to_vec())),
            ]
            .into(),
            max_write: 2,
            ..Scripted::default()
        };
        let mut b = Scripted {
            reads: [Poll::Ready(Ok(b"back".to_vec()))].into(),
            max_write: 3,
            ..Scripted::default()
        };
        let counts = block_on(copy_bidirectional_with_sizes(&mut a, &mut b, 8, 8)).unwrap();
        assert_eq!(counts, (11, 4));
        assert_eq!(b.written, b"hello world");
        assert_eq!(a.written, b"back");
        assert!(
            a.closed && b.closed,
            "each side's writer is shut down at the other's EOF"
        );
    }

    #[test]
    fn copies_in_a_loop_give_way_once_the_budget_is_spent() {
        use crate::coop::{with_budget, Budget};
        let woken = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl std::task::Wake for Flag {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let waker = std::task::Waker::from(std::sync::Arc::new(Flag(woken.clone())));
        let mut cx = Context::from_waker(&waker);
        // Always-ready streams: only the budget can make a copy wait.
        let completed = with_budget(Budget::new(8), || {
            (0..1000)
                .take_while(|_| {
                    let mut a = Scripted {
                        reads: [Poll::Ready(Ok(b"ab".to_vec()))].into(),
                        ..Scripted::default()
                    };
                    let mut b = Scripted::default();
                    let copy = std::pin::pin!(copy_bidirectional(&mut a, &mut b));
                    std::future::Future::poll(copy, &mut cx).is_ready()
                })
                .count()
        });
        assert!(completed < 8, "{completed} copies ran on a budget of 8");
        assert!(
            woken.load(std::sync::atomic::Ordering::SeqCst),
            "the copy asks to run again"
        );
    }

    #[test]
    #[should_panic(expected = "`a_to_b_buf_size` must be greater than 0")]
    fn a_zero_buffer_from_a_to_b_panics_with_tokios_words() {
        let (mut a, mut b) = (Scripted::default(), Scripted::default());
        let _ = block_on(copy_bidirectional_with_sizes(&mut a, &mut b, 0, 1));
    }

    #[test]
    #[should_panic(expected = "`b_to_a_buf_size` must be greater than 0")]
    fn a_zero_buffer_from_b_to_a_panics_with_tokios_words() {
        let (mut a, mut b) = (Scripted::default(), Scripted::default());
        let _ = block_on(copy_bidirectional_with_sizes(&mut a, &mut b, 1, 0));
    }

    #[test]
    fn an_error_either_way_ends_the_copy() {
        let mut a = Scripted {
            reads: [Poll::Ready(Err(io::Error::other("boom")))].into(),
            ..Scripted::default()
        };
        let mut b = Scripted {
            reads: [Poll::Pending, Poll::Pending].into(),
            ..Scripted::default()
        };
        let err = block_on(copy_bidirectional(&mut a, &mut b)).unwrap_err();
        assert_eq!(err.to_string(), "boom");
    }

    #[test]
    fn a_writer_that_takes_nothing_is_write_zero() {
        struct Full;
        impl AsyncWrite for Full {
            fn poll_write(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
                _: &[u8],
            ) -> Poll<io::Result<usize>> {
                Poll::Ready(Ok(0))
            }
            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
        }
        impl AsyncRead for Full {
            fn poll_read(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
                _: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
        }
        let mut a = Scripted {
            reads: [Poll::Ready(Ok(b"x".to_vec()))].into(),
            ..Scripted::default()
        };
        let err = block_on(copy_bidirectional(&mut a, &mut Full)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WriteZero);
    }
}

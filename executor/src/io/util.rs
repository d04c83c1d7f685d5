//! [`copy`], [`copy_buf`], [`empty`], [`repeat`] and [`sink`]: tokio's,
//! spending this runtime's budget.
//!
//! tokio's own count tokio's cooperative budget, which only tokio's
//! scheduler sets: in a task of this runtime they would never give way,
//! and a loop over an always-ready `sink` or `empty` would hold its worker
//! forever. These are the same types and functions, with the same
//! signatures, over this runtime's budget: each poll spends one unit, as
//! in tokio (its `io/util/{copy,copy_buf,empty,repeat,sink}.rs`).

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

use super::copy_bidirectional::{AtEof, OneWay, DEFAULT_BUF_SIZE};

/// Spends a unit of the task's budget, or is `Pending` (with the task
/// woken to run again) once it is spent.
fn poll_spend(cx: &mut Context<'_>) -> Poll<()> {
    ready!(crate::coop::poll_proceed(cx)).made_progress();
    Poll::Ready(())
}

/// Copies `reader` to `writer` until `reader` is at end of file, then
/// flushes `writer`; returns how many bytes were copied. tokio's
/// `io::copy`: an 8 KiB buffer, a flush whenever the reader has nothing
/// yet (so that nothing waits in a buffered writer meanwhile), reads and
/// writes that are `Interrupted` tried again, and an error (`WriteZero`
/// for a writer that takes nothing) ends it. Each poll spends a unit of
/// the task's budget, so copying from an always-ready reader gives way to
/// other tasks.
///
/// ```
/// use taskcell_executor::io;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let mut reader: &[u8] = b"hello";
///     let mut writer: Vec<u8> = Vec::new();
///     assert_eq!(io::copy(&mut reader, &mut writer).await.unwrap(), 5);
///     assert_eq!(writer, b"hello");
/// });
/// ```
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut copy = OneWay::new(DEFAULT_BUF_SIZE, AtEof::Flush);
    poll_fn(|cx| copy.poll(cx, &mut *reader, &mut *writer)).await
}

/// [`copy`] from a buffered reader, writing straight out of its buffer:
/// tokio's `io::copy_buf`. Flushes `writer` at end of file, and whenever
/// the reader has nothing yet; spends a unit of the task's budget a poll.
///
/// ```
/// use taskcell_executor::io::{self, BufReader};
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let mut reader = BufReader::new(&b"buffered"[..]);
///     let mut writer: Vec<u8> = Vec::new();
///     assert_eq!(io::copy_buf(&mut reader, &mut writer).await.unwrap(), 8);
///     assert_eq!(writer, b"buffered");
/// });
/// ```
pub async fn copy_buf<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut copied = 0u64;
    let mut need_flush = false;
    poll_fn(|cx| {
        let coop = ready!(crate::coop::poll_proceed(cx));
        loop {
            // An answer from the reader is progress, end of file and
            // errors included (as tokio's): the budget it spent stays spent.
            let buf = match Pin::new(&mut *reader).poll_fill_buf(cx) {
                Poll::Ready(Ok(buf)) => {
                    coop.made_progress();
                    buf
                }
                Poll::Ready(Err(err)) if err.kind() == io::ErrorKind::Interrupted => continue,
                Poll::Ready(Err(err)) => {
                    coop.made_progress();
                    return Poll::Ready(Err(err));
                }
                Poll::Pending => {
                    // Nothing waits in a buffered writer while the reader
                    // is quiet: the reader may wait for it.
                    if need_flush {
                        ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                        need_flush = false;
                    }
                    return Poll::Pending;
                }
            };
            if buf.is_empty() {
                ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                return Poll::Ready(Ok(copied));
            }
            let written = match ready!(Pin::new(&mut *writer).poll_write(cx, buf)) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                written => written?,
            };
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            copied += written as u64;
            need_flush = true;
            Pin::new(&mut *reader).consume(written);
        }
    })
    .await
}

/// A reader at end of file and a writer that takes everything: tokio's
/// `io::Empty`, made by [`empty`].
pub struct Empty {
    _private: (),
}

/// A reader that is always at end of file, which is also a writer that
/// takes and drops every byte (and a seeker that stays at 0): tokio's
/// `io::empty`. Each operation spends a unit of the task's budget.
///
/// ```
/// use taskcell_executor::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let mut empty = io::empty();
///     let mut buf = Vec::new();
///     assert_eq!(empty.read_to_end(&mut buf).await.unwrap(), 0);
///     assert_eq!(empty.write(b"gone").await.unwrap(), 4);
/// });
/// ```
pub fn empty() -> Empty {
    Empty { _private: () }
}

impl AsyncRead for Empty {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(poll_spend(cx));
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for Empty {
    #[inline]
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        ready!(poll_spend(cx));
        Poll::Ready(Ok(&[]))
    }

    #[inline]
    fn consume(self: Pin<&mut Self>, _: usize) {}
}

/// tokio's `AsyncWrite` for `$ty`, a writer that takes every byte and
/// drops it, spending a unit of the task's budget an operation: [`Empty`]'s
/// and [`Sink`]'s.
macro_rules! discarding_write {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            #[inline]
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                ready!(poll_spend(cx));
                Poll::Ready(Ok(buf.len()))
            }

            #[inline]
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                ready!(poll_spend(cx));
                Poll::Ready(Ok(bufs.iter().map(|buf| buf.len()).sum()))
            }

            #[inline]
            fn is_write_vectored(&self) -> bool {
                true
            }

            #[inline]
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                ready!(poll_spend(cx));
                Poll::Ready(Ok(()))
            }

            #[inline]
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                ready!(poll_spend(cx));
                Poll::Ready(Ok(()))
            }
        }
    };
}

discarding_write!(Empty);

impl AsyncSeek for Empty {
    #[inline]
    fn start_seek(self: Pin<&mut Self>, _: SeekFrom) -> io::Result<()> {
        Ok(())
    }

    #[inline]
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        ready!(poll_spend(cx));
        Poll::Ready(Ok(0))
    }
}

impl fmt::Debug for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Empty { .. }")
    }
}

/// A reader that yields one byte over and over: tokio's `io::Repeat`,
/// made by [`repeat`].
#[derive(Debug)]
pub struct Repeat {
    byte: u8,
}

/// A reader that fills every read with `byte`, without end: tokio's
/// `io::repeat`. Each read spends a unit of the task's budget.
///
/// ```
/// use taskcell_executor::io::{self, AsyncReadExt};
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let mut buf = [0; 3];
///     io::repeat(b'z').read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"zzz");
/// });
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(poll_spend(cx));
        let room = buf.remaining();
        // `initialize_unfilled_to` writes only what is uninitialised, and
        // the fill overwrites all of it.
        buf.initialize_unfilled_to(room).fill(self.byte);
        buf.advance(room);
        Poll::Ready(Ok(()))
    }
}

/// A writer that takes and drops every byte: tokio's `io::Sink`, made by
/// [`sink`].
pub struct Sink {
    _private: (),
}

/// A writer that takes every byte and drops it: tokio's `io::sink`. Each
/// write, flush and shutdown spends a unit of the task's budget.
///
/// ```
/// use taskcell_executor::io::{self, AsyncWriteExt};
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let mut sink = io::sink();
///     sink.write_all(b"into the void").await.unwrap();
///     sink.shutdown().await.unwrap();
/// });
/// ```
pub fn sink() -> Sink {
    Sink { _private: () }
}

discarding_write!(Sink);

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Sink { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coop::{with_budget, Budget};
    use std::future::Future;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, SeqCst);
        }
    }

    /// Polls fresh `op()` futures on a budget of 8 until one is pending;
    /// returns how many completed, and whether the pending one asked to
    /// run again.
    fn completed_on_a_budget_of_8<F: Future>(mut op: impl FnMut() -> F) -> (usize, bool) {
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(Arc::clone(&flag));
        let mut cx = Context::from_waker(&waker);
        let completed = with_budget(Budget::new(8), || {
            (0..1000)
                .take_while(|_| std::pin::pin!(op()).poll(&mut cx).is_ready())
                .count()
        });
        (completed, flag.0.load(SeqCst))
    }

    #[test]
    fn every_operation_gives_way_once_the_budget_is_spent() {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
        // (what, completed on a budget of 8, units each takes)
        let cases = [
            (
                "empty read",
                completed_on_a_budget_of_8(|| async { empty().read(&mut [0; 4]).await }),
                1,
            ),
            (
                "empty fill_buf",
                completed_on_a_budget_of_8(|| async { empty().fill_buf().await.map(|b| b.len()) }),
                1,
            ),
            (
                "empty write",
                completed_on_a_budget_of_8(|| async { empty().write(b"x").await }),
                1,
            ),
            // tokio's `seek` polls `poll_complete` before and after
            // `start_seek`: two units.
            (
                "empty seek",
                completed_on_a_budget_of_8(|| async { empty().seek(SeekFrom::Start(3)).await }),
                2,
            ),
            (
                "repeat read",
                completed_on_a_budget_of_8(|| async { repeat(1).read(&mut [0; 4]).await }),
                1,
            ),
            (
                "sink write",
                completed_on_a_budget_of_8(|| async { sink().write(b"x").await }),
                1,
            ),
            (
                "sink flush",
                completed_on_a_budget_of_8(|| async { sink().flush().await }),
                1,
            ),
            (
                "sink shutdown",
                completed_on_a_budget_of_8(|| async { sink().shutdown().await }),
                1,
            ),
        ];
        for (what, (completed, woken), units) in cases {
            assert_eq!(completed, 8 / units, "{what}: {units} unit(s) an operation");
            assert!(woken, "{what}: the pending operation asks to run again");
        }
    }

    #[test]
    fn copies_from_always_ready_readers_give_way() {
        use tokio::io::AsyncReadExt;
        let (completed, woken) = completed_on_a_budget_of_8(|| async {
            copy(&mut repeat(7).take(3), &mut sink()).await
        });
        assert!(completed < 8 && woken, "copy: {completed} on a budget of 8");
        let (completed, woken) =
            completed_on_a_budget_of_8(|| async { copy_buf(&mut &b"abc"[..], &mut sink()).await });
        assert!(
            completed < 8 && woken,
            "copy_buf: {completed} on a budget of 8"
        );
        // Readers at end of file from the start: nothing is written, and
        // the copies still spend.
        let (completed, woken) =
            completed_on_a_budget_of_8(|| async { copy_buf(&mut empty(), &mut sink()).await });
        assert!(completed < 8 && woken, "copy_buf of empty: {completed}");
        let (completed, woken) =
            completed_on_a_budget_of_8(|| async { copy(&mut empty(), &mut sink()).await });
        assert!(completed < 8 && woken, "copy of empty: {completed}");
    }

    #[test]
    fn repeat_fills_uninitialised_room() {
        let mut storage = [std::mem::MaybeUninit::<u8>::uninit(); 5];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.put_slice(b"ab");
        let waker = Waker::noop();
        let poll = Pin::new(&mut repeat(b'z')).poll_read(&mut Context::from_waker(waker), &mut buf);
        assert!(matches!(poll, Poll::Ready(Ok(()))));
        assert_eq!(buf.filled(), b"abzzz");
    }

    #[test]
    fn copy_flushes_at_the_end_and_copy_buf_too() {
        #[derive(Default)]
        struct Recorder {
            written: Vec<u8>,
            flushes: usize,
        }
        impl AsyncWrite for Recorder {
            fn poll_write(
                mut self: Pin<&mut Self>,
                _: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.written.extend_from_slice(buf);
                Poll::Ready(Ok(buf.len()))
            }
            fn poll_flush(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.flushes += 1;
                Poll::Ready(Ok(()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                panic!("copy does not shut its writer down")
            }
        }
        fn block_on<F: Future>(future: F) -> F::Output {
            let mut future = std::pin::pin!(future);
            let mut cx = Context::from_waker(Waker::noop());
            loop {
                if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                    return out;
                }
            }
        }
        let mut writer = Recorder::default();
        let mut reader: &[u8] = b"some bytes";
        assert_eq!(block_on(copy(&mut reader, &mut writer)).unwrap(), 10);
        assert_eq!(writer.written, b"some bytes");
        assert_eq!(writer.flushes, 1);
        let mut writer = Recorder::default();
        let mut reader: &[u8] = b"more";
        assert_eq!(block_on(copy_buf(&mut reader, &mut writer)).unwrap(), 4);
        assert_eq!(writer.written, b"more");
        assert_eq!(writer.flushes, 1);
    }
}

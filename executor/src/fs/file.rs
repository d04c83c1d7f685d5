//! [`File`]: a `std::fs::File` whose reads, writes and seeks run on the
//! blocking pool, one at a time, through one buffer.
//!
//! The state machine (tokio's `fs/file.rs`, which this follows): the file
//! is *idle*, holding the buffer, or *busy* with one operation on the pool,
//! which holds the buffer until it finishes.
//!
//! - A read on an idle file with buffered bytes takes them; with none, it
//!   sends the buffer to the pool to be filled (up to the reader's length
//!   and `max_buf_size`) and waits for it.
//! - A write on an idle file copies up to `max_buf_size` bytes into the
//!   buffer, sends it to the pool to be written, and returns at once. Bytes
//!   read ahead and not consumed are given back first (a seek by minus
//!   their count), so the write lands where the reader is.
//! - Any operation on a busy file first waits for the one in flight. The
//!   error of a write found that way is returned by the next write or
//!   flush (by the write itself, or by `sync_all` and `sync_data`).
//! - `flush` waits for the operation in flight; it has nothing else to do
//!   (`std::fs::File` does not buffer).
//! - A dropped file leaves its operation in flight to finish on the pool.

use std::fmt;
use std::fs::{Metadata, Permissions};
use std::future::{poll_fn, Future};
use std::io::{self, IoSlice, Seek, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_util::lock::Mutex;

use super::{asyncify, background_failed, spawn_blocking, OpenOptions};
use crate::io::{Buf, DEFAULT_MAX_BUF_SIZE};
use crate::task::JoinHandle;

/// An open file, as tokio's `fs::File`: reads, writes and seeks run on the
/// runtime's blocking pool, through an internal buffer.
///
/// It implements tokio's [`AsyncRead`](crate::io::AsyncRead),
/// [`AsyncWrite`](crate::io::AsyncWrite) and
/// [`AsyncSeek`](crate::io::AsyncSeek) (use them through
/// [`AsyncReadExt`](crate::io::AsyncReadExt) and its siblings), and
/// with the `futures-io` feature futures-io's three traits too.
///
/// One operation runs at a time. A write returns as soon as its bytes are
/// copied into the buffer (at most [`max_buf_size`](File::max_buf_size) of
/// them) and is written on the pool while the task goes on; the next
/// operation waits for it, and [`flush`](crate::io::AsyncWriteExt::flush)
/// waits for it and reports its error. So flush before reading the file by
/// another handle, and before [`sync_all`](File::sync_all) if the write's
/// error matters to you (`sync_all` reports it too, unlike tokio's).
///
/// A file dropped with a write in flight is closed once the write is done,
/// on the pool; the write is not undone, but its error is lost. Dropping
/// the runtime waits for it.
///
/// # Panics
///
/// Reading, writing or seeking outside any runtime panics (see the
/// [module docs](super)); flushing does not.
///
/// ```
/// use taskcell_executor::fs::File;
/// use taskcell_executor::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let path = std::env::temp_dir().join(format!("taskcell-file-{}", std::process::id()));
///     let mut file = File::options().read(true).write(true).create(true).truncate(true)
///         .open(&path).await.unwrap();
///     file.write_all(b"hello, world").await.unwrap();
///     file.seek(SeekFrom::Start(7)).await.unwrap();
///     let mut word = String::new();
///     file.read_to_string(&mut word).await.unwrap();
///     assert_eq!(word, "world");
///     std::fs::remove_file(&path).unwrap();
/// });
/// ```
///
/// [`AsyncRead`]: crate::io::AsyncRead
/// [`AsyncWrite`]: crate::io::AsyncWrite
/// [`AsyncSeek`]: crate::io::AsyncSeek
pub struct File {
    std: Arc<std::fs::File>,
    /// Taken with `get_mut` by the trait methods (`&mut self`), and locked
    /// by the `&self` methods that must wait for the operation in flight,
    /// so that only one of them polls it.
    inner: Mutex<Inner>,
    max_buf_size: usize,
}

struct Inner {
    state: State,
    /// The error of a write, found by an operation that does not report
    /// it; the next write or flush does.
    last_write_err: Option<io::Error>,
    /// The position the last seek reached: what tokio's `poll_complete`
    /// reports with no seek in flight.
    pos: u64,
    /// The target of a seek that `futures-io`'s `poll_seek` started and
    /// has not reported yet; cleared when another operation starts.
    seeking: Option<SeekFrom>,
}

enum State {
    Idle(Buf),
    Busy(JoinHandle<(Operation, Buf)>),
}

/// The result of an operation run on the pool.
enum Operation {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
    SetLen(io::Result<()>),
}

/// Where a read puts its bytes: a slice (`futures-io`) or tokio's
/// `ReadBuf`.
trait ReadDst {
    /// How many more bytes it takes.
    fn remaining(&self) -> usize;
    /// Takes as many buffered bytes as it has room for.
    fn fill_from(&mut self, buf: &mut Buf);
}

#[cfg_attr(not(feature = "futures-io"), allow(dead_code))]
struct SliceDst<'a> {
    dst: &'a mut [u8],
    filled: usize,
}

impl ReadDst for SliceDst<'_> {
    fn remaining(&self) -> usize {
        self.dst.len() - self.filled
    }

    fn fill_from(&mut self, buf: &mut Buf) {
        self.filled += buf.copy_to(&mut self.dst[self.filled..]);
    }
}

impl ReadDst for tokio::io::ReadBuf<'_> {
    fn remaining(&self) -> usize {
        tokio::io::ReadBuf::remaining(self)
    }

    fn fill_from(&mut self, buf: &mut Buf) {
        buf.copy_to_read_buf(self);
    }
}

impl Inner {
    /// The idle buffer, taken out (an empty one is left in its place).
    fn take_buf(&mut self) -> Buf {
        match &mut self.state {
            State::Idle(buf) => std::mem::take(buf),
            State::Busy(_) => unreachable!("the file is idle here"),
        }
    }

    /// The idle buffer.
    fn buf(&mut self) -> &mut Buf {
        match &mut self.state {
            State::Idle(buf) => buf,
            State::Busy(_) => unreachable!("the file is idle here"),
        }
    }

    /// Starts `op` on the pool with `buf`, taken from the idle state. If
    /// the pool refuses (its runtime shut down), the file stays idle with
    /// an empty buffer and the error is returned.
    fn start<F>(&mut self, what: &str, std: &Arc<std::fs::File>, buf: Buf, op: F) -> io::Result<()>
    where
        F: FnOnce(&std::fs::File, &mut Buf) -> Operation + Send + 'static,
    {
        let std = Arc::clone(std);
        self.seeking = None;
        let spawned = spawn_blocking(what, move || {
            let mut buf = buf;
            let op = op(&std, &mut buf);
            (op, buf)
        });
        match spawned {
            Ok(join) => {
                self.state = State::Busy(join);
                Ok(())
            }
            Err(err) => {
                self.state = State::Idle(Buf::default());
                Err(err)
            }
        }
    }

    /// Waits for the operation in flight and returns its result (`None`
    /// if the file is idle); the file is idle after it. If the operation
    /// did not finish (its runtime shut down first), the buffer is lost
    /// and the error is returned.
    fn poll_inflight(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Operation>>> {
        let State::Busy(join) = &mut self.state else {
            return Poll::Ready(Ok(None));
        };
        match ready!(Pin::new(join).poll(cx)) {
            Ok((op, buf)) => {
                self.state = State::Idle(buf);
                if let Operation::Seek(Ok(pos)) = op {
                    self.pos = pos;
                }
                Poll::Ready(Ok(Some(op)))
            }
            Err(_) => {
                self.state = State::Idle(Buf::default());
                Poll::Ready(Err(background_failed()))
            }
        }
    }

    /// Keeps a write's error for the next write or flush (the first, if
    /// several).
    fn keep_write_err(&mut self, err: io::Error) {
        self.last_write_err.get_or_insert(err);
    }

    /// Waits for the operation in flight, keeping any error it had for the
    /// next write or flush.
    fn poll_complete_inflight(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match ready!(self.poll_inflight(cx)) {
            Ok(Some(Operation::Write(Err(err)))) | Err(err) => self.keep_write_err(err),
            Ok(_) => {}
        }
        Poll::Ready(())
    }

    async fn complete_inflight(&mut self) {
        poll_fn(|cx| self.poll_complete_inflight(cx)).await;
    }

    fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<std::fs::File>,
        max_buf_size: usize,
        dst: &mut impl ReadDst,
    ) -> Poll<io::Result<()>> {
        loop {
            match ready!(self.poll_inflight(cx))? {
                None => {}
                Some(Operation::Read(Ok(_))) => {
                    // The bytes read (none at the end of the file).
                    dst.fill_from(self.buf());
                    return Poll::Ready(Ok(()));
                }
                Some(Operation::Read(Err(err))) => return Poll::Ready(Err(err)),
                Some(Operation::Write(Err(err))) => {
                    self.keep_write_err(err);
                    continue;
                }
                Some(_) => continue,
            }
            // Idle.
            let buf = self.buf();
            if !buf.is_empty() || dst.remaining() == 0 {
                dst.fill_from(buf);
                return Poll::Ready(Ok(()));
            }
            let buf = self.take_buf();
            let len = dst.remaining().min(max_buf_size);
            self.start("fs::File::poll_read", std, buf, move |mut std, buf| {
                Operation::Read(buf.read_from(&mut std, len))
            })?;
        }
    }

    /// A write of `bufs`, in order, as much as the buffer takes (at most
    /// `max_buf_size` bytes): waits for the operation in flight, then
    /// starts the write and reports how many bytes it took.
    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<std::fs::File>,
        max_buf_size: usize,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(err) = self.last_write_err.take() {
            return Poll::Ready(Err(err));
        }
        loop {
            match ready!(self.poll_inflight(cx))? {
                None => break,
                Some(Operation::Write(Err(err))) => return Poll::Ready(Err(err)),
                Some(_) => {}
            }
        }
        let mut buf = self.take_buf();
        // Bytes read ahead are given back, so the write lands where the
        // reader is.
        let back = (!buf.is_empty()).then(|| buf.discard_read());
        let n = buf.copy_from_bufs(bufs, max_buf_size);
        if n == 0 && back.is_none() {
            *self.buf() = buf;
            return Poll::Ready(Ok(0));
        }
        self.start("fs::File::poll_write", std, buf, move |mut std, buf| {
            Operation::Write(seek_back(std, back).and_then(|()| buf.write_to(&mut std)))
        })?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(err) = self.last_write_err.take() {
            return Poll::Ready(Err(err));
        }
        match ready!(self.poll_inflight(cx))? {
            Some(Operation::Write(Err(err))) => Poll::Ready(Err(err)),
            _ => Poll::Ready(Ok(())),
        }
    }

    /// Starts a seek to `pos` on the idle file, counting the bytes read
    /// ahead in a seek from the current position (tokio's `start_seek`).
    fn start_seek(&mut self, std: &Arc<std::fs::File>, mut pos: SeekFrom) -> io::Result<()> {
        let mut buf = self.take_buf();
        if !buf.is_empty() {
            let back = buf.discard_read();
            if let SeekFrom::Current(offset) = &mut pos {
                // Saturating: a target this far back fails in the seek.
                *offset = offset.saturating_add(back);
            }
        }
        self.start("fs::File::start_seek", std, buf, move |mut std, _| {
            Operation::Seek(std.seek(pos))
        })
    }

    /// Waits for the operation in flight; the result of a seek, or the
    /// position the last seek reached (tokio's `poll_complete`).
    fn poll_complete(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        loop {
            match ready!(self.poll_inflight(cx))? {
                None => return Poll::Ready(Ok(self.pos)),
                Some(Operation::Seek(res)) => return Poll::Ready(res),
                Some(Operation::Write(Err(err))) => self.keep_write_err(err),
                Some(_) => {}
            }
        }
    }

    /// `futures-io`'s one-call seek: waits for the operation in flight,
    /// starts the seek, and is called again (with the same `pos`) until it
    /// is done.
    ///
    /// A seek whose caller gave up is still done; a later seek to another
    /// target waits for it first. A later seek to the same target while it
    /// is still in flight takes its result (`futures-io` has no way to tell
    /// the two calls apart).
    #[cfg_attr(not(feature = "futures-io"), allow(dead_code))]
    fn poll_seek(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<std::fs::File>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        loop {
            if self.seeking == Some(pos) {
                let res = ready!(self.poll_inflight(cx));
                self.seeking = None;
                if let Some(Operation::Seek(res)) = res? {
                    return Poll::Ready(res);
                }
                // Another operation reported the seek: start a new one.
                continue;
            }
            match ready!(self.poll_inflight(cx))? {
                None => {}
                Some(Operation::Write(Err(err))) => {
                    self.keep_write_err(err);
                    continue;
                }
                Some(_) => continue,
            }
            self.start_seek(std, pos)?;
            self.seeking = Some(pos);
        }
    }
}

impl File {
    /// Opens the file at `path` for reading, as [`std::fs::File::open`].
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// use taskcell_executor::fs::File;
    /// use taskcell_executor::io::AsyncReadExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-open-{}", std::process::id()));
    ///     std::fs::write(&path, "contents").unwrap();
    ///     let mut text = String::new();
    ///     File::open(&path).await.unwrap().read_to_string(&mut text).await.unwrap();
    ///     assert_eq!(text, "contents");
    ///     std::fs::remove_file(&path).unwrap();
    ///
    ///     let missing = File::open(&path).await.unwrap_err();
    ///     assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens the file at `path` for writing, creating it or truncating it,
    /// as [`std::fs::File::create`].
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// use taskcell_executor::fs::File;
    /// use taskcell_executor::io::AsyncWriteExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-create-{}", std::process::id()));
    ///     std::fs::write(&path, "old and long").unwrap();
    ///     let mut file = File::create(&path).await.unwrap();
    ///     file.write_all(b"new").await.unwrap();
    ///     file.flush().await.unwrap();
    ///     assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates the file at `path` and opens it for reading and writing,
    /// failing with `AlreadyExists` if it exists, as
    /// [`std::fs::File::create_new`].
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// use taskcell_executor::fs::File;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-new-{}", std::process::id()));
    ///     File::create_new(&path).await.unwrap();
    ///     let err = File::create_new(&path).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// New [`OpenOptions`], every option off, as
    /// [`std::fs::File::options`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let file = taskcell_executor::fs::File::options()
    ///         .read(true)
    ///         .open(std::env::temp_dir())
    ///         .await
    ///         .unwrap();
    ///     assert!(file.metadata().await.unwrap().is_dir());
    /// });
    /// ```
    #[must_use]
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps a `std::fs::File`; reads, writes and seeks start from its
    /// cursor. Needs no runtime (the operations do).
    ///
    /// ```
    /// use taskcell_executor::io::AsyncReadExt;
    ///
    /// let path = std::env::temp_dir().join(format!("taskcell-from-std-{}", std::process::id()));
    /// std::fs::write(&path, "from std").unwrap();
    /// let mut file = taskcell_executor::fs::File::from_std(std::fs::File::open(&path).unwrap());
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let mut text = String::new();
    /// rt.block_on(file.read_to_string(&mut text)).unwrap();
    /// assert_eq!(text, "from std");
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            inner: Mutex::new(Inner {
                state: State::Idle(Buf::default()),
                last_write_err: None,
                pos: 0,
                seeking: None,
            }),
            max_buf_size: DEFAULT_MAX_BUF_SIZE,
        }
    }

    /// Waits for the operation in flight, then flushes the file's data and
    /// metadata to the device, as [`std::fs::File::sync_all`].
    ///
    /// Unlike tokio's, it fails with the error of a write still unreported
    /// (tokio keeps that for the next write or flush, and reports the sync
    /// alone): a sync that succeeds means the bytes written are in it.
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// use taskcell_executor::io::AsyncWriteExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-sync-{}", std::process::id()));
    ///     let mut file = taskcell_executor::fs::File::create(&path).await.unwrap();
    ///     file.write_all(b"durable").await.unwrap();
    ///     file.sync_all().await.unwrap();
    ///     assert_eq!(std::fs::read(&path).unwrap(), b"durable");
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn sync_all(&self) -> io::Result<()> {
        self.sync("fs::File::sync_all", std::fs::File::sync_all)
            .await
    }

    /// As [`sync_all`](File::sync_all), but the metadata only as far as
    /// reading the data back needs it, as [`std::fs::File::sync_data`].
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// use taskcell_executor::io::AsyncWriteExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-syncd-{}", std::process::id()));
    ///     let mut file = taskcell_executor::fs::File::create(&path).await.unwrap();
    ///     file.write_all(b"data").await.unwrap();
    ///     file.sync_data().await.unwrap();
    ///     assert_eq!(std::fs::read(&path).unwrap(), b"data");
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn sync_data(&self) -> io::Result<()> {
        self.sync("fs::File::sync_data", std::fs::File::sync_data)
            .await
    }

    /// [`sync_all`](File::sync_all) or [`sync_data`](File::sync_data),
    /// `what` by name and `sync` by the call on the pool: waits for the
    /// operation in flight, reports a write error still unreported, then
    /// syncs.
    async fn sync(
        &self,
        what: &'static str,
        sync: fn(&std::fs::File) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        if let Some(err) = inner.last_write_err.take() {
            return Err(err);
        }
        let std = Arc::clone(&self.std);
        asyncify(what, move || sync(&std)).await
    }

    /// Waits for the operation in flight, then truncates or extends (with
    /// zeros) the file to `size` bytes, as [`std::fs::File::set_len`]. The
    /// cursor does not move.
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-setlen-{}", std::process::id()));
    ///     std::fs::write(&path, "0123456789").unwrap();
    ///     let file = taskcell_executor::fs::File::options().write(true).open(&path).await.unwrap();
    ///     file.set_len(4).await.unwrap();
    ///     assert_eq!(std::fs::read_to_string(&path).unwrap(), "0123");
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        let mut buf = inner.take_buf();
        let back = (!buf.is_empty()).then(|| buf.discard_read());
        inner.start("fs::File::set_len", &self.std, buf, move |std, _| {
            Operation::SetLen(seek_back(std, back).and_then(|()| std.set_len(size)))
        })?;
        match poll_fn(|cx| inner.poll_inflight(cx)).await? {
            Some(Operation::SetLen(res)) => res,
            // The lock, and `&self` (no `&mut self` call meanwhile), keep
            // every other operation out.
            _ => unreachable!("the operation in flight is this `set_len`"),
        }
    }

    /// The file's metadata, as [`std::fs::File::metadata`], read on the
    /// blocking pool (without waiting for the operation in flight, as
    /// tokio's).
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-fmeta-{}", std::process::id()));
    ///     std::fs::write(&path, "abc").unwrap();
    ///     let file = taskcell_executor::fs::File::open(&path).await.unwrap();
    ///     assert_eq!(file.metadata().await.unwrap().len(), 3);
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = Arc::clone(&self.std);
        asyncify("fs::File::metadata", move || std.metadata()).await
    }

    /// Waits for the operation in flight, then opens a second `File` on
    /// the same open file (a duplicated descriptor: the two share the
    /// cursor), as [`std::fs::File::try_clone`]. The clone keeps this
    /// file's [`max_buf_size`](File::max_buf_size).
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// use taskcell_executor::io::AsyncWriteExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-clone-{}", std::process::id()));
    ///     let mut file = taskcell_executor::fs::File::create(&path).await.unwrap();
    ///     let mut clone = file.try_clone().await.unwrap();
    ///     file.write_all(b"one ").await.unwrap();
    ///     file.flush().await.unwrap();
    ///     clone.write_all(b"two").await.unwrap();
    ///     clone.flush().await.unwrap();
    ///     assert_eq!(std::fs::read_to_string(&path).unwrap(), "one two");
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn try_clone(&self) -> io::Result<File> {
        self.inner.lock().await.complete_inflight().await;
        let std = Arc::clone(&self.std);
        let clone = asyncify("fs::File::try_clone", move || std.try_clone()).await?;
        let mut clone = File::from_std(clone);
        clone.set_max_buf_size(self.max_buf_size);
        Ok(clone)
    }

    /// Waits for the operation in flight, then gives back the
    /// `std::fs::File` (an error of that operation is lost, and bytes read
    /// ahead are dropped: the cursor stays past them, as tokio's).
    ///
    /// If an abandoned `metadata` or `set_permissions` call still holds the
    /// file on the pool, the file given back is a duplicate of its
    /// descriptor (tokio panics there).
    ///
    /// # Panics
    ///
    /// If that duplicate cannot be made (the process is out of
    /// descriptors).
    ///
    /// ```
    /// use std::io::Read;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let path = std::env::temp_dir().join(format!("taskcell-into-std-{}", std::process::id()));
    /// std::fs::write(&path, "std again").unwrap();
    /// let mut std_file = rt.block_on(async {
    ///     taskcell_executor::fs::File::open(&path).await.unwrap().into_std().await
    /// });
    /// let mut text = String::new();
    /// std_file.read_to_string(&mut text).unwrap();
    /// assert_eq!(text, "std again");
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub async fn into_std(mut self) -> std::fs::File {
        self.inner.get_mut().complete_inflight().await;
        match Arc::try_unwrap(self.std) {
            Ok(std) => std,
            Err(shared) => shared.try_clone().unwrap_or_else(|err| {
                panic!(
                    "`fs::File::into_std`: the file is still held by a blocking call, and \
                     duplicating its descriptor failed: {err}"
                )
            }),
        }
    }

    /// The `std::fs::File` at once if no operation holds it, or `self`
    /// back if one does (a write or read in flight, say), as tokio's. Bytes
    /// read ahead, and the error of a finished operation, are dropped.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let file = taskcell_executor::fs::File::open(std::env::temp_dir()).await.unwrap();
    ///     let std_file = file.try_into_std().expect("nothing in flight");
    ///     assert!(std_file.metadata().unwrap().is_dir());
    /// });
    /// ```
    #[allow(clippy::result_large_err)] // the file itself comes back, as tokio's
    pub fn try_into_std(self) -> Result<std::fs::File, File> {
        let File {
            std,
            inner,
            max_buf_size,
        } = self;
        Arc::try_unwrap(std).map_err(|std| File {
            std,
            inner,
            max_buf_size,
        })
    }

    /// Sets the file's permissions, as
    /// [`std::fs::File::set_permissions`], on the blocking pool (without
    /// waiting for the operation in flight, as tokio's).
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-fperm-{}", std::process::id()));
    ///     let file = taskcell_executor::fs::File::create(&path).await.unwrap();
    ///     let mut perms = file.metadata().await.unwrap().permissions();
    ///     perms.set_readonly(true);
    ///     file.set_permissions(perms).await.unwrap();
    ///     assert!(std::fs::metadata(&path).unwrap().permissions().readonly());
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = Arc::clone(&self.std);
        asyncify("fs::File::set_permissions", move || {
            std.set_permissions(perm)
        })
        .await
    }

    /// Waits for the operation in flight, then sets the file's access and
    /// modification times (and, on Windows and Apple systems, its creation
    /// time) that `times` holds, as [`std::fs::File::set_times`] and
    /// tokio's `File::set_times`. Waiting first means no write still in
    /// flight lands after the new times and changes them again.
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use taskcell_executor::fs::{File, FileTimes};
    /// use taskcell_executor::io::AsyncWriteExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-settimes-{}", std::process::id()));
    ///     let mut file = File::create(&path).await.unwrap();
    ///     // Still buffered when set_times is called: written first.
    ///     file.write_all(b"late").await.unwrap();
    ///     let then = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400);
    ///     file.set_times(FileTimes::new().set_modified(then)).await.unwrap();
    ///     let meta = std::fs::metadata(&path).unwrap();
    ///     assert_eq!((meta.len(), meta.modified().unwrap()), (4, then));
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn set_times(&self, times: super::FileTimes) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        let std = Arc::clone(&self.std);
        let times = times.into_std();
        asyncify("fs::File::set_times", move || std.set_times(times)).await
    }

    /// [`set_times`](File::set_times) with the modification time alone, as
    /// [`std::fs::File::set_modified`].
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-setmod-{}", std::process::id()));
    ///     let file = taskcell_executor::fs::File::create(&path).await.unwrap();
    ///     let then = SystemTime::UNIX_EPOCH + Duration::from_secs(7 * 86_400);
    ///     file.set_modified(then).await.unwrap();
    ///     assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), then);
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn set_modified(&self, time: std::time::SystemTime) -> io::Result<()> {
        self.set_times(super::FileTimes::new().set_modified(time))
            .await
    }

    /// Sets the most bytes one read or write moves through the pool
    /// (default 2 MiB): a read returns at most this many, and a write takes
    /// at most this many. Operations already in flight keep their size.
    ///
    /// # Panics
    ///
    /// If `max_buf_size` is zero (a read could then never return a byte,
    /// and would look like end of file), with tokio's words.
    ///
    /// ```
    /// use taskcell_executor::io::AsyncWriteExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-maxbuf-{}", std::process::id()));
    ///     let mut file = taskcell_executor::fs::File::create(&path).await.unwrap();
    ///     file.set_max_buf_size(4);
    ///     assert_eq!(file.write(b"0123456789").await.unwrap(), 4);
    ///     file.flush().await.unwrap();
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        self.max_buf_size = max_buf_size;
    }

    /// The most bytes one read or write moves through the pool; see
    /// [`set_max_buf_size`](File::set_max_buf_size).
    ///
    /// ```
    /// let file = taskcell_executor::fs::File::from_std(
    ///     std::fs::File::open(std::env::temp_dir()).unwrap(),
    /// );
    /// assert_eq!(file.max_buf_size(), 2 * 1024 * 1024);
    /// ```
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }
}

/// Takes the file's cursor back over the bytes read ahead that the buffer
/// gave up (`back`, from [`Buf::discard_read`]; `None` if there were
/// none), so that it stands where the reader is. Runs on the pool, before
/// a write or a `set_len`.
fn seek_back(mut std: &std::fs::File, back: Option<i64>) -> io::Result<()> {
    match back {
        Some(back) => std.seek(SeekFrom::Current(back)).map(drop),
        None => Ok(()),
    }
}

/// futures-io's `AsyncRead` (feature `futures-io`).
#[cfg(feature = "futures-io")]
impl futures_io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let mut dst = SliceDst {
            dst: buf,
            filled: 0,
        };
        ready!(me
            .inner
            .get_mut()
            .poll_read(cx, &me.std, me.max_buf_size, &mut dst))?;
        Poll::Ready(Ok(dst.filled))
    }
}

/// The writes tokio's `AsyncWrite` and (feature `futures-io`) futures-io's
/// go through.
impl crate::io::RawWrite for File {
    fn raw_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        crate::io::RawWrite::raw_write_vectored(self, cx, &[IoSlice::new(src)])
    }

    fn raw_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        me.inner
            .get_mut()
            .poll_write(cx, &me.std, me.max_buf_size, bufs)
    }

    fn raw_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }

    /// Flushes; the file stays open (it closes on drop).
    fn raw_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }
}

/// futures-io's `AsyncSeek` (feature `futures-io`).
#[cfg(feature = "futures-io")]
impl futures_io::AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let me = self.get_mut();
        me.inner.get_mut().poll_seek(cx, &me.std, pos)
    }
}

/// tokio's `AsyncRead`.
impl tokio::io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        me.inner
            .get_mut()
            .poll_read(cx, &me.std, me.max_buf_size, buf)
    }
}

// tokio's `AsyncWrite`, and futures-io's with its feature: shutting down
// (futures' close) flushes; the file stays open until dropped.
async_write_through_raw!(File);

/// tokio's `AsyncSeek`: `start_seek` fails while
/// another operation is in flight, as tokio's ("call poll_complete
/// before start_seek"; tokio's `seek` does).
impl tokio::io::AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        if let State::Busy(_) = inner.state {
            return Err(io::Error::other(
                "other file operation is pending, call poll_complete before start_seek",
            ));
        }
        inner.start_seek(&me.std, pos)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().inner.get_mut().poll_complete(cx)
    }
}

/// As [`File::from_std`].
impl From<std::fs::File> for File {
    fn from(std: std::fs::File) -> File {
        File::from_std(std)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("taskcell_executor::fs::File")
            .field("std", &self.std)
            .finish()
    }
}

/// Takes ownership of the descriptor, as [`File::from_std`].
#[cfg(unix)]
impl From<std::os::fd::OwnedFd> for File {
    fn from(fd: std::os::fd::OwnedFd) -> File {
        File::from_std(std::fs::File::from(fd))
    }
}

/// The descriptor, for the caller's own system calls; it stays owned by
/// the file (and used by its operation in flight).
#[cfg(unix)]
impl std::os::fd::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.std.as_raw_fd()
    }
}

/// The descriptor, borrowed; as [`AsRawFd`](std::os::fd::AsRawFd).
#[cfg(unix)]
impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}

/// Takes ownership of `fd`, as `std::fs::File`'s (same contract).
#[cfg(unix)]
impl std::os::fd::FromRawFd for File {
    unsafe fn from_raw_fd(fd: std::os::fd::RawFd) -> File {
        // SAFETY: the caller upholds `FromRawFd::from_raw_fd`'s contract
        // (`fd` is open and owned by nobody else), which is all std's
        // `from_raw_fd` asks.
        File::from_std(unsafe { std::fs::File::from_raw_fd(fd) })
    }
}

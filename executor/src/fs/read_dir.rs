//! [`read_dir`]: a directory's entries, fetched on the blocking pool a
//! chunk at a time.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::{asyncify, background_failed, spawn_blocking};
use crate::task::JoinHandle;

/// Entries fetched per trip to the blocking pool (tokio's number).
const CHUNK: usize = 32;

/// Lists the entries of the directory `path`, as [`std::fs::read_dir`]:
/// every entry but `.` and `..`, in no set order.
///
/// The directory is opened, and its first entries read, on the blocking
/// pool; [`ReadDir::next_entry`] hands them out and fetches more, 32 at a
/// time.
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let dir = std::env::temp_dir().join(format!("taskcell-ls-{}", std::process::id()));
///     fs::create_dir(&dir).await.unwrap();
///     fs::write(dir.join("b"), "").await.unwrap();
///     fs::write(dir.join("a"), "").await.unwrap();
///
///     let mut names = Vec::new();
///     let mut entries = fs::read_dir(&dir).await.unwrap();
///     while let Some(entry) = entries.next_entry().await.unwrap() {
///         names.push(entry.file_name());
///     }
///     names.sort();
///     assert_eq!(names, ["a", "b"]);
///     fs::remove_dir_all(&dir).await.unwrap();
/// });
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read_dir", move || {
        let mut chunk = Chunk {
            entries: VecDeque::with_capacity(CHUNK),
            std: std::fs::read_dir(path)?,
            more: true,
        };
        chunk.fill();
        Ok(ReadDir(State::Idle(Some(chunk))))
    })
    .await
}

/// The entries of a directory, from [`read_dir`], handed out by
/// [`next_entry`](ReadDir::next_entry).
///
/// Not a `Stream` (tokio's is not either: tokio-stream wraps it); a
/// `Stream` is `futures::stream::poll_fn(|cx| entries.poll_next_entry(cx))`
/// away.
#[derive(Debug)]
#[must_use = "a `ReadDir` lists nothing until `next_entry` is awaited"]
pub struct ReadDir(State);

#[derive(Debug)]
enum State {
    /// Entries fetched and not yet handed out; `None` once the listing has
    /// ended on an error of the blocking pool.
    Idle(Option<Chunk>),
    /// The next chunk, on the blocking pool.
    Busy(JoinHandle<Chunk>),
}

#[derive(Debug)]
struct Chunk {
    entries: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    /// Whether `std` may have entries left.
    more: bool,
}

impl Chunk {
    /// Reads up to [`CHUNK`] entries from `std` (a blocking call), stopping
    /// after an error so that it is handed out in order.
    fn fill(&mut self) {
        for _ in 0..CHUNK {
            let Some(entry) = self.std.next() else {
                self.more = false;
                return;
            };
            let failed = entry.is_err();
            self.entries.push_back(entry.map(DirEntry::new));
            if failed {
                return;
            }
        }
    }
}

impl ReadDir {
    /// The next entry, or `None` once every one has been handed out.
    ///
    /// An error reading one entry is returned in its place, and the listing
    /// goes on after it, as with the standard library's iterator.
    ///
    /// Cancel safe: an entry fetched for a call that is dropped goes to the
    /// next call.
    ///
    /// ```
    /// use taskcell_executor::fs;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("taskcell-next-{}", std::process::id()));
    ///     fs::create_dir(&dir).await.unwrap();
    ///     let mut entries = fs::read_dir(&dir).await.unwrap();
    ///     assert!(entries.next_entry().await.unwrap().is_none(), "empty");
    ///     assert!(entries.next_entry().await.unwrap().is_none(), "still empty");
    ///     fs::remove_dir(&dir).await.unwrap();
    /// });
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry: `Ready(Ok(None))` at the end, `Pending`
    /// (with `cx`'s waker registered) while more are fetched.
    ///
    /// # Panics
    ///
    /// When it must fetch more outside any runtime (see the
    /// [module docs](super)).
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut entries = taskcell_executor::fs::read_dir(std::env::temp_dir()).await.unwrap();
    ///     let first = poll_fn(|cx| entries.poll_next_entry(cx)).await.unwrap();
    ///     if let Some(entry) = first {
    ///         assert!(entry.path().starts_with(std::env::temp_dir()));
    ///     }
    /// });
    /// ```
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.0 {
                State::Idle(None) => return Poll::Ready(Ok(None)),
                State::Idle(Some(chunk)) => {
                    if let Some(entry) = chunk.entries.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    if !chunk.more {
                        // Closes the directory now rather than at drop.
                        self.0 = State::Idle(None);
                        return Poll::Ready(Ok(None));
                    }
                    let State::Idle(Some(mut chunk)) =
                        std::mem::replace(&mut self.0, State::Idle(None))
                    else {
                        unreachable!("the state was `Idle(Some(_))`");
                    };
                    let join = spawn_blocking("fs::ReadDir::next_entry", move || {
                        chunk.fill();
                        chunk
                    })?;
                    self.0 = State::Busy(join);
                }
                State::Busy(join) => match ready!(Pin::new(join).poll(cx)) {
                    Ok(chunk) => self.0 = State::Idle(Some(chunk)),
                    Err(_) => {
                        self.0 = State::Idle(None);
                        return Poll::Ready(Err(background_failed()));
                    }
                },
            }
        }
    }
}

/// One entry of a directory listed by [`read_dir`]: a
/// [`std::fs::DirEntry`] whose calls that may block run on the blocking
/// pool.
#[derive(Debug)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// The type, read with the entry where the listing gives it for free.
    file_type: Option<FileType>,
}

impl DirEntry {
    fn new(std: std::fs::DirEntry) -> DirEntry {
        // Where the listing does not carry the type, `file_type` is a
        // `stat`: left for the task to ask for (tokio's list).
        let stat_for_type = cfg!(any(
            target_os = "solaris",
            target_os = "illumos",
            target_os = "haiku",
            target_os = "vxworks",
            target_os = "aix",
            target_os = "nto",
            target_os = "vita",
        ));
        let file_type = if stat_for_type {
            None
        } else {
            std.file_type().ok()
        };
        DirEntry {
            std: Arc::new(std),
            file_type,
        }
    }

    /// The entry's full path: the directory given to [`read_dir`] joined
    /// with [`file_name`](DirEntry::file_name).
    ///
    /// ```
    /// use taskcell_executor::fs;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("taskcell-path-{}", std::process::id()));
    ///     fs::create_dir(&dir).await.unwrap();
    ///     fs::write(dir.join("only"), "").await.unwrap();
    ///     let entry = fs::read_dir(&dir).await.unwrap().next_entry().await.unwrap().unwrap();
    ///     assert_eq!(entry.path(), dir.join("only"));
    ///     fs::remove_dir_all(&dir).await.unwrap();
    /// });
    /// ```
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name in its directory, without any leading path.
    ///
    /// ```
    /// use taskcell_executor::fs;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("taskcell-name-{}", std::process::id()));
    ///     fs::create_dir(&dir).await.unwrap();
    ///     fs::write(dir.join("only"), "").await.unwrap();
    ///     let entry = fs::read_dir(&dir).await.unwrap().next_entry().await.unwrap().unwrap();
    ///     assert_eq!(entry.file_name(), "only");
    ///     fs::remove_dir_all(&dir).await.unwrap();
    /// });
    /// ```
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's metadata, not following a symbolic link, as
    /// [`std::fs::DirEntry::metadata`], read on the blocking pool.
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// use taskcell_executor::fs;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("taskcell-emeta-{}", std::process::id()));
    ///     fs::create_dir(&dir).await.unwrap();
    ///     fs::write(dir.join("five"), "12345").await.unwrap();
    ///     let entry = fs::read_dir(&dir).await.unwrap().next_entry().await.unwrap().unwrap();
    ///     assert_eq!(entry.metadata().await.unwrap().len(), 5);
    ///     fs::remove_dir_all(&dir).await.unwrap();
    /// });
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = Arc::clone(&self.std);
        asyncify("fs::DirEntry::metadata", move || std.metadata()).await
    }

    /// The entry's type, not following a symbolic link, as
    /// [`std::fs::DirEntry::file_type`]: on most systems read with the
    /// listing, so this does not wait; elsewhere read on the blocking
    /// pool.
    ///
    /// ```
    /// use taskcell_executor::fs;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("taskcell-etype-{}", std::process::id()));
    ///     fs::create_dir_all(dir.join("sub")).await.unwrap();
    ///     let entry = fs::read_dir(&dir).await.unwrap().next_entry().await.unwrap().unwrap();
    ///     assert!(entry.file_type().await.unwrap().is_dir());
    ///     fs::remove_dir_all(&dir).await.unwrap();
    /// });
    /// ```
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let std = Arc::clone(&self.std);
        asyncify("fs::DirEntry::file_type", move || std.file_type()).await
    }

    /// The entry's inode number, as `std::os::unix::fs::DirEntryExt::ino`
    /// (Unix only): from the listing, with no system call.
    ///
    /// ```
    /// use std::os::unix::fs::MetadataExt;
    /// use taskcell_executor::fs;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("taskcell-ino-{}", std::process::id()));
    ///     fs::create_dir(&dir).await.unwrap();
    ///     fs::write(dir.join("only"), "").await.unwrap();
    ///     let entry = fs::read_dir(&dir).await.unwrap().next_entry().await.unwrap().unwrap();
    ///     assert_eq!(entry.ino(), fs::metadata(entry.path()).await.unwrap().ino());
    ///     fs::remove_dir_all(&dir).await.unwrap();
    /// });
    /// ```
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }
}

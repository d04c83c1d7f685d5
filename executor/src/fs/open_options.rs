//! [`OpenOptions`]: the standard library's builder, opening on the
//! blocking pool.

use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

use super::{asyncify, File};

/// How to open a file: [`std::fs::OpenOptions`] with an `async`
/// [`open`](OpenOptions::open), as tokio's. Every option starts off;
/// [`File::open`], [`File::create`] and [`File::create_new`] are the
/// common sets.
///
/// ```
/// use taskcell_executor::fs::OpenOptions;
/// use taskcell_executor::io::AsyncWriteExt;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let path = std::env::temp_dir().join(format!("taskcell-oo-{}", std::process::id()));
///     for line in ["one\n", "two\n"] {
///         let mut log = OpenOptions::new().append(true).create(true).open(&path).await.unwrap();
///         log.write_all(line.as_bytes()).await.unwrap();
///         log.flush().await.unwrap();
///     }
///     assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
///     std::fs::remove_file(&path).unwrap();
/// });
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// Options with everything off: set at least `read`, `write` or
    /// `append` before [`open`](OpenOptions::open).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let err = taskcell_executor::fs::OpenOptions::new()
    ///         .open(std::env::temp_dir())
    ///         .await
    ///         .unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// });
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Opens for reading, as [`std::fs::OpenOptions::read`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir();
    ///     let file = taskcell_executor::fs::OpenOptions::new().read(true).open(&dir).await;
    ///     // A directory opens for reading on Unix (its metadata says so).
    ///     assert!(file.unwrap().metadata().await.unwrap().is_dir());
    /// });
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Opens for writing, as [`std::fs::OpenOptions::write`]: writes
    /// replace bytes from the start, without truncating.
    ///
    /// ```
    /// use taskcell_executor::io::AsyncWriteExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-oo-w-{}", std::process::id()));
    ///     std::fs::write(&path, "abcdef").unwrap();
    ///     let mut file = taskcell_executor::fs::OpenOptions::new().write(true).open(&path).await.unwrap();
    ///     file.write_all(b"XY").await.unwrap();
    ///     file.flush().await.unwrap();
    ///     assert_eq!(std::fs::read_to_string(&path).unwrap(), "XYcdef");
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Opens for appending, as [`std::fs::OpenOptions::append`]: every
    /// write goes to the end of the file, whatever the cursor.
    ///
    /// ```
    /// use taskcell_executor::io::AsyncWriteExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-oo-a-{}", std::process::id()));
    ///     std::fs::write(&path, "abc").unwrap();
    ///     let mut file = taskcell_executor::fs::OpenOptions::new().append(true).open(&path).await.unwrap();
    ///     file.write_all(b"def").await.unwrap();
    ///     file.flush().await.unwrap();
    ///     assert_eq!(std::fs::read_to_string(&path).unwrap(), "abcdef");
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Truncates the file to nothing when it opens (with `write`), as
    /// [`std::fs::OpenOptions::truncate`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-oo-t-{}", std::process::id()));
    ///     std::fs::write(&path, "old").unwrap();
    ///     taskcell_executor::fs::OpenOptions::new().write(true).truncate(true).open(&path).await.unwrap();
    ///     assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Creates the file if it does not exist (with `write` or `append`),
    /// as [`std::fs::OpenOptions::create`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-oo-c-{}", std::process::id()));
    ///     taskcell_executor::fs::OpenOptions::new().write(true).create(true).open(&path).await.unwrap();
    ///     assert!(std::fs::metadata(&path).unwrap().is_file());
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Creates the file, failing with `AlreadyExists` if it exists (with
    /// `write` or `append`), as [`std::fs::OpenOptions::create_new`]:
    /// atomically, so that of two tasks racing only one succeeds.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-oo-n-{}", std::process::id()));
    ///     let mut options = taskcell_executor::fs::OpenOptions::new();
    ///     options.write(true).create_new(true);
    ///     options.open(&path).await.unwrap();
    ///     let err = options.open(&path).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// The permission bits a file created by [`open`](OpenOptions::open)
    /// gets, before the process's umask (default `0o666`), as
    /// `std::os::unix::fs::OpenOptionsExt::mode` (Unix only).
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let path = std::env::temp_dir().join(format!("taskcell-oo-m-{}", std::process::id()));
    ///     let file = taskcell_executor::fs::OpenOptions::new()
    ///         .write(true)
    ///         .create(true)
    ///         .mode(0o600)
    ///         .open(&path)
    ///         .await
    ///         .unwrap();
    ///     let mode = file.metadata().await.unwrap().permissions().mode();
    ///     assert_eq!(mode & 0o777, 0o600);
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        self.0.mode(mode);
        self
    }

    /// Extra `open(2)` flags (`libc::O_NOFOLLOW`, say), as
    /// `std::os::unix::fs::OpenOptionsExt::custom_flags` (Unix only); the
    /// access mode bits are ignored.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir();
    ///     let (target, link) = (
    ///         dir.join(format!("taskcell-oo-f-a-{}", std::process::id())),
    ///         dir.join(format!("taskcell-oo-f-b-{}", std::process::id())),
    ///     );
    ///     std::fs::write(&target, "x").unwrap();
    ///     std::os::unix::fs::symlink(&target, &link).unwrap();
    ///     let opened = taskcell_executor::fs::OpenOptions::new()
    ///         .read(true)
    ///         .custom_flags(libc::O_NOFOLLOW)
    ///         .open(&link)
    ///         .await;
    ///     assert!(opened.is_err(), "O_NOFOLLOW refuses a symbolic link");
    ///     std::fs::remove_file(&link).unwrap();
    ///     std::fs::remove_file(&target).unwrap();
    /// });
    /// ```
    #[cfg(unix)]
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        self.0.custom_flags(flags);
        self
    }

    /// Opens the file at `path` with these options, on the blocking pool,
    /// as [`std::fs::OpenOptions::open`], with the same errors
    /// (`NotFound`, `AlreadyExists`, `PermissionDenied`, `InvalidInput`
    /// for options that contradict each other, …).
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let err = taskcell_executor::fs::OpenOptions::new()
    ///         .read(true)
    ///         .open("/no/such/taskcell/file")
    ///         .await
    ///         .unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let options = self.0.clone();
        let std = asyncify("fs::OpenOptions::open", move || options.open(path)).await?;
        Ok(File::from_std(std))
    }
}

/// Options with everything off, as [`OpenOptions::new`].
impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

/// The same options, for [`OpenOptions::open`].
///
/// ```
/// let mut std_options = std::fs::OpenOptions::new();
/// std_options.read(true);
/// let options = taskcell_executor::fs::OpenOptions::from(std_options);
/// assert!(format!("{options:?}").contains("read: true"));
/// ```
impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(options: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(options)
    }
}

//! [`DirBuilder`]: the standard library's directory builder, creating on
//! the blocking pool.

use std::io;
use std::path::Path;

use super::asyncify;

/// How to create a directory: [`std::fs::DirBuilder`] with an `async`
/// [`create`](DirBuilder::create), as tokio's.
///
/// ```
/// use taskcell_executor::fs::DirBuilder;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let top = std::env::temp_dir().join(format!("taskcell-db-{}", std::process::id()));
///     DirBuilder::new().recursive(true).create(top.join("a/b")).await.unwrap();
///     assert!(std::fs::metadata(top.join("a/b")).unwrap().is_dir());
///     std::fs::remove_dir_all(&top).unwrap();
/// });
/// ```
#[derive(Debug, Default)]
pub struct DirBuilder {
    recursive: bool,
    #[cfg(unix)]
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder that creates one directory, whose parent must exist, with
    /// the default permissions.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let missing_parent = std::env::temp_dir()
    ///         .join(format!("taskcell-db-new-{}", std::process::id()))
    ///         .join("child");
    ///     let err = taskcell_executor::fs::DirBuilder::new().create(&missing_parent).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Whether missing parents are created too, and an existing directory
    /// is no error, as [`std::fs::DirBuilder::recursive`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir();
    ///     let mut builder = taskcell_executor::fs::DirBuilder::new();
    ///     assert!(builder.create(&dir).await.is_err(), "it exists");
    ///     builder.recursive(true).create(&dir).await.unwrap();
    /// });
    /// ```
    pub fn recursive(&mut self, recursive: bool) -> &mut DirBuilder {
        self.recursive = recursive;
        self
    }

    /// The permission bits of the directories created, before the
    /// process's umask (default `0o777`), as
    /// `std::os::unix::fs::DirBuilderExt::mode` (Unix only).
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("taskcell-db-mode-{}", std::process::id()));
    ///     taskcell_executor::fs::DirBuilder::new().mode(0o700).create(&dir).await.unwrap();
    ///     let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    ///     assert_eq!(mode & 0o777, 0o700);
    ///     std::fs::remove_dir(&dir).unwrap();
    /// });
    /// ```
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut DirBuilder {
        self.mode = Some(mode);
        self
    }

    /// Creates the directory `path` with these options, on the blocking
    /// pool, as [`std::fs::DirBuilder::create`].
    ///
    /// # Panics
    ///
    /// Awaited outside any runtime (see the [module docs](super)).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("taskcell-db-create-{}", std::process::id()));
    ///     taskcell_executor::fs::DirBuilder::new().create(&dir).await.unwrap();
    ///     assert!(std::fs::metadata(&dir).unwrap().is_dir());
    ///     std::fs::remove_dir(&dir).unwrap();
    /// });
    /// ```
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref().to_owned();
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(self.recursive);
        #[cfg(unix)]
        {
            if let Some(mode) = self.mode {
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
            }
        }
        asyncify("fs::DirBuilder::create", move || builder.create(path)).await
    }
}

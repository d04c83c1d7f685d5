//! The path functions: each is one call of `std::fs` on the blocking pool,
//! with the same arguments and errors.

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

use super::asyncify;

/// Reads the whole file at `path` into a vector, as [`std::fs::read`].
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let path = std::env::temp_dir().join(format!("taskcell-read-{}", std::process::id()));
///     fs::write(&path, [1, 2, 3]).await.unwrap();
///     assert_eq!(fs::read(&path).await.unwrap(), [1, 2, 3]);
///     fs::remove_file(&path).await.unwrap();
/// });
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read", move || std::fs::read(path)).await
}

/// Reads the whole file at `path` into a string, as
/// [`std::fs::read_to_string`]; fails with `InvalidData` if it is not
/// UTF-8.
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let path = std::env::temp_dir().join(format!("taskcell-rts-{}", std::process::id()));
///     fs::write(&path, "héllo").await.unwrap();
///     assert_eq!(fs::read_to_string(&path).await.unwrap(), "héllo");
///     fs::remove_file(&path).await.unwrap();
/// });
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read_to_string", move || std::fs::read_to_string(path)).await
}

/// Writes `contents` as the whole file at `path`, creating it or
/// truncating it first, as [`std::fs::write`].
///
/// The bytes are copied once, for the blocking pool (tokio takes a `Vec`
/// or `String` without copying it).
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let path = std::env::temp_dir().join(format!("taskcell-write-{}", std::process::id()));
///     fs::write(&path, "first, and longer").await.unwrap();
///     fs::write(&path, b"second").await.unwrap();
///     assert_eq!(fs::read_to_string(&path).await.unwrap(), "second");
///     fs::remove_file(&path).await.unwrap();
/// });
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify("fs::write", move || std::fs::write(path, contents)).await
}

/// Creates the directory `path`, whose parent must exist, as
/// [`std::fs::create_dir`]; fails with `AlreadyExists` if it does.
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let dir = std::env::temp_dir().join(format!("taskcell-mkdir-{}", std::process::id()));
///     fs::create_dir(&dir).await.unwrap();
///     let again = fs::create_dir(&dir).await.unwrap_err();
///     assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
///     fs::remove_dir(&dir).await.unwrap();
/// });
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::create_dir", move || std::fs::create_dir(path)).await
}

/// Creates the directory `path` and any missing parents, as
/// [`std::fs::create_dir_all`]; succeeds if it exists already.
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let top = std::env::temp_dir().join(format!("taskcell-mkdirs-{}", std::process::id()));
///     fs::create_dir_all(top.join("a/b/c")).await.unwrap();
///     assert!(fs::metadata(top.join("a/b/c")).await.unwrap().is_dir());
///     fs::remove_dir_all(&top).await.unwrap();
/// });
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::create_dir_all", move || std::fs::create_dir_all(path)).await
}

/// Removes the file (or symbolic link) `path`, as
/// [`std::fs::remove_file`].
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let path = std::env::temp_dir().join(format!("taskcell-rm-{}", std::process::id()));
///     fs::write(&path, "x").await.unwrap();
///     fs::remove_file(&path).await.unwrap();
///     assert!(!fs::try_exists(&path).await.unwrap());
/// });
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_file", move || std::fs::remove_file(path)).await
}

/// Removes the empty directory `path`, as [`std::fs::remove_dir`].
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let dir = std::env::temp_dir().join(format!("taskcell-rmdir-{}", std::process::id()));
///     fs::create_dir(&dir).await.unwrap();
///     fs::remove_dir(&dir).await.unwrap();
///     assert!(!fs::try_exists(&dir).await.unwrap());
/// });
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_dir", move || std::fs::remove_dir(path)).await
}

/// Removes the directory `path` and everything in it, as
/// [`std::fs::remove_dir_all`].
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let top = std::env::temp_dir().join(format!("taskcell-rmall-{}", std::process::id()));
///     fs::create_dir_all(top.join("sub")).await.unwrap();
///     fs::write(top.join("sub/file"), "x").await.unwrap();
///     fs::remove_dir_all(&top).await.unwrap();
///     assert!(!fs::try_exists(&top).await.unwrap());
/// });
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_dir_all", move || std::fs::remove_dir_all(path)).await
}

/// Renames `from` to `to`, replacing `to` if it is a file, as
/// [`std::fs::rename`].
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let dir = std::env::temp_dir();
///     let (from, to) = (
///         dir.join(format!("taskcell-mv-a-{}", std::process::id())),
///         dir.join(format!("taskcell-mv-b-{}", std::process::id())),
///     );
///     fs::write(&from, "moved").await.unwrap();
///     fs::rename(&from, &to).await.unwrap();
///     assert_eq!(fs::read_to_string(&to).await.unwrap(), "moved");
///     assert!(!fs::try_exists(&from).await.unwrap());
///     fs::remove_file(&to).await.unwrap();
/// });
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("fs::rename", move || std::fs::rename(from, to)).await
}

/// Copies the contents and permissions of the file `from` to `to`
/// (created or truncated), as [`std::fs::copy`]; returns the number of
/// bytes copied.
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let dir = std::env::temp_dir();
///     let (from, to) = (
///         dir.join(format!("taskcell-cp-a-{}", std::process::id())),
///         dir.join(format!("taskcell-cp-b-{}", std::process::id())),
///     );
///     fs::write(&from, "copied").await.unwrap();
///     assert_eq!(fs::copy(&from, &to).await.unwrap(), 6);
///     assert_eq!(fs::read(&to).await.unwrap(), b"copied");
///     fs::remove_file(&from).await.unwrap();
///     fs::remove_file(&to).await.unwrap();
/// });
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("fs::copy", move || std::fs::copy(from, to)).await
}

/// Makes `link` a new name (hard link) of the file `original`, as
/// [`std::fs::hard_link`].
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let dir = std::env::temp_dir();
///     let (original, link) = (
///         dir.join(format!("taskcell-ln-a-{}", std::process::id())),
///         dir.join(format!("taskcell-ln-b-{}", std::process::id())),
///     );
///     fs::write(&original, "shared").await.unwrap();
///     fs::hard_link(&original, &link).await.unwrap();
///     fs::write(&original, "changed").await.unwrap();
///     assert_eq!(fs::read_to_string(&link).await.unwrap(), "changed");
///     fs::remove_file(&original).await.unwrap();
///     fs::remove_file(&link).await.unwrap();
/// });
/// ```
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::hard_link", move || std::fs::hard_link(original, link)).await
}

/// Makes `link` a symbolic link to `original`, as
/// [`std::os::unix::fs::symlink`] (Unix only, as tokio's).
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let dir = std::env::temp_dir();
///     let (original, link) = (
///         dir.join(format!("taskcell-sym-a-{}", std::process::id())),
///         dir.join(format!("taskcell-sym-b-{}", std::process::id())),
///     );
///     fs::write(&original, "target").await.unwrap();
///     fs::symlink(&original, &link).await.unwrap();
///     assert_eq!(fs::read_link(&link).await.unwrap(), original);
///     assert_eq!(fs::read_to_string(&link).await.unwrap(), "target");
///     fs::remove_file(&link).await.unwrap();
///     fs::remove_file(&original).await.unwrap();
/// });
/// ```
#[cfg(unix)]
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::symlink", move || {
        std::os::unix::fs::symlink(original, link)
    })
    .await
}

/// The metadata of `path`, following symbolic links, as
/// [`std::fs::metadata`].
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let path = std::env::temp_dir().join(format!("taskcell-meta-{}", std::process::id()));
///     fs::write(&path, "12345").await.unwrap();
///     let meta = fs::metadata(&path).await.unwrap();
///     assert!(meta.is_file());
///     assert_eq!(meta.len(), 5);
///     fs::remove_file(&path).await.unwrap();
/// });
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("fs::metadata", move || std::fs::metadata(path)).await
}

/// The metadata of `path` itself, not following a symbolic link, as
/// [`std::fs::symlink_metadata`].
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let dir = std::env::temp_dir();
///     let meta = fs::symlink_metadata(&dir).await.unwrap();
///     // The temporary directory may itself be a link (macOS): only its
///     // own type is reported.
///     assert!(meta.is_dir() || meta.file_type().is_symlink());
/// });
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("fs::symlink_metadata", move || {
        std::fs::symlink_metadata(path)
    })
    .await
}

/// The absolute form of `path`, with every `.`, `..` and symbolic link
/// resolved, as [`std::fs::canonicalize`]; the path must exist.
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let tmp = fs::canonicalize(std::env::temp_dir()).await.unwrap();
///     let roundabout = tmp.join(".").join("..").join(tmp.file_name().unwrap());
///     assert_eq!(fs::canonicalize(&roundabout).await.unwrap(), tmp);
/// });
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("fs::canonicalize", move || std::fs::canonicalize(path)).await
}

/// What the symbolic link `path` points to, as [`std::fs::read_link`].
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let link = std::env::temp_dir().join(format!("taskcell-readlink-{}", std::process::id()));
///     fs::symlink("somewhere/else", &link).await.unwrap();
///     assert_eq!(fs::read_link(&link).await.unwrap(), std::path::Path::new("somewhere/else"));
///     fs::remove_file(&link).await.unwrap();
/// });
/// ```
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read_link", move || std::fs::read_link(path)).await
}

/// Sets the permissions of `path`, as [`std::fs::set_permissions`].
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let path = std::env::temp_dir().join(format!("taskcell-perm-{}", std::process::id()));
///     fs::write(&path, "x").await.unwrap();
///     let mut perms = fs::metadata(&path).await.unwrap().permissions();
///     perms.set_readonly(true);
///     fs::set_permissions(&path, perms).await.unwrap();
///     assert!(fs::metadata(&path).await.unwrap().permissions().readonly());
///     fs::remove_file(&path).await.unwrap();
/// });
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::set_permissions", move || {
        std::fs::set_permissions(path, perm)
    })
    .await
}

/// Whether `path` exists, following symbolic links, as
/// [`std::fs::exists`]: `Ok(false)` only when it is known not to, and an
/// error when that cannot be told (no permission to look, say).
///
/// ```
/// use taskcell_executor::fs;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     assert!(fs::try_exists(std::env::temp_dir()).await.unwrap());
///     assert!(!fs::try_exists("/no/such/taskcell/path").await.unwrap());
/// });
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify("fs::try_exists", move || path.try_exists()).await
}

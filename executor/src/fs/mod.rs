//! Files and directories, as tokio's `fs`: the standard library's blocking
//! calls run on the runtime's blocking pool (the threads of
//! [`spawn_blocking`](crate::spawn_blocking)), and the task awaits them.
//!
//! - Free functions for whole-file and path operations: [`read`],
//!   [`read_to_string`], [`write`](write()), [`copy`], [`rename`], [`metadata`],
//!   [`create_dir_all`], [`remove_dir_all`], [`read_dir`], … each one
//!   blocking call on the pool.
//! - [`File`], which implements tokio's [`AsyncRead`], [`AsyncWrite`] and
//!   [`AsyncSeek`] (and futures-io's, feature `futures-io`), over an
//!   internal buffer: one
//!   operation at a time runs on the pool, a write returns once its bytes
//!   are in the buffer, and `flush` waits for them to reach the file.
//! - [`OpenOptions`] and [`DirBuilder`], the standard library's builders
//!   with an `async` last step.
//!
//! Each call needs a runtime: awaiting one outside any panics, with tokio's
//! message followed by the name of the call and the fix. On a runtime that
//! has shut down, a call fails with an [`io::Error`] of kind `Other` whose
//! inner error reads "background task failed", as tokio's.
//!
//! ```
//! use taskcell_executor::fs;
//! use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let rt = taskcell_executor::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let dir = std::env::temp_dir().join(format!("taskcell-fs-doc-{}", std::process::id()));
//!     fs::create_dir_all(&dir).await.unwrap();
//!     let mut file = fs::File::create(dir.join("notes.txt")).await.unwrap();
//!     file.write_all(b"one\ntwo\n").await.unwrap();
//!     file.flush().await.unwrap();
//!
//!     let mut text = String::new();
//!     fs::File::open(dir.join("notes.txt")).await.unwrap().read_to_string(&mut text).await.unwrap();
//!     assert_eq!(text, "one\ntwo\n");
//!     fs::remove_dir_all(&dir).await.unwrap();
//! });
//! ```
//!
//! [`AsyncRead`]: crate::io::AsyncRead
//! [`AsyncWrite`]: crate::io::AsyncWrite
//! [`AsyncSeek`]: crate::io::AsyncSeek

mod dir_builder;
mod file;
mod file_times;
mod functions;
mod open_options;
mod read_dir;

use std::io;

pub use self::dir_builder::DirBuilder;
pub use self::file::File;
pub use self::file_times::FileTimes;
#[cfg(unix)]
pub use self::functions::symlink;
pub use self::functions::{
    canonicalize, copy, create_dir, create_dir_all, hard_link, metadata, read, read_link,
    read_to_string, remove_dir, remove_dir_all, remove_file, rename, set_permissions,
    symlink_metadata, try_exists, write,
};
pub use self::open_options::OpenOptions;
pub use self::read_dir::{read_dir, DirEntry, ReadDir};

use crate::context;
use crate::task::{JoinHandle, Meta};

/// Runs `f` on the blocking pool of the runtime of the calling code.
///
/// Fails with [`background_failed`] if that pool has shut down (`f` is
/// dropped, not run).
///
/// # Panics
///
/// Outside any runtime, naming `what` (tokio panics there too, in its
/// `spawn_blocking`, with the message this one starts with).
#[track_caller]
fn spawn_blocking<F, R>(what: &str, f: F) -> io::Result<JoinHandle<R>>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let meta = Meta::caller();
    let Some((join, refused)) =
        context::with_handle(|handle| handle.spawn_blocking_or_refuse(f, meta))
    else {
        panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x \
             runtime: `{what}` needs a taskcell runtime, which serves tokio's API, to run on its \
             blocking pool. Call it from a task, a `block_on` or a `spawn_blocking` closure of a \
             taskcell runtime, or enter one with `Runtime::enter`"
        );
    };
    match refused {
        // Cancelled here, outside the context's borrow: dropping `f` may
        // drop user values.
        Some(refused) => {
            refused.cancel();
            Err(background_failed())
        }
        None => Ok(join),
    }
}

/// Runs `f` on the blocking pool and awaits its result; panics and fails
/// as [`spawn_blocking`] (a panic in `f`, which the standard library's
/// calls do not raise, fails too).
async fn asyncify<F, T>(what: &'static str, f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match spawn_blocking(what, f)?.await {
        Ok(res) => res,
        Err(_) => Err(background_failed()),
    }
}

/// The error of an operation whose blocking task could not run (its pool
/// shut down) or did not finish: tokio's, word for word.
fn background_failed() -> io::Error {
    io::Error::other("background task failed")
}

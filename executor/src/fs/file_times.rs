//! [`FileTimes`]: the timestamps [`File::set_times`](super::File::set_times)
//! sets.

use std::time::SystemTime;

#[cfg(target_vendor = "apple")]
use std::os::darwin::fs::FileTimesExt;
#[cfg(windows)]
use std::os::windows::fs::FileTimesExt;

/// The timestamps to set on a file with
/// [`File::set_times`](super::File::set_times), as tokio's
/// `fs::FileTimes` (the standard library's `FileTimes`, whose creation
/// time is a method here rather than an extension trait's). A time left
/// unset is left as it is.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use taskcell_executor::fs::{File, FileTimes};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let path = std::env::temp_dir().join(format!("taskcell-ftimes-{}", std::process::id()));
///     let file = File::create(&path).await.unwrap();
///     let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
///     file.set_times(FileTimes::new().set_accessed(then).set_modified(then))
///         .await
///         .unwrap();
///     let meta = std::fs::metadata(&path).unwrap();
///     assert_eq!((meta.accessed().unwrap(), meta.modified().unwrap()), (then, then));
///     std::fs::remove_file(&path).unwrap();
/// });
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[must_use = "must be applied to a file with `File::set_times` to have any effect"]
pub struct FileTimes {
    accessed: Option<SystemTime>,
    modified: Option<SystemTime>,
    #[cfg(any(windows, target_vendor = "apple"))]
    created: Option<SystemTime>,
}

impl FileTimes {
    /// No time set: applied, it changes nothing.
    pub fn new() -> FileTimes {
        FileTimes::default()
    }

    /// Sets the last access time.
    pub fn set_accessed(mut self, time: SystemTime) -> FileTimes {
        self.accessed = Some(time);
        self
    }

    /// Sets the last modification time.
    pub fn set_modified(mut self, time: SystemTime) -> FileTimes {
        self.modified = Some(time);
        self
    }

    /// Sets the creation time (Windows and Apple systems only).
    #[cfg(any(windows, target_vendor = "apple"))]
    pub fn set_created(mut self, time: SystemTime) -> FileTimes {
        self.created = Some(time);
        self
    }

    /// The standard library's `FileTimes` with the same times set.
    pub(crate) fn into_std(self) -> std::fs::FileTimes {
        let mut times = std::fs::FileTimes::new();
        if let Some(accessed) = self.accessed {
            times = times.set_accessed(accessed);
        }
        if let Some(modified) = self.modified {
            times = times.set_modified(modified);
        }
        #[cfg(any(windows, target_vendor = "apple"))]
        if let Some(created) = self.created {
            times = times.set_created(created);
        }
        times
    }
}

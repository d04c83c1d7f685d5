//! `fs` on the blocking pool: every path function round-trips against the
//! real filesystem; `File` reads, writes and seeks through its buffer
//! (a write lands even if never flushed, a large one is cut at
//! `max_buf_size`, bytes read ahead are given back before a seek or
//! write, a background write's error surfaces on the next flush);
//! `read_dir` lists exactly what is there; errors keep their kind; files
//! work on both flavours and across tasks; outside a runtime the calls
//! panic with tokio's message, and on a shut-down runtime they fail with
//! tokio's error instead of hanging.
#![cfg(not(miri))]

mod common;

use std::collections::BTreeSet;
use std::future::Future;
use std::io::{ErrorKind, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use taskcell_executor::fs::{self, DirBuilder, File, OpenOptions};
use taskcell_executor::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use taskcell_executor::time::timeout;
use taskcell_executor::{Builder, Runtime};

const LIMIT: Duration = Duration::from_secs(20);

/// A fresh directory under the system's temporary directory, removed on
/// drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "taskcell-fs-test-{}-{test}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path).expect("creating the test directory");
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `fut` on `rt` under a timeout, so a lost wake-up fails the test.
fn run<F: Future>(rt: &Runtime, fut: F) -> F::Output {
    rt.block_on(async { timeout(LIMIT, fut).await.expect("timed out: lost wake-up?") })
}

/// Bytes that differ from position to position (and from `seed` to
/// `seed`), so that a misplaced chunk shows.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

/// A runtime with one blocking thread, for [`hold_pool`].
fn one_blocking_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Occupies the blocking pool's one thread until the returned sender is
/// dropped, so that what is queued after it waits (the queue is FIFO).
fn hold_pool() -> std::sync::mpsc::Sender<()> {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    drop(taskcell_executor::spawn_blocking(move || {
        let _ = rx.recv();
    }));
    tx
}

/// Polls `fut` once with a waker that does nothing.
fn poll_once<F: Future>(fut: F) -> Poll<F::Output> {
    let mut fut = pin!(fut);
    fut.as_mut().poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn whole_file_functions_round_trip() {
    let dir = TempDir::new("whole");
    let rt = multi_thread();
    run(&rt, async {
        let path = dir.join("data");
        fs::write(&path, b"first, longer").await.unwrap();
        fs::write(&path, "second").await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"second");
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "second");
        assert_eq!(std::fs::read(&path).unwrap(), b"second");

        let copy = dir.join("copy");
        assert_eq!(fs::copy(&path, &copy).await.unwrap(), 6);
        assert_eq!(std::fs::read(&copy).unwrap(), b"second");

        let moved = dir.join("moved");
        fs::rename(&copy, &moved).await.unwrap();
        assert!(!copy.exists());
        assert_eq!(std::fs::read(&moved).unwrap(), b"second");

        assert!(fs::try_exists(&moved).await.unwrap());
        fs::remove_file(&moved).await.unwrap();
        assert!(!fs::try_exists(&moved).await.unwrap());
        assert!(!moved.exists());
    });
}

#[test]
fn directory_functions_round_trip() {
    let dir = TempDir::new("dirs");
    let rt = multi_thread();
    run(&rt, async {
        let one = dir.join("one");
        fs::create_dir(&one).await.unwrap();
        assert!(std::fs::metadata(&one).unwrap().is_dir());

        let deep = dir.join("a/b/c");
        fs::create_dir_all(&deep).await.unwrap();
        fs::create_dir_all(&deep).await.unwrap(); // exists: no error
        assert!(deep.is_dir());

        fs::remove_dir(&one).await.unwrap();
        assert!(!one.exists());

        std::fs::write(deep.join("file"), "x").unwrap();
        fs::remove_dir_all(dir.join("a")).await.unwrap();
        assert!(!dir.join("a").exists());

        let built = dir.join("x/y");
        DirBuilder::new()
            .recursive(true)
            .create(&built)
            .await
            .unwrap();
        assert!(built.is_dir());
        let err = DirBuilder::new().create(&built).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        DirBuilder::new()
            .recursive(true)
            .create(&built)
            .await
            .unwrap();
    });
}

#[cfg(unix)]
#[test]
fn dir_builder_mode_applies() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TempDir::new("mode");
    let rt = multi_thread();
    run(&rt, async {
        let private = dir.join("private");
        DirBuilder::new()
            .mode(0o700)
            .create(&private)
            .await
            .unwrap();
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);

        let file = dir.join("file");
        OpenOptions::new()
            .write(true)
            .create(true)
            .mode(0o640)
            .open(&file)
            .await
            .unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    });
}

#[cfg(unix)]
#[test]
fn link_functions_round_trip() {
    use std::os::unix::fs::MetadataExt;

    let dir = TempDir::new("links");
    let rt = multi_thread();
    run(&rt, async {
        let original = dir.join("original");
        std::fs::write(&original, "before").unwrap();

        let hard = dir.join("hard");
        fs::hard_link(&original, &hard).await.unwrap();
        assert_eq!(
            std::fs::metadata(&hard).unwrap().ino(),
            std::fs::metadata(&original).unwrap().ino()
        );
        assert_eq!(
            fs::read_link(&hard).await.unwrap_err().kind(),
            ErrorKind::InvalidInput,
            "a hard link is no symbolic link"
        );

        let soft = dir.join("soft");
        fs::symlink(&original, &soft).await.unwrap();
        assert_eq!(fs::read_link(&soft).await.unwrap(), original);
        assert!(fs::symlink_metadata(&soft)
            .await
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(fs::metadata(&soft).await.unwrap().is_file());
        assert_eq!(
            fs::canonicalize(&soft).await.unwrap(),
            std::fs::canonicalize(&original).unwrap()
        );
        let roundabout = dir
            .0
            .join("..")
            .join(dir.0.file_name().unwrap())
            .join("soft");
        assert_eq!(
            fs::canonicalize(&roundabout).await.unwrap(),
            std::fs::canonicalize(&original).unwrap()
        );

        std::fs::write(&original, "after").unwrap();
        assert_eq!(fs::read_to_string(&hard).await.unwrap(), "after");
        assert_eq!(fs::read_to_string(&soft).await.unwrap(), "after");
    });
}

#[test]
fn metadata_and_permissions_round_trip() {
    let dir = TempDir::new("meta");
    let rt = multi_thread();
    run(&rt, async {
        let path = dir.join("file");
        std::fs::write(&path, "12345").unwrap();
        let meta = fs::metadata(&path).await.unwrap();
        assert!(meta.is_file());
        assert_eq!(meta.len(), 5);
        assert!(fs::metadata(&dir.0).await.unwrap().is_dir());
        assert!(fs::symlink_metadata(&path).await.unwrap().is_file());

        let original = meta.permissions();
        assert!(!original.readonly());
        let mut perms = original.clone();
        perms.set_readonly(true);
        fs::set_permissions(&path, perms).await.unwrap();
        assert!(std::fs::metadata(&path).unwrap().permissions().readonly());

        // A file's own methods.
        let file = File::open(&path).await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 5);
        file.set_permissions(original).await.unwrap();
        assert!(!std::fs::metadata(&path).unwrap().permissions().readonly());
    });
}

#[test]
fn errors_keep_their_kind() {
    let dir = TempDir::new("errors");
    let rt = multi_thread();
    run(&rt, async {
        let missing = dir.join("missing");
        let existing = dir.join("existing");
        std::fs::write(&existing, [0xff, 0xfe]).unwrap();
        let not_found = [
            ("read", fs::read(&missing).await.map(drop)),
            (
                "read_to_string",
                fs::read_to_string(&missing).await.map(drop),
            ),
            ("File::open", File::open(&missing).await.map(drop)),
            (
                "OpenOptions::open",
                OpenOptions::new()
                    .write(true)
                    .open(&missing)
                    .await
                    .map(drop),
            ),
            ("metadata", fs::metadata(&missing).await.map(drop)),
            (
                "symlink_metadata",
                fs::symlink_metadata(&missing).await.map(drop),
            ),
            ("canonicalize", fs::canonicalize(&missing).await.map(drop)),
            ("read_link", fs::read_link(&missing).await.map(drop)),
            ("read_dir", fs::read_dir(&missing).await.map(drop)),
            ("remove_file", fs::remove_file(&missing).await),
            ("remove_dir", fs::remove_dir(&missing).await),
            ("remove_dir_all", fs::remove_dir_all(&missing).await),
            ("rename", fs::rename(&missing, dir.join("x")).await),
            ("copy", fs::copy(&missing, dir.join("y")).await.map(drop)),
            ("hard_link", fs::hard_link(&missing, dir.join("z")).await),
            (
                "set_permissions",
                fs::set_permissions(
                    &missing,
                    std::fs::metadata(&existing).unwrap().permissions(),
                )
                .await,
            ),
            ("create_dir", fs::create_dir(missing.join("child")).await),
        ];
        for (what, res) in not_found {
            assert_eq!(res.unwrap_err().kind(), ErrorKind::NotFound, "{what}");
        }

        let already = [
            ("create_dir", fs::create_dir(&dir.0).await.map(drop)),
            ("create_new", File::create_new(&existing).await.map(drop)),
            ("hard_link", fs::hard_link(&existing, &existing).await),
        ];
        for (what, res) in already {
            assert_eq!(res.unwrap_err().kind(), ErrorKind::AlreadyExists, "{what}");
        }

        let err = fs::read_to_string(&existing).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData, "not UTF-8");
        let err = OpenOptions::new().open(&existing).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "no access mode");
        std::fs::create_dir(dir.join("full")).unwrap();
        std::fs::write(dir.join("full/file"), "").unwrap();
        let err = fs::remove_dir(dir.join("full")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DirectoryNotEmpty);
    });
}

#[test]
fn file_write_then_read_with_seek() {
    let dir = TempDir::new("seek");
    let rt = multi_thread();
    run(&rt, async {
        let path = dir.join("file");
        let mut file = File::create_new(&path).await.unwrap();
        file.write_all(b"hello world").await.unwrap();
        // The read waits for the write, then reads where it left off.
        let mut rest = Vec::new();
        assert_eq!(file.read_to_end(&mut rest).await.unwrap(), 0);

        assert_eq!(file.seek(SeekFrom::Start(6)).await.unwrap(), 6);
        let mut word = String::new();
        file.read_to_string(&mut word).await.unwrap();
        assert_eq!(word, "world");

        assert_eq!(file.seek(SeekFrom::Current(-5)).await.unwrap(), 6);
        file.write_all(b"WORLD").await.unwrap();
        assert_eq!(file.seek(SeekFrom::End(-11)).await.unwrap(), 0);
        let mut all = String::new();
        file.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "hello WORLD");

        // A seek before the start fails, and the file stays usable.
        let err = file.seek(SeekFrom::Current(-100)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(file.seek(SeekFrom::Start(0)).await.unwrap(), 0);
        let mut first = [0; 5];
        file.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"hello");

        // An empty read completes at once and is no end of file.
        assert!(matches!(poll_once(file.read(&mut [])), Poll::Ready(Ok(0))));
        let mut next = [0; 6];
        file.read_exact(&mut next).await.unwrap();
        assert_eq!(&next, b" WORLD");
    });
}

/// A read given up after it started leaves its bytes in the buffer: the
/// next read gets them, and a seek or write first gives back those not
/// read, so positions stay where the reader is.
#[test]
fn read_ahead_is_given_back() {
    let dir = TempDir::new("readahead");
    let rt = one_blocking_thread();
    run(&rt, async {
        let path = dir.join("file");
        std::fs::write(&path, "0123456789").unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();

        // A 10-byte read, started and then abandoned.
        let mut big = [0; 10];
        let hold = hold_pool();
        assert!(poll_once(file.read(&mut big)).is_pending());
        drop(hold);
        // The next, smaller read gets the first bytes: nothing lost.
        let mut small = [0; 3];
        assert_eq!(file.read(&mut small).await.unwrap(), 3);
        assert_eq!(&small, b"012");
        // Seven bytes are buffered: the next read takes from them.
        assert_eq!(file.read(&mut small).await.unwrap(), 3);
        assert_eq!(&small, b"345");
        // Four are left; the logical position is 6.
        assert_eq!(file.stream_position().await.unwrap(), 6);
        assert_eq!(file.read(&mut small).await.unwrap(), 3);
        assert_eq!(&small, b"678");

        // Again, then a write: it lands at the reader's position.
        file.seek(SeekFrom::Start(0)).await.unwrap();
        let hold = hold_pool();
        assert!(poll_once(file.read(&mut big)).is_pending());
        drop(hold);
        assert_eq!(file.read(&mut small).await.unwrap(), 3);
        file.write_all(b"abc").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "012abc6789");

        // And before `set_len`, which leaves the cursor where it was.
        file.seek(SeekFrom::Start(0)).await.unwrap();
        let hold = hold_pool();
        assert!(poll_once(file.read(&mut big)).is_pending());
        drop(hold);
        assert_eq!(file.read(&mut small).await.unwrap(), 3);
        file.set_len(8).await.unwrap();
        let mut rest = String::new();
        file.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "abc67");
    });
}

#[test]
fn write_without_flush_lands_after_drop() {
    let dir = TempDir::new("dropwrite");
    let data = pattern(300_000, 7);
    let rt = multi_thread();

    // Dropped with its write in flight: the write finishes on the pool.
    let path = dir.join("dropped");
    let written = data.clone();
    run(&rt, async {
        let mut file = File::create(&path).await.unwrap();
        file.write_all(&written).await.unwrap();
        drop(file);
    });
    assert!(
        common::wait_until(LIMIT, || std::fs::read(&path).ok().as_ref() == Some(&data)),
        "the dropped file's write never landed"
    );

    // Dropped, then the runtime dropped at once: its drop waits for the
    // write.
    let path = dir.join("runtime-dropped");
    let written = data.clone();
    run(&rt, async {
        let mut file = File::create(&path).await.unwrap();
        file.write_all(&written).await.unwrap();
    });
    drop(rt);
    assert_eq!(std::fs::read(&path).unwrap(), data);
}

#[test]
fn large_write_is_cut_at_max_buf_size() {
    let dir = TempDir::new("large");
    let rt = multi_thread();
    run(&rt, async {
        // The default: 2 MiB per trip.
        let data = pattern(5 * 1024 * 1024 + 123, 1);
        let path = dir.join("default");
        let mut file = File::create(&path).await.unwrap();
        assert_eq!(file.max_buf_size(), 2 * 1024 * 1024);
        assert_eq!(file.write(&data).await.unwrap(), 2 * 1024 * 1024);
        file.write_all(&data[2 * 1024 * 1024..]).await.unwrap();
        file.flush().await.unwrap();
        assert!(std::fs::read(&path).unwrap() == data, "contents differ");

        let mut file = File::open(&path).await.unwrap();
        let mut big = vec![0; 3 * 1024 * 1024];
        assert_eq!(file.read(&mut big).await.unwrap(), 2 * 1024 * 1024);
        assert!(big[..2 * 1024 * 1024] == data[..2 * 1024 * 1024]);

        // A small one: many trips, in order.
        let data = pattern(100_000, 2);
        let path = dir.join("small");
        let mut file = File::create(&path).await.unwrap();
        file.set_max_buf_size(1000);
        assert_eq!(file.write(&data).await.unwrap(), 1000);
        file.write_all(&data[1000..]).await.unwrap();
        file.flush().await.unwrap();
        assert!(std::fs::read(&path).unwrap() == data, "contents differ");

        let mut file = File::open(&path).await.unwrap();
        file.set_max_buf_size(1000);
        let mut chunk = [0; 4096];
        assert_eq!(file.read(&mut chunk).await.unwrap(), 1000);
        let mut back = chunk[..1000].to_vec();
        file.read_to_end(&mut back).await.unwrap();
        assert!(back == data, "contents read back differ");

        // A clone keeps the size.
        assert_eq!(file.try_clone().await.unwrap().max_buf_size(), 1000);
    });
}

#[test]
fn vectored_writes_take_every_slice() {
    let dir = TempDir::new("vectored");
    let rt = multi_thread();
    run(&rt, async {
        let path = dir.join("file");
        let mut file = File::create(&path).await.unwrap();
        let slices = [
            std::io::IoSlice::new(b"one "),
            std::io::IoSlice::new(b""),
            std::io::IoSlice::new(b"two"),
        ];
        assert_eq!(file.write_vectored(&slices).await.unwrap(), 7);
        file.shutdown().await.unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one two");
    });
}

#[test]
fn files_are_used_across_tasks_on_a_multi_thread_runtime() {
    let dir = Arc::new(TempDir::new("concurrent"));
    let rt = multi_thread();
    run(&rt, async {
        // Each task its own file, written in pieces with yields between
        // (so tasks move between workers), then read back.
        let tasks: Vec<_> = (0..16u8)
            .map(|n| {
                let dir = Arc::clone(&dir);
                taskcell_executor::spawn(async move {
                    let data = pattern(64 * 1024 + usize::from(n), n);
                    let mut file = File::create_new(dir.join(&format!("f{n}"))).await.unwrap();
                    file.set_max_buf_size(4096);
                    for piece in data.chunks(10_000) {
                        file.write_all(piece).await.unwrap();
                        taskcell_executor::yield_now().await;
                    }
                    file.seek(SeekFrom::Start(0)).await.unwrap();
                    let mut back = Vec::new();
                    file.read_to_end(&mut back).await.unwrap();
                    assert!(back == data, "task {n} read back other bytes");
                    n
                })
            })
            .collect();
        for (n, task) in tasks.into_iter().enumerate() {
            assert_eq!(usize::from(task.await.unwrap()), n);
        }

        // A file whose write is in flight, handed to another task that
        // flushes it.
        let path = dir.join("handed");
        let writer = taskcell_executor::spawn({
            let path = path.clone();
            async move {
                let mut file = File::create(&path).await.unwrap();
                file.write_all(b"handed over").await.unwrap();
                file
            }
        });
        let mut file = writer.await.unwrap();
        taskcell_executor::spawn(async move { file.flush().await.unwrap() })
            .await
            .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "handed over");

        // One file shared by many tasks through `&self`: the calls that
        // wait for the operation in flight take turns.
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(dir.join("shared"))
            .await
            .unwrap();
        file.write_all(&pattern(50_000, 3)).await.unwrap();
        let file = Arc::new(file);
        let tasks: Vec<_> = (0..32u64)
            .map(|n| {
                let file = Arc::clone(&file);
                taskcell_executor::spawn(async move {
                    match n % 4 {
                        0 => file.sync_all().await.unwrap(),
                        1 => file.sync_data().await.unwrap(),
                        2 => file.set_len(1000 + n).await.unwrap(),
                        _ => drop(file.try_clone().await.unwrap()),
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let len = file.metadata().await.unwrap().len();
        assert!((1000..1032).contains(&len), "length {len}");
    });
}

#[test]
fn file_works_on_a_current_thread_runtime() {
    let dir = TempDir::new("current");
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    run(&rt, async {
        let path = dir.join("file");
        let mut file = File::create_new(&path).await.unwrap();
        file.write_all(b"current thread").await.unwrap();
        file.seek(SeekFrom::Start(0)).await.unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "current thread");
        assert_eq!(fs::read(&path).await.unwrap(), b"current thread");
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        let entry = entries.next_entry().await.unwrap().unwrap();
        assert_eq!(entry.file_name(), "file");
        assert!(entries.next_entry().await.unwrap().is_none());
    });
}

#[test]
fn read_dir_lists_exactly_the_entries() {
    let dir = TempDir::new("list");
    let rt = multi_thread();
    // More than two of the pool's 32-entry chunks.
    let mut expected = BTreeSet::new();
    for i in 0..70 {
        let name = format!("file{i:02}");
        std::fs::write(dir.join(&name), vec![b'x'; i]).unwrap();
        expected.insert(name);
    }
    for sub in ["sub1", "sub2"] {
        std::fs::create_dir(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("hidden"), "").unwrap();
        expected.insert(sub.to_owned());
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("file00", dir.join("link")).unwrap();
        expected.insert("link".to_owned());
    }
    run(&rt, async {
        let mut seen = BTreeSet::new();
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            let name = entry.file_name().into_string().unwrap();
            assert_eq!(entry.path(), dir.join(&name));
            // Linux lists the type with the entry: no trip to the pool.
            #[cfg(target_os = "linux")]
            assert!(matches!(poll_once(entry.file_type()), Poll::Ready(Ok(_))));
            let file_type = entry.file_type().await.unwrap();
            let meta = entry.metadata().await.unwrap();
            assert_eq!(file_type, meta.file_type(), "{name}");
            if let Some(i) = name.strip_prefix("file") {
                assert!(file_type.is_file());
                assert_eq!(meta.len(), i.parse::<u64>().unwrap());
            } else if name.starts_with("sub") {
                assert!(file_type.is_dir());
            } else {
                assert!(file_type.is_symlink(), "{name}");
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                assert_eq!(entry.ino(), meta.ino(), "{name}");
            }
            assert!(seen.insert(name), "listed twice");
        }
        assert_eq!(seen, expected);
        // The end stays the end.
        assert!(entries.next_entry().await.unwrap().is_none());

        // An empty directory.
        let mut entries = fs::read_dir(dir.join("sub1")).await.unwrap();
        let only = entries.next_entry().await.unwrap().unwrap();
        assert_eq!(only.file_name(), "hidden");
        assert!(entries.next_entry().await.unwrap().is_none());
        std::fs::remove_file(only.path()).unwrap();
        let mut entries = fs::read_dir(dir.join("sub1")).await.unwrap();
        assert!(entries.next_entry().await.unwrap().is_none());
    });
}

/// A write's error is reported by the next flush (once), not lost: here
/// the file is open read-only, so the background write fails.
#[test]
fn background_write_error_surfaces_on_flush() {
    let dir = TempDir::new("writeerr");
    let path = dir.join("file");
    std::fs::write(&path, "read only").unwrap();
    let rt = multi_thread();
    run(&rt, async {
        let mut file = File::open(&path).await.unwrap();
        // Accepted into the buffer: the failure comes later.
        assert_eq!(file.write(b"x").await.unwrap(), 1);
        let err = file.flush().await.unwrap_err();
        assert_ne!(
            err.kind(),
            ErrorKind::Other,
            "the OS error, not ours: {err}"
        );
        file.flush().await.unwrap();

        // Found by a read, which goes on; the next write reports it.
        assert_eq!(file.write(b"x").await.unwrap(), 1);
        let mut text = String::new();
        file.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "read only");
        file.write(b"y").await.unwrap_err();

        // Found by a seek: the next flush reports it.
        file.write_all(b"x").await.unwrap();
        file.seek(SeekFrom::Start(0)).await.unwrap();
        file.flush().await.unwrap_err();

        // `sync_all` and `sync_data` report it too.
        file.write_all(b"x").await.unwrap();
        file.sync_all().await.unwrap_err();
        file.write_all(b"x").await.unwrap();
        file.sync_data().await.unwrap_err();
        file.flush().await.unwrap();
    });
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "read only");
}

#[test]
fn into_std_waits_and_try_into_std_refuses_while_busy() {
    let dir = TempDir::new("intostd");
    let rt = one_blocking_thread();
    run(&rt, async {
        let path = dir.join("file");
        let mut file = File::create(&path).await.unwrap();
        let hold = hold_pool();
        file.write_all(&pattern(1 << 20, 4)).await.unwrap();
        // The write, queued, holds the file.
        let file = match file.try_into_std() {
            Ok(_) => panic!("taken while a write was in flight"),
            Err(file) => file,
        };
        drop(hold);
        let std_file = file.into_std().await;
        assert_eq!(std_file.metadata().unwrap().len(), 1 << 20);

        let mut file = File::from(std_file);
        file.flush().await.unwrap();
        let std_file = file.try_into_std().expect("nothing in flight");

        // A `metadata` call abandoned while queued still holds the file:
        // `into_std` gives back a duplicate, which works.
        let file = File::from(std_file);
        let hold = hold_pool();
        assert!(poll_once(file.metadata()).is_pending());
        let file = match file.try_into_std() {
            Ok(_) => panic!("taken while `metadata` held it"),
            Err(file) => file,
        };
        let std_file = file.into_std().await;
        drop(hold);
        assert_eq!(std_file.metadata().unwrap().len(), 1 << 20);
    });
}

#[test]
fn open_options_show_in_debug() {
    // tokio's tests read the options back through `Debug`.
    let mut options = OpenOptions::new();
    options.write(true).append(true).create_new(true);
    let shown = format!("{options:?}");
    for field in [
        "write: true",
        "append: true",
        "create_new: true",
        "read: false",
    ] {
        assert!(shown.contains(field), "{shown}");
    }
    #[cfg(unix)]
    {
        let shown = format!("{:?}", OpenOptions::new().mode(0o644));
        assert!(
            shown.contains("mode: 420") || shown.contains("mode: 0o000644"),
            "{shown}"
        );
    }
}

#[test]
fn outside_a_runtime_calls_panic_with_tokios_message() {
    common::quiet_expected_panics();
    let dir = TempDir::new("outside");
    let path = dir.join("file");
    std::fs::write(&path, "x").unwrap();

    let message = |f: &mut dyn FnMut()| -> String {
        let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("no panic");
        common::payload_str(&*payload).unwrap().to_owned()
    };
    let tokio = "there is no reactor running, must be called from the context of a Tokio 1.x \
                 runtime";

    let msg = message(&mut || drop(poll_once(fs::read(&path))));
    assert!(
        msg.starts_with(tokio) && msg.contains("`fs::read`"),
        "{msg}"
    );
    let msg = message(&mut || drop(poll_once(File::open(&path))));
    assert!(
        msg.starts_with(tokio) && msg.contains("OpenOptions::open"),
        "{msg}"
    );

    let mut file = File::from_std(std::fs::File::open(&path).unwrap());
    let msg = message(&mut || drop(poll_once(file.read(&mut [0; 4]))));
    assert!(
        msg.starts_with(tokio) && msg.contains("File::poll_read"),
        "{msg}"
    );
    let msg = message(&mut || drop(poll_once(file.seek(SeekFrom::Start(0)))));
    assert!(msg.starts_with(tokio) && msg.contains("seek"), "{msg}");
    // Nothing in flight: a flush needs no runtime.
    assert!(matches!(poll_once(file.flush()), Poll::Ready(Ok(()))));
}

/// A runtime shut down: each call fails with tokio's error, at once, and
/// the file stays usable (no panic on the next call), as tokio's
/// `fs_file_join_error`.
#[test]
fn shut_down_runtime_fails_calls_with_background_task_failed() {
    let dir = TempDir::new("shutdown");
    let path = dir.join("file");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let rt = multi_thread();
    let handle = rt.handle().clone();
    rt.shutdown_timeout(Duration::from_secs(0));
    let _enter = handle.enter();

    let is_background_failed = |err: std::io::Error| {
        err.kind() == ErrorKind::Other
            && err.get_ref().map(ToString::to_string).as_deref() == Some("background task failed")
    };
    let err = handle
        .block_on(fs::read_to_string(&path))
        .expect_err("read on a dead pool");
    assert!(is_background_failed(err));

    let open = || {
        File::from_std(
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .unwrap(),
        )
    };
    for _ in 0..2 {
        let mut file = open();
        assert!(is_background_failed(
            handle.block_on(file.read(&mut [0; 8])).unwrap_err()
        ));
        assert!(is_background_failed(
            handle.block_on(file.read(&mut [0; 8])).unwrap_err()
        ));
        assert!(is_background_failed(
            handle.block_on(file.seek(SeekFrom::Start(0))).unwrap_err()
        ));
        assert!(is_background_failed(
            handle.block_on(file.write(b"z")).unwrap_err()
        ));
        handle.block_on(file.flush()).unwrap();
        assert!(is_background_failed(
            handle.block_on(file.set_len(0)).unwrap_err()
        ));
        assert!(is_background_failed(
            handle.block_on(file.sync_all()).unwrap_err()
        ));
    }
    assert_eq!(std::fs::read(&path).unwrap(), vec![b'x'; 4096], "untouched");
}

/// A file whose operation is in flight when its runtime shuts down: the
/// next call gets the operation's outcome or the error, never a hang.
#[test]
fn operation_in_flight_when_the_runtime_shuts_down() {
    let dir = TempDir::new("inflight");
    let path = dir.join("file");
    let rt = multi_thread();
    let mut file = run(&rt, async {
        let mut file = File::create(&path).await.unwrap();
        file.write_all(&pattern(1 << 20, 9)).await.unwrap();
        file
    });
    drop(rt);
    // The write ran before the runtime's drop returned.
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 1 << 20);
    let rt = multi_thread();
    run(&rt, async {
        file.flush().await.unwrap();
        // Another runtime's pool serves the file now.
        file.write_all(b"more").await.unwrap();
        file.flush().await.unwrap();
    });
    assert_eq!(std::fs::metadata(&path).unwrap().len(), (1 << 20) + 4);
}

#[test]
fn path_is_owned_by_the_future() {
    // The futures are `Send` and `'static` given owned arguments: they
    // can be spawned.
    fn spawnable<F: Future + Send + 'static>(_: &F) {}
    let path: &'static Path = Path::new("/nonexistent");
    spawnable(&fs::read(path));
    spawnable(&fs::write(PathBuf::from("/x"), vec![1]));
    spawnable(&File::open(path));
    spawnable(&fs::read_dir(path));
}

#[test]
fn tokio_traits_read_write_and_seek() {
    let dir = TempDir::new("tokio");
    let rt = multi_thread();
    run(&rt, async {
        let path = dir.join("file");
        let mut file = File::create_new(&path).await.unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut file, b"tokio traits")
            .await
            .unwrap();
        assert_eq!(
            tokio::io::AsyncSeekExt::seek(&mut file, SeekFrom::Start(6))
                .await
                .unwrap(),
            6
        );
        let mut text = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut file, &mut text)
            .await
            .unwrap();
        assert_eq!(text, "traits");
        tokio::io::AsyncSeekExt::rewind(&mut file).await.unwrap();
        assert_eq!(
            tokio::io::AsyncSeekExt::stream_position(&mut file)
                .await
                .unwrap(),
            0
        );
        tokio::io::AsyncWriteExt::write_all(&mut file, b"TOKIO")
            .await
            .unwrap();
        // A seek may not start while the write is in flight.
        let err =
            tokio::io::AsyncSeek::start_seek(std::pin::Pin::new(&mut file), SeekFrom::Start(0))
                .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Other);
        tokio::io::AsyncWriteExt::shutdown(&mut file).await.unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "TOKIO traits");
    });
}

#[test]
#[should_panic(expected = "`max_buf_size` must be greater than 0")]
fn a_max_buf_size_of_zero_is_refused() {
    let dir = TempDir::new("zero-buf");
    let std = std::fs::File::create(dir.join("file")).unwrap();
    File::from_std(std).set_max_buf_size(0);
}

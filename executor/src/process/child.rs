//! [`Child`]: a spawned process, its pipes, and the wait for its exit.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::process::{ExitStatus, Output};
use std::task::{ready, Poll};

use tokio::io::AsyncReadExt;

use super::reap::Reaper;
use super::stdio::{ChildStderr, ChildStdin, ChildStdout};

/// A child process spawned by [`Command::spawn`](super::Command::spawn),
/// as tokio's `process::Child`.
///
/// [`wait`](Child::wait) waits for its exit on the runtime (see the
/// [module docs](super) for how it is noticed). A `Child` dropped before
/// its process was reaped does not leave a zombie: the process goes on
/// running (unless [`kill_on_drop`](super::Command::kill_on_drop) was set,
/// when it is sent `SIGKILL`), and is reaped in the background once it
/// ends.
///
/// ```
/// use taskcell_executor::process::Command;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut child = Command::new("sleep").arg("0").spawn().unwrap();
///     assert!(child.id().is_some());
///     assert!(child.wait().await.unwrap().success());
///     assert_eq!(child.id(), None, "reaped");
/// });
/// ```
pub struct Child {
    child: FusedChild,
    /// The parent's end of the child's standard input, if it was
    /// [`piped`](std::process::Stdio::piped) and has not been taken.
    pub stdin: Option<ChildStdin>,
    /// The parent's end of the child's standard output, if it was piped
    /// and has not been taken.
    pub stdout: Option<ChildStdout>,
    /// The parent's end of the child's standard error, if it was piped and
    /// has not been taken.
    pub stderr: Option<ChildStderr>,
}

/// The process, until it is reaped; then its exit status.
enum FusedChild {
    Running { reaper: Reaper, kill_on_drop: bool },
    Done(ExitStatus),
}

impl Child {
    /// A child with no pipes (yet).
    pub(crate) fn new(reaper: Reaper, kill_on_drop: bool) -> Child {
        Child {
            child: FusedChild::Running {
                reaper,
                kill_on_drop,
            },
            stdin: None,
            stdout: None,
            stderr: None,
        }
    }

    /// How the exit is noticed (the crate's own tests).
    #[cfg(test)]
    pub(crate) fn reaper(&self) -> Option<&Reaper> {
        match &self.child {
            FusedChild::Running { reaper, .. } => Some(reaper),
            FusedChild::Done(_) => None,
        }
    }

    /// The process id, or `None` once the process has been reaped (by
    /// [`wait`](Self::wait) or [`try_wait`](Self::try_wait)): the number
    /// may then belong to another process.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut child = Command::new("true").spawn().unwrap();
    ///     let pid = child.id().unwrap();
    ///     assert!(pid > 0);
    ///     child.wait().await.unwrap();
    ///     assert_eq!(child.id(), None);
    /// });
    /// ```
    pub fn id(&self) -> Option<u32> {
        match &self.child {
            FusedChild::Running { reaper, .. } => Some(reaper.id()),
            FusedChild::Done(_) => None,
        }
    }

    /// Sends `SIGKILL` to the process, without waiting for it to end
    /// (`wait` does). Once it has been reaped, does nothing.
    ///
    /// A killed child is no longer killed on drop.
    ///
    /// # Errors
    ///
    /// If the signal cannot be sent.
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    ///     child.start_kill().unwrap();
    ///     assert_eq!(child.wait().await.unwrap().signal(), Some(libc::SIGKILL));
    /// });
    /// ```
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.child {
            FusedChild::Running {
                reaper,
                kill_on_drop,
            } => {
                reaper.kill()?;
                *kill_on_drop = false;
                Ok(())
            }
            FusedChild::Done(_) => Ok(()),
        }
    }

    /// Sends `SIGKILL` to the process and waits for it to end:
    /// [`start_kill`](Self::start_kill), then [`wait`](Self::wait).
    ///
    /// # Errors
    ///
    /// As `start_kill` and `wait`.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    ///     child.kill().await.unwrap();
    ///     assert!(!child.wait().await.unwrap().success());
    /// });
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Waits for the process to end, reaps it, and returns its exit
    /// status; after that, returns the same status at once.
    ///
    /// First drops [`stdin`](Self::stdin), if still there, as tokio's: a
    /// child that reads its input to the end would otherwise never end.
    ///
    /// Cancel-safe: dropping the future loses nothing, and a later `wait`
    /// (or `try_wait`) picks up where it left off.
    ///
    /// A child may be waited for on another runtime than the one that
    /// spawned it: once that one has shut down, the runtime of the calling
    /// code watches the child instead, as in tokio.
    ///
    /// # Errors
    ///
    /// If the process cannot be waited for (someone else reaped it), or
    /// the runtime it was spawned on has shut down while it still runs and
    /// the caller is in no runtime (the runtime's shut-down error, see
    /// [`is_rt_shutdown_err`](crate::is_rt_shutdown_err)).
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
    ///     assert_eq!(child.wait().await.unwrap().code(), Some(3));
    /// });
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| {
            let (reaper, kill_on_drop) = match &mut self.child {
                FusedChild::Done(status) => return Poll::Ready(Ok(*status)),
                FusedChild::Running {
                    reaper,
                    kill_on_drop,
                } => (reaper, kill_on_drop),
            };
            // One unit of the task's budget per look, as tokio's.
            let coop = ready!(crate::coop::poll_proceed(cx));
            let status = ready!(reaper.poll_exit(cx));
            coop.made_progress();
            if let Ok(status) = status {
                *kill_on_drop = false;
                self.child = FusedChild::Done(status);
            }
            Poll::Ready(status)
        })
        .await
    }

    /// Reaps the process if it has ended, without waiting: its exit status,
    /// or `None` while it runs. After it has been reaped, returns the same
    /// status every time.
    ///
    /// Unlike [`wait`](Self::wait), leaves `stdin` alone.
    ///
    /// # Errors
    ///
    /// If the process cannot be waited for.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    ///     assert!(child.try_wait().unwrap().is_none());
    ///     child.kill().await.unwrap();
    ///     assert!(child.try_wait().unwrap().is_some());
    /// });
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.child {
            FusedChild::Done(status) => Ok(Some(*status)),
            FusedChild::Running { reaper, .. } => {
                let status = reaper.try_wait()?;
                if let Some(status) = status {
                    self.child = FusedChild::Done(status);
                }
                Ok(status)
            }
        }
    }

    /// Waits for the process to end while reading all of its standard
    /// output and standard error (those that are piped and not taken), and
    /// returns the three together. Both pipes are read at once with the
    /// wait, so a child that fills one of them never blocks.
    ///
    /// Drops `stdin` first, as [`wait`](Self::wait).
    ///
    /// # Errors
    ///
    /// As `wait`, and if reading a pipe fails.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    /// use std::process::Stdio;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let child = Command::new("sh")
    ///         .args(["-c", "echo out; echo err >&2"])
    ///         .stdout(Stdio::piped())
    ///         .stderr(Stdio::piped())
    ///         .spawn()
    ///         .unwrap();
    ///     let output = child.wait_with_output().await.unwrap();
    ///     assert_eq!((&output.stdout[..], &output.stderr[..]), (&b"out\n"[..], &b"err\n"[..]));
    /// });
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        async fn read_all(
            pipe: &mut Option<impl tokio::io::AsyncRead + Unpin>,
        ) -> io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            if let Some(pipe) = pipe {
                pipe.read_to_end(&mut bytes).await?;
            }
            Ok(bytes)
        }
        let mut stdout = self.stdout.take();
        let mut stderr = self.stderr.take();
        let (status, stdout_bytes, stderr_bytes) = futures_util::future::try_join3(
            self.wait(),
            read_all(&mut stdout),
            read_all(&mut stderr),
        )
        .await?;
        // The pipes close once all three are done, as tokio's.
        drop((stdout, stderr));
        Ok(Output {
            status,
            stdout: stdout_bytes,
            stderr: stderr_bytes,
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // Any status will do: the old value is what matters.
        let done = FusedChild::Done(ExitStatus::default());
        if let FusedChild::Running {
            mut reaper,
            kill_on_drop,
        } = std::mem::replace(&mut self.child, done)
        {
            if kill_on_drop {
                // An error: it has ended already.
                let _ = reaper.kill();
            }
            reaper.reap_in_background();
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Child");
        match &self.child {
            FusedChild::Running { reaper, .. } => d.field("pid", &reaper.id()),
            FusedChild::Done(status) => d.field("status", status),
        };
        d.field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}

//! Child processes on the runtime (Unix), as tokio's `process`: a
//! [`Command`] spawns a [`Child`], whose exit is awaited with
//! [`Child::wait`] and whose piped standard streams ([`ChildStdin`],
//! [`ChildStdout`], [`ChildStderr`]) are read and written without blocking
//! a worker.
//!
//! ```
//! use taskcell_executor::process::Command;
//!
//! let rt = taskcell_executor::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let output = Command::new("echo").arg("hello").output().await.unwrap();
//!     assert!(output.status.success());
//!     assert_eq!(output.stdout, b"hello\n");
//! });
//! ```
//!
//! # How an exit is noticed
//!
//! No worker ever blocks in `waitpid`. On Linux (5.3 and later) each child
//! gets a process descriptor (`pidfd_open(2)`), registered with the
//! runtime's I/O driver, which polls readable when the child ends; then a
//! non-blocking `waitpid` reaps it. Elsewhere, or where `pidfd_open` is
//! refused (`ENOSYS`, or `EPERM` under a seccomp filter), the runtime's own
//! `SIGCHLD` listener ([`signal`](crate::signal)) wakes every waiting child
//! to look again; that installs a process-wide `SIGCHLD` handler, as tokio
//! does.
//!
//! # Zombies
//!
//! A [`Child`] dropped before its process was reaped leaves no zombie: a
//! small task on its runtime (named `taskcell_executor::process::reap`, and
//! counted among the runtime's alive tasks while it waits) reaps the
//! process when it ends. With [`Command::kill_on_drop`], the process is
//! sent `SIGKILL` first. If the runtime shuts down before the process
//! ends, a helper thread (not a worker) looks for its end with
//! non-blocking `waitpid`s at growing intervals, up to one second, until
//! it has reaped it.
//!
//! # Compared with tokio
//!
//! - The pipes implement tokio's [`AsyncRead`](crate::io::AsyncRead)
//!   and [`AsyncWrite`](crate::io::AsyncWrite) (the `read_to_end`,
//!   `write_all`, … of [`io`](crate::io)), and futures-io's with the
//!   `futures-io` feature.
//!   As in tokio, `shutdown` (futures' `close`) on a [`ChildStdin`] does not close
//!   the pipe: dropping it does.
//! - The pipes convert into [`Stdio`] through `TryFrom` (so both
//!   `pipe.try_into()` and `Stdio::try_from(pipe)` work; tokio implements
//!   `TryInto` only).
//! - A dropped child is reaped by a task on its runtime rather than from a
//!   queue of orphans looked at on `SIGCHLD`.
//! - `Command` also has std's `get_program`, `get_args`, `get_envs` and
//!   `get_current_dir`. tokio's Windows-only methods, and its unstable
//!   `spawn_with`, are not here.
//!
//! Spawning needs a runtime with I/O enabled ([`Runtime::new`] or
//! [`Builder::enable_io`]): elsewhere it panics with a message that says
//! so, as tokio's does.
//!
//! [`Runtime::new`]: crate::Runtime::new
//! [`Builder::enable_io`]: crate::Builder::enable_io

mod child;
mod orphan;
#[cfg(target_os = "linux")]
mod pidfd;
mod reap;
mod stdio;
#[cfg(test)]
mod tests;

pub use self::child::Child;
pub use self::stdio::{ChildStderr, ChildStdin, ChildStdout};

use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child as StdChild, Command as StdCommand, CommandArgs, CommandEnvs};
use std::process::{ExitStatus, Output, Stdio};

use self::reap::Reaper;
use crate::scheduler::Handle;

/// A builder for a child process, as tokio's `process::Command`: the
/// standard library's [`std::process::Command`] with an asynchronous
/// [`spawn`](Command::spawn), [`status`](Command::status) and
/// [`output`](Command::output), and [`kill_on_drop`](Command::kill_on_drop).
///
/// The builder methods are std's, returning `&mut Command`; see std for
/// their details.
///
/// ```
/// use taskcell_executor::process::Command;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let status = Command::new("sh")
///         .arg("-c")
///         .arg("test \"$GREETING\" = hi")
///         .env("GREETING", "hi")
///         .status()
///         .await
///         .unwrap();
///     assert!(status.success());
/// });
/// ```
#[derive(Debug)]
pub struct Command {
    std: StdCommand,
    kill_on_drop: bool,
}

impl Command {
    /// A command that runs `program` (looked up in `PATH` when it has no
    /// `/`), with no arguments, the parent's environment and working
    /// directory, and inherited standard streams (piped ones for
    /// [`output`](Self::output)).
    ///
    /// ```
    /// let command = taskcell_executor::process::Command::new("ls");
    /// assert_eq!(command.get_program(), "ls");
    /// ```
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(StdCommand::new(program))
    }

    /// The standard library's command inside.
    ///
    /// ```
    /// let mut command = taskcell_executor::process::Command::new("ls");
    /// command.arg("-l");
    /// assert_eq!(command.as_std().get_args().collect::<Vec<_>>(), ["-l"]);
    /// ```
    pub fn as_std(&self) -> &StdCommand {
        &self.std
    }

    /// The standard library's command inside, to change it.
    ///
    /// ```
    /// let mut command = taskcell_executor::process::Command::new("ls");
    /// command.as_std_mut().arg("-a");
    /// assert_eq!(command.get_args().collect::<Vec<_>>(), ["-a"]);
    /// ```
    pub fn as_std_mut(&mut self) -> &mut StdCommand {
        &mut self.std
    }

    /// The standard library's command inside; `kill_on_drop` is lost.
    ///
    /// ```
    /// let std = taskcell_executor::process::Command::new("ls").into_std();
    /// assert_eq!(std.get_program(), "ls");
    /// ```
    pub fn into_std(self) -> StdCommand {
        self.std
    }

    /// Adds one argument.
    ///
    /// ```
    /// let mut command = taskcell_executor::process::Command::new("ls");
    /// command.arg("-l").arg("/");
    /// assert_eq!(command.get_args().collect::<Vec<_>>(), ["-l", "/"]);
    /// ```
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// ```
    /// let mut command = taskcell_executor::process::Command::new("ls");
    /// command.args(["-l", "/"]);
    /// assert_eq!(command.get_args().count(), 2);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// ```
    /// use std::ffi::OsStr;
    ///
    /// let mut command = taskcell_executor::process::Command::new("env");
    /// command.env("KEY", "value");
    /// let envs: Vec<_> = command.get_envs().collect();
    /// assert_eq!(envs, [(OsStr::new("KEY"), Some(OsStr::new("value")))]);
    /// ```
    pub fn env<K, V>(&mut self, key: K, val: V) -> &mut Command
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.env(key, val);
        self
    }

    /// Sets environment variables for the child.
    ///
    /// ```
    /// let mut command = taskcell_executor::process::Command::new("env");
    /// command.envs([("A", "1"), ("B", "2")]);
    /// assert_eq!(command.get_envs().count(), 2);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    ///
    /// ```
    /// use std::ffi::OsStr;
    ///
    /// let mut command = taskcell_executor::process::Command::new("env");
    /// command.env_remove("HOME");
    /// let envs: Vec<_> = command.get_envs().collect();
    /// assert_eq!(envs, [(OsStr::new("HOME"), None)]);
    /// ```
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` and
    /// `envs` add).
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let out = Command::new("/usr/bin/env").env_clear().env("ONLY", "1").output().await.unwrap();
    ///     assert_eq!(out.stdout, b"ONLY=1\n");
    /// });
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let out = Command::new("pwd").current_dir("/").output().await.unwrap();
    ///     assert_eq!(out.stdout, b"/\n");
    /// });
    /// ```
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's standard input: inherited by default (for
    /// [`spawn`](Self::spawn) and [`status`](Self::status); `output` too),
    /// [`Stdio::piped`] for a [`ChildStdin`], [`Stdio::null`], or a file or
    /// another child's pipe.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    /// use std::process::Stdio;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let out = Command::new("cat").stdin(Stdio::null()).output().await.unwrap();
    ///     assert!(out.stdout.is_empty());
    /// });
    /// ```
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// Sets the child's standard output: inherited by default for `spawn`
    /// and `status`, piped for [`output`](Self::output) (which overrides
    /// this setting); [`Stdio::piped`] gives a [`ChildStdout`].
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    /// use std::process::Stdio;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut child = Command::new("true").stdout(Stdio::piped()).spawn().unwrap();
    ///     assert!(child.stdout.is_some());
    ///     child.wait().await.unwrap();
    /// });
    /// ```
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Sets the child's standard error; as [`stdout`](Self::stdout).
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    /// use std::process::Stdio;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let status = Command::new("sh").args(["-c", "echo hidden >&2"]).stderr(Stdio::null()).status().await;
    ///     assert!(status.unwrap().success());
    /// });
    /// ```
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether a [`Child`] dropped while its process still runs sends the
    /// process `SIGKILL` (off by default: the process runs on, and is
    /// reaped in the background once it ends). Either way, the process is
    /// reaped: no zombie is left.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let child = Command::new("sleep").arg("30").kill_on_drop(true).spawn().unwrap();
    ///     drop(child); // killed, then reaped by a task of the runtime
    /// });
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Whether children of this command are killed on drop; see
    /// [`kill_on_drop`](Self::kill_on_drop).
    ///
    /// ```
    /// let mut command = taskcell_executor::process::Command::new("ls");
    /// assert!(!command.get_kill_on_drop());
    /// assert!(command.kill_on_drop(true).get_kill_on_drop());
    /// ```
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// Sets the child's user id (`setuid` before `exec`).
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     // SAFETY: `getuid` has no preconditions.
    ///     let me = unsafe { libc::getuid() };
    ///     let out = Command::new("id").arg("-u").uid(me).output().await.unwrap();
    ///     assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), me.to_string());
    /// });
    /// ```
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Sets the child's group id (`setgid` before `exec`).
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     // SAFETY: `getgid` has no preconditions.
    ///     let me = unsafe { libc::getgid() };
    ///     let out = Command::new("id").arg("-g").gid(me).output().await.unwrap();
    ///     assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), me.to_string());
    /// });
    /// ```
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Sets the name the child sees as its `argv[0]` (the program run is
    /// still the one given to [`new`](Self::new)).
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let out = Command::new("sh").arg0("renamed").args(["-c", "echo $0"]).output().await.unwrap();
    ///     assert_eq!(out.stdout, b"renamed\n");
    /// });
    /// ```
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Runs `f` in the child after `fork` and before `exec`; see
    /// [`std::os::unix::process::CommandExt::pre_exec`].
    ///
    /// # Safety
    ///
    /// std's: `f` runs in a forked copy of a multi-threaded process, so it
    /// may only do what is async-signal-safe (no allocation, no lock), and
    /// must not touch what the parent's other threads may have held.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut command = Command::new("true");
    ///     // SAFETY: the closure does nothing, which is async-signal-safe.
    ///     unsafe { command.pre_exec(|| Ok(())) };
    ///     assert!(command.status().await.unwrap().success());
    /// });
    /// ```
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds `pre_exec`'s contract, which is std's
        // (this function's `# Safety`).
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// Puts the child in process group `pgroup` (`setpgid`; 0 makes a new
    /// group led by the child).
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut child = Command::new("sleep").arg("30").process_group(0).spawn().unwrap();
    ///     let pid = child.id().unwrap() as libc::pid_t;
    ///     // SAFETY: `getpgid` has no preconditions.
    ///     assert_eq!(unsafe { libc::getpgid(pid) }, pid);
    ///     child.kill().await.unwrap();
    /// });
    /// ```
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// The program, as given to [`new`](Self::new) (std's; not in tokio).
    ///
    /// ```
    /// assert_eq!(taskcell_executor::process::Command::new("ls").get_program(), "ls");
    /// ```
    pub fn get_program(&self) -> &OsStr {
        self.std.get_program()
    }

    /// The arguments, without the program (std's; not in tokio).
    ///
    /// ```
    /// let mut command = taskcell_executor::process::Command::new("ls");
    /// command.args(["-l", "/"]);
    /// assert_eq!(command.get_args().collect::<Vec<_>>(), ["-l", "/"]);
    /// ```
    pub fn get_args(&self) -> CommandArgs<'_> {
        self.std.get_args()
    }

    /// The environment changes set: `(key, Some(value))` for a variable
    /// set, `(key, None)` for one removed (std's; not in tokio).
    ///
    /// ```
    /// use std::ffi::OsStr;
    ///
    /// let mut command = taskcell_executor::process::Command::new("env");
    /// command.env("A", "1").env_remove("B");
    /// let envs: Vec<_> = command.get_envs().collect();
    /// assert_eq!(envs, [(OsStr::new("A"), Some(OsStr::new("1"))), (OsStr::new("B"), None)]);
    /// ```
    pub fn get_envs(&self) -> CommandEnvs<'_> {
        self.std.get_envs()
    }

    /// The working directory set, if any (std's; not in tokio).
    ///
    /// ```
    /// use std::path::Path;
    ///
    /// let mut command = taskcell_executor::process::Command::new("ls");
    /// assert_eq!(command.get_current_dir(), None);
    /// command.current_dir("/tmp");
    /// assert_eq!(command.get_current_dir(), Some(Path::new("/tmp")));
    /// ```
    pub fn get_current_dir(&self) -> Option<&Path> {
        self.std.get_current_dir()
    }

    /// Starts the process, on the runtime of the calling code: its exit is
    /// then awaited with [`Child::wait`], its piped streams used as
    /// [`Child::stdin`], [`Child::stdout`] and [`Child::stderr`].
    ///
    /// # Errors
    ///
    /// If the process cannot be started (no such program, no permission),
    /// or its exit or pipes cannot be watched on the runtime (the runtime
    /// is shutting down). In the second case the process has started: it
    /// is killed if [`kill_on_drop`](Self::kill_on_drop) is set, and
    /// reaped in the background either way.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut child = Command::new("true").spawn().unwrap();
    ///     assert!(child.wait().await.unwrap().success());
    ///     let missing = Command::new("/nonexistent/program").spawn().unwrap_err();
    ///     assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        let handle = crate::driver::io::io_handle("`Command::spawn`");
        let std = self.std.spawn()?;
        build(std, &handle, self.kill_on_drop)
    }

    /// Starts the process (at once, as [`spawn`](Self::spawn), when
    /// called), and returns a future of its exit status. The parent keeps
    /// no pipe to it: piped streams are closed before the wait.
    ///
    /// # Errors
    ///
    /// As `spawn` and [`Child::wait`].
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     assert!(Command::new("true").status().await.unwrap().success());
    ///     assert_eq!(Command::new("false").status().await.unwrap().code(), Some(1));
    /// });
    /// ```
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let child = self.spawn();
        async {
            let mut child = child?;
            // A child blocked on a full pipe the parent never reads would
            // never end.
            drop((child.stdin.take(), child.stdout.take(), child.stderr.take()));
            child.wait().await
        }
    }

    /// Starts the process (at once, when called) with its standard output
    /// and standard error piped (whatever was set before; standard input
    /// stays as set, inherited by default), and returns a future of its
    /// exit status and all it wrote to the two (read at once, with the
    /// wait: see [`Child::wait_with_output`]).
    ///
    /// # Errors
    ///
    /// As `spawn` and `wait_with_output`.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use taskcell_executor::process::Command;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let out = Command::new("sh").args(["-c", "echo out; echo err >&2; exit 2"]).output().await.unwrap();
    ///     assert_eq!(out.status.code(), Some(2));
    ///     assert_eq!((out.stdout, out.stderr), (b"out\n".to_vec(), b"err\n".to_vec()));
    /// });
    /// ```
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async { child?.wait_with_output().await }
    }
}

impl From<StdCommand> for Command {
    /// Wraps a standard library command, with `kill_on_drop` off.
    fn from(std: StdCommand) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}

/// Puts a just-spawned `std` child on `handle`'s runtime: its exit
/// notification, then its pipes.
fn build(mut std: StdChild, handle: &Handle, kill_on_drop: bool) -> io::Result<Child> {
    let (stdin, stdout, stderr) = (std.stdin.take(), std.stdout.take(), std.stderr.take());
    let reaper = match Reaper::new(std, handle) {
        Ok(reaper) => reaper,
        Err((err, mut std)) => {
            if kill_on_drop {
                let _ = std.kill();
            }
            orphan::adopt(std);
            return Err(err);
        }
    };
    // From here on, a failure drops `child`: killed if asked, and reaped.
    let mut child = Child::new(reaper, kill_on_drop);
    child.stdin = stdin.map(|p| ChildStdin::new(p, handle)).transpose()?;
    child.stdout = stdout.map(|p| ChildStdout::new(p, handle)).transpose()?;
    child.stderr = stderr.map(|p| ChildStderr::new(p, handle)).transpose()?;
    Ok(child)
}

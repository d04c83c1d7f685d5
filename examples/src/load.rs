//! A closed-loop HTTP/1.1 load generator, event-driven as wrk is: a few
//! threads, each with its share of the keep-alive connections on one
//! [`mio::Poll`], each connection sending a request, reading the whole
//! response (a `200` with a `content-length`), then sending the next. It
//! uses no async runtime, so it favours neither of the servers it measures.
//!
//! Every response's latency goes into an HDR histogram (microseconds, three
//! significant digits). Each thread measures its own CPU time over the
//! measured window: a thread busier than [`GENERATOR_BOUND`] means the
//! figure is the generator's, not the server's, and the [`Report`] says so.
//!
//! [`pinned`] runs code with the calling thread bound to a set of cores, so
//! that a server's runtime and the load generator, each started inside it,
//! inherit disjoint cores.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

/// A generator thread busier than this share of the measured window (CPU
/// time over wall time) may have held the rate down: the run is
/// generator-bound.
pub const GENERATOR_BOUND: f64 = 0.9;

/// How long a connection may wait for a response before the run fails (a
/// hung server is an error, not a hang).
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// How to load a server.
#[derive(Debug, Clone)]
pub struct Load {
    /// Keep-alive connections, each with one request in flight.
    pub connections: usize,
    /// Generator threads; the connections are spread over them.
    pub threads: usize,
    /// Unmeasured time first, for the server to warm up.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
}

/// What one load run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// Responses that began in the measured window.
    pub requests: u64,
    /// Their body bytes.
    pub body_bytes: u64,
    /// The measured window.
    pub elapsed: Duration,
    /// Their latencies, in microseconds.
    pub latency_us: Histogram<u64>,
    /// The busiest generator thread's CPU time over the window (0 to 1;
    /// `None` where threads' CPU time cannot be read).
    pub generator_busy: Option<f64>,
}

impl Report {
    /// Responses per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// The `q` quantile of the latency (`q` in 0..=1), in microseconds.
    pub fn quantile_us(&self, q: f64) -> u64 {
        self.latency_us.value_at_quantile(q)
    }

    /// Whether a generator thread was so busy that the rate may be the
    /// generator's limit rather than the server's.
    pub fn generator_bound(&self) -> bool {
        self.generator_busy
            .is_some_and(|busy| busy > GENERATOR_BOUND)
    }
}

/// A latency histogram from 1 µs to a minute, three significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// Runs `load` against `addr`, each connection sending `GET path` in a
/// loop: unmeasured for `load.warmup`, then for `load.duration`.
///
/// # Errors
///
/// If a connection fails, a response is not a `200` with a
/// `content-length`, the server hangs up mid-response, or no response comes
/// within [`RESPONSE_TIMEOUT`].
pub fn run(addr: SocketAddr, path: &str, load: &Load) -> io::Result<Report> {
    let threads = load.threads.clamp(1, load.connections.max(1));
    let start = Instant::now() + load.warmup;
    let end = start + load.duration;
    let request = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\n\r\n");
    let results: Vec<io::Result<Tally>> = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                // The connections, spread as evenly as they go.
                let share =
                    load.connections / threads + usize::from(t < load.connections % threads);
                let request = request.as_bytes();
                scope.spawn(move || drive(addr, request, share, start, end))
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("load thread panicked"))
            .collect()
    });
    let mut report = Report {
        requests: 0,
        body_bytes: 0,
        elapsed: load.duration,
        latency_us: histogram(),
        generator_busy: Some(0.0),
    };
    for result in results {
        let tally = result?;
        report.requests += tally.requests;
        report.body_bytes += tally.body_bytes;
        report
            .latency_us
            .add(&tally.latency_us)
            .expect("histograms of the same bounds");
        report.generator_busy = match (report.generator_busy, tally.busy) {
            (Some(most), Some(busy)) => Some(most.max(busy)),
            _ => None,
        };
    }
    Ok(report)
}

/// One generator thread's figures.
struct Tally {
    requests: u64,
    body_bytes: u64,
    latency_us: Histogram<u64>,
    busy: Option<f64>,
}

/// Where a connection is in its request/response cycle.
struct Conn {
    stream: TcpStream,
    /// The request's bytes still to write.
    unsent: usize,
    /// When the request in flight was first written.
    sent: Instant,
    /// The response head read so far (until its blank line).
    head: Vec<u8>,
    /// Body bytes still to read once the head is in; `None` before.
    body_left: Option<u64>,
    body_len: u64,
}

/// What reading a connection came to.
enum Progress {
    /// Needs more bytes.
    Pending,
    /// A whole response, with its body's length.
    Done(u64),
}

impl Conn {
    fn new(addr: SocketAddr, request_len: usize) -> io::Result<Conn> {
        // A blocking connect, then non-blocking for the rest.
        let std = std::net::TcpStream::connect(addr)?;
        std.set_nodelay(true)?;
        std.set_nonblocking(true)?;
        Ok(Conn {
            stream: TcpStream::from_std(std),
            unsent: request_len,
            sent: Instant::now(),
            head: Vec::with_capacity(256),
            body_left: None,
            body_len: 0,
        })
    }

    /// Starts the next request.
    fn begin(&mut self, request_len: usize, now: Instant) {
        self.unsent = request_len;
        self.sent = now;
        self.head.clear();
        self.body_left = None;
        self.body_len = 0;
    }

    /// Writes what is left of the request, until done or the socket is full.
    fn write(&mut self, request: &[u8]) -> io::Result<()> {
        while self.unsent > 0 {
            match self.stream.write(&request[request.len() - self.unsent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.unsent -= n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads until the socket is drained or the response is whole.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<Progress> {
        loop {
            let n = match self.stream.read(buf) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server hung up mid-response",
                    ))
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Progress::Pending),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let mut data = &buf[..n];
            if self.body_left.is_none() {
                let seen = self.head.len().saturating_sub(3);
                self.head.extend_from_slice(data);
                let Some(at) = self.head[seen..].windows(4).position(|w| w == b"\r\n\r\n") else {
                    if self.head.len() > 64 * 1024 {
                        return Err(io::Error::other("response head too large"));
                    }
                    continue;
                };
                let head_end = seen + at + 4;
                let length = parse_head(&self.head[..head_end])?;
                let extra = self.head.len() - head_end;
                self.body_len = length;
                self.body_left = Some(length);
                data = &buf[n - extra..n];
            }
            let left = self.body_left.as_mut().expect("head parsed");
            let got = data.len() as u64;
            if got > *left {
                return Err(io::Error::other(
                    "more bytes than the content-length (one request is in flight)",
                ));
            }
            *left -= got;
            if *left == 0 {
                return Ok(Progress::Done(self.body_len));
            }
        }
    }
}

/// Checks a response head (`200`, a `content-length`) and returns the
/// body's length.
fn parse_head(head: &[u8]) -> io::Result<u64> {
    let head = std::str::from_utf8(head).map_err(io::Error::other)?;
    if !head.starts_with("HTTP/1.1 200") {
        let status = head.lines().next().unwrap_or("");
        return Err(io::Error::other(format!("not a 200: {status}")));
    }
    head.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .ok_or_else(|| io::Error::other("no content-length"))
}

/// One generator thread: `connections` connections on one poll, until
/// `end`; counts the responses whose request went out at or after `start`.
fn drive(
    addr: SocketAddr,
    request: &[u8],
    connections: usize,
    start: Instant,
    end: Instant,
) -> io::Result<Tally> {
    let mut tally = Tally {
        requests: 0,
        body_bytes: 0,
        latency_us: histogram(),
        busy: None,
    };
    if connections == 0 {
        return Ok(tally);
    }
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    let mut conns = Vec::with_capacity(connections);
    for i in 0..connections {
        let mut conn = Conn::new(addr, request.len())?;
        poll.registry().register(
            &mut conn.stream,
            Token(i),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        conn.begin(request.len(), Instant::now());
        conn.write(request)?;
        conns.push(conn);
    }
    let mut buf = vec![0u8; 256 * 1024];
    // CPU time at the start of the measured window, and the window's start.
    let mut window: Option<(Duration, Instant)> = None;
    let mut last_progress = Instant::now();
    loop {
        let now = Instant::now();
        if window.is_none() && now >= start {
            window = thread_cpu_time().map(|cpu| (cpu, now));
        }
        if now >= end {
            break;
        }
        if now.duration_since(last_progress) > RESPONSE_TIMEOUT {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no response in {RESPONSE_TIMEOUT:?}"),
            ));
        }
        let wait = end
            .saturating_duration_since(now)
            .min(Duration::from_millis(100));
        if let Err(e) = poll.poll(&mut events, Some(wait)) {
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        for event in events.iter() {
            let conn = &mut conns[event.token().0];
            if event.is_writable() && conn.unsent > 0 {
                conn.write(request)?;
            }
            if !event.is_readable() && !event.is_read_closed() {
                continue;
            }
            // Responses may follow each other in one event: the next
            // request's response cannot arrive before it is sent, so one
            // read per response, then round again.
            while let Progress::Done(body) = conn.read(&mut buf)? {
                let now = Instant::now();
                last_progress = now;
                if conn.sent >= start && conn.sent < end {
                    tally.requests += 1;
                    tally.body_bytes += body;
                    let us = u64::try_from(now.duration_since(conn.sent).as_micros())
                        .unwrap_or(u64::MAX);
                    tally.latency_us.saturating_record(us.max(1));
                }
                if now >= end {
                    break;
                }
                conn.begin(request.len(), now);
                conn.write(request)?;
            }
        }
    }
    tally.busy = match (window, thread_cpu_time()) {
        (Some((cpu_then, then)), Some(cpu_now)) => {
            let wall = then.elapsed().as_secs_f64();
            (wall > 0.0).then(|| (cpu_now.saturating_sub(cpu_then)).as_secs_f64() / wall)
        }
        _ => None,
    };
    Ok(tally)
}

/// The calling thread's CPU time (Linux), for the generator's own load.
#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec`; `clock_gettime` writes
    // only it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| {
        Duration::new(
            u64::try_from(ts.tv_sec).unwrap_or(0),
            u32::try_from(ts.tv_nsec).unwrap_or(0),
        )
    })
}

/// Elsewhere the generator's load is not measured.
#[cfg(not(target_os = "linux"))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

/// How a server and the load generator share the cores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreSplit {
    /// The server's cores; `None`: not pinned.
    pub server: Option<Vec<usize>>,
    /// The generator's cores; `None`: not pinned.
    pub load: Option<Vec<usize>>,
    /// The server's worker count.
    pub workers: usize,
    /// The generator's threads.
    pub threads: usize,
    /// What a report must say about it.
    pub note: String,
}

/// Splits `allowed` cores for a server of `workers` workers and the
/// generator: with 4 or more, the server gets the first
/// `min(workers, cores / 2)`, with exactly that many workers, and the
/// generator the others, a thread each; with fewer, nobody is pinned and
/// the note says the cores are shared. Never more workers than the server's
/// cores without the note saying so.
///
/// ```
/// let split = taskcell_examples::load::split_cores(&[0, 1, 2, 3], 16);
/// assert_eq!((split.workers, split.threads), (2, 2));
/// assert_eq!(split.note, "2 workers, not 16: the generator has the other cores");
/// ```
pub fn split_cores(allowed: &[usize], workers: usize) -> CoreSplit {
    if allowed.len() < 4 {
        return CoreSplit {
            server: None,
            load: None,
            workers,
            threads: 1,
            note: format!("{workers} workers; cores shared with the generator"),
        };
    }
    let share = workers.min(allowed.len() / 2);
    let (server, load) = allowed.split_at(share);
    let note = if share < workers {
        format!("{share} workers, not {workers}: the generator has the other cores")
    } else {
        format!("{share} workers; generator on other cores")
    };
    CoreSplit {
        server: Some(server.to_vec()),
        load: Some(load.to_vec()),
        workers: share,
        threads: load.len(),
        note,
    }
}

/// Runs `f` with the calling thread bound to `cores` (Linux; elsewhere, or
/// with `None`, `f` just runs), then restores the thread's former cores.
/// Threads that `f` starts keep the binding: a runtime built inside runs its
/// workers on `cores`, and so do the load threads of [`run`].
///
/// # Errors
///
/// If the thread cannot be bound (a core that does not exist, or is not
/// allowed to this process).
pub fn pinned<R>(cores: Option<&[usize]>, f: impl FnOnce() -> R) -> io::Result<R> {
    let Some(cores) = cores else {
        return Ok(f());
    };
    affinity::pinned(cores, f)
}

/// The cores this process may run on, in order (Linux; elsewhere, or if
/// they cannot be read, none).
pub fn allowed_cores() -> Vec<usize> {
    affinity::allowed().unwrap_or_default()
}

#[cfg(target_os = "linux")]
mod affinity {
    use std::io;
    use std::mem::{size_of, MaybeUninit};

    /// The calling thread's core set.
    fn get() -> io::Result<libc::cpu_set_t> {
        let mut set = MaybeUninit::<libc::cpu_set_t>::zeroed();
        // SAFETY: `set` is a writable `cpu_set_t` of the size passed; pid 0
        // is the calling thread.
        let rc =
            unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), set.as_mut_ptr()) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: zeroed is a valid `cpu_set_t` (a bit array), and
        // `sched_getaffinity` succeeded in filling it.
        Ok(unsafe { set.assume_init() })
    }

    /// Binds the calling thread to `set`.
    fn set(set: &libc::cpu_set_t) -> io::Result<()> {
        // SAFETY: `set` points to a valid `cpu_set_t` of the size passed;
        // pid 0 is the calling thread.
        let rc = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), set) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    pub(super) fn allowed() -> io::Result<Vec<usize>> {
        let set = get()?;
        let capacity = usize::try_from(libc::CPU_SETSIZE).unwrap_or(0);
        Ok((0..capacity)
            .filter(|&core| {
                // SAFETY: `core` is below `CPU_SETSIZE`, the set's capacity.
                unsafe { libc::CPU_ISSET(core, &set) }
            })
            .collect())
    }

    pub(super) fn pinned<R>(cores: &[usize], f: impl FnOnce() -> R) -> io::Result<R> {
        let before = get()?;
        // SAFETY: an all-zero `cpu_set_t` is the empty set (a bit array).
        let mut wanted: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        for &core in cores {
            if core >= usize::try_from(libc::CPU_SETSIZE).unwrap_or(0) {
                return Err(io::Error::other(format!("no core {core}")));
            }
            // SAFETY: `core` is below `CPU_SETSIZE`, the set's capacity.
            unsafe { libc::CPU_SET(core, &mut wanted) };
        }
        set(&wanted)?;
        let result = f();
        set(&before)?;
        Ok(result)
    }
}

#[cfg(not(target_os = "linux"))]
mod affinity {
    pub(super) fn allowed() -> std::io::Result<Vec<usize>> {
        Ok(Vec::new())
    }

    pub(super) fn pinned<R>(_cores: &[usize], f: impl FnOnce() -> R) -> std::io::Result<R> {
        Ok(f())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
    use std::sync::Arc;

    #[test]
    #[cfg(target_os = "linux")]
    fn pinned_binds_the_thread_and_its_children_then_restores() {
        let before = allowed_cores();
        assert!(!before.is_empty());
        let one = [before[before.len() - 1]];
        let (inside, child) = pinned(Some(&one), || {
            (
                allowed_cores(),
                thread::spawn(allowed_cores).join().unwrap(),
            )
        })
        .unwrap();
        assert_eq!(inside, one);
        assert_eq!(child, one);
        assert_eq!(allowed_cores(), before);
        assert!(pinned(Some(&[1 << 20]), || ()).is_err());
        assert_eq!(allowed_cores(), before);
        assert_eq!(pinned(None, || 7).unwrap(), 7);
    }

    /// An answer: the writes that make it, and whether to hang up after.
    type Answer = (&'static [&'static [u8]], bool);

    /// A tiny threaded server on a free port: each connection's requests
    /// are answered by `answer` (given the request's number on the
    /// connection).
    fn server(answer: fn(u64) -> Answer) -> (SocketAddr, Arc<AtomicU64>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&served);
        thread::spawn(move || {
            for peer in listener.incoming() {
                let Ok(mut peer) = peer else { return };
                let count = Arc::clone(&count);
                thread::spawn(move || {
                    let mut buf = [0u8; 1024];
                    let mut n = 0;
                    while let Ok(read) = peer.read(&mut buf) {
                        if read == 0 {
                            return;
                        }
                        let (parts, hang_up) = answer(n);
                        for part in parts {
                            if peer.write_all(part).is_err() {
                                return;
                            }
                        }
                        n += 1;
                        count.fetch_add(1, SeqCst);
                        if hang_up {
                            return;
                        }
                    }
                });
            }
        });
        (addr, served)
    }

    fn load(connections: usize, threads: usize) -> Load {
        Load {
            connections,
            threads,
            warmup: Duration::ZERO,
            duration: Duration::from_millis(200),
        }
    }

    #[test]
    fn counts_keep_alive_responses_and_their_bodies() {
        // A 5-byte body, split in two writes, and the head in a third.
        let (addr, served) = server(|_| {
            (
                &[
                    b"HTTP/1.1 200 OK\r\nContent-",
                    b"Length: 5\r\n\r\nhe",
                    b"llo",
                ],
                false,
            )
        });
        let report = run(addr, "/", &load(5, 2)).unwrap();
        assert!(report.requests > 0);
        assert!(report.requests <= served.load(SeqCst));
        assert_eq!(report.body_bytes, 5 * report.requests);
        assert_eq!(report.latency_us.len(), report.requests);
        assert!(report.quantile_us(0.5) <= report.quantile_us(0.99));
        assert!(report.rate() > 0.0);
        #[cfg(target_os = "linux")]
        assert!(report
            .generator_busy
            .is_some_and(|b| (0.0..=1.5).contains(&b)));
    }

    #[test]
    fn a_status_other_than_200_is_an_error() {
        let (addr, _) = server(|_| (&[b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"], false));
        let err = run(addr, "/", &load(2, 1)).unwrap_err();
        assert!(
            err.to_string().contains("not a 200: HTTP/1.1 503 Busy"),
            "{err}"
        );
    }

    #[test]
    fn a_response_without_a_length_is_an_error() {
        let (addr, _) = server(|_| (&[b"HTTP/1.1 200 OK\r\n\r\nhello"], false));
        let err = run(addr, "/", &load(1, 1)).unwrap_err();
        assert!(err.to_string().contains("no content-length"), "{err}");
    }

    #[test]
    fn a_server_that_hangs_up_mid_response_is_an_error_not_a_hang() {
        // The third response stops after half its body.
        let (addr, _) = server(|n| match n {
            0 | 1 => (
                &[b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd"],
                false,
            ),
            _ => (&[b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"], true),
        });
        let started = Instant::now();
        let mut long = load(1, 1);
        long.duration = Duration::from_secs(20);
        let err = run(addr, "/", &long).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn the_cores_split_only_from_four_and_never_oversubscribe_silently() {
        let shared = split_cores(&[0, 1], 2);
        assert_eq!(
            (shared.server, shared.load, shared.workers),
            (None, None, 2)
        );
        assert!(shared.note.contains("shared"));
        assert_eq!(split_cores(&[0, 1, 2], 1).server, None);
        // 16 workers asked on 4 cores: the servers get 2, with 2 workers.
        let capped = split_cores(&[0, 1, 2, 3], 16);
        assert_eq!(capped.server, Some(vec![0, 1]));
        assert_eq!(capped.load, Some(vec![2, 3]));
        assert_eq!((capped.workers, capped.threads), (2, 2));
        assert!(capped.note.contains("2 workers, not 16"), "{}", capped.note);
        let one = split_cores(&[2, 3, 4, 5, 6, 7], 1);
        assert_eq!(one.server, Some(vec![2]));
        assert_eq!(one.load, Some(vec![3, 4, 5, 6, 7]));
        assert_eq!((one.workers, one.threads), (1, 5));
    }
}

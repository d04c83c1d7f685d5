//! A closed-loop HTTP/1.1 load generator on plain threads, for `http_load`:
//! each connection is a blocking socket on its own thread that sends a
//! request, reads the whole response, and sends the next (keep-alive). It
//! uses no async runtime, so it favours neither of the servers it measures.
//!
//! [`pinned`] runs code with the calling thread bound to a set of cores, so
//! that a server's runtime and the load generator, each started inside it,
//! inherit disjoint cores.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// What one load run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// Responses received in the measured window.
    pub requests: u64,
    /// Body bytes received in the measured window.
    pub body_bytes: u64,
    /// The measured window.
    pub elapsed: Duration,
    /// Every response's latency, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
}

impl Report {
    /// Responses per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// The `q` quantile of the latency (`q` in 0..=1), in microseconds.
    pub fn quantile_us(&self, q: f64) -> u32 {
        if self.latencies_us.is_empty() {
            return 0;
        }
        let at = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        self.latencies_us[at]
    }
}

/// Runs `connections` keep-alive connections against `addr`, each sending
/// `GET path` in a loop: for `warmup` unmeasured, then for `duration`.
///
/// # Errors
///
/// If a connection fails, or a response is not a `200` with a
/// `content-length`.
pub fn run(
    addr: SocketAddr,
    path: &str,
    connections: usize,
    warmup: Duration,
    duration: Duration,
) -> io::Result<Report> {
    let start = Instant::now() + warmup;
    let end = start + duration;
    let request = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\n\r\n");
    let results: Vec<io::Result<(u64, u64, Vec<u32>)>> = thread::scope(|scope| {
        let threads: Vec<_> = (0..connections)
            .map(|_| scope.spawn(|| connection(addr, request.as_bytes(), start, end)))
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("load thread panicked"))
            .collect()
    });
    let mut report = Report {
        requests: 0,
        body_bytes: 0,
        elapsed: duration,
        latencies_us: Vec::new(),
    };
    for result in results {
        let (requests, bytes, latencies) = result?;
        report.requests += requests;
        report.body_bytes += bytes;
        report.latencies_us.extend(latencies);
    }
    report.latencies_us.sort_unstable();
    Ok(report)
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

/// One connection's loop; counts only responses that begin in the window.
fn connection(
    addr: SocketAddr,
    request: &[u8],
    start: Instant,
    end: Instant,
) -> io::Result<(u64, u64, Vec<u32>)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut buf = vec![0u8; 256 * 1024];
    let (mut requests, mut bytes, mut latencies) = (0, 0, Vec::new());
    loop {
        let sent = Instant::now();
        if sent >= end {
            return Ok((requests, bytes, latencies));
        }
        stream.write_all(request)?;
        let body = read_response(&mut stream, &mut buf)?;
        if sent >= start {
            requests += 1;
            bytes += body;
            latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
        }
    }
}

/// Reads one response (head and body) and returns the body's length.
fn read_response(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<u64> {
    let mut filled = 0;
    let head_end = loop {
        let n = stream.read(&mut buf[filled..])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        filled += n;
        if let Some(at) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if filled == buf.len() {
            return Err(io::Error::other("response head too large"));
        }
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(io::Error::other)?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(io::Error::other(format!("not a 200: {head}")));
    }
    let length: u64 = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .ok_or_else(|| io::Error::other("no content-length"))?;
    let mut left = length - (filled - head_end) as u64;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = stream.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        left -= n as u64;
    }
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

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

    #[test]
    fn counts_keep_alive_responses_and_their_bodies() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut peer, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let mut served = 0;
            // Answer each request head with a 5-byte body, split in two
            // writes, until the client hangs up.
            while let Ok(n) = peer.read(&mut buf) {
                if n == 0 {
                    break;
                }
                peer.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe")
                    .unwrap();
                peer.write_all(b"llo").unwrap();
                served += 1;
            }
            served
        });
        let report = run(addr, "/", 1, Duration::ZERO, Duration::from_millis(200)).unwrap();
        let served = server.join().unwrap();
        assert!(report.requests > 0);
        assert!(report.requests <= served);
        assert_eq!(report.body_bytes, 5 * report.requests);
        assert_eq!(report.latencies_us.len() as u64, report.requests);
        assert!(report.quantile_us(0.5) <= report.quantile_us(0.99));
    }
}

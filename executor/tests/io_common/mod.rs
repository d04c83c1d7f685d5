//! Helpers shared by the I/O and timer tests: runtimes with the drivers
//! enabled, byte patterns that tell connections apart, a small
//! deterministic random number generator, and waiting for a driver's
//! bookkeeping to settle.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use taskcell_executor::{Builder, Runtime};

/// A multi-thread runtime with `workers` worker threads, I/O and timers.
pub fn rt_all(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("building a multi-thread runtime with I/O and timers")
}

/// A current-thread runtime with I/O and timers.
pub fn current_thread_all() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building a current-thread runtime with I/O and timers")
}

/// SplitMix64: small, deterministic, good enough to scatter test inputs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo < hi);
        lo + self.next_u64() % (hi - lo)
    }
}

/// `len` pseudo-random bytes drawn from `seed`: two seeds give different
/// bytes at almost every offset, so bytes that cross connections, or land
/// at the wrong offset, show up.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5555);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Asserts `got == want` byte for byte, naming the first difference
/// instead of printing both buffers.
#[track_caller]
pub fn assert_bytes_eq(got: &[u8], want: &[u8], what: &str) {
    if let Some(at) = got.iter().zip(want).position(|(g, w)| g != w) {
        panic!(
            "{what}: byte {at} is {:#04x}, expected {:#04x} ({} bytes received, {} expected)",
            got[at],
            want[at],
            got.len(),
            want.len()
        );
    }
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: received {} bytes, expected {}",
        got.len(),
        want.len()
    );
}

/// Calls `count` (sleeping a millisecond in between) until it returns
/// `want` or `limit` passes; returns the last value seen. Driver
/// bookkeeping (deregistration, cancelled timer entries) may lag a moment
/// behind the drop that causes it.
pub fn settle(limit: Duration, want: usize, mut count: impl FnMut() -> usize) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let now = count();
        if now == want || Instant::now() >= deadline {
            return now;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// A loopback address nobody listens on: a port the OS just handed out and
/// took back.
pub fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a std listener");
    let addr = listener.local_addr().expect("the std listener's address");
    drop(listener);
    addr
}

//! Bulk TCP transfer: 64 MiB sent one way arrive complete, in order and
//! intact, on a multi-thread runtime, on a current-thread runtime, and from
//! a plain blocking thread into a runtime task.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::io::Write;
use std::thread;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::{TcpListener, TcpStream};
use taskcell_executor::{spawn, Runtime};

const TOTAL: usize = 64 << 20;
/// The pattern repeats every MiB: `i * 31` every 256 bytes, `i / 4096`
/// every 4096 * 256 bytes.
const PERIOD: usize = 1 << 20;

/// Byte `i` of the stream.
fn byte_at(i: usize) -> u8 {
    (i * 31 + i / 4096) as u8
}

/// One period of the pattern; byte `i` of the stream is `table[i % PERIOD]`.
fn table() -> Vec<u8> {
    let table: Vec<u8> = (0..PERIOD).map(byte_at).collect();
    // The period really is a period: spot-check far into the stream.
    for i in [PERIOD, 3 * PERIOD + 4097, TOTAL - 1] {
        assert_eq!(byte_at(i), table[i % PERIOD]);
    }
    table
}

/// Writes the 64 MiB in chunks of uneven sizes, then shuts down writing.
async fn send(mut stream: TcpStream, table: &[u8]) {
    let mut at = 0;
    let mut chunk = 100_000;
    while at < TOTAL {
        let len = chunk.min(TOTAL - at);
        let start = at % PERIOD;
        let len = len.min(PERIOD - start);
        stream
            .write_all(&table[start..start + len])
            .await
            .expect("writing the stream");
        at += len;
        chunk = chunk * 7 % 262_139 + 1;
    }
    stream.close().await.expect("shutting down the write half");
}

/// Reads until EOF, checking every byte against the pattern at its offset;
/// returns how many bytes arrived.
async fn receive(mut stream: TcpStream, table: &[u8]) -> usize {
    let mut buf = vec![0u8; 200_000];
    let mut at = 0;
    let mut want = 1;
    loop {
        // Ask for varying amounts, from 1 byte up.
        let ask = want.min(buf.len());
        let n = stream
            .read(&mut buf[..ask])
            .await
            .expect("reading the stream");
        if n == 0 {
            return at;
        }
        assert!(at + n <= TOTAL, "more than {TOTAL} bytes arrived");
        let mut off = 0;
        while off < n {
            let start = (at + off) % PERIOD;
            let len = (n - off).min(PERIOD - start);
            if buf[off..off + len] != table[start..start + len] {
                let bad = (0..len)
                    .find(|&k| buf[off + k] != table[start + k])
                    .expect("a differing byte");
                panic!(
                    "byte {} of the stream is {:#04x}, expected {:#04x}",
                    at + off + bad,
                    buf[off + bad],
                    table[start + bad]
                );
            }
            off += len;
        }
        at += n;
        want = want * 5 % 199_999 + 1;
    }
}

/// Sends from a spawned task, receives in `block_on`.
fn transfer_on(rt: &Runtime) {
    let received = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sender = spawn(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            send(stream, &table()).await;
        });
        let (stream, _) = listener.accept().await.unwrap();
        let received = receive(stream, &table()).await;
        sender.await.expect("the sending task");
        received
    });
    assert_eq!(received, TOTAL);
}

#[test]
fn sixty_four_mib_arrive_intact_on_a_multi_thread_runtime() {
    common::guarded(|| transfer_on(&io_common::rt_all(2)));
}

#[test]
fn sixty_four_mib_arrive_intact_on_a_current_thread_runtime() {
    common::guarded(|| transfer_on(&io_common::current_thread_all()));
}

#[test]
fn sixty_four_mib_from_a_blocking_thread_arrive_intact_in_a_task() {
    common::guarded(|| {
        let rt = io_common::current_thread_all();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        // The sender is a plain thread with a blocking std socket: the
        // runtime learns of every chunk only through its I/O driver.
        let sender = thread::spawn(move || {
            let table = table();
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            let mut at = 0;
            while at < TOTAL {
                stream.write_all(&table).unwrap();
                at += table.len();
            }
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            stream
        });
        let received = rt.block_on(async move {
            let (stream, peer) = listener.accept().await.unwrap();
            assert_eq!(peer.ip(), addr.ip());
            receive(stream, &table()).await
        });
        let stream = sender.join().expect("the sending thread");
        assert_eq!(received, TOTAL);
        drop(stream);
    });
}

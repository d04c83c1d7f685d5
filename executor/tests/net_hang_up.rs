//! A peer that hangs up: reads then give EOF (`Ok(0)`), also to a reader
//! already waiting, and writes eventually fail with `BrokenPipe` or
//! `ConnectionReset`, also for a writer waiting on a full buffer — never a
//! hang.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::io::{self, ErrorKind, Read, Write};
use std::thread;
use std::time::Duration;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::{TcpListener, TcpStream};
use taskcell_executor::spawn;

/// Writes 64 KiB at a time until a write fails; returns the error and the
/// bytes written before it.
async fn write_until_error(stream: &mut TcpStream) -> (io::Error, usize) {
    let chunk = vec![0x5Au8; 64 << 10];
    let mut written = 0;
    loop {
        match stream.write(&chunk).await {
            Ok(n) => {
                assert!(n > 0, "a write of a non-empty buffer wrote nothing");
                written += n;
            }
            Err(e) => return (e, written),
        }
    }
}

#[track_caller]
fn assert_peer_gone(err: &io::Error) {
    assert!(
        matches!(
            err.kind(),
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
        ),
        "expected BrokenPipe or ConnectionReset, got {:?}: {err}",
        err.kind()
    );
}

#[test]
fn reads_give_the_bytes_sent_then_eof_once_the_peer_hung_up() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                stream.write_all(b"last words").await.unwrap();
                // Dropped without close(): a full hang-up.
            });
            let mut stream = TcpStream::connect(addr).await.unwrap();
            server.await.unwrap();
            let mut got = [0u8; 10];
            stream.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"last words");
            let mut buf = [0u8; 64];
            assert_eq!(stream.read(&mut buf).await.unwrap(), 0, "EOF");
            assert_eq!(stream.read(&mut buf).await.unwrap(), 0, "EOF again");
        });
    });
}

#[test]
fn a_reader_already_waiting_wakes_with_eof_when_a_plain_thread_hangs_up() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        // The peer is a plain thread: it sends one byte, gives the reader
        // time to park on its next read, and hangs up.
        let peer = thread::spawn(move || {
            let (mut stream, _) = std_listener.accept().unwrap();
            stream.write_all(b"!").unwrap();
            thread::sleep(Duration::from_millis(100));
            drop(stream);
        });
        let got = rt.block_on(async {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let mut first = [0u8; 1];
            stream.read_exact(&mut first).await.unwrap();
            let mut buf = [0u8; 64];
            (first, stream.read(&mut buf).await.unwrap())
        });
        peer.join().unwrap();
        assert_eq!(got, (*b"!", 0));
    });
}

#[test]
fn writing_to_a_stream_whose_peer_closed_fails() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let (accepted, _) = listener.accept().await.unwrap();
            drop(accepted);
            // The peer's close arrives as EOF first ...
            assert_eq!(stream.read(&mut [0u8; 8]).await.unwrap(), 0);
            // ... and the first data written answers with a reset.
            let (err, _) = write_until_error(&mut stream).await;
            assert_peer_gone(&err);
        });
    });
}

#[test]
fn a_writer_blocked_on_a_full_buffer_fails_when_the_peer_hangs_up() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        // A peer that never reads: the writer fills both socket buffers
        // and waits; then the peer hangs up with unread data, which resets
        // the connection.
        let peer = thread::spawn(move || {
            let (mut stream, _) = std_listener.accept().unwrap();
            thread::sleep(Duration::from_millis(300));
            // Prove the writer had filled the pipe: bytes were waiting.
            let mut one = [0u8; 1];
            stream.read_exact(&mut one).unwrap();
            assert_eq!(one, [0x5A]);
            drop(stream);
        });
        let (err, written) = rt.block_on(async {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            write_until_error(&mut stream).await
        });
        peer.join().unwrap();
        assert_peer_gone(&err);
        assert!(written > 64 << 10, "only {written} bytes written");
    });
}

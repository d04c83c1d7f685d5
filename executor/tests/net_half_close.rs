//! Half-close: a client that closes its write side after its request is
//! still answered — the server reads the request to EOF, then replies, and
//! the client reads the whole reply — whether the whole stream, an owned
//! write half or a borrowed write half is closed.
#![cfg(not(miri))]

mod common;
mod io_common;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use io_common::{assert_bytes_eq, pattern};
use taskcell_executor::net::{TcpListener, TcpStream};
use taskcell_executor::{spawn, JoinHandle};

const REQUEST: usize = 300_000;

/// The server's reply to `request`: its length, then the request reversed,
/// then a tail of 200 000 more bytes, so the reply outgrows the socket
/// buffers and depends on every byte of the request.
fn reply_to(request: &[u8]) -> Vec<u8> {
    let mut reply = (request.len() as u64).to_le_bytes().to_vec();
    reply.extend(request.iter().rev());
    reply.extend(pattern(request.len() as u64, 200_000));
    reply
}

/// Accepts one connection, reads the request to EOF — which only comes if
/// the client half-closes — replies, and closes.
async fn serve_one(listener: TcpListener) -> Vec<u8> {
    let (mut stream, _) = listener.accept().await.unwrap();
    let mut request = Vec::new();
    stream.read_to_end(&mut request).await.unwrap();
    stream.write_all(&reply_to(&request)).await.unwrap();
    stream.close().await.unwrap();
    request
}

async fn bind() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

#[test]
fn closing_the_stream_sends_eof_and_the_whole_reply_still_arrives() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (listener, addr) = bind().await;
            let server: JoinHandle<Vec<u8>> = spawn(serve_one(listener));

            let request = pattern(1, REQUEST);
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(&request).await.unwrap();
            stream.close().await.unwrap();
            let mut reply = Vec::new();
            stream.read_to_end(&mut reply).await.unwrap();

            assert_bytes_eq(&server.await.unwrap(), &request, "the request");
            assert_bytes_eq(&reply, &reply_to(&request), "the reply");
            // The reply ended with the server's close: EOF stays EOF.
            assert_eq!(stream.read(&mut [0u8; 16]).await.unwrap(), 0);
        });
    });
}

#[test]
fn closing_an_owned_write_half_leaves_the_read_half_open() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (listener, addr) = bind().await;
            let server = spawn(serve_one(listener));

            let request = pattern(2, REQUEST);
            let (mut rd, mut wr) = TcpStream::connect(addr).await.unwrap().into_split();
            let writer = {
                let request = request.clone();
                spawn(async move {
                    wr.write_all(&request).await.unwrap();
                    wr.close().await.unwrap();
                    // Kept until after the reply arrives: closing is what
                    // sends EOF, not dropping.
                    wr
                })
            };
            let mut reply = Vec::new();
            rd.read_to_end(&mut reply).await.unwrap();
            let wr = writer.await.unwrap();

            assert_bytes_eq(&server.await.unwrap(), &request, "the request");
            assert_bytes_eq(&reply, &reply_to(&request), "the reply");
            drop(wr);
        });
    });
}

#[test]
fn closing_a_borrowed_write_half_leaves_the_stream_readable() {
    common::guarded(|| {
        io_common::current_thread_all().block_on(async {
            let (listener, addr) = bind().await;
            let server = spawn(serve_one(listener));

            let request = pattern(3, REQUEST);
            let mut stream = TcpStream::connect(addr).await.unwrap();
            {
                // Called by path: with `AsyncReadExt` in scope, `stream.split()`
                // would pick its by-value `split`, not the inherent borrowing one.
                let (_, mut wr) = TcpStream::split(&mut stream);
                wr.write_all(&request).await.unwrap();
                wr.close().await.unwrap();
            }
            let mut reply = Vec::new();
            stream.read_to_end(&mut reply).await.unwrap();

            assert_bytes_eq(&server.await.unwrap(), &request, "the request");
            assert_bytes_eq(&reply, &reply_to(&request), "the reply");
        });
    });
}

#[test]
fn the_server_may_half_close_first_and_keep_reading() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (listener, addr) = bind().await;
            let greeting = pattern(4, 50_000);
            let server = {
                let greeting = greeting.clone();
                spawn(async move {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    stream.write_all(&greeting).await.unwrap();
                    stream.close().await.unwrap();
                    let mut rest = Vec::new();
                    stream.read_to_end(&mut rest).await.unwrap();
                    rest
                })
            };

            let mut stream = TcpStream::connect(addr).await.unwrap();
            let mut got = Vec::new();
            stream.read_to_end(&mut got).await.unwrap();
            assert_bytes_eq(&got, &greeting, "the greeting");
            // The server's side still reads after it closed its writes.
            let answer = reply_to(&got);
            stream.write_all(&answer).await.unwrap();
            stream.close().await.unwrap();
            assert_bytes_eq(&server.await.unwrap(), &answer, "the answer");
        });
    });
}

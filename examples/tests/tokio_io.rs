//! tokio's I/O traits on our sockets: tokio-util's
//! `Framed` with a `LinesCodec` echoes over our `TcpStream`; tokio's
//! `BufWriter`, `write_u32`, `BufReader`, `read_u32` and `copy` work
//! unchanged; and `read_buf` into a `BytesMut`, raced in `select!` against
//! a timer and dropped again and again, loses no byte (tokio's and ours).

use std::time::Duration;

use bytes::BytesMut;
use futures::{SinkExt, StreamExt};
use taskcell_executor::net::{TcpListener, TcpStream, UnixStream};
use taskcell_executor::time::{sleep, timeout};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio_util::codec::{Framed, LinesCodec};

fn rt() -> taskcell_executor::Runtime {
    taskcell_executor::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Bounds a test that would otherwise hang.
const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn a_lines_codec_echoes_over_our_tcp_stream() {
    rt().block_on(async {
        timeout(LIMIT, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = taskcell_executor::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let mut lines = Framed::new(stream, LinesCodec::new());
                while let Some(line) = lines.next().await {
                    lines.send(line.unwrap().to_uppercase()).await.unwrap();
                }
            });
            let mut client =
                Framed::new(TcpStream::connect(addr).await.unwrap(), LinesCodec::new());
            for word in ["taskcell", "on", "tokio-util"] {
                client.send(word).await.unwrap();
                assert_eq!(client.next().await.unwrap().unwrap(), word.to_uppercase());
            }
            drop(client);
            server.await.unwrap();
        })
        .await
        .expect("the echo finished");
    });
}

#[test]
fn tokio_buffered_io_and_copy_work_on_our_streams() {
    rt().block_on(async {
        timeout(LIMIT, async {
            let (a, b) = UnixStream::pair().unwrap();
            let writer = taskcell_executor::spawn(async move {
                let mut out = BufWriter::new(a);
                for i in 0..1000u32 {
                    out.write_u32(i).await.unwrap();
                }
                out.shutdown().await.unwrap();
            });
            // Through `copy` into a second pair, then read back.
            let (c, d) = UnixStream::pair().unwrap();
            let copier = taskcell_executor::spawn(async move {
                let (mut from, mut to) = (b, c);
                let n = tokio::io::copy(&mut from, &mut to).await.unwrap();
                to.shutdown().await.unwrap();
                n
            });
            let mut input = BufReader::new(d);
            for i in 0..1000u32 {
                assert_eq!(input.read_u32().await.unwrap(), i);
            }
            let mut rest = Vec::new();
            assert_eq!(input.read_to_end(&mut rest).await.unwrap(), 0, "EOF");
            writer.await.unwrap();
            assert_eq!(copier.await.unwrap(), 4000);
        })
        .await
        .expect("the copy finished");
    });
}

/// Sends `total` bytes in bursts with pauses, so that reads raced against
/// a short timer are often dropped while they wait.
async fn bursts(mut out: UnixStream, total: usize) {
    let mut sent = 0;
    while sent < total {
        let burst: Vec<u8> = (sent..(sent + 777).min(total)).map(|i| i as u8).collect();
        out.write_all(&burst).await.unwrap();
        sent += burst.len();
        sleep(Duration::from_millis(1)).await;
    }
}

#[test]
fn read_buf_raced_in_select_loses_no_byte() {
    const TOTAL: usize = 100_000;
    rt().block_on(async {
        timeout(LIMIT, async {
            for ours in [false, true] {
                let (a, mut b) = UnixStream::pair().unwrap();
                let sender = taskcell_executor::spawn(bursts(a, TOTAL));
                let mut buf = BytesMut::new();
                let mut timeouts = 0;
                while buf.len() < TOTAL {
                    let read = async {
                        if ours {
                            b.read_buf(&mut buf).await
                        } else {
                            tokio::io::AsyncReadExt::read_buf(&mut b, &mut buf).await
                        }
                    };
                    tokio::select! {
                        n = read => assert!(n.unwrap() > 0, "EOF before {TOTAL} bytes"),
                        () = sleep(Duration::from_micros(300)) => timeouts += 1,
                    }
                }
                sender.await.unwrap();
                assert_eq!(buf.len(), TOTAL);
                assert!(
                    buf.iter().enumerate().all(|(i, &byte)| byte == i as u8),
                    "bytes in order"
                );
                assert!(timeouts > 0, "some reads were dropped mid-wait");
            }
        })
        .await
        .expect("every byte arrived");
    });
}

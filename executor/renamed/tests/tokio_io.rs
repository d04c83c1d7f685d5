//! Under tokio's name, `tokio::io` is tokio's: a tokio program's I/O code
//! (`AsyncReadExt`/`AsyncWriteExt` with `shutdown`, `read_u32`,
//! `read_buf`, `BufReader::lines` with `next_line`, `copy`, `split` and
//! `unsplit`) builds and runs on this runtime's sockets unchanged.
#![cfg(not(miri))]

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream, UnixStream};

#[tokio::test]
async fn a_line_protocol_over_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut count = 0u32;
        while let Some(line) = lines.next_line().await.unwrap() {
            write
                .write_all(line.to_uppercase().as_bytes())
                .await
                .unwrap();
            write.write_all(b"\n").await.unwrap();
            count += 1;
        }
        write.write_u32(count).await.unwrap();
        write.shutdown().await.unwrap();
    });

    let stream = TcpStream::connect(addr).await.unwrap();
    let (read, write) = stream.into_split();
    let mut write = BufWriter::new(write);
    write.write_all(b"one\ntwo\nthree\n").await.unwrap();
    write.shutdown().await.unwrap();

    let mut read = BufReader::new(read);
    let mut replies = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        read.read_line(&mut line).await.unwrap();
        replies.push(line);
    }
    assert_eq!(replies, ["ONE\n", "TWO\n", "THREE\n"]);
    assert_eq!(read.read_u32().await.unwrap(), 3);
    let mut rest = Vec::new();
    assert_eq!(
        read.read_buf(&mut rest).await.unwrap(),
        0,
        "EOF after the count"
    );
    server.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_and_split_as_tokio_has_them() {
    let (mut near, far) = UnixStream::pair().unwrap();
    let (mut far_read, mut far_write) = tokio::io::split(far);
    let echo = tokio::spawn(async move {
        let copied = tokio::io::copy(&mut far_read, &mut far_write)
            .await
            .unwrap();
        far_write.shutdown().await.unwrap();
        (copied, far_read.unsplit(far_write))
    });
    near.write_all(b"echo me").await.unwrap();
    near.shutdown().await.unwrap();
    let mut back = String::new();
    near.read_to_string(&mut back).await.unwrap();
    assert_eq!(back, "echo me");
    let (copied, _far) = echo.await.unwrap();
    assert_eq!(copied, 7);
}

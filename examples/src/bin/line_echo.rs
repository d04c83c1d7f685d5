//! `line_echo`: a line-echo server written the tokio way, on
//! taskcell-executor.
//!
//! It runs as the tokio program it was written as: `#[main]` and `#[test]`
//! (one test with paused time), `signal::ctrl_c` for shutdown, tokio's
//! `BufWriter` and `read_buf` into a `BytesMut` (`taskcell_executor::io`
//! is tokio's, and our sockets implement tokio's I/O traits), and tokio's
//! `select!`. Against its tokio original, only these lines differ, each a
//! `tokio::` path that became `taskcell_executor::`:
//!
//! ```text
//! - use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
//! - use tokio::net::{TcpListener, TcpStream};
//! - use tokio::{signal, time};
//! + use taskcell_executor::io::{AsyncWriteExt, BufWriter};
//! + use taskcell_executor::net::{TcpListener, TcpStream};
//! + use taskcell_executor::{signal, time};
//! - #[tokio::main]
//! + #[taskcell_executor::main]
//! - tokio::spawn(..)
//! + taskcell_executor::spawn(..)
//!   mod tests {
//! +     use taskcell_executor::io::AsyncReadExt;
//! - #[tokio::test] / #[tokio::test(start_paused = true)]
//! + #[taskcell_executor::test] / #[taskcell_executor::test(start_paused = true)]
//! ```
//!
//! `AsyncReadExt` moves to the tests: the streams' own `read_buf`
//! (cancel-safe, as tokio's) needs no trait, and the import would go
//! unused.
//!
//! ```text
//! cargo run --release -p taskcell-examples --bin line_echo -- [ADDR]
//! ```
//!
//! Each line a client sends comes back as `echo: <line>`; a client silent
//! for 30 seconds gets `timeout` and is hung up on. Ctrl-C stops the
//! server.

use std::io;
use std::time::Duration;

use bytes::BytesMut;
use taskcell_executor::io::{AsyncWriteExt, BufWriter};
use taskcell_executor::net::{TcpListener, TcpStream};
use taskcell_executor::{signal, time};

/// How long a client may stay silent.
const IDLE: Duration = Duration::from_secs(30);

#[taskcell_executor::main]
async fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7070".to_string());
    let listener = TcpListener::bind(&addr).await?;
    println!("line_echo on {}", listener.local_addr()?);
    tokio::select! {
        served = serve(listener) => served,
        _ = signal::ctrl_c() => {
            println!("line_echo: stopped");
            Ok(())
        }
    }
}

/// Accepts clients until the listener fails.
async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        taskcell_executor::spawn(async move {
            if let Err(err) = echo_lines(stream).await {
                eprintln!("line_echo: {err}");
            }
        });
    }
}

/// Echoes each line the client sends, until it hangs up or stays silent
/// for [`IDLE`].
async fn echo_lines(stream: TcpStream) -> io::Result<()> {
    let (mut reader, writer) = stream.into_split();
    let mut writer = BufWriter::new(writer);
    let mut buf = BytesMut::with_capacity(4096);
    loop {
        // `read_buf` is cancel-safe: a timeout loses no bytes.
        match time::timeout(IDLE, reader.read_buf(&mut buf)).await {
            Err(_elapsed) => {
                writer.write_all(b"timeout\n").await?;
                writer.flush().await?;
                return Ok(());
            }
            Ok(Ok(0)) => return Ok(()),
            Ok(Ok(_)) => {}
            Ok(Err(err)) => return Err(err),
        }
        while let Some(end) = buf.iter().position(|&byte| byte == b'\n') {
            let line = buf.split_to(end + 1);
            writer.write_all(b"echo: ").await?;
            writer.write_all(&line).await?;
        }
        writer.flush().await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskcell_executor::io::AsyncReadExt;

    /// A server on a free port, and a client connected to it.
    async fn connected() -> TcpStream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        taskcell_executor::spawn(serve(listener));
        TcpStream::connect(addr).await.unwrap()
    }

    #[taskcell_executor::test]
    async fn lines_come_back_whole_and_in_order() {
        let mut client = connected().await;
        // One line split over two writes, then two lines in one.
        client.write_all(b"hel").await.unwrap();
        client.write_all(b"lo\nsecond\nthird\n").await.unwrap();
        let want = b"echo: hello\necho: second\necho: third\n";
        let mut got = vec![0; want.len()];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(got, want);
    }

    #[taskcell_executor::test(start_paused = true)]
    async fn a_silent_client_is_told_and_hung_up_on_after_30_seconds() {
        let start = time::Instant::now();
        let mut client = connected().await;
        let mut reply = String::new();
        client.read_to_string(&mut reply).await.unwrap();
        assert_eq!(reply, "timeout\n");
        // Paused time: the clock jumped to the timeout, in no real time.
        assert!(start.elapsed() >= IDLE);
    }

    #[taskcell_executor::test]
    async fn a_client_that_talks_in_time_is_not_timed_out() {
        time::pause();
        let mut client = connected().await;
        for i in 0..3 {
            time::advance(Duration::from_secs(20)).await;
            client.write_all(format!("{i}\n").as_bytes()).await.unwrap();
            let mut got = [0; 8];
            client.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, format!("echo: {i}\n").as_bytes());
        }
    }
}

//! A tokio program's paths resolve here to the same kinds of things: the
//! TCP halves under `net::tcp`, the Unix ones and `SocketAddr` under
//! `net::unix`, tokio's `sync` and macros at the crate's root; and they
//! work together on this runtime (a split stream's owned halves in two
//! tasks, handing results back over `sync` channels, raced in `select!`).
#![cfg(not(miri))]

use std::time::Duration;

use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::{tcp, TcpListener, TcpStream};
use taskcell_executor::sync::{oneshot, Barrier};
use taskcell_executor::time::{sleep, timeout};

const LIMIT: Duration = Duration::from_secs(10);

fn halves(stream: TcpStream) -> (tcp::OwnedReadHalf, tcp::OwnedWriteHalf) {
    stream.into_split()
}

#[test]
fn tcp_halves_sync_channels_and_select_work_together() {
    let rt = taskcell_executor::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        timeout(LIMIT, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let (mut read, mut write) = halves(server);
            let barrier = std::sync::Arc::new(Barrier::new(3));
            let (tx, rx) = oneshot::channel();
            let reader = taskcell_executor::spawn({
                let barrier = barrier.clone();
                async move {
                    barrier.wait().await;
                    let mut got = [0; 4];
                    read.read_exact(&mut got).await.unwrap();
                    tx.send(got).unwrap();
                }
            });
            let writer = taskcell_executor::spawn({
                let barrier = barrier.clone();
                async move {
                    barrier.wait().await;
                    write.write_all(b"pong").await.unwrap();
                }
            });
            barrier.wait().await;
            let (mut client_read, mut client_write) = client.into_split();
            client_write.write_all(b"ping").await.unwrap();
            let mut back = [0; 4];
            client_read.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"pong");
            let got = taskcell_executor::select! {
                biased;
                got = rx => got.unwrap(),
                _ = sleep(LIMIT) => panic!("the reader never sent"),
            };
            assert_eq!(&got, b"ping");
            let (r, w) = taskcell_executor::join!(reader, writer);
            r.unwrap();
            w.unwrap();
        })
        .await
        .expect("the exchange hung");
    });
}

#[cfg(unix)]
#[test]
fn unix_socket_addresses_are_net_unix_socket_addr() {
    use taskcell_executor::net::{unix, UnixListener};
    let dir = std::env::temp_dir().join(format!("tokio-paths-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sock");
    let _ = std::fs::remove_file(&path);
    taskcell_executor::Runtime::new().unwrap().block_on(async {
        let listener = UnixListener::bind(&path).unwrap();
        let addr: unix::SocketAddr = listener.local_addr().unwrap();
        assert_eq!(addr.as_pathname(), Some(path.as_path()));
        let (_read, _write): (unix::OwnedReadHalf, unix::OwnedWriteHalf) =
            taskcell_executor::net::UnixStream::connect(&path)
                .await
                .unwrap()
                .into_split();
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

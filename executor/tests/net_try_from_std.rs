//! `TryFrom` the standard library's sockets, as tokio has it: each of the
//! six socket types converts with `try_into` from a still-blocking std
//! socket and then works on the runtime without blocking a worker; outside
//! a runtime the conversion panics in tokio's words, at the caller's line.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::io::Write;
use std::time::Duration;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::{TcpListener, TcpStream, UdpSocket};
use taskcell_executor::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

#[test]
fn tcp_and_udp_sockets_convert_from_std() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            // Both std sockets are blocking: the conversion makes them
            // non-blocking, so a wait never holds up a worker.
            let listener: TcpListener = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .try_into()
                .unwrap();
            let addr = listener.local_addr().unwrap();
            let mut peer = std::net::TcpStream::connect(addr).unwrap();
            let (mut accepted, _) = timeout(LIMIT, listener.accept()).await.unwrap().unwrap();
            let client = std::net::TcpStream::connect(addr).unwrap();
            let mut client: TcpStream = client.try_into().unwrap();
            let (mut server_side, _) = timeout(LIMIT, listener.accept()).await.unwrap().unwrap();

            peer.write_all(b"std to ours").unwrap();
            let mut buf = [0u8; 11];
            timeout(LIMIT, accepted.read_exact(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(&buf, b"std to ours");

            // A read on the converted stream waits on the driver: the
            // writer comes only after it started.
            let reader = taskcell_executor::spawn(async move {
                let mut buf = [0u8; 5];
                client.read_exact(&mut buf).await.unwrap();
                buf
            });
            taskcell_executor::time::sleep(Duration::from_millis(20)).await;
            server_side.write_all(b"later").await.unwrap();
            assert_eq!(&timeout(LIMIT, reader).await.unwrap().unwrap(), b"later");

            let a: UdpSocket = std::net::UdpSocket::bind("127.0.0.1:0")
                .unwrap()
                .try_into()
                .unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            b.send_to(b"dgram", a.local_addr().unwrap()).await.unwrap();
            let mut buf = [0u8; 8];
            let (n, from) = timeout(LIMIT, a.recv_from(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!((&buf[..n], from), (&b"dgram"[..], b.local_addr().unwrap()));
        });
    });
}

#[cfg(unix)]
#[test]
fn unix_sockets_convert_from_std() {
    use taskcell_executor::net::{UnixDatagram, UnixListener, UnixStream};
    common::guarded(|| {
        let dir = std::env::temp_dir().join(format!("taskcell-try-from-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("listener");
        io_common::rt_all(2).block_on(async {
            let listener: UnixListener = std::os::unix::net::UnixListener::bind(&path)
                .unwrap()
                .try_into()
                .unwrap();
            let std_client = std::os::unix::net::UnixStream::connect(&path).unwrap();
            let mut client: UnixStream = std_client.try_into().unwrap();
            let (mut server, _) = timeout(LIMIT, listener.accept()).await.unwrap().unwrap();
            client.write_all(b"unix").await.unwrap();
            let mut buf = [0u8; 4];
            timeout(LIMIT, server.read_exact(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(&buf, b"unix");

            let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
            let a: UnixDatagram = a.try_into().unwrap();
            let b = UnixDatagram::try_from(b).unwrap();
            b.send(b"pair").await.unwrap();
            let n = timeout(LIMIT, a.recv(&mut buf)).await.unwrap().unwrap();
            assert_eq!(&buf[..n], b"pair");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn outside_a_runtime_try_from_panics_in_tokios_words_at_the_callers_line() {
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::{Arc, Mutex};
    common::quiet_expected_panics();
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let seen: Arc<Mutex<Option<String>>> = Arc::default();
    let prev = panic::take_hook();
    {
        let seen = seen.clone();
        panic::set_hook(Box::new(move |info| {
            *seen.lock().unwrap() = info.location().map(|l| l.file().to_string());
        }));
    }
    let err =
        panic::catch_unwind(AssertUnwindSafe(|| TcpListener::try_from(std_listener))).unwrap_err();
    panic::set_hook(prev);
    let message = common::payload_str(&*err).unwrap_or_default();
    assert!(
        message.starts_with(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
        ),
        "{message}"
    );
    assert_eq!(seen.lock().unwrap().as_deref(), Some(file!()));
}

//! The I/O driver's registrations (`Handle::io_registrations`): one per live
//! socket, and back to the starting count once sockets close — after
//! 10 000 TCP connections, for every socket type, for split halves, and for
//! sockets handed back to std with `into_std`.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::time::Duration;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::{TcpListener, TcpStream, UdpSocket};
use taskcell_executor::{spawn, Handle, Runtime};

const SETTLE: Duration = Duration::from_secs(30);

/// Waits for `rt`'s registration count to reach `want`, and asserts it.
#[track_caller]
fn assert_registrations(rt: &Runtime, want: usize, what: &str) {
    let handle: &Handle = rt.handle();
    let got = io_common::settle(SETTLE, want, || handle.io_registrations());
    assert_eq!(got, want, "{what}");
}

/// Serves connections that each send a 4-byte number: answers with the
/// number plus one, then closes.
async fn serve(listener: TcpListener) {
    loop {
        let (mut stream, _) = listener.accept().await.expect("accept");
        spawn(async move {
            let mut n = [0u8; 4];
            stream.read_exact(&mut n).await.unwrap();
            let reply = u32::from_le_bytes(n) + 1;
            stream.write_all(&reply.to_le_bytes()).await.unwrap();
        });
    }
}

/// One short connection: sends `i`, expects `i + 1`, waits for the close.
async fn one_connection(addr: std::net::SocketAddr, i: u32) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&i.to_le_bytes()).await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    assert_eq!(reply, (i + 1).to_le_bytes(), "connection {i}");
}

#[test]
fn registrations_return_to_the_start_after_ten_thousand_connections() {
    const BATCHES: u32 = 100;
    const PER_BATCH: u32 = 100;
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let start = rt.handle().io_registrations();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = rt.spawn(serve(listener));
        rt.block_on(async {
            for batch in 0..BATCHES {
                let clients: Vec<_> = (0..PER_BATCH)
                    .map(|k| spawn(one_connection(addr, batch * PER_BATCH + k)))
                    .collect();
                for c in clients {
                    c.await.unwrap();
                }
            }
        });
        server.abort();
        assert!(rt.block_on(server).unwrap_err().is_cancelled());
        assert_registrations(&rt, start, "10 000 closed connections left registrations");
    });
}

#[test]
fn each_live_socket_holds_one_registration() {
    const CONNECTIONS: usize = 100;
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let start = rt.handle().io_registrations();
        let (listener, clients, servers) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut clients = Vec::new();
            let mut servers = Vec::new();
            for i in 0..CONNECTIONS {
                let mut client = TcpStream::connect(addr).await.unwrap();
                let (mut server, _) = listener.accept().await.unwrap();
                // Both ends used, so both are surely registered.
                client.write_all(&[i as u8]).await.unwrap();
                let mut b = [0u8; 1];
                server.read_exact(&mut b).await.unwrap();
                server.write_all(&b).await.unwrap();
                client.read_exact(&mut b).await.unwrap();
                assert_eq!(b, [i as u8]);
                clients.push(client);
                servers.push(server);
            }
            (listener, clients, servers)
        });
        assert_registrations(&rt, start + 1 + 2 * CONNECTIONS, "one per live socket");
        drop(clients);
        assert_registrations(&rt, start + 1 + CONNECTIONS, "after dropping the clients");
        drop(servers);
        drop(listener);
        assert_registrations(&rt, start, "after dropping everything");
    });
}

#[test]
fn every_socket_kind_deregisters_when_dropped_split_or_handed_back_to_std() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let start = rt.handle().io_registrations();

        // UDP.
        let udp = rt.block_on(UdpSocket::bind("127.0.0.1:0")).unwrap();
        assert_registrations(&rt, start + 1, "a UDP socket");
        drop(udp);
        assert_registrations(&rt, start, "a dropped UDP socket");

        // Owned halves: one registration for the two, gone with the last.
        let (listener, client, server) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            (listener, client, server)
        });
        assert_registrations(&rt, start + 3, "a listener and a connection");
        let (rd, wr) = client.into_split();
        assert_registrations(&rt, start + 3, "into_split adds none");
        drop(rd);
        assert_registrations(&rt, start + 3, "the write half still holds it");
        drop(wr);
        assert_registrations(&rt, start + 2, "both halves dropped");

        // into_std hands the socket back, unregistered; it still works.
        let mut std_server = server.into_std().unwrap();
        let std_listener = listener.into_std().unwrap();
        assert_registrations(&rt, start, "after into_std");
        // from_std registers again.
        let listener = rt
            .block_on(async move { TcpListener::from_std(std_listener) })
            .unwrap();
        assert_registrations(&rt, start + 1, "after from_std");
        let addr = listener.local_addr().unwrap();
        let accepted = rt.block_on(async move {
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            (client, server)
        });
        assert_registrations(&rt, start + 2, "the listener went with its task");
        drop(accepted);
        assert_registrations(&rt, start, "all TCP sockets dropped");
        // The std server end: its peer was dropped, so it reads EOF.
        std_server.set_nonblocking(false).unwrap();
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut std_server, &mut rest).unwrap();
        assert!(rest.is_empty());

        // Unix sockets.
        #[cfg(unix)]
        {
            let (a, b) = rt
                .block_on(async { taskcell_executor::net::UnixStream::pair() })
                .unwrap();
            assert_registrations(&rt, start + 2, "a Unix pair");
            drop((a, b));
            assert_registrations(&rt, start, "a dropped Unix pair");
        }
    });
}

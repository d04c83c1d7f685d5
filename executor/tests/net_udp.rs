//! UDP on loopback: datagrams round-trip whole through `send_to` and
//! `recv_from` with the sender's address, connected sockets `send` and
//! `recv` with their peer only, a receiver already waiting wakes when a
//! datagram arrives, and the traffic-class and device options round-trip.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use io_common::{assert_bytes_eq, pattern};
use taskcell_executor::net::UdpSocket;
use taskcell_executor::spawn;

/// Datagram sizes: empty, tiny, around an Ethernet MTU, and large.
const SIZES: [usize; 6] = [0, 1, 100, 1472, 9000, 60_000];

#[test]
fn datagrams_round_trip_through_send_to_and_recv_from() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let a_addr = a.local_addr().unwrap();
            let b_addr = b.local_addr().unwrap();
            assert_ne!(a_addr, b_addr);

            // b echoes every datagram back, reversed, to whoever sent it.
            let echo = spawn(async move {
                let mut buf = vec![0u8; 65_536];
                for _ in 0..SIZES.len() {
                    let (n, from) = b.recv_from(&mut buf).await.unwrap();
                    let reply: Vec<u8> = buf[..n].iter().rev().copied().collect();
                    assert_eq!(b.send_to(&reply, from).await.unwrap(), n);
                }
                b
            });

            let mut buf = vec![0u8; 65_536];
            for (i, &size) in SIZES.iter().enumerate() {
                let msg = pattern(i as u64, size);
                assert_eq!(a.send_to(&msg, b_addr).await.unwrap(), size);
                let (n, from) = a.recv_from(&mut buf).await.unwrap();
                assert_eq!(from, b_addr, "the reply's source");
                let want: Vec<u8> = msg.iter().rev().copied().collect();
                assert_bytes_eq(&buf[..n], &want, &format!("datagram of {size} bytes"));
            }
            let b = echo.await.unwrap();
            assert_eq!(b.local_addr().unwrap(), b_addr);
        });
    });
}

#[test]
fn connected_sockets_send_and_recv_with_their_peer_only() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let a_addr = a.local_addr().unwrap();
            let b_addr = b.local_addr().unwrap();
            a.connect(b_addr).await.unwrap();
            b.connect(a_addr).await.unwrap();

            // A connected socket only takes datagrams from its peer: the
            // stranger's, sent first, never shows up at `a`.
            stranger.send_to(b"from a stranger", a_addr).await.unwrap();
            assert_eq!(b.send(b"from the peer").await.unwrap(), 13);
            let mut buf = [0u8; 64];
            let n = a.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"from the peer");

            for (i, &size) in SIZES.iter().enumerate() {
                let msg = pattern(100 + i as u64, size);
                assert_eq!(a.send(&msg).await.unwrap(), size);
                let mut got = vec![0u8; 65_536];
                let n = b.recv(&mut got).await.unwrap();
                assert_bytes_eq(&got[..n], &msg, &format!("a to b, {size} bytes"));
                assert_eq!(b.send(&got[..n]).await.unwrap(), size);
                let n = a.recv(&mut got).await.unwrap();
                assert_bytes_eq(&got[..n], &msg, &format!("b to a, {size} bytes"));
            }

            // recv_from on a connected socket names the peer.
            b.send(b"who").await.unwrap();
            let (n, from) = a.recv_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"who"[..], b_addr));
        });
    });
}

#[test]
fn a_waiting_receiver_wakes_when_a_plain_thread_sends() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let socket = rt.block_on(UdpSocket::bind("127.0.0.1:0")).unwrap();
        let addr = socket.local_addr().unwrap();
        // The sender waits long enough for the receiver to park first.
        let sender = thread::spawn(move || {
            let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            thread::sleep(Duration::from_millis(100));
            for i in 0u32..3 {
                std_socket.send_to(&i.to_le_bytes(), addr).unwrap();
                thread::sleep(Duration::from_millis(20));
            }
            std_socket.local_addr().unwrap()
        });
        let got: Vec<(u32, SocketAddr)> = rt.block_on(async move {
            let mut got = Vec::new();
            for _ in 0..3 {
                let mut buf = [0u8; 16];
                let (n, from) = socket.recv_from(&mut buf).await.unwrap();
                assert_eq!(n, 4);
                got.push((u32::from_le_bytes(buf[..4].try_into().unwrap()), from));
            }
            got
        });
        let from = sender.join().unwrap();
        assert_eq!(got, vec![(0, from), (1, from), (2, from)]);
    });
}

#[test]
fn many_tasks_exchange_datagrams_through_one_echo_socket() {
    const TASKS: usize = 200;
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let server_addr = server.local_addr().unwrap();
            let echo = spawn(async move {
                let mut buf = [0u8; 256];
                for _ in 0..TASKS {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    server.send_to(&buf[..n], from).await.unwrap();
                }
            });
            // One datagram in flight per client: no loss on loopback.
            let clients: Vec<_> = (0..TASKS)
                .map(|i| {
                    spawn(async move {
                        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                        let msg = pattern(i as u64, 1 + i % 200);
                        socket.send_to(&msg, server_addr).await.unwrap();
                        let mut buf = [0u8; 256];
                        let (n, from) = socket.recv_from(&mut buf).await.unwrap();
                        assert_eq!(from, server_addr);
                        assert_bytes_eq(&buf[..n], &msg, &format!("client {i}"));
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap();
            }
            echo.await.unwrap();
        });
    });
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn traffic_class_and_device_options_round_trip() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            // IPV6_TCLASS, where the host has IPv6 loopback.
            if let Ok(v6) = UdpSocket::bind("[::1]:0").await {
                let initial = v6.tclass_v6().unwrap();
                assert_ne!(initial, 0x28);
                v6.set_tclass_v6(0x28).unwrap();
                assert_eq!(v6.tclass_v6().unwrap(), 0x28);
            }

            // SO_BINDTODEVICE: none at first; binding to loopback may need
            // CAP_NET_RAW, depending on the kernel.
            let v4 = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            assert_eq!(v4.device().unwrap(), None);
            match v4.bind_device(Some(b"lo")) {
                Ok(()) => {
                    assert_eq!(v4.device().unwrap().as_deref(), Some(&b"lo"[..]));
                    v4.bind_device(None).unwrap();
                    assert_eq!(v4.device().unwrap(), None);
                }
                Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied, "{e}"),
            }
        });
    });
}

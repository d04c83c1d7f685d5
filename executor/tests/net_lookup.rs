//! Addresses: `net::ToSocketAddrs` takes what std's does; a literal
//! resolves at once, even outside a runtime; a host name is looked up on
//! the blocking pool (so it works on a current-thread runtime whose only
//! thread is busy awaiting it); a bad address is an error, not a panic.
#![cfg(not(miri))]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use std::time::Duration;
use taskcell_executor::net::{lookup_host, TcpListener, TcpStream, UdpSocket};

use taskcell_executor::{time, Builder, Runtime};

#[test]
fn literals_resolve_at_once_even_outside_a_runtime() {
    let addrs: Vec<SocketAddr> = futures::executor::block_on(lookup_host("127.0.0.1:7"))
        .unwrap()
        .collect();
    assert_eq!(addrs, ["127.0.0.1:7".parse().unwrap()]);
    let v6: Vec<SocketAddr> = futures::executor::block_on(lookup_host(("::1", 9)))
        .unwrap()
        .collect();
    assert_eq!(v6, ["[::1]:9".parse().unwrap()]);
    let pair: Vec<SocketAddr> = futures::executor::block_on(lookup_host((Ipv4Addr::LOCALHOST, 5)))
        .unwrap()
        .collect();
    assert_eq!(pair, [SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5)]);
    let list: [SocketAddr; 2] = [
        "127.0.0.1:1".parse().unwrap(),
        "127.0.0.2:2".parse().unwrap(),
    ];
    let many: Vec<SocketAddr> = futures::executor::block_on(lookup_host(&list[..]))
        .unwrap()
        .collect();
    assert_eq!(many, list);
}

#[test]
fn a_host_name_outside_a_runtime_panics_saying_so() {
    let caught = std::panic::catch_unwind(|| {
        futures::executor::block_on(lookup_host("localhost:80")).map(|a| a.count())
    });
    let payload = caught.unwrap_err();
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(text.contains("runtime"), "{text}");
}

#[test]
fn host_names_resolve_on_a_current_thread_runtime() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let found: Vec<SocketAddr> = lookup_host("localhost:4000").await.unwrap().collect();
        assert!(!found.is_empty());
        assert!(found
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == 4000));

        // Every socket constructor takes a host name too.
        let listener = TcpListener::bind("localhost:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let ip = listener.local_addr().unwrap().ip();
        let host = if ip.is_ipv4() { "127.0.0.1" } else { "::1" };
        let (client, accepted) = futures::join!(
            TcpStream::connect((host.to_string(), port)),
            listener.accept()
        );
        client.unwrap();
        accepted.unwrap();

        let udp = UdpSocket::bind(("localhost", 0)).await.unwrap();
        let to = udp.local_addr().unwrap();
        udp.send_to(b"x", format!("localhost:{}", to.port()))
            .await
            .ok();
    });
}

#[test]
fn a_malformed_address_is_an_error() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let err = lookup_host("no port here").await.err().unwrap();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        let err = TcpStream::connect("no port here").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        let none: [SocketAddr; 0] = [];
        let err = TcpListener::bind(&none[..]).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}

#[test]
fn each_address_is_tried_in_order() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let good = listener.local_addr().unwrap();
        // A port nobody listens on: bind one and drop it.
        let refused = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let addrs = [refused, good];
        let (client, accepted) = futures::join!(TcpStream::connect(&addrs[..]), listener.accept());
        assert_eq!(client.unwrap().peer_addr().unwrap(), good);
        accepted.unwrap();
    });
}

#[test]
fn a_host_name_is_looked_up_on_the_blocking_pool() {
    // The pool's one thread is kept busy: a lookup there must wait for it,
    // while a literal needs no thread at all.
    let rt = Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    rt.block_on(async {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let busy = taskcell_executor::spawn_blocking(move || wait.recv());
        let literal = lookup_host("127.0.0.1:1").await.unwrap().count();
        assert_eq!(literal, 1);

        let mut lookup = Box::pin(lookup_host("localhost:1"));
        let waited = time::timeout(Duration::from_millis(50), &mut lookup).await;
        assert!(waited.is_err(), "the lookup ran without the blocking pool");
        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        assert!(lookup.await.unwrap().count() >= 1);
    });
}

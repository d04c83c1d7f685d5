//! Connecting to a loopback port nobody listens on fails with
//! `ConnectionRefused`, on both runtime flavours, and leaves no socket
//! registered with the I/O driver.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::io::ErrorKind;
use std::net::{Ipv6Addr, SocketAddr};
use std::time::Duration;

use taskcell_executor::net::TcpStream;
use taskcell_executor::Runtime;

/// Connects to `addr` on `rt` and expects a refusal; then checks that the
/// failed attempt left no registration behind.
fn expect_refused(rt: &Runtime, addr: SocketAddr) {
    let before = rt.handle().io_registrations();
    let result = rt.block_on(TcpStream::connect(addr));
    match result {
        Ok(stream) => panic!("connected to {addr}, where nobody listens: {stream:?}"),
        Err(e) => assert_eq!(
            e.kind(),
            ErrorKind::ConnectionRefused,
            "connecting to {addr}: {e}"
        ),
    }
    let after = io_common::settle(Duration::from_secs(10), before, || {
        rt.handle().io_registrations()
    });
    assert_eq!(after, before, "a refused connect left a registration");
}

#[test]
fn a_closed_port_refuses_on_a_multi_thread_runtime() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        expect_refused(&rt, io_common::closed_port());
    });
}

#[test]
fn a_closed_port_refuses_on_a_current_thread_runtime() {
    common::guarded(|| {
        let rt = io_common::current_thread_all();
        expect_refused(&rt, io_common::closed_port());
    });
}

#[test]
fn many_refusals_in_a_row_each_report_the_refusal() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let addr = io_common::closed_port();
        let before = rt.handle().io_registrations();
        let kinds = rt.block_on(async move {
            let tries: Vec<_> = (0..200)
                .map(|_| {
                    taskcell_executor::spawn(async move {
                        TcpStream::connect(addr)
                            .await
                            .map(drop)
                            .map_err(|e| e.kind())
                    })
                })
                .collect();
            let mut kinds = Vec::new();
            for t in tries {
                kinds.push(t.await.unwrap());
            }
            kinds
        });
        assert_eq!(kinds, vec![Err(ErrorKind::ConnectionRefused); 200]);
        let after = io_common::settle(Duration::from_secs(10), before, || {
            rt.handle().io_registrations()
        });
        assert_eq!(after, before, "refused connects left registrations");
    });
}

#[test]
fn a_closed_ipv6_loopback_port_refuses_where_ipv6_loopback_exists() {
    common::guarded(|| {
        // Hosts without an IPv6 loopback cannot run this check.
        let Ok(probe) = std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)) else {
            eprintln!("no IPv6 loopback here; skipped");
            return;
        };
        let addr = probe.local_addr().unwrap();
        drop(probe);
        let rt = io_common::rt_all(2);
        expect_refused(&rt, addr);
    });
}

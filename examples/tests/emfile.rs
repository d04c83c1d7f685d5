//! `hyper_server` out of file descriptors: `accept` fails with `EMFILE`,
//! the server backs off instead of spinning or stopping, and serves again
//! once descriptors are free. Runs in a child process (this same test
//! binary) whose `RLIMIT_NOFILE` is lowered, so the rest of the test run
//! keeps its descriptors.
#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskcell_examples::server::{bind, Server, ACCEPT_BACKOFF, HELLO};

const CHILD: &str = "TASKCELL_EMFILE_CHILD";

#[test]
fn the_server_backs_off_on_emfile_and_serves_again() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "the_server_backs_off_on_emfile_and_serves_again",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64
}

fn child() {
    let runtime = taskcell_executor::Runtime::new().unwrap();
    let server = Server::new(Duration::from_secs(30));
    let (listener, addr) = runtime.block_on(bind(0)).unwrap();
    runtime.spawn(Arc::clone(&server).serve(listener));

    let limit = open_descriptors() + 16;
    let rlimit = libc::rlimit {
        rlim_cur: limit,
        rlim_max: limit,
    };
    // SAFETY: `setrlimit` reads a valid `rlimit`; lowering our own limit
    // affects only this (child) process.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit) }, 0);

    // Connect until this process runs out of descriptors: the connections
    // the server has not accepted yet wait in its backlog, and its accept
    // finds no descriptor for them.
    let mut clients = Vec::new();
    loop {
        match TcpStream::connect(addr) {
            Ok(stream) => clients.push(stream),
            Err(err) if err.raw_os_error() == Some(libc::EMFILE) => break,
            Err(err) => panic!("connect: {err}"),
        }
        assert!(clients.len() < 64, "the limit never bit");
    }
    let start = Instant::now();
    while server.accept_errors() == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "accept never failed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // Backing off, not spinning: about one try per back-off period (a busy
    // loop would make thousands). The bound follows the time that really
    // passed, which a loaded machine may stretch.
    let before = server.accept_errors();
    let slept = Instant::now();
    std::thread::sleep(ACCEPT_BACKOFF * 10);
    let tries = server.accept_errors() - before;
    let periods = (slept.elapsed().as_millis() / ACCEPT_BACKOFF.as_millis()) as usize;
    assert!(
        (1..=periods + 5).contains(&tries),
        "{tries} accept attempts in {periods} back-off periods"
    );

    // Free the descriptors: the server accepts what waits in its backlog
    // (each closed already, so each ends at once), then a new connection,
    // and answers it. (Keeping some clients open would let their queued
    // connections, accepted first and kept alive, take the freed
    // descriptors again.)
    drop(clients);
    let start = Instant::now();
    let response = loop {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never served again"
        );
        let Ok(mut stream) = TcpStream::connect(addr) else {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(b"GET /hello HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        if stream.read_to_string(&mut response).is_ok() && !response.is_empty() {
            break response;
        }
    };
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with(HELLO), "{response}");
}

//! The compatible path: `async-io` (smol's reactor, under async-net,
//! async-fs and the rest of smol's ecosystem) works inside this runtime's
//! tasks, beside the runtime's own driver.
#![cfg(not(miri))]

mod common;

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use async_io::{Async, Timer};
use futures::{AsyncReadExt, AsyncWriteExt};

#[test]
fn async_io_sockets_and_timers_work_in_tasks() {
    common::watchdog(common::WATCHDOG, || {
        let rt = taskcell_executor::Runtime::new().unwrap();
        rt.block_on(async {
            let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
            let addr = listener.get_ref().local_addr().unwrap();
            let server = taskcell_executor::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut buf = vec![0; 100_000];
                stream.read_exact(&mut buf).await.unwrap();
                stream.write_all(&buf).await.unwrap();
            });
            let client = taskcell_executor::spawn(async move {
                let mut stream = Async::<TcpStream>::connect(addr).await.unwrap();
                let sent: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
                stream.write_all(&sent).await.unwrap();
                let mut back = vec![0; sent.len()];
                stream.read_exact(&mut back).await.unwrap();
                assert!(back == sent, "the echo differs");
            });
            server.await.unwrap();
            client.await.unwrap();

            let start = Instant::now();
            Timer::after(Duration::from_millis(20)).await;
            assert!(start.elapsed() >= Duration::from_millis(20));
        });
    });
}

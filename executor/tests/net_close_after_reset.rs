//! Regression: closing (shutting down the write half of) a stream whose peer
//! has already reset the connection returned `NotConnected`, so hyper's
//! graceful HTTP/2 shutdown after a client hung up ended in an error. A
//! peer that is gone leaves nothing to shut down: `close` succeeds.
#![cfg(not(miri))]

mod common;

use std::io::Read;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::TcpListener;

#[test]
fn close_after_the_peer_reset_the_connection_succeeds() {
    common::watchdog(common::WATCHDOG, || {
        let rt = taskcell_executor::Runtime::new().unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = std::thread::spawn(move || {
                let mut peer = std::net::TcpStream::connect(addr).unwrap();
                let mut one = [0u8; 1];
                peer.read_exact(&mut one).unwrap();
                // Closing with unread data makes the kernel send a reset.
            });
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.write_all(&[1; 4096]).await.unwrap();
            client.join().unwrap();
            // Wait until the reset has arrived: reads end with an error or EOF.
            let mut buf = [0u8; 64];
            let mut ended = false;
            for _ in 0..500 {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => {
                        ended = true;
                        break;
                    }
                    Ok(_) => {}
                }
                taskcell_executor::time::sleep(Duration::from_millis(2)).await;
            }
            assert!(ended, "the reset never arrived");
            stream.close().await.expect("close after the peer reset");
        });
    });
}

//! `net`: a TCP round trip over loopback, `taskcell-executor`'s sockets and
//! I/O driver against tokio's.
//!
//! - `tcp_ping_pong`: [`ROUND_TRIPS`] one-byte round trips per iteration on
//!   one connected loopback pair. The routine's builder starts the runtime,
//!   binds a listener, spawns a task that accepts once and then echoes each
//!   byte it reads until EOF, and connects; both ends set `TCP_NODELAY`.
//!   Each iteration is one `block_on` that, [`ROUND_TRIPS`] times, writes
//!   one byte (`write_all`) and waits for it to come back (`read_exact`):
//!   every round trip is a write, a wake of the echo task by the driver, a
//!   read and a write there, and a wake of the `block_on` thread.
//!
//! The workload is written once, in the `net!` macro, and instantiated for
//! each runtime ([`on_taskcell`], [`on_tokio`]) with its own sockets,
//! `spawn` and `io` module (both with tokio's I/O extension traits). The runtime has [`workers`](crate::workers) workers and I/O
//! enabled. Dropping the [`Routine`](crate::Routine) closes the client end
//! first, so that the echo task reads EOF and ends, then drops the runtime.
//!
//! For now only the `rt_insns` example (`benches/examples/rt_insns.rs`)
//! runs it.

use std::net::SocketAddr;

use crate::rt::Workload;

/// Round trips per iteration.
pub const ROUND_TRIPS: usize = 1_000;

/// The workload, on both runtimes.
pub const WORKLOADS: [Workload; 1] = [Workload {
    name: "tcp_ping_pong",
    taskcell: on_taskcell::tcp_ping_pong,
    tokio: on_tokio::tcp_ping_pong,
    setup_per_sample: false,
}];

/// `127.0.0.1`, on a port of the system's choosing.
fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// The byte sent on round trip `i`: it changes from one to the next, so a
/// byte echoed twice or lost shows.
fn byte_of(i: usize) -> u8 {
    i.to_le_bytes()[0]
}

/// Defines `mod $side` with the workload on one runtime.
macro_rules! net {
    (
        $(#[$doc:meta])*
        mod $side:ident,
        runtime = $runtime:path => $Runtime:ty,
        spawn = $spawn:path,
        net = $net:path,
        io = $io:path $(,)?
    ) => {
        $(#[$doc])*
        pub mod $side {
            use $io::{AsyncReadExt, AsyncWriteExt};
            use $net::{TcpListener, TcpStream};

            use super::{byte_of, loopback, ROUND_TRIPS};
            use crate::Routine;

            /// The client end and its runtime. The fields drop in this
            /// order: the client first (the echo task reads EOF), then the
            /// runtime.
            struct PingPong {
                client: TcpStream,
                rt: $Runtime,
            }

            impl PingPong {
                /// One iteration: [`ROUND_TRIPS`] one-byte round trips.
                fn iteration(&mut self) {
                    let client = &mut self.client;
                    self.rt.block_on(async {
                        let mut buf = [0u8; 1];
                        for i in 0..ROUND_TRIPS {
                            let byte = byte_of(i);
                            client.write_all(&[byte]).await.expect("write");
                            client.read_exact(&mut buf).await.expect("read");
                            assert_eq!(buf[0], byte, "echoed byte");
                        }
                    });
                }
            }

            /// Echoes each byte `stream` reads until EOF (or an error).
            async fn echo(mut stream: TcpStream) {
                let mut buf = [0u8; 1];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            if stream.write_all(&buf).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            }

            /// `tcp_ping_pong`: see the [module docs](super).
            pub fn tcp_ping_pong() -> Routine {
                let rt = $runtime();
                let client = rt.block_on(async {
                    let listener = TcpListener::bind(loopback()).await.expect("bind");
                    let addr = listener.local_addr().expect("local address");
                    $spawn(async move {
                        let (stream, _) = listener.accept().await.expect("accept");
                        drop(listener);
                        stream.set_nodelay(true).expect("set_nodelay");
                        echo(stream).await;
                    });
                    let client = TcpStream::connect(addr).await.expect("connect");
                    client.set_nodelay(true).expect("set_nodelay");
                    client
                });
                let mut ping_pong = PingPong { client, rt };
                Box::new(move || ping_pong.iteration())
            }
        }
    };
}

net! {
    /// The workload on `taskcell-executor`.
    mod on_taskcell,
    runtime = crate::taskcell_runtime => taskcell_executor::Runtime,
    spawn = taskcell_executor::spawn,
    net = taskcell_executor::net,
    io = taskcell_executor::io,
}

net! {
    /// The workload on tokio.
    mod on_tokio,
    runtime = crate::tokio_runtime => tokio::runtime::Runtime,
    spawn = tokio::spawn,
    net = tokio::net,
    io = tokio::io,
}

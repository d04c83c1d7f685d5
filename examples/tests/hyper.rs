//! hyper 1.x on `taskcell-executor`, end to end over loopback: the example
//! server's `TaskCell` bodies fetched by hyper's client (HTTP/1.1 and
//! HTTP/2), by `curl` when it is installed, and by the example binaries.
//! Every test runs under a deadline.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::{select, Either};
use taskcell_examples::client::{get, Version};
use taskcell_examples::server::{bind, pattern_byte, Server, HELLO};
use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
use taskcell_executor::net::TcpStream;
use taskcell_executor::time::sleep;
use taskcell_executor::Runtime;

const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `test` on a fresh runtime next to `server`, listening on an
/// ephemeral port, under [`DEADLINE`].
fn with_server<F, Fut>(server: Arc<Server>, test: F)
where
    F: FnOnce(SocketAddr) -> Fut,
    Fut: Future<Output = ()>,
{
    let runtime = Runtime::new().unwrap();
    let (listener, addr) = runtime.block_on(bind(0)).unwrap();
    runtime.spawn(server.serve(listener));
    runtime.block_on(with_deadline(test(addr)));
}

/// `test`, or a panic if it takes longer than [`DEADLINE`].
async fn with_deadline(test: impl Future<Output = ()>) {
    let test = std::pin::pin!(test);
    if let Either::Right(_) = select(test, std::pin::pin!(sleep(DEADLINE))).await {
        panic!("the test took longer than {DEADLINE:?}");
    }
}

/// Waits (a bounded time) until no `/stream` body of `server` is left.
async fn no_stream_left(server: &Server) {
    let start = Instant::now();
    while server.live_streams() != 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "a body was never dropped"
        );
        sleep(Duration::from_millis(5)).await;
    }
}

/// Fetches `/stream?n={n}&size={size}` and checks every byte against the
/// pattern; returns the response's `content-length`.
async fn fetch_stream(addr: SocketAddr, n: u64, size: usize, version: Version) -> Option<u64> {
    let url = format!("http://{addr}/stream?n={n}&size={size}");
    let mut pos = 0u64;
    let mut mismatch = None;
    let response = get(&url, version, |chunk| {
        for &byte in chunk.iter() {
            if byte != pattern_byte(pos) && mismatch.is_none() {
                mismatch = Some(pos);
            }
            pos += 1;
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(mismatch, None, "{url}: first wrong byte");
    assert_eq!(pos, n * size as u64, "{url}: body length");
    response
        .headers()
        .get("content-length")
        .map(|v| v.to_str().unwrap().parse().unwrap())
}

/// `GET url`; the status and the body as text.
async fn get_text(url: &str) -> (u16, String) {
    let mut body = Vec::new();
    let response = get(url, Version::Http1, |b| body.extend_from_slice(b))
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    (response.status().as_u16(), String::from_utf8(body).unwrap())
}

#[test]
fn hyper_client_gets_every_byte_with_a_content_length() {
    with_server(Arc::new(Server::default()), |addr| async move {
        for (n, size) in [(1, 1), (2, 1000), (10, 4096), (1000, 7), (100_000, 16)] {
            let length = fetch_stream(addr, n, size, Version::Http1).await;
            // The body's exact `size_hint` survived `TaskCell` and `BoxBody`:
            // hyper sent a length, not chunked encoding.
            assert_eq!(length, Some(n * size as u64), "n={n} size={size}");
        }
        // An empty body is still a known size.
        assert_eq!(fetch_stream(addr, 0, 8, Version::Http1).await, Some(0));
    });
}

#[test]
fn http2_runs_on_the_runtime_as_hyper_executor() {
    let server = Arc::new(Server::default());
    let runtime = Runtime::new().unwrap();
    let (listener, addr) = runtime.block_on(bind(0)).unwrap();
    let served = Arc::clone(&server);
    let connection = runtime.spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        served.serve_http2_connection(stream).await
    });
    runtime.block_on(with_deadline(async {
        let length = fetch_stream(addr, 300, 1000, Version::Http2).await;
        assert_eq!(length, Some(300_000));
        // The client hung up when `get` returned: the connection ends cleanly.
        connection.await.unwrap().unwrap();
        no_stream_left(&server).await;
    }));
}

#[test]
fn two_hundred_concurrent_connections_all_succeed() {
    with_server(Arc::new(Server::default()), |addr| async move {
        let clients: Vec<_> = (0..200u64)
            .map(|i| {
                taskcell_executor::spawn(async move {
                    fetch_stream(addr, 20 + i % 7, 100 + i as usize, Version::Http1).await
                })
            })
            .collect();
        for (i, client) in (0..).zip(clients) {
            assert_eq!(client.await.unwrap(), Some((20 + i % 7) * (100 + i)));
        }
    });
}

/// Asks for a 16 GiB `/stream` body and reads its first bytes (the head):
/// the connection's task streams until the client hangs up.
async fn start_endless_download(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = b"GET /stream?n=1048576&size=16384 HTTP/1.1\r\nhost: x\r\n\r\n";
    stream.write_all(request).await.unwrap();
    let mut head = [0; 4096];
    let n = stream.read(&mut head).await.unwrap();
    assert!(head[..n].starts_with(b"HTTP/1.1 200 OK"));
    stream
}

#[test]
fn a_client_hanging_up_mid_stream_frees_the_body_and_the_server_lives_on() {
    let server = Arc::new(Server::default());
    with_server(Arc::clone(&server), |addr| async move {
        // A 16 GiB body: read a little of it, then hang up.
        let stream = start_endless_download(addr).await;
        assert_eq!(server.live_streams(), 1, "the body is streaming");
        drop(stream);

        let start = Instant::now();
        while server.live_streams() != 0 {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the body was never dropped"
            );
            sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(
            get_text(&format!("http://{addr}/hello")).await,
            (200, HELLO.into())
        );
    });
}

#[test]
fn a_silent_connection_is_closed_by_the_header_read_timeout() {
    with_server(Server::new(Duration::from_millis(200)), |addr| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let start = Instant::now();
        let mut buf = [0; 1024];
        // hyper answers 408 or just closes; either way the reads end.
        while stream.read(&mut buf).await.unwrap_or(0) > 0 {}
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(150),
            "closed after {waited:?}"
        );
        assert!(waited < Duration::from_secs(10), "closed after {waited:?}");
    });
}

#[test]
fn bad_requests_get_clear_answers() {
    with_server(Arc::new(Server::default()), |addr| async move {
        for (path, status, says) in [
            ("/stream?n=x", 400, "n must be a whole number"),
            ("/stream?size=0", 400, "size must be between"),
            ("/nowhere", 404, "try /hello"),
        ] {
            let (got, text) = get_text(&format!("http://{addr}{path}")).await;
            assert_eq!(got, status, "{path}");
            assert!(text.contains(says), "{path}: {text}");
        }
    });
}

#[test]
fn debug_tasks_dumps_the_live_tasks_with_metrics() {
    let server = Arc::new(Server::default());
    with_server(Arc::clone(&server), |addr| async move {
        // A streaming response keeps its connection task alive meanwhile.
        let stream = start_endless_download(addr).await;
        let (status, text) = get_text(&format!("http://{addr}/debug/tasks")).await;
        assert_eq!(status, 200, "{text}");
        assert!(text.starts_with("workers: "), "{text}");
        assert!(text.contains("worker 0: "), "{text}");
        assert!(text.contains("longest idle first"), "{text}");
        // The dump lists the connection tasks, spawned in server.rs.
        assert!(text.contains("server.rs"), "{text}");
        drop(stream);
    });
}

/// `curl`, a client that shares no code with hyper, when it is installed.
#[test]
fn curl_gets_every_byte_with_a_content_length() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl is not installed: skipped");
        return;
    }
    let runtime = Runtime::new().unwrap();
    let (listener, addr) = runtime.block_on(bind(0)).unwrap();
    runtime.spawn(Arc::new(Server::default()).serve(listener));
    for (n, size) in [(1, 10), (100, 1000), (100_000, 8)] {
        let url = format!("http://{addr}/stream?n={n}&size={size}");
        let out = Command::new("curl")
            .args([
                "--silent",
                "--show-error",
                "--max-time",
                "60",
                "--include",
                &url,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let split = out
            .stdout
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap();
        let head = String::from_utf8_lossy(&out.stdout[..split]).to_lowercase();
        let body = &out.stdout[split + 4..];
        let total = n * size;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains(&format!("content-length: {total}")), "{head}");
        assert_eq!(body.len() as u64, total);
        assert!(body.iter().zip(0..).all(|(&b, p)| b == pattern_byte(p)));
    }
}

/// A child process, killed when the test ends, even by a panic.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The binaries as a user runs them: `hyper_server 0` prints its URL,
/// `hyper_client` fetches from it.
#[test]
fn the_example_binaries_talk_to_each_other() {
    let mut server = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_hyper_server"))
            .arg("0")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let client = line.trim().strip_prefix("listening on ").map(|url| {
        Command::new(env!("CARGO_BIN_EXE_hyper_client"))
            .arg(format!("{url}/stream?n=123&size=45"))
            .output()
            .unwrap()
    });
    drop(server);
    let client = client.unwrap_or_else(|| panic!("no URL printed: {line:?}"));
    let printed = String::from_utf8(client.stdout).unwrap();
    assert!(client.status.success(), "{printed}");
    assert!(printed.starts_with("HTTP/1.1 200 OK\n"), "{printed}");
    assert!(printed.contains("content-length: 5535\n"), "{printed}");
    assert!(printed.ends_with("\n5535 body bytes\n"), "{printed}");
}

#[test]
fn the_server_binary_refuses_a_bad_port() {
    let out = Command::new(env!("CARGO_BIN_EXE_hyper_server"))
        .arg("http")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: invalid value 'http' for '[PORT]': the port must be 0–65535"),
        "{stderr}"
    );
    assert!(stderr.contains("'--help'"), "{stderr}");
}

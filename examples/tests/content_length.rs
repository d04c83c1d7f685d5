//! `content-length` without `bind`: a body in `TaskCell::new_body` keeps its
//! size where hyper runs the connection outside any task — under plain
//! `tokio::spawn` and under `axum::serve` — while `TaskCell::new` has no
//! record before the first poll, so there hyper falls back to chunked
//! encoding.

use std::cell::Cell;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::{Body, Frame, SizeHint};
use hyper::{Request, Response};
use taskcell::TaskCell;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Three chunks of "tick"; the `Cell` makes it `Send` but not `Sync`.
struct Ticks(Cell<u64>);

fn ticks() -> Ticks {
    Ticks(Cell::new(3))
}

impl Body for Ticks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let left = self.0.get();
        self.0.set(left.saturating_sub(1));
        Poll::Ready((left > 0).then(|| Ok(Frame::data(Bytes::from_static(b"tick")))))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(4 * self.0.get())
    }
}

/// The response head, lower-cased, and the body of `GET path`, over a raw
/// socket, so no client library has a say in how the body is framed.
async fn get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .expect("a complete response");
    (head.to_ascii_lowercase(), body.to_owned())
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Bounds a hang (a server that never answers) with a clear failure.
async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 60 s"))
}

#[test]
fn axum_serve_sends_content_length_for_a_new_body() {
    tokio_rt().block_on(async {
        let app = axum::Router::new()
            .route(
                "/new_body",
                axum::routing::get(|| async { axum::body::Body::new(TaskCell::new_body(ticks())) }),
            )
            .route(
                "/new",
                axum::routing::get(|| async { axum::body::Body::new(TaskCell::new(ticks())) }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let (head, body) = within("axum", get(addr, "/new_body")).await;
        assert!(head.contains("\r\ncontent-length: 12"), "{head}");
        assert!(!head.contains("transfer-encoding"), "{head}");
        assert_eq!(body, "tickticktick");

        // The same body in `TaskCell::new`: no task, no record, no size.
        let (head, _) = within("axum", get(addr, "/new")).await;
        assert!(head.contains("transfer-encoding: chunked"), "{head}");
    });
}

#[test]
fn hyper_on_plain_tokio_spawn_sends_content_length_for_a_new_body() {
    tokio_rt().block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let service = hyper::service::service_fn(|request: Request<_>| async move {
                    let body = if request.uri().path() == "/new_body" {
                        TaskCell::new_body(ticks())
                    } else {
                        TaskCell::new(ticks())
                    };
                    Ok::<_, Infallible>(Response::new(BoxBody::new(body)))
                });
                // No `taskcell::bind` around the connection.
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });

        let (head, body) = within("hyper", get(addr, "/new_body")).await;
        assert!(head.contains("\r\ncontent-length: 12"), "{head}");
        assert!(!head.contains("transfer-encoding"), "{head}");
        assert_eq!(body, "tickticktick");

        let (head, _) = within("hyper", get(addr, "/new")).await;
        assert!(head.contains("transfer-encoding: chunked"), "{head}");
    });
}

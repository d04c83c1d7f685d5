//! The rival in the HTTP measurements: the routes of `hyper_server`
//! (`/hello` and `/stream`), written as a tokio user writes them — hyper 1.x
//! on tokio through hyper-util's `TokioIo` and `TokioTimer`, with the same
//! header-read timeout, and no `taskcell::bind` or `TaskCell`: `/stream` is a
//! plain `Send + Sync` body. It fills its chunks from the same
//! [`server::pattern`](crate::server::pattern) as ours, so both sides do the same
//! work per request outside their runtime.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};

use crate::server::{parse_query, pattern, HELLO};

type PlainBody = BoxBody<Bytes, Infallible>;

/// Accepts connections on `listener` forever, each served by hyper's
/// HTTP/1.1 connection in a tokio task, as in hyper's own server examples.
pub async fn serve(listener: tokio::net::TcpListener, header_read_timeout: Duration) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of descriptors: back off rather than spin.
                if !matches!(
                    error.kind(),
                    io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                ) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(
                    hyper_util::rt::TokioIo::new(stream),
                    service_fn(|request: Request<Incoming>| async move {
                        Ok::<_, Infallible>(respond(&request))
                    }),
                )
                .await;
        });
    }
}

/// Answers one request: the routes of `hyper_server` (no `/debug/tasks`).
pub fn respond<B>(request: &Request<B>) -> Response<PlainBody> {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/hello") => Response::new(full(Bytes::from_static(HELLO.as_bytes()))),
        (&Method::GET, "/stream") => match parse_query(request.uri().query().unwrap_or("")) {
            Ok((n, size)) => Response::new(
                Chunks {
                    left: n,
                    pos: 0,
                    size,
                    pattern: pattern(size),
                }
                .boxed(),
            ),
            Err(reason) => status(StatusCode::BAD_REQUEST, reason),
        },
        _ => status(StatusCode::NOT_FOUND, "not found: try /hello or /stream"),
    }
}

fn full(bytes: Bytes) -> PlainBody {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

fn status(code: StatusCode, text: &'static str) -> Response<PlainBody> {
    let mut response = Response::new(full(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = code;
    response
}

/// `/stream`'s body: `left` more chunks of `size` bytes of the pattern,
/// with an exact size (hence a `content-length`), in plain fields.
#[derive(Debug)]
struct Chunks {
    left: u64,
    pos: u64,
    size: usize,
    pattern: Bytes,
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.left == 0 {
            return Poll::Ready(None);
        }
        let start = (this.pos % 251) as usize;
        let chunk = this.pattern.slice(start..start + this.size);
        this.left -= 1;
        this.pos += this.size as u64;
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left * self.size as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::pattern_byte;

    #[test]
    fn the_plain_stream_is_the_same_body_as_ours() {
        let request = Request::get("/stream?n=3&size=300").body(()).unwrap();
        let response = respond(&request);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.body().size_hint().exact(), Some(900));
        let body = futures::executor::block_on(response.into_body().collect())
            .unwrap()
            .to_bytes();
        assert_eq!(body.len(), 900);
        assert!(body.iter().zip(0..).all(|(&b, p)| b == pattern_byte(p)));
        let hello = respond(&Request::get("/hello").body(()).unwrap());
        assert_eq!(hello.body().size_hint().exact(), Some(HELLO.len() as u64));
        let missing = respond(&Request::get("/nope").body(()).unwrap());
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }
}

//! `body`: an HTTP response body streamed through hyper over loopback, made
//! `Sync` for `BoxBody` by a `TaskCell`, a `Mutex` or a `SyncWrapper`.
//!
//! The body, [`Chunks`], is a hand-written `http_body::Body` with
//! `Send + !Sync` state: [`TOTAL`] bytes in chunks of [`CHUNK`] bytes, each
//! a reference-counted clone of one buffer, so the bench measures the
//! transport and the wrapper, not the making of bytes. A hyper server boxes
//! it into `BoxBody` (which demands `Sync`) through one of the three
//! [`Wrap`]pers:
//!
//! - `TaskCell<Chunks>`: polls through `Pin<&mut Self>` unchecked; its
//!   `size_hint` reaches the body, so hyper sends a `content-length`.
//! - [`MutexBody`]: locks a `std::sync::Mutex` on every poll and hint.
//! - [`SyncWrapperBody`]: `SyncWrapper` gives up `&self` access, so the
//!   size is unknown and hyper falls back to chunked encoding (this is what
//!   axum's `Body::from_stream` does). That costs more than the wrapper
//!   itself, so a fourth variant isolates the wrapper: `SyncWrapper` with the
//!   `content-length` header set by hand, as a user who knows the size can.
//!
//! One iteration is one `GET` on a kept-alive HTTP/1.1 connection, reading
//! the whole body with hyper's client; it checks the byte count and whether
//! the response carried a `content-length`. On `taskcell-executor` sockets
//! come from its own I/O driver (`taskcell_executor::net`, hyper's `Read`
//! and `Write` implemented directly); on tokio from tokio, through
//! `hyper_util::rt::TokioIo`, and the connection
//! task is wrapped in `taskcell::bind` so the `TaskCell` has an owner (what a
//! tokio user does to keep the size hint). Both ends set `TCP_NODELAY`, as
//! hyper-based servers do: without it, Nagle's algorithm against the peer's
//! delayed ACK stalls a connection for tens of milliseconds at a time, and
//! the figures measure those stalls instead of the body.

use std::cell::Cell;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Response};
use sync_wrapper::SyncWrapper;
use taskcell::TaskCell;

use crate::Variant;

/// Bytes per response: 64 MiB.
pub const TOTAL: u64 = 64 << 20;
/// Bytes per chunk: 16 KiB.
pub const CHUNK: usize = 16 << 10;

/// The body: [`TOTAL`] bytes in [`CHUNK`]-byte chunks. The `Cell` makes it
/// `Send` but not `Sync`, like most hand-written bodies.
#[derive(Debug)]
pub struct Chunks {
    left: Cell<u64>,
    chunk: Bytes,
}

impl Chunks {
    /// A fresh body of [`TOTAL`] bytes.
    pub fn new() -> Chunks {
        Chunks {
            left: Cell::new(TOTAL / CHUNK as u64),
            chunk: Bytes::from(vec![b'x'; CHUNK]),
        }
    }
}

impl Default for Chunks {
    fn default() -> Chunks {
        Chunks::new()
    }
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let left = self.left.get();
        if left == 0 {
            return Poll::Ready(None);
        }
        self.left.set(left - 1);
        Poll::Ready(Some(Ok(Frame::data(self.chunk.clone()))))
    }

    fn is_end_stream(&self) -> bool {
        self.left.get() == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left.get() * CHUNK as u64)
    }
}

/// A way to make [`Chunks`] `Sync`, so that it fits in `BoxBody`.
pub trait Wrap: Body<Data = Bytes, Error = Infallible> + Send + Sync + Unpin + 'static {
    /// Whether the wrapped body's size reaches hyper (a `content-length`).
    const KEEPS_SIZE: bool;

    /// Wraps a body.
    fn wrap(body: Chunks) -> Self;
}

impl Wrap for TaskCell<Chunks> {
    const KEEPS_SIZE: bool = true;

    fn wrap(body: Chunks) -> Self {
        TaskCell::new(body)
    }
}

/// A body behind a `std::sync::Mutex`, locked on every poll and hint.
#[derive(Debug)]
pub struct MutexBody<B>(pub Mutex<B>);

impl<B: Body + Unpin> Body for MutexBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut *self.0.lock().unwrap()).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0.lock().unwrap().is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.0.lock().unwrap().size_hint()
    }
}

impl Wrap for MutexBody<Chunks> {
    const KEEPS_SIZE: bool = true;

    fn wrap(body: Chunks) -> Self {
        MutexBody(Mutex::new(body))
    }
}

/// A body in a `SyncWrapper`: `Sync` because nothing reaches it through
/// `&self`, so `size_hint` and `is_end_stream` keep their defaults (unknown,
/// `false`).
#[derive(Debug)]
pub struct SyncWrapperBody<B>(pub SyncWrapper<B>);

impl<B: Body + Unpin> Body for SyncWrapperBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(self.get_mut().0.get_mut()).poll_frame(cx)
    }
}

impl Wrap for SyncWrapperBody<Chunks> {
    const KEEPS_SIZE: bool = false;

    fn wrap(body: Chunks) -> Self {
        SyncWrapperBody(SyncWrapper::new(body))
    }
}

/// `taskcell-executor` with a `TaskCell` body: ours.
pub const OURS: Variant = Variant {
    name: "taskcell-executor+TaskCell",
    setup: on_taskcell::routine::<TaskCell<Chunks>, false>,
};

/// What [`OURS`] is compared with: the other wrappers on our runtime, and
/// all four on tokio.
pub const THEIRS: [Variant; 7] = [
    Variant {
        name: "taskcell-executor+Mutex",
        setup: on_taskcell::routine::<MutexBody<Chunks>, false>,
    },
    Variant {
        name: "taskcell-executor+SyncWrapper",
        setup: on_taskcell::routine::<SyncWrapperBody<Chunks>, false>,
    },
    Variant {
        name: "taskcell-executor+SyncWrapper+length",
        setup: on_taskcell::routine::<SyncWrapperBody<Chunks>, true>,
    },
    Variant {
        name: "tokio+bind+TaskCell",
        setup: on_tokio::routine::<TaskCell<Chunks>, false>,
    },
    Variant {
        name: "tokio+Mutex",
        setup: on_tokio::routine::<MutexBody<Chunks>, false>,
    },
    Variant {
        name: "tokio+SyncWrapper",
        setup: on_tokio::routine::<SyncWrapperBody<Chunks>, false>,
    },
    Variant {
        name: "tokio+SyncWrapper+length",
        setup: on_tokio::routine::<SyncWrapperBody<Chunks>, true>,
    },
];

/// The server's only answer: a fresh body, wrapped in `W` and boxed; with
/// `LENGTH_BY_HAND`, a `content-length` header set by the handler.
fn respond<W: Wrap, const LENGTH_BY_HAND: bool>() -> Response<BoxBody<Bytes, Infallible>> {
    let mut response = Response::new(BoxBody::new(W::wrap(Chunks::new())));
    if LENGTH_BY_HAND {
        let headers = response.headers_mut();
        headers.insert(hyper::header::CONTENT_LENGTH, TOTAL.into());
    }
    response
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// One `GET` on the kept-alive connection; reads the whole body.
async fn fetch<W: Wrap, const LENGTH_BY_HAND: bool>(sender: &mut SendRequest<Empty<Bytes>>) {
    sender.ready().await.expect("connection closed");
    let request = Request::get("/").body(Empty::new()).unwrap();
    let response = sender.send_request(request).await.expect("request failed");
    let length = response.headers().get(hyper::header::CONTENT_LENGTH);
    let expected = W::KEEPS_SIZE || LENGTH_BY_HAND;
    assert_eq!(length.is_some(), expected, "content-length: {length:?}");
    let mut body = response.into_body();
    let mut received = 0;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame.expect("body error").data_ref() {
            received += data.len() as u64;
        }
    }
    assert_eq!(received, TOTAL);
}

/// The workload on `taskcell-executor`, on its own sockets.
pub mod on_taskcell {
    use hyper::service::service_fn;
    use taskcell_executor::net::{TcpListener, TcpStream};

    use super::{fetch, loopback, respond, Wrap};
    use crate::Routine;

    /// Starts the runtime, a server answering `W` bodies and a client
    /// connection; each call of the routine fetches one body.
    /// With `LENGTH_BY_HAND`, the handler sets `content-length` itself.
    pub fn routine<W: Wrap, const LENGTH_BY_HAND: bool>() -> Routine {
        let rt = crate::taskcell_runtime();
        let mut sender = rt.block_on(async {
            let listener = TcpListener::bind(loopback()).await.unwrap();
            let addr = listener.local_addr().unwrap();
            taskcell_executor::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    stream.set_nodelay(true).unwrap();
                    let service = service_fn(|_| async {
                        Ok::<_, std::convert::Infallible>(respond::<W, LENGTH_BY_HAND>())
                    });
                    taskcell_executor::spawn(
                        hyper::server::conn::http1::Builder::new()
                            .serve_connection(stream, service),
                    );
                }
            });
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (sender, connection) = hyper::client::conn::http1::handshake(stream).await.unwrap();
            taskcell_executor::spawn(connection);
            sender
        });
        Box::new(move || rt.block_on(fetch::<W, LENGTH_BY_HAND>(&mut sender)))
    }
}

/// The workload on tokio, each connection task in `taskcell::bind`.
pub mod on_tokio {
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    use tokio::net::{TcpListener, TcpStream};

    use super::{fetch, loopback, respond, Wrap};
    use crate::Routine;

    /// Starts the runtime, a server answering `W` bodies and a client
    /// connection; each call of the routine fetches one body.
    /// With `LENGTH_BY_HAND`, the handler sets `content-length` itself.
    pub fn routine<W: Wrap, const LENGTH_BY_HAND: bool>() -> Routine {
        let rt = crate::tokio_runtime();
        let mut sender = rt.block_on(async {
            let listener = TcpListener::bind(loopback()).await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    stream.set_nodelay(true).unwrap();
                    let service = service_fn(|_| async {
                        Ok::<_, std::convert::Infallible>(respond::<W, LENGTH_BY_HAND>())
                    });
                    tokio::spawn(taskcell::bind(
                        hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service),
                    ));
                }
            });
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            tokio::spawn(connection);
            sender
        });
        Box::new(move || rt.block_on(fetch::<W, LENGTH_BY_HAND>(&mut sender)))
    }
}

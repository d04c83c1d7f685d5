//! The `hyper_server` example: hyper 1.x on `taskcell-executor`, streaming
//! bodies whose state lives in a [`TaskCell`].
//!
//! Routes:
//!
//! - `GET /hello`: a fixed body, [`HELLO`].
//! - `GET /stream?n=N&size=S`: `N` chunks of `S` bytes (defaults 16 and
//!   1024) from [`ChunkStream`], a hand-written body with `Send + !Sync`
//!   state, put in a `TaskCell` and boxed into `BoxBody`. Byte `p` of the
//!   body is [`pattern_byte(p)`](pattern_byte), so a client can check every
//!   byte. The response carries a `content-length`: the body's exact
//!   `size_hint` survives the wrapping.
//! - `GET /debug/tasks`: the runtime's metrics and a dump of its live tasks
//!   ([`Handle::dump`](taskcell_executor::Handle::dump)), longest idle
//!   first; 404 when served on tokio (`serve_on_tokio`), which has no dump.
//! - anything else: 404; a malformed query: 400 with the reason.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::service::{service_fn, Service};
use hyper::{Method, Request, Response, StatusCode};
use taskcell::TaskCell;
use taskcell_executor::hyper::HyperTimer;
use taskcell_executor::net::{TcpListener, TcpStream};

/// The body of `GET /hello`.
pub const HELLO: &str = "Hello from hyper on taskcell-executor\n";

/// The largest chunk `/stream` accepts.
pub const MAX_CHUNK: usize = 16 << 20;

/// Every response body: `Send + Sync`, boxed.
pub type ResponseBody = BoxBody<Bytes, Infallible>;

/// Byte `pos` of every `/stream` body.
pub fn pattern_byte(pos: u64) -> u8 {
    (pos % 251) as u8
}

/// The state of the server, shared by its connections.
#[derive(Debug, Default)]
pub struct Server {
    live_streams: AtomicUsize,
    accept_errors: AtomicUsize,
    header_read_timeout: Option<Duration>,
}

impl Server {
    /// A server; connections that send no complete request head within
    /// `header_read_timeout` are closed (timed by [`HyperTimer`]).
    pub fn new(header_read_timeout: Duration) -> Arc<Server> {
        Arc::new(Server {
            live_streams: AtomicUsize::new(0),
            accept_errors: AtomicUsize::new(0),
            header_read_timeout: Some(header_read_timeout),
        })
    }

    /// How many `/stream` bodies exist right now: each one is dropped when
    /// its response ends, or when the client hangs up.
    pub fn live_streams(&self) -> usize {
        self.live_streams.load(Ordering::SeqCst)
    }

    /// How many times `accept` failed for lack of resources and
    /// [`serve`](Self::serve) backed off.
    pub fn accept_errors(&self) -> usize {
        self.accept_errors.load(Ordering::Relaxed)
    }

    /// Answers one request.
    pub fn respond<B>(self: &Arc<Server>, request: &Request<B>) -> Response<ResponseBody> {
        match (request.method(), request.uri().path()) {
            (&Method::GET, "/hello") => Response::new(full(HELLO)),
            (&Method::GET, "/stream") => match parse_query(request.uri().query().unwrap_or("")) {
                Ok((n, size)) => {
                    let stream = ChunkStream::new(n, size, Arc::clone(self));
                    // `ChunkStream` is `Send` but not `Sync`; `BoxBody` needs
                    // both. `TaskCell` makes it `Sync` and keeps its size,
                    // recorded at construction for connections run outside
                    // any task (tokio without `bind`).
                    Response::new(BoxBody::new(TaskCell::new_body(stream)))
                }
                Err(reason) => status(StatusCode::BAD_REQUEST, reason),
            },
            (&Method::GET, "/debug/tasks") => match taskcell_executor::Handle::try_current() {
                Ok(handle) => Response::new(text(debug_tasks(&handle))),
                Err(_) => status(
                    StatusCode::NOT_FOUND,
                    "task dumps need the taskcell runtime; this server runs on tokio\n",
                ),
            },
            _ => status(
                StatusCode::NOT_FOUND,
                "not found: try /hello or /stream?n=16&size=1024",
            ),
        }
    }

    /// The server as a hyper service: every request answered by
    /// [`respond`](Self::respond), at once.
    fn service(
        self: Arc<Server>,
    ) -> impl Service<
        Request<Incoming>,
        Response = Response<ResponseBody>,
        Error = Infallible,
        Future = Ready<Result<Response<ResponseBody>, Infallible>>,
    > + Clone {
        service_fn(move |request: Request<Incoming>| ready(Ok(self.respond(&request))))
    }

    /// Serves HTTP/1.1 on one connection until it closes.
    pub async fn serve_connection(self: Arc<Server>, stream: TcpStream) -> hyper::Result<()> {
        let header_read_timeout = self.header_read_timeout;
        hyper::server::conn::http1::Builder::new()
            .timer(HyperTimer::new())
            .header_read_timeout(header_read_timeout)
            .serve_connection(stream, self.service())
            .await
    }

    /// Serves HTTP/2 (prior knowledge) on one connection until it closes;
    /// hyper spawns a task per stream through the runtime's
    /// [`Handle`](taskcell_executor::Handle), its `hyper::rt::Executor`.
    pub async fn serve_http2_connection(self: Arc<Server>, stream: TcpStream) -> hyper::Result<()> {
        hyper::server::conn::http2::Builder::new(taskcell_executor::Handle::current())
            .timer(HyperTimer::new())
            .serve_connection(stream, self.service())
            .await
    }

    /// Accepts connections forever, each served in a task of its own on the
    /// current runtime.
    ///
    /// An `accept` that fails for lack of resources (`EMFILE`: out of file
    /// descriptors) backs off for [`ACCEPT_BACKOFF`] and tries again, so the
    /// server neither spins nor stops, and serves again once descriptors
    /// are free. A peer that gave up before its connection was accepted is
    /// skipped.
    pub async fn serve(self: Arc<Server>, listener: TcpListener) {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    if self.must_back_off(&error) {
                        taskcell_executor::time::sleep(ACCEPT_BACKOFF).await;
                    }
                    continue;
                }
            };
            // As hyper-based servers do: small writes (a response head, the
            // last chunk) go out at once instead of waiting out Nagle's
            // algorithm against the peer's delayed ACK.
            let _ = stream.set_nodelay(true);
            let server = Arc::clone(&self);
            // Named after the peer, for `/debug/tasks` and error messages.
            let name = format!("conn {peer}");
            taskcell_executor::task::Builder::new()
                .name(&name)
                .spawn(async move {
                    if let Err(error) = server.serve_connection(stream).await {
                        if !is_routine(&error) {
                            eprintln!("connection: {error}");
                        }
                    }
                });
        }
    }
}

impl Server {
    /// [`serve`](Self::serve)'s twin on hyper + tokio, for comparing the two
    /// runtimes on the same routes: each connection task runs in
    /// [`taskcell::bind`], which gives the `TaskCell` bodies an owner, so
    /// their exact size still becomes a `content-length`.
    pub async fn serve_on_tokio(self: Arc<Server>, listener: tokio::net::TcpListener) {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(error) => {
                    if self.must_back_off(&error) {
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let server = Arc::clone(&self);
            tokio::spawn(taskcell::bind(async move {
                let header_read_timeout = server.header_read_timeout;
                let served = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(header_read_timeout)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), server.service())
                    .await;
                if let Err(error) = served {
                    if !is_routine(&error) {
                        eprintln!("connection: {error}");
                    }
                }
            }));
        }
    }
}

/// Whether a connection's error is the peer's routine behaviour rather than
/// something to report: hanging up mid-response (or before the server's own
/// shutdown of the connection), or staying silent past the header read
/// timeout.
fn is_routine(error: &hyper::Error) -> bool {
    use std::error::Error as _;
    let peer_left = |e: &io::Error| {
        matches!(
            e.kind(),
            io::ErrorKind::BrokenPipe
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::NotConnected
        )
    };
    error.is_incomplete_message()
        || error.is_canceled()
        || error.is_timeout()
        || error
            .source()
            .and_then(|e| e.downcast_ref::<io::Error>())
            .is_some_and(peer_left)
}

/// How long [`Server::serve`] waits after an `accept` that failed for lack
/// of resources.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

impl Server {
    /// After a failed `accept`: whether to back off before the next one.
    /// Not when only the connection being accepted failed (the peer gave
    /// up); otherwise (`EMFILE` and the like) the failure is counted and
    /// reported.
    fn must_back_off(&self, error: &io::Error) -> bool {
        let peer_gave_up = matches!(
            error.kind(),
            io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
        );
        if !peer_gave_up {
            self.accept_errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("accept: {error}; retrying in {ACCEPT_BACKOFF:?}");
        }
        !peer_gave_up
    }
}

/// Binds 127.0.0.1 on `port` (0: any free port), on the current runtime.
pub async fn bind(port: u16) -> io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

fn full(text: &'static str) -> ResponseBody {
    Full::new(Bytes::from_static(text.as_bytes()))
        .map_err(|never| match never {})
        .boxed()
}

fn text(text: String) -> ResponseBody {
    Full::new(Bytes::from(text))
        .map_err(|never| match never {})
        .boxed()
}

/// The runtime's metrics in a few lines, then its task dump.
pub fn debug_tasks(handle: &taskcell_executor::Handle) -> String {
    let metrics = handle.metrics();
    let mut out = format!(
        "workers: {}, alive tasks: {}, spawned: {}, global queue: {}\n",
        metrics.num_workers(),
        metrics.num_alive_tasks(),
        metrics.spawned_tasks_count(),
        metrics.global_queue_depth(),
    );
    for worker in 0..metrics.num_workers() {
        out += &format!(
            "worker {worker}: {} polls, {} steals, {} parks, {} queued, busy {:.3}s\n",
            metrics.worker_poll_count(worker),
            metrics.worker_steal_count(worker),
            metrics.worker_park_count(worker),
            metrics.worker_local_queue_depth(worker),
            metrics.worker_total_busy_duration(worker).as_secs_f64(),
        );
    }
    out += "\n";
    out += &handle.dump().to_string();
    out
}

fn status(code: StatusCode, text: &'static str) -> Response<ResponseBody> {
    let mut response = Response::new(full(text));
    *response.status_mut() = code;
    response
}

/// `n=N&size=S`, in any order, both optional.
pub fn parse_query(query: &str) -> Result<(u64, usize), &'static str> {
    let (mut n, mut size) = (16, 1024);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("n", v)) => n = v.parse().map_err(|_| "n must be a whole number")?,
            Some(("size", v)) => {
                size = v.parse().map_err(|_| "size must be a whole number")?;
            }
            _ => return Err("expected n=N&size=S"),
        }
    }
    if size == 0 || size > MAX_CHUNK {
        return Err("size must be between 1 and 16777216");
    }
    Ok((n, size))
}

/// `size + 251` bytes of the pattern, so that a chunk of `size` bytes at
/// any body position is a slice of it (`pattern[pos % 251..][..size]`).
///
/// Made once per size and thread, then shared (a `Bytes` clone): a request
/// costs a reference count, not `size` calls of [`pattern_byte`], on both
/// sides of a comparison (the plain rival uses it too).
pub fn pattern(size: usize) -> Bytes {
    std::thread_local! {
        static PATTERNS: std::cell::RefCell<Vec<(usize, Bytes)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    PATTERNS.with(|patterns| {
        let mut patterns = patterns.borrow_mut();
        if let Some((_, pattern)) = patterns.iter().find(|(s, _)| *s == size) {
            return pattern.clone();
        }
        let pattern: Bytes = (0..(size + 251) as u64).map(pattern_byte).collect();
        // A few sizes are in use at a time; an old one makes room.
        if patterns.len() == 8 {
            patterns.remove(0);
        }
        patterns.push((size, pattern.clone()));
        pattern
    })
}

/// A hand-written body: `n` chunks of `size` bytes of the pattern.
///
/// Its state is `Send` but not `Sync` (the `Cell`s, as in most hand-written
/// streams: state that only its own task touches), so it cannot go into
/// `BoxBody` by itself; `TaskCell::new_body(stream)` can. Every chunk is a slice
/// of one buffer, without copying.
#[derive(Debug)]
pub struct ChunkStream {
    /// Chunks still to send.
    left: Cell<u64>,
    /// Where the next chunk starts in the body.
    pos: Cell<u64>,
    size: usize,
    /// `size + 251` bytes of the pattern: chunk at `pos` is
    /// `pattern[pos % 251..][..size]`.
    pattern: Bytes,
    server: Arc<Server>,
}

impl ChunkStream {
    /// `n` chunks of `size` bytes; counted live in `server` until dropped.
    pub fn new(n: u64, size: usize, server: Arc<Server>) -> ChunkStream {
        server.live_streams.fetch_add(1, Ordering::SeqCst);
        let pattern = pattern(size);
        ChunkStream {
            left: Cell::new(n),
            pos: Cell::new(0),
            size,
            pattern,
            server,
        }
    }
}

impl Body for ChunkStream {
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
        let pos = self.pos.get();
        let start = (pos % 251) as usize;
        let chunk = self.pattern.slice(start..start + self.size);
        self.left.set(left - 1);
        self.pos.set(pos + self.size as u64);
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.left.get() == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left.get() * self.size as u64)
    }
}

impl Drop for ChunkStream {
    fn drop(&mut self) {
        self.server.live_streams.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_parse_with_defaults_and_limits() {
        assert_eq!(parse_query(""), Ok((16, 1024)));
        assert_eq!(parse_query("n=3"), Ok((3, 1024)));
        assert_eq!(parse_query("size=7&n=0"), Ok((0, 7)));
        assert!(parse_query("n=-1").is_err());
        assert!(parse_query("size=0").is_err());
        assert!(parse_query("size=16777217").is_err());
        assert!(parse_query("m=3").is_err());
    }

    #[test]
    fn chunks_follow_the_pattern_across_boundaries() {
        let server = Arc::new(Server::default());
        let mut stream = ChunkStream::new(3, 300, Arc::clone(&server));
        let mut body = Vec::new();
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(stream.size_hint().exact(), Some(900));
        while let Poll::Ready(Some(frame)) = Pin::new(&mut stream).poll_frame(&mut cx) {
            body.extend_from_slice(&frame.unwrap().into_data().unwrap());
        }
        assert!(stream.is_end_stream());
        assert_eq!(body.len(), 900);
        assert!(body.iter().zip(0..).all(|(&b, p)| b == pattern_byte(p)));
        assert_eq!(server.live_streams(), 1);
        drop(stream);
        assert_eq!(server.live_streams(), 0);
    }
}

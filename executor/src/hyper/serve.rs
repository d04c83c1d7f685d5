//! [`serve`]: a tower service (axum's `Router`, say) served over HTTP/1 and
//! HTTP/2 on this runtime, as `axum::serve` serves one on tokio's.

use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::time::Duration;

use futures_util::future::Either;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tower_service::Service;

use super::HyperTimer;
use crate::net::TcpListener;
use crate::runtime::Handle;

/// Serves `service` on `listener`: each connection, HTTP/1 or HTTP/2 (told
/// apart by its first bytes; HTTP/1 upgrades such as WebSocket work), in a
/// task of its own on the runtime of the code that awaits it, with a clone
/// of the service. axum's `Router` passes straight in. Await the result
/// (it runs until an error of the listener's, which does not happen in
/// practice: a failed `accept` is retried), or add
/// [`with_graceful_shutdown`](Serve::with_graceful_shutdown).
///
/// As `axum::serve`: no header-read timeout and no `TCP_NODELAY` unless
/// asked for ([`Serve::with_timers`], [`Serve::tcp_nodelay`]); HTTP/2's
/// CONNECT protocol is on (WebSockets over HTTP/2). A failed `accept` for
/// lack of descriptors waits a second on the runtime's timer, so the
/// runtime needs timers (as `Runtime::new()` has).
///
/// ```
/// use std::convert::Infallible;
/// use std::future::{ready, IntoFuture, Ready};
/// use std::task::{Context, Poll};
/// use http::{Request, Response};
///
/// /// A tower service (axum's `Router` is one, too).
/// #[derive(Clone)]
/// struct Hello;
///
/// impl tower_service::Service<Request<hyper::body::Incoming>> for Hello {
///     type Response = Response<String>;
///     type Error = Infallible;
///     type Future = Ready<Result<Response<String>, Infallible>>;
///
///     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
///         Poll::Ready(Ok(()))
///     }
///
///     fn call(&mut self, _: Request<hyper::body::Incoming>) -> Self::Future {
///         ready(Ok(Response::new(String::from("hello"))))
///     }
/// }
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let listener = taskcell_executor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let (stop, stopped) = futures::channel::oneshot::channel::<()>();
///     let server = taskcell_executor::spawn(
///         taskcell_executor::hyper::serve(listener, Hello)
///             .with_graceful_shutdown(async { stopped.await.unwrap() })
///             .into_future(),
///     );
///     stop.send(()).unwrap();
///     server.await.unwrap().unwrap();
/// });
/// ```
pub fn serve<S, B>(listener: TcpListener, service: S) -> Serve<S>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    Serve {
        listener,
        service,
        timers: false,
        nodelay: false,
    }
}

/// What [`serve`] returns: await it, or add a graceful shutdown.
#[must_use = "a server does nothing until it is awaited"]
pub struct Serve<S> {
    listener: TcpListener,
    service: S,
    /// hyper's timers on the runtime's wheel (header-read timeout, HTTP/2
    /// keep-alive).
    timers: bool,
    /// `TCP_NODELAY` on every accepted stream.
    nodelay: bool,
}

/// [`Serve`] with a graceful shutdown; see
/// [`Serve::with_graceful_shutdown`].
#[must_use = "a server does nothing until it is awaited"]
pub struct WithGracefulShutdown<S, F> {
    serve: Serve<S>,
    signal: F,
}

impl<S> Serve<S> {
    /// Gives hyper the runtime's timers: HTTP/1 connections then close when
    /// a request's headers take longer than 30 s (hyper's header-read
    /// timeout, against slow clients), and HTTP/2 keep-alive pings work.
    /// Off by default, as in `axum::serve`.
    pub fn with_timers(mut self) -> Serve<S> {
        self.timers = true;
        self
    }

    /// Sets `TCP_NODELAY` on every accepted stream: small responses go out
    /// at once instead of waiting to be merged. Off by default, as in
    /// `axum::serve`.
    pub fn tcp_nodelay(mut self, nodelay: bool) -> Serve<S> {
        self.nodelay = nodelay;
        self
    }

    /// Serves until `signal` completes, then stops accepting, lets every
    /// connection finish the requests under way (HTTP/1 connections close
    /// after their current response, HTTP/2 ones send GOAWAY), and
    /// completes once they have.
    pub fn with_graceful_shutdown<F>(self, signal: F) -> WithGracefulShutdown<S, F>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        WithGracefulShutdown {
            serve: self,
            signal,
        }
    }
}

impl<S, B> IntoFuture for Serve<S>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        self.with_graceful_shutdown(std::future::pending())
            .into_future()
    }
}

impl<S, B, F> IntoFuture for WithGracefulShutdown<S, F>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        let WithGracefulShutdown {
            serve:
                Serve {
                    listener,
                    service,
                    timers,
                    nodelay,
                },
            signal,
        } = self;
        Box::pin(async move {
            // axum's settings: the CONNECT protocol (HTTP/2 WebSockets), no
            // header-read timeout unless asked for (`Serve::with_timers`).
            let mut builder = auto::Builder::new(Handle::current());
            builder.http2().enable_connect_protocol();
            if timers {
                builder.http1().timer(HyperTimer::new());
                builder.http2().timer(HyperTimer::new());
            }
            let graceful = GracefulShutdown::new();
            let mut signal = std::pin::pin!(signal);
            loop {
                let accepted = {
                    let accept = std::pin::pin!(listener.accept());
                    match futures_util::future::select(accept, signal.as_mut()).await {
                        Either::Left((accepted, _)) => Some(accepted),
                        Either::Right(((), _)) => None,
                    }
                };
                let stream = match accepted {
                    Some(Ok((stream, _))) => stream,
                    Some(Err(err)) => {
                        accept_failed(err).await;
                        continue;
                    }
                    None => break,
                };
                if nodelay {
                    let _ = stream.set_nodelay(true);
                }
                let service = TowerToHyperService::new(service.clone());
                let connection = builder
                    .serve_connection_with_upgrades(stream, service)
                    .into_owned();
                let connection = graceful.watch(connection);
                crate::spawn(async move {
                    // A connection's error (a peer gone mid-request) ends
                    // that connection only.
                    let _ = connection.await;
                });
            }
            drop(listener);
            graceful.shutdown().await;
            Ok(())
        })
    }
}

/// After a failed `accept`: an error of one connection (it went before it
/// was taken) is nothing; running out of descriptors or memory is waited
/// out for a second, as axum and hyper's examples do, rather than spun on.
async fn accept_failed(err: io::Error) {
    if !matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) {
        crate::time::sleep(Duration::from_secs(1)).await;
    }
}

impl<S> fmt::Debug for Serve<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

impl<S, F> fmt::Debug for WithGracefulShutdown<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithGracefulShutdown")
            .field("serve", &self.serve)
            .finish_non_exhaustive()
    }
}

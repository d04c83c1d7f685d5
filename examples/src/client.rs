//! The `hyper_client` example's request: hyper 1.x's client on
//! `taskcell-executor`, over its own sockets.

use std::error::Error;
use std::net::ToSocketAddrs;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{HeaderValue, HOST};
use hyper::{Request, Response, Uri};
use taskcell_executor::net::TcpStream;

/// Any error of a fetch: a bad URL, a refused connection, an HTTP error.
pub type FetchError = Box<dyn Error + Send + Sync>;

/// Which HTTP version [`get`] speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// HTTP/1.1.
    Http1,
    /// HTTP/2 with prior knowledge (no TLS, no upgrade); hyper spawns its
    /// connection tasks through the runtime's `Handle`.
    Http2,
}

/// `GET url` (`http://host:port/path?query`) on a new connection, in a
/// task of the current `taskcell-executor` runtime. Each chunk of the body
/// goes to `on_data` as it arrives; the response comes back without it.
///
/// The errors do not repeat `url`: the caller names it once, as context.
pub async fn get(
    url: &str,
    version: Version,
    mut on_data: impl FnMut(&Bytes),
) -> Result<Response<()>, FetchError> {
    let uri: Uri = url.parse()?;
    if uri.scheme_str() != Some("http") {
        return Err("only plain http:// URLs are supported (no TLS)".into());
    }
    let host = uri.host().ok_or("no host")?;
    let port = uri.port_u16().unwrap_or(80);
    // `[::1]` in a URL is `::1` to the resolver.
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let addr = (bare_host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| format!("{host}: no address"))?;
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;

    // HTTP/1.1 names the server in `host`, HTTP/2 in the `:authority` of an
    // absolute URI: host and port only, never the URL's user info.
    let host_port = match uri.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = match version {
        Version::Http1 => Request::get(path).header(HOST, HeaderValue::from_str(&host_port)?),
        Version::Http2 => Request::get(format!("http://{host_port}{path}")),
    }
    .body(Empty::<Bytes>::new())?;

    let response = match version {
        Version::Http1 => {
            let (mut sender, connection) = hyper::client::conn::http1::handshake(stream).await?;
            taskcell_executor::spawn(connection);
            sender.send_request(request).await?
        }
        Version::Http2 => {
            let executor = taskcell_executor::Handle::current();
            let (mut sender, connection) =
                hyper::client::conn::http2::handshake(executor, stream).await?;
            taskcell_executor::spawn(connection);
            sender.send_request(request).await?
        }
    };
    let (head, mut body) = response.into_parts();
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame?.data_ref() {
            on_data(data);
        }
    }
    Ok(Response::from_parts(head, ()))
}

//! The `hyper_client` example's request: hyper 1.x's client on
//! `taskcell-executor`, over `async-io` sockets.

use std::error::Error;
use std::net::{TcpStream, ToSocketAddrs};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{HeaderValue, HOST};
use hyper::{Request, Response, Uri};
use taskcell_executor::hyper::async_io::Async;
use taskcell_executor::hyper::HyperIo;

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
pub async fn get(
    url: &str,
    version: Version,
    mut on_data: impl FnMut(&Bytes),
) -> Result<Response<()>, FetchError> {
    let uri: Uri = url.parse()?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("{url}: only http:// URLs are supported").into());
    }
    let host = uri.host().ok_or_else(|| format!("{url}: no host"))?;
    let port = uri.port_u16().unwrap_or(80);
    let addr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| format!("{host}: no address"))?;
    let stream = HyperIo::new(Async::<TcpStream>::connect(addr).await?);

    let mut request = Request::get(uri.path_and_query().map_or("/", |p| p.as_str()))
        .body(Empty::<Bytes>::new())?;
    let authority = uri.authority().map_or(host, |a| a.as_str());
    request
        .headers_mut()
        .insert(HOST, HeaderValue::from_str(authority)?);

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
            *request.uri_mut() = uri.clone();
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

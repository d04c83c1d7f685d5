//! Socket addresses, as tokio's `net::ToSocketAddrs` and `lookup_host`: a
//! literal address is used as it is, and a host name is looked up on the
//! blocking pool, so a worker never waits on the system resolver.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::vec;

/// What can be turned into socket addresses: the argument of every
/// `bind`, `connect` and `send_to` in [`net`](crate::net), and of
/// [`lookup_host`]. Implemented for the types std's `ToSocketAddrs` is: a
/// `SocketAddr` (v4 or v6), an `(IpAddr, u16)` pair, a slice of
/// `SocketAddr`s, and a `"host:port"` string or a `(host, port)` pair.
///
/// A literal address (`"127.0.0.1:80"`, `"[::1]:80"`, a `SocketAddr`)
/// resolves at once, with no allocation for a single address. A host name
/// (`"localhost:80"`) is looked up with the system resolver on the
/// runtime's blocking pool, as tokio's, so it needs a runtime.
///
/// The trait is sealed: its method is the crate's own.
pub trait ToSocketAddrs: sealed::Resolve {}

/// Addresses that [`ToSocketAddrs`] resolved to, in the resolver's order.
#[derive(Debug)]
pub(crate) struct SocketAddrs(Addrs);

// `pub` for the sealed trait's signature; this module is private, so no
// user can name it.
#[derive(Debug)]
pub enum Addrs {
    One(Option<SocketAddr>),
    Many(vec::IntoIter<SocketAddr>),
}

impl Iterator for SocketAddrs {
    type Item = SocketAddr;

    fn next(&mut self) -> Option<SocketAddr> {
        match &mut self.0 {
            Addrs::One(addr) => addr.take(),
            Addrs::Many(addrs) => addrs.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            Addrs::One(addr) => {
                let n = usize::from(addr.is_some());
                (n, Some(n))
            }
            Addrs::Many(addrs) => addrs.size_hint(),
        }
    }
}

pub(crate) mod sealed {
    use super::*;

    /// How an address argument resolves: at once, or by a lookup.
    #[derive(Debug)]
    pub enum Resolution {
        /// Already socket addresses.
        Ready(Addrs),
        /// A host name to look up: a `"host:port"` string, or a host and a
        /// port.
        Lookup(String, Option<u16>),
    }

    /// The sealed half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait Resolve {
        /// How `self` resolves.
        fn resolution(&self) -> Resolution;
    }
}

use sealed::{Resolution, Resolve};

fn one(addr: SocketAddr) -> Resolution {
    Resolution::Ready(Addrs::One(Some(addr)))
}

macro_rules! resolve_literal {
    ($($ty:ty => |$this:ident| $addr:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl Resolve for $ty {
            fn resolution(&self) -> Resolution {
                let $this = self;
                one($addr)
            }
        }
    )*};
}

resolve_literal! {
    SocketAddr => |this| *this;
    SocketAddrV4 => |this| SocketAddr::V4(*this);
    SocketAddrV6 => |this| SocketAddr::V6(*this);
    (IpAddr, u16) => |this| SocketAddr::new(this.0, this.1);
    (Ipv4Addr, u16) => |this| SocketAddr::new(IpAddr::V4(this.0), this.1);
    (Ipv6Addr, u16) => |this| SocketAddr::new(IpAddr::V6(this.0), this.1);
}

impl ToSocketAddrs for [SocketAddr] {}
impl Resolve for [SocketAddr] {
    fn resolution(&self) -> Resolution {
        match self {
            [addr] => one(*addr),
            addrs => Resolution::Ready(Addrs::Many(Vec::from(addrs).into_iter())),
        }
    }
}

impl ToSocketAddrs for str {}
impl Resolve for str {
    fn resolution(&self) -> Resolution {
        match self.parse() {
            Ok(addr) => one(addr),
            Err(_) => Resolution::Lookup(self.to_owned(), None),
        }
    }
}

impl ToSocketAddrs for String {}
impl Resolve for String {
    fn resolution(&self) -> Resolution {
        self.as_str().resolution()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Resolve for (&str, u16) {
    fn resolution(&self) -> Resolution {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => one(SocketAddr::new(ip, port)),
            Err(_) => Resolution::Lookup(host.to_owned(), Some(port)),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Resolve for (String, u16) {
    fn resolution(&self) -> Resolution {
        (self.0.as_str(), self.1).resolution()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Resolve + ?Sized> Resolve for &T {
    fn resolution(&self) -> Resolution {
        (**self).resolution()
    }
}

/// The addresses `addr` resolves to: at once for a literal, through the
/// system resolver on the blocking pool for a host name.
pub(crate) async fn resolve<A: ToSocketAddrs>(addr: A) -> io::Result<SocketAddrs> {
    let (host, port) = match addr.resolution() {
        Resolution::Ready(addrs) => return Ok(SocketAddrs(addrs)),
        Resolution::Lookup(host, port) => (host, port),
    };
    let lookup = crate::spawn_blocking(move || {
        let addrs: Vec<SocketAddr> = match port {
            Some(port) => {
                std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))?.collect()
            }
            None => std::net::ToSocketAddrs::to_socket_addrs(host.as_str())?.collect(),
        };
        Ok::<_, io::Error>(addrs)
    });
    let addrs = lookup.await??;
    Ok(SocketAddrs(Addrs::Many(addrs.into_iter())))
}

/// Looks up the socket addresses of `host`, as tokio's `net::lookup_host`:
/// a `"host:port"` string, a `(host, port)` pair, or any other
/// [`ToSocketAddrs`].
///
/// A host name is looked up with the system resolver (`getaddrinfo`) on the
/// runtime's blocking pool; a literal address is returned as it is.
///
/// # Panics
///
/// For a host name, outside a runtime (it needs the blocking pool).
///
/// ```
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let addrs: Vec<_> = taskcell_executor::net::lookup_host("localhost:8080")
///         .await
///         .unwrap()
///         .collect();
///     assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 8080));
///     assert!(!addrs.is_empty());
///
///     let literal: Vec<_> = taskcell_executor::net::lookup_host(("10.0.0.1", 53))
///         .await
///         .unwrap()
///         .collect();
///     assert_eq!(literal, ["10.0.0.1:53".parse().unwrap()]);
/// });
/// ```
pub async fn lookup_host<A: ToSocketAddrs>(
    host: A,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    resolve(host).await
}

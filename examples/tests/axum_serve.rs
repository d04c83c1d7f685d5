//! axum on our runtime: `taskcell_executor::hyper::serve` serves a `Router`
//! over HTTP/1 and HTTP/2 (told apart by the first bytes), with its JSON
//! extractor and responses, and stops gracefully: once the signal fires it
//! accepts nothing new, lets the request under way finish, and returns.

use std::time::Duration;

use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use taskcell_executor::net::{TcpListener, TcpStream};
use taskcell_executor::time::{sleep, timeout};
use taskcell_executor::Handle;

/// Bounds each test against a hang.
const LIMIT: Duration = Duration::from_secs(30);

fn app() -> Router {
    Router::new()
        .route("/hello", get(|| async { "hello from taskcell" }))
        .route(
            "/sum",
            post(|Json(numbers): Json<Vec<i64>>| async move {
                Json(serde_json::json!({ "sum": numbers.iter().sum::<i64>() }))
            }),
        )
        .route(
            "/slow",
            get(|| async {
                sleep(Duration::from_millis(200)).await;
                "slow but whole"
            }),
        )
}

/// One request over a fresh HTTP/1 (or, with `h2`, HTTP/2) connection.
async fn request(addr: std::net::SocketAddr, h2: bool, req: Request<Full<Bytes>>) -> (u16, String) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let response = if h2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(Handle::current(), stream)
            .await
            .unwrap();
        taskcell_executor::spawn(conn);
        sender.send_request(req).await.unwrap()
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(stream).await.unwrap();
        taskcell_executor::spawn(conn);
        sender.send_request(req).await.unwrap()
    };
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

fn get_req(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "localhost")
        .body(Full::default())
        .unwrap()
}

#[test]
fn a_router_serves_http1_and_http2_then_shuts_down_gracefully() {
    let rt = taskcell_executor::Runtime::new().unwrap();
    rt.block_on(async {
        timeout(LIMIT, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (stop, stopped) = futures::channel::oneshot::channel::<()>();
            let server = taskcell_executor::spawn(std::future::IntoFuture::into_future(
                // hyper's timers on our wheel and TCP_NODELAY, beyond axum's
                // defaults (the doc test of `serve` keeps those).
                taskcell_executor::hyper::serve(listener, app())
                    .with_timers()
                    .tcp_nodelay(true)
                    .with_graceful_shutdown(async { stopped.await.unwrap() }),
            ));
            for h2 in [false, true] {
                assert_eq!(
                    request(addr, h2, get_req("/hello")).await,
                    (200, "hello from taskcell".into()),
                    "h2: {h2}"
                );
                let sum = Request::post("/sum")
                    .header("host", "localhost")
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from_static(b"[1, 2, 39]")))
                    .unwrap();
                assert_eq!(request(addr, h2, sum).await, (200, r#"{"sum":42}"#.into()));
                assert_eq!(request(addr, h2, get_req("/nowhere")).await.0, 404);
            }
            // A request under way when the signal fires finishes whole.
            let slow = taskcell_executor::spawn(request(addr, false, get_req("/slow")));
            sleep(Duration::from_millis(50)).await;
            stop.send(()).unwrap();
            assert_eq!(slow.await.unwrap(), (200, "slow but whole".into()));
            server.await.unwrap().unwrap();
            // Stopped: nothing listens any more.
            assert!(TcpStream::connect(addr).await.is_err());
        })
        .await
        .expect("served and shut down");
    });
}

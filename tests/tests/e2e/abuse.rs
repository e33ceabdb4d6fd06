//! Abuse, over real HTTP: rate limits per route class, per signed-in user and for unknown bearer
//! tokens; the client's address from a trusted proxy only; slow clients and too many connections
//! cut off. Each test fails when its protection is removed.

use std::net::IpAddr;
use std::time::Duration;

use liaison_domain::api::{ErrorBody, ErrorCode, ResolveRequest};
use liaison_e2e::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const RESOLVE: &str = "/api/permissions/resolve";
const ANN: &str = "ann@contoso.com";
const OLGA: &str = "olga@contoso.com";

fn resolve_body() -> String {
    serde_json::to_string(&ResolveRequest::example()).unwrap()
}

async fn status_of(res: reqwest::Response) -> u16 {
    let status = res.status().as_u16();
    if status == 429 {
        assert!(res.headers().contains_key("retry-after"));
        let body: ErrorBody = res.json().await.unwrap();
        assert_eq!(body.code, ErrorCode::RateLimited);
    }
    status
}

#[tokio::test]
async fn flooding_the_resolver_starves_neither_sign_in_nor_graphs_webhooks() {
    let app = TestApp::builder().rate_limit(1).spawn().await;
    let mut resolve = Vec::new();
    for _ in 0..4 {
        resolve.push(status_of(app.post_json(RESOLVE, resolve_body()).await).await);
    }
    assert_eq!(resolve[..2], [200, 200]);
    assert!(resolve[2..].contains(&429), "{resolve:?}");

    // Sign-in and webhooks have buckets of their own.
    let sso = app
        .http
        .post(format!("{}/api/session/sso", app.url))
        .bearer_auth(app.office_sso_token(ANN).await)
        .send()
        .await
        .unwrap();
    assert_eq!(sso.status(), 200, "sign-in still works");
    let validation = app
        .http
        .post(format!(
            "{}/api/graph/notifications?validationToken=abc",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(validation.status(), 200, "Graph's webhook still answers");
}

#[tokio::test]
async fn the_sign_in_pages_that_write_without_a_session_are_rate_limited() {
    let app = TestApp::builder().rate_limit(1).spawn().await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = no_redirects
            .get(format!("{}/auth/microsoft/start", app.url))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert!(
        statuses[..2]
            .iter()
            .all(|s| *s == 303 || *s == 302 || *s == 307),
        "{statuses:?}"
    );
    assert!(statuses[2..].contains(&429), "{statuses:?}");
    let consent = no_redirects
        .get(format!("{}/admin/consent", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), 429, "the same class as sign-in");
}

#[tokio::test]
async fn a_client_is_the_address_a_trusted_proxy_names_and_nobody_else_can_name_one() {
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let behind_proxy = TestApp::builder()
        .rate_limit(1)
        .trusted_proxy(loopback)
        .spawn()
        .await;
    let from = |app: &TestApp, client: &'static str| {
        app.http
            .post(format!("{}{RESOLVE}", app.url))
            .header("content-type", "application/json")
            .header("x-forwarded-for", format!("6.6.6.6, {client}"))
            .body(resolve_body())
            .send()
    };
    let mut a = Vec::new();
    for _ in 0..3 {
        a.push(
            from(&behind_proxy, "203.0.113.1")
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(a, [200, 200, 429], "one client's bucket");
    let b = from(&behind_proxy, "203.0.113.2").await.unwrap().status();
    assert_eq!(
        b, 200,
        "another client behind the same proxy is not refused"
    );

    // Without a trusted proxy the header is the client's own word: ignored.
    let direct = TestApp::builder().rate_limit(1).spawn().await;
    let mut forged = Vec::new();
    for n in 0..3 {
        let res = direct
            .http
            .post(format!("{}{RESOLVE}", direct.url))
            .header("content-type", "application/json")
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .body(resolve_body())
            .send()
            .await
            .unwrap();
        forged.push(res.status().as_u16());
    }
    assert_eq!(
        forged,
        [200, 200, 429],
        "a forged header buys no new bucket"
    );
}

#[tokio::test]
async fn a_client_guessing_bearer_tokens_is_refused_before_any_look_up() {
    // A quarter of 8: 2 unknown tokens a second, bursts of 4.
    let app = TestApp::builder().rate_limit(8).spawn().await;
    let mut statuses = Vec::new();
    for n in 0..8 {
        let res = app
            .http
            .get(format!("{}/api/me", app.url))
            .bearer_auth(format!("lsn_guess{n}"))
            .send()
            .await
            .unwrap();
        statuses.push(status_of(res).await);
    }
    assert_eq!(statuses[..4], [401, 401, 401, 401]);
    assert!(statuses[4..].iter().all(|s| *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn each_signed_in_user_has_a_rate_of_their_own() {
    let app = TestApp::builder().user_rate_limit(1).spawn().await;
    let mut ann = Vec::new();
    for _ in 0..4 {
        ann.push(status_of(app.get_as(ANN, "/api/me").await).await);
    }
    assert_eq!(ann[..2], [200, 200]);
    assert!(ann[2..].contains(&429), "{ann:?}");
    assert_eq!(
        app.get_as(OLGA, "/api/me").await.status(),
        200,
        "Olga is not Ann"
    );
}

/// A connection from `source` (an address of the loopback range, `127.0.0.2`: another client).
async fn connect_from(source: &str, addr: &str) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.connect(addr.parse().unwrap()).await.unwrap()
}

/// Whether the server closes `stream` (end of stream or an error) within `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // Anything the server says first (an HTTP/2 SETTINGS frame, a 408) is not a close.
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_client_slow_to_send_its_headers_and_one_connection_too_many_are_cut_off() {
    let app = TestApp::builder()
        .connection_limits(2, Duration::from_millis(500))
        .per_client_connections(2, Duration::from_secs(30))
        .spawn()
        .await;
    let addr = app.url.trim_start_matches("http://").to_owned();

    // Headers that never end: the server hangs up after the header-read timeout.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut slow, Duration::from_secs(5)).await,
        "the server hangs up on a slow client"
    );

    // Two connections hold both permits; a third is closed at once.
    let mut one = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut two = tokio::net::TcpStream::connect(&addr).await.unwrap();
    for held in [&mut one, &mut two] {
        held.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        assert!(held.read(&mut buf).await.unwrap() > 0, "served");
    }
    let mut third = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    assert!(
        closed_within(&mut third, Duration::from_secs(2)).await,
        "one connection too many is closed, not left waiting"
    );
    drop((one, two));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let served = app.get("/healthz").await;
    assert_eq!(served.status(), 200, "a permit is free again");
}

/// Sockets that never speak, or send only HTTP/2's preface, or go silent after an answer hold
/// no permit past their deadline; one client address holds at most its share, so another client
/// is served meanwhile.
#[tokio::test]
async fn silent_and_preface_only_connections_are_closed_and_others_served_meanwhile() {
    let first_bytes = Duration::from_millis(500);
    let keep_alive = Duration::from_secs(1);
    let app = TestApp::builder()
        .connection_limits(6, first_bytes)
        .per_client_connections(2, keep_alive)
        .spawn()
        .await;
    let addr = app.url.trim_start_matches("http://").to_owned();

    // 127.0.0.2 opens silent sockets: two are admitted, the rest closed at once (were there no
    // share per address, they would take every connection there is).
    let mut silent = Vec::new();
    for _ in 0..5 {
        silent.push(connect_from("127.0.0.2", &addr).await);
    }
    // The same from 127.0.0.3, with the HTTP/2 preface and nothing after it.
    let mut preface_only = Vec::new();
    for _ in 0..3 {
        let mut socket = connect_from("127.0.0.3", &addr).await;
        let _ = socket.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
        preface_only.push(socket);
    }
    // Meanwhile, an ordinary client is served.
    assert_eq!(app.get("/healthz").await.status(), 200);

    // Every silent and preface-only socket is closed within its deadline (with room to spare
    // on a busy machine).
    for socket in silent.iter_mut().chain(preface_only.iter_mut()) {
        assert!(closed_within(socket, Duration::from_secs(10)).await);
    }

    // An answered connection that then says nothing is closed after the keep-alive time.
    let mut kept = connect_from("127.0.0.2", &addr).await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    assert!(kept.read(&mut buf).await.unwrap() > 0, "answered");
    assert!(closed_within(&mut kept, Duration::from_secs(10)).await);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_client_slow_to_send_its_body_is_answered_408() {
    let app = TestApp::builder()
        .request_timeout(Duration::from_secs(1))
        .spawn()
        .await;
    let addr = app.url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(
        b"POST /api/permissions/resolve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 1000\r\n\r\n{",
    )
    .await
    .unwrap();
    // A byte every 200 ms (the header-read timeout is long past): the body would take minutes.
    let (mut reader, mut writer) = slow.into_split();
    let dribble = tokio::spawn(async move {
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(6), async {
        while !String::from_utf8_lossy(&answer).contains("\r\n\r\n") {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    dribble.abort();
    assert!(read.is_ok(), "the server answered before the body was done");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

//! The attackers of `load --abuse`, each from an address of its own on loopback, while the
//! delegates work (see [`crate::delegates`]):
//!
//! - **idle sockets** (`127.2.0.1`): 1,000 connections that send nothing, or only HTTP/2's
//!   preface, each opened again at once when the server closes it after its deadline, and 5 s
//!   after the server refused it on arrival (over the per-address cap);
//! - **unknown ids** (`127.2.0.2`): a signed-in Editor of an Organizer saving made-up item ids,
//!   four loops of at most 250 requests/s each (50 times the per-user limit);
//! - **SSO replay** (`127.2.0.3`): a valid Office SSO token (of Eve, a person of the tenant)
//!   replayed, and a forged one, four loops of at most 250 requests/s each.
//!
//! What each saw is counted by answer (`status code`), never hidden.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use liaison_e2e::{TestApp, sign_in_with_office_sso};
use m365_sim::seed::{Delegation, Tenant, User};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

const ATTACKER: &str = "mallory@contoso.com";
/// The replayer: a person of the tenant without any delegation. Not Mallory: replaying
/// Mallory's own token would end her flooding session (10 sessions per SSO token at most).
const REPLAYER: &str = "eve@contoso.com";
const IDLE_SOCKETS: usize = 1000;
const IDLE_FROM: Ipv4Addr = Ipv4Addr::new(127, 2, 0, 1);
const FLOOD_FROM: Ipv4Addr = Ipv4Addr::new(127, 2, 0, 2);
const REPLAY_FROM: Ipv4Addr = Ipv4Addr::new(127, 2, 0, 3);
/// The least time between two requests of one attacking loop.
const PACE: Duration = Duration::from_millis(4);

/// Mallory, an Editor of `owner`'s calendar, with her own Liaison sign-in.
pub fn add_attacker(tenant: &mut Tenant, owner: &str) {
    tenant.users.push(User {
        id: "a0000000-0000-4000-8000-0000000000ab".into(),
        display_name: "Mallory".into(),
        mail: ATTACKER.into(),
    });
    tenant.delegations.push(Delegation {
        owner: owner.into(),
        delegate: ATTACKER.into(),
        calendar_bits: 63,
        can_view_private: false,
        send_on_behalf: false,
    });
    tenant.users.push(User {
        id: "e0000000-0000-4000-8000-0000000000ee".into(),
        display_name: "Eve".into(),
        mail: REPLAYER.into(),
    });
}

/// Delegate `i`'s own address: `127.1.x.y`.
pub fn delegate_address(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(
        127,
        1,
        u8::try_from(i / 250).unwrap_or(u8::MAX),
        u8::try_from(i % 250 + 1).unwrap_or(1),
    ))
}

/// An HTTP client whose connections come from `address`.
pub fn client_at(address: IpAddr) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder().local_address(address).build()?)
}

/// Answers counted by `status code`.
#[derive(Default)]
struct Answers(std::sync::Mutex<BTreeMap<String, usize>>);

impl Answers {
    async fn count(&self, answer: Result<reqwest::Response, reqwest::Error>) {
        let key = match answer {
            Err(_) => "transport error".to_owned(),
            Ok(res) => {
                let status = res.status().as_u16();
                let body: serde_json::Value = res.json().await.unwrap_or_default();
                match body["code"].as_str() {
                    Some(code) => format!("{status} {code}"),
                    None => format!("{status}"),
                }
            }
        };
        *self.0.lock().unwrap().entry(key).or_default() += 1;
    }

    fn summary(&self) -> String {
        let answers = self.0.lock().unwrap();
        let total: usize = answers.values().sum();
        let parts: Vec<String> = answers.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        format!("{total} requests ({})", parts.join(", "))
    }
}

/// What the idle sockets saw.
#[derive(Default)]
struct Sockets {
    opened: AtomicUsize,
    connect_failed: AtomicUsize,
    /// Closed by the server within a second of connecting: over a cap.
    closed_at_once: AtomicUsize,
    /// Closed by the server after a silence; their lifetimes in ms.
    closed_after_silence: std::sync::Mutex<Vec<u64>>,
    open_at_the_end: AtomicUsize,
}

pub struct Attackers {
    stop: Arc<AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
    sockets: Arc<Sockets>,
    flood: Arc<Answers>,
    replay: Arc<Answers>,
    started: Instant,
}

/// What the attackers saw, to print.
pub struct Attacks {
    sockets: Arc<Sockets>,
    flood: Arc<Answers>,
    replay: Arc<Answers>,
    seconds: f64,
}

impl Attackers {
    /// Starts the three attackers against `app`; Mallory works in `owner`'s calendar.
    pub async fn start(app: &Arc<TestApp>, owner: &str) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let sockets = Arc::new(Sockets::default());
        let flood = Arc::new(Answers::default());
        let replay = Arc::new(Answers::default());
        let server: SocketAddr = app.url.trim_start_matches("http://").parse()?;
        let mut tasks = Vec::new();
        for n in 0..IDLE_SOCKETS {
            let (stop, sockets) = (stop.clone(), sockets.clone());
            tasks.push(tokio::spawn(hold_idle_socket(
                server,
                n % 2 == 1,
                stop,
                sockets,
            )));
        }
        let flooder = client_at(IpAddr::V4(FLOOD_FROM))?;
        let session = sign_in_with_office_sso(&flooder, &app.simulator, &app.url, ATTACKER).await;
        for loop_no in 0..4 {
            let (stop, answers, client) = (stop.clone(), flood.clone(), flooder.clone());
            let (url, session, owner) = (app.url.clone(), session.clone(), owner.to_owned());
            tasks.push(tokio::spawn(async move {
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let item =
                        json!({ "owner": owner, "itemId": format!("AAMkAFlood{loop_no}x{n:08}") });
                    let sent = Instant::now();
                    let answer = client
                        .post(format!("{url}/api/items/save"))
                        .bearer_auth(&session)
                        .json(&json!({ "item": item, "linkRecordIds": [] }))
                        .send()
                        .await;
                    answers.count(answer).await;
                    tokio::time::sleep(PACE.saturating_sub(sent.elapsed())).await;
                }
            }));
        }
        let replayer = client_at(IpAddr::V4(REPLAY_FROM))?;
        let valid = app.office_sso_token(REPLAYER).await;
        let forged = format!("{}AAAA", &valid[..valid.len() - 4]);
        for loop_no in 0..4 {
            let (stop, answers, client) = (stop.clone(), replay.clone(), replayer.clone());
            let url = app.url.clone();
            let token = if loop_no % 2 == 0 {
                valid.clone()
            } else {
                forged.clone()
            };
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let sent = Instant::now();
                    let answer = client
                        .post(format!("{url}/api/session/sso"))
                        .bearer_auth(&token)
                        .send()
                        .await;
                    answers.count(answer).await;
                    tokio::time::sleep(PACE.saturating_sub(sent.elapsed())).await;
                }
            }));
        }
        // The sockets fill up before the delegates' run begins.
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(Self {
            stop,
            tasks,
            sockets,
            flood,
            replay,
            started: Instant::now(),
        })
    }

    pub async fn stop(self) -> Attacks {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            let _ = task.await;
        }
        Attacks {
            sockets: self.sockets,
            flood: self.flood,
            replay: self.replay,
            seconds: self.started.elapsed().as_secs_f64(),
        }
    }
}

/// One idle socket, opened again and again until `stop`.
async fn hold_idle_socket(
    server: SocketAddr,
    preface: bool,
    stop: Arc<AtomicBool>,
    seen: Arc<Sockets>,
) {
    while !stop.load(Ordering::Relaxed) {
        let connected = async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(IpAddr::V4(IDLE_FROM), 0))?;
            socket.connect(server).await
        };
        let Ok(mut stream) = connected.await else {
            seen.connect_failed.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        seen.opened.fetch_add(1, Ordering::Relaxed);
        let opened = Instant::now();
        if preface {
            let _ = stream.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
        }
        let mut buffer = [0u8; 1024];
        let closed = loop {
            // Once stopping, one last read settles a socket the server was closing just then.
            let stopping = stop.load(Ordering::Relaxed);
            match tokio::time::timeout(Duration::from_millis(250), stream.read(&mut buffer)).await {
                Err(_) | Ok(Ok(1..)) if stopping => break false,
                // Still open; or the server's HTTP/2 settings, which the attacker ignores.
                Err(_) | Ok(Ok(1..)) => continue,
                Ok(_) => break true, // closed (EOF or reset)
            }
        };
        if !closed {
            seen.open_at_the_end.fetch_add(1, Ordering::Relaxed);
            break;
        }
        let stopping = stop.load(Ordering::Relaxed);
        let lifetime = opened.elapsed();
        if lifetime < Duration::from_secs(1) {
            seen.closed_at_once.fetch_add(1, Ordering::Relaxed);
            if !stopping {
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        } else {
            let ms = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX);
            seen.closed_after_silence.lock().unwrap().push(ms);
        }
    }
}

impl Attacks {
    pub fn print(&self) {
        let s = &self.sockets;
        let mut lifetimes = s.closed_after_silence.lock().unwrap().clone();
        lifetimes.sort_unstable();
        let median = lifetimes
            .get(lifetimes.len() / 2)
            .map_or(0.0, |ms| *ms as f64 / 1000.0);
        let longest = lifetimes.last().map_or(0.0, |ms| *ms as f64 / 1000.0);
        println!("attackers, over {:.0} s:", self.seconds);
        println!(
            "  idle sockets ({IDLE_SOCKETS} from {IDLE_FROM}, half HTTP/2 preface only): {} opened, {} refused on arrival, {} closed after their silence (median {median:.1} s, longest {longest:.1} s), {} connects failed, {} open at the end",
            s.opened.load(Ordering::Relaxed),
            s.closed_at_once.load(Ordering::Relaxed),
            lifetimes.len(),
            s.connect_failed.load(Ordering::Relaxed),
            s.open_at_the_end.load(Ordering::Relaxed),
        );
        println!(
            "  unknown item ids ({FLOOD_FROM}, signed in): {}",
            self.flood.summary()
        );
        println!(
            "  SSO replay ({REPLAY_FROM}, valid and forged): {}",
            self.replay.summary()
        );
    }
}

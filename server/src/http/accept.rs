//! Connections: at most so many served at once, and at most so many from one client address,
//! each holding its permits for its lifetime; one more is closed as soon as it is accepted
//! rather than queued in memory, and counted. A connection must speak within a deadline: its
//! first bytes within [`ConnectionLimits::first_bytes`], and once answered, its next request
//! within [`ConnectionLimits::keep_alive`] — an idle socket, or one that sent only HTTP/2's
//! preface, does not keep a permit. Slow clients are also cut off by hyper's header-read timeout
//! ([`HEADER_READ_TIMEOUT`], set in `startup`) and by the request time limit (`limits.rs`).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// How long a client may take to send a request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an answered connection may wait, silent, for its next request (nginx's default
/// `keepalive_timeout` is 75 s; a browser opens a new connection when its old one is gone).
pub const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(60);

/// How many connections the server admits, from whom, and how long they may stay silent.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Connections served at once.
    pub max: usize,
    /// Connections served at once from one client address.
    pub per_client: usize,
    /// Addresses the per-client cap does not apply to: trusted proxies, through which every
    /// client comes.
    pub exempt: Vec<IpAddr>,
    /// How long a new connection may stay silent before its first bytes.
    pub first_bytes: Duration,
    /// How long a connection may stay silent after the server last wrote to it.
    pub keep_alive: Duration,
}

/// What the limits refused or closed, since the server started.
#[derive(Debug, Default)]
pub struct ConnectionCounts {
    /// Refused: every connection permit was taken.
    pub refused_full: AtomicU64,
    /// Refused: the client's address held its share already.
    pub refused_per_client: AtomicU64,
    /// Closed: silent past its deadline (no first bytes, or no next request).
    pub closed_idle: AtomicU64,
}

/// An acceptor that admits a connection only while a permit is free, overall and for the
/// client's address.
#[derive(Clone)]
pub struct Limited<A> {
    inner: A,
    permits: Arc<Semaphore>,
    per_client: Arc<HeldPerClient>,
    limits: Arc<ConnectionLimits>,
    counts: Arc<ConnectionCounts>,
}

impl<A> Limited<A> {
    pub fn new(inner: A, limits: ConnectionLimits) -> Self {
        Self {
            inner,
            permits: Arc::new(Semaphore::new(limits.max)),
            per_client: Arc::default(),
            limits: Arc::new(limits),
            counts: Arc::default(),
        }
    }

    /// What was refused or closed so far.
    pub fn counts(&self) -> Arc<ConnectionCounts> {
        self.counts.clone()
    }

    /// A place for one more connection from `client`, unless it holds its share already.
    fn client_slot(&self, client: IpAddr) -> Option<ClientSlot> {
        if self.limits.exempt.contains(&client) {
            return Some(ClientSlot(None));
        }
        let mut held = self.per_client.lock().unwrap_or_else(|p| p.into_inner());
        let count = held.entry(client).or_insert(0);
        if *count >= self.limits.per_client {
            return None;
        }
        *count += 1;
        Some(ClientSlot(Some((self.per_client.clone(), client))))
    }

    fn refuse(&self, counter: &AtomicU64, why: &'static str) -> io::Error {
        let refused = counter.fetch_add(1, Ordering::Relaxed) + 1;
        // One line per power of two: an attack is visible in the log without flooding it.
        if refused.is_power_of_two() {
            tracing::warn!(refused, why, "connections refused");
        }
        io::Error::new(io::ErrorKind::ConnectionRefused, why)
    }
}

impl<A, S> Accept<TcpStream, S> for Limited<A>
where
    A: Accept<TcpStream, S>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = Permitted<A::Stream>;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        // Dropping the stream (with `accepted`) closes the connection.
        let admitted = match self.permits.clone().try_acquire_owned() {
            Err(_) => Err(self.refuse(&self.counts.refused_full, "too many connections")),
            Ok(permit) => match stream.peer_addr().map(|peer| self.client_slot(peer.ip())) {
                Ok(Some(slot)) => Ok((permit, slot)),
                Ok(None) => Err(self.refuse(
                    &self.counts.refused_per_client,
                    "too many connections from one client",
                )),
                Err(error) => Err(error),
            },
        };
        let accepted = self.inner.accept(stream, service);
        let silence = Silence::new(
            self.limits.first_bytes,
            self.limits.keep_alive,
            self.counts.clone(),
        );
        Box::pin(async move {
            let (permit, slot) = admitted?;
            let (stream, service) = accepted.await?;
            Ok((
                Permitted {
                    stream,
                    silence,
                    _permit: permit,
                    _slot: slot,
                },
                service,
            ))
        })
    }
}

/// A connection of a client address that counts against its share; the share is given back
/// when the connection closes. `None` for an exempt address.
struct ClientSlot(Option<(Arc<HeldPerClient>, IpAddr)>);

/// How many connections each client address holds.
type HeldPerClient = Mutex<HashMap<IpAddr, usize>>;

impl Drop for ClientSlot {
    fn drop(&mut self) {
        if let Some((held, client)) = self.0.take() {
            let mut held = held.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(count) = held.get_mut(&client) {
                *count -= 1;
                if *count == 0 {
                    held.remove(&client);
                }
            }
        }
    }
}

/// The deadline of a connection's silence. The clock runs while the client owes the next word:
/// from the accept (its first bytes) and from the server's last write (its next request); it
/// stops when the client sends something, for then the server owes the answer (which the
/// request time limit bounds).
struct Silence {
    deadline: Pin<Box<Sleep>>,
    client_owes: bool,
    keep_alive: Duration,
    counts: Arc<ConnectionCounts>,
}

impl Silence {
    fn new(first_bytes: Duration, keep_alive: Duration, counts: Arc<ConnectionCounts>) -> Self {
        Self {
            deadline: Box::pin(tokio::time::sleep(first_bytes)),
            client_owes: true,
            keep_alive,
            counts,
        }
    }

    fn heard(&mut self) {
        self.client_owes = false;
    }

    fn spoke(&mut self) {
        self.client_owes = true;
        self.deadline
            .as_mut()
            .reset(Instant::now() + self.keep_alive);
    }

    /// Whether the client has been silent past its deadline (registers the waker if not).
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        let expired = self.client_owes && self.deadline.as_mut().poll(cx).is_ready();
        if expired {
            self.counts.closed_idle.fetch_add(1, Ordering::Relaxed);
        }
        expired
    }
}

/// A connection, the permits it holds until it closes, and the deadline of its silence.
pub struct Permitted<T> {
    stream: T,
    silence: Silence,
    _permit: OwnedSemaphorePermit,
    _slot: ClientSlot,
}

impl<T: AsyncRead + Unpin> AsyncRead for Permitted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.silence.heard();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending if self.silence.expired(cx) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stayed silent past its deadline",
            ))),
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Permitted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.silence.spoke();
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.silence.spoke();
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

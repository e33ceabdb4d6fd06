//! The Organizer's free/busy for the booking page, read once for every page view that asks
//! while a read is under way. Graph serves at most four requests at once per mailbox
//! (`graph::client::MAX_IN_FLIGHT_PER_MAILBOX`, Microsoft's limit), so fifty invitees opening a
//! link at once would otherwise queue behind each other's reads; here they wait for the one
//! read in flight and share its answer, which is at most one round trip old. Nothing is kept
//! after it: the next page view reads again. A booking never shares: it reads on its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use jiff::Timestamp;

use crate::graph::schedule::Busy;

/// One read: its Organizer (tenant and id) and window, to the minute.
type Key = (String, String, i64, i64);
type Read = Shared<BoxFuture<'static, Result<Arc<Vec<Busy>>, String>>>;

/// The reads under way.
#[derive(Default)]
pub struct SharedReads {
    under_way: Mutex<HashMap<Key, Read>>,
}

impl SharedReads {
    /// The answer of the read of `key`'s window under way, or of `read` started now.
    pub async fn read(
        &self,
        (tenant, organizer): (&str, &str),
        (start, end): (Timestamp, Timestamp),
        read: impl std::future::Future<Output = Result<Vec<Busy>, String>> + Send + 'static,
    ) -> Result<Arc<Vec<Busy>>, String> {
        let key = (
            tenant.to_owned(),
            organizer.to_owned(),
            start.as_second() / 60,
            end.as_second() / 60,
        );
        let (shared, started) = {
            let Ok(mut under_way) = self.under_way.lock() else {
                return read.await.map(Arc::new);
            };
            match under_way.get(&key) {
                Some(shared) => (shared.clone(), false),
                None => {
                    let shared = read.map(|answer| answer.map(Arc::new)).boxed().shared();
                    under_way.insert(key.clone(), shared.clone());
                    (shared, true)
                }
            }
        };
        let answer = shared.await;
        if started && let Ok(mut under_way) = self.under_way.lock() {
            under_way.remove(&key);
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn page_views_asking_at_once_share_one_read_and_the_next_reads_again() {
        let reads = Arc::new(SharedReads::default());
        let made = Arc::new(AtomicUsize::new(0));
        let window = (Timestamp::UNIX_EPOCH, Timestamp::from_second(3600).unwrap());
        let ask = || {
            let (reads, made) = (reads.clone(), made.clone());
            async move {
                let counted = made.clone();
                reads
                    .read(("t", "olga"), window, async move {
                        counted.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(Vec::new())
                    })
                    .await
            }
        };
        let answers = futures::future::join_all((0..20).map(|_| tokio::spawn(ask()))).await;
        assert!(answers.iter().all(|a| matches!(a, Ok(Ok(_)))));
        assert_eq!(made.load(Ordering::SeqCst), 1, "twenty at once, one read");
        ask().await.unwrap();
        assert_eq!(made.load(Ordering::SeqCst), 2, "a later view reads again");
    }
}

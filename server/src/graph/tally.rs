//! [`Tally`]: what one task sent to Graph — HTTP requests (retries included) and throttled
//! answers (a `$batch`'s inner ones too) —
//! for the line a sync session leaves. A task-local, so the Graph client counts without every
//! call passing a counter; only code run inside [`counted`] is counted.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    static TALLY: Arc<Tally>;
}

/// Requests sent and throttled answers received, so far.
#[derive(Debug, Default)]
pub struct Tally {
    requests: AtomicU64,
    throttled: AtomicU64,
}

impl Tally {
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }
}

/// Runs `work`, counting its Graph requests in `tally`.
pub async fn counted<F: Future>(tally: Arc<Tally>, work: F) -> F::Output {
    TALLY.scope(tally, work).await
}

/// One request sent; `throttled`: it was answered 429.
pub(super) fn note(throttled: bool) {
    let _ = TALLY.try_with(|tally| {
        tally.requests.fetch_add(1, Ordering::Relaxed);
        if throttled {
            tally.throttled.fetch_add(1, Ordering::Relaxed);
        }
    });
}

/// One answer inside a `$batch` (the batch itself was noted as one request); `throttled`: it
/// was 429.
pub(super) fn note_batch_answer(throttled: bool) {
    if throttled {
        let _ = TALLY.try_with(|tally| tally.throttled.fetch_add(1, Ordering::Relaxed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_work_inside_counted_is_counted() {
        note(true);
        let tally = Arc::new(Tally::default());
        counted(tally.clone(), async {
            note(false);
            note(true);
        })
        .await;
        note(false);
        assert_eq!((tally.requests(), tally.throttled()), (2, 1));
    }
}

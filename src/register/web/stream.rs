//! The whole register as a streamed body: a thousand entries are read, rendered and sent at a
//! time, so memory stays flat however large the register and however many downloads run at
//! once (the open data CSV and JSON, the staff's CSV).

use axum::body::Body;

use crate::register::model::{Member, Snapshot};
use crate::register::service;
use crate::state::AppState;

/// Entries read and rendered at a time.
const CHUNK: i64 = 1000;

/// `head`, then `render(chunk, first)` for every chunk of entries in id order, then `tail`.
/// A failure half-way ends the body with an error (the client sees a cut download, not a
/// truncated file that looks whole) and is logged.
pub(super) fn register_body<F>(state: &AppState, head: String, tail: String, render: F) -> Body
where
    F: Fn(&AppState, &[(Member, Snapshot)], bool) -> String + Send + 'static,
{
    let state = state.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(2);
    tokio::spawn(async move {
        if tx.send(Ok(head)).await.is_err() {
            return;
        }
        let mut after = 0;
        let mut first = true;
        loop {
            let entries = match service::chunk_after(&state.db, after, CHUNK).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(error = ?e, "a register export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            };
            let Some((last, _)) = entries.last() else {
                let _ = tx.send(Ok(tail)).await;
                return;
            };
            after = last.id;
            let out = render(&state, &entries, first);
            first = false;
            if tx.send(Ok(out)).await.is_err() {
                return; // the client went away
            }
        }
    });
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) });
    Body::from_stream(stream)
}

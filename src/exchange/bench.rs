//! Bulk data for the journal benchmark (`kabinet demo-data --items N`).

use super::store as x;
use crate::core::Core;

/// Sent letters of the first demo company: each with one file row (its blob is not stored:
/// the journal only lists files). Half of them registered.
pub async fn generate_sent_letters(
    core: &Core,
    member_id: i64,
    user_id: i64,
    count: u32,
) -> anyhow::Result<()> {
    let start = core.now() - chrono::Duration::days(i64::from(count) / 10 + 1);
    let mut tx = core.db.begin().await?;
    for n in 0..count {
        let subject = format!("Письмо № {n} в СРО");
        let item = x::insert_item(
            &mut tx,
            &x::NewItem {
                member_id,
                kind: "letter",
                section_id: None,
                subject: &subject,
                body: "Направляем документы",
                document_date: None,
                supersedes_id: None,
                created_by: user_id,
            },
        )
        .await?;
        let key = format!("bench/{member_id}/{n}");
        let file = crate::files::insert(
            &mut tx,
            &crate::files::NewFile {
                storage_key: &key,
                original_name: "Документ.pdf",
                size_bytes: 123_456,
                media_type: "application/pdf",
                sha256: &"0".repeat(64),
                streebog256: Some(&"0".repeat(64)),
                member_id: Some(member_id),
                uploaded_by: Some(user_id),
            },
        )
        .await?;
        x::add_item_file(
            &mut tx,
            &x::NewItemFile {
                item_id: item,
                file_id: file,
                position: 1,
                signature: None,
                sig_refused: None,
            },
        )
        .await?;
        let at = start + chrono::Duration::minutes(i64::from(n) * 10);
        let now = tx.now();
        let sent_at = now.min(at);
        let year = chrono::Datelike::year(&crate::clock::moscow_date(sent_at));
        let seq =
            crate::numbering::next_seq(&mut tx, &format!("outgoing:{member_id}"), year).await?;
        let outgoing =
            crate::numbering::format(&core.settings.exchange.outgoing_pattern, seq, year);
        x::mark_sent(&mut tx, item, user_id, sent_at, &outgoing).await?;
        if n % 2 == 0 {
            let number = format!("{}/26", n + 1);
            x::mark_registered(
                &mut tx,
                item,
                &x::Registration {
                    year: 2026,
                    seq: i64::from(n) + 1,
                    number: &number,
                    on: at.date_naive(),
                    by: user_id,
                    at,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

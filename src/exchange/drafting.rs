//! Saving a draft and sending it: the text, detached and new files with their signatures,
//! and the sending, in one transaction; what was refused comes back at its field and the rest
//! is kept.

use chrono::NaiveDate;

use super::model::{Item, ItemFile, ItemKind, ItemStatus};
use super::service::{DraftInput, ExchangeError, Saved, Target, draft_files};
use super::signing::{self, Paired, SignatureUpload};
use super::store::{self, NewItem, NewItemFile, SignatureRecord};
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::db::Tx;
use crate::files;
use crate::validation::FieldErrors;

/// The longest subject of a letter, in characters.
pub const SUBJECT_MAX: usize = 300;
/// The longest text of a letter: a cover note; longer texts go as files.
pub const BODY_MAX: usize = 20_000;

/// Save the draft (creating it when needed) and, when asked and nothing was refused, send it,
/// in one transaction. A file or signature refused on the way means the user must look first:
/// then everything valid is kept as a draft and nothing is sent.
pub async fn save_draft(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    target: Target,
    input: DraftInput,
) -> Result<Saved, ExchangeError> {
    let DraftInput {
        mut subject,
        mut body,
        document_date,
        remove,
        unsigned,
        files,
        signatures,
        send,
        mut problems,
        change_request,
        answers,
    } = input;
    // Over-long text is refused at its field (the form keeps what was typed); the draft
    // keeps what fits, and nothing is sent.
    for (field, text, max, what) in [
        ("subject", &mut subject, SUBJECT_MAX, "Тема"),
        ("body", &mut body, BODY_MAX, "Текст обращения"),
    ] {
        let n = text.chars().count();
        if n > max {
            problems.add(field, format!(
                "{what} — не длиннее {} символов (сейчас {}): сократите его или приложите текст файлом",
                crate::fmt::group_digits(max as i64),
                crate::fmt::group_digits(n as i64)
            ));
            *text = text.chars().take(max).collect();
        }
    }
    let staged_files: Vec<_> = files.iter().map(|(_, u)| u.staged.clone()).collect();
    let prepared = async {
        let existing = draft_files(core, member_id, target).await?;
        let remove: Vec<i64> = remove
            .into_iter()
            .filter(|id| existing.iter().any(|f| f.id == *id))
            .collect();
        let member = crate::register::service::member(&core.db, member_id)
            .await?
            .ok_or(ExchangeError::NotFound)?;
        let paired = signing::pair(
            core,
            &crate::signatures::check::Member {
                inn: member.entry.inn.clone(),
                ogrn: member.entry.ogrn.clone(),
            },
            &existing,
            &remove,
            files,
            signatures,
            &mut problems,
        )
        .await?;
        // only a message the company received can be answered
        let answers = match answers {
            Some(m) if crate::messages::answers::received(core, member_id, m).await? => Some(m),
            _ => None,
        };
        Ok::<_, ExchangeError>((remove, paired, answers))
    }
    .await;
    let (remove, paired, answers) = match prepared {
        Ok(p) => p,
        Err(e) => {
            core.storage.discard(&staged_files).await;
            return Err(e);
        }
    };
    let staged = paired.staged();
    let changes = Changes {
        subject,
        body,
        document_date,
        remove,
        unsigned,
        paired,
        change_request,
        answers,
    };
    let wanted_send = send;
    let send = send && problems.is_empty();
    match write_draft(core, actor, member_id, target, &changes, send).await {
        Ok((item_id, not_sent_because)) => {
            if let Some(why) = &not_sent_because {
                problems.add(signing::FILES, why.clone());
            }
            if wanted_send && !problems.is_empty() {
                problems.add_form("Документ не отправлен: он сохранен как черновик, исправьте отмеченное и нажмите «Сохранить и отправить» еще раз.");
            }
            let bg = core.clone();
            tokio::spawn(async move { files::fill_digests(&bg.db, &bg.storage).await });
            Ok(Saved {
                item_id,
                sent: send && not_sent_because.is_none(),
                problems,
            })
        }
        Err(e) => {
            core.storage.discard(&staged).await;
            Err(match e {
                // The form shows what reading it refused too.
                ExchangeError::Invalid(more) => {
                    problems.extend(more);
                    ExchangeError::Invalid(problems)
                }
                other => other,
            })
        }
    }
}

/// What a save writes into the draft.
struct Changes {
    subject: String,
    body: String,
    document_date: Option<NaiveDate>,
    remove: Vec<i64>,
    unsigned: Vec<i64>,
    paired: Paired,
    change_request: Option<String>,
    answers: Option<i64>,
}

/// The transaction of a save: the draft's text, detached and new files, signatures, and the
/// sending. Returns the item and, when sending was asked but the draft cannot go yet, why.
async fn write_draft(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    target: Target,
    c: &Changes,
    send: bool,
) -> Result<(i64, Option<String>), ExchangeError> {
    let user_id = actor
        .user_id
        .ok_or_else(|| anyhow::anyhow!("a draft is saved by a user"))?;
    let mut tx = core.db.begin().await?;
    let item_id = match target {
        Target::Draft(id) => id,
        Target::Section(section_id) => {
            section_draft_or_new(core, &mut tx, member_id, section_id, user_id).await?
        }
        Target::NewLetter => {
            let id = store::insert_item(
                &mut tx,
                &NewItem {
                    member_id,
                    kind: ItemKind::Letter.code(),
                    section_id: None,
                    subject: "",
                    body: "",
                    document_date: None,
                    supersedes_id: None,
                    created_by: user_id,
                },
            )
            .await?;
            if let Some(proposal) = &c.change_request {
                store::insert_change_request(&mut tx, id, proposal).await?;
            }
            if let Some(m) = c.answers {
                store::set_answers(&mut tx, id, m).await?;
            }
            id
        }
    };
    let item = store::lock_item(&mut tx, item_id, Some(member_id), ItemStatus::Draft.code())
        .await?
        .ok_or_else(|| {
            ExchangeError::Conflict(
                "Этот документ уже отправлен в СРО: изменения не сохранены. Откройте журнал исходящих сообщений, чтобы увидеть его состояние.".into(),
            )
        })?;
    let subject = if item.kind() == ItemKind::Report {
        item.subject.clone()
    } else {
        c.subject.trim().to_string()
    };
    store::update_draft(&mut tx, item.id, &subject, c.body.trim(), c.document_date).await?;
    for id in &c.remove {
        store::remove_item_file(&mut tx, item.id, *id).await?;
    }
    for (item_file_id, sig) in &c.paired.add_signatures {
        let file_id = files::record(
            &mut tx,
            &core.storage,
            &sig.upload,
            Some(member_id),
            Some(user_id),
        )
        .await?;
        let n = store::set_signature(
            &mut tx,
            *item_file_id,
            item.id,
            &signature_record(file_id, sig),
        )
        .await?;
        crate::trust::service::record(&mut tx, file_id, sig.signed_file_id, &sig.report, "")
            .await
            .map_err(anyhow::Error::new)?;
        if n == 0 {
            return Err(ExchangeError::NotFound);
        }
    }
    let existing = store::item_files_tx(&mut tx, item.id).await?;
    let first_position = existing.iter().map(|f| f.position).max().unwrap_or(0) + 1;
    for (position, new) in (first_position..).zip(&c.paired.new_files) {
        let file_id = files::record(
            &mut tx,
            &core.storage,
            &new.upload,
            Some(member_id),
            Some(user_id),
        )
        .await?;
        let signature = match &new.signature {
            Some(s) => {
                let sig_id = files::record(
                    &mut tx,
                    &core.storage,
                    &s.upload,
                    Some(member_id),
                    Some(user_id),
                )
                .await?;
                crate::trust::service::record(&mut tx, sig_id, Some(file_id), &s.report, "")
                    .await
                    .map_err(anyhow::Error::new)?;
                Some(signature_record(sig_id, s))
            }
            None => None,
        };
        store::add_item_file(
            &mut tx,
            &NewItemFile {
                item_id: item.id,
                file_id,
                position,
                signature,
                sig_refused: new.refused.as_deref(),
            },
        )
        .await?;
    }
    for (item_file_id, why) in &c.paired.refused {
        store::set_sig_refused(&mut tx, *item_file_id, item.id, Some(why)).await?;
    }
    for item_file_id in &c.unsigned {
        // the user lets the refused signature go: the file is sent without one
        store::set_sig_refused(&mut tx, *item_file_id, item.id, None).await?;
    }
    let files = store::item_files_tx(&mut tx, item.id).await?;
    check_limits(core, &files)?;
    let mut not_sent_because = None;
    if send {
        let refused = files.iter().find(|f| f.sig_refused.is_some());
        if files.is_empty() {
            not_sent_because =
                Some("Прикрепите хотя бы один файл, чтобы отправить документ в СРО".to_string());
        } else if item.kind() == ItemKind::Letter && subject.is_empty() {
            not_sent_because = Some("Укажите тему письма, чтобы отправить его в СРО".to_string());
        } else if let Some(f) = refused {
            not_sent_because = Some(format!(
                "Подпись к файлу «{}» не принята: приложите верную подпись или отметьте «Отправить без подписи»",
                f.name
            ));
        } else {
            let pattern = &core.settings.exchange.outgoing_pattern;
            mark_sent(&mut tx, actor, user_id, &item, &subject, &files, pattern).await?;
            if let Some(m) = store::answers_of_tx(&mut tx, item.id).await? {
                crate::messages::answers::mark_answered(&mut tx, member_id, m, item.id).await?;
            }
        }
    }
    tx.commit().await?;
    Ok((item.id, not_sent_because))
}

/// The member's current draft of a section, or a new one; refused while the section's last
/// item is in the SRO's hands.
async fn section_draft_or_new(
    core: &Core,
    tx: &mut Tx,
    member_id: i64,
    section_id: i64,
    user_id: i64,
) -> Result<i64, ExchangeError> {
    let section = crate::reports::service::open_section(&core.db, section_id)
        .await
        .map_err(|_| ExchangeError::NotFound)?;
    if let Some(id) = store::section_draft_tx(tx, member_id, section_id).await? {
        return Ok(id);
    }
    let latest = store::section_items(&core.db, member_id, section_id).await?;
    if let Some(l) = latest.first()
        && matches!(l.status(), ItemStatus::Sent | ItemStatus::Registered)
    {
        return Err(ExchangeError::Conflict(
            "Раздел уже отправлен в СРО и рассматривается: изменить его нельзя".into(),
        ));
    }
    Ok(store::insert_item(
        tx,
        &NewItem {
            member_id,
            kind: ItemKind::Report.code(),
            section_id: Some(section_id),
            subject: &section.title,
            body: "",
            document_date: None,
            supersedes_id: latest.first().map(|l| l.id),
            created_by: user_id,
        },
    )
    .await?)
}

fn check_limits(core: &Core, files: &[ItemFile]) -> Result<(), ExchangeError> {
    let limits = &core.settings.uploads;
    let total: i64 = files.iter().map(|f| f.size_bytes).sum();
    if files.len() > limits.max_files_per_item {
        return Err(ExchangeError::Invalid(FieldErrors::one(
            signing::FILES,
            format!(
                "К одному документу можно приложить не более {} файлов",
                limits.max_files_per_item
            ),
        )));
    }
    if total as u64 > limits.max_item_bytes() {
        return Err(ExchangeError::Invalid(FieldErrors::one(
            signing::FILES,
            format!(
                "Общий размер файлов больше {} МБ: уберите часть файлов или отправьте их отдельным письмом",
                limits.max_item_mb
            ),
        )));
    }
    Ok(())
}

/// Send: the company's next outgoing number of the year (given now, not to the draft, so the
/// journal has no holes; rolled back with the transaction), the status, the event, the audit.
async fn mark_sent(
    tx: &mut Tx,
    actor: &Actor,
    user_id: i64,
    item: &Item,
    subject: &str,
    files: &[ItemFile],
    pattern: &str,
) -> Result<(), ExchangeError> {
    let now = tx.now();
    let year = chrono::Datelike::year(&crate::clock::moscow_date(now));
    let journal = format!("outgoing:{}", item.member_id);
    let seq = crate::numbering::next_seq(tx, &journal, year).await?;
    let number = crate::numbering::format(pattern, seq, year);
    if store::mark_sent(tx, item.id, user_id, now, &number).await? == 0 {
        return Err(ExchangeError::Conflict("Документ уже отправлен".into()));
    }
    store::insert_event(tx, item.id, ItemStatus::Sent.code(), Some(user_id), "").await?;
    let details = serde_json::json!({
        "member_id": item.member_id,
        "kind": item.kind,
        "subject": subject,
        "files": files.iter().map(|f| serde_json::json!({
            "name": f.name, "size": f.size_bytes, "sha256": f.sha256,
            "signature": f.sig_name,
        })).collect::<Vec<_>>(),
    });
    let event = Event::new("item.send", "item", item.id, details);
    audit::record(tx, actor, event).await?;
    Ok(())
}

fn signature_record(file_id: i64, s: &SignatureUpload) -> SignatureRecord<'_> {
    SignatureRecord {
        file_id,
        verdict: s.verdict.code(),
        signer: &s.signer,
        inn: &s.inn,
        valid_to: s.valid_to,
        findings: &s.findings,
    }
}

//! Use cases of the document exchange: save a draft, send it, register it, accept or return
//! it, start a corrected version. Each is one transaction; files staged in storage are
//! promoted inside it and discarded when it fails.

use chrono::NaiveDate;

use super::model::{self, Item, ItemKind, ItemStatus, SigVerdict};
use super::store::{self, NewFile, NewItem, NewItemFile, SignatureRecord};
use crate::audit::{self, Actor, Event};
use crate::auth::SessionUser;
use crate::db::{Db, DbError, Tx};
use crate::mail::{self, Letter};
use crate::state::AppState;
use crate::storage::{Staged, Storage};

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("not found")]
    NotFound,
    /// The item moved on (sent, registered) while the user looked at an old page.
    #[error("{0}")]
    Conflict(String),
    /// A rule refused the input; the message is for the user.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for ExchangeError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ExchangeError::NotFound,
            // Two tabs started the first draft of a section at the same moment (PostgreSQL;
            // SQLite serialises writers): one wins, the other is told to reload.
            DbError::Conflict { constraint }
                if constraint.starts_with("items_one_draft") || constraint == "items_member_id_key" =>
            {
                ExchangeError::Conflict(
                    "Черновик этого раздела только что создан в другой вкладке или другим пользователем: обновите страницу".into(),
                )
            }
            other => ExchangeError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// A file from the form, already in storage under a temporary key.
#[derive(Debug, Clone)]
pub struct Upload {
    pub staged: Staged,
    pub name: String,
    pub media_type: String,
}

/// A detached signature from the form with what its check found.
#[derive(Debug, Clone)]
pub struct SignatureUpload {
    pub upload: Upload,
    pub verdict: SigVerdict,
    pub signer: String,
    pub inn: String,
    pub valid_to: Option<NaiveDate>,
}

/// What the form asks to change in a draft.
#[derive(Debug, Default)]
pub struct ItemInput {
    pub subject: String,
    pub body: String,
    pub document_date: Option<NaiveDate>,
    pub new_files: Vec<(Upload, Option<SignatureUpload>)>,
    /// item_files ids to detach
    pub remove: Vec<i64>,
    /// signatures for files already in the draft: (item_files id, signature)
    pub add_signatures: Vec<(i64, SignatureUpload)>,
}

impl ItemInput {
    /// Every staged blob of the input, to discard if the transaction fails.
    pub fn staged(&self) -> Vec<Staged> {
        let mut v = Vec::new();
        for (f, s) in &self.new_files {
            v.push(f.staged.clone());
            if let Some(s) = s {
                v.push(s.upload.staged.clone());
            }
        }
        for (_, s) in &self.add_signatures {
            v.push(s.upload.staged.clone());
        }
        v
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The member's draft of this section (made when there is none).
    Section(i64),
    NewLetter,
    Draft(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Save,
    Send,
}

#[derive(Debug)]
pub struct Saved {
    pub item_id: i64,
    pub sent: bool,
    /// Why a «Сохранить и отправить» only saved (the draft is kept).
    pub not_sent_because: Option<String>,
}

/// Save the draft (creating it when needed) and, on `Send`, send it, in one transaction.
pub async fn save_item(
    state: &AppState,
    user: &SessionUser,
    actor: &Actor,
    member_id: i64,
    target: Target,
    input: ItemInput,
    action: Action,
) -> Result<Saved, ExchangeError> {
    let staged = input.staged();
    let r = save_item_tx(state, user, actor, member_id, target, &input, action).await;
    if r.is_err() {
        state.storage.discard(&staged).await;
    }
    r
}

async fn save_item_tx(
    state: &AppState,
    user: &SessionUser,
    actor: &Actor,
    member_id: i64,
    target: Target,
    input: &ItemInput,
    action: Action,
) -> Result<Saved, ExchangeError> {
    let mut tx = state.db.begin().await?;
    let item_id = match target {
        Target::Draft(id) => id,
        Target::Section(section_id) => {
            let section = crate::reports::store::section(&state.db, section_id)
                .await?
                .filter(|s| !s.retired)
                .ok_or(ExchangeError::NotFound)?;
            match store::section_draft(&mut tx, member_id, section_id).await? {
                Some(id) => id,
                None => {
                    let latest = store::section_items(&state.db, member_id, section_id).await?;
                    if let Some(l) = latest.first()
                        && matches!(l.status(), ItemStatus::Sent | ItemStatus::Registered)
                    {
                        return Err(ExchangeError::Conflict(
                            "Раздел уже отправлен в СРО и рассматривается: изменить его нельзя"
                                .into(),
                        ));
                    }
                    store::insert_item(
                        &mut tx,
                        &NewItem {
                            member_id,
                            kind: ItemKind::Report.code(),
                            section_id: Some(section_id),
                            subject: &section.title,
                            body: "",
                            document_date: None,
                            supersedes_id: latest.first().map(|l| l.id),
                            created_by: user.user_id,
                        },
                    )
                    .await?
                }
            }
        }
        Target::NewLetter => {
            store::insert_item(
                &mut tx,
                &NewItem {
                    member_id,
                    kind: ItemKind::Letter.code(),
                    section_id: None,
                    subject: "",
                    body: "",
                    document_date: None,
                    supersedes_id: None,
                    created_by: user.user_id,
                },
            )
            .await?
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
        input.subject.trim().to_string()
    };
    store::update_draft(
        &mut tx,
        item.id,
        &subject,
        input.body.trim(),
        input.document_date,
    )
    .await?;
    for id in &input.remove {
        store::remove_item_file(&mut tx, item.id, *id).await?;
    }
    for (item_file_id, sig) in &input.add_signatures {
        let file_id = record_file(&mut tx, &state.storage, &sig.upload, member_id, user).await?;
        let n = store::set_signature(
            &mut tx,
            *item_file_id,
            item.id,
            &signature_record(file_id, sig),
        )
        .await?;
        if n == 0 {
            return Err(ExchangeError::NotFound);
        }
    }
    let existing = store::item_files_tx(&mut tx, item.id).await?;
    let first_position = existing.iter().map(|f| f.position).max().unwrap_or(0) + 1;
    for (position, (upload, sig)) in (first_position..).zip(&input.new_files) {
        let file_id = record_file(&mut tx, &state.storage, upload, member_id, user).await?;
        let signature = match sig {
            Some(s) => {
                let sig_id =
                    record_file(&mut tx, &state.storage, &s.upload, member_id, user).await?;
                Some((sig_id, s))
            }
            None => None,
        };
        store::add_item_file(
            &mut tx,
            &NewItemFile {
                item_id: item.id,
                file_id,
                position,
                signature: signature.map(|(id, s)| signature_record(id, s)),
            },
        )
        .await?;
    }
    let files = store::item_files_tx(&mut tx, item.id).await?;
    let limits = &state.settings.uploads;
    let total: i64 = files.iter().map(|f| f.size_bytes).sum();
    if files.len() > limits.max_files_per_item {
        return Err(ExchangeError::Invalid(format!(
            "К одному документу можно приложить не более {} файлов",
            limits.max_files_per_item
        )));
    }
    if total as u64 > limits.max_item_bytes() {
        return Err(ExchangeError::Invalid(format!(
            "Общий размер файлов больше {} МБ: уберите часть файлов или отправьте их отдельным письмом",
            limits.max_item_mb
        )));
    }
    let mut saved = Saved {
        item_id: item.id,
        sent: false,
        not_sent_because: None,
    };
    if action == Action::Send {
        let why_not = if files.is_empty() {
            Some("Прикрепите хотя бы один файл, чтобы отправить документ в СРО")
        } else if item.kind() == ItemKind::Letter && subject.is_empty() {
            Some("Укажите тему письма, чтобы отправить его в СРО")
        } else {
            None
        };
        match why_not {
            Some(w) => saved.not_sent_because = Some(w.to_string()),
            None => {
                let now = crate::db::now();
                if store::mark_sent(&mut tx, item.id, user.user_id, now).await? == 0 {
                    return Err(ExchangeError::Conflict("Документ уже отправлен".into()));
                }
                store::insert_event(
                    &mut tx,
                    item.id,
                    ItemStatus::Sent.code(),
                    Some(user.user_id),
                    "",
                )
                .await?;
                audit::record(
                    &mut tx,
                    actor,
                    Event {
                        action: "item.send",
                        object_type: "item",
                        object_id: item.id.to_string(),
                        details: serde_json::json!({
                            "member_id": member_id,
                            "kind": item.kind,
                            "subject": subject,
                            "files": files.iter().map(|f| serde_json::json!({
                                "name": f.name, "size": f.size_bytes, "sha256": f.sha256,
                                "signature": f.sig_name,
                            })).collect::<Vec<_>>(),
                        }),
                    },
                )
                .await?;
                saved.sent = true;
            }
        }
    }
    tx.commit().await?;
    let st = state.clone();
    tokio::spawn(async move { fill_digests(&st).await });
    Ok(saved)
}

/// Compute the Streebog-256 digests still missing (files uploaded moments ago). Runs after
/// every upload and in housekeeping; two runs at once only do the same work twice.
pub async fn fill_digests(state: &AppState) {
    loop {
        let batch = match store::missing_digests(&state.db, 20).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = ?e, "listing files without a digest");
                return;
            }
        };
        if batch.is_empty() {
            return;
        }
        for (id, key) in batch {
            let r = match state.storage.digest::<streebog::Streebog256>(&key).await {
                Ok(d) => store::set_streebog(&state.db, id, &hex::encode(d))
                    .await
                    .map_err(anyhow::Error::new),
                Err(e) => Err(e),
            };
            if let Err(e) = r {
                // A blob that cannot be read (removed by hand, storage down) must not make this
                // loop spin: an empty digest reads as «unknown» on the pages.
                tracing::warn!(error = ?e, file_id = id, "computing a Streebog digest");
                let _ = store::set_streebog(&state.db, id, "").await;
            }
        }
    }
}

fn signature_record<'a>(file_id: i64, s: &'a SignatureUpload) -> SignatureRecord<'a> {
    SignatureRecord {
        file_id,
        verdict: s.verdict.code(),
        signer: &s.signer,
        inn: &s.inn,
        valid_to: s.valid_to,
    }
}

/// Promote a staged blob and record it; the row and the blob appear together at commit.
async fn record_file(
    tx: &mut Tx,
    storage: &Storage,
    u: &Upload,
    member_id: i64,
    user: &SessionUser,
) -> Result<i64, ExchangeError> {
    let id = store::insert_file(
        tx,
        &NewFile {
            storage_key: &u.staged.key,
            original_name: &u.name,
            size_bytes: u.staged.size as i64,
            media_type: &u.media_type,
            sha256: &u.staged.sha256,
            streebog256: u.staged.streebog256.as_deref(),
            member_id: Some(member_id),
            uploaded_by: Some(user.user_id),
        },
    )
    .await?;
    storage.promote(&u.staged).await?;
    Ok(id)
}

/// Delete a draft the member no longer wants. Its uploads keep their `files` rows (the record
/// that they were uploaded, by whom and when); only the draft and its attachments go.
pub async fn delete_draft(
    db: &Db,
    actor: &Actor,
    member_id: i64,
    item_id: i64,
) -> Result<(), ExchangeError> {
    let mut tx = db.begin().await?;
    store::lock_item(&mut tx, item_id, Some(member_id), ItemStatus::Draft.code())
        .await?
        .ok_or(ExchangeError::NotFound)?;
    store::delete_draft(&mut tx, item_id).await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: "item.delete_draft",
            object_type: "item",
            object_id: item_id.to_string(),
            details: serde_json::json!({ "member_id": member_id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new draft that corrects a returned item (or updates an accepted one), with its text,
/// date and files copied; the old item stays in the journal as it was.
pub async fn start_revision(
    db: &Db,
    user: &SessionUser,
    member_id: i64,
    item_id: i64,
) -> Result<i64, ExchangeError> {
    let old = store::item(db, item_id)
        .await?
        .filter(|i| i.member_id == member_id)
        .ok_or(ExchangeError::NotFound)?;
    if !matches!(old.status(), ItemStatus::Returned | ItemStatus::Accepted) {
        return Err(ExchangeError::Conflict(
            "Исправить можно только документ, возвращенный на доработку или принятый".into(),
        ));
    }
    let mut tx = db.begin().await?;
    if let Some(section_id) = old.section_id
        && let Some(draft) = store::section_draft(&mut tx, member_id, section_id).await?
    {
        return Ok(draft); // already started
    }
    let new_id = store::insert_item(
        &mut tx,
        &NewItem {
            member_id,
            kind: &old.kind,
            section_id: old.section_id,
            subject: &old.subject,
            body: &old.body,
            document_date: old.document_date,
            supersedes_id: Some(old.id),
            created_by: user.user_id,
        },
    )
    .await?;
    for f in store::item_files_tx(&mut tx, old.id).await? {
        let verdict = f.sig_verdict.clone();
        store::add_item_file(
            &mut tx,
            &NewItemFile {
                item_id: new_id,
                file_id: f.file_id,
                position: f.position,
                signature: f.signature_file_id.map(|sid| SignatureRecord {
                    file_id: sid,
                    verdict: verdict.as_deref().unwrap_or("unchecked"),
                    signer: &f.sig_signer,
                    inn: &f.sig_inn,
                    valid_to: f.sig_valid_to,
                }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(new_id)
}

/// Register a sent item: the next incoming number of the year and today's date (Moscow).
pub async fn register(
    state: &AppState,
    staff: &SessionUser,
    actor: &Actor,
    item_id: i64,
) -> Result<String, ExchangeError> {
    let mut tx = state.db.begin().await?;
    let item = store::lock_item(&mut tx, item_id, None, ItemStatus::Sent.code())
        .await?
        .ok_or_else(|| ExchangeError::Conflict("Документ уже зарегистрирован".into()))?;
    let now = crate::db::now();
    let today = moscow_today(now);
    let year = chrono::Datelike::year(&today);
    let seq = store::next_seq(&mut tx, "incoming", year).await?;
    let number = model::incoming_number(&state.settings.exchange.incoming_pattern, seq, year);
    store::mark_registered(
        &mut tx,
        item.id,
        &store::Registration {
            year,
            seq,
            number: &number,
            on: today,
            by: staff.user_id,
            at: now,
        },
    )
    .await?;
    let note = format!("Вх. № {number} от {}", crate::web::views::date(&today));
    store::insert_event(
        &mut tx,
        item.id,
        ItemStatus::Registered.code(),
        Some(staff.user_id),
        &note,
    )
    .await?;
    let what = describe(&item);
    let text = format!(
        "{what} зарегистрирован{} СРО: входящий № {number} от {}.",
        if item.kind() == ItemKind::Letter {
            "о"
        } else {
            ""
        },
        crate::web::views::date(&today)
    );
    notify(&mut tx, state, &item, "item_registered", &text).await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: "item.register",
            object_type: "item",
            object_id: item.id.to_string(),
            details: serde_json::json!({ "member_id": item.member_id, "incoming_number": number, "on": today }),
        },
    )
    .await?;
    tx.commit().await?;
    state.mail.wake();
    Ok(number)
}

/// Accept or return a registered item; returning needs a comment the member will read.
pub async fn review(
    state: &AppState,
    staff: &SessionUser,
    actor: &Actor,
    item_id: i64,
    accept: bool,
    comment: &str,
) -> Result<(), ExchangeError> {
    let comment = comment.trim();
    if !accept && comment.is_empty() {
        return Err(ExchangeError::Invalid(
            "Напишите, что нужно исправить: участник увидит этот комментарий".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    let item = store::lock_item(&mut tx, item_id, None, ItemStatus::Registered.code())
        .await?
        .ok_or_else(|| {
            ExchangeError::Conflict(
                "Рассмотреть можно только зарегистрированный документ; возможно, его уже рассмотрели"
                    .into(),
            )
        })?;
    let status = if accept {
        ItemStatus::Accepted
    } else {
        ItemStatus::Returned
    };
    store::mark_reviewed(
        &mut tx,
        item.id,
        status.code(),
        staff.user_id,
        comment,
        crate::db::now(),
    )
    .await?;
    store::insert_event(
        &mut tx,
        item.id,
        status.code(),
        Some(staff.user_id),
        comment,
    )
    .await?;
    let what = describe(&item);
    let number = item.incoming_number.clone().unwrap_or_default();
    let text = if accept {
        format!("{what} (вх. № {number}) принят СРО.")
    } else {
        format!("{what} (вх. № {number}) возвращен на доработку. Причина: {comment}")
    };
    notify(
        &mut tx,
        state,
        &item,
        if accept {
            "item_accepted"
        } else {
            "item_returned"
        },
        &text,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: if accept { "item.accept" } else { "item.return" },
            object_type: "item",
            object_id: item.id.to_string(),
            details: serde_json::json!({ "member_id": item.member_id, "comment": comment }),
        },
    )
    .await?;
    tx.commit().await?;
    state.mail.wake();
    Ok(())
}

fn describe(item: &Item) -> String {
    match item.kind() {
        ItemKind::Report => format!("Раздел отчета «{}»", item.subject),
        ItemKind::Letter => format!("Письмо «{}»", item.subject),
    }
}

/// An in-app note for the company and a letter to the user who sent the item.
async fn notify(
    tx: &mut Tx,
    state: &AppState,
    item: &Item,
    kind: &'static str,
    text: &str,
) -> Result<(), ExchangeError> {
    store::insert_notification(tx, item.member_id, Some(item.id), text).await?;
    if let Some((user_id, email)) = store::item_recipient(tx, item.member_id, item.sent_by).await? {
        let settings = &state.settings;
        let mut letter = Letter::new(
            settings,
            kind,
            &email,
            format!("{}: {}", settings.sro.short_name, short(text)),
        );
        letter.paragraphs.push(text.to_string());
        letter.link = Some((
            "Журнал исходящих сообщений в личном кабинете:".into(),
            format!("{}/kabinet/items/{}", settings.base_url(), item.id),
        ));
        letter.user_id = Some(user_id);
        letter.member_id = Some(item.member_id);
        mail::enqueue(tx, &letter).await?;
    }
    Ok(())
}

fn short(s: &str) -> String {
    let first = s.split(". ").next().unwrap_or(s);
    let mut out: String = first.chars().take(120).collect();
    if out.ends_with('.') {
        out.pop();
    }
    out
}

/// Today's date in Moscow, the SRO's working calendar.
pub fn moscow_today(now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    let msk = chrono::FixedOffset::east_opt(3 * 3600).expect("valid offset");
    now.with_timezone(&msk).date_naive()
}

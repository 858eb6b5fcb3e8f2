//! Pages of the exchange: the member's drafts, letters, journal and receipts; the staff's
//! inbox with registration and review; file downloads for both.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::model::{ItemKind, ItemStatus, SigVerdict};
use super::service::{self, Action, ExchangeError, ItemInput, SignatureUpload, Target, Upload};
use super::store::{self, ItemFilter};
use super::views::{EventView, FileView, FormView, ItemView, LimitsView};
use crate::auth::model::Area;
use crate::auth::{Principal, StaffRole};
use crate::state::AppState;
use crate::web::upload::{self, FormRules, UploadForm};
use crate::web::views::{self, Chrome};
use crate::web::{AppError, Ctx, DoneQuery, MemberCtx, StaffCtx, form_page, page};

pub fn routes(state: &AppState) -> Router<AppState> {
    let u = &state.settings.uploads;
    // Files are checked one by one while they stream; this only caps a runaway body.
    let hard_cap = (u.max_item_bytes()
        + u.max_files_per_item as u64 * u.max_signature_bytes()
        + 8 * 1024 * 1024) as usize;
    let uploads = Router::new()
        .route("/kabinet/reports/sections/{id}", post(save_section))
        .route("/kabinet/letters", post(save_new_letter))
        .route("/kabinet/items/{id}", post(save_draft))
        .layer(DefaultBodyLimit::max(hard_cap));
    Router::new()
        .merge(uploads)
        .route("/kabinet/letters/new", get(show_new_letter))
        .route("/kabinet/items/{id}", get(show_item))
        .route("/kabinet/items/{id}/revise", post(revise_item))
        .route("/kabinet/items/{id}/delete", post(delete_draft))
        .route("/kabinet/items/{id}/receipt.pdf", get(download_receipt))
        .route(
            "/office/items/{id}/receipt.pdf",
            get(download_office_receipt),
        )
        .route("/kabinet/journal", get(show_journal))
        .route("/kabinet/journal.csv", get(export_journal))
        .route("/kabinet/notifications", get(show_notifications))
        .route("/files/{id}", get(download_file))
        .route("/office/inbox", get(show_inbox))
        .route("/office/items/{id}", get(show_office_item))
        .route("/office/items/{id}/register", post(register_item))
        .route("/office/items/{id}/review", post(review_item))
        .route("/office/items/{id}/zip", get(download_zip))
}

impl From<ExchangeError> for AppError {
    fn from(e: ExchangeError) -> Self {
        match e {
            ExchangeError::NotFound => AppError::NotFound,
            ExchangeError::Conflict(m) => AppError::Conflict(m),
            ExchangeError::Invalid(m) => AppError::Unprocessable(m),
            ExchangeError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

/// Reports and documents are for the head and the person responsible for reporting.
pub fn require_reports(m: &MemberCtx) -> Result<(), AppError> {
    match m.user.principal {
        Principal::Member { role, .. } if role.may(Area::Reports) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

fn multipart_action(path: &str, csrf: &str) -> String {
    // Multipart bodies are streamed, so the CSRF token travels in the URL (checked before the
    // body is read); see `web::session::csrf_layer`.
    format!("{path}?csrf_token={csrf}")
}

// ---------- member: the draft form ----------

/// Build the form of a draft (or of a new item when `item` is None).
pub async fn form_view(
    state: &AppState,
    ctx: &Ctx,
    post_path: &str,
    item: Option<&super::model::Item>,
    is_letter: bool,
    rows: usize,
) -> Result<FormView, AppError> {
    let files = match item {
        Some(i) => store::item_files(&state.db, i.id).await?,
        None => vec![],
    };
    Ok(FormView {
        action: multipart_action(post_path, &ctx.csrf),
        is_letter,
        subject: item.map(|i| i.subject.clone()).unwrap_or_default(),
        body: item.map(|i| i.body.clone()).unwrap_or_default(),
        document_date: item
            .and_then(|i| i.document_date)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        existing_bytes: files.iter().map(|f| f.size_bytes).sum(),
        files: files.iter().map(FileView::from).collect(),
        rows: (1..=rows.clamp(1, 20)).collect(),
        errors: vec![],
        notice: None,
        limits: LimitsView::new(&state.settings.uploads),
        delete_action: item.map(|i| format!("/kabinet/items/{}/delete", i.id)),
    })
}

#[derive(Deserialize, Default)]
pub struct RowsQuery {
    #[serde(default)]
    pub rows: Option<usize>,
    #[serde(default)]
    pub done: String,
}

fn is_signature_field(name: &str) -> bool {
    name.starts_with("sig_") || name.starts_with("addsig_")
}

/// Read the multipart form of a draft into an `ItemInput`, checking each signature against
/// its file. Problems with single files become messages; the rest is kept.
async fn read_item_form(
    state: &AppState,
    member_id: i64,
    item_id: Option<i64>,
    multipart: Multipart,
) -> Result<(ItemInput, UploadForm, Action, usize), AppError> {
    let existing = match item_id {
        Some(id) => store::item_files(&state.db, id).await?,
        None => vec![],
    };
    let rules = FormRules {
        limits: &state.settings.uploads,
        already: existing.iter().map(|f| f.size_bytes as u64).sum(),
        files_already: existing.len(),
        is_signature: is_signature_field,
    };
    let mut form = upload::read_form(multipart, &state.storage, &rules).await?;
    let member = crate::members::service::get(&state.db, member_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut input = ItemInput {
        subject: form.text("subject").chars().take(300).collect(),
        body: form.text("body"),
        ..Default::default()
    };
    let date = form.text("document_date");
    if !date.trim().is_empty() {
        match chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .or_else(|_| chrono::NaiveDate::parse_from_str(date.trim(), "%d.%m.%Y"))
        {
            Ok(d) => input.document_date = Some(d),
            Err(_) => form
                .errors
                .push("Дата документа указана неверно: выберите дату в календаре".into()),
        }
    }
    input.remove = form
        .all("remove")
        .iter()
        .filter_map(|s| s.parse().ok())
        .filter(|id| existing.iter().any(|f| f.id == *id))
        .collect();
    let sigs = std::mem::take(&mut form.signatures);
    let files = std::mem::take(&mut form.files);
    let mut unused_sigs = Vec::new();
    for sig in sigs {
        if let Some(row) = sig.field.strip_prefix("addsig_") {
            let target = row
                .parse::<i64>()
                .ok()
                .and_then(|id| existing.iter().find(|f| f.id == id));
            match target {
                Some(f) if !input.remove.contains(&f.id) => {
                    let file = store::file(&state.db, f.file_id)
                        .await?
                        .ok_or(AppError::NotFound)?;
                    let digests = Digests {
                        key: file.storage_key.clone(),
                        sha256: file.sha256.clone(),
                        streebog256: file.streebog256.clone(),
                    };
                    match check_signature(state, &member.inn, &f.name, &digests, &sig).await? {
                        Ok(s) => input.add_signatures.push((f.id, s)),
                        Err(msg) => form.errors.push(msg),
                    }
                }
                _ => unused_sigs.push(sig),
            }
        } else {
            unused_sigs.push(sig);
        }
    }
    let mut files_by_row: Vec<(String, Upload)> = files;
    for (field, upload) in files_by_row.drain(..) {
        let row = field.strip_prefix("file_").unwrap_or("");
        let sig_pos = unused_sigs
            .iter()
            .position(|s| s.field.strip_prefix("sig_") == Some(row));
        let sig = match sig_pos {
            Some(p) => {
                let s = unused_sigs.remove(p);
                let digests = Digests {
                    key: upload.staged.tmp_key.clone(),
                    sha256: upload.staged.sha256.clone(),
                    streebog256: upload.staged.streebog256.clone(),
                };
                match check_signature(state, &member.inn, &upload.name, &digests, &s).await? {
                    Ok(s) => Some(s),
                    Err(msg) => {
                        form.errors.push(msg);
                        None
                    }
                }
            }
            None => None,
        };
        let mut upload = upload;
        if sig.is_some() && upload.staged.streebog256.is_none() {
            // A signed file gets its GOST digest now: the check above needed it anyway.
            let d = state
                .storage
                .digest::<streebog::Streebog256>(&upload.staged.tmp_key)
                .await
                .map_err(|e| AppError::Unexpected(e.context("hashing a signed file")))?;
            upload.staged.streebog256 = Some(hex::encode(d));
        }
        input.new_files.push((upload, sig));
    }
    for s in unused_sigs {
        form.errors.push(format!(
            "Подпись «{}» не принята: выберите рядом с ней файл, который она подписывает",
            s.name
        ));
    }
    let action = match form.text("action").as_str() {
        "send" => Action::Send,
        _ => Action::Save,
    };
    let rows = if form.text("action") == "add_row" {
        form.text("rows").parse::<usize>().unwrap_or(1) + 1
    } else {
        1
    };
    Ok((input, form, action, rows))
}

struct Digests {
    /// where the signed file's bytes are (for digests we did not compute while uploading)
    key: String,
    sha256: String,
    streebog256: Option<String>,
}

/// Check a detached signature against its file: Ok with the verdict to keep, or Err with the
/// message for the user when the signature is not one of this file.
async fn check_signature(
    state: &AppState,
    member_inn: &str,
    file_name: &str,
    file: &Digests,
    sig: &upload::SignatureFile,
) -> Result<Result<SignatureUpload, String>, AppError> {
    use crate::signatures::{self, DigestAlg, Verdict};
    let parsed = match signatures::parse(&sig.bytes) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(format!(
                "Подпись к файлу «{file_name}» не принята: {e}"
            )));
        }
    };
    let digest = match parsed.digest_alg() {
        DigestAlg::Streebog256 => match &file.streebog256 {
            Some(h) if !h.is_empty() => hex::decode(h).unwrap_or_default(),
            _ => state
                .storage
                .digest::<streebog::Streebog256>(&file.key)
                .await
                .map_err(|e| AppError::Unexpected(e.context("hashing a signed file")))?,
        },
        DigestAlg::Sha256 => hex::decode(&file.sha256).unwrap_or_default(),
        DigestAlg::Streebog512 => streebog512_of(state, &file.key).await?,
        // A digest we cannot compute: verify() says Unsupported and staff check by hand.
        DigestAlg::Other(_) => Vec::new(),
    };
    let signer = parsed.signer();
    let verdict = match parsed.verify(&digest) {
        Verdict::Valid if signer.belongs_to(member_inn) => SigVerdict::Valid,
        Verdict::Valid => SigVerdict::Foreign,
        Verdict::Unsupported(_) => SigVerdict::Unchecked,
        Verdict::DigestMismatch => {
            return Ok(Err(format!(
                "Подпись «{}» не соответствует файлу «{file_name}»: подписан другой файл, или файл изменен после подписания",
                sig.name
            )));
        }
        Verdict::BadSignature => {
            return Ok(Err(format!(
                "Подпись «{}» к файлу «{file_name}» недействительна: проверка по ГОСТ Р 34.10-2012 не пройдена",
                sig.name
            )));
        }
    };
    let staged = state
        .storage
        .put_small(sig.bytes.clone())
        .await
        .map_err(|e| AppError::Unexpected(e.context("storing a signature")))?;
    Ok(Ok(SignatureUpload {
        upload: Upload {
            staged,
            name: sig.name.clone(),
            media_type: "application/pkcs7-signature".into(),
        },
        verdict,
        signer: if signer.self_signed {
            // Anyone can make such a certificate with any INN: say so to whoever relies on it.
            format!(
                "{} (самоподписанный сертификат, не выдан удостоверяющим центром)",
                signer.display_name()
            )
        } else {
            signer.display_name()
        },
        inn: signer
            .inn_le
            .clone()
            .or_else(|| signer.inn.clone())
            .unwrap_or_default(),
        valid_to: Some(signer.not_after.date_naive()),
    }))
}

async fn streebog512_of(state: &AppState, key: &str) -> Result<Vec<u8>, AppError> {
    use futures_util::StreamExt;
    use sha2::Digest;
    let mut stream =
        Box::pin(
            state.storage.open(key).await.map_err(|e| {
                AppError::Unexpected(e.context("re-reading a file for its signature"))
            })?,
        );
    let mut h = streebog::Streebog512::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| AppError::Unexpected(anyhow::Error::new(e)))?;
        h.update(&chunk);
    }
    Ok(h.finalize().to_vec())
}

/// Save (or send) and redirect to where the user continues; or re-render the form with the
/// messages, everything valid already kept in the draft.
async fn save_and_respond(
    m: MemberCtx,
    state: AppState,
    target: Target,
    multipart: Multipart,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let item_id = match target {
        Target::Draft(id) => {
            // Another company's item is "not found", never "already sent".
            store::item(&state.db, id)
                .await?
                .filter(|i| i.member_id == m.member_id)
                .ok_or(AppError::NotFound)?;
            Some(id)
        }
        Target::Section(sid) => {
            let mut tx = state.db.begin().await?;
            let d = store::section_draft(&mut tx, m.member_id, sid).await?;
            drop(tx);
            d
        }
        Target::NewLetter => None,
    };
    let (input, form, action, rows) =
        read_item_form(&state, m.member_id, item_id, multipart).await?;
    let actor = m.user.actor(&m.ctx.client);
    // A file refused on the way means the user must look first: keep everything as a draft.
    let wanted_send = action == Action::Send;
    let action = if form.errors.is_empty() {
        action
    } else {
        Action::Save
    };
    let saved =
        match service::save_item(&state, &m.user, &actor, m.member_id, target, input, action).await
        {
            Ok(s) => s,
            Err(ExchangeError::Invalid(msg)) => {
                let mut errors = form.errors;
                errors.push(msg);
                return rerender(&m, &state, target, item_id, errors, rows, &form.texts).await;
            }
            Err(e) => return Err(e.into()),
        };
    let mut errors = form.errors;
    if let Some(why) = saved.not_sent_because {
        errors.push(why);
    }
    if !errors.is_empty() {
        if wanted_send {
            errors.push("Документ не отправлен: он сохранен как черновик, исправьте отмеченное и нажмите «Сохранить и отправить» еще раз.".into());
        }
        return rerender(
            &m,
            &state,
            Target::Draft(saved.item_id),
            Some(saved.item_id),
            errors,
            rows,
            &form.texts,
        )
        .await;
    }
    if saved.sent {
        return Ok(
            Redirect::to(&format!("/kabinet/items/{}?done=sent", saved.item_id)).into_response(),
        );
    }
    let rows_q = if rows > 1 {
        format!("&rows={rows}")
    } else {
        String::new()
    };
    Ok(Redirect::to(&format!(
        "/kabinet/items/{}?done=saved{rows_q}#form",
        saved.item_id
    ))
    .into_response())
}

/// The form again with messages (422), showing what the draft now holds.
async fn rerender(
    m: &MemberCtx,
    state: &AppState,
    target: Target,
    item_id: Option<i64>,
    errors: Vec<String>,
    rows: usize,
    texts: &std::collections::HashMap<String, Vec<String>>,
) -> Result<Response, AppError> {
    let item = match item_id {
        Some(id) => store::item(&state.db, id)
            .await?
            .filter(|i| i.member_id == m.member_id),
        None => None,
    };
    let first = |k: &str| texts.get(k).and_then(|v| v.first()).cloned();
    match (&item, target) {
        (Some(i), _) => {
            let mut page = item_page(m, state, i, rows).await?;
            if let Some(f) = page.form.as_mut() {
                f.errors = errors;
                // What the user typed wins over what the draft held before this request.
                if let Some(b) = first("body") {
                    f.body = b;
                }
                if let Some(s) = first("subject") {
                    f.subject = s;
                }
            }
            form_page(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        (None, Target::NewLetter) => {
            let mut f = form_view(state, &m.ctx, "/kabinet/letters", None, true, rows).await?;
            f.errors = errors;
            f.subject = first("subject").unwrap_or_default();
            f.body = first("body").unwrap_or_default();
            form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &LetterPage {
                    chrome: m.ctx.chrome("Письмо в СРО"),
                    form: f,
                },
            )
        }
        (None, _) => Err(AppError::Unprocessable(errors.join(". "))),
    }
}

async fn save_section(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    save_and_respond(m, state, Target::Section(id), multipart).await
}

async fn save_new_letter(
    m: MemberCtx,
    State(state): State<AppState>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    save_and_respond(m, state, Target::NewLetter, multipart).await
}

async fn save_draft(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    save_and_respond(m, state, Target::Draft(id), multipart).await
}

#[derive(Template)]
#[template(path = "exchange/letter.html")]
struct LetterPage {
    chrome: Chrome,
    form: FormView,
}

async fn show_new_letter(
    m: MemberCtx,
    State(state): State<AppState>,
    Query(q): Query<RowsQuery>,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let form = form_view(
        &state,
        &m.ctx,
        "/kabinet/letters",
        None,
        true,
        q.rows.unwrap_or(1),
    )
    .await?;
    page(&LetterPage {
        chrome: m.ctx.chrome("Письмо в СРО"),
        form,
    })
}

// ---------- member: an item ----------

#[derive(Template)]
#[template(path = "exchange/item.html")]
pub struct ItemPage {
    chrome: Chrome,
    item: ItemView,
    /// the draft's form, when the item is a draft
    form: Option<FormView>,
    section_href: Option<String>,
    events: Vec<EventView>,
    notice: Option<&'static str>,
    can_revise: bool,
    revise_label: &'static str,
    supersedes: Option<String>,
}

async fn item_page(
    m: &MemberCtx,
    state: &AppState,
    item: &super::model::Item,
    rows: usize,
) -> Result<ItemPage, AppError> {
    let files = store::item_files(&state.db, item.id).await?;
    let view = ItemView::new(item, &files);
    let is_draft = item.status() == ItemStatus::Draft;
    let form = if is_draft {
        Some(
            form_view(
                state,
                &m.ctx,
                &format!("/kabinet/items/{}", item.id),
                Some(item),
                item.kind() == ItemKind::Letter,
                rows,
            )
            .await?,
        )
    } else {
        None
    };
    let events = store::events(&state.db, item.id)
        .await?
        .iter()
        .map(EventView::from)
        .collect();
    let title = if is_draft {
        format!("Черновик: {}", view.subject)
    } else {
        view.subject.clone()
    };
    Ok(ItemPage {
        chrome: m.ctx.chrome(&title),
        form,
        section_href: item
            .section_id
            .map(|s| format!("/kabinet/reports/sections/{s}")),
        events,
        notice: None,
        can_revise: matches!(item.status(), ItemStatus::Returned | ItemStatus::Accepted),
        revise_label: if item.status() == ItemStatus::Returned {
            "Исправить и отправить повторно"
        } else {
            "Отправить уточненные сведения"
        },
        supersedes: item.supersedes_id.map(super::model::outgoing_number),
        item: view,
    })
}

async fn show_item(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<RowsQuery>,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let item = store::item(&state.db, id)
        .await?
        .filter(|i| i.member_id == m.member_id)
        .ok_or(AppError::NotFound)?;
    let mut p = item_page(&m, &state, &item, q.rows.unwrap_or(1)).await?;
    p.notice = match q.done.as_str() {
        "sent" => Some(
            "Документ отправлен в СРО. Он появился в журнале исходящих сообщений; когда СРО его зарегистрирует, здесь появятся входящий номер и дата.",
        ),
        "saved" => Some(
            "Черновик сохранен. Он не отправлен в СРО: когда все будет готово, нажмите «Сохранить и отправить».",
        ),
        "revision" => Some(
            "Создан новый черновик с файлами и текстом прежнего документа. Исправьте его и отправьте.",
        ),
        _ => None,
    };
    page(&p)
}

async fn revise_item(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let new_id = service::start_revision(&state.db, &m.user, m.member_id, id).await?;
    Ok(Redirect::to(&format!("/kabinet/items/{new_id}?done=revision")).into_response())
}

async fn delete_draft(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let item = store::item(&state.db, id)
        .await?
        .filter(|i| i.member_id == m.member_id)
        .ok_or(AppError::NotFound)?;
    let actor = m.user.actor(&m.ctx.client);
    service::delete_draft(&state.db, &actor, m.member_id, id).await?;
    let back = match item.section_id {
        Some(s) => format!("/kabinet/reports/sections/{s}?done=deleted"),
        None => "/kabinet/journal?done=deleted".to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}

// ---------- receipts ----------

/// «Квитанция об отправке»: what was sent, when, by whom, with sizes and digests: the member's
/// proof of what was filed.
async fn receipt_pdf(state: &AppState, item: &super::model::Item) -> Result<Response, AppError> {
    use super::model::human_size;
    use crate::documents::{Receipt, ReceiptFile, ReceiptSignature};
    let sent_at = item.sent_at.ok_or(AppError::NotFound)?;
    let member = crate::members::service::get(&state.db, item.member_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sender = match item.sent_by {
        Some(id) => crate::auth::service::user(&state.db, id)
            .await?
            .map(|u| format!("{} ({})", u.full_name, u.email))
            .unwrap_or_default(),
        None => String::new(),
    };
    let kind = match (item.kind(), item.section_id) {
        (ItemKind::Report, Some(sid)) => {
            let year = match crate::reports::store::section(&state.db, sid).await? {
                Some(sec) => crate::reports::store::campaign(&state.db, sec.campaign_id)
                    .await?
                    .map(|c| c.year),
                None => None,
            };
            match year {
                Some(y) => format!("Раздел отчета за {y} год"),
                None => "Раздел отчета".into(),
            }
        }
        _ => "Письмо".into(),
    };
    // A receipt right after a large upload: finish its digests first.
    service::fill_digests(state).await;
    let sizes = |b: i64| format!("{} ({} байт)", human_size(b), group_digits(b));
    let files = store::item_files(&state.db, item.id)
        .await?
        .into_iter()
        .map(|f| {
            let view = FileView::from(&f);
            ReceiptFile {
                name: f.name.clone(),
                size: sizes(f.size_bytes),
                sha256: f.sha256.clone(),
                streebog256: f.streebog256.clone().unwrap_or_default(),
                signature: view.sig.map(|s| ReceiptSignature {
                    name: s.name,
                    size: sizes(f.sig_size.unwrap_or(0)),
                    signer: s.signer,
                    verdict: s.verdict.to_string(),
                }),
            }
        })
        .collect();
    let now = crate::db::now();
    let receipt = Receipt {
        sro_name: state.settings.sro.short_name.clone(),
        sro_full_name: state.settings.sro.name.clone(),
        number: item.outgoing_number(),
        company: member.full_name.clone(),
        inn: member.inn.clone(),
        sender,
        sent_at: format!("{} (МСК)", views::datetime_seconds(&sent_at)),
        kind,
        subject: item.subject.clone(),
        document_date: item.document_date.as_ref().map(views::date),
        text: (!item.body.trim().is_empty()).then(|| item.body.clone()),
        files,
        generated_at: format!("{} (МСК)", views::datetime_seconds(&now)),
        verify_hint: "Контрольные суммы позволяют убедиться, что файл не изменился: посчитайте \
            ГОСТ Р 34.11-2012 (256 бит) или SHA-256 своего экземпляра файла и сравните с указанными."
            .into(),
        created_at: Some(now),
    };
    let docs = state.documents.clone();
    let pdf = tokio::task::spawn_blocking(move || {
        docs.render(crate::documents::Template::Receipt, &receipt)
    })
    .await
    .map_err(|e| AppError::Unexpected(anyhow::Error::new(e)))?
    .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("rendering a receipt")))?;
    let mut res = Response::new(Body::from(pdf));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(&format!("Квитанция {}.pdf", item.outgoing_number())),
    );
    Ok(res)
}

/// «1 234 567»
fn group_digits(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

async fn download_receipt(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let item = store::item(&state.db, id)
        .await?
        .filter(|i| i.member_id == m.member_id && i.status() != ItemStatus::Draft)
        .ok_or(AppError::NotFound)?;
    receipt_pdf(&state, &item).await
}

async fn download_office_receipt(
    _s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let item = store::item(&state.db, id)
        .await?
        .filter(|i| i.status() != ItemStatus::Draft)
        .ok_or(AppError::NotFound)?;
    receipt_pdf(&state, &item).await
}

// ---------- member: journal ----------

#[derive(Deserialize, Default)]
struct JournalQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    done: String,
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn status_options(selected: &str, with_draft: bool) -> Vec<Opt> {
    let mut v = vec![Opt {
        value: String::new(),
        label: "Все".into(),
        selected: selected.is_empty(),
    }];
    for s in ItemStatus::ALL {
        if s == ItemStatus::Draft && !with_draft {
            continue;
        }
        v.push(Opt {
            value: s.code().into(),
            label: s.label().into(),
            selected: s.code() == selected,
        });
    }
    v
}

fn year_options(years: &[chrono::DateTime<chrono::Utc>], selected: &str) -> Vec<Opt> {
    use chrono::Datelike;
    let mut v = vec![Opt {
        value: String::new(),
        label: "Все годы".into(),
        selected: selected.is_empty(),
    }];
    let ys: Vec<i32> = years.iter().map(|t| t.year()).collect();
    if let (Some(min), Some(max)) = (ys.iter().min(), ys.iter().max()) {
        for y in (*min..=*max).rev() {
            v.push(Opt {
                value: y.to_string(),
                label: y.to_string(),
                selected: y.to_string() == selected,
            });
        }
    }
    v
}

#[derive(Template)]
#[template(path = "exchange/journal.html")]
struct JournalPage {
    chrome: Chrome,
    rows: Vec<ItemView>,
    years: Vec<Opt>,
    statuses: Vec<Opt>,
    total: i64,
    page: i64,
    pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    export_href: String,
    drafts: Vec<ItemView>,
    notice: Option<&'static str>,
}

const JOURNAL_PAGE: i64 = 50;

fn journal_filter(member_id: i64, q: &JournalQuery) -> ItemFilter {
    ItemFilter {
        member_id: Some(member_id),
        status: ItemStatus::from_code(&q.status).map(|s| s.code()),
        kind: ItemKind::from_code(&q.kind).map(|k| k.code()),
        year: q.year.parse().ok(),
        expert_id: None,
    }
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish()
}

async fn show_journal(
    m: MemberCtx,
    State(state): State<AppState>,
    Query(q): Query<JournalQuery>,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let filter = journal_filter(m.member_id, &q);
    let page_no = q.page.unwrap_or(1).max(1);
    let (rows, total) = store::list_items(
        &state.db,
        &filter,
        JOURNAL_PAGE,
        (page_no - 1) * JOURNAL_PAGE,
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.item.id).collect();
    let files = store::items_files(&state.db, &ids).await?;
    let rows: Vec<ItemView> = rows.iter().map(|r| ItemView::from_row(r, &files)).collect();
    let years = store::sent_years(&state.db, m.member_id).await?;
    let pages = ((total + JOURNAL_PAGE - 1) / JOURNAL_PAGE).max(1);
    let base = [
        ("year", q.year.as_str()),
        ("status", q.status.as_str()),
        ("kind", q.kind.as_str()),
    ];
    let href = |p: i64| {
        let ps = p.to_string();
        let mut v = base.to_vec();
        v.push(("page", &ps));
        format!("/kabinet/journal?{}", query_string(&v))
    };
    let drafts = store::letter_drafts(&state.db, m.member_id)
        .await?
        .iter()
        .map(|i| ItemView::new(i, &[]))
        .collect();
    page(&JournalPage {
        chrome: m.ctx.chrome("Журнал исходящих сообщений"),
        rows,
        years: year_options(&years, &q.year),
        statuses: status_options(&q.status, false),
        total,
        page: page_no,
        pages,
        prev_href: (page_no > 1).then(|| href(page_no - 1)),
        next_href: (page_no < pages).then(|| href(page_no + 1)),
        export_href: format!("/kabinet/journal.csv?{}", query_string(&base)),
        drafts,
        notice: match q.done.as_str() {
            "deleted" => Some("Черновик удален."),
            _ => None,
        },
    })
}

/// The journal as CSV for Excel (UTF-8 with BOM, semicolons), with the same filters.
async fn export_journal(
    m: MemberCtx,
    State(state): State<AppState>,
    Query(q): Query<JournalQuery>,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let filter = journal_filter(m.member_id, &q);
    let (rows, _) = store::list_items(&state.db, &filter, 100_000, 0).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.item.id).collect();
    let mut files = Vec::new();
    for chunk in ids.chunks(500) {
        files.extend(store::items_files(&state.db, chunk).await?);
    }
    let mut out = String::from("\u{feff}");
    out.push_str("Исх. №;Отправлено;Вид;Тема;Дата документа;Файлы;Подписи;Статус;Входящий №;Дата регистрации;Комментарий СРО\r\n");
    for r in &rows {
        let i = &r.item;
        let fs: Vec<_> = files.iter().filter(|f| f.item_id == i.id).collect();
        let cells = [
            i.outgoing_number(),
            i.sent_at.as_ref().map(views::datetime).unwrap_or_default(),
            i.kind().label().to_string(),
            i.subject.clone(),
            i.document_date
                .as_ref()
                .map(views::date)
                .unwrap_or_default(),
            fs.iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            fs.iter()
                .filter_map(|f| f.sig_name.as_deref())
                .collect::<Vec<_>>()
                .join(", "),
            i.status().label().to_string(),
            i.incoming_number.clone().unwrap_or_default(),
            i.registered_on
                .as_ref()
                .map(views::date)
                .unwrap_or_default(),
            i.review_comment.clone(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(";"));
        out.push_str("\r\n");
    }
    let mut res = out.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"journal.csv\"; filename*=UTF-8''%D0%B6%D1%83%D1%80%D0%BD%D0%B0%D0%BB-%D0%B8%D1%81%D1%85%D0%BE%D0%B4%D1%8F%D1%89%D0%B8%D1%85.csv"),
    );
    Ok(res)
}

/// One CSV cell: quoted when needed; a leading = + - @ is neutralised so Excel does not run it
/// as a formula.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

// ---------- member: notifications ----------

pub struct NoteView {
    pub text: String,
    pub at: String,
    pub href: Option<String>,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "exchange/notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    notes: Vec<NoteView>,
}

pub async fn notes(
    state: &AppState,
    member_id: i64,
    limit: i64,
) -> Result<Vec<NoteView>, AppError> {
    Ok(store::notifications(&state.db, member_id, limit)
        .await?
        .into_iter()
        .map(|n| NoteView {
            text: n.text,
            at: views::datetime(&n.created_at),
            href: n.item_id.map(|i| format!("/kabinet/items/{i}")),
            unread: n.read_at.is_none(),
        })
        .collect())
}

async fn show_notifications(
    m: MemberCtx,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let notes = notes(&state, m.member_id, 200).await?;
    store::mark_notifications_read(&state.db, m.member_id).await?;
    page(&NotificationsPage {
        chrome: m.ctx.chrome("Уведомления"),
        notes,
    })
}

// ---------- downloads ----------

/// A stored file, to its company's users (reports area), to staff, and (templates) to anyone
/// logged in. Everyone else gets the same 404 as for a file that does not exist.
async fn download_file(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let Some(user) = ctx.user.clone() else {
        return Err(AppError::LoginRequired {
            next: format!("/files/{id}"),
        });
    };
    let file = store::file(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = match (user.principal, file.member_id) {
        (Principal::Staff { .. }, _) => true,
        (Principal::Member { member_id, role }, Some(owner)) => {
            owner == member_id && role.may(Area::Reports)
        }
        (Principal::Member { .. }, None) => {
            crate::reports::store::is_template_file(&state.db, id).await?
        }
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    stream_file(
        &state,
        &file.storage_key,
        &file.original_name,
        &file.media_type,
        file.size_bytes,
    )
    .await
}

pub async fn stream_file(
    state: &AppState,
    key: &str,
    name: &str,
    media_type: &str,
    size: i64,
) -> Result<Response, AppError> {
    let stream = state
        .storage
        .open(key)
        .await
        .map_err(|e| AppError::Unexpected(e.context("opening a stored file")))?;
    let mut res = Response::new(Body::from_stream(stream));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(size.max(0) as u64),
    );
    h.insert(header::CONTENT_DISPOSITION, content_disposition(name));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

pub use crate::web::content_disposition;

// ---------- staff: inbox ----------

#[derive(Deserialize, Default)]
struct InboxQuery {
    #[serde(default)]
    member: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    mine: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "exchange/inbox.html")]
struct InboxPage {
    chrome: Chrome,
    rows: Vec<ItemView>,
    statuses: Vec<Opt>,
    kinds: Vec<Opt>,
    member: String,
    member_name: Option<String>,
    mine: bool,
    is_expert: bool,
    total: i64,
    page: i64,
    pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
}

async fn show_inbox(
    s: StaffCtx,
    State(state): State<AppState>,
    Query(q): Query<InboxQuery>,
) -> Result<Response, AppError> {
    let member_id: Option<i64> = q.member.parse().ok();
    let mine = q.mine.is_some() && s.role == StaffRole::Expert;
    let filter = ItemFilter {
        member_id,
        kind: ItemKind::from_code(&q.kind).map(|k| k.code()),
        status: ItemStatus::from_code(&q.status).map(|s| s.code()),
        expert_id: mine.then_some(s.user.user_id),
        year: None,
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let (rows, total) = store::list_items(
        &state.db,
        &filter,
        JOURNAL_PAGE,
        (page_no - 1) * JOURNAL_PAGE,
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.item.id).collect();
    let files = store::items_files(&state.db, &ids).await?;
    let member_name = rows
        .first()
        .filter(|_| member_id.is_some())
        .map(|r| r.member_name.clone());
    let rows = rows.iter().map(|r| ItemView::from_row(r, &files)).collect();
    let pages = ((total + JOURNAL_PAGE - 1) / JOURNAL_PAGE).max(1);
    let mine_s = if mine { "1" } else { "" };
    let base = [
        ("member", q.member.as_str()),
        ("kind", q.kind.as_str()),
        ("status", q.status.as_str()),
        ("mine", mine_s),
    ];
    let href = |p: i64| {
        let ps = p.to_string();
        let mut v = base.to_vec();
        v.push(("page", &ps));
        format!("/office/inbox?{}", query_string(&v))
    };
    let kinds = vec![
        Opt {
            value: String::new(),
            label: "Все".into(),
            selected: q.kind.is_empty(),
        },
        Opt {
            value: "report".into(),
            label: "Разделы отчета".into(),
            selected: q.kind == "report",
        },
        Opt {
            value: "letter".into(),
            label: "Письма".into(),
            selected: q.kind == "letter",
        },
    ];
    page(&InboxPage {
        chrome: s.ctx.chrome("Входящие"),
        rows,
        statuses: status_options(&q.status, false),
        kinds,
        member: q.member.clone(),
        member_name,
        mine,
        is_expert: s.role == StaffRole::Expert,
        total,
        page: page_no,
        pages,
        prev_href: (page_no > 1).then(|| href(page_no - 1)),
        next_href: (page_no < pages).then(|| href(page_no + 1)),
    })
}

#[derive(Template)]
#[template(path = "exchange/office_item.html")]
struct OfficeItemPage {
    chrome: Chrome,
    item: ItemView,
    events: Vec<EventView>,
    can_register: bool,
    can_review: bool,
    notice: Option<String>,
    error: Option<String>,
    comment: String,
}

fn may_register(role: StaffRole) -> bool {
    matches!(role, StaffRole::Registrar | StaffRole::Admin)
}

fn may_review(role: StaffRole) -> bool {
    matches!(role, StaffRole::Expert | StaffRole::Admin)
}

async fn office_item_page(
    s: &StaffCtx,
    state: &AppState,
    id: i64,
) -> Result<OfficeItemPage, AppError> {
    let item = store::item(&state.db, id)
        .await?
        .filter(|i| i.status() != ItemStatus::Draft)
        .ok_or(AppError::NotFound)?;
    let files = store::item_files(&state.db, id).await?;
    let mut view = ItemView::new(&item, &files);
    if let Some(member) = crate::members::service::get(&state.db, item.member_id).await? {
        view.member_name = member.short_name;
        view.member_inn = member.inn;
    }
    if let Some(by) = item.sent_by
        && let Some(u) = crate::auth::service::user(&state.db, by).await?
    {
        view.sender = format!("{} ({})", u.full_name, u.email);
    }
    let events = store::events(&state.db, id)
        .await?
        .iter()
        .map(EventView::from)
        .collect();
    Ok(OfficeItemPage {
        chrome: s.ctx.chrome(&format!("{} — {}", view.number, view.subject)),
        can_register: may_register(s.role) && item.status() == ItemStatus::Sent,
        can_review: may_review(s.role) && item.status() == ItemStatus::Registered,
        item: view,
        events,
        notice: None,
        error: None,
        comment: String::new(),
    })
}

async fn show_office_item(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let mut p = office_item_page(&s, &state, id).await?;
    p.notice = match q.done.as_str() {
        "registered" => Some(format!(
            "Зарегистрировано. {}",
            p.item.incoming.clone().unwrap_or_default()
        )),
        "accepted" => Some("Принято. Участник получил уведомление.".into()),
        "returned" => {
            Some("Возвращено на доработку. Участник получил уведомление с комментарием.".into())
        }
        _ => None,
    };
    page(&p)
}

async fn register_item(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !may_register(s.role) {
        return Err(AppError::Forbidden);
    }
    let actor = s.user.actor(&s.ctx.client);
    service::register(&state, &s.user, &actor, id).await?;
    Ok(Redirect::to(&format!("/office/items/{id}?done=registered")).into_response())
}

#[derive(Deserialize)]
struct ReviewForm {
    decision: String,
    #[serde(default)]
    comment: String,
}

async fn review_item(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, AppError> {
    if !may_review(s.role) {
        return Err(AppError::Forbidden);
    }
    let accept = match f.decision.as_str() {
        "accept" => true,
        "return" => false,
        _ => return Err(AppError::Unprocessable("Выберите решение".into())),
    };
    let actor = s.user.actor(&s.ctx.client);
    match service::review(&state, &s.user, &actor, id, accept, &f.comment).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/office/items/{id}?done={}",
            if accept { "accepted" } else { "returned" }
        ))
        .into_response()),
        Err(ExchangeError::Invalid(msg)) => {
            let mut p = office_item_page(&s, &state, id).await?;
            p.error = Some(msg);
            p.comment = f.comment;
            form_page(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(e.into()),
    }
}

/// All files and signatures of an item as one ZIP, streamed.
async fn download_zip(
    _s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let item = store::item(&state.db, id)
        .await?
        .filter(|i| i.status() != ItemStatus::Draft)
        .ok_or(AppError::NotFound)?;
    let files = store::item_files(&state.db, id).await?;
    let mut entries = Vec::new();
    let mut names = std::collections::HashSet::new();
    for f in &files {
        let row = store::file(&state.db, f.file_id)
            .await?
            .ok_or(AppError::NotFound)?;
        entries.push(crate::storage::zip::Entry {
            name: unique_name(&mut names, &row.original_name),
            key: row.storage_key,
        });
        if let Some(sid) = f.signature_file_id {
            let sig = store::file(&state.db, sid)
                .await?
                .ok_or(AppError::NotFound)?;
            entries.push(crate::storage::zip::Entry {
                name: unique_name(&mut names, &sig.original_name),
                key: sig.storage_key,
            });
        }
    }
    let body = crate::storage::zip::stream(state.storage.clone(), entries);
    let mut res = Response::new(Body::from_stream(body));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(&format!("{}.zip", item.outgoing_number())),
    );
    Ok(res)
}

fn unique_name(seen: &mut std::collections::HashSet<String>, name: &str) -> String {
    let mut candidate = name.to_string();
    let mut n = 1;
    while !seen.insert(candidate.clone()) {
        n += 1;
        candidate = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem} ({n}).{ext}"),
            None => format!("{name} ({n})"),
        };
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_safe_for_excel() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("a;b"), "\"a;b\"");
        assert_eq!(csv_cell("say \"hi\";"), "\"say \"\"hi\"\";\"");
        assert_eq!(csv_cell("Отчет"), "Отчет");
    }

    #[test]
    fn zip_names_do_not_collide() {
        let mut seen = std::collections::HashSet::new();
        assert_eq!(unique_name(&mut seen, "a.pdf"), "a.pdf");
        assert_eq!(unique_name(&mut seen, "a.pdf"), "a (2).pdf");
        assert_eq!(unique_name(&mut seen, "a.pdf"), "a (3).pdf");
    }

    #[test]
    fn byte_counts_are_grouped() {
        assert_eq!(group_digits(1234567), "1\u{a0}234\u{a0}567");
        assert_eq!(group_digits(15), "15");
    }
}

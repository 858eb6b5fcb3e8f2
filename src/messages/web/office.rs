//! The staff's side: the journal of messages to members, «Новое сообщение членам» (a draft:
//! text, category, recipients; then files and «Отправить» with the count of whom it reaches),
//! a sent message's delivery progress and per-company receipts, the CSV of who has not read,
//! «Напомнить».

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{FileView, file_views};
use crate::fmt;
use crate::messages::model::{Category, ReceiptShow};
use crate::messages::receipts;
use crate::messages::service::{self, Draft};
use crate::messages::{MessageError, MessageRow};
use crate::validation::FieldErrors;
use crate::web::access::SendMessages;
use crate::web::list::{Opt, Pager};
use crate::web::upload::{FormRules, read_form};
use crate::web::views::Chrome;
use crate::web::{AppError, Staff, file_response, invalid, page, stream_file};

pub struct JournalView {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub category: &'static str,
    pub date: String,
    pub audience: String,
    pub state: &'static str,
    pub progress: String,
}

#[derive(Template)]
#[template(path = "messages/office_journal.html")]
struct JournalPage {
    chrome: Chrome,
    rows: Vec<JournalView>,
}

pub(super) async fn show_journal(s: Staff<SendMessages>) -> Result<Response, AppError> {
    let rows = service::journal(&s.ctx.state.core)
        .await?
        .into_iter()
        .map(|r| JournalView {
            id: r.id,
            number: r.number.unwrap_or_else(|| "—".into()),
            subject: r.subject,
            category: Category::from_code(&r.category)
                .unwrap_or(Category::Other)
                .label(),
            date: fmt::datetime(r.sent_at.as_ref().unwrap_or(&r.created_at)),
            audience: r.audience_label,
            state: match r.state.as_str() {
                "draft" => "черновик",
                "sending" => "рассылается",
                _ => "отправлено",
            },
            progress: if r.state == "draft" {
                String::new()
            } else if r.requires_ack {
                format!(
                    "доставлено {} из {}, ознакомлены {}",
                    r.delivered, r.recipients, r.acked
                )
            } else {
                format!(
                    "доставлено {} из {}, прочитали {}",
                    r.delivered, r.recipients, r.opened
                )
            },
        })
        .collect();
    page(&JournalPage {
        chrome: s.ctx.chrome("Документы членам СРО"),
        rows,
    })
}

#[derive(Deserialize, Default)]
pub(super) struct NewForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    requires_ack: Option<String>,
    #[serde(default)]
    answer_due: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    expert: String,
    #[serde(default)]
    section: String,
    #[serde(default)]
    right: String,
}

#[derive(Template)]
#[template(path = "messages/office_new.html")]
struct NewPage {
    chrome: Chrome,
    form: NewForm,
    categories: Vec<Opt>,
    targets: Vec<Opt>,
    experts: Vec<Opt>,
    sections: Vec<Opt>,
    rights: Vec<Opt>,
    errors: FieldErrors,
}

async fn new_page(
    core: &crate::core::Core,
    chrome: Chrome,
    form: NewForm,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    let (experts, sections) = service::choices(core).await?;
    Ok(NewPage {
        experts: experts
            .iter()
            .map(|(id, name)| Opt::new(id.to_string(), name, &form.expert))
            .collect(),
        sections: sections
            .iter()
            .map(|(id, title)| Opt::new(id.to_string(), title, &form.section))
            .collect(),
        rights: [
            (
                "dangerous",
                "на особо опасных, технически сложных и уникальных объектах",
            ),
            ("nuclear", "на объектах использования атомной энергии"),
        ]
        .iter()
        .map(|(v, l)| Opt::new(*v, *l, &form.right))
        .collect(),
        chrome,
        categories: Category::ALL
            .iter()
            .map(|c| Opt::new(c.code(), c.label(), &form.category))
            .collect(),
        targets: [
            ("all", "Все члены СРО"),
            ("member", "Действующие члены СРО"),
            ("suspended", "Члены СРО с приостановленным правом"),
            ("debtors", "Должники по взносам (просрочка)"),
            ("level", "Члены СРО с уровнем ответственности (КФ ВВ)"),
            ("expert", "Члены СРО эксперта"),
            ("unsent", "Не отправившие раздел отчета"),
            ("right", "Члены СРО с правом на особые виды работ"),
            ("list", "По списку ИНН или регистрационных номеров"),
        ]
        .iter()
        .map(|(v, l)| Opt::new(*v, *l, &form.to))
        .collect(),
        form,
        errors,
    })
}

pub(super) async fn show_new(s: Staff<SendMessages>) -> Result<Response, AppError> {
    let form = NewForm {
        category: "info".into(),
        to: "all".into(),
        ..NewForm::default()
    };
    page(
        &new_page(
            &s.ctx.state.core,
            s.ctx.chrome("Новое сообщение членам"),
            form,
            FieldErrors::new(),
        )
        .await?,
    )
}

pub(super) async fn create(
    s: Staff<SendMessages>,
    Form(f): Form<NewForm>,
) -> Result<Response, AppError> {
    let (to, to_value) = match f.to.as_str() {
        "member" | "suspended" => ("status", f.to.clone()),
        "level" => ("level", f.level.clone()),
        "list" => ("list", f.list.clone()),
        "expert" => ("expert", f.expert.clone()),
        "unsent" => ("unsent", f.section.clone()),
        "right" => ("right", f.right.clone()),
        other => (other, String::new()),
    };
    let d = Draft {
        subject: f.subject.clone(),
        body: f.body.clone(),
        category: f.category.clone(),
        requires_ack: f.requires_ack.is_some(),
        answer_due: f.answer_due.clone(),
        to: to.to_string(),
        to_value,
    };
    match service::create_draft(&s.ctx.state.core, &s.actor(), &d).await {
        Ok(id) => Ok(Redirect::to(&format!("/office/messages/{id}")).into_response()),
        Err(MessageError::Invalid(errors)) => invalid(
            &new_page(
                &s.ctx.state.core,
                s.ctx.chrome("Новое сообщение членам"),
                f,
                errors,
            )
            .await?,
        ),
        Err(e) => Err(e.into()),
    }
}

pub struct ReceiptView {
    pub name: String,
    pub inn: String,
    pub delivered: String,
    pub mail: String,
    pub opened: String,
    pub acked: String,
    pub answered: String,
    pub answer_item: Option<i64>,
}

#[derive(Template)]
#[template(path = "messages/office_message.html")]
struct MessagePage {
    chrome: Chrome,
    m: MessageRow,
    category: &'static str,
    body: Vec<String>,
    files: Vec<FileView>,
    answer_due: String,
    /// (companies, users) a draft would reach now.
    reach: Option<(usize, usize)>,
    receipts: Vec<ReceiptView>,
    /// The receipts list's filter, search and pages.
    shows: Vec<Opt>,
    q: String,
    pager: Pager,
    notice: Option<String>,
    error: Option<String>,
}

/// Companies a page of the receipts shows.
const RECEIPTS_PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub(super) struct MessageQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    show: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

async fn message_page(
    s: &Staff<SendMessages>,
    id: i64,
    q: &MessageQuery,
) -> Result<MessagePage, AppError> {
    let core = &s.ctx.state.core;
    let m = service::message(core, id).await?;
    let files = file_views(service::files(core, id).await?);
    let reach = if m.state == "draft" {
        Some(service::reach(core, &m).await?)
    } else {
        None
    };
    let offered = ReceiptShow::offered(m.requires_ack, m.answer_due.is_some());
    let show = Some(ReceiptShow::from_code(&q.show))
        .filter(|s| offered.contains(s))
        .unwrap_or(ReceiptShow::All);
    let (receipts, total) = if reach.is_some() {
        (Vec::new(), 0)
    } else {
        let offset = Pager::offset(q.page, RECEIPTS_PER_PAGE);
        receipts::page(core, &m, (show, &q.q), RECEIPTS_PER_PAGE, offset).await?
    };
    let path = format!("/office/messages/{id}");
    let pager = Pager::new(
        &path,
        &[("show", show.code()), ("q", q.q.trim())],
        q.page,
        RECEIPTS_PER_PAGE,
        total,
    );
    let when = |t: &Option<chrono::DateTime<chrono::Utc>>, who: &Option<String>| match (t, who) {
        (Some(t), Some(w)) => format!("{}, {w}", fmt::datetime(t)),
        (Some(t), None) => fmt::datetime(t),
        _ => "—".into(),
    };
    Ok(MessagePage {
        chrome: s.ctx.chrome(&m.subject),
        category: Category::from_code(&m.category)
            .unwrap_or(Category::Other)
            .label(),
        body: crate::messages::model::paragraphs(&m.body),
        answer_due: m.answer_due.as_ref().map(fmt::date).unwrap_or_default(),
        files,
        reach,
        shows: offered
            .iter()
            .map(|o| Opt::new(o.code(), o.label(), show.code()))
            .collect(),
        q: q.q.trim().to_string(),
        pager,
        receipts: receipts
            .iter()
            .map(|r| ReceiptView {
                name: r.short_name.clone(),
                inn: r.inn.clone(),
                delivered: when(&r.delivered_at, &None),
                mail: if r.letters == 0 {
                    if r.state == "delivered" {
                        "писем нет (нет пользователей с этой ролью)".into()
                    } else {
                        "ждет отправки".into()
                    }
                } else {
                    format!(
                        "писем {}: отправлено {}, ошибок {}",
                        r.letters, r.letters_sent, r.letters_failed
                    )
                },
                opened: when(&r.opened_at, &r.opened_by_name),
                acked: when(&r.acked_at, &r.acked_by_name),
                answered: when(&r.answered_at, &None),
                answer_item: r.answer_item_id,
            })
            .collect(),
        m,
        notice: None,
        error: None,
    })
}

pub(super) async fn show_message(
    s: Staff<SendMessages>,
    Path(id): Path<i64>,
    Query(q): Query<MessageQuery>,
) -> Result<Response, AppError> {
    let mut p = message_page(&s, id, &q).await?;
    p.notice = match q.done.as_str() {
        "sent" => Some("Сообщение зарегистрировано в журнале исходящих и рассылается.".into()),
        "reminded" => Some("Напоминания поставлены в очередь писем.".into()),
        "files" => Some("Файлы добавлены.".into()),
        _ => None,
    };
    page(&p)
}

pub(super) async fn attach(
    s: Staff<SendMessages>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let rules = FormRules {
        limits: &state.settings.uploads,
        already: 0,
        files_already: 0,
        is_signature: |name: &str| name.starts_with("sig_"),
    };
    let mut form = read_form(multipart, &state.storage, &state.db, &rules).await?;
    // «file_N» and its signature «sig_N»: each signature is checked against its file
    let mut signatures = Vec::new();
    let mut refused = None;
    for (field, upload) in &form.files {
        let row = field.strip_prefix("file_").unwrap_or(field);
        let sig = form
            .signatures
            .iter()
            .position(|s| s.field == format!("sig_{row}"))
            .map(|i| form.signatures.remove(i));
        signatures.push(match sig {
            None => None,
            Some(s) => match crate::messages::signing::check(&state.core, upload, &s.name, s.bytes)
                .await
                .map_err(AppError::Unexpected)?
            {
                Ok(c) => Some(c),
                Err(why) => {
                    refused.get_or_insert(why);
                    None
                }
            },
        });
    }
    if let Some(s) = form.signatures.first() {
        refused.get_or_insert(format!(
            "Подпись «{}» не принята: выберите рядом с ней файл, который она подписывает",
            s.name
        ));
    }
    let uploads: Vec<_> = form.files.into_iter().map(|(_, u)| u).collect();
    if let Some(why) = refused {
        let staged: Vec<_> = uploads
            .iter()
            .map(|u| u.staged.clone())
            .chain(signatures.iter().flatten().map(|c| c.upload.staged.clone()))
            .collect();
        state.storage.discard(&staged).await;
        let mut p = message_page(&s, id, &MessageQuery::default()).await?;
        p.error = Some(why);
        return invalid(&p);
    }
    if uploads.is_empty() {
        let mut p = message_page(&s, id, &MessageQuery::default()).await?;
        p.error = Some(
            form.problems
                .messages()
                .first()
                .map(|m| m.to_string())
                .unwrap_or_else(|| "Выберите файл".into()),
        );
        return invalid(&p);
    }
    service::attach(&state.core, &s.actor(), id, &uploads, &signatures).await?;
    Ok(Redirect::to(&format!("/office/messages/{id}?done=files")).into_response())
}

pub(super) async fn send(
    s: Staff<SendMessages>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match service::send(&s.ctx.state.core, &s.actor(), id).await {
        Ok(_) => Ok(Redirect::to(&format!("/office/messages/{id}?done=sent")).into_response()),
        Err(MessageError::Invalid(e)) => {
            let mut p = message_page(&s, id, &MessageQuery::default()).await?;
            p.error = Some(e.to_string());
            invalid(&p)
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn remind(
    s: Staff<SendMessages>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    receipts::remind(&s.ctx.state.core, &s.actor(), id).await?;
    Ok(Redirect::to(&format!("/office/messages/{id}?done=reminded")).into_response())
}

/// Who has not opened (or, for a message that requires it, not acknowledged) it: CSV for Excel.
pub(super) async fn unread_csv(
    s: Staff<SendMessages>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let core = &s.ctx.state.core;
    let m = service::message(core, id).await?;
    let mut out = String::from(crate::csvout::BOM);
    out.push_str(&crate::csvout::line(&[
        "Член СРО",
        "ИНН",
        "Открыто",
        "Ознакомлен",
    ]));
    for r in receipts::all(core, id).await? {
        let missing = if m.requires_ack {
            r.acked_at.is_none()
        } else {
            r.opened_at.is_none()
        };
        if missing {
            out.push_str(&crate::csvout::line(&[
                r.short_name,
                r.inn,
                r.opened_at.as_ref().map(fmt::datetime).unwrap_or_default(),
                r.acked_at.as_ref().map(fmt::datetime).unwrap_or_default(),
            ]));
        }
    }
    Ok(file_response(
        out,
        "text/csv; charset=utf-8",
        &format!(
            "Не прочитали {}.csv",
            m.number.unwrap_or_default().replace('/', "-")
        ),
        false,
    ))
}

pub(super) async fn download(
    s: Staff<SendMessages>,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let f = service::files(&state.core, id)
        .await?
        .into_iter()
        .find(|f| f.id == file)
        .ok_or(MessageError::NotFound)?;
    stream_file(
        &state.storage,
        &f.storage_key,
        &f.original_name,
        &f.media_type,
        f.size_bytes,
    )
    .await
}

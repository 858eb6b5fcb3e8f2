//! The staff's «Входящие»: what members sent, an item with its files, registration with an
//! incoming number, the review, the ZIP of all files and the receipt.

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::items::receipt_response;
use super::journal::status_options;
use crate::auth::rules::Permission;
use crate::exchange::journal;
use crate::exchange::model::{ItemKind, ItemStatus};
use crate::exchange::review::{self, Decision};
use crate::exchange::service::{self, ExchangeError};
use crate::exchange::store::ItemFilter;
use crate::exchange::views::{EventView, ItemView};
use crate::state::AppState;
use crate::validation::FieldErrors;
use crate::web::access::{RegisterIncoming, ReviewDocuments, Rule};
use crate::web::list::{Opt, Pager};
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Staff, content_disposition, invalid, page};

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub(super) struct InboxQuery {
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
    pager: Pager,
}

pub(super) async fn show_inbox(
    s: Staff,
    Query(q): Query<InboxQuery>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let member_id: Option<i64> = q.member.parse().ok();
    let is_expert = s.curator_id().is_some();
    let mine = q.mine.is_some() && is_expert;
    let filter = ItemFilter {
        member_id,
        kind: ItemKind::from_code(&q.kind).map(|k| k.code()),
        status: ItemStatus::from_code(&q.status).map(|s| s.code()),
        expert_id: mine.then_some(s.user.user_id),
        year: None,
    };
    let list = journal::list(
        &state.core,
        &filter,
        PER_PAGE,
        Pager::offset(q.page, PER_PAGE),
    )
    .await?;
    let member_name = list
        .rows
        .first()
        .filter(|_| member_id.is_some())
        .map(|r| r.member_name.clone());
    let rows = list
        .rows
        .iter()
        .map(|r| ItemView::from_row(r, &list.files))
        .collect();
    let mine_s = if mine { "1" } else { "" };
    let filters = [
        ("member", q.member.as_str()),
        ("kind", q.kind.as_str()),
        ("status", q.status.as_str()),
        ("mine", mine_s),
    ];
    page(&InboxPage {
        chrome: s.ctx.chrome("Входящие"),
        rows,
        statuses: status_options(&q.status),
        kinds: crate::web::list::options_with_all(
            "Все",
            [("report", "Разделы отчета"), ("letter", "Письма")],
            &q.kind,
        ),
        member: q.member.clone(),
        member_name,
        mine,
        is_expert,
        pager: Pager::new("/office/inbox", &filters, q.page, PER_PAGE, list.total),
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
    errors: FieldErrors,
    comment: String,
    /// A «Заявление об изменении сведений»: `Some(version)` once accepting it changed the
    /// register (`Some(None)`: not yet).
    change_request: Option<Option<i64>>,
}

async fn office_item_page<R: Rule>(
    s: &Staff<R>,
    state: &AppState,
    id: i64,
) -> Result<OfficeItemPage, AppError> {
    let item = service::sent_item(&state.core, id).await?;
    let d = journal::details(&state.core, &item).await?;
    let mut view = ItemView::new(&item, &d.files);
    view.member_name = d.member_name;
    view.member_inn = d.member_inn;
    view.sender = d.sender;
    Ok(OfficeItemPage {
        chrome: s.ctx.chrome(&format!("{} — {}", view.number, view.subject)),
        can_register: s.may(Permission::RegisterIncoming) && item.status() == ItemStatus::Sent,
        can_review: s.may(Permission::ReviewDocuments) && item.status() == ItemStatus::Registered,
        item: view,
        events: d.events.iter().map(EventView::from).collect(),
        notice: None,
        errors: FieldErrors::new(),
        comment: String::new(),
        change_request: crate::exchange::changes::of_item(&state.db, item.id).await?,
    })
}

pub(super) async fn show_office_item(
    s: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let mut p = office_item_page(&s, state, id).await?;
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

pub(super) async fn register_item(
    s: Staff<RegisterIncoming>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    review::register(&state.core, &s.actor(), id).await?;
    Ok(Redirect::to(&format!("/office/items/{id}?done=registered")).into_response())
}

#[derive(Deserialize)]
pub(super) struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

pub(super) async fn review_item(
    s: Staff<ReviewDocuments>,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let decision = Decision::parse(&f.decision);
    match review::review(&state.core, &s.actor(), id, decision, &f.comment).await {
        Ok(d) => Ok(Redirect::to(&format!(
            "/office/items/{id}?done={}",
            if d == Decision::Accept {
                "accepted"
            } else {
                "returned"
            }
        ))
        .into_response()),
        Err(ExchangeError::Invalid(errors)) => {
            let mut p = office_item_page(&s, state, id).await?;
            p.errors = errors;
            p.comment = f.comment;
            invalid(&p)
        }
        Err(e) => Err(e.into()),
    }
}

/// All files and signatures of an item as one ZIP, streamed.
pub(super) async fn download_zip(s: Staff, Path(id): Path<i64>) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let item = service::sent_item(&state.core, id).await?;
    let parts = journal::zip_parts(&state.core, &item).await?;
    let body = crate::storage::zip::stream_list(state.storage.clone(), parts);
    let mut res = Response::new(Body::from_stream(body));
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/zip"),
    );
    h.insert(
        axum::http::header::CONTENT_DISPOSITION,
        content_disposition(&format!("{}.zip", item.outgoing_number())),
    );
    Ok(res)
}

pub(super) async fn download_receipt(s: Staff, Path(id): Path<i64>) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let item = service::sent_item(&state.core, id).await?;
    receipt_response(state, &item).await
}

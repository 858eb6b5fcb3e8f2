//! The member's item: a draft shows its form, a sent item its details, history and receipt.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};

use super::drafts::{RowsQuery, form_view};
use crate::exchange::model::{Item, ItemKind, ItemStatus};
use crate::exchange::views::{EventView, FormView, ItemView};
use crate::exchange::{journal, receipt, service};
use crate::state::AppState;
use crate::web::access::Reports;
use crate::web::views::Chrome;
use crate::web::{AppError, Member, file_response, page};

#[derive(Template)]
#[template(path = "exchange/item.html")]
pub(super) struct ItemPage {
    chrome: Chrome,
    item: ItemView,
    /// the draft's form, when the item is a draft
    pub form: Option<FormView>,
    section_href: Option<String>,
    events: Vec<EventView>,
    notice: Option<&'static str>,
    can_revise: bool,
    revise_label: &'static str,
    /// (id, outgoing number) of the version this one corrects.
    supersedes: Option<(i64, String)>,
    /// (id, outgoing number, status) of the correction of this one.
    superseded_by: Option<(i64, String, &'static str)>,
}

/// What the member may do next with an item in this status, and how the button says it.
pub(super) fn revise_label(status: ItemStatus) -> Option<&'static str> {
    match status {
        ItemStatus::Returned => Some("Исправить и отправить повторно"),
        ItemStatus::Accepted => Some("Отправить уточненные сведения"),
        _ => None,
    }
}

pub(super) async fn item_page(
    m: &Member<Reports>,
    state: &AppState,
    item: &Item,
    rows: usize,
) -> Result<ItemPage, AppError> {
    let files = journal::files_of(&state.core, item.id).await?;
    let view = ItemView::new(item, &files);
    let is_draft = item.status() == ItemStatus::Draft;
    let form = is_draft.then(|| {
        form_view(
            state,
            &m.ctx,
            &format!("/kabinet/items/{}", item.id),
            Some(item),
            &files,
            item.kind() == ItemKind::Letter,
            rows,
        )
    });
    let events = journal::events_of(&state.core, item.id)
        .await?
        .iter()
        .map(EventView::from)
        .collect();
    let older = match item.supersedes_id {
        Some(old) => service::owned_item(&state.core, m.member_id, old)
            .await
            .ok(),
        None => None,
    };
    let newer = service::newer_version(&state.core, item).await?;
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
        can_revise: revise_label(item.status()).is_some() && newer.is_none(),
        revise_label: revise_label(item.status()).unwrap_or_default(),
        supersedes: older.map(|o| (o.id, o.outgoing_number())),
        superseded_by: newer.map(|n| (n.id, n.outgoing_number(), n.status().label())),
        item: view,
    })
}

pub(super) async fn show_item(
    m: Member<Reports>,
    Path(id): Path<i64>,
    Query(q): Query<RowsQuery>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let item = service::owned_item(&state.core, m.member_id, id).await?;
    let mut p = item_page(&m, state, &item, q.rows.unwrap_or(1)).await?;
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

pub(super) async fn revise_item(
    m: Member<Reports>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let new_id = service::start_revision(&state.core, &m.actor(), m.member_id, id).await?;
    Ok(Redirect::to(&format!("/kabinet/items/{new_id}?done=revision")).into_response())
}

pub(super) async fn delete_draft(
    m: Member<Reports>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let item = service::delete_draft(&state.core, &m.actor(), m.member_id, id).await?;
    let back = match item.section_id {
        Some(s) => format!("/kabinet/reports/sections/{s}?done=deleted"),
        None => "/kabinet/journal?done=deleted".to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}

pub(super) async fn download_receipt(
    m: Member<Reports>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let item = service::owned_sent_item(&state.core, m.member_id, id).await?;
    receipt_response(state, &item).await
}

pub(super) async fn receipt_response(state: &AppState, item: &Item) -> Result<Response, AppError> {
    let (pdf, name) = receipt::render(&state.core, item).await?;
    // Saved, not opened in place: it is the member's proof of what was filed.
    Ok(file_response(pdf, "application/pdf", &name, false))
}

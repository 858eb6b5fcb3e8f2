//! The draft form of a report section or a letter: read the streamed multipart form into a
//! `DraftInput`, save (or send) it through one service call, then redirect, or show the form
//! again with what was refused at its place and everything else kept.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::items::item_page;
use crate::exchange::model::{Item, ItemFile};
use crate::exchange::service::{self, DraftInput, ExchangeError, Target};
use crate::exchange::signing::{SigTarget, SignatureInput};
use crate::exchange::views::{FileView, FormView, LimitsView};
use crate::state::AppState;
use crate::validation::FieldErrors;
use crate::web::access::Reports;
use crate::web::session::Ctx;
use crate::web::upload::{self, FormRules};
use crate::web::views::Chrome;
use crate::web::{AppError, Member, invalid, page};

/// The form's action: the CSRF token is the form's first field (see `web::session::csrf_layer`),
/// not in the URL, where it showed in the address bar when the page came back with errors.
fn multipart_action(path: &str, _csrf: &str) -> String {
    path.to_owned()
}

/// The form of a draft (or of a new item when `item` is None) with `files` attached.
pub(super) fn form_view(
    state: &AppState,
    ctx: &Ctx,
    post_path: &str,
    item: Option<&Item>,
    files: &[ItemFile],
    is_letter: bool,
    rows: usize,
) -> FormView {
    FormView {
        action: multipart_action(post_path, &ctx.csrf),
        is_letter,
        subject: item.map(|i| i.subject.clone()).unwrap_or_default(),
        body: item.map(|i| i.body.clone()).unwrap_or_default(),
        document_date: crate::fmt::iso_date(&item.and_then(|i| i.document_date)),
        existing_bytes: files.iter().map(|f| f.size_bytes).sum(),
        files: files.iter().map(FileView::from).collect(),
        rows: (1..=rows.clamp(1, 20)).collect(),
        errors: FieldErrors::new(),
        limits: LimitsView::new(&state.settings.uploads),
        delete_action: item.map(|i| format!("/kabinet/items/{}/delete", i.id)),
        answers: None,
    }
}

#[derive(Deserialize, Default)]
pub(super) struct RowsQuery {
    #[serde(default)]
    pub rows: Option<usize>,
    #[serde(default)]
    pub done: String,
    /// «Ответить» on an SRO message: its id.
    #[serde(default)]
    pub answer: Option<i64>,
}

fn is_signature_field(name: &str) -> bool {
    name.starts_with("sig_") || name.starts_with("addsig_")
}

/// What the form held besides the draft's input: the rows to show and the typed texts.
struct Extra {
    rows: usize,
    texts: HashMap<String, Vec<String>>,
}

/// Stream the form's files into storage and turn its fields into typed input.
async fn read_form(
    state: &AppState,
    existing: &[ItemFile],
    multipart: Multipart,
) -> Result<(DraftInput, Extra), AppError> {
    let rules = FormRules {
        limits: &state.settings.uploads,
        already: existing.iter().map(|f| f.size_bytes as u64).sum(),
        files_already: existing.len(),
        is_signature: is_signature_field,
    };
    let mut form = upload::read_form(multipart, &state.storage, &state.db, &rules).await?;
    let mut problems = std::mem::take(&mut form.problems);
    let document_date = match crate::fmt::parse_date(&form.text("document_date")) {
        Ok(d) => d,
        Err(_) => {
            problems.add(
                "document_date",
                "Дата документа указана неверно: выберите дату в календаре",
            );
            None
        }
    };
    let signatures = std::mem::take(&mut form.signatures)
        .into_iter()
        .map(|s| SignatureInput {
            target: match (
                s.field.strip_prefix("addsig_"),
                s.field.strip_prefix("sig_"),
            ) {
                (Some(id), _) => SigTarget::Attached(id.parse().unwrap_or(-1)),
                (None, Some(row)) => SigTarget::Row(row.to_string()),
                (None, None) => SigTarget::Row(String::new()),
            },
            name: s.name,
            bytes: s.bytes,
        })
        .collect();
    let action = form.text("action");
    let rows = if action == "add_row" {
        form.text("rows").parse::<usize>().unwrap_or(1) + 1
    } else {
        1
    };
    let input = DraftInput {
        subject: form.text("subject"),
        body: form.text("body"),
        document_date,
        remove: form
            .all("remove")
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect(),
        unsigned: form
            .all("unsigned")
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect(),
        files: std::mem::take(&mut form.files),
        signatures,
        send: action == "send",
        problems,
        change_request: None,
        answers: form.text("answers").parse().ok(),
    };
    Ok((
        input,
        Extra {
            rows,
            texts: form.texts,
        },
    ))
}

/// Save (or send) and redirect to where the user continues; or the form again with the
/// messages, everything valid already kept in the draft.
async fn save(
    m: Member<Reports>,
    target: Target,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let existing = service::draft_files(&state.core, m.member_id, target).await?;
    let (input, extra) = read_form(state, &existing, multipart).await?;
    let saved = match service::save_draft(&state.core, &m.actor(), m.member_id, target, input).await
    {
        Ok(s) => s,
        Err(ExchangeError::Invalid(problems)) => {
            let draft = match target {
                Target::Draft(id) => Some(id),
                _ => None,
            };
            return rerender(&m, state, target, draft, problems, &extra).await;
        }
        Err(e) => return Err(e.into()),
    };
    if !saved.problems.is_empty() {
        return rerender(
            &m,
            state,
            Target::Draft(saved.item_id),
            Some(saved.item_id),
            saved.problems,
            &extra,
        )
        .await;
    }
    if saved.sent {
        return Ok(
            Redirect::to(&format!("/kabinet/items/{}?done=sent", saved.item_id)).into_response(),
        );
    }
    let rows_q = if extra.rows > 1 {
        format!("&rows={}", extra.rows)
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
    m: &Member<Reports>,
    state: &AppState,
    target: Target,
    item_id: Option<i64>,
    errors: FieldErrors,
    extra: &Extra,
) -> Result<Response, AppError> {
    let first = |k: &str| extra.texts.get(k).and_then(|v| v.first()).cloned();
    let item = match item_id {
        Some(id) => service::owned_item(&state.core, m.member_id, id).await.ok(),
        None => None,
    };
    match (&item, target) {
        (Some(i), _) => {
            let mut page = item_page(m, state, i, extra.rows).await?;
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
            invalid(&page)
        }
        (None, Target::NewLetter) => {
            let mut f = form_view(
                state,
                &m.ctx,
                "/kabinet/letters",
                None,
                &[],
                true,
                extra.rows,
            );
            f.errors = errors;
            f.subject = first("subject").unwrap_or_default();
            f.body = first("body").unwrap_or_default();
            // an answer to an SRO message stays one when the form comes back
            f.answers = first("answers").and_then(|a| a.parse().ok());
            invalid(&LetterPage {
                chrome: m.ctx.chrome("Письмо в СРО"),
                form: f,
            })
        }
        (None, _) => Err(AppError::Unprocessable(errors.to_string())),
    }
}

pub(super) async fn save_section(
    m: Member<Reports>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    save(m, Target::Section(id), multipart).await
}

pub(super) async fn save_new_letter(
    m: Member<Reports>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    save(m, Target::NewLetter, multipart).await
}

pub(super) async fn save_draft(
    m: Member<Reports>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    save(m, Target::Draft(id), multipart).await
}

#[derive(Template)]
#[template(path = "exchange/letter.html")]
struct LetterPage {
    chrome: Chrome,
    form: FormView,
}

pub(super) async fn show_new_letter(
    m: Member<Reports>,
    Query(q): Query<RowsQuery>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let mut form = form_view(
        state,
        &m.ctx,
        "/kabinet/letters",
        None,
        &[],
        true,
        q.rows.unwrap_or(1),
    );
    if let Some(id) = q.answer
        && let Some(subject) = service::answer_subject(&state.core, m.member_id, id).await?
    {
        form.subject = subject;
        form.answers = Some(id);
    }
    page(&LetterPage {
        chrome: m.ctx.chrome("Письмо в СРО"),
        form,
    })
}

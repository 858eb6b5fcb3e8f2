//! «Заявление об изменении сведений» on «Организация»: the head types the new contacts,
//! addresses or head, attaches the basis document with its signature, and sends.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::Multipart;
use axum::response::{IntoResponse, Redirect, Response};

use crate::exchange::changes::{self, Application, FIELDS};
use crate::exchange::service::ExchangeError;
use crate::exchange::signing::{SigTarget, SignatureInput};
use crate::exchange::views::LimitsView;
use crate::validation::FieldErrors;
use crate::web::access::CompanyUsers;
use crate::web::upload::{self, FormRules};
use crate::web::views::Chrome;
use crate::web::{AppError, Member, invalid, page};

pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "exchange/change_request.html")]
struct ChangePage {
    chrome: Chrome,
    action: String,
    fields: Vec<FieldView>,
    comment: String,
    limits: LimitsView,
    errors: FieldErrors,
    /// A draft kept when a file was refused: where to finish it.
    draft: Option<i64>,
}

async fn change_page(
    m: &Member<CompanyUsers>,
    typed: Option<&BTreeMap<String, String>>,
    comment: String,
    errors: FieldErrors,
    draft: Option<i64>,
) -> Result<ChangePage, AppError> {
    let state = &m.ctx.state;
    let current = changes::current(&state.core, m.member_id).await?;
    Ok(ChangePage {
        chrome: m.ctx.chrome(changes::SUBJECT),
        action: "/kabinet/company/changes".to_owned(),
        fields: current
            .into_iter()
            .map(|(name, label, value)| FieldView {
                name,
                label,
                value: typed.and_then(|t| t.get(name).cloned()).unwrap_or(value),
                error: errors.get(name).map(str::to_string),
            })
            .collect(),
        comment,
        limits: LimitsView::new(&state.settings.uploads),
        errors,
        draft,
    })
}

pub(super) async fn show_form(m: Member<CompanyUsers>) -> Result<Response, AppError> {
    page(&change_page(&m, None, String::new(), FieldErrors::new(), None).await?)
}

pub(super) async fn send(
    m: Member<CompanyUsers>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let rules = FormRules {
        limits: &state.settings.uploads,
        already: 0,
        files_already: 0,
        is_signature: |name| name.starts_with("sig_"),
    };
    let mut form = upload::read_form(multipart, &state.storage, &state.db, &rules).await?;
    let typed: BTreeMap<String, String> = FIELDS
        .iter()
        .filter_map(|(f, _)| {
            form.texts
                .get(*f)
                .and_then(|v| v.first())
                .map(|v| (f.to_string(), v.clone()))
        })
        .collect();
    let comment = form.text("comment");
    let signatures = std::mem::take(&mut form.signatures)
        .into_iter()
        .map(|s| SignatureInput {
            target: SigTarget::Row(s.field.trim_start_matches("sig_").to_string()),
            name: s.name,
            bytes: s.bytes,
        })
        .collect();
    let files = std::mem::take(&mut form.files);
    let staged: Vec<_> = files.iter().map(|(_, u)| u.staged.clone()).collect();
    let application = Application {
        typed: typed.clone(),
        comment: comment.clone(),
        files,
        signatures,
        problems: std::mem::take(&mut form.problems),
    };
    match changes::submit(&state.core, &m.actor(), m.member_id, application).await {
        Ok(saved) if saved.sent => Ok(Redirect::to(&format!(
            "/kabinet/items/{}?done=sent",
            saved.item_id
        ))
        .into_response()),
        Ok(saved) => {
            // A file or signature was refused: the application waits as a draft.
            let mut errors = saved.problems;
            errors.add_form("Заявление не отправлено: оно сохранено как черновик в журнале исходящих — откройте его, исправьте отмеченное и нажмите «Сохранить и отправить».");
            invalid(&change_page(&m, Some(&typed), comment, errors, Some(saved.item_id)).await?)
        }
        Err(ExchangeError::Invalid(errors)) => {
            state.storage.discard(&staged).await;
            invalid(&change_page(&m, Some(&typed), comment, errors, None).await?)
        }
        Err(e) => {
            state.storage.discard(&staged).await;
            Err(e.into())
        }
    }
}

//! The staff's report pages: campaigns, their sections and templates. What members see of a
//! campaign (section cards, the draft form) is the exchange's (`exchange::web::sections`).

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Datelike;
use serde::Deserialize;

use super::service::{self, ReportError};
use crate::auth::rules::Permission;
use crate::fmt;
use crate::state::AppState;
use crate::validation::FieldErrors;
use crate::web::access::{ManageReports, Rule};
use crate::web::upload::{self, FormRules};
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Staff, invalid, page};

pub fn routes(state: &AppState) -> Router<AppState> {
    let u = &state.settings.uploads;
    let template_upload = Router::new()
        .route("/office/sections/{id}/templates", post(upload_template))
        .layer(DefaultBodyLimit::max(
            (u.max_file_bytes() + 1024 * 1024) as usize,
        ));
    Router::new()
        .merge(template_upload)
        .route("/office/reports", get(list_campaigns).post(create_campaign))
        .route(
            "/office/reports/{id}",
            get(show_campaign).post(update_campaign),
        )
        .route("/office/reports/{id}/sections", post(add_section))
        .route("/office/sections/{id}", post(update_section))
        .route("/office/sections/{id}/move", post(move_section))
        .route("/office/sections/{id}/retire", post(retire_section))
        .route(
            "/office/sections/{id}/templates/{tid}/retire",
            post(retire_template),
        )
}

impl From<ReportError> for AppError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::NotFound => AppError::NotFound,
            ReportError::Invalid(m) => AppError::Unprocessable(m.to_string()),
            ReportError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

pub struct CampaignRow {
    pub id: i64,
    pub title: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "reports/office_campaigns.html")]
struct CampaignsPage {
    chrome: Chrome,
    rows: Vec<CampaignRow>,
    can_manage: bool,
    errors: FieldErrors,
    year: String,
    deadline: String,
}

async fn campaigns_page<R: Rule>(
    s: &Staff<R>,
    state: &AppState,
    year: String,
    deadline: String,
) -> Result<CampaignsPage, AppError> {
    let rows = service::campaigns(&state.db)
        .await?
        .into_iter()
        .map(|c| CampaignRow {
            id: c.id,
            title: c.title,
            deadline: fmt::date(&c.deadline),
        })
        .collect();
    Ok(CampaignsPage {
        chrome: s.ctx.chrome("Отчеты членов СРО"),
        rows,
        can_manage: s.may(Permission::ManageReports),
        errors: FieldErrors::new(),
        year,
        deadline,
    })
}

async fn list_campaigns(s: Staff) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let today = state.core.today();
    let p = campaigns_page(
        &s,
        state,
        today.year().to_string(),
        format!("{}-03-01", today.year() + 1),
    )
    .await?;
    page(&p)
}

#[derive(Deserialize)]
struct CampaignForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    deadline: String,
}

/// A required date field: the date, or the message at the field.
fn required_date(
    value: &str,
    field: &'static str,
    missing: &str,
) -> Result<chrono::NaiveDate, ReportError> {
    match fmt::parse_date(value) {
        Ok(Some(d)) => Ok(d),
        _ => Err(ReportError::Invalid(FieldErrors::one(field, missing))),
    }
}

async fn create_campaign(
    s: Staff<ManageReports>,
    Form(f): Form<CampaignForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let result = match f.year.trim().parse::<i32>() {
        Err(_) => Err(ReportError::Invalid(FieldErrors::one(
            "year",
            "Укажите год числом, например 2026",
        ))),
        Ok(y) => match required_date(&f.deadline, "deadline", "Укажите срок сдачи отчета")
        {
            Ok(d) => service::create_campaign(&state.db, &s.actor(), y, d).await,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/office/reports/{id}?done=created")).into_response()),
        Err(ReportError::Invalid(errors)) => {
            let mut p = campaigns_page(&s, state, f.year, f.deadline).await?;
            p.errors = errors;
            invalid(&p)
        }
        Err(e) => Err(e.into()),
    }
}

pub struct OfficeTemplate {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub href: String,
    pub uploaded: String,
}

pub struct OfficeSection {
    pub id: i64,
    pub number: usize,
    pub title: String,
    pub description: String,
    pub deadline: String,
    pub retired: bool,
    pub templates: Vec<OfficeTemplate>,
}

#[derive(Template)]
#[template(path = "reports/office_campaign.html")]
struct CampaignAdminPage {
    chrome: Chrome,
    id: i64,
    title: String,
    deadline: String,
    sections: Vec<OfficeSection>,
    can_manage: bool,
    notice: Option<&'static str>,
    errors: FieldErrors,
    accept: String,
    max_template_mb: u64,
}

async fn campaign_admin_page<R: Rule>(
    s: &Staff<R>,
    state: &AppState,
    id: i64,
) -> Result<CampaignAdminPage, AppError> {
    let c = service::campaign(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let templates = service::templates(&state.db, id).await?;
    let mut n = 0;
    let sections = service::sections(&state.db, id)
        .await?
        .into_iter()
        .map(|sec| {
            if !sec.retired {
                n += 1;
            }
            OfficeSection {
                id: sec.id,
                number: if sec.retired { 0 } else { n },
                title: sec.title,
                description: sec.description,
                deadline: fmt::iso_date(&sec.deadline),
                retired: sec.retired,
                templates: templates
                    .iter()
                    .filter(|t| t.section_id == sec.id)
                    .map(|t| OfficeTemplate {
                        id: t.id,
                        name: t.name.clone(),
                        size: fmt::human_size(t.size_bytes),
                        href: format!("/files/{}", t.file_id),
                        uploaded: fmt::datetime(&t.uploaded_at),
                    })
                    .collect(),
            }
        })
        .collect();
    let u = &state.settings.uploads;
    Ok(CampaignAdminPage {
        chrome: s.ctx.chrome(&c.title),
        id: c.id,
        title: c.title,
        deadline: fmt::iso_date(&Some(c.deadline)),
        sections,
        can_manage: s.may(Permission::ManageReports),
        notice: None,
        errors: FieldErrors::new(),
        accept: u.accept(),
        max_template_mb: u.max_file_mb,
    })
}

async fn show_campaign(
    s: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let mut p = campaign_admin_page(&s, state, id).await?;
    p.notice = match q.done.as_str() {
        "created" => {
            Some("Отчет создан с разделами по умолчанию. Проверьте разделы и загрузите шаблоны.")
        }
        "saved" => Some("Изменения сохранены."),
        "template" => Some("Шаблон загружен. Участники скачивают текущую версию."),
        _ => None,
    };
    page(&p)
}

/// After a change to a campaign: back to its page, or the page with the messages (422).
async fn saved_or_invalid(
    s: &Staff<ManageReports>,
    state: &AppState,
    campaign_id: i64,
    r: Result<(), ReportError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => {
            Ok(Redirect::to(&format!("/office/reports/{campaign_id}?done=saved")).into_response())
        }
        Err(ReportError::Invalid(errors)) => {
            let mut p = campaign_admin_page(s, state, campaign_id).await?;
            p.errors = errors;
            invalid(&p)
        }
        Err(e) => Err(e.into()),
    }
}

async fn update_campaign(
    s: Staff<ManageReports>,
    Path(id): Path<i64>,
    Form(f): Form<CampaignForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let r = match required_date(&f.deadline, "deadline", "Укажите срок сдачи отчета")
    {
        Ok(d) => service::update_campaign(&state.db, &s.actor(), id, &f.title, d).await,
        Err(e) => Err(e),
    };
    saved_or_invalid(&s, state, id, r).await
}

#[derive(Deserialize)]
struct SectionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    deadline: String,
}

async fn add_section(
    s: Staff<ManageReports>,
    Path(id): Path<i64>,
    Form(f): Form<SectionForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    service::campaign(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = service::add_section(&state.db, &s.actor(), id, &f.title, &f.description)
        .await
        .map(|_| ());
    saved_or_invalid(&s, state, id, r).await
}

async fn section_campaign(state: &AppState, section_id: i64) -> Result<i64, AppError> {
    Ok(service::section(&state.db, section_id)
        .await?
        .ok_or(AppError::NotFound)?
        .campaign_id)
}

async fn update_section(
    s: Staff<ManageReports>,
    Path(id): Path<i64>,
    Form(f): Form<SectionForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let campaign_id = section_campaign(state, id).await?;
    let r = match fmt::parse_date(&f.deadline) {
        Err(_) => Err(ReportError::Invalid(FieldErrors::one(
            "deadline",
            "Срок раздела указан неверно",
        ))),
        Ok(deadline) => {
            service::update_section(
                &state.db,
                &s.actor(),
                id,
                &f.title,
                &f.description,
                deadline,
            )
            .await
        }
    };
    saved_or_invalid(&s, state, campaign_id, r).await
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    direction: String,
}

async fn move_section(
    s: Staff<ManageReports>,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let campaign_id = section_campaign(state, id).await?;
    let r = service::move_section(&state.db, id, f.direction == "up").await;
    saved_or_invalid(&s, state, campaign_id, r).await
}

#[derive(Deserialize)]
struct RetireForm {
    #[serde(default)]
    retired: String,
}

async fn retire_section(
    s: Staff<ManageReports>,
    Path(id): Path<i64>,
    Form(f): Form<RetireForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let campaign_id = section_campaign(state, id).await?;
    let r = service::set_retired(&state.db, &s.actor(), id, f.retired == "1").await;
    saved_or_invalid(&s, state, campaign_id, r).await
}

async fn upload_template(
    s: Staff<ManageReports>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let campaign_id = section_campaign(state, id).await?;
    let rules = FormRules {
        limits: &state.settings.uploads,
        already: 0,
        files_already: 0,
        is_signature: |_| false,
    };
    let mut form = upload::read_form(multipart, &state.storage, &state.db, &rules).await?;
    let replaces = form.text("replaces").parse::<i64>().ok();
    let files = std::mem::take(&mut form.files);
    if files.is_empty() || !form.problems.is_empty() {
        let staged: Vec<_> = files.iter().map(|(_, u)| u.staged.clone()).collect();
        state.storage.discard(&staged).await;
        let mut errors = form.problems;
        if errors.is_empty() {
            errors.add(upload::FILES, "Выберите файл шаблона");
        }
        return saved_or_invalid(&s, state, campaign_id, Err(ReportError::Invalid(errors))).await;
    }
    let actor = s.actor();
    for (i, (_, upload)) in files.iter().enumerate() {
        // Only the first new file replaces; more files are added beside it.
        let r = if i == 0 { replaces } else { None };
        service::add_template(&state.db, &state.storage, &actor, id, upload, r).await?;
    }
    Ok(Redirect::to(&format!(
        "/office/reports/{campaign_id}?done=template#section-{id}"
    ))
    .into_response())
}

async fn retire_template(
    s: Staff<ManageReports>,
    Path((id, tid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let campaign_id = section_campaign(state, id).await?;
    let r = service::retire_template(&state.db, &s.actor(), id, tid).await;
    saved_or_invalid(&s, state, campaign_id, r).await
}

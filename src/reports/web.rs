//! Report pages: the member's «Отчеты → Отчет за текущий год» with section cards, and the
//! staff's campaign, section and template management.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;

use super::service::{self, ReportError};
use super::store::{self, Campaign};
use crate::auth::StaffRole;
use crate::exchange::model::ItemStatus;
use crate::exchange::views::{EventView, FormView, ItemView};
use crate::exchange::web::{RowsQuery, form_view, require_reports};
use crate::state::AppState;
use crate::web::upload::{self, FormRules};
use crate::web::views::{self, Chrome};
use crate::web::{AppError, DoneQuery, MemberCtx, StaffCtx, form_page, page};

pub fn routes(state: &AppState) -> Router<AppState> {
    let u = &state.settings.uploads;
    let template_upload = Router::new()
        .route("/office/sections/{id}/templates", post(upload_template))
        .layer(DefaultBodyLimit::max(
            (u.max_file_bytes() + 1024 * 1024) as usize,
        ));
    Router::new()
        .merge(template_upload)
        .route("/kabinet/reports", get(show_reports_menu))
        .route("/kabinet/reports/current", get(show_current))
        .route("/kabinet/reports/year/{year}", get(show_year))
        .route("/kabinet/reports/sections/{id}", get(show_section))
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
            ReportError::Invalid(m) => AppError::Unprocessable(m),
            ReportError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

// ---------- member ----------

pub struct CampaignLink {
    pub title: String,
    pub href: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "reports/menu.html")]
struct MenuPage {
    chrome: Chrome,
    current: Option<CampaignLink>,
    past: Vec<CampaignLink>,
}

fn link(c: &Campaign, current: bool) -> CampaignLink {
    CampaignLink {
        title: c.title.clone(),
        href: if current {
            "/kabinet/reports/current".into()
        } else {
            format!("/kabinet/reports/year/{}", c.year)
        },
        deadline: views::date(&c.deadline),
    }
}

async fn show_reports_menu(
    m: MemberCtx,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let all = store::campaigns(&state.db).await?;
    page(&MenuPage {
        chrome: m.ctx.chrome("Отчеты"),
        current: all.first().map(|c| link(c, true)),
        past: all.iter().skip(1).map(|c| link(c, false)).collect(),
    })
}

pub struct TemplateLink {
    pub name: String,
    pub size: String,
    pub href: String,
}

pub struct CardView {
    pub number: i32,
    pub title: String,
    pub description: String,
    pub href: String,
    pub deadline: String,
    pub overdue: bool,
    pub status: &'static str,
    pub status_code: &'static str,
    pub incoming: Option<String>,
    pub templates: Vec<TemplateLink>,
}

#[derive(Template)]
#[template(path = "reports/campaign.html")]
struct CampaignPage {
    chrome: Chrome,
    title: String,
    deadline: String,
    cards: Vec<CardView>,
    done_count: usize,
    is_current: bool,
}

fn template_links(t: &[store::TemplateFile]) -> Vec<TemplateLink> {
    t.iter()
        .map(|t| TemplateLink {
            name: t.name.clone(),
            size: crate::exchange::model::human_size(t.size_bytes),
            href: format!("/files/{}", t.file_id),
        })
        .collect()
}

async fn campaign_page(
    m: &MemberCtx,
    state: &AppState,
    c: Campaign,
    is_current: bool,
) -> Result<Response, AppError> {
    let today = crate::exchange::service::moscow_today(crate::db::now());
    let cards: Vec<CardView> = service::cards(&state.db, &c, m.member_id)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, card)| {
            let deadline = card.section.deadline.unwrap_or(c.deadline);
            let status = card.latest.as_ref().map(|l| l.status());
            let done = matches!(
                status,
                Some(ItemStatus::Sent | ItemStatus::Registered | ItemStatus::Accepted)
            );
            CardView {
                number: i as i32 + 1,
                title: card.section.title.clone(),
                description: card.section.description.clone(),
                href: format!("/kabinet/reports/sections/{}", card.section.id),
                deadline: views::date(&deadline),
                overdue: !done && today > deadline,
                status: status.map(|s| s.label()).unwrap_or("Не заполнен"),
                status_code: status.map(|s| s.code()).unwrap_or("empty"),
                incoming: card
                    .latest
                    .as_ref()
                    .and_then(crate::exchange::views::incoming),
                templates: template_links(&card.templates),
            }
        })
        .collect();
    let done_count = cards
        .iter()
        .filter(|c| matches!(c.status_code, "sent" | "registered" | "accepted"))
        .count();
    page(&CampaignPage {
        chrome: m.ctx.chrome(&c.title),
        title: c.title.clone(),
        deadline: views::date(&c.deadline),
        cards,
        done_count,
        is_current,
    })
}

async fn show_current(m: MemberCtx, State(state): State<AppState>) -> Result<Response, AppError> {
    require_reports(&m)?;
    match store::latest_campaign(&state.db).await? {
        Some(c) => campaign_page(&m, &state, c, true).await,
        None => page(&MenuPage {
            chrome: m.ctx.chrome("Отчеты"),
            current: None,
            past: vec![],
        }),
    }
}

async fn show_year(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(year): Path<i32>,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let c = store::campaign_by_year(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let latest = store::latest_campaign(&state.db).await?;
    let is_current = latest.is_some_and(|l| l.id == c.id);
    campaign_page(&m, &state, c, is_current).await
}

#[derive(Template)]
#[template(path = "reports/section.html")]
struct SectionPage {
    chrome: Chrome,
    campaign_title: String,
    campaign_href: String,
    number: usize,
    title: String,
    description: String,
    deadline: String,
    templates: Vec<TemplateLink>,
    /// the draft form, when the section can be edited now
    form: Option<FormView>,
    /// the latest sent item, when it is in the SRO's hands
    latest: Option<ItemView>,
    latest_events: Vec<EventView>,
    can_revise: bool,
    revise_label: &'static str,
    history: Vec<ItemView>,
    notice: Option<&'static str>,
}

async fn show_section(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<RowsQuery>,
) -> Result<Response, AppError> {
    require_reports(&m)?;
    let section = store::section(&state.db, id)
        .await?
        .filter(|s| !s.retired)
        .ok_or(AppError::NotFound)?;
    let campaign = store::campaign(&state.db, section.campaign_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sections = store::sections(&state.db, campaign.id).await?;
    let number = sections
        .iter()
        .filter(|s| !s.retired)
        .position(|s| s.id == id)
        .map(|p| p + 1)
        .unwrap_or(0);
    let templates: Vec<_> = store::templates(&state.db, campaign.id)
        .await?
        .into_iter()
        .filter(|t| t.section_id == id)
        .collect();
    let items = crate::exchange::store::section_items(&state.db, m.member_id, id).await?;
    let latest = items.first();
    let post = format!("/kabinet/reports/sections/{id}");
    let rows = q.rows.unwrap_or(1);
    let (form, shown) = match latest {
        Some(i) if i.status() == ItemStatus::Draft => (
            Some(
                form_view(
                    &state,
                    &m.ctx,
                    &format!("/kabinet/items/{}", i.id),
                    Some(i),
                    false,
                    rows,
                )
                .await?,
            ),
            None,
        ),
        Some(i) if matches!(i.status(), ItemStatus::Sent | ItemStatus::Registered) => {
            (None, Some(i))
        }
        Some(i) => (None, Some(i)),
        None => (
            Some(form_view(&state, &m.ctx, &post, None, false, rows).await?),
            None,
        ),
    };
    let (latest_view, latest_events) = match shown {
        Some(i) => {
            let files = crate::exchange::store::item_files(&state.db, i.id).await?;
            let events = crate::exchange::store::events(&state.db, i.id)
                .await?
                .iter()
                .map(EventView::from)
                .collect();
            (Some(ItemView::new(i, &files)), events)
        }
        None => (None, vec![]),
    };
    let can_revise =
        shown.is_some_and(|i| matches!(i.status(), ItemStatus::Returned | ItemStatus::Accepted));
    let history = items
        .iter()
        .filter(|i| i.status() != ItemStatus::Draft && Some(i.id) != shown.map(|s| s.id))
        .map(|i| ItemView::new(i, &[]))
        .collect();
    page(&SectionPage {
        chrome: m.ctx.chrome(&section.title),
        campaign_title: campaign.title.clone(),
        campaign_href: "/kabinet/reports/current".into(),
        number,
        title: section.title.clone(),
        description: section.description.clone(),
        deadline: views::date(&section.deadline.unwrap_or(campaign.deadline)),
        templates: template_links(&templates),
        form,
        latest: latest_view,
        latest_events,
        can_revise,
        revise_label: if shown.is_some_and(|i| i.status() == ItemStatus::Returned) {
            "Исправить и отправить повторно"
        } else {
            "Отправить уточненные сведения"
        },
        history,
        notice: match q.done.as_str() {
            "deleted" => Some("Черновик удален."),
            _ => None,
        },
    })
}

// ---------- staff ----------

fn may_manage(role: StaffRole) -> bool {
    matches!(role, StaffRole::Admin | StaffRole::Expert)
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
    error: Option<String>,
    year: String,
    deadline: String,
}

async fn campaigns_page(
    s: &StaffCtx,
    state: &AppState,
    error: Option<String>,
    year: String,
    deadline: String,
) -> Result<CampaignsPage, AppError> {
    let rows = store::campaigns(&state.db)
        .await?
        .into_iter()
        .map(|c| CampaignRow {
            id: c.id,
            title: c.title,
            deadline: views::date(&c.deadline),
        })
        .collect();
    Ok(CampaignsPage {
        chrome: s.ctx.chrome("Отчеты членов СРО"),
        rows,
        can_manage: may_manage(s.role),
        error,
        year,
        deadline,
    })
}

async fn list_campaigns(s: StaffCtx, State(state): State<AppState>) -> Result<Response, AppError> {
    use chrono::Datelike;
    let today = crate::exchange::service::moscow_today(crate::db::now());
    let p = campaigns_page(
        &s,
        &state,
        None,
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

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

async fn create_campaign(
    s: StaffCtx,
    State(state): State<AppState>,
    Form(f): Form<CampaignForm>,
) -> Result<Response, AppError> {
    if !may_manage(s.role) {
        return Err(AppError::Forbidden);
    }
    let actor = s.user.actor(&s.ctx.client);
    let result = match (f.year.trim().parse::<i32>(), parse_date(&f.deadline)) {
        (Ok(y), Some(d)) => service::create_campaign(&state.db, &actor, y, d).await,
        (Err(_), _) => Err(ReportError::Invalid(
            "Укажите год числом, например 2026".into(),
        )),
        (_, None) => Err(ReportError::Invalid("Укажите срок сдачи отчета".into())),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/office/reports/{id}?done=created")).into_response()),
        Err(ReportError::Invalid(msg)) => {
            let p = campaigns_page(&s, &state, Some(msg), f.year, f.deadline).await?;
            form_page(StatusCode::UNPROCESSABLE_ENTITY, &p)
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
    error: Option<String>,
    accept: String,
    max_template_mb: u64,
    template_action_suffix: String,
}

async fn campaign_admin_page(
    s: &StaffCtx,
    state: &AppState,
    id: i64,
) -> Result<CampaignAdminPage, AppError> {
    let c = store::campaign(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let templates = store::templates(&state.db, id).await?;
    let mut n = 0;
    let sections = store::sections(&state.db, id)
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
                deadline: sec
                    .deadline
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                retired: sec.retired,
                templates: templates
                    .iter()
                    .filter(|t| t.section_id == sec.id)
                    .map(|t| OfficeTemplate {
                        id: t.id,
                        name: t.name.clone(),
                        size: crate::exchange::model::human_size(t.size_bytes),
                        href: format!("/files/{}", t.file_id),
                        uploaded: views::datetime(&t.uploaded_at),
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
        deadline: c.deadline.format("%Y-%m-%d").to_string(),
        sections,
        can_manage: may_manage(s.role),
        notice: None,
        error: None,
        accept: u
            .allowed_extensions
            .iter()
            .map(|e| format!(".{e}"))
            .collect::<Vec<_>>()
            .join(","),
        max_template_mb: u.max_file_mb,
        template_action_suffix: format!("?csrf_token={}", s.ctx.csrf),
    })
}

async fn show_campaign(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let mut p = campaign_admin_page(&s, &state, id).await?;
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

async fn manage_or_error(
    s: &StaffCtx,
    state: &AppState,
    campaign_id: i64,
    r: Result<(), ReportError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => {
            Ok(Redirect::to(&format!("/office/reports/{campaign_id}?done=saved")).into_response())
        }
        Err(ReportError::Invalid(msg)) => {
            let mut p = campaign_admin_page(s, state, campaign_id).await?;
            p.error = Some(msg);
            form_page(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(e.into()),
    }
}

async fn update_campaign(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<CampaignForm>,
) -> Result<Response, AppError> {
    if !may_manage(s.role) {
        return Err(AppError::Forbidden);
    }
    let actor = s.user.actor(&s.ctx.client);
    let r = match parse_date(&f.deadline) {
        Some(d) => service::update_campaign(&state.db, &actor, id, &f.title, d).await,
        None => Err(ReportError::Invalid("Укажите срок сдачи отчета".into())),
    };
    manage_or_error(&s, &state, id, r).await
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
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<SectionForm>,
) -> Result<Response, AppError> {
    if !may_manage(s.role) {
        return Err(AppError::Forbidden);
    }
    store::campaign(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = s.user.actor(&s.ctx.client);
    let r = service::add_section(&state.db, &actor, id, &f.title, &f.description)
        .await
        .map(|_| ());
    manage_or_error(&s, &state, id, r).await
}

async fn section_campaign(state: &AppState, section_id: i64) -> Result<i64, AppError> {
    Ok(store::section(&state.db, section_id)
        .await?
        .ok_or(AppError::NotFound)?
        .campaign_id)
}

async fn update_section(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<SectionForm>,
) -> Result<Response, AppError> {
    if !may_manage(s.role) {
        return Err(AppError::Forbidden);
    }
    let campaign_id = section_campaign(&state, id).await?;
    let actor = s.user.actor(&s.ctx.client);
    let r = if !f.deadline.trim().is_empty() && parse_date(&f.deadline).is_none() {
        Err(ReportError::Invalid("Срок раздела указан неверно".into()))
    } else {
        service::update_section(
            &state.db,
            &actor,
            id,
            &f.title,
            &f.description,
            parse_date(&f.deadline),
        )
        .await
    };
    manage_or_error(&s, &state, campaign_id, r).await
}

#[derive(Deserialize)]
struct MoveForm {
    direction: String,
}

async fn move_section(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Result<Response, AppError> {
    if !may_manage(s.role) {
        return Err(AppError::Forbidden);
    }
    let campaign_id = section_campaign(&state, id).await?;
    let r = service::move_section(&state.db, id, f.direction == "up").await;
    manage_or_error(&s, &state, campaign_id, r).await
}

#[derive(Deserialize)]
struct RetireForm {
    #[serde(default)]
    retired: String,
}

async fn retire_section(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<RetireForm>,
) -> Result<Response, AppError> {
    if !may_manage(s.role) {
        return Err(AppError::Forbidden);
    }
    let campaign_id = section_campaign(&state, id).await?;
    let actor = s.user.actor(&s.ctx.client);
    let r = service::set_retired(&state.db, &actor, id, f.retired == "1").await;
    manage_or_error(&s, &state, campaign_id, r).await
}

async fn upload_template(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    if !may_manage(s.role) {
        return Err(AppError::Forbidden);
    }
    let campaign_id = section_campaign(&state, id).await?;
    let rules = FormRules {
        limits: &state.settings.uploads,
        already: 0,
        files_already: 0,
        is_signature: |_| false,
    };
    let mut form = upload::read_form(multipart, &state.storage, &rules).await?;
    let replaces = form.text("replaces").parse::<i64>().ok();
    let files = std::mem::take(&mut form.files);
    if files.is_empty() || !form.errors.is_empty() {
        let staged: Vec<_> = files.iter().map(|(_, u)| u.staged.clone()).collect();
        state.storage.discard(&staged).await;
        let mut errors = form.errors;
        if errors.is_empty() {
            errors.push("Выберите файл шаблона".into());
        }
        return manage_or_error(
            &s,
            &state,
            campaign_id,
            Err(ReportError::Invalid(errors.join(". "))),
        )
        .await;
    }
    let actor = s.user.actor(&s.ctx.client);
    let mut first = true;
    for (_, upload) in &files {
        // Only the first new file replaces; more files are added beside it.
        let r = if first { replaces } else { None };
        first = false;
        service::add_template(&state.db, &state.storage, &actor, id, upload, r).await?;
    }
    Ok(Redirect::to(&format!(
        "/office/reports/{campaign_id}?done=template#section-{id}"
    ))
    .into_response())
}

async fn retire_template(
    s: StaffCtx,
    State(state): State<AppState>,
    Path((id, tid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    if !may_manage(s.role) {
        return Err(AppError::Forbidden);
    }
    let campaign_id = section_campaign(&state, id).await?;
    let actor = s.user.actor(&s.ctx.client);
    let r = service::retire_template(&state.db, &actor, id, tid).await;
    manage_or_error(&s, &state, campaign_id, r).await
}

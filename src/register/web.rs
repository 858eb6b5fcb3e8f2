//! Register pages of the back office (admission, the entry's form and lists, extracts, import
//! and export) and of the member's cabinet (extracts).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::extract::{self, ExtractError};
use super::form::{self, Kind};
use super::model::{self, FieldError, Fund, Inspection, Measure, Policy};
use super::service::{self, RegisterError};
use super::table;
use crate::auth::StaffRole;
use crate::members::model::MembershipStatus;
use crate::state::AppState;
use crate::web::views::{self, Chrome};
use crate::web::{AppError, MemberCtx, StaffCtx, file_response, form_page, page};

/// The largest register file the import page takes.
const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/members/new", get(show_admit).post(admit))
        .route(
            "/office/members/{id}/entry",
            get(show_edit).post(save_entry),
        )
        .route("/office/members/{id}/lists/{list}", post(add_list_item))
        .route(
            "/office/members/{id}/lists/{list}/{index}/remove",
            post(remove_list_item),
        )
        .route("/office/members/{id}/extracts", post(issue_office_extract))
        .route("/office/extracts", get(show_office_extracts))
        .route(
            "/office/extracts/{number}/pdf",
            get(download_office_extract),
        )
        .route("/office/register/export.csv", get(export_csv))
        .route("/office/register/export.xlsx", get(export_xlsx))
        .route(
            "/office/register/import",
            get(show_import)
                .post(import)
                .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES + 64 * 1024)),
        )
        .route(
            "/kabinet/extracts",
            get(show_member_extracts).post(issue_member_extract),
        )
        .route(
            "/kabinet/extracts/{number}/pdf",
            get(download_member_extract),
        )
}

/// Admins and experts keep the register; the registrar and the accountant read it.
fn may_keep(s: &StaffCtx) -> bool {
    matches!(s.role, StaffRole::Admin | StaffRole::Expert)
}

fn require_keeper(s: &StaffCtx) -> Result<(), AppError> {
    if may_keep(s) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

// ---------- the entry's form ----------

pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
    /// «text», «date», «money», «textarea», «select»
    pub control: &'static str,
    /// (value, label, selected) of a select
    pub options: Vec<(String, String, bool)>,
}

impl FieldView {
    pub fn is(&self, control: &str) -> bool {
        self.control == control
    }
}

pub struct GroupView {
    pub legend: &'static str,
    pub fields: Vec<FieldView>,
}

fn level_options(state: &AppState, fund: Fund, value: &str) -> Vec<(String, String, bool)> {
    let mut o = vec![(String::new(), "нет".to_string(), value.trim().is_empty())];
    for l in model::levels(state.settings.sro.kind, fund, service::today()) {
        let v = l.number.to_string();
        o.push((
            v.clone(),
            format!(
                "{} — {}, взнос от {}",
                l.number,
                l.limit_text(),
                model::rubles(l.min_contribution_rub * 100)
            ),
            v == value.trim(),
        ));
    }
    o
}

fn groups(
    state: &AppState,
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Vec<GroupView> {
    form::GROUPS
        .iter()
        .map(|(legend, fields)| GroupView {
            legend,
            fields: fields
                .iter()
                .map(|f| {
                    let value = values.get(f.name).cloned().unwrap_or_default();
                    let (control, options) = match f.kind {
                        Kind::Text => ("text", vec![]),
                        Kind::LongText => ("textarea", vec![]),
                        Kind::Date => ("date", vec![]),
                        Kind::Money => ("money", vec![]),
                        Kind::Level => (
                            "select",
                            level_options(
                                state,
                                if f.name == "vv_level" {
                                    Fund::Vv
                                } else {
                                    Fund::Odo
                                },
                                &value,
                            ),
                        ),
                        Kind::Status => (
                            "select",
                            MembershipStatus::ALL
                                .into_iter()
                                .map(|s| {
                                    let selected = form::parse_status(&value) == Some(s);
                                    (s.code().to_string(), s.label().to_string(), selected)
                                })
                                .collect(),
                        ),
                    };
                    let error = errors
                        .iter()
                        .filter(|e| e.field == f.name)
                        .map(|e| e.message.clone())
                        .collect::<Vec<_>>();
                    FieldView {
                        name: f.name,
                        label: f.label,
                        hint: f.hint,
                        required: f.required,
                        value,
                        error: (!error.is_empty()).then(|| error.join("; ")),
                        control,
                        options,
                    }
                })
                .collect(),
        })
        .collect()
}

pub struct ListItemView {
    pub index: usize,
    pub text: String,
}

#[derive(Template)]
#[template(path = "register/entry_form.html")]
struct EntryFormPage {
    chrome: Chrome,
    /// None: admission of a new member
    member_id: Option<i64>,
    member_name: String,
    version: i64,
    groups: Vec<GroupView>,
    reason: String,
    reason_error: Option<String>,
    error: Option<String>,
    lists: Vec<ListView>,
    done: Option<&'static str>,
}

pub struct ListView {
    pub key: &'static str,
    pub title: &'static str,
    pub items: Vec<ListItemView>,
}

impl ListView {
    pub fn is(&self, key: &str) -> bool {
        self.key == key
    }
}

fn string_values(e: &model::Entry) -> HashMap<String, String> {
    form::values(e)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn list_views(s: &model::Snapshot) -> Vec<ListView> {
    let v = |key, title, items: Vec<String>| ListView {
        key,
        title,
        items: items
            .into_iter()
            .enumerate()
            .map(|(index, text)| ListItemView { index, text })
            .collect(),
    };
    vec![
        v(
            "policies",
            "Договоры страхования ответственности",
            s.policies.iter().map(Policy::describe).collect(),
        ),
        v(
            "inspections",
            "Проверки",
            s.inspections.iter().map(Inspection::describe).collect(),
        ),
        v(
            "measures",
            "Меры дисциплинарного воздействия",
            s.measures.iter().map(Measure::describe).collect(),
        ),
    ]
}

async fn show_admit(s: StaffCtx, State(state): State<AppState>) -> Result<Response, AppError> {
    require_keeper(&s)?;
    let mut values = HashMap::new();
    values.insert("status".to_string(), "member".to_string());
    values.insert(
        "admitted_on".to_string(),
        service::today().format("%d.%m.%Y").to_string(),
    );
    page(&EntryFormPage {
        chrome: s.ctx.chrome("Прием в члены СРО"),
        member_id: None,
        member_name: String::new(),
        version: 0,
        groups: groups(&state, &values, &[]),
        reason: String::new(),
        reason_error: None,
        error: None,
        lists: vec![],
        done: None,
    })
}

/// Splits a register error into the form's messages, or passes it on.
fn form_errors(e: RegisterError) -> Result<(Vec<FieldError>, Option<String>), AppError> {
    match e {
        RegisterError::Invalid(errs) => Ok((errs, None)),
        RegisterError::NoChanges => Ok((vec![], Some(RegisterError::NoChanges.to_string()))),
        RegisterError::Stale => Err(AppError::Conflict(RegisterError::Stale.to_string())),
        RegisterError::NotFound => Err(AppError::NotFound),
        RegisterError::Unexpected(e) => Err(AppError::Unexpected(e)),
    }
}

async fn admit(
    s: StaffCtx,
    State(state): State<AppState>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    require_keeper(&s)?;
    let get = |n: &str| values.get(n).cloned().unwrap_or_default();
    let reason = get("reason");
    let result = match form::parse(&get) {
        Ok(entry) => {
            let expert = (s.role == StaffRole::Expert).then_some(s.user.user_id);
            service::admit(
                &state.db,
                &state.settings,
                entry,
                expert,
                &reason,
                &s.user.actor(&s.ctx.client),
            )
            .await
        }
        Err(errs) => Err(RegisterError::Invalid(errs)),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/office/members/{id}?done=admitted")).into_response()),
        Err(e) => {
            let (errors, error) = form_errors(e)?;
            form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EntryFormPage {
                    chrome: s.ctx.chrome("Прием в члены СРО"),
                    member_id: None,
                    member_name: String::new(),
                    version: 0,
                    groups: groups(&state, &values, &errors),
                    reason,
                    reason_error: errors
                        .iter()
                        .find(|e| e.field == "reason")
                        .map(|e| e.message.clone()),
                    error: error
                        .or_else(|| Some("Запись не сохранена: исправьте отмеченные поля.".into())),
                    lists: vec![],
                    done: None,
                },
            )
        }
    }
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn show_edit(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    require_keeper(&s)?;
    let (row, snap) = service::current(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lists = list_views(&snap);
    page(&EntryFormPage {
        chrome: s.ctx.chrome(&format!("Запись реестра: {}", row.short_name)),
        member_id: Some(id),
        member_name: row.short_name.clone(),
        version: row.register_version,
        groups: groups(&state, &string_values(&snap.entry), &[]),
        reason: String::new(),
        reason_error: None,
        error: None,
        lists,
        done: (q.done == "list").then_some("Список изменен, новая версия записи сохранена."),
    })
}

fn version_of(values: &HashMap<String, String>) -> i64 {
    values
        .get("version")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1)
}

async fn save_entry(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    require_keeper(&s)?;
    let get = |n: &str| values.get(n).cloned().unwrap_or_default();
    let reason = get("reason");
    let result = match form::parse(&get) {
        Ok(entry) => {
            service::change(
                &state.db,
                &state.settings,
                id,
                version_of(&values),
                &reason,
                &s.user.actor(&s.ctx.client),
                |snap| {
                    snap.entry = entry;
                    Ok(())
                },
            )
            .await
        }
        Err(errs) => Err(RegisterError::Invalid(errs)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/office/members/{id}?done=changed")).into_response()),
        Err(e) => {
            let (errors, error) = form_errors(e)?;
            let (row, snap) = service::current(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let lists = list_views(&snap);
            form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EntryFormPage {
                    chrome: s.ctx.chrome(&format!("Запись реестра: {}", row.short_name)),
                    member_id: Some(id),
                    member_name: row.short_name.clone(),
                    version: version_of(&values),
                    groups: groups(&state, &values, &errors),
                    reason,
                    reason_error: errors
                        .iter()
                        .find(|e| e.field == "reason")
                        .map(|e| e.message.clone()),
                    error: error.or_else(|| {
                        Some("Изменения не сохранены: исправьте отмеченные поля.".into())
                    }),
                    lists,
                    done: None,
                },
            )
        }
    }
}

/// Adds an item to one of the entry's lists («policies», «inspections», «measures»).
async fn add_list_item(
    s: StaffCtx,
    State(state): State<AppState>,
    Path((id, list)): Path<(i64, String)>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    require_keeper(&s)?;
    let get = |n: &str| {
        values
            .get(n)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let date = |n: &'static str, what: &str| -> Result<chrono::NaiveDate, FieldError> {
        model::parse_date(&get(n))
            .map_err(|m| FieldError::new(n, m))?
            .ok_or_else(|| FieldError::new(n, format!("Укажите {what}")))
    };
    let required = |n: &'static str, what: &str| -> Result<String, FieldError> {
        let v = get(n);
        if v.is_empty() {
            Err(FieldError::new(n, format!("Укажите {what}")))
        } else {
            Ok(v)
        }
    };
    enum Item {
        Policy(Policy),
        Inspection(Inspection),
        Measure(Measure),
    }
    let item: Result<Item, Vec<FieldError>> = match list.as_str() {
        "policies" => (|| -> Result<Policy, FieldError> {
            Ok(Policy {
                insurer: required("insurer", "страховую компанию")?,
                contract: required("contract", "номер договора")?,
                sum_insured: model::parse_rubles(&get("sum_insured"))
                    .map_err(|m| FieldError::new("sum_insured", m))?,
                valid_from: date("valid_from", "начало действия договора")?,
                valid_to: date("valid_to", "окончание действия договора")?,
            })
        })()
        .map_err(|e| vec![e])
        .and_then(|p| {
            let errs = p.check();
            if errs.is_empty() {
                Ok(Item::Policy(p))
            } else {
                Err(errs)
            }
        }),
        "inspections" => (|| -> Result<Item, FieldError> {
            Ok(Item::Inspection(Inspection {
                finished_on: date("finished_on", "дату окончания проверки")?,
                kind: required("kind", "тип проверки")?,
                result: required("result", "результат проверки")?,
            }))
        })()
        .map_err(|e| vec![e]),
        "measures" => (|| -> Result<Item, FieldError> {
            Ok(Item::Measure(Measure {
                decided_on: date("decided_on", "дату решения")?,
                measure: required("measure", "меру воздействия")?,
                reason: required("measure_reason", "основание меры")?,
            }))
        })()
        .map_err(|e| vec![e]),
        _ => return Err(AppError::NotFound),
    };
    let reason = get("reason");
    let result = match item {
        Ok(item) => {
            service::change(
                &state.db,
                &state.settings,
                id,
                version_of(&values),
                &reason,
                &s.user.actor(&s.ctx.client),
                move |snap| {
                    match item {
                        Item::Policy(p) => snap.policies.push(p),
                        Item::Inspection(i) => snap.inspections.push(i),
                        Item::Measure(m) => snap.measures.push(m),
                    }
                    Ok(())
                },
            )
            .await
        }
        Err(errs) => Err(RegisterError::Invalid(errs)),
    };
    list_result(result, id)
}

fn list_result(result: Result<i64, RegisterError>, id: i64) -> Result<Response, AppError> {
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/office/members/{id}/entry?done=list#lists")).into_response(),
        ),
        Err(RegisterError::Invalid(errs)) => Err(AppError::Unprocessable(
            errs.iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(e) => {
            form_errors(e).and_then(|(_, m)| Err(AppError::Unprocessable(m.unwrap_or_default())))
        }
    }
}

async fn remove_list_item(
    s: StaffCtx,
    State(state): State<AppState>,
    Path((id, list, index)): Path<(i64, String, usize)>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    require_keeper(&s)?;
    if !matches!(list.as_str(), "policies" | "inspections" | "measures") {
        return Err(AppError::NotFound);
    }
    let reason = values.get("reason").cloned().unwrap_or_default();
    let result = service::change(
        &state.db,
        &state.settings,
        id,
        version_of(&values),
        &reason,
        &s.user.actor(&s.ctx.client),
        |snap| {
            let len = match list.as_str() {
                "policies" => snap.policies.len(),
                "inspections" => snap.inspections.len(),
                _ => snap.measures.len(),
            };
            if index >= len {
                return Err(vec![FieldError::new(
                    "index",
                    "Такой строки в списке нет: обновите страницу",
                )]);
            }
            match list.as_str() {
                "policies" => {
                    snap.policies.remove(index);
                }
                "inspections" => {
                    snap.inspections.remove(index);
                }
                _ => {
                    snap.measures.remove(index);
                }
            }
            Ok(())
        },
    )
    .await;
    list_result(result, id)
}

// ---------- extracts ----------

pub struct ExtractView {
    pub number: String,
    pub issued_at: String,
    pub company: String,
    pub inn: String,
    pub issued_to: String,
    pub issued_by: String,
    pub pdf_href: String,
    pub verify_href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "register/extracts.html")]
struct ExtractsPage {
    chrome: Chrome,
    staff: bool,
    rows: Vec<ExtractView>,
    total: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    company: String,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    member: Option<i64>,
}

const PAGE: i64 = 50;

fn extract_views(rows: &[super::store::ExtractRow], staff: bool) -> Vec<ExtractView> {
    rows.iter()
        .map(|r| ExtractView {
            number: r.number.clone(),
            issued_at: views::datetime(&r.issued_at),
            company: r.short_name.clone(),
            inn: r.inn.clone(),
            issued_to: r.issued_to.clone(),
            issued_by: r.issued_by.clone(),
            pdf_href: if staff {
                format!("/office/extracts/{}/pdf", r.number)
            } else {
                format!("/kabinet/extracts/{}/pdf", r.number)
            },
            verify_href: format!("/v/{}", r.number),
            current: r.current_version == r.member_version,
        })
        .collect()
}

fn pager(base: &str, page_no: i64, total: i64) -> (Option<String>, Option<String>) {
    let sep = if base.contains('?') { '&' } else { '?' };
    (
        (page_no > 1).then(|| format!("{base}{sep}page={}", page_no - 1)),
        (page_no * PAGE < total).then(|| format!("{base}{sep}page={}", page_no + 1)),
    )
}

async fn show_office_extracts(
    s: StaffCtx,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let page_no = q.page.unwrap_or(1).max(1);
    let (rows, total) = extract::journal(&state.db, q.member, PAGE, (page_no - 1) * PAGE).await?;
    let base = match q.member {
        Some(m) => format!("/office/extracts?member={m}"),
        None => "/office/extracts".to_string(),
    };
    let (prev_href, next_href) = pager(&base, page_no, total);
    page(&ExtractsPage {
        chrome: s.ctx.chrome("Журнал выписок"),
        staff: true,
        company: if q.member.is_some() {
            rows.first()
                .map(|r| r.short_name.clone())
                .unwrap_or_default()
        } else {
            String::new()
        },
        rows: extract_views(&rows, true),
        total,
        prev_href,
        next_href,
    })
}

async fn show_member_extracts(
    m: MemberCtx,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let page_no = q.page.unwrap_or(1).max(1);
    let (rows, total) =
        extract::journal(&state.db, Some(m.member_id), PAGE, (page_no - 1) * PAGE).await?;
    let (prev_href, next_href) = pager("/kabinet/extracts", page_no, total);
    page(&ExtractsPage {
        chrome: m.ctx.chrome("Выписки из реестра"),
        staff: false,
        company: String::new(),
        rows: extract_views(&rows, false),
        total,
        prev_href,
        next_href,
    })
}

fn extract_error(e: ExtractError) -> AppError {
    match e {
        ExtractError::NotFound => AppError::NotFound,
        ExtractError::IssuedToRequired => AppError::Unprocessable(e.to_string()),
        ExtractError::Unexpected(e) => AppError::Unexpected(e),
    }
}

/// «Получить выписку»: the extract is made at once and opens as a PDF.
async fn issue_member_extract(
    m: MemberCtx,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    state
        .limits
        .check_extract_issue(m.member_id)
        .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })?;
    let company = service::current(&state.db, m.member_id)
        .await?
        .ok_or(AppError::NotFound)?
        .0
        .full_name;
    let issued = extract::issue(
        &state.db,
        &state.settings,
        &state.documents,
        &state.storage,
        m.member_id,
        &company,
        &m.user.actor(&m.ctx.client),
    )
    .await
    .map_err(extract_error)?;
    Ok(Redirect::to(&format!("/kabinet/extracts/{}/pdf", issued.number)).into_response())
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    issued_to: String,
}

async fn issue_office_extract(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<IssueForm>,
) -> Result<Response, AppError> {
    let issued = extract::issue(
        &state.db,
        &state.settings,
        &state.documents,
        &state.storage,
        id,
        &f.issued_to,
        &s.user.actor(&s.ctx.client),
    )
    .await
    .map_err(extract_error)?;
    Ok(Redirect::to(&format!("/office/extracts/{}/pdf", issued.number)).into_response())
}

/// The stored PDF of an extract, if `number` is one and `member` (when given) owns it.
pub async fn extract_pdf(
    state: &AppState,
    number: &str,
    member: Option<i64>,
) -> Result<Response, AppError> {
    let number = model::normalize_extract_number(number).ok_or(AppError::NotFound)?;
    let found = extract::find(&state.db, &number)
        .await?
        .filter(|f| member.is_none_or(|m| f.row.member_id == m))
        .ok_or(AppError::NotFound)?;
    let bytes = state
        .storage
        .read_small(&found.row.storage_key)
        .await
        .map_err(AppError::Unexpected)?;
    Ok(file_response(
        bytes,
        "application/pdf",
        &format!("Выписка {number}.pdf"),
        true,
    ))
}

async fn download_member_extract(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    extract_pdf(&state, &number, Some(m.member_id)).await
}

async fn download_office_extract(
    _s: StaffCtx,
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    extract_pdf(&state, &number, None).await
}

// ---------- export and import ----------

async fn all_rows(state: &AppState, public: bool) -> Result<Vec<Vec<String>>, AppError> {
    let mut rows = Vec::new();
    service::for_each_chunk(&state.db, 1000, |chunk| {
        for (r, s) in chunk {
            rows.push(table::row(&s, &r.updated_at, public));
        }
        Ok(())
    })
    .await?;
    Ok(rows)
}

fn export_name(ext: &str) -> String {
    format!(
        "Реестр членов {}.{ext}",
        service::today().format("%d.%m.%Y")
    )
}

async fn export_csv(_s: StaffCtx, State(state): State<AppState>) -> Result<Response, AppError> {
    let rows = all_rows(&state, false).await?;
    let mut out = String::from("\u{feff}");
    out.push_str(&table::csv_line(&table::headers(false)));
    for r in &rows {
        out.push_str(&table::csv_line(r));
    }
    Ok(file_response(
        out,
        "text/csv; charset=utf-8",
        &export_name("csv"),
        false,
    ))
}

async fn export_xlsx(_s: StaffCtx, State(state): State<AppState>) -> Result<Response, AppError> {
    let rows = all_rows(&state, false).await?;
    let bytes = tokio::task::spawn_blocking(move || table::xlsx(&table::headers(false), &rows))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e)))?
        .map_err(AppError::Unexpected)?;
    Ok(file_response(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &export_name("xlsx"),
        false,
    ))
}

pub struct RowErrorView {
    pub line: usize,
    pub message: String,
}

#[derive(Template)]
#[template(path = "register/import.html")]
struct ImportPage {
    chrome: Chrome,
    error: Option<String>,
    file_name: String,
    dry_run: bool,
    checked_rows: usize,
    valid_rows: usize,
    errors: Vec<RowErrorView>,
    ignored: String,
    imported: Option<usize>,
}

impl ImportPage {
    /// The page before any file: the form, and no report.
    fn new(chrome: Chrome, dry_run: bool) -> ImportPage {
        ImportPage {
            chrome,
            error: None,
            file_name: String::new(),
            dry_run,
            checked_rows: 0,
            valid_rows: 0,
            errors: vec![],
            ignored: String::new(),
            imported: None,
        }
    }
}

fn require_admin(s: &StaffCtx) -> Result<(), AppError> {
    if s.role == StaffRole::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn show_import(s: StaffCtx) -> Result<Response, AppError> {
    require_admin(&s)?;
    page(&ImportPage::new(s.ctx.chrome("Импорт реестра"), true))
}

async fn import(
    s: StaffCtx,
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    require_admin(&s)?;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut dry_run = false;
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::Unprocessable("Форма передана не полностью. Повторите загрузку.".into())
        }
    })? {
        match field.name() {
            Some("dry_run") => dry_run = true,
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    let mut p = ImportPage::new(s.ctx.chrome("Импорт реестра"), dry_run);
    let Some((name, bytes)) = file else {
        p.error = Some("Выберите файл CSV или XLSX".into());
        return form_page(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    p.file_name = name.clone();
    let outcome = super::import::run(
        &state.db,
        &state.settings,
        &name,
        &bytes,
        dry_run,
        &s.user.actor(&s.ctx.client),
        &mut |_, _| {},
    )
    .await
    .map_err(AppError::Unexpected)?;
    p.checked_rows = outcome.rows;
    p.valid_rows = outcome.valid;
    p.ignored = outcome.ignored_columns.join(", ");
    p.errors = outcome
        .errors
        .iter()
        .map(|e| RowErrorView {
            line: e.line,
            message: e.message.clone(),
        })
        .collect();
    p.imported = outcome.imported;
    if let Some(e) = outcome.file_error {
        p.error = Some(e);
    }
    let status = if p.error.is_some() || !p.errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    form_page(status, &p)
}

//! The register's JSON API (`/api/v1/register`) and its OpenAPI document (`/api/openapi.json`).
//! The same public data as `/reestr`; errors are JSON problems (RFC 9457), made in one place
//! (`web::render_errors`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::public::{PER_PAGE, SearchQuery};
use crate::register::levels::{self, Fund};
use crate::register::model::Member as MemberRow;
use crate::register::model::{MembershipStatus, Snapshot};
use crate::register::service;
use crate::state::AppState;
use crate::web::AppError;
use crate::web::list::Pager;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/register", get(list))
        .route("/api/v1/register/export.json", get(export_json))
        .route("/api/v1/register/inn/{inn}", get(by_inn))
        .route("/api/v1/register/number/{number}", get(by_number))
        .route("/api/openapi.json", get(openapi))
}

/// Search parameters of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Part of the name, INN, OGRN or register number; any case.
    pub q: Option<String>,
    /// `member`, `suspended`, `excluded` or `left`.
    pub status: Option<String>,
    /// Liability level of the compensation fund for harm (КФ ВВ), 1–5.
    pub level: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Entries per page, 1–100 (25 by default).
    pub per_page: Option<i64>,
}

/// A line of the register list.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberSummary {
    pub register_number: Option<String>,
    pub inn: String,
    pub ogrn: String,
    pub full_name: String,
    pub short_name: String,
    /// `member`, `suspended`, `excluded` or `left`
    pub status: String,
    /// The status in Russian, e.g. «Член СРО».
    pub status_label: String,
    /// Date of entry in the register, `YYYY-MM-DD`.
    pub admitted_on: Option<String>,
    pub terminated_on: Option<String>,
    pub vv_level: Option<i64>,
    pub odo_level: Option<i64>,
    /// When the entry last changed (RFC 3339).
    pub updated_at: String,
    /// The entry in this API.
    pub url: String,
}

/// A page of the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterPage {
    pub items: Vec<MemberSummary>,
    /// Entries that match the search; a text search stops counting at 1000.
    pub total: i64,
    /// `false` when `total` stopped at the cap: there are more.
    pub total_exact: bool,
    pub page: i64,
    pub per_page: i64,
    pub pages: i64,
    /// When the register last changed (RFC 3339).
    pub register_updated_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rights {
    /// Objects other than especially dangerous, technically complex, unique and nuclear ones: from this date.
    pub ordinary_from: Option<String>,
    /// Especially dangerous, technically complex and unique objects: from this date.
    pub dangerous_from: Option<String>,
    /// Nuclear energy objects: from this date.
    pub nuclear_from: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Liability {
    pub level: i64,
    /// e.g. «не превышает 90 000 000 рублей»
    pub limit: String,
    /// Contribution paid to the fund, in kopecks.
    pub contribution_kopecks: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsurancePolicy {
    pub insurer: String,
    pub contract: String,
    pub sum_insured_kopecks: i64,
    pub valid_from: String,
    pub valid_to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionRecord {
    pub finished_on: String,
    pub kind: String,
    pub result: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisciplinaryMeasure {
    pub decided_on: String,
    pub measure: String,
    pub reason: String,
}

/// A member's entry as the law publishes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub register_number: Option<String>,
    pub inn: String,
    pub ogrn: String,
    pub full_name: String,
    pub short_name: String,
    pub status: String,
    pub status_label: String,
    pub admitted_on: Option<String>,
    pub admission_decision_number: Option<String>,
    pub admission_decision_date: Option<String>,
    pub admission_effective_on: Option<String>,
    pub terminated_on: Option<String>,
    pub termination_reason: Option<String>,
    pub suspended_from: Option<String>,
    pub suspended_until: Option<String>,
    /// Legal address; for an entrepreneur, the place of activity.
    pub address: Option<String>,
    pub head: Option<String>,
    pub phone: Option<String>,
    pub site: Option<String>,
    pub rights: Rights,
    /// Compensation fund for harm (КФ ВВ).
    pub vv: Option<Liability>,
    /// Compensation fund for contract obligations (КФ ОДО).
    pub odo: Option<Liability>,
    /// Actual total obligations under competitive contracts, in kopecks.
    pub odo_obligations_kopecks: Option<i64>,
    /// The date the total was last updated (YYYY-MM-DD).
    pub odo_obligations_on: Option<String>,
    pub insurance: Vec<InsurancePolicy>,
    pub inspections: Vec<InspectionRecord>,
    pub disciplinary_measures: Vec<DisciplinaryMeasure>,
    pub updated_at: String,
    /// The member's page in the public register.
    pub html_url: String,
}

/// An error (RFC 9457 problem details).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in Russian.
    pub detail: String,
}

fn iso(d: &Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_string())
}

fn summary(state: &AppState, r: &service::PublicRow) -> MemberSummary {
    let st = MembershipStatus::from_code(&r.status).unwrap_or(MembershipStatus::Member);
    MemberSummary {
        register_number: r.register_number.clone(),
        inn: r.inn.clone(),
        ogrn: r.ogrn.clone(),
        full_name: r.full_name.clone(),
        short_name: r.short_name.clone(),
        status: st.code().into(),
        status_label: st.label().into(),
        admitted_on: iso(&r.admitted_on),
        terminated_on: iso(&r.terminated_on),
        vv_level: r.vv_level,
        odo_level: r.odo_level,
        updated_at: r.updated_at.to_rfc3339(),
        url: format!(
            "{}/api/v1/register/inn/{}",
            state.settings.base_url(),
            r.inn
        ),
    }
}

pub fn member(state: &AppState, row: &MemberRow, s: &Snapshot) -> Member {
    let e = &s.entry;
    let ip = e.ogrn.len() == 15;
    let today = state.core.today();
    let liability = |fund: Fund, l: Option<i64>, contribution: i64| {
        l.and_then(|n| levels::level(state.settings.sro.kind, fund, n, today))
            .map(|l| Liability {
                level: l.number,
                limit: l.limit_text().replace('\u{a0}', " "),
                contribution_kopecks: contribution,
            })
    };
    let head = [e.head_position.as_str(), e.head_name.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    Member {
        register_number: e.register_number.clone(),
        inn: e.inn.clone(),
        ogrn: e.ogrn.clone(),
        full_name: e.full_name.clone(),
        short_name: e.short_name.clone(),
        status: e.status.code().into(),
        status_label: e.status.label().into(),
        admitted_on: iso(&e.admitted_on),
        admission_decision_number: non_empty(&e.admission_decision_number),
        admission_decision_date: iso(&e.admission_decision_date),
        admission_effective_on: iso(&e.admission_effective_on),
        terminated_on: iso(&e.terminated_on),
        termination_reason: non_empty(&e.termination_reason),
        suspended_from: iso(&e.suspended_from),
        suspended_until: iso(&e.suspended_until),
        address: non_empty(if ip {
            &e.actual_address
        } else {
            &e.legal_address
        }),
        head: non_empty(&head),
        phone: non_empty(&e.phone),
        site: non_empty(&e.site),
        rights: Rights {
            ordinary_from: iso(&e.right_ordinary_from),
            dangerous_from: iso(&e.right_dangerous_from),
            nuclear_from: iso(&e.right_nuclear_from),
        },
        vv: liability(Fund::Vv, e.vv_level, e.vv_contribution),
        odo: liability(Fund::Odo, e.odo_level, e.odo_contribution),
        odo_obligations_kopecks: e.odo_level.map(|_| e.odo_obligations),
        odo_obligations_on: e.odo_level.and(iso(&e.odo_obligations_on)),
        insurance: s
            .policies
            .iter()
            .map(|p| InsurancePolicy {
                insurer: p.insurer.clone(),
                contract: p.contract.clone(),
                sum_insured_kopecks: p.sum_insured,
                valid_from: p.valid_from.format("%Y-%m-%d").to_string(),
                valid_to: p.valid_to.format("%Y-%m-%d").to_string(),
            })
            .collect(),
        inspections: s
            .inspections
            .iter()
            .map(|i| InspectionRecord {
                finished_on: i.finished_on.format("%Y-%m-%d").to_string(),
                kind: i.kind.clone(),
                result: i.result.clone(),
            })
            .collect(),
        disciplinary_measures: s
            .measures
            .iter()
            .map(|m| DisciplinaryMeasure {
                decided_on: m.decided_on.format("%Y-%m-%d").to_string(),
                measure: m.measure.clone(),
                reason: m.reason.clone(),
            })
            .collect(),
        updated_at: row.updated_at.to_rfc3339(),
        html_url: format!("{}/reestr/{}", state.settings.base_url(), e.inn),
    }
}

fn cached(mut res: Response, seconds: u32) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={seconds}")) {
        res.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    res
}

/// Search the register.
#[utoipa::path(
    get,
    path = "/api/v1/register",
    tag = "register",
    params(ListParams),
    responses(
        (status = 200, description = "A page of the register", body = RegisterPage),
        (status = 400, description = "A wrong parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Response, AppError> {
    let q = SearchQuery {
        q: p.q.unwrap_or_default(),
        status: p.status.unwrap_or_default(),
        level: p.level.unwrap_or_default(),
        page: p.page,
    };
    let filter = q.filter().map_err(AppError::BadRequest)?;
    let per_page = p.per_page.unwrap_or(PER_PAGE);
    if !(1..=100).contains(&per_page) {
        return Err(AppError::BadRequest("per_page — число от 1 до 100".into()));
    }
    let page = q.page.unwrap_or(1);
    if !(1..=Pager::MAX_PAGE).contains(&page) {
        return Err(AppError::BadRequest(format!(
            "page — число от 1 до {}",
            Pager::MAX_PAGE
        )));
    }
    let found = service::search(&state.db, &filter, per_page, (page - 1) * per_page).await?;
    let total = found.total;
    let updated = service::last_updated(&state.db).await?;
    let body = RegisterPage {
        items: found.rows.iter().map(|r| summary(&state, r)).collect(),
        total,
        total_exact: found.exact,
        page,
        per_page,
        pages: (total + per_page - 1) / per_page,
        register_updated_at: updated.map(|t| t.to_rfc3339()),
    };
    Ok(cached(Json(body).into_response(), 60))
}

/// A member by INN.
#[utoipa::path(
    get,
    path = "/api/v1/register/inn/{inn}",
    tag = "register",
    params(("inn" = String, Path, description = "ИНН: 10 or 12 digits")),
    responses(
        (status = 200, description = "The member's entry", body = Member),
        (status = 404, description = "No such member", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn by_inn(
    State(state): State<AppState>,
    Path(inn): Path<String>,
) -> Result<Response, AppError> {
    let (row, s) = service::find(&state.db, Some(&inn), None)
        .await?
        .filter(|(r, _)| r.entry.inn == inn)
        .ok_or_else(|| AppError::NotFoundWith(format!("Члена СРО с ИНН {inn} в реестре нет")))?;
    Ok(cached(Json(member(&state, &row, &s)).into_response(), 60))
}

/// A member by register number.
#[utoipa::path(
    get,
    path = "/api/v1/register/number/{number}",
    tag = "register",
    params(("number" = String, Path, description = "Register number in this SRO")),
    responses(
        (status = 200, description = "The member's entry", body = Member),
        (status = 404, description = "No such member", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn by_number(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let (row, s) = service::find(&state.db, None, Some(&number))
        .await?
        .filter(|(r, _)| r.entry.register_number.as_deref() == Some(number.as_str()))
        .ok_or_else(|| {
            AppError::NotFoundWith(format!(
                "Члена СРО с регистрационным номером {number} в реестре нет"
            ))
        })?;
    Ok(cached(Json(member(&state, &row, &s)).into_response(), 60))
}

/// The whole register (open data).
#[utoipa::path(
    get,
    path = "/api/v1/register/export.json",
    tag = "register",
    responses((status = 200, description = "Every entry of the register", body = Vec<Member>))
)]
async fn export_json(State(state): State<AppState>) -> Result<Response, AppError> {
    // Streamed a chunk at a time: «[», the members separated by commas, «]».
    let body =
        super::stream::register_body(&state, "[".into(), "]".into(), |state, entries, first| {
            let mut out = String::new();
            for (i, (r, s)) in entries.iter().enumerate() {
                if !(first && i == 0) {
                    out.push(',');
                }
                match serde_json::to_string(&member(state, r, s)) {
                    Ok(json) => out.push_str(&json),
                    // a plain struct of strings and numbers: cannot fail
                    Err(e) => tracing::error!(error = %e, "serializing a member"),
                }
            }
            out
        });
    let mut res = Response::new(body);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(cached(res, 300))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Реестр членов СРО",
        description = "Открытые данные реестра членов саморегулируемой организации: поиск, карточка члена, выгрузка.",
        version = "1"
    ),
    paths(list, by_inn, by_number, export_json),
    components(schemas(
        RegisterPage,
        MemberSummary,
        Member,
        Rights,
        Liability,
        InsurancePolicy,
        InspectionRecord,
        DisciplinaryMeasure,
        Problem
    ))
)]
struct ApiDoc;

/// The OpenAPI document of this API.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi() -> Response {
    cached(Json(document()).into_response(), 3600)
}

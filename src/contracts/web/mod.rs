//! «Договоры» for the member (head and «Ответственный за отчетность»); the staff's pages are
//! in `office`.

mod office;

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;

use super::model::{EventKind, Kind, Method, Standing};
use super::office::NoticeState;
use super::service::{self, ContractError, ContractInput, EventInput};
use crate::fmt;
use crate::state::AppState;
use crate::validation::FieldErrors;
use crate::web::access::Contracts;
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Member, invalid, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kabinet/contracts", get(show_list).post(create))
        .route("/kabinet/contracts/new", get(show_new))
        .route("/kabinet/contracts/import", get(show_import).post(import))
        .route("/kabinet/contracts/template.xlsx", get(template))
        .route("/kabinet/contracts/statement", post(attach_statement))
        .route("/kabinet/contracts/{id}", get(show_one))
        .route("/kabinet/contracts/{id}/events", post(add_event))
        .route(
            "/kabinet/contracts/{id}/events/{event}/notice",
            post(make_notice),
        )
        .route("/office/contracts", get(office::show_journal))
        .route("/office/contracts.xlsx", get(office::export_journal))
        .route("/office/contracts/odo", get(office::show_odo))
        .route(
            "/office/workdays",
            get(office::show_workdays).post(office::save_workday),
        )
}

impl From<ContractError> for AppError {
    fn from(e: ContractError) -> Self {
        match e {
            ContractError::NotFound => AppError::NotFound,
            ContractError::Invalid(m) => AppError::Unprocessable(m.to_string()),
            ContractError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

/// The standing as the pages show it.
pub struct StandingView {
    pub total: String,
    pub level: String,
    pub limit: String,
    pub share: String,
    pub warn: bool,
    pub over: bool,
    pub advice: Option<String>,
    pub next: Option<String>,
}

fn standing_view(s: &Standing) -> StandingView {
    StandingView {
        total: fmt::rubles(s.total),
        level: s
            .level
            .as_ref()
            .map(|l| format!("{} уровень", l.ordinal))
            .unwrap_or_else(|| "нет права (КФ ОДО не сформирован)".into()),
        limit: match (&s.level, s.limit) {
            (_, Some(l)) => fmt::rubles(l),
            (Some(l), None) => l.limit_text(),
            (None, None) => "—".into(),
        },
        share: s.share.map(|p| format!("{p} %")).unwrap_or_else(|| "—".into()),
        warn: s.over_threshold,
        over: s.over_limit,
        next: s.next.as_ref().map(|a| {
            format!(
                "Если обязательства превысят предельный размер, потребуется {} уровень ответственности по КФ ОДО ({}): дополнительный взнос — {} ₽.",
                a.level.ordinal,
                a.level.limit_text(),
                fmt::group_digits(a.additional_rub)
            )
        }),
        advice: s.advice.as_ref().map(|a| {
            format!(
                "Нужен {} уровень ответственности по КФ ОДО (предельный размер обязательств {}); дополнительный взнос в компенсационный фонд — {} ₽.",
                a.level.ordinal,
                a.level.limit_text(),
                fmt::group_digits(a.additional_rub)
            )
        }),
    }
}

struct ContractLine {
    id: i64,
    number: String,
    signed_on: String,
    customer: String,
    price: String,
    open: String,
    method: &'static str,
    counted: bool,
}

struct EventView {
    id: i64,
    contract_id: i64,
    contract: String,
    kind: &'static str,
    date: String,
    detail: String,
    due_on: String,
    state: &'static str,
    state_code: &'static str,
    notice_item: Option<i64>,
    who: String,
}

fn event_view(e: &service::EventLine, contract: String, today: NaiveDate) -> EventView {
    let kind = EventKind::from_code(&e.kind).unwrap_or(EventKind::Concluded);
    let sent = e
        .item_sent_at
        .filter(|_| e.item_status.as_deref().is_some_and(|s| s != "draft"));
    let state = NoticeState::of(e.due_on, sent, today);
    let mut detail = String::new();
    match kind {
        EventKind::Addendum if e.amount > 0 => {
            detail = format!("новая цена {}", fmt::rubles(e.amount))
        }
        EventKind::Act => detail = format!("принято на {}", fmt::rubles(e.amount)),
        _ => {}
    }
    if let Some(d) = e.new_work_to {
        detail.push_str(&format!(" новый срок {}", fmt::date(&d)));
    }
    if !e.grounds.is_empty() {
        detail.push_str(&format!(" основание: {}", e.grounds));
    }
    EventView {
        id: e.id,
        contract_id: e.contract_id,
        contract,
        kind: kind.label(),
        date: fmt::date(&e.event_date),
        detail: detail.trim().to_owned(),
        due_on: fmt::date(&e.due_on),
        state: match (state, &e.item_incoming) {
            (NoticeState::OnTime | NoticeState::Late, _) => state.label(),
            _ if e.notice_item_id.is_some() => "уведомление подготовлено, не отправлено",
            _ => state.label(),
        },
        state_code: state.code(),
        notice_item: e.notice_item_id,
        who: e.created_by_name.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "contracts/list.html")]
struct ListPage {
    chrome: Chrome,
    standing: StandingView,
    on: String,
    /// The same date as people read it.
    on_label: String,
    count_direct: bool,
    contracts: Vec<ContractLine>,
    due: Vec<EventView>,
    notice: Option<String>,
}

#[derive(Deserialize)]
struct OnQuery {
    #[serde(default)]
    on: String,
    #[serde(default)]
    done: String,
}

async fn show_list(m: Member<Contracts>, Query(q): Query<OnQuery>) -> Result<Response, AppError> {
    let core = &m.ctx.state.core;
    let on = fmt::parse_date(&q.on).ok().flatten();
    let o = service::overview(core, m.member_id, on).await?;
    let today = core.today();
    let names: std::collections::HashMap<i64, String> = o
        .contracts
        .iter()
        .map(|(c, _)| {
            (
                c.id,
                format!("№ {} от {}", c.number, fmt::date(&c.signed_on)),
            )
        })
        .collect();
    let due = o
        .events
        .iter()
        .map(|e| {
            event_view(
                e,
                names.get(&e.contract_id).cloned().unwrap_or_default(),
                today,
            )
        })
        .filter(|v| matches!(v.state_code, "due" | "missing"))
        .collect();
    page(&ListPage {
        chrome: m.ctx.chrome("Договоры"),
        standing: standing_view(&o.standing),
        on: o.on.format("%Y-%m-%d").to_string(),
        on_label: fmt::date(&o.on),
        count_direct: o.count_direct,
        contracts: o
            .contracts
            .iter()
            .map(|(c, open)| {
                let method = Method::from_code(&c.method).unwrap_or(Method::Direct);
                ContractLine {
                    id: c.id,
                    number: c.number.clone(),
                    signed_on: fmt::date(&c.signed_on),
                    customer: c.customer_name.clone(),
                    price: fmt::rubles(c.price),
                    open: fmt::rubles(*open),
                    method: method.label(),
                    counted: method.competitive() || o.count_direct,
                }
            })
            .collect(),
        due,
        notice: match q.done.as_str() {
            "imported" => Some(
                "Договоры загружены. По каждому нужно уведомление о заключении: откройте договор и нажмите «Подготовить уведомление».".into(),
            ),
            _ => None,
        },
    })
}

#[derive(Template)]
#[template(path = "contracts/form.html")]
struct FormPage {
    chrome: Chrome,
    form: ContractInput,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
    methods: Vec<(&'static str, &'static str)>,
}

fn form_page(m: &Member<Contracts>, form: ContractInput, errors: FieldErrors) -> FormPage {
    FormPage {
        chrome: m.ctx.chrome("Новый договор"),
        form,
        errors,
        kinds: Kind::of_sro(m.ctx.state.core.settings.sro.kind)
            .into_iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        methods: Method::ALL
            .into_iter()
            .map(|x| (x.code(), x.label()))
            .collect(),
    }
}

async fn show_new(m: Member<Contracts>) -> Result<Response, AppError> {
    let form = ContractInput {
        method: Method::Fz44.code().into(),
        ..Default::default()
    };
    page(&form_page(&m, form, FieldErrors::new()))
}

async fn create(
    m: Member<Contracts>,
    Form(form): Form<ContractInput>,
) -> Result<Response, AppError> {
    match service::add_contract(&m.ctx.state.core, &m.actor(), m.member_id, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/kabinet/contracts/{id}?done=added")).into_response()),
        Err(ContractError::Invalid(errors)) => invalid(&form_page(&m, form, errors)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "contracts/card.html")]
struct CardPage {
    chrome: Chrome,
    id: i64,
    title: String,
    facts: Vec<(&'static str, String)>,
    events: Vec<EventView>,
    open: String,
    closed: bool,
    form: EventInput,
    errors: FieldErrors,
    event_kinds: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
}

async fn card(
    m: &Member<Contracts>,
    id: i64,
    form: EventInput,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<CardPage, AppError> {
    let core = &m.ctx.state.core;
    let (c, events, open) = service::contract(core, m.member_id, id).await?;
    let today = core.today();
    let title = format!("Договор № {} от {}", c.number, fmt::date(&c.signed_on));
    let method = Method::from_code(&c.method).unwrap_or(Method::Direct);
    let mut facts = vec![
        (
            "Заказчик",
            format!("{} (ИНН {})", c.customer_name, c.customer_inn),
        ),
        ("Предмет", c.subject.clone()),
        (
            "Вид",
            Kind::from_code(&c.kind)
                .map(Kind::label)
                .unwrap_or("")
                .to_owned(),
        ),
        ("Цена", fmt::rubles(c.price)),
        ("Способ заключения", method.label().to_owned()),
    ];
    if !c.procurement_id.is_empty() {
        facts.push(("Реестровый номер закупки (ИКЗ)", c.procurement_id.clone()));
    }
    if c.work_from.is_some() || c.work_to.is_some() {
        facts.push((
            "Сроки работ",
            format!(
                "{} — {}",
                fmt::opt_date(&c.work_from),
                fmt::opt_date(&c.work_to)
            ),
        ));
    }
    let closed = events.iter().any(|e| {
        matches!(
            EventKind::from_code(&e.kind),
            Some(EventKind::Executed | EventKind::Terminated)
        )
    });
    Ok(CardPage {
        chrome: m.ctx.chrome(&title),
        id,
        facts,
        events: events
            .iter()
            .map(|e| event_view(e, title.clone(), today))
            .collect(),
        open: fmt::rubles(open),
        closed,
        form,
        errors,
        event_kinds: EventKind::ALL
            .into_iter()
            .filter(|k| *k != EventKind::Concluded)
            .map(|k| (k.code(), k.label()))
            .collect(),
        notice,
        title,
    })
}

async fn show_one(
    m: Member<Contracts>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "added" => Some(
            "Договор добавлен. Подготовьте уведомление о его заключении: срок — три рабочих дня."
                .to_owned(),
        ),
        "event" => Some(
            "Событие записано. Подготовьте уведомление о нем: срок — три рабочих дня.".to_owned(),
        ),
        _ => None,
    };
    let form = EventInput {
        event_date: m.ctx.state.core.today().format("%Y-%m-%d").to_string(),
        ..Default::default()
    };
    page(&card(&m, id, form, FieldErrors::new(), notice).await?)
}

async fn add_event(
    m: Member<Contracts>,
    Path(id): Path<i64>,
    Form(form): Form<EventInput>,
) -> Result<Response, AppError> {
    match service::add_event(&m.ctx.state.core, &m.actor(), m.member_id, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/kabinet/contracts/{id}?done=event")).into_response()),
        Err(ContractError::Invalid(errors)) => invalid(&card(&m, id, form, errors, None).await?),
        Err(e) => Err(e.into()),
    }
}

async fn make_notice(
    m: Member<Contracts>,
    Path((_, event)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let item = super::notice::notice(&m.ctx.state.core, &m.actor(), m.member_id, event).await?;
    Ok(Redirect::to(&format!("/kabinet/items/{item}")).into_response())
}

#[derive(Template)]
#[template(path = "contracts/import.html")]
struct ImportPage {
    chrome: Chrome,
    problems: Vec<String>,
}

async fn show_import(m: Member<Contracts>) -> Result<Response, AppError> {
    page(&ImportPage {
        chrome: m.ctx.chrome("Загрузка договоров из Excel"),
        problems: Vec::new(),
    })
}

async fn template(m: Member<Contracts>) -> Result<Response, AppError> {
    let bytes = super::import::template(&m.ctx.state.core).map_err(AppError::Unexpected)?;
    Ok(crate::web::file_response(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Договоры — шаблон.xlsx",
        false,
    ))
}

async fn import(
    m: Member<Contracts>,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let form = crate::web::upload::read_one_file(
        multipart,
        &state.storage,
        &state.db,
        20,
        &["xlsx", "csv"],
    )
    .await?;
    let fail = |problems: Vec<String>| {
        invalid(&ImportPage {
            chrome: m.ctx.chrome("Загрузка договоров из Excel"),
            problems,
        })
    };
    let Some((_, upload)) = form.files.into_iter().next() else {
        let mut problems: Vec<String> = form
            .problems
            .messages()
            .iter()
            .map(|s| s.to_string())
            .collect();
        if problems.is_empty() {
            problems.push("Выберите файл с договорами (.xlsx или .csv)".into());
        }
        return fail(problems);
    };
    // The spreadsheet is read and dropped: the contracts are rows, not a stored file.
    let bytes = crate::web::upload::take_small(&state.storage, &upload).await?;
    let core = &state.core;
    match super::import::read(core, &upload.name, &bytes) {
        Err(problems) => fail(problems),
        Ok(rows) => {
            let again = service::repeated(core, m.member_id, &rows).await?;
            if !again.is_empty() {
                return fail(again);
            }
            let valid: Vec<_> = rows.into_iter().map(|(_, v)| v).collect();
            service::add_many(core, &m.actor(), m.member_id, &valid).await?;
            Ok(Redirect::to("/kabinet/contracts?done=imported").into_response())
        }
    }
}

#[derive(Deserialize)]
struct StatementForm {
    #[serde(default)]
    on: String,
}

/// «Приложить к разделу отчета»: the statement on a date into the report section's draft.
async fn attach_statement(
    m: Member<Contracts>,
    Form(f): Form<StatementForm>,
) -> Result<Response, AppError> {
    let core = &m.ctx.state.core;
    let on = match fmt::parse_date(&f.on) {
        Ok(Some(d)) => d,
        _ => core.today(),
    };
    let section = super::statement::attach(core, &m.actor(), m.member_id, on).await?;
    Ok(Redirect::to(&format!("/kabinet/reports/sections/{section}")).into_response())
}

//! The accountant's pages: the overview, «Взносы и тарифы», accrual runs with a preview, the
//! debtors list with its XLSX.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::views::overdue_text;
use crate::billing::model::{ChargeKind, Period, Periodicity};
use crate::billing::tariffs::{self, TypeInput};
use crate::billing::{BillingError, accrual, ledger, papers};
use crate::fmt;
use crate::validation::FieldErrors;
use crate::web::access::{Billing, ManageBilling};
use crate::web::list::Opt;
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Staff, file_response, invalid, page};

#[derive(Template)]
#[template(path = "billing/office_home.html")]
struct HomePage {
    chrome: Chrome,
    manage: bool,
    debtors: usize,
    debt: String,
    overdue: String,
    unmatched: usize,
}

pub(super) async fn show_home(s: Staff<Billing>) -> Result<Response, AppError> {
    let core = &s.ctx.state.core;
    let d = ledger::debtors(core).await?;
    let unmatched = ledger::unmatched(core).await?.len();
    page(&HomePage {
        chrome: s.ctx.chrome("Взносы и платежи"),
        manage: s.may(crate::auth::rules::Permission::ManageBilling),
        debtors: d.iter().filter(|r| r.overdue > 0).count(),
        debt: fmt::rubles(d.iter().map(|r| r.debt).sum()),
        overdue: fmt::rubles(d.iter().map(|r| r.overdue).sum()),
        unmatched,
    })
}

pub struct TypeView {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub period: &'static str,
    pub amount: String,
    pub due: String,
    pub auto: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "billing/tariffs.html")]
struct TariffsPage {
    chrome: Chrome,
    rows: Vec<TypeView>,
    done: bool,
}

pub(super) async fn show_tariffs(
    s: Staff<ManageBilling>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let rows = tariffs::list(&s.ctx.state.core)
        .await?
        .into_iter()
        .map(|t| {
            let period = Periodicity::from_code(&t.row.period).unwrap_or(Periodicity::Once);
            TypeView {
                id: t.row.id,
                name: t.row.name.clone(),
                kind: ChargeKind::from_code(&t.row.kind)
                    .unwrap_or(ChargeKind::Other)
                    .label(),
                period: period.label(),
                amount: if t.levels.is_empty() {
                    fmt::rubles(t.row.amount)
                } else {
                    t.levels
                        .iter()
                        .map(|(l, a)| format!("{l} ур.: {}", fmt::rubles(*a)))
                        .collect::<Vec<_>>()
                        .join("; ")
                },
                due: if period == Periodicity::Once {
                    format!("{} дн. после начисления", t.row.due_day)
                } else {
                    format!("{}-е число первого месяца периода", t.row.due_day)
                },
                auto: t
                    .row
                    .accrue_from
                    .map(|d| format!("с {}", fmt::date(&d)))
                    .unwrap_or_else(|| "вручную".into()),
                active: t.row.active,
            }
        })
        .collect();
    page(&TariffsPage {
        chrome: s.ctx.chrome("Взносы и тарифы"),
        rows,
        done: !q.done.is_empty(),
    })
}

#[derive(Deserialize, Default)]
pub(super) struct TariffForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    level1: String,
    #[serde(default)]
    level2: String,
    #[serde(default)]
    level3: String,
    #[serde(default)]
    level4: String,
    #[serde(default)]
    level5: String,
    #[serde(default)]
    due_day: String,
    #[serde(default)]
    accrue_from: String,
    #[serde(default)]
    active: Option<String>,
}

impl TariffForm {
    fn input(&self) -> TypeInput {
        TypeInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            period: self.period.clone(),
            amount: self.amount.clone(),
            levels: vec![
                self.level1.clone(),
                self.level2.clone(),
                self.level3.clone(),
                self.level4.clone(),
                self.level5.clone(),
            ],
            due_day: self.due_day.clone(),
            accrue_from: self.accrue_from.clone(),
            active: self.active.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "billing/tariff_form.html")]
struct TariffPage {
    chrome: Chrome,
    id: Option<i64>,
    form: TariffForm,
    kinds: Vec<Opt>,
    periods: Vec<Opt>,
    errors: FieldErrors,
}

fn tariff_page(
    chrome: Chrome,
    id: Option<i64>,
    form: TariffForm,
    errors: FieldErrors,
) -> TariffPage {
    TariffPage {
        chrome,
        id,
        kinds: ChargeKind::ALL
            .iter()
            .map(|k| Opt::new(k.code(), k.label(), &form.kind))
            .collect(),
        periods: Periodicity::ALL
            .iter()
            .map(|p| Opt::new(p.code(), p.label(), &form.period))
            .collect(),
        form,
        errors,
    }
}

pub(super) async fn show_new_tariff(s: Staff<ManageBilling>) -> Result<Response, AppError> {
    let form = TariffForm {
        kind: "target".into(),
        period: "once".into(),
        due_day: "10".into(),
        active: Some("on".into()),
        ..TariffForm::default()
    };
    page(&tariff_page(
        s.ctx.chrome("Новый взнос"),
        None,
        form,
        FieldErrors::new(),
    ))
}

pub(super) async fn show_tariff(
    s: Staff<ManageBilling>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let t = tariffs::list(&s.ctx.state.core)
        .await?
        .into_iter()
        .find(|t| t.row.id == id)
        .ok_or(AppError::NotFound)?;
    let level = |n: i64| {
        t.levels
            .iter()
            .find(|(l, _)| *l == n)
            .map(|(_, a)| fmt::rubles_input(*a))
            .unwrap_or_default()
    };
    let form = TariffForm {
        name: t.row.name.clone(),
        kind: t.row.kind.clone(),
        period: t.row.period.clone(),
        amount: fmt::rubles_input(t.row.amount),
        level1: level(1),
        level2: level(2),
        level3: level(3),
        level4: level(4),
        level5: level(5),
        due_day: t.row.due_day.to_string(),
        accrue_from: t.row.accrue_from.map(|d| d.to_string()).unwrap_or_default(),
        active: t.row.active.then(|| "on".into()),
    };
    page(&tariff_page(
        s.ctx.chrome(&t.row.name),
        Some(id),
        form,
        FieldErrors::new(),
    ))
}

async fn save(
    s: Staff<ManageBilling>,
    id: Option<i64>,
    f: TariffForm,
) -> Result<Response, AppError> {
    match tariffs::save(&s.ctx.state.core, &s.actor(), id, &f.input()).await {
        Ok(_) => Ok(Redirect::to("/office/billing/tariffs?done=saved").into_response()),
        Err(BillingError::Invalid(errors)) => {
            invalid(&tariff_page(s.ctx.chrome("Взнос"), id, f, errors))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn add_tariff(
    s: Staff<ManageBilling>,
    Form(f): Form<TariffForm>,
) -> Result<Response, AppError> {
    save(s, None, f).await
}

pub(super) async fn save_tariff(
    s: Staff<ManageBilling>,
    Path(id): Path<i64>,
    Form(f): Form<TariffForm>,
) -> Result<Response, AppError> {
    save(s, Some(id), f).await
}

pub struct RunView {
    pub period: String,
    pub kind: &'static str,
    pub actor: String,
    pub at: String,
    pub charges: i64,
    pub total: String,
}

pub struct PlannedView {
    pub member_id: i64,
    pub description: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "billing/runs.html")]
struct RunsPage {
    chrome: Chrome,
    runs: Vec<RunView>,
    periods: Vec<Opt>,
    period: String,
    preview: Option<(usize, String)>,
    sample: Vec<PlannedView>,
    errors: FieldErrors,
    done: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct RunQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    done: String,
}

fn period_label(code: &str) -> String {
    Period::parse(code)
        .map(|p| p.label())
        .unwrap_or_else(|| code.to_string())
}

async fn runs_page(
    s: &Staff<ManageBilling>,
    period: &str,
    errors: FieldErrors,
) -> Result<RunsPage, AppError> {
    let core = &s.ctx.state.core;
    let today = core.today();
    let mut periods = Vec::new();
    for t in tariffs::tariffs(core).await? {
        if let Some(now) = Period::containing(t.periodicity, today) {
            let mut p = now;
            let mut list = vec![p.next()];
            for _ in 0..8 {
                list.push(p);
                // back one period: the start's previous day
                match p
                    .start()
                    .pred_opt()
                    .and_then(|d| Period::containing(t.periodicity, d))
                {
                    Some(prev) => p = prev,
                    None => break,
                }
            }
            for p in list {
                if !periods.iter().any(|o: &Opt| o.value == p.code()) {
                    periods.push(Opt::new(p.code(), p.label(), period));
                }
            }
        }
    }
    let runs = accrual::runs(core)
        .await?
        .into_iter()
        .map(|r| RunView {
            period: period_label(&r.period),
            kind: if r.by_hand {
                "вручную"
            } else {
                "автоматически"
            },
            actor: r.actor,
            at: fmt::datetime(&r.finished_at),
            charges: r.charges,
            total: fmt::rubles(r.total),
        })
        .collect();
    Ok(RunsPage {
        chrome: s.ctx.chrome("Начисления"),
        runs,
        periods,
        period: period.to_string(),
        preview: None,
        sample: Vec::new(),
        errors,
        done: None,
    })
}

pub(super) async fn show_runs(
    s: Staff<ManageBilling>,
    Query(q): Query<RunQuery>,
) -> Result<Response, AppError> {
    let mut p = runs_page(&s, &q.period, FieldErrors::new()).await?;
    if let Ok(n) = q.done.parse::<i64>() {
        p.done = Some(format!("Начисление за период выполнено: начислений — {n}."));
    }
    if !q.period.is_empty() {
        match accrual::preview(&s.ctx.state.core, &q.period).await {
            Ok((_, planned)) => {
                p.preview = Some((
                    planned.len(),
                    fmt::rubles(planned.iter().map(|x| x.amount).sum()),
                ));
                p.sample = planned
                    .iter()
                    .take(20)
                    .map(|x| PlannedView {
                        member_id: x.member_id,
                        description: x.description.clone(),
                        amount: fmt::rubles(x.amount),
                    })
                    .collect();
            }
            Err(BillingError::Invalid(e)) => {
                p.errors = e;
                return invalid(&p);
            }
            Err(e) => return Err(e.into()),
        }
    }
    page(&p)
}

#[derive(Deserialize)]
pub(super) struct RunForm {
    #[serde(default)]
    period: String,
}

pub(super) async fn run(
    s: Staff<ManageBilling>,
    Form(f): Form<RunForm>,
) -> Result<Response, AppError> {
    match accrual::run_by_hand(&s.ctx.state.core, &s.actor(), &f.period).await {
        Ok(o) => {
            Ok(Redirect::to(&format!("/office/billing/runs?done={}", o.charges)).into_response())
        }
        Err(BillingError::Invalid(e)) => invalid(&runs_page(&s, &f.period, e).await?),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct DebtorsQuery {
    #[serde(default)]
    days: String,
    #[serde(default)]
    min: String,
}

pub struct DebtorView {
    pub member_id: i64,
    pub name: String,
    pub inn: String,
    pub debt: String,
    pub overdue: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "billing/debtors.html")]
struct DebtorsPage {
    chrome: Chrome,
    rows: Vec<DebtorView>,
    days: String,
    min: String,
    total: String,
    query: String,
}

/// Debtors with at least `days` days overdue (0: any debt) and at least `min` roubles owed.
async fn filtered(
    s: &Staff<Billing>,
    q: &DebtorsQuery,
) -> Result<Vec<crate::billing::DebtorRow>, AppError> {
    let core = &s.ctx.state.core;
    let today = core.today();
    let days: i64 = q.days.trim().parse().unwrap_or(0).max(0);
    let min = fmt::parse_rubles(&q.min).unwrap_or(0);
    Ok(ledger::debtors(core)
        .await?
        .into_iter()
        .filter(|d| d.debt >= min)
        .filter(|d| days == 0 || (d.overdue > 0 && (today - d.oldest_due).num_days() >= days))
        .collect())
}

pub(super) async fn show_debtors(
    s: Staff<Billing>,
    Query(q): Query<DebtorsQuery>,
) -> Result<Response, AppError> {
    let rows = filtered(&s, &q).await?;
    let today = s.ctx.state.core.today();
    page(&DebtorsPage {
        chrome: s.ctx.chrome("Должники"),
        total: fmt::rubles(rows.iter().map(|r| r.debt).sum()),
        rows: rows
            .iter()
            .map(|d| DebtorView {
                member_id: d.member_id,
                name: d.short_name.clone(),
                inn: d.inn.clone(),
                debt: fmt::rubles(d.debt),
                overdue: fmt::rubles(d.overdue),
                since: if d.overdue > 0 {
                    overdue_text(d.oldest_due, today)
                } else {
                    String::new()
                },
            })
            .collect(),
        query: crate::web::list::query_string(&[("days", &q.days), ("min", &q.min)]),
        days: q.days,
        min: q.min,
    })
}

pub(super) async fn debtors_xlsx(
    s: Staff<Billing>,
    Query(q): Query<DebtorsQuery>,
) -> Result<Response, AppError> {
    let rows = filtered(&s, &q).await?;
    let today = s.ctx.state.core.today();
    let bytes = tokio::task::spawn_blocking(move || papers::debtors_xlsx(&rows, today))
        .await
        .map_err(|e| AppError::Unexpected(e.into()))?
        .map_err(AppError::Unexpected)?;
    Ok(file_response(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("Должники {}.xlsx", fmt::date(&today)),
        false,
    ))
}

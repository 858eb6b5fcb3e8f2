//! The public register (no login): search, a member's card, open data, and the check of an
//! extract by its number.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::fmt::{self as views};
use crate::register::levels::{self, Fund};
use crate::register::model::Member;
use crate::register::model::{self, MembershipStatus, Snapshot};
use crate::register::service::{self, PublicFilter};
use crate::register::{extract, table};
use crate::state::AppState;
use crate::web::list::Pager;
use crate::web::views::Chrome;
use crate::web::{AppError, Ctx, file_response, page};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reestr", get(show_register))
        .route("/reestr/export.csv", get(export_csv))
        .route("/reestr/{inn}", get(show_card))
        .route("/v", get(show_check_form))
        .route("/v/{number}", get(show_check))
        .route("/v/{number}/pdf", get(download_checked))
}

pub const PER_PAGE: i64 = 25;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub page: Option<i64>,
}

impl SearchQuery {
    /// The filter, or a message saying which parameter is wrong.
    pub fn filter(&self) -> Result<PublicFilter, String> {
        let q = crate::validation::search_substring(&self.q);
        let status = if self.status.trim().is_empty() {
            None
        } else {
            Some(
                MembershipStatus::from_code(self.status.trim())
                    .ok_or_else(|| format!("Неизвестный статус «{}»", self.status.trim()))?
                    .code(),
            )
        };
        let vv_level = if self.level.trim().is_empty() {
            None
        } else {
            Some(
                self.level
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|l| (1..=5).contains(l))
                    .ok_or_else(|| {
                        format!(
                            "Уровень ответственности — число от 1 до 5, а не «{}»",
                            self.level.trim()
                        )
                    })?,
            )
        };
        Ok(PublicFilter {
            query: (!q.is_empty()).then_some(q),
            status,
            vv_level,
            odo_level: None,
        })
    }
}

pub struct RowView {
    pub inn: String,
    pub short_name: String,
    pub full_name: String,
    pub ogrn: String,
    pub register_number: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub admitted_on: String,
    pub vv_level: String,
}

#[derive(Template)]
#[template(path = "register/public_list.html")]
struct RegisterPage {
    chrome: Chrome,
    q: String,
    status: String,
    level: String,
    statuses: Vec<(&'static str, &'static str)>,
    levels: Vec<i64>,
    rows: Vec<RowView>,
    exact: bool,
    pager: Pager,
    updated: String,
    error: Option<String>,
}

async fn show_register(ctx: Ctx, Query(q): Query<SearchQuery>) -> Result<Response, AppError> {
    let state = &ctx.state;
    let filter = q.filter();
    let found = match &filter {
        Ok(f) => service::search(&state.db, f, PER_PAGE, Pager::offset(q.page, PER_PAGE)).await?,
        Err(_) => service::SearchPage {
            rows: vec![],
            total: 0,
            exact: true,
        },
    };
    let (rows, total) = (found.rows, found.total);
    let updated = service::last_updated(&state.db)
        .await?
        .map(|t| views::datetime(&t))
        .unwrap_or_else(|| "—".into());
    let levels = levels::levels(state.settings.sro.kind, Fund::Vv, state.core.today())
        .iter()
        .map(|l| l.number)
        .collect();
    page(&RegisterPage {
        chrome: ctx.chrome("Реестр членов СРО"),
        q: q.q.trim().to_string(),
        status: q.status.trim().to_string(),
        level: q.level.trim().to_string(),
        statuses: MembershipStatus::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        levels,
        rows: rows
            .iter()
            .map(|r| {
                let st = MembershipStatus::from_code(&r.status).unwrap_or(MembershipStatus::Member);
                RowView {
                    inn: r.inn.clone(),
                    short_name: r.short_name.clone(),
                    full_name: r.full_name.clone(),
                    ogrn: r.ogrn.clone(),
                    register_number: views::or_dash(r.register_number.as_deref().unwrap_or("")),
                    status: st.label(),
                    status_code: st.code(),
                    admitted_on: views::opt_date(&r.admitted_on),
                    vv_level: r
                        .vv_level
                        .map(|l| l.to_string())
                        .unwrap_or_else(|| "—".into()),
                }
            })
            .collect(),
        exact: found.exact,
        pager: Pager::new(
            "/reestr",
            &[
                ("q", q.q.trim()),
                ("status", q.status.trim()),
                ("level", q.level.trim()),
            ],
            q.page,
            PER_PAGE,
            total,
        ),
        updated,
        error: filter.err(),
    })
}

/// A group of «label: value» lines of the public card.
pub struct Facts {
    pub title: &'static str,
    pub lines: Vec<(String, String)>,
}

/// The entry as the law publishes it: no e-mail or КПП; for an entrepreneur no home address.
pub fn public_facts(state: &AppState, s: &Snapshot) -> Vec<Facts> {
    let e = &s.entry;
    let ip = e.ogrn.len() == 15;
    let d = views::opt_date;
    let today = state.core.today();
    let level = |fund: Fund, l: Option<i64>, contribution: i64| match l
        .and_then(|n| levels::level(state.settings.sro.kind, fund, n, today))
    {
        Some(l) => format!(
            "{} уровень ({}); взнос {}",
            l.number,
            l.limit_text(),
            views::rubles(contribution)
        ),
        None => "нет".into(),
    };
    let right = |f: &Option<chrono::NaiveDate>| match f {
        Some(f) => format!("имеет право с {}", views::date(f)),
        None => "нет права".into(),
    };
    let mut member = vec![
        ("Полное наименование".to_string(), e.full_name.clone()),
        (
            "Сокращенное наименование".into(),
            views::or_dash(&e.short_name),
        ),
        ("ИНН".into(), e.inn.clone()),
        (if ip { "ОГРНИП" } else { "ОГРН" }.into(), e.ogrn.clone()),
    ];
    if ip {
        member.push((
            "Место фактического осуществления деятельности".into(),
            views::or_dash(&e.actual_address),
        ));
    } else {
        member.push((
            "Адрес места нахождения".into(),
            views::or_dash(&e.legal_address),
        ));
    }
    member.push((
        "Лицо, осуществляющее функции единоличного исполнительного органа".into(),
        views::or_dash(
            &[e.head_position.as_str(), e.head_name.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ));
    member.push(("Контактные телефоны".into(), views::or_dash(&e.phone)));
    if !e.site.is_empty() {
        member.push(("Сайт".into(), e.site.clone()));
    }
    let mut membership = vec![
        (
            "Регистрационный номер".to_string(),
            views::or_dash(e.register_number.as_deref().unwrap_or("")),
        ),
        ("Статус".into(), e.status.label().into()),
        ("Дата регистрации в реестре".into(), d(&e.admitted_on)),
        (
            "Решение о приеме".into(),
            views::or_dash(
                &[
                    if e.admission_decision_number.is_empty() {
                        String::new()
                    } else {
                        format!("№ {}", e.admission_decision_number)
                    },
                    e.admission_decision_date
                        .map(|x| format!("от {}", views::date(&x)))
                        .unwrap_or_default(),
                ]
                .join(" "),
            ),
        ),
        (
            "Дата вступления решения в силу".into(),
            d(&e.admission_effective_on),
        ),
    ];
    if e.terminated_on.is_some() {
        membership.push(("Дата прекращения членства".into(), d(&e.terminated_on)));
        membership.push((
            "Основание прекращения".into(),
            views::or_dash(&e.termination_reason),
        ));
    }
    if e.suspended_from.is_some() {
        membership.push((
            "Приостановление права".into(),
            format!(
                "с {}{}{}",
                d(&e.suspended_from),
                e.suspended_until
                    .map(|u| format!(" по {}", views::date(&u)))
                    .unwrap_or_default(),
                if e.suspension_reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", e.suspension_reason)
                }
            ),
        ));
    }
    let rights = vec![
        ("Объекты капитального строительства (кроме особо опасных, технически сложных, уникальных и атомных)".to_string(), right(&e.right_ordinary_from)),
        ("Особо опасные, технически сложные и уникальные объекты".into(), right(&e.right_dangerous_from)),
        ("Объекты использования атомной энергии".into(), right(&e.right_nuclear_from)),
        ("Уровень ответственности по КФ возмещения вреда".into(), level(Fund::Vv, e.vv_level, e.vv_contribution)),
        ("Уровень ответственности по КФ обеспечения договорных обязательств".into(), level(Fund::Odo, e.odo_level, e.odo_contribution)),
        (
            "Право заключать договоры с использованием конкурентных способов".into(),
            if e.odo_level.is_some() {
                "Действует без ограничений, в пределах фактического совокупного размера обязательств".into()
            } else {
                "Нет".into()
            },
        ),
        (
            "Фактический совокупный размер обязательств по договорам, заключенным конкурентными способами".into(),
            match (e.odo_level, e.odo_obligations_on) {
                (Some(_), Some(on)) => format!("{} (дата обновления {})", views::rubles(e.odo_obligations), on.format("%d.%m.%Y")),
                (Some(_), None) => views::rubles(e.odo_obligations),
                (None, _) => "—".into(),
            },
        ),
    ];
    let list = |items: Vec<String>| {
        if items.is_empty() {
            vec![("".to_string(), "нет сведений".to_string())]
        } else {
            items.into_iter().map(|i| (String::new(), i)).collect()
        }
    };
    vec![
        Facts {
            title: "Сведения о члене СРО",
            lines: member,
        },
        Facts {
            title: "Сведения о членстве",
            lines: membership,
        },
        Facts {
            title: "Право выполнения работ и имущественная ответственность",
            lines: rights,
        },
        Facts {
            title: "Страхование ответственности",
            lines: list(s.policies.iter().map(model::Policy::describe).collect()),
        },
        Facts {
            title: "Результаты проверок",
            lines: list(
                s.inspections
                    .iter()
                    .map(model::Inspection::describe)
                    .collect(),
            ),
        },
        Facts {
            title: "Меры дисциплинарного воздействия",
            lines: list(s.measures.iter().map(model::Measure::describe).collect()),
        },
    ]
}

/// Every field of the entry for staff, in the form's groups, with the lists.
pub fn staff_facts(s: &Snapshot) -> Vec<Facts> {
    let values = crate::register::form::values(&s.entry);
    let mut out: Vec<Facts> = crate::register::form::GROUPS
        .iter()
        .map(|(title, fields)| Facts {
            title,
            lines: fields
                .iter()
                .map(|f| {
                    let v = values.get(f.name).cloned().unwrap_or_default();
                    let v = match f.kind {
                        crate::register::form::Kind::Money if !v.is_empty() => {
                            views::rubles(views::parse_rubles(&v).unwrap_or(0))
                        }
                        _ => views::or_dash(&v),
                    };
                    (f.label.trim_end_matches(", ₽").to_string(), v)
                })
                .collect(),
        })
        .collect();
    let list = |items: Vec<String>| {
        if items.is_empty() {
            vec![(String::new(), "нет сведений".to_string())]
        } else {
            items.into_iter().map(|i| (String::new(), i)).collect()
        }
    };
    out.push(Facts {
        title: "Страхование ответственности",
        lines: list(s.policies.iter().map(model::Policy::describe).collect()),
    });
    out.push(Facts {
        title: "Проверки",
        lines: list(
            s.inspections
                .iter()
                .map(model::Inspection::describe)
                .collect(),
        ),
    });
    out.push(Facts {
        title: "Меры дисциплинарного воздействия",
        lines: list(s.measures.iter().map(model::Measure::describe).collect()),
    });
    out
}

#[derive(Template)]
#[template(path = "register/public_card.html")]
struct CardPage {
    chrome: Chrome,
    short_name: String,
    status: &'static str,
    status_code: &'static str,
    facts: Vec<Facts>,
    updated: String,
    inn: String,
}

async fn show_card(ctx: Ctx, Path(inn): Path<String>) -> Result<Response, AppError> {
    let state = &ctx.state;
    if !(inn.len() == 10 || inn.len() == 12) || !inn.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::NotFound);
    }
    let (row, snap): (Member, Snapshot) = service::find(&state.db, Some(&inn), None)
        .await?
        .filter(|(r, _)| r.entry.inn == inn)
        .ok_or(AppError::NotFound)?;
    page(&CardPage {
        chrome: ctx.chrome(&row.entry.short_name),
        short_name: row.entry.short_name.clone(),
        status: snap.entry.status.label(),
        status_code: snap.entry.status.code(),
        facts: public_facts(state, &snap),
        updated: views::datetime(&row.updated_at),
        inn: row.entry.inn.clone(),
    })
}

/// Open data: the whole public register as CSV, streamed in chunks.
async fn export_csv(State(state): State<AppState>) -> Result<Response, AppError> {
    let file_name = format!(
        "Реестр членов {}.csv",
        state.core.today().format("%d.%m.%Y")
    );
    let mut head = String::from("\u{feff}");
    head.push_str(&table::csv_line(&table::headers(true)));
    let body = super::stream::register_body(&state, head, String::new(), |_, entries, _| {
        let mut out = String::new();
        for (r, s) in entries {
            out.push_str(&table::csv_line(&table::row(s, &r.updated_at, true)));
        }
        out
    });
    let mut res = file_response(body, "text/csv; charset=utf-8", &file_name, false);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(res)
}

// ---------- the check of an extract ----------

#[derive(Template)]
#[template(path = "register/verify.html")]
struct CheckPage {
    chrome: Chrome,
    number: String,
    found: Option<CheckView>,
}

pub struct CheckView {
    pub number: String,
    pub issued_at: String,
    pub issued_to: String,
    pub sro: String,
    pub company: String,
    pub changed_since: bool,
    pub ended: bool,
    pub status_now: &'static str,
    pub doc: extract::ExtractDoc,
    pub card_href: String,
}

#[derive(Deserialize, Default)]
pub(super) struct NumberQuery {
    #[serde(default)]
    number: String,
}

async fn show_check_form(ctx: Ctx, Query(q): Query<NumberQuery>) -> Result<Response, AppError> {
    if !q.number.trim().is_empty() {
        return match extract::normalize_extract_number(&q.number) {
            Some(n) => Ok(Redirect::to(&format!("/v/{n}")).into_response()),
            None => Err(AppError::NotFoundWith(format!(
                "«{}» — не номер выписки. Номер выглядит так: 2026-7K3M-Q9XP.",
                q.number.trim().chars().take(40).collect::<String>()
            ))),
        };
    }
    page(&CheckPage {
        chrome: ctx.chrome("Проверка выписки"),
        number: String::new(),
        found: None,
    })
}

async fn show_check(ctx: Ctx, Path(number): Path<String>) -> Result<Response, AppError> {
    let state = &ctx.state;
    state.limits.check_extract_lookup(&ctx.client.ip).await?;
    let unknown = || {
        AppError::NotFoundWith(
            "Выписки с таким номером нет. Проверьте номер: он напечатан в правом верхнем углу выписки и под QR-кодом."
                .into(),
        )
    };
    let n = extract::normalize_extract_number(&number).ok_or_else(unknown)?;
    if n != number {
        return Ok(Redirect::to(&format!("/v/{n}")).into_response());
    }
    let f = extract::find(&state.db, &n).await?.ok_or_else(unknown)?;
    let ended = matches!(
        f.status_now,
        MembershipStatus::Excluded | MembershipStatus::Left
    );
    page(&CheckPage {
        chrome: ctx.chrome(&format!("Выписка № {n}")),
        number: n.clone(),
        found: Some(CheckView {
            number: n,
            issued_at: f.stored.doc.issued_at.clone(),
            issued_to: f.stored.doc.issued_to.clone(),
            sro: f.stored.doc.sro_full_name.clone(),
            company: f.row.short_name.clone(),
            changed_since: f.changed_since,
            ended,
            status_now: f.status_now.label(),
            card_href: format!("/reestr/{}", f.row.inn),
            doc: f.stored.doc,
        }),
    })
}

async fn download_checked(ctx: Ctx, Path(number): Path<String>) -> Result<Response, AppError> {
    // The same limit as the check page: numbers cannot be guessed through the PDF either.
    ctx.state
        .limits
        .check_extract_lookup(&ctx.client.ip)
        .await?;
    super::extracts::extract_pdf(&ctx.state, &number, None).await
}

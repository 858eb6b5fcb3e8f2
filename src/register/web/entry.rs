//! «Принять в члены» and «Запись реестра»: the entry's form (admission and changes, each a new
//! version with its basis) and its lists (insurance, inspections, disciplinary measures).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};

use crate::fmt;
use crate::register::form::{self, Kind};
use crate::register::levels::{self, Fund};
use crate::register::model::{self, Inspection, Measure, MembershipStatus, Policy};
use crate::register::service::{self, RegisterError};
use crate::state::AppState;
use crate::validation::{FieldError, FieldErrors};
use crate::web::access::KeepRegister;
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Staff, invalid, page};

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
    for l in levels::levels(state.settings.sro.kind, fund, state.core.today()) {
        let v = l.number.to_string();
        o.push((
            v.clone(),
            format!(
                "{} — {}, взнос от {}",
                l.number,
                l.limit_text(),
                fmt::rubles(l.min_contribution_rub * 100)
            ),
            v == value.trim(),
        ));
    }
    o
}

fn groups(
    state: &AppState,
    values: &HashMap<String, String>,
    errors: &FieldErrors,
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
    /// Every message, at its field; `reason` and the form's own are shown apart.
    errors: FieldErrors,
    lists: Vec<ListView>,
    /// The list whose add form the messages belong to.
    list_errors: Option<String>,
    done: Option<&'static str>,
}

impl EntryFormPage {
    /// The message at the basis field of the entry's form (not of a list's).
    fn reason_error(&self) -> Option<&str> {
        self.list_errors
            .is_none()
            .then(|| self.errors.get("reason"))
            .flatten()
    }

    fn list_errors_for(&self, list: &str) -> bool {
        self.list_errors.as_deref() == Some(list)
    }
}

/// The form: empty for an admission, the entry as it is for a change; `values` and `errors`
/// are what the user typed and what was refused.
async fn entry_page(
    s: &Staff<KeepRegister>,
    state: &AppState,
    id: Option<i64>,
    values: Option<HashMap<String, String>>,
    errors: FieldErrors,
) -> Result<EntryFormPage, AppError> {
    let reason = values
        .as_ref()
        .and_then(|v| v.get("reason").cloned())
        .unwrap_or_default();
    let (title, name, version, from_db, lists) = match id {
        Some(id) => {
            let (row, snap) = service::current(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let from_db: HashMap<String, String> = form::values(&snap.entry)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            (
                format!("Запись реестра: {}", row.entry.short_name),
                row.entry.short_name.clone(),
                row.register_version,
                from_db,
                list_views(&snap),
            )
        }
        None => {
            let mut v = HashMap::new();
            v.insert("status".to_string(), "member".to_string());
            v.insert("admitted_on".to_string(), fmt::date(&state.core.today()));
            ("Прием в члены СРО".to_string(), String::new(), 0, v, vec![])
        }
    };
    let version = values.as_ref().map(version_of).unwrap_or(version);
    let values = values.unwrap_or(from_db);
    Ok(EntryFormPage {
        chrome: s.ctx.chrome(&title),
        member_id: id,
        member_name: name,
        version,
        groups: groups(state, &values, &errors),
        reason,
        errors,
        lists,
        list_errors: None,
        done: None,
    })
}

pub(super) async fn show_admit(s: Staff<KeepRegister>) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    page(&entry_page(&s, state, None, None, FieldErrors::new()).await?)
}

/// The entry's form again with the messages (422), or the error that is not the form's.
async fn refused(
    s: &Staff<KeepRegister>,
    state: &AppState,
    id: Option<i64>,
    values: HashMap<String, String>,
    e: RegisterError,
) -> Result<Response, AppError> {
    let mut errors = match e {
        RegisterError::Invalid(errs) => errs,
        RegisterError::NoChanges => FieldErrors::form(RegisterError::NoChanges.to_string()),
        RegisterError::Stale => return Err(AppError::Conflict(RegisterError::Stale.to_string())),
        RegisterError::NotFound => return Err(AppError::NotFound),
        RegisterError::Unexpected(e) => return Err(AppError::Unexpected(e)),
    };
    if errors.general().is_empty() {
        errors.add_form(if id.is_some() {
            "Изменения не сохранены: исправьте отмеченные поля."
        } else {
            "Запись не сохранена: исправьте отмеченные поля."
        });
    }
    invalid(&entry_page(s, state, id, Some(values), errors).await?)
}

pub(super) async fn admit(
    s: Staff<KeepRegister>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let get = |n: &str| values.get(n).cloned().unwrap_or_default();
    let result = match form::parse(&get) {
        Ok(entry) => {
            // An expert who admits a member becomes its curator.
            let expert = s.curator_id();
            service::admit(&state.core, entry, expert, &get("reason"), &s.actor()).await
        }
        Err(errs) => Err(RegisterError::Invalid(errs)),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/office/members/{id}?done=admitted")).into_response()),
        Err(e) => refused(&s, state, None, values, e).await,
    }
}

pub(super) async fn show_edit(
    s: Staff<KeepRegister>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let mut p = entry_page(&s, state, Some(id), None, FieldErrors::new()).await?;
    p.done = (q.done == "list").then_some("Список изменен, новая версия записи сохранена.");
    page(&p)
}

fn version_of(values: &HashMap<String, String>) -> i64 {
    values
        .get("version")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1)
}

pub(super) async fn save_entry(
    s: Staff<KeepRegister>,
    Path(id): Path<i64>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let get = |n: &str| values.get(n).cloned().unwrap_or_default();
    let result = match form::parse(&get) {
        Ok(entry) => {
            service::change(
                &state.core,
                id,
                version_of(&values),
                &get("reason"),
                &s.actor(),
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
        Err(e) => refused(&s, state, Some(id), values, e).await,
    }
}

/// An item of one of the entry's lists, read from its add form.
enum ListItem {
    Policy(Policy),
    Inspection(Inspection),
    Measure(Measure),
}

fn parse_list_item(
    list: &str,
    get: &dyn Fn(&str) -> String,
) -> Option<Result<ListItem, FieldErrors>> {
    let date = |n: &'static str, what: &str| -> Result<chrono::NaiveDate, FieldError> {
        fmt::parse_date(&get(n))
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
    let item = match list {
        "policies" => (|| -> Result<Policy, FieldError> {
            Ok(Policy {
                insurer: required("insurer", "страховую компанию")?,
                contract: required("contract", "номер договора")?,
                sum_insured: fmt::parse_rubles(&get("sum_insured"))
                    .map_err(|m| FieldError::new("sum_insured", m))?,
                valid_from: date("valid_from", "начало действия договора")?,
                valid_to: date("valid_to", "окончание действия договора")?,
            })
        })()
        .map_err(FieldErrors::from)
        .and_then(|p| {
            let errs = p.check();
            if errs.is_empty() {
                Ok(ListItem::Policy(p))
            } else {
                Err(errs.into())
            }
        }),
        "inspections" => (|| -> Result<ListItem, FieldError> {
            Ok(ListItem::Inspection(Inspection {
                finished_on: date("finished_on", "дату окончания проверки")?,
                kind: required("kind", "тип проверки")?,
                result: required("result", "результат проверки")?,
            }))
        })()
        .map_err(FieldErrors::from),
        "measures" => (|| -> Result<ListItem, FieldError> {
            Ok(ListItem::Measure(Measure {
                decided_on: date("decided_on", "дату решения")?,
                measure: required("measure", "меру воздействия")?,
                reason: required("measure_reason", "основание меры")?,
            }))
        })()
        .map_err(FieldErrors::from),
        _ => return None,
    };
    Some(item)
}

/// Adds an item to one of the entry's lists («policies», «inspections», «measures»).
pub(super) async fn add_list_item(
    s: Staff<KeepRegister>,
    Path((id, list)): Path<(i64, String)>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let get = |n: &str| {
        values
            .get(n)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let item = parse_list_item(&list, &get).ok_or(AppError::NotFound)?;
    let result = match item {
        Ok(item) => {
            service::change(
                &state.core,
                id,
                version_of(&values),
                &get("reason"),
                &s.actor(),
                move |snap| {
                    match item {
                        ListItem::Policy(p) => snap.policies.push(p),
                        ListItem::Inspection(i) => snap.inspections.push(i),
                        ListItem::Measure(m) => snap.measures.push(m),
                    }
                    Ok(())
                },
            )
            .await
        }
        Err(errs) => Err(RegisterError::Invalid(errs)),
    };
    list_result(&s, state, id, &list, result).await
}

/// Back to the entry's lists, or the entry's page with the messages at the list's form (422).
async fn list_result(
    s: &Staff<KeepRegister>,
    state: &AppState,
    id: i64,
    list: &str,
    result: Result<i64, RegisterError>,
) -> Result<Response, AppError> {
    let errors = match result {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/office/members/{id}/entry?done=list#lists"))
                    .into_response(),
            );
        }
        Err(RegisterError::Invalid(errs)) => errs,
        Err(RegisterError::NoChanges) => FieldErrors::form(RegisterError::NoChanges.to_string()),
        Err(RegisterError::Stale) => {
            return Err(AppError::Conflict(RegisterError::Stale.to_string()));
        }
        Err(RegisterError::NotFound) => return Err(AppError::NotFound),
        Err(RegisterError::Unexpected(e)) => return Err(AppError::Unexpected(e)),
    };
    let mut p = entry_page(s, state, Some(id), None, FieldErrors::new()).await?;
    p.list_errors = Some(list.to_string());
    p.errors = errors;
    invalid(&p)
}

pub(super) async fn remove_list_item(
    s: Staff<KeepRegister>,
    Path((id, list, index)): Path<(i64, String, usize)>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    if !matches!(list.as_str(), "policies" | "inspections" | "measures") {
        return Err(AppError::NotFound);
    }
    let reason = values.get("reason").cloned().unwrap_or_default();
    let result = service::change(
        &state.core,
        id,
        version_of(&values),
        &reason,
        &s.actor(),
        |snap| {
            let len = match list.as_str() {
                "policies" => snap.policies.len(),
                "inspections" => snap.inspections.len(),
                _ => snap.measures.len(),
            };
            if index >= len {
                return Err(FieldErrors::form(
                    "Такой строки в списке нет: обновите страницу",
                ));
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
    list_result(&s, state, id, &list, result).await
}

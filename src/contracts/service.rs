//! The use cases of «Договоры»: a contract and its events (each one transaction, with the
//! total recomputed, the register's figure updated and, when the limit is crossed, the
//! company told), the notice of an event as a letter of the exchange, the member's position,
//! and the staff's journal and list.

use chrono::{Datelike, Days, NaiveDate};

use super::model::{self, EventKind, Kind, Method, NOTICE_WORKING_DAYS, Position, WorkCalendar};
use super::store::{self, NewContract, NewEvent};
use crate::audit::{self, Actor, Event as AuditEvent};
use crate::core::Core;
use crate::db::{DbError, Tx};
use crate::fmt;
use crate::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for ContractError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ContractError::NotFound,
            other => ContractError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

use super::position::positions;
pub use super::position::{Overview, contract, overview};
pub use store::{ContractRow as Contract, EventRow as EventLine};

/// The contract form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ContractInput {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub signed_on: String,
    #[serde(default)]
    pub customer_name: String,
    #[serde(default)]
    pub customer_inn: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub procurement_id: String,
    #[serde(default)]
    pub work_from: String,
    #[serde(default)]
    pub work_to: String,
}

/// The largest price or sum taken, in kopecks (100 billion roubles): totals stay far from
/// overflow.
const MAX_AMOUNT: i64 = 100_000_000_000 * 100;

/// The event form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EventInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub event_date: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub new_work_to: String,
    #[serde(default)]
    pub grounds: String,
}

pub(super) fn date_field(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    required: bool,
) -> Option<NaiveDate> {
    match fmt::parse_date(value) {
        // «15.03.26» would be the year 26: four digits, this century
        Ok(Some(d)) if !(2000..=2100).contains(&d.year()) => {
            errors.add(field, "Укажите год четырьмя цифрами, например 15.03.2026");
            None
        }
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            if required {
                errors.add(field, "Укажите дату");
            }
            None
        }
        Err(m) => {
            errors.add(field, m);
            None
        }
    }
}

/// The production calendar around `from` (a year back, a year ahead): enough for any deadline.
pub async fn work_calendar(core: &Core, around: NaiveDate) -> Result<WorkCalendar, ContractError> {
    let rows = store::calendar(&core.db, around - Days::new(400), around + Days::new(400)).await?;
    Ok(WorkCalendar {
        exceptions: rows.into_iter().map(|(d, w, _)| (d, w)).collect(),
    })
}

async fn work_calendar_tx(tx: &mut Tx, around: NaiveDate) -> Result<WorkCalendar, ContractError> {
    let rows = store::calendar_tx(tx, around - Days::new(400), around + Days::new(400)).await?;
    Ok(WorkCalendar {
        exceptions: rows.into_iter().map(|(d, w, _)| (d, w)).collect(),
    })
}

/// A contract form that passed every check.
pub struct Valid {
    number: String,
    signed_on: NaiveDate,
    customer_name: String,
    customer_inn: String,
    subject: String,
    kind: Kind,
    price: i64,
    method: Method,
    procurement_id: String,
    work_from: Option<NaiveDate>,
    work_to: Option<NaiveDate>,
}

/// Checks a contract as typed (the form, or a row of an import).
pub fn check(core: &Core, input: &ContractInput) -> Result<Valid, FieldErrors> {
    let today = core.today();
    let mut e = FieldErrors::new();
    let number = input.number.trim();
    if number.is_empty() {
        e.add("number", "Укажите номер договора");
    }
    let signed_on = date_field(&mut e, "signed_on", &input.signed_on, true);
    if signed_on.is_some_and(|d| d > today) {
        e.add(
            "signed_on",
            "Дата заключения не может быть позже сегодняшней",
        );
    }
    let customer_name = input.customer_name.trim();
    if customer_name.is_empty() {
        e.add("customer_name", "Укажите заказчика");
    }
    let customer_inn = input.customer_inn.trim();
    if !model::inn_ok(customer_inn) {
        e.add(
            "customer_inn",
            "ИНН заказчика: 10 цифр (организация) или 12 (физическое лицо, ИП) с верными контрольными цифрами",
        );
    }
    let subject = input.subject.trim();
    if subject.is_empty() {
        e.add("subject", "Укажите предмет договора");
    }
    let allowed = Kind::of_sro(core.settings.sro.kind);
    let kind = Kind::from_code(&input.kind).filter(|k| allowed.contains(k));
    if kind.is_none() {
        e.add("kind", "Выберите вид договора");
    }
    let price = match fmt::parse_rubles(&input.price) {
        Ok(p) if p > MAX_AMOUNT => {
            e.add("price", "Цена больше 100 млрд рублей: проверьте число");
            None
        }
        Ok(p) if p > 0 => Some(p),
        Ok(_) => {
            e.add("price", "Цена договора должна быть больше нуля");
            None
        }
        Err(m) => {
            e.add("price", m);
            None
        }
    };
    let method = Method::from_code(&input.method);
    if method.is_none() {
        e.add("method", "Выберите способ заключения договора");
    }
    let procurement_id = input.procurement_id.trim();
    if method.is_some_and(Method::competitive) && procurement_id.is_empty() {
        e.add(
            "procurement_id",
            "Для договора, заключенного конкурентным способом, укажите реестровый номер закупки или ИКЗ",
        );
    }
    let work_from = date_field(&mut e, "work_from", &input.work_from, false);
    let work_to = date_field(&mut e, "work_to", &input.work_to, false);
    if let (Some(a), Some(b)) = (work_from, work_to)
        && b < a
    {
        e.add("work_to", "Окончание работ раньше их начала");
    }
    match (signed_on, kind, price, method) {
        (Some(signed_on), Some(kind), Some(price), Some(method)) if e.is_empty() => Ok(Valid {
            number: number.to_owned(),
            signed_on,
            customer_name: customer_name.to_owned(),
            customer_inn: customer_inn.to_owned(),
            subject: subject.to_owned(),
            kind,
            price,
            method,
            procurement_id: procurement_id.to_owned(),
            work_from,
            work_to,
        }),
        _ => Err(e),
    }
}

/// Adds a contract with its conclusion (the first event to notify), in one transaction.
pub async fn add_contract(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    input: &ContractInput,
) -> Result<i64, ContractError> {
    let valid = check(core, input).map_err(ContractError::Invalid)?;
    let mut tx = core.db.begin().await?;
    let before = position_tx(&mut tx, core, member_id).await?;
    let id = insert(&mut tx, actor, member_id, &valid).await?;
    after_change(&mut tx, core, actor, member_id, before).await?;
    tx.commit().await?;
    Ok(id)
}

/// Rows of an import that repeat a contract already recorded, or another row of the file (the
/// same number, date and customer): «Строка N: …».
pub async fn repeated(
    core: &Core,
    member_id: i64,
    rows: &[(usize, Valid)],
) -> Result<Vec<String>, ContractError> {
    let known: Vec<(String, NaiveDate, String)> = store::contracts_of(&core.db, member_id)
        .await?
        .into_iter()
        .map(|c| (c.number, c.signed_on, c.customer_inn))
        .collect();
    let mut seen: Vec<(String, NaiveDate, String)> = Vec::new();
    let mut out = Vec::new();
    for (line, v) in rows {
        let key = (v.number.clone(), v.signed_on, v.customer_inn.clone());
        if known.contains(&key) {
            out.push(format!(
                "Строка {line}: договор № {} от {} уже записан",
                v.number,
                fmt::date(&v.signed_on)
            ));
        } else if seen.contains(&key) {
            out.push(format!(
                "Строка {line}: договор № {} от {} повторяется в файле",
                v.number,
                fmt::date(&v.signed_on)
            ));
        }
        seen.push(key);
    }
    Ok(out)
}

/// Adds checked contracts in one transaction (an import: all or nothing); their ids.
pub async fn add_many(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    contracts: &[Valid],
) -> Result<Vec<i64>, ContractError> {
    let mut tx = core.db.begin().await?;
    let before = position_tx(&mut tx, core, member_id).await?;
    let mut ids = Vec::with_capacity(contracts.len());
    for v in contracts {
        ids.push(insert(&mut tx, actor, member_id, v).await?);
    }
    after_change(&mut tx, core, actor, member_id, before).await?;
    tx.commit().await?;
    Ok(ids)
}

async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    member_id: i64,
    v: &Valid,
) -> Result<i64, ContractError> {
    let id = store::insert_contract(
        tx,
        &NewContract {
            member_id,
            number: &v.number,
            signed_on: v.signed_on,
            customer_name: &v.customer_name,
            customer_inn: &v.customer_inn,
            subject: &v.subject,
            kind: v.kind.code(),
            price: v.price,
            method: v.method.code(),
            procurement_id: &v.procurement_id,
            work_from: v.work_from,
            work_to: v.work_to,
            created_by: actor.user_id,
        },
    )
    .await?;
    let cal = work_calendar_tx(tx, v.signed_on).await?;
    store::insert_event(
        tx,
        &NewEvent {
            contract_id: id,
            member_id,
            kind: EventKind::Concluded.code(),
            event_date: v.signed_on,
            amount: 0,
            new_work_to: None,
            grounds: "",
            due_on: cal.deadline(v.signed_on, NOTICE_WORKING_DAYS),
            created_by: actor.user_id,
        },
    )
    .await?;
    audit::record(
        tx,
        actor,
        AuditEvent::new(
            "contract.add",
            "contract",
            id,
            serde_json::json!({"number": v.number, "price": v.price, "method": v.method.code()}),
        ),
    )
    .await?;
    Ok(id)
}

/// Records an event of the member's contract, in one transaction.
pub async fn add_event(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    contract_id: i64,
    input: &EventInput,
) -> Result<i64, ContractError> {
    let contract = store::contract(&core.db, member_id, contract_id)
        .await?
        .ok_or(ContractError::NotFound)?;
    let events = store::events_of(&core.db, contract_id).await?;
    let today = core.today();
    let mut e = FieldErrors::new();
    let kind = EventKind::from_code(&input.kind).filter(|k| *k != EventKind::Concluded);
    if kind.is_none() {
        e.add("kind", "Выберите событие");
    }
    let date = date_field(&mut e, "event_date", &input.event_date, true);
    if let Some(d) = date {
        if d > today {
            e.add("event_date", "Дата события не может быть позже сегодняшней");
        }
        if d < contract.signed_on {
            e.add("event_date", "Дата события раньше заключения договора");
        }
    }
    let closed = events.iter().any(|x| {
        matches!(
            EventKind::from_code(&x.kind),
            Some(EventKind::Executed | EventKind::Terminated)
        )
    });
    if closed {
        e.add_form("Договор уже исполнен или расторгнут: новые события по нему не записываются");
    }
    let amount = if input.amount.trim().is_empty() {
        0
    } else {
        match fmt::parse_rubles(&input.amount) {
            Ok(a) if a > MAX_AMOUNT => {
                e.add("amount", "Сумма больше 100 млрд рублей: проверьте число");
                0
            }
            Ok(a) if a >= 0 => a,
            Ok(_) => {
                e.add("amount", "Сумма не может быть отрицательной");
                0
            }
            Err(m) => {
                e.add("amount", m);
                0
            }
        }
    };
    let new_work_to = date_field(&mut e, "new_work_to", &input.new_work_to, false);
    let grounds = input.grounds.trim();
    match kind {
        Some(EventKind::Addendum) if amount == 0 && new_work_to.is_none() => e.add(
            "amount",
            "Укажите новую цену договора или новый срок окончания работ",
        ),
        Some(EventKind::Act) if amount == 0 => e.add("amount", "Укажите сумму принятых работ"),
        Some(EventKind::Terminated) if grounds.is_empty() => {
            e.add("grounds", "Укажите основание расторжения")
        }
        _ => {}
    }
    let (Some(kind), Some(date)) = (kind, date) else {
        return Err(ContractError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(ContractError::Invalid(e));
    }
    let mut tx = core.db.begin().await?;
    // Read again inside the transaction: another tab may have closed the contract meanwhile.
    let closed_now = store::events_of_member_tx(&mut tx, member_id)
        .await?
        .iter()
        .filter(|x| x.contract_id == contract_id)
        .any(|x| {
            matches!(
                EventKind::from_code(&x.kind),
                Some(EventKind::Executed | EventKind::Terminated)
            )
        });
    if closed_now {
        return Err(ContractError::Invalid(FieldErrors::form(
            "Договор уже исполнен или расторгнут: новые события по нему не записываются",
        )));
    }
    let before = position_tx(&mut tx, core, member_id).await?;
    let cal = work_calendar_tx(&mut tx, date).await?;
    let id = store::insert_event(
        &mut tx,
        &NewEvent {
            contract_id,
            member_id,
            kind: kind.code(),
            event_date: date,
            amount,
            new_work_to,
            grounds,
            due_on: cal.deadline(date, NOTICE_WORKING_DAYS),
            created_by: actor.user_id,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new(
            "contract.event",
            "contract",
            contract_id,
            serde_json::json!({"event": kind.code(), "date": date, "amount": amount}),
        ),
    )
    .await?;
    after_change(&mut tx, core, actor, member_id, before).await?;
    tx.commit().await?;
    Ok(id)
}

async fn position_tx(tx: &mut Tx, core: &Core, member_id: i64) -> Result<i64, ContractError> {
    let contracts = store::contracts_of_tx(tx, member_id).await?;
    let events = store::events_of_member_tx(tx, member_id).await?;
    let list: Vec<Position> = positions(&contracts, &events)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    Ok(model::total_on(
        &list,
        core.today(),
        core.settings.contracts.count_direct,
    ))
}

/// After a change: the total as of today is kept (and published by the register), and a
/// member that crosses its limit is told, and its expert sees it in the list.
async fn after_change(
    tx: &mut Tx,
    core: &Core,
    actor: &Actor,
    member_id: i64,
    before: i64,
) -> Result<(), ContractError> {
    let today = core.today();
    let total = position_tx(tx, core, member_id).await?;
    store::upsert_total(tx, member_id, total, today).await?;
    let member = crate::register::service::member(&core.db, member_id)
        .await?
        .ok_or(ContractError::NotFound)?;
    if member.entry.odo_level.is_none() {
        return Ok(());
    }
    let reason = "Фактический совокупный размер обязательств по договорам (уведомления члена СРО)";
    match crate::register::service::change_in(tx, core, member_id, None, reason, actor, |s| {
        s.entry.odo_obligations = total;
        s.entry.odo_obligations_on = Some(today);
        Ok(())
    })
    .await
    {
        Ok(_) | Err(crate::register::service::RegisterError::NoChanges) => {}
        Err(crate::register::service::RegisterError::Invalid(why)) => {
            // The entry breaks a rule of its own (old data): the total is still kept here.
            tracing::warn!(member_id, %why, "the register's obligations were not updated");
        }
        Err(other) => return Err(ContractError::Unexpected(anyhow::Error::new(other))),
    }
    let kind = core.settings.sro.kind;
    let pct = core.settings.contracts.warn_percent;
    let was = model::standing(kind, member.entry.odo_level, before, pct, today);
    let now = model::standing(kind, member.entry.odo_level, total, pct, today);
    if now.over_limit && !was.over_limit {
        let advice = now
            .advice
            .as_ref()
            .map(|a| {
                format!(
                    " Нужен {} уровень ответственности; дополнительный взнос в КФ ОДО — {} ₽.",
                    a.level.ordinal,
                    fmt::group_digits(a.additional_rub)
                )
            })
            .unwrap_or_default();
        crate::notices::service::notify(
            tx,
            member_id,
            crate::notices::model::Area::Reports,
            None,
            Some("/kabinet/contracts"),
            &format!(
                "Фактический совокупный размер обязательств ({}) превысил предельный размер обязательств вашего уровня ответственности по КФ ОДО ({}).{advice}",
                fmt::rubles(total),
                now.limit.map(fmt::rubles).unwrap_or_default()
            ),
        )
        .await?;
    }
    Ok(())
}

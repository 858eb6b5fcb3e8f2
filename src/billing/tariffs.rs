//! «Взносы и тарифы»: the charge types of the SRO with their amounts (fixed or by liability
//! level), seeded from the config into an empty ledger; discounts and exemptions per member.

use chrono::NaiveDate;
use serde_json::json;

use super::BillingError;
use super::model::{ChargeKind, Kopecks, Periodicity, Tariff};
use super::store::{self, NewType, TypeRow};
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::register::levels::{self, Fund};
use crate::validation::FieldErrors;

/// A type with its level table.
#[derive(Debug, Clone)]
pub struct TypeWithLevels {
    pub row: TypeRow,
    pub levels: Vec<(i64, Kopecks)>,
}

impl TypeWithLevels {
    pub fn tariff(&self) -> Option<Tariff> {
        Some(Tariff {
            id: self.row.id,
            kind: ChargeKind::from_code(&self.row.kind)?,
            name: self.row.name.clone(),
            periodicity: Periodicity::from_code(&self.row.period)?,
            amount: self.row.amount,
            levels: self.levels.clone(),
            by_level: self.row.by_level,
            due_day: self.row.due_day.clamp(0, 365) as u32,
            accrue_from: self.row.accrue_from,
        })
    }
}

pub async fn list(core: &Core) -> Result<Vec<TypeWithLevels>, BillingError> {
    let types = store::types(&core.db).await?;
    let levels = store::levels(&core.db).await?;
    Ok(types
        .into_iter()
        .map(|row| TypeWithLevels {
            levels: levels
                .iter()
                .filter(|(t, _, _)| *t == row.id)
                .map(|(_, l, a)| (*l, *a))
                .collect(),
            row,
        })
        .collect())
}

/// The active tariffs, for accruals.
pub async fn tariffs(core: &Core) -> Result<Vec<Tariff>, BillingError> {
    Ok(list(core)
        .await?
        .iter()
        .filter(|t| t.row.active)
        .filter_map(TypeWithLevels::tariff)
        .collect())
}

/// Into an empty ledger: the SRO's types from its config, the compensation funds' tables of
/// `domain.md` §2 for its kind. A second call (another instance, a restart) adds nothing.
pub async fn seed(core: &Core) -> Result<(), BillingError> {
    if !store::types(&core.db).await?.is_empty() {
        return Ok(());
    }
    let b = &core.settings.billing;
    let kind = core.settings.sro.kind;
    let from = NaiveDate::parse_from_str(&b.accrue_from, "%Y-%m-%d").ok();
    let today = core.today();
    let fund = |f: Fund| -> Vec<(i64, Kopecks)> {
        levels::levels(kind, f, today)
            .iter()
            .map(|l| (l.number, l.min_contribution_rub * 100))
            .collect()
    };
    let dues_levels: Vec<(i64, Kopecks)> = b
        .dues_by_level
        .iter()
        .enumerate()
        .map(|(i, r)| (i as i64 + 1, r * 100))
        .collect();
    let once = i64::from(b.once_due_days);
    // (code, kind, periodicity, fixed amount, amounts by level, due day)
    type Seed<'a> = (&'a str, ChargeKind, &'a str, i64, Vec<(i64, Kopecks)>, i64);
    let seeds: Vec<Seed> = vec![
        (
            "entrance",
            ChargeKind::Entrance,
            "once",
            b.entrance_fee * 100,
            vec![],
            once,
        ),
        (
            "membership",
            ChargeKind::Membership,
            &b.dues_period,
            b.dues_amount * 100,
            dues_levels,
            i64::from(b.dues_due_day),
        ),
        ("kf_vv", ChargeKind::KfVv, "once", 0, fund(Fund::Vv), once),
        (
            "kf_odo",
            ChargeKind::KfOdo,
            "once",
            0,
            fund(Fund::Odo),
            once,
        ),
        ("target", ChargeKind::Target, "once", 0, vec![], once),
    ];
    let mut tx = core.db.begin().await?;
    for (code, k, period, amount, levels, due) in seeds {
        let by_level = !levels.is_empty();
        // Target contributions are decided one by one: charged by hand, never accrued.
        let auto = k != ChargeKind::Target && (amount > 0 || by_level);
        let id = store::insert_type(
            &mut tx,
            &NewType {
                code,
                kind: k.code(),
                name: k.label(),
                period,
                amount,
                by_level,
                due_day: due,
                accrue_from: if auto { from } else { None },
                active: k == ChargeKind::Target || auto,
            },
        )
        .await;
        let id = match id {
            Ok(id) => id,
            // Another instance seeded first.
            Err(crate::db::DbError::Conflict { .. }) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        store::set_levels(&mut tx, id, &levels).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The form of a type.
#[derive(Debug, Clone, Default)]
pub struct TypeInput {
    pub name: String,
    pub kind: String,
    pub period: String,
    pub amount: String,
    pub levels: Vec<String>,
    pub due_day: String,
    pub accrue_from: String,
    pub active: bool,
}

struct Checked {
    kind: ChargeKind,
    period: Periodicity,
    amount: Kopecks,
    levels: Vec<(i64, Kopecks)>,
    due_day: i64,
    accrue_from: Option<NaiveDate>,
}

fn check(t: &TypeInput) -> Result<Checked, BillingError> {
    let mut e = FieldErrors::new();
    if t.name.trim().is_empty() {
        e.add("name", "Укажите название взноса");
    }
    let kind = ChargeKind::from_code(&t.kind);
    if kind.is_none() {
        e.add("kind", "Выберите вид взноса");
    }
    let period = Periodicity::from_code(&t.period);
    if period.is_none() {
        e.add("period", "Выберите периодичность");
    }
    let amount = crate::fmt::parse_rubles(&t.amount).unwrap_or_else(|m| {
        e.add("amount", m);
        0
    });
    let mut levels = Vec::new();
    for (i, s) in t.levels.iter().enumerate() {
        match crate::fmt::parse_rubles(s) {
            Ok(0) => {}
            Ok(a) => levels.push((i as i64 + 1, a)),
            Err(m) => e.add("levels", m),
        }
    }
    let due_day: i64 = t.due_day.trim().parse().unwrap_or(-1);
    if !(0..=365).contains(&due_day) {
        e.add(
            "due_day",
            "Укажите число от 1 до 28 (или дней на оплату для разового взноса)",
        );
    }
    let accrue_from = match crate::fmt::parse_date(&t.accrue_from) {
        Ok(d) => d,
        Err(m) => {
            e.add("accrue_from", m);
            None
        }
    };
    if amount == 0 && levels.is_empty() && kind.is_some_and(|k| k != ChargeKind::Target) {
        e.add("amount", "Укажите сумму или суммы по уровням");
    }
    e.into_result().map_err(BillingError::Invalid)?;
    Ok(Checked {
        kind: kind.unwrap_or(ChargeKind::Other),
        period: period.unwrap_or(Periodicity::Once),
        amount,
        levels,
        due_day,
        accrue_from,
    })
}

/// Add (`id` None) or change a type. A change applies to charges made after it.
pub async fn save(
    core: &Core,
    actor: &Actor,
    id: Option<i64>,
    t: &TypeInput,
) -> Result<i64, BillingError> {
    let c = check(t)?;
    let code = format!(
        "{}-{}",
        c.kind.code(),
        crate::tokens::random_token().get(..8).unwrap_or("x")
    );
    let row = NewType {
        code: &code,
        kind: c.kind.code(),
        name: t.name.trim(),
        period: c.period.code(),
        amount: c.amount,
        by_level: !c.levels.is_empty(),
        due_day: c.due_day,
        accrue_from: c.accrue_from,
        active: t.active,
    };
    let mut tx = core.db.begin().await?;
    let id = match id {
        Some(id) => {
            if store::update_type(&mut tx, id, &row).await? == 0 {
                return Err(BillingError::NotFound);
            }
            id
        }
        None => store::insert_type(&mut tx, &row).await?,
    };
    store::set_levels(&mut tx, id, &c.levels).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "billing.tariff",
            "charge_type",
            id,
            json!({"name": t.name.trim(), "amount": c.amount, "levels": c.levels, "period": c.period.code()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn exemptions(
    core: &Core,
    member_id: i64,
) -> Result<Vec<store::ExemptionRow>, BillingError> {
    Ok(store::exemptions_of(&core.db, member_id).await?)
}

/// A discount (1–99 %) or an exemption (100 %) of one type for a member, from a date, with
/// its grounds (the decision of the council…).
#[allow(clippy::too_many_arguments)]
pub async fn add_exemption(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    type_id: i64,
    percent: &str,
    from: &str,
    to: &str,
    grounds: &str,
) -> Result<(), BillingError> {
    let mut e = FieldErrors::new();
    let percent: i64 = percent
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse()
        .unwrap_or(0);
    if !(1..=100).contains(&percent) {
        e.add(
            "percent",
            "Укажите скидку от 1 до 100 % (100 % — освобождение)",
        );
    }
    let from = match crate::fmt::parse_date(from) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            e.add("valid_from", "Укажите, с какой даты");
            None
        }
        Err(m) => {
            e.add("valid_from", m);
            None
        }
    };
    let to = crate::fmt::parse_date(to).unwrap_or_else(|m| {
        e.add("valid_to", m);
        None
    });
    if grounds.trim().chars().count() < 3 {
        e.add("grounds", "Укажите основание (решение, протокол)");
    }
    if store::type_by_id(&core.db, type_id).await?.is_none() {
        e.add("charge_type", "Выберите взнос");
    }
    e.into_result().map_err(BillingError::Invalid)?;
    let from = from.unwrap_or(NaiveDate::MIN);
    let mut tx = core.db.begin().await?;
    store::insert_exemption(
        &mut tx,
        member_id,
        type_id,
        percent,
        from,
        to,
        grounds.trim(),
        &actor.label,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "billing.exemption",
            "member",
            member_id,
            json!({"charge_type": type_id, "percent": percent, "grounds": grounds.trim()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

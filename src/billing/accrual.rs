//! Accruals: the charges the tariffs make, once per member, type and period (the unique
//! `accrual_key` makes a second run insert nothing). The periodic job catches up every period
//! since `accrue_from` that no automatic run has done, re-checks the current one, and charges
//! one-off contributions (entrance fee, the funds up to the member's level). The accountant
//! runs a period by hand after a preview.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde_json::json;

use super::ledger::settle_in;
use super::ledger_store as ls;
use super::model::{ChargeKind, Exemption, MemberTerms};
use super::model::{
    Kopecks, Period, Periodicity, Planned, Tariff, periods_between, plan_entrance, plan_fund,
    plan_periodic,
};
use super::{BillingError, store, tariffs};
use crate::audit::{self, Actor, Event};
use crate::core::Core;

/// What a run did (or would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub period: String,
    pub charges: i64,
    pub total: Kopecks,
}

/// The charges of `period` not made yet, for every active type of its periodicity.
async fn plan_period(
    core: &Core,
    tariffs: &[Tariff],
    (members, ex): (&[MemberTerms], &[Exemption]),
    period: &Period,
    by_hand: bool,
) -> Result<Vec<Planned>, BillingError> {
    let mut out = Vec::new();
    for t in tariffs
        .iter()
        .filter(|t| t.periodicity == period.kind && (by_hand || t.accrue_from.is_some()))
    {
        if !by_hand && t.accrue_from.is_some_and(|f| period.end() < f) {
            continue;
        }
        let done: HashSet<String> = store::keys_of_period(&core.db, t.id, &period.code())
            .await?
            .into_iter()
            .collect();
        out.extend(
            members
                .iter()
                .filter_map(|m| plan_periodic(t, period, m, ex))
                .filter(|p| !done.contains(&p.key)),
        );
    }
    Ok(out)
}

/// One-off charges due today: entrance fees of new members, fund contributions up to their
/// levels; and the settled fund levels to keep with them.
type Settled = Vec<(i64, i64, i64)>;

async fn plan_once_all(
    core: &Core,
    tariffs: &[Tariff],
) -> Result<(Vec<Planned>, Settled), BillingError> {
    let members = store::member_terms(&core.db).await?;
    let ex = store::exemptions(&core.db).await?;
    let levels: HashMap<(i64, i64), i64> = store::fund_levels(&core.db)
        .await?
        .into_iter()
        .map(|(m, t, l)| ((m, t), l))
        .collect();
    let today = core.today();
    let mut out = Vec::new();
    let mut settled = Vec::new();
    for t in tariffs
        .iter()
        .filter(|t| t.periodicity == Periodicity::Once && t.accrue_from.is_some())
    {
        if t.kind.follows_level() {
            for m in &members {
                let (p, keep) = plan_fund(t, m, levels.get(&(m.id, t.id)).copied(), today, &ex);
                out.extend(p);
                if let Some(l) = keep {
                    settled.push((m.id, t.id, l));
                }
            }
        } else if t.kind == ChargeKind::Entrance {
            let charged: HashMap<i64, i64> = store::charged_by_member(&core.db, t.id)
                .await?
                .into_iter()
                .collect();
            out.extend(members.iter().filter_map(|m| {
                plan_entrance(t, m, charged.get(&m.id).copied().unwrap_or(0), today, &ex)
            }));
        }
    }
    Ok((out, settled))
}

/// Write planned charges as one run (one transaction), then let unspent money of those
/// members pay them.
async fn write(
    core: &Core,
    label: &str,
    by_hand: bool,
    actor: &Actor,
    planned: &[Planned],
    settled: &[(i64, i64, i64)],
    record_empty: bool,
) -> Result<Outcome, BillingError> {
    if planned.is_empty() && settled.is_empty() && !record_empty {
        return Ok(Outcome {
            period: label.to_string(),
            ..Outcome::default()
        });
    }
    let started = core.db.now();
    let mut tx = core.db.begin().await?;
    let run = store::insert_run(&mut tx, label, by_hand, &actor.label, started).await?;
    let inserted = ls::insert_planned(&mut tx, planned, run, core.today(), &actor.label).await?;
    store::set_fund_levels(&mut tx, settled).await?;
    let total: Kopecks = inserted.iter().map(|r| r.1).sum();
    let members: HashSet<i64> = inserted.iter().map(|r| r.0).collect();
    let with_credit = ls::members_with_credit(&mut tx).await?;
    for m in members.iter().filter(|m| with_credit.contains(m)) {
        settle_in(&mut tx, *m, &actor.label).await?;
    }
    store::finish_run(&mut tx, run, inserted.len() as i64, total).await?;
    if by_hand {
        audit::record(
            &mut tx,
            actor,
            Event::new(
                "billing.accrual",
                "accrual_run",
                run,
                json!({"period": label, "charges": inserted.len(), "total": total}),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Outcome {
        period: label.to_string(),
        charges: inserted.len() as i64,
        total,
    })
}

/// The periodic job: every period since `accrue_from` not done by an automatic run, the
/// current one again (members admitted since), and the one-off contributions.
pub async fn run_due(core: &Core) -> Result<Vec<Outcome>, BillingError> {
    let tariffs = tariffs::tariffs(core).await?;
    let done: HashSet<String> = store::periods_run(&core.db).await?.into_iter().collect();
    let today = core.today();
    let system = Actor::system("system");
    let mut out = Vec::new();
    let mut kinds: Vec<(Periodicity, NaiveDate)> = Vec::new();
    for t in &tariffs {
        if let (Some(from), true) = (t.accrue_from, t.periodicity != Periodicity::Once) {
            match kinds.iter_mut().find(|k| k.0 == t.periodicity) {
                Some(k) => k.1 = k.1.min(from),
                None => kinds.push((t.periodicity, from)),
            }
        }
    }
    // Loaded once for every period a catch-up goes through.
    let members = store::member_terms(&core.db).await?;
    let ex = store::exemptions(&core.db).await?;
    for (kind, from) in kinds {
        let Some(current) = Period::containing(kind, today) else {
            continue;
        };
        for p in periods_between(kind, from, today) {
            let first_time = !done.contains(&p.code());
            if !first_time && p != current {
                continue;
            }
            let planned = plan_period(core, &tariffs, (&members, &ex), &p, false).await?;
            out.push(write(core, &p.code(), false, &system, &planned, &[], first_time).await?);
        }
    }
    let (once, settled) = plan_once_all(core, &tariffs).await?;
    out.push(
        write(
            core,
            "разовые взносы",
            false,
            &system,
            &once,
            &settled,
            false,
        )
        .await?,
    );
    Ok(out)
}

/// What a run by hand for `period` would charge: (charges, members' names are not needed).
pub async fn preview(core: &Core, period: &str) -> Result<(Period, Vec<Planned>), BillingError> {
    let p = Period::parse(period)
        .ok_or_else(|| BillingError::form("period", "Период в виде 2026-Q1, 2026-03 или 2026"))?;
    let tariffs = tariffs::tariffs(core).await?;
    if !tariffs.iter().any(|t| t.periodicity == p.kind) {
        return Err(BillingError::form(
            "period",
            "Нет действующих взносов с такой периодичностью",
        ));
    }
    let members = store::member_terms(&core.db).await?;
    let ex = store::exemptions(&core.db).await?;
    let planned = plan_period(core, &tariffs, (&members, &ex), &p, true).await?;
    Ok((p, planned))
}

/// The accountant's run of one period, after the preview.
pub async fn run_by_hand(
    core: &Core,
    actor: &Actor,
    period: &str,
) -> Result<Outcome, BillingError> {
    let (p, planned) = preview(core, period).await?;
    write(core, &p.code(), true, actor, &planned, &[], true).await
}

pub async fn runs(core: &Core) -> Result<Vec<store::RunRow>, BillingError> {
    Ok(store::runs(&core.db, 100).await?)
}

//! Where a member stands: the open amount of each contract and the total on a date, against
//! its КФ ОДО level (the page, the notice and the statement read these).

use chrono::NaiveDate;

use super::model::{self, Event, EventKind, Kind, Method, Position, Standing};
use super::service::ContractError;
use super::store::{self, ContractRow, EventRow};
use crate::core::Core;

pub(super) fn positions(contracts: &[ContractRow], events: &[EventRow]) -> Vec<(Position, i64)> {
    contracts
        .iter()
        .map(|c| {
            (
                Position {
                    signed_on: c.signed_on,
                    price: c.price,
                    method: Method::from_code(&c.method).unwrap_or(Method::Direct),
                    events: events
                        .iter()
                        .filter(|e| e.contract_id == c.id)
                        .filter_map(|e| {
                            Some(Event {
                                kind: EventKind::from_code(&e.kind)?,
                                date: e.event_date,
                                amount: e.amount,
                            })
                        })
                        .collect(),
                },
                c.id,
            )
        })
        .collect()
}

/// The member's standing against its КФ ОДО level on `on`.
async fn standing_of(
    core: &Core,
    member_id: i64,
    total: i64,
    on: NaiveDate,
) -> Result<Standing, ContractError> {
    let member = crate::register::service::member(&core.db, member_id)
        .await?
        .ok_or(ContractError::NotFound)?;
    Ok(model::standing(
        core.settings.sro.kind,
        member.entry.odo_level,
        total,
        core.settings.contracts.warn_percent,
        on,
    ))
}

/// The member's contracts page: every contract with its open amount, the events with their
/// notices, and the standing on `on`.
pub struct Overview {
    pub contracts: Vec<(ContractRow, i64)>,
    pub events: Vec<EventRow>,
    pub total: i64,
    pub on: NaiveDate,
    pub standing: Standing,
    pub count_direct: bool,
    pub kinds: Vec<Kind>,
}

pub async fn overview(
    core: &Core,
    member_id: i64,
    on: Option<NaiveDate>,
) -> Result<Overview, ContractError> {
    let on = on.unwrap_or_else(|| core.today());
    let contracts = store::contracts_of(&core.db, member_id).await?;
    let events = store::events_of_member(&core.db, member_id).await?;
    let count_direct = core.settings.contracts.count_direct;
    let list = positions(&contracts, &events);
    let total = model::total_on(
        &list.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
        on,
        count_direct,
    );
    let open: Vec<(ContractRow, i64)> = contracts
        .into_iter()
        .map(|c| {
            let open = list
                .iter()
                .find(|(_, id)| *id == c.id)
                .map(|(p, _)| p.open_on(on))
                .unwrap_or(0);
            (c, open)
        })
        .collect();
    Ok(Overview {
        standing: standing_of(core, member_id, total, on).await?,
        contracts: open,
        events,
        total,
        on,
        count_direct,
        kinds: Kind::of_sro(core.settings.sro.kind),
    })
}

/// One contract of the member with its events.
pub async fn contract(
    core: &Core,
    member_id: i64,
    id: i64,
) -> Result<(ContractRow, Vec<EventRow>, i64), ContractError> {
    let c = store::contract(&core.db, member_id, id)
        .await?
        .ok_or(ContractError::NotFound)?;
    let events = store::events_of(&core.db, id).await?;
    let list = positions(std::slice::from_ref(&c), &events);
    let open = list
        .first()
        .map(|(p, _)| p.open_on(core.today()))
        .unwrap_or(0);
    Ok((c, events, open))
}

//! «Уведомление о … договора»: the PDF an event's notice carries (`documents/contract_notice.typ`).
//! Every value is display-ready Russian text.

use serde::Serialize;

use super::model::{EventKind, Kind, Method};
use super::service::{self, ContractError};
use super::store::{self, ContractRow, EventRow};
use crate::audit::Actor;
use crate::core::Core;
use crate::documents::Template;
use crate::fmt;

#[derive(Debug, Clone, Serialize)]
pub struct NoticeDoc {
    pub sro_name: String,
    pub sro_full_name: String,
    pub title: String,
    pub member: String,
    /// (label, value) of the member, the contract and the event.
    pub member_rows: Vec<(String, String)>,
    pub contract_rows: Vec<(String, String)>,
    pub event_rows: Vec<(String, String)>,
    /// Every event so far, one line each.
    pub history: Vec<String>,
    pub date: String,
    pub head: String,
    #[serde(rename = "pdf_date")]
    pub created_at: String,
}

fn event_line(e: &EventRow) -> String {
    let kind = EventKind::from_code(&e.kind).unwrap_or(EventKind::Concluded);
    let mut s = format!("{} — {}", fmt::date(&e.event_date), kind.label());
    match kind {
        EventKind::Addendum if e.amount > 0 => {
            s.push_str(&format!(", новая цена {}", fmt::rubles(e.amount)))
        }
        EventKind::Act => s.push_str(&format!(", принято работ на {}", fmt::rubles(e.amount))),
        _ => {}
    }
    if let Some(d) = e.new_work_to {
        s.push_str(&format!(", новый срок окончания работ {}", fmt::date(&d)));
    }
    if !e.grounds.is_empty() {
        s.push_str(&format!(", основание: {}", e.grounds));
    }
    s
}

pub async fn render(
    core: &Core,
    member: &crate::register::model::Entry,
    c: &ContractRow,
    events: &[EventRow],
    event: &EventRow,
    open: i64,
) -> Result<(Vec<u8>, String), ContractError> {
    let kind = EventKind::from_code(&event.kind).unwrap_or(EventKind::Concluded);
    let now = core.now();
    let method = Method::from_code(&c.method).unwrap_or(Method::Direct);
    let mut contract_rows = vec![
        (
            "Номер и дата".to_owned(),
            format!("№ {} от {}", c.number, fmt::date(&c.signed_on)),
        ),
        (
            "Заказчик".to_owned(),
            format!("{} (ИНН {})", c.customer_name, c.customer_inn),
        ),
        ("Предмет".to_owned(), c.subject.clone()),
        (
            "Вид".to_owned(),
            Kind::from_code(&c.kind)
                .map(Kind::label)
                .unwrap_or("")
                .to_owned(),
        ),
        ("Цена".to_owned(), fmt::rubles(c.price)),
        ("Способ заключения".to_owned(), method.label().to_owned()),
    ];
    if !c.procurement_id.is_empty() {
        contract_rows.push((
            "Реестровый номер закупки (ИКЗ)".to_owned(),
            c.procurement_id.clone(),
        ));
    }
    if c.work_from.is_some() || c.work_to.is_some() {
        contract_rows.push((
            "Сроки выполнения работ".to_owned(),
            format!(
                "{} — {}",
                fmt::opt_date(&c.work_from),
                fmt::opt_date(&c.work_to)
            ),
        ));
    }
    contract_rows.push(("Неисполненные обязательства".to_owned(), fmt::rubles(open)));
    let doc = NoticeDoc {
        sro_name: core.settings.sro.short_name.clone(),
        sro_full_name: core.settings.sro.name.clone(),
        title: format!("Уведомление {}", kind.about()),
        member: member.full_name.clone(),
        member_rows: vec![
            ("Член СРО".to_owned(), member.full_name.clone()),
            ("ИНН".to_owned(), member.inn.clone()),
            ("ОГРН / ОГРНИП".to_owned(), member.ogrn.clone()),
            (
                "Регистрационный номер".to_owned(),
                member.register_number.clone().unwrap_or_default(),
            ),
        ],
        contract_rows,
        event_rows: vec![
            ("Событие".to_owned(), event_line(event)),
            (
                "Срок уведомления".to_owned(),
                format!(
                    "{} (три рабочих дня, ч. 4 ст. 55.8 ГрК РФ)",
                    fmt::date(&event.due_on)
                ),
            ),
        ],
        history: events.iter().map(event_line).collect(),
        date: fmt::date(&crate::clock::moscow_date(now)),
        head: format!("{}, {}", member.head_name, member.head_position),
        created_at: now.to_rfc3339(),
    };
    let docs = core.documents.clone();
    let pdf = tokio::task::spawn_blocking(move || docs.render(Template::ContractNotice, &doc))
        .await
        .map_err(anyhow::Error::new)?
        .map_err(|e| anyhow::Error::new(e).context("rendering a contract notice"))?;
    Ok((
        pdf,
        format!(
            "Уведомление {} № {}.pdf",
            kind.about(),
            c.number.replace(['/', '\\'], "-")
        ),
    ))
}

/// The notice of an event: its letter in the exchange, made once with the generated PDF
/// («Уведомление о … договора») as its first file; the member adds the supporting documents
/// with their signatures and sends it like any letter.
pub async fn notice(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    event_id: i64,
) -> Result<i64, ContractError> {
    let event = store::event(&core.db, member_id, event_id)
        .await?
        .ok_or(ContractError::NotFound)?;
    if let Some(item) = event.notice_item_id {
        return Ok(item);
    }
    let (contract, events, open) = service::contract(core, member_id, event.contract_id).await?;
    let member = crate::register::service::member(&core.db, member_id)
        .await?
        .ok_or(ContractError::NotFound)?;
    let kind = EventKind::from_code(&event.kind).unwrap_or(EventKind::Concluded);
    let (pdf, name) = render(core, &member.entry, &contract, &events, &event, open).await?;
    let staged = core
        .storage
        .put_small(pdf.into())
        .await
        .map_err(|e| e.context("storing a contract notice"))?;
    let subject = format!(
        "Уведомление {} № {} от {}",
        kind.about(),
        contract.number,
        fmt::date(&contract.signed_on)
    );
    let saved = crate::exchange::service::save_draft(
        core,
        actor,
        member_id,
        crate::exchange::service::Target::NewLetter,
        crate::exchange::service::DraftInput {
            subject: subject.clone(),
            body: format!(
                "{subject}. Событие: {} {}. Срок уведомления — {} (три рабочих дня). Подтверждающие документы приложены.",
                kind.label().to_lowercase(),
                fmt::date(&event.event_date),
                fmt::date(&event.due_on)
            ),
            files: vec![(
                "file_1".into(),
                crate::files::Upload {
                    staged,
                    name,
                    media_type: "application/pdf".into(),
                    lease: None,
                },
            )],
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ContractError::Unexpected(anyhow::anyhow!("creating a notice draft: {e}")))?;
    // Two clicks at once: the first link stands, the other draft stays a plain draft.
    if store::set_notice(&core.db, member_id, event_id, saved.item_id).await? == 0
        && let Some(e) = store::event(&core.db, member_id, event_id).await?
        && let Some(item) = e.notice_item_id
    {
        return Ok(item);
    }
    Ok(saved.item_id)
}

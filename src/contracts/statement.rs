//! «Сведения о фактическом совокупном размере обязательств» for the annual report's section on
//! competitive contracts: the counted contracts open on a date, each with its price, accepted
//! work and what is left, and the total against the level; a PDF and an XLSX, attached with
//! one click to the member's draft of that section.

use chrono::NaiveDate;
use serde::Serialize;

use super::model::Method;
use super::service::{self, ContractError};
use crate::audit::Actor;
use crate::core::Core;
use crate::documents::Template;
use crate::fmt;

#[derive(Debug, Clone, Serialize)]
pub struct StatementDoc {
    pub sro_name: String,
    pub sro_full_name: String,
    pub member: String,
    pub inn: String,
    pub on: String,
    pub level: String,
    pub limit: String,
    pub total: String,
    pub share: String,
    /// [№, договор, заказчик, способ, цена, принято, остаток]
    pub rows: Vec<Vec<String>>,
    pub note: String,
    #[serde(rename = "pdf_date")]
    pub created_at: String,
}

/// One counted contract open on the date: (number, signed, customer, method, price, accepted,
/// open) in kopecks where money.
struct Line {
    number: String,
    signed_on: NaiveDate,
    customer: String,
    method: &'static str,
    price: i64,
    accepted: i64,
    open: i64,
}

async fn lines(
    core: &Core,
    member_id: i64,
    on: NaiveDate,
) -> Result<(Vec<Line>, service::Overview), ContractError> {
    let o = service::overview(core, member_id, Some(on)).await?;
    let mut out = Vec::new();
    for (c, open) in &o.contracts {
        let method = Method::from_code(&c.method).unwrap_or(Method::Direct);
        if *open == 0 || !(method.competitive() || o.count_direct) {
            continue;
        }
        let Some((p, _)) = super::position::positions(std::slice::from_ref(c), &o.events)
            .into_iter()
            .next()
        else {
            continue;
        };
        out.push(Line {
            number: c.number.clone(),
            signed_on: c.signed_on,
            customer: format!("{} (ИНН {})", c.customer_name, c.customer_inn),
            method: method.label(),
            price: p.price_on(on),
            accepted: p.accepted_on(on),
            open: *open,
        });
    }
    Ok((out, o))
}

async fn doc(
    core: &Core,
    member_id: i64,
    on: NaiveDate,
) -> Result<(StatementDoc, Vec<Line>), ContractError> {
    let member = crate::register::service::member(&core.db, member_id)
        .await?
        .ok_or(ContractError::NotFound)?;
    let (lines, o) = lines(core, member_id, on).await?;
    let s = &o.standing;
    let doc = StatementDoc {
        sro_name: core.settings.sro.short_name.clone(),
        sro_full_name: core.settings.sro.name.clone(),
        member: member.entry.full_name.clone(),
        inn: member.entry.inn.clone(),
        on: fmt::date(&on),
        level: s
            .level
            .as_ref()
            .map(|l| format!("{} уровень", l.ordinal))
            .unwrap_or_else(|| "нет".into()),
        limit: match (&s.level, s.limit) {
            (_, Some(l)) => fmt::rubles(l),
            (Some(l), None) => l.limit_text(),
            _ => "—".into(),
        },
        total: fmt::rubles(s.total),
        share: s
            .share
            .map(|p| format!("{p} %"))
            .unwrap_or_else(|| "—".into()),
        rows: lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    (i + 1).to_string(),
                    format!("№ {} от {}", l.number, fmt::date(&l.signed_on)),
                    l.customer.clone(),
                    l.method.to_owned(),
                    fmt::rubles(l.price),
                    fmt::rubles(l.accepted),
                    fmt::rubles(l.open),
                ]
            })
            .collect(),
        note: format!(
            "Учтены договоры, заключенные с использованием конкурентных способов{}, не исполненные и не расторгнутые на {}: цена с учетом дополнительных соглашений за вычетом принятых работ.",
            if o.count_direct {
                ", и договоры без конкурентных процедур (правила СРО)"
            } else {
                ""
            },
            fmt::date(&on)
        ),
        created_at: core.now().to_rfc3339(),
    };
    Ok((doc, lines))
}

fn xlsx(doc: &StatementDoc, lines: &[Line]) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Обязательства")?;
    let bold = Format::new().set_bold().set_text_wrap();
    let money = Format::new().set_num_format("#,##0.00");
    let day = Format::new().set_num_format("dd.mm.yyyy");
    sheet.write_string_with_format(
        0,
        0,
        format!("Фактический совокупный размер обязательств на {}", doc.on),
        &bold,
    )?;
    sheet.write_string(1, 0, format!("{} (ИНН {})", doc.member, doc.inn))?;
    let headers = [
        "№",
        "Договор",
        "Дата договора",
        "Заказчик",
        "Способ заключения",
        "Цена, руб.",
        "Принято работ, руб.",
        "Обязательства, руб.",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(3, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, if c == 3 { 40 } else { 18 })?;
    }
    let rub = |k: i64| k as f64 / 100.0;
    for (i, l) in lines.iter().enumerate() {
        let r = i as u32 + 4;
        sheet.write_number(r, 0, (i + 1) as f64)?;
        sheet.write_string(r, 1, &l.number)?;
        let d = crate::xlsxout::date(l.signed_on)?;
        sheet.write_datetime_with_format(r, 2, d, &day)?;
        sheet.write_string(r, 3, &l.customer)?;
        sheet.write_string(r, 4, l.method)?;
        sheet.write_number_with_format(r, 5, rub(l.price), &money)?;
        sheet.write_number_with_format(r, 6, rub(l.accepted), &money)?;
        sheet.write_number_with_format(r, 7, rub(l.open), &money)?;
    }
    let r = lines.len() as u32 + 4;
    sheet.write_string_with_format(r, 4, "Итого", &bold)?;
    sheet.write_number_with_format(r, 7, rub(lines.iter().map(|l| l.open).sum()), &money)?;
    Ok(book.save_to_buffer()?)
}

/// Makes the statement on `on` and attaches its PDF and XLSX to the member's draft of the
/// report section on competitive contracts (made when there is none); that section's id.
pub async fn attach(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    on: NaiveDate,
) -> Result<i64, ContractError> {
    let campaign = crate::reports::service::latest_campaign(&core.db)
        .await?
        .ok_or_else(no_section)?;
    let section = crate::reports::service::sections(&core.db, campaign.id)
        .await?
        .into_iter()
        .find(|s| {
            !s.retired
                && (s.title.to_lowercase().contains("конкурентн") || s.description.contains("ОДО"))
        })
        .ok_or_else(no_section)?;
    let (doc, lines) = doc(core, member_id, on).await?;
    let book = xlsx(&doc, &lines).map_err(ContractError::Unexpected)?;
    let docs = core.documents.clone();
    let pdf = tokio::task::spawn_blocking(move || docs.render(Template::OdoStatement, &doc))
        .await
        .map_err(anyhow::Error::new)?
        .map_err(|e| anyhow::Error::new(e).context("rendering the obligations statement"))?;
    let stamp = on.format("%d.%m.%Y");
    let mut files = Vec::new();
    for (i, (bytes, name, media)) in [
        (
            pdf,
            format!("Обязательства на {stamp}.pdf"),
            "application/pdf",
        ),
        (
            book,
            format!("Обязательства на {stamp}.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let staged = core
            .storage
            .put_small(bytes.into())
            .await
            .map_err(|e| e.context("storing the obligations statement"))?;
        files.push((
            format!("file_{}", i + 1),
            crate::files::Upload {
                staged,
                name,
                media_type: media.into(),
                lease: None,
            },
        ));
    }
    // The draft keeps what the member typed in it.
    let draft = crate::exchange::service::section_draft(core, member_id, section.id)
        .await
        .map_err(|e| ContractError::Unexpected(anyhow::anyhow!("{e}")))?;
    crate::exchange::service::save_draft(
        core,
        actor,
        member_id,
        crate::exchange::service::Target::Section(section.id),
        crate::exchange::service::DraftInput {
            body: draft.as_ref().map(|d| d.body.clone()).unwrap_or_default(),
            document_date: draft.as_ref().and_then(|d| d.document_date),
            files,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ContractError::Unexpected(anyhow::anyhow!("attaching the statement: {e}")))?;
    Ok(section.id)
}

fn no_section() -> ContractError {
    ContractError::Invalid(crate::validation::FieldErrors::one(
        "on",
        "В отчете этого года нет раздела о договорах, заключенных конкурентными способами: приложите справку к письму в СРО",
    ))
}

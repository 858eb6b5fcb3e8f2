//! The papers of the money side: «Счет на оплату» with the payment QR code, «Акт сверки» (PDF
//! and XLSX), and the debtors list as XLSX with typed numbers and dates.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;
use serde_json::json;

use super::ledger::{self, Ledger};
use super::ledger_store as ls;
use super::model::Kopecks;
use super::qr::{self, PaymentOrder};
use super::{BillingError, DebtorRow, INVOICE_PREFIX};
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::documents::Template;
use crate::fmt::{date, rubles};

/// Amounts on papers: «15 000,00» (no sign of the currency: the column says it).
fn money(k: Kopecks) -> String {
    let s = crate::fmt::group_digits((k / 100).abs());
    let sign = if k < 0 { "-" } else { "" };
    format!("{sign}{s},{:02}", (k % 100).abs())
}

/// Does the configuration hold what a bank needs to take a payment?
pub fn payable(core: &Core) -> bool {
    let s = &core.settings.sro;
    [&s.inn, &s.bank_name, &s.bic, &s.account, &s.corr_account]
        .iter()
        .all(|v| !v.trim().is_empty())
}

#[derive(Debug, Clone, Serialize)]
pub struct InvoiceLine {
    pub description: String,
    pub amount: String,
}

/// Data of `documents/invoice.typ`.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceDoc {
    pub sro_name: String,
    pub number: String,
    pub date: String,
    pub payee_name: String,
    pub payee_inn: String,
    pub payee_kpp: String,
    pub bank_name: String,
    pub bic: String,
    pub account: String,
    pub corr_account: String,
    pub payee_line: String,
    pub payer_line: String,
    pub lines: Vec<InvoiceLine>,
    pub total: String,
    pub total_words: String,
    pub purpose: String,
    pub qr_svg: String,
    /// The QR code's text, for tests and the page.
    pub qr_payload: String,
    pub accountant: String,
    pub pdf_date: String,
}

/// Make an invoice for one charge (`Some`) or the whole debt of a member; returns its id.
pub async fn create_invoice(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    charge: Option<i64>,
) -> Result<i64, BillingError> {
    if !payable(core) {
        return Err(BillingError::Conflict(
            "Реквизиты СРО для оплаты еще не заданы. Обратитесь в бухгалтерию СРО.".into(),
        ));
    }
    let l = ledger::ledger(core, member_id).await?;
    let lines: Vec<(i64, Kopecks, String)> = l
        .open()
        .filter(|c| charge.is_none_or(|id| c.id == id))
        .map(|c| (c.id, c.open(), c.description.clone()))
        .collect();
    if lines.is_empty() {
        return Err(match charge {
            Some(_) => BillingError::NotFound,
            None => BillingError::Conflict("Задолженности нет: счет не нужен".into()),
        });
    }
    let total: Kopecks = lines.iter().map(|l| l.1).sum();
    let today = core.today();
    let mut tx = core.db.begin().await?;
    let seq = crate::numbering::next_seq(&mut tx, "invoice", today.year()).await?;
    let number = format!("{INVOICE_PREFIX}{seq}/{:02}", today.year() % 100);
    let what = if lines.len() == 1 {
        lines[0].2.clone()
    } else {
        "Взносы члена СРО".to_string()
    };
    let purpose = format!(
        "Оплата по счету {number} от {}. {what}. ИНН {}. Без НДС",
        date(&today),
        l.inn
    );
    let rows: Vec<(i64, Kopecks)> = lines.iter().map(|l| (l.0, l.1)).collect();
    let id = ls::insert_invoice(
        &mut tx,
        &number,
        member_id,
        total,
        &purpose,
        &actor.label,
        &rows,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "billing.invoice",
            "member",
            member_id,
            json!({"invoice": number, "total": total}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The invoice of a member (another company's is not found) as document data.
pub async fn invoice_doc(core: &Core, member_id: i64, id: i64) -> Result<InvoiceDoc, BillingError> {
    let inv = ls::invoice(&core.db, id)
        .await?
        .filter(|i| i.member_id == member_id)
        .ok_or(BillingError::NotFound)?;
    let lines = ls::invoice_lines(&core.db, id).await?;
    let l = ledger::ledger(core, member_id).await?;
    let s = &core.settings.sro;
    let order = PaymentOrder {
        name: &s.name,
        personal_acc: &s.account,
        bank_name: &s.bank_name,
        bic: &s.bic,
        corresp_acc: &s.corr_account,
        payee_inn: &s.inn,
        kpp: &s.kpp,
        sum: inv.amount,
        purpose: &inv.purpose,
        payer_inn: &l.inn,
    };
    let payload = qr::payload(&order);
    let made = crate::clock::moscow_date(inv.created_at);
    Ok(InvoiceDoc {
        sro_name: s.short_name.clone(),
        number: inv.number.clone(),
        date: date(&made),
        payee_name: s.name.clone(),
        payee_inn: s.inn.clone(),
        payee_kpp: s.kpp.clone(),
        bank_name: s.bank_name.clone(),
        bic: s.bic.clone(),
        account: s.account.clone(),
        corr_account: s.corr_account.clone(),
        payee_line: format!("{}, ИНН {}, КПП {}, {}", s.name, s.inn, s.kpp, s.address),
        payer_line: format!("{}, ИНН {}", l.full_name, l.inn),
        lines: lines
            .into_iter()
            .map(|(description, amount)| InvoiceLine {
                description,
                amount: money(amount),
            })
            .collect(),
        total: money(inv.amount),
        total_words: words(inv.amount),
        purpose: inv.purpose.clone(),
        qr_svg: qr::svg(&payload)?,
        qr_payload: payload,
        accountant: core.settings.billing.accountant_name.clone(),
        pdf_date: inv.created_at.to_rfc3339(),
    })
}

pub async fn invoice_pdf(
    core: &Core,
    member_id: i64,
    id: i64,
) -> Result<(String, Vec<u8>), BillingError> {
    let doc = invoice_doc(core, member_id, id).await?;
    let name = format!("Счет {}.pdf", doc.number.replace('/', "-"));
    let documents = core.documents.clone();
    let pdf = tokio::task::spawn_blocking(move || documents.render(Template::Invoice, &doc))
        .await
        .map_err(|e| BillingError::Unexpected(e.into()))?
        .map_err(|e| BillingError::Unexpected(e.into()))?;
    Ok((name, pdf))
}

#[derive(Debug, Clone, Serialize)]
pub struct ActRow {
    pub date: String,
    #[serde(skip)]
    pub on: NaiveDate,
    pub document: String,
    pub debit: String,
    pub credit: String,
    #[serde(skip)]
    pub debit_k: Kopecks,
    #[serde(skip)]
    pub credit_k: Kopecks,
}

/// Data of `documents/act.typ`: the SRO's side filled in, the member's left for it.
#[derive(Debug, Clone, Serialize)]
pub struct ActDoc {
    pub sro_name: String,
    pub sro_full_name: String,
    pub member_name: String,
    pub member_full_name: String,
    pub member_inn: String,
    pub period: String,
    pub opening_debit: String,
    pub opening_credit: String,
    pub rows: Vec<ActRow>,
    pub turnover_debit: String,
    pub turnover_credit: String,
    pub closing_debit: String,
    pub closing_credit: String,
    pub summary: String,
    pub accountant: String,
    #[serde(skip)]
    pub opening: Kopecks,
    #[serde(skip)]
    pub closing: Kopecks,
}

fn split(k: Kopecks) -> (String, String) {
    if k > 0 {
        (money(k), String::new())
    } else if k < 0 {
        (String::new(), money(-k))
    } else {
        (String::new(), String::new())
    }
}

/// The act for `from..=to`: opening balance, every charge (debit) and payment (credit),
/// closing balance.
pub async fn act(
    core: &Core,
    member_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ActDoc, BillingError> {
    let l: Ledger = ledger::ledger(core, member_id).await?;
    let mut opening = 0;
    let mut rows = Vec::new();
    for c in &l.charges {
        if c.charged_on < from {
            opening += c.amount;
        } else if c.charged_on <= to {
            rows.push(ActRow {
                date: date(&c.charged_on),
                on: c.charged_on,
                document: format!("Начисление: {}", c.description),
                debit: money(c.amount),
                credit: String::new(),
                debit_k: c.amount,
                credit_k: 0,
            });
        }
    }
    for p in &l.payments {
        if p.paid_on < from {
            opening -= p.amount;
        } else if p.paid_on <= to {
            let doc = if p.doc_number.is_empty() {
                "Оплата".to_string()
            } else {
                format!("Оплата (п/п № {})", p.doc_number)
            };
            rows.push(ActRow {
                date: date(&p.paid_on),
                on: p.paid_on,
                document: if p.reverses_id.is_some() {
                    format!("Сторно: {doc}")
                } else {
                    doc
                },
                debit: String::new(),
                credit: money(p.amount),
                debit_k: 0,
                credit_k: p.amount,
            });
        }
    }
    rows.sort_by_key(|r| r.on);
    let debit: Kopecks = rows.iter().map(|r| r.debit_k).sum();
    let credit: Kopecks = rows.iter().map(|r| r.credit_k).sum();
    let closing = opening + debit - credit;
    let s = &core.settings.sro;
    let (od, oc) = split(opening);
    let (cd, cc) = split(closing);
    let summary = match closing {
        0 => format!("На {} задолженность отсутствует.", date(&to)),
        k if k > 0 => format!(
            "На {} задолженность {} перед {} составляет {} ({}).",
            date(&to),
            l.short_name,
            s.short_name,
            rubles(k),
            words(k)
        ),
        k => format!(
            "На {} переплата {} составляет {} ({}).",
            date(&to),
            l.short_name,
            rubles(-k),
            words(-k)
        ),
    };
    Ok(ActDoc {
        sro_name: s.short_name.clone(),
        sro_full_name: s.name.clone(),
        member_name: l.short_name.clone(),
        member_full_name: l.full_name.clone(),
        member_inn: l.inn.clone(),
        period: format!("{} – {}", date(&from), date(&to)),
        opening_debit: od,
        opening_credit: oc,
        rows,
        turnover_debit: money(debit),
        turnover_credit: money(credit),
        closing_debit: cd,
        closing_credit: cc,
        summary,
        accountant: core.settings.billing.accountant_name.clone(),
        opening,
        closing,
    })
}

pub async fn act_pdf(core: &Core, doc: ActDoc) -> Result<Vec<u8>, BillingError> {
    let documents = core.documents.clone();
    tokio::task::spawn_blocking(move || documents.render(Template::Act, &doc))
        .await
        .map_err(|e| BillingError::Unexpected(e.into()))?
        .map_err(|e| BillingError::Unexpected(e.into()))
}

/// The act as a workbook: dates as dates, sums as numbers (roubles with kopecks).
pub fn act_xlsx(doc: &ActDoc) -> anyhow::Result<Vec<u8>> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Акт сверки")?;
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("#,##0.00");
    let day = Format::new().set_num_format("dd.mm.yyyy");
    sheet.write_string_with_format(
        0,
        0,
        "Акт сверки взаимных расчетов за период: ".to_string() + &doc.period,
        &bold,
    )?;
    sheet.write_string(
        1,
        0,
        format!(
            "между {} и {} (ИНН {})",
            doc.sro_full_name, doc.member_full_name, doc.member_inn
        ),
    )?;
    for (c, h) in ["Дата", "Документ", "Дебет, руб.", "Кредит, руб."]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(3, c as u16, *h, &bold)?;
    }
    sheet.set_column_width(0, 12)?;
    sheet.set_column_width(1, 60)?;
    sheet.set_column_width(2, 16)?;
    sheet.set_column_width(3, 16)?;
    let rub = |k: Kopecks| k as f64 / 100.0;
    sheet.write_string(4, 1, "Сальдо начальное")?;
    if doc.opening > 0 {
        sheet.write_number_with_format(4, 2, rub(doc.opening), &num)?;
    } else if doc.opening < 0 {
        sheet.write_number_with_format(4, 3, rub(-doc.opening), &num)?;
    }
    let mut r = 5u32;
    for row in &doc.rows {
        sheet.write_datetime_with_format(r, 0, crate::xlsxout::date(row.on)?, &day)?;
        sheet.write_string(r, 1, &row.document)?;
        if row.debit_k != 0 {
            sheet.write_number_with_format(r, 2, rub(row.debit_k), &num)?;
        }
        if row.credit_k != 0 {
            sheet.write_number_with_format(r, 3, rub(row.credit_k), &num)?;
        }
        r += 1;
    }
    sheet.write_string_with_format(r, 1, "Сальдо конечное", &bold)?;
    if doc.closing > 0 {
        sheet.write_number_with_format(r, 2, rub(doc.closing), &num)?;
    } else if doc.closing < 0 {
        sheet.write_number_with_format(r, 3, rub(-doc.closing), &num)?;
    }
    sheet.write_string(r + 2, 0, &doc.summary)?;
    Ok(book.save_to_buffer()?)
}

/// The debtors list as a workbook: sums as numbers, the oldest due date as a date.
pub fn debtors_xlsx(rows: &[DebtorRow], today: NaiveDate) -> anyhow::Result<Vec<u8>> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Должники")?;
    let bold = Format::new().set_bold().set_text_wrap();
    let num = Format::new().set_num_format("#,##0.00");
    let day = Format::new().set_num_format("dd.mm.yyyy");
    let heads = [
        "Член СРО",
        "ИНН",
        "Задолженность, руб.",
        "Из нее просрочено, руб.",
        "Самый ранний срок",
        "Дней просрочки",
    ];
    for (c, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, if c == 0 { 40 } else { 18 })?;
    }
    for (i, d) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &d.short_name)?;
        sheet.write_string(r, 1, &d.inn)?;
        sheet.write_number_with_format(r, 2, d.debt as f64 / 100.0, &num)?;
        sheet.write_number_with_format(r, 3, d.overdue as f64 / 100.0, &num)?;
        sheet.write_datetime_with_format(r, 4, crate::xlsxout::date(d.oldest_due)?, &day)?;
        sheet.write_number(r, 5, (today - d.oldest_due).num_days().max(0) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(book.save_to_buffer()?)
}

/// «Пятнадцать тысяч рублей 00 копеек»: the sum in words, as invoices and acts print it.
pub fn words(k: Kopecks) -> String {
    let rub = (k / 100).abs();
    let kop = (k % 100).abs();
    let mut parts: Vec<String> = Vec::new();
    const SCALES: [(i64, [&str; 3], bool); 4] = [
        (
            1_000_000_000,
            ["миллиард", "миллиарда", "миллиардов"],
            false,
        ),
        (1_000_000, ["миллион", "миллиона", "миллионов"], false),
        (1_000, ["тысяча", "тысячи", "тысяч"], true),
        (1, ["рубль", "рубля", "рублей"], false),
    ];
    let mut rest = rub;
    for (scale, forms, feminine) in SCALES {
        let n = rest / scale;
        rest %= scale;
        if n == 0 && scale != 1 {
            continue;
        }
        if n == 0 {
            if rub == 0 {
                parts.push("ноль".into());
            }
        } else {
            parts.push(triple(n, feminine));
        }
        parts.push(plural(n, forms).to_string());
    }
    let mut s = parts.join(" ");
    if let Some(first) = s.chars().next() {
        s = first.to_uppercase().collect::<String>() + &s[first.len_utf8()..];
    }
    format!(
        "{s} {kop:02} {}",
        plural(kop, ["копейка", "копейки", "копеек"])
    )
}

fn plural(n: i64, forms: [&'static str; 3]) -> &'static str {
    let (n10, n100) = (n % 10, n % 100);
    if (11..=14).contains(&n100) {
        forms[2]
    } else if n10 == 1 {
        forms[0]
    } else if (2..=4).contains(&n10) {
        forms[1]
    } else {
        forms[2]
    }
}

fn triple(n: i64, feminine: bool) -> String {
    const H: [&str; 10] = [
        "",
        "сто",
        "двести",
        "триста",
        "четыреста",
        "пятьсот",
        "шестьсот",
        "семьсот",
        "восемьсот",
        "девятьсот",
    ];
    const T: [&str; 10] = [
        "",
        "",
        "двадцать",
        "тридцать",
        "сорок",
        "пятьдесят",
        "шестьдесят",
        "семьдесят",
        "восемьдесят",
        "девяносто",
    ];
    const U: [&str; 20] = [
        "",
        "один",
        "два",
        "три",
        "четыре",
        "пять",
        "шесть",
        "семь",
        "восемь",
        "девять",
        "десять",
        "одиннадцать",
        "двенадцать",
        "тринадцать",
        "четырнадцать",
        "пятнадцать",
        "шестнадцать",
        "семнадцать",
        "восемнадцать",
        "девятнадцать",
    ];
    let mut w: Vec<&str> = vec![H[(n / 100) as usize % 10]];
    let r = n % 100;
    if r < 20 {
        w.push(match (r, feminine) {
            (1, true) => "одна",
            (2, true) => "две",
            _ => U[r as usize],
        });
    } else {
        w.push(T[(r / 10) as usize]);
        w.push(match (r % 10, feminine) {
            (1, true) => "одна",
            (2, true) => "две",
            (u, _) => U[u as usize],
        });
    }
    w.into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn invoices_of(core: &Core, member_id: i64) -> Result<Vec<ls::InvoiceRow>, BillingError> {
    Ok(ls::invoices_of(&core.db, member_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_in_words() {
        assert_eq!(words(15_000_00), "Пятнадцать тысяч рублей 00 копеек");
        assert_eq!(
            words(2_521_01),
            "Две тысячи пятьсот двадцать один рубль 01 копейка"
        );
        assert_eq!(words(1_000_000_00), "Один миллион рублей 00 копеек");
        assert_eq!(words(42), "Ноль рублей 42 копейки");
        assert_eq!(words(111_000_00), "Сто одиннадцать тысяч рублей 00 копеек");
        assert_eq!(money(1_500_000_50), "1\u{a0}500\u{a0}000,50");
    }
}

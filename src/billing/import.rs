//! A bank statement into the ledger: streamed a line at a time, documents written in batches
//! inside one transaction, so a statement of 100,000 payments takes the memory of a batch and
//! a file with any unreadable line writes nothing.
//!
//! Incoming documents (to the SRO's account, with «ДатаПоступило») are payments; each is
//! matched to a member by the payer's INN (a bad check digit or an unknown INN lands in
//! «Неразнесенные») and spread over its debts as its purpose says. A payment already recorded
//! (number, date, sum, payer's INN and account) is counted as a duplicate and skipped, also
//! when two uploads of it run at once (the unique key decides).

use std::collections::HashMap;

use serde_json::json;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use super::ledger_store::{self as ls, NewPayment};
use super::model::{Kopecks, OpenCharge, allocate, read_purpose};
use super::statement::{Document, Parser, Problem};
use super::{BillingError, INVOICE_PREFIX, store};
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::db::Tx;
use crate::files::Upload;
use crate::requisites::Inn;

/// Documents written per batch.
const BATCH: usize = 500;

/// What an import found and did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub statement_id: Option<i64>,
    pub file_name: String,
    pub encoding: String,
    pub version: String,
    /// Documents read.
    pub documents: i64,
    /// Of them, incoming payments to the SRO's account.
    pub payments: i64,
    /// Not incoming (the SRO's own payments, other accounts).
    pub other: i64,
    /// New payments matched to a member.
    pub matched: i64,
    /// New payments nobody was matched to («Неразнесенные»).
    pub unmatched: i64,
    /// Payments recorded before (this or another statement).
    pub duplicates: i64,
    /// The sum of the new payments and what of it went to debts.
    pub total: Kopecks,
    pub allocated: Kopecks,
    pub problems: Vec<Problem>,
    pub problems_total: usize,
    /// Whether anything was written (not a dry run, no problems).
    pub written: bool,
}

impl Report {
    /// The lines of the report, as the command line prints them and the page shows them.
    pub fn lines(&self) -> Vec<String> {
        let r = crate::fmt::rubles;
        let mut out = vec![
            format!(
                "Файл: {} ({}, версия {})",
                self.file_name, self.encoding, self.version
            ),
            format!("Документов в выписке: {}", self.documents),
            format!("Поступлений на счет СРО: {}", self.payments),
            format!("Других документов (списания, чужие счета): {}", self.other),
            format!("Разнесено по членам СРО: {}", self.matched),
            format!("Неразнесенные: {}", self.unmatched),
            format!("Повторы (уже загружены): {}", self.duplicates),
            format!(
                "Сумма новых поступлений: {}, из нее отнесено на долги: {}",
                r(self.total),
                r(self.allocated)
            ),
        ];
        for p in &self.problems {
            out.push(format!("Строка {}: {}", p.line, p.message));
        }
        if self.problems_total > self.problems.len() {
            out.push(format!(
                "…и еще ошибок: {}",
                self.problems_total - self.problems.len()
            ));
        }
        out
    }
}

struct Batch<'a> {
    actor: &'a Actor,
    statement_id: i64,
    ours: Vec<String>,
    by_inn: HashMap<String, i64>,
    open: HashMap<i64, Vec<OpenCharge>>,
    report: Report,
}

impl Batch<'_> {
    async fn write(&mut self, tx: &mut Tx, docs: &[Document]) -> Result<(), BillingError> {
        let mut rows = Vec::with_capacity(docs.len());
        let mut members = Vec::with_capacity(docs.len());
        for d in docs {
            let ours = self.ours.is_empty() || self.ours.contains(&d.payee_account);
            let Some(credited) = d.credited_on.filter(|_| ours && d.amount > 0) else {
                self.report.other += 1;
                continue;
            };
            self.report.payments += 1;
            let member = Inn::parse(&d.payer_inn)
                .ok()
                .and_then(|inn| self.by_inn.get(inn.as_str()).copied());
            members.push(member);
            rows.push(NewPayment {
                member_id: member,
                amount: d.amount,
                paid_on: credited,
                source: "bank",
                doc_number: &d.number,
                doc_date: d.date,
                payer_name: &d.payer,
                payer_inn: &d.payer_inn,
                payer_account: &d.payer_account,
                purpose: &d.purpose,
                statement_id: Some(self.statement_id),
                dedup_key: Some(d.dedup_key()),
                reverses_id: None,
                reason: "",
                created_by: &self.actor.label,
            });
        }
        let inserted = ls::insert_payments(tx, &rows).await?;
        self.report.duplicates += (rows.len() - inserted.len()) as i64;
        let need: Vec<i64> = inserted
            .iter()
            .filter_map(|(_, pos)| members[*pos])
            .filter(|m| !self.open.contains_key(m))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for m in &need {
            self.open.insert(*m, Vec::new());
        }
        for (m, c) in ls::open_charges(tx, &need).await? {
            self.open.entry(m).or_default().push(c);
        }
        let mut allocations = Vec::new();
        for (id, pos) in &inserted {
            let row = &rows[*pos];
            self.report.total += row.amount;
            let Some(m) = members[*pos] else {
                self.report.unmatched += 1;
                continue;
            };
            self.report.matched += 1;
            let hints = read_purpose(row.purpose, INVOICE_PREFIX);
            let invoice = ls::invoice_charges(tx, m, &hints.invoices).await?;
            let open = self.open.entry(m).or_default();
            for (charge, amount) in allocate(open, row.amount, &hints, &invoice) {
                self.report.allocated += amount;
                allocations.push((m, *id, charge, amount));
            }
        }
        ls::insert_allocations(tx, &allocations, "", &self.actor.label).await?;
        Ok(())
    }
}

/// Read `input` (a statement) and record its payments; `dry_run` reads and matches, and
/// writes nothing. `upload` is the file as stored by the web form (kept with the statement);
/// `progress` hears the number of documents read every 10,000.
pub async fn import<R: AsyncBufRead + Unpin>(
    core: &Core,
    actor: &Actor,
    file_name: &str,
    upload: Option<&Upload>,
    mut input: R,
    dry_run: bool,
    progress: &(dyn Fn(i64) + Sync),
) -> Result<Report, BillingError> {
    let sro = &core.settings.sro;
    let mut tx = core.db.begin().await?;
    let file_id = match upload {
        Some(u) if !dry_run => Some(
            crate::files::record(&mut tx, &core.storage, u, None, actor.user_id)
                .await
                .map_err(BillingError::Unexpected)?,
        ),
        _ => None,
    };
    let mut row = store::StatementRow {
        id: 0,
        file_id,
        file_name: file_name.to_string(),
        encoding: String::new(),
        version: String::new(),
        account: sro.account.clone(),
        date_from: None,
        date_to: None,
        documents: 0,
        payments: 0,
        matched: 0,
        allocated: 0,
        unmatched: 0,
        duplicates: 0,
        total: 0,
        problems: String::new(),
        uploaded_by: actor.label.clone(),
        uploaded_at: core.db.now(),
    };
    row.id = store::insert_statement(&mut tx, &row).await?;
    let mut batch = Batch {
        actor,
        statement_id: row.id,
        ours: if sro.account.is_empty() {
            Vec::new()
        } else {
            vec![sro.account.clone()]
        },
        by_inn: store::members_by_inn(&core.db).await?.into_iter().collect(),
        open: HashMap::new(),
        report: Report {
            file_name: file_name.to_string(),
            ..Report::default()
        },
    };
    let mut parser = Parser::new();
    let mut docs = Vec::with_capacity(BATCH);
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| BillingError::Unexpected(e.into()))?;
        if n == 0 {
            break;
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if let Some(d) = parser.feed(text) {
            batch.report.documents += 1;
            if batch.report.documents % 10_000 == 0 {
                progress(batch.report.documents);
            }
            docs.push(d);
        }
        if parser.fatal() {
            break;
        }
        // Once a line is wrong nothing will be written: read on only to list the problems.
        if docs.len() >= BATCH && parser.problems_total == 0 {
            batch.write(&mut tx, &docs).await?;
            docs.clear();
        }
    }
    parser.finish();
    let mut report = batch.report;
    report.encoding = parser.encoding().label().to_string();
    report.version = parser.header.version.clone();
    report.problems_total = parser.problems_total;
    report.problems = parser.problems.clone();
    if report.problems_total > 0 {
        // The transaction is dropped: nothing of the file is kept.
        return Ok(report);
    }
    let mut batch = Batch { report, ..batch };
    batch.write(&mut tx, &docs).await?;
    let mut report = batch.report;
    row.encoding = report.encoding.clone();
    row.version = report.version.clone();
    row.date_from = parser.header.date_from;
    row.date_to = parser.header.date_to;
    row.documents = report.documents;
    row.payments = report.payments;
    row.matched = report.matched;
    row.unmatched = report.unmatched;
    row.duplicates = report.duplicates;
    row.total = report.total;
    row.allocated = report.allocated;
    row.problems = String::new();
    store::finish_statement(&mut tx, &row).await?;
    report.statement_id = Some(row.id);
    if dry_run {
        report.statement_id = None;
        return Ok(report);
    }
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "billing.statement",
            "bank_statement",
            row.id,
            json!({"file": file_name, "payments": report.payments, "matched": report.matched,
                   "unmatched": report.unmatched, "duplicates": report.duplicates, "total": report.total}),
        ),
    )
    .await?;
    tx.commit().await?;
    report.written = true;
    Ok(report)
}

pub async fn statements(core: &Core) -> Result<Vec<store::StatementRow>, BillingError> {
    Ok(store::statements(&core.db, 200).await?)
}

pub async fn statement(core: &Core, id: i64) -> Result<store::StatementRow, BillingError> {
    store::statement(&core.db, id)
        .await?
        .ok_or(BillingError::NotFound)
}

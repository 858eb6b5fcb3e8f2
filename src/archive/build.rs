//! What goes into a company's archive, in order, produced one entry at a time while the ZIP
//! is written into storage: a file is streamed from storage, a generated paper (a receipt, an
//! invoice, the act) is made when its turn comes. The index and the README close the archive.

use std::collections::HashSet;

use anyhow::Context;
use bytes::Bytes;
use chrono::{Datelike, NaiveDate};
use tokio::sync::mpsc::Sender;

use crate::auth::MemberRole;
use crate::core::Core;
use crate::exchange::journal::ItemFilter;
use crate::fmt;
use crate::storage::zip::Part;

pub const SENT: &str = "1 Отправлено в СРО";
pub const RECEIVED: &str = "2 Документы от СРО";
pub const EXTRACTS: &str = "3 Выписки из реестра";
pub const MONEY: &str = "4 Счета и акты";

/// The archive's table of contents, a line per file (written last as `index.csv`).
struct Index {
    lines: Vec<String>,
    names: HashSet<String>,
}

impl Index {
    fn new() -> Index {
        Index {
            lines: vec![crate::csvout::line(&[
                "Раздел",
                "Файл в архиве",
                "Документ",
                "Номер",
                "Дата",
                "Состояние",
            ])],
            names: HashSet::new(),
        }
    }

    /// A path unique within the archive (a second «Письмо.pdf» becomes «Письмо (2).pdf»).
    fn path(&mut self, folder: &str, name: &str) -> String {
        // «Квитанция ИСХ-0001/26.pdf»: a slash is not a folder here
        let name = crate::storage::clean_file_name(&name.replace(['/', '\\'], "-"));
        let mut candidate = format!("{folder}/{name}");
        let mut n = 1;
        while !self.names.insert(candidate.clone()) {
            n += 1;
            candidate = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{folder}/{stem} ({n}).{ext}"),
                None => format!("{folder}/{name} ({n})"),
            };
        }
        candidate
    }

    fn add(&mut self, cells: [&str; 6]) {
        self.lines.push(crate::csvout::line(&cells));
    }
}

/// A folder's name from a number and a subject: no slashes, not too long for Windows.
fn folder(parent: &str, number: &str, subject: &str) -> String {
    let subject: String = subject.chars().take(60).collect();
    let name = crate::storage::clean_file_name(&format!("{number} {subject}").replace('/', "-"));
    format!("{parent}/{}", name.trim())
}

struct Out<'a> {
    tx: &'a Sender<Result<Part, std::io::Error>>,
    count: i64,
}

impl Out<'_> {
    async fn send(&mut self, part: Part) -> anyhow::Result<()> {
        self.count += 1;
        self.tx
            .send(Ok(part))
            .await
            .map_err(|_| anyhow::anyhow!("the archive's writer stopped"))
    }
}

/// Produce every entry of the member's archive into `tx`; the number of entries.
pub async fn produce(
    core: &Core,
    member_id: i64,
    tx: &Sender<Result<Part, std::io::Error>>,
) -> anyhow::Result<i64> {
    let member = crate::register::service::member(&core.db, member_id)
        .await?
        .context("the member is gone")?;
    let mut idx = Index::new();
    let mut out = Out { tx, count: 0 };

    // 1. What the company sent, oldest first, each with its receipt.
    let filter = ItemFilter {
        member_id: Some(member_id),
        kind: None,
        status: None,
        expert_id: None,
        year: None,
    };
    let listing = crate::exchange::journal::list(core, &filter, 1_000_000, 0)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for row in listing.rows.iter().rev() {
        let item = &row.item;
        let number = item
            .outgoing
            .clone()
            .unwrap_or_else(|| format!("№ {}", item.id));
        let dir = folder(SENT, &number, &item.subject);
        let sent = item.sent_at.as_ref().map(fmt::datetime).unwrap_or_default();
        let status = item.status().label();
        let incoming = item.incoming_number.clone().unwrap_or_default();
        let title = if incoming.is_empty() {
            item.subject.clone()
        } else {
            format!("{} (вх. № {incoming})", item.subject)
        };
        let entries = crate::exchange::journal::zip_entries(core, item)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for e in entries {
            let path = idx.path(&dir, &e.name);
            idx.add(["Отправлено в СРО", &path, &title, &number, &sent, status]);
            out.send(Part::Stored {
                name: path,
                key: e.key,
            })
            .await?;
        }
        let (pdf, name) = crate::exchange::receipt::render(core, item)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let path = idx.path(&dir, &name);
        idx.add([
            "Отправлено в СРО",
            &path,
            "Квитанция о получении",
            &number,
            &sent,
            status,
        ]);
        out.send(Part::Inline {
            name: path,
            bytes: Bytes::from(pdf),
        })
        .await?;
    }

    // 2. What the SRO sent: the text of each message and its files.
    let inbox = crate::messages::service::inbox(core, member_id, MemberRole::Head)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for m in inbox.iter().rev() {
        let number = m.number.clone().unwrap_or_default();
        let dir = folder(RECEIVED, &number, &m.subject);
        let date = m.sent_at.as_ref().map(fmt::datetime).unwrap_or_default();
        let state = if m.acked_at.is_some() {
            "ознакомлен"
        } else if m.opened_at.is_some() {
            "прочитано"
        } else {
            "не открыт"
        };
        let mut text = format!(
            "{}\r\nИсх. № {number} от {date}\r\n\r\n{}\r\n",
            m.subject,
            m.body.replace("\r\n", "\n").replace('\n', "\r\n")
        );
        if let (Some(at), Some(who)) = (&m.acked_at, &m.acked_by_name) {
            text.push_str(&format!("\r\nОзнакомлен: {who}, {}\r\n", fmt::datetime(at)));
        }
        let path = idx.path(&dir, "Текст сообщения.txt");
        idx.add(["Документы от СРО", &path, &m.subject, &number, &date, state]);
        out.send(Part::Inline {
            name: path,
            bytes: Bytes::from(text),
        })
        .await?;
        let files = crate::messages::service::files(core, m.message_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for f in files {
            let path = idx.path(&dir, &f.original_name);
            idx.add(["Документы от СРО", &path, &m.subject, &number, &date, state]);
            out.send(Part::Stored {
                name: path,
                key: f.storage_key,
            })
            .await?;
        }
    }

    // 3. Extracts from the register issued to or about the company.
    let (extracts, _) =
        crate::register::extract::journal(&core.db, Some(member_id), 100_000, 0).await?;
    for x in extracts.iter().rev() {
        let date = fmt::datetime(&x.issued_at);
        let path = idx.path(EXTRACTS, &format!("Выписка {}.pdf", x.number));
        idx.add([
            "Выписки из реестра",
            &path,
            "Выписка из реестра членов СРО",
            &x.number,
            &date,
            "",
        ]);
        out.send(Part::Stored {
            name: path,
            key: x.storage_key.clone(),
        })
        .await?;
    }

    // 4. Invoices, and the reconciliation act since admission.
    let bad = |e: crate::billing::BillingError| anyhow::anyhow!("{e}");
    for inv in crate::billing::papers::invoices_of(core, member_id)
        .await
        .map_err(bad)?
    {
        let (name, pdf) = crate::billing::papers::invoice_pdf(core, member_id, inv.id)
            .await
            .map_err(bad)?;
        let path = idx.path(MONEY, &name);
        let date = fmt::datetime(&inv.created_at);
        idx.add([
            "Счета и акты",
            &path,
            "Счет на оплату",
            &inv.number,
            &date,
            "",
        ]);
        out.send(Part::Inline {
            name: path,
            bytes: Bytes::from(pdf),
        })
        .await?;
    }
    let today = core.today();
    let from = member
        .entry
        .admitted_on
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year() - 3, 1, 1).unwrap_or(today));
    let doc = crate::billing::papers::act(core, member_id, from, today)
        .await
        .map_err(bad)?;
    let pdf = crate::billing::papers::act_pdf(core, doc)
        .await
        .map_err(bad)?;
    let name = format!("Акт сверки {}–{}.pdf", fmt::date(&from), fmt::date(&today));
    let path = idx.path(MONEY, &name);
    idx.add([
        "Счета и акты",
        &path,
        "Акт сверки взаиморасчетов",
        "",
        &fmt::date(&today),
        "",
    ]);
    out.send(Part::Inline {
        name: path,
        bytes: Bytes::from(pdf),
    })
    .await?;

    // The index (UTF-8 with BOM and semicolons: Excel opens it as it is) and the README.
    let mut csv = String::from("\u{feff}");
    csv.push_str(&idx.lines.join(""));
    out.send(Part::Inline {
        name: "index.csv".into(),
        bytes: Bytes::from(csv),
    })
    .await?;
    let readme = readme(
        core,
        &member.entry.short_name,
        &member.entry.inn,
        idx.lines.len() - 1,
    );
    out.send(Part::Inline {
        name: "README.txt".into(),
        bytes: Bytes::from(readme),
    })
    .await?;
    Ok(out.count)
}

fn readme(core: &Core, name: &str, inn: &str, files: usize) -> String {
    let s = &core.settings.sro;
    [
        format!("Архив организации {name} (ИНН {inn})"),
        format!("Личный кабинет члена {}", s.short_name),
        format!("Сформирован {}", fmt::datetime(&core.db.now())),
        String::new(),
        format!("В архиве {files} файлов:"),
        format!("  {SENT} — все, что организация отправила в СРО: файлы, их электронные подписи (.sig, .p7s) и квитанции о получении;"),
        format!("  {RECEIVED} — документы, уведомления и письма СРО: текст и файлы;"),
        format!("  {EXTRACTS} — выписки из реестра членов СРО;"),
        format!("  {MONEY} — счета на оплату и акт сверки взаиморасчетов."),
        String::new(),
        "index.csv — перечень всех файлов: раздел, путь в архиве, документ, номер, дата и состояние. Открывается в Excel.".into(),
        "Подпись к файлу лежит рядом с ним и называется так же, с окончанием .sig или .p7s.".into(),
        String::new(),
        format!("Вопросы: {}, {}", s.phone, s.email),
    ]
    .join("\r\n")
        + "\r\n"
}

//! The extract from the register (`domain.md` §1.2): its data, the PDF, the QR code, and the
//! record kept for the journal and the public check.

use bytes::Bytes;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use super::levels::{self, Fund};
use super::model::{MembershipStatus, Snapshot};
use super::store::{self, ExtractForInsert, ExtractRow};
use crate::audit::{self, Actor, Event};
use crate::config::{Settings, SroKind};
use crate::core::Core;
use crate::db::{Db, DbError};
use crate::documents::{Documents, Template};
use crate::fmt::{opt_date as d, or_dash, rubles};

/// One «number | label | value» line of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub n: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub n: String,
    pub title: String,
    pub rows: Vec<Line>,
}

/// Everything the extract shows, display-ready. Stored with the extract: the verification page
/// shows exactly this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractDoc {
    pub number: String,
    /// «"23" ноября 2026 г.»
    pub date_long: String,
    pub date_short: String,
    pub issued_at: String,
    pub title_tail: String,
    pub sro_full_name: String,
    pub sro_short_name: String,
    pub sro_contacts: String,
    pub sro_type: String,
    pub sro_address: String,
    pub sro_site: String,
    pub sro_email: String,
    pub sro_state_number: String,
    pub issued_to: String,
    pub sections: Vec<Part>,
    pub signer_position: String,
    pub signer_name: String,
    pub verify_url: String,
}

/// What the PDF template gets: the document plus the QR code and the PDF date.
#[derive(Serialize)]
struct RenderData<'a> {
    #[serde(flatten)]
    doc: &'a ExtractDoc,
    qr_svg: String,
    pdf_date: String,
}

/// The title's tail as real extracts print it (`domain.md` §1.1): the unified register the SRO's
/// members are in — НОСТРОЙ's for builders, НОПРИЗ's for designers and surveyors (issue 17: a
/// designers' SRO printed the builders' wording).
pub fn title_tail(kind: crate::config::SroKind) -> &'static str {
    match kind {
        crate::config::SroKind::Builders => {
            "в составе единого реестра сведений о членах саморегулируемых организаций в области \
             строительства, реконструкции, капитального ремонта, сноса объектов капитального \
             строительства и их обязательствах"
        }
        crate::config::SroKind::Designers | crate::config::SroKind::Surveyors => {
            "в составе единого реестра сведений о членах саморегулируемых организаций в области \
             инженерных изысканий и архитектурно-строительного проектирования и их обязательствах"
        }
    }
}

const MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

fn line(n: &str, label: &str, value: String) -> Line {
    Line {
        n: n.into(),
        label: label.into(),
        value,
    }
}

/// The data of an extract of `s` issued at `at` to `issued_to`.
pub fn document(
    settings: &Settings,
    s: &Snapshot,
    number: &str,
    at: DateTime<Utc>,
    issued_to: &str,
) -> ExtractDoc {
    let sro = &settings.sro;
    let msk = chrono::FixedOffset::east_opt(3 * 3600).expect("valid offset");
    let local = at.with_timezone(&msk);
    let today = local.date_naive();
    let e = &s.entry;
    let is_ip = e.ogrn.len() == 15;
    let level_text = |fund: Fund, lvl: Option<i64>, contribution: i64| -> String {
        match lvl.and_then(|n| levels::level(sro.kind, fund, n, today)) {
            Some(l) => format!(
                "{} уровень ответственности: {} по {}; взнос — {}",
                capitalize(l.ordinal),
                l.limit_text(),
                if fund == Fund::Vv {
                    "одному договору"
                } else {
                    "договорам в совокупности"
                },
                rubles(contribution)
            ),
            None => "Нет".into(),
        }
    };
    let right = |from: &Option<chrono::NaiveDate>| match from {
        Some(f) => format!("Имеет право с {}", f.format("%d.%m.%Y")),
        None => "Не имеет права".into(),
    };
    let suspension = match (e.suspended_from, e.suspended_until) {
        (Some(f), Some(u)) => format!(
            "Приостановлено с {} по {}{}",
            f.format("%d.%m.%Y"),
            u.format("%d.%m.%Y"),
            if e.suspension_reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.suspension_reason)
            }
        ),
        (Some(f), None) => format!(
            "Приостановлено с {}{}",
            f.format("%d.%m.%Y"),
            if e.suspension_reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.suspension_reason)
            }
        ),
        _ => "Нет".into(),
    };
    let work = match sro.kind {
        SroKind::Builders => {
            "строительство, реконструкцию, капитальный ремонт, снос объектов капитального строительства"
        }
        SroKind::Designers => "подготовку проектной документации",
        SroKind::Surveyors => "выполнение инженерных изысканий",
    };
    let decision = match (
        e.admission_decision_number.trim(),
        e.admission_decision_date,
    ) {
        ("", None) => "—".to_string(),
        (n, None) => format!("№ {n}"),
        ("", Some(dt)) => format!("от {}", dt.format("%d.%m.%Y")),
        (n, Some(dt)) => format!("№ {n} от {}", dt.format("%d.%m.%Y")),
    };
    let termination = match e.terminated_on {
        Some(t) => format!(
            "{} — {}",
            t.format("%d.%m.%Y"),
            or_dash(&e.termination_reason)
        ),
        None => "—".into(),
    };
    let sections = vec![
        Part {
            n: "1".into(),
            title: "Сведения о члене саморегулируемой организации".into(),
            rows: vec![
                line("1.1", "Идентификационный номер налогоплательщика (ИНН)", e.inn.clone()),
                line(
                    "1.2",
                    "Основной государственный регистрационный номер (ОГРН) или основной государственный регистрационный номер индивидуального предпринимателя (ОГРНИП)",
                    e.ogrn.clone(),
                ),
                line(
                    "1.3",
                    "Полное наименование юридического лица / фамилия, имя, отчество индивидуального предпринимателя",
                    e.full_name.clone(),
                ),
                line("1.4", "Сокращенное наименование юридического лица", if is_ip { "—".into() } else { or_dash(&e.short_name) }),
                line(
                    "1.5",
                    if is_ip {
                        "Место фактического осуществления деятельности"
                    } else {
                        "Адрес юридического лица"
                    },
                    or_dash(if is_ip { &e.actual_address } else { &e.legal_address }),
                ),
            ],
        },
        Part {
            n: "2".into(),
            title: "Сведения о членстве в саморегулируемой организации".into(),
            rows: vec![
                line(
                    "2.1",
                    "Регистрационный номер члена в реестре членов саморегулируемой организации",
                    or_dash(e.register_number.as_deref().unwrap_or("")),
                ),
                line("2.2", "Дата регистрации в реестре членов (дата внесения сведений)", d(&e.admitted_on)),
                line("2.3", "Номер и дата решения о приеме в члены", decision),
                line("2.4", "Дата вступления в силу решения о приеме в члены", d(&e.admission_effective_on)),
                line("2.5", "Сведения о членстве на дату выписки", e.status.label().into()),
                line("2.6", "Дата и основания прекращения членства", termination),
            ],
        },
        Part {
            n: "3".into(),
            title: "Сведения о наличии права выполнения работ и об обеспечении имущественной ответственности".into(),
            rows: vec![
                line(
                    "3.1",
                    &format!("Дата, с которой член имеет право выполнять {work} по договорам, в том числе заключаемым с использованием конкурентных способов:"),
                    String::new(),
                ),
                line(
                    "а)",
                    "в отношении объектов капитального строительства (кроме особо опасных, технически сложных и уникальных объектов, объектов использования атомной энергии)",
                    right(&e.right_ordinary_from),
                ),
                line(
                    "б)",
                    "в отношении особо опасных, технически сложных и уникальных объектов капитального строительства (кроме объектов использования атомной энергии)",
                    right(&e.right_dangerous_from),
                ),
                line("в)", "в отношении объектов использования атомной энергии", right(&e.right_nuclear_from)),
                line(
                    "3.2",
                    "Уровень ответственности по обязательствам по договору, заключаемому с использованием конкурентных способов или без них (компенсационный фонд возмещения вреда)",
                    level_text(Fund::Vv, e.vv_level, e.vv_contribution),
                ),
                line(
                    "3.3",
                    "Уровень ответственности по обязательствам по договорам, заключаемым с использованием конкурентных способов (компенсационный фонд обеспечения договорных обязательств)",
                    level_text(Fund::Odo, e.odo_level, e.odo_contribution),
                ),
                line(
                    "3.4",
                    "Фактический совокупный размер обязательств по договорам, заключенным с использованием конкурентных способов",
                    match (e.odo_level, e.odo_obligations_on) {
                        (Some(_), Some(on)) => format!("{} (на {})", rubles(e.odo_obligations), on.format("%d.%m.%Y")),
                        (Some(_), None) => rubles(e.odo_obligations),
                        (None, _) => "—".into(),
                    },
                ),
                line("3.5", "Сведения о приостановлении права выполнять работы", suspension),
            ],
        },
    ];
    let mut contacts = vec![];
    if !sro.address.is_empty() {
        contacts.push(sro.address.clone());
    }
    contacts.push(format!("тел. {}", sro.phone));
    contacts.push(sro.email.clone());
    ExtractDoc {
        number: number.to_string(),
        date_long: format!(
            "«{:02}» {} {} г.",
            today.day(),
            MONTHS[today.month0() as usize],
            today.year()
        ),
        date_short: today.format("%d.%m.%Y").to_string(),
        issued_at: local.format("%d.%m.%Y в %H:%M (МСК)").to_string(),
        title_tail: title_tail(sro.kind).into(),
        sro_full_name: sro.name.clone(),
        sro_short_name: sro.short_name.clone(),
        sro_contacts: contacts.join(", "),
        sro_type: format!("Саморегулируемая организация, {}", sro.kind.based_on()),
        sro_address: or_dash(&sro.address),
        sro_site: or_dash(&sro.site),
        sro_email: sro.email.clone(),
        sro_state_number: or_dash(&sro.state_register_number),
        issued_to: issued_to.to_string(),
        sections,
        signer_position: settings.register.signer_position.clone(),
        signer_name: settings.register.signer_name.clone(),
        verify_url: verify_url(settings, number),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The public address of an extract's check; printed under the QR code.
pub fn verify_url(settings: &Settings, number: &str) -> String {
    format!("{}/v/{number}", settings.base_url())
}

/// The QR code of `url` as SVG (black modules on white, with the quiet zone).
pub fn qr_svg(url: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// Renders the PDF of `doc` (CPU-bound: call from a blocking thread).
pub fn render(
    documents: &Documents,
    doc: &ExtractDoc,
    at: DateTime<Utc>,
) -> anyhow::Result<Vec<u8>> {
    let data = RenderData {
        doc,
        qr_svg: qr_svg(&doc.verify_url)?,
        pdf_date: at.to_rfc3339(),
    };
    Ok(documents.render(Template::Extract, &data)?)
}

/// What is stored with an extract: the document as shown and the entry it was made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    pub doc: ExtractDoc,
    pub entry: Snapshot,
}

/// The longest «кому выдается»: a company's name and the request it answers.
pub const ISSUED_TO_MAX: usize = 300;

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("not found")]
    NotFound,
    #[error("Укажите, кому выдается выписка")]
    IssuedToRequired,
    #[error("«Кому выдается» — не длиннее {ISSUED_TO_MAX} символов")]
    IssuedToTooLong,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for ExtractError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ExtractError::NotFound,
            other => ExtractError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// An issued extract: its number and PDF.
pub struct Issued {
    pub id: i64,
    pub number: String,
    pub pdf: Vec<u8>,
}

/// Issues an extract of member `member_id`'s entry as it is now: renders the PDF, stores it
/// and records the extract with its data, in one transaction.
pub async fn issue(
    core: &Core,
    member_id: i64,
    issued_to: &str,
    actor: &Actor,
) -> Result<Issued, ExtractError> {
    let (db, settings, documents, storage) =
        (&core.db, &core.settings, &core.documents, &core.storage);
    let issued_to = issued_to.trim();
    if issued_to.is_empty() {
        return Err(ExtractError::IssuedToRequired);
    }
    if issued_to.chars().count() > ISSUED_TO_MAX {
        return Err(ExtractError::IssuedToTooLong);
    }
    let (row, snapshot) = super::service::current(db, member_id)
        .await?
        .ok_or(ExtractError::NotFound)?;
    let at = core.now();
    let mut random = [0u8; 5];
    getrandom::fill(&mut random).map_err(|e| anyhow::anyhow!("random: {e}"))?;
    let number = extract_number(crate::clock::moscow_date(at).year(), random);
    let doc = document(settings, &snapshot, &number, at, issued_to);
    let pdf = {
        let documents = documents.clone();
        let doc = doc.clone();
        tokio::task::spawn_blocking(move || render(&documents, &doc, at))
            .await
            .map_err(anyhow::Error::new)??
    };
    let staged = storage.put_small(Bytes::from(pdf.clone())).await?;
    let stored = Stored {
        doc,
        entry: snapshot,
    };
    let mut tx = db.begin().await?;
    storage.promote(&staged).await?;
    let id = store::insert_extract(
        &mut tx,
        &ExtractForInsert {
            number: &number,
            member_id,
            member_version: row.register_version,
            issued_at: at,
            issued_to,
            issued_by_user_id: actor.user_id,
            issued_by: &actor.label,
            snapshot: serde_json::to_string(&stored).map_err(anyhow::Error::new)?,
            storage_key: &staged.key,
            size_bytes: staged.size as i64,
            sha256: &staged.sha256,
        },
    )
    .await?;
    let details = serde_json::json!({ "number": number, "issued_to": issued_to });
    let event = Event::new("register.extract", "member", member_id, details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(Issued { id, number, pdf })
}

/// «Получить выписку» in the cabinet: issued to the company itself.
pub async fn issue_to_member(
    core: &Core,
    member_id: i64,
    actor: &Actor,
) -> Result<Issued, ExtractError> {
    let company = super::service::member(&core.db, member_id)
        .await?
        .ok_or(ExtractError::NotFound)?
        .entry
        .full_name;
    issue(core, member_id, &company, actor).await
}

/// The stored PDF of the extract numbered `number` (any case, look-alike letters), and the
/// number as it is; `NotFound` for a number that is not one, or of another member than
/// `member` when given.
pub async fn stored_pdf(
    core: &Core,
    number: &str,
    member: Option<i64>,
) -> Result<(String, Bytes), ExtractError> {
    let number = normalize_extract_number(number).ok_or(ExtractError::NotFound)?;
    let found = find(&core.db, &number)
        .await?
        .filter(|f| member.is_none_or(|m| f.row.member_id == m))
        .ok_or(ExtractError::NotFound)?;
    let bytes = core.storage.read_small(&found.row.storage_key).await?;
    Ok((number, bytes))
}

/// Which of `keys` are issued extracts' PDFs (the orphan sweeper asks).
pub async fn known_keys(
    db: &Db,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, DbError> {
    store::extract_keys(db, keys).await
}

/// An issued extract as the check page and the journals show it.
pub struct Found {
    pub row: ExtractRow,
    pub stored: Stored,
    /// The entry changed after the extract was issued.
    pub changed_since: bool,
    pub status_now: MembershipStatus,
}

pub async fn find(db: &Db, number: &str) -> Result<Option<Found>, DbError> {
    let Some(row) = store::extract_by_number(db, number).await? else {
        return Ok(None);
    };
    let stored: Stored = serde_json::from_str(&row.snapshot)
        .map_err(|e| DbError::Other(anyhow::Error::new(e).context("reading an extract's data")))?;
    Ok(Some(Found {
        changed_since: row.current_version != row.member_version,
        status_now: MembershipStatus::from_code(&row.current_status)
            .unwrap_or(MembershipStatus::Member),
        stored,
        row,
    }))
}

pub async fn journal(
    db: &Db,
    member_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ExtractRow>, i64), DbError> {
    store::extracts(db, member_id, limit, offset).await
}

/// The number of an extract: the year and 8 random characters of Crockford's base32 (no I, L,
/// O, U), e.g. «2026-7K3M-Q9XP»: 40 random bits, so numbers cannot be guessed in sequence.
pub fn extract_number(year: i32, random: [u8; 5]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bits: u64 = 0;
    for b in random {
        bits = (bits << 8) | u64::from(b);
    }
    let chars: String = (0..8)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("{year}-{}-{}", &chars[..4], &chars[4..])
}

/// A typed-in extract number, normalised (upper case, look-alike letters mapped), or `None`
/// when it cannot be one.
pub fn normalize_extract_number(s: &str) -> Option<String> {
    let s: String = s
        .trim()
        .chars()
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    let ok = s.len() == 14
        && s.chars().enumerate().all(|(i, c)| match i {
            0..=3 => c.is_ascii_digit(),
            4 | 9 => c == '-',
            _ => c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'U'),
        });
    ok.then_some(s)
}

#[cfg(test)]
mod number_tests {
    use super::*;

    #[test]
    fn extract_numbers_are_random_looking_and_normalise() {
        let n = extract_number(2026, [0xff, 0, 0x12, 0x34, 0x56]);
        assert_eq!(n.len(), 14);
        assert!(n.starts_with("2026-"));
        assert_eq!(normalize_extract_number(&n.to_lowercase()), Some(n.clone()));
        assert_eq!(
            normalize_extract_number("2026-0000-000o"),
            Some("2026-0000-0000".into())
        );
        assert_eq!(normalize_extract_number("2026-0000"), None);
        assert_eq!(normalize_extract_number("../etc/passwd"), None);
        assert_ne!(
            extract_number(2026, [1, 2, 3, 4, 5]),
            extract_number(2026, [1, 2, 3, 4, 6])
        );
    }
}

#[cfg(test)]
mod tests;

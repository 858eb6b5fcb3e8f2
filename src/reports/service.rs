//! Reporting campaigns: staff open a year's report with its sections and templates; members
//! see the sections as cards with their own status.

use chrono::NaiveDate;

use super::store;
use crate::audit::{self, Actor, Event};
use crate::db::{Db, DbError, Tx};
use crate::files::Upload;
use crate::storage::Storage;
use crate::validation::FieldErrors;

pub use store::{Campaign, Section, TemplateFile};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for ReportError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ReportError::NotFound,
            DbError::Conflict { constraint } if constraint.starts_with("report_campaigns_year") => {
                invalid("year", "Отчет за этот год уже создан")
            }
            other => ReportError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

fn invalid(field: &'static str, message: &str) -> ReportError {
    ReportError::Invalid(FieldErrors::one(field, message))
}

/// `NotFound` when a write touched no row (the campaign, section or template is not there).
fn found(rows: u64) -> Result<(), ReportError> {
    if rows == 0 {
        Err(ReportError::NotFound)
    } else {
        Ok(())
    }
}

/// The audit entry of a change, and the commit of its transaction.
async fn audited(mut tx: Tx, actor: &Actor, event: Event<'_>) -> Result<(), ReportError> {
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The default sections of a new campaign (`domain.md` §3); staff edit them per SRO.
pub const DEFAULT_SECTIONS: [(&str, &str); 9] = [
    (
        "Общие сведения о члене СРО (информационный лист)",
        "Наименование, адреса, руководитель, контакты, сведения о регистрации.",
    ),
    (
        "Сведения о специалистах и кадровом составе",
        "Специалисты из Национального реестра специалистов (идентификационный номер, ФИО, должность, дата свидетельства о квалификации) и кадровый состав.",
    ),
    (
        "Сведения о выполненных работах за год",
        "Объем работ по договорам подряда за отчетный год.",
    ),
    (
        "Договоры, заключенные с использованием конкурентных способов",
        "Сведения о договорах и фактическом совокупном размере обязательств (уведомление ОДО).",
    ),
    (
        "Страхование ответственности",
        "Страхование гражданской ответственности и договорных рисков: страховщик, договор, сумма, срок.",
    ),
    (
        "Имущество и материально-техническая база",
        "Здания, помещения, техника, оборудование, средства измерений.",
    ),
    (
        "Контроль качества, охрана труда, аварии и несчастные случаи",
        "Система контроля качества, охрана труда, сведения об авариях и несчастных случаях.",
    ),
    (
        "Судебные споры, претензии, предписания надзорных органов",
        "Споры и претензии, связанные с работами, предписания органов надзора.",
    ),
    (
        "Финансовая (бухгалтерская) отчетность",
        "Бухгалтерский баланс и отчет о финансовых результатах за год.",
    ),
];

/// Open the report for `year` with the default sections.
pub async fn create_campaign(
    db: &Db,
    actor: &Actor,
    year: i32,
    deadline: NaiveDate,
) -> Result<i64, ReportError> {
    if !(2000..=2100).contains(&year) {
        return Err(invalid("year", "Укажите год от 2000 до 2100"));
    }
    if deadline.year_ce().1 < year as u32 {
        return Err(invalid(
            "deadline",
            "Срок сдачи не может быть раньше отчетного года",
        ));
    }
    let mut tx = db.begin().await?;
    let title = format!("Отчет за {year} год");
    let id = store::insert_campaign(&mut tx, year, &title, deadline, actor.user_id).await?;
    for (i, (t, d)) in DEFAULT_SECTIONS.iter().enumerate() {
        store::insert_section(&mut tx, id, i as i32 + 1, t, d).await?;
    }
    let details = serde_json::json!({ "year": year, "deadline": deadline });
    let event = Event::new("report.campaign_create", "report_campaign", id, details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

use chrono::Datelike;

pub async fn update_campaign(
    db: &Db,
    actor: &Actor,
    id: i64,
    title: &str,
    deadline: NaiveDate,
) -> Result<(), ReportError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(invalid("title", "Укажите название отчета"));
    }
    let mut tx = db.begin().await?;
    found(store::update_campaign(&mut tx, id, title, deadline).await?)?;
    let details = serde_json::json!({ "title": title, "deadline": deadline });
    let event = Event::new("report.campaign_update", "report_campaign", id, details);
    audited(tx, actor, event).await
}

pub async fn add_section(
    db: &Db,
    actor: &Actor,
    campaign_id: i64,
    title: &str,
    description: &str,
) -> Result<i64, ReportError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(invalid("title", "Укажите название раздела"));
    }
    let mut tx = db.begin().await?;
    let sections = store::sections_tx(&mut tx, campaign_id).await?;
    let position = sections.iter().map(|s| s.position).max().unwrap_or(0) + 1;
    let id =
        store::insert_section(&mut tx, campaign_id, position, title, description.trim()).await?;
    let details = serde_json::json!({ "campaign_id": campaign_id, "title": title });
    let event = Event::new("report.section_add", "report_section", id, details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_section(
    db: &Db,
    actor: &Actor,
    id: i64,
    title: &str,
    description: &str,
    deadline: Option<NaiveDate>,
) -> Result<(), ReportError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(invalid("title", "Укажите название раздела"));
    }
    let mut tx = db.begin().await?;
    found(store::update_section(&mut tx, id, title, description.trim(), deadline).await?)?;
    let details = serde_json::json!({ "title": title, "deadline": deadline });
    let event = Event::new("report.section_update", "report_section", id, details);
    audited(tx, actor, event).await
}

/// Move a section one place up or down (renumbering the campaign's sections 1..n).
pub async fn move_section(db: &Db, id: i64, up: bool) -> Result<(), ReportError> {
    let section = store::section(db, id).await?.ok_or(ReportError::NotFound)?;
    let mut tx = db.begin().await?;
    let mut ids: Vec<i64> = store::sections_tx(&mut tx, section.campaign_id)
        .await?
        .iter()
        .map(|s| s.id)
        .collect();
    let Some(i) = ids.iter().position(|x| *x == id) else {
        return Err(ReportError::NotFound);
    };
    let j = if up { i.checked_sub(1) } else { Some(i + 1) };
    if let Some(j) = j.filter(|j| *j < ids.len()) {
        ids.swap(i, j);
    }
    for (pos, sid) in ids.iter().enumerate() {
        store::set_position(&mut tx, *sid, pos as i32 + 1).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn set_retired(
    db: &Db,
    actor: &Actor,
    id: i64,
    retired: bool,
) -> Result<(), ReportError> {
    let mut tx = db.begin().await?;
    found(store::set_retired(&mut tx, id, retired).await?)?;
    let event = Event::new(
        if retired {
            "report.section_retire"
        } else {
            "report.section_restore"
        },
        "report_section",
        id,
        serde_json::json!({}),
    );
    audited(tx, actor, event).await
}

/// Attach a template file to a section; with `replaces`, that template is retired in the same
/// transaction, so members never see both or neither.
pub async fn add_template(
    db: &Db,
    storage: &Storage,
    actor: &Actor,
    section_id: i64,
    upload: &Upload,
    replaces: Option<i64>,
) -> Result<i64, ReportError> {
    let r = add_template_tx(db, storage, actor, section_id, upload, replaces).await;
    if r.is_err() {
        storage.discard(std::slice::from_ref(&upload.staged)).await;
    }
    r
}

async fn add_template_tx(
    db: &Db,
    storage: &Storage,
    actor: &Actor,
    section_id: i64,
    upload: &Upload,
    replaces: Option<i64>,
) -> Result<i64, ReportError> {
    store::section(db, section_id)
        .await?
        .ok_or(ReportError::NotFound)?;
    let mut tx = db.begin().await?;
    if let Some(old) = replaces
        && store::retire_template(&mut tx, old, section_id).await? == 0
    {
        return Err(ReportError::NotFound);
    }
    let file_id = crate::files::record(&mut tx, storage, upload, None, actor.user_id).await?;
    let id = store::insert_template(&mut tx, section_id, file_id, actor.user_id).await?;
    let details =
        serde_json::json!({ "template_id": id, "name": upload.name, "replaces": replaces });
    let event = Event::new(
        "report.template_upload",
        "report_section",
        section_id,
        details,
    );
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn retire_template(
    db: &Db,
    actor: &Actor,
    section_id: i64,
    template_id: i64,
) -> Result<(), ReportError> {
    let mut tx = db.begin().await?;
    found(store::retire_template(&mut tx, template_id, section_id).await?)?;
    let details = serde_json::json!({ "template_id": template_id });
    let event = Event::new(
        "report.template_retire",
        "report_section",
        section_id,
        details,
    );
    audited(tx, actor, event).await
}

// ---------- reads, for the staff's pages and the exchange's report screens ----------

pub async fn campaigns(db: &Db) -> Result<Vec<Campaign>, DbError> {
    store::campaigns(db).await
}

pub async fn campaign(db: &Db, id: i64) -> Result<Option<Campaign>, DbError> {
    store::campaign(db, id).await
}

pub async fn campaign_by_year(db: &Db, year: i32) -> Result<Option<Campaign>, DbError> {
    store::campaign_by_year(db, year).await
}

/// The newest campaign: «Отчет за текущий год».
pub async fn latest_campaign(db: &Db) -> Result<Option<Campaign>, DbError> {
    store::latest_campaign(db).await
}

pub async fn sections(db: &Db, campaign_id: i64) -> Result<Vec<Section>, DbError> {
    store::sections(db, campaign_id).await
}

pub async fn section(db: &Db, id: i64) -> Result<Option<Section>, DbError> {
    store::section(db, id).await
}

/// A section members may send now (not retired), or `NotFound`.
pub async fn open_section(db: &Db, id: i64) -> Result<Section, ReportError> {
    store::section(db, id)
        .await?
        .filter(|s| !s.retired)
        .ok_or(ReportError::NotFound)
}

/// Current templates of a campaign's sections.
pub async fn templates(db: &Db, campaign_id: i64) -> Result<Vec<TemplateFile>, DbError> {
    store::templates(db, campaign_id).await
}

/// The report year a section belongs to (receipts name it).
pub async fn year_of_section(db: &Db, section_id: i64) -> Result<Option<i32>, DbError> {
    match store::section(db, section_id).await? {
        Some(s) => Ok(store::campaign(db, s.campaign_id).await?.map(|c| c.year)),
        None => Ok(None),
    }
}

/// Is this file a template anyone logged in may download (current or retired)?
pub async fn is_template_file(db: &Db, file_id: i64) -> Result<bool, DbError> {
    store::is_template_file(db, file_id).await
}

//! SQL of reporting campaigns, their sections and section templates.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, DbResult, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Campaign {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub deadline: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Section {
    pub id: i64,
    pub campaign_id: i64,
    pub position: i32,
    pub title: String,
    pub description: String,
    pub deadline: Option<NaiveDate>,
    pub retired: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateFile {
    pub id: i64,
    pub section_id: i64,
    pub file_id: i64,
    pub name: String,
    pub size_bytes: i64,
    pub uploaded_at: DateTime<Utc>,
}

const SELECT_CAMPAIGN: &str = "SELECT id, year, title, deadline, created_at FROM report_campaigns";
const SELECT_SECTION: &str =
    "SELECT id, campaign_id, position, title, description, deadline, retired FROM report_sections";

pub async fn campaigns(db: &Db) -> DbResult<Vec<Campaign>> {
    let sql = format!("{SELECT_CAMPAIGN} ORDER BY year DESC");
    Ok(on_db!(db, p => sqlx::query_as::<_, Campaign>(&sql).fetch_all(p).await?))
}

pub async fn campaign(db: &Db, id: i64) -> DbResult<Option<Campaign>> {
    let sql = format!("{SELECT_CAMPAIGN} WHERE id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, Campaign>(&sql).bind(id).fetch_optional(p).await?))
}

pub async fn campaign_by_year(db: &Db, year: i32) -> DbResult<Option<Campaign>> {
    let sql = format!("{SELECT_CAMPAIGN} WHERE year = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, Campaign>(&sql).bind(year).fetch_optional(p).await?))
}

/// The newest campaign: «Отчет за текущий год».
pub async fn latest_campaign(db: &Db) -> DbResult<Option<Campaign>> {
    let sql = format!("{SELECT_CAMPAIGN} ORDER BY year DESC LIMIT 1");
    Ok(on_db!(db, p => sqlx::query_as::<_, Campaign>(&sql).fetch_optional(p).await?))
}

pub async fn insert_campaign(
    tx: &mut Tx,
    year: i32,
    title: &str,
    deadline: NaiveDate,
    by: Option<i64>,
) -> DbResult<i64> {
    let sql = "INSERT INTO report_campaigns (year, title, deadline, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(year)
        .bind(title)
        .bind(deadline)
        .bind(by)
        .bind(tx.now)
        .fetch_one(c)
        .await?))
}

pub async fn update_campaign(
    tx: &mut Tx,
    id: i64,
    title: &str,
    deadline: NaiveDate,
) -> DbResult<u64> {
    let sql = "UPDATE report_campaigns SET title = $1, deadline = $2 WHERE id = $3";
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(title).bind(deadline).bind(id).execute(c).await?.rows_affected()),
    )
}

pub async fn sections(db: &Db, campaign_id: i64) -> DbResult<Vec<Section>> {
    let sql = format!("{SELECT_SECTION} WHERE campaign_id = $1 ORDER BY position, id");
    Ok(on_db!(db, p => sqlx::query_as::<_, Section>(&sql).bind(campaign_id).fetch_all(p).await?))
}

pub async fn section(db: &Db, id: i64) -> DbResult<Option<Section>> {
    let sql = format!("{SELECT_SECTION} WHERE id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, Section>(&sql).bind(id).fetch_optional(p).await?))
}

pub async fn sections_tx(tx: &mut Tx, campaign_id: i64) -> DbResult<Vec<Section>> {
    let sql = format!("{SELECT_SECTION} WHERE campaign_id = $1 ORDER BY position, id");
    Ok(on_tx!(tx, c => sqlx::query_as::<_, Section>(&sql).bind(campaign_id).fetch_all(c).await?))
}

pub async fn insert_section(
    tx: &mut Tx,
    campaign_id: i64,
    position: i32,
    title: &str,
    description: &str,
) -> DbResult<i64> {
    let sql = "INSERT INTO report_sections (campaign_id, position, title, description, retired, created_at) \
               VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(campaign_id)
        .bind(position)
        .bind(title)
        .bind(description)
        .bind(tx.now)
        .fetch_one(c)
        .await?))
}

pub async fn update_section(
    tx: &mut Tx,
    id: i64,
    title: &str,
    description: &str,
    deadline: Option<NaiveDate>,
) -> DbResult<u64> {
    let sql =
        "UPDATE report_sections SET title = $1, description = $2, deadline = $3 WHERE id = $4";
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(title).bind(description).bind(deadline).bind(id).execute(c).await?.rows_affected()),
    )
}

pub async fn set_position(tx: &mut Tx, id: i64, position: i32) -> DbResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE report_sections SET position = $1 WHERE id = $2").bind(position).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn set_retired(tx: &mut Tx, id: i64, retired: bool) -> DbResult<u64> {
    Ok(
        on_tx!(tx, c => sqlx::query("UPDATE report_sections SET retired = $1 WHERE id = $2").bind(retired).bind(id).execute(c).await?.rows_affected()),
    )
}

const SELECT_TEMPLATE: &str = "SELECT t.id, t.section_id, t.file_id, f.original_name AS name, f.size_bytes, t.uploaded_at \
    FROM section_templates t JOIN files f ON f.id = t.file_id";

/// Current templates of a campaign's sections.
pub async fn templates(db: &Db, campaign_id: i64) -> DbResult<Vec<TemplateFile>> {
    let sql = format!(
        "{SELECT_TEMPLATE} JOIN report_sections s ON s.id = t.section_id WHERE s.campaign_id = $1 \
         AND t.retired_at IS NULL ORDER BY t.section_id, t.id"
    );
    Ok(
        on_db!(db, p => sqlx::query_as::<_, TemplateFile>(&sql).bind(campaign_id).fetch_all(p).await?),
    )
}

pub async fn template(db: &Db, id: i64) -> DbResult<Option<TemplateFile>> {
    let sql = format!("{SELECT_TEMPLATE} WHERE t.id = $1 AND t.retired_at IS NULL");
    Ok(on_db!(db, p => sqlx::query_as::<_, TemplateFile>(&sql).bind(id).fetch_optional(p).await?))
}

pub async fn insert_template(
    tx: &mut Tx,
    section_id: i64,
    file_id: i64,
    by: Option<i64>,
) -> DbResult<i64> {
    let sql = "INSERT INTO section_templates (section_id, file_id, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(section_id)
        .bind(file_id)
        .bind(by)
        .bind(tx.now)
        .fetch_one(c)
        .await?))
}

pub async fn retire_template(tx: &mut Tx, id: i64, section_id: i64) -> DbResult<u64> {
    let sql = "UPDATE section_templates SET retired_at = $1 WHERE id = $2 AND section_id = $3 AND retired_at IS NULL";
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(tx.now).bind(id).bind(section_id).execute(c).await?.rows_affected()),
    )
}

/// Is this file a template anyone logged in may download (current or retired)?
pub async fn is_template_file(db: &Db, file_id: i64) -> DbResult<bool> {
    let n: i64 = on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM section_templates WHERE file_id = $1")
        .bind(file_id)
        .fetch_one(p)
        .await?);
    Ok(n > 0)
}

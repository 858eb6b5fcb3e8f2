//! The member's report as sections to send: the campaign's cards with the company's own
//! status, and one section's screen (its templates, the draft, what was sent before). The
//! campaigns and sections are the reports slice's; what the company sent is the exchange's.

use super::model::Item;
use super::service::ExchangeError;
use super::store;
use crate::core::Core;
use crate::db::DbError;
use crate::reports::service::{self as reports, Section};

pub use crate::reports::service::{Campaign, TemplateFile};

/// Every campaign, newest first (the first is «Отчет за текущий год»).
pub async fn campaigns(core: &Core) -> Result<Vec<Campaign>, DbError> {
    reports::campaigns(&core.db).await
}

/// The campaign of a year, and whether it is the newest.
pub async fn campaign_of_year(core: &Core, year: i32) -> Result<Option<(Campaign, bool)>, DbError> {
    let Some(c) = reports::campaign_by_year(&core.db, year).await? else {
        return Ok(None);
    };
    let latest = reports::latest_campaign(&core.db).await?;
    let is_current = latest.is_some_and(|l| l.id == c.id);
    Ok(Some((c, is_current)))
}

/// «Отчет за текущий год»: the newest campaign.
pub async fn current_campaign(core: &Core) -> Result<Option<Campaign>, DbError> {
    reports::latest_campaign(&core.db).await
}

/// A section as a member's card: its templates and the member's latest item for it.
pub struct SectionCard {
    pub section: Section,
    pub templates: Vec<TemplateFile>,
    pub latest: Option<Item>,
}

/// The campaign's open sections in order, each with the company's latest item.
pub async fn cards(
    core: &Core,
    campaign: &Campaign,
    member_id: i64,
) -> Result<Vec<SectionCard>, ExchangeError> {
    let sections = reports::sections(&core.db, campaign.id).await?;
    let templates = reports::templates(&core.db, campaign.id).await?;
    let latest = store::latest_by_section(&core.db, member_id, campaign.id).await?;
    Ok(sections
        .into_iter()
        .filter(|s| !s.retired)
        .map(|s| SectionCard {
            templates: templates
                .iter()
                .filter(|t| t.section_id == s.id)
                .cloned()
                .collect(),
            latest: latest.iter().find(|i| i.section_id == Some(s.id)).cloned(),
            section: s,
        })
        .collect())
}

/// One section as the member works on it.
pub struct SectionScreen {
    pub campaign: Campaign,
    pub section: Section,
    /// Its number among the campaign's open sections (1-based).
    pub number: usize,
    pub templates: Vec<TemplateFile>,
    /// Everything the company made for it, newest first (a draft first, when there is one).
    pub items: Vec<Item>,
}

pub async fn section_screen(
    core: &Core,
    member_id: i64,
    section_id: i64,
) -> Result<SectionScreen, ExchangeError> {
    let section = reports::open_section(&core.db, section_id)
        .await
        .map_err(|_| ExchangeError::NotFound)?;
    let campaign = reports::campaign(&core.db, section.campaign_id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    let number = reports::sections(&core.db, campaign.id)
        .await?
        .iter()
        .filter(|s| !s.retired)
        .position(|s| s.id == section_id)
        .map(|p| p + 1)
        .unwrap_or(0);
    let templates = reports::templates(&core.db, campaign.id)
        .await?
        .into_iter()
        .filter(|t| t.section_id == section_id)
        .collect();
    let items = store::section_items(&core.db, member_id, section_id).await?;
    Ok(SectionScreen {
        campaign,
        section,
        number,
        templates,
        items,
    })
}

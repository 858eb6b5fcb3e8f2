//! The member's «Отчеты → Отчет за текущий год»: the campaign's sections as cards with the
//! company's status, and one section with its template, draft form and history.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::Response;

use super::drafts::{RowsQuery, form_view};
use super::items::revise_label;
use crate::exchange::journal;
use crate::exchange::model::ItemStatus;
use crate::exchange::sections::{self, Campaign, SectionScreen, TemplateFile};
use crate::exchange::views::{EventView, FormView, ItemView, incoming};
use crate::state::AppState;
use crate::web::access::Reports;
use crate::web::views::Chrome;
use crate::web::{AppError, Member, page};

pub struct CampaignLink {
    pub title: String,
    pub href: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "reports/menu.html")]
struct MenuPage {
    chrome: Chrome,
    current: Option<CampaignLink>,
    past: Vec<CampaignLink>,
}

fn link(c: &Campaign, current: bool) -> CampaignLink {
    CampaignLink {
        title: c.title.clone(),
        href: if current {
            "/kabinet/reports/current".into()
        } else {
            format!("/kabinet/reports/year/{}", c.year)
        },
        deadline: crate::fmt::date(&c.deadline),
    }
}

pub(super) async fn show_reports_menu(m: Member<Reports>) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let all = sections::campaigns(&state.core).await?;
    page(&MenuPage {
        chrome: m.ctx.chrome("Отчеты"),
        current: all.first().map(|c| link(c, true)),
        past: all.iter().skip(1).map(|c| link(c, false)).collect(),
    })
}

pub struct TemplateLink {
    pub name: String,
    pub size: String,
    pub href: String,
}

pub struct CardView {
    pub number: i32,
    pub title: String,
    pub href: String,
    pub deadline: String,
    pub overdue: bool,
    pub status: &'static str,
    pub status_code: &'static str,
    pub incoming: Option<String>,
    pub templates: Vec<TemplateLink>,
}

#[derive(Template)]
#[template(path = "reports/campaign.html")]
struct CampaignPage {
    chrome: Chrome,
    title: String,
    deadline: String,
    cards: Vec<CardView>,
    done_count: usize,
    is_current: bool,
}

fn template_links(t: &[TemplateFile]) -> Vec<TemplateLink> {
    t.iter()
        .map(|t| TemplateLink {
            name: t.name.clone(),
            size: crate::fmt::human_size(t.size_bytes),
            href: format!("/files/{}", t.file_id),
        })
        .collect()
}

/// Sent, registered and accepted sections count as done.
fn is_done(status: Option<ItemStatus>) -> bool {
    matches!(
        status,
        Some(ItemStatus::Sent | ItemStatus::Registered | ItemStatus::Accepted)
    )
}

async fn campaign_page(
    m: &Member<Reports>,
    state: &AppState,
    c: Campaign,
    is_current: bool,
) -> Result<Response, AppError> {
    let today = state.core.today();
    let cards: Vec<CardView> = sections::cards(&state.core, &c, m.member_id)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, card)| {
            let deadline = card.section.deadline.unwrap_or(c.deadline);
            let status = card.latest.as_ref().map(|l| l.status());
            CardView {
                number: i as i32 + 1,
                title: card.section.title.clone(),
                href: format!("/kabinet/reports/sections/{}", card.section.id),
                deadline: crate::fmt::date(&deadline),
                overdue: !is_done(status) && today > deadline,
                status: status.map(|s| s.label()).unwrap_or("Не заполнен"),
                status_code: status.map(|s| s.code()).unwrap_or("empty"),
                incoming: card.latest.as_ref().and_then(incoming),
                templates: template_links(&card.templates),
            }
        })
        .collect();
    let done_count = cards
        .iter()
        .filter(|c| is_done(ItemStatus::from_code(c.status_code)))
        .count();
    page(&CampaignPage {
        chrome: m.ctx.chrome(&c.title),
        title: c.title.clone(),
        deadline: crate::fmt::date(&c.deadline),
        cards,
        done_count,
        is_current,
    })
}

pub(super) async fn show_current(m: Member<Reports>) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    match sections::current_campaign(&state.core).await? {
        Some(c) => campaign_page(&m, state, c, true).await,
        None => page(&MenuPage {
            chrome: m.ctx.chrome("Отчеты"),
            current: None,
            past: vec![],
        }),
    }
}

pub(super) async fn show_year(
    m: Member<Reports>,
    Path(year): Path<i32>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let (c, is_current) = sections::campaign_of_year(&state.core, year)
        .await?
        .ok_or(AppError::NotFound)?;
    campaign_page(&m, state, c, is_current).await
}

#[derive(Template)]
#[template(path = "reports/section.html")]
struct SectionPage {
    chrome: Chrome,
    campaign_title: String,
    campaign_href: String,
    number: usize,
    title: String,
    description: String,
    deadline: String,
    templates: Vec<TemplateLink>,
    /// the draft form, when the section can be edited now
    form: Option<FormView>,
    /// the latest sent item, when it is in the SRO's hands
    latest: Option<ItemView>,
    latest_events: Vec<EventView>,
    can_revise: bool,
    revise_label: &'static str,
    history: Vec<ItemView>,
    notice: Option<&'static str>,
}

pub(super) async fn show_section(
    m: Member<Reports>,
    Path(id): Path<i64>,
    Query(q): Query<RowsQuery>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let SectionScreen {
        campaign,
        section,
        number,
        templates,
        items,
    } = sections::section_screen(&state.core, m.member_id, id).await?;
    let rows = q.rows.unwrap_or(1);
    // A draft shows its form; an item in the SRO's hands shows itself; nothing yet: a new form.
    let (form, shown) = match items.first() {
        Some(i) if i.status() == ItemStatus::Draft => {
            let files = journal::files_of(&state.core, i.id).await?;
            let path = format!("/kabinet/items/{}", i.id);
            (
                Some(form_view(
                    state,
                    &m.ctx,
                    &path,
                    Some(i),
                    &files,
                    false,
                    rows,
                )),
                None,
            )
        }
        Some(i) => (None, Some(i)),
        None => {
            let path = format!("/kabinet/reports/sections/{id}");
            (
                Some(form_view(state, &m.ctx, &path, None, &[], false, rows)),
                None,
            )
        }
    };
    let (latest_view, latest_events) = match shown {
        Some(i) => {
            let d = journal::details(&state.core, i).await?;
            let events = d.events.iter().map(EventView::from).collect();
            (Some(ItemView::new(i, &d.files)), events)
        }
        None => (None, vec![]),
    };
    let label = shown.and_then(|i| revise_label(i.status()));
    let history = items
        .iter()
        .filter(|i| i.status() != ItemStatus::Draft && Some(i.id) != shown.map(|s| s.id))
        .map(|i| ItemView::new(i, &[]))
        .collect();
    page(&SectionPage {
        chrome: m.ctx.chrome(&section.title),
        campaign_title: campaign.title.clone(),
        campaign_href: "/kabinet/reports/current".into(),
        number,
        title: section.title.clone(),
        description: section.description.clone(),
        deadline: crate::fmt::date(&section.deadline.unwrap_or(campaign.deadline)),
        templates: template_links(&templates),
        form,
        latest: latest_view,
        latest_events,
        can_revise: label.is_some(),
        revise_label: label.unwrap_or_default(),
        history,
        notice: match q.done.as_str() {
            "deleted" => Some("Черновик удален."),
            _ => None,
        },
    })
}

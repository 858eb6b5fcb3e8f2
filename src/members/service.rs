//! What the cabinet's pages show: the dashboard's one query, and the company with its users.

use super::store;
use crate::auth::User;
use crate::auth::model::Principal;
use crate::core::Core;
use crate::db::DbError;
use crate::register::model::Member;

pub use crate::auth::views::UserView;
pub use crate::register::views::{ExpertView, MemberView};
pub use store::MemberWithExpert;

/// The home page's data for one user: the company, its expert and the user's unread notes,
/// in one query.
pub async fn dashboard(
    core: &Core,
    who: Principal,
    member_id: i64,
    user_id: i64,
) -> Result<Option<MemberWithExpert>, DbError> {
    let areas = crate::notices::Area::codes_for(who);
    let categories: Vec<&str> = match who {
        Principal::Member { role, .. } => crate::messages::model::Category::ALL
            .into_iter()
            .filter(|c| c.read_by(role))
            .map(|c| c.code())
            .collect(),
        Principal::Staff { .. } => Vec::new(),
    };
    store::dashboard(
        &core.db,
        member_id,
        user_id,
        &areas,
        &categories,
        core.today(),
    )
    .await
}

/// The company's card and everyone who may log in for it.
pub async fn company(core: &Core, member_id: i64) -> Result<Option<(Member, Vec<User>)>, DbError> {
    let Some(m) = crate::register::service::member(&core.db, member_id).await? else {
        return Ok(None);
    };
    let users = crate::auth::service::users_of_member(&core.db, member_id).await?;
    Ok(Some((m, users)))
}

/// The annual report's progress for the home page: the nearest campaign still open (or the
/// latest one), «сдано 3 из 9 разделов, срок 01.03.2027».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportProgress {
    pub link: String,
    pub title: String,
    pub sent: usize,
    pub total: usize,
    pub due: chrono::NaiveDate,
}

/// What the home page shows of the calendar: open deadlines overdue or due within a month,
/// the nearest first, at most `limit`; and the report's progress for roles that see sections.
pub async fn home_deadlines(
    core: &Core,
    member_id: i64,
    role: crate::auth::MemberRole,
    limit: usize,
) -> Result<
    (
        Vec<crate::calendar::model::Deadline>,
        Option<ReportProgress>,
    ),
    DbError,
> {
    use crate::calendar::model::Rule;
    let today = core.today();
    let horizon = today + chrono::Days::new(31);
    let all = crate::calendar::service::deadlines(core, member_id, role)
        .await
        .map_err(|e| DbError::Other(anyhow::anyhow!("{e}")))?;
    // sections by campaign (their page), the campaign's deadline its latest section's
    let mut campaigns: std::collections::BTreeMap<&str, (usize, usize, chrono::NaiveDate)> =
        std::collections::BTreeMap::new();
    for d in all.iter().filter(|d| d.rule == Rule::Sections) {
        let e = campaigns.entry(d.link.as_str()).or_insert((0, 0, d.due));
        e.1 += 1;
        if d.done.is_some() {
            e.0 += 1;
        }
        e.2 = e.2.max(d.due);
    }
    let progress = campaigns
        .iter()
        .filter(|(_, c)| c.2 >= today)
        .min_by_key(|(_, c)| c.2)
        .or_else(|| campaigns.iter().max_by_key(|(_, c)| c.2))
        .map(|(link, (sent, total, due))| ReportProgress {
            title: format!(
                "Отчет за {} год",
                link.rsplit('/').next().unwrap_or_default()
            ),
            link: link.to_string(),
            sent: *sent,
            total: *total,
            due: *due,
        });
    let next = all
        .into_iter()
        .filter(|d| d.done.is_none() && d.due <= horizon)
        .take(limit)
        .collect();
    Ok((next, progress))
}

//! The member's «Журнал исходящих сообщений» and its CSV for Excel.

use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;

use crate::exchange::journal;
use crate::exchange::model::{ItemKind, ItemStatus};
use crate::exchange::store::ItemFilter;
use crate::exchange::views::ItemView;
use crate::web::access::Reports;
use crate::web::list::{Opt, Pager, query_string};
use crate::web::views::Chrome;
use crate::web::{AppError, Member, file_response, page};

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub(super) struct JournalQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    done: String,
}

impl JournalQuery {
    fn filter(&self, member_id: i64) -> ItemFilter {
        ItemFilter {
            member_id: Some(member_id),
            status: ItemStatus::from_code(&self.status).map(|s| s.code()),
            kind: ItemKind::from_code(&self.kind).map(|k| k.code()),
            year: self.year.parse().ok().filter(|y| (1900..=3000).contains(y)),
            expert_id: None,
        }
    }

    fn pairs(&self) -> [(&str, &str); 3] {
        [
            ("year", self.year.as_str()),
            ("status", self.status.as_str()),
            ("kind", self.kind.as_str()),
        ]
    }
}

/// «Все» and the statuses an item can have once sent.
pub(super) fn status_options(selected: &str) -> Vec<Opt> {
    crate::web::list::options_with_all(
        "Все",
        ItemStatus::ALL
            .into_iter()
            .filter(|s| *s != ItemStatus::Draft)
            .map(|s| (s.code(), s.label())),
        selected,
    )
}

fn year_options(years: &[chrono::DateTime<chrono::Utc>], selected: &str) -> Vec<Opt> {
    let mut v = vec![Opt::new("", "Все годы", selected)];
    let ys: Vec<i32> = years.iter().map(|t| t.year()).collect();
    if let (Some(min), Some(max)) = (ys.iter().min(), ys.iter().max()) {
        v.extend(
            (*min..=*max)
                .rev()
                .map(|y| Opt::new(y.to_string(), y.to_string(), selected)),
        );
    }
    v
}

#[derive(Template)]
#[template(path = "exchange/journal.html")]
struct JournalPage {
    chrome: Chrome,
    rows: Vec<ItemView>,
    years: Vec<Opt>,
    statuses: Vec<Opt>,
    pager: Pager,
    export_href: String,
    drafts: Vec<ItemView>,
    notice: Option<&'static str>,
}

pub(super) async fn show_journal(
    m: Member<Reports>,
    Query(q): Query<JournalQuery>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let core = &state.core;
    let list = journal::list(
        core,
        &q.filter(m.member_id),
        PER_PAGE,
        Pager::offset(q.page, PER_PAGE),
    )
    .await?;
    let rows = list
        .rows
        .iter()
        .map(|r| ItemView::from_row(r, &list.files))
        .collect();
    let years = journal::sent_years(core, m.member_id).await?;
    let drafts = journal::letter_drafts(core, m.member_id)
        .await?
        .iter()
        .map(|i| ItemView::new(i, &[]))
        .collect();
    page(&JournalPage {
        chrome: m.ctx.chrome("Журнал исходящих сообщений"),
        rows,
        years: year_options(&years, &q.year),
        statuses: status_options(&q.status),
        pager: Pager::new("/kabinet/journal", &q.pairs(), q.page, PER_PAGE, list.total),
        export_href: format!("/kabinet/journal.csv?{}", query_string(&q.pairs())),
        drafts,
        notice: match q.done.as_str() {
            "deleted" => Some("Черновик удален."),
            _ => None,
        },
    })
}

/// The journal as CSV for Excel, with the page's filters.
pub(super) async fn export_journal(
    m: Member<Reports>,
    Query(q): Query<JournalQuery>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let csv = journal::export_csv(&state.core, &q.filter(m.member_id)).await?;
    Ok(file_response(
        csv,
        "text/csv; charset=utf-8",
        "журнал-исходящих.csv",
        false,
    ))
}

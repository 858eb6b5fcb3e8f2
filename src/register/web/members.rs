//! The back office's «Члены СРО»: the list with search and filters, and a member's card.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::Response;
use serde::Deserialize;

use super::public::{Facts, staff_facts};
use crate::audit::AuditView;
use crate::auth::rules::{Permission, may_manage_member_logins};
use crate::fmt;
use crate::register::cards::{self, UserView};
use crate::register::model::{Change, MembershipStatus};
use crate::register::store::MemberFilter;
use crate::register::views::{ExpertView, MemberView};
use crate::web::list::{Opt, Pager};
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Staff, page};

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    mine: Option<String>,
    /// One expert's members (from «Сотрудники»).
    #[serde(default)]
    expert: String,
    #[serde(default)]
    page: Option<i64>,
}

pub struct Row {
    pub id: i64,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub register_number: String,
    pub status: &'static str,
    pub status_code: &'static str,
}

#[derive(Template)]
#[template(path = "office/members.html")]
struct MembersPage {
    chrome: Chrome,
    q: String,
    statuses: Vec<Opt>,
    mine: bool,
    is_expert: bool,
    can_keep: bool,
    is_admin: bool,
    rows: Vec<Row>,
    pager: Pager,
    /// `false`: more than the pager's total match («более 1000»).
    total_exact: bool,
}

pub(super) async fn list_members(
    s: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let status = MembershipStatus::from_code(&q.status);
    let is_expert = s.curator_id().is_some();
    let mine = q.mine.is_some() && is_expert;
    // searched like the public register: a plain substring, LIKE's wildcards dropped
    let query = crate::validation::search_substring(&q.q);
    let filter = MemberFilter {
        query: (!query.is_empty()).then_some(query),
        status: status.map(|s| s.code()),
        expert_id: mine
            .then_some(s.user.user_id)
            .or_else(|| q.expert.trim().parse().ok()),
    };
    // Only wildcards typed: nothing has them in its name.
    let (list, total, total_exact) = if filter.query.is_none() && !q.q.trim().is_empty() {
        (Vec::new(), 0, true)
    } else {
        cards::list(
            &state.core,
            &filter,
            PER_PAGE,
            Pager::offset(q.page, PER_PAGE),
        )
        .await?
    };
    let status_code = status.map(|s| s.code()).unwrap_or("");
    let filters = [
        ("q", q.q.trim()),
        ("status", status_code),
        ("mine", if mine { "1" } else { "" }),
        ("expert", if mine { "" } else { q.expert.trim() }),
    ];
    page(&MembersPage {
        chrome: s.ctx.chrome("Члены СРО"),
        q: q.q.trim().to_string(),
        statuses: crate::web::list::options_with_all(
            "Все",
            MembershipStatus::ALL
                .iter()
                .map(|st| (st.code(), st.label())),
            status_code,
        ),
        mine,
        is_expert,
        can_keep: s.may(Permission::KeepRegister),
        is_admin: s.may(Permission::Administer),
        rows: list
            .iter()
            .map(|m| Row {
                id: m.id,
                short_name: m.entry.short_name.clone(),
                inn: m.entry.inn.clone(),
                ogrn: m.entry.ogrn.clone(),
                register_number: fmt::or_dash(m.entry.register_number.as_deref().unwrap_or("")),
                status: m.entry.status.label(),
                status_code: m.entry.status.code(),
            })
            .collect(),
        pager: Pager::new("/office/members", &filters, q.page, PER_PAGE, total),
        total_exact,
    })
}

pub struct VersionView {
    pub version: i64,
    pub at: String,
    pub actor: String,
    pub reason: String,
    pub changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "office/member.html")]
struct MemberPage {
    chrome: Chrome,
    company: MemberView,
    expert: Option<ExpertView>,
    users: Vec<UserView>,
    /// Someone may manage the company's users from the cabinet.
    has_active_head: bool,
    history: Vec<AuditView>,
    can_manage_logins: bool,
    /// May assign the member's expert (administrators and experts).
    can_assign_expert: bool,
    experts: Vec<Opt>,
    notice: Option<&'static str>,
    register: Vec<Facts>,
    versions: Vec<VersionView>,
    can_keep: bool,
    updated: String,
    /// (debt, overdue, has debt) for experts, the accountant and administrators.
    debt: Option<(String, String, bool)>,
}

pub(super) async fn show_member(
    s: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let c = cards::card(&state.core, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let debt = if s.may(Permission::Billing) {
        let (d, o) = cards::debt(&state.core, id).await?;
        Some((fmt::rubles(d), fmt::rubles(o), d > 0))
    } else {
        None
    };
    page(&MemberPage {
        debt,
        register: staff_facts(&c.snapshot),
        versions: c
            .versions
            .into_iter()
            .map(|v| VersionView {
                version: v.version,
                at: fmt::datetime(&v.at),
                actor: v.actor,
                reason: v.reason,
                changes: v.changes,
            })
            .collect(),
        can_keep: s.may(Permission::KeepRegister),
        updated: fmt::datetime(&c.row.updated_at),
        chrome: s.ctx.chrome(&c.member.entry.short_name),
        company: MemberView::from(&c.member),
        expert: c.expert.map(|u| ExpertView {
            name: u.full_name,
            email: u.email,
            phone: fmt::or_dash(&u.phone),
        }),
        users: c
            .users
            .iter()
            .map(|u| {
                let mut v = UserView::from(u);
                v.invitation = c.invites.get(&u.id).map(|s| s.label()).unwrap_or_default();
                v
            })
            .collect(),
        can_assign_expert: s.may(Permission::KeepRegister),
        experts: {
            let current = c
                .member
                .expert_id
                .map(|i| i.to_string())
                .unwrap_or_default();
            std::iter::once(Opt::new("", "не назначен", &current))
                .chain(
                    c.experts
                        .iter()
                        .map(|e| Opt::new(e.id.to_string(), e.full_name.clone(), &current)),
                )
                .collect()
        },
        has_active_head: c.users.iter().any(|u| u.is_active_head()),
        history: c.history.iter().map(AuditView::from).collect(),
        can_manage_logins: may_manage_member_logins(
            s.user.principal,
            s.user.user_id,
            c.member.expert_id,
        ),
        notice: match q.done.as_str() {
            "email" => Some(
                "Адрес изменен. Уведомления отправлены на прежний и новый адреса, на новый — ссылка для установки пароля.",
            ),
            "head" => Some("Руководитель организации назначен: он может войти в личный кабинет."),
            "invited" => Some(
                "Приглашение отправлено: по ссылке из письма пользователь задаст пароль и войдет в личный кабинет.",
            ),
            "resent" => {
                Some("Приглашение отправлено повторно; прежняя ссылка больше не действует.")
            }
            "withdrawn" => Some("Приглашение отозвано."),
            "blocked" => {
                Some("Пользователь заблокирован: его сеансы завершены, войти он не сможет.")
            }
            "unblocked" => Some("Пользователь разблокирован."),
            "expert" => Some("Эксперт назначен."),
            "admitted" => Some("Член СРО внесен в реестр."),
            "changed" => Some("Изменения сохранены как новая версия записи реестра."),
            _ => None,
        },
    })
}

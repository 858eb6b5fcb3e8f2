//! Authorization in the handler's signature: `Member<Reports>` is a logged-in user of a member
//! company whose role may work with reports; `Staff<ManageReports>` an SRO employee who may
//! prepare campaigns. The table behind them is `auth::rules`; this module only turns its answer
//! into a response:
//!
//! - nobody logged in: to the login page, and back here afterwards;
//! - the other side (staff on a member page, a member in the back office): 404, so the pages
//!   of the other side say nothing about themselves;
//! - the right side without the permission: 403.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::audit::Actor;
use crate::auth::rules::{self, Permission};
use crate::auth::{MemberRole, Principal, SessionUser, StaffRole};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::session::Ctx;

/// A permission as a type, for the extractors.
pub trait Rule {
    const PERMISSION: Permission;
}

macro_rules! rules {
    ($($(#[$doc:meta])* $name:ident => $perm:ident),* $(,)?) => {$(
        $(#[$doc])*
        pub struct $name;
        impl Rule for $name {
            const PERMISSION: Permission = Permission::$perm;
        }
    )*};
}

rules! {
    /// Any user of a member company.
    AnyMember => Cabinet,
    /// «Руководитель» and «Ответственный за отчетность».
    Reports => Reports,
    /// «Руководитель».
    CompanyUsers => CompanyUsers,
    /// «Руководитель» and «Бухгалтер».
    Payments => Payments,
    /// Any SRO employee.
    AnyStaff => Office,
    /// Administrators and experts.
    KeepRegister => KeepRegister,
    /// Administrators and experts.
    ManageReports => ManageReports,
    /// Registrars and administrators.
    RegisterIncoming => RegisterIncoming,
    /// Experts and administrators.
    ReviewDocuments => ReviewDocuments,
    /// Administrators.
    Administer => Administer,
    /// Experts, the accountant, administrators: members' debts.
    Billing => Billing,
    /// The accountant and administrators: the money side.
    ManageBilling => ManageBilling,
    /// Experts, the accountant, administrators: messages to members.
    SendMessages => SendMessages,
    /// «Руководитель»: the company's archive.
    CompanyArchive => CompanyArchive,
    /// «Руководитель» and «Ответственный за отчетность»: «Договоры».
    Contracts => Contracts,
}

fn next_of(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default()
}

/// The logged-in user, or the redirect to the login page.
async fn logged_in(
    parts: &mut Parts,
    state: &AppState,
) -> Result<(Ctx, Arc<SessionUser>), AppError> {
    let ctx = Ctx::from_request_parts(parts, state).await?;
    match ctx.user.clone() {
        Some(user) => Ok((ctx, user)),
        None => Err(AppError::LoginRequired {
            next: next_of(parts),
        }),
    }
}

/// A logged-in user of a member company whose role passes `R`.
pub struct Member<R: Rule = AnyMember> {
    pub ctx: Ctx,
    pub user: Arc<SessionUser>,
    pub member_id: i64,
    pub role: MemberRole,
    _rule: PhantomData<R>,
}

impl<R: Rule> Member<R> {
    /// May this user also do `what` (buttons a page shows)?
    pub fn may(&self, what: Permission) -> bool {
        rules::allows(self.user.principal, what)
    }

    /// Who did it, for the audit log.
    pub fn actor(&self) -> Actor {
        self.user.actor(&self.ctx.client)
    }
}

impl<R: Rule + Send + Sync> FromRequestParts<AppState> for Member<R> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (ctx, user) = logged_in(parts, state).await?;
        let Principal::Member { member_id, role } = user.principal else {
            return Err(AppError::NotFound);
        };
        if !rules::allows(user.principal, R::PERMISSION) {
            return Err(if R::PERMISSION.hidden() {
                AppError::NotFound
            } else {
                AppError::Forbidden
            });
        }
        Ok(Member {
            ctx,
            user,
            member_id,
            role,
            _rule: PhantomData,
        })
    }
}

/// A logged-in SRO employee whose role passes `R`.
pub struct Staff<R: Rule = AnyStaff> {
    pub ctx: Ctx,
    pub user: Arc<SessionUser>,
    pub role: StaffRole,
    _rule: PhantomData<R>,
}

impl<R: Rule> Staff<R> {
    pub fn may(&self, what: Permission) -> bool {
        rules::allows(self.user.principal, what)
    }

    /// The employee's own id when they curate members (an expert): lists offer «мои».
    pub fn curator_id(&self) -> Option<i64> {
        rules::curates_members(self.user.principal).then_some(self.user.user_id)
    }

    pub fn actor(&self) -> Actor {
        self.user.actor(&self.ctx.client)
    }
}

impl<R: Rule + Send + Sync> FromRequestParts<AppState> for Staff<R> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (ctx, user) = logged_in(parts, state).await?;
        let Principal::Staff { role } = user.principal else {
            return Err(AppError::NotFound);
        };
        if !rules::allows(user.principal, R::PERMISSION) {
            return Err(AppError::Forbidden);
        }
        Ok(Staff {
            ctx,
            user,
            role,
            _rule: PhantomData,
        })
    }
}

/// Anyone logged in, member or staff (the profile, downloads of templates).
pub struct User {
    pub ctx: Ctx,
    pub user: Arc<SessionUser>,
}

impl User {
    pub fn actor(&self) -> Actor {
        self.user.actor(&self.ctx.client)
    }
}

impl FromRequestParts<AppState> for User {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (ctx, user) = logged_in(parts, state).await?;
        Ok(User { ctx, user })
    }
}

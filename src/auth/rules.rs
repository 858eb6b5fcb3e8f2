//! Who may do what: the one table. Pages ask it through the extractors of `web::access`
//! (`Member<Reports>`, `Staff<ManageReports>`), and it decides which buttons a page shows.
//! Object-level rules (an expert changes the e-mail of *their* members only) sit beside it.

use super::model::{MemberRole, Principal, StaffRole};

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Any user of a member company: home page, the company's card, extracts, profile.
    Cabinet,
    /// Reports and documents sent to the SRO, the outgoing journal, their notifications.
    Reports,
    /// The company's users: invite, change roles, block.
    CompanyUsers,
    /// Invoices, payments and debts.
    Payments,
    /// Any SRO employee: the back office's lists, cards, inbox, mail log.
    Office,
    /// Admit members and change register entries.
    KeepRegister,
    /// Prepare report campaigns, their sections and templates.
    ManageReports,
    /// Give incoming numbers to what members sent.
    RegisterIncoming,
    /// Accept or return registered documents.
    ReviewDocuments,
    /// The audit log, the register import, resending mail.
    Administer,
    /// See members' debts and ledgers (experts, the accountant, administrators).
    Billing,
    /// Tariffs, accruals, bank statements, manual charges and payments, reversals.
    ManageBilling,
    /// Write to members: «Новое сообщение членам», reminders to those who have not read.
    SendMessages,
    /// «Архив организации»: everything the company sent and received, in one ZIP.
    CompanyArchive,
    /// «Договоры»: the company's contracts, their notices and its КФ ОДО position.
    Contracts,
}

impl Permission {
    /// A member without this permission is told the page does not exist (404), not that it is
    /// closed to them: money is nobody's business but the head's and the accountant's.
    pub fn hidden(self) -> bool {
        matches!(
            self,
            Permission::Payments | Permission::CompanyArchive | Permission::Contracts
        )
    }
}

/// The table.
pub fn allows(who: Principal, what: Permission) -> bool {
    use MemberRole as M;
    use Permission::*;
    use StaffRole as S;
    match who {
        Principal::Member { role, .. } => match what {
            Cabinet => true,
            Reports | Contracts => matches!(role, M::Head | M::Reporter),
            CompanyUsers | CompanyArchive => role == M::Head,
            Payments => matches!(role, M::Head | M::Accountant),
            Office | KeepRegister | ManageReports | RegisterIncoming | ReviewDocuments
            | Administer | Billing | ManageBilling | SendMessages => false,
        },
        Principal::Staff { role } => match what {
            Office => true,
            KeepRegister | ManageReports => matches!(role, S::Admin | S::Expert),
            RegisterIncoming => matches!(role, S::Registrar | S::Admin),
            ReviewDocuments => matches!(role, S::Expert | S::Admin),
            Administer => role == S::Admin,
            Billing => matches!(role, S::Expert | S::Accountant | S::Admin),
            ManageBilling => matches!(role, S::Accountant | S::Admin),
            SendMessages => matches!(role, S::Expert | S::Accountant | S::Admin),
            Cabinet | Reports | CompanyUsers | Payments | CompanyArchive | Contracts => false,
        },
    }
}

/// Experts are the curators of members: their own members («мои организации») are those
/// assigned to them.
pub fn curates_members(who: Principal) -> bool {
    matches!(
        who,
        Principal::Staff {
            role: StaffRole::Expert
        }
    )
}

/// A member's assigned expert or an administrator helps its users back in: changes a login
/// e-mail whose mailbox is gone, appoints a head when the company has lost its own.
pub fn may_manage_member_logins(who: Principal, who_id: i64, member_expert: Option<i64>) -> bool {
    match who {
        Principal::Staff {
            role: StaffRole::Admin,
        } => true,
        Principal::Staff {
            role: StaffRole::Expert,
        } => member_expert == Some(who_id),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: MemberRole) -> Principal {
        Principal::Member { member_id: 1, role }
    }

    fn staff(role: StaffRole) -> Principal {
        Principal::Staff { role }
    }

    #[test]
    fn member_roles() {
        use Permission::*;
        let head = member(MemberRole::Head);
        let buh = member(MemberRole::Accountant);
        let rep = member(MemberRole::Reporter);
        assert!(allows(head, CompanyUsers) && allows(head, Reports) && allows(head, Payments));
        assert!(allows(buh, Payments) && !allows(buh, Reports) && !allows(buh, CompanyUsers));
        assert!(allows(rep, Reports) && !allows(rep, Payments) && !allows(rep, CompanyUsers));
        for m in [head, buh, rep] {
            assert!(allows(m, Cabinet) && !allows(m, Office) && !allows(m, Administer));
        }
    }

    #[test]
    fn staff_roles() {
        use Permission::*;
        for r in StaffRole::ALL {
            assert!(allows(staff(r), Office) && !allows(staff(r), Cabinet));
        }
        assert!(allows(staff(StaffRole::Registrar), RegisterIncoming));
        assert!(!allows(staff(StaffRole::Registrar), ReviewDocuments));
        assert!(allows(staff(StaffRole::Expert), ReviewDocuments));
        assert!(!allows(staff(StaffRole::Expert), RegisterIncoming));
        assert!(!allows(staff(StaffRole::Accountant), KeepRegister));
        assert!(allows(staff(StaffRole::Admin), Administer));
        assert!(allows(staff(StaffRole::Accountant), ManageBilling));
        assert!(allows(staff(StaffRole::Expert), Billing));
        assert!(!allows(staff(StaffRole::Expert), ManageBilling));
        assert!(!allows(staff(StaffRole::Registrar), Billing));
        assert!(!allows(staff(StaffRole::Expert), Administer));
    }

    #[test]
    fn member_logins_are_managed_by_the_assigned_expert_or_an_admin() {
        assert!(may_manage_member_logins(staff(StaffRole::Admin), 1, None));
        assert!(may_manage_member_logins(
            staff(StaffRole::Expert),
            7,
            Some(7)
        ));
        assert!(!may_manage_member_logins(
            staff(StaffRole::Expert),
            7,
            Some(8)
        ));
        assert!(!may_manage_member_logins(
            staff(StaffRole::Registrar),
            7,
            Some(7)
        ));
        assert!(!may_manage_member_logins(
            member(MemberRole::Head),
            7,
            Some(7)
        ));
    }
}

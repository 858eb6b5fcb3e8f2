//! What a note is about, and who may see it.

use crate::auth::model::Principal;
use crate::auth::rules::{self, Permission};

/// The part of the cabinet a note belongs to; its permission decides who sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Reports and letters sent to the SRO: their registration and review.
    Reports,
}

impl Area {
    pub const ALL: [Area; 1] = [Area::Reports];

    pub fn code(self) -> &'static str {
        match self {
            Area::Reports => "reports",
        }
    }

    fn permission(self) -> Permission {
        match self {
            Area::Reports => Permission::Reports,
        }
    }

    /// The areas whose notes `who` may read.
    pub fn visible_to(who: Principal) -> Vec<Area> {
        Self::ALL
            .into_iter()
            .filter(|a| rules::allows(who, a.permission()))
            .collect()
    }

    /// The codes of [`Area::visible_to`], for a query.
    pub fn codes_for(who: Principal) -> Vec<&'static str> {
        Self::visible_to(who).into_iter().map(Area::code).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::model::{MemberRole, StaffRole};

    #[test]
    fn the_accountant_sees_no_report_notes() {
        let as_ = |role| Principal::Member { member_id: 1, role };
        assert_eq!(Area::codes_for(as_(MemberRole::Head)), ["reports"]);
        assert_eq!(Area::codes_for(as_(MemberRole::Reporter)), ["reports"]);
        assert!(Area::codes_for(as_(MemberRole::Accountant)).is_empty());
        let staff = Principal::Staff {
            role: StaffRole::Admin,
        };
        assert!(Area::codes_for(staff).is_empty());
    }
}

//! Deadlines and the reminders' rules. Pure: what a deadline is, which of a rule's stages is
//! due on a day (and which are skipped after a pause), how a deadline reads.

use chrono::NaiveDate;

use crate::auth::MemberRole;

/// Where a deadline comes from; each source is one reminder rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A section of the annual report not sent by its deadline.
    Sections,
    /// A due or other charge not paid by its due date (billing).
    Charges,
    /// An insurance policy in the register that ends and has no successor.
    Policies,
    /// An inspection in the register's list dated ahead: a planned one.
    Inspections,
    /// An SRO message that asks for an answer by a date.
    Answers,
    /// A contract's event to notify within three working days (issue 18).
    Contracts,
}

impl Rule {
    pub const ALL: [Rule; 6] = [
        Rule::Sections,
        Rule::Charges,
        Rule::Policies,
        Rule::Inspections,
        Rule::Answers,
        Rule::Contracts,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rule::Sections => "sections",
            Rule::Charges => "charges",
            Rule::Policies => "policies",
            Rule::Inspections => "inspections",
            Rule::Answers => "answers",
            Rule::Contracts => "contracts",
        }
    }

    pub fn from_code(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == s)
    }

    /// The staff form's field of the rule's stages.
    pub fn field(self) -> &'static str {
        match self {
            Rule::Sections => "stages_sections",
            Rule::Charges => "stages_charges",
            Rule::Policies => "stages_policies",
            Rule::Inspections => "stages_inspections",
            Rule::Answers => "stages_answers",
            Rule::Contracts => "stages_contracts",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rule::Sections => "Разделы отчета",
            Rule::Charges => "Взносы и платежи",
            Rule::Policies => "Договоры страхования",
            Rule::Inspections => "Плановые проверки",
            Rule::Answers => "Ответы на документы СРО",
            Rule::Contracts => "Уведомления о договорах",
        }
    }

    /// The stages a new installation starts with (days from the deadline).
    pub fn default_stages(self) -> Vec<i32> {
        match self {
            Rule::Sections => vec![-14, -3, 0, 1, 7],
            Rule::Charges => vec![-3, 0, 1, 7],
            Rule::Policies => vec![-30, -14, -3, 0],
            Rule::Inspections => vec![-14, -3],
            Rule::Answers => vec![-3, 0, 1],
            Rule::Contracts => vec![-2, 0, 1],
        }
    }

    /// Which of a company's users see the deadline and get its reminders: money to the head
    /// and the accountant, reports, inspections and answers to the head and the reporter,
    /// insurance to the head.
    pub fn read_by(self, role: MemberRole) -> bool {
        match self {
            Rule::Charges => matches!(role, MemberRole::Head | MemberRole::Accountant),
            Rule::Sections | Rule::Inspections | Rule::Answers | Rule::Contracts => {
                matches!(role, MemberRole::Head | MemberRole::Reporter)
            }
            Rule::Policies => role == MemberRole::Head,
        }
    }

    /// «Руководитель, Бухгалтер»: who gets the rule's reminders.
    pub fn readers(self) -> String {
        MemberRole::ALL
            .into_iter()
            .filter(|r| self.read_by(*r))
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The most stages a rule may have, and how far from the deadline one may be.
pub const MAX_STAGES: usize = 10;
pub const MAX_OFFSET: i32 = 365;

/// Stages as staff type them: «-14, -3, 0, 1, 7» (also «+1», spaces or semicolons between).
pub fn parse_stages(text: &str) -> Result<Vec<i32>, String> {
    let mut out = Vec::new();
    for part in text
        .split([',', ';', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        // «−14» typed with a Unicode minus is the same as «-14»
        let norm = part.replace(['−', '–'], "-");
        let n: i32 = norm.trim_start_matches('+').parse().map_err(|_| {
            format!("«{part}» — не число дней: пишите, например, «-14, -3, 0, 1, 7»")
        })?;
        if n.abs() > MAX_OFFSET {
            return Err(format!(
                "«{part}»: этап — не дальше {MAX_OFFSET} дней от срока"
            ));
        }
        out.push(n);
    }
    out.sort_unstable();
    out.dedup();
    if out.is_empty() {
        return Err("Укажите хотя бы один этап: например, «-3, 0, 1»".into());
    }
    if out.len() > MAX_STAGES {
        return Err(format!("Не больше {MAX_STAGES} этапов"));
    }
    Ok(out)
}

/// «-14, -3, 0, 1, 7» — the form's value.
pub fn stages_text(stages: &[i32]) -> String {
    stages
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// «за 14 дн. · в день срока · через 7 дн.» — how the schedule reads.
pub fn stage_label(stage: i32) -> String {
    match stage {
        0 => "в день срока".into(),
        s if s < 0 => format!("за {} дн.", -s),
        s => format!("через {s} дн."),
    }
}

/// Which stage's reminder is due on `today` for a deadline on `due`: the latest stage whose
/// moment has come. The earlier ones it covers are never sent (after a pause the member gets
/// one letter, not a backlog), and the last stage is sent only within `grace_days` of its
/// moment: a deadline whose every stage passed long ago stays quiet. `None`: nothing now.
pub fn stage_due(stages: &[i32], due: NaiveDate, today: NaiveDate, grace_days: i64) -> Option<i32> {
    let offset = (today - due).num_days();
    let latest = stages
        .iter()
        .copied()
        .filter(|s| i64::from(*s) <= offset)
        .max()?;
    let is_last = stages.iter().all(|s| *s <= latest);
    if is_last && offset - i64::from(latest) > grace_days {
        return None;
    }
    Some(latest)
}

/// One deadline of one company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub rule: Rule,
    pub member_id: i64,
    /// The object the deadline is about, unique within its rule, e.g. «12:345» (section 12 of
    /// member 345) or «88» (charge 88): with the rule and the stage it keys a reminder.
    pub object: String,
    /// «Сдать раздел «Сведения о работниках» за 2026 год»
    pub title: String,
    pub due: NaiveDate,
    /// Set when the cause is gone: «сдан 12.02.2027», «оплачено», «продлен».
    pub done: Option<String>,
    /// Where the cabinet shows it (a path).
    pub link: String,
}

impl Deadline {
    /// The object's key across rules: the iCalendar UID and the page's anchor.
    pub fn uid(&self) -> String {
        if self.object.chars().all(|c| c.is_ascii_digit() || c == ':') {
            format!("{}-{}", self.rule.code(), self.object.replace(':', "-"))
        } else {
            // a key with names in it (a policy's contract): hashed, so it is a clean id
            let h = crate::tokens::token_hash(&self.object);
            format!("{}-{}", self.rule.code(), &h[..16.min(h.len())])
        }
    }

    /// «выполнено» / «просрочено на 3 дн.» / «сегодня» / «через 5 дн.» — and a class for
    /// the badge.
    pub fn status(&self, today: NaiveDate) -> (String, &'static str) {
        if let Some(done) = &self.done {
            return (done.clone(), "accepted");
        }
        let days = (self.due - today).num_days();
        match days {
            d if d < 0 => (format!("просрочено на {} дн.", -d), "returned"),
            0 => ("срок сегодня".into(), "sent"),
            d => (format!("через {d} дн."), "registered"),
        }
    }

    /// The reminder's line: «Сдать раздел … — срок 01.03.2027 (через 3 дн.)».
    pub fn reminder_line(&self, today: NaiveDate) -> String {
        format!(
            "{} — срок {} ({})",
            self.title,
            crate::fmt::date(&self.due),
            self.status(today).0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn stages_read_as_staff_type_them() {
        assert_eq!(
            parse_stages("-14, −3 ;0 +1 7 7"),
            Ok(vec![-14, -3, 0, 1, 7])
        );
        assert!(parse_stages("").unwrap_err().contains("хотя бы один"));
        assert!(parse_stages("за неделю").unwrap_err().contains("не число"));
        assert!(parse_stages("400").unwrap_err().contains("365"));
        assert_eq!(stages_text(&[-3, 0, 7]), "-3, 0, 7");
        assert_eq!(stage_label(-14), "за 14 дн.");
        assert_eq!(stage_label(0), "в день срока");
        assert_eq!(stage_label(7), "через 7 дн.");
    }

    #[test]
    fn each_stage_comes_on_its_day_and_a_pause_sends_only_the_latest() {
        let due = d(2027, 3, 1);
        let s = [-14, -3, 0, 1, 7];
        assert_eq!(stage_due(&s, due, d(2027, 2, 14), 3), None);
        assert_eq!(stage_due(&s, due, d(2027, 2, 15), 3), Some(-14));
        assert_eq!(stage_due(&s, due, d(2027, 2, 20), 3), Some(-14));
        assert_eq!(stage_due(&s, due, d(2027, 2, 26), 3), Some(-3));
        assert_eq!(stage_due(&s, due, d(2027, 3, 1), 3), Some(0));
        assert_eq!(stage_due(&s, due, d(2027, 3, 2), 3), Some(1));
        // down from 10.02 to 05.03: one letter, the stage «через 1 дн.», not four
        assert_eq!(stage_due(&s, due, d(2027, 3, 5), 3), Some(1));
        assert_eq!(stage_due(&s, due, d(2027, 3, 8), 3), Some(7));
        assert_eq!(stage_due(&s, due, d(2027, 3, 11), 3), Some(7));
        // the last stage passed long ago: quiet
        assert_eq!(stage_due(&s, due, d(2027, 3, 12), 3), None);
        assert_eq!(stage_due(&s, due, d(2029, 1, 1), 3), None);
    }

    #[test]
    fn statuses_say_how_much_time_is_left() {
        let mut x = Deadline {
            rule: Rule::Charges,
            member_id: 1,
            object: "5".into(),
            title: "Оплатить членский взнос".into(),
            due: d(2027, 1, 15),
            done: None,
            link: "/kabinet/payments".into(),
        };
        assert_eq!(x.status(d(2027, 1, 10)).0, "через 5 дн.");
        assert_eq!(x.status(d(2027, 1, 15)).0, "срок сегодня");
        assert_eq!(x.status(d(2027, 1, 18)).0, "просрочено на 3 дн.");
        assert_eq!(
            x.reminder_line(d(2027, 1, 12)),
            "Оплатить членский взнос — срок 15.01.2027 (через 3 дн.)"
        );
        x.done = Some("оплачено".into());
        assert_eq!(x.status(d(2027, 1, 18)), ("оплачено".into(), "accepted"));
        assert_eq!(x.uid(), "charges-5");
    }

    #[test]
    fn each_rule_reaches_its_roles() {
        assert!(Rule::Charges.read_by(MemberRole::Accountant));
        assert!(!Rule::Charges.read_by(MemberRole::Reporter));
        assert!(Rule::Sections.read_by(MemberRole::Reporter));
        assert!(!Rule::Sections.read_by(MemberRole::Accountant));
        assert!(!Rule::Policies.read_by(MemberRole::Reporter));
        for r in Rule::ALL {
            assert!(r.read_by(MemberRole::Head));
            assert_eq!(Rule::from_code(r.code()), Some(r));
            assert!(parse_stages(&stages_text(&r.default_stages())).is_ok());
        }
    }
}

//! The register entry of a member (`domain.md` §1.2–§1.3), the membership status, the rules an
//! entry must keep, and the difference between two versions of it. Pure: no I/O. The liability
//! levels of §2 are in `levels.rs`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::levels::{Fund, levels};
pub use super::member::{Member, MembershipStatus, search_text};
use crate::config::SroKind;
use crate::fmt::{Kopecks, date_or_empty as fmt_date, rubles};
use crate::requisites::{Inn, Kpp, Ogrn};
pub use crate::validation::FieldError;

/// The fields of a register entry that staff keep (the member's row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Entry {
    pub full_name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub kpp: Option<String>,
    pub legal_address: String,
    pub actual_address: String,
    pub head_name: String,
    pub head_position: String,
    pub phone: String,
    pub email: String,
    pub site: String,
    pub register_number: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: MembershipStatus,
    /// Date of entry in the register: membership starts here (315-FZ art. 7.1 part 2).
    pub admitted_on: Option<NaiveDate>,
    pub admission_decision_number: String,
    pub admission_decision_date: Option<NaiveDate>,
    pub admission_effective_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: String,
    pub suspended_from: Option<NaiveDate>,
    pub suspended_until: Option<NaiveDate>,
    pub suspension_reason: String,
    /// The right to work on objects of category а / б / в, from this date.
    pub right_ordinary_from: Option<NaiveDate>,
    pub right_dangerous_from: Option<NaiveDate>,
    pub right_nuclear_from: Option<NaiveDate>,
    pub vv_level: Option<i64>,
    pub vv_contribution: Kopecks,
    pub odo_level: Option<i64>,
    pub odo_contribution: Kopecks,
    /// Actual total obligations under contracts concluded by competitive methods.
    pub odo_obligations: Kopecks,
    /// When the total was last updated (the member's contract notices keep it current).
    #[serde(default)]
    pub odo_obligations_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub insurer: String,
    pub contract: String,
    pub sum_insured: Kopecks,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub finished_on: NaiveDate,
    pub kind: String,
    pub result: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub decided_on: NaiveDate,
    pub measure: String,
    pub reason: String,
}

/// A whole register entry as one value: what a version records and an extract shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub entry: Entry,
    pub policies: Vec<Policy>,
    pub inspections: Vec<Inspection>,
    pub measures: Vec<Measure>,
}

impl Snapshot {
    /// An entry with empty lists.
    pub fn of(entry: Entry) -> Snapshot {
        Snapshot {
            entry,
            policies: vec![],
            inspections: vec![],
            measures: vec![],
        }
    }
}

/// One changed field of an entry, in words, for the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub old: String,
    pub new: String,
}

impl Entry {
    /// The rules of the register. Returns every broken rule, with the field it concerns.
    pub fn check(&self, kind: SroKind, today: NaiveDate) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.full_name.trim().is_empty() {
            e.push(FieldError::new("full_name", "Укажите полное наименование"));
        }
        if self.short_name.trim().is_empty() {
            e.push(FieldError::new(
                "short_name",
                "Укажите сокращенное наименование",
            ));
        }
        let inn = Inn::parse(&self.inn);
        if let Err(err) = &inn {
            e.push(FieldError::new("inn", err.to_string()));
        }
        let ogrn = Ogrn::parse(&self.ogrn);
        if let Err(err) = &ogrn {
            e.push(FieldError::new("ogrn", err.to_string()));
        }
        if let (Ok(inn), Ok(ogrn)) = (&inn, &ogrn)
            && inn.is_legal_entity() == ogrn.is_ogrnip()
        {
            e.push(FieldError::new(
                "ogrn",
                if inn.is_legal_entity() {
                    "У юридического лица (ИНН из 10 цифр) — ОГРН из 13 цифр"
                } else {
                    "У индивидуального предпринимателя (ИНН из 12 цифр) — ОГРНИП из 15 цифр"
                },
            ));
        }
        if let Some(kpp) = &self.kpp
            && let Err(err) = Kpp::parse(kpp)
        {
            e.push(FieldError::new("kpp", err.to_string()));
        }
        if !self.email.trim().is_empty()
            && let Err(err) = crate::requisites::Email::parse(&self.email)
        {
            e.push(FieldError::new("email", err.to_string()));
        }
        if self.admitted_on.is_none() {
            e.push(FieldError::new(
                "admitted_on",
                "Укажите дату внесения в реестр: членство начинается с нее",
            ));
        }
        let order = |field: &'static str,
                     start: &Option<NaiveDate>,
                     end: &Option<NaiveDate>,
                     what: &str,
                     e: &mut Vec<FieldError>| {
            if let (Some(s), Some(t)) = (start, end)
                && t < s
            {
                e.push(FieldError::new(
                    field,
                    format!(
                        "{what} ({}) раньше начала ({})",
                        fmt_date(end),
                        fmt_date(start)
                    ),
                ));
            }
        };
        order(
            "admission_effective_on",
            &self.admission_decision_date,
            &self.admission_effective_on,
            "Дата вступления решения в силу",
            &mut e,
        );
        order(
            "terminated_on",
            &self.admitted_on,
            &self.terminated_on,
            "Дата прекращения членства",
            &mut e,
        );
        order(
            "suspended_until",
            &self.suspended_from,
            &self.suspended_until,
            "Окончание приостановления",
            &mut e,
        );
        match self.status {
            MembershipStatus::Excluded | MembershipStatus::Left => {
                if self.terminated_on.is_none() {
                    e.push(FieldError::new(
                        "terminated_on",
                        "Укажите дату прекращения членства",
                    ));
                }
                if self.termination_reason.trim().is_empty() {
                    e.push(FieldError::new(
                        "termination_reason",
                        "Укажите основание прекращения членства",
                    ));
                }
            }
            MembershipStatus::Member | MembershipStatus::Suspended => {
                if self.terminated_on.is_some() {
                    e.push(FieldError::new(
                        "terminated_on",
                        "Дата прекращения указывается только для исключенных и вышедших",
                    ));
                }
            }
        }
        if self.status == MembershipStatus::Suspended && self.suspended_from.is_none() {
            e.push(FieldError::new(
                "suspended_from",
                "Укажите, с какой даты приостановлено право",
            ));
        }
        let kind_name = match kind {
            SroKind::Builders => "в области строительства",
            SroKind::Designers => "в области архитектурно-строительного проектирования",
            SroKind::Surveyors => "в области инженерных изысканий",
        };
        for (fund, lvl, contribution, field, fund_name) in [
            (
                Fund::Vv,
                self.vv_level,
                self.vv_contribution,
                "vv_level",
                "КФ ВВ",
            ),
            (
                Fund::Odo,
                self.odo_level,
                self.odo_contribution,
                "odo_level",
                "КФ ОДО",
            ),
        ] {
            let Some(n) = lvl else { continue };
            let all = levels(kind, fund, today);
            match all.iter().find(|l| l.number == n) {
                None => e.push(FieldError::new(
                    field,
                    format!(
                        "Уровня ответственности {n} нет у СРО {kind_name}: уровни {fund_name} — с 1 по {}",
                        all.len()
                    ),
                )),
                Some(l) if contribution < l.min_contribution_rub * 100 => e.push(FieldError::new(
                    if fund == Fund::Vv { "vv_contribution" } else { "odo_contribution" },
                    format!(
                        "Взнос в {fund_name} для {}го уровня — не менее {}",
                        l.number,
                        rubles(l.min_contribution_rub * 100)
                    ),
                )),
                Some(_) => {}
            }
        }
        if self.odo_level.is_some() && self.vv_level.is_none() {
            e.push(FieldError::new(
                "odo_level",
                "Уровень ответственности по КФ ОДО устанавливается только вместе с уровнем по КФ ВВ",
            ));
        }
        if self.odo_level.is_none() && self.odo_obligations != 0 {
            e.push(FieldError::new(
                "odo_obligations",
                "Обязательства по конкурентным договорам указываются только при уровне по КФ ОДО",
            ));
        }
        e
    }

    /// The lower-cased text the searches look through (name, INN, OGRN, register number).
    pub fn search_text(&self) -> String {
        search_text(
            &self.full_name,
            &self.short_name,
            &self.inn,
            &self.ogrn,
            self.register_number.as_deref(),
        )
    }

    /// Each field with its Russian label, as the history compares and shows them.
    pub fn labelled(&self) -> Vec<(&'static str, String)> {
        let lvl = |l: Option<i64>| l.map(|n| n.to_string()).unwrap_or_default();
        vec![
            ("Полное наименование", self.full_name.clone()),
            ("Сокращенное наименование", self.short_name.clone()),
            ("ИНН", self.inn.clone()),
            ("ОГРН/ОГРНИП", self.ogrn.clone()),
            ("КПП", self.kpp.clone().unwrap_or_default()),
            ("Адрес места нахождения", self.legal_address.clone()),
            ("Фактический адрес", self.actual_address.clone()),
            ("Руководитель", self.head_name.clone()),
            ("Должность руководителя", self.head_position.clone()),
            ("Телефон", self.phone.clone()),
            ("E-mail", self.email.clone()),
            ("Сайт", self.site.clone()),
            (
                "Регистрационный номер",
                self.register_number.clone().unwrap_or_default(),
            ),
            ("Статус", self.status.label().to_string()),
            ("Дата внесения в реестр", fmt_date(&self.admitted_on)),
            (
                "Номер решения о приеме",
                self.admission_decision_number.clone(),
            ),
            (
                "Дата решения о приеме",
                fmt_date(&self.admission_decision_date),
            ),
            (
                "Дата вступления решения в силу",
                fmt_date(&self.admission_effective_on),
            ),
            ("Дата прекращения членства", fmt_date(&self.terminated_on)),
            ("Основание прекращения", self.termination_reason.clone()),
            ("Приостановлено с", fmt_date(&self.suspended_from)),
            ("Приостановлено по", fmt_date(&self.suspended_until)),
            ("Основание приостановления", self.suspension_reason.clone()),
            (
                "Право (а): обычные объекты, с",
                fmt_date(&self.right_ordinary_from),
            ),
            (
                "Право (б): особо опасные, технически сложные, уникальные, с",
                fmt_date(&self.right_dangerous_from),
            ),
            (
                "Право (в): объекты атомной энергии, с",
                fmt_date(&self.right_nuclear_from),
            ),
            ("Уровень ответственности КФ ВВ", lvl(self.vv_level)),
            ("Взнос в КФ ВВ", rubles(self.vv_contribution)),
            ("Уровень ответственности КФ ОДО", lvl(self.odo_level)),
            ("Взнос в КФ ОДО", rubles(self.odo_contribution)),
            (
                "Фактический совокупный размер обязательств",
                rubles(self.odo_obligations),
            ),
            (
                "Дата обновления обязательств",
                fmt_date(&self.odo_obligations_on),
            ),
        ]
    }
}

impl Policy {
    pub fn describe(&self) -> String {
        format!(
            "{}, договор {}, страховая сумма {}, с {} по {}",
            self.insurer,
            self.contract,
            rubles(self.sum_insured),
            self.valid_from.format("%d.%m.%Y"),
            self.valid_to.format("%d.%m.%Y")
        )
    }

    pub fn check(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.insurer.trim().is_empty() {
            e.push(FieldError::new("insurer", "Укажите страховую компанию"));
        }
        if self.contract.trim().is_empty() {
            e.push(FieldError::new(
                "contract",
                "Укажите номер договора страхования",
            ));
        }
        if self.sum_insured <= 0 {
            e.push(FieldError::new("sum_insured", "Укажите страховую сумму"));
        }
        if self.valid_to < self.valid_from {
            e.push(FieldError::new(
                "valid_to",
                "Окончание действия договора раньше его начала",
            ));
        }
        e
    }
}

impl Inspection {
    pub fn describe(&self) -> String {
        format!(
            "{}: {} — {}",
            self.finished_on.format("%d.%m.%Y"),
            self.kind,
            self.result
        )
    }
}

impl Measure {
    pub fn describe(&self) -> String {
        format!(
            "{}: {} ({})",
            self.decided_on.format("%d.%m.%Y"),
            self.measure,
            self.reason
        )
    }
}

/// What changed from `old` to `new`, field by field; list items added and removed.
pub fn changes(old: &Snapshot, new: &Snapshot) -> Vec<Change> {
    let mut out: Vec<Change> = old
        .entry
        .labelled()
        .into_iter()
        .zip(new.entry.labelled())
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, a), (_, b))| Change {
            field: field.to_string(),
            old: a,
            new: b,
        })
        .collect();
    fn lists(out: &mut Vec<Change>, what: &str, old: Vec<String>, new: Vec<String>) {
        for gone in old.iter().filter(|o| !new.contains(o)) {
            out.push(Change {
                field: what.to_string(),
                old: gone.clone(),
                new: String::new(),
            });
        }
        for added in new.iter().filter(|n| !old.contains(n)) {
            out.push(Change {
                field: what.to_string(),
                old: String::new(),
                new: added.clone(),
            });
        }
    }
    lists(
        &mut out,
        "Договор страхования",
        old.policies.iter().map(Policy::describe).collect(),
        new.policies.iter().map(Policy::describe).collect(),
    );
    lists(
        &mut out,
        "Проверка",
        old.inspections.iter().map(Inspection::describe).collect(),
        new.inspections.iter().map(Inspection::describe).collect(),
    );
    lists(
        &mut out,
        "Мера дисциплинарного воздействия",
        old.measures.iter().map(Measure::describe).collect(),
        new.measures.iter().map(Measure::describe).collect(),
    );
    out
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    pub fn sample() -> Entry {
        Entry {
            full_name: "Общество с ограниченной ответственностью «Пример»".into(),
            short_name: "ООО «Пример»".into(),
            inn: "7700123459".into(),
            ogrn: "1027700123450".into(),
            kpp: Some("770001001".into()),
            legal_address: "г. Москва".into(),
            actual_address: String::new(),
            head_name: "Иванов Иван Иванович".into(),
            head_position: "Генеральный директор".into(),
            phone: String::new(),
            email: String::new(),
            site: String::new(),
            register_number: Some("17".into()),
            status: MembershipStatus::Member,
            admitted_on: NaiveDate::from_ymd_opt(2020, 3, 1),
            admission_decision_number: "5".into(),
            admission_decision_date: NaiveDate::from_ymd_opt(2020, 2, 20),
            admission_effective_on: NaiveDate::from_ymd_opt(2020, 3, 1),
            terminated_on: None,
            termination_reason: String::new(),
            suspended_from: None,
            suspended_until: None,
            suspension_reason: String::new(),
            right_ordinary_from: NaiveDate::from_ymd_opt(2020, 3, 1),
            right_dangerous_from: None,
            right_nuclear_from: None,
            vv_level: Some(1),
            vv_contribution: 100_000 * 100,
            odo_level: None,
            odo_contribution: 0,
            odo_obligations: 0,
            odo_obligations_on: None,
        }
    }
}

#[cfg(test)]
mod tests;

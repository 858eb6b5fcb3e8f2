//! The register entry as named text fields: one list of fields drives the staff form, the
//! import and the export columns, so the three cannot drift apart.

use std::collections::HashMap;

use super::model::{Entry, MembershipStatus};
use crate::fmt::{
    date_or_empty as date_text, parse_date, parse_rubles, rubles_input as money_text,
};
use crate::validation::{FieldError, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    LongText,
    Date,
    Money,
    Level,
    Status,
}

/// One field: its name (form, import and export), the column title and the form label.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub hint: &'static str,
}

const fn f(
    name: &'static str,
    label: &'static str,
    kind: Kind,
    required: bool,
    hint: &'static str,
) -> Field {
    Field {
        name,
        label,
        kind,
        required,
        hint,
    }
}

/// The fields in groups, as the form shows them.
pub const GROUPS: &[(&str, &[Field])] = &[
    (
        "Сведения о члене СРО",
        &[
            f(
                "full_name",
                "Полное наименование",
                Kind::Text,
                true,
                "Для ИП — фамилия, имя, отчество",
            ),
            f(
                "short_name",
                "Сокращенное наименование",
                Kind::Text,
                true,
                "",
            ),
            f(
                "inn",
                "ИНН",
                Kind::Text,
                true,
                "10 цифр у юридического лица, 12 — у ИП",
            ),
            f(
                "ogrn",
                "ОГРН/ОГРНИП",
                Kind::Text,
                true,
                "13 цифр (ОГРН) или 15 (ОГРНИП)",
            ),
            f("kpp", "КПП", Kind::Text, false, ""),
            f(
                "legal_address",
                "Адрес места нахождения",
                Kind::Text,
                false,
                "",
            ),
            f(
                "actual_address",
                "Фактический адрес",
                Kind::Text,
                false,
                "Для ИП — место фактического осуществления деятельности",
            ),
            f("head_name", "ФИО руководителя", Kind::Text, false, ""),
            f(
                "head_position",
                "Должность руководителя",
                Kind::Text,
                false,
                "",
            ),
            f("phone", "Телефоны", Kind::Text, false, ""),
            f("email", "E-mail", Kind::Text, false, ""),
            f("site", "Сайт", Kind::Text, false, ""),
        ],
    ),
    (
        "Сведения о членстве",
        &[
            f(
                "register_number",
                "Регистрационный номер в реестре",
                Kind::Text,
                false,
                "Пусто — номер присвоится автоматически",
            ),
            f("status", "Статус", Kind::Status, true, ""),
            f(
                "admitted_on",
                "Дата регистрации в реестре",
                Kind::Date,
                true,
                "Членство начинается с внесения в реестр",
            ),
            f(
                "admission_decision_number",
                "Номер решения о приеме",
                Kind::Text,
                false,
                "",
            ),
            f(
                "admission_decision_date",
                "Дата решения о приеме",
                Kind::Date,
                false,
                "",
            ),
            f(
                "admission_effective_on",
                "Дата вступления решения в силу",
                Kind::Date,
                false,
                "",
            ),
            f(
                "terminated_on",
                "Дата прекращения членства",
                Kind::Date,
                false,
                "Только для исключенных и вышедших",
            ),
            f(
                "termination_reason",
                "Основание прекращения членства",
                Kind::LongText,
                false,
                "",
            ),
            f(
                "suspended_from",
                "Право приостановлено с",
                Kind::Date,
                false,
                "",
            ),
            f(
                "suspended_until",
                "Право приостановлено по",
                Kind::Date,
                false,
                "",
            ),
            f(
                "suspension_reason",
                "Основание приостановления",
                Kind::LongText,
                false,
                "",
            ),
        ],
    ),
    (
        "Право выполнения работ и имущественная ответственность",
        &[
            f(
                "right_ordinary_from",
                "Право (а): объекты, кроме особо опасных и атомных, с",
                Kind::Date,
                false,
                "Пусто — нет права",
            ),
            f(
                "right_dangerous_from",
                "Право (б): особо опасные, технически сложные, уникальные, с",
                Kind::Date,
                false,
                "Пусто — нет права",
            ),
            f(
                "right_nuclear_from",
                "Право (в): объекты использования атомной энергии, с",
                Kind::Date,
                false,
                "Пусто — нет права",
            ),
            f(
                "vv_level",
                "Уровень ответственности КФ ВВ",
                Kind::Level,
                false,
                "",
            ),
            f(
                "vv_contribution",
                "Взнос в КФ ВВ, ₽",
                Kind::Money,
                false,
                "",
            ),
            f(
                "odo_level",
                "Уровень ответственности КФ ОДО",
                Kind::Level,
                false,
                "",
            ),
            f(
                "odo_contribution",
                "Взнос в КФ ОДО, ₽",
                Kind::Money,
                false,
                "",
            ),
            f(
                "odo_obligations",
                "Фактический совокупный размер обязательств по конкурентным договорам, ₽",
                Kind::Money,
                false,
                "",
            ),
            f(
                "odo_obligations_on",
                "Дата обновления обязательств",
                Kind::Date,
                false,
                "",
            ),
        ],
    ),
];

pub fn fields() -> impl Iterator<Item = &'static Field> {
    GROUPS.iter().flat_map(|(_, fs)| fs.iter())
}

/// The entry as field values (the form's initial values, the export's cells).
pub fn values(e: &Entry) -> HashMap<&'static str, String> {
    let lvl = |l: Option<i64>| l.map(|n| n.to_string()).unwrap_or_default();
    HashMap::from([
        ("full_name", e.full_name.clone()),
        ("short_name", e.short_name.clone()),
        ("inn", e.inn.clone()),
        ("ogrn", e.ogrn.clone()),
        ("kpp", e.kpp.clone().unwrap_or_default()),
        ("legal_address", e.legal_address.clone()),
        ("actual_address", e.actual_address.clone()),
        ("head_name", e.head_name.clone()),
        ("head_position", e.head_position.clone()),
        ("phone", e.phone.clone()),
        ("email", e.email.clone()),
        ("site", e.site.clone()),
        (
            "register_number",
            e.register_number.clone().unwrap_or_default(),
        ),
        ("status", e.status.label().to_string()),
        ("admitted_on", date_text(&e.admitted_on)),
        (
            "admission_decision_number",
            e.admission_decision_number.clone(),
        ),
        (
            "admission_decision_date",
            date_text(&e.admission_decision_date),
        ),
        (
            "admission_effective_on",
            date_text(&e.admission_effective_on),
        ),
        ("terminated_on", date_text(&e.terminated_on)),
        ("termination_reason", e.termination_reason.clone()),
        ("suspended_from", date_text(&e.suspended_from)),
        ("suspended_until", date_text(&e.suspended_until)),
        ("suspension_reason", e.suspension_reason.clone()),
        ("right_ordinary_from", date_text(&e.right_ordinary_from)),
        ("right_dangerous_from", date_text(&e.right_dangerous_from)),
        ("right_nuclear_from", date_text(&e.right_nuclear_from)),
        ("vv_level", lvl(e.vv_level)),
        ("vv_contribution", money_text(e.vv_contribution)),
        ("odo_level", lvl(e.odo_level)),
        ("odo_contribution", money_text(e.odo_contribution)),
        ("odo_obligations", money_text(e.odo_obligations)),
        ("odo_obligations_on", date_text(&e.odo_obligations_on)),
    ])
}

/// A status from its code («member») or its label («Член СРО»), as people type it in files.
pub fn parse_status(s: &str) -> Option<MembershipStatus> {
    let t = s.trim().to_lowercase();
    MembershipStatus::ALL.into_iter().find(|st| {
        st.code() == t
            || st.label().to_lowercase() == t
            || match st {
                MembershipStatus::Member => t == "член" || t == "является членом",
                MembershipStatus::Suspended => t == "приостановлено" || t == "приостановлен",
                MembershipStatus::Excluded => t == "исключен" || t == "исключён",
                MembershipStatus::Left => t == "вышел" || t == "добровольный выход",
            }
    })
}

/// Reads an entry from field values; a missing value reads as empty. Errors name the field.
pub fn parse(get: &dyn Fn(&str) -> String) -> Result<Entry, FieldErrors> {
    let mut errors = Vec::new();
    let text = |name: &str| get(name).trim().to_string();
    let mut date = |name: &'static str| match parse_date(&get(name)) {
        Ok(d) => d,
        Err(m) => {
            errors.push(FieldError::new(name, m));
            None
        }
    };
    let admitted_on = date("admitted_on");
    let admission_decision_date = date("admission_decision_date");
    let admission_effective_on = date("admission_effective_on");
    let terminated_on = date("terminated_on");
    let suspended_from = date("suspended_from");
    let suspended_until = date("suspended_until");
    let right_ordinary_from = date("right_ordinary_from");
    let right_dangerous_from = date("right_dangerous_from");
    let right_nuclear_from = date("right_nuclear_from");
    let odo_obligations_on = date("odo_obligations_on");
    let mut money = |name: &'static str| match parse_rubles(&get(name)) {
        Ok(k) => k,
        Err(m) => {
            errors.push(FieldError::new(name, m));
            0
        }
    };
    let vv_contribution = money("vv_contribution");
    let odo_contribution = money("odo_contribution");
    let odo_obligations = money("odo_obligations");
    let mut level = |name: &'static str| {
        let t = get(name).trim().to_string();
        if t.is_empty() || t == "нет" || t == "—" {
            return None;
        }
        match t.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    name,
                    format!("«{t}»: уровень указывается числом, например 1"),
                ));
                None
            }
        }
    };
    let vv_level = level("vv_level");
    let odo_level = level("odo_level");
    let status_raw = get("status");
    let status = if status_raw.trim().is_empty() {
        MembershipStatus::Member
    } else {
        parse_status(&status_raw).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "status",
                format!(
                    "«{}»: статус — член СРО, приостановлено, исключен или вышел",
                    status_raw.trim()
                ),
            ));
            MembershipStatus::Member
        })
    };
    let kpp = text("kpp");
    let number = text("register_number");
    let entry = Entry {
        full_name: text("full_name"),
        short_name: text("short_name"),
        inn: text("inn"),
        ogrn: text("ogrn"),
        kpp: (!kpp.is_empty()).then_some(kpp),
        legal_address: text("legal_address"),
        actual_address: text("actual_address"),
        head_name: text("head_name"),
        head_position: text("head_position"),
        phone: text("phone"),
        email: text("email"),
        site: text("site"),
        register_number: (!number.is_empty()).then_some(number),
        status,
        admitted_on,
        admission_decision_number: text("admission_decision_number"),
        admission_decision_date,
        admission_effective_on,
        terminated_on,
        termination_reason: text("termination_reason"),
        suspended_from,
        suspended_until,
        suspension_reason: text("suspension_reason"),
        right_ordinary_from,
        right_dangerous_from,
        right_nuclear_from,
        vv_level,
        vv_contribution,
        odo_level,
        odo_contribution,
        odo_obligations,
        odo_obligations_on,
    };
    if errors.is_empty() {
        Ok(entry)
    } else {
        Err(errors.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_field_is_in_the_list_once() {
        let names: Vec<_> = fields().map(|f| f.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names.len(), sorted.len());
        let e = crate::register::model::tests_support::sample();
        let v = values(&e);
        assert_eq!(v.len(), names.len());
        for n in &names {
            assert!(v.contains_key(n), "{n}");
        }
        // values → parse gives the entry back
        let back = parse(&|n| v.get(n).cloned().unwrap_or_default()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn bad_values_name_their_field() {
        let errs = parse(&|n| match n {
            "admitted_on" => "31.02.2024".into(),
            "vv_level" => "первый".into(),
            "vv_contribution" => "много".into(),
            "status" => "почти член".into(),
            _ => String::new(),
        })
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["admitted_on", "vv_contribution", "vv_level", "status"]
        );
    }

    #[test]
    fn statuses_by_code_or_word() {
        assert_eq!(parse_status("Член СРО"), Some(MembershipStatus::Member));
        assert_eq!(parse_status("исключен"), Some(MembershipStatus::Excluded));
        assert_eq!(parse_status("left"), Some(MembershipStatus::Left));
        assert_eq!(parse_status("x"), None);
    }
}

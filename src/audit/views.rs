//! Audit entries as the back office shows them: Russian labels of the actions.

use super::AuditRow;
use crate::fmt;

pub struct AuditView {
    pub id: i64,
    pub at: String,
    /// The same moment for `<time datetime>`.
    pub at_iso: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub ip: String,
}

impl From<&AuditRow> for AuditView {
    fn from(r: &AuditRow) -> Self {
        AuditView {
            id: r.id,
            at: fmt::datetime(&r.at),
            at_iso: r.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            actor: r.actor.clone(),
            action: action_label(&r.action).to_string(),
            object: format!("{} {}", object_label(&r.object_type), r.object_id),
            ip: fmt::or_dash(&r.ip),
        }
    }
}

/// What kind of thing an entry is about, in Russian («Документ 12», not «item 12»).
pub fn object_label(object_type: &str) -> &str {
    match object_type {
        "member" => "Член СРО",
        "user" | "account" => "Пользователь",
        "item" => "Документ",
        "outbox" => "Письмо",
        "report_campaign" => "Отчетная кампания",
        "report_section" => "Раздел отчета",
        "invitation_batch" => "Рассылка приглашений",
        "extract" => "Выписка",
        "reminder_rules" => "Правила напоминаний",
        "company_archive" => "Архив организации",
        "trust" => "Доверенные УЦ",
        "contract" => "Договор",
        "work_calendar" => "Производственный календарь",
        "charge_type" => "Вид взноса",
        "accrual_run" => "Начисление за период",
        "bank_statement" => "Выписка банка",
        "sro_message" => "Документ СРО",
        other => other,
    }
}

/// The Russian name of an action; an unknown action shows its code.
pub fn action_label(action: &str) -> &str {
    match action {
        "auth.login" => "Вход в кабинет",
        "auth.login_locked" => "Вход приостановлен после неудачных попыток",
        "item.send" => "Документ отправлен в СРО",
        "message.send" => "Документ СРО отправлен членам",
        "message.open" => "Документ СРО открыт",
        "message.ack" => "Ознакомление с документом СРО",
        "message.remind" => "Напоминание о документе СРО",
        "reminders.rules" => "Правила напоминаний изменены",
        "calendar.feed" => "Адрес календаря создан",
        "calendar.feed_revoke" => "Адрес календаря отключен",
        "archive.request" => "Архив организации заказан",
        "contract.add" => "Договор добавлен",
        "contract.event" => "Событие по договору",
        "workdays.change" => "Производственный календарь изменен",
        "trust.import" => "Загружены доверенные УЦ или списки отзыва",
        "signature.recheck" => "Подпись проверена заново",
        "archive.download" => "Архив организации скачан",
        "billing.charge" => "Начисление (вручную)",
        "billing.charge_reversed" => "Начисление сторнировано",
        "billing.payment" => "Оплата принята (вручную)",
        "billing.payment_reversed" => "Оплата сторнирована",
        "billing.reallocated" => "Оплата разнесена заново",
        "billing.assigned" => "Неразнесенный платеж отнесен на члена СРО",
        "billing.tariff" => "Изменен вид взноса или тариф",
        "billing.exemption" => "Льгота по взносу",
        "billing.accrual" => "Начисление за период (вручную)",
        "billing.statement" => "Загружена выписка банка",
        "billing.invoice" => "Выставлен счет на оплату",
        "item.delete_draft" => "Черновик удален",
        "item.register" => "Документ зарегистрирован (входящий номер)",
        "item.accept" => "Документ принят",
        "item.return" => "Документ возвращен на доработку",
        "report.campaign_create" => "Создана отчетная кампания",
        "report.campaign_update" => "Изменена отчетная кампания",
        "report.section_add" => "Добавлен раздел отчета",
        "report.section_update" => "Изменен раздел отчета",
        "report.section_retire" => "Раздел отчета выведен из кампании",
        "report.section_restore" => "Раздел отчета возвращен в кампанию",
        "report.template_upload" => "Загружен шаблон раздела",
        "report.template_retire" => "Шаблон раздела снят",
        "auth.logout" => "Выход из кабинета",
        "staff.create" => "Создан сотрудник СРО",
        "member.create" => "Добавлен член СРО",
        "member.create_many" => "Добавлены члены СРО (пакетом)",
        "member_user.create" => "Добавлен пользователь организации",
        "member_user.create_many" => "Добавлены пользователи (пакетом)",
        "member_user.email_changed" => "Изменен e-mail пользователя (ЛК)",
        "user.mail_notices" => "Изменен выбор писем о документах",
        "member_user.head_appointed" => "Сотрудник СРО назначил руководителя организации (ЛК)",
        "member_user.invited" => "Приглашен пользователь",
        "member_user.invited_many" => "Приглашены все члены СРО без доступа (пакетом)",
        "member_user.invitation_resent" => "Приглашение пользователю отправлено повторно",
        "member_user.invitation_withdrawn" => "Приглашение пользователю отозвано",
        "staff.invited" => "Приглашен сотрудник СРО",
        "staff.invitation_resent" => "Приглашение сотруднику отправлено повторно",
        "staff.updated" => "Изменены роль или доступ сотрудника СРО",
        "register.expert" => "Назначен эксперт члена СРО",
        "register.experts_reassigned" => "Организации эксперта переданы другому эксперту",
        "member_user.updated" => "Изменены роль или доступ пользователя",
        "auth.reset_requested" => "Запрошено восстановление пароля",
        "auth.password_reset" => "Пароль восстановлен по ссылке",
        "auth.password_set" => "Пароль установлен по приглашению",
        "auth.password_changed" => "Пароль изменен в профиле",
        "mail.requeued" => "Письмо отправлено повторно",
        "register.admit" => "Член СРО внесен в реестр",
        "register.import" => "Члены СРО внесены в реестр (импорт)",
        "register.change" => "Изменена запись реестра",
        "register.extract" => "Выдана выписка из реестра",
        other => other,
    }
}

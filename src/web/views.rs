//! The page chrome every template gets: the SRO's name and contacts (header and footer), the
//! user, the menu, the CSRF token for forms. Formatting helpers are in `crate::fmt`.

use std::sync::Arc;

use crate::auth::rules::{Permission, allows};
use crate::auth::{Principal, SessionUser};
use crate::config::Settings;
use crate::web::assets::Assets;

/// The SRO as shown on every page, built once from config.
pub struct SroView {
    pub name: String,
    pub short_name: String,
    pub phone: String,
    pub phone_href: String,
    pub email: String,
    pub address: String,
    pub site: String,
    pub site_label: String,
    pub inn: String,
    pub kpp: String,
    pub ogrn: String,
    pub bank_name: String,
    pub bic: String,
    pub account: String,
    pub corr_account: String,
    pub work_hours: String,
    pub logo_url: Option<String>,
    pub css_url: String,
    pub js_url: String,
    pub theme_url: String,
}

impl SroView {
    pub fn new(settings: &Settings, assets: &Assets) -> SroView {
        let s = &settings.sro;
        SroView {
            name: s.name.clone(),
            short_name: s.short_name.clone(),
            phone: s.phone.clone(),
            phone_href: format!(
                "tel:{}",
                s.phone
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '+')
                    .collect::<String>()
            ),
            email: s.email.clone(),
            address: s.address.clone(),
            site: s.site.clone(),
            site_label: s
                .site
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string(),
            inn: s.inn.clone(),
            kpp: s.kpp.clone(),
            ogrn: s.ogrn.clone(),
            bank_name: s.bank_name.clone(),
            bic: s.bic.clone(),
            account: s.account.clone(),
            corr_account: s.corr_account.clone(),
            work_hours: s.work_hours.clone(),
            logo_url: assets.logo_url.clone(),
            css_url: assets.css_url.clone(),
            js_url: assets.js_url.clone(),
            theme_url: assets.theme_url.clone(),
        }
    }

    pub fn has_requisites(&self) -> bool {
        !self.inn.is_empty() || !self.ogrn.is_empty() || !self.account.is_empty()
    }
}

pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
    /// A counter beside the label (new SRO messages); 0: none.
    pub count: i64,
    /// A submenu (shown on hover and keyboard focus; the item's own page lists the same links).
    pub children: Vec<(&'static str, &'static str)>,
}

/// Who is logged in, for the header.
pub struct UserBadge {
    pub name: String,
    pub role: &'static str,
    pub company: Option<String>,
}

pub struct Chrome {
    pub sro: Arc<SroView>,
    pub title: String,
    pub user: Option<UserBadge>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    /// Where the logo links to: the user's home page, or the login page.
    pub home: &'static str,
    /// The page is «Профиль» (its button in the header, not the menu, is the current one).
    pub on_profile: bool,
}

impl Chrome {
    pub fn new(
        sro: Arc<SroView>,
        title: &str,
        user: Option<&SessionUser>,
        csrf: &str,
        path: &str,
    ) -> Chrome {
        let items: Vec<(&'static str, &'static str)> = match user.map(|u| u.principal) {
            // Visitors see what is public: the register and the check of an extract.
            None => vec![
                ("Реестр членов СРО", "/reestr"),
                ("Проверка выписки", "/v"),
                ("Вход в личный кабинет", "/login"),
            ],
            Some(p @ Principal::Member { .. }) => {
                let mut v = vec![("Главная", "/kabinet")];
                if allows(p, Permission::Reports) {
                    v.push(("Отчеты", "/kabinet/reports"));
                    v.push(("Журнал исходящих", "/kabinet/journal"));
                }
                if allows(p, Permission::Contracts) {
                    v.push(("Договоры", "/kabinet/contracts"));
                }
                v.push(("Документы от СРО", "/kabinet/messages"));
                v.push(("Календарь", "/kabinet/calendar"));
                if allows(p, Permission::Payments) {
                    v.push(("Платежи", "/kabinet/payments"));
                }
                v.push(("Выписка из реестра", "/kabinet/extracts"));
                v.push(("Организация", "/kabinet/company"));
                v
            }
            Some(p @ Principal::Staff { .. }) => {
                let mut v = vec![
                    ("Рабочий стол", "/office"),
                    ("Входящие", "/office/inbox"),
                    ("Члены СРО", "/office/members"),
                    ("Отчеты", "/office/reports"),
                ];
                if allows(p, Permission::Billing) {
                    v.push(("Взносы", "/office/billing"));
                }
                if allows(p, Permission::SendMessages) {
                    v.push(("Документы членам", "/office/messages"));
                }
                v.push(("Договоры", "/office/contracts"));
                v.push(("Почта", "/office/mail"));
                if allows(p, Permission::Administer) {
                    // One item with a submenu: twelve items did not fit one row at 1366 px.
                    v.push(("Администрирование", "/office/staff"));
                }
                v
            }
        };
        let allows_manage = user.is_some_and(|u| allows(u.principal, Permission::ManageBilling));
        let allows_admin = user.is_some_and(|u| allows(u.principal, Permission::Administer));
        let mut nav: Vec<NavItem> = items
            .into_iter()
            .map(|(label, href)| NavItem {
                label,
                href,
                active: false,
                count: match (href, user) {
                    ("/kabinet/messages", Some(u)) => u.new_sro,
                    _ => 0,
                },
                children: match href {
                    "/kabinet/reports" => vec![
                        ("Отчет за текущий год", "/kabinet/reports/current"),
                        ("Журнал исходящих сообщений", "/kabinet/journal"),
                        ("Письмо в СРО", "/kabinet/letters/new"),
                    ],
                    "/office/billing" if allows_manage => vec![
                        ("Выписки банка", "/office/billing/statements"),
                        ("Неразнесенные платежи", "/office/billing/unmatched"),
                        ("Должники", "/office/billing/debtors"),
                        ("Начисления", "/office/billing/runs"),
                        ("Взносы и тарифы", "/office/billing/tariffs"),
                    ],
                    "/office/messages" => vec![
                        ("Журнал сообщений", "/office/messages"),
                        ("Новое сообщение", "/office/messages/new"),
                        ("Напоминания", "/office/reminders"),
                    ],
                    "/office/contracts" => {
                        let mut v = vec![
                            ("Уведомления о договорах", "/office/contracts"),
                            ("КФ ОДО: обязательства", "/office/contracts/odo"),
                        ];
                        if allows_admin {
                            v.push(("Производственный календарь", "/office/workdays"));
                        }
                        v
                    }
                    "/office/members" => vec![
                        ("Список членов", "/office/members"),
                        ("Журнал выписок", "/office/extracts"),
                        ("Публичный реестр", "/reestr"),
                    ],
                    "/office/staff" => vec![
                        ("Сотрудники", "/office/staff"),
                        ("Журнал аудита", "/office/audit"),
                        ("Доверенные УЦ", "/office/trust"),
                    ],
                    _ => vec![],
                },
            })
            .collect();
        // The page's section is the item whose own address or one of its submenu's is the
        // longest prefix of the path ("/kabinet/company" over "/kabinet"; «Письмо в СРО» is
        // under «Отчеты», not «Главная»).
        let matches = |href: &str| path == href || path.starts_with(&format!("{href}/"));
        // On a tie the item's own address wins over another item's submenu entry.
        let best = |item: &NavItem| {
            std::iter::once((item.href, 1))
                .chain(item.children.iter().map(|(_, h)| (*h, 0)))
                .filter(|(h, _)| matches(h))
                .map(|(h, own)| (h.len(), own))
                .max()
        };
        let active = (0..nav.len())
            .filter_map(|i| best(&nav[i]).map(|len| (len, i)))
            .max()
            .map(|(_, i)| i);
        if let Some(i) = active {
            nav[i].active = true;
        }
        Chrome {
            sro,
            title: title.to_string(),
            user: user.map(|u| UserBadge {
                name: u.full_name.clone(),
                role: u.role_label(),
                company: u.company.clone(),
            }),
            nav,
            on_profile: path == "/profile" || path.starts_with("/profile/"),
            csrf: csrf.to_string(),
            home: match user.map(|u| u.principal) {
                None => "/login",
                Some(Principal::Member { .. }) => "/kabinet",
                Some(Principal::Staff { .. }) => "/office",
            },
        }
    }
}

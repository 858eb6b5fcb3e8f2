//! The page chrome every template gets: the SRO's name and contacts (header and footer), the
//! user, the menu, the CSRF token for forms; plus small display helpers.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::auth::model::Area;
use crate::auth::{Principal, SessionUser, StaffRole};
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
            Some(Principal::Member { role, .. }) => {
                let mut v = vec![("Главная", "/kabinet")];
                if role.may(Area::Reports) {
                    v.push(("Отчеты", "/kabinet/reports"));
                    v.push(("Журнал исходящих", "/kabinet/journal"));
                }
                v.push(("Выписка из реестра", "/kabinet/extracts"));
                v.push(("Организация", "/kabinet/company"));
                v.push(("Профиль", "/profile"));
                v
            }
            Some(Principal::Staff { role }) => {
                let mut v = vec![
                    ("Рабочий стол", "/office"),
                    ("Входящие", "/office/inbox"),
                    ("Члены СРО", "/office/members"),
                    ("Отчеты", "/office/reports"),
                    ("Почта", "/office/mail"),
                ];
                if role == StaffRole::Admin {
                    v.push(("Журнал аудита", "/office/audit"));
                }
                v.push(("Профиль", "/profile"));
                v
            }
        };
        // The longest matching prefix is the active item ("/kabinet/company" over "/kabinet").
        let matches = |href: &str| path == href || path.starts_with(&format!("{href}/"));
        let active = items
            .iter()
            .map(|(_, href)| *href)
            .filter(|h| matches(h))
            .max_by_key(|h| h.len());
        let nav = items
            .into_iter()
            .map(|(label, href)| NavItem {
                label,
                href,
                active: Some(href) == active,
                children: match href {
                    "/kabinet/reports" => vec![
                        ("Отчет за текущий год", "/kabinet/reports/current"),
                        ("Журнал исходящих сообщений", "/kabinet/journal"),
                        ("Письмо в СРО", "/kabinet/letters/new"),
                    ],
                    "/office/members" => vec![
                        ("Список членов", "/office/members"),
                        ("Журнал выписок", "/office/extracts"),
                        ("Публичный реестр", "/reestr"),
                    ],
                    _ => vec![],
                },
            })
            .collect();
        Chrome {
            sro,
            title: title.to_string(),
            user: user.map(|u| UserBadge {
                name: u.full_name.clone(),
                role: u.role_label(),
                company: u.company.clone(),
            }),
            nav,
            csrf: csrf.to_string(),
            home: match user.map(|u| u.principal) {
                None => "/login",
                Some(Principal::Member { .. }) => "/kabinet",
                Some(Principal::Staff { .. }) => "/office",
            },
        }
    }
}

/// «23.11.2026»
pub fn date(d: &NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

pub fn opt_date(d: &Option<NaiveDate>) -> String {
    d.as_ref().map(date).unwrap_or_else(|| "—".to_string())
}

/// «23.11.2026 14:05» in Moscow time, which is what members and staff read.
pub fn datetime(t: &DateTime<Utc>) -> String {
    let msk = chrono::FixedOffset::east_opt(3 * 3600).expect("valid offset");
    t.with_timezone(&msk).format("%d.%m.%Y %H:%M").to_string()
}

/// «23.11.2026 14:05:33» in Moscow time (receipts: to the second).
pub fn datetime_seconds(t: &DateTime<Utc>) -> String {
    let msk = chrono::FixedOffset::east_opt(3 * 3600).expect("valid offset");
    t.with_timezone(&msk)
        .format("%d.%m.%Y %H:%M:%S")
        .to_string()
}

/// «—» for empty values, so tables have no holes.
pub fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".to_string()
    } else {
        s.to_string()
    }
}

/// A short, human description of a browser from its User-Agent.
pub fn browser_label(ua: &str) -> String {
    let browser = if ua.contains("YaBrowser") {
        "Яндекс Браузер"
    } else if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.contains("Trident/") || ua.contains("MSIE") {
        "Internet Explorer"
    } else if ua.is_empty() {
        "неизвестно"
    } else {
        "другой браузер"
    };
    let os = if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Mac OS") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    if os.is_empty() {
        browser.to_string()
    } else {
        format!("{browser}, {os}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_russian_and_moscow_time() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        assert_eq!(date(&d), "03.11.2026");
        let t = DateTime::parse_from_rfc3339("2026-11-23T21:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(datetime(&t), "24.11.2026 00:30");
        assert_eq!(or_dash("  "), "—");
    }

    #[test]
    fn browsers() {
        assert_eq!(
            browser_label("Mozilla/5.0 (Windows NT 6.1) Chrome/109.0 Safari/537.36"),
            "Chrome, Windows"
        );
        assert_eq!(browser_label(""), "неизвестно");
    }
}

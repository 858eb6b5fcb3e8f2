//! Settings: one TOML file per SRO plus `KABINET__SECTION__KEY` environment overrides (env wins).
//!
//! There is no global config: `Settings` is loaded once in `main` (or in a test) and passed into
//! `Application::build`. Every problem is reported as one line naming the key.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The shortest grace period before an unreferenced blob is removed, in minutes.
pub const MIN_ORPHAN_GRACE_MINUTES: u64 = 10;

mod sections;
pub use sections::*;

/// The kind of SRO decides the liability level tables and the wording of the extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SroKind {
    /// строительство, реконструкция, капремонт, снос
    Builders,
    /// подготовка проектной документации
    Designers,
    /// инженерные изыскания
    Surveyors,
}

impl SroKind {
    pub fn based_on(self) -> &'static str {
        match self {
            SroKind::Builders => "основанная на членстве лиц, осуществляющих строительство",
            SroKind::Designers => {
                "основанная на членстве лиц, осуществляющих подготовку проектной документации"
            }
            SroKind::Surveyors => "основанная на членстве лиц, осуществляющих инженерные изыскания",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub sro: SroSettings,
    #[serde(default)]
    pub branding: BrandingSettings,
    #[serde(default)]
    pub server: ServerSettings,
    #[serde(default)]
    pub database: DatabaseSettings,
    #[serde(default)]
    pub security: SecuritySettings,
    #[serde(default)]
    pub log: LogSettings,
    #[serde(default)]
    pub demo: DemoSettings,
    #[serde(default)]
    pub mail: MailSettings,
    #[serde(default)]
    pub storage: StorageSettings,
    #[serde(default)]
    pub uploads: UploadSettings,
    #[serde(default)]
    pub exchange: ExchangeSettings,
    #[serde(default)]
    pub billing: BillingSettings,
    #[serde(default)]
    pub register: RegisterSettings,
    #[serde(default)]
    pub jobs: JobsSettings,
    #[serde(default)]
    pub metrics: MetricsSettings,
    #[serde(default)]
    pub signatures: SignaturesSettings,
    #[serde(default)]
    pub contracts: ContractsSettings,
    /// Directory the config file lives in; relative paths (logo) are resolved against it.
    #[serde(skip)]
    pub config_dir: PathBuf,
}

/// A configuration problem, already phrased as the one line the operator sees.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// The figment for a config file plus the environment; tests merge their own values on top.
    pub fn figment(path: &Path) -> Figment {
        Figment::new()
            .merge(Toml::file_exact(path))
            .merge(Env::prefixed("KABINET__").split("__"))
    }

    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        if !path.is_file() {
            return Err(ConfigError(format!(
                "config file {}: not found",
                path.display()
            )));
        }
        Self::from_figment(Self::figment(path), path)
    }

    pub fn from_figment(figment: Figment, path: &Path) -> Result<Settings, ConfigError> {
        let mut settings: Settings = figment.extract().map_err(|e| {
            let e = e
                .into_iter()
                .next()
                .expect("a figment error has at least one entry");
            let key = if e.path.is_empty() {
                "(top level)".to_string()
            } else {
                e.path.join(".")
            };
            let from = e
                .metadata
                .as_ref()
                .map(|m| m.name.to_string())
                .unwrap_or_default();
            ConfigError(format!("config key `{key}`: {} ({from})", e.kind))
        })?;
        settings.config_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        settings.validate()?;
        Ok(settings)
    }

    /// Overrides used by tests and the CLI: `("server.port", 0)` etc.
    pub fn with(self, key: &str, value: impl Serialize) -> Result<Settings, ConfigError> {
        let dir = self.config_dir.clone();
        let figment = Figment::from(Serialized::defaults(&self)).merge((key, value));
        let mut s = Self::from_figment(figment, &dir.join("x.toml"))?;
        s.config_dir = dir;
        Ok(s)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: &str| Err(ConfigError(format!("config key `{key}`: {why}")));
        if self.sro.name.trim().is_empty() {
            return bad("sro.name", "must not be empty");
        }
        if self.sro.short_name.trim().is_empty() {
            return bad("sro.short_name", "must not be empty");
        }
        if !self.sro.email.contains('@') {
            return bad("sro.email", "is not an e-mail address");
        }
        for (key, value) in [
            ("branding.primary_color", &self.branding.primary_color),
            ("branding.accent_color", &self.branding.accent_color),
        ] {
            if !is_hex_colour(value) {
                return bad(key, "must be a colour like #1f3a5f");
            }
        }
        if !self.branding.logo.is_empty() && !self.logo_path().is_file() {
            return bad(
                "branding.logo",
                &format!("file {} not found", self.logo_path().display()),
            );
        }
        if !self.server.base_url.is_empty() {
            match url::Url::parse(&self.server.base_url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                _ => return bad("server.base_url", "must be an http(s) address"),
            }
        }
        let db = &self.database.url;
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
        {
            return bad("database.url", "must start with sqlite: or postgres://");
        }
        if self.database.max_connections == 0 {
            return bad("database.max_connections", "must be at least 1");
        }
        if self.storage.backend == StorageBackend::S3 && self.storage.s3_bucket.trim().is_empty() {
            return bad(
                "storage.s3_bucket",
                "must be set when storage.backend = \"s3\"",
            );
        }
        if self.storage.orphan_grace_minutes < MIN_ORPHAN_GRACE_MINUTES {
            // Below that, a blob could go between its promotion and the commit of its row.
            return bad(
                "storage.orphan_grace_minutes",
                &format!("must be at least {MIN_ORPHAN_GRACE_MINUTES}"),
            );
        }
        let u = &self.uploads;
        if u.max_file_mb == 0 || u.max_item_mb == 0 || u.max_files_per_item == 0 {
            return bad(
                "uploads",
                "max_file_mb, max_item_mb and max_files_per_item must be at least 1",
            );
        }
        if u.max_item_mb < u.max_file_mb {
            return bad(
                "uploads.max_item_mb",
                "must not be less than uploads.max_file_mb",
            );
        }
        if u.max_item_mb >= 4096 {
            // Staff download an item as one ZIP without ZIP64 extensions.
            return bad("uploads.max_item_mb", "must be below 4096 (4 GiB)");
        }
        if u.allowed_extensions.is_empty() {
            return bad(
                "uploads.allowed_extensions",
                "must list at least one extension",
            );
        }
        if !self.register.number_pattern.contains("{seq") {
            return bad("register.number_pattern", "must contain {seq}");
        }
        if !self.exchange.incoming_pattern.contains("{seq") {
            return bad("exchange.incoming_pattern", "must contain {seq}");
        }
        if !matches!(
            self.billing.dues_period.as_str(),
            "month" | "quarter" | "year"
        ) {
            return bad("billing.dues_period", "must be month, quarter or year");
        }
        if !self.billing.accrue_from.is_empty()
            && chrono::NaiveDate::parse_from_str(&self.billing.accrue_from, "%Y-%m-%d").is_err()
        {
            return bad("billing.accrue_from", "must be a date YYYY-MM-DD or empty");
        }
        if !(1..=28).contains(&self.billing.dues_due_day) {
            return bad("billing.dues_due_day", "must be 1..28");
        }
        if !self.exchange.outgoing_pattern.contains("{seq") {
            return bad("exchange.outgoing_pattern", "must contain {seq}");
        }
        if !self.security.secret_key.is_empty() && self.security.secret_key.len() < 32 {
            return bad("security.secret_key", "must be at least 32 characters");
        }
        if self.security.login_per_ip_per_minute == 0
            || self.security.login_per_account_per_minute == 0
        {
            return bad("security.login_per_*_per_minute", "must be at least 1");
        }
        if self.security.session_idle_hours == 0 || self.security.session_max_hours == 0 {
            return bad("security.session_*_hours", "must be at least 1");
        }
        if !self.mail.from_address.contains('@') {
            return bad("mail.from_address", "is not an e-mail address");
        }
        if self.mail.retry_base_seconds == 0
            || self.mail.poll_seconds == 0
            || self.mail.max_attempts < 1
        {
            return bad(
                "mail.retry_base_seconds/poll_seconds/max_attempts",
                "must be at least 1",
            );
        }
        if self.mail.timeout_seconds == 0 || self.mail.lease_seconds <= self.mail.timeout_seconds {
            return bad(
                "mail.lease_seconds",
                "must be longer than mail.timeout_seconds (at least 1)",
            );
        }
        if self.jobs.period_seconds == 0 || self.jobs.lease_seconds == 0 {
            return bad("jobs.period_seconds/lease_seconds", "must be at least 1");
        }
        if !self.metrics.token.is_empty() && self.metrics.token.len() < 16 {
            return bad("metrics.token", "must be at least 16 characters");
        }
        if self.security.reset_token_minutes == 0 || self.security.invite_token_hours == 0 {
            return bad(
                "security.reset_token_minutes/invite_token_hours",
                "must be at least 1",
            );
        }
        if self.security.reset_per_ip_per_hour == 0 || self.security.reset_per_account_per_hour == 0
        {
            return bad("security.reset_per_*_per_hour", "must be at least 1");
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return bad(
                "log.level",
                "is not a valid filter (e.g. info, kabinet=debug)",
            );
        }
        Ok(())
    }

    pub fn logo_path(&self) -> PathBuf {
        self.config_dir.join(&self.branding.logo)
    }

    /// The public address of the portal, without a trailing slash.
    pub fn base_url(&self) -> String {
        if self.server.base_url.is_empty() {
            format!("http://{}:{}", self.server.host, self.server.port)
        } else {
            self.server.base_url.trim_end_matches('/').to_string()
        }
    }

    /// Cookies get `Secure` when users reach us over https.
    pub fn is_https(&self) -> bool {
        self.server.base_url.starts_with("https://")
    }

    /// Where SQLite files and the generated secret live.
    pub fn data_dir(&self) -> PathBuf {
        let db = self
            .database
            .url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        if self.database.url.starts_with("sqlite:") {
            let p = Path::new(db.split('?').next().unwrap_or(db));
            if let Some(parent) = p.parent()
                && !parent.as_os_str().is_empty()
            {
                return parent.to_path_buf();
            }
        }
        PathBuf::from("data")
    }
}

fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_config(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("config")
            .join(name)
    }

    #[test]
    fn both_seed_configs_load() {
        for name in ["sopo.toml", "poso.toml", "example.toml"] {
            let s = Settings::load(&repo_config(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!s.sro.name.is_empty());
        }
    }

    #[test]
    fn bad_colour_names_the_key() {
        let s = Settings::load(&repo_config("sopo.toml")).unwrap();
        let err = s
            .with("branding.primary_color", "red")
            .unwrap_err()
            .to_string();
        assert!(err.contains("branding.primary_color"), "{err}");
    }

    #[test]
    fn the_orphan_grace_has_a_safe_minimum() {
        let s = Settings::load(&repo_config("sopo.toml")).unwrap();
        for bad in [0, 1, 9] {
            let err = s
                .clone()
                .with("storage.orphan_grace_minutes", bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains("storage.orphan_grace_minutes"), "{err}");
        }
        assert!(s.with("storage.orphan_grace_minutes", 10).is_ok());
    }

    #[test]
    fn wrong_type_names_the_key() {
        let s = Settings::load(&repo_config("sopo.toml")).unwrap();
        let err = s.with("server.port", "eighty").unwrap_err().to_string();
        assert!(err.contains("server.port"), "{err}");
    }
}

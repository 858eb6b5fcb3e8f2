//! Settings: one TOML file per SRO plus `KABINET__SECTION__KEY` environment overrides (env wins).
//!
//! There is no global config: `Settings` is loaded once in `main` (or in a test) and passed into
//! `Application::build`. Every problem is reported as one line naming the key.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

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
    pub register: RegisterSettings,
    /// Directory the config file lives in; relative paths (logo) are resolved against it.
    #[serde(skip)]
    pub config_dir: PathBuf,
}

/// Who the SRO is: shown in the header and footer of every page and in documents.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SroSettings {
    pub name: String,
    pub short_name: String,
    pub kind: SroKind,
    pub phone: String,
    pub email: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub site: String,
    /// Номер в государственном реестре СРО, e.g. `СРО-П-179-12122012`.
    #[serde(default)]
    pub state_register_number: String,
    #[serde(default)]
    pub inn: String,
    #[serde(default)]
    pub kpp: String,
    #[serde(default)]
    pub ogrn: String,
    #[serde(default)]
    pub bank_name: String,
    #[serde(default)]
    pub bic: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub corr_account: String,
    #[serde(default)]
    pub work_hours: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrandingSettings {
    /// Path to an SVG or PNG logo, relative to the config file. Empty: the short name is shown.
    pub logo: String,
    /// Main colour (header, buttons), `#rrggbb`.
    pub primary_color: String,
    /// Accent colour (links, focus), `#rrggbb`.
    pub accent_color: String,
}

impl Default for BrandingSettings {
    fn default() -> Self {
        Self {
            logo: String::new(),
            primary_color: "#1f3a5f".into(),
            accent_color: "#b5651d".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// The address users reach the portal at; links in e-mails and QR codes use it.
    pub base_url: String,
    /// Take the client address from `X-Forwarded-For` (only behind our own reverse proxy).
    pub trust_proxy: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            base_url: String::new(),
            trust_proxy: false,
            max_body_bytes: 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite://data/kabinet.db` (created when missing) or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/kabinet.db".into(),
            max_connections: 16,
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecuritySettings {
    /// Key for CSRF tokens (at least 32 characters). Empty: a random key is kept in
    /// `<data dir>/secret.key`, which is fine for one instance; several instances must share one.
    pub secret_key: String,
    /// A session ends after this many hours without activity.
    pub session_idle_hours: u32,
    /// ... and after this many hours in any case.
    pub session_max_hours: u32,
    pub login_per_ip_per_minute: u32,
    pub login_per_account_per_minute: u32,
    /// How long a resolved session may be reused without asking the database. Logout and
    /// blocking take effect at once in this instance, in others within this time. 0: off.
    pub session_cache_ms: u64,
    /// A password-reset link is valid this long.
    pub reset_token_minutes: u32,
    /// An invitation (or a set-password link after an e-mail change) is valid this long.
    pub invite_token_hours: u32,
    pub reset_per_ip_per_hour: u32,
    pub reset_per_account_per_hour: u32,
    /// Look-ups of extract numbers on the public check page from one address: a guesser gets 429.
    pub extract_checks_per_ip_per_minute: u32,
    /// Extracts one member company may issue itself (each is a PDF kept for good).
    pub extracts_per_member_per_hour: u32,
}

impl std::fmt::Debug for SecuritySettings {
    // The secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecuritySettings")
            .field("secret_key", &"***")
            .field("session_idle_hours", &self.session_idle_hours)
            .field("session_max_hours", &self.session_max_hours)
            .field("login_per_ip_per_minute", &self.login_per_ip_per_minute)
            .field(
                "login_per_account_per_minute",
                &self.login_per_account_per_minute,
            )
            .finish()
    }
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            secret_key: String::new(),
            session_idle_hours: 8,
            session_max_hours: 72,
            login_per_ip_per_minute: 30,
            login_per_account_per_minute: 10,
            session_cache_ms: 1000,
            reset_token_minutes: 60,
            invite_token_hours: 72,
            reset_per_ip_per_hour: 30,
            reset_per_account_per_hour: 5,
            extract_checks_per_ip_per_minute: 60,
            extracts_per_member_per_hour: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `kabinet=debug,tower_http=info`.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoSettings {
    /// Load the fictional demo companies and staff into an empty database at start.
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP (a relay on the same host or network).
    None,
    /// STARTTLS on the submission port (587).
    Starttls,
    /// TLS from the first byte (465).
    Tls,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password: String,
    /// Sender shown to members; empty: «Личный кабинет <short name>».
    pub from_name: String,
    pub from_address: String,
    /// First retry after this many seconds, doubling up to `retry_max_seconds`.
    pub retry_base_seconds: u64,
    pub retry_max_seconds: u64,
    /// After this many failed attempts a message is marked failed (staff can send it again).
    pub max_attempts: i32,
    /// How often the worker looks for due messages when nothing wakes it.
    pub poll_seconds: u64,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"***")
            .field("from_address", &self.from_address)
            .finish()
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_host: "127.0.0.1".into(),
            smtp_port: 25,
            security: SmtpSecurity::None,
            username: String::new(),
            password: String::new(),
            from_name: String::new(),
            from_address: "noreply@localhost.localdomain".into(),
            retry_base_seconds: 30,
            retry_max_seconds: 3600,
            max_attempts: 12,
            poll_seconds: 10,
        }
    }
}

/// Where uploaded files live.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// `local` (a directory on this machine) or `s3` (any S3-compatible service).
    pub backend: StorageBackend,
    /// Local directory; empty: `<data dir>/files`.
    pub path: String,
    pub s3_bucket: String,
    /// e.g. `https://storage.yandexcloud.net` or `http://127.0.0.1:9000`; empty: AWS.
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: String,
    /// Allow a plain-HTTP endpoint (a storage server on the same host or network).
    pub s3_allow_http: bool,
    /// Blobs no database row points to are removed after this many minutes (an upload in
    /// progress is younger than that).
    pub orphan_grace_minutes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    Local,
    S3,
}

impl std::fmt::Debug for StorageSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageSettings")
            .field("backend", &self.backend)
            .field("path", &self.path)
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_secret_access_key", &"***")
            .finish()
    }
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            backend: StorageBackend::Local,
            path: String::new(),
            s3_bucket: String::new(),
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
            s3_allow_http: false,
            orphan_grace_minutes: 60,
        }
    }
}

/// What members may upload; the limits are stated on the upload pages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UploadSettings {
    pub max_file_mb: u64,
    /// All files of one item (report section or letter) together.
    pub max_item_mb: u64,
    pub max_files_per_item: usize,
    /// Lower-case extensions without the dot; the content must agree with the extension.
    pub allowed_extensions: Vec<String>,
    pub max_signature_kb: u64,
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            max_file_mb: 50,
            max_item_mb: 200,
            max_files_per_item: 20,
            allowed_extensions: [
                "pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "rtf", "txt", "csv", "xml",
                "jpg", "jpeg", "png", "tif", "tiff", "zip", "rar", "7z",
            ]
            .map(String::from)
            .to_vec(),
            max_signature_kb: 1024,
        }
    }
}

impl UploadSettings {
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_mb * 1024 * 1024
    }
    pub fn max_item_bytes(&self) -> u64 {
        self.max_item_mb * 1024 * 1024
    }
    pub fn max_signature_bytes(&self) -> u64 {
        self.max_signature_kb * 1024
    }
}

/// The register of members and its extracts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegisterSettings {
    /// Register number given at admission: `{seq}` (or `{seq:N}`), `{yy}` / `{yyyy}` the year
    /// of admission.
    pub number_pattern: String,
    /// Who signs extracts: position and name as printed under the extract.
    pub signer_position: String,
    pub signer_name: String,
}

impl Default for RegisterSettings {
    fn default() -> Self {
        Self {
            number_pattern: "{seq}".into(),
            signer_position: "Генеральный директор".into(),
            signer_name: "".into(),
        }
    }
}

/// Registration of what members send.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeSettings {
    /// Incoming number pattern: `{seq}` the number within the year (`{seq:4}` zero-padded to
    /// 4 digits), `{yy}` / `{yyyy}` the year.
    pub incoming_pattern: String,
}

impl Default for ExchangeSettings {
    fn default() -> Self {
        Self {
            incoming_pattern: "{seq}/{yy}".into(),
        }
    }
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
    fn wrong_type_names_the_key() {
        let s = Settings::load(&repo_config("sopo.toml")).unwrap();
        let err = s.with("server.port", "eighty").unwrap_err().to_string();
        assert!(err.contains("server.port"), "{err}");
    }
}

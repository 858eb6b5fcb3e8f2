//! The sections of the config file, each with its defaults (`config/example.toml` documents
//! every key).

use serde::{Deserialize, Serialize};

use super::SroKind;

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
    /// Threads that hash and check passwords (argon2, 19 MiB each). 0: one per core.
    pub password_threads: usize,
    /// Password checks that may wait for a thread; more get 503 with `Retry-After`.
    pub password_queue: usize,
    /// Invitations one member company may send per day, and one user per hour.
    pub invitations_per_member_per_day: u32,
    pub invitations_per_user_per_hour: u32,
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
            password_threads: 0,
            password_queue: 16,
            invitations_per_member_per_day: 20,
            invitations_per_user_per_hour: 10,
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
    /// One attempt at sending a message gives up after this long.
    pub timeout_seconds: u64,
    /// A worker holds a message this long while sending it; if its instance dies, another
    /// worker retries the message after that. Longer than `timeout_seconds`.
    pub lease_seconds: u64,
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
            timeout_seconds: 30,
            lease_seconds: 120,
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
    /// Blobs no database row points to are removed after this many minutes (at least 10).
    /// Uploads in flight are protected by their leases, not by this period.
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
    /// The file input's `accept`: «.pdf,.docx,…».
    pub fn accept(&self) -> String {
        self.allowed_extensions
            .iter()
            .map(|e| format!(".{e}"))
            .collect::<Vec<_>>()
            .join(",")
    }

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
    /// A company's outgoing number, given when it sends (its own sequence per year), in the
    /// same notation.
    pub outgoing_pattern: String,
    /// The SRO's own outgoing journal: the number a message to members gets when it is sent.
    pub sro_outgoing_pattern: String,
}

impl Default for ExchangeSettings {
    fn default() -> Self {
        Self {
            incoming_pattern: "{seq}/{yy}".into(),
            outgoing_pattern: "ИСХ-{seq:4}/{yy}".into(),
            sro_outgoing_pattern: "{seq}-СРО/{yy}".into(),
        }
    }
}

/// Periodic jobs (housekeeping): once per period across all instances on the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsSettings {
    /// How often each housekeeping job runs (expired sessions, old counters, abandoned
    /// imports, digests, orphan blobs).
    pub period_seconds: u64,
    /// An instance holds a job this long; if it dies mid-run, another runs the job after that.
    pub lease_seconds: u64,
    /// Whether the periodic job sends the reminders of deadlines (`calendar`); off for an
    /// installation that is not live yet (and in the tests, whose demo data has deadlines).
    pub reminders: bool,
}

impl Default for JobsSettings {
    fn default() -> Self {
        Self {
            period_seconds: 300,
            lease_seconds: 600,
            reminders: true,
        }
    }
}

/// «Договоры» (issue 18): what counts against the КФ ОДО limit and when the page warns.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContractsSettings {
    /// Whether contracts concluded without competitive procedures count too (the SRO's rules).
    pub count_direct: bool,
    /// The share of the level's limit, in percent, from which the member and staff are warned.
    pub warn_percent: i64,
}

impl Default for ContractsSettings {
    fn default() -> Self {
        Self {
            count_direct: false,
            warn_percent: 80,
        }
    }
}

/// What a signature must be to be accepted (issue 16, trust.md): the policy for signers who
/// are not the member, for chains outside the trusted list, and where the trust material is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignaturesSettings {
    /// A signer who is neither the member nor its representative under an МЧД: `refuse` (the
    /// file is not accepted) or `warn` (accepted with a remark).
    pub foreign: crate::signatures::check::Decision,
    /// A certificate whose chain does not end at a CA of the loaded list: `warn` or `refuse`.
    /// With no list loaded at all it is always a remark.
    pub untrusted: crate::signatures::check::Decision,
    /// A CRL older than this is a remark (as is one past its own next update).
    pub crl_max_age_days: i64,
    /// A file or directory of trust material (the ministry's XML list, CA certificates, CRLs)
    /// imported at start-up; empty: none.
    pub trust_path: String,
    /// Whether the periodic job fetches CRLs from the addresses in signers' certificates
    /// (only where the installation reaches the internet).
    pub crl_fetch: bool,
}

impl Default for SignaturesSettings {
    fn default() -> Self {
        Self {
            foreign: crate::signatures::check::Decision::Refuse,
            untrusted: crate::signatures::check::Decision::Warn,
            crl_max_age_days: 30,
            trust_path: String::new(),
            crl_fetch: false,
        }
    }
}

/// `/metrics` for Prometheus.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// Empty: no `/metrics` (404). Otherwise scrapers send `Authorization: Bearer <token>`;
    /// at least 16 characters.
    pub token: String,
}

impl std::fmt::Debug for MetricsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("token", &if self.token.is_empty() { "" } else { "***" })
            .finish()
    }
}

/// The money side: the charge types seeded into an empty ledger (the accountant edits them in
/// the back office afterwards), and what the papers say. Amounts are roubles.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BillingSettings {
    /// Вступительный взнос; 0: none.
    pub entrance_fee: i64,
    /// Членский взнос: `month`, `quarter` or `year`.
    pub dues_period: String,
    /// Членский взнос for each period.
    pub dues_amount: i64,
    /// Членский взнос by the КФ ВВ level instead (level 1 first); empty: `dues_amount` for all.
    pub dues_by_level: Vec<i64>,
    /// The day of the period's first month the dues are due.
    pub dues_due_day: u32,
    /// Days to pay a one-off contribution (entrance fee, compensation funds).
    pub once_due_days: u32,
    /// The first day charges are made automatically (YYYY-MM-DD); empty: by hand only.
    pub accrue_from: String,
    /// Who signs the invoices and reconciliation acts for the SRO.
    pub accountant_name: String,
}

impl Default for BillingSettings {
    fn default() -> Self {
        Self {
            entrance_fee: 5_000,
            dues_period: "quarter".into(),
            dues_amount: 15_000,
            dues_by_level: Vec::new(),
            dues_due_day: 20,
            once_due_days: 10,
            accrue_from: String::new(),
            accountant_name: String::new(),
        }
    }
}

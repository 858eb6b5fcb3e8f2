//! Outgoing mail through an outbox.
//!
//! A use case that sends mail records it with [`enqueue`] inside its own transaction, so the
//! mail exists exactly when the change it reports does. A background worker delivers due
//! messages over SMTP, retrying with exponential backoff; every attempt's outcome is kept
//! (the delivery log staff see). SMTP being down loses nothing: the messages wait.
//!
//! Links with one-time tokens are stored as `%%TOKEN%%`; the worker derives the token from
//! the token row's nonce and the application secret at sending time.

mod smtp;
mod store;

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::config::{MailSettings, Settings, SmtpSecurity};
use crate::db::{Db, DbResult, Tx};

pub use store::LogRow;

pub const TOKEN_PLACEHOLDER: &str = "%%TOKEN%%";

/// One e-mail in the common layout: greeting, paragraphs, an optional button link, signature.
#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextBody<'a> {
    m: &'a Letter,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlBody<'a> {
    m: &'a Letter,
}

/// What a use case wants to say; rendered to text and HTML parts.
pub struct Letter {
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    /// (lead-in text, URL) of the main link, e.g. («Перейдите по этой ссылке…», url)
    pub link: Option<(String, String)>,
    pub after_link: Vec<String>,
    pub signature: Vec<String>,
    pub token_id: Option<i64>,
    pub user_id: Option<i64>,
    pub member_id: Option<i64>,
    /// For optional letters only: the one-click address that stops them (List-Unsubscribe).
    pub unsubscribe: Option<String>,
}

impl Letter {
    /// A letter signed by the SRO from config.
    pub fn new(settings: &Settings, kind: &'static str, to: &str, subject: String) -> Letter {
        let mut signature = vec![format!("С уважением, {}", settings.sro.short_name)];
        signature.push(format!("{}, {}", settings.sro.phone, settings.sro.email));
        Letter {
            kind,
            to: to.to_string(),
            subject,
            greeting: "Здравствуйте,".into(),
            paragraphs: vec![],
            link: None,
            after_link: vec![],
            signature,
            token_id: None,
            user_id: None,
            member_id: None,
            unsubscribe: None,
        }
    }
}

fn raw_header(name: &'static str, value: &str) -> lettre::message::header::HeaderValue {
    lettre::message::header::HeaderValue::new(
        lettre::message::header::HeaderName::new_from_ascii_str(name),
        value.to_string(),
    )
}

/// Record a letter in the outbox, in the caller's transaction. Call [`Mail::wake`] after commit.
pub async fn enqueue(tx: &mut Tx, letter: &Letter) -> DbResult<i64> {
    let text = TextBody { m: letter }
        .render()
        .map_err(|e| anyhow::Error::new(e).context("rendering mail text"))?;
    let html = HtmlBody { m: letter }
        .render()
        .map_err(|e| anyhow::Error::new(e).context("rendering mail html"))?;
    store::insert(
        tx,
        &store::NewMail {
            kind: letter.kind,
            to: &letter.to,
            subject: &letter.subject,
            text: &text,
            html: &html,
            token_id: letter.token_id,
            user_id: letter.user_id,
            member_id: letter.member_id,
            list_unsubscribe: letter.unsubscribe.as_deref(),
        },
        tx.now(),
    )
    .await
}

/// The delivery side: SMTP transport, the worker's wake-up bell.
pub struct Mail {
    sender: smtp::Sender,
    from: Mailbox,
    settings: MailSettings,
    wakeup: Notify,
    /// Demo mode only: where letters go when no SMTP server answers, so a newcomer can follow
    /// an invitation or a reset link without setting up mail.
    demo_mailbox: Option<std::path::PathBuf>,
}

impl Mail {
    pub fn new(settings: &Settings) -> anyhow::Result<Mail> {
        let m = &settings.mail;
        let credentials = (!m.username.is_empty())
            .then(|| Credentials::new(m.username.clone(), m.password.clone()));
        let sender = match m.security {
            SmtpSecurity::None | SmtpSecurity::Starttls => smtp::Sender::Own(smtp::Pool {
                host: m.smtp_host.clone(),
                port: m.smtp_port,
                starttls: m.security == SmtpSecurity::Starttls,
                credentials,
                hello: lettre::transport::smtp::extension::ClientId::default(),
                idle: tokio::sync::Mutex::new(Vec::new()),
            }),
            SmtpSecurity::Tls => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::relay(&m.smtp_host)?
                    .port(m.smtp_port)
                    .timeout(Some(Duration::from_secs(m.timeout_seconds)));
                if let Some(c) = credentials {
                    builder = builder.credentials(c);
                }
                smtp::Sender::Lettre(builder.build())
            }
        };
        let name = if m.from_name.is_empty() {
            format!("Личный кабинет {}", settings.sro.short_name)
        } else {
            m.from_name.clone()
        };
        let from = Mailbox::new(
            Some(name),
            m.from_address
                .parse()
                .map_err(|e| anyhow::anyhow!("mail.from_address: {e}"))?,
        );
        Ok(Mail {
            sender,
            from,
            settings: m.clone(),
            wakeup: Notify::new(),
            demo_mailbox: settings.demo.enabled.then(|| demo_mailbox(settings)),
        })
    }

    /// Tell the worker there is new mail (after the enqueuing transaction committed).
    pub fn wake(&self) {
        self.wakeup.notify_one();
    }

    /// Deliver until stopped: due messages now, then whenever woken or every `poll_seconds`.
    pub async fn run_worker(self: Arc<Self>, db: Db, secret: Arc<Vec<u8>>) {
        loop {
            if let Err(e) = self.deliver_due(&db, &secret).await {
                tracing::error!(error = ?e, "mail worker");
            }
            tokio::select! {
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(self.settings.poll_seconds)) => {}
            }
        }
    }

    /// Letters go `SEND_AT_ONCE` at a time over the transport's pooled connections: the
    /// batch is claimed in one statement and its outcomes are written in one transaction
    /// (two writes per batch, not two per letter: SQLite has one writer for everyone). Each
    /// attempt ends within `timeout_seconds`, so the batch is written before its lease ends.
    /// A batch's outcomes are written while the next batch is being sent: the connections do
    /// not wait for the commit (issue 15's mailing benchmark, docs/benchmarks.md). A batch is
    /// as many rounds of `SEND_AT_ONCE` as fit in the lease even if every attempt timed out:
    /// each commit is a disk flush, and two flushes per eight letters were the bound.
    async fn deliver_due(&self, db: &Db, secret: &[u8]) -> DbResult<()> {
        use futures_util::StreamExt;
        let mut unwritten: Vec<(i64, Outcome)> = Vec::new();
        loop {
            let now = db.now();
            let lease = now + chrono::Duration::seconds(self.settings.lease_seconds as i64);
            let claimed = async {
                let due = store::due(db, now, self.batch_size() as i64).await?;
                let ids: Vec<i64> = due.iter().map(|m| m.id).collect();
                let mine = if ids.is_empty() {
                    Vec::new()
                } else {
                    store::claim_many(db, &ids, now, lease).await?
                };
                DbResult::Ok((due, ids, mine))
            }
            .await;
            let (due, ids, mine) = match claimed {
                Ok(c) => c,
                Err(e) => {
                    // What was sent is written before the error goes up, or it would be sent
                    // again when its lease runs out.
                    write_outcomes(db, unwritten).await?;
                    return Err(e);
                }
            };
            // the others were taken by another instance meanwhile
            let batch: Vec<store::DueMail> =
                due.into_iter().filter(|m| mine.contains(&m.id)).collect();
            if batch.is_empty() {
                write_outcomes(db, std::mem::take(&mut unwritten)).await?;
                if ids.is_empty() {
                    return Ok(());
                }
                continue;
            }
            let sending = futures_util::stream::iter(batch)
                .map(|m| async move { (m.id, self.attempt(db, secret, m).await) })
                .buffer_unordered(SEND_AT_ONCE)
                .collect::<Vec<_>>();
            let (written, sent) =
                tokio::join!(write_outcomes(db, std::mem::take(&mut unwritten)), sending);
            if let Err(e) = written {
                // The letters just sent are written before the error goes up.
                write_outcomes(db, sent).await?;
                return Err(e);
            }
            unwritten = sent;
        }
    }

    /// Letters claimed at once: `SEND_AT_ONCE` times the rounds that fit in the lease with one
    /// timeout to spare (the lease of 120 s and timeout of 30 s by default: three rounds, 24).
    fn batch_size(&self) -> usize {
        let rounds = (self.settings.lease_seconds / self.settings.timeout_seconds.max(1))
            .saturating_sub(1)
            .clamp(1, 8);
        SEND_AT_ONCE * rounds as usize
    }

    /// `<outbox id.signature@the sender's domain>`: unique per message and installation, the
    /// same for every attempt at one message.
    fn message_id(&self, secret: &[u8], outbox_id: i64) -> String {
        let tag = crate::tokens::sign(secret, "message-id", &outbox_id.to_string());
        let tag: String = tag
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect();
        format!("<{outbox_id}.{tag}@{}>", self.from.email.domain())
    }

    /// One attempt at one letter; what happened, for the batch to write.
    async fn attempt(&self, db: &Db, secret: &[u8], m: store::DueMail) -> Outcome {
        let fail = |error: String| Outcome::Failed { error, retry: None };
        let (mut text, mut html) = (m.text_body, m.html_body);
        if let Some(nonce) = &m.token_nonce {
            let expired = m.token_expires_at.is_some_and(|t| t <= db.now());
            if m.token_used_at.is_some() || expired {
                // A newer request replaced the link, or it expired while SMTP was down.
                return fail("не отправлено: ссылка в письме уже недействительна (запрошена новая или истек срок)".into());
            }
            let token = crate::tokens::derive_token(secret, nonce);
            text = text.replace(TOKEN_PLACEHOLDER, &token);
            html = html.replace(TOKEN_PLACEHOLDER, &token);
        }
        let local_copy = format!(
            "Кому: {}\nТема: {}\nДата: {}\n\n{}",
            m.to_address,
            m.subject,
            crate::fmt::datetime(&db.now()),
            text
        );
        let message = match m.to_address.parse::<Mailbox>() {
            Ok(to) => {
                let mut b = Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(m.subject.clone())
                    // Large providers refuse mail without one; the same on every retry.
                    .message_id(Some(self.message_id(secret, m.id)))
                    // RFC 3834: no auto-replies («в отпуске») to a robot's letters.
                    .raw_header(raw_header("Auto-Submitted", "auto-generated"));
                if let Some(url) = &m.list_unsubscribe {
                    // RFC 2369 and RFC 8058: «отписаться» in the mail client, one click.
                    b = b
                        .raw_header(raw_header("List-Unsubscribe", &format!("<{url}>")))
                        .raw_header(raw_header(
                            "List-Unsubscribe-Post",
                            "List-Unsubscribe=One-Click",
                        ));
                }
                b.multipart(MultiPart::alternative_plain_html(text, html))
            }
            Err(e) => return fail(format!("неверный адрес: {e}")),
        };
        let message = match message {
            Ok(msg) => msg,
            Err(e) => return fail(format!("письмо не собрано: {e}")),
        };
        // The whole attempt, not only each read, ends within the timeout: it must be over
        // before the lease runs out and another instance's worker may take the message.
        let limit = Duration::from_secs(self.settings.timeout_seconds);
        let sent = match tokio::time::timeout(limit, self.sender.send(message)).await {
            Ok(r) => r,
            Err(_) => Err((
                false,
                format!("нет ответа сервера за {} с", limit.as_secs()),
            )),
        };
        match sent {
            Ok(_) => {
                tracing::info!(outbox_id = m.id, "mail sent");
                Outcome::Sent(String::new())
            }
            Err((_, e)) if self.demo_mailbox.is_some() => {
                // Demo mode without an SMTP server: the letter waits in the local mailbox.
                let dir = self.demo_mailbox.as_ref().expect("checked");
                let written = tokio::fs::create_dir_all(dir)
                    .await
                    .and(tokio::fs::write(dir.join(format!("{:08}.txt", m.id)), local_copy).await);
                match written {
                    Ok(()) => {
                        tracing::info!(outbox_id = m.id, smtp_error = %e, "mail put into the demo mailbox");
                        Outcome::Sent("демо-режим: SMTP-сервер не ответил, письмо положено в локальный почтовый ящик".into())
                    }
                    Err(io) => fail(format!("{e}; демо-ящик: {io}")),
                }
            }
            Err((permanent, e)) => {
                let attempts = m.attempts + 1;
                let retry = (!permanent && attempts < self.settings.max_attempts).then(|| {
                    let delay = backoff(
                        self.settings.retry_base_seconds,
                        self.settings.retry_max_seconds,
                        attempts,
                    );
                    db.now() + chrono::Duration::seconds(delay as i64)
                });
                let error: String = e.chars().take(500).collect();
                tracing::warn!(outbox_id = m.id, attempts, permanent, error = %error, "mail not delivered");
                Outcome::Failed { error, retry }
            }
        }
    }
}

/// What one attempt came to. `Sent` carries a note for the log (the demo mailbox's).
enum Outcome {
    Sent(String),
    Failed {
        error: String,
        retry: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// What became of a batch's letters, in one transaction (nothing to do for none).
async fn write_outcomes(db: &Db, outcomes: Vec<(i64, Outcome)>) -> DbResult<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let at = tx.now();
    for (id, o) in &outcomes {
        match o {
            Outcome::Sent(note) => store::record(&mut tx, *id, "sent", note, at, Some(at)).await?,
            Outcome::Failed { error, retry } => {
                let (status, next) = match retry {
                    Some(t) => ("queued", *t),
                    None => ("failed", at),
                };
                store::record(&mut tx, *id, status, error, next, None).await?
            }
        }
    }
    tx.commit().await
}

/// Letters in flight at once per instance (pooled SMTP connections).
const SEND_AT_ONCE: usize = 8;

/// Seconds before attempt `attempts + 1`: base, 2·base, 4·base, … capped.
fn backoff(base: u64, max: u64, attempts: i32) -> u64 {
    let shift = (attempts - 1).clamp(0, 20) as u32;
    base.saturating_mul(1u64 << shift).min(max)
}

pub async fn log(db: &Db, status: Option<&str>, limit: i64) -> DbResult<Vec<LogRow>> {
    store::log(db, status, limit).await
}

pub async fn counts(db: &Db) -> DbResult<Vec<(String, i64)>> {
    store::count_by_status(db).await
}

/// How the letters carrying these one-time links fared: (token id, status `queued` / `sent` /
/// `failed`, last error). Invitations show it («доставлено», «не доставлено: …»).
pub async fn delivery_of_tokens(
    db: &Db,
    token_ids: &[i64],
) -> DbResult<Vec<(i64, String, String)>> {
    store::delivery_of_tokens(db, token_ids).await
}

/// When the oldest message still waiting was written (`None`: nothing waits).
pub async fn oldest_queued(db: &Db) -> DbResult<Option<chrono::DateTime<chrono::Utc>>> {
    store::oldest_queued(db).await
}

/// Send a failed message again (staff action). `false` when it was not failed.
pub async fn requeue(tx: &mut Tx, id: i64) -> DbResult<bool> {
    let now = tx.now();
    store::requeue(tx, id, now).await
}

/// The demo mailbox of an installation: `<data dir>/demo-mailbox`.
pub fn demo_mailbox(settings: &Settings) -> std::path::PathBuf {
    settings.data_dir().join("demo-mailbox")
}

/// A letter in the demo mailbox, newest first: (file name, its text).
pub async fn demo_letters(
    settings: &Settings,
    limit: usize,
) -> std::io::Result<Vec<(String, String)>> {
    let dir = demo_mailbox(settings);
    let mut names = vec![];
    let mut rd = match tokio::fs::read_dir(&dir).await {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(e),
    };
    while let Some(e) = rd.next_entry().await? {
        let name = e.file_name().to_string_lossy().to_string();
        if name.ends_with(".txt") {
            names.push(name);
        }
    }
    names.sort_unstable_by(|a, b| b.cmp(a));
    let mut out = vec![];
    for name in names.into_iter().take(limit) {
        let text = tokio::fs::read_to_string(dir.join(&name)).await?;
        out.push((name, text));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(30, 3600, 1), 30);
        assert_eq!(backoff(30, 3600, 2), 60);
        assert_eq!(backoff(30, 3600, 5), 480);
        assert_eq!(backoff(30, 3600, 12), 3600);
        assert_eq!(backoff(30, 3600, 1000), 3600);
    }
}

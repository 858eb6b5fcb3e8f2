//! The SRO writes to its members: a draft with its files and recipients, sending (a number in
//! the SRO's outgoing journal, the recipients fixed), delivery by a worker in every instance
//! (each company once, its users' letters in the outbox), the member's copy (opened,
//! «Ознакомлен») and the staff's receipts and reminders.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Datelike;
use serde_json::json;

use super::model::{Audience, Category, parse_list};
use super::store::{self, FileRow, InboxRow, JournalRow, MessageRow, NewMessage};
use crate::audit::{self, Actor, Event};
use crate::auth::{MemberRole, User};
use crate::core::Core;
use crate::db::DbError;
use crate::files::Upload;
use crate::mail::{self, Letter};
use crate::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for MessageError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => MessageError::NotFound,
            other => MessageError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// The form of a new message.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub subject: String,
    pub body: String,
    pub category: String,
    pub requires_ack: bool,
    pub answer_due: String,
    /// all | status | level | expert | debtors | list
    pub to: String,
    pub to_value: String,
}

fn audience_of(d: &Draft, e: &mut FieldErrors) -> Option<(Audience, String)> {
    let v = d.to_value.trim();
    Some(match d.to.as_str() {
        "all" => (Audience::All, "Все члены СРО".into()),
        "status" if v == "member" => (Audience::Status(v.into()), "Действующие члены СРО".into()),
        "status" if v == "suspended" => (
            Audience::Status(v.into()),
            "Члены СРО с приостановленным правом".into(),
        ),
        "level" => match v.parse::<i64>() {
            Ok(l) if (1..=5).contains(&l) => (
                Audience::Level(l),
                format!("Члены СРО с {l} уровнем ответственности (КФ ВВ)"),
            ),
            _ => {
                e.add("to_value", "Укажите уровень ответственности от 1 до 5");
                return None;
            }
        },
        "expert" => match v.parse::<i64>() {
            Ok(id) => (Audience::Expert(id), "Члены СРО эксперта".into()),
            _ => {
                e.add("to_value", "Выберите эксперта");
                return None;
            }
        },
        "debtors" => (Audience::Debtors, "Должники по взносам".into()),
        "unsent" => match v.parse::<i64>() {
            Ok(id) => (Audience::Unsent(id), "Не отправившие раздел отчета".into()),
            _ => {
                e.add("to_value", "Выберите раздел отчета");
                return None;
            }
        },
        "right" if v == "dangerous" => (
            Audience::Right(v.into()),
            "Члены СРО с правом на особо опасных, технически сложных и уникальных объектах".into(),
        ),
        "right" if v == "nuclear" => (
            Audience::Right(v.into()),
            "Члены СРО с правом на объектах использования атомной энергии".into(),
        ),
        "right" => {
            e.add("to_value", "Выберите вид работ");
            return None;
        }
        "list" => {
            let list = parse_list(v);
            if list.is_empty() {
                e.add(
                    "to_value",
                    "Вставьте ИНН или регистрационные номера членов СРО",
                );
                return None;
            }
            let label = format!("По списку: {}", list.len());
            (Audience::List(list), label)
        }
        _ => {
            e.add("to", "Выберите получателей");
            return None;
        }
    })
}

/// Checks a draft's form; the message's recipients are counted for the page by [`reach`].
pub async fn create_draft(core: &Core, actor: &Actor, d: &Draft) -> Result<i64, MessageError> {
    let mut e = FieldErrors::new();
    if d.subject.trim().is_empty() {
        e.add("subject", "Укажите тему");
    }
    if d.body.trim().is_empty() {
        e.add("body", "Напишите текст сообщения");
    }
    let category = Category::from_code(&d.category);
    if category.is_none() {
        e.add("category", "Выберите вид документа");
    }
    let answer_due = match crate::fmt::parse_date(&d.answer_due) {
        Ok(Some(day)) if day < core.today() => {
            e.add("answer_due", "Срок ответа уже прошел");
            None
        }
        Ok(day) => day,
        Err(m) => {
            e.add("answer_due", m);
            None
        }
    };
    let audience = audience_of(d, &mut e);
    e.into_result().map_err(MessageError::Invalid)?;
    let (audience, label) = audience.ok_or(MessageError::NotFound)?;
    let mut tx = core.db.begin().await?;
    let id = store::insert_draft(
        &mut tx,
        &NewMessage {
            subject: d.subject.trim(),
            body: d.body.trim(),
            category: category.map(Category::code).unwrap_or("other"),
            requires_ack: d.requires_ack,
            answer_due,
            audience: &serde_json::to_string(&audience).map_err(anyhow::Error::new)?,
            audience_label: &label,
        },
        actor.user_id,
        &actor.label,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The companies a selection reaches now.
pub async fn members_of(core: &Core, a: &Audience) -> Result<Vec<i64>, MessageError> {
    let db = &core.db;
    Ok(match a {
        Audience::All => store::select_members(db, "1 = 1", &[]).await?,
        Audience::Status(s) => {
            store::select_members(db, "m.status = $1", std::slice::from_ref(s)).await?
        }
        Audience::Level(l) => {
            store::select_members(db, "CAST(m.vv_level AS TEXT) = $1", &[l.to_string()]).await?
        }
        Audience::Expert(id) => {
            store::select_members(db, "CAST(m.expert_id AS TEXT) = $1", &[id.to_string()]).await?
        }
        Audience::Debtors => {
            let debtors: std::collections::HashSet<i64> = crate::billing::ledger::debtors(core)
                .await
                .map_err(|e| MessageError::Unexpected(anyhow::anyhow!("{e}")))?
                .into_iter()
                .filter(|d| d.overdue > 0)
                .map(|d| d.member_id)
                .collect();
            let all = store::select_members(db, "1 = 1", &[]).await?;
            all.into_iter().filter(|m| debtors.contains(m)).collect()
        }
        Audience::List(list) => store::members_in_list(db, list).await?,
        Audience::Unsent(section) => store::unsent(db, *section).await?,
        Audience::Right(r) if r == "nuclear" => {
            store::select_members(db, "m.right_nuclear_from IS NOT NULL", &[]).await?
        }
        Audience::Right(_) => {
            store::select_members(db, "m.right_dangerous_from IS NOT NULL", &[]).await?
        }
    })
}

/// What the selection form offers: the SRO's experts (id, name) and the report sections of the
/// open campaigns (id, «2026: Сведения о работниках»).
pub async fn choices(
    core: &Core,
) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), MessageError> {
    let experts = crate::auth::service::staff(&core.db)
        .await?
        .into_iter()
        .filter(|u| u.staff_role.as_deref() == Some("expert") && !u.is_blocked)
        .map(|u| (u.id, u.full_name))
        .collect();
    let sections = store::open_sections(&core.db, core.today() - chrono::Days::new(366))
        .await?
        .into_iter()
        .map(|(id, year, title)| (id, format!("{year}: {title}")))
        .collect();
    Ok((experts, sections))
}

/// (companies, users who will read it) of a message now.
pub async fn reach(core: &Core, m: &MessageRow) -> Result<(usize, usize), MessageError> {
    let a: Audience = serde_json::from_str(&m.audience).map_err(anyhow::Error::new)?;
    let members = members_of(core, &a).await?;
    let cat = Category::from_code(&m.category).unwrap_or(Category::Other);
    let users = store::users_of(&core.db, &members)
        .await?
        .into_iter()
        .filter(|(_, role)| MemberRole::from_code(role).is_some_and(|r| cat.read_by(r)))
        .count();
    Ok((members.len(), users))
}

pub async fn message(core: &Core, id: i64) -> Result<MessageRow, MessageError> {
    store::message(&core.db, id)
        .await?
        .ok_or(MessageError::NotFound)
}

pub async fn files(core: &Core, id: i64) -> Result<Vec<FileRow>, MessageError> {
    Ok(store::files(&core.db, id).await?)
}

pub async fn journal(core: &Core) -> Result<Vec<JournalRow>, MessageError> {
    Ok(store::journal(&core.db, 200).await?)
}

/// Files to a draft (a sent message does not change).
pub async fn attach(
    core: &Core,
    actor: &Actor,
    id: i64,
    uploads: &[Upload],
    signatures: &[Option<super::signing::Checked>],
) -> Result<(), MessageError> {
    let mut tx = core.db.begin().await?;
    let m = store::message(&core.db, id)
        .await?
        .ok_or(MessageError::NotFound)?;
    if m.state != "draft" {
        return Err(MessageError::Conflict(
            "Сообщение уже отправлено: файлы к нему не добавить".into(),
        ));
    }
    for (i, u) in uploads.iter().enumerate() {
        let file = crate::files::record(&mut tx, &core.storage, u, None, actor.user_id).await?;
        store::add_file(&mut tx, id, file).await?;
        if let Some(Some(sig)) = signatures.get(i) {
            let sig_file =
                crate::files::record(&mut tx, &core.storage, &sig.upload, None, actor.user_id)
                    .await?;
            store::add_signature(&mut tx, id, sig_file, file, &sig.signer, sig.verdict).await?;
            crate::trust::service::record(&mut tx, sig_file, Some(file), &sig.report, &actor.label)
                .await
                .map_err(anyhow::Error::new)?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Send a draft: its number in the SRO's outgoing journal and its recipients, in one
/// transaction; the worker delivers. Returns the number.
pub async fn send(core: &Core, actor: &Actor, id: i64) -> Result<String, MessageError> {
    let m = message(core, id).await?;
    if m.state != "draft" {
        return Err(MessageError::Conflict("Сообщение уже отправлено".into()));
    }
    let a: Audience = serde_json::from_str(&m.audience).map_err(anyhow::Error::new)?;
    let members = members_of(core, &a).await?;
    if members.is_empty() {
        return Err(MessageError::Invalid(FieldErrors::form(
            "Получателей нет: по выбранному условию не нашлось ни одного члена СРО",
        )));
    }
    let year = core.today().year();
    let mut tx = core.db.begin().await?;
    let seq = crate::numbering::next_seq(&mut tx, "sro_outgoing", year).await?;
    let number = crate::numbering::format(&core.settings.exchange.sro_outgoing_pattern, seq, year);
    if !store::start_sending(&mut tx, id, &number, &members).await? {
        return Err(MessageError::Conflict("Сообщение уже отправлено".into()));
    }
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "message.send",
            "sro_message",
            id,
            json!({"number": number, "recipients": members.len(), "subject": m.subject}),
        ),
    )
    .await?;
    tx.commit().await?;
    if members.len() >= LARGE_MAILING
        && let Err(e) = store::refresh_statistics(&core.db).await
    {
        tracing::warn!(error = %e, "refreshing the statistics of a mailing's companies");
    }
    Ok(number)
}

/// Companies from which a mailing refreshes the planner's statistics (see
/// `store::refresh_statistics`).
const LARGE_MAILING: usize = 1000;

/// The letters to one company's readers of a message.
pub(super) fn letters(core: &Core, m: &MessageRow, users: &[User], member_id: i64) -> Vec<Letter> {
    let s = &*core.settings;
    let cat = Category::from_code(&m.category).unwrap_or(Category::Other);
    users
        .iter()
        .filter(|u| !u.is_blocked)
        .filter(|u| u.member_role.as_deref().and_then(MemberRole::from_code).is_some_and(|r| cat.read_by(r)))
        .filter(|u| !cat.optional() || u.mail_notices)
        .map(|u| {
            let mut l = Letter::new(
                s,
                "sro_message",
                &u.email,
                format!("{}: {} № {}", s.sro.short_name, cat.label(), m.number.clone().unwrap_or_default()),
            );
            l.greeting = format!("Здравствуйте, {}!", u.full_name);
            l.paragraphs.push(format!("{} направила вам документ «{}».", s.sro.short_name, m.subject));
            if m.requires_ack {
                l.paragraphs.push("Документ требует ознакомления: откройте его в личном кабинете и нажмите «Ознакомлен».".into());
            }
            if let Some(due) = m.answer_due {
                l.paragraphs.push(format!("Ответ ожидается до {}.", crate::fmt::date(&due)));
            }
            l.link = Some((
                "Документ и его файлы — в личном кабинете:".into(),
                format!("{}/kabinet/messages/{}", s.base_url(), m.id),
            ));
            if cat.optional() {
                l.unsubscribe = Some(crate::auth::mail_prefs::unsubscribe_url(s, &core.secret, u.id));
            }
            l.user_id = Some(u.id);
            l.member_id = Some(member_id);
            l
        })
        .collect()
}

/// Companies delivered per transaction: one commit per company cost SQLite (one writer, an
/// fsync a commit) most of a large mailing's time.
const DELIVER_BATCH: usize = 50;

/// Deliver to a batch of companies in one transaction: each row leaves 'pending' in the
/// transaction that writes its letters, so a company is delivered once whatever the workers
/// and restarts (a row another worker took meanwhile is skipped).
async fn deliver(
    core: &Core,
    batch: &[(i64, i64, i64)],
    messages: &HashMap<i64, MessageRow>,
) -> Result<(), MessageError> {
    let ids: Vec<i64> = batch.iter().map(|(_, _, m)| *m).collect();
    let users = users_by_company(core, &ids).await?;
    let mut tx = core.db.begin().await?;
    let mut taken: HashMap<i64, i64> = HashMap::new();
    let mut links = Vec::new();
    for (recipient, message_id, member_id) in batch {
        let users = users.get(member_id).map(Vec::as_slice).unwrap_or(&[]);
        let letters = letters(core, &messages[message_id], users, *member_id);
        if !store::take(&mut tx, *recipient, letters.len() as i64).await? {
            continue;
        }
        *taken.entry(*message_id).or_default() += 1;
        for l in &letters {
            links.push((*recipient, mail::enqueue(&mut tx, l).await?));
        }
    }
    store::link_letters(&mut tx, &links).await?;
    // once per message and batch: the message's row is locked until the commit
    for (message_id, n) in taken {
        store::count_delivered(&mut tx, message_id, n).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The users of these companies, by company: one read for a batch.
pub(super) async fn users_by_company(
    core: &Core,
    members: &[i64],
) -> Result<HashMap<i64, Vec<User>>, MessageError> {
    let mut users: HashMap<i64, Vec<User>> = HashMap::new();
    for u in crate::auth::service::users_of_members(&core.db, members).await? {
        if let Some(m) = u.member_id {
            users.entry(m).or_default().push(u);
        }
    }
    Ok(users)
}

/// Deliver up to `limit` waiting companies; how many were looked at.
pub async fn work(core: &Core, limit: i64) -> Result<usize, MessageError> {
    let items = store::pending(&core.db, limit).await?;
    let mut messages: HashMap<i64, MessageRow> = HashMap::new();
    for (_, message_id, _) in &items {
        if !messages.contains_key(message_id) {
            messages.insert(*message_id, message(core, *message_id).await?);
        }
    }
    for batch in items.chunks(DELIVER_BATCH) {
        if let Err(e) = deliver(core, batch, &messages).await {
            tracing::warn!(first = batch[0].0, error = %e, "delivering a batch of an SRO message");
            // one company's trouble must not hold back the others: one at a time
            for one in batch {
                if let Err(e) = deliver(core, std::slice::from_ref(one), &messages).await {
                    tracing::warn!(recipient = one.0, error = %e, "delivering an SRO message");
                }
            }
        }
        // the outbox's worker starts on the first batches while the rest are written
        core.mail.wake();
    }
    for id in messages.keys() {
        store::finish(&core.db, *id).await?;
    }
    if !items.is_empty() {
        core.mail.wake();
    }
    Ok(items.len())
}

/// The worker of one instance: rounds while there is work, a pause when there is none.
pub async fn run_worker(core: Core) {
    loop {
        let pause = match work(&core, 200).await {
            Ok(0) => Duration::from_secs(2),
            Ok(_) => Duration::from_millis(20),
            Err(e) => {
                tracing::warn!(error = %e, "SRO messages");
                Duration::from_secs(5)
            }
        };
        tokio::time::sleep(pause).await;
    }
}

/// The company's messages its user may read (the category decides).
pub async fn inbox(
    core: &Core,
    member_id: i64,
    role: MemberRole,
) -> Result<Vec<InboxRow>, MessageError> {
    Ok(store::inbox(&core.db, member_id)
        .await?
        .into_iter()
        .filter(|r| Category::from_code(&r.category).is_some_and(|c| c.read_by(role)))
        .collect())
}

/// The member's copy, opened by `user`: the first opening is stamped, and for a message that
/// requires acknowledgement every opening is in the audit chain.
pub async fn open(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    role: MemberRole,
    user_id: i64,
    id: i64,
) -> Result<InboxRow, MessageError> {
    let row = store::copy_of(&core.db, member_id, id)
        .await?
        .filter(|r| Category::from_code(&r.category).is_some_and(|c| c.read_by(role)))
        .ok_or(MessageError::NotFound)?;
    let mut tx = core.db.begin().await?;
    let first = store::mark_opened(&mut tx, row.recipient_id, user_id).await?;
    if row.requires_ack || first {
        audit::record(
            &mut tx,
            actor,
            Event::new(
                "message.open",
                "sro_message",
                id,
                json!({"member": member_id, "first": first}),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(row)
}

/// «Ознакомлен».
pub async fn acknowledge(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    role: MemberRole,
    user_id: i64,
    id: i64,
) -> Result<(), MessageError> {
    let row = store::copy_of(&core.db, member_id, id)
        .await?
        .filter(|r| Category::from_code(&r.category).is_some_and(|c| c.read_by(role)))
        .ok_or(MessageError::NotFound)?;
    if !row.requires_ack {
        return Err(MessageError::Conflict(
            "Этот документ не требует ознакомления".into(),
        ));
    }
    let mut tx = core.db.begin().await?;
    if store::mark_acked(&mut tx, row.recipient_id, user_id).await? {
        audit::record(
            &mut tx,
            actor,
            Event::new(
                "message.ack",
                "sro_message",
                id,
                json!({"member": member_id}),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A file of a message the member's user may read.
pub async fn member_file(
    core: &Core,
    member_id: i64,
    role: MemberRole,
    id: i64,
    file_id: i64,
) -> Result<FileRow, MessageError> {
    store::copy_of(&core.db, member_id, id)
        .await?
        .filter(|r| Category::from_code(&r.category).is_some_and(|c| c.read_by(role)))
        .ok_or(MessageError::NotFound)?;
    store::files(&core.db, id)
        .await?
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or(MessageError::NotFound)
}

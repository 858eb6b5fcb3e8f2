//! The company's deadlines from every slice, the reminders job (once per rule, object and
//! stage; only while the cause lasts; a pause catches up with one letter, not a flood), the
//! staff's schedule and history, and the secret iCalendar address of each user.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use serde_json::json;

use super::ics;
use super::model::{Deadline, Rule, parse_stages, stage_due, stages_text};
use super::store::{self, HistoryRow, NewReminder, Reader, SourceRow};
use crate::audit::{self, Actor, Event};
use crate::auth::MemberRole;
use crate::core::Core;
use crate::db::DbError;
use crate::fmt;
use crate::mail::{self, Letter};
use crate::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for CalendarError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => CalendarError::NotFound,
            other => CalendarError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// How long after its moment the last stage of a rule may still be sent (after a pause).
pub const GRACE_DAYS: i64 = 3;
/// How far back and ahead the member's calendar and feed look.
const SPAN_DAYS: u64 = 400;
/// Members per transaction of the reminders job.
const BATCH: usize = 200;

fn day_of(t: &chrono::DateTime<chrono::Utc>) -> String {
    fmt::datetime(t)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// How a source's row reads as a deadline.
fn deadline(rule: Rule, r: &SourceRow, today: NaiveDate) -> Deadline {
    let (object, title, done, link) = match rule {
        Rule::Sections => (
            format!("{}:{}", r.object_id, r.member_id),
            format!("Сдать раздел «{}» отчета за {} год", r.name, r.detail),
            r.done_at.as_ref().map(|t| format!("сдан {}", day_of(t))),
            format!("/kabinet/reports/year/{}", r.detail),
        ),
        Rule::Charges => (
            r.object_id.to_string(),
            if r.n > 0 {
                format!("Оплатить: {} — {}", r.name, fmt::rubles(r.n))
            } else {
                format!("Оплатить: {}", r.name)
            },
            (r.n <= 0).then(|| "оплачено".to_string()),
            "/kabinet/payments".to_string(),
        ),
        // the register rewrites its lists on every change: a policy is known by what it is
        Rule::Policies => (
            format!("{}:{}:{}", r.member_id, r.due_on, r.detail),
            format!("Продлить договор страхования № {} ({})", r.detail, r.name),
            (r.n == 1).then(|| "продлен".to_string()),
            "/kabinet/company".to_string(),
        ),
        Rule::Inspections => (
            format!("{}:{}:{}", r.member_id, r.due_on, r.name),
            format!("Проверка СРО: {}", r.name),
            (r.due_on < today).then(|| "проведена".to_string()),
            "/kabinet/company".to_string(),
        ),
        Rule::Answers => (
            r.object_id.to_string(),
            format!("Ответить на документ СРО исх. № {} «{}»", r.detail, r.name),
            r.done_at
                .as_ref()
                .map(|t| format!("ответ отправлен {}", day_of(t))),
            format!("/kabinet/messages/{}", r.n),
        ),
        Rule::Contracts => (
            r.object_id.to_string(),
            format!(
                "Уведомить СРО {} № {}",
                match r.detail.as_str() {
                    "concluded" => "о заключении договора",
                    "addendum" => "об изменении договора",
                    "act" => "о приемке работ по договору",
                    "executed" => "об исполнении договора",
                    _ => "о расторжении договора",
                },
                r.name
            ),
            r.done_at
                .as_ref()
                .map(|t| format!("уведомление отправлено {}", day_of(t))),
            format!("/kabinet/contracts/{}", r.n),
        ),
    };
    Deadline {
        rule,
        member_id: r.member_id,
        object,
        title,
        due: r.due_on,
        done,
        link,
    }
}

/// Every deadline of the company the user's role sees, a year back and a year ahead, by date.
pub async fn deadlines(
    core: &Core,
    member_id: i64,
    role: MemberRole,
) -> Result<Vec<Deadline>, CalendarError> {
    let today = core.today();
    let from = today - Days::new(SPAN_DAYS);
    let to = today + Days::new(SPAN_DAYS);
    let rules: Vec<Rule> = Rule::ALL.into_iter().filter(|r| r.read_by(role)).collect();
    let mut out: Vec<Deadline> = store::sources(&core.db, &rules, Some(member_id), from, to)
        .await?
        .iter()
        .filter_map(|r| Rule::from_code(&r.rule).map(|rule| deadline(rule, r, today)))
        .collect();
    out.sort_by(|a, b| (a.due, a.rule, &a.title).cmp(&(b.due, b.rule, &b.title)));
    Ok(out)
}

/// A rule as staff set it (its default stages until they do).
#[derive(Debug, Clone)]
pub struct RuleSetting {
    pub rule: Rule,
    pub stages: Vec<i32>,
    pub enabled: bool,
    pub updated: String,
}

pub async fn rules(core: &Core) -> Result<Vec<RuleSetting>, CalendarError> {
    let rows = store::rules(&core.db).await?;
    Ok(Rule::ALL
        .into_iter()
        .map(|rule| match rows.iter().find(|r| r.code == rule.code()) {
            Some(r) => RuleSetting {
                rule,
                stages: parse_stages(&r.stages).unwrap_or_else(|_| rule.default_stages()),
                enabled: r.enabled,
                updated: match &r.updated_at {
                    Some(at) => format!("{}, {}", r.updated_by, fmt::datetime(at)),
                    None => String::new(),
                },
            },
            None => RuleSetting {
                rule,
                stages: rule.default_stages(),
                enabled: true,
                updated: String::new(),
            },
        })
        .collect())
}

/// The staff's form: (rule code, stages as typed, on). All rules in one transaction, or none
/// with each mistake at its rule's field.
pub async fn save_rules(
    core: &Core,
    actor: &Actor,
    form: &[(String, String, bool)],
) -> Result<(), CalendarError> {
    let mut e = FieldErrors::new();
    let mut parsed = Vec::new();
    for (code, text, on) in form {
        let Some(rule) = Rule::from_code(code) else {
            continue;
        };
        match parse_stages(text) {
            Ok(s) => parsed.push((rule, s, *on)),
            Err(msg) => e.add(rule.field(), msg),
        }
    }
    if !e.is_empty() {
        return Err(CalendarError::Invalid(e));
    }
    let mut tx = core.db.begin().await?;
    for (rule, stages, on) in &parsed {
        store::save_rule(
            &mut tx,
            rule.code(),
            &stages_text(stages),
            *on,
            &actor.label,
        )
        .await?;
    }
    let what: Vec<_> = parsed
        .iter()
        .map(|(r, s, on)| json!({"rule": r.code(), "stages": stages_text(s), "enabled": on}))
        .collect();
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "reminders.rules",
            "reminder_rules",
            0,
            json!({ "rules": what }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A reminder the job will send now.
struct Due {
    deadline: Deadline,
    stage: i32,
}

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    pub reminders: usize,
    pub letters: usize,
}

/// The open deadlines of every live member whose stage has come, not yet reminded of.
async fn due_now(core: &Core, today: NaiveDate) -> Result<Vec<Due>, CalendarError> {
    let mut out = Vec::new();
    for s in rules(core).await?.into_iter().filter(|s| s.enabled) {
        let (Some(first), Some(last)) = (s.stages.first(), s.stages.last()) else {
            continue;
        };
        let from = today - chrono::Duration::days(i64::from(*last) + GRACE_DAYS);
        let to = today - chrono::Duration::days(i64::from(*first));
        // the latest stage already sent for each object: an earlier one never follows it
        let mut sent: HashMap<String, i32> = HashMap::new();
        for (object, stage) in store::sent_keys(&core.db, s.rule, from).await? {
            let e = sent.entry(object).or_insert(stage);
            *e = (*e).max(stage);
        }
        for r in store::sources(&core.db, &[s.rule], None, from, to).await? {
            let d = deadline(s.rule, &r, today);
            if d.done.is_some() {
                continue;
            }
            let Some(stage) = stage_due(&s.stages, d.due, today, GRACE_DAYS) else {
                continue;
            };
            if sent.get(&d.object).is_some_and(|done| *done >= stage) {
                continue;
            }
            out.push(Due { deadline: d, stage });
        }
    }
    Ok(out)
}

/// The periodic job: every reminder due today, a letter per user with the lines of the
/// rules their role reads. Each member's reminders and letters are written in one
/// transaction (a batch of members at a time), keyed so that nothing is sent twice.
pub async fn run(core: &Core) -> Result<RunReport, CalendarError> {
    let today = core.today();
    let due = due_now(core, today).await?;
    let mut by_member: BTreeMap<i64, Vec<Due>> = BTreeMap::new();
    for d in due {
        by_member.entry(d.deadline.member_id).or_default().push(d);
    }
    let members: Vec<i64> = by_member.keys().copied().collect();
    let mut readers: HashMap<i64, Vec<Reader>> = HashMap::new();
    for r in store::readers(&core.db, &members).await? {
        readers.entry(r.member_id).or_default().push(r);
    }
    let mut report = RunReport::default();
    let groups: Vec<(i64, Vec<Due>)> = by_member.into_iter().collect();
    let reads = |u: &Reader, rule: Rule| {
        MemberRole::from_code(&u.member_role).is_some_and(|role| rule.read_by(role))
    };
    let no_one: Vec<Reader> = Vec::new();
    for batch in groups.chunks(BATCH) {
        let mut tx = core.db.begin().await?;
        // the batch's reminders in a few statements; only those not sent before get letters
        let rows: Vec<NewReminder> = batch
            .iter()
            .flat_map(|(member_id, items)| {
                let users = readers.get(member_id).unwrap_or(&no_one);
                items.iter().map(move |d| NewReminder {
                    rule: d.deadline.rule,
                    object: &d.deadline.object,
                    stage: d.stage,
                    member_id: *member_id,
                    due_on: d.deadline.due,
                    title: &d.deadline.title,
                    letters: users.iter().filter(|u| reads(u, d.deadline.rule)).count() as i64,
                })
            })
            .collect();
        let fresh_keys = store::insert_reminders(&mut tx, &rows).await?;
        for (member_id, items) in batch {
            let users: &[Reader] = readers.get(member_id).map(Vec::as_slice).unwrap_or(&[]);
            let fresh: Vec<&Deadline> = items
                .iter()
                .filter(|d| {
                    fresh_keys.contains(&(
                        d.deadline.rule.code().to_string(),
                        d.deadline.object.clone(),
                        d.stage,
                    ))
                })
                .map(|d| &d.deadline)
                .collect();
            report.reminders += fresh.len();
            for u in users {
                let lines: Vec<String> = fresh
                    .iter()
                    .filter(|d| reads(u, d.rule))
                    .map(|d| d.reminder_line(today))
                    .collect();
                if lines.is_empty() {
                    continue;
                }
                mail::enqueue(&mut tx, &letter(core, u, lines)).await?;
                report.letters += 1;
            }
        }
        tx.commit().await?;
    }
    if report.letters > 0 {
        core.mail.wake();
    }
    Ok(report)
}

fn letter(core: &Core, u: &Reader, lines: Vec<String>) -> Letter {
    let s = &*core.settings;
    let mut l = Letter::new(
        s,
        "reminder",
        &u.email,
        format!("{}: напоминание о сроках", s.sro.short_name),
    );
    l.greeting = format!("Здравствуйте, {}!", u.full_name);
    l.paragraphs
        .push("Напоминаем о сроках, которые касаются вашей организации:".into());
    l.paragraphs
        .extend(lines.into_iter().map(|x| format!("• {x}")));
    l.link = Some((
        "Все сроки и их состояние — в календаре личного кабинета:".into(),
        format!("{}/kabinet/calendar", s.base_url()),
    ));
    l.after_link
        .push("Если вы уже все сделали, не обращайте внимания на это письмо.".into());
    l.user_id = Some(u.id);
    l.member_id = Some(u.member_id);
    l
}

/// A reminder the job will send on a coming day.
#[derive(Debug, Clone)]
pub struct Planned {
    pub on: NaiveDate,
    pub stage: i32,
    pub deadline: Deadline,
    pub member_name: String,
}

/// The reminders the next `days` days will bring (as things stand today), by date; at most
/// `limit` rows and the count of all.
pub async fn upcoming(
    core: &Core,
    days: u64,
    limit: usize,
) -> Result<(Vec<Planned>, usize), CalendarError> {
    let today = core.today();
    let mut out = Vec::new();
    for s in rules(core).await?.into_iter().filter(|s| s.enabled) {
        let (Some(first), Some(last)) = (s.stages.first(), s.stages.last()) else {
            continue;
        };
        let from = today - chrono::Duration::days(i64::from(*last));
        let to = today + Days::new(days) - chrono::Duration::days(i64::from(*first));
        for r in store::sources(&core.db, &[s.rule], None, from, to).await? {
            let d = deadline(s.rule, &r, today);
            if d.done.is_some() {
                continue;
            }
            for stage in &s.stages {
                let on = d.due + chrono::Duration::days(i64::from(*stage));
                if on > today && on <= today + Days::new(days) {
                    out.push(Planned {
                        on,
                        stage: *stage,
                        deadline: d.clone(),
                        member_name: r.member_name.clone(),
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| (a.on, &a.member_name).cmp(&(b.on, &b.member_name)));
    let total = out.len();
    out.truncate(limit);
    Ok((out, total))
}

pub async fn history(
    core: &Core,
    member: Option<i64>,
    limit: i64,
) -> Result<Vec<HistoryRow>, CalendarError> {
    Ok(store::history(&core.db, member, limit).await?)
}

/// When the user's calendar address was made, if there is one.
pub async fn feed_made(core: &Core, user_id: i64) -> Result<Option<String>, CalendarError> {
    Ok(store::feed_of(&core.db, user_id)
        .await?
        .map(|t| fmt::datetime(&t)))
}

/// A new secret address for the user's feed (the old one stops working); the address is
/// shown once, only its hash is kept.
pub async fn new_feed(core: &Core, actor: &Actor, user_id: i64) -> Result<String, CalendarError> {
    let token = crate::tokens::random_token();
    let mut tx = core.db.begin().await?;
    store::replace_feed(&mut tx, user_id, &crate::tokens::token_hash(&token)).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("calendar.feed", "user", user_id, json!({})),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{}/calendar/{token}.ics", core.settings.base_url()))
}

pub async fn revoke_feed(core: &Core, actor: &Actor, user_id: i64) -> Result<(), CalendarError> {
    let mut tx = core.db.begin().await?;
    if store::delete_feed(&mut tx, user_id).await? > 0 {
        audit::record(
            &mut tx,
            actor,
            Event::new("calendar.feed_revoke", "user", user_id, json!({})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The feed behind a secret address: what its user's role sees now. `NotFound` for an
/// address that is not one (or was revoked, or whose user is blocked).
pub async fn feed(core: &Core, token: &str) -> Result<String, CalendarError> {
    let owner = store::feed_owner(&core.db, &crate::tokens::token_hash(token))
        .await?
        .ok_or(CalendarError::NotFound)?;
    let role = MemberRole::from_code(&owner.member_role).ok_or(CalendarError::NotFound)?;
    let list = deadlines(core, owner.member_id, role).await?;
    let name = format!("{}: сроки", core.settings.sro.short_name);
    let base = core.settings.base_url();
    Ok(ics::render(
        &ics::Feed {
            name: &name,
            base_url: &base,
            now: core.db.now(),
            today: core.today(),
        },
        &list,
    ))
}

//! The staff's side of the exchange: registration with the next incoming number, and the
//! review (accept, or return with a reason the member reads). Each step notifies the company
//! in the cabinet and by mail, in the same transaction.

use super::model::{Item, ItemKind, ItemStatus};
use super::service::ExchangeError;
use super::store;
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::db::Tx;
use crate::mail::{self, Letter};
use crate::validation::FieldErrors;

/// Register a sent item: the next incoming number of the year and today's date (Moscow).
pub async fn register(core: &Core, actor: &Actor, item_id: i64) -> Result<String, ExchangeError> {
    let staff_id = actor.user_id;
    let mut tx = core.db.begin().await?;
    let item = store::lock_item(&mut tx, item_id, None, ItemStatus::Sent.code())
        .await?
        .ok_or_else(|| ExchangeError::Conflict("Документ уже зарегистрирован".into()))?;
    let now = tx.now();
    let today = crate::clock::moscow_date(now);
    let year = chrono::Datelike::year(&today);
    let seq = crate::numbering::next_seq(&mut tx, "incoming", year).await?;
    let number = crate::numbering::format(&core.settings.exchange.incoming_pattern, seq, year);
    store::mark_registered(
        &mut tx,
        item.id,
        &store::Registration {
            year,
            seq,
            number: &number,
            on: today,
            by: staff_id.unwrap_or_default(),
            at: now,
        },
    )
    .await?;
    let date = crate::fmt::date(&today);
    let note = format!("Вх. № {number} от {date}");
    store::insert_event(
        &mut tx,
        item.id,
        ItemStatus::Registered.code(),
        staff_id,
        &note,
    )
    .await?;
    let text = format!(
        "{} зарегистрирован{} СРО: входящий № {number} от {date}.",
        describe(&item),
        if item.kind() == ItemKind::Letter {
            "о"
        } else {
            ""
        },
    );
    notify(&mut tx, core, &item, "item_registered", &text).await?;
    let details =
        serde_json::json!({ "member_id": item.member_id, "incoming_number": number, "on": today });
    let event = Event::new("item.register", "item", item.id, details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    core.mail.wake();
    Ok(number)
}

/// What the expert decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Return,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "accept" => Some(Decision::Accept),
            "return" => Some(Decision::Return),
            _ => None,
        }
    }
}

/// Accept or return a registered item; returning needs a comment the member will read.
pub async fn review(
    core: &Core,
    actor: &Actor,
    item_id: i64,
    decision: Option<Decision>,
    comment: &str,
) -> Result<Decision, ExchangeError> {
    let Some(decision) = decision else {
        return Err(ExchangeError::Invalid(FieldErrors::one(
            "decision",
            "Выберите решение",
        )));
    };
    let comment = comment.trim();
    if decision == Decision::Return && comment.is_empty() {
        return Err(ExchangeError::Invalid(FieldErrors::one(
            "comment",
            "Напишите, что нужно исправить: участник увидит этот комментарий",
        )));
    }
    let mut tx = core.db.begin().await?;
    let item = store::lock_item(&mut tx, item_id, None, ItemStatus::Registered.code())
        .await?
        .ok_or_else(|| {
            ExchangeError::Conflict(
                "Рассмотреть можно только зарегистрированный документ; возможно, его уже рассмотрели"
                    .into(),
            )
        })?;
    let accept = decision == Decision::Accept;
    // An application to change the register: accepting it makes the entry's next version,
    // in this transaction, with the application as the basis.
    let mut register_changed = false;
    if accept && let Some(proposal) = store::change_request_tx(&mut tx, item.id).await? {
        let reason = format!(
            "Заявление об изменении сведений вх. № {} от {}",
            item.incoming_number.clone().unwrap_or_default(),
            crate::fmt::opt_date(&item.registered_on)
        );
        let version = crate::register::requests::apply_in(
            &mut tx,
            core,
            item.member_id,
            &proposal,
            &reason,
            actor,
        )
        .await
        .map_err(|e| match e {
            crate::register::service::RegisterError::Invalid(errors) => {
                ExchangeError::Invalid(FieldErrors::one(
                    "decision",
                    format!(
                        "Сведения заявления не проходят проверку реестра ({}): верните заявление с комментарием.",
                        errors.messages().join("; ")
                    ),
                ))
            }
            crate::register::service::RegisterError::NotFound => ExchangeError::NotFound,
            other => ExchangeError::Unexpected(anyhow::anyhow!("{other}")),
        })?;
        store::set_change_applied(&mut tx, item.id, version).await?;
        register_changed = version.is_some();
    }
    let status = if accept {
        ItemStatus::Accepted
    } else {
        ItemStatus::Returned
    };
    let now = tx.now();
    store::mark_reviewed(
        &mut tx,
        item.id,
        status.code(),
        actor.user_id.unwrap_or_default(),
        comment,
        now,
    )
    .await?;
    store::insert_event(&mut tx, item.id, status.code(), actor.user_id, comment).await?;
    let what = describe(&item);
    let number = item.incoming_number.clone().unwrap_or_default();
    // «Письмо … принято», «Раздел … принят».
    let o = if item.kind() == ItemKind::Letter {
        "о"
    } else {
        ""
    };
    let text = if accept && register_changed {
        format!("{what} (вх. № {number}) принят{o} СРО: сведения в реестре членов СРО изменены.")
    } else if accept {
        format!("{what} (вх. № {number}) принят{o} СРО.")
    } else {
        format!("{what} (вх. № {number}) возвращен{o} на доработку. Причина: {comment}")
    };
    let kind = if accept {
        "item_accepted"
    } else {
        "item_returned"
    };
    notify(&mut tx, core, &item, kind, &text).await?;
    let details = serde_json::json!({ "member_id": item.member_id, "comment": comment });
    let event = Event::new(
        if accept { "item.accept" } else { "item.return" },
        "item",
        item.id,
        details,
    );
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    core.mail.wake();
    Ok(decision)
}

fn describe(item: &Item) -> String {
    match item.kind() {
        ItemKind::Report => format!("Раздел отчета «{}»", item.subject),
        ItemKind::Letter => format!("Письмо «{}»", item.subject),
    }
}

/// An in-app note for the company and a letter to the user who sent the item.
async fn notify(
    tx: &mut Tx,
    core: &Core,
    item: &Item,
    kind: &'static str,
    text: &str,
) -> Result<(), ExchangeError> {
    let link = format!("/kabinet/items/{}", item.id);
    let area = crate::notices::Area::Reports;
    crate::notices::service::notify(tx, item.member_id, area, Some(item.id), Some(&link), text)
        .await?;
    // The letter is optional: the note above stays whatever the user chose.
    let recipient = store::item_recipient(tx, item.member_id, item.sent_by).await?;
    if let Some((user_id, email, true)) = recipient {
        let settings = &core.settings;
        let mut letter = Letter::new(
            settings,
            kind,
            &email,
            format!("{}: {}", settings.sro.short_name, short(text)),
        );
        letter.paragraphs.push(text.to_string());
        letter.link = Some((
            "Журнал исходящих сообщений в личном кабинете:".into(),
            format!("{}/kabinet/items/{}", settings.base_url(), item.id),
        ));
        letter.user_id = Some(user_id);
        letter.member_id = Some(item.member_id);
        letter.unsubscribe = Some(crate::auth::mail_prefs::unsubscribe_url(
            settings,
            &core.secret,
            user_id,
        ));
        letter.after_link.push(
            "Такие письма можно отключить в профиле личного кабинета; уведомления в кабинете останутся."
                .into(),
        );
        mail::enqueue(tx, &letter).await?;
    }
    Ok(())
}

fn short(s: &str) -> String {
    let first = s.split(". ").next().unwrap_or(s);
    let mut out: String = first.chars().take(120).collect();
    if out.ends_with('.') {
        out.pop();
    }
    out
}

//! Optional mail: the letters about the registration and review of what a company sent. The
//! notes stay in the cabinet whatever the choice; the letters can be stopped from the profile
//! or in one click from the letter itself (its `List-Unsubscribe`, RFC 8058), which works
//! without a login: the address is signed for the user.
//!
//! Letters about passwords, invitations and login addresses are not optional and carry no
//! such link.

use super::service::{AuthError, ClientInfo, SessionUser};
use super::store;
use crate::audit::{self, Actor, Event};
use crate::config::Settings;
use crate::core::Core;
use crate::db::Db;

const PURPOSE: &str = "unsubscribe";

/// The one-click address that stops `user_id`'s optional letters.
pub fn unsubscribe_url(settings: &Settings, secret: &[u8], user_id: i64) -> String {
    let t = crate::tokens::sign(secret, PURPOSE, &user_id.to_string());
    format!("{}/mail/unsubscribe?u={user_id}&t={t}", settings.base_url())
}

/// Whether `u` and `t` are a real unsubscribe address (the page shows the button only then).
pub fn genuine(secret: &[u8], user_id: i64, token: &str) -> bool {
    crate::tokens::verify_signed(secret, PURPOSE, &user_id.to_string(), token)
}

/// Stop the user's optional letters (the one-click address). `NotFound` for an address that
/// is not one.
pub async fn unsubscribe(
    core: &Core,
    user_id: i64,
    token: &str,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    if !genuine(&core.secret, user_id, token) {
        return Err(AuthError::NotFound);
    }
    let actor = Actor {
        user_id: Some(user_id),
        label: "unsubscribe".into(),
        ip: client.ip.clone(),
    };
    set(core, user_id, false, &actor).await
}

/// The profile's checkbox.
pub async fn choose(
    core: &Core,
    user: &SessionUser,
    on: bool,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    set(core, user.user_id, on, &user.actor(client)).await
}

async fn set(core: &Core, user_id: i64, on: bool, actor: &Actor) -> Result<(), AuthError> {
    let mut tx = core.db.begin().await?;
    if store::set_mail_notices(&mut tx, user_id, on).await? == 0 {
        return Err(AuthError::NotFound);
    }
    let details = serde_json::json!({ "mail_notices": on });
    let event = Event::new("user.mail_notices", "user", user_id, details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the user wants the optional letters (`None` for staff: they get none).
pub async fn wanted(db: &Db, user_id: i64) -> Result<Option<bool>, AuthError> {
    Ok(store::user_by_id(db, user_id)
        .await?
        .filter(|u| u.kind == "member")
        .map(|u| u.mail_notices))
}

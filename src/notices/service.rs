//! Telling a company something, and a user's list of notes.

use super::model::Area;
use super::store;
use crate::auth::model::Principal;
use crate::core::Core;
use crate::db::{DbError, Tx};

pub use store::NoteRow;

/// A note for the users of `member_id` who may see `area`, written in the caller's
/// transaction (with the change it reports). `link` is the page it leads to.
pub async fn notify(
    tx: &mut Tx,
    member_id: i64,
    area: Area,
    item_id: Option<i64>,
    link: Option<&str>,
    text: &str,
) -> Result<(), DbError> {
    store::insert(tx, member_id, area.code(), item_id, link, text).await
}

/// The newest notes `user_id` may see, each marked read or not for them; showing them marks
/// them read for this user alone.
pub async fn read_list(
    core: &Core,
    who: Principal,
    member_id: i64,
    user_id: i64,
    limit: i64,
) -> Result<Vec<NoteRow>, DbError> {
    let areas = Area::codes_for(who);
    let notes = store::for_user(&core.db, member_id, user_id, &areas, limit).await?;
    if let Some(newest) = notes.iter().map(|n| n.id).max() {
        store::mark_read(&core.db, member_id, user_id, &areas, newest).await?;
    }
    Ok(notes)
}

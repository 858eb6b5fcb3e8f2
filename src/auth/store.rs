//! SQL of users, sessions and login events.

use chrono::{DateTime, Utc};

use super::model::User;
use crate::db::{Db, DbResult, Tx};
use crate::{on_db, on_tx};

const SELECT_USER: &str = "SELECT id, email, full_name, position, phone, password_hash, kind, member_id, \
                           member_role, staff_role, is_blocked, last_login_at, mail_notices FROM users";

pub async fn user_by_email(db: &Db, email: &str) -> DbResult<Option<User>> {
    let sql = format!("{SELECT_USER} WHERE email = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, User>(&sql).bind(email).fetch_optional(p).await?))
}

/// A user just written in this transaction.
pub async fn user_by_id_tx(tx: &mut Tx, id: i64) -> DbResult<User> {
    let sql = format!("{SELECT_USER} WHERE id = $1");
    Ok(on_tx!(tx, c => sqlx::query_as::<_, User>(&sql).bind(id).fetch_one(c).await?))
}

pub async fn user_by_id(db: &Db, id: i64) -> DbResult<Option<User>> {
    let sql = format!("{SELECT_USER} WHERE id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, User>(&sql).bind(id).fetch_optional(p).await?))
}

/// Users of the company with this INN who can log in (not blocked, password set).
pub async fn login_candidates_by_inn(db: &Db, inn: &str) -> DbResult<Vec<User>> {
    let sql = format!(
        "{SELECT_USER} WHERE member_id = (SELECT id FROM members WHERE inn = $1) \
         AND is_blocked = FALSE AND password_hash IS NOT NULL ORDER BY id LIMIT 20"
    );
    Ok(on_db!(db, p => sqlx::query_as::<_, User>(&sql).bind(inn).fetch_all(p).await?))
}

pub async fn users_of_member(db: &Db, member_id: i64) -> DbResult<Vec<User>> {
    let sql = format!("{SELECT_USER} WHERE member_id = $1 ORDER BY full_name, id");
    Ok(on_db!(db, p => sqlx::query_as::<_, User>(&sql).bind(member_id).fetch_all(p).await?))
}

/// The users of several companies in one statement (a mailing's batch of companies).
pub async fn users_of_members(db: &Db, members: &[i64]) -> DbResult<Vec<User>> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{SELECT_USER} WHERE member_id IN ({}) ORDER BY full_name, id",
        crate::db::placeholders(1, members.len())
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_as::<_, User>(&sql);
        for m in members {
            q = q.bind(m);
        }
        q.fetch_all(p).await?
    }))
}

pub async fn staff_users(db: &Db) -> DbResult<Vec<User>> {
    let sql = format!("{SELECT_USER} WHERE kind = 'staff' ORDER BY full_name, id");
    Ok(on_db!(db, p => sqlx::query_as::<_, User>(&sql).fetch_all(p).await?))
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub full_name: &'a str,
    pub position: &'a str,
    pub phone: &'a str,
    pub password_hash: Option<&'a str>,
    pub kind: &'a str,
    pub member_id: Option<i64>,
    pub member_role: Option<&'a str>,
    pub staff_role: Option<&'a str>,
}

pub async fn insert_user(tx: &mut Tx, u: &NewUser<'_>) -> DbResult<i64> {
    let sql = "INSERT INTO users (email, full_name, position, phone, password_hash, kind, member_id, member_role, staff_role, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(u.email)
        .bind(u.full_name)
        .bind(u.position)
        .bind(u.phone)
        .bind(u.password_hash)
        .bind(u.kind)
        .bind(u.member_id)
        .bind(u.member_role)
        .bind(u.staff_role)
        .bind(tx.now)
        .fetch_one(c)
        .await?))
}

/// What a request needs to know about its session, in one query.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub email: String,
    pub full_name: String,
    pub kind: String,
    pub member_id: Option<i64>,
    pub member_role: Option<String>,
    pub staff_role: Option<String>,
    pub is_blocked: bool,
    pub company: Option<String>,
    pub new_sro: i64,
}

pub async fn session(db: &Db, id_hash: &str) -> DbResult<Option<SessionRow>> {
    let sql = "SELECT s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.email, u.full_name, u.kind, \
               u.member_id, u.member_role, u.staff_role, u.is_blocked, m.short_name AS company, \
               CAST((SELECT COUNT(*) FROM sro_message_recipients r JOIN sro_messages sm ON sm.id = r.message_id \
                WHERE r.member_id = u.member_id AND r.opened_at IS NULL AND (u.member_role = 'head' \
                OR sm.category NOT IN ('invoice', 'inspection', 'request') \
                OR (sm.category = 'invoice' AND u.member_role = 'accountant') \
                OR (sm.category IN ('inspection', 'request') AND u.member_role = 'reporter'))) AS BIGINT) AS new_sro \
               FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN members m ON m.id = u.member_id \
               WHERE s.id_hash = $1";
    // `new_sro`: the SRO's messages nobody in the company has opened yet, of the categories the
    // user's role reads — the menu's counter. The role rule is `messages::model::Category::read_by`
    // written in SQL (auth comes before messages); `tests/it/calendar.rs` checks the two agree.
    Ok(on_db!(db, p => sqlx::query_as::<_, SessionRow>(sql).bind(id_hash).fetch_optional(p).await?))
}

pub async fn insert_session(
    tx: &mut Tx,
    id_hash: &str,
    user_id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    ip: &str,
    user_agent: &str,
) -> DbResult<()> {
    let sql = "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent) \
               VALUES ($1, $2, $3, $3, $4, $5, $6)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(id_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .bind(ip)
        .bind(user_agent)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

pub async fn touch_session(
    db: &Db,
    id_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> DbResult<()> {
    let sql = "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1";
    on_db!(db, p => sqlx::query(sql).bind(id_hash).bind(now).bind(expires_at).execute(p).await?.rows_affected());
    Ok(())
}

pub async fn delete_session(tx: &mut Tx, id_hash: &str) -> DbResult<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn delete_session_now(db: &Db, id_hash: &str) -> DbResult<()> {
    on_db!(db, p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(p).await?.rows_affected());
    Ok(())
}

pub async fn delete_expired_sessions(db: &Db, now: DateTime<Utc>) -> DbResult<u64> {
    let r = on_db!(db, p => sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(p).await?.rows_affected());
    Ok(r)
}

pub async fn record_login(
    tx: &mut Tx,
    user_id: Option<i64>,
    at: DateTime<Utc>,
    ip: &str,
    ua: &str,
    success: bool,
) -> DbResult<()> {
    let sql = "INSERT INTO login_events (user_id, at, ip, user_agent, success) VALUES ($1, $2, $3, $4, $5)";
    on_tx!(tx, c => sqlx::query(sql).bind(user_id).bind(at).bind(ip).bind(ua).bind(success).execute(c).await?.rows_affected());
    if success && let Some(id) = user_id {
        on_tx!(tx, c => sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1").bind(id).bind(at).execute(c).await?.rows_affected());
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginEvent {
    pub at: DateTime<Utc>,
    pub ip: String,
    pub user_agent: String,
    pub success: bool,
}

pub async fn recent_logins(db: &Db, user_id: i64, limit: i64) -> DbResult<Vec<LoginEvent>> {
    let sql = "SELECT at, ip, user_agent, success FROM login_events WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, LoginEvent>(sql).bind(user_id).bind(limit).fetch_all(p).await?),
    )
}

// ---- one-time tokens -------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub purpose: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Void the user's unused tokens of this purpose: only the newest link works.
pub async fn void_tokens(
    tx: &mut Tx,
    user_id: i64,
    purpose: &str,
    now: DateTime<Utc>,
) -> DbResult<u64> {
    let sql = "UPDATE user_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL";
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(user_id).bind(purpose).bind(now).execute(c).await?.rows_affected()),
    )
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_token(
    tx: &mut Tx,
    user_id: i64,
    purpose: &str,
    nonce: &str,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> DbResult<i64> {
    let sql = "INSERT INTO user_tokens (user_id, purpose, nonce, token_hash, created_at, expires_at) \
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(user_id)
        .bind(purpose)
        .bind(nonce)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .fetch_one(c)
        .await?))
}

pub async fn token_by_hash(db: &Db, token_hash: &str) -> DbResult<Option<TokenRow>> {
    let sql =
        "SELECT id, user_id, purpose, expires_at, used_at FROM user_tokens WHERE token_hash = $1";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, TokenRow>(sql).bind(token_hash).fetch_optional(p).await?),
    )
}

/// Use a token exactly once: `false` if it was used (or voided) meanwhile.
pub async fn use_token(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> DbResult<bool> {
    let sql =
        "UPDATE user_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2";
    Ok(on_tx!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await?.rows_affected()) == 1)
}

// ---- changes to users --------------------------------------------------------------------

pub async fn set_password_hash(tx: &mut Tx, user_id: i64, hash: &str) -> DbResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1").bind(user_id).bind(hash).execute(c).await?.rows_affected());
    Ok(())
}

/// End the user's sessions, except `keep` (the hash of the session doing the change).
pub async fn delete_sessions_of(tx: &mut Tx, user_id: i64, keep: Option<&str>) -> DbResult<u64> {
    let sql = "DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id_hash <> $2)";
    Ok(on_tx!(tx, c => sqlx::query(sql).bind(user_id).bind(keep).execute(c).await?.rows_affected()))
}

pub async fn set_email(tx: &mut Tx, user_id: i64, email: &str) -> DbResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET email = $2 WHERE id = $1").bind(user_id).bind(email).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn set_member_role(tx: &mut Tx, user_id: i64, role: &str) -> DbResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET member_role = $2 WHERE id = $1").bind(user_id).bind(role).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn set_mail_notices(tx: &mut Tx, user_id: i64, on: bool) -> DbResult<u64> {
    let sql = "UPDATE users SET mail_notices = $2 WHERE id = $1 AND kind = 'member'";
    Ok(on_tx!(tx, c => sqlx::query(sql).bind(user_id).bind(on).execute(c).await?.rows_affected()))
}

pub async fn set_blocked(tx: &mut Tx, user_id: i64, blocked: bool) -> DbResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET is_blocked = $2 WHERE id = $1").bind(user_id).bind(blocked).execute(c).await?.rows_affected());
    Ok(())
}

/// Lock the company's users until the transaction ends and read them as they are now: two
/// heads changing each other at the same moment take turns, so the second sees the first's
/// change (the "a company keeps an active head" check is made on fresh rows). An `UPDATE`
/// that changes nothing locks the rows on both databases.
pub async fn lock_company_users(tx: &mut Tx, member_id: i64) -> DbResult<Vec<User>> {
    let sql = "UPDATE users SET is_blocked = is_blocked WHERE member_id = $1 RETURNING id, email, full_name, \
               position, phone, password_hash, kind, member_id, member_role, staff_role, is_blocked, last_login_at, mail_notices";
    Ok(on_tx!(tx, c => sqlx::query_as::<_, User>(sql).bind(member_id).fetch_all(c).await?))
}

pub async fn active_users_of_member(db: &Db, inn: &str) -> DbResult<Vec<User>> {
    let sql = format!(
        "{SELECT_USER} WHERE member_id = (SELECT id FROM members WHERE inn = $1) AND is_blocked = FALSE ORDER BY id LIMIT 20"
    );
    Ok(on_db!(db, p => sqlx::query_as::<_, User>(&sql).bind(inn).fetch_all(p).await?))
}

/// What auth needs of a member company: its INN (passwords must not contain it), its short
/// name (letters) and its expert (who may change its users' e-mails). A read model of the
/// register's `members` table, listed in ARCHITECTURE.md.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberBrief {
    pub inn: String,
    pub short_name: String,
    pub expert_id: Option<i64>,
    /// The register's contact e-mail, head and position: the first invitation's defaults.
    pub email: String,
    pub head_name: String,
    pub head_position: String,
}

pub async fn member_brief(db: &Db, member_id: i64) -> DbResult<Option<MemberBrief>> {
    let sql = "SELECT inn, short_name, expert_id, email, head_name, head_position FROM members WHERE id = $1";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, MemberBrief>(sql).bind(member_id).fetch_optional(p).await?),
    )
}

/// Remove a user who never set a password (an invitation nobody accepted); false when the user
/// has one by now.
pub async fn delete_unaccepted(tx: &mut Tx, user_id: i64) -> DbResult<bool> {
    let sql = "DELETE FROM users WHERE id = $1 AND password_hash IS NULL AND last_login_at IS NULL";
    let n = on_tx!(tx, c => sqlx::query(sql).bind(user_id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Lock the SRO's staff and read them fresh, as `lock_company_users` does for a company: two
/// administrators demoting or blocking each other take turns, so one active administrator
/// always remains.
pub async fn lock_staff(tx: &mut Tx) -> DbResult<Vec<User>> {
    let sql = "UPDATE users SET is_blocked = is_blocked WHERE kind = 'staff' RETURNING id, email, full_name, \
               position, phone, password_hash, kind, member_id, member_role, staff_role, is_blocked, last_login_at, mail_notices";
    Ok(on_tx!(tx, c => sqlx::query_as::<_, User>(sql).fetch_all(c).await?))
}

pub async fn set_staff_role(tx: &mut Tx, user_id: i64, role: &str) -> DbResult<()> {
    let sql = "UPDATE users SET staff_role = $2 WHERE id = $1 AND kind = 'staff'";
    on_tx!(tx, c => sqlx::query(sql).bind(user_id).bind(role).execute(c).await?.rows_affected());
    Ok(())
}

/// An invitation link as sent: its user, when, until when, and whether it was used (or
/// replaced by a newer one).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteRow {
    pub id: i64,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// The invitation links of a company's users (`Some(member)`) or of the staff (`None`),
/// oldest first.
pub async fn invites(db: &Db, member_id: Option<i64>) -> DbResult<Vec<InviteRow>> {
    let sql = "SELECT t.id, t.user_id, t.created_at, t.expires_at, t.used_at FROM user_tokens t \
               JOIN users u ON u.id = t.user_id \
               WHERE t.purpose = 'invite' AND (($1 IS NULL AND u.kind = 'staff') OR u.member_id = $1) \
               ORDER BY t.id";
    Ok(on_db!(db, p => sqlx::query_as::<_, InviteRow>(sql).bind(member_id).fetch_all(p).await?))
}

// ---- «Пригласить всех без доступа» ---------------------------------------------------------

/// A member no active user can log in for: no user who is not blocked (an invited user who
/// has not set a password counts as on the way in).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unreached {
    pub id: i64,
    pub short_name: String,
    pub email: String,
    pub head_name: String,
    pub head_position: String,
}

pub async fn unreached_members(db: &Db) -> DbResult<Vec<Unreached>> {
    let sql = "SELECT m.id, m.short_name, m.email, m.head_name, m.head_position FROM members m \
               WHERE m.status IN ('member', 'suspended') \
               AND NOT EXISTS (SELECT 1 FROM users u WHERE u.member_id = m.id AND u.is_blocked = FALSE) \
               ORDER BY m.short_name, m.id";
    Ok(on_db!(db, p => sqlx::query_as::<_, Unreached>(sql).fetch_all(p).await?))
}

pub async fn insert_batch(tx: &mut Tx, created_by: i64, total: i64) -> DbResult<i64> {
    let sql = "INSERT INTO invitation_batches (created_by, created_at, total) VALUES ($1, $2, $3) RETURNING id";
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(created_by).bind(tx.now).bind(total).fetch_one(c).await?),
    )
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_batch_item(
    tx: &mut Tx,
    batch_id: i64,
    member_id: i64,
    short_name: &str,
    email: &str,
    state: &str,
    note: &str,
) -> DbResult<()> {
    let sql = "INSERT INTO invitation_batch_items (batch_id, member_id, short_name, email, state, note, done_at) \
               VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $5 = 'pending' THEN NULL ELSE $7 END)";
    on_tx!(tx, c => sqlx::query(sql).bind(batch_id).bind(member_id).bind(short_name).bind(email)
        .bind(state).bind(note).bind(tx.now).execute(c).await?.rows_affected());
    Ok(())
}

/// Up to `limit` items still to do, oldest first.
pub async fn pending_items(db: &Db, limit: i64) -> DbResult<Vec<(i64, i64, i64, String)>> {
    let sql = "SELECT id, batch_id, member_id, email FROM invitation_batch_items WHERE state = 'pending' ORDER BY id LIMIT $1";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, (i64, i64, i64, String)>(sql).bind(limit).fetch_all(p).await?),
    )
}

/// Take a pending item in this transaction: false when another worker did it meanwhile (the
/// row lock makes the second one wait and then see it done).
pub async fn take_item(tx: &mut Tx, id: i64) -> DbResult<bool> {
    let sql = "UPDATE invitation_batch_items SET state = 'sent', done_at = $2 WHERE id = $1 AND state = 'pending'";
    let n =
        on_tx!(tx, c => sqlx::query(sql).bind(id).bind(tx.now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// What became of an item taken in this transaction.
pub async fn set_item_outcome(
    tx: &mut Tx,
    id: i64,
    state: &str,
    note: &str,
    user_id: Option<i64>,
    token_id: Option<i64>,
) -> DbResult<()> {
    let sql = "UPDATE invitation_batch_items SET state = $2, note = $3, user_id = $4, token_id = $5 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(state).bind(note).bind(user_id).bind(token_id)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn active_users_count(tx: &mut Tx, member_id: i64) -> DbResult<i64> {
    let sql = "SELECT COUNT(*) FROM users WHERE member_id = $1 AND is_blocked = FALSE";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(member_id).fetch_one(c).await?))
}

pub async fn email_taken(tx: &mut Tx, email: &str) -> DbResult<bool> {
    let sql = "SELECT COUNT(*) FROM users WHERE email = $1";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(email).fetch_one(c).await?) > 0)
}

/// Mark the batch finished once nothing of it is pending.
pub async fn finish_batch(db: &Db, batch_id: i64) -> DbResult<()> {
    let sql = "UPDATE invitation_batches SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM invitation_batch_items WHERE batch_id = $1 AND state = 'pending')";
    on_db!(db, p => sqlx::query(sql).bind(batch_id).bind(db.now()).execute(p).await?.rows_affected());
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BatchRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub total: i64,
    pub done: i64,
    pub author: String,
}

const BATCH_SELECT: &str = "SELECT b.id, b.created_at, b.finished_at, b.total, \
    (SELECT COUNT(*) FROM invitation_batch_items i WHERE i.batch_id = b.id AND i.state <> 'pending') AS done, \
    COALESCE(u.full_name, '') AS author FROM invitation_batches b LEFT JOIN users u ON u.id = b.created_by";

pub async fn batches(db: &Db, limit: i64) -> DbResult<Vec<BatchRow>> {
    let sql = format!("{BATCH_SELECT} ORDER BY b.id DESC LIMIT $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, BatchRow>(&sql).bind(limit).fetch_all(p).await?))
}

pub async fn batch(db: &Db, id: i64) -> DbResult<Option<BatchRow>> {
    let sql = format!("{BATCH_SELECT} WHERE b.id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, BatchRow>(&sql).bind(id).fetch_optional(p).await?))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub member_id: i64,
    pub short_name: String,
    pub email: String,
    pub state: String,
    pub note: String,
    pub token_id: Option<i64>,
}

pub async fn batch_items(db: &Db, batch_id: i64) -> DbResult<Vec<ItemRow>> {
    let sql = "SELECT member_id, short_name, email, state, note, token_id FROM invitation_batch_items \
               WHERE batch_id = $1 ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as::<_, ItemRow>(sql).bind(batch_id).fetch_all(p).await?))
}

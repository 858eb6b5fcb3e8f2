//! Accounts made outside the pages: the first staff (`kabinet create-staff`), demo users and
//! bulk benchmark data. Passwords are checked against the same rules as everywhere.

use super::model::{self, MemberRole, StaffRole};
use super::service::AuthError;
use super::store;
use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::requisites::Email;

/// A new SRO employee (CLI `create-staff`, demo data).
pub async fn create_staff(
    db: &Db,
    role: StaffRole,
    email: &Email,
    full_name: &str,
    password: &str,
    actor: &Actor,
) -> Result<i64, AuthError> {
    if let Some(problem) = model::password_problem(password, &[email.as_str()]) {
        return Err(AuthError::WeakPassword(problem));
    }
    let hash = model::hash_password(password);
    let mut tx = db.begin().await?;
    let id = store::insert_user(
        &mut tx,
        &store::NewUser {
            email: email.as_str(),
            full_name,
            position: role.label(),
            phone: "",
            password_hash: Some(&hash),
            kind: "staff",
            member_id: None,
            member_role: None,
            staff_role: Some(role.code()),
        },
    )
    .await?;
    let details = serde_json::json!({ "email": email.as_str(), "role": role.code() });
    let event = Event::new("staff.create", "user", id, details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// A user of a member company. `password_hash` may be a precomputed hash (bulk data).
pub struct MemberUserForCreate<'a> {
    pub member_id: i64,
    pub role: MemberRole,
    pub email: &'a Email,
    pub full_name: &'a str,
    pub position: &'a str,
    pub phone: &'a str,
    pub password: &'a str,
}

pub async fn create_member_user(
    db: &Db,
    u: &MemberUserForCreate<'_>,
    actor: &Actor,
) -> Result<i64, AuthError> {
    if let Some(problem) = model::password_problem(u.password, &[u.email.as_str()]) {
        return Err(AuthError::WeakPassword(problem));
    }
    let hash = model::hash_password(u.password);
    let mut tx = db.begin().await?;
    let id = store::insert_user(
        &mut tx,
        &store::NewUser {
            email: u.email.as_str(),
            full_name: u.full_name,
            position: u.position,
            phone: u.phone,
            password_hash: Some(&hash),
            kind: "member",
            member_id: Some(u.member_id),
            member_role: Some(u.role.code()),
            staff_role: None,
        },
    )
    .await?;
    let details = serde_json::json!({ "email": u.email.as_str(), "member_id": u.member_id, "role": u.role.code() });
    let event = Event::new("member_user.create", "user", id, details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// One «Руководитель» user per member, all with the same precomputed hash (bulk data only).
pub async fn create_member_heads_bulk(
    db: &Db,
    users: &[(i64, String, String)],
    password_hash: &str,
    actor: &Actor,
) -> Result<(), AuthError> {
    let mut tx = db.begin().await?;
    for (member_id, email, name) in users {
        store::insert_user(
            &mut tx,
            &store::NewUser {
                email,
                full_name: name,
                position: "",
                phone: "",
                password_hash: Some(password_hash),
                kind: "member",
                member_id: Some(*member_id),
                member_role: Some(MemberRole::Head.code()),
                staff_role: None,
            },
        )
        .await?;
    }
    let details = serde_json::json!({ "count": users.len() });
    let event = Event::new("member_user.create_many", "user", String::new(), details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(())
}

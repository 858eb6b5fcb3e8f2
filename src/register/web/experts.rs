//! «Назначить эксперта» on the member's card, and «Передать организации» of an expert who
//! leaves (from the employee's card in «Сотрудники»).

use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::register::experts::{self, ExpertError};
use crate::web::access::{Administer, KeepRegister};
use crate::web::{AppError, Staff};

impl From<ExpertError> for AppError {
    fn from(e: ExpertError) -> Self {
        match e {
            ExpertError::NotFound => AppError::NotFound,
            ExpertError::Invalid(errors) => AppError::Unprocessable(errors.messages().join("; ")),
            ExpertError::Db(e) => AppError::from(e),
        }
    }
}

/// An id from a select; empty means «не назначен».
fn chosen(value: &str) -> Result<Option<i64>, AppError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| AppError::Unprocessable("Выберите эксперта из списка".into()))
}

#[derive(Deserialize)]
pub(super) struct AssignForm {
    #[serde(default)]
    expert_id: String,
}

pub(super) async fn assign(
    s: Staff<KeepRegister>,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Result<Response, AppError> {
    let expert = chosen(&f.expert_id)?;
    experts::assign(&s.ctx.state.core, &s.actor(), id, expert).await?;
    Ok(Redirect::to(&format!("/office/members/{id}?done=expert")).into_response())
}

#[derive(Deserialize)]
pub(super) struct ReassignForm {
    #[serde(default)]
    to: String,
}

pub(super) async fn reassign(
    s: Staff<Administer>,
    Path(id): Path<i64>,
    Form(f): Form<ReassignForm>,
) -> Result<Response, AppError> {
    let to = chosen(&f.to)?
        .ok_or_else(|| AppError::Unprocessable("Выберите эксперта из списка".into()))?;
    experts::reassign_all(&s.ctx.state.core, &s.actor(), id, to).await?;
    Ok(Redirect::to(&format!("/office/staff/{id}?done=reassigned")).into_response())
}

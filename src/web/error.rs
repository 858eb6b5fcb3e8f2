//! `AppError`: the one place where failures become responses.
//!
//! Handlers return `AppError`; `into_response` only sets the status and attaches an
//! [`ErrorInfo`]. The `render_errors` middleware (which has the state and the user) then turns
//! every error response, ours or a framework rejection, into a Russian page, or a JSON problem
//! under `/api`. Internal text never reaches the body; 5xx causes are logged with the request span.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A wrong request parameter (the API): 400 with the reason.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 404 with a message that helps (a mistyped extract number), not the generic one.
    #[error("not found: {0}")]
    NotFoundWith(String),
    #[error("forbidden")]
    Forbidden,
    /// Anonymous user on a page that needs a login: redirect, then come back.
    #[error("login required")]
    LoginRequired { next: String },
    #[error("csrf check failed")]
    Csrf,
    #[error("payload too large")]
    PayloadTooLarge,
    /// The object moved on since the page was shown (already sent, already registered).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// Overloaded for a moment (password checks): 503, come back in a few seconds.
    #[error("busy")]
    Busy,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What the error page needs; travels in the response extensions.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub message: Option<String>,
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound,
            other => AppError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Unexpected(anyhow::Error::new(e).context("rendering a template"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            AppError::LoginRequired { next } => {
                let target = if next.is_empty() || next == "/" {
                    "/login".to_string()
                } else {
                    format!("/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>())
                };
                return Redirect::to(&target).into_response();
            }
            AppError::NotFound => (StatusCode::NOT_FOUND, None),
            AppError::NotFoundWith(m) => (StatusCode::NOT_FOUND, Some(m)),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, Some(m)),
            AppError::Forbidden => (StatusCode::FORBIDDEN, None),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                Some("Форма устарела или была отправлена с другого сайта. Обновите страницу и повторите действие.".into()),
            ),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, None),
            AppError::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, Some(m)),
            AppError::Conflict(m) => (StatusCode::CONFLICT, Some(m)),
            AppError::TooManyRequests { retry_after_secs } => {
                let mut r = (StatusCode::TOO_MANY_REQUESTS, ErrorMarker(None)).into_response();
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return r;
            }
            AppError::Busy => {
                let mut r = (StatusCode::SERVICE_UNAVAILABLE, ErrorMarker(Some(
                    "Слишком много входов одновременно. Подождите несколько секунд и попробуйте снова.".into(),
                )))
                    .into_response();
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                return r;
            }
            AppError::Unexpected(e) => {
                // The chain goes to the log (inside the request's span, with its id), not to the user.
                tracing::error!(error = ?e, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, None)
            }
        };
        (status, ErrorMarker(message)).into_response()
    }
}

struct ErrorMarker(Option<String>);

impl IntoResponse for ErrorMarker {
    fn into_response(self) -> Response {
        let mut r = Response::new(axum::body::Body::empty());
        r.extensions_mut().insert(ErrorInfo { message: self.0 });
        r
    }
}

/// «45 сек.», «3 мин.», «2 ч.»: how long to wait.
pub fn wait_text(secs: u64) -> String {
    match secs {
        0..=59 => format!("{} сек.", secs.max(1)),
        60..=3599 => format!("{} мин.", secs.div_ceil(60)),
        _ => format!("{} ч.", secs.div_ceil(3600)),
    }
}

/// Russian title and explanation for an error status.
pub fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "Неверный запрос",
            "Запрос не удалось разобрать. Вернитесь назад и попробуйте еще раз.",
        ),
        401 => (
            "Требуется вход",
            "Войдите в личный кабинет, чтобы продолжить.",
        ),
        403 => ("Доступ запрещен", "У вас нет прав на это действие."),
        404 => (
            "Страница не найдена",
            "Такой страницы нет или у вас нет к ней доступа. Проверьте адрес или вернитесь на главную.",
        ),
        405 => (
            "Действие недоступно",
            "Это действие нельзя выполнить таким способом.",
        ),
        413 => (
            "Слишком большой объем данных",
            "Отправленные данные превышают допустимый размер. Уменьшите размер файла или текста и попробуйте снова.",
        ),
        415 => (
            "Неподдерживаемый формат",
            "Данные отправлены в формате, который портал не принимает.",
        ),
        409 => (
            "Документ уже изменился",
            "Пока страница была открыта, документ изменился. Обновите страницу.",
        ),
        422 => (
            "Проверьте введенные данные",
            "Некоторые поля заполнены неверно.",
        ),
        429 => (
            "Слишком много попыток",
            "Вы сделали слишком много попыток подряд.",
        ),
        503 => (
            "Сервис временно недоступен",
            "Портал временно недоступен. Попробуйте через несколько минут.",
        ),
        s if s >= 500 => (
            "Внутренняя ошибка",
            "На сервере произошла ошибка. Мы уже знаем о ней. Попробуйте повторить действие позже.",
        ),
        _ => ("Ошибка", "Не удалось выполнить запрос."),
    }
}

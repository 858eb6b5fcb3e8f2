//! Characters that are never text: NUL and the other control characters (tab and line breaks
//! aside). PostgreSQL refuses NUL in a text value, which once made a search for «a%00b» a 500;
//! nothing else would want them either. They are refused before any handler sees the request,
//! in the address (path and query) here and in form bodies where the CSRF check reads them
//! (`session::csrf_layer`, `upload::read_form`): 400 with a Russian message, never a 500.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::web::AppError;

/// What the user reads when a request carried such a character.
pub const MESSAGE: &str = "В запросе есть служебные символы, которых не бывает в тексте (например, символ с кодом 0). \
     Уберите их и повторите; если текст вставлен из другой программы, наберите его заново.";

/// A character no field of ours takes.
pub fn is_refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `Err` when a decoded value carries a refused character.
pub fn check(value: &str) -> Result<(), AppError> {
    if value.chars().any(is_refused) {
        Err(AppError::BadRequest(MESSAGE.into()))
    } else {
        Ok(())
    }
}

/// Every pair of a query string or a urlencoded body.
pub fn check_pairs(encoded: &[u8]) -> Result<(), AppError> {
    for (k, v) in url::form_urlencoded::parse(encoded) {
        check(&k)?;
        check(&v)?;
    }
    Ok(())
}

/// The layer: the decoded path and every query parameter.
pub async fn refuse_control_characters(req: Request, next: Next) -> Result<Response, AppError> {
    let uri = req.uri();
    check(&percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy())?;
    if let Some(q) = uri.query() {
        check_pairs(q.as_bytes())?;
    }
    Ok(next.run(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_is_never_text_is_refused() {
        for ok in [
            "Отчет за 2026 год",
            "строка 1\r\nстрока 2\tстолбец",
            "\u{200b}",
            "",
        ] {
            assert!(check(ok).is_ok(), "{ok:?}");
        }
        for bad in ["a\0b", "\u{1}", "\u{7f}", "\u{85}", "\u{1b}[31m"] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
        assert!(check_pairs(b"q=a%00b").is_err());
        assert!(check_pairs(b"q=%D0%B0&page=2").is_ok());
    }
}

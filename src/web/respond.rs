//! Files as responses: stored blobs streamed to the browser, generated documents, and the
//! `Content-Disposition` that keeps Cyrillic names.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::storage::Storage;
use crate::web::error::AppError;

/// `attachment` with an ASCII fallback name and the real (Cyrillic) name per RFC 5987.
pub fn content_disposition(name: &str) -> HeaderValue {
    disposition("attachment", name)
}

fn disposition(kind: &str, name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

/// A generated file as a response: its type, its name, and whether the browser should open it
/// (`inline`, PDFs) or save it.
pub fn file_response(
    body: impl Into<Body>,
    content_type: &'static str,
    name: &str,
    inline: bool,
) -> Response {
    let mut res = Response::new(body.into());
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        disposition(if inline { "inline" } else { "attachment" }, name),
    );
    res
}

/// A stored blob, streamed as a download under its original name.
pub async fn stream_file(
    storage: &Storage,
    key: &str,
    name: &str,
    media_type: &str,
    size: i64,
) -> Result<Response, AppError> {
    let stream = storage
        .open(key)
        .await
        .map_err(|e| AppError::Unexpected(e.context("opening a stored file")))?;
    let mut res = Response::new(Body::from_stream(stream));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(size.max(0) as u64),
    );
    h.insert(header::CONTENT_DISPOSITION, content_disposition(name));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

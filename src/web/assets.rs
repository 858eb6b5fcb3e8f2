//! Static files, embedded in the binary (one file to deploy) and served with long cache
//! lifetimes under content-hashed URLs. The theme (colours) and the logo come from config.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::state::AppState;

struct Asset {
    body: Bytes,
    content_type: &'static str,
}

/// All assets and their versioned URLs, built once at start.
pub struct Assets {
    files: HashMap<String, Asset>,
    pub css_url: String,
    pub js_url: String,
    pub theme_url: String,
    pub logo_url: Option<String>,
}

const EMBEDDED: &[(&str, &[u8], &str)] = &[
    (
        "kabinet.css",
        include_bytes!("../../assets/css/kabinet.css"),
        "text/css; charset=utf-8",
    ),
    (
        "kabinet.js",
        include_bytes!("../../assets/js/kabinet.js"),
        "text/javascript; charset=utf-8",
    ),
];

fn short_hash(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..6])
}

impl Assets {
    pub fn load(settings: &Settings) -> anyhow::Result<Assets> {
        let mut files = HashMap::new();
        let mut url = |name: &str, body: Vec<u8>, content_type: &'static str| {
            let u = format!("/assets/{name}?v={}", short_hash(&body));
            files.insert(
                name.to_string(),
                Asset {
                    body: Bytes::from(body),
                    content_type,
                },
            );
            u
        };
        let css_url = url("kabinet.css", EMBEDDED[0].1.to_vec(), EMBEDDED[0].2);
        let js_url = url("kabinet.js", EMBEDDED[1].1.to_vec(), EMBEDDED[1].2);
        // Colours as CSS variables in a file of their own: the CSP forbids inline styles.
        let theme = format!(
            ":root{{--primary:{};--accent:{};}}\n",
            settings.branding.primary_color, settings.branding.accent_color
        );
        let theme_url = url("theme.css", theme.into_bytes(), "text/css; charset=utf-8");
        let logo_url = if settings.branding.logo.is_empty() {
            None
        } else {
            let path = settings.logo_path();
            let body = std::fs::read(&path)
                .map_err(|e| anyhow::anyhow!("reading the logo {}: {e}", path.display()))?;
            let (name, ct) = if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
            {
                ("logo.svg", "image/svg+xml")
            } else {
                ("logo.png", "image/png")
            };
            Some(url(name, body, ct))
        };
        Ok(Assets {
            files,
            css_url,
            js_url,
            theme_url,
            logo_url,
        })
    }
}

pub async fn serve_asset(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match state.assets.files.get(&name) {
        Some(a) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(a.content_type),
                ),
                // URLs carry the content hash, so a changed file gets a new URL.
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            a.body.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

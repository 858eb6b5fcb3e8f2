//! Shared state of the running application, cloned into every handler.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::web::assets::Assets;
use crate::web::ratelimit::Limits;
use crate::web::views::SroView;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Key of the CSRF HMAC.
    pub secret: Arc<Vec<u8>>,
    pub assets: Arc<Assets>,
    pub sro: Arc<SroView>,
    pub limits: Arc<Limits>,
    /// Resolved sessions, kept for `security.session_cache_ms`.
    pub sessions: Arc<crate::auth::cache::SessionCache>,
    /// SMTP delivery and the outbox worker's bell.
    pub mail: Arc<crate::mail::Mail>,
    /// Uploaded files (local directory or S3).
    pub storage: crate::storage::Storage,
    /// PDF documents (fonts and templates loaded once).
    pub documents: crate::documents::Documents,
}

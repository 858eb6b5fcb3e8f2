//! Shared state of the running web application, cloned into every handler: the [`Core`] the
//! services take, and what only the web layer uses (assets, the page chrome's SRO, rate limits,
//! the session cache).

use std::sync::Arc;

use crate::core::Core;
use crate::web::assets::Assets;
use crate::web::ratelimit::Limits;
use crate::web::views::SroView;

#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub assets: Arc<Assets>,
    pub sro: Arc<SroView>,
    pub limits: Arc<Limits>,
    /// Resolved sessions, kept for `security.session_cache_ms`.
    pub sessions: Arc<crate::auth::cache::SessionCache>,
    /// This instance's request figures; `None` when `/metrics` is off (`metrics.token`).
    pub metrics: Option<Arc<crate::web::metrics::Metrics>>,
}

/// Handlers read `state.db`, `state.settings`, … straight from the core.
impl std::ops::Deref for AppState {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

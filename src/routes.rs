//! The composition root of HTTP: every slice's routes under one router, with the layers
//! around them. The only module that knows all the slices' pages.

use axum::Router;
use axum::extract::Request;
use axum::middleware;
use axum::routing::get;

use crate::state::AppState;
use crate::web::{self, assets, session};

pub fn router(state: AppState) -> Router {
    // Pages: sessions, CSRF and the Russian error pages.
    let pages = Router::new()
        .merge(crate::auth::web::routes())
        .merge(crate::billing::web::routes())
        .merge(crate::calendar::web::routes())
        .merge(crate::archive::web::routes())
        .merge(crate::members::web::routes())
        .merge(crate::notices::web::routes())
        .merge(crate::office::web::routes())
        .merge(crate::reports::web::routes(&state))
        .merge(crate::exchange::web::routes(&state))
        .merge(crate::messages::web::routes(&state))
        .merge(crate::register::web::routes())
        .merge(crate::trust::web::routes())
        .merge(crate::contracts::web::routes())
        .fallback(web::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::csrf_layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::session_layer,
        ));
    // No session: probes, static assets, the public JSON API.
    let plain = Router::new()
        .route("/healthz", get(web::healthz))
        .route("/readyz", get(web::readyz))
        .route("/metrics", get(web::metrics::show))
        .route("/assets/{name}", get(assets::serve_asset))
        .merge(crate::register::web::api::routes());
    let app = Router::new()
        .merge(pages)
        .merge(plain)
        .layer(middleware::from_fn(web::input::refuse_control_characters))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::render_errors,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::security_headers,
        ))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &Request| {
                // A short random id ties the log lines of one request together.
                let id = &crate::tokens::random_token()[..12];
                tracing::info_span!("request", id, method = %req.method(), path = %req.uri().path())
            }),
        );
    // Outermost, so a request refused by any layer is counted too; no layer at all when off.
    let app = if state.metrics.is_some() {
        app.layer(middleware::from_fn_with_state(
            state.clone(),
            web::metrics::track,
        ))
    } else {
        app
    };
    app.with_state(state)
}

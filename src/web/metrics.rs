//! `/metrics` in the Prometheus text format: requests by route and status, latency per route,
//! the outbox, the periodic jobs and the database pool.
//!
//! Off unless `metrics.token` is set; then a scraper sends `Authorization: Bearer <token>`.
//! Request counts are this instance's (each instance is scraped on its own address); the
//! outbox and job figures come from the shared database and are the same on every instance.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct RouteStats {
    by_status: Vec<(u16, u64)>,
    /// Requests that took at most `BUCKETS[i]` (not cumulative here; summed when rendered).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

/// This instance's request figures: one short lock per request, and no layer at all when
/// `/metrics` is off (the default, which the benchmarks measure).
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<HashMap<String, RouteStats>>,
}

impl Metrics {
    fn record(&self, route: &str, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().expect("metrics lock");
        let stats = match routes.get_mut(route) {
            Some(s) => s,
            None => routes.entry(route.to_string()).or_default(),
        };
        match stats.by_status.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => stats.by_status.push((status, 1)),
        }
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            stats.buckets[i] += 1;
        }
        stats.count += 1;
        stats.sum_seconds += seconds;
    }

    fn render_requests(&self, out: &mut String) {
        let routes = self.routes.lock().expect("metrics lock");
        let mut names: Vec<&String> = routes.keys().collect();
        names.sort();
        out.push_str(
            "# HELP kabinet_http_requests_total HTTP requests answered, by route and status.\n",
        );
        out.push_str("# TYPE kabinet_http_requests_total counter\n");
        for name in &names {
            let mut by_status = routes[*name].by_status.clone();
            by_status.sort();
            for (status, n) in by_status {
                let _ = writeln!(
                    out,
                    "kabinet_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    label(name)
                );
            }
        }
        out.push_str("# HELP kabinet_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE kabinet_http_request_duration_seconds histogram\n");
        for name in &names {
            let s = &routes[*name];
            let route = label(name);
            let mut cumulative = 0;
            for (i, b) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i];
                let _ = writeln!(
                    out,
                    "kabinet_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "kabinet_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 kabinet_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 kabinet_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                s.count, s.sum_seconds, s.count
            );
        }
    }
}

/// A label value as the text format wants it.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The layer that counts every request under its route pattern (`/kabinet/items/{id}`, never
/// the id itself, so the number of series stays bounded); unknown paths count as `other`.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(metrics) = state.metrics.clone() else {
        return next.run(req).await;
    };
    let route = req.extensions().get::<MatchedPath>().cloned();
    let started = Instant::now();
    let response = next.run(req).await;
    let route = route.as_ref().map_or("other", |r| r.as_str());
    metrics.record(
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`: 404 when off (nothing says it exists), 401 without the right token.
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(metrics) = state.metrics.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Hashes compared, so the time taken says nothing about how much of the token matched.
    let expected = crate::tokens::token_hash(&state.settings.metrics.token);
    if crate::tokens::token_hash(given) != expected {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "metrics need the token of metrics.token\n",
        )
            .into_response();
    }
    let mut out = String::with_capacity(8192);
    metrics.render_requests(&mut out);
    if let Err(e) = render_shared(&state, &mut out).await {
        tracing::warn!(error = ?e, "metrics from the database");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// What every instance shares: the outbox, the periodic jobs; and this instance's pool.
async fn render_shared(state: &AppState, out: &mut String) -> crate::db::DbResult<()> {
    let counts = crate::mail::counts(&state.db).await?;
    let count = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    let oldest = crate::mail::oldest_queued(&state.db).await?;
    let age = oldest.map_or(0.0, |t| {
        (state.db.now() - t).num_milliseconds().max(0) as f64 / 1000.0
    });
    let _ = write!(
        out,
        "# HELP kabinet_outbox_messages Messages in the outbox, by status.\n\
         # TYPE kabinet_outbox_messages gauge\n\
         kabinet_outbox_messages{{status=\"queued\"}} {}\n\
         kabinet_outbox_messages{{status=\"sent\"}} {}\n\
         kabinet_outbox_messages{{status=\"failed\"}} {}\n\
         # HELP kabinet_outbox_oldest_queued_age_seconds Age of the oldest message not yet sent (0: none).\n\
         # TYPE kabinet_outbox_oldest_queued_age_seconds gauge\n\
         kabinet_outbox_oldest_queued_age_seconds {age}\n",
        count("queued"),
        count("sent"),
        count("failed"),
    );
    let jobs = crate::jobs::list(&state.db).await?;
    out.push_str("# HELP kabinet_job_runs_total Runs of each periodic job, all instances.\n# TYPE kabinet_job_runs_total counter\n");
    for j in &jobs {
        let _ = writeln!(
            out,
            "kabinet_job_runs_total{{job=\"{}\"}} {}",
            j.name, j.runs
        );
    }
    out.push_str("# HELP kabinet_job_failures_total Failed runs of each periodic job, all instances.\n# TYPE kabinet_job_failures_total counter\n");
    for j in &jobs {
        let _ = writeln!(
            out,
            "kabinet_job_failures_total{{job=\"{}\"}} {}",
            j.name, j.failures
        );
    }
    let (size, idle, max) = state.db.pool_use();
    let _ = write!(
        out,
        "# HELP kabinet_db_pool_connections This instance's database connections.\n\
         # TYPE kabinet_db_pool_connections gauge\n\
         kabinet_db_pool_connections{{state=\"in_use\"}} {}\n\
         kabinet_db_pool_connections{{state=\"idle\"}} {idle}\n\
         kabinet_db_pool_connections{{state=\"max\"}} {max}\n",
        (size as usize).saturating_sub(idle),
    );
    Ok(())
}

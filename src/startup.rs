//! Building and running the application: the same code in production and in tests.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::Settings;
use crate::core::Core;
use crate::db::Db;
use crate::state::AppState;
use crate::web::assets::Assets;
use crate::web::ratelimit::Limits;

use crate::web::views::SroView;

pub struct Application {
    listener: TcpListener,
    port: u16,
    state: AppState,
}

impl Application {
    /// Connect and migrate the database, load assets, bind the listener (port 0: any free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Self::build_with_clock(settings, Clock::system()).await
    }

    /// The same on a given clock: tests keep a handle to it and move time forward.
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Application> {
        let db = Db::connect(
            &settings.database.url,
            settings.database.max_connections,
            clock,
        )
        .await?;
        db.migrate().await?;
        Self::build_with_db(settings, db).await
    }

    pub async fn build_with_db(settings: Settings, db: Db) -> anyhow::Result<Application> {
        crate::tls::init();
        let assets = Assets::load(&settings)?;
        let sro = SroView::new(&settings, &assets);
        let limits = Limits::new(db.clone(), &settings.security);
        let settings_cache_ms = settings.security.session_cache_ms;
        let addr = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        let port = listener.local_addr()?.port();
        let mut settings = settings;
        if settings.server.base_url.is_empty() {
            // Links in mail need the real address: with port 0 only the listener knows it.
            let host = if settings.server.host == "0.0.0.0" {
                "127.0.0.1"
            } else {
                &settings.server.host
            };
            settings.server.base_url = format!("http://{host}:{port}");
        }
        let core = build_core(settings, db)?;
        crate::billing::tariffs::seed(&core).await?;
        // The trust material of the config, loaded again on each start (what is there already
        // is kept as it is: an import only adds, and a new list replaces the old one).
        if !core.settings.signatures.trust_path.is_empty() {
            let path = core
                .settings
                .config_dir
                .join(&core.settings.signatures.trust_path);
            for (file, r) in crate::trust::service::import_path(
                &core,
                &path,
                &crate::audit::Actor::system("config"),
            )
            .await
            .with_context(|| format!("signatures.trust_path {}", path.display()))?
            {
                match r {
                    Ok(i) => tracing::info!(%file, summary = %i.summary(), "trust material loaded"),
                    Err(why) => tracing::warn!(%file, %why, "not trust material"),
                }
            }
        }
        let clock = core.clock.clone();
        let metrics = (!core.settings.metrics.token.is_empty())
            .then(|| Arc::new(crate::web::metrics::Metrics::default()));
        let state = AppState {
            core,
            assets: Arc::new(assets),
            sro: Arc::new(sro),
            limits: Arc::new(limits),
            sessions: Arc::new(crate::auth::cache::SessionCache::new(
                std::time::Duration::from_millis(settings_cache_ms),
                clock,
            )),
            metrics,
        };
        Ok(Application {
            listener,
            port,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until Ctrl-C / SIGTERM (or forever in tests, where the task is dropped).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let state = self.state.clone();
        let housekeeping = tokio::spawn(housekeeping(state));
        let invitations = tokio::spawn(crate::auth::bulk::run_worker(self.state.core.clone()));
        let messages = tokio::spawn(crate::messages::service::run_worker(
            self.state.core.clone(),
        ));
        let archives = tokio::spawn(crate::archive::service::run_worker(self.state.core.clone()));
        let mailer = tokio::spawn(
            self.state
                .mail
                .clone()
                .run_worker(self.state.db.clone(), self.state.secret.clone()),
        );
        let app = crate::routes::router(self.state.clone());
        let r = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP");
        housekeeping.abort();
        invitations.abort();
        messages.abort();
        archives.abort();
        mailer.abort();
        self.state.db.close().await;
        r
    }
}

/// The periodic jobs: each runs once per `jobs.period_seconds` across all instances sharing
/// the database (`jobs`), whichever instance gets to it first.
async fn housekeeping(state: AppState) {
    let period = std::time::Duration::from_secs(state.settings.jobs.period_seconds);
    let lease = std::time::Duration::from_secs(state.settings.jobs.lease_seconds);
    let holder = crate::jobs::instance_id();
    let mut tick = tokio::time::interval(crate::jobs::tick(period));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let (db, s) = (&state.db, &state);
        let runs = [
            crate::jobs::run_once(db, "rate_counters", &holder, period, lease, || async {
                crate::ratelimit::sweep(db, chrono::Duration::days(1)).await?;
                Ok(())
            })
            .await,
            crate::jobs::run_once(db, "sessions", &holder, period, lease, || async {
                crate::auth::service::sweep_sessions(db).await?;
                Ok(())
            })
            .await,
            crate::jobs::run_once(db, "abandoned_imports", &holder, period, lease, || async {
                crate::register::staging::sweep_abandoned(db).await?;
                Ok(())
            })
            .await,
            crate::jobs::run_once(db, "file_digests", &holder, period, lease, || async {
                crate::files::fill_digests(db, &s.storage).await;
                Ok(())
            })
            .await,
            crate::jobs::run_once(db, "orphan_files", &holder, period, lease, || async {
                sweep_files(&s.core, None).await.map(|_| ())
            })
            .await,
            // Dues of every period since `billing.accrue_from`, caught up after downtime.
            crate::jobs::run_once(db, "accruals", &holder, period, lease, || async {
                crate::billing::accrual::run_due(&s.core).await?;
                Ok(())
            })
            .await,
            // Reminders of deadlines at the stages staff set (once per rule, object, stage).
            crate::jobs::run_once(db, "reminders", &holder, period, lease, || async {
                if s.settings.jobs.reminders {
                    crate::calendar::service::run(&s.core).await?;
                }
                Ok(())
            })
            .await,
            // CRLs from the addresses in signers' certificates, where the internet is reachable.
            crate::jobs::run_once(db, "crl_fetch", &holder, period, lease, || async {
                if s.settings.signatures.crl_fetch {
                    crate::trust::fetch::run(&s.core).await?;
                }
                Ok(())
            })
            .await,
            crate::jobs::run_once(db, "archives", &holder, period, lease, || async {
                crate::archive::service::expire(&s.core).await?;
                Ok(())
            })
            .await,
        ];
        for r in runs {
            if let Err(e) = r {
                tracing::warn!(error = ?e, "taking a periodic job");
            }
        }
    }
}

/// The core the services take, from the settings and a migrated database (the server and the
/// command line build it alike).
pub fn build_core(settings: Settings, db: Db) -> anyhow::Result<Core> {
    Ok(Core {
        secret: Arc::new(load_secret(&settings)?),
        mail: Arc::new(crate::mail::Mail::new(&settings)?),
        storage: crate::storage::Storage::new(&settings)?,
        documents: crate::documents::Documents::new().context("loading document templates")?,
        clock: db.clock().clone(),
        passwords: crate::passwords::Passwords::start(
            settings.security.password_threads,
            settings.security.password_queue,
        ),
        settings: Arc::new(settings),
        db,
    })
}

/// Remove blobs no upload in flight holds and no row points to (rows are stored files and
/// issued extracts' PDFs; see `Storage::sweep`), then forget the dead leases. Runs at start-up
/// (the housekeeping's first tick) and then every few minutes.
pub async fn sweep_files(
    core: &Core,
    older_than: Option<std::time::Duration>,
) -> anyhow::Result<crate::storage::SweepReport> {
    let db = core.db.clone();
    let known = move |keys: Vec<String>| {
        let db = db.clone();
        async move {
            let mut known = crate::files::known_keys(&db, &keys).await?;
            known.extend(crate::register::extract::known_keys(&db, &keys).await?);
            known.extend(crate::archive::service::known_keys(&db, &keys).await?);
            Ok(known)
        }
    };
    let live = || async { Ok(crate::files::lease::live(&core.db).await?) };
    let report = core.storage.sweep(older_than, known, live).await?;
    crate::files::lease::forget_dead(&core.db).await?;
    Ok(report)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// The key of CSRF tokens and one-time links: from config, or generated once and kept in the
/// data directory. Not in the database: a copy of the database alone must not be able to make
/// a working password-reset link. Several instances therefore get `security.secret_key`.
fn load_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if !settings.security.secret_key.is_empty() {
        return Ok(settings.security.secret_key.as_bytes().to_vec());
    }
    let dir = settings.data_dir();
    let path = dir.join("secret.key");
    if let Ok(s) = std::fs::read_to_string(&path)
        && s.trim().len() >= 32
    {
        return Ok(s.trim().as_bytes().to_vec());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = crate::tokens::random_token();
    write_private(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    Ok(key.into_bytes())
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(content.as_bytes())
}

//! The same uploads with `storage.backend = "s3"`, against a real S3 API on loopback (moto's
//! server, installed by scripts/test into .cache/moto; its path comes in KABINET_MOTO).

use reqwest::StatusCode;

use crate::exchange::{first_id, member, send_letter};
use crate::helpers::*;

pub struct Moto {
    child: std::process::Child,
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    pub async fn start() -> Option<Moto> {
        let Ok(bin) = std::env::var("KABINET_MOTO") else {
            assert!(
                std::env::var("CI").is_err(),
                "KABINET_MOTO is not set in CI: scripts/test installs moto_server"
            );
            eprintln!("KABINET_MOTO is not set: skipping the S3 storage test");
            return None;
        };
        let port = free_port();
        let child = std::process::Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server starts");
        // Owned by the guard at once, so the process is killed and reaped on every path.
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let http = crate::helpers::http();
        for _ in 0..200 {
            if http.get(&moto.endpoint).send().await.is_ok() {
                return Some(moto);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("moto_server did not start on {}", moto.endpoint);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_live_in_s3_compatible_storage() {
    let Some(moto) = Moto::start().await else {
        return;
    };
    let bucket = "kabinet-test";
    let r = crate::helpers::http()
        .put(format!("{}/{bucket}", moto.endpoint))
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "creating the bucket: {}",
        r.status()
    );
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            overrides: vec![
                // One at a time, each validated: the bucket before the backend that needs it.
                ("storage.s3_bucket", bucket.into()),
                ("storage.s3_endpoint", moto.endpoint.clone().into()),
                ("storage.s3_allow_http", true.into()),
                ("storage.s3_access_key_id", "test".into()),
                ("storage.s3_secret_access_key", "test".into()),
                ("storage.backend", "s3".into()),
            ],
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let c = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let item = send_letter(&c, "Через S3").await;
    let html = c.page(&format!("/kabinet/items/{item}")).await;
    let file = first_id(&html, "/files/");
    let r = c.get(&format!("/files/{file}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        &r.bytes().await.unwrap()[..],
        &crate::exchange::pdf("Через S3")[..]
    );
    let keys = app.state.storage.blob_keys().await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let orphan = app
        .state
        .storage
        .put_small(bytes::Bytes::from_static(b"orphan"))
        .await
        .unwrap();
    app.state.storage.promote(&orphan).await.unwrap();
    let report = kabinet::startup::sweep_files(&app.state, Some(std::time::Duration::ZERO))
        .await
        .unwrap();
    assert_eq!(report.orphans, 1);
    assert_eq!(app.state.storage.blob_keys().await.unwrap().len(), 1);
}

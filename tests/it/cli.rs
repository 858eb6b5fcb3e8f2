//! The `kabinet` command line: create-staff, audit verify, config errors.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::both_dbs;
use crate::helpers::*;

/// The `kabinet` binary on the test app's database.
pub fn kabinet(app: &TestApp) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kabinet"));
    c.arg("--config")
        .arg(repo_path("config/sopo.toml"))
        .env("KABINET__DATABASE__URL", &app.db_url)
        .env("KABINET__DEMO__ENABLED", "false")
        .env("KABINET__LOG__LEVEL", "warn");
    c
}

both_dbs!(
    create_staff_reads_the_password_from_stdin,
    audit_verify_reports_the_first_broken_link
);

async fn create_staff_reads_the_password_from_stdin(app: TestApp) {
    let mut child = kabinet(&app)
        .args([
            "create-staff",
            "--role",
            "registrar",
            "--email",
            "New.Registrar@SRO.example",
            "--name",
            "Новикова Елена",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Strong-Registrar-Pass-1\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("new.registrar@sro.example"));
    assert_eq!(
        app.login_as("new.registrar@sro.example", "Strong-Registrar-Pass-1")
            .await,
        "/office"
    );

    // the same e-mail again, and a weak password: clear refusals, nothing written
    for (email, password, expected) in [
        (
            "new.registrar@sro.example",
            "Another-Strong-Pass-2",
            "уже есть",
        ),
        ("weak@sro.example", "12345678", "не короче 10"),
    ] {
        let mut child = kabinet(&app)
            .args(["create-staff", "--role", "admin", "--email", email])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(expected),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let fresh = TestApp::client_for(&app);
    assert_eq!(
        fresh.login("weak@sro.example", "12345678").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn audit_verify_reports_the_first_broken_link(app: TestApp) {
    let out = kabinet(&app).args(["audit", "verify"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("цел"));
    kabinet::on_db!(&app.db, p => sqlx::query("UPDATE audit_log SET details = '{\"forged\":true}' WHERE id = 5").execute(p).await.unwrap().rows_affected());
    let out = kabinet(&app).args(["audit", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("№ 5"), "{stdout}");
}

#[test]
fn a_bad_config_stops_the_start_with_one_line_naming_the_key() {
    let out = Command::new(env!("CARGO_BIN_EXE_kabinet"))
        .args([
            "--config",
            repo_path("config/sopo.toml").to_str().unwrap(),
            "migrate",
        ])
        .env("KABINET__SERVER__PORT", "eighty")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("server.port"), "{err}");

    let out = Command::new(env!("CARGO_BIN_EXE_kabinet"))
        .args([
            "--config",
            repo_path("config/sopo.toml").to_str().unwrap(),
            "migrate",
        ])
        .env("KABINET__SRO__COLOUR", "red")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("colour"),
        "unknown keys are named too"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_kabinet"))
        .args(["--config", "/nonexistent.toml", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}

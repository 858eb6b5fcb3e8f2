//! The invariants of ARCHITECTURE.md, checked on the source: dependencies go one way, a web
//! module never reaches into another slice, and every table has one writer and only listed
//! readers besides it. A change that breaks a rule fails here with the file and the reason.

use std::collections::BTreeSet;
use std::path::Path;

/// Modules that import no slice and no web code.
const INFRA: &[&str] = &[
    "audit",
    "clock",
    "config",
    "core",
    "csvout",
    "db",
    "documents",
    "files",
    "fmt",
    "jobs",
    "mail",
    "numbering",
    "passwords",
    "ratelimit",
    "requisites",
    "signatures",
    "storage",
    "telemetry",
    "tls",
    "tokens",
    "validation",
    "xlsxout",
];

/// Slices, lowest first: a slice may use the ones before it, never the ones after it.
const SLICES: &[&str] = &[
    "auth",
    "notices",
    "trust",
    "register",
    "billing",
    "messages",
    "calendar",
    "members",
    "reports",
    "exchange",
    "contracts",
    "archive",
    "office",
];

/// The web kit every slice's pages share.
const KIT: &[&str] = &["state", "web"];

/// The composition root: may use everything.
const ROOT: &[&str] = &["demo", "routes", "startup", "main", "lib"];

/// What every page may know of auth: who is asking and what the rules allow.
fn is_access_vocabulary(slice: &str, rest: &str) -> bool {
    slice == "auth"
        && (rest.is_empty()
            || rest.starts_with("::rules")
            || rest == "::model"
            || rest == "::service::SessionUser")
}

/// Each table and the one module that writes it.
const OWNERS: &[(&str, &str)] = &[
    ("audit_log", "audit"),
    ("contracts", "contracts"),
    ("contract_events", "contracts"),
    ("work_calendar", "contracts"),
    ("contract_totals", "contracts"),
    ("trust_certs", "trust"),
    ("trust_imports", "trust"),
    ("crls", "trust"),
    ("crl_sources", "trust"),
    ("signature_checks", "trust"),
    ("sro_messages", "messages"),
    ("sro_message_files", "messages"),
    ("sro_message_recipients", "messages"),
    ("sro_message_letters", "messages"),
    ("reminder_rules", "calendar"),
    ("reminders", "calendar"),
    ("calendar_feeds", "calendar"),
    ("company_archives", "archive"),
    ("accrual_runs", "billing"),
    ("allocations", "billing"),
    ("bank_statements", "billing"),
    ("billing_exemptions", "billing"),
    ("billing_fund_levels", "billing"),
    ("charge_type_levels", "billing"),
    ("charge_types", "billing"),
    ("charges", "billing"),
    ("invoice_lines", "billing"),
    ("invoices", "billing"),
    ("payments", "billing"),
    ("extracts", "register"),
    ("files", "files"),
    ("upload_leases", "files"),
    ("item_events", "exchange"),
    ("item_files", "exchange"),
    ("items", "exchange"),
    ("item_counts", "exchange"),
    ("change_requests", "exchange"),
    ("jobs", "jobs"),
    ("invitation_batches", "auth"),
    ("invitation_batch_items", "auth"),
    ("login_throttle", "ratelimit"),
    ("rate_counters", "ratelimit"),
    ("login_events", "auth"),
    ("member_inspections", "register"),
    ("member_measures", "register"),
    ("member_policies", "register"),
    ("member_versions", "register"),
    ("members", "register"),
    ("member_rows", "register"),
    ("member_counts", "register"),
    ("members_fts", "register"),
    ("notification_reads", "notices"),
    ("notifications", "notices"),
    ("numerators", "numbering"),
    ("outbox", "mail"),
    ("report_campaigns", "reports"),
    ("report_sections", "reports"),
    ("section_templates", "reports"),
    ("sessions", "auth"),
    ("user_tokens", "auth"),
    ("users", "auth"),
    ("form_replays", "auth"),
];

/// Read models: a module reading another's table, each with its reason in ARCHITECTURE.md.
const READ_MODELS: &[(&str, &str)] = &[
    ("auth", "members"),
    ("auth", "sro_message_recipients"),
    ("auth", "sro_messages"),
    ("mail", "user_tokens"),
    ("members", "members"),
    ("members", "notification_reads"),
    ("members", "notifications"),
    ("members", "users"),
    ("members", "charges"),
    ("members", "allocations"),
    ("members", "sro_message_recipients"),
    ("members", "sro_messages"),
    ("members", "items"),
    ("register", "users"),
    ("register", "charges"),
    ("register", "allocations"),
    ("billing", "members"),
    ("messages", "members"),
    ("messages", "files"),
    ("messages", "outbox"),
    ("messages", "users"),
    ("messages", "items"),
    ("messages", "report_sections"),
    ("messages", "report_campaigns"),
    ("calendar", "report_campaigns"),
    ("calendar", "report_sections"),
    ("calendar", "items"),
    ("calendar", "charges"),
    ("calendar", "allocations"),
    ("calendar", "member_policies"),
    ("calendar", "member_inspections"),
    ("calendar", "sro_messages"),
    ("calendar", "sro_message_recipients"),
    ("calendar", "members"),
    ("calendar", "contract_events"),
    ("calendar", "contracts"),
    ("calendar", "users"),
    ("reports", "files"),
    ("exchange", "files"),
    ("exchange", "members"),
    ("exchange", "report_sections"),
    ("exchange", "users"),
    ("contracts", "items"),
    ("contracts", "members"),
    ("contracts", "users"),
    ("demo", "members"),
    ("demo", "users"),
];

struct Source {
    /// e.g. `exchange/web/drafts.rs`
    path: String,
    /// the top-level module, e.g. `exchange`
    top: String,
    /// the code before its unit tests, comments removed
    code: String,
}

fn sources() -> Vec<Source> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<Source>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let path = p.strip_prefix(root).unwrap().display().to_string();
                let text = std::fs::read_to_string(&p).unwrap();
                let text = text.split("#[cfg(test)]").next().unwrap_or("");
                let code = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                let top = path.split(['/', '.']).next().unwrap().to_string();
                out.push(Source { path, top, code });
            }
        }
    }
    let root = crate::helpers::repo_path("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    assert!(out.len() > 50, "the sources were found");
    out
}

/// `crate::exchange::store::item` → ("exchange", "::store::item")
fn crate_paths(code: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{on_db, fmt::date}`
            for item in group.split('}').next().unwrap_or("").split(',') {
                let first = item.trim().split("::").next().unwrap_or("");
                if !first.is_empty() {
                    out.insert((first.to_string(), String::new()));
                }
            }
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches(':');
        let (first, tail) = path.split_once("::").unwrap_or((path, ""));
        let tail = if tail.is_empty() {
            String::new()
        } else {
            format!("::{tail}")
        };
        out.insert((first.to_string(), tail));
    }
    out
}

fn rank(slice: &str) -> Option<usize> {
    SLICES.iter().position(|s| *s == slice)
}

#[test]
fn dependencies_go_one_way() {
    let mut broken = Vec::new();
    for s in sources() {
        let is_web = s.path.contains("/web/") || s.path.ends_with("/web.rs");
        for (dep, rest) in crate_paths(&s.code) {
            if dep == s.top || dep == "on_db" || dep == "on_tx" {
                continue;
            }
            let why = if INFRA.contains(&s.top.as_str()) && !INFRA.contains(&dep.as_str()) {
                Some("infrastructure imports no slice and no web code")
            } else if let Some(mine) = rank(&s.top) {
                if ROOT.contains(&dep.as_str()) {
                    Some("a slice never imports the composition root")
                } else if KIT.contains(&dep.as_str()) && !is_web {
                    Some("only a slice's web modules use the web kit")
                } else if let Some(theirs) = rank(&dep) {
                    if theirs > mine {
                        Some("a slice uses only slices below it")
                    } else if rest.contains("::web") {
                        Some("no slice imports another slice's web")
                    } else if rest.starts_with("::store") {
                        Some("another slice's store is reached through its service")
                    } else if is_web && !is_access_vocabulary(&dep, &rest) {
                        Some("a web module imports its own slice and the kit only")
                    } else {
                        None
                    }
                } else {
                    None
                }
            } else if KIT.contains(&s.top.as_str()) && rank(&dep).is_some() && dep != "auth" {
                Some("the web kit knows auth only, no other slice")
            } else {
                None
            };
            if let Some(why) = why {
                broken.push(format!("src/{}: crate::{dep}{rest}: {why}", s.path));
            }
        }
    }
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
}

/// The tables a piece of SQL writes and reads (`INSERT INTO x`, `UPDATE x`, `DELETE FROM x`;
/// `FROM x`, `JOIN x`).
fn tables(code: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let known = |w: &str| OWNERS.iter().any(|(t, _)| *t == w);
    let (mut written, mut read) = (BTreeSet::new(), BTreeSet::new());
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let after = words.get(i + 2).copied().unwrap_or("");
        match *w {
            "INSERT" if next == "INTO" && known(after) => {
                written.insert(after.to_string());
            }
            "UPDATE" if known(next) && after == "SET" => {
                written.insert(next.to_string());
            }
            "DELETE" if next == "FROM" && known(after) => {
                written.insert(after.to_string());
            }
            "FROM" | "JOIN" if known(next) => {
                read.insert(next.to_string());
            }
            _ => {}
        }
    }
    (written, read)
}

#[test]
fn every_table_has_one_writer_and_listed_readers() {
    let mut broken = Vec::new();
    for s in sources() {
        let (written, read) = tables(&s.code);
        for t in &written {
            let owner = OWNERS.iter().find(|(x, _)| x == t).map(|(_, o)| *o);
            if owner != Some(s.top.as_str()) {
                broken.push(format!("src/{} writes {t}, which {owner:?} owns", s.path));
            }
        }
        for t in &read {
            let owner = OWNERS.iter().find(|(x, _)| x == t).map(|(_, o)| *o);
            let listed = READ_MODELS.iter().any(|(m, x)| *m == s.top && x == t);
            if owner != Some(s.top.as_str()) && !listed {
                broken.push(format!(
                    "src/{} reads {t} ({owner:?}'s): not a listed read model",
                    s.path
                ));
            }
        }
    }
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
}

#[test]
fn every_migrated_table_has_an_owner() {
    let dir = crate::helpers::repo_path("migrations/sqlite");
    let mut missing = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let sql = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for line in sql.lines() {
            let l = line.trim_start();
            let Some(rest) = l
                .strip_prefix("CREATE TABLE ")
                .or_else(|| l.strip_prefix("CREATE VIRTUAL TABLE "))
            else {
                continue;
            };
            let name = rest
                .trim_start_matches("IF NOT EXISTS ")
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap();
            // a table being rebuilt (`items_new`, renamed to `items` in the same migration)
            let name = name.strip_suffix("_new").unwrap_or(name);
            if !OWNERS.iter().any(|(t, _)| *t == name) {
                missing.push(name.to_string());
            }
        }
    }
    assert!(missing.is_empty(), "tables without an owner: {missing:?}");
}

#[test]
fn no_source_file_is_over_600_lines() {
    let long: Vec<String> = sources()
        .iter()
        .filter_map(|s| {
            let n = std::fs::read_to_string(crate::helpers::repo_path(&format!("src/{}", s.path)))
                .unwrap()
                .lines()
                .count();
            (n > 600).then(|| format!("src/{}: {n} lines", s.path))
        })
        .collect();
    assert!(long.is_empty(), "split these by what they do: {long:?}");
}

#[test]
fn the_checks_see_what_they_check() {
    // A check that cannot fail is a defect: the parsers find what the rules are about.
    let code = "let x = crate::exchange::store::item(db); use crate::web::AppError;";
    let paths = crate_paths(code);
    assert!(paths.contains(&("exchange".into(), "::store::item".into())));
    assert!(paths.contains(&("web".into(), "::AppError".into())));
    let (w, r) =
        tables("INSERT INTO items (a) VALUES ($1); SELECT x FROM users u JOIN members m ON");
    assert!(w.contains("items"));
    assert!(r.contains("users") && r.contains("members"));
    let (w, _) = tables("UPDATE outbox SET status = 'sent'");
    assert!(w.contains("outbox"));
}

/// One spelling (issue 17): the interface writes «е», never «ё», as the manuals do («Добавить
/// еще один документ»). The lines that accept «ё» typed by a user (it is folded into «е») are
/// the only exception; test data (names such as «Пётр») is not interface.
#[test]
fn the_interface_writes_e_not_yo() {
    let mut found = Vec::new();
    let mut check = |path: &str, text: &str| {
        for (i, line) in text.lines().enumerate() {
            if (line.contains('ё') || line.contains('Ё'))
                && !line.contains("'ё'")
                && !line.contains("«ё»")
                && !line.contains("исключён")
            {
                found.push(format!("{path}:{}: {}", i + 1, line.trim()));
            }
        }
    };
    for s in sources() {
        if s.path.ends_with("tests.rs") || s.top == "signatures" {
            continue;
        }
        check(&format!("src/{}", s.path), &s.code);
    }
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut templates = Vec::new();
    walk(&crate::helpers::repo_path("templates"), &mut templates);
    walk(&crate::helpers::repo_path("documents"), &mut templates);
    assert!(templates.len() > 20, "the templates were found");
    for p in templates {
        check(
            &p.display().to_string(),
            &std::fs::read_to_string(&p).unwrap(),
        );
    }
    assert!(found.is_empty(), "\n{}\n", found.join("\n"));
}

//! `kabinet`: CLI → Settings → telemetry → Application.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use kabinet::audit::{self, Actor, Verification};
use kabinet::auth::StaffRole;
use kabinet::clock::Clock;
use kabinet::config::Settings;
use kabinet::db::Db;
use kabinet::requisites::Email;
use kabinet::startup::{Application, build_core};

#[derive(Parser)]
#[command(
    name = "kabinet",
    version,
    about = "Личный кабинет участника СРО и бэк-офис СРО"
)]
struct Cli {
    /// Config file of the SRO (TOML).
    #[arg(
        long,
        env = "KABINET_CONFIG",
        default_value = "config/sopo.toml",
        global = true
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Load demo data into the database (an empty one gets the demo companies and staff).
    DemoData {
        /// Also generate this many extra member companies (for benchmarks).
        #[arg(long, default_value_t = 0)]
        members: u32,
        /// Also generate this many sent letters of the first demo company (journal benchmark).
        #[arg(long, default_value_t = 0)]
        items: u32,
        /// Also give the first demo company this many years of monthly charges and payments
        /// (payments page benchmark).
        #[arg(long, default_value_t = 0)]
        history_years: u32,
    },
    /// Create an SRO employee; the password is asked for, or read from standard input.
    CreateStaff {
        #[arg(long, value_parser = ["expert", "registrar", "accountant", "admin"])]
        role: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Import data from a file.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Reminders of deadlines: what the periodic job does, now.
    Reminders {
        #[command(subcommand)]
        command: RemindersCommand,
    },
    /// Trust material for signatures: the list of accredited CAs, CA certificates, CRLs.
    Trust {
        #[command(subcommand)]
        command: TrustCommand,
    },
    /// Payments from the bank.
    Payments {
        #[command(subcommand)]
        command: PaymentsCommand,
    },
}

#[derive(Subcommand)]
enum TrustCommand {
    /// Load a file or every file of a directory: the ministry's XML list of accredited CAs
    /// (replaces the previous list), CA certificates (.cer, .crt, .pem) or CRLs (.crl).
    Import { path: std::path::PathBuf },
}

#[derive(Subcommand)]
enum RemindersCommand {
    /// Send the reminders due today (each once per rule, object and stage).
    Run,
}

#[derive(Subcommand)]
enum PaymentsCommand {
    /// Charge what is due: every period since `billing.accrue_from` not charged yet and the
    /// one-off contributions (what the periodic job does); with --period, that period by hand.
    Accrue {
        /// «2026-Q1», «2026-03» or «2026».
        #[arg(long)]
        period: Option<String>,
    },
    /// A bank statement in the 1CClientBankExchange format (Windows-1251 or DOS-866): its
    /// incoming payments matched to members and spread over their debts. Exit status 0 when the
    /// file was read, whatever was left unmatched; 1 when a line could not be read (nothing is
    /// written then).
    Import {
        file: PathBuf,
        /// Read and match, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Members of the register from a CSV or XLSX file (the columns of the register export).
    /// Every row is checked first; nothing is written unless the whole file is valid.
    Members {
        /// The file: .csv (UTF-8 or Windows-1251) or .xlsx.
        file: PathBuf,
        /// Only check the file and report every bad row.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and report the first broken entry.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kabinet: {e}");
            return ExitCode::from(2);
        }
    };
    kabinet::telemetry::init(&settings.log);
    kabinet::tls::init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(cli.command.unwrap_or(Command::Serve), settings)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kabinet: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn connect(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(
        &settings.database.url,
        settings.database.max_connections,
        Clock::system(),
    )
    .await?;
    db.migrate().await?;
    Ok(db)
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve => {
            let db = connect(&settings).await?;
            let app = Application::build_with_db(settings.clone(), db).await?;
            let demo = if settings.demo.enabled {
                kabinet::demo::load_if_empty(&app.state().core).await?
            } else {
                None
            };
            if demo.is_some() {
                kabinet::demo::attach_templates(&app.state().core).await?;
            }
            let url = if settings.server.base_url.is_empty() {
                let host = if settings.server.host == "0.0.0.0" {
                    "127.0.0.1"
                } else {
                    &settings.server.host
                };
                format!("http://{host}:{}", app.port())
            } else {
                settings.base_url()
            };
            println!("{} — личный кабинет: {url}/login", settings.sro.short_name);
            match demo {
                Some(logins) => print_logins(&logins),
                None if settings.demo.enabled => {
                    println!("Демо-данные уже загружены ранее; входы:");
                    print_logins(&kabinet::demo::logins());
                }
                None => {}
            }
            app.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            connect(&settings).await?;
            println!("Миграции применены.");
            Ok(ExitCode::SUCCESS)
        }
        Command::DemoData {
            members,
            items,
            history_years,
        } => {
            let core = build_core(settings.clone(), connect(&settings).await?)?;
            match kabinet::demo::load_if_empty(&core).await? {
                Some(logins) => print_logins(&logins),
                None => println!("Демо-компании уже есть в базе; добавляю только сгенерированные."),
            }
            if members > 0 {
                let started = std::time::Instant::now();
                kabinet::demo::generate_members(&core, members).await?;
                println!(
                    "Сгенерировано членов СРО: {members} за {:.1} с",
                    started.elapsed().as_secs_f64()
                );
            }
            if items > 0 {
                let started = std::time::Instant::now();
                kabinet::demo::generate_items(&core, items).await?;
                println!(
                    "Сгенерировано отправленных писем: {items} за {:.1} с",
                    started.elapsed().as_secs_f64()
                );
            }
            if history_years > 0 {
                let started = std::time::Instant::now();
                kabinet::demo::generate_history(&core, history_years).await?;
                println!(
                    "История расчетов за {history_years} лет за {:.1} с",
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::CreateStaff { role, email, name } => {
            let role = StaffRole::from_code(&role).expect("clap checked the value");
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let password = read_password()?;
            let db = connect(&settings).await?;
            let name = if name.is_empty() {
                email.as_str().to_string()
            } else {
                name
            };
            match kabinet::auth::service::create_staff(
                &db,
                role,
                &email,
                &name,
                &password,
                &Actor::system("cli"),
            )
            .await
            {
                Ok(id) => {
                    println!(
                        "Сотрудник создан: {} ({}), id {id}",
                        email.as_str(),
                        role.label()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("kabinet: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Import {
            command: ImportCommand::Members { file, dry_run },
        } => import_members(&settings, &file, dry_run).await,
        Command::Payments {
            command: PaymentsCommand::Import { file, dry_run },
        } => import_payments(&settings, &file, dry_run).await,
        Command::Reminders {
            command: RemindersCommand::Run,
        } => {
            let core = build_core(settings.clone(), connect(&settings).await?)?;
            let started = std::time::Instant::now();
            let r = kabinet::calendar::service::run(&core)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Напоминаний: {}, писем: {}. Готово за {:.2} с.",
                r.reminders,
                r.letters,
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Trust {
            command: TrustCommand::Import { path },
        } => {
            let core = build_core(settings.clone(), connect(&settings).await?)?;
            let mut failed = false;
            for (file, r) in
                kabinet::trust::service::import_path(&core, &path, &Actor::system("cli")).await?
            {
                match r {
                    Ok(i) => println!("{file}: {}", i.summary()),
                    Err(why) => {
                        failed = true;
                        eprintln!("{file}: {why}");
                    }
                }
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Payments {
            command: PaymentsCommand::Accrue { period },
        } => {
            let core = build_core(settings.clone(), connect(&settings).await?)?;
            kabinet::billing::tariffs::seed(&core).await?;
            let started = std::time::Instant::now();
            let outcomes = match period {
                Some(p) => vec![
                    kabinet::billing::accrual::run_by_hand(&core, &Actor::system("cli"), &p)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                ],
                None => kabinet::billing::accrual::run_due(&core)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            };
            for o in &outcomes {
                println!(
                    "{}: начислений {}, на {}",
                    o.period,
                    o.charges,
                    kabinet::fmt::rubles(o.total)
                );
            }
            println!("Готово за {:.2} с.", started.elapsed().as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = Db::connect(&settings.database.url, 2, Clock::system()).await?;
            match audit::verify(&db).await? {
                Verification::Intact { entries } => {
                    println!("Журнал аудита цел: {entries} записей, цепочка хэшей не нарушена.");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { id, reason } => {
                    println!("Журнал аудита НАРУШЕН: первая неверная запись № {id}: {reason}.");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

/// `kabinet import members FILE`: a progress bar on the terminal, then every bad row.
async fn import_members(
    settings: &Settings,
    file: &std::path::Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    use std::io::Write as _;
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let core = build_core(settings.clone(), connect(settings).await?)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tty = std::io::stderr().is_terminal();
    let mut last_drawn = usize::MAX;
    let mut progress = |done: usize, total: usize| {
        if !tty || total < 200 {
            return;
        }
        let percent = done * 100 / total.max(1);
        if percent == last_drawn && done != total {
            return;
        }
        last_drawn = percent;
        let filled = percent * 40 / 100;
        eprint!(
            "\rПроверка строк [{}{}] {percent:>3} % ({done}/{total})",
            "#".repeat(filled),
            "-".repeat(40 - filled)
        );
        if done == total {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    };
    let outcome = kabinet::register::import::run(
        &core,
        &name,
        &bytes,
        dry_run,
        &Actor::system("cli"),
        &mut progress,
    )
    .await?;
    if let Some(e) = &outcome.file_error {
        eprintln!("{name}: {e}");
        return Ok(ExitCode::from(1));
    }
    if !outcome.ignored_columns.is_empty() {
        println!(
            "Пропущены нераспознанные столбцы: {}",
            outcome.ignored_columns.join(", ")
        );
    }
    for e in &outcome.errors {
        println!("{name}:{}: {}", e.line, e.message);
    }
    println!(
        "Строк с данными: {}, без ошибок: {}, с ошибками: {}.",
        outcome.rows,
        outcome.valid,
        outcome.rows - outcome.valid
    );
    match outcome.imported {
        Some(n) => {
            println!("Внесено в реестр: {n}.");
            Ok(ExitCode::SUCCESS)
        }
        None if outcome.errors.is_empty() => {
            println!("Проверка пройдена; ничего не внесено (--dry-run).");
            Ok(ExitCode::SUCCESS)
        }
        None => {
            println!("Файл не внесен: исправьте ошибки и повторите.");
            Ok(ExitCode::from(1))
        }
    }
}

/// `kabinet payments import FILE`: the statement streamed from disk, progress on stderr, the
/// report on stdout.
async fn import_payments(
    settings: &Settings,
    file: &std::path::Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let f = tokio::fs::File::open(file)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let core = build_core(settings.clone(), connect(settings).await?)?;
    kabinet::billing::tariffs::seed(&core).await?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let progress = |n: i64| eprintln!("Прочитано документов: {n}");
    let report = kabinet::billing::import::import(
        &core,
        &Actor::system("cli"),
        &name,
        None,
        tokio::io::BufReader::with_capacity(256 * 1024, f),
        dry_run,
        &progress,
    )
    .await?;
    for l in report.lines() {
        println!("{l}");
    }
    if report.problems_total > 0 {
        println!("Выписка не загружена: исправьте файл и повторите. Ничего не записано.");
        return Ok(ExitCode::from(1));
    }
    if dry_run {
        println!("Проверка пройдена; ничего не записано (--dry-run).");
    } else {
        println!("Выписка загружена.");
    }
    Ok(ExitCode::SUCCESS)
}

fn print_logins(logins: &[kabinet::demo::DemoLogin]) {
    println!(
        "Письма, когда SMTP-сервер не отвечает, кладутся в папку data/demo-mailbox (рядом с базой) \
         и видны администратору на странице «Демо-почта» (/office/demo-mail)."
    );
    println!("Демо-входы (вымышленные данные):");
    for l in logins {
        println!("  {:<28} {:<34} пароль: {}", l.who, l.login, l.password);
    }
}

/// From the terminal: asked twice without echo. From a pipe: the first line.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password("Пароль: ")?;
        let b = rpassword::prompt_password("Пароль еще раз: ")?;
        anyhow::ensure!(a == b, "пароли не совпадают");
        Ok(a)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

//! The `xieshang` command: serve the app, migrate, load the demo, manage
//! accounts, check the audit chain, rotate the personal-data keys.

use std::path::PathBuf;

use anyhow::bail;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use xieshang::config::Config;
use xieshang::kernel::audit::chain::Verdict;
use xieshang::kernel::audit::store::Who;
use xieshang::kernel::auth::Role;
use xieshang::kernel::auth::password;
use xieshang::kernel::auth::store::{self as users, NewAccount};
use xieshang::kernel::db::Db;
use xieshang::kernel::web::i18n::Lang;
use xieshang::org::store as org;

#[derive(Parser)]
#[command(name = "xieshang", version, about = "协商 — grassroots consultation platform")]
struct Cli {
    /// Configuration file (default: ./xieshang.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database: a SQLite file path or postgres://… (default: data/xieshang.db).
    #[arg(long, global = true, env = "DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and run the background workers (migrates first).
    Serve {
        /// Load the Hubin demo committee if the database has none, and print the logins.
        #[arg(long)]
        demo: bool,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply database migrations.
    Migrate,
    /// Load the Hubin demo committee into the database.
    Demo,
    /// Manage accounts (the first administrator, recovery).
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for other systems (the sysadmin's page does the same).
    #[command(subcommand)]
    ApiToken(ApiTokenCommand),
    /// The audit log's hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The personal-data key ring (docs/operations.md).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Copy the database and the uploaded files into DIR (a new folder) while the server runs.
    Backup {
        dir: PathBuf,
        /// Put the personal-data key in the backup too (otherwise keep it apart yourself).
        #[arg(long)]
        with_key: bool,
        /// Re-read the backup afterwards and check it against its manifest.
        #[arg(long)]
        verify: bool,
    },
    /// Restore a backup into an empty database and data folder, then check it.
    Restore { dir: PathBuf },
    /// Generate deterministic synthetic data for benchmarks (use a fresh database).
    Gen {
        /// district (the Hubin demo committee) or province (150 committees).
        #[arg(long)]
        scale: String,
        /// Opinions in all (default: district 5,000; province 1,000,000).
        #[arg(long)]
        opinions: Option<usize>,
        /// Province only: generate the first N of its 150 committees.
        #[arg(long)]
        committees: Option<usize>,
        /// The same seed (and --until) gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// History ends at the start of this day, YYYY-MM-DD (default: today).
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
        /// PostgreSQL only: copy this database, which gen made on SQLite (and
        /// `migrate` brought to this build's migrations), instead of generating.
        #[arg(long)]
        from_sqlite: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ApiTokenCommand {
    /// Make a token for a system and print it (once: only its hash is kept).
    Add {
        /// The system's name as staff will read it, e.g. 12345热线.
        name: String,
        /// The committee's code (e.g. hubin).
        #[arg(long)]
        committee: String,
        /// What it may do: read, submit, act, joined by commas.
        #[arg(long, default_value = "read")]
        scopes: String,
        /// Days until it expires (1 to 366).
        #[arg(long, default_value_t = 365)]
        days: i64,
        /// Calls allowed per minute.
        #[arg(long, default_value_t = xieshang::api::tokens::model::DEFAULT_PER_MINUTE)]
        per_minute: i32,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the chain: 「审计日志完整：N 条」, or the first broken entry (exit code 1).
    Verify,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new key to <data_dir>/personal.key and re-encrypt every stored value under it.
    Rotate,
    /// Re-encrypt the values not yet under the newest key and the configured cipher
    /// (resumes an interrupted rotation; after switching to crypto = "national").
    Reencrypt,
    /// Remove a key from the ring once no stored value uses it.
    Retire { id: String },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; prints its initial password, to be changed at first login.
    Add {
        username: String,
        /// district_admin, office_staff, member, department, leader, auditor or sysadmin.
        #[arg(long)]
        role: String,
        /// The committee's code (e.g. hubin).
        #[arg(long)]
        committee: String,
        /// Create the committee with this name if it does not exist yet.
        #[arg(long)]
        committee_name: Option<String>,
        /// The office's name, for office staff.
        #[arg(long)]
        office: Option<String>,
        /// The person's name as shown in the app.
        #[arg(long)]
        name: Option<String>,
    },
    /// Give an account a new initial password (and unlock it).
    Reset { username: String },
    /// Lock an account, or unlock it with --unlock.
    Lock {
        username: String,
        #[arg(long)]
        unlock: bool,
    },
    /// Lift the sign-in lock of an account tried from many addresses.
    UnlockSignIn { username: String },
}

/// glibc's malloc, left to itself, made the server's memory grow with every
/// thread and every password hash: each thread that allocates gets an arena of
/// its own (up to 8 per core), and after the first large block is freed the
/// threshold for giving large blocks their own mapping rises to that size, so
/// argon2's 19 MiB stayed in an arena afterwards. Two arenas, and blocks of
/// 1 MiB or more always mapped and returned on free: 340 MB → 118 MB peak on
/// district data with no measurable loss of throughput (docs/benchmarks.md).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn tune_malloc() {
    // SAFETY: mallopt only sets allocator parameters; it is called before any
    // other thread exists, and a refused setting leaves the default in place.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}

fn main() -> anyhow::Result<()> {
    tune_malloc();
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(url) = cli.database_url {
        config.database_url = url;
    }
    init_tracing(config.log_json);
    match cli.command {
        Command::Serve { demo, listen } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            // Blocking threads mostly wait for one of the pool's connections; more
            // of them than a few per connection only add stacks and malloc arenas.
            let blocking = (config.db_pool_size as usize * 4).max(16);
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .max_blocking_threads(blocking)
                .build()?
                .block_on(xieshang::app::serve(config, demo))
        }
        Command::Migrate => {
            Db::open(&config.database_url, 1)?;
            println!("migrations applied to {}", config.database_url);
            Ok(())
        }
        Command::Demo => {
            let db = Db::open(&config.database_url, 1)?;
            if xieshang::demo::load(&db)? {
                println!("{}", xieshang::demo::logins_banner("(start with: xieshang serve)"));
            } else {
                println!("the demo committee is already loaded");
            }
            Ok(())
        }
        Command::User(cmd) => user_command(&Db::open(&config.database_url, 1)?, cmd),
        Command::ApiToken(ApiTokenCommand::Add { name, committee, scopes, days, per_minute }) => {
            use xieshang::api::tokens::{model, store};
            let db = Db::open(&config.database_url, 1)?;
            let token = model::generate();
            let t = store::NewToken { name, scopes: model::Scopes::parse(&scopes), days, per_minute };
            db.write_blocking(|c| {
                let cm = org::committee_by_code_unscoped(c, &committee)?
                    .ok_or(xieshang::kernel::error::AppError::BadRequest("cli.no_committee"))?;
                let who = Who::System { committee_id: Some(cm.id), name: "cli" };
                store::create_unscoped(c, who, cm.id, None, &t, &model::hash(&token), &model::prefix(&token))
            })
            .map_err(cli_error)?;
            println!("{token}");
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let db = Db::open(&config.database_url, 1)?;
            let verdict = db.read_blocking(xieshang::kernel::audit::chain::verify).map_err(cli_error)?;
            println!("{}", verdict.message(Lang::Zh));
            match verdict {
                Verdict::Intact { unchained, head, .. } => {
                    if unchained > 0 {
                        println!("{}", Lang::Zh.t("audit.chain.unchained").replace("%{n}", &unchained.to_string()));
                    }
                    if let Some(h) = head {
                        println!("head {h}");
                    }
                    Ok(())
                }
                Verdict::Broken { .. } => std::process::exit(1),
            }
        }
        Command::Keys(cmd) => keys_command(&config, cmd),
        Command::Backup { dir, with_key, verify } => backup_command(&config, &dir, with_key, verify),
        Command::Restore { dir } => restore_command(&config, &dir),
        Command::Gen { scale, opinions, committees, seed, until, from_sqlite } => {
            let Some(scale) = xieshang::r#gen::Scale::parse(&scale) else {
                bail!("unknown scale {scale}: use district or province");
            };
            let until = until.unwrap_or_else(xieshang::kernel::time::today);
            let years = xieshang::r#gen::YEARS;
            let scratch = config.data_dir.clone();
            let options =
                xieshang::r#gen::Options { scale, opinions, committees, seed, until, years, progress: true, scratch };
            gen_command(&config, &options, from_sqlite.as_deref())
        }
    }
}

fn gen_command(
    config: &Config,
    options: &xieshang::r#gen::Options,
    from_sqlite: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    // Two connections: PostgreSQL's indexes are built two at a time.
    let db = Db::open(&config.database_url, 2)?;
    // The key `serve` will use, so that it can read the generated personal data.
    let vault = xieshang::kernel::personal::Vault::from_config(config)?;
    let generated = match from_sqlite {
        Some(_) if db.backend != xieshang::kernel::db::Backend::Postgres => {
            anyhow::bail!("--from-sqlite copies into PostgreSQL: give a postgres:// database")
        }
        Some(file) => xieshang::r#gen::copy_from(&db, file, true, Default::default()),
        None => xieshang::r#gen::run(&db, &vault, options),
    };
    let s = generated.map_err(|e| match e {
        xieshang::kernel::error::AppError::Conflict("gen.already_generated") => {
            anyhow::anyhow!("this database already holds generated committees: use a fresh database")
        }
        e => anyhow::Error::from(e).context("xieshang gen"),
    })?;
    match from_sqlite {
        Some(file) => println!("copied {} into {}:", file.display(), config.database_url),
        None => {
            let day =
                |t: Option<chrono::NaiveDateTime>| t.map(|t| xieshang::kernel::time::local(&t)).unwrap_or_default();
            println!("generated into {} ({} to {}):", config.database_url, day(s.from), day(s.until));
        }
    }
    println!(
        "  {} committees, {} offices, {} members, {} localities, {} liaison links, {} accounts",
        s.committees, s.offices, s.members, s.localities, s.liaisons, s.accounts
    );
    let statuses: Vec<String> = s.by_status.iter().map(|(st, n)| format!("{st} {n}")).collect();
    println!("  {} opinions ({}), {} public, {} timeline events", s.opinions, statuses.join(", "), s.public, s.events);
    if s.activities > 0 {
        println!("  {} activities ({} held)", s.activities, s.activities_held);
    }
    if s.expenses > 0 {
        println!("  {} budget lines, {} expenses", s.budget_lines, s.expenses);
    }
    let phases: Vec<String> = s.phases.iter().map(|(p, d)| format!("{p} {:.1} s", d.as_secs_f64())).collect();
    println!("  took {:.1} s ({})", s.total().as_secs_f64(), phases.join(", "));
    // Where the replay's time went: the store's time per step kind, and commits.
    let steps: Vec<String> = s
        .steps
        .iter()
        .map(|(k, n, d)| format!("{k} {n} × {:.0} µs", d.as_secs_f64() * 1e6 / (*n).max(1) as f64))
        .collect();
    if !steps.is_empty() {
        println!("  store time per step: {}; commits {:.1} s", steps.join(", "), s.commits.as_secs_f64());
    }
    Ok(())
}

fn keys_command(config: &Config, cmd: KeysCommand) -> anyhow::Result<()> {
    use xieshang::kernel::personal::{Vault, keyring, stored};
    let keyring::Source::File(path) = keyring::Source::of(config) else {
        bail!(
            "personal_data_key 在配置中，无法轮换：请把它写入 {} 的第一行（\"1 <密钥>\"）并从配置中删除 / \
             the key is set in configuration: move it to {} as its first line (\"1 <key>\") to rotate",
            config.data_dir.join(keyring::KEY_FILE).display(),
            config.data_dir.join(keyring::KEY_FILE).display()
        );
    };
    let db = Db::open(&config.database_url, 1)?;
    // The ring must open the stored data before anything is added or removed.
    Vault::open(config, &db)?;
    let ring = keyring::read(&path)?;
    let reencrypt = |config: &Config| -> anyhow::Result<()> {
        let vault = Vault::open(config, &db)?;
        let done = stored::reencrypt(&db, &vault, |column, n| eprintln!("  {column}: {n}")).map_err(cli_error)?;
        println!("re-encrypted {} values in {} batches under {}", done.values, done.batches, vault.current_prefix());
        Ok(())
    };
    match cmd {
        KeysCommand::Rotate => {
            let ring = ring.with_new_key();
            keyring::write(&path, &ring)?;
            println!("added key {} to {}; back the file up now", ring.newest_id(), path.display());
            reencrypt(config)
        }
        KeysCommand::Reencrypt => reencrypt(config),
        KeysCommand::Retire { id } => {
            let smaller = ring.without(&id)?;
            let in_use = db.read_blocking(|c| stored::count_under(c, &id)).map_err(cli_error)?;
            if in_use > 0 {
                bail!("{in_use} stored values are still under key {id}: run `xieshang keys reencrypt` first");
            }
            keyring::write(&path, &smaller)?;
            println!("key {id} removed from {}", path.display());
            Ok(())
        }
    }
}

fn backup_command(config: &Config, dir: &std::path::Path, with_key: bool, verify: bool) -> anyhow::Result<()> {
    use xieshang::kernel::backup::{self, say};
    let made = backup::backup(config, dir, with_key, verify)?;
    let m = &made.manifest;
    let rows: i64 = m.tables.values().sum();
    let bytes: u64 = m.files.iter().map(|f| f.size).sum();
    println!("{}: {}", say("backup.done"), dir.display());
    println!(
        "  {} {}, schema {}, {} tables / {} rows, {} files / {} bytes",
        m.backend,
        m.database.path,
        m.schema_version,
        m.tables.len(),
        rows,
        m.files.len(),
        bytes
    );
    if m.key_included {
        println!("{}", say("backup.key_included"));
    } else {
        println!("{}: {}", say("backup.key_apart"), made.key);
    }
    match made.verified {
        Some(found) if !found.is_empty() => {
            for x in &found {
                eprintln!("  {x}");
            }
            bail!("{}", say("backup.verify_failed"))
        }
        Some(_) => println!("{}", say("backup.verified")),
        None => {}
    }
    Ok(())
}

fn restore_command(config: &Config, dir: &std::path::Path) -> anyhow::Result<()> {
    use xieshang::kernel::backup::{self, say};
    let done = backup::restore(config, dir)?;
    let m = &done.manifest;
    println!(
        "{} {} ({}, schema {}, {})",
        say("backup.restoring"),
        dir.display(),
        m.backend,
        m.schema_version,
        m.created_at
    );
    if !done.mismatches.is_empty() {
        for x in &done.mismatches {
            eprintln!("  {x}");
        }
        bail!("{} ({})", say("backup.restore_mismatch"), done.mismatches.len());
    }
    let rows: i64 = m.tables.values().sum();
    println!("{}: {} tables / {} rows, {} files", say("backup.restored"), m.tables.len(), rows, m.files.len());
    if !m.key_included {
        println!("{}: {}", say("backup.key_needed"), done.key);
    }
    Ok(())
}

fn user_command(db: &Db, cmd: UserCommand) -> anyhow::Result<()> {
    let who = || Who::System { committee_id: None, name: "cli" };
    match cmd {
        UserCommand::Add { username, role, committee, committee_name, office, name } => {
            let Some(role) = Role::parse(&role) else {
                bail!(
                    "unknown role {role}: use one of district_admin, office_staff, member, department, leader, auditor, sysadmin, security_admin"
                );
            };
            let pw = password::generate_initial();
            let hash = password::hash(&pw).map_err(cli_error)?;
            db.write_blocking(|c| {
                let committee_id = match (org::committee_by_code_unscoped(c, &committee)?, &committee_name) {
                    (Some(cm), _) => cm.id,
                    (None, Some(n)) => xieshang::setup::new_committee(c, who, &committee, n)?,
                    (None, None) => {
                        return Err(xieshang::kernel::error::AppError::BadRequest("cli.no_committee"));
                    }
                };
                let office_id = match &office {
                    Some(n) => Some(
                        org::office_by_name(c, committee_id, n)?
                            .ok_or(xieshang::kernel::error::AppError::BadRequest("account.bad_office"))?
                            .id,
                    ),
                    None => None,
                };
                let acc = NewAccount {
                    username: username.to_lowercase(),
                    display_name: name.clone().unwrap_or_else(|| username.clone()),
                    role,
                    office_id,
                };
                users::insert_unscoped(c, who(), committee_id, &acc, &hash, true)
            })
            .map_err(cli_error)?;
            println!("created {username}; initial password (must be changed at first login): {pw}");
        }
        UserCommand::Reset { username } => {
            let pw = password::generate_initial();
            let hash = password::hash(&pw).map_err(cli_error)?;
            db.write_blocking(|c| {
                let u = users::find_by_username_unscoped(c, &username)?
                    .ok_or(xieshang::kernel::error::AppError::NotFound)?;
                users::set_initial_password_unscoped(c, who(), &u, &hash)
            })
            .map_err(cli_error)?;
            println!("new initial password for {username} (must be changed at next login): {pw}");
        }
        UserCommand::Lock { username, unlock } => {
            db.write_blocking(|c| {
                let u = users::find_by_username_unscoped(c, &username)?
                    .ok_or(xieshang::kernel::error::AppError::NotFound)?;
                users::set_disabled_unscoped(c, who(), &u, !unlock)
            })
            .map_err(cli_error)?;
            println!("{username} {}", if unlock { "unlocked" } else { "locked" });
        }
        UserCommand::UnlockSignIn { username } => {
            let unlocked = db
                .write_blocking(|c| {
                    let u = users::find_by_username_unscoped(c, &username)?
                        .ok_or(xieshang::kernel::error::AppError::NotFound)?;
                    xieshang::kernel::auth::sign_in::unlock_unscoped(
                        c,
                        who(),
                        &u,
                        xieshang::kernel::auth::sign_in::UnlockedBy::Admin,
                    )
                })
                .map_err(cli_error)?;
            println!("{username}: {}", if unlocked { "sign-in unlocked" } else { "was not locked" });
        }
    }
    Ok(())
}

/// CLI errors in both languages: the message key's zh-CN and English texts.
fn cli_error(e: xieshang::kernel::error::AppError) -> anyhow::Error {
    use xieshang::kernel::error::AppError;
    match e {
        AppError::Internal(e) => e.context("internal error"),
        e => {
            let key = e.message_key();
            anyhow::anyhow!("{} / {}", Lang::Zh.t(key), Lang::En.t(key))
        }
    }
    .context("xieshang user")
}

fn init_tracing(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    // A span's close prints its time: one line per request at `info`; with
    // `xieshang=debug` each store call under it too, to find the slow one.
    let colours = log_colours(std::io::IsTerminal::is_terminal(&std::io::stdout()), std::env::var_os("NO_COLOR"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colours)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Colour codes only for a person at a terminal: a log file or a journal would
/// keep them as noise. NO_COLOR set to anything but "" turns them off
/// (no-color.org).
fn log_colours(stdout_is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    stdout_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::log_colours;

    #[test]
    fn colours_only_at_a_terminal_without_no_color() {
        assert!(log_colours(true, None));
        assert!(log_colours(true, Some("".into())), "an empty NO_COLOR is unset");
        assert!(!log_colours(true, Some("1".into())));
        assert!(!log_colours(false, None), "a file or a pipe gets no colour codes");
        assert!(!log_colours(false, Some("1".into())));
    }
}

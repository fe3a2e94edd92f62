//! The `tremplin` command: parses arguments and wires the crates together; no logic of its own.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tremplin_api::http::preview::Preview;
use tremplin_api::infra::config::ApiConfig;
use tremplin_generator::live::Live;
use tremplin_generator::{BuildError, BuildOptions, Diagnostics};

#[derive(Parser)]
#[command(
    name = "tremplin",
    version,
    about = "Tremplin : le site et la plateforme d'une Mission Locale"
)]
struct Cli {
    /// The site's root folder (where tremplin.toml is).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the static site into public/.
    Build {
        /// Output folder (relative to the root).
        #[arg(long, default_value = "public")]
        output: PathBuf,
        /// Base URL, instead of tremplin.toml's base_url.
        #[arg(long)]
        base_url: Option<String>,
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
        /// Do not update the search index of the site's pages.
        #[arg(long, alias = "sans-index")]
        no_index: bool,
    },
    /// Check the content and templates without writing anything, with the editorial checks
    /// (plain French, sourced facts) as warnings.
    Check {
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
        /// Every warning is an error (for CI or a pre-commit hook).
        #[arg(long)]
        strict: bool,
        /// Print the readability of every page, the hardest first.
        #[arg(long, alias = "readability")]
        lisibilite: bool,
        /// Leave out the editorial checks.
        #[arg(long, alias = "no-editorial")]
        sans_redaction: bool,
    },
    /// List the content's sourced facts (amounts, ages, conditions), the oldest check first, so
    /// that counsellors check them again on the official site.
    Sources {
        /// A fact whose text is more than this many months old is marked "à revérifier".
        #[arg(long, alias = "months", default_value_t = 12)]
        mois: u32,
        /// Show only the facts to check again, and fail when there are some (for a scheduled job).
        #[arg(long, alias = "stale")]
        a_reverifier: bool,
        /// Group the facts by source address, so that each official page is opened once.
        #[arg(long, alias = "by-source")]
        par_source: bool,
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
    },
    /// Manage accounts (counsellors and admins are invited).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage structures (Missions Locales).
    #[command(subcommand)]
    Structure(StructureCommand),
    /// Import data from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Search indexes.
    #[command(subcommand)]
    Index(IndexCommand),
    /// News by email to the youths who asked for it.
    #[command(subcommand)]
    Newsletter(NewsletterCommand),
    /// Build the site and serve it with the API on http://127.0.0.1:8080.
    Serve {
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
        /// Do not watch the files nor reload the pages (for deployments).
        #[arg(long)]
        no_watch: bool,
        /// The public address; by default the local one while previewing, and tremplin.toml's
        /// base_url with --no-watch.
        #[arg(long)]
        base_url: Option<String>,
        /// Do not load the demo's examples (demo/structures.toml) into a new database.
        #[arg(long, alias = "no-demo")]
        sans_demo: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account and print (and email) a one-time link to set its password.
    Invite {
        /// counsellor or admin.
        #[arg(long)]
        role: String,
        /// The structure's identifier (required for a counsellor).
        #[arg(long)]
        structure: Option<String>,
        #[arg(long, default_value = "")]
        first_name: String,
        email: String,
    },
    /// List every account.
    List,
    /// Disable an account (its sessions are closed).
    Disable { email: String },
    /// Enable a disabled account again.
    Enable { email: String },
}

#[derive(Subcommand)]
enum StructureCommand {
    /// Add a structure.
    Add {
        /// Short identifier, lowercase (`lille`).
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        town: String,
        #[arg(long, default_value = "")]
        contact: String,
    },
    /// List the structures.
    List,
}

#[derive(Subcommand)]
enum NewsletterCommand {
    /// Email the news and guides published since the last digest, and each youth's new
    /// opportunities (alerts); resumes an interrupted run instead of starting a new one.
    Send,
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Rebuild both search indexes from scratch: the site's pages and the published
    /// opportunities of the database.
    Rebuild,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import opportunities from a CSV or JSON file (ours, or a France Travail search export).
    /// A file with errors imports nothing, unless --ignorer-erreurs; opportunities already
    /// imported (same identifier) are updated.
    #[command(alias = "opportunities")]
    Opportunites {
        file: PathBuf,
        /// The structure that publishes them (`lille`).
        #[arg(long)]
        structure: String,
        /// Import the good rows and leave the bad ones out.
        #[arg(long, alias = "skip-bad")]
        ignorer_erreurs: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let progress = std::io::stderr().is_terminal();
    match cli.command {
        Command::Build {
            output,
            base_url,
            drafts,
            no_index,
        } => {
            let options = BuildOptions {
                output,
                base_url,
                drafts,
                progress,
                documents: !no_index,
                ..BuildOptions::new(&cli.root)
            };
            build(&options)
        }
        Command::Check {
            drafts,
            strict,
            lisibilite,
            sans_redaction,
        } => {
            let options = BuildOptions {
                drafts,
                ..BuildOptions::new(&cli.root)
            };
            let started = std::time::Instant::now();
            let how = tremplin_generator::CheckOptions {
                editorial: !sans_redaction || lisibilite,
                strict,
            };
            let report = tremplin_generator::check_with(&options, &how);
            if lisibilite {
                print!("{}", readability_table(&report.pages));
            }
            let mut diags = report.diagnostics;
            diags.extend(covered_synonyms(&cli.root));
            print_diagnostics(&diags);
            if diags.has_errors() {
                eprintln!("{}", problem_summary(&diags));
                ExitCode::FAILURE
            } else {
                eprintln!(
                    "Contenu vérifié : aucune erreur{} ({} ms).",
                    warnings_suffix(&diags),
                    started.elapsed().as_millis()
                );
                ExitCode::SUCCESS
            }
        }
        Command::Sources {
            mois,
            a_reverifier,
            par_source,
            drafts,
        } => sources(&cli.root, mois, a_reverifier, par_source, drafts),
        Command::User(cmd) => admin(&cli.root, Admin::User(cmd)),
        Command::Structure(cmd) => admin(&cli.root, Admin::Structure(cmd)),
        Command::Import(cmd) => admin(&cli.root, Admin::Import(cmd)),
        Command::Index(IndexCommand::Rebuild) => admin(&cli.root, Admin::IndexRebuild),
        Command::Newsletter(NewsletterCommand::Send) => admin(&cli.root, Admin::NewsletterSend),
        Command::Serve {
            bind,
            port,
            drafts,
            no_watch,
            base_url,
            sans_demo,
        } => {
            let addr = SocketAddr::new(bind, port);
            let options = BuildOptions {
                base_url: base_url.or_else(|| (!no_watch).then(|| format!("http://{addr}"))),
                drafts,
                progress,
                live_reload: !no_watch,
                ..BuildOptions::new(&cli.root)
            };
            match serve(addr, options, !no_watch, !sans_demo) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn build(options: &BuildOptions) -> ExitCode {
    match tremplin_generator::build(options) {
        Ok(report) => {
            print_diagnostics(&report.warnings);
            eprintln!(
                "Site construit : {} pages, {} sections, {} termes, {} fichiers écrits sur {} en {:.2} s{}.",
                report.stats.pages,
                report.stats.sections,
                report.stats.terms,
                report.write.written,
                report.stats.files,
                report.duration.as_secs_f64(),
                warnings_suffix(&report.warnings)
            );
            if report.unchanged {
                eprintln!("Rien n'a changé depuis la dernière construction : le site est à jour.");
            }
            if let Some(docs) = report.documents {
                index_built_site(&options.root, docs);
            }
            ExitCode::SUCCESS
        }
        Err(BuildError::Site(diags)) => {
            print_diagnostics(&diags);
            eprintln!(
                "{} Le site précédent n'a pas été modifié.",
                problem_summary(&diags)
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Brings the search index of the site's pages up to date; a failure is only a warning (the
/// site itself is built).
fn index_built_site(root: &std::path::Path, docs: Vec<tremplin_generator::documents::ContentDoc>) {
    let run = async {
        let site = tremplin_generator::config::Config::load(root)
            .map_err(|_| "tremplin.toml illisible".to_string())?;
        let config = ApiConfig::new(root, &site, |k| std::env::var(k).ok())?;
        tremplin_api::index::contents::index_built_site(&config, docs).await
    };
    let result = tokio::runtime::Runtime::new()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(run));
    match result {
        Ok((0, 0)) => {}
        Ok((changed, removed)) => eprintln!(
            "Index de recherche à jour : {changed} page{} envoyée{}, {removed} retirée{}.",
            if changed > 1 { "s" } else { "" },
            if changed > 1 { "s" } else { "" },
            if removed > 1 { "s" } else { "" }
        ),
        Err(e) => eprintln!(
            "Attention : l'index de recherche n'a pas été mis à jour ({e}). Si `tremplin serve` tourne, il le met à jour lui-même ; sinon lancez `tremplin index rebuild`."
        ),
    }
}

/// `tremplin sources`: every sourced fact with its file and line, oldest check first.
fn sources(
    root: &std::path::Path,
    months: u32,
    only_stale: bool,
    by_source: bool,
    drafts: bool,
) -> ExitCode {
    use tremplin_generator::{config::Config, content, sources};
    let config = match Config::load(root) {
        Ok(c) => c,
        Err(problems) => {
            let mut d = Diagnostics::new();
            d.extend(problems);
            print_diagnostics(&d);
            return ExitCode::FAILURE;
        }
    };
    let (library, _) = content::load(root, &config, drafts);
    let today = sources::today();
    let (facts, problems) = sources::collect(&library, today);
    let stale = facts
        .iter()
        .filter(|f| f.is_older_than(months, today))
        .count();
    let mut out = String::new();
    if by_source {
        let shown: Vec<&sources::Fact> = facts
            .iter()
            .filter(|f| !only_stale || f.is_older_than(months, today))
            .collect();
        out = sources_by_address(&shown, &|f| f.is_older_than(months, today));
    }
    for f in facts.iter().filter(|_| !by_source) {
        let old = f.is_older_than(months, today);
        if only_stale && !old {
            continue;
        }
        out.push_str(&format!(
            "{}:{}  {}{}  {} <{}>\n    « {} »\n",
            f.file.display(),
            f.line,
            tremplin_generator::dates::format_fr(f.date),
            if old { "  À REVÉRIFIER" } else { "" },
            f.name,
            f.url,
            f.text
        ));
    }
    print!("{out}");
    let mut d = Diagnostics::new();
    d.extend(problems);
    print_diagnostics(&d);
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n > 1 { many } else { one });
    eprintln!(
        "{} ; {stale} à revérifier (texte de plus de {months} mois){}.",
        plural(facts.len(), "information sourcée", "informations sourcées"),
        if d.is_empty() {
            String::new()
        } else {
            format!(
                " ; {}",
                plural(d.error_count(), "source mal écrite", "sources mal écrites")
            )
        }
    );
    if d.has_errors() || (only_stale && stale > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The facts grouped by address, the group with the oldest check first: each official page is
/// opened once, and every sentence it backs is checked there.
fn sources_by_address(
    facts: &[&tremplin_generator::sources::Fact],
    is_old: &dyn Fn(&tremplin_generator::sources::Fact) -> bool,
) -> String {
    let mut groups: Vec<(&str, Vec<&tremplin_generator::sources::Fact>)> = Vec::new();
    for f in facts {
        match groups.iter_mut().find(|(url, _)| *url == f.url) {
            Some((_, list)) => list.push(f),
            None => groups.push((&f.url, vec![f])),
        }
    }
    // `facts` come oldest first, so each group's first fact is its oldest.
    let mut out = String::new();
    for (url, list) in groups {
        let oldest = list[0];
        out.push_str(&format!(
            "{url} ({}) : {} information{}, la plus ancienne datée du {}{}\n",
            oldest.name,
            list.len(),
            if list.len() > 1 { "s" } else { "" },
            tremplin_generator::dates::format_fr(oldest.date),
            if is_old(oldest) {
                "  À REVÉRIFIER"
            } else {
                ""
            }
        ));
        for f in list {
            out.push_str(&format!(
                "    {}:{}  « {} »\n",
                f.file.display(),
                f.line,
                f.text
            ));
        }
    }
    out
}

/// `tremplin check --lisibilite`: every page with its score, the hardest first (pages too short
/// for a score last).
fn readability_table(pages: &[tremplin_generator::editorial::PageReport]) -> String {
    let mut rows: Vec<&tremplin_generator::editorial::PageReport> =
        pages.iter().filter(|p| p.readability.words > 0).collect();
    rows.sort_by(|a, b| {
        let key = |p: &tremplin_generator::editorial::PageReport| {
            p.readability.score.unwrap_or(f64::INFINITY)
        };
        key(a).total_cmp(&key(b)).then_with(|| a.file.cmp(&b.file))
    });
    let mut out = String::from("score  cible  mots/phrase  phrases longues  page\n");
    for p in rows {
        let r = &p.readability;
        let score = match r.score {
            Some(s) => format!("{:>5.0}", s),
            None => "    —".to_string(),
        };
        let mark = if r.score.is_some_and(|s| s < r.target) {
            " !"
        } else {
            "  "
        };
        out.push_str(&format!(
            "{score}{mark} {:>4.0}  {:>11.1}  {:>15}  {}\n",
            r.target,
            r.words as f64 / r.sentences.max(1) as f64,
            r.long_sentences,
            p.file.display()
        ));
    }
    out
}

/// `tremplin check`: a warning for each `[search] synonyms` entry that the search's own
/// analysis already makes meet another of its group (see
/// `tremplin_search::synonyms_already_covered`).
fn covered_synonyms(root: &std::path::Path) -> Vec<tremplin_generator::Diagnostic> {
    use tremplin_generator::config::{Config, CONFIG_FILE};
    let Ok(config) = Config::load(root) else {
        return Vec::new(); // the generator's check reports what is wrong with the file
    };
    let text = std::fs::read_to_string(root.join(CONFIG_FILE)).unwrap_or_default();
    tremplin_search::synonyms_already_covered(&config.search.synonyms)
        .into_iter()
        .map(|(_, a, b)| {
            let line = text
                .lines()
                .position(|l| l.contains(&format!("\"{a}\"")) && l.contains(&format!("\"{b}\"")))
                .map(|n| n + 1);
            tremplin_generator::Diagnostic::warning(
                CONFIG_FILE,
                line,
                format!(
                    "[search] synonyms : « {a} » et « {b} » se trouvent déjà l'un l'autre (même racine, féminin ou métier) : gardez-en un seul dans ce groupe"
                ),
            )
        })
        .collect()
}

fn print_diagnostics(diags: &Diagnostics) {
    for d in diags.iter() {
        eprintln!("{d}");
    }
}

fn problem_summary(diags: &Diagnostics) -> String {
    let n = diags.error_count();
    format!(
        "Échec : {n} erreur{} à corriger.",
        if n > 1 { "s" } else { "" }
    )
}

fn warnings_suffix(diags: &Diagnostics) -> String {
    match diags.warning_count() {
        0 => String::new(),
        1 => ", 1 avertissement".to_string(),
        n => format!(", {n} avertissements"),
    }
}

fn serve(addr: SocketAddr, options: BuildOptions, watch: bool, demo: bool) -> Result<(), String> {
    let started = std::time::Instant::now();
    let live = Live::new(options.clone()).map_err(|d| format!("{d}{}", problem_summary(&d)))?;
    print_diagnostics(live.diagnostics());
    if live.diagnostics().has_errors() {
        eprintln!(
            "{} Les pages afficheront les erreurs jusqu'à leur correction.",
            problem_summary(live.diagnostics())
        );
    }
    let stats = live.site().stats(live.paths().count());
    eprintln!(
        "Site construit : {} pages, {} sections, {} termes, {} fichiers en {:.2} s.",
        stats.pages,
        stats.sections,
        stats.terms,
        stats.files,
        started.elapsed().as_secs_f64()
    );
    let theme = live.site().config.theme.clone();
    let api_config = ApiConfig::new(&options.root, &live.site().config, |k| {
        std::env::var(k).ok()
    })?;
    let preview = Preview::new(live, watch);
    let rt = tokio::runtime::Runtime::new().map_err(|e| format!("démarrage impossible : {e}"))?;
    rt.block_on(async move {
        let database = tremplin_api::infra::db::redact(&api_config.database_url);
        let state = tremplin_api::state(api_config, preview.clone()).await?;
        eprintln!("Base de données : {database}.");
        // The demo's examples, into a new database only; a problem there does not stop the
        // platform (nothing is written, and the next start tries again).
        match tremplin_api::domain::demo::load(&state.db, &state.config, demo).await {
            Ok(outcome) => {
                for line in outcome.lines() {
                    eprintln!("{line}");
                }
                // Listed and found as soon as the site answers; if the engine is not
                // ready, the worker indexes them on its next pass.
                if matches!(outcome, tremplin_api::domain::demo::Outcome::Loaded(_)) {
                    match tremplin_api::index::sync::catch_up(
                        &state.db,
                        state.search.as_ref(),
                        &state.config.search.synonyms,
                        &tremplin_api::domain::opportunities::IndexSource,
                    )
                    .await
                    {
                        Ok(_) => state.listings.changed(),
                        Err(e) => tracing::warn!(erreur = ?e, "exemples de la démonstration pas encore indexés"),
                    }
                }
            }
            Err(e) => eprintln!("Attention : la démonstration n'a pas été chargée.\n{e}"),
        }
        // The "contenus" index follows the site: now, then after each rebuild.
        let index_site = tremplin_api::index::contents::SiteSync::new(
            state.search.clone(),
            state.contents.clone(),
            state.config.search.synonyms.clone(),
            {
                let preview = preview.clone();
                Arc::new(move |f: &mut dyn FnMut(&tremplin_generator::site::Site)| {
                    preview.with_live(|live| f(live.site()))
                })
            },
        );
        index_site.clone().run(None).await;
        eprintln!("Recherche : moteur {}.", state.search.name());
        let runtime = tokio::runtime::Handle::current();
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                format!(
                    "le port {} est déjà utilisé : choisissez-en un autre avec --port (ou une autre adresse avec --bind)",
                    addr.port()
                )
            } else {
                format!("impossible d'écouter sur {addr} : {e}")
            }
        })?;
        if watch {
            let preview = preview.clone();
            let root = options.root.clone();
            std::thread::spawn(move || {
                let result = tremplin_generator::watch::watch(&root, theme.as_deref(), |changes| {
                    let started = std::time::Instant::now();
                    let applied = preview.apply(&changes);
                    if applied.has_errors {
                        preview.with_live(|live| print_diagnostics(live.diagnostics()));
                        eprintln!("Erreurs : la dernière version correcte reste servie.");
                    } else if !applied.changed.is_empty() {
                        runtime.spawn(index_site.clone().run(applied.bodies_of.clone()));
                        eprintln!(
                            "Reconstruit : {} fichier{} en {} ms.",
                            applied.changed.len(),
                            if applied.changed.len() > 1 { "s" } else { "" },
                            started.elapsed().as_millis()
                        );
                    }
                    true
                });
                if let Err(e) = result {
                    eprintln!("surveillance des fichiers impossible : {e}");
                }
            });
        }
        eprintln!("Tremplin est servi sur http://{addr} (Ctrl+C pour arrêter).");
        let app = tremplin_api::app(state, tremplin_api::http::preview::router(preview));
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|e| format!("erreur du serveur : {e}"))
    })
}

/// Ctrl+C or SIGTERM: requests in flight finish, then the server stops.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

enum Admin {
    User(UserCommand),
    Structure(StructureCommand),
    Import(ImportCommand),
    IndexRebuild,
    NewsletterSend,
}

/// Account and structure commands: they work on the database of the site at `root`.
fn admin(root: &std::path::Path, cmd: Admin) -> ExitCode {
    let run = async {
        let site = tremplin_generator::config::Config::load(root).map_err(|d| {
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        let config = ApiConfig::new(root, &site, |k| std::env::var(k).ok())?;
        let db = tremplin_api::infra::db::connect(&config.database_url).await?;
        let shown = |e: tremplin_api::infra::error::AppError| match e {
            tremplin_api::infra::error::AppError::Invalid(fields) => fields
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join("\n"),
            tremplin_api::infra::error::AppError::Internal(detail) => {
                format!("erreur interne : {detail}")
            }
            e => e.message(),
        };
        use tremplin_api::domain::accounts;
        match cmd {
            Admin::User(UserCommand::Invite {
                role,
                structure,
                first_name,
                email,
            }) => {
                let role = match accounts::Role::parse(&role) {
                    Some(r @ (accounts::Role::Counsellor | accounts::Role::Admin)) => r,
                    _ => return Err(format!("rôle « {role} » : choisissez counsellor ou admin (les jeunes s'inscrivent eux-mêmes)")),
                };
                let mailer =
                    tremplin_api::infra::mail::Mailer::new(&config.transport, &config.email_from)?;
                let (user, token) = accounts::invite(
                    &db,
                    &config,
                    &email,
                    role,
                    structure.as_deref(),
                    &first_name,
                )
                .await
                .map_err(shown)?;
                let link =
                    tremplin_api::http::accounts::send_invitation(&config, &mailer, &user, &token)
                        .await
                        .map_err(shown)?;
                println!("Compte créé pour {} ({}). Lien pour choisir le mot de passe (valable 7 jours, envoyé par courriel) :", user.email, user.role.label());
                println!("{link}");
            }
            Admin::User(UserCommand::List) => {
                for u in accounts::list_users(&db).await.map_err(shown)? {
                    println!(
                        "{}\t{}\t{}\t{}{}",
                        u.email,
                        u.role.as_str(),
                        u.structure.as_ref().map(|s| s.slug.as_str()).unwrap_or("-"),
                        if u.disabled { "désactivé" } else { "actif" },
                        if u.has_password {
                            ""
                        } else {
                            " (invitation en attente)"
                        }
                    );
                }
            }
            Admin::User(cmd @ (UserCommand::Disable { .. } | UserCommand::Enable { .. })) => {
                let (email, disable) = match cmd {
                    UserCommand::Disable { email } => (email, true),
                    UserCommand::Enable { email } => (email, false),
                    _ => unreachable!("matched above"),
                };
                let u =
                    accounts::set_disabled(&db, &email, disable)
                        .await
                        .map_err(|e| match e {
                            tremplin_api::infra::error::AppError::NotFound => {
                                format!("aucun compte pour {email}")
                            }
                            e => shown(e),
                        })?;
                if disable {
                    println!("Compte {} désactivé ; ses sessions sont fermées.", u.email);
                } else {
                    println!("Compte {} réactivé.", u.email);
                }
            }
            Admin::Structure(StructureCommand::Add {
                slug,
                name,
                town,
                contact,
            }) => {
                let s = accounts::add_structure(&db, &slug, &name, &town, &contact)
                    .await
                    .map_err(shown)?;
                println!("Structure ajoutée : {} ({}, {}).", s.slug, s.name, s.town);
            }
            Admin::Structure(StructureCommand::List) => {
                for s in accounts::structures(&db).await.map_err(shown)? {
                    println!("{}\t{}\t{}\t{}", s.slug, s.name, s.town, s.contact);
                }
            }
            Admin::IndexRebuild => {
                let live = Live::new(BuildOptions::new(root))
                    .map_err(|d| format!("{d}{}", problem_summary(&d)))?;
                if live.diagnostics().has_errors() {
                    print_diagnostics(live.diagnostics());
                    return Err(problem_summary(live.diagnostics()));
                }
                let docs = tremplin_api::index::contents::site_documents(live.site());
                let engine = tremplin_api::index::engine::open(&config.search).await?;
                // On a terminal, the count so far on one line (a rebuild of 100,000
                // opportunities on Meilisearch takes minutes); nothing in a log.
                let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
                let progress = move |sent: usize| {
                    if terminal {
                        eprint!("\r{sent} opportunités envoyées au moteur de recherche…");
                    }
                };
                let rebuilt = tremplin_api::index::sync::rebuild(
                    &db,
                    engine.as_ref(),
                    &config.search.synonyms,
                    docs,
                    &tremplin_api::domain::opportunities::IndexSource,
                    &progress,
                )
                .await;
                if terminal {
                    eprintln!();
                }
                let (pages, opportunities) = rebuilt.map_err(shown)?;
                println!(
                    "Index reconstruits ({}) : {pages} pages du site, {opportunities} opportunités publiées.",
                    engine.name()
                );
            }
            Admin::NewsletterSend => {
                let live = Live::new(BuildOptions::new(root))
                    .map_err(|d| format!("{d}{}", problem_summary(&d)))?;
                if live.diagnostics().has_errors() {
                    print_diagnostics(live.diagnostics());
                    return Err(problem_summary(live.diagnostics()));
                }
                // The news comes from the "contenus" index: bring it up to date first.
                let docs = tremplin_api::index::contents::site_documents(live.site());
                let synonyms = config.search.synonyms.clone();
                let state = tremplin_api::state(config, Preview::new(live, false)).await?;
                tremplin_api::index::contents::sync_contents(
                    state.search.as_ref(),
                    &state.contents,
                    &synonyms,
                    docs,
                )
                .await
                .map_err(shown)?;
                let options = tremplin_api::domain::newsletter::Options {
                    started_by: "ligne de commande".into(),
                    ..Default::default()
                };
                let report = tremplin_api::domain::newsletter::send(&state.mailing(), &options)
                    .await
                    .map_err(shown)?;
                println!("{}", report.summary());
            }
            Admin::Import(ImportCommand::Opportunites {
                file,
                structure,
                ignorer_erreurs,
            }) => {
                let Some(s) = accounts::structure_by_slug(&db, &structure)
                    .await
                    .map_err(shown)?
                else {
                    return Err(format!(
                        "aucune structure « {structure} » (voir tremplin structure list)"
                    ));
                };
                let shown_name = file.display().to_string();
                let bytes = std::fs::read(&file)
                    .map_err(|e| format!("{shown_name} : lecture impossible : {e}"))?;
                let rows = tremplin_api::domain::opportunities::import::parse(&bytes, &shown_name)
                    .map_err(|m| format!("{shown_name}: {m}"))?;
                // The rows hold what is needed: the file's bytes go before the check.
                drop(bytes);
                let report = tremplin_api::domain::opportunities::import_into(
                    &db,
                    &s,
                    None,
                    rows,
                    ignorer_erreurs,
                )
                .await
                .map_err(shown)?;
                let lines = report.lines(&shown_name);
                if !report.written {
                    return Err(lines.join("\n"));
                }
                for l in lines {
                    println!("{l}");
                }
            }
        }
        Ok::<(), String>(())
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("démarrage impossible : {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

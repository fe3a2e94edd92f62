//! The `tremplin` command: parses arguments and wires the crates together; no logic of its own.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
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
    },
    /// Check the content and templates without writing anything.
    Check {
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
    },
    /// Build the site and serve it on http://127.0.0.1:8080.
    Serve {
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let progress = std::io::stderr().is_terminal();
    match cli.command {
        Command::Build {
            output,
            base_url,
            drafts,
        } => {
            let options = BuildOptions {
                output,
                base_url,
                drafts,
                progress,
                ..BuildOptions::new(&cli.root)
            };
            build(&options)
        }
        Command::Check { drafts } => {
            let options = BuildOptions {
                drafts,
                ..BuildOptions::new(&cli.root)
            };
            let started = std::time::Instant::now();
            let diags = tremplin_generator::check(&options);
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
        Command::Serve { bind, port, drafts } => {
            let addr = SocketAddr::new(bind, port);
            let options = BuildOptions {
                output: PathBuf::from(".tremplin/serve"),
                base_url: Some(format!("http://{addr}")),
                drafts,
                progress,
                ..BuildOptions::new(&cli.root)
            };
            if build(&options) != ExitCode::SUCCESS {
                return ExitCode::FAILURE;
            }
            match serve(addr, options.output_dir()) {
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

fn serve(addr: SocketAddr, dir: PathBuf) -> Result<(), String> {
    let rt = tokio::runtime::Runtime::new().map_err(|e| format!("démarrage impossible : {e}"))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                format!("le port {} est déjà utilisé : choisissez-en un autre avec --port (ou une autre adresse avec --bind)", addr.port())
            } else {
                format!("impossible d'écouter sur {addr} : {e}")
            }
        })?;
        let not_found = tower_http::services::ServeFile::new(dir.join("404.html"));
        let service = tower_http::services::ServeDir::new(&dir).not_found_service(not_found);
        let app = axum::Router::new().fallback_service(service);
        eprintln!("Tremplin est servi sur http://{addr} (Ctrl+C pour arrêter).");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| format!("erreur du serveur : {e}"))
    })
}

//! The API's settings: the `[database]`, `[email]` and `[server]` tables of `tremplin.toml`,
//! overridden by environment variables. Defaults need nothing installed.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// How emails leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Each email written as a `.eml` file in this folder (the default).
    Files(PathBuf),
    /// An SMTP server, e.g. `smtp://127.0.0.1:2525` (no TLS) or `smtps://user:pass@host:465`.
    Smtp(String),
}

/// Everything the API needs to run.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub database_url: String,
    /// The site's public address, for links in emails and cookie security.
    pub base_url: String,
    pub email_from: String,
    pub transport: Transport,
    /// A session ends after this many seconds without a request.
    pub session_idle: i64,
    /// A session ends this many seconds after sign-in, whatever happens.
    pub session_max: i64,
    /// A password reset link works this many seconds.
    pub reset_validity: i64,
    /// An invitation link works this many seconds.
    pub invite_validity: i64,
    /// Trust `X-Forwarded-For` from the reverse proxy for the client's address.
    pub trust_proxy: bool,
    /// The search engine and its synonyms.
    pub search: SearchSettings,
    /// Run the worker that applies the search outbox (tests turn it off to drive it).
    pub outbox_worker: bool,
    /// The site's root folder (its `content/` is where published FAQ entries are written).
    pub site_root: PathBuf,
    /// The server's secret for signed links (unsubscribe): `TREMPLIN_SECRET`, else
    /// `data/secret`, created once (mode 0600). Every replica must share it.
    pub secret: String,
    /// The time budget of one request, and of one import (`limits::REQUEST_TIMEOUT`,
    /// `limits::IMPORT_TIMEOUT`; tests make them short).
    pub request_timeout: std::time::Duration,
    pub import_timeout: std::time::Duration,
}

/// Which search engine, and the synonyms both indexes use.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSettings {
    pub backend: SearchBackend,
    pub synonyms: Vec<Vec<String>>,
    /// Put before the index names on Meilisearch: empty, except when several platforms
    /// share one server (the API's tests, each on its own database).
    pub index_prefix: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SearchBackend {
    /// The embedded engine, its files in this folder (`data/search` by default).
    Embedded(std::path::PathBuf),
    /// A Meilisearch server.
    Meilisearch { url: String, key: Option<String> },
}

impl SearchSettings {
    /// Reads `[search]` of tremplin.toml, then `TREMPLIN_SEARCH_ENGINE` (`embarque` or
    /// `meilisearch`), `TREMPLIN_MEILI_URL` and `TREMPLIN_MEILI_KEY`.
    pub fn new(
        root: &Path,
        site: &tremplin_generator::config::Config,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<SearchSettings, String> {
        let section = &site.search;
        let engine = env("TREMPLIN_SEARCH_ENGINE").unwrap_or_else(|| {
            match section.engine {
                tremplin_generator::config::SearchBackend::Embedded => "embarque",
                tremplin_generator::config::SearchBackend::Meilisearch => "meilisearch",
            }
            .to_string()
        });
        let url = env("TREMPLIN_MEILI_URL").or(section.meilisearch_url.clone());
        let key = env("TREMPLIN_MEILI_KEY").or(section.meilisearch_key.clone());
        let backend = match engine.as_str() {
            "embarque" | "embarqué" | "embedded" => SearchBackend::Embedded(root.join("data/search")),
            "meilisearch" => match url {
                Some(url) => SearchBackend::Meilisearch { url, key },
                None => {
                    return Err("recherche : le moteur meilisearch demande une adresse (TREMPLIN_MEILI_URL, ou meilisearch_url dans la section [search] de tremplin.toml)".to_string())
                }
            },
            other => {
                return Err(format!(
                    "recherche : moteur « {other} » inconnu (embarque ou meilisearch)"
                ))
            }
        };
        Ok(SearchSettings {
            backend,
            synonyms: section.synonyms.clone(),
            index_prefix: String::new(),
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSection {
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailSection {
    from: Option<String>,
    smtp_url: Option<String>,
    outbox: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    session_idle_minutes: Option<i64>,
    session_max_days: Option<i64>,
    trust_proxy: Option<bool>,
}

fn section<T: Default + for<'de> Deserialize<'de>>(
    name: &str,
    table: &Option<toml::Table>,
) -> Result<T, String> {
    match table {
        None => Ok(T::default()),
        Some(t) => toml::Value::Table(t.clone())
            .try_into()
            .map_err(|e: toml::de::Error| {
                format!("tremplin.toml, section [{name}] : {}", e.message())
            }),
    }
}

/// The secret kept in `<data>/secret`, created with 256 random bits the first time.
fn secret_file(data: &Path) -> Result<String, String> {
    let path = data.join("secret");
    if let Ok(s) = std::fs::read_to_string(&path) {
        if !s.trim().is_empty() {
            return Ok(s.trim().to_string());
        }
    }
    std::fs::create_dir_all(data).map_err(|e| format!("{} : {e}", data.display()))?;
    let secret = crate::infra::auth::random_token();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut f) => {
            use std::io::Write;
            f.write_all(secret.as_bytes())
                .map_err(|e| format!("{} : {e}", path.display()))?;
            Ok(secret)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read_to_string(&path)
            .map(|s| s.trim().to_string())
            .map_err(|e| format!("{} : {e}", path.display())),
        Err(e) => Err(format!("{} : {e}", path.display())),
    }
}

impl ApiConfig {
    /// Reads the settings of the site at `root`; `env` gives environment variables.
    pub fn new(
        root: &Path,
        site: &tremplin_generator::config::Config,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ApiConfig, String> {
        let db: DatabaseSection = section("database", &site.database)?;
        let email: EmailSection = section("email", &site.email)?;
        let server: ServerSection = section("server", &site.server)?;
        let data = root.join("data");
        let database_url = match env("TREMPLIN_DATABASE_URL").or(db.url) {
            // A relative SQLite path is relative to the site's root.
            Some(url) => match url.strip_prefix("sqlite://") {
                Some(rest) if !rest.starts_with('/') && !rest.starts_with(':') => {
                    format!("sqlite://{}", root.join(rest).display())
                }
                _ => url,
            },
            None => format!("sqlite://{}", data.join("tremplin.db").display()),
        };
        let smtp = env("TREMPLIN_SMTP_URL").or(email.smtp_url);
        let transport = match smtp {
            Some(url) => Transport::Smtp(url),
            None => Transport::Files(
                root.join(email.outbox.unwrap_or_else(|| "data/outbox".to_string())),
            ),
        };
        let base_url = site.base_url.trim_end_matches('/').to_string();
        let host = base_url
            .split("://")
            .nth(1)
            .unwrap_or("tremplin.invalid")
            .split([':', '/'])
            .next()
            .unwrap_or("");
        let email_from = env("TREMPLIN_EMAIL_FROM")
            .or(email.from)
            .unwrap_or_else(|| {
                let is_name = host.contains('.')
                    && host.chars().any(|c| c.is_ascii_alphabetic())
                    && !host.contains(':');
                format!(
                    "{} <ne-pas-repondre@{}>",
                    site.title,
                    if is_name { host } else { "tremplin.invalid" }
                )
            });
        let idle = server.session_idle_minutes.unwrap_or(120);
        let max_days = server.session_max_days.unwrap_or(30);
        if idle <= 0 || max_days <= 0 {
            return Err(
                "tremplin.toml, section [server] : les durées de session doivent être positives"
                    .to_string(),
            );
        }
        Ok(ApiConfig {
            database_url,
            base_url,
            email_from,
            transport,
            session_idle: idle * 60,
            session_max: max_days * 24 * 3600,
            reset_validity: 3600,
            invite_validity: 7 * 24 * 3600,
            trust_proxy: env("TREMPLIN_TRUST_PROXY")
                .map(|v| v == "1" || v == "true")
                .unwrap_or(server.trust_proxy.unwrap_or(false)),
            search: SearchSettings::new(root, site, &env)?,
            outbox_worker: true,
            site_root: root.to_path_buf(),
            secret: match env("TREMPLIN_SECRET").filter(|s| !s.trim().is_empty()) {
                Some(s) => s,
                None => secret_file(&data)?,
            },
            request_timeout: crate::infra::limits::REQUEST_TIMEOUT,
            import_timeout: crate::infra::limits::IMPORT_TIMEOUT,
        })
    }

    /// Cookies get `Secure` when the site is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

//! The crate's error type; messages are in French, for the operator's log and the API.

use std::fmt;
use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, Error>;

/// Every way a search operation can fail.
#[derive(Debug)]
pub enum Error {
    /// The Meilisearch server could not be reached.
    Unreachable { url: String, message: String },
    /// The index was never configured.
    UnknownIndex(String),
    /// A bad request: unknown field in a filter, facet or sort, a missing geo point…
    InvalidRequest(String),
    /// A document or settings the engines cannot store (bad id, bad field name…).
    InvalidDocument(String),
    /// Reading or writing the embedded engine's files.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The embedded engine failed.
    Embedded(String),
    /// Meilisearch answered with an error.
    Meilisearch(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unreachable { url, message } => {
                write!(f, "Meilisearch injoignable à {url} : {message}")
            }
            Error::UnknownIndex(name) => write!(f, "index de recherche « {name} » inconnu"),
            Error::InvalidRequest(message) => write!(f, "recherche invalide : {message}"),
            Error::InvalidDocument(message) => write!(f, "document invalide : {message}"),
            Error::Io { path, source } => {
                write!(f, "index de recherche {} : {source}", path.display())
            }
            Error::Embedded(message) => write!(f, "moteur de recherche embarqué : {message}"),
            Error::Meilisearch(message) => write!(f, "Meilisearch : {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(error: tantivy::TantivyError) -> Self {
        Error::Embedded(error.to_string())
    }
}

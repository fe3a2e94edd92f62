//! The search indexes: their settings and documents, and what keeps them in step with the
//! database and the site. It uses only the infrastructure.

pub mod contents;
pub mod documents;
pub mod engine;
pub mod sync;

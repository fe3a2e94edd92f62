//! Infrastructure, the lowest layer: the database, settings, mail, secrets, the communes'
//! table, the error type, the bounds on what a visitor sends, and safe Markdown. It knows
//! nothing of the domain, the indexes or HTTP handlers.

pub mod auth;
pub mod communes;
pub mod config;
pub mod db;
pub mod error;
pub mod html;
pub mod limits;
pub mod mail;
pub mod markdown;
pub mod pages;
pub mod time;
pub mod vocabulary;

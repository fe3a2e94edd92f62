//! The HTTP side, the top layer: the security layers, the pages and the JSON API of each
//! resource, the preview of the site and the OpenAPI document.

pub mod accounts;
pub mod extract;
pub mod listing_cache;
pub mod newsletter;
pub mod openapi;
pub mod opportunities;
pub mod page;
pub mod preview;
pub mod questions;
pub mod search;
pub mod security;
pub mod state;

//! The domain: the rules and every SQL statement about accounts, opportunities, questions and
//! news. It knows no request, response or application state; it may use the index layer
//! and the infrastructure.

pub mod accounts;
pub mod demo;
pub mod newsletter;
pub mod opportunities;
pub mod privacy;
pub mod questions;

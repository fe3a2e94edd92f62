//! Tremplin's HTTP side. Today: the live preview of the static site (`preview`). The API
//! proper (accounts, opportunities, questions, news) comes with the API issue.

pub mod preview;

//! Tremplin API: accounts, opportunities, questions and news. Empty until the API issue lands; nothing here pretends to serve yet.

//! Tremplin search: the `SearchEngine` trait and its engines. Empty until the search issue lands; nothing here pretends to search yet.

//! The layers of `api/src`, held: every `crate::` and `super::` path of every file (in `use`
//! lines and in code alike) points down — `http` → `domain` → `index` → `infra` — and no two
//! modules depend on each other, directly or through others. A module is a file or folder
//! right under a layer (`infra::db`, `domain::opportunities`); `lib.rs`, the crate's root,
//! wires the layers together and nothing may use it. See ARCHITECTURE.md, "Layers".

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first: a file may use its own layer and those before it.
const LAYERS: &[&str] = &["infra", "index", "domain", "http"];

/// One use of a module by another, with where it is written.
#[derive(Debug, Clone)]
struct Edge {
    from: String,
    to: String,
    at: String,
}

#[test]
fn every_dependency_points_down_and_no_module_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "rs") {
            let rel = entry.path().strip_prefix(&src).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            files.push((rel, std::fs::read_to_string(entry.path()).unwrap()));
        }
    }
    assert!(files.len() > 20, "api/src not found");
    let problems = check(&files);
    assert!(
        problems.is_empty(),
        "the layers of api/src are broken (see ARCHITECTURE.md, \"Layers\"):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_finds_upward_uses_cycles_and_strays() {
    let files = [
        (
            "index/sync.rs",
            "//! `crate::domain::x` in a comment is not a use.\nuse crate::infra::db::Db;\nfn f() {\n    let s = \"crate::http::x\";\n    crate::domain::opportunities::by_ids();\n}\n",
        ),
        ("domain/opportunities/mod.rs", "pub mod store;\n"),
        (
            "domain/opportunities/store.rs",
            "use super::vocabulary::Kind;\nuse crate::{infra::{db, error::AppError}, domain::accounts};\n",
        ),
        (
            "domain/accounts.rs",
            "use crate::domain::questions;\nfn f<'a>(c: char) -> bool { c == '\"' }\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        ),
        (
            "domain/questions.rs",
            "fn f() {\n    crate::domain::opportunities::store::x();\n}\n",
        ),
        ("infra/db.rs", "use crate::AppState;\n"),
        ("web.rs", "pub fn f() {}\n"),
        ("lib.rs", "pub use http::AppState;\n"),
    ]
    .map(|(f, t)| (f.to_string(), t.to_string()));
    assert_eq!(
        check(&files),
        [
            "infra/db.rs:1: infra::db uses the crate's root, which only wires the layers",
            "web.rs: a file outside the layers (infra, index, domain, http)",
            "index/sync.rs:5: index::sync uses domain::opportunities, of a higher layer (index may use index, infra)",
            "a cycle: domain::accounts -> domain::questions (domain/accounts.rs:1) -> domain::opportunities (domain/questions.rs:2) -> domain::accounts (domain/opportunities/store.rs:2)",
        ]
    );
}

#[test]
fn use_trees_are_read_whole() {
    let text = "use crate::{\n    infra::{db::{self, Db}, error},\n    domain::accounts as acc,\n};\nuse super::super::index::sync::*;\n";
    let paths: Vec<(usize, String)> = paths(text, &["http".into(), "accounts".into()])
        .into_iter()
        .map(|(line, p)| (line, p.join("::")))
        .collect();
    assert_eq!(
        paths,
        [
            (2, "infra::db".to_string()),
            (2, "infra::db::Db".to_string()),
            (2, "infra::error".to_string()),
            (3, "domain::accounts".to_string()),
            (5, "index::sync".to_string()),
        ]
    );
}

/// Every problem of these files (paths under `api/src`, and texts): files outside the
/// layers, uses of a higher layer or of the root, and cycles between modules.
fn check(files: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut edges: Vec<Edge> = Vec::new();
    for (file, text) in files {
        let module = module_of(file);
        let Some(from) = unit(&module) else {
            problems.push(format!(
                "{file}: a file outside the layers ({})",
                LAYERS.join(", ")
            ));
            continue;
        };
        for (line, path) in paths(text, &module) {
            let at = format!("{file}:{line}");
            match unit(&path) {
                None if from == "crate" => {}
                None => problems.push(format!(
                    "{at}: {from} uses the crate's root, which only wires the layers"
                )),
                Some(to) if to == from => {}
                Some(to) => edges.push(Edge {
                    from: from.clone(),
                    to,
                    at,
                }),
            }
        }
    }
    let mut upward = BTreeSet::new();
    for e in &edges {
        let (Some(from), Some(to)) = (layer(&e.from), layer(&e.to)) else {
            continue;
        };
        if to > from && upward.insert((e.from.clone(), e.to.clone())) {
            problems.push(format!(
                "{}: {} uses {}, of a higher layer ({} may use {})",
                e.at,
                e.from,
                e.to,
                LAYERS[from],
                LAYERS[..=from]
                    .iter()
                    .rev()
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    problems.extend(cycles(&edges));
    problems
}

/// The module path of a file: `domain/opportunities/store.rs` is
/// `domain::opportunities::store`, a `mod.rs` its folder's, `lib.rs` the root.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The module a path belongs to: the layer and the file or folder under it (`infra::db`),
/// the layer alone for its `mod.rs`, `crate` for the root; `None` for the root's items, or
/// a file outside the layers.
fn unit(path: &[String]) -> Option<String> {
    match path {
        [] => Some("crate".to_string()),
        [layer] if LAYERS.contains(&layer.as_str()) => Some(layer.clone()),
        [layer, module, ..] if LAYERS.contains(&layer.as_str()) => {
            Some(format!("{layer}::{module}"))
        }
        _ => None,
    }
}

fn layer(unit: &str) -> Option<usize> {
    let name = unit.split("::").next()?;
    LAYERS.iter().position(|l| *l == name)
}

/// Every cycle between modules, each once, with the place of each of its uses.
fn cycles(edges: &[Edge]) -> Vec<String> {
    let mut graph: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for e in edges {
        graph
            .entry(&e.from)
            .or_default()
            .entry(&e.to)
            .or_insert(&e.at);
    }
    let mut found = Vec::new();
    let mut seen: BTreeSet<Vec<&str>> = BTreeSet::new();
    for &start in graph.keys() {
        // The shortest way back to `start`, breadth first.
        let mut back: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut closed = None;
        while let Some(n) = queue.pop_front() {
            for &next in graph.get(n).map(|m| m.keys()).into_iter().flatten() {
                if next == start {
                    closed = Some(n);
                    break;
                }
                if !back.contains_key(next) {
                    back.insert(next, n);
                    queue.push_back(next);
                }
            }
            if closed.is_some() {
                break;
            }
        }
        let Some(mut last) = closed else { continue };
        let mut ring = vec![start];
        let mut tail = vec![last];
        while last != start {
            match back.get(last) {
                Some(&p) if p != start => {
                    tail.push(p);
                    last = p;
                }
                _ => break,
            }
        }
        tail.reverse();
        ring.extend(tail.iter().filter(|n| **n != start));
        let mut key = ring.clone();
        key.sort();
        if !seen.insert(key) {
            continue;
        }
        let mut text = format!("a cycle: {start}");
        for (i, from) in ring.iter().enumerate() {
            let to = ring.get(i + 1).copied().unwrap_or(start);
            text.push_str(&format!(" -> {to} ({})", graph[from][to]));
        }
        found.push(text);
    }
    found
}

/// Every `crate::` and `super::` path of a file, absolute from the crate's root, with its
/// line; comments, strings and characters are left out. `module` is the file's module
/// path; `mod name { … }` blocks inside the file are followed for `super::`.
fn paths(text: &str, module: &[String]) -> Vec<(usize, Vec<String>)> {
    let code = code_only(text);
    let tokens = tokens(&code);
    let mut out = Vec::new();
    // The inline modules open at each brace depth.
    let mut inline: Vec<(usize, String)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let (line, t) = &tokens[i];
        match t.as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if inline.last().is_some_and(|(d, _)| *d == depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|(_, t)| t == "{") => {
                inline.push((depth, tokens[i + 1].1.clone()));
            }
            "crate" | "super" if tokens.get(i + 1).is_some_and(|(_, t)| t == "::") => {
                let preceded = i > 0 && matches!(tokens[i - 1].1.as_str(), "::" | "$");
                if !preceded {
                    let mut base: Vec<String> = if t == "crate" {
                        Vec::new()
                    } else {
                        module
                            .iter()
                            .cloned()
                            .chain(inline.iter().map(|(_, m)| m.clone()))
                            .collect()
                    };
                    let mut j = i;
                    if t == "crate" {
                        j += 2;
                    } else {
                        while tokens.get(j).is_some_and(|(_, t)| t == "super")
                            && tokens.get(j + 1).is_some_and(|(_, t)| t == "::")
                        {
                            base.pop();
                            j += 2;
                        }
                    }
                    i = tree(&tokens, j, base, *line, &mut out);
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Reads a path or a use tree from `tokens[i]`, under `base`; pushes each leaf path, and
/// returns where the tree ends.
fn tree(
    tokens: &[(usize, String)],
    mut i: usize,
    mut base: Vec<String>,
    line: usize,
    out: &mut Vec<(usize, Vec<String>)>,
) -> usize {
    loop {
        let Some((l, t)) = tokens.get(i) else {
            out.push((line, base));
            return i;
        };
        if t == "{" {
            i += 1;
            loop {
                match tokens.get(i).map(|(_, t)| t.as_str()) {
                    None => return i,
                    Some("}") => return i + 1,
                    Some(",") => i += 1,
                    Some(_) => {
                        let l = tokens[i].0;
                        let end = tree(tokens, i, base.clone(), l, out);
                        i = end.max(i + 1);
                    }
                }
            }
        }
        if t == "self" {
            i += 1;
        } else if t == "*" {
            out.push((*l, base));
            return i + 1;
        } else if t
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        {
            base.push(t.clone());
            i += 1;
        }
        if tokens.get(i).is_some_and(|(_, t)| t == "::") {
            i += 1;
            continue;
        }
        // `as name`, a call, a type's arguments: the path ends here. Paths to items are
        // cut at the first capital (a type, a trait, a constant), which is in the module.
        let cut = base
            .iter()
            .position(|s| s.starts_with(|c: char| c.is_uppercase()))
            .map(|p| p + 1)
            .unwrap_or(base.len());
        base.truncate(cut);
        out.push((line, base));
        if tokens.get(i).is_some_and(|(_, t)| t == "as") {
            i += 2;
        }
        return i;
    }
}

/// The text with comments, strings and character literals blanked (newlines kept).
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_'))
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            let end: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let rest: String = c[j + 1..].iter().collect();
            let len = rest
                .find(&end)
                .map(|p| rest[..p].chars().count())
                .unwrap_or(rest.chars().count());
            for &ch in &c[i..(j + 1 + len + 1 + hashes).min(c.len())] {
                blank(&mut out, ch);
            }
            i = j + 1 + len + 1 + hashes;
        } else if c[i] == '"' {
            blank(&mut out, c[i]);
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            if i < c.len() {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '\'' {
            // A character ('x', '\n', '\u{e9}') or a lifetime ('a): only the first is blanked.
            let len = if next == Some('\\') {
                c[i + 2..].iter().position(|&ch| ch == '\'').map(|p| p + 3)
            } else if c.get(i + 2) == Some(&'\'') {
                Some(3)
            } else {
                None
            };
            match len {
                Some(n) => {
                    for &ch in &c[i..(i + n).min(c.len())] {
                        blank(&mut out, ch);
                    }
                    i += n;
                }
                None => {
                    out.push(c[i]);
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Words, `::` and single punctuation characters, each with its line.
fn tokens(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let c: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < c.len() {
            if c[i].is_whitespace() {
                i += 1;
            } else if c[i].is_alphanumeric() || c[i] == '_' {
                let start = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                out.push((n + 1, c[start..i].iter().collect()));
            } else if c[i] == ':' && c.get(i + 1) == Some(&':') {
                out.push((n + 1, "::".to_string()));
                i += 2;
            } else {
                out.push((n + 1, c[i].to_string()));
                i += 1;
            }
        }
    }
    out
}

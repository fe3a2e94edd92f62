//! Templates: Tera loaded from the theme then the site's `templates/` (which overrides), the
//! functions and filters themes use, and template errors turned into `file:line` diagnostics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use serde_json::{Map, Value};
use tera::{Context, Tera};

use crate::config::{Config, CONFIG_FILE};
use crate::diagnostics::{suggestion, Diagnostic};
use crate::markdown::ShortcodeRenderer;

/// The templates of a site, and where each came from.
pub struct Templates {
    pub tera: Tera,
    /// Template name → file, relative to the site's root.
    pub files: HashMap<String, PathBuf>,
    sources: HashMap<String, String>,
    /// Shortcode name → its declared arguments (`{# args: a, b #}`), if declared.
    shortcode_args: HashMap<String, Option<Vec<String>>>,
    /// Template name → the HTML parts of listed pages it may show (see `listed_fields`).
    listed: HashMap<String, PageFields>,
}

/// The parts of a page that come from its Markdown (its HTML), as a listing may show them for
/// each listed page. The other fields (title, date, permalink…) are always there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageFields {
    pub content: bool,
    pub summary: bool,
    pub toc: bool,
    /// `word_count` and `reading_time`.
    pub word_count: bool,
    pub assets: bool,
}

impl PageFields {
    pub const ALL: PageFields = PageFields {
        content: true,
        summary: true,
        toc: true,
        word_count: true,
        assets: true,
    };

    /// Whether any part is in both.
    pub fn meets(self, other: PageFields) -> bool {
        (self.content && other.content)
            || (self.summary && other.summary)
            || (self.toc && other.toc)
            || (self.word_count && other.word_count)
            || (self.assets && other.assets)
    }

    pub fn is_empty(self) -> bool {
        !self.meets(PageFields::ALL)
    }

    /// The part a field name stands for, if it is one.
    fn mark(&mut self, field: &str) -> bool {
        match field {
            "content" => self.content = true,
            "summary" => self.summary = true,
            "toc" => self.toc = true,
            "word_count" | "reading_time" => self.word_count = true,
            "assets" => self.assets = true,
            _ => return false,
        }
        true
    }
}

/// What a template (with its parents, includes and imports) reads beyond its own context.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reads {
    /// Other pages' metadata (`get_section`/`get_taxonomy` with pages, `get_page`).
    pub pages_meta: bool,
    /// Other pages' HTML (`get_page`).
    pub pages_body: bool,
}

/// The folders templates are read from, lowest priority first.
pub fn template_dirs(root: &Path, config: &Config) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(theme) = &config.theme {
        dirs.push(root.join("themes").join(theme).join("templates"));
    }
    dirs.push(root.join("templates"));
    dirs
}

impl Templates {
    /// Loads and parses every template, reporting each broken one.
    pub fn load(root: &Path, config: &Config) -> (Option<Templates>, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        if let Some(theme) = &config.theme {
            if !root.join("themes").join(theme).is_dir() {
                let line = std::fs::read_to_string(root.join(CONFIG_FILE))
                    .ok()
                    .and_then(|t| {
                        t.lines()
                            .position(|l| l.trim_start().starts_with("theme"))
                            .map(|i| i + 1)
                    });
                problems.push(Diagnostic::error(
                    CONFIG_FILE,
                    line,
                    format!(
                        "thème « {theme} » introuvable : le dossier themes/{theme}/ n'existe pas"
                    ),
                ));
                return (None, problems);
            }
        }
        let mut found: HashMap<String, (PathBuf, String)> = HashMap::new();
        for dir in template_dirs(root, config) {
            if !dir.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&dir)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
            {
                if !entry.file_type().is_file() {
                    continue;
                }
                let name = entry
                    .path()
                    .strip_prefix(&dir)
                    .unwrap_or(entry.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
                    continue;
                }
                let rel = crate::diagnostics::relative_to(entry.path(), root);
                match std::fs::read_to_string(entry.path()) {
                    Ok(src) => {
                        found.insert(name, (rel, src));
                    }
                    Err(e) => problems.push(Diagnostic::error(
                        rel,
                        None,
                        format!("lecture impossible : {e}"),
                    )),
                }
            }
        }
        let mut files = HashMap::new();
        let mut sources = HashMap::new();
        let mut valid = Vec::new();
        let mut names: Vec<&String> = found.keys().collect();
        names.sort();
        for name in names {
            let (file, src) = &found[name];
            match tera::Template::new(name, None, src) {
                Ok(_) => valid.push((name.clone(), src.clone())),
                Err(e) => {
                    let msg = error_chain(&e);
                    problems.push(Diagnostic::error(
                        file,
                        parse_error_line(&msg),
                        format!("gabarit invalide : {}", parse_error_text(&msg)),
                    ));
                }
            }
            files.insert(name.clone(), file.clone());
            sources.insert(name.clone(), src.clone());
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".htm", ".xml"]);
        // Tera's default also escapes `/`, which only makes URLs heavier.
        tera.set_escape_fn(escape);
        register_filters(&mut tera);
        if let Err(e) = tera.add_raw_templates(valid) {
            let msg = error_chain(&e);
            let (name, line) = locate(&msg, &sources);
            let file = name
                .and_then(|n| files.get(&n).cloned())
                .unwrap_or_else(|| PathBuf::from("templates"));
            problems.push(Diagnostic::error(
                file,
                line,
                format!("gabarit invalide : {}", translate(&msg)),
            ));
            return (None, problems);
        }
        let shortcode_args = sources
            .iter()
            .filter_map(|(name, src)| {
                let short = name.strip_prefix("shortcodes/")?.strip_suffix(".html")?;
                Some((short.to_string(), declared_args(src)))
            })
            .collect();
        let listed = tera
            .templates
            .keys()
            .map(|name| (name.clone(), listed_fields(&tera, name)))
            .collect();
        (
            Some(Templates {
                tera,
                files,
                sources,
                shortcode_args,
                listed,
            }),
            problems,
        )
    }

    /// The HTML parts of listed pages (`section.pages`, `term.pages`, `paginator.pages`) that
    /// template `name` may show: a listing's values carry only those, and a body edit renders
    /// again only the listings that show a part that changed.
    pub fn listed_fields(&self, name: &str) -> PageFields {
        self.listed.get(name).copied().unwrap_or(PageFields::ALL)
    }

    pub fn has(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    /// The first of `names` that exists.
    pub fn first_of<'a>(&self, names: &[&'a str]) -> Option<&'a str> {
        names.iter().copied().find(|n| self.has(n))
    }

    /// Renders a template, turning an error into a diagnostic on the template's file and line.
    pub fn render(&self, name: &str, context: &Context) -> Result<String, Diagnostic> {
        self.tera
            .render(name, context)
            .map_err(|e| self.diagnostic(name, &e))
    }

    /// A Tera error as a diagnostic on the template that caused it.
    pub fn diagnostic(&self, rendering: &str, e: &tera::Error) -> Diagnostic {
        let msg = error_chain(e);
        let (name, line) = locate(&msg, &self.sources);
        let name = name.unwrap_or_else(|| rendering.to_string());
        let file = self
            .files
            .get(&name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(format!("templates/{name}")));
        Diagnostic::error(
            file,
            line,
            format!("erreur de gabarit : {}", translate(&msg)),
        )
    }

    /// What a template reads of the site, following `extends`, `include` and `import`.
    pub fn reads(&self, name: &str) -> Reads {
        let mut seen = std::collections::HashSet::new();
        let mut todo = vec![name.to_string()];
        let mut reads = Reads::default();
        while let Some(n) = todo.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            let Some(src) = self.sources.get(&n) else {
                continue;
            };
            if src.contains("get_page(") {
                reads.pages_meta = true;
                reads.pages_body = true;
            }
            for func in ["get_section(", "get_taxonomy("] {
                for (at, _) in src.match_indices(func) {
                    let call = &src[at..];
                    let call = &call[..call.find(')').unwrap_or(call.len())];
                    let compact: String = call.chars().filter(|c| !c.is_whitespace()).collect();
                    if !compact.contains("metadata_only=true") {
                        reads.pages_meta = true;
                    }
                }
            }
            for key in ["extends", "include", "import"] {
                for (at, _) in src.match_indices(key) {
                    let rest = &src[at + key.len()..];
                    let rest = rest.trim_start();
                    if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
                        if let Some(end) = rest[1..].find(q) {
                            todo.push(rest[1..1 + end].to_string());
                        }
                    }
                }
            }
        }
        reads
    }

    pub fn shortcode_names(&self) -> impl Iterator<Item = &str> {
        self.shortcode_args.keys().map(String::as_str)
    }

    /// Whether the shortcode `name` exists and declares the argument `arg`.
    pub fn shortcode_takes(&self, name: &str, arg: &str) -> bool {
        matches!(self.shortcode_args.get(name), Some(Some(args)) if args.iter().any(|a| a == arg))
    }
}

/// The HTML parts of pages that template `name` may read when it renders a listing, found in
/// its syntax tree, its parents', the templates it includes and the macros it calls: every
/// variable path with one of the parts' names after its first segment (`p.summary`,
/// `page.content`, `section.pages[0].toc`), the section's own (`section.content`…) aside.
/// A page turned whole into text (`json_encode`) or walked key by key (`for k, v in p`) may
/// show every part. It can only say too much, never too little, as long as templates name the
/// fields they read.
fn listed_fields(tera: &Tera, name: &str) -> PageFields {
    use tera::ast::{ExprVal, Node};

    struct Walk<'a> {
        tera: &'a Tera,
        fields: PageFields,
        seen: std::collections::HashSet<String>,
        /// (template, macro) pairs already walked.
        macros: std::collections::HashSet<(String, String)>,
    }

    impl Walk<'_> {
        fn template(&mut self, name: &str) {
            if !self.seen.insert(name.to_string()) {
                return;
            }
            let Ok(t) = self.tera.get_template(name) else {
                return;
            };
            for parent in &t.parents {
                self.template(parent);
            }
            self.nodes(name, &t.ast);
        }

        fn nodes(&mut self, tpl: &str, nodes: &[Node]) {
            for n in nodes {
                self.node(tpl, n);
            }
        }

        fn node(&mut self, tpl: &str, n: &Node) {
            match n {
                Node::VariableBlock(_, e) => self.expr(tpl, e),
                Node::MacroDefinition(..)
                | Node::Super
                | Node::Text(_)
                | Node::Extends(..)
                | Node::ImportMacro(..)
                | Node::Raw(..)
                | Node::Break(_)
                | Node::Continue(_)
                | Node::Comment(..) => {}
                Node::Include(_, names, _) => {
                    for name in names {
                        self.template(name);
                    }
                }
                Node::Set(_, set) => self.expr(tpl, &set.value),
                Node::FilterSection(_, f, _) => {
                    self.call(tpl, &f.filter.name, f.filter.args.values());
                    self.nodes(tpl, &f.body);
                }
                Node::Block(_, b, _) => self.nodes(tpl, &b.body),
                Node::Forloop(_, f, _) => {
                    if f.key.is_some() {
                        let walks_a_page = match &f.container.val {
                            ExprVal::Ident(path) => {
                                !(path.ends_with("taxonomies") || path.ends_with("extra"))
                            }
                            _ => true,
                        };
                        if walks_a_page {
                            self.fields = PageFields::ALL;
                        }
                    }
                    self.expr(tpl, &f.container);
                    self.nodes(tpl, &f.body);
                    if let Some(body) = &f.empty_body {
                        self.nodes(tpl, body);
                    }
                }
                Node::If(i, _) => {
                    for (_, cond, body) in &i.conditions {
                        self.expr(tpl, cond);
                        self.nodes(tpl, body);
                    }
                    if let Some((_, body)) = &i.otherwise {
                        self.nodes(tpl, body);
                    }
                }
            }
        }

        fn call<'e>(
            &mut self,
            tpl: &str,
            name: &str,
            args: impl Iterator<Item = &'e tera::ast::Expr>,
        ) {
            if name == "json_encode" {
                self.fields = PageFields::ALL;
            }
            for a in args {
                self.expr(tpl, a);
            }
        }

        fn expr(&mut self, tpl: &str, e: &tera::ast::Expr) {
            for f in &e.filters {
                self.call(tpl, &f.name, f.args.values());
            }
            self.val(tpl, &e.val);
        }

        fn val(&mut self, tpl: &str, v: &ExprVal) {
            match v {
                ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => {}
                ExprVal::Ident(path) => self.path(path),
                ExprVal::Math(m) => {
                    self.expr(tpl, &m.lhs);
                    self.expr(tpl, &m.rhs);
                }
                ExprVal::Logic(l) => {
                    self.expr(tpl, &l.lhs);
                    self.expr(tpl, &l.rhs);
                }
                ExprVal::Test(t) => {
                    self.path(&t.ident);
                    for a in &t.args {
                        self.expr(tpl, a);
                    }
                }
                ExprVal::MacroCall(m) => {
                    for a in m.args.values() {
                        self.expr(tpl, a);
                    }
                    self.macro_call(tpl, &m.namespace, &m.name);
                }
                ExprVal::FunctionCall(f) => self.call(tpl, &f.name, f.args.values()),
                ExprVal::Array(items) => {
                    for i in items {
                        self.expr(tpl, i);
                    }
                }
                ExprVal::StringConcat(c) => {
                    for v in &c.values {
                        self.val(tpl, v);
                    }
                }
                ExprVal::In(i) => {
                    self.expr(tpl, &i.lhs);
                    self.expr(tpl, &i.rhs);
                }
            }
        }

        /// The macro `namespace::name` called from template `tpl` (or one of its parents).
        fn macro_call(&mut self, tpl: &str, namespace: &str, name: &str) {
            let Ok(t) = self.tera.get_template(tpl) else {
                return;
            };
            let mut files: Vec<String> = Vec::new();
            if namespace == "self" {
                files.push(tpl.to_string());
            }
            for owner in std::iter::once(tpl).chain(t.parents.iter().map(String::as_str)) {
                if let Ok(o) = self.tera.get_template(owner) {
                    files.extend(
                        o.imported_macro_files
                            .iter()
                            .filter(|(_, ns)| ns == namespace)
                            .map(|(file, _)| file.clone()),
                    );
                }
            }
            for file in files {
                if !self.macros.insert((file.clone(), name.to_string())) {
                    continue;
                }
                let Ok(m) = self.tera.get_template(&file) else {
                    continue;
                };
                if let Some(def) = m.macros.get(name) {
                    for default in def.args.values().flatten() {
                        self.expr(&file, default);
                    }
                    self.nodes(&file, &def.body);
                }
            }
        }

        fn path(&mut self, path: &str) {
            let segments: Vec<&str> = path
                .split(['.', '[', ']'])
                .map(|s| s.trim_matches(['"', '\'']))
                .filter(|s| !s.is_empty())
                .collect();
            for (i, seg) in segments.iter().enumerate().skip(1) {
                // The section's own HTML, not its pages'.
                if i == 1 && segments[0] == "section" {
                    continue;
                }
                self.fields.mark(seg);
            }
        }
    }

    let mut walk = Walk {
        tera,
        fields: PageFields::default(),
        seen: std::collections::HashSet::new(),
        macros: std::collections::HashSet::new(),
    };
    walk.template(name);
    walk.fields
}

/// Escapes text for HTML content and attribute values.
fn escape(s: &str) -> String {
    crate::markdown::attr(s).replace('\'', "&#39;")
}

/// The site data the template functions read, updated in place by incremental rebuilds.
pub type SharedData = Arc<RwLock<SiteData>>;

fn read(data: &SharedData) -> RwLockReadGuard<'_, SiteData> {
    data.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers the functions that read the whole site.
pub fn register_site_functions(tera: &mut Tera, data: SharedData) {
    tera.register_function("get_url", GetUrl(data.clone()));
    tera.register_function("get_page", GetPage(data.clone()));
    tera.register_function("get_section", GetSection(data.clone()));
    tera.register_function("get_taxonomy", GetTaxonomy(data.clone()));
    tera.register_function("get_taxonomy_url", GetTaxonomyUrl(data));
}

fn register_filters(tera: &mut Tera) {
    tera.register_filter("date_fr", |v: &Value, _: &HashMap<String, Value>| {
        let s = v
            .as_str()
            .ok_or_else(|| tera::Error::msg("date_fr attend une date (texte AAAA-MM-JJ)"))?;
        crate::dates::parse_date(s)
            .map(|d| Value::String(crate::dates::format_fr(d)))
            .ok_or_else(|| tera::Error::msg(format!("date_fr : date invalide « {s} »")))
    });
    tera.register_filter("markdown", |v: &Value, args: &HashMap<String, Value>| {
        let s = v
            .as_str()
            .ok_or_else(|| tera::Error::msg("markdown attend un texte"))?;
        let inline = args.get("inline").and_then(Value::as_bool).unwrap_or(false);
        Ok(Value::String(crate::markdown::render_plain(s, inline)))
    });
    tera.register_filter("slugify_fr", |v: &Value, _: &HashMap<String, Value>| {
        let s = v
            .as_str()
            .ok_or_else(|| tera::Error::msg("slugify_fr attend un texte"))?;
        Ok(Value::String(crate::slug::slugify(s)))
    });
}

/// A page's HTML parts: its light value plus these make the value templates see.
#[derive(Debug, Clone, Default)]
pub struct PageHtml {
    pub content: String,
    pub summary: Option<String>,
    pub toc: Value,
    pub word_count: usize,
    pub assets: Value,
}

impl PageHtml {
    /// The parts that differ from `other`.
    pub fn differences(&self, other: &PageHtml) -> PageFields {
        PageFields {
            content: self.content != other.content,
            summary: self.summary != other.summary,
            toc: self.toc != other.toc,
            word_count: self.word_count != other.word_count,
            assets: self.assets != other.assets,
        }
    }
}

/// What the site functions and the renders read: each page once (its metadata as a light
/// value, its HTML apart), and listings built when asked, so that a big site is not copied
/// into every section and term.
#[derive(Default)]
pub struct SiteData {
    pub base_url: String,
    /// `guides/cv.md` → permalink (pages and sections).
    pub permalinks: HashMap<String, String>,
    /// Pages without their HTML.
    pub pages_light: HashMap<String, Value>,
    pub pages_html: HashMap<String, PageHtml>,
    /// Sections without their pages.
    pub sections_meta: HashMap<String, Value>,
    /// Each section's pages, in order.
    pub section_pages: HashMap<String, Vec<String>>,
    /// Each taxonomy: `{taxonomy, terms}` with terms without their pages.
    pub taxonomies_meta: HashMap<String, Value>,
    /// Each taxonomy's terms' pages, in the order of `terms`.
    pub term_pages: HashMap<String, Vec<Vec<String>>>,
    /// (taxonomy, term name or slug) → permalink.
    pub term_urls: HashMap<(String, String), String>,
}

impl SiteData {
    /// A page with its HTML, table of contents and word count.
    pub fn full(&self, page: &str) -> Option<Value> {
        self.with_fields(page, PageFields::ALL)
    }

    /// A page with the parts of its HTML in `fields` (a listing needs only those it shows).
    pub fn with_fields(&self, page: &str, fields: PageFields) -> Option<Value> {
        let mut v = self.pages_light.get(page)?.clone();
        if let (Some(h), Value::Object(m)) = (self.pages_html.get(page), &mut v) {
            if fields.content {
                m.insert("content".into(), Value::String(h.content.clone()));
            }
            if fields.summary {
                m.insert(
                    "summary".into(),
                    h.summary.clone().map(Value::String).unwrap_or(Value::Null),
                );
            }
            if fields.toc {
                m.insert("toc".into(), h.toc.clone());
            }
            if fields.word_count {
                m.insert("word_count".into(), Value::from(h.word_count));
                m.insert(
                    "reading_time".into(),
                    Value::from(h.word_count.div_ceil(200).max(1)),
                );
            }
            if fields.assets {
                m.insert("assets".into(), h.assets.clone());
            }
        }
        Some(v)
    }

    fn light_list(&self, pages: &[String]) -> Value {
        Value::Array(
            pages
                .iter()
                .filter_map(|p| self.pages_light.get(p).cloned())
                .collect(),
        )
    }

    /// A section, with its pages (without HTML) unless `metadata_only`.
    pub fn section(&self, key: &str, metadata_only: bool) -> Option<Value> {
        let mut v = self.sections_meta.get(key)?.clone();
        if !metadata_only {
            v["pages"] = self.light_list(
                self.section_pages
                    .get(key)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
            );
        }
        Some(v)
    }

    /// A taxonomy and its terms, each with its pages (without HTML) unless `metadata_only`.
    pub fn taxonomy(&self, kind: &str, metadata_only: bool) -> Option<Value> {
        let mut v = self.taxonomies_meta.get(kind)?.clone();
        if !metadata_only {
            if let (Some(Value::Array(terms)), Some(pages)) =
                (v.get_mut("terms"), self.term_pages.get(kind))
            {
                for (term, pages) in terms.iter_mut().zip(pages) {
                    term["pages"] = self.light_list(pages);
                }
            }
        }
        Some(v)
    }
}

fn arg_str<'a>(args: &'a HashMap<String, Value>, key: &str, func: &str) -> tera::Result<&'a str> {
    args.get(key).and_then(Value::as_str).ok_or_else(|| {
        tera::Error::msg(format!(
            "{func} : l'argument « {key} » (texte) est obligatoire"
        ))
    })
}

fn arg_bool(args: &HashMap<String, Value>, key: &str, default: bool) -> bool {
    args.get(key).and_then(Value::as_bool).unwrap_or(default)
}

struct GetUrl(SharedData);
impl tera::Function for GetUrl {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let d = read(&self.0);
        let path = arg_str(args, "path", "get_url")?;
        if let Some(target) = path.strip_prefix("@/") {
            let (p, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target, None),
            };
            let link = d.permalinks.get(p).ok_or_else(|| {
                tera::Error::msg(format!(
                    "get_url : « @/{p} » n'existe pas{}",
                    suggestion(p, d.permalinks.keys().map(String::as_str))
                ))
            })?;
            return Ok(Value::String(match anchor {
                Some(a) => format!("{link}#{a}"),
                None => link.clone(),
            }));
        }
        if path.starts_with("http://") || path.starts_with("https://") {
            return Ok(Value::String(path.to_string()));
        }
        Ok(Value::String(format!(
            "{}/{}",
            d.base_url,
            path.trim_start_matches('/')
        )))
    }
    fn is_safe(&self) -> bool {
        true
    }
}

struct GetPage(SharedData);
impl tera::Function for GetPage {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let d = read(&self.0);
        let path = arg_str(args, "path", "get_page")?;
        d.full(path).ok_or_else(|| {
            tera::Error::msg(format!(
                "get_page : la page « {path} » n'existe pas{}",
                suggestion(path, d.pages_light.keys().map(String::as_str))
            ))
        })
    }
}

struct GetSection(SharedData);
impl tera::Function for GetSection {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let d = read(&self.0);
        let path = arg_str(args, "path", "get_section")?;
        let found = d.section(path, arg_bool(args, "metadata_only", false));
        if found.is_none() && !arg_bool(args, "required", true) {
            return Ok(Value::Null);
        }
        found.ok_or_else(|| {
            tera::Error::msg(format!(
                "get_section : la section « {path} » n'existe pas{}",
                suggestion(path, d.sections_meta.keys().map(String::as_str))
            ))
        })
    }
}

struct GetTaxonomy(SharedData);
impl tera::Function for GetTaxonomy {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let d = read(&self.0);
        let kind = arg_str(args, "kind", "get_taxonomy")?;
        d.taxonomy(kind, arg_bool(args, "metadata_only", false))
            .ok_or_else(|| {
                tera::Error::msg(format!(
                    "get_taxonomy : la taxonomie « {kind} » n'existe pas{}",
                    suggestion(kind, d.taxonomies_meta.keys().map(String::as_str))
                ))
            })
    }
}

struct GetTaxonomyUrl(SharedData);
impl tera::Function for GetTaxonomyUrl {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let d = read(&self.0);
        let kind = arg_str(args, "kind", "get_taxonomy_url")?;
        let name = arg_str(args, "name", "get_taxonomy_url")?;
        let key = (kind.to_string(), crate::slug::slugify(name));
        match d.term_urls.get(&key) {
            Some(u) => Ok(Value::String(u.clone())),
            None if !arg_bool(args, "required", true) => Ok(Value::String(String::new())),
            None => Err(tera::Error::msg(format!(
                "get_taxonomy_url : aucun contenu n'a le terme « {name} » dans « {kind} »"
            ))),
        }
    }
    fn is_safe(&self) -> bool {
        true
    }
}

/// Renders shortcodes for one page through the site's templates.
pub struct Shortcodes<'a> {
    pub templates: &'a Templates,
    pub page: Value,
    pub config: &'a Value,
}

impl ShortcodeRenderer for Shortcodes<'_> {
    fn render(
        &self,
        name: &str,
        args: &Map<String, Value>,
        body: Option<&str>,
    ) -> Result<String, String> {
        let Some(declared) = self.templates.shortcode_args.get(name) else {
            let known: Vec<&str> = self.templates.shortcode_names().collect();
            let mut sorted = known.clone();
            sorted.sort();
            return Err(format!(
                "shortcode inconnu « {name} » : aucun gabarit shortcodes/{name}.html{} (disponibles : {})",
                suggestion(name, known),
                sorted.join(", ")
            ));
        };
        if let Some(declared) = declared {
            for key in args.keys() {
                if !declared.contains(key) {
                    return Err(format!(
                        "shortcode « {name} » : argument inconnu « {key} »{} (arguments possibles : {})",
                        suggestion(key, declared.iter().map(String::as_str)),
                        declared.join(", ")
                    ));
                }
            }
        }
        let mut ctx = Context::new();
        for (k, v) in args {
            ctx.insert(k.as_str(), v);
        }
        if let Some(b) = body {
            ctx.insert("body", b);
        }
        ctx.insert("page", &self.page);
        ctx.insert("config", self.config);
        let tpl = format!("shortcodes/{name}.html");
        self.templates.tera.render(&tpl, &ctx).map_err(|e| {
            let msg = error_chain(&e);
            if let Some(var) = missing_variable(&msg) {
                if declared
                    .as_ref()
                    .is_some_and(|d| d.iter().any(|a| a == var))
                {
                    return format!("shortcode « {name} » : argument manquant « {var} »");
                }
            }
            format!("shortcode « {name} » : {}", translate(&msg))
        })
    }
}

/// `{# args: a, b #}` on a shortcode template's first line.
fn declared_args(src: &str) -> Option<Vec<String>> {
    let first = src.trim_start().lines().next()?.trim();
    let inner = first.strip_prefix("{#")?.strip_suffix("#}")?.trim();
    let list = inner.strip_prefix("args:")?;
    Some(
        list.split(',')
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
    )
}

/// Every message of an error and its sources, one per line.
pub fn error_chain(e: &tera::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push('\n');
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The useful part of a parse error: pest's `= expected …` line, with the column.
fn parse_error_text(msg: &str) -> String {
    let expected = msg
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("= "))
        .map(str::to_string);
    let column = msg.find("--> ").and_then(|at| {
        let rest = &msg[at + 4..];
        let col: String = rest
            .split_once(':')?
            .1
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        (!col.is_empty()).then_some(col)
    });
    match (expected, column) {
        (Some(e), Some(c)) => format!("{e} (colonne {c})"),
        (Some(e), None) => e,
        _ => msg
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The line of a parse error (`--> 3:5`).
fn parse_error_line(msg: &str) -> Option<usize> {
    let at = msg.find("--> ")?;
    let digits: String = msg[at + 4..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn missing_variable(msg: &str) -> Option<&str> {
    let at = msg.find("Variable `")?;
    let rest = &msg[at + 10..];
    let end = rest.find('`')?;
    Some(&rest[..end])
}

/// The template an error is about (the innermost one named) and the line of what failed in it.
fn locate(msg: &str, sources: &HashMap<String, String>) -> (Option<String>, Option<usize>) {
    let mut name = None;
    for part in msg.split('\'').skip(1).step_by(2) {
        if sources.contains_key(part) {
            name = Some(part.to_string());
        }
    }
    if let Some(l) = parse_error_line(msg) {
        return (name, Some(l));
    }
    let needle = missing_variable(msg).map(str::to_string).or_else(|| {
        // "Function `x` ...", "Filter `x` ...", "Template 'x' not found" → search for x.
        for key in ["Function `", "Filter `", "filter `", "function `"] {
            if let Some(at) = msg.find(key) {
                let rest = &msg[at + key.len()..];
                return rest.find('`').map(|e| rest[..e].to_string());
            }
        }
        None
    });
    let line = match (&name, needle) {
        (Some(n), Some(needle)) => sources
            .get(n)
            .and_then(|src| src.lines().position(|l| l.contains(&needle)).map(|i| i + 1)),
        _ => None,
    };
    (name, line)
}

/// Tera's common messages in French.
fn translate(msg: &str) -> String {
    let lines: Vec<&str> = msg
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let inner = lines.last().copied().unwrap_or("");
    if let Some(var) = missing_variable(inner) {
        return format!("variable « {var} » introuvable");
    }
    if inner.starts_with("Template '") && inner.contains("not found") {
        let name = inner.split('\'').nth(1).unwrap_or("");
        return format!("gabarit « {name} » introuvable");
    }
    if inner.contains("is inheriting from") {
        let parts: Vec<&str> = inner.split('\'').collect();
        if parts.len() >= 4 {
            return format!(
                "le gabarit « {} » hérite de « {} », qui n'existe pas",
                parts[1], parts[3]
            );
        }
    }
    lines
        .iter()
        .filter(|l| !l.starts_with("Failed to render"))
        .copied()
        .collect::<Vec<_>>()
        .join(" : ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_arguments() {
        assert_eq!(
            declared_args("{# args: nom, url #}\n<b>"),
            Some(vec!["nom".to_string(), "url".to_string()])
        );
        assert_eq!(declared_args("<b>"), None);
    }

    /// The parts of listed pages template `name` shows, among `templates`.
    fn check(templates: &[(&str, &str)], name: &str, expected: &str) {
        let mut tera = Tera::default();
        tera.add_raw_templates(templates.to_vec()).unwrap();
        let f = listed_fields(&tera, name);
        let parts = [
            (f.content, "content"),
            (f.summary, "summary"),
            (f.toc, "toc"),
            (f.word_count, "word_count"),
            (f.assets, "assets"),
        ];
        let got: Vec<&str> = parts
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(got.join(","), expected, "{name}: {templates:?}");
    }

    #[test]
    fn listed_page_fields() {
        let liste = "{% for p in section.pages %}{{ p.title }} {{ p.date }}{% endfor %}";
        check(&[("s.html", liste)], "s.html", "");
        // The section's own HTML is not its pages'.
        let own = "{{ section.content | safe }}{{ section.word_count }}";
        check(&[("s.html", own)], "s.html", "");
        check(
            &[("s.html", "{{ section.pages[0].content | safe }}")],
            "s.html",
            "content",
        );
        check(
            &[(
                "s.html",
                "{% for page in term.pages %}{{ page.summary | safe }}{% endfor %}",
            )],
            "s.html",
            "summary",
        );
        check(
            &[(
                "s.html",
                "{% if p.summary is defined %}oui{% endif %}{{ p.reading_time }}",
            )],
            "s.html",
            "summary,word_count",
        );
        // Macros: only those called, through their namespace, and what they call.
        let macros = "{% macro liste(pages) %}{% for p in pages %}{{ p.title }}{{ self::lire(p=p) }}{% endfor %}{% endmacro %}\
{% macro lire(p) %}{{ p.toc | length }}{% endmacro %}\
{% macro corps(p) %}{{ p.content | safe }}{% endmacro %}";
        let section = "{% import \"m.html\" as m %}{{ m::liste(pages=paginator.pages) }}";
        check(&[("m.html", macros), ("s.html", section)], "s.html", "toc");
        let page = "{% import \"m.html\" as m %}{{ m::corps(p=page) }}";
        check(&[("m.html", macros), ("p.html", page)], "p.html", "content");
        // Parents and includes.
        let base = "{% block main %}{{ p.assets }}{% endblock %}";
        let child =
            "{% extends \"base.html\" %}{% block main %}{% include \"i.html\" %}{% endblock %}";
        check(
            &[
                ("base.html", base),
                ("i.html", "{{ x.word_count }}"),
                ("c.html", child),
            ],
            "c.html",
            "word_count,assets",
        );
        // A page taken whole.
        check(
            &[("s.html", "{{ section.pages | json_encode }}")],
            "s.html",
            "content,summary,toc,word_count,assets",
        );
        check(
            &[(
                "s.html",
                "{% for p in term.pages %}{% for k, v in p %}{{ k }}{% endfor %}{% endfor %}",
            )],
            "s.html",
            "content,summary,toc,word_count,assets",
        );
        check(
            &[("s.html", "{% for p in term.pages %}{% for k, v in p.taxonomies %}{{ k }}{% endfor %}{% endfor %}")],
            "s.html",
            "",
        );
    }

    #[test]
    fn parse_error_lines() {
        let err = tera::Template::new("x.html", None, "a\nb\n{{ oops( }}\n").unwrap_err();
        assert_eq!(parse_error_line(&error_chain(&err)), Some(3));
    }
}

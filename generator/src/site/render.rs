//! Rendering in memory: the templated outputs with their contexts (in parallel), the API's
//! pages through the same templates, and the other outputs (404, aliases, feeds, sitemap,
//! robots.txt, static and content files).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;
use serde_json::{json, Map, Value};
use tera::Context;

use super::routes::{pager_route, paginator};
use super::{output_path, OutputId, Site};
use crate::content;
use crate::diagnostics::Diagnostic;
use crate::feeds;
use crate::output::{Content, OutputFile};
use crate::templates::PageFields;

impl Site {
    fn base_context(&self, config: &Value, path: &str) -> Context {
        Context::from_value(Value::Object(self.base_values(config, path)))
            .unwrap_or_else(|_| Context::new())
    }

    /// What every template sees, as the start of a context built without copying its values
    /// again (`Context::insert` serializes what it is given into a new value).
    fn base_values(&self, config: &Value, path: &str) -> Map<String, Value> {
        let mut c = Map::new();
        c.insert("config".into(), config.clone());
        c.insert("current_path".into(), Value::String(path.to_string()));
        c.insert("current_url".into(), Value::String(self.permalink(path)));
        c.insert("live_reload".into(), Value::Bool(self.options.live_reload));
        c
    }

    /// Renders the given outputs in parallel. Outputs whose template is missing are skipped
    /// (the missing template is already a diagnostic).
    pub fn render(&self, ids: &[OutputId]) -> (Vec<OutputFile>, Vec<Diagnostic>) {
        let (Some(tpl), Some(tera)) = (self.templates.as_ref(), self.tera.as_ref()) else {
            return (Vec::new(), Vec::new());
        };
        let config = self.config_value();
        let pages: Vec<&str> = ids
            .iter()
            .filter_map(|id| match id {
                OutputId::Page(k) => Some(k.as_str()),
                _ => None,
            })
            .collect();
        let neighbours = self.neighbours_of(&pages);
        let results: Vec<Result<OutputFile, Diagnostic>> = ids
            .par_iter()
            .filter_map(|id| {
                let name = self.output_template(id)?;
                let route = self.route(id)?;
                let fields = tpl.listed_fields(&name);
                let ctx = self.output_context(id, &route, &config, &neighbours, fields)?;
                let r = tera
                    .render(&name, &ctx)
                    .map_err(|e| tpl.diagnostic(&name, &e));
                Some(r.map(|h| OutputFile::bytes(output_path(&route), h.into_bytes())))
            })
            .collect();
        let mut files = Vec::with_capacity(results.len());
        let mut problems = Vec::new();
        for r in results {
            match r {
                Ok(f) => files.push(f),
                Err(d) => problems.push(d),
            }
        }
        (files, problems)
    }

    /// The context of one output. A listing's pages carry only the parts of their HTML that
    /// its template shows (`fields`); every value is built once and moved into the context.
    fn output_context(
        &self,
        id: &OutputId,
        route: &str,
        config: &Value,
        neighbours: &HashMap<&str, (Option<&str>, Option<&str>)>,
        fields: PageFields,
    ) -> Option<Context> {
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        let listed = |k: &String| data.with_fields(k, fields);
        let mut ctx = self.base_values(config, route);
        match id {
            OutputId::Page(k) => {
                let mut v = data.full(k)?;
                if let Some((lower, higher)) = neighbours.get(k.as_str()) {
                    let nav = |o: &Option<&str>| {
                        o.map(|rel| {
                            let q = &self.library.pages[rel];
                            json!({"title": q.meta.title, "permalink": self.permalink(&q.path)})
                        })
                    };
                    v["lower"] = json!(nav(lower));
                    v["higher"] = json!(nav(higher));
                }
                ctx.insert("page".into(), v);
            }
            OutputId::Section(k, index) => {
                let s = self.library.sections.get(k)?;
                match content::effective_paginate_by(s, &self.config) {
                    Some(by) => {
                        ctx.insert("section".into(), self.section_value(s, Vec::new()));
                        let listing: Vec<Value> = s
                            .pages
                            .iter()
                            .skip((index - 1) * by)
                            .take(by)
                            .filter_map(listed)
                            .collect();
                        let total = self.section_pagers(s);
                        let pager_path = |i: usize| pager_route(&s.path, &s.meta.paginate_path, i);
                        ctx.insert(
                            "paginator".into(),
                            paginator(self, by, *index, total, s.pages.len(), &pager_path, listing),
                        );
                    }
                    None => {
                        let listing: Vec<Value> = s.pages.iter().filter_map(listed).collect();
                        ctx.insert("section".into(), self.section_value(s, listing));
                    }
                }
            }
            OutputId::TaxonomyList(ti) => {
                let t = self.taxonomies.get(*ti)?;
                ctx.insert("taxonomy".into(), self.taxonomy_value(t));
                // Terms without their pages: a page count is what a list of terms shows, and
                // every page of the site in one context is what makes big sites heavy.
                let terms = data.taxonomies_meta.get(&t.config.name)?.get("terms")?;
                ctx.insert("terms".into(), terms.clone());
            }
            OutputId::Term(ti, slug, index) => {
                let t = self.taxonomies.get(*ti)?;
                let term = t.terms.iter().find(|x| &x.slug == slug)?;
                ctx.insert("taxonomy".into(), self.taxonomy_value(t));
                match t.config.paginate_by {
                    Some(by) => {
                        ctx.insert("term".into(), self.term_value(t, term, Some(Vec::new())));
                        let listing: Vec<Value> = term
                            .pages
                            .iter()
                            .skip((index - 1) * by)
                            .take(by)
                            .filter_map(listed)
                            .collect();
                        let base_path = format!("/{}/{}/", t.slug, term.slug);
                        let pager_path = |i: usize| pager_route(&base_path, "page", i);
                        let total = Self::term_pagers(t, term);
                        ctx.insert(
                            "paginator".into(),
                            paginator(
                                self,
                                by,
                                *index,
                                total,
                                term.pages.len(),
                                &pager_path,
                                listing,
                            ),
                        );
                    }
                    None => {
                        let listing: Vec<Value> = term.pages.iter().filter_map(listed).collect();
                        ctx.insert("term".into(), self.term_value(t, term, Some(listing)));
                    }
                }
            }
        }
        Context::from_value(Value::Object(ctx)).ok()
    }

    /// Renders a template of the theme for a page the site does not build itself (the API's
    /// pages), with the same `config`, `current_path` and site functions as built pages, plus
    /// `vars`.
    pub fn render_template(
        &self,
        name: &str,
        path: &str,
        vars: &Map<String, Value>,
    ) -> Result<String, Diagnostic> {
        let (Some(tpl), Some(tera)) = (self.templates.as_ref(), self.tera.as_ref()) else {
            return Err(Diagnostic::error(
                "templates",
                None,
                "les gabarits du site n'ont pas pu être chargés",
            ));
        };
        let mut ctx = self.base_context(&self.config_value(), path);
        for (k, v) in vars {
            ctx.insert(k.as_str(), v);
        }
        tera.render(name, &ctx)
            .map_err(|e| tpl.diagnostic(name, &e))
    }

    /// The outputs that are not templated pages: 404, aliases, feeds, sitemap, robots.txt,
    /// static files and content files. `rendered` are the templated outputs, to find clashes.
    pub fn extras(&self, rendered: &[OutputFile]) -> (Vec<OutputFile>, Vec<Diagnostic>) {
        let mut files = Vec::new();
        let mut problems = Vec::new();
        let config = self.config_value();
        match (&self.templates, &self.tera) {
            (Some(tpl), Some(tera)) if tpl.has("404.html") => {
                match tera.render("404.html", &self.base_context(&config, "/404.html")) {
                    Ok(h) => files.push(OutputFile::bytes("404.html".to_string(), h.into_bytes())),
                    Err(e) => problems.push(tpl.diagnostic("404.html", &e)),
                }
            }
            _ => files.push(OutputFile::bytes(
                "404.html".to_string(),
                feeds::plain_404(&self.config).into_bytes(),
            )),
        }
        // The glossary's page, when the theme shows one and no page of the site takes its place.
        let glossary_out = output_path(crate::editorial::glossary::GLOSSARY_PATH);
        if let (Some(tpl), Some(tera), Some(_)) = (&self.templates, &self.tera, self.glossary_url())
        {
            if !rendered.iter().any(|f| f.path == glossary_out) {
                let mut ctx = self.base_context(&config, crate::editorial::glossary::GLOSSARY_PATH);
                ctx.insert("glossaire", &self.glossary.entries);
                let name = crate::editorial::glossary::GLOSSARY_TEMPLATE;
                match tera.render(name, &ctx) {
                    Ok(h) => files.push(OutputFile::bytes(glossary_out, h.into_bytes())),
                    Err(e) => problems.push(tpl.diagnostic(name, &e)),
                }
            }
        }
        for (aliases, path) in self
            .library
            .pages
            .values()
            .map(|p| (&p.meta.aliases, &p.path))
            .chain(
                self.library
                    .sections
                    .values()
                    .map(|s| (&s.meta.aliases, &s.path)),
            )
        {
            for a in aliases {
                let route = content::normalize_path(a);
                files.push(OutputFile::bytes(
                    output_path(&route),
                    feeds::redirect(&self.permalink(path)).into_bytes(),
                ));
            }
        }
        files.extend(feeds::feeds(self, None));
        files.push(OutputFile::bytes(
            "sitemap.xml".to_string(),
            feeds::sitemap(self).into_bytes(),
        ));

        // Static files (theme, then site, which wins) and content files.
        let mut statics: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut static_dirs = Vec::new();
        if let Some(theme) = &self.config.theme {
            static_dirs.push(self.root.join("themes").join(theme).join("static"));
        }
        static_dirs.push(self.root.join("static"));
        for dir in static_dirs {
            if !dir.is_dir() {
                continue;
            }
            for e in walkdir::WalkDir::new(&dir)
                .into_iter()
                .filter_map(Result::ok)
            {
                if e.file_type().is_file() {
                    let rel = e
                        .path()
                        .strip_prefix(&dir)
                        .unwrap_or(e.path())
                        .to_string_lossy()
                        .replace('\\', "/");
                    statics.insert(rel, e.path().to_path_buf());
                }
            }
        }
        if !statics.contains_key("robots.txt") {
            files.push(OutputFile::bytes(
                "robots.txt".to_string(),
                format!(
                    "User-agent: *\nAllow: /\nSitemap: {}/sitemap.xml\n",
                    self.config.base()
                )
                .into_bytes(),
            ));
        }
        let content_dir = self.root.join(content::CONTENT_DIR);
        let generated: HashSet<&str> = files
            .iter()
            .chain(rendered)
            .map(|f| f.path.as_str())
            .collect();
        let mut copies = Vec::new();
        for (rel, src) in statics {
            if generated.contains(rel.as_str()) {
                problems.push(Diagnostic::error(
                    crate::diagnostics::relative_to(&src, &self.root),
                    None,
                    format!("chemin de sortie en double : /{rel} est aussi une page générée"),
                ));
                continue;
            }
            copies.push(OutputFile {
                path: rel,
                content: Content::Copy(src),
            });
        }
        for (src, out) in &self.library.files {
            copies.push(OutputFile {
                path: out.clone(),
                content: Content::Copy(content_dir.join(src)),
            });
        }
        files.extend(copies);
        (files, problems)
    }

    /// The Atom feeds that carry one of `pages` (after a change of page bodies, the other
    /// extras stay as they were).
    pub fn feed_files(&self, pages: &[String]) -> Vec<OutputFile> {
        feeds::feeds(self, Some(pages))
    }
}

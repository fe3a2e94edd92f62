//! Reading the site into a `Site`: the templates with the site functions bound, the map of
//! `@/` link targets, and the Markdown of pages and sections rendered in parallel.

use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::json;

use super::Site;
use crate::markdown::{self, LinkTarget, Rendered};
use crate::templates::{self, Templates};

impl Site {
    pub(super) fn load_templates(&mut self) {
        let (templates, problems) = Templates::load(&self.root, &self.config);
        self.template_problems = problems;
        self.tera = templates.as_ref().map(|t| {
            let mut tera = t.tera.clone();
            templates::register_site_functions(&mut tera, self.data.clone());
            tera
        });
        self.templates = templates;
    }

    /// Rebuilds the map of `@/` link targets from the library.
    pub(super) fn rebuild_link_targets(&mut self) {
        let mut targets: HashMap<String, LinkTarget> = HashMap::new();
        for p in self.library.pages.values() {
            targets.insert(
                p.relative_path.clone(),
                LinkTarget {
                    permalink: self.permalink(&p.path),
                    draft: false,
                },
            );
        }
        for s in self.library.sections.values().filter(|s| s.exists) {
            targets.insert(
                s.relative_path.clone(),
                LinkTarget {
                    permalink: self.permalink(&s.path),
                    draft: false,
                },
            );
        }
        for d in &self.library.drafts {
            targets.entry(d.clone()).or_insert(LinkTarget {
                permalink: String::new(),
                draft: true,
            });
        }
        self.link_targets = targets;
    }

    /// Renders the Markdown of the given pages (all pages and sections when `None`).
    pub(super) fn render_markdown(&mut self, pages: Option<&[String]>) {
        let targets = &self.link_targets;
        let config_value = self.config_value();
        let base = self.config.base().to_string();
        let templates = self.templates.as_ref();
        let glossary_url = self.glossary_url();
        let glossary = (!self.glossary.is_empty()).then_some(&self.glossary);
        let render_one = |rel: &str, path: &str, title: &str, body: &str, first_line: usize| {
            let permalink = self.permalink(path);
            let page_ref =
                json!({"title": title, "path": path, "permalink": permalink, "relative_path": rel});
            let shortcodes = templates.map(|t| templates::Shortcodes {
                templates: t,
                page: page_ref,
                config: &config_value,
            });
            let ctx = markdown::Context {
                targets,
                base_url: &base,
                permalink: &permalink,
                shortcodes: shortcodes
                    .as_ref()
                    .map(|s| s as &dyn markdown::ShortcodeRenderer),
                raw_html: self.config.raw_html_allowed(rel),
                glossary,
                glossary_url: glossary_url.as_deref(),
            };
            markdown::render(body, first_line, &ctx)
        };
        let keys: Vec<&String> = match pages {
            Some(list) => list
                .iter()
                .filter(|k| self.library.pages.contains_key(*k))
                .collect(),
            None => self.library.pages.keys().collect(),
        };
        let rendered: Vec<(String, Rendered)> = keys
            .par_iter()
            .map(|k| {
                let p = &self.library.pages[*k];
                (
                    (*k).clone(),
                    render_one(k, &p.path, p.title(), &p.body, p.body_line),
                )
            })
            .collect();
        let sections: Option<Vec<(String, Rendered)>> = pages.is_none().then(|| {
            self.library
                .sections
                .par_iter()
                .map(|(k, s)| {
                    (
                        k.clone(),
                        render_one(k, &s.path, s.title(), &s.body, s.body_line),
                    )
                })
                .collect()
        });
        self.pages_html.extend(rendered);
        if let Some(sections) = sections {
            self.sections_html = sections.into_iter().collect();
        }
        if pages.is_none() || self.pages_html.len() != self.library.pages.len() {
            let lib = &self.library;
            self.pages_html.retain(|k, _| lib.pages.contains_key(k));
        }
    }
}

//! The site's templated outputs: which there are, the route and file of each, the template
//! that renders it, pagination, and each page's neighbours in its section.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::{Site, Taxonomy, Term};
use crate::content::{self, Page, Section};

/// One templated output of the site.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputId {
    Page(String),
    /// A section's listing page (from 1).
    Section(String, usize),
    /// The list of a taxonomy's terms (index in `Site::taxonomies`).
    TaxonomyList(usize),
    /// A term's listing page: taxonomy index, term slug, page (from 1).
    Term(usize, String, usize),
}

impl Site {
    /// Every templated output of the site.
    pub fn all_outputs(&self) -> Vec<OutputId> {
        let mut ids: Vec<OutputId> = self
            .library
            .pages
            .keys()
            .map(|k| OutputId::Page(k.clone()))
            .collect();
        for s in self.library.sections.values() {
            for i in 1..=self.section_pagers(s) {
                ids.push(OutputId::Section(s.relative_path.clone(), i));
            }
        }
        for (ti, t) in self.taxonomies.iter().enumerate() {
            ids.push(OutputId::TaxonomyList(ti));
            for term in &t.terms {
                for i in 1..=Self::term_pagers(t, term) {
                    ids.push(OutputId::Term(ti, term.slug.clone(), i));
                }
            }
        }
        ids
    }

    pub(super) fn section_pagers(&self, s: &Section) -> usize {
        match content::effective_paginate_by(s, &self.config) {
            Some(by) => s.pages.len().div_ceil(by).max(1),
            None => 1,
        }
    }

    pub(super) fn term_pagers(t: &Taxonomy, term: &Term) -> usize {
        t.config
            .paginate_by
            .map(|by| term.pages.len().div_ceil(by).max(1))
            .unwrap_or(1)
    }

    /// The route of an output (`/guides/`, `/guides/page/2/`).
    pub fn route(&self, id: &OutputId) -> Option<String> {
        Some(match id {
            OutputId::Page(k) => self.library.pages.get(k)?.path.clone(),
            OutputId::Section(k, i) => {
                let s = self.library.sections.get(k)?;
                pager_route(&s.path, &s.meta.paginate_path, *i)
            }
            OutputId::TaxonomyList(ti) => format!("/{}/", self.taxonomies.get(*ti)?.slug),
            OutputId::Term(ti, slug, i) => {
                let t = self.taxonomies.get(*ti)?;
                pager_route(&format!("/{}/{slug}/", t.slug), "page", *i)
            }
        })
    }

    pub(super) fn page_template(&self, p: &Page) -> String {
        p.meta
            .template
            .clone()
            .or_else(|| {
                self.library
                    .sections
                    .get(&p.parent)
                    .and_then(|s| s.meta.page_template.clone())
            })
            .unwrap_or_else(|| "page.html".to_string())
    }

    pub(super) fn section_template(&self, s: &Section) -> String {
        s.meta.template.clone().unwrap_or_else(|| {
            if s.relative_path == "_index.md" {
                "index.html"
            } else {
                "section.html"
            }
            .to_string()
        })
    }

    pub(super) fn taxonomy_templates(t: &Taxonomy) -> ([String; 2], [String; 2]) {
        (
            [
                format!("{}/list.html", t.config.name),
                "taxonomy_list.html".to_string(),
            ],
            [
                format!("{}/single.html", t.config.name),
                "taxonomy_single.html".to_string(),
            ],
        )
    }

    /// The template that renders an output, if it exists.
    pub(super) fn output_template(&self, id: &OutputId) -> Option<String> {
        let tpl = self.templates.as_ref()?;
        let name = match id {
            OutputId::Page(k) => self.page_template(self.library.pages.get(k)?),
            OutputId::Section(k, _) => self.section_template(self.library.sections.get(k)?),
            OutputId::TaxonomyList(i) => {
                let names = Self::taxonomy_templates(self.taxonomies.get(*i)?).0;
                names.iter().find(|n| tpl.has(n))?.clone()
            }
            OutputId::Term(i, _, _) => {
                let names = Self::taxonomy_templates(self.taxonomies.get(*i)?).1;
                names.iter().find(|n| tpl.has(n))?.clone()
            }
        };
        tpl.has(&name).then_some(name)
    }

    /// The previous and next page of each of `pages` in its section's order (every page's when
    /// there are many: one pass over the sections then costs less than a search per page).
    pub(super) fn neighbours_of<'a>(
        &'a self,
        pages: &[&str],
    ) -> HashMap<&'a str, (Option<&'a str>, Option<&'a str>)> {
        if pages.len() > 64 {
            return self.neighbours();
        }
        let mut out = HashMap::new();
        for k in pages {
            let Some((key, p)) = self.library.pages.get_key_value(*k) else {
                continue;
            };
            let Some(s) = self.library.sections.get(&p.parent) else {
                continue;
            };
            if let Some(i) = s.pages.iter().position(|x| x == k) {
                let lower = i.checked_sub(1).map(|j| s.pages[j].as_str());
                let higher = s.pages.get(i + 1).map(String::as_str);
                out.insert(key.as_str(), (lower, higher));
            }
        }
        out
    }

    /// Each page's previous and next page in its section's order.
    pub(super) fn neighbours(&self) -> HashMap<&str, (Option<&str>, Option<&str>)> {
        let mut out = HashMap::new();
        for s in self.library.sections.values() {
            for (i, p) in s.pages.iter().enumerate() {
                let lower = i.checked_sub(1).map(|j| s.pages[j].as_str());
                let higher = s.pages.get(i + 1).map(String::as_str);
                out.insert(p.as_str(), (lower, higher));
            }
        }
        out
    }
}

pub(super) fn paginator(
    site: &Site,
    by: usize,
    index: usize,
    total: usize,
    items: usize,
    pager_path: &dyn Fn(usize) -> String,
    pages: Vec<Value>,
) -> Value {
    let mut v = json!({
        "paginate_by": by,
        "current_index": index,
        "number_pagers": total,
        "total_pages": items,
        "first": site.permalink(&pager_path(1)),
        "last": site.permalink(&pager_path(total)),
        "previous": (index > 1).then(|| site.permalink(&pager_path(index - 1))),
        "next": (index < total).then(|| site.permalink(&pager_path(index + 1))),
    });
    // Moved in, not through `json!`, which would copy every page.
    v["pages"] = Value::Array(pages);
    v
}

/// The route of page `i` of a listing: the listing itself for the first.
pub(super) fn pager_route(base: &str, paginate_path: &str, i: usize) -> String {
    if i == 1 {
        base.to_string()
    } else {
        format!("{base}{paginate_path}/{i}/")
    }
}

/// The file a route is written to: `/guides/cv/` → `guides/cv/index.html`.
pub fn output_path(route: &str) -> String {
    let r = route.trim_start_matches('/');
    if r.is_empty() {
        "index.html".to_string()
    } else if r.ends_with('/') {
        format!("{r}index.html")
    } else {
        r.to_string()
    }
}

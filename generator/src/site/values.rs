//! What templates see: the values of pages, sections, taxonomies, terms and `config`, and the
//! shared data the site functions read (`get_page`, `get_section`…), kept up to date.

use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::{json, Map, Value};

use super::{Site, Taxonomy, Term};
use crate::content::{self, Page, Section};
use crate::templates::PageHtml;

impl Site {
    pub(super) fn config_value(&self) -> Value {
        json!({
            "title": self.config.title,
            "description": self.config.description,
            "base_url": self.config.base(),
            "language": self.config.language,
            "taxonomies": self.config.taxonomies,
            "extra": self.config.extra,
        })
    }

    /// A page as templates see it, without its HTML (see `templates::PageHtml`).
    fn page_value(&self, p: &Page) -> Value {
        let mut m = Map::new();
        m.insert("relative_path".into(), json!(p.relative_path));
        m.insert("title".into(), json!(p.meta.title));
        m.insert("description".into(), json!(p.meta.description));
        m.insert("date".into(), json!(p.meta.date.map(|d| d.to_string())));
        m.insert(
            "updated".into(),
            json!(p.meta.updated.map(|d| d.to_string())),
        );
        m.insert("draft".into(), json!(p.meta.draft));
        m.insert("weight".into(), json!(p.meta.weight));
        m.insert("slug".into(), json!(p.slug));
        m.insert("path".into(), json!(p.path));
        m.insert("permalink".into(), json!(self.permalink(&p.path)));
        m.insert("taxonomies".into(), json!(p.meta.taxonomies));
        m.insert("extra".into(), json!(p.meta.extra));
        m.insert("authors".into(), json!(p.meta.authors));
        m.insert(
            "components".into(),
            json!(p.path.trim_matches('/').split('/').collect::<Vec<_>>()),
        );
        m.insert(
            "ancestors".into(),
            json!(self.library.ancestors(Some(&p.parent))),
        );
        m.insert("in_search_index".into(), json!(p.meta.in_search_index));
        Value::Object(m)
    }

    /// Moves a page's freshly rendered HTML out of its `Rendered` into the shared data.
    fn take_html(&mut self, rel: &str) -> Option<PageHtml> {
        let p = self.library.pages.get(rel)?;
        let assets: Vec<String> = p
            .assets
            .iter()
            .map(|a| self.config.permalink(&format!("{}{a}", p.path)))
            .collect();
        let r = self.pages_html.get_mut(rel)?;
        Some(PageHtml {
            content: std::mem::take(&mut r.html),
            summary: r.summary.take(),
            toc: json!(std::mem::take(&mut r.toc)),
            word_count: r.word_count,
            assets: json!(assets),
        })
    }

    /// A page's HTML and summary, for feeds.
    pub fn page_content(&self, rel: &str) -> Option<(String, Option<String>)> {
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        data.pages_html
            .get(rel)
            .map(|h| (h.content.clone(), h.summary.clone()))
    }

    pub(super) fn section_value(&self, s: &Section, pages: Vec<Value>) -> Value {
        let (html, toc, words) = match self.sections_html.get(&s.relative_path) {
            Some(r) => (r.html.as_str(), json!(r.toc), r.word_count),
            None => ("", json!([]), 0),
        };
        let mut v = json!({
            "relative_path": s.relative_path,
            "title": s.meta.title,
            "description": s.meta.description,
            "path": s.path,
            "permalink": self.permalink(&s.path),
            "content": html,
            "toc": toc,
            "word_count": words,
            "extra": s.meta.extra,
            "ancestors": self.library.ancestors(s.parent.as_deref()),
            "components": s.path.trim_matches('/').split('/').filter(|c| !c.is_empty()).collect::<Vec<_>>(),
            "subsections": s.subsections,
            "sort_by": content::effective_sort(s, &self.config),
            "paginate_by": content::effective_paginate_by(s, &self.config),
        });
        // Moved in, not through `json!`, which would copy every page.
        v["pages"] = Value::Array(pages);
        v
    }

    pub(super) fn term_value(&self, t: &Taxonomy, term: &Term, pages: Option<Vec<Value>>) -> Value {
        let mut v = json!({
            "name": term.name,
            "slug": term.slug,
            "permalink": self.permalink(&format!("/{}/{}/", t.slug, term.slug)),
            "page_count": term.pages.len(),
        });
        if let Some(p) = pages {
            v["pages"] = Value::Array(p);
        }
        v
    }

    pub(super) fn taxonomy_value(&self, t: &Taxonomy) -> Value {
        json!({
            "name": t.config.name,
            "slug": t.slug,
            "permalink": self.permalink(&format!("/{}/", t.slug)),
            "paginate_by": t.config.paginate_by,
        })
    }

    /// Updates the HTML of pages whose body alone changed.
    pub(super) fn refresh_page_values(&mut self, pages: &[String]) {
        let parts: Vec<(String, PageHtml)> = pages
            .iter()
            .filter_map(|k| self.take_html(k).map(|h| (k.clone(), h)))
            .collect();
        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        data.pages_html.extend(parts);
    }

    /// Brings the shared data up to date: the given pages' values and HTML (all when `None`:
    /// their Markdown was just rendered), and every section and taxonomy.
    pub(super) fn refresh_data(&mut self, pages: Option<&[String]>) {
        let keys: Vec<String> = match pages {
            Some(list) => list
                .iter()
                .filter(|k| self.library.pages.contains_key(*k))
                .cloned()
                .collect(),
            None => self.library.pages.keys().cloned().collect(),
        };
        let lights: Vec<Value> = keys
            .par_iter()
            .map(|k| self.page_value(&self.library.pages[k]))
            .collect();
        let parts: Vec<Option<PageHtml>> = keys.iter().map(|k| self.take_html(k)).collect();
        let sections: Vec<(String, Value, Vec<String>)> = self
            .library
            .sections
            .iter()
            .map(|(k, s)| {
                (
                    k.clone(),
                    self.section_value(s, Vec::new()),
                    s.pages.clone(),
                )
            })
            .collect();
        let taxonomies: Vec<(String, Value, Vec<Vec<String>>)> = self
            .taxonomies
            .iter()
            .map(|t| {
                let terms: Vec<Value> = t
                    .terms
                    .iter()
                    .map(|term| self.term_value(t, term, None))
                    .collect();
                (
                    t.config.name.clone(),
                    json!({"taxonomy": self.taxonomy_value(t), "terms": terms}),
                    t.terms.iter().map(|term| term.pages.clone()).collect(),
                )
            })
            .collect();
        let permalinks: HashMap<String, String> = self
            .library
            .pages
            .iter()
            .map(|(k, p)| (k.clone(), self.permalink(&p.path)))
            .chain(
                self.library
                    .sections
                    .iter()
                    .map(|(k, s)| (k.clone(), self.permalink(&s.path))),
            )
            .collect();
        let term_urls: HashMap<(String, String), String> = self
            .taxonomies
            .iter()
            .flat_map(|t| {
                t.terms.iter().map(move |term| {
                    (
                        (t.config.name.clone(), term.slug.clone()),
                        format!("/{}/{}/", t.slug, term.slug),
                    )
                })
            })
            .map(|(k, path)| (k, self.permalink(&path)))
            .collect();

        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        if pages.is_none() {
            data.pages_light.clear();
            data.pages_html.clear();
        }
        data.base_url = self.config.base().to_string();
        for ((k, light), html) in keys.into_iter().zip(lights).zip(parts) {
            if let Some(h) = html {
                data.pages_html.insert(k.clone(), h);
            }
            data.pages_light.insert(k, light);
        }
        let lib = &self.library;
        data.pages_light.retain(|k, _| lib.pages.contains_key(k));
        data.pages_html.retain(|k, _| lib.pages.contains_key(k));
        data.permalinks = permalinks;
        data.sections_meta.clear();
        data.section_pages.clear();
        for (k, meta, list) in sections {
            data.sections_meta.insert(k.clone(), meta);
            data.section_pages.insert(k, list);
        }
        data.taxonomies_meta.clear();
        data.term_pages.clear();
        for (name, meta, pages) in taxonomies {
            data.taxonomies_meta.insert(name.clone(), meta);
            data.term_pages.insert(name, pages);
        }
        data.term_urls = term_urls;
    }
}

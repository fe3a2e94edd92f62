//! Taxonomies and their terms, gathered from the pages' front matter.

use std::collections::BTreeMap;

use super::Site;
use crate::config::TaxonomyConfig;
use crate::content;
use crate::slug::slugify;

/// A taxonomy and its terms, as found in the pages.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub config: TaxonomyConfig,
    pub slug: String,
    pub terms: Vec<Term>,
}

/// One term and its pages (newest first, then by title).
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub name: String,
    pub slug: String,
    pub pages: Vec<String>,
}

impl Site {
    pub(super) fn build_taxonomies(&mut self) {
        let mut taxonomies = Vec::new();
        for tc in &self.config.taxonomies {
            let mut terms: BTreeMap<String, Term> = BTreeMap::new();
            for (rel, p) in &self.library.pages {
                let Some(names) = p.meta.taxonomies.get(&tc.name) else {
                    continue;
                };
                for name in names {
                    let slug = slugify(name);
                    if slug.is_empty() {
                        continue;
                    }
                    let term = terms.entry(slug.clone()).or_insert_with(|| Term {
                        name: name.clone(),
                        slug,
                        pages: Vec::new(),
                    });
                    if !term.pages.contains(rel) {
                        term.pages.push(rel.clone());
                    }
                }
            }
            let mut terms: Vec<Term> = terms.into_values().collect();
            let pages = &self.library.pages;
            for t in &mut terms {
                t.pages.sort_by_cached_key(|k| {
                    let p = &pages[k];
                    (
                        std::cmp::Reverse(p.meta.date),
                        content::title_key(p.title()),
                    )
                });
            }
            terms.sort_by_cached_key(|t| content::title_key(&t.name));
            taxonomies.push(Taxonomy {
                slug: slugify(&tc.name),
                config: tc.clone(),
                terms,
            });
        }
        self.taxonomies = taxonomies;
    }
}

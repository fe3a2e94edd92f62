//! The site's problems: every diagnostic known, and the site-wide checks that no single file
//! shows (anchors of links, templates that exist, routes that collide, sourced facts).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{output_path, Site};
use crate::content;
use crate::diagnostics::{suggestion, Diagnostic, Diagnostics};
use crate::sources;

impl Site {
    /// Every problem known now: content, Markdown, templates and site-wide checks.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut d = Diagnostics::new();
        d.extend(self.raw.problems.values().flatten().cloned());
        d.extend(self.raw.other_problems.iter().cloned());
        d.extend(self.template_problems.iter().cloned());
        d.extend(self.glossary_problems.iter().cloned());
        for (k, r) in self
            .pages_html
            .iter()
            .filter(|(_, r)| !r.problems.is_empty())
        {
            if let Some(p) = self.library.pages.get(k) {
                d.extend(
                    r.problems
                        .iter()
                        .map(|(line, msg)| Diagnostic::error(&p.file, Some(*line), msg.clone())),
                );
            }
        }
        for (k, r) in &self.sections_html {
            if let Some(s) = self.library.sections.get(k) {
                d.extend(
                    r.problems
                        .iter()
                        .map(|(line, msg)| Diagnostic::error(&s.file, Some(*line), msg.clone())),
                );
            }
        }
        d.extend(self.check_problems.iter().cloned());
        d.extend(self.anchor_problems.values().flatten().cloned());
        d
    }

    /// Site-wide checks: anchors, templates that exist, routes that collide.
    pub(super) fn run_checks(&mut self) {
        let mut problems = Vec::new();
        self.check_templates_exist(&mut problems);
        self.check_duplicate_routes(&mut problems);
        self.check_sources(&mut problems);
        self.check_problems = problems;
        self.check_anchors();
    }

    /// The anchor problems of the links of one page or section.
    fn anchor_problems_of(&self, source: &str) -> Vec<Diagnostic> {
        let (file, r) = match (self.library.pages.get(source), self.pages_html.get(source)) {
            (Some(p), Some(r)) => (&p.file, r),
            _ => match (
                self.library.sections.get(source),
                self.sections_html.get(source),
            ) {
                (Some(s), Some(r)) => (&s.file, r),
                _ => return Vec::new(),
            },
        };
        let anchors_of = |rel: &str| {
            self.pages_html
                .get(rel)
                .or_else(|| self.sections_html.get(rel))
                .map(|r| &r.anchors)
        };
        let mut problems = Vec::new();
        for link in &r.links {
            let Some(anchor) = &link.anchor else { continue };
            let Some(anchors) = anchors_of(&link.target) else {
                continue;
            };
            if !anchors.contains(anchor) {
                problems.push(Diagnostic::error(
                    file,
                    Some(link.line),
                    format!(
                        "ancre introuvable : « @/{}#{anchor} » ne correspond à aucun titre de cette page{}",
                        link.target,
                        suggestion(anchor, anchors.iter().map(String::as_str))
                    ),
                ));
            }
        }
        problems
    }

    /// Checks every link to an anchor.
    fn check_anchors(&mut self) {
        let mut links_to: HashMap<String, HashSet<String>> = HashMap::new();
        for (k, r) in self.pages_html.iter().chain(self.sections_html.iter()) {
            for link in r.links.iter().filter(|l| l.anchor.is_some()) {
                links_to
                    .entry(link.target.clone())
                    .or_default()
                    .insert(k.clone());
            }
        }
        let sources: Vec<String> = self
            .pages_html
            .keys()
            .chain(self.sections_html.keys())
            .cloned()
            .collect();
        self.anchor_problems = sources
            .into_iter()
            .map(|k| (k.clone(), self.anchor_problems_of(&k)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        self.anchor_links_to = links_to;
    }

    /// Checks again the links of the changed pages and the links to them.
    pub(super) fn recheck_anchors(&mut self, changed: &[String]) {
        let mut sources: HashSet<String> = changed.iter().cloned().collect();
        for c in changed {
            if let Some(from) = self.anchor_links_to.get(c) {
                sources.extend(from.iter().cloned());
            }
            if let Some(r) = self.pages_html.get(c) {
                for link in r.links.iter().filter(|l| l.anchor.is_some()) {
                    self.anchor_links_to
                        .entry(link.target.clone())
                        .or_default()
                        .insert(c.clone());
                }
            }
        }
        for k in sources {
            let problems = self.anchor_problems_of(&k);
            if problems.is_empty() {
                self.anchor_problems.remove(&k);
            } else {
                self.anchor_problems.insert(k, problems);
            }
        }
    }

    fn check_templates_exist(&self, problems: &mut Vec<Diagnostic>) {
        let Some(tpl) = &self.templates else { return };
        let known: Vec<&str> = tpl.files.keys().map(String::as_str).collect();
        let missing = |name: &str| {
            format!(
                "gabarit « {name} » introuvable dans templates/ ni dans le thème{}",
                suggestion(name, known.iter().copied())
            )
        };
        for p in self.library.pages.values() {
            let name = self.page_template(p);
            if !tpl.has(&name) {
                let line = p.lines.get("template").copied();
                let file = if p.meta.template.is_none() {
                    self.library
                        .sections
                        .get(&p.parent)
                        .map(|s| s.file.clone())
                        .unwrap_or_else(|| p.file.clone())
                } else {
                    p.file.clone()
                };
                problems.push(Diagnostic::error(file, line, missing(&name)));
            }
        }
        for s in self.library.sections.values() {
            let name = self.section_template(s);
            if !tpl.has(&name) {
                problems.push(Diagnostic::error(
                    &s.file,
                    s.lines.get("template").copied(),
                    missing(&name),
                ));
            }
        }
        for t in &self.taxonomies {
            let (list, single) = Self::taxonomy_templates(t);
            for names in [list, single] {
                if !names.iter().any(|n| tpl.has(n)) {
                    problems.push(Diagnostic::error(
                        crate::config::CONFIG_FILE,
                        None,
                        missing(&names[1]),
                    ));
                }
            }
        }
    }

    /// The `source` calls must name the site, its address and the day of the check, when the
    /// theme's `source` shortcode takes a date (ours does).
    fn check_sources(&self, problems: &mut Vec<Diagnostic>) {
        let dated = self.templates.as_ref();
        if dated.is_some_and(|t| t.shortcode_takes(sources::SHORTCODE, "date")) {
            problems.extend(sources::problems_beyond_rendering(
                &self.library,
                sources::today(),
            ));
        }
    }

    /// Every generated route with the file it comes from, to find two that collide.
    fn check_duplicate_routes(&self, problems: &mut Vec<Diagnostic>) {
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        let mut add =
            |route: String, file: &Path, line: Option<usize>, problems: &mut Vec<Diagnostic>| {
                let out = output_path(&route);
                if let Some(first) = seen.get(&out) {
                    problems.push(Diagnostic::error(
                        file,
                        line,
                        format!(
                            "chemin de sortie en double : {route} est déjà produit par {}",
                            first.display()
                        ),
                    ));
                } else {
                    seen.insert(out, file.to_path_buf());
                }
            };
        for s in self.library.sections.values() {
            add(s.path.clone(), &s.file, None, problems);
            for a in &s.meta.aliases {
                add(
                    content::normalize_path(a),
                    &s.file,
                    s.lines.get("aliases").copied(),
                    problems,
                );
            }
        }
        for p in self.library.pages.values() {
            add(
                p.path.clone(),
                &p.file,
                p.lines.get("path").or(p.lines.get("slug")).copied(),
                problems,
            );
            for a in &p.meta.aliases {
                add(
                    content::normalize_path(a),
                    &p.file,
                    p.lines.get("aliases").copied(),
                    problems,
                );
            }
        }
        let config = PathBuf::from(crate::config::CONFIG_FILE);
        for t in &self.taxonomies {
            add(format!("/{}/", t.slug), &config, None, problems);
        }
    }
}

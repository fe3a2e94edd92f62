//! The preview's state: the site kept in memory with its last good outputs, brought up to
//! date change by change. While the site has errors, the last good outputs stay as they are
//! (pages that were deleted excepted) and the pending work waits for the fix.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::diagnostics::Diagnostics;
use crate::output::OutputFile;
use crate::site::{Change, OutputId, Site};
use crate::BuildOptions;

/// What one update did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Output paths written or removed.
    pub changed: Vec<String>,
    /// Templated outputs rendered.
    pub rendered: usize,
    /// Whether the site now has errors (then `changed` holds only removals).
    pub has_errors: bool,
    /// The pages (under `content/`) whose bodies alone changed, when nothing else did since the
    /// last update without errors; `None` when anything else may have changed.
    pub bodies_of: Option<Vec<String>>,
}

/// A site in memory with the outputs last rendered without error.
pub struct Live {
    options: BuildOptions,
    site: Site,
    files: HashMap<String, Arc<OutputFile>>,
    /// Outputs that are not templated pages (feeds, static files…), replaced as a whole.
    extra_paths: HashSet<String>,
    /// Outputs still to render, left over from updates that had errors.
    pending: BTreeSet<OutputId>,
    diagnostics: Diagnostics,
}

impl Live {
    /// Loads and renders the whole site. Fails only when the configuration is unreadable;
    /// a site with errors starts with no outputs and its diagnostics.
    pub fn new(options: BuildOptions) -> Result<Live, Diagnostics> {
        let site = Site::load(&options)?;
        let pending = site.all_outputs().into_iter().collect();
        let mut live = Live {
            options,
            site,
            files: HashMap::new(),
            extra_paths: HashSet::new(),
            pending,
            diagnostics: Diagnostics::new(),
        };
        live.render_pending(true);
        Ok(live)
    }

    /// The output at `path` (`guides/cv/index.html`), if the site has one.
    pub fn get(&self, path: &str) -> Option<Arc<OutputFile>> {
        self.files.get(path).cloned()
    }

    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.files.keys()
    }

    /// Current problems: errors block the update of the outputs, warnings do not.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    /// Applies changes read from disk.
    pub fn apply(&mut self, changes: &[Change]) -> Applied {
        // Copied files are served from disk: a change to one is a change of its output.
        let mut copies_changed = changes.iter().any(|c| match c {
            Change::Static => true,
            Change::Content(r) => {
                !r.ends_with(".md")
                    && self
                        .options
                        .root
                        .join(crate::content::CONTENT_DIR)
                        .join(r)
                        .is_file()
            }
            _ => false,
        });
        if changes.contains(&Change::Config) {
            match Site::load(&self.options) {
                Ok(site) => {
                    self.site = site;
                    copies_changed = true;
                }
                Err(d) => {
                    self.diagnostics = d.sorted();
                    return Applied {
                        has_errors: true,
                        ..Applied::default()
                    };
                }
            }
            self.pending = self.site.all_outputs().into_iter().collect();
        } else {
            let updated = self.site.update(changes);
            // Work left over from an update with errors may need the full path.
            let bodies_of = updated
                .bodies_of
                .filter(|_| self.pending.is_empty() && !copies_changed);
            self.pending.extend(updated.outputs);
            if let Some(pages) = bodies_of {
                return self.render_bodies(pages, &updated.feeds_of);
            }
        }
        self.render_pending(copies_changed)
    }

    /// After a change of the bodies of `pages` only: no output comes or goes, and of the
    /// outputs that are not templated pages only the feeds that carry `in_feeds` can change.
    fn render_bodies(&mut self, pages: Vec<String>, in_feeds: &[String]) -> Applied {
        let mut diags = self.site.diagnostics();
        let ids: Vec<OutputId> = self.pending.iter().cloned().collect();
        let (files, problems) = self.site.render(&ids);
        diags.extend(problems);
        let has_errors = diags.has_errors();
        self.diagnostics = diags.sorted();
        if has_errors {
            return Applied {
                has_errors,
                ..Applied::default()
            };
        }
        let rendered = files.len();
        let mut changed = Vec::new();
        let feeds = if in_feeds.is_empty() {
            Vec::new()
        } else {
            self.site.feed_files(in_feeds)
        };
        for f in files.into_iter().chain(feeds) {
            let same =
                self.files
                    .get(&f.path)
                    .is_some_and(|old| match (&old.content, &f.content) {
                        (crate::output::Content::Bytes(a), crate::output::Content::Bytes(b)) => {
                            a == b
                        }
                        _ => false,
                    });
            if !same {
                changed.push(f.path.clone());
                self.files.insert(f.path.clone(), Arc::new(f));
            }
        }
        self.pending.clear();
        changed.sort();
        Applied {
            changed,
            rendered,
            has_errors: false,
            bodies_of: Some(pages),
        }
    }

    fn render_pending(&mut self, copies_changed: bool) -> Applied {
        let all: Vec<OutputId> = self.site.all_outputs();
        let all_set: HashSet<&OutputId> = all.iter().collect();
        self.pending.retain(|id| all_set.contains(id));
        let mut diags = self.site.diagnostics();
        let ids: Vec<OutputId> = self.pending.iter().cloned().collect();
        let (files, problems) = self.site.render(&ids);
        diags.extend(problems);
        let (extras, problems) = self.site.extras(&files);
        diags.extend(problems);
        let routes: HashSet<String> = all
            .iter()
            .filter_map(|id| self.site.route(id))
            .map(|r| crate::site::output_path(&r))
            .collect();

        let mut changed = Vec::new();
        // Deleted pages disappear even while the site has errors.
        let gone: Vec<String> = self
            .files
            .keys()
            .filter(|p| !self.extra_paths.contains(*p) && !routes.contains(*p))
            .cloned()
            .collect();
        for p in gone {
            self.files.remove(&p);
            changed.push(p);
        }
        let has_errors = diags.has_errors();
        self.diagnostics = diags.sorted();
        if has_errors {
            changed.sort();
            return Applied {
                changed,
                has_errors,
                ..Applied::default()
            };
        }
        let rendered = files.len();
        let new_extras: HashSet<String> = extras.iter().map(|f| f.path.clone()).collect();
        for old in self.extra_paths.difference(&new_extras) {
            if !routes.contains(old) {
                self.files.remove(old);
                changed.push(old.clone());
            }
        }
        for f in files.into_iter().chain(extras) {
            let same =
                self.files
                    .get(&f.path)
                    .is_some_and(|old| match (&old.content, &f.content) {
                        (crate::output::Content::Bytes(a), crate::output::Content::Bytes(b)) => {
                            a == b
                        }
                        (crate::output::Content::Copy(a), crate::output::Content::Copy(b)) => {
                            a == b && !copies_changed
                        }
                        _ => false,
                    });
            if !same {
                changed.push(f.path.clone());
                self.files.insert(f.path.clone(), Arc::new(f));
            }
        }
        self.extra_paths = new_extras;
        self.pending.clear();
        changed.sort();
        changed.dedup();
        Applied {
            changed,
            rendered,
            has_errors: false,
            bodies_of: None,
        }
    }
}

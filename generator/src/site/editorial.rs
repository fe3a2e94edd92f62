//! The editorial checks over the site's pages and sections (`editorial::check_page` on each,
//! in parallel), the glossary's page, and one page's checks for the preview's box.

use rayon::prelude::*;

use super::{output_path, Site};
use crate::editorial::{self, glossary, PageReport, Settings};

impl Site {
    /// The glossary page's address, when the site has a glossary and the theme shows it.
    pub(super) fn glossary_url(&self) -> Option<String> {
        let shown = self
            .templates
            .as_ref()
            .is_some_and(|t| t.has(glossary::GLOSSARY_TEMPLATE));
        (shown && !self.glossary.is_empty()).then(|| self.permalink(glossary::GLOSSARY_PATH))
    }

    /// The editorial checks of every page and section, by file; nothing when `[redaction]
    /// actif = false`.
    pub fn editorial(&self) -> Vec<PageReport> {
        if !self.config.redaction.actif {
            return Vec::new();
        }
        let settings = Settings::new(&self.config, &self.glossary);
        let mut reports: Vec<PageReport> = self
            .library
            .pages
            .par_iter()
            .map(|(k, p)| editorial::check_page(&settings, &p.file, k, &p.body, p.body_line))
            .chain(
                self.library
                    .sections
                    .par_iter()
                    .filter(|(_, s)| s.exists)
                    .map(|(k, s)| {
                        editorial::check_page(&settings, &s.file, k, &s.body, s.body_line)
                    }),
            )
            .collect();
        reports.sort_by(|a, b| a.file.cmp(&b.file));
        reports
    }

    /// The editorial checks of the page or section shown at `output` (`guides/cv/index.html`),
    /// for the preview.
    pub fn editorial_of(&self, output: &str) -> Option<PageReport> {
        if !self.config.redaction.actif {
            return None;
        }
        let settings = Settings::new(&self.config, &self.glossary);
        if let Some((k, p)) = self
            .library
            .pages
            .iter()
            .find(|(_, p)| output_path(&p.path) == output)
        {
            return Some(editorial::check_page(
                &settings,
                &p.file,
                k,
                &p.body,
                p.body_line,
            ));
        }
        self.library
            .sections
            .iter()
            .find(|(_, s)| s.exists && output_path(&s.path) == output)
            .map(|(k, s)| editorial::check_page(&settings, &s.file, k, &s.body, s.body_line))
    }
}

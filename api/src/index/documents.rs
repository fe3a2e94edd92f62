//! What goes into the search indexes: the settings of "contenus" and "opportunites", and the
//! documents made from the site's pages and from opportunities.

use chrono::NaiveDate;
use pulldown_cmark::{Event, Parser, TagEnd};
use tremplin_generator::documents::ContentDoc;
use tremplin_search::{Document, IndexSettings};

/// The index of the site's guides, FAQ entries and news articles.
pub const CONTENUS: &str = "contenus";
/// The index of opportunities.
pub const OPPORTUNITES: &str = "opportunites";

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Settings of [`CONTENUS`]: a match in the title ranks above one in a heading, the
/// description, then the text.
pub fn contenus_settings(synonyms: &[Vec<String>]) -> IndexSettings {
    IndexSettings {
        searchable: strings(&["title", "headings", "description", "text"]),
        filterable: strings(&["kind", "themes", "publics"]),
        sortable: strings(&["date"]),
        geo: false,
        synonyms: synonyms.to_vec(),
    }
}

/// The document of a page of the site; its id is the page's (`guides-cv`).
pub fn content_document(d: &ContentDoc) -> Document {
    let mut doc = Document::new(d.id.as_str())
        .with("title", d.title.as_str())
        .with("description", d.description.as_str())
        .with("headings", d.headings.clone())
        .with("text", d.text.as_str())
        .with("kind", d.kind)
        .with("themes", d.themes.clone())
        .with("publics", d.publics.clone())
        .with("url", d.url.as_str());
    if let Some(date) = d.date {
        doc = doc.with("date", date);
    }
    doc
}

/// Settings of [`OPPORTUNITES`]. Dates (`start`, `deadline`, `published_at`) are unix seconds;
/// `level_rank` is the position of the level among the levels (0: no diploma asked), so "my
/// level or less" is a range.
pub fn opportunites_settings(synonyms: &[Vec<String>]) -> IndexSettings {
    IndexSettings {
        searchable: strings(&[
            "title",
            "organisation",
            "description",
            "town",
            "contract",
            "themes",
            "kind_label",
        ]),
        filterable: strings(&[
            "kind",
            "level_rank",
            "town",
            "structure",
            "start",
            "deadline",
            "themes",
        ]),
        sortable: strings(&["published_at", "start"]),
        geo: true,
        synonyms: synonyms.to_vec(),
    }
}

/// The id of an opportunity's document: `o` and its number.
pub fn opportunity_id(id: i64) -> String {
    format!("o{id}")
}

/// A `YYYY-MM-DD` date as unix seconds at midnight UTC (how dates are indexed).
pub fn day_seconds(date: &str) -> Option<i64> {
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp())
}

/// Markdown as plain text: the words only, blocks separated, raw HTML left out, whitespace
/// collapsed.
pub fn markdown_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::Rule => out.push(' '),
            Event::End(TagEnd::Link | TagEnd::Emphasis | TagEnd::Strong) => {}
            Event::End(_) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tremplin_search::FieldValue;

    #[test]
    fn plain_text_of_markdown() {
        assert_eq!(
            markdown_text("## Missions\n\nPréparer les **entrées**, suivre [le chef](https://ex.org).\n\n- dressage\n- plonge <b>parfois</b>"),
            "Missions Préparer les entrées, suivre le chef. dressage plonge parfois"
        );
        assert_eq!(markdown_text("l'`offre`\nsuite"), "l'offre suite");
    }

    #[test]
    fn content_fields() {
        let d = ContentDoc {
            id: "guides-cv".into(),
            kind: "guide",
            title: "Écrire son CV".into(),
            description: "Un CV clair.".into(),
            headings: vec!["Étape 1".into()],
            text: "Le CV est court.".into(),
            themes: vec!["emploi".into()],
            publics: vec!["18-25 ans".into()],
            url: "/guides/cv/".into(),
            date: Some(1_795_132_800),
        };
        let doc = content_document(&d);
        assert_eq!(doc.id, "guides-cv");
        assert_eq!(
            doc.fields["headings"],
            FieldValue::Texts(vec!["Étape 1".into()])
        );
        assert_eq!(doc.fields["date"], FieldValue::Int(1_795_132_800));
        assert_eq!(doc.fields["kind"], FieldValue::Text("guide".into()));
        let settings = contenus_settings(&[vec!["cv".into(), "curriculum vitae".into()]]);
        assert_eq!(settings.synonyms.len(), 1);
        for name in settings
            .searchable
            .iter()
            .chain(&settings.filterable)
            .chain(&settings.sortable)
        {
            assert!(doc.fields.contains_key(name), "{name}");
        }
        let undated = content_document(&ContentDoc { date: None, ..d });
        assert!(!undated.fields.contains_key("date"));
    }
}

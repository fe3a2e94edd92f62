//! What goes into the search indexes: the settings of "contenus" and "opportunites", and the
//! documents made from the site's pages and from opportunities.

use chrono::NaiveDate;
use pulldown_cmark::{Event, Parser, TagEnd};
use tremplin_generator::documents::ContentDoc;
use tremplin_search::{Document, IndexSettings, GEO_FIELD};

use crate::domain::opportunities::{label, Opportunity, KINDS, LEVELS};

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
/// `level_rank` is the position of the level in [`LEVELS`] (0: no diploma asked), so "my
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

/// The position of a level slug in [`LEVELS`] (0 when unknown).
pub fn level_rank(slug: &str) -> i64 {
    LEVELS.iter().position(|(s, _)| *s == slug).unwrap_or(0) as i64
}

/// A `YYYY-MM-DD` date as unix seconds at midnight UTC (how dates are indexed).
pub fn day_seconds(date: &str) -> Option<i64> {
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp())
}

/// The document of an opportunity. The caller decides what is indexed (published ones:
/// [`Opportunity::is_public`]); the description goes in as plain text.
pub fn opportunity_document(o: &Opportunity) -> Document {
    let mut doc = Document::new(opportunity_id(o.id))
        .with("url", format!("/opportunites/{}", o.id))
        .with("kind", o.kind.as_str())
        .with("kind_label", label(KINDS, &o.kind))
        .with("title", o.title.as_str())
        .with("organisation", o.organisation.as_str())
        .with("description", markdown_text(&o.description))
        .with("town", o.place.town.as_str())
        .with("postcode", o.place.postcode.as_str())
        .with("remote", o.place.remote)
        .with("contract", o.contract.as_str())
        .with("duration", o.duration.as_str())
        .with("hours", o.hours.as_str())
        .with("level", o.level.as_str())
        .with("level_label", label(LEVELS, &o.level))
        .with("level_rank", level_rank(&o.level))
        .with("themes", o.themes.clone())
        .with("structure", o.structure.slug.as_str())
        .with("structure_name", o.structure.name.as_str());
    if let (Some(lat), Some(lon)) = (o.place.lat, o.place.lon) {
        doc.fields.insert(
            GEO_FIELD.to_string(),
            tremplin_search::FieldValue::Geo { lat, lon },
        );
    }
    if let Some(start) = o.start_date.as_deref().and_then(day_seconds) {
        doc = doc.with("start", start);
    }
    if let Some(deadline) = o.deadline.as_deref().and_then(day_seconds) {
        doc = doc.with("deadline", deadline);
    }
    if let Some(published) = o.published_at {
        doc = doc.with("published_at", published);
    }
    if let Some(places) = o.places_left() {
        doc = doc.with("places_left", places);
    }
    doc
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
    use crate::domain::accounts::Structure;
    use crate::domain::opportunities::Place;
    use tremplin_search::FieldValue;

    fn opportunity() -> Opportunity {
        Opportunity {
            id: 42,
            structure: Structure {
                id: 1,
                slug: "ml-lille".into(),
                name: "Mission Locale de Lille".into(),
                town: "Lille".into(),
                contact: String::new(),
            },
            author_id: None,
            kind: "alternance".into(),
            title: "Apprenti cuisinier".into(),
            organisation: "Brasserie du Nord".into(),
            description: "## Missions\n\nPréparer les **entrées**, suivre [le chef](https://ex.org).\n\n- dressage\n- plonge <b>parfois</b>".into(),
            place: Place {
                town: "Lille".into(),
                postcode: "59000".into(),
                insee: "59350".into(),
                lat: Some(50.63),
                lon: Some(3.06),
                remote: false,
            },
            contract: "Contrat d'apprentissage".into(),
            duration: "2 ans".into(),
            hours: "35 h".into(),
            level: "cap".into(),
            start_date: Some("2026-09-01".into()),
            deadline: Some("2026-07-15".into()),
            places: Some(2),
            taken: 1,
            apply: "conseiller".into(),
            themes: vec!["emploi".into(), "restauration".into()],
            status: "publiee".into(),
            source: String::new(),
            external_id: None,
            source_url: String::new(),
            published_at: Some(1_780_000_000),
            created_at: 1_780_000_000,
            updated_at: 1_780_000_000,
        }
    }

    #[test]
    fn plain_text_of_markdown() {
        assert_eq!(
            markdown_text(&opportunity().description),
            "Missions Préparer les entrées, suivre le chef. dressage plonge parfois"
        );
        assert_eq!(markdown_text("l'`offre`\nsuite"), "l'offre suite");
    }

    #[test]
    fn opportunity_fields() {
        let doc = opportunity_document(&opportunity());
        assert_eq!(doc.id, "o42");
        let f = |name: &str| doc.fields.get(name).cloned();
        assert_eq!(f("url"), Some("/opportunites/42".into()));
        assert_eq!(f("kind"), Some("alternance".into()));
        assert_eq!(f("kind_label"), Some("Alternance".into()));
        assert_eq!(f("level_rank"), Some(FieldValue::Int(1)));
        assert_eq!(f("structure"), Some("ml-lille".into()));
        assert_eq!(f("start"), Some(FieldValue::Int(1_788_220_800)));
        assert_eq!(f("deadline"), Some(FieldValue::Int(1_784_073_600)));
        assert_eq!(f("published_at"), Some(FieldValue::Int(1_780_000_000)));
        assert_eq!(f("places_left"), Some(FieldValue::Int(1)));
        assert_eq!(
            f("geo"),
            Some(FieldValue::Geo {
                lat: 50.63,
                lon: 3.06
            })
        );
        assert_eq!(
            f("themes"),
            Some(FieldValue::Texts(vec![
                "emploi".into(),
                "restauration".into()
            ]))
        );
        // Every searchable, filterable and sortable field is a field of the document.
        let settings = opportunites_settings(&[]);
        for name in settings
            .searchable
            .iter()
            .chain(&settings.filterable)
            .chain(&settings.sortable)
        {
            assert!(doc.fields.contains_key(name), "{name}");
        }

        let mut o = opportunity();
        o.place.lat = None;
        o.level = "inconnu".into();
        o.start_date = None;
        o.deadline = Some("bientôt".into());
        let doc = opportunity_document(&o);
        assert!(!doc.fields.contains_key("geo"));
        assert!(!doc.fields.contains_key("start"));
        assert!(!doc.fields.contains_key("deadline"));
        assert_eq!(doc.fields["level_rank"], FieldValue::Int(0));
    }

    #[test]
    fn level_ranks_follow_levels() {
        assert_eq!(level_rank(""), 0);
        assert_eq!(level_rank("bac"), 2);
        assert_eq!(level_rank("bac+5"), LEVELS.len() as i64 - 1);
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

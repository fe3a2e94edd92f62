//! An opportunity as the search index holds it, and the outbox's source: what the index
//! layer's worker reads (`index::sync::Source`), as the opportunity is now.

use tremplin_search::{Document, GEO_FIELD};

use super::{by_ids, Opportunity, Status};
use crate::index::documents;
use crate::index::sync::{Pending, Source, NO_DEADLINE};
use crate::infra::db::Db;

/// The document of an opportunity. The caller decides what is indexed (published ones:
/// [`Opportunity::is_public`]); the description goes in as plain text.
pub fn opportunity_document(o: &Opportunity) -> Document {
    let mut doc = Document::new(documents::opportunity_id(o.id))
        .with("url", format!("/opportunites/{}", o.id))
        .with("kind", o.kind.as_str())
        .with("kind_label", o.kind.label())
        .with("title", o.title.as_str())
        .with("organisation", o.organisation.as_str())
        .with("description", documents::markdown_text(&o.description))
        .with("town", o.place.town.as_str())
        .with("postcode", o.place.postcode.as_str())
        .with("remote", o.place.remote)
        .with("contract", o.contract.as_str())
        .with("duration", o.duration.as_str())
        .with("hours", o.hours.as_str())
        .with("level", o.level.as_str())
        .with("level_label", o.level.label())
        .with("level_rank", o.level.rank())
        .with("themes", o.themes.clone())
        .with("structure", o.structure.slug.as_str())
        .with("structure_name", o.structure.name.as_str());
    if let (Some(lat), Some(lon)) = (o.place.lat, o.place.lon) {
        doc.fields.insert(
            GEO_FIELD.to_string(),
            tremplin_search::FieldValue::Geo { lat, lon },
        );
    }
    if let Some(start) = o.start_date.as_deref().and_then(documents::day_seconds) {
        doc = doc.with("start", start);
    }
    if let Some(deadline) = o.deadline.as_deref().and_then(documents::day_seconds) {
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

/// The opportunities as the outbox worker reads them: public ones have a document (with a
/// deadline always set, [`NO_DEADLINE`] when it has none), the others none.
pub struct IndexSource;

impl Source for IndexSource {
    fn public_documents<'a>(
        &'a self,
        db: &'a Db,
        ids: &'a [i64],
    ) -> Pending<'a, Vec<(i64, Document)>> {
        Box::pin(async move {
            Ok(by_ids(db, ids)
                .await?
                .iter()
                .filter(|o| o.is_public())
                .map(|o| {
                    let mut doc = opportunity_document(o);
                    doc.fields
                        .entry("deadline".to_string())
                        .or_insert(tremplin_search::FieldValue::Int(NO_DEADLINE));
                    (o.id, doc)
                })
                .collect())
        })
    }

    fn public_ids<'a>(&'a self, db: &'a Db, after: i64, limit: i64) -> Pending<'a, Vec<i64>> {
        Box::pin(async move {
            Ok(sqlx::query_scalar(&format!(
                "SELECT id FROM opportunities WHERE status = '{}' AND id > $1 ORDER BY id LIMIT $2",
                Status::Published
            ))
            .bind(after)
            .bind(limit)
            .fetch_all(&db.pool)
            .await?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::accounts::Structure;
    use crate::domain::opportunities::{Kind, Level, Place};
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
            kind: Kind::WorkStudy,
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
            level: Level::Cap,
            start_date: Some("2026-09-01".into()),
            deadline: Some("2026-07-15".into()),
            places: Some(2),
            taken: 1,
            apply: "conseiller".into(),
            themes: vec!["emploi".into(), "restauration".into()],
            status: Status::Published,
            published_at: Some(1_780_000_000),
            created_at: 1_780_000_000,
            updated_at: 1_780_000_000,
            ..Opportunity::default()
        }
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
        let settings = documents::opportunites_settings(&[]);
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
        o.level = Level::None;
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
        assert_eq!(Level::None.rank(), 0);
        assert_eq!(Level::Bac.rank(), 2);
        assert_eq!(Level::Bac5.rank(), Level::ALL.len() as i64 - 1);
    }
}

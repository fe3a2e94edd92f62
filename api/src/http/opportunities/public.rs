//! The public listing and detail pages, the Atom feed, and the youth's "Sauvegarder", "Ça m'intéresse" and "Mes opportunités".

use super::*;

/// What the listing shows for some filters: their own listing, or the listing of their
/// keywords' correction when theirs found nothing and the correction finds something; and,
/// when nothing is found, the filters to loosen with what each finds.
pub(super) struct Shown {
    /// The cache entry of the filters asked: what is made of this answer is kept there.
    pub(super) entry: Arc<CachedListing>,
    /// The listing shown: `entry`'s, or the correction's.
    pub(super) shown: Arc<CachedListing>,
    /// The filters of the listing shown (the corrected keywords after a correction).
    pub(super) filters: Filters,
    /// The keywords as typed, when the correction's results are shown instead.
    pub(super) corrected_from: Option<String>,
    /// The correction tried in vain: the alternatives keep its keywords.
    pub(super) tried: Option<String>,
    /// For a listing that found nothing: the filters to drop or widen, each finding something.
    pub(super) alternatives: Vec<opp::Alternative>,
}

/// The listing for `f`, without a dead end: at most one more listing (the correction's,
/// cached like any other) and, only when nothing is found, one count-only engine request per
/// filter that could be loosened (kept with the entry, so made once while it is fresh).
pub(super) async fn listing_for(state: &AppState, f: &Filters) -> Result<Shown, AppError> {
    let (db, search) = (&state.db, state.search.as_ref());
    let entry = state.listings.list(db, search, f).await?;
    let mut out = Shown {
        shown: entry.clone(),
        entry,
        filters: f.clone(),
        corrected_from: None,
        tried: None,
        alternatives: Vec::new(),
    };
    if let Some(g) = opp::corrected(f, &out.entry.listing) {
        match state.listings.list(db, search, &g).await {
            Ok(c) if c.listing.total > 0 => {
                out.shown = c;
                out.corrected_from = Some(f.keywords.trim().to_string());
                out.filters = g;
            }
            Ok(_) => {
                out.tried = Some(g.keywords.clone());
                out.filters = g;
            }
            Err(e) => tracing::warn!(erreur = ?e, "liste de la correction"),
        }
    }
    let listing = &out.shown.listing;
    if listing.total == 0 && !listing.simpler {
        out.alternatives = match out.entry.alternatives.get() {
            Some(a) => a.clone(),
            None => match opp::alternatives(search, &out.filters).await {
                Ok(a) => out.entry.alternatives.get_or_init(|| a).clone(),
                Err(e) => {
                    tracing::warn!(erreur = ?e, "filtres à retirer d'une liste vide");
                    Vec::new()
                }
            },
        };
    }
    Ok(out)
}

/// The listing's address with these filters.
fn listing_url(f: &Filters) -> String {
    let q = f.to_query();
    if q.is_empty() {
        "/opportunites".to_string()
    } else {
        format!("/opportunites?{q}")
    }
}

/// The filters that say something, each with the address of the same listing without it
/// (first page): what the page lists above its results, each removable in one tap.
fn active_filters(
    f: &Filters,
    near: Option<&communes::Commune>,
    structure: Option<&str>,
) -> Vec<Value> {
    let base = Filters {
        page: None,
        ..f.clone()
    };
    let mut out = Vec::new();
    let mut push = |label: String, without: Filters| {
        // A filter refused for its length is shown cut (the form keeps it whole).
        let mut label = label;
        if let Some((i, _)) = label.char_indices().nth(60) {
            label.truncate(i);
            label.push('…');
        }
        out.push(json!({"libelle": label, "url": listing_url(&without)}));
    };
    if !f.keywords.trim().is_empty() {
        push(
            format!("« {} »", f.keywords.trim()),
            Filters {
                keywords: String::new(),
                exact: false,
                ..base.clone()
            },
        );
    }
    for (i, k) in f.kinds.iter().enumerate() {
        let mut kinds = f.kinds.clone();
        kinds.remove(i);
        push(
            opp::parse_kind(k).map_or_else(|| k.clone(), |k| k.label().to_string()),
            Filters {
                kinds,
                ..base.clone()
            },
        );
    }
    if !f.place.trim().is_empty() {
        let town = near.map_or_else(|| f.place.trim().to_string(), |c| c.name.clone());
        let radius = f.radius_km.unwrap_or(opp::DEFAULT_RADIUS_KM).round() as i64;
        push(
            format!("{town}, {radius} km"),
            Filters {
                place: String::new(),
                radius_km: None,
                ..base.clone()
            },
        );
    }
    if !f.level.trim().is_empty() {
        let level = opp::parse_level(f.level.trim())
            .map_or_else(|| f.level.trim().to_string(), |l| l.label().to_string());
        push(
            format!("Niveau : {level}"),
            Filters {
                level: String::new(),
                ..base.clone()
            },
        );
    }
    if !f.start_from.trim().is_empty() {
        push(
            format!("À partir du {}", date_fr(f.start_from.trim())),
            Filters {
                start_from: String::new(),
                ..base.clone()
            },
        );
    }
    if !f.structure.trim().is_empty() {
        push(
            structure.unwrap_or(f.structure.trim()).to_string(),
            Filters {
                structure: String::new(),
                ..base.clone()
            },
        );
    }
    out
}

pub(super) async fn list_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let asked = Filters::parse(query.as_deref().unwrap_or(""));
    let mut vars = Map::new();
    vocabularies(&mut vars);
    let mut anonymous_entry = None;
    let (f, near) = match listing_for(&state, &asked).await {
        Ok(found) => {
            // The page of a visitor who is not signed in is the same for everyone: it is
            // rendered once per cache entry.
            if viewer.user.is_none() {
                if let Some(html) = found.entry.html.get() {
                    return Ok(html_response(html.clone()));
                }
                anonymous_entry = Some(found.entry.clone());
            }
            let f = found.filters;
            let cached = &found.shown;
            let listing = &cached.listing;
            vars.insert(
                "opportunites".into(),
                cached
                    .views
                    .get_or_init(|| {
                        json!(listing
                            .items
                            .iter()
                            .map(|(o, d)| view(o, *d))
                            .collect::<Vec<_>>())
                    })
                    .clone(),
            );
            vars.insert("total".into(), json!(listing.total));
            vars.insert("page_courante".into(), json!(listing.page));
            vars.insert("pages".into(), json!(listing.pages));
            vars.insert("recherche_simplifiee".into(), json!(listing.simpler));
            vars.insert(
                "pres_de".into(),
                json!(listing
                    .near
                    .map(|c| format!("{} ({})", c.name, c.department))),
            );
            if let Some(typed) = &found.corrected_from {
                vars.insert(
                    "correction".into(),
                    json!({
                        "texte": f.keywords,
                        "original": typed,
                        "url_original": listing_url(&Filters {
                            keywords: typed.clone(),
                            exact: true,
                            ..f.clone()
                        }),
                    }),
                );
            }
            if listing.total == 0 {
                if let Some(tried) = &found.tried {
                    vars.insert(
                        "essai".into(),
                        json!({"texte": tried, "original": asked.keywords.trim()}),
                    );
                } else if let Some(s) = listing.did_you_mean.as_deref().filter(|_| f.exact) {
                    vars.insert(
                        "suggestion".into(),
                        json!({"texte": s, "url": listing_url(&Filters {
                            keywords: s.to_string(),
                            exact: false,
                            page: None,
                            ..f.clone()
                        })}),
                    );
                }
                vars.insert(
                    "elargir".into(),
                    json!(found
                        .alternatives
                        .iter()
                        .map(|a| json!({
                            "libelle": a.label,
                            "nombre": a.total,
                            "url": listing_url(&a.filters),
                        }))
                        .collect::<Vec<_>>()),
                );
            }
            if listing.page > 1 {
                vars.insert(
                    "precedente".into(),
                    json!(listing_url(&Filters {
                        page: Some(listing.page - 1),
                        ..f.clone()
                    })),
                );
            }
            if listing.page < listing.pages {
                vars.insert(
                    "suivante".into(),
                    json!(listing_url(&Filters {
                        page: Some(listing.page + 1),
                        ..f.clone()
                    })),
                );
            }
            let mut feed = form_urlencoded::Serializer::new(String::new());
            if let [k] = f.kinds.as_slice() {
                feed.append_pair("type", k);
            }
            vars.insert(
                "flux".into(),
                json!(format!("/opportunites/flux.xml?{}", feed.finish())),
            );
            // The filters stay closed above the results, unless there is none to show.
            vars.insert("filtres_ouverts".into(), json!(listing.total == 0));
            (f, listing.near)
        }
        Err(AppError::Invalid(errors)) => {
            vars.insert("form".into(), form_value(&[], &errors, ""));
            vars.insert("opportunites".into(), json!([]));
            vars.insert("filtres_ouverts".into(), json!(true));
            (asked, None)
        }
        Err(e) => return Err(e.into()),
    };
    vars.insert("filtres".into(), json!({
        "types": f.kinds, "lieu": f.place, "rayon": f.radius_km.unwrap_or(opp::DEFAULT_RADIUS_KM).round() as i64,
        "debut": f.start_from, "niveau": f.level, "q": f.keywords, "tri": if f.sort.is_empty() { "date" } else { f.sort.as_str() },
    }));
    let structure = match f.structure.trim() {
        "" => None,
        slug => accounts::structure_by_slug(&state.db, &slug.to_lowercase())
            .await?
            .map(|s| s.name),
    };
    vars.insert(
        "actifs".into(),
        json!(active_filters(&f, near, structure.as_deref())),
    );
    if let Some(entry) = anonymous_entry {
        // What `page` adds, for a visitor: no account, and no form that needs a token.
        let mut vars = vars.clone();
        vars.insert("titre".into(), json!("Opportunités"));
        vars.insert("csrf".into(), json!(""));
        vars.insert("utilisateur".into(), Value::Null);
        if let Ok(html) = state
            .pages
            .render("opportunites/liste.html", "/opportunites", &vars)
        {
            return Ok(html_response(entry.html.get_or_init(|| html).clone()));
        }
    }
    Ok(cx.page(
        StatusCode::OK,
        ("opportunites/liste.html", "/opportunites", "Opportunités"),
        vars,
        viewer.user.as_ref(),
    ))
}

fn html_response(html: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

#[derive(Deserialize, Default)]
pub(super) struct DetailQuery {
    fait: Option<String>,
}

pub(super) async fn detail_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let user = viewer.user.as_ref();
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let o = opp::get_visible(&state.db, user, id).await?;
    let mut vars = Map::new();
    vars.insert("o".into(), view(&o, None));
    vars.insert("form".into(), form_value(&[], &[], ""));
    if let Some(u) = user.filter(|u| u.role == Role::Youth) {
        let mine = opp::mine(&state.db, u).await?;
        vars.insert(
            "sauvegardee".into(),
            json!(mine.favourites.iter().any(|f| f.id == id)),
        );
        if let Some((_, message, state_, _)) = mine.interests.iter().find(|(i, _, _, _)| i.id == id)
        {
            vars.insert(
                "interet".into(),
                json!({"message": message, "suivi": InterestState::label_of(state_)}),
            );
        }
    }
    vars.insert(
        "gere".into(),
        json!(user.is_some_and(|u| u.manages(o.structure.id))),
    );
    vars.insert(
            "info".into(),
            json!(match q.fait.as_deref() {
                Some("sauvegardee") => Some("L'opportunité est dans « Mes opportunités »."),
                Some("retiree") => Some("L'opportunité est retirée de vos opportunités sauvegardées."),
                Some("interet") => Some("C'est noté : la Mission Locale sait que cette opportunité vous intéresse. Un conseiller ou une conseillère vous contactera."),
                Some("interet-retire") => Some("Votre intérêt est retiré."),
                _ => None,
            }),
        );
    let path = format!("/opportunites/{id}");
    Ok(cx.page(
        StatusCode::OK,
        ("opportunites/detail.html", &path, &o.title),
        vars,
        user,
    ))
}

pub(super) async fn favourite_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in(&format!("/opportunites/{id}")));
    };
    let on = field(&f, "action") != "retirer";
    opp::set_favourite(&state.db, user, id, on).await?;
    let back = if field(&f, "retour") == "mes-opportunites" {
        "/compte/opportunites".to_string()
    } else {
        format!(
            "/opportunites/{id}?fait={}",
            if on { "sauvegardee" } else { "retiree" }
        )
    };
    Ok(Redirect::to(&back).into_response())
}

pub(super) async fn interest_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in(&format!("/opportunites/{id}")));
    };
    if field(&f, "action") == "retirer" {
        opp::withdraw_interest(&state.db, user, id).await?;
        return Ok(
            Redirect::to(&format!("/opportunites/{id}?fait=interet-retire")).into_response(),
        );
    }
    match opp::express_interest(&state.db, user, id, field(&f, "message")).await {
        Ok(()) => Ok(Redirect::to(&format!("/opportunites/{id}?fait=interet")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let o = opp::get_visible(&state.db, Some(user), id).await?;
            let mut vars = Map::new();
            vars.insert("o".into(), view(&o, None));
            vars.insert(
                "form".into(),
                form_value(&[("message", field(&f, "message"))], &errors, ""),
            );
            let path = format!("/opportunites/{id}");
            Ok(cx.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                ("opportunites/detail.html", &path, &o.title),
                vars,
                Some(user),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn mine_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/compte/opportunites"));
    };
    match opp::mine(&state.db, user).await {
        Ok(m) => {
            let mut vars = Map::new();
            vars.insert(
                "sauvegardees".into(),
                json!(m
                    .favourites
                    .iter()
                    .map(|o| view(o, None))
                    .collect::<Vec<_>>()),
            );
            vars.insert(
                "interets".into(),
                json!(m
                    .interests
                    .iter()
                    .map(|(o, msg, s, t)| json!({
                        "o": view(o, None),
                        "message": msg,
                        "suivi": s,
                        "suivi_libelle": InterestState::label_of(s),
                        "le": date_fr(&iso(*t)),
                    }))
                    .collect::<Vec<_>>()),
            );
            Ok(cx.page(
                StatusCode::OK,
                (
                    "opportunites/mes-opportunites.html",
                    "/compte/opportunites",
                    "Mes opportunités",
                ),
                vars,
                Some(user),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn feed(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let f = Filters::parse(query.as_deref().unwrap_or(""));
    let kind = f.kinds.first().and_then(|k| opp::parse_kind(k));
    let structure = Some(f.structure.trim()).filter(|s| !s.is_empty());
    match opp::newest(&state.db, structure, kind, 50).await {
        Ok(list) => {
            let base = state.config.base_url.trim_end_matches('/');
            let mut title = "Tremplin — nouvelles opportunités".to_string();
            if let Some(k) = kind {
                title.push_str(&format!(" : {}", k.label()));
            }
            if let Some(s) = list.first().filter(|_| structure.is_some()) {
                title.push_str(&format!(" — {}", s.structure.name));
            }
            let updated = list.iter().map(|o| o.updated_at).max().unwrap_or(0);
            let mut xml = format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n<title>{}</title>\n<id>{base}/opportunites/flux.xml?{}</id>\n<link rel=\"self\" href=\"{base}/opportunites/flux.xml?{}\"/>\n<link href=\"{base}/opportunites\"/>\n<updated>{}</updated>\n",
                escape(&title),
                escape(query.as_deref().unwrap_or("")),
                escape(query.as_deref().unwrap_or("")),
                iso(updated)
            );
            for o in &list {
                let place = if o.place.town.is_empty() {
                    "à distance".to_string()
                } else {
                    o.place.town.clone()
                };
                xml.push_str(&format!(
                    "<entry>\n<title>{}</title>\n<id>{base}/opportunites/{}</id>\n<link href=\"{base}/opportunites/{}\"/>\n<updated>{}</updated>\n<published>{}</published>\n<author><name>{}</name></author>\n<category term=\"{}\" label=\"{}\"/>\n<summary>{}</summary>\n</entry>\n",
                    escape(&o.title),
                    o.id,
                    o.id,
                    iso(o.updated_at),
                    iso(o.published_at.unwrap_or(o.created_at)),
                    escape(&o.structure.name),
                    o.kind,
                    o.kind.label(),
                    escape(&format!("{} — {} — {}", o.kind.label(), o.organisation, place)),
                ));
            }
            xml.push_str("</feed>\n");
            (
                [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
                xml,
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

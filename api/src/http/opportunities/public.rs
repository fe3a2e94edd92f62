//! The public listing and detail pages, the Atom feed, and the youth's "Sauvegarder", "Ça m'intéresse" and "Mes opportunités".

use super::*;

pub(super) async fn list_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let f = Filters::parse(query.as_deref().unwrap_or(""));
    let mut vars = Map::new();
    vocabularies(&mut vars);
    vars.insert("filtres".into(), json!({
        "types": f.kinds, "lieu": f.place, "rayon": f.radius_km.unwrap_or(opp::DEFAULT_RADIUS_KM).round() as i64,
        "debut": f.start_from, "niveau": f.level, "q": f.keywords, "tri": if f.sort.is_empty() { "date" } else { f.sort.as_str() },
    }));
    let mut anonymous_entry = None;
    let status = match state
        .listings
        .list(&state.db, state.search.as_ref(), &f)
        .await
    {
        Ok(cached) => {
            // The page of a visitor who is not signed in is the same for everyone: it is
            // rendered once per cache entry.
            if viewer.user.is_none() {
                if let Some(html) = cached.html.get() {
                    return Ok(html_response(html.clone()));
                }
                anonymous_entry = Some(cached.clone());
            }
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
            if listing.page > 1 {
                vars.insert(
                    "precedente".into(),
                    json!(format!(
                        "/opportunites?{}",
                        Filters {
                            page: Some(listing.page - 1),
                            ..f.clone()
                        }
                        .to_query()
                    )),
                );
            }
            if listing.page < listing.pages {
                vars.insert(
                    "suivante".into(),
                    json!(format!(
                        "/opportunites?{}",
                        Filters {
                            page: Some(listing.page + 1),
                            ..f.clone()
                        }
                        .to_query()
                    )),
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
            StatusCode::OK
        }
        Err(AppError::Invalid(errors)) => {
            vars.insert("form".into(), form_value(&[], &errors, ""));
            vars.insert("opportunites".into(), json!([]));
            StatusCode::OK
        }
        Err(e) => return Err(e.into()),
    };
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
        status,
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

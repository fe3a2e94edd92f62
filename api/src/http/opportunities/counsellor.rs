//! The counsellor's screens: the dashboard, the forms, the follow-up of interested youths, the import and the CSV export.

use super::*;

#[derive(Deserialize, Default)]
pub(super) struct DashboardQuery {
    structure: Option<String>,
    fait: Option<String>,
}

/// The structure a counsellor works on: their own; for admins, the one asked (or the first).
async fn working_structure(
    state: &AppState,
    user: &User,
    asked: Option<&str>,
) -> Result<accounts::Structure, AppError> {
    if user.role == Role::Admin {
        let all = accounts::structures(&state.db).await?;
        let found = match asked {
            Some(slug) => all.iter().find(|s| s.slug == slug).cloned(),
            None => all.first().cloned(),
        };
        return found.ok_or(AppError::NotFound);
    }
    user.structure.clone().ok_or_else(|| {
        AppError::Forbidden("Votre compte n'est rattaché à aucune Mission Locale.".into())
    })
}

pub(super) async fn dashboard_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites")?;
    let s = working_structure(&state, &user, q.structure.as_deref()).await?;
    let list = opp::of_structure(&state.db, s.id).await?;
    let mut vars = Map::new();
    vars.insert(
        "structure".into(),
        json!({"slug": s.slug, "nom": s.name, "ville": s.town}),
    );
    if user.role == Role::Admin {
        let all = accounts::structures(&state.db).await?;
        vars.insert(
            "structures".into(),
            json!(all
                .iter()
                .map(|s| json!({"slug": s.slug, "nom": s.name}))
                .collect::<Vec<_>>()),
        );
    }
    vars.insert(
        "opportunites".into(),
        json!(list
            .iter()
            .map(|m| {
                let mut v = view(&m.opportunity, None);
                v["interesses"] = json!(m.interested);
                v["nouveaux"] = json!(m.new_interests);
                v
            })
            .collect::<Vec<_>>()),
    );
    vars.insert(
        "info".into(),
        json!(match q.fait.as_deref() {
            Some("creee") => Some("L'opportunité est enregistrée."),
            Some("modifiee") => Some("Les modifications sont enregistrées."),
            Some("statut") => Some("Le statut est changé."),
            _ => None,
        }),
    );
    Ok(cx.page(
        StatusCode::OK,
        (
            "conseil/tableau.html",
            "/conseil/opportunites",
            "Les opportunités de votre Mission Locale",
        ),
        vars,
        Some(&user),
    ))
}

/// The form's fields, from a draft: each field of `Draft` under its own name, as text (a
/// ticked box is "oui", themes are joined). A field added to `Draft` reaches the form
/// without a change here.
fn draft_values(d: &Draft) -> Vec<(String, String)> {
    let Ok(Value::Object(fields)) = serde_json::to_value(d) else {
        return Vec::new();
    };
    fields
        .into_iter()
        .map(|(name, value)| {
            let text = match value {
                Value::String(s) => s,
                Value::Bool(true) => "oui".into(),
                Value::Bool(false) | Value::Null => String::new(),
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            (name, text)
        })
        .collect()
}

/// A draft from the posted form: each field of `Draft` read under its own name (a box is
/// ticked when its field is sent, as browsers do).
fn draft_from_form(f: &HashMap<String, String>) -> Draft {
    let Ok(Value::Object(fields)) = serde_json::to_value(Draft::default()) else {
        return Draft::default();
    };
    let typed: Map<String, Value> = fields
        .into_iter()
        .filter_map(|(name, empty)| {
            let sent = f.get(&name)?;
            let value = match empty {
                Value::Bool(_) => Value::Bool(!sent.trim().is_empty()),
                Value::Array(_) => Value::Array(vec![Value::String(sent.clone())]),
                _ => Value::String(sent.clone()),
            };
            Some((name, value))
        })
        .collect();
    // Every value has the type of the default draft's field, so this cannot fail.
    serde_json::from_value(Value::Object(typed)).unwrap_or_default()
}

async fn form_page(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    status: StatusCode,
    editing: Option<i64>,
    draft: &Draft,
    errors: &[(&'static str, String)],
) -> Response {
    let values = draft_values(draft);
    let refs: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut vars = Map::new();
    vocabularies(&mut vars);
    vars.insert("form".into(), form_value(&refs, errors, ""));
    vars.insert("edition".into(), json!(editing));
    if user.role == Role::Admin {
        if let Ok(all) = accounts::structures(&state.db).await {
            vars.insert(
                "structures".into(),
                json!(all
                    .iter()
                    .map(|s| json!({"valeur": s.slug, "libelle": s.name}))
                    .collect::<Vec<_>>()),
            );
        }
    }
    let (path, title) = match editing {
        Some(id) => (
            format!("/conseil/opportunites/{id}/modifier"),
            "Modifier l'opportunité",
        ),
        None => (
            "/conseil/opportunites/nouvelle".to_string(),
            "Nouvelle opportunité",
        ),
    };
    vars.insert("action".into(), json!(path));
    page(
        state,
        status,
        ("conseil/formulaire.html", &path, title),
        vars,
        headers,
        Some(user),
    )
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites/nouvelle")?;
    Ok(form_page(
        &state,
        &user,
        &headers,
        StatusCode::OK,
        None,
        &Draft::default(),
        &[],
    )
    .await)
}

pub(super) async fn new_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    form: CsrfForm,
) -> Result<Response, PageError> {
    save_submit(state, viewer, cx, form, None).await
}

/// A new opportunity (`editing` is `None`) or changes to one: back to the dashboard, or the
/// form again with each error next to its field.
async fn save_submit(
    state: AppState,
    viewer: Viewer,
    cx: PageCx,
    CsrfForm(f): CsrfForm,
    editing: Option<i64>,
) -> Result<Response, PageError> {
    let here = match editing {
        Some(id) => format!("/conseil/opportunites/{id}/modifier"),
        None => "/conseil/opportunites/nouvelle".to_string(),
    };
    let user = staff(&viewer, &here)?;
    let draft = draft_from_form(&f);
    let saved = match editing {
        Some(id) => opp::update(&state.db, &user, id, &draft).await,
        None => opp::create(&state.db, &user, &draft).await,
    };
    match saved {
        Ok(o) => Ok(Redirect::to(&format!(
            "/conseil/opportunites?structure={}&fait={}",
            encode(&o.structure.slug),
            if editing.is_some() {
                "modifiee"
            } else {
                "creee"
            }
        ))
        .into_response()),
        Err(AppError::Invalid(errors)) => Ok(form_page(
            &state,
            &user,
            &cx.headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            editing,
            &draft,
            &errors,
        )
        .await),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/opportunites/{id}/modifier"))?;
    match opp::get_managed(&state.db, &user, id).await {
        Ok(o) => Ok(form_page(
            &state,
            &user,
            &headers,
            StatusCode::OK,
            Some(id),
            &o.to_draft(),
            &[],
        )
        .await),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn edit_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Path(id): Path<i64>,
    form: CsrfForm,
) -> Result<Response, PageError> {
    save_submit(state, viewer, cx, form, Some(id)).await
}

pub(super) async fn status_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites")?;
    let o = opp::set_status(&state.db, &user, id, field(&f, "status")).await?;
    Ok(Redirect::to(&format!(
        "/conseil/opportunites?structure={}&fait=statut",
        encode(&o.structure.slug)
    ))
    .into_response())
}

pub(super) async fn follow_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/opportunites/{id}"))?;
    let o = opp::get_managed(&state.db, &user, id).await?;
    let list = opp::interests(&state.db, &user, id).await?;
    let mut vars = Map::new();
    vocabularies(&mut vars);
    vars.insert("o".into(), view(&o, None));
    vars.insert(
        "interesses".into(),
        json!(list
            .iter()
            .map(|i| json!({
                "id": i.user_id,
                "prenom": i.first_name,
                "email": i.email,
                "message": i.message,
                "suivi": i.state,
                "suivi_libelle": InterestState::label_of(&i.state),
                "note": i.outcome,
                "le": date_fr(&iso(i.created_at)),
            }))
            .collect::<Vec<_>>()),
    );
    let path = format!("/conseil/opportunites/{id}");
    Ok(cx.page(
        StatusCode::OK,
        ("conseil/suivi.html", &path, &format!("Suivi : {}", o.title)),
        vars,
        Some(&user),
    ))
}

pub(super) async fn follow_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/opportunites/{id}"))?;
    let youth: i64 = field(&f, "jeune").parse().map_err(|_| AppError::NotFound)?;
    opp::follow_up(
        &state.db,
        &user,
        id,
        youth,
        field(&f, "state"),
        field(&f, "outcome"),
    )
    .await?;
    Ok(Redirect::to(&format!("/conseil/opportunites/{id}")).into_response())
}

pub(super) async fn export_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites")?;
    let s = working_structure(&state, &user, q.structure.as_deref()).await?;
    let csv = opp::export_csv(&state.db, s.id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"opportunites-{}.csv\"", s.slug),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        // A BOM, so that spreadsheets read the accents right.
        format!("\u{feff}{csv}"),
    )
        .into_response())
}

pub(super) async fn import_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites/import")?;
    Ok(import_view(&state, &user, &headers, StatusCode::OK, None, &[]).await)
}

async fn import_view(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    status: StatusCode,
    report: Option<&opp::ImportReport>,
    errors: &[(&'static str, String)],
) -> Response {
    let mut vars = Map::new();
    vars.insert("form".into(), form_value(&[], errors, ""));
    if let Some(r) = report {
        vars.insert(
            "rapport".into(),
            json!({
                "creees": r.created,
                "mises_a_jour": r.updated,
                "ecrit": r.written,
                "erreurs": r.errors.iter().map(|(l, m)| json!({"ligne": l, "message": m})).collect::<Vec<_>>(),
                "nombre_erreurs": r.error_count,
                "erreurs_non_detaillees": r.error_count - r.errors.len(),
            }),
        );
    }
    if user.role == Role::Admin {
        if let Ok(all) = accounts::structures(&state.db).await {
            vars.insert(
                "structures".into(),
                json!(all
                    .iter()
                    .map(|s| json!({"slug": s.slug, "nom": s.name}))
                    .collect::<Vec<_>>()),
            );
        }
    }
    page(
        state,
        status,
        (
            "conseil/import.html",
            "/conseil/opportunites/import",
            "Importer des opportunités",
        ),
        vars,
        headers,
        Some(user),
    )
}

pub(super) async fn import_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites/import")?;
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut file: Option<(String, Bytes)> = None;
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("Envoi du fichier interrompu : {e}")))?
    {
        let name = part.name().unwrap_or("").to_string();
        if name == "fichier" {
            let file_name = part.file_name().unwrap_or("").to_string();
            let data = part
                .bytes()
                .await
                .map_err(|e| AppError::BadRequest(format!("Envoi du fichier interrompu : {e}")))?;
            file = Some((file_name, data));
        } else {
            let value = part.text().await.unwrap_or_default();
            if value.contains('\0') {
                return Err(AppError::BadRequest(
                    "Le formulaire contient un caractère nul (U+0000), qui n'est jamais accepté."
                        .into(),
                )
                .into());
            }
            fields.insert(name, value);
        }
    }
    check_form(&headers, &state, &fields)?;
    let Some((file_name, data)) = file.filter(|(_, d)| !d.is_empty()) else {
        return Ok(import_view(
            &state,
            &user,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            &[("fichier", "Choisissez un fichier CSV ou JSON.".into())],
        )
        .await);
    };
    let rows = match parse_file(data, file_name.clone()).await {
        Ok(rows) => rows,
        Err(m) => {
            return Ok(import_view(
                &state,
                &user,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                &[("fichier", format!("{file_name} : {m}"))],
            )
            .await)
        }
    };
    let skip = !field(&fields, "ignorer_erreurs").is_empty();
    let report = opp::import(&state.db, &user, field(&fields, "structure"), rows, skip).await?;
    let status = if report.written {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(import_view(&state, &user, &headers, status, Some(&report), &[]).await)
}

/// Reads an import file on a blocking thread (decoding and parsing up to
/// `limits::IMPORT_MAX_BYTES` is CPU work).
pub(super) async fn parse_file(data: Bytes, name: String) -> Result<Vec<opp::ImportRow>, String> {
    tokio::task::spawn_blocking(move || crate::domain::opportunities::import::parse(&data, &name))
        .await
        .unwrap_or_else(|e| Err(format!("lecture du fichier interrompue : {e}")))
}

//! The digest: one run at a time, recipients claimed by chunks so that no email is sent twice, news from the "contenus" index and new opportunities for each alert.

use super::*;

/// A news article or guide of the site, as a digest shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewsItem {
    /// `actualite` or `guide`.
    pub kind: String,
    pub title: String,
    pub description: String,
    /// The page's path (`/actualites/…/`).
    pub url: String,
    /// `updated`, else `date`, unix seconds (midnight UTC).
    pub date: i64,
}

fn text_field(h: &tremplin_search::Hit, name: &str) -> String {
    match h.fields.get(name) {
        Some(tremplin_search::FieldValue::Text(s)) => s.clone(),
        _ => String::new(),
    }
}

/// News articles and guides dated from `from` to `to` (inclusive), newest first, read from
/// the "contenus" index (which `tremplin serve`, `build` and `newsletter send` keep up to
/// date with the site).
pub async fn site_news(
    search: &dyn tremplin_search::SearchEngine,
    from: i64,
    to: i64,
) -> Result<Vec<NewsItem>, AppError> {
    use tremplin_search::{FieldValue, Filter, SearchRequest, Sort};
    let mut found = Vec::new();
    let mut offset = 0;
    'pages: loop {
        let mut req = SearchRequest::new(crate::index::documents::CONTENUS, "");
        req.filters
            .push(Filter::any("kind", ["actualite", "guide"]));
        req.sort = Sort::Field {
            name: "date".into(),
            descending: true,
        };
        req.offset = offset;
        req.limit = 100;
        let page = search.search(&req).await?;
        if page.hits.is_empty() {
            break;
        }
        offset += page.hits.len();
        for h in &page.hits {
            let date = match h.fields.get("date") {
                Some(FieldValue::Int(d)) => *d,
                Some(FieldValue::Float(d)) => *d as i64,
                // Undated pages come last: nothing more to find.
                _ => break 'pages,
            };
            if date < from {
                break 'pages;
            }
            if date <= to {
                found.push(NewsItem {
                    kind: text_field(h, "kind"),
                    title: text_field(h, "title"),
                    description: text_field(h, "description"),
                    url: text_field(h, "url"),
                    date,
                });
            }
        }
        if offset >= page.total {
            break;
        }
    }
    Ok(found)
}

/// How a digest runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Stop after this many emails (as a crash would; the next call resumes). For tests.
    pub limit: Option<usize>,
    /// Messages handed to the mailer at once; also the most a crash can leave unsent.
    pub parallel: usize,
    /// Who started it (an email, or `ligne de commande`).
    pub started_by: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limit: None,
            parallel: 8,
            started_by: String::new(),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub digest_id: i64,
    /// The run continued an unfinished one.
    pub resumed: bool,
    pub news: usize,
    /// Emails accepted by the mailer in this run.
    pub sent: usize,
    /// Recipients with nothing new (no email) in this run.
    pub nothing_new: usize,
    /// Refusals of the mailer in this run (retried by the next run, three times at most).
    pub refused: usize,
    /// The whole digest is done.
    pub finished: bool,
    /// Totals of the digest by state.
    pub states: BTreeMap<String, i64>,
}

/// A digest, for the counsellors' page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub id: i64,
    pub since: i64,
    pub cutoff: i64,
    pub started_at: i64,
    pub started_by: String,
    pub finished_at: Option<i64>,
    pub news: Vec<NewsItem>,
    pub states: BTreeMap<String, i64>,
}

async fn states(db: &Db, digest_id: i64) -> Result<BTreeMap<String, i64>, AppError> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) FROM digest_recipients WHERE digest_id = $1 GROUP BY state",
    )
    .bind(digest_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

fn digest_from(r: &sqlx::any::AnyRow) -> Result<Digest, sqlx::Error> {
    let news: String = r.try_get(6)?;
    Ok(Digest {
        id: r.try_get(0)?,
        since: r.try_get(1)?,
        cutoff: r.try_get(2)?,
        started_at: r.try_get(3)?,
        started_by: r.try_get(4)?,
        finished_at: r.try_get(5)?,
        news: serde_json::from_str(&news).unwrap_or_default(),
        states: BTreeMap::new(),
    })
}

const DIGEST_SELECT: &str =
    "SELECT id, since, cutoff, started_at, started_by, finished_at, news FROM digests";

/// The last digests, newest first, with their counts.
pub async fn history(db: &Db, limit: usize) -> Result<Vec<Digest>, AppError> {
    let rows = sqlx::query(&format!("{DIGEST_SELECT} ORDER BY id DESC LIMIT {limit}"))
        .fetch_all(&db.pool)
        .await?;
    let mut list = Vec::new();
    for r in &rows {
        let mut d = digest_from(r)?;
        d.states = states(db, d.id).await?;
        list.push(d);
    }
    Ok(list)
}

/// How many youths receive the digest today.
pub async fn subscribers(db: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query(
        "SELECT COUNT(*) FROM newsletter_consents c JOIN users u ON u.id = c.user_id \
         WHERE c.subscribed = 1 AND u.role = 'youth' AND NOT u.disabled",
    )
    .fetch_one(&db.pool)
    .await?
    .try_get(0)?)
}

/// The unfinished run, or a new one: its cut-off is now, its news what the site published
/// since the last run (not already sent by it), its recipients every youth who opted in.
async fn open_run(state: &Mailing, started_by: &str) -> Result<(Digest, bool), AppError> {
    let db = &state.db;
    let unfinished = |db: &Db| {
        let db = db.clone();
        async move {
            let row = sqlx::query(&format!(
                "{DIGEST_SELECT} WHERE finished_at IS NULL ORDER BY id LIMIT 1"
            ))
            .fetch_optional(&db.pool)
            .await?;
            Ok::<_, AppError>(row.map(|r| digest_from(&r)).transpose()?)
        }
    };
    if let Some(d) = unfinished(db).await? {
        return Ok((d, true));
    }
    let cutoff = now();
    let last = sqlx::query(&format!("{DIGEST_SELECT} ORDER BY id DESC LIMIT 1"))
        .fetch_optional(&db.pool)
        .await?
        .map(|r| digest_from(&r))
        .transpose()?;
    let since = last
        .as_ref()
        .map(|d| d.cutoff)
        .unwrap_or(cutoff - 7 * 86_400);
    // Page dates are days (midnight UTC): take the whole day of `since`, minus what the
    // last digest already sent.
    let already: HashSet<String> = last
        .map(|d| d.news.into_iter().map(|n| n.url).collect())
        .unwrap_or_default();
    let news: Vec<NewsItem> = site_news(
        state.search.as_ref(),
        since - since.rem_euclid(86_400),
        cutoff,
    )
    .await?
    .into_iter()
    .filter(|n| !already.contains(&n.url))
    .collect();
    let mut tx = db.pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO digests (since, cutoff, started_at, started_by, news, running) \
         VALUES ($1, $2, $2, $3, $4, 1) RETURNING id",
    )
    .bind(since)
    .bind(cutoff)
    .bind(started_by)
    .bind(serde_json::to_string(&news).unwrap_or_else(|_| "[]".into()))
    .fetch_one(&mut *tx)
    .await;
    let id: i64 = match inserted {
        Ok(r) => r.try_get(0)?,
        Err(e) if is_unique_violation(&e) => {
            // Another run started at the same moment: continue it.
            drop(tx);
            return match unfinished(db).await? {
                Some(d) => Ok((d, true)),
                None => Err(AppError::Internal("envoi en cours introuvable".into())),
            };
        }
        Err(e) => return Err(e.into()),
    };
    sqlx::query(
        "INSERT INTO digest_recipients (digest_id, user_id, state, updated_at) \
         SELECT $1, u.id, 'a_envoyer', $2 FROM newsletter_consents c JOIN users u ON u.id = c.user_id \
         WHERE c.subscribed = 1 AND u.role = 'youth' AND NOT u.disabled",
    )
    .bind(id)
    .bind(cutoff)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((
        Digest {
            id,
            since,
            cutoff,
            started_at: cutoff,
            started_by: started_by.to_string(),
            finished_at: None,
            news,
            states: BTreeMap::new(),
        },
        false,
    ))
}

/// One recipient of a batch.
struct Recipient {
    user_id: i64,
    email: String,
    first_name: String,
    /// Still subscribed and enabled now.
    wants: bool,
}

/// What an alert found, shared by every alert with the same search and the same start.
type Found = Arc<Vec<Opportunity>>;

/// The opportunities matching `query`, published in `(after, until]`, newest first (the
/// listing itself, sorted by date, so keywords go through the search engine).
async fn new_for(
    state: &Mailing,
    query: &str,
    after: i64,
    until: i64,
) -> Result<Vec<Opportunity>, AppError> {
    let mut f = Filters::parse(query);
    f.sort = "date".into();
    f.page = None;
    let listing = match opp::list(&state.db, state.search.as_ref(), &f).await {
        Ok(l) => l,
        // A search that no longer reads (a commune renamed…) finds nothing.
        Err(AppError::Invalid(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(listing
        .items
        .into_iter()
        .map(|(o, _)| o)
        .filter(|o| o.published_at.is_some_and(|p| p > after && p <= until))
        .collect())
}

fn absolute(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else {
        format!("{base}{path}")
    }
}

fn news_view(base: &str, n: &NewsItem) -> Value {
    json!({
        "type": n.kind,
        "type_libelle": if n.kind == "guide" { "Guide" } else { "Actualité" },
        "titre": n.title,
        "description": n.description,
        "url": absolute(base, &n.url),
        "date": date_fr(&iso(n.date)),
    })
}

fn opportunity_view(base: &str, o: &Opportunity) -> Value {
    json!({
        "titre": o.title,
        "url": format!("{base}/opportunites/{}", o.id),
        "type_libelle": o.kind.label(),
        "organisme": o.organisation,
        "commune": o.place.town,
        "a_distance": o.place.remote,
        "date_limite": o.deadline.as_deref().map(date_fr),
    })
}

/// Renders one email; `None` when the templates fail (logged).
fn render(state: &Mailing, vars: &Map<String, Value>) -> Result<(String, String), AppError> {
    let html = state
        .pages
        .render("emails/lettre.html", "/lettre", vars)
        .map_err(|e| AppError::Internal(format!("gabarit emails/lettre.html : {e}")))?;
    let text = state
        .pages
        .render("emails/lettre.txt", "/lettre", vars)
        .map_err(|e| AppError::Internal(format!("gabarit emails/lettre.txt : {e}")))?;
    Ok((html, text))
}

/// Sends the digest: resumes the unfinished run if there is one, else starts a new one.
pub async fn send(state: &Mailing, options: &Options) -> Result<Report, AppError> {
    let db = &state.db;
    let (digest, resumed) = open_run(state, &options.started_by).await?;
    let base = state.config.base_url.clone();
    let site_title = "Tremplin";
    let news: Vec<Value> = digest.news.iter().map(|n| news_view(&base, n)).collect();
    let mut report = Report {
        digest_id: digest.id,
        resumed,
        news: digest.news.len(),
        ..Report::default()
    };
    let parallel = options.parallel.max(1);
    let mut cache: HashMap<(String, i64), Found> = HashMap::new();
    let mut after_user = 0i64;
    let mut stopped = false;
    'batches: loop {
        let rows = sqlx::query(&format!(
            "SELECT r.user_id, u.email, u.first_name, \
             CAST(CASE WHEN c.subscribed = 1 AND u.role = 'youth' AND NOT u.disabled THEN 1 ELSE 0 END AS BIGINT) \
             FROM digest_recipients r JOIN users u ON u.id = r.user_id \
             LEFT JOIN newsletter_consents c ON c.user_id = r.user_id \
             WHERE r.digest_id = $1 AND r.state = 'a_envoyer' AND r.user_id > $2 \
             ORDER BY r.user_id LIMIT {BATCH}"
        ))
        .bind(digest.id)
        .bind(after_user)
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        let batch: Vec<Recipient> = rows
            .iter()
            .map(|r| {
                Ok(Recipient {
                    user_id: r.try_get(0)?,
                    email: r.try_get(1)?,
                    first_name: r.try_get(2)?,
                    wants: r.try_get::<i64, _>(3)? != 0,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        after_user = batch.last().map(|r| r.user_id).unwrap_or(after_user);
        let ids = batch
            .iter()
            .map(|r| r.user_id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let alert_rows = sqlx::query(&format!(
            "{ALERT_SELECT} WHERE user_id IN ({ids}) AND last_sent_at < $1 ORDER BY user_id, id"
        ))
        .bind(digest.cutoff)
        .fetch_all(&db.pool)
        .await?;
        let mut alerts: HashMap<i64, Vec<Alert>> = HashMap::new();
        for r in &alert_rows {
            let a = alert_from(r)?;
            alerts.entry(a.user_id).or_default().push(a);
        }

        // What each recipient gets: (recipient, letter, alerts covered).
        let mut letters: Vec<(i64, Letter, Vec<i64>)> = Vec::new();
        let mut nothing: Vec<i64> = Vec::new();
        let mut nothing_alerts: Vec<i64> = Vec::new();
        for r in &batch {
            if !r.wants {
                nothing.push(r.user_id);
                continue;
            }
            let mut covered = Vec::new();
            let mut sections = Vec::new();
            let mut new_count = 0;
            for a in alerts.get(&r.user_id).map(Vec::as_slice).unwrap_or(&[]) {
                let due = a.frequency == Frequency::Daily || digest.cutoff - a.last_sent_at >= WEEK;
                if !due {
                    continue;
                }
                covered.push(a.id);
                let key = (a.query.clone(), a.last_sent_at);
                let found = match cache.get(&key) {
                    Some(f) => f.clone(),
                    None => {
                        let f: Found = Arc::new(
                            new_for(state, &a.query, a.last_sent_at, digest.cutoff).await?,
                        );
                        cache.insert(key, f.clone());
                        f
                    }
                };
                if found.is_empty() {
                    continue;
                }
                new_count += found.len();
                sections.push(json!({
                    "nom": a.name,
                    "recherche": a.description(),
                    "url": format!("{base}{}", a.path()),
                    "nombre": found.len(),
                    "opportunites": found.iter().take(PER_ALERT).map(|o| opportunity_view(&base, o)).collect::<Vec<_>>(),
                    "autres": found.len().saturating_sub(PER_ALERT),
                }));
            }
            if news.is_empty() && sections.is_empty() {
                nothing.push(r.user_id);
                nothing_alerts.extend(covered);
                continue;
            }
            let unsubscribe = unsubscribe_url(&base, &state.config.secret, r.user_id);
            let mut vars = Map::new();
            vars.insert("prenom".into(), json!(r.first_name));
            vars.insert("actualites".into(), json!(news));
            vars.insert("alertes".into(), json!(sections));
            vars.insert("desabonnement".into(), json!(unsubscribe));
            vars.insert("site".into(), json!({"titre": site_title, "url": base}));
            vars.insert("compte".into(), json!(format!("{base}/compte/alertes")));
            let (html, text) = render(state, &vars)?;
            let subject = match new_count {
                0 => format!("Les nouveautés de {site_title}"),
                1 => "1 nouvelle opportunité pour vous".to_string(),
                n => format!("{n} nouvelles opportunités pour vous"),
            };
            letters.push((
                r.user_id,
                Letter {
                    to: r.email.clone(),
                    subject,
                    text,
                    html,
                    unsubscribe,
                },
                covered,
            ));
        }

        // Nothing new: no email; the alerts looked at are up to date.
        if !nothing.is_empty() {
            let mut tx = db.pool.begin().await?;
            let done = sqlx::query(&format!(
                "UPDATE digest_recipients SET state = 'rien', updated_at = $2 \
                 WHERE digest_id = $1 AND state = 'a_envoyer' AND user_id IN ({})",
                join(&nothing)
            ))
            .bind(digest.id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            if !nothing_alerts.is_empty() {
                sqlx::query(&format!(
                    "UPDATE saved_searches SET last_sent_at = $1 WHERE id IN ({}) AND last_sent_at < $1",
                    join(&nothing_alerts)
                ))
                .bind(digest.cutoff)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            report.nothing_new += done.rows_affected() as usize;
        }

        let mut rest = letters.into_iter().peekable();
        while rest.peek().is_some() {
            let room = match options.limit {
                Some(l) if report.sent >= l => {
                    stopped = true;
                    break 'batches;
                }
                Some(l) => (l - report.sent).min(parallel),
                None => parallel,
            };
            let chunk: Vec<(i64, Letter, Vec<i64>)> = rest.by_ref().take(room).collect();
            // The claim: only rows still to send become ours (another run may have them).
            let claimed = sqlx::query(&format!(
                "UPDATE digest_recipients SET state = 'envoi', attempts = attempts + 1, updated_at = $2 \
                 WHERE digest_id = $1 AND state = 'a_envoyer' AND user_id IN ({}) RETURNING user_id",
                join(&chunk.iter().map(|c| c.0).collect::<Vec<_>>())
            ))
            .bind(digest.id)
            .bind(now())
            .fetch_all(&db.pool)
            .await?;
            let claimed: HashSet<i64> = claimed
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<_, _>>()?;
            let mut tasks = tokio::task::JoinSet::new();
            for (user_id, letter, covered) in chunk {
                if !claimed.contains(&user_id) {
                    continue;
                }
                let mailer = state.mailer.clone();
                tasks.spawn(async move {
                    let result = mailer.send_letter(&letter).await;
                    (user_id, covered, result)
                });
            }
            let mut accepted = Vec::new();
            let mut accepted_alerts = Vec::new();
            let mut refused = Vec::new();
            while let Some(done) = tasks.join_next().await {
                let (user_id, covered, result) =
                    done.map_err(|e| AppError::Internal(format!("envoi interrompu : {e}")))?;
                match result {
                    Ok(()) => {
                        accepted.push(user_id);
                        accepted_alerts.extend(covered);
                    }
                    Err(e) => refused.push((user_id, e)),
                }
            }
            let mut tx = db.pool.begin().await?;
            if !accepted.is_empty() {
                sqlx::query(&format!(
                    "UPDATE digest_recipients SET state = 'envoye', updated_at = $2 \
                     WHERE digest_id = $1 AND user_id IN ({})",
                    join(&accepted)
                ))
                .bind(digest.id)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            }
            if !accepted_alerts.is_empty() {
                sqlx::query(&format!(
                    "UPDATE saved_searches SET last_sent_at = $1 WHERE id IN ({}) AND last_sent_at < $1",
                    join(&accepted_alerts)
                ))
                .bind(digest.cutoff)
                .execute(&mut *tx)
                .await?;
            }
            // A refusal is certain (nothing left): the recipient goes back to the queue.
            for (user_id, e) in &refused {
                sqlx::query(
                    "UPDATE digest_recipients SET state = CASE WHEN attempts >= 3 THEN 'echec' ELSE 'a_envoyer' END, \
                     error = $3, updated_at = $4 WHERE digest_id = $1 AND user_id = $2",
                )
                .bind(digest.id)
                .bind(user_id)
                .bind(e.chars().take(500).collect::<String>())
                .bind(now())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            report.sent += accepted.len();
            report.refused += refused.len();
            if accepted.is_empty() && !refused.is_empty() {
                // The mailer refuses everything: stop, the next run will resume.
                let (_, e) = &refused[0];
                return Err(AppError::Internal(format!(
                    "lettre {} : le serveur de courriel refuse les envois ({e}) ; relancez l'envoi plus tard, il reprendra où il s'est arrêté",
                    digest.id
                )));
            }
        }
    }
    if !stopped {
        let left: i64 = sqlx::query(
            "SELECT COUNT(*) FROM digest_recipients WHERE digest_id = $1 AND state = 'a_envoyer'",
        )
        .bind(digest.id)
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
        if left == 0 {
            sqlx::query("UPDATE digests SET finished_at = $2, running = NULL WHERE id = $1")
                .bind(digest.id)
                .bind(now())
                .execute(&db.pool)
                .await?;
            report.finished = true;
        }
    }
    report.states = states(db, digest.id).await?;
    Ok(report)
}

fn join(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl Report {
    /// One line in French for the command line and the counsellors' page.
    pub fn summary(&self) -> String {
        let get = |k: &str| self.states.get(k).copied().unwrap_or(0);
        let mut s = format!(
            "Lettre n° {}{} : {} courriel{} envoyé{} ({} actualité{} ou guide{}), {} jeune{} sans nouveauté.",
            self.digest_id,
            if self.resumed { " (reprise)" } else { "" },
            self.sent,
            plural(self.sent),
            plural(self.sent),
            self.news,
            plural(self.news),
            plural(self.news),
            self.nothing_new,
            plural(self.nothing_new),
        );
        if self.refused > 0 {
            s.push_str(&format!(
                " {} refusé{} par le serveur de courriel.",
                self.refused,
                plural(self.refused)
            ));
        }
        if get("envoi") > 0 {
            s.push_str(&format!(
                " {} courriel{} interrompu{} par un arrêt brutal, non renvoyé{} (pour ne jamais envoyer deux fois).",
                get("envoi"),
                plural(get("envoi") as usize),
                plural(get("envoi") as usize),
                plural(get("envoi") as usize)
            ));
        }
        if !self.finished {
            s.push_str(&format!(
                " Pas terminée : {} destinataire{} restant{} ; relancez l'envoi pour la reprendre.",
                get("a_envoyer"),
                plural(get("a_envoyer") as usize),
                plural(get("a_envoyer") as usize)
            ));
        }
        s
    }
}

fn plural(n: usize) -> &'static str {
    if n > 1 {
        "s"
    } else {
        ""
    }
}

//! Questions from youths to the counsellors of their Mission Locale: asking, the counsellors'
//! inbox, taking a question (one counsellor at most, atomically), answering, and turning an
//! answered question into a public FAQ entry of the site (personal details removed, the file
//! committed to the site's git repository with the counsellor as author).
//! Every statement about questions is here; `web_questions` is their HTTP side.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::accounts::{Role, Structure, User};
use crate::infra::config::ApiConfig;
use crate::infra::db::{now, Db};
use crate::infra::error::{AppError, FieldErrors};
use crate::infra::mail::{Email, Mailer};
use crate::infra::time::iso;
use crate::infra::vocabulary::{slug, vocabulary};

vocabulary! {
    /// Where a question stands.
    pub enum QuestionStatus {
        New = ("nouvelle", "Nouvelle"),
        Taken = ("prise", "Prise en charge"),
        Answered = ("repondue", "Répondue"),
    }
}

/// The themes of the site's FAQ a published entry may take.
pub const FAQ_THEMES: &[&str] = &[
    "accompagnement",
    "emploi",
    "formation",
    "logement",
    "santé",
    "mobilité",
    "argent et droits",
    "vie quotidienne",
];

pub const QUESTION_MIN: usize = 10;
pub const QUESTION_MAX: usize = 2000;
pub const SUBJECT_MAX: usize = 150;
pub const ANSWER_MAX: usize = 20_000;

// ---- what is read ----

/// A question as stored, with the names that pages show.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: i64,
    pub structure: Structure,
    pub youth_id: i64,
    pub youth_first_name: String,
    pub youth_email: String,
    pub subject: String,
    pub body: String,
    /// The site's page the youth asked from (`/guides/cv/`), or empty.
    pub page: String,
    /// `nouvelle`, `prise` or `repondue`.
    pub status: QuestionStatus,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub taken_at: Option<i64>,
    pub answer: Option<String>,
    pub answered_by_name: Option<String>,
    pub answered_at: Option<i64>,
    /// The FAQ entry it became, relative to `content/` (`faq/mon-titre.md`).
    pub faq_path: Option<String>,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Question {
    /// The subject, or the beginning of the question.
    pub fn title(&self) -> String {
        if !self.subject.is_empty() {
            return self.subject.clone();
        }
        shorten(&self.body, 80)
    }

    /// The public address of the FAQ entry, once published.
    pub fn faq_url(&self) -> Option<String> {
        self.faq_path.as_deref().map(faq_url)
    }

    /// The JSON shape of the API. The youth's email is given to counsellors only.
    pub fn to_json(&self, for_staff: bool) -> Value {
        let mut v = json!({
            "id": self.id,
            "structure": {"slug": self.structure.slug, "name": self.structure.name},
            "subject": self.subject,
            "question": self.body,
            "page": if self.page.is_empty() { None } else { Some(&self.page) },
            "status": self.status,
            "assignee": self.assignee_name,
            "taken_at": self.taken_at.map(iso),
            "answer": self.answer,
            "answer_html": self.answer.as_deref().map(crate::infra::markdown::safe_html),
            "answered_by": self.answered_by_name,
            "answered_at": self.answered_at.map(iso),
            "faq": self.faq_url(),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        });
        if for_staff {
            v["youth"] = json!({"first_name": self.youth_first_name, "email": self.youth_email});
        }
        v
    }
}

/// `faq/mon-titre.md` → `/faq/mon-titre/`.
pub fn faq_url(path: &str) -> String {
    format!("/{}/", path.trim_end_matches(".md"))
}

/// The first `max` characters of a text on one line, cut at a word, with "…".
pub fn shorten(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(at) if at > max / 2 => cut[..at].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

const SELECT: &str =
    "SELECT q.id, q.structure_id, q.youth_id, q.subject, q.body, q.page, q.status, \
    q.assignee_id, q.taken_at, q.answer, q.answered_at, q.faq_path, q.published_at, q.created_at, \
    q.updated_at, s.slug, s.name AS sname, s.town AS stown, s.contact, \
    y.first_name AS yname, y.email AS yemail, a.first_name AS aname, r.first_name AS rname \
    FROM questions q JOIN structures s ON s.id = q.structure_id \
    JOIN users y ON y.id = q.youth_id \
    LEFT JOIN users a ON a.id = q.assignee_id \
    LEFT JOIN users r ON r.id = q.answered_by";

fn from_row(r: &AnyRow) -> Result<Question, sqlx::Error> {
    Ok(Question {
        id: r.try_get("id")?,
        structure: Structure {
            id: r.try_get("structure_id")?,
            slug: r.try_get("slug")?,
            name: r.try_get("sname")?,
            town: r.try_get("stown")?,
            contact: r.try_get("contact")?,
        },
        youth_id: r.try_get("youth_id")?,
        youth_first_name: r.try_get("yname")?,
        youth_email: r.try_get("yemail")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        page: r.try_get("page")?,
        status: slug(r, "status")?,
        assignee_id: r.try_get("assignee_id")?,
        assignee_name: r.try_get("aname")?,
        taken_at: r.try_get("taken_at")?,
        answer: r.try_get("answer")?,
        answered_by_name: r.try_get("rname")?,
        answered_at: r.try_get("answered_at")?,
        faq_path: r.try_get("faq_path")?,
        published_at: r.try_get("published_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

async fn get(db: &Db, id: i64) -> Result<Option<Question>, AppError> {
    let row = sqlx::query(&format!("{SELECT} WHERE q.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| from_row(&r)).transpose()?)
}

/// Whether `user` handles the questions of `structure_id`: its counsellors, and admins.
pub fn handles(user: &User, structure_id: i64) -> bool {
    user.manages(structure_id)
}

fn staff_only(user: &User) -> Result<(), AppError> {
    if user.role == Role::Youth {
        return Err(AppError::Forbidden(
            "Cette page est réservée aux conseillers.".into(),
        ));
    }
    Ok(())
}

/// A question `user` may read: the youth's own, or one of their structure for counsellors.
/// Anything else is "not found": nobody learns what another structure is asked.
pub async fn get_for(db: &Db, user: &User, id: i64) -> Result<Question, AppError> {
    match get(db, id).await? {
        Some(q) if q.youth_id == user.id || handles(user, q.structure.id) => Ok(q),
        _ => Err(AppError::NotFound),
    }
}

/// A question `user` handles (counsellors of its structure, admins); 404 otherwise.
pub async fn get_handled(db: &Db, user: &User, id: i64) -> Result<Question, AppError> {
    staff_only(user)?;
    match get(db, id).await? {
        Some(q) if handles(user, q.structure.id) => Ok(q),
        _ => Err(AppError::NotFound),
    }
}

/// The questions a youth asked, newest first.
pub async fn mine(db: &Db, user: &User) -> Result<Vec<Question>, AppError> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE q.youth_id = $1 ORDER BY q.created_at DESC, q.id DESC"
    ))
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The tabs of the counsellors' inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inbox {
    /// Nobody took them yet (oldest first: they have waited longest).
    New,
    /// Taken by the viewer, not yet answered.
    Mine,
    /// Answered (newest answers first).
    Answered,
}

impl Inbox {
    pub fn parse(s: &str) -> Inbox {
        match s {
            "miennes" | "mine" => Inbox::Mine,
            "repondues" | "answered" => Inbox::Answered,
            _ => Inbox::New,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Inbox::New => "nouvelles",
            Inbox::Mine => "miennes",
            Inbox::Answered => "repondues",
        }
    }
}

/// The inbox of `user`: their structure's questions (every structure's for admins).
pub async fn inbox(db: &Db, user: &User, tab: Inbox) -> Result<Vec<Question>, AppError> {
    staff_only(user)?;
    let structure = match user.role {
        Role::Admin => None,
        _ => Some(
            user.structure
                .as_ref()
                .ok_or_else(|| {
                    AppError::Forbidden(
                        "Votre compte n'est rattaché à aucune Mission Locale.".into(),
                    )
                })?
                .id,
        ),
    };
    let (condition, order) = match tab {
        Inbox::New => ("q.status = 'nouvelle'", "q.created_at, q.id"),
        Inbox::Mine => (
            "q.status = 'prise' AND q.assignee_id = $2",
            "q.taken_at, q.id",
        ),
        Inbox::Answered => ("q.status = 'repondue'", "q.answered_at DESC, q.id DESC"),
    };
    let sql = format!(
        "{SELECT} WHERE (q.structure_id = $1 OR $1 = 0) AND {condition} ORDER BY {order} LIMIT 500"
    );
    let mut query = sqlx::query(&sql).bind(structure.unwrap_or(0));
    if tab == Inbox::Mine {
        query = query.bind(user.id);
    }
    let rows = query.fetch_all(&db.pool).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// How many questions wait in each tab, for the tabs' labels.
pub async fn counts(db: &Db, user: &User) -> Result<(i64, i64), AppError> {
    staff_only(user)?;
    let structure = if user.role == Role::Admin {
        0
    } else {
        user.structure.as_ref().map_or(-1, |s| s.id)
    };
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN status = 'nouvelle' THEN 1 ELSE 0 END), 0) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(CASE WHEN status = 'prise' AND assignee_id = $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS m \
         FROM questions WHERE structure_id = $1 OR $1 = 0",
    )
    .bind(structure)
    .bind(user.id)
    .fetch_one(&db.pool)
    .await?;
    Ok((row.try_get("n")?, row.try_get("m")?))
}

// ---- asking ----

/// A question as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ask {
    pub subject: String,
    pub question: String,
    /// The site's page it was asked from.
    pub page: String,
}

/// Only a path of the site is kept as the page a question came from.
pub fn clean_page(page: &str) -> String {
    crate::infra::limits::local_path(page.trim(), 300).unwrap_or_default()
}

/// Checks a question; each wrong field gets its French message.
pub fn validate(a: &Ask) -> Result<(String, String, String), FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let subject = a.subject.split_whitespace().collect::<Vec<_>>().join(" ");
    if subject.chars().count() > SUBJECT_MAX {
        errors.push((
            "subject",
            format!("Le sujet doit faire {SUBJECT_MAX} caractères au plus."),
        ));
    }
    let body = a.question.trim().replace("\r\n", "\n");
    let n = body.chars().count();
    if body.is_empty() {
        errors.push(("question", "Écrivez votre question.".into()));
    } else if n < QUESTION_MIN {
        errors.push((
            "question",
            format!("Votre question est trop courte : écrivez au moins {QUESTION_MIN} caractères."),
        ));
    } else if n > QUESTION_MAX {
        errors.push((
            "question",
            format!(
                "Votre question est trop longue : {QUESTION_MAX} caractères au plus (elle en fait {n})."
            ),
        ));
    }
    if errors.is_empty() {
        Ok((subject, body, clean_page(&a.page)))
    } else {
        Err(errors)
    }
}

/// The message for a youth who has no Mission Locale yet.
pub const NO_STRUCTURE: &str = "Pour poser une question, votre compte doit être rattaché à une Mission Locale. Choisissez la vôtre dans « Mon compte », puis revenez poser votre question.";

/// Records a youth's question for the counsellors of their structure.
pub async fn ask(db: &Db, user: &User, a: &Ask) -> Result<Question, AppError> {
    if user.role != Role::Youth {
        return Err(AppError::Forbidden(
            "Les questions sont posées par les jeunes depuis leur compte.".into(),
        ));
    }
    let Some(structure) = &user.structure else {
        return Err(AppError::Forbidden(NO_STRUCTURE.into()));
    };
    let (subject, body, page) = validate(a).map_err(AppError::Invalid)?;
    let t = now();
    // At most `QUESTIONS_WAITING_MAX` questions waiting for an answer per youth: the count and
    // the insert are one statement, under a lock of the youth's row on PostgreSQL.
    let mut tx = db.pool.begin().await?;
    if db.backend == crate::infra::db::Backend::Postgres {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(user.id)
            .fetch_optional(&mut *tx)
            .await?;
    }
    let row = sqlx::query(
        "INSERT INTO questions (structure_id, youth_id, subject, body, page, status, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, 'nouvelle', $6, $6 WHERE (SELECT COUNT(*) FROM questions \
           WHERE youth_id = $2 AND status IN ('nouvelle', 'prise')) < $7 RETURNING id",
    )
    .bind(structure.id)
    .bind(user.id)
    .bind(&subject)
    .bind(&body)
    .bind(&page)
    .bind(t)
    .bind(crate::infra::limits::QUESTIONS_WAITING_MAX)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let Some(row) = row else {
        return Err(AppError::Invalid(vec![(
            "question",
            format!(
                "Vous avez déjà {} questions qui attendent une réponse : votre Mission Locale y répond d'abord.",
                crate::infra::limits::QUESTIONS_WAITING_MAX
            ),
        )]));
    };
    let id: i64 = row.try_get("id")?;
    get(db, id).await?.ok_or(AppError::NotFound)
}

// ---- taking and answering ----

/// What "Je m'en occupe" did.
#[derive(Debug, Clone, PartialEq)]
pub enum Took {
    /// The question is now the viewer's (or already was).
    Taken(Question),
    /// Someone else took it first, or it is answered.
    AlreadyTaken(Question),
}

/// Takes a new question: one `UPDATE … WHERE status = 'nouvelle'`, so of two counsellors
/// who click at the same time, exactly one gets it.
pub async fn take(db: &Db, user: &User, id: i64) -> Result<Took, AppError> {
    get_handled(db, user, id).await?;
    let t = now();
    let done = sqlx::query(
        "UPDATE questions SET status = 'prise', assignee_id = $1, taken_at = $2, updated_at = $2 \
         WHERE id = $3 AND status = 'nouvelle'",
    )
    .bind(user.id)
    .bind(t)
    .bind(id)
    .execute(&db.pool)
    .await?;
    let q = get(db, id).await?.ok_or(AppError::NotFound)?;
    if done.rows_affected() == 1
        || (q.status == QuestionStatus::Taken && q.assignee_id == Some(user.id))
    {
        Ok(Took::Taken(q))
    } else {
        Ok(Took::AlreadyTaken(q))
    }
}

/// The French sentence for a question someone else has.
pub fn taken_message(q: &Question) -> String {
    match (q.status, &q.assignee_name) {
        (QuestionStatus::Answered, _) => "Cette question a déjà reçu une réponse.".to_string(),
        (_, Some(name)) => format!("{name} s'occupe déjà de cette question."),
        _ => "Un autre conseiller ou une autre conseillère s'occupe déjà de cette question."
            .to_string(),
    }
}

/// Answers a question the viewer took (or a new one, which they take by answering), then
/// tells the youth by email. A failed email is logged: the answer stays, and the youth sees
/// it in "Mes questions".
pub async fn answer(
    db: &Db,
    config: &ApiConfig,
    mailer: &Mailer,
    user: &User,
    id: i64,
    text: &str,
) -> Result<Question, AppError> {
    get_handled(db, user, id).await?;
    let text = text.trim().replace("\r\n", "\n");
    let n = text.chars().count();
    if text.is_empty() {
        return Err(AppError::Invalid(vec![(
            "answer",
            "Écrivez votre réponse.".into(),
        )]));
    }
    if n > ANSWER_MAX {
        return Err(AppError::Invalid(vec![(
            "answer",
            format!("La réponse doit faire {ANSWER_MAX} caractères au plus."),
        )]));
    }
    let t = now();
    let done = sqlx::query(
        "UPDATE questions SET status = 'repondue', answer = $1, answered_by = $2, answered_at = $3, \
         assignee_id = $2, taken_at = COALESCE(taken_at, $3), updated_at = $3 \
         WHERE id = $4 AND (status = 'nouvelle' OR (status = 'prise' AND assignee_id = $2))",
    )
    .bind(&text)
    .bind(user.id)
    .bind(t)
    .bind(id)
    .execute(&db.pool)
    .await?;
    let q = get(db, id).await?.ok_or(AppError::NotFound)?;
    if done.rows_affected() != 1 {
        return Err(AppError::Invalid(vec![("answer", taken_message(&q))]));
    }
    let email = answer_email(config, &q);
    if let Err(e) = mailer.send(&email).await {
        AppError::Internal(format!("courriel de réponse à la question {id} : {e}")).log();
    }
    Ok(q)
}

/// The email telling a youth their question has an answer: a link, not the answer itself
/// (the answer is read once signed in).
pub fn answer_email(config: &ApiConfig, q: &Question) -> Email {
    let link = format!("{}/compte/questions#question-{}", config.base_url, q.id);
    Email {
        to: q.youth_email.clone(),
        subject: "Votre question a une réponse".into(),
        text: format!(
            "Bonjour {},\n\nLa {} a répondu à votre question « {} ».\n\nPour lire la réponse, connectez-vous et ouvrez « Mes questions » :\n{link}\n\nÀ bientôt sur Tremplin.\n",
            q.youth_first_name,
            q.structure.name,
            shorten(&q.title(), 80),
        ),
    }
}

/// A youth's questions for their data export (RGPD).
pub async fn export_for(db: &Db, user: &User) -> Result<Value, AppError> {
    Ok(json!(mine(db, user)
        .await?
        .iter()
        .map(|q| json!({
            "sujet": q.subject,
            "question": q.body,
            "page": q.page,
            "statut": q.status.label(),
            "reponse": q.answer,
            "posee_le": iso(q.created_at),
            "repondue_le": q.answered_at.map(iso),
        }))
        .collect::<Vec<_>>()))
}

// ---- personal details ----

/// What `scrub` removed from a text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scrubbed {
    pub emails: usize,
    pub phones: usize,
    pub names: usize,
}

impl Scrubbed {
    pub fn any(&self) -> bool {
        self.emails + self.phones + self.names > 0
    }

    pub fn add(&mut self, other: Scrubbed) {
        self.emails += other.emails;
        self.phones += other.phones;
        self.names += other.names;
    }

    /// A French sentence saying what was removed, or `None`.
    pub fn warning(&self) -> Option<String> {
        let mut parts = Vec::new();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n > 1 { many } else { one });
        if self.emails > 0 {
            parts.push(plural(
                self.emails,
                "adresse électronique",
                "adresses électroniques",
            ));
        }
        if self.phones > 0 {
            parts.push(plural(
                self.phones,
                "numéro de téléphone",
                "numéros de téléphone",
            ));
        }
        if self.names > 0 {
            parts.push(plural(
                self.names,
                "fois le prénom du jeune",
                "fois le prénom du jeune",
            ));
        }
        (!parts.is_empty()).then(|| {
            format!(
                "Nous avons retiré du texte : {}. Relisez le texte et retirez aussi tout autre détail personnel (nom, adresse, lieu de travail…).",
                parts.join(", ")
            )
        })
    }
}

pub const EMAIL_MARK: &str = "[adresse retirée]";
pub const PHONE_MARK: &str = "[numéro retiré]";
pub const NAME_MARK: &str = "[prénom]";

fn email_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// Removes email addresses, phone numbers (9 to 15 digits, with spaces, dots or dashes
/// between them, `+33` or not) and the given names (whole words, any case) from `text`.
pub fn scrub(text: &str, names: &[&str]) -> (String, Scrubbed) {
    let mut found = Scrubbed::default();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        // An email: around an '@', a local part and a domain with a dot.
        if chars[i] == '@' {
            let mut start = i;
            while start > 0 && email_char(chars[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && email_char(chars[end]) {
                end += 1;
            }
            let mut domain: String = chars[i + 1..end].iter().collect();
            while domain.ends_with(['.', '-']) {
                domain.pop();
                end -= 1;
            }
            let local_len = i - start;
            let local_in_out: usize = chars[start..i].iter().map(|c| c.len_utf8()).sum();
            if local_len > 0 && domain.contains('.') && !domain.starts_with('.') {
                out.truncate(out.len() - local_in_out);
                out.push_str(EMAIL_MARK);
                found.emails += 1;
                i = end;
                continue;
            }
        }
        // A phone number: starts with a digit or '+', not inside a word or a number.
        let starts = (chars[i].is_ascii_digit() || chars[i] == '+')
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '+'));
        if starts {
            let mut j = i + usize::from(chars[i] == '+');
            let mut digits = 0;
            let mut last_digit_end = i;
            while j < chars.len() {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                    j += 1;
                    last_digit_end = j;
                } else if matches!(chars[j], ' ' | '.' | '-' | '\u{a0}' | '\u{202f}')
                    && j + 1 < chars.len()
                    && chars[j + 1].is_ascii_digit()
                    && j > i
                    && chars[j - 1].is_ascii_digit()
                {
                    j += 1;
                } else if chars[j] == '('
                    && j + 2 < chars.len()
                    && chars[j + 1] == '0'
                    && chars[j + 2] == ')'
                {
                    // +33 (0)6 12 34 56 78
                    j += 3;
                } else {
                    break;
                }
            }
            let followed_by_word =
                last_digit_end < chars.len() && chars[last_digit_end].is_alphanumeric();
            if (9..=15).contains(&digits) && !followed_by_word {
                out.push_str(PHONE_MARK);
                found.phones += 1;
                i = last_digit_end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    // Names, as whole words.
    for name in names
        .iter()
        .map(|n| n.trim())
        .filter(|n| n.chars().count() >= 2)
    {
        let (replaced, n) = replace_word(&out, name);
        out = replaced;
        found.names += n;
    }
    (out, found)
}

/// Replaces every whole-word, case-insensitive occurrence of `word` by `NAME_MARK`.
fn replace_word(text: &str, word: &str) -> (String, usize) {
    let lower_word: Vec<char> = word.to_lowercase().chars().collect();
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut i = 0;
    while i < chars.len() {
        let fits = i + lower_word.len() <= chars.len()
            && lower[i..i + lower_word.len()] == lower_word[..]
            && (i == 0 || !chars[i - 1].is_alphanumeric())
            && chars
                .get(i + lower_word.len())
                .is_none_or(|c| !c.is_alphanumeric());
        if fits {
            out.push_str(NAME_MARK);
            count += 1;
            i += lower_word.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    (out, count)
}

// ---- FAQ entries ----

/// A FAQ entry as the counsellor edits it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FaqDraft {
    pub title: String,
    pub description: String,
    /// The question as it will be shown (may be empty: the title is then the question).
    pub question: String,
    pub answer: String,
    pub theme: String,
    pub publics: Vec<String>,
}

impl FaqDraft {
    /// Removes personal details from every text field, and says what was removed.
    pub fn scrub(&mut self, names: &[&str]) -> Scrubbed {
        let mut all = Scrubbed::default();
        for text in [
            &mut self.title,
            &mut self.description,
            &mut self.question,
            &mut self.answer,
        ] {
            let (clean, found) = scrub(text, names);
            *text = clean;
            all.add(found);
        }
        all
    }
}

/// The form's first version: the question's text and answer with personal details removed.
pub fn faq_draft(q: &Question) -> (FaqDraft, Scrubbed) {
    let mut d = FaqDraft {
        title: if q.subject.is_empty() {
            shorten(&q.body, 100)
        } else {
            q.subject.clone()
        },
        description: shorten(
            q.answer
                .as_deref()
                .unwrap_or("")
                .replace(['*', '#', '_', '>', '`'], " ")
                .trim(),
            150,
        ),
        question: q.body.clone(),
        answer: q.answer.clone().unwrap_or_default(),
        theme: String::new(),
        publics: vec!["16-17 ans".into(), "18-25 ans".into()],
    };
    let found = d.scrub(&names_of(q));
    (d, found)
}

/// The names removed automatically: the youth's first name (the only one Tremplin knows).
fn names_of(q: &Question) -> Vec<&str> {
    vec![q.youth_first_name.as_str()]
}

/// What the FAQ file will hold, once checked.
struct ValidFaq {
    title: String,
    description: String,
    question: String,
    answer: String,
    theme: String,
    publics: Vec<String>,
}

fn validate_faq(d: &FaqDraft) -> Result<ValidFaq, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let title = d.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        errors.push(("title", "Le titre est obligatoire.".into()));
    } else if title.chars().count() > 200 {
        errors.push((
            "title",
            "Le titre doit faire 200 caractères au plus.".into(),
        ));
    }
    let description = d
        .description
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if description.chars().count() > 300 {
        errors.push((
            "description",
            "Le résumé doit faire 300 caractères au plus.".into(),
        ));
    }
    let question = d.question.trim().replace("\r\n", "\n");
    let answer = d.answer.trim().replace("\r\n", "\n");
    if answer.is_empty() {
        errors.push(("answer", "La réponse est obligatoire.".into()));
    }
    for (field, text) in [("question", &question), ("answer", &answer)] {
        if text.chars().count() > ANSWER_MAX {
            errors.push((
                field,
                format!("Ce texte doit faire {ANSWER_MAX} caractères au plus."),
            ));
        } else if text.contains("{{") || text.contains("{%") || text.contains("+++") {
            errors.push((
                field,
                "Les signes {{, {% et +++ sont réservés à la mise en page du site : retirez-les."
                    .into(),
            ));
        } else if text.contains("](@/") {
            errors.push((field, "Les liens internes « @/ » ne sont pas vérifiés ici : mettez plutôt l'adresse de la page (par exemple /guides/cv/).".into()));
        }
    }
    // The youth's question is written as plain text (`faq_file`); the answer is the
    // counsellor's Markdown, published as it is: no HTML, only safe links.
    if let Some(m) = crate::infra::markdown::unsafe_markup(&answer) {
        errors.push(("answer", m));
    }
    let theme = d.theme.trim().to_string();
    if !FAQ_THEMES.contains(&theme.as_str()) {
        errors.push((
            "theme",
            format!("Choisissez le thème parmi : {}.", FAQ_THEMES.join(", ")),
        ));
    }
    let mut publics: Vec<String> = d
        .publics
        .iter()
        .flat_map(|p| p.split(','))
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    publics.dedup();
    if publics.len() > 6 || publics.iter().any(|p| p.chars().count() > 50) {
        errors.push((
            "publics",
            "Donnez au plus 6 publics, de 50 caractères au plus, séparés par des virgules.".into(),
        ));
    }
    if errors.is_empty() {
        Ok(ValidFaq {
            title,
            description,
            question,
            answer,
            theme,
            publics,
        })
    } else {
        Err(errors)
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_list(list: &[String]) -> String {
    let items: Vec<String> = list.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", items.join(", "))
}

/// The next weight in the FAQ (entries are sorted by weight): 10 after the heaviest.
fn next_weight(faq_dir: &Path) -> i64 {
    let mut max = 0;
    if let Ok(entries) = std::fs::read_dir(faq_dir) {
        for e in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            for line in text.lines().take(40) {
                if let Some(v) = line.trim().strip_prefix("weight") {
                    if let Some(n) = v
                        .trim()
                        .strip_prefix('=')
                        .and_then(|n| n.trim().parse::<i64>().ok())
                    {
                        max = max.max(n);
                    }
                }
            }
        }
    }
    max + 10
}

fn faq_file(v: &ValidFaq, weight: i64) -> String {
    let mut s = String::from("+++\n");
    s.push_str(&format!("title = {}\n", toml_string(&v.title)));
    if !v.description.is_empty() {
        s.push_str(&format!("description = {}\n", toml_string(&v.description)));
    }
    s.push_str(&format!("date = {}\n", crate::infra::time::today()));
    s.push_str(&format!("weight = {weight}\n\n[taxonomies]\n"));
    s.push_str(&format!(
        "themes = {}\n",
        toml_list(std::slice::from_ref(&v.theme))
    ));
    if !v.publics.is_empty() {
        s.push_str(&format!("publics = {}\n", toml_list(&v.publics)));
    }
    s.push_str("+++\n\n");
    if !v.question.is_empty() {
        // The youth's words, quoted as text: whatever they typed (HTML, Markdown) shows as
        // typed and never becomes markup of the page.
        for line in crate::infra::markdown::escape_text(&v.question).lines() {
            s.push_str(&format!("> {line}\n").replace("> \n", ">\n"));
        }
        s.push('\n');
    }
    s.push_str(&v.answer);
    s.push('\n');
    s
}

/// A FAQ entry written and committed.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    /// Relative to `content/`: `faq/mon-titre.md`.
    pub path: String,
    pub url: String,
}

/// Turns an answered question into `content/faq/<slug>.md` of the site, committed to the
/// site's git repository with the counsellor as author. Refuses a text that still holds an
/// email address, a phone number or the youth's name. If anything fails, nothing is left:
/// no file, nothing staged, the question not marked.
pub async fn publish(
    db: &Db,
    config: &ApiConfig,
    user: &User,
    id: i64,
    draft: &FaqDraft,
) -> Result<Published, AppError> {
    let q = get_handled(db, user, id).await?;
    if q.status != QuestionStatus::Answered {
        return Err(AppError::Invalid(vec![(
            "answer",
            "Seule une question qui a reçu une réponse peut devenir une question fréquente.".into(),
        )]));
    }
    if q.faq_path.is_some() {
        return Err(AppError::Invalid(vec![(
            "title",
            "Cette question est déjà publiée dans la FAQ.".into(),
        )]));
    }
    let v = validate_faq(draft).map_err(AppError::Invalid)?;
    let mut checked = draft.clone();
    if let Some(w) = checked.scrub(&names_of(&q)).warning() {
        return Err(AppError::Invalid(vec![(
            "answer",
            format!("{w} Le texte n'a pas été publié."),
        )]));
    }
    let root = config.site_root.clone();
    let faq_dir = root.join("content").join("faq");
    // The slug: from the title, short, not already taken.
    let mut base = tremplin_generator::slug::slugify(&v.title);
    if base.len() > 60 {
        let cut = base[..60].rfind('-').unwrap_or(60);
        base.truncate(cut);
    }
    if base.is_empty() {
        base = format!("question-{id}");
    }
    let mut slug = base.clone();
    let mut n = 2;
    while faq_dir.join(format!("{slug}.md")).exists() || faq_dir.join(&slug).exists() {
        slug = format!("{base}-{n}");
        n += 1;
    }
    let rel = format!("faq/{slug}.md");
    // Claim the question first, so that two clicks publish one entry.
    let t = now();
    let claimed = sqlx::query(
        "UPDATE questions SET faq_path = $1, published_at = $2, updated_at = $2 \
         WHERE id = $3 AND faq_path IS NULL AND status = 'repondue'",
    )
    .bind(&rel)
    .bind(t)
    .bind(id)
    .execute(&db.pool)
    .await?;
    if claimed.rows_affected() != 1 {
        return Err(AppError::Invalid(vec![(
            "title",
            "Cette question est déjà publiée dans la FAQ.".into(),
        )]));
    }
    let text = faq_file(&v, next_weight(&faq_dir));
    let job = GitJob {
        root,
        rel_path: PathBuf::from("content").join("faq").join(format!("{slug}.md")),
        text,
        author: (user.first_name.clone(), user.email.clone()),
        committer_email: address_of(&config.email_from),
        message: format!("FAQ : {}\n\nPubliée depuis Tremplin à partir d'une question de jeune (n° {id}), coordonnées retirées.", v.title),
    };
    let result = tokio::task::spawn_blocking(move || commit_file(&job))
        .await
        .map_err(|e| AppError::Internal(format!("publication : {e}")))?;
    if let Err(e) = result {
        sqlx::query(
            "UPDATE questions SET faq_path = NULL, published_at = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(now())
        .bind(id)
        .execute(&db.pool)
        .await?;
        return Err(e);
    }
    // The running `tremplin serve` watches content/: the new file is built by its watcher.
    Ok(Published {
        url: faq_url(&rel),
        path: rel,
    })
}

/// `Tremplin <ne-pas-repondre@x.fr>` → `ne-pas-repondre@x.fr`.
fn address_of(mailbox: &str) -> String {
    match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(a), Some(b)) if a < b => mailbox[a + 1..b].trim().to_string(),
        _ => mailbox.trim().to_string(),
    }
}

struct GitJob {
    root: PathBuf,
    /// Relative to `root`.
    rel_path: PathBuf,
    text: String,
    author: (String, String),
    committer_email: String,
    message: String,
}

fn git(root: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(root)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_TERMINAL_PROMPT", "0");
    c
}

/// Runs git; its error output is logged, and the caller gets a French message.
fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    match cmd.output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "{what} : {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("{what} : git introuvable ({e})")),
    }
}

/// Writes the file (through a hidden temporary file, so a half-written file is never seen),
/// adds and commits only it; on any failure, unstages and removes it.
fn commit_file(job: &GitJob) -> Result<(), AppError> {
    let fail = |detail: String, message: &str| {
        tracing::warn!(detail = %detail, "publication dans la FAQ");
        AppError::Forbidden(message.to_string())
    };
    if run(
        git(&job.root).args(["rev-parse", "--show-toplevel"]),
        "git rev-parse",
    )
    .is_err()
    {
        return Err(AppError::Forbidden(format!(
            "Le dossier du site ({}) n'est pas un dépôt git : la question n'a pas été publiée, et aucun fichier n'a été écrit. Demandez à la personne qui gère le site de le placer dans un dépôt git.",
            job.root.display()
        )));
    }
    let target = job.root.join(&job.rel_path);
    let dir = target.parent().unwrap_or(&job.root).to_path_buf();
    let created_dir = !dir.exists();
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let cleanup = |staged: bool| {
        if staged {
            let _ = git(&job.root)
                .args(["rm", "--cached", "-q", "--ignore-unmatch", "--"])
                .arg(&job.rel_path)
                .output();
        }
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(&target);
        if created_dir {
            let _ = std::fs::remove_dir(&dir);
        }
    };
    let write = std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(&tmp, &job.text))
        // A hard link never replaces an existing file.
        .and_then(|_| std::fs::hard_link(&tmp, &target))
        .and_then(|_| std::fs::remove_file(&tmp));
    if let Err(e) = write {
        cleanup(false);
        return Err(fail(
            format!("{} : {e}", target.display()),
            "Le fichier de la question fréquente n'a pas pu être écrit : rien n'a été publié. Réessayez, ou prévenez la personne qui gère le site.",
        ));
    }
    if let Err(e) = run(
        git(&job.root).args(["add", "--"]).arg(&job.rel_path),
        "git add",
    ) {
        cleanup(true);
        return Err(fail(e, "Le dépôt git du site a refusé le fichier : rien n'a été publié. Prévenez la personne qui gère le site."));
    }
    let author = format!(
        "{} <{}>",
        job.author.0.replace(['<', '>'], ""),
        job.author.1
    );
    if let Err(e) = run(
        git(&job.root)
            .args(["-c", "user.name=Tremplin"])
            .arg("-c")
            .arg(format!("user.email={}", job.committer_email))
            .args(["-c", "commit.gpgsign=false", "commit", "-q"])
            .arg(format!("--author={author}"))
            .arg("-m")
            .arg(&job.message)
            .arg("--")
            .arg(&job.rel_path),
        "git commit",
    ) {
        cleanup(true);
        return Err(fail(e, "L'enregistrement dans le dépôt git du site (commit) a échoué : rien n'a été publié. Réessayez dans un moment, ou prévenez la personne qui gère le site."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_phones_are_removed() {
        let (t, f) = scrub(
            "Je suis Camille, camille.durand@exemple.fr, tél. 06 12 34 56 78 ou +33 6.12.34.56.78, né en 2004 à Lille (59000).",
            &["Camille", "durand"],
        );
        assert_eq!(
            t,
            "Je suis [prénom], [adresse retirée], tél. [numéro retiré] ou [numéro retiré], né en 2004 à Lille (59000)."
        );
        assert_eq!(
            f,
            Scrubbed {
                emails: 1,
                phones: 2,
                names: 1
            }
        );
        let (t, f) = scrub("Appelez le 0612345678. Ou écrivez à a@b.co.", &[]);
        assert_eq!(
            t,
            "Appelez le [numéro retiré]. Ou écrivez à [adresse retirée]."
        );
        assert!(f.any());
        let (t, f) = scrub("Le 01/03/2026, 3 000 euros, Camillette.", &["Camille"]);
        assert_eq!(t, "Le 01/03/2026, 3 000 euros, Camillette.");
        assert!(!f.any());
    }

    #[test]
    fn pages_are_paths_of_the_site() {
        assert_eq!(clean_page("/guides/cv/"), "/guides/cv/");
        assert_eq!(clean_page("https://evil.example/"), "");
        assert_eq!(clean_page("//evil.example/"), "");
        assert_eq!(clean_page("/a\"><script>"), "");
    }

    #[test]
    fn front_matter_is_toml() {
        let v = ValidFaq {
            title: "Un \"titre\" ?".into(),
            description: "Court.".into(),
            question: "Ligne 1\n\nLigne 2".into(),
            answer: "Réponse.".into(),
            theme: "emploi".into(),
            publics: vec!["18-25 ans".into()],
        };
        let text = faq_file(&v, 70);
        let (head, body) = text
            .trim_start_matches("+++\n")
            .split_once("+++\n")
            .unwrap();
        let t: toml::Table = head.parse().unwrap();
        assert_eq!(t["title"].as_str(), Some("Un \"titre\" ?"));
        assert_eq!(t["weight"].as_integer(), Some(70));
        assert_eq!(t["taxonomies"]["themes"][0].as_str(), Some("emploi"));
        assert_eq!(body, "\n> Ligne 1\n>\n> Ligne 2\n\nRéponse.\n");
    }
}

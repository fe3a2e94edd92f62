//! Questions as stored, and who may see which.

use super::*;

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
    pub fn to_json(&self, for_staff: bool) -> QuestionJson<'_> {
        QuestionJson {
            id: self.id,
            structure: self.structure.json_ref(),
            subject: &self.subject,
            question: &self.body,
            page: Some(self.page.as_str()).filter(|p| !p.is_empty()),
            status: self.status,
            assignee: self.assignee_name.as_deref(),
            taken_at: self.taken_at.map(iso),
            answer: self.answer.as_deref(),
            answer_html: self
                .answer
                .as_deref()
                .map(crate::infra::markdown::safe_html),
            answered_by: self.answered_by_name.as_deref(),
            answered_at: self.answered_at.map(iso),
            faq: self.faq_url(),
            created_at: iso(self.created_at),
            updated_at: iso(self.updated_at),
            youth: for_staff.then_some(YouthJson {
                first_name: &self.youth_first_name,
                email: &self.youth_email,
            }),
        }
    }
}

/// A question as the JSON API gives it (`Question` in the OpenAPI document).
#[derive(Debug, Serialize)]
pub struct QuestionJson<'a> {
    pub id: i64,
    pub structure: StructureRef<'a>,
    pub subject: &'a str,
    pub question: &'a str,
    pub page: Option<&'a str>,
    pub status: QuestionStatus,
    pub assignee: Option<&'a str>,
    pub taken_at: Option<String>,
    pub answer: Option<&'a str>,
    pub answer_html: Option<String>,
    pub answered_by: Option<&'a str>,
    pub answered_at: Option<String>,
    pub faq: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Counsellors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub youth: Option<YouthJson<'a>>,
}

/// Who asked, for counsellors.
#[derive(Debug, Serialize)]
pub struct YouthJson<'a> {
    pub first_name: &'a str,
    pub email: &'a str,
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

pub(super) async fn get(db: &Db, id: i64) -> Result<Option<Question>, AppError> {
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
        Inbox::New => (
            format!("q.status = '{}'", QuestionStatus::New),
            "q.created_at, q.id",
        ),
        Inbox::Mine => (
            format!(
                "q.status = '{}' AND q.assignee_id = $2",
                QuestionStatus::Taken
            ),
            "q.taken_at, q.id",
        ),
        Inbox::Answered => (
            format!("q.status = '{}'", QuestionStatus::Answered),
            "q.answered_at DESC, q.id DESC",
        ),
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
    let row = sqlx::query(&format!(
        "SELECT CAST(COALESCE(SUM(CASE WHEN status = '{new}' THEN 1 ELSE 0 END), 0) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(CASE WHEN status = '{taken}' AND assignee_id = $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS m \
         FROM questions WHERE structure_id = $1 OR $1 = 0",
        new = QuestionStatus::New,
        taken = QuestionStatus::Taken,
    ))
    .bind(structure)
    .bind(user.id)
    .fetch_one(&db.pool)
    .await?;
    Ok((row.try_get("n")?, row.try_get("m")?))
}

//! A youth asks: the question, its page, and the limit on waiting questions.

use super::*;

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
    limits::local_path(page.trim(), limits::QUESTION_PAGE_MAX_CHARS).unwrap_or_default()
}

/// Checks a question; each wrong field gets its French message.
pub fn validate(a: &Ask) -> Result<(String, String, String), FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let subject = a.subject.split_whitespace().collect::<Vec<_>>().join(" ");
    if subject.chars().count() > limits::SUBJECT_MAX_CHARS {
        errors.push((
            "subject",
            format!(
                "Le sujet doit faire {} caractères au plus.",
                limits::SUBJECT_MAX_CHARS
            ),
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
    } else if n > limits::QUESTION_MAX_CHARS {
        errors.push((
            "question",
            format!(
                "Votre question est trop longue : {} caractères au plus (elle en fait {}).",
                limits::thousands(limits::QUESTION_MAX_CHARS),
                limits::thousands(n)
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
    let row = sqlx::query(&format!(
        "INSERT INTO questions (structure_id, youth_id, subject, body, page, status, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, '{new}', $6, $6 WHERE (SELECT COUNT(*) FROM questions \
           WHERE youth_id = $2 AND status IN ('{new}', '{taken}')) < $7 RETURNING id",
        new = QuestionStatus::New,
        taken = QuestionStatus::Taken,
    ))
    .bind(structure.id)
    .bind(user.id)
    .bind(&subject)
    .bind(&body)
    .bind(&page)
    .bind(t)
    .bind(limits::QUESTIONS_WAITING_MAX)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let Some(row) = row else {
        return Err(AppError::Invalid(vec![(
            "question",
            format!(
                "Vous avez déjà {} questions qui attendent une réponse : votre Mission Locale y répond d'abord.",
                limits::QUESTIONS_WAITING_MAX
            ),
        )]));
    };
    let id: i64 = row.try_get("id")?;
    get(db, id).await?.ok_or(AppError::NotFound)
}

//! Counsellors take a question (one at most, atomically) and answer it; the youth is told by email.

use super::*;

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
    let done = sqlx::query(&format!(
        "UPDATE questions SET status = '{taken}', assignee_id = $1, taken_at = $2, updated_at = $2 \
         WHERE id = $3 AND status = '{new}'",
        new = QuestionStatus::New,
        taken = QuestionStatus::Taken,
    ))
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
    if n > limits::ANSWER_MAX_CHARS {
        return Err(AppError::Invalid(vec![(
            "answer",
            format!(
                "La réponse doit faire {} caractères au plus.",
                limits::thousands(limits::ANSWER_MAX_CHARS)
            ),
        )]));
    }
    let t = now();
    let done = sqlx::query(&format!(
        "UPDATE questions SET status = '{answered}', answer = $1, answered_by = $2, answered_at = $3, \
         assignee_id = $2, taken_at = COALESCE(taken_at, $3), updated_at = $3 \
         WHERE id = $4 AND (status = '{new}' OR (status = '{taken}' AND assignee_id = $2))",
        new = QuestionStatus::New,
        taken = QuestionStatus::Taken,
        answered = QuestionStatus::Answered,
    ))
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
pub async fn export_for(db: &Db, user: &User) -> Result<Vec<QuestionExport>, AppError> {
    Ok(mine(db, user)
        .await?
        .into_iter()
        .map(|q| QuestionExport {
            sujet: q.subject,
            question: q.body,
            page: q.page,
            statut: q.status.label(),
            reponse: q.answer,
            posee_le: iso(q.created_at),
            repondue_le: q.answered_at.map(iso),
        })
        .collect())
}

/// A question in the data export (French keys: the youth reads them).
#[derive(Debug, Serialize)]
pub struct QuestionExport {
    pub sujet: String,
    pub question: String,
    pub page: String,
    pub statut: &'static str,
    pub reponse: Option<String>,
    pub posee_le: String,
    pub repondue_le: Option<String>,
}

//! The youth's side (favourites, "ça m'intéresse" with the places of events taken
//! atomically, "Mes opportunités") and the structure's side (its list, who is interested,
//! the follow-up).

use super::*;

// ---- the structure's side ----

/// An opportunity on a structure's dashboard, with how many youths are interested.
#[derive(Debug, Clone, Serialize)]
pub struct Managed {
    pub opportunity: Opportunity,
    pub interested: i64,
    pub new_interests: i64,
}

/// A structure's opportunities, newest change first (expired and filled ones too).
pub async fn of_structure(db: &Db, structure_id: i64) -> Result<Vec<Managed>, AppError> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE o.structure_id = $1 ORDER BY o.updated_at DESC, o.id DESC"
    ))
    .bind(structure_id)
    .fetch_all(&db.pool)
    .await?;
    let counts = sqlx::query(
        "SELECT i.opportunity_id, COUNT(*), SUM(CASE WHEN i.state = 'nouveau' THEN 1 ELSE 0 END) \
         FROM opportunity_interests i JOIN opportunities o ON o.id = i.opportunity_id \
         WHERE o.structure_id = $1 GROUP BY i.opportunity_id",
    )
    .bind(structure_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by_id = BTreeMap::new();
    for r in &counts {
        let id: i64 = r.try_get(0)?;
        let n: i64 = r.try_get(1)?;
        let new: i64 = r.try_get(2)?;
        by_id.insert(id, (n, new));
    }
    rows.iter()
        .map(|r| {
            let o = from_row(r)?;
            let (interested, new_interests) = by_id.get(&o.id).copied().unwrap_or((0, 0));
            Ok(Managed {
                opportunity: o,
                interested,
                new_interests,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// A youth who said "ça m'intéresse", as their counsellor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Interest {
    pub opportunity_id: i64,
    pub user_id: i64,
    pub first_name: String,
    pub email: String,
    pub message: String,
    pub state: String,
    pub outcome: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The youths interested in an opportunity that `user` manages.
pub async fn interests(db: &Db, user: &User, id: i64) -> Result<Vec<Interest>, AppError> {
    get_managed(db, user, id).await?;
    let rows = sqlx::query(
        "SELECT i.opportunity_id, i.user_id, u.first_name, u.email, i.message, i.state, i.outcome, \
         i.created_at, i.updated_at FROM opportunity_interests i JOIN users u ON u.id = i.user_id \
         WHERE i.opportunity_id = $1 ORDER BY i.created_at, i.user_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Interest {
                opportunity_id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                first_name: r.try_get(2)?,
                email: r.try_get(3)?,
                message: r.try_get(4)?,
                state: r.try_get(5)?,
                outcome: r.try_get(6)?,
                created_at: r.try_get(7)?,
                updated_at: r.try_get(8)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The counsellor's follow-up of an interested youth: contacted, then an outcome.
pub async fn follow_up(
    db: &Db,
    user: &User,
    id: i64,
    youth_id: i64,
    state: &str,
    outcome: &str,
) -> Result<(), AppError> {
    get_managed(db, user, id).await?;
    if InterestState::from_slug(state).is_none() {
        return Err(AppError::Invalid(vec![(
            "state",
            "Suivi inconnu : nouveau, contacte, abouti ou sans_suite.".into(),
        )]));
    }
    if outcome.chars().count() > limits::FOLLOW_UP_NOTE_MAX_CHARS {
        return Err(AppError::Invalid(vec![(
            "outcome",
            format!(
                "La note de suivi doit faire {} caractères au plus.",
                limits::thousands(limits::FOLLOW_UP_NOTE_MAX_CHARS)
            ),
        )]));
    }
    let done = sqlx::query(
        "UPDATE opportunity_interests SET state = $1, outcome = $2, updated_at = $3 \
         WHERE opportunity_id = $4 AND user_id = $5",
    )
    .bind(state)
    .bind(outcome.trim())
    .bind(now())
    .bind(id)
    .bind(youth_id)
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

// ---- the youth's side ----

fn youth_only(user: &User) -> Result<(), AppError> {
    if user.role == Role::Youth {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Cette action est réservée aux comptes jeunes.".into(),
        ))
    }
}

/// Saves or forgets an opportunity in the youth's favourites.
pub async fn set_favourite(db: &Db, user: &User, id: i64, on: bool) -> Result<(), AppError> {
    youth_only(user)?;
    if on {
        get_visible(db, Some(user), id).await?;
        let sql = match db.backend {
            crate::infra::db::Backend::Sqlite => "INSERT OR IGNORE INTO opportunity_favourites (opportunity_id, user_id, created_at) VALUES ($1, $2, $3)",
            crate::infra::db::Backend::Postgres => "INSERT INTO opportunity_favourites (opportunity_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        };
        sqlx::query(sql)
            .bind(id)
            .bind(user.id)
            .bind(now())
            .execute(&db.pool)
            .await?;
    } else {
        sqlx::query(
            "DELETE FROM opportunity_favourites WHERE opportunity_id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user.id)
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

/// "Ça m'intéresse": tells the structure, with an optional message. For opportunities that
/// count places (events), a place is taken atomically: never more than there are, whatever
/// the number of simultaneous requests, on both databases (the conditional UPDATE locks the
/// row; the second writer re-reads it).
pub async fn express_interest(
    db: &Db,
    user: &User,
    id: i64,
    message: &str,
) -> Result<(), AppError> {
    youth_only(user)?;
    let o = get_visible(db, Some(user), id).await?;
    let message = message.trim();
    if message.chars().count() > limits::INTEREST_MESSAGE_MAX_CHARS {
        return Err(AppError::Invalid(vec![(
            "message",
            format!(
                "Le message doit faire {} caractères au plus.",
                limits::thousands(limits::INTEREST_MESSAGE_MAX_CHARS)
            ),
        )]));
    }
    let t = now();
    let mut tx = db.pool.begin().await?;
    let taken = sqlx::query(
        "UPDATE opportunities SET taken = taken + 1 WHERE id = $1 AND (places IS NULL OR taken < places)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() == 0 {
        tx.rollback().await?;
        return Err(AppError::Invalid(vec![(
            "message",
            if o.kind == Kind::Event {
                "Désolé, il n'y a plus de place pour cet événement."
            } else {
                "Désolé, il n'y a plus de place."
            }
            .into(),
        )]));
    }
    let inserted = sqlx::query(
        "INSERT INTO opportunity_interests (opportunity_id, user_id, message, state, created_at, updated_at) \
         VALUES ($1, $2, $3, 'nouveau', $4, $4)",
    )
    .bind(id)
    .bind(user.id)
    .bind(message)
    .bind(t)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {
            tx.commit().await?;
            Ok(())
        }
        Err(e) if is_unique_violation(&e) => {
            // Already interested: the place taken above is given back; the message is updated.
            tx.rollback().await?;
            sqlx::query(
                "UPDATE opportunity_interests SET message = $1, updated_at = $2 WHERE opportunity_id = $3 AND user_id = $4",
            )
            .bind(message)
            .bind(t)
            .bind(id)
            .bind(user.id)
            .execute(&db.pool)
            .await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Withdraws "ça m'intéresse" (and gives the place back).
pub async fn withdraw_interest(db: &Db, user: &User, id: i64) -> Result<(), AppError> {
    youth_only(user)?;
    let mut tx = db.pool.begin().await?;
    let gone =
        sqlx::query("DELETE FROM opportunity_interests WHERE opportunity_id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
    if gone.rows_affected() > 0 {
        sqlx::query("UPDATE opportunities SET taken = taken - 1 WHERE id = $1 AND taken > 0")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Gives back the places a youth holds, before their account is deleted.
pub async fn release_places(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE opportunities SET taken = taken - 1 WHERE taken > 0 AND id IN \
         (SELECT opportunity_id FROM opportunity_interests WHERE user_id = $1)",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a youth saved and what they said interested them, with the counsellor's follow-up.
#[derive(Debug, Clone, Serialize)]
pub struct Mine {
    pub favourites: Vec<Opportunity>,
    /// Each opportunity, with the message left, the follow-up state and its date.
    pub interests: Vec<(Opportunity, String, String, i64)>,
}

pub async fn mine(db: &Db, user: &User) -> Result<Mine, AppError> {
    let favs = sqlx::query(
        "SELECT opportunity_id FROM opportunity_favourites WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let fav_ids: Vec<i64> = favs
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let ints = sqlx::query(
        "SELECT opportunity_id, message, state, updated_at FROM opportunity_interests WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let mut interest_rows = Vec::new();
    for r in &ints {
        interest_rows.push((
            r.try_get::<i64, _>(0)?,
            r.try_get::<String, _>(1)?,
            r.try_get::<String, _>(2)?,
            r.try_get::<i64, _>(3)?,
        ));
    }
    let ids: Vec<i64> = interest_rows.iter().map(|r| r.0).collect();
    // What is no longer public shows only as withdrawn: its text may be a new draft.
    let shown = |o: Opportunity| if o.is_public() { o } else { o.withdrawn() };
    let mut opps: BTreeMap<i64, Opportunity> = by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|o| (o.id, shown(o)))
        .collect();
    Ok(Mine {
        favourites: by_ids(db, &fav_ids).await?.into_iter().map(shown).collect(),
        interests: interest_rows
            .into_iter()
            .filter_map(|(id, m, s, t)| opps.remove(&id).map(|o| (o, m, s, t)))
            .collect(),
    })
}

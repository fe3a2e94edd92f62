//! An answered question becomes a FAQ entry of the site: the file written, added and committed alone.

use super::*;

/// A FAQ entry as the counsellor edits it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
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
pub(super) struct ValidFaq {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) question: String,
    pub(super) answer: String,
    pub(super) theme: String,
    pub(super) publics: Vec<String>,
}

pub(super) fn validate_faq(d: &FaqDraft) -> Result<ValidFaq, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let title = d.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        errors.push(("title", "Le titre est obligatoire.".into()));
    } else if title.chars().count() > limits::FAQ_TITLE_MAX_CHARS {
        errors.push((
            "title",
            format!(
                "Le titre doit faire {} caractères au plus.",
                limits::FAQ_TITLE_MAX_CHARS
            ),
        ));
    }
    let description = d
        .description
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if description.chars().count() > limits::FAQ_DESCRIPTION_MAX_CHARS {
        errors.push((
            "description",
            format!(
                "Le résumé doit faire {} caractères au plus.",
                limits::FAQ_DESCRIPTION_MAX_CHARS
            ),
        ));
    }
    let question = d.question.trim().replace("\r\n", "\n");
    let answer = d.answer.trim().replace("\r\n", "\n");
    if answer.is_empty() {
        errors.push(("answer", "La réponse est obligatoire.".into()));
    }
    for (field, text) in [("question", &question), ("answer", &answer)] {
        if text.chars().count() > limits::ANSWER_MAX_CHARS {
            errors.push((
                field,
                format!(
                    "Ce texte doit faire {} caractères au plus.",
                    limits::thousands(limits::ANSWER_MAX_CHARS)
                ),
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
    if publics.len() > limits::FAQ_MAX_PUBLICS
        || publics
            .iter()
            .any(|p| p.chars().count() > limits::FAQ_PUBLIC_MAX_CHARS)
    {
        errors.push((
            "publics",
            format!(
                "Donnez au plus {} publics, de {} caractères au plus, séparés par des virgules.",
                limits::FAQ_MAX_PUBLICS,
                limits::FAQ_PUBLIC_MAX_CHARS
            ),
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

pub(super) fn faq_file(v: &ValidFaq, weight: i64) -> String {
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
    let claimed = sqlx::query(&format!(
        "UPDATE questions SET faq_path = $1, published_at = $2, updated_at = $2 \
         WHERE id = $3 AND faq_path IS NULL AND status = '{answered}'",
        answered = QuestionStatus::Answered,
    ))
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

//! Sending email: written as `.eml` files under `data/outbox/` by default (nothing to
//! install), or through SMTP with lettre when configured.

use std::path::PathBuf;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::infra::config::Transport;

/// A plain-text email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// An email with a plain-text and an HTML version (multipart/alternative) and the one-click
/// unsubscribe headers of RFC 8058 (`List-Unsubscribe`, `List-Unsubscribe-Post`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The unsubscribe link (https://…); empty for none.
    pub unsubscribe: String,
}

#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

/// Where emails go.
pub enum Mailer {
    Files {
        dir: PathBuf,
        from: Mailbox,
    },
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
}

impl Mailer {
    pub fn new(transport: &Transport, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("adresse d'expéditeur invalide « {from} » : {e}"))?;
        Ok(match transport {
            Transport::Files(dir) => Mailer::Files {
                dir: dir.clone(),
                from,
            },
            Transport::Smtp(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("adresse SMTP invalide : {e}"))?
                    .build();
                Mailer::Smtp { transport, from }
            }
        })
    }

    fn message(&self, email: &Email) -> Result<Message, String> {
        let from = match self {
            Mailer::Files { from, .. } | Mailer::Smtp { from, .. } => from.clone(),
        };
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| format!("adresse invalide : {e}"))?;
        Message::builder()
            .from(from)
            .to(to)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(email.text.clone())
            .map_err(|e| format!("message invalide : {e}"))
    }

    fn letter(&self, letter: &Letter) -> Result<Message, String> {
        let from = match self {
            Mailer::Files { from, .. } | Mailer::Smtp { from, .. } => from.clone(),
        };
        let to: Mailbox = letter
            .to
            .parse()
            .map_err(|e| format!("adresse invalide : {e}"))?;
        let mut b = Message::builder()
            .from(from)
            .to(to)
            .subject(letter.subject.clone());
        if !letter.unsubscribe.is_empty() {
            b = b
                .header(ListUnsubscribe(letter.unsubscribe.clone()))
                .header(ListUnsubscribePost);
        }
        b.multipart(MultiPart::alternative_plain_html(
            letter.text.clone(),
            letter.html.clone(),
        ))
        .map_err(|e| format!("message invalide : {e}"))
    }

    /// Sends one email with its HTML version and unsubscribe headers.
    pub async fn send_letter(&self, letter: &Letter) -> Result<(), String> {
        let message = self.letter(letter)?;
        self.deliver(message).await
    }

    /// Sends one email.
    pub async fn send(&self, email: &Email) -> Result<(), String> {
        let message = self.message(email)?;
        self.deliver(message).await
    }

    async fn deliver(&self, message: Message) -> Result<(), String> {
        match self {
            Mailer::Files { dir, .. } => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("{} : {e}", dir.display()))?;
                let name = format!(
                    "{}-{}.eml",
                    crate::infra::db::now(),
                    crate::infra::auth::random_token()[..12].replace(['-', '_'], "0")
                );
                let tmp = dir.join(format!(".{name}.tmp"));
                tokio::fs::write(&tmp, message.formatted())
                    .await
                    .map_err(|e| format!("{} : {e}", tmp.display()))?;
                tokio::fs::rename(&tmp, dir.join(&name))
                    .await
                    .map_err(|e| format!("{name} : {e}"))?;
                Ok(())
            }
            Mailer::Smtp { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("envoi SMTP impossible : {e}")),
        }
    }
}

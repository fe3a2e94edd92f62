//! Secrets: argon2id password hashes, the password rules, random tokens and their hashes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Passwords seen most often in leaks, refused even when long enough (compared in lowercase).
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "azertyuiop12",
    "azertyuiop123",
    "azertyuiopqs",
    "qwertyuiop12",
    "qwertyuiop123",
    "motdepasse12",
    "motdepasse123",
    "motdepasse1234",
    "password1234",
    "password12345",
    "passwordpassword",
    "iloveyou1234",
    "jetaime123456",
    "soleil123456",
    "bonjour12345",
    "bonjour123456",
    "marseille1234",
    "doudou123456",
    "chocolat1234",
    "aaaaaaaaaaaa",
    "000000000000",
    "111111111111",
    "abcdefghijkl",
    "abc123456789",
    "azerty123456",
    "qwerty123456",
    "tremplin1234",
    "missionlocale",
    "missionlocale1",
];

/// Checks a new password; the error is the message shown next to the field.
pub fn check_new_password(password: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars > crate::infra::limits::PASSWORD_MAX_CHARS {
        return Err(format!(
            "Le mot de passe doit faire {} caractères au plus.",
            crate::infra::limits::PASSWORD_MAX_CHARS
        ));
    }
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Le mot de passe doit avoir au moins {MIN_PASSWORD_CHARS} caractères (il en a {chars}). Une phrase de quelques mots est facile à retenir."
        ));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) || lower == email.to_lowercase() {
        return Err("Ce mot de passe est trop courant : choisissez-en un autre, par exemple une phrase de quelques mots.".to_string());
    }
    if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(' '))
    {
        return Err("Ce mot de passe est trop simple : choisissez-en un autre.".to_string());
    }
    Ok(())
}

/// Fills `buf` with random bytes from the system.
fn random_bytes(buf: &mut [u8]) {
    getrandom::getrandom(buf).expect("the system gives random bytes");
}

/// An argon2id hash of a password, in the PHC string format.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    random_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

/// Whether `password` matches `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Runs password work on the blocking threads, a few hashes at a time: each takes tens of
/// milliseconds of a core and 19 MiB, so it must not hold an async worker (cheap pages would
/// wait behind it), and a crowd of sign-ins must queue rather than grow memory. The semaphore
/// is process-wide, like the blocking pool it guards.
async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let slots = SLOTS
        .get_or_init(|| tokio::sync::Semaphore::new(crate::infra::limits::max_concurrent_hashes()));
    let _permit = slots
        .acquire()
        .await
        .expect("the semaphore is never closed");
    match tokio::task::spawn_blocking(work).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// `hash_password`, off the async threads.
pub async fn hash(password: &str) -> String {
    let password = password.to_owned();
    off_thread(move || hash_password(&password)).await
}

/// `verify_password`, off the async threads; `None` for the hash of an account that does
/// not exist, checked against a dummy hash so that the time taken does not tell.
pub async fn verify(password: &str, hash: Option<&str>) -> bool {
    let password = password.to_owned();
    let hash = hash.map(str::to_owned);
    off_thread(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            verify_password(&password, dummy_hash());
            false
        }
    })
    .await
}

/// A hash to compare against when the account does not exist, so that timing does not tell.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("compte-inexistant-pour-le-temps"))
}

/// A random 256-bit token, URL-safe.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    random_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// How a token is stored: its SHA-256, so a database leak gives no usable token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two strings in constant time.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules() {
        assert!(check_new_password("court", "a@b.fr")
            .unwrap_err()
            .contains("au moins 12 caractères (il en a 5)"));
        assert!(check_new_password("MotDePasse123", "a@b.fr")
            .unwrap_err()
            .contains("trop courant"));
        assert!(check_new_password("a@b.fr.a@b.fr", "a@b.fr.a@b.fr").is_err());
        assert!(check_new_password("un velo rouge sous la pluie", "a@b.fr").is_ok());
    }

    #[test]
    fn hashes_verify() {
        let h = hash_password("un velo rouge sous la pluie");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("un velo rouge sous la pluie", &h));
        assert!(!verify_password("un velo bleu", &h));
        assert!(!verify_password("x", "pas un hash"));
    }

    #[test]
    fn tokens() {
        let t = random_token();
        assert_eq!(t.len(), 43);
        assert_ne!(t, random_token());
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}

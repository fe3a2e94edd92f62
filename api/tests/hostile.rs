//! What schemathesis (`tools/schemathesis/run`) found against a live server, each kept here
//! as a test on both databases: the request, and the clear 4xx in French it must now get.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;
use tremplin_api::domain::accounts::Role;

fn says_nul(a: &Answer) {
    assert!(a.body.contains("caractère nul"), "{}", a.body);
}

/// U+0000 in a first name at registration was a 500 on PostgreSQL, which can neither store
/// nor compare it; in an address, it reached SQL as a structure's identifier. It is now a 400
/// in French before any handler runs, in JSON bodies, forms and addresses alike, and an import
/// file holding it is refused with the likely cause.
#[tokio::test]
async fn nul_characters_never_reach_the_database() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        let a = c
            .json(
                Method::POST,
                "/api/v1/accounts",
                json!({"email": "nul@exemple.fr", "password": PASSWORD, "first_name": "o\n\u{0}\u{86}|"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{b}: {}", a.body);
        assert_eq!(
            a.json()["error"],
            "Le texte envoyé contient un caractère nul (U+0000), qui n'est jamais accepté : retirez-le.",
            "{b}"
        );
        let a = c
            .json(
                Method::POST,
                "/api/v1/session",
                json!({"email": "nul\u{0}@exemple.fr", "password": PASSWORD}),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{b}: {}", a.body);
        says_nul(&a);
        let a = c
            .post_form(
                "/compte/inscription",
                "/compte/inscription",
                &[
                    ("first_name", "Ca\u{0}mille"),
                    ("email", "nul@exemple.fr"),
                    ("password", PASSWORD),
                    ("structure", ""),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{b}: {}", a.body);
        says_nul(&a);

        let (mut staff, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        for path in [
            "/api/v1/structures/%00/opportunities",
            "/api/v1/opportunities?structure=%00",
            "/opportunites?structure=%00",
            "/opportunites/flux.xml?structure=%00",
        ] {
            let a = staff.get(path).await;
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{b} {path}: {}", a.body);
            says_nul(&a);
        }
        // A CSV saved in UTF-16 without its byte-order mark is full of NUL characters.
        let utf16: Vec<u8> = "titre;type;commune\nVendeur;emploi;Lille\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let a = staff
            .send(
                Method::POST,
                "/api/v1/opportunities/import",
                Some("text/csv"),
                String::from_utf8(utf16).unwrap(),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            a.body
        );
        assert!(a.body.contains("UTF-16"), "{b}: {}", a.body);

        // The same requests without the NUL character go through.
        let a = c
            .json(
                Method::POST,
                "/api/v1/accounts",
                json!({"email": "nul@exemple.fr", "password": PASSWORD, "first_name": "Camille"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{b}: {}", a.body);
        let a = staff.get("/api/v1/structures/lille/opportunities").await;
        assert_eq!(a.status, StatusCode::OK, "{b}: {}", a.body);
    }
}

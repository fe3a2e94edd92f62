//! The OpenAPI 3 description of the JSON API, served at `/api/v1/openapi.json`. The test
//! `api/tests/openapi.rs` calls every documented operation and checks each documented status.

pub const DOCUMENT: &str = r##"{
  "openapi": "3.0.3",
  "info": {
    "title": "Tremplin API",
    "version": "1",
    "description": "Comptes et sessions de Tremplin. Les requêtes qui modifient quelque chose doivent venir du site lui-même (en-têtes Origin ou Sec-Fetch-Site) ; la session est un cookie HttpOnly « tremplin_session ». Les messages d'erreur sont en français."
  },
  "servers": [{ "url": "/api/v1" }],
  "components": {
    "securitySchemes": {
      "session": { "type": "apiKey", "in": "cookie", "name": "tremplin_session" }
    },
    "schemas": {
      "User": {
        "type": "object",
        "required": ["id", "email", "first_name", "role", "structure"],
        "properties": {
          "id": { "type": "integer" },
          "email": { "type": "string", "format": "email" },
          "first_name": { "type": "string" },
          "role": { "type": "string", "enum": ["youth", "counsellor", "admin"] },
          "structure": {
            "nullable": true,
            "type": "object",
            "required": ["slug", "name", "town"],
            "properties": { "slug": { "type": "string" }, "name": { "type": "string" }, "town": { "type": "string" } }
          }
        }
      },
      "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
          "error": { "type": "string", "description": "Message en français, à montrer tel quel." },
          "fields": { "type": "object", "additionalProperties": { "type": "string" }, "description": "Pour une réponse 422 : le message de chaque champ à corriger." }
        }
      },
      "Registration": {
        "type": "object",
        "required": ["email", "password", "first_name"],
        "additionalProperties": false,
        "properties": {
          "email": { "type": "string", "format": "email" },
          "password": { "type": "string", "minLength": 12 },
          "first_name": { "type": "string" },
          "structure": { "type": "string", "nullable": true, "description": "Identifiant de la Mission Locale (par exemple lille)." }
        }
      },
      "Credentials": {
        "type": "object",
        "required": ["email", "password"],
        "additionalProperties": false,
        "properties": { "email": { "type": "string" }, "password": { "type": "string" } }
      }
    },
    "responses": {
      "Error": { "description": "Erreur", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
    }
  },
  "paths": {
    "/accounts": {
      "post": {
        "summary": "Créer un compte de jeune",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Registration" } } } },
        "responses": {
          "201": { "description": "Compte créé", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/User" } } } },
          "400": { "$ref": "#/components/responses/Error" },
          "403": { "$ref": "#/components/responses/Error" },
          "422": { "$ref": "#/components/responses/Error" }
        }
      }
    },
    "/session": {
      "post": {
        "summary": "Se connecter",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Credentials" } } } },
        "responses": {
          "200": { "description": "Connecté ; le cookie de session est posé", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/User" } } } },
          "400": { "$ref": "#/components/responses/Error" },
          "401": { "$ref": "#/components/responses/Error" },
          "403": { "$ref": "#/components/responses/Error" },
          "429": { "$ref": "#/components/responses/Error" }
        }
      },
      "delete": {
        "summary": "Se déconnecter",
        "security": [{ "session": [] }],
        "responses": {
          "204": { "description": "Session fermée" },
          "403": { "$ref": "#/components/responses/Error" }
        }
      }
    },
    "/me": {
      "get": {
        "summary": "Le compte connecté",
        "security": [{ "session": [] }],
        "responses": {
          "200": { "description": "Le compte", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/User" } } } },
          "401": { "$ref": "#/components/responses/Error" }
        }
      },
      "delete": {
        "summary": "Supprimer son compte de jeune et ses données personnelles (RGPD)",
        "security": [{ "session": [] }],
        "responses": {
          "204": { "description": "Compte supprimé" },
          "401": { "$ref": "#/components/responses/Error" },
          "403": { "$ref": "#/components/responses/Error" }
        }
      }
    },
    "/me/export": {
      "get": {
        "summary": "Toutes les données gardées sur le compte connecté (RGPD)",
        "security": [{ "session": [] }],
        "responses": {
          "200": { "description": "Les données, en JSON", "content": { "application/json": { "schema": { "type": "object", "required": ["compte", "sessions"] } } } },
          "401": { "$ref": "#/components/responses/Error" }
        }
      }
    }
  }
}
"##;

#[cfg(test)]
mod tests {
    #[test]
    fn document_is_valid_json() {
        let v: serde_json::Value = serde_json::from_str(super::DOCUMENT).unwrap();
        assert_eq!(v["openapi"], "3.0.3");
    }
}

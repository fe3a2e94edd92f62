//! The OpenAPI 3 description of the JSON API, served at `/api/v1/openapi.json`. The test
//! `api/tests/openapi.rs` calls every documented operation and checks each documented status
//! both ways, and `tools/schemathesis/run` checks every answer of a live server against it.

use std::sync::LazyLock;

use serde_json::{json, Value};

/// The document as written: each operation's own answers. `document()` adds the answers that
/// the layers in front of every handler give (see `complete`).
pub const DOCUMENT: &str = r##"{
  "openapi": "3.0.3",
  "info": {
    "title": "Tremplin API",
    "version": "1",
    "description": "Comptes, sessions, opportunités, recherche et questions de Tremplin. Les requêtes qui modifient quelque chose doivent venir du site lui-même (en-têtes Origin ou Sec-Fetch-Site), sinon 403 ; la session est un cookie HttpOnly « tremplin_session ». Toute opération peut répondre 400 (adresse ou corps mal formés, caractère nul %00) et 503 (service trop demandé ou réponse trop longue, avec Retry-After) ; une opération qui prend un corps répond 413 s'il dépasse 256 Ko (10 Mo pour un import). Toutes les erreurs sont en JSON ({\"error\": …}), en français."
  },
  "servers": [{ "url": "/api/v1" }],
  "components": {
    "securitySchemes": {
      "session": { "type": "apiKey", "in": "cookie", "name": "tremplin_session" }
    },
    "parameters": {
      "id": { "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" }, "example": 1 }
    },
    "headers": {
      "Retry-After": { "description": "Secondes à attendre avant de réessayer", "required": true, "schema": { "type": "integer", "minimum": 1 } }
    },
    "schemas": {
      "User": {
        "type": "object",
        "required": ["id", "email", "first_name", "role", "structure"],
        "properties": {
          "id": { "type": "integer" },
          "email": { "type": "string" },
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
      "Opportunity": {
        "type": "object",
        "required": ["id", "kind", "kind_label", "title", "organisation", "description", "description_html", "place", "contract", "duration", "hours", "driving_licence", "level", "level_label", "start_date", "deadline", "places", "places_left", "apply", "themes", "status", "structure", "source", "external_id", "source_url", "published_at", "created_at", "updated_at", "url"],
        "properties": {
          "id": { "type": "integer" },
          "kind": { "type": "string" },
          "kind_label": { "type": "string" },
          "title": { "type": "string" },
          "organisation": { "type": "string" },
          "description": { "type": "string", "description": "Markdown tel que saisi" },
          "description_html": { "type": "string", "description": "Le Markdown en HTML nettoyé (sans script, sans image externe)" },
          "place": {
            "type": "object",
            "required": ["town", "postcode", "insee", "latitude", "longitude", "remote"],
            "properties": { "town": { "type": "string" }, "postcode": { "type": "string" }, "insee": { "type": "string" }, "latitude": { "type": "number", "nullable": true }, "longitude": { "type": "number", "nullable": true }, "remote": { "type": "boolean" } }
          },
          "contract": { "type": "string" },
          "duration": { "type": "string" },
          "hours": { "type": "string" },
          "driving_licence": { "type": "boolean", "description": "Permis de conduire obligatoire" },
          "level": { "type": "string" },
          "level_label": { "type": "string" },
          "start_date": { "type": "string", "nullable": true, "description": "AAAA-MM-JJ" },
          "deadline": { "type": "string", "nullable": true, "description": "AAAA-MM-JJ" },
          "places": { "type": "integer", "nullable": true },
          "places_left": { "type": "integer", "nullable": true },
          "apply": { "type": "object", "required": ["kind", "value"], "properties": { "kind": { "type": "string", "enum": ["lien", "email", "conseiller"] }, "value": { "type": "string" } } },
          "themes": { "type": "array", "items": { "type": "string" } },
          "status": { "type": "string", "enum": ["brouillon", "publiee", "pourvue", "expiree"] },
          "structure": { "type": "object", "required": ["slug", "name"], "properties": { "slug": { "type": "string" }, "name": { "type": "string" } } },
          "source": { "type": "string", "nullable": true },
          "external_id": { "type": "string", "nullable": true },
          "source_url": { "type": "string", "nullable": true },
          "published_at": { "type": "string", "nullable": true, "description": "RFC 3339" },
          "created_at": { "type": "string" },
          "updated_at": { "type": "string" },
          "url": { "type": "string" },
          "distance_km": { "type": "number", "nullable": true, "description": "Dans une liste autour d'un lieu" },
          "interested": { "type": "integer", "description": "Dans la liste d'une structure : jeunes intéressés" },
          "new_interests": { "type": "integer", "description": "Dans la liste d'une structure : intérêts pas encore suivis" }
        }
      },
      "Listing": {
        "type": "object",
        "required": ["items", "total", "page", "pages", "simpler_search", "near", "corrected_query", "did_you_mean", "alternatives"],
        "properties": {
          "items": { "type": "array", "items": { "$ref": "#/components/schemas/Opportunity" } },
          "total": { "type": "integer" },
          "page": { "type": "integer" },
          "pages": { "type": "integer" },
          "simpler_search": { "type": "boolean", "description": "Vrai quand le moteur de recherche ne répond pas : les mots-clés ont seulement été cherchés dans les titres (sans fautes de frappe, pluriels ni synonymes), les plus récentes d'abord" },
          "near": {
            "type": "object",
            "nullable": true,
            "description": "La commune reconnue",
            "required": ["name", "insee", "department", "latitude", "longitude"],
            "properties": { "name": { "type": "string" }, "insee": { "type": "string" }, "department": { "type": "string" }, "latitude": { "type": "number" }, "longitude": { "type": "number" } }
          },
          "corrected_query": { "type": "string", "nullable": true, "description": "Les mots-clés ne trouvaient rien : voici les résultats de leur correction (exacte=1 pour les mots tels quels)" },
          "did_you_mean": { "type": "string", "nullable": true, "description": "La correction des mots-clés qui ne trouvaient rien" },
          "alternatives": {
            "type": "array",
            "description": "Quand rien ne correspond : chaque filtre à retirer (ou le rayon à élargir) qui trouverait des opportunités, avec leur nombre ; vide sinon",
            "items": {
              "type": "object",
              "required": ["param", "label", "total", "query"],
              "properties": {
                "param": { "type": "string", "description": "Le paramètre retiré ou élargi : rayon, lieu, type, niveau, debut, q, structure" },
                "label": { "type": "string", "description": "En français : « Sans le lieu », « Jusqu'à 100 km de Lille »" },
                "total": { "type": "integer" },
                "query": { "type": "string", "description": "Les filtres ainsi changés, pour /opportunities?…" }
              }
            }
          }
        }
      },
      "Draft": {
        "type": "object",
        "required": ["kind", "title"],
        "additionalProperties": false,
        "description": "Les champs inconnus sont refusés (400). Le lieu : town et/ou postcode (résolus hors ligne), ou remote.",
        "properties": {
          "kind": { "type": "string" }, "title": { "type": "string" }, "organisation": { "type": "string" }, "description": { "type": "string" },
          "town": { "type": "string" }, "postcode": { "type": "string" }, "latitude": { "type": "number" }, "longitude": { "type": "number" }, "remote": { "type": "boolean" },
          "contract": { "type": "string" }, "duration": { "type": "string" }, "hours": { "type": "string" },
          "driving_licence": { "type": "boolean", "description": "Permis de conduire obligatoire" }, "level": { "type": "string" },
          "start_date": { "type": "string" }, "deadline": { "type": "string" }, "places": { "type": "integer" },
          "apply": { "type": "string", "description": "Un lien https://, une adresse électronique, ou vide (via le conseiller)" },
          "themes": { "type": "array", "items": { "type": "string" } }, "status": { "type": "string" }, "structure": { "type": "string" },
          "external_id": { "type": "string" }, "source": { "type": "string" }, "source_url": { "type": "string" }
        }
      },
      "ImportReport": {
        "type": "object",
        "required": ["created", "updated", "written", "errors", "error_count"],
        "properties": {
          "created": { "type": "integer" }, "updated": { "type": "integer" }, "written": { "type": "boolean" },
          "errors": { "type": "array", "description": "Les 100 premières lignes refusées", "items": { "type": "object", "required": ["line", "message"], "properties": { "line": { "type": "integer" }, "message": { "type": "string" } } } },
          "error_count": { "type": "integer", "description": "Toutes les lignes refusées" }
        }
      },
      "Interest": {
        "type": "object",
        "required": ["user_id", "first_name", "email", "message", "state", "outcome", "created_at", "updated_at"],
        "properties": {
          "user_id": { "type": "integer" }, "first_name": { "type": "string" }, "email": { "type": "string" }, "message": { "type": "string" },
          "state": { "type": "string", "enum": ["nouveau", "contacte", "abouti", "sans_suite"] }, "outcome": { "type": "string" },
          "created_at": { "type": "string" }, "updated_at": { "type": "string" }
        }
      },
      "Question": {
        "type": "object",
        "required": ["id", "structure", "subject", "question", "page", "status", "assignee", "taken_at", "answer", "answer_html", "answered_by", "answered_at", "faq", "created_at", "updated_at"],
        "properties": {
          "id": { "type": "integer" },
          "structure": { "type": "object", "required": ["slug", "name"], "properties": { "slug": { "type": "string" }, "name": { "type": "string" } } },
          "subject": { "type": "string" },
          "question": { "type": "string" },
          "page": { "type": "string", "nullable": true, "description": "La page du site d'où vient la question" },
          "status": { "type": "string", "enum": ["nouvelle", "prise", "repondue"] },
          "assignee": { "type": "string", "nullable": true },
          "taken_at": { "type": "string", "nullable": true },
          "answer": { "type": "string", "nullable": true },
          "answer_html": { "type": "string", "nullable": true },
          "answered_by": { "type": "string", "nullable": true },
          "answered_at": { "type": "string", "nullable": true },
          "faq": { "type": "string", "nullable": true, "description": "L'adresse de l'entrée de FAQ publiée" },
          "created_at": { "type": "string" },
          "updated_at": { "type": "string" },
          "youth": { "type": "object", "description": "Pour les conseillers seulement", "required": ["first_name", "email"], "properties": { "first_name": { "type": "string" }, "email": { "type": "string" } } }
        }
      },
      "Newsletter": {
        "type": "object",
        "required": ["subscribed", "consented_at", "withdrawn_at"],
        "properties": {
          "subscribed": { "type": "boolean" },
          "consented_at": { "type": "string", "nullable": true, "description": "Date et heure du consentement (RFC 3339)" },
          "withdrawn_at": { "type": "string", "nullable": true }
        }
      },
      "Alert": {
        "type": "object",
        "required": ["id", "name", "query", "description", "url", "frequency", "created_at"],
        "properties": {
          "id": { "type": "integer" },
          "name": { "type": "string" },
          "query": { "type": "string", "description": "Les filtres, comme dans /opportunities?… (type=stage&lieu=Lyon&rayon=30)" },
          "description": { "type": "string" },
          "url": { "type": "string" },
          "frequency": { "type": "string", "enum": ["quotidienne", "hebdomadaire"] },
          "created_at": { "type": "string" }
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
      "Error": { "description": "Erreur", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "BadRequest": { "description": "Requête mal formée : un caractère nul (%00) dans l'adresse ou le corps, un identifiant qui n'est pas un nombre, un paramètre de requête du mauvais type ou répété, un corps qui n'est pas le JSON attendu (champ inconnu, manquant ou du mauvais type)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Unauthorized": { "description": "Pas de session : connectez-vous (POST /session)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Forbidden": { "description": "Refusé : requête venue d'un autre site, ou compte qui n'a pas ce droit", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "NotFound": { "description": "Introuvable, ou pas visible pour ce compte", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "TooLarge": { "description": "Corps trop gros (256 Ko ; 10 Mo pour un import)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Invalid": { "description": "Des champs sont à corriger : fields donne le message de chacun", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "TooManyRequests": { "description": "Trop de tentatives depuis ce compte ou cette adresse : attendre Retry-After secondes", "headers": { "Retry-After": { "$ref": "#/components/headers/Retry-After" } }, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Unavailable": { "description": "Service momentanément indisponible (trop de requêtes à la fois, ou réponse trop longue) : réessayer après Retry-After secondes", "headers": { "Retry-After": { "$ref": "#/components/headers/Retry-After" } }, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
    }
  },
  "paths": {
    "/accounts": {
      "post": {
        "summary": "Créer un compte de jeune",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Registration" }, "example": {"email": "camille@exemple.fr", "password": "un vélo rouge sous la pluie", "first_name": "Camille"} } } },
        "responses": {
          "201": { "description": "Compte créé", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/User" } } } },
          "422": { "$ref": "#/components/responses/Invalid" },
          "429": { "$ref": "#/components/responses/TooManyRequests" }
        }
      }
    },
    "/session": {
      "post": {
        "summary": "Se connecter",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Credentials" } } } },
        "responses": {
          "200": { "description": "Connecté ; le cookie de session est posé", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/User" } } } },
          "401": { "description": "Adresse ou mot de passe incorrect", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "403": { "description": "Compte désactivé, ou requête venue d'un autre site", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "429": { "$ref": "#/components/responses/TooManyRequests" }
        }
      },
      "delete": {
        "summary": "Se déconnecter",
        "security": [{ "session": [] }],
        "responses": { "204": { "description": "Session fermée" } }
      }
    },
    "/me": {
      "get": {
        "summary": "Le compte connecté",
        "security": [{ "session": [] }],
        "responses": {
          "200": { "description": "Le compte", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/User" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      },
      "delete": {
        "summary": "Supprimer son compte de jeune et ses données personnelles (RGPD)",
        "security": [{ "session": [] }],
        "responses": {
          "204": { "description": "Compte supprimé" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" }
        }
      }
    },
    "/me/export": {
      "get": {
        "summary": "Toutes les données gardées sur le compte connecté (RGPD)",
        "security": [{ "session": [] }],
        "responses": {
          "200": { "description": "Les données, en JSON", "content": { "application/json": { "schema": { "type": "object", "required": ["compte", "sessions"] } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/opportunities": {
      "get": {
        "summary": "Les opportunités publiées et non expirées, filtrées (pas de compte nécessaire) ; un filtre incorrect est un 422 qui le nomme",
        "parameters": [
          { "name": "type", "in": "query", "schema": { "type": "string" }, "description": "Type (plusieurs fois possible) : emploi, alternance, stage, formation, service-civique, job-saisonnier, benevolat, evenement" },
          { "name": "lieu", "in": "query", "schema": { "type": "string" }, "description": "Commune ou code postal" },
          { "name": "rayon", "in": "query", "schema": { "type": "number" }, "description": "Rayon en km autour du lieu (30 par défaut)" },
          { "name": "debut", "in": "query", "schema": { "type": "string" }, "description": "Commence à partir de cette date (AAAA-MM-JJ)" },
          { "name": "niveau", "in": "query", "schema": { "type": "string" }, "description": "Niveau du jeune : cap, bac, bac+2, bac+3, bac+5" },
          { "name": "q", "in": "query", "schema": { "type": "string" }, "description": "Mots-clés (moteur de recherche : fautes de frappe, pluriels, synonymes)" },
          { "name": "tri", "in": "query", "schema": { "type": "string" }, "description": "date (par défaut) ou distance" },
          { "name": "page", "in": "query", "schema": { "type": "integer" }, "description": "Page (20 par page, 50 pages au plus)" },
          { "name": "structure", "in": "query", "schema": { "type": "string" }, "description": "Identifiant d'une Mission Locale" },
          { "name": "exacte", "in": "query", "schema": { "type": "string" }, "description": "1 : les mots-clés tels quels, même s'ils ne trouvent rien et qu'une correction trouverait" }
        ],
        "responses": {
          "200": { "description": "Une page de la liste", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Listing" } } } },
          "404": { "description": "Page au-delà de la dernière", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      },
      "post": {
        "summary": "Publier une opportunité (conseiller : pour sa structure ; administrateur : champ structure)",
        "security": [{ "session": [] }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Draft" }, "example": {"kind": "emploi", "title": "Vendeur ou vendeuse en boulangerie", "town": "Lille", "contract": "CDD", "status": "publiee"} } } },
        "responses": {
          "201": { "description": "L'opportunité", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Opportunity" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      }
    },
    "/opportunities/import": {
      "post": {
        "summary": "Importer un fichier CSV, JSON ou l'export JSON d'une recherche France Travail ; rien n'est écrit s'il y a une erreur, sauf avec skip_bad",
        "security": [{ "session": [] }],
        "parameters": [
          { "name": "structure", "in": "query", "schema": { "type": "string" }, "description": "Pour un administrateur" },
          { "name": "skip_bad", "in": "query", "schema": { "type": "boolean" } },
          { "name": "file_name", "in": "query", "schema": { "type": "string" } }
        ],
        "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } }, "application/json": { "schema": { "type": "object" } } } },
        "responses": {
          "200": { "description": "Importé", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ImportReport" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "422": { "description": "Rien n'a été importé : le fichier n'a pu être lu (error), ou des lignes sont à corriger (errors)", "content": { "application/json": { "schema": { "type": "object" } } } }
        }
      }
    },
    "/opportunities/{id}": {
      "get": {
        "summary": "Une opportunité (publiée, ou de sa structure)",
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "responses": {
          "200": { "description": "L'opportunité", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Opportunity" } } } },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      },
      "put": {
        "summary": "Modifier une opportunité de sa structure",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Draft" }, "example": {"kind": "emploi", "title": "Vendeur ou vendeuse en boulangerie", "town": "Lille", "contract": "CDD", "status": "publiee"} } } },
        "responses": {
          "200": { "description": "L'opportunité", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Opportunity" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      }
    },
    "/opportunities/{id}/status": {
      "post": {
        "summary": "Publier, dépublier (brouillon) ou marquer pourvue",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["status"], "additionalProperties": false, "properties": { "status": { "type": "string", "enum": ["brouillon", "publiee", "pourvue", "expiree"] } } }, "example": {"status": "publiee"} } } },
        "responses": {
          "200": { "description": "L'opportunité", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Opportunity" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      }
    },
    "/opportunities/{id}/favourite": {
      "put": {
        "summary": "Sauvegarder (jeune)",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "responses": {
          "204": { "description": "Fait" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      },
      "delete": {
        "summary": "Retirer des opportunités sauvegardées",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "responses": {
          "204": { "description": "Fait" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" }
        }
      }
    },
    "/opportunities/{id}/interest": {
      "post": {
        "summary": "« Ça m'intéresse » (jeune), avec un message facultatif ; pour un événement, prend une place s'il en reste",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "requestBody": { "required": false, "content": { "application/json": { "schema": { "type": "object", "additionalProperties": false, "properties": { "message": { "type": "string" } } }, "example": {"message": "Bonjour, je suis disponible dès lundi."} } } },
        "responses": {
          "204": { "description": "Fait" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      },
      "delete": {
        "summary": "Retirer son intérêt (et rendre sa place)",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "responses": {
          "204": { "description": "Fait" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" }
        }
      }
    },
    "/opportunities/{id}/interests": {
      "get": {
        "summary": "Les jeunes intéressés (conseiller de la structure)",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "responses": {
          "200": { "description": "La liste", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Interest" } } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      }
    },
    "/opportunities/{id}/interests/{user_id}": {
      "post": {
        "summary": "Le suivi d'un jeune intéressé : nouveau, contacte, abouti, sans_suite, et une note",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }, { "name": "user_id", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" }, "example": 1 }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["state"], "additionalProperties": false, "properties": { "state": { "type": "string", "enum": ["nouveau", "contacte", "abouti", "sans_suite"] }, "outcome": { "type": "string" } } }, "example": {"state": "contacte", "outcome": "Appelée le 3 mars"} } } },
        "responses": {
          "204": { "description": "Fait" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      }
    },
    "/me/opportunities": {
      "get": {
        "summary": "Mes opportunités : sauvegardées, et celles qui m'intéressent avec leur suivi",
        "security": [{ "session": [] }],
        "responses": {
          "200": { "description": "favourites et interests", "content": { "application/json": { "schema": { "type": "object", "required": ["favourites", "interests"], "properties": {
            "favourites": { "type": "array", "items": { "$ref": "#/components/schemas/Opportunity" } },
            "interests": { "type": "array", "items": { "type": "object", "required": ["opportunity", "message", "state", "updated_at"], "properties": { "opportunity": { "$ref": "#/components/schemas/Opportunity" }, "message": { "type": "string" }, "state": { "type": "string" }, "updated_at": { "type": "string" } } } }
          } } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/structures/{slug}/opportunities": {
      "get": {
        "summary": "Toutes les opportunités d'une structure, avec le nombre de jeunes intéressés (ses conseillers)",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "slug", "in": "path", "required": true, "schema": { "type": "string" }, "example": "lille" }],
        "responses": {
          "200": { "description": "La liste", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Opportunity" } } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      }
    },
    "/search": {
      "get": {
        "summary": "Rechercher dans les pages du site (contenus) ou les opportunités",
        "parameters": [
          { "name": "q", "in": "query", "schema": { "type": "string" }, "description": "10 mots et 200 caractères au plus" },
          { "name": "index", "in": "query", "schema": { "type": "string", "enum": ["contenus", "opportunites"] } },
          { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 0 }, "description": "8 par défaut, 50 au plus" },
          { "name": "offset", "in": "query", "schema": { "type": "integer", "minimum": 0 } },
          { "name": "exacte", "in": "query", "schema": { "type": "string" }, "description": "non vide : les mots tels quels, sans les résultats de leur correction quand ils ne trouvent rien" }
        ],
        "responses": {
          "200": { "description": "Les résultats", "content": { "application/json": { "schema": { "type": "object", "required": ["query", "index", "total", "did_you_mean", "corrected_query", "facets", "hits"], "properties": {
            "query": { "type": "string" },
            "index": { "type": "string", "enum": ["contenus", "opportunites"] },
            "total": { "type": "integer" },
            "did_you_mean": { "type": "string", "nullable": true },
            "corrected_query": { "type": "string", "nullable": true, "description": "quand la requête ne trouvait rien : la correction dont ce sont les résultats" },
            "facets": { "type": "object", "additionalProperties": { "type": "array", "items": { "type": "object", "required": ["value", "count"], "properties": { "value": { "type": "string" }, "count": { "type": "integer" } } } } },
            "hits": { "type": "array", "items": { "type": "object", "required": ["id", "title", "url", "kind", "title_html", "snippet_html"], "properties": { "id": { "type": "string" }, "title": { "type": "string" }, "url": { "type": "string" }, "kind": { "type": "string" }, "title_html": { "type": "string", "nullable": true }, "snippet_html": { "type": "string" } } } }
          } } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      }
    },
    "/questions": {
      "post": {
        "summary": "Poser une question à sa Mission Locale (jeune rattaché à une Mission Locale) ; page : le chemin de la page d'où elle vient",
        "security": [{ "session": [] }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["question"], "additionalProperties": false, "properties": { "question": { "type": "string" }, "subject": { "type": "string" }, "page": { "type": "string" } } }, "example": {"question": "Comment payer mon permis de conduire ?", "page": "/guides/permis/"} } } },
        "responses": {
          "201": { "description": "La question", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Question" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      }
    },
    "/me/newsletter": {
      "get": {
        "summary": "Mon choix de recevoir les nouveautés par courriel (jeunes)",
        "security": [{ "session": [] }],
        "responses": {
          "200": { "description": "Le choix", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Newsletter" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" }
        }
      },
      "put": {
        "summary": "S'abonner ou se désabonner ; le consentement est daté",
        "security": [{ "session": [] }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["subscribed"], "properties": { "subscribed": { "type": "boolean" } } }, "example": {"subscribed": true} } } },
        "responses": {
          "200": { "description": "Le choix", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Newsletter" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" }
        }
      }
    },
    "/me/alerts": {
      "get": {
        "summary": "Mes alertes : recherches d'opportunités envoyées par courriel",
        "security": [{ "session": [] }],
        "responses": {
          "200": { "description": "Les alertes", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Alert" } } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" }
        }
      },
      "post": {
        "summary": "Enregistrer une recherche comme alerte (20 au plus) ; seules les opportunités publiées ensuite sont nouvelles pour elle",
        "security": [{ "session": [] }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "additionalProperties": false, "properties": { "name": { "type": "string", "description": "Vide : la description de la recherche" }, "query": { "type": "string" }, "frequency": { "type": "string", "enum": ["quotidienne", "hebdomadaire"], "default": "quotidienne" } } }, "example": {"query": "type=stage&lieu=Lille&rayon=30", "frequency": "hebdomadaire"} } } },
        "responses": {
          "201": { "description": "L'alerte", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Alert" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      }
    },
    "/me/alerts/{id}": {
      "delete": {
        "summary": "Supprimer une de mes alertes",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "responses": {
          "204": { "description": "Supprimée" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      }
    },
    "/me/questions": {
      "get": {
        "summary": "Mes questions et leurs réponses",
        "security": [{ "session": [] }],
        "responses": {
          "200": { "description": "Les questions, les plus récentes d'abord", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Question" } } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/questions/inbox": {
      "get": {
        "summary": "Les questions reçues par sa Mission Locale (conseiller) : nouvelles, miennes, repondues",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "filter", "in": "query", "schema": { "type": "string", "enum": ["nouvelles", "miennes", "repondues"] } }],
        "responses": {
          "200": { "description": "filter et questions", "content": { "application/json": { "schema": { "type": "object", "required": ["filter", "questions"], "properties": { "filter": { "type": "string", "enum": ["nouvelles", "miennes", "repondues"] }, "questions": { "type": "array", "items": { "$ref": "#/components/schemas/Question" } } } } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" }
        }
      }
    },
    "/questions/{id}": {
      "get": {
        "summary": "Une question (son jeune, ou un conseiller de sa structure)",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "responses": {
          "200": { "description": "La question", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Question" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      }
    },
    "/questions/{id}/take": {
      "post": {
        "summary": "« Je m'en occupe » : 409 si un autre conseiller l'a déjà prise",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "responses": {
          "200": { "description": "La question", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Question" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "409": { "description": "Déjà prise par un autre conseiller : error, et la question", "content": { "application/json": { "schema": { "type": "object", "required": ["error", "question"], "properties": { "error": { "type": "string" }, "question": { "$ref": "#/components/schemas/Question" } } } } } }
        }
      }
    },
    "/questions/{id}/answer": {
      "post": {
        "summary": "Répondre (Markdown) ; le jeune est prévenu par courriel",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["answer"], "additionalProperties": false, "properties": { "answer": { "type": "string" } } }, "example": {"answer": "Plusieurs aides existent : parlons-en à votre prochain rendez-vous."} } } },
        "responses": {
          "200": { "description": "La question", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Question" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      }
    },
    "/questions/{id}/faq": {
      "get": {
        "summary": "Le brouillon d'entrée de FAQ, données personnelles retirées",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "responses": {
          "200": { "description": "draft, removed, warning, themes", "content": { "application/json": { "schema": { "type": "object", "required": ["draft", "removed", "warning", "themes"] } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      },
      "post": {
        "summary": "Publier la réponse dans la FAQ : le fichier est écrit dans content/faq/ et commité (auteur : le conseiller) ; 403 si le site n'est pas un dépôt git (rien n'est écrit)",
        "security": [{ "session": [] }],
        "parameters": [{ "$ref": "#/components/parameters/id" }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["title", "answer", "theme"], "additionalProperties": false, "properties": { "title": { "type": "string" }, "description": { "type": "string" }, "question": { "type": "string" }, "answer": { "type": "string" }, "theme": { "type": "string" }, "publics": { "type": "array", "items": { "type": "string" } } } }, "example": {"title": "Des aides pour le permis ?", "answer": "Plusieurs aides existent : parlons-en.", "theme": "mobilité", "publics": ["18-25 ans"]} } } },
        "responses": {
          "201": { "description": "path et url de la nouvelle page", "content": { "application/json": { "schema": { "type": "object", "required": ["path", "url"], "properties": { "path": { "type": "string" }, "url": { "type": "string" } } } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "422": { "$ref": "#/components/responses/Invalid" }
        }
      }
    }
  }
}
"##;

/// The document served: `DOCUMENT` completed by `complete`, as JSON text.
pub fn document() -> &'static str {
    static SERVED: LazyLock<String> = LazyLock::new(|| {
        let mut doc: Value = serde_json::from_str(DOCUMENT).expect("DOCUMENT is JSON");
        complete(&mut doc);
        doc.to_string()
    });
    &SERVED
}

/// Adds to every operation the answers that do not depend on its handler, unless it lists
/// its own: 400 for an address holding `%00` (`security::refuse_nul`), a numeric path
/// parameter that is not a number, or a body that is not the JSON expected; 503 from the time
/// budget and the in-flight limit (`security::budget`); for every method but GET, 403 for a
/// request from another site (`web::check_api`); for an operation with a body, 413 past the
/// body limit.
pub fn complete(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for operations in paths.values_mut() {
        let Some(operations) = operations.as_object_mut() else {
            continue;
        };
        for (method, op) in operations.iter_mut() {
            let body = op.get("requestBody").is_some();
            let mut add = vec![("400", "BadRequest"), ("503", "Unavailable")];
            if method != "get" {
                add.push(("403", "Forbidden"));
            }
            if body {
                add.push(("413", "TooLarge"));
            }
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for (status, response) in add {
                responses.entry(status).or_insert_with(
                    || json!({ "$ref": format!("#/components/responses/{response}") }),
                );
            }
            // Listed in the order of the statuses.
            let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            responses.extend(sorted);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    #[test]
    fn document_is_valid_json() {
        let v: Value = serde_json::from_str(super::document()).unwrap();
        assert_eq!(v["openapi"], "3.0.3");
    }

    #[test]
    fn every_reference_resolves() {
        fn walk(v: &Value, doc: &Value) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        let target = doc.pointer(r.trim_start_matches('#'));
                        assert!(target.is_some(), "{r} is nowhere in the document");
                    }
                    m.values().for_each(|x| walk(x, doc));
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, doc)),
                _ => {}
            }
        }
        let doc: Value = serde_json::from_str(super::document()).unwrap();
        walk(&doc, &doc);
    }

    #[test]
    fn the_layers_answers_are_added() {
        let doc: Value = serde_json::from_str(super::document()).unwrap();
        let put = &doc["paths"]["/opportunities/{id}"]["put"]["responses"];
        for status in ["400", "403", "413", "503"] {
            assert!(
                put.get(status).is_some(),
                "PUT /opportunities/{{id}}: {status}"
            );
        }
        let get = &doc["paths"]["/me"]["get"]["responses"];
        assert!(get.get("400").is_some() && get.get("503").is_some());
        assert!(get.get("403").is_none() && get.get("413").is_none());
    }

    /// The typed bodies and the document name the same fields: a field added to `Draft` or
    /// to the opportunity's JSON without its line in the document fails here (the document
    /// is written by hand; the bodies are typed structs).
    #[test]
    fn the_schemas_name_the_bodies_fields() {
        use crate::domain::opportunities::{Draft, Opportunity};
        use std::collections::BTreeSet;
        let doc: Value = serde_json::from_str(super::document()).unwrap();
        let keys =
            |v: Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
        let schema = |name: &str| {
            let s = &doc["components"]["schemas"][name];
            let properties = keys(s["properties"].clone());
            let required: BTreeSet<String> = s["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect();
            (properties, required)
        };

        let draft = keys(serde_json::to_value(Draft::default()).unwrap());
        let (properties, _) = schema("Draft");
        assert_eq!(
            properties, draft,
            "Draft: the document's properties and the struct's fields"
        );

        let opportunity = Opportunity::default();
        let body = keys(serde_json::to_value(opportunity.to_json()).unwrap());
        let (properties, required) = schema("Opportunity");
        // In lists only: the distance, and the interests of a structure's list.
        let listed: BTreeSet<String> = ["distance_km", "interested", "new_interests"]
            .map(String::from)
            .into();
        assert_eq!(
            properties
                .difference(&listed)
                .cloned()
                .collect::<BTreeSet<_>>(),
            body,
            "Opportunity: the document's properties and the JSON's fields"
        );
        assert_eq!(required, body, "Opportunity: every field is required");
    }
}

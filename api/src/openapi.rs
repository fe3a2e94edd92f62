//! The OpenAPI 3 description of the JSON API, served at `/api/v1/openapi.json`. The test
//! `api/tests/openapi.rs` calls every documented operation and checks each documented status.

pub const DOCUMENT: &str = r##"{
  "openapi": "3.0.3",
  "info": {
    "title": "Tremplin API",
    "version": "1",
    "description": "Comptes, sessions, opportunités, recherche et questions de Tremplin. Les requêtes qui modifient quelque chose doivent venir du site lui-même (en-têtes Origin ou Sec-Fetch-Site) ; la session est un cookie HttpOnly « tremplin_session ». Les messages d'erreur sont en français."
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
      "Opportunity": {
        "type": "object",
        "required": ["id", "kind", "title", "place", "status", "structure", "url"],
        "properties": {
          "id": { "type": "integer" },
          "kind": { "type": "string" },
          "kind_label": { "type": "string" },
          "title": { "type": "string" },
          "organisation": { "type": "string" },
          "description": { "type": "string", "description": "Markdown tel que saisi" },
          "description_html": { "type": "string", "description": "Le Markdown en HTML nettoyé (sans script, sans image externe)" },
          "place": { "type": "object", "properties": { "town": { "type": "string" }, "postcode": { "type": "string" }, "insee": { "type": "string" }, "latitude": { "type": "number", "nullable": true }, "longitude": { "type": "number", "nullable": true }, "remote": { "type": "boolean" } } },
          "level": { "type": "string" },
          "start_date": { "type": "string", "nullable": true },
          "deadline": { "type": "string", "nullable": true },
          "places": { "type": "integer", "nullable": true },
          "places_left": { "type": "integer", "nullable": true },
          "apply": { "type": "object", "properties": { "kind": { "type": "string", "enum": ["lien", "email", "conseiller"] }, "value": { "type": "string" } } },
          "themes": { "type": "array", "items": { "type": "string" } },
          "status": { "type": "string", "enum": ["brouillon", "publiee", "pourvue", "expiree"] },
          "structure": { "type": "object", "properties": { "slug": { "type": "string" }, "name": { "type": "string" } } },
          "source": { "type": "string", "nullable": true },
          "external_id": { "type": "string", "nullable": true },
          "source_url": { "type": "string", "nullable": true },
          "url": { "type": "string" },
          "distance_km": { "type": "number", "nullable": true }
        }
      },
      "Listing": {
        "type": "object",
        "required": ["items", "total", "page", "pages"],
        "properties": {
          "items": { "type": "array", "items": { "$ref": "#/components/schemas/Opportunity" } },
          "total": { "type": "integer" },
          "page": { "type": "integer" },
          "pages": { "type": "integer" },
          "near": { "type": "object", "nullable": true, "description": "La commune reconnue" }
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
          "contract": { "type": "string" }, "duration": { "type": "string" }, "hours": { "type": "string" }, "level": { "type": "string" },
          "start_date": { "type": "string" }, "deadline": { "type": "string" }, "places": { "type": "integer" },
          "apply": { "type": "string", "description": "Un lien https://, une adresse électronique, ou vide (via le conseiller)" },
          "themes": { "type": "array", "items": { "type": "string" } }, "status": { "type": "string" }, "structure": { "type": "string" },
          "external_id": { "type": "string" }, "source": { "type": "string" }, "source_url": { "type": "string" }
        }
      },
      "Question": {
        "type": "object",
        "required": ["id", "question", "status"],
        "properties": {
          "id": { "type": "integer" },
          "structure": { "type": "object" },
          "subject": { "type": "string" },
          "question": { "type": "string" },
          "page": { "type": "string" },
          "status": { "type": "string", "enum": ["nouvelle", "prise", "repondue"] },
          "answer": { "type": "string", "nullable": true },
          "answer_html": { "type": "string", "nullable": true },
          "faq": { "type": "string", "nullable": true }
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
        "required": ["id", "name", "query", "frequency"],
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
    },
    "/opportunities": {
      "get": {
        "summary": "Les opportunités publiées et non expirées, filtrées (pas de compte nécessaire)",
        "parameters": [{ "name": "type", "in": "query", "schema": { "type": "string" }, "description": "Type (plusieurs fois possible) : emploi, alternance, stage, formation, service-civique, job-saisonnier, benevolat, evenement" }, { "name": "lieu", "in": "query", "schema": { "type": "string" }, "description": "Commune ou code postal" }, { "name": "rayon", "in": "query", "schema": { "type": "number" }, "description": "Rayon en km autour du lieu (30 par défaut)" }, { "name": "debut", "in": "query", "schema": { "type": "string" }, "description": "Commence à partir de cette date (AAAA-MM-JJ)" }, { "name": "niveau", "in": "query", "schema": { "type": "string" }, "description": "Niveau du jeune : cap, bac, bac+2, bac+3, bac+5" }, { "name": "q", "in": "query", "schema": { "type": "string" }, "description": "Mots-clés (moteur de recherche : fautes de frappe, pluriels, synonymes)" }, { "name": "tri", "in": "query", "schema": { "type": "string" }, "description": "date (par défaut) ou distance" }, { "name": "page", "in": "query", "schema": { "type": "integer" }, "description": "Page (20 par page)" }, { "name": "structure", "in": "query", "schema": { "type": "string" }, "description": "Identifiant d'une Mission Locale" }],
        "responses": { "200": { "description": "Une page de la liste", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Listing" } } } }, "422": { "$ref": "#/components/responses/Error" } }
      },
      "post": {
        "summary": "Publier une opportunité (conseiller : pour sa structure ; administrateur : champ structure)",
        "security": [{ "session": [] }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Draft" } } } },
        "responses": { "201": { "description": "L'opportunité", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Opportunity" } } } }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" }, "422": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/opportunities/import": {
      "post": {
        "summary": "Importer un fichier CSV, JSON ou l'export JSON d'une recherche France Travail ; rien n'est écrit s'il y a une erreur, sauf avec skip_bad",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "structure", "in": "query", "schema": { "type": "string" }, "description": "Pour un administrateur" }, { "name": "skip_bad", "in": "query", "schema": { "type": "boolean" } }, { "name": "file_name", "in": "query", "schema": { "type": "string" } }],
        "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } }, "application/json": { "schema": { "type": "object" } } } },
        "responses": { "200": { "description": "Importé : created, updated, errors (ligne et raison)", "content": { "application/json": { "schema": { "type": "object" } } } }, "422": { "description": "Rien n'a été importé : errors (ligne et raison)", "content": { "application/json": { "schema": { "type": "object" } } } } }
      }
    },
    "/opportunities/{id}": {
      "get": {
        "summary": "Une opportunité (publiée, ou de sa structure)",
        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "responses": { "200": { "description": "L'opportunité", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Opportunity" } } } }, "404": { "$ref": "#/components/responses/Error" } }
      },
      "put": {
        "summary": "Modifier une opportunité de sa structure",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Draft" } } } },
        "responses": { "200": { "description": "L'opportunité", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Opportunity" } } } }, "400": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Error" }, "422": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/opportunities/{id}/status": {
      "post": {
        "summary": "Publier, dépublier (brouillon) ou marquer pourvue",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["status"], "properties": { "status": { "type": "string", "enum": ["brouillon", "publiee", "pourvue", "expiree"] } } } } } },
        "responses": { "200": { "description": "L'opportunité", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Opportunity" } } } }, "404": { "$ref": "#/components/responses/Error" }, "422": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/opportunities/{id}/favourite": {
      "put": { "summary": "Sauvegarder (jeune)", "security": [{ "session": [] }], "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "204": { "description": "Fait" }, "401": { "$ref": "#/components/responses/Error" } } },
      "delete": { "summary": "Retirer des opportunités sauvegardées", "security": [{ "session": [] }], "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "204": { "description": "Fait" } } }
    },
    "/opportunities/{id}/interest": {
      "post": {
        "summary": "« Ça m'intéresse » (jeune), avec un message facultatif ; pour un événement, prend une place s'il en reste",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "requestBody": { "required": false, "content": { "application/json": { "schema": { "type": "object", "properties": { "message": { "type": "string" } } } } } },
        "responses": { "204": { "description": "Fait" }, "403": { "$ref": "#/components/responses/Error" }, "422": { "$ref": "#/components/responses/Error" } }
      },
      "delete": { "summary": "Retirer son intérêt (et rendre sa place)", "security": [{ "session": [] }], "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "204": { "description": "Fait" } } }
    },
    "/opportunities/{id}/interests": {
      "get": {
        "summary": "Les jeunes intéressés (conseiller de la structure)",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "responses": { "200": { "description": "La liste", "content": { "application/json": { "schema": { "type": "object" } } } }, "404": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/opportunities/{id}/interests/{user_id}": {
      "post": {
        "summary": "Le suivi d'un jeune intéressé : nouveau, contacte, abouti, sans_suite, et une note",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }, { "name": "user_id", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["state"], "properties": { "state": { "type": "string" }, "outcome": { "type": "string" } } } } } },
        "responses": { "204": { "description": "Fait" }, "422": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/me/opportunities": {
      "get": {
        "summary": "Mes opportunités : sauvegardées, et celles qui m'intéressent avec leur suivi",
        "security": [{ "session": [] }],
        "responses": { "200": { "description": "favourites et interests", "content": { "application/json": { "schema": { "type": "object" } } } }, "401": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/structures/{slug}/opportunities": {
      "get": {
        "summary": "Toutes les opportunités d'une structure, avec le nombre de jeunes intéressés (ses conseillers)",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "slug", "in": "path", "required": true, "schema": { "type": "string" } }],
        "responses": { "200": { "description": "La liste", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Opportunity" } } } } }, "404": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/search": {
      "get": {
        "summary": "Rechercher dans les pages du site (contenus) ou les opportunités",
        "parameters": [{ "name": "q", "in": "query", "schema": { "type": "string" } }, { "name": "index", "in": "query", "schema": { "type": "string", "enum": ["contenus", "opportunites"] } }, { "name": "limit", "in": "query", "schema": { "type": "integer", "maximum": 50 } }, { "name": "offset", "in": "query", "schema": { "type": "integer" } }],
        "responses": { "200": { "description": "hits (title, url, kind, title_html, snippet_html), total, facets, did_you_mean", "content": { "application/json": { "schema": { "type": "object" } } } }, "422": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/questions": {
      "post": {
        "summary": "Poser une question à sa Mission Locale (jeune rattaché à une Mission Locale) ; page : le chemin de la page d'où elle vient",
        "security": [{ "session": [] }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["question"], "properties": { "question": { "type": "string" }, "subject": { "type": "string" }, "page": { "type": "string" } } } } } },
        "responses": { "201": { "description": "La question", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Question" } } } }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" }, "422": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/me/newsletter": {
      "get": { "summary": "Mon choix de recevoir les nouveautés par courriel (jeunes)", "security": [{ "session": [] }], "responses": { "200": { "description": "Le choix", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Newsletter" } } } }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" } } },
      "put": {
        "summary": "S'abonner ou se désabonner ; le consentement est daté",
        "security": [{ "session": [] }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["subscribed"], "properties": { "subscribed": { "type": "boolean" } } } } } },
        "responses": { "200": { "description": "Le choix", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Newsletter" } } } }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/me/alerts": {
      "get": { "summary": "Mes alertes : recherches d'opportunités envoyées par courriel", "security": [{ "session": [] }], "responses": { "200": { "description": "Les alertes", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Alert" } } } } }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" } } },
      "post": {
        "summary": "Enregistrer une recherche comme alerte (20 au plus) ; seules les opportunités publiées ensuite sont nouvelles pour elle",
        "security": [{ "session": [] }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": { "name": { "type": "string", "description": "Vide : la description de la recherche" }, "query": { "type": "string" }, "frequency": { "type": "string", "enum": ["quotidienne", "hebdomadaire"], "default": "quotidienne" } } } } } },
        "responses": { "201": { "description": "L'alerte", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Alert" } } } }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" }, "422": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/me/alerts/{id}": {
      "delete": { "summary": "Supprimer une de mes alertes", "security": [{ "session": [] }], "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "204": { "description": "Supprimée" }, "401": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Error" } } }
    },
    "/me/questions": {
      "get": { "summary": "Mes questions et leurs réponses", "security": [{ "session": [] }], "responses": { "200": { "description": "questions", "content": { "application/json": { "schema": { "type": "object" } } } }, "401": { "$ref": "#/components/responses/Error" } } }
    },
    "/questions/inbox": {
      "get": {
        "summary": "Les questions reçues par sa Mission Locale (conseiller) : nouvelles, miennes, repondues",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "filter", "in": "query", "schema": { "type": "string", "enum": ["nouvelles", "miennes", "repondues"] } }],
        "responses": { "200": { "description": "filter et questions", "content": { "application/json": { "schema": { "type": "object" } } } }, "403": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/questions/{id}": {
      "get": { "summary": "Une question (son jeune, ou un conseiller de sa structure)", "security": [{ "session": [] }], "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "200": { "description": "La question", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Question" } } } }, "404": { "$ref": "#/components/responses/Error" } } }
    },
    "/questions/{id}/take": {
      "post": { "summary": "« Je m'en occupe » : 409 si un autre conseiller l'a déjà prise", "security": [{ "session": [] }], "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "200": { "description": "La question", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Question" } } } }, "404": { "$ref": "#/components/responses/Error" }, "409": { "$ref": "#/components/responses/Error" } } }
    },
    "/questions/{id}/answer": {
      "post": { "summary": "Répondre (Markdown) ; le jeune est prévenu par courriel", "security": [{ "session": [] }], "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["answer"], "properties": { "answer": { "type": "string" } } } } } }, "responses": { "200": { "description": "La question", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Question" } } } }, "422": { "$ref": "#/components/responses/Error" } } }
    },
    "/questions/{id}/faq": {
      "get": { "summary": "Le brouillon d'entrée de FAQ, données personnelles retirées", "security": [{ "session": [] }], "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "200": { "description": "draft, removed, warning, themes", "content": { "application/json": { "schema": { "type": "object" } } } }, "404": { "$ref": "#/components/responses/Error" } } },
      "post": {
        "summary": "Publier la réponse dans la FAQ : le fichier est écrit dans content/faq/ et commité (auteur : le conseiller) ; 403 si le site n'est pas un dépôt git (rien n'est écrit)",
        "security": [{ "session": [] }],
        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["title", "answer", "theme"], "properties": { "title": { "type": "string" }, "description": { "type": "string" }, "question": { "type": "string" }, "answer": { "type": "string" }, "theme": { "type": "string" }, "publics": { "type": "array" } } } } } },
        "responses": { "201": { "description": "path et url de la nouvelle page", "content": { "application/json": { "schema": { "type": "object" } } } }, "403": { "$ref": "#/components/responses/Error" }, "422": { "$ref": "#/components/responses/Error" } }
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

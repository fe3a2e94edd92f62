-- Opportunities published by the structures, the youths' favourites and "ça m'intéresse",
-- and the outbox of search-index updates (applied by a worker, see the search issue).
-- Dates a person types (start, deadline) are ISO 'YYYY-MM-DD' text: they compare as text.
CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id BIGINT NOT NULL REFERENCES structures (id) ON DELETE RESTRICT,
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    town TEXT NOT NULL DEFAULT '',
    postcode TEXT NOT NULL DEFAULT '',
    insee TEXT NOT NULL DEFAULT '',
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    remote BIGINT NOT NULL DEFAULT 0,
    contract TEXT NOT NULL DEFAULT '',
    duration TEXT NOT NULL DEFAULT '',
    hours TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL DEFAULT '',
    level_rank BIGINT NOT NULL DEFAULT 0,
    start_date TEXT,
    deadline TEXT,
    places BIGINT,
    taken BIGINT NOT NULL DEFAULT 0,
    apply TEXT NOT NULL DEFAULT '',
    themes TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('brouillon', 'publiee', 'pourvue', 'expiree')),
    source TEXT NOT NULL DEFAULT '',
    external_id TEXT,
    source_url TEXT NOT NULL DEFAULT '',
    search_text TEXT NOT NULL DEFAULT '',
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (structure_id, source, external_id)
);
CREATE INDEX opportunities_listing ON opportunities (status, kind, published_at);
CREATE INDEX opportunities_place ON opportunities (status, lat, lon);
CREATE INDEX opportunities_structure ON opportunities (structure_id, updated_at);

CREATE TABLE opportunity_favourites (
    opportunity_id BIGINT NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (opportunity_id, user_id)
);
CREATE INDEX opportunity_favourites_user ON opportunity_favourites (user_id);

CREATE TABLE opportunity_interests (
    opportunity_id BIGINT NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('nouveau', 'contacte', 'abouti', 'sans_suite')),
    outcome TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (opportunity_id, user_id)
);
CREATE INDEX opportunity_interests_user ON opportunity_interests (user_id);

CREATE TABLE search_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    index_name TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);

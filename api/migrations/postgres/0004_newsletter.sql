-- News by email: each youth's consent (with its dates), saved searches (alerts), and the
-- digests sent, with one row per recipient so that a run started again never emails anyone
-- twice (see api/src/newsletter.rs).
CREATE TABLE newsletter_consents (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    subscribed BIGINT NOT NULL DEFAULT 0,
    consented_at BIGINT,
    withdrawn_at BIGINT,
    -- Where the last change came from: 'inscription', 'compte' or 'lien' (unsubscribe link).
    source TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);
CREATE INDEX newsletter_consents_subscribed ON newsletter_consents (subscribed, user_id);

CREATE TABLE saved_searches (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The listing's query string, as `/opportunites?<query>`.
    query TEXT NOT NULL,
    frequency TEXT NOT NULL CHECK (frequency IN ('quotidienne', 'hebdomadaire')),
    created_at BIGINT NOT NULL,
    -- Opportunities published after this time are new for the alert.
    last_sent_at BIGINT NOT NULL
);
CREATE INDEX saved_searches_user ON saved_searches (user_id);

CREATE TABLE digests (
    id BIGSERIAL PRIMARY KEY,
    -- News and opportunities up to this time; news after `since` (the previous cut-off).
    since BIGINT NOT NULL,
    cutoff BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    started_by TEXT NOT NULL DEFAULT '',
    -- The news of this digest (JSON), chosen once so that a resumed run sends the same.
    news TEXT NOT NULL DEFAULT '[]',
    finished_at BIGINT,
    -- 1 while the run is unfinished: at most one such run.
    running BIGINT
);
CREATE UNIQUE INDEX digests_running ON digests (running) WHERE running = 1;

CREATE TABLE digest_recipients (
    digest_id BIGINT NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- a_envoyer: to do; envoi: handed to the mailer, outcome unknown until marked (never
    -- retried automatically); envoye: accepted by the mailer; rien: nothing new;
    -- echec: refused three times.
    state TEXT NOT NULL CHECK (state IN ('a_envoyer', 'envoi', 'envoye', 'rien', 'echec')),
    attempts BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (digest_id, user_id)
);
CREATE INDEX digest_recipients_state ON digest_recipients (digest_id, state, user_id);
CREATE INDEX digest_recipients_user ON digest_recipients (user_id);

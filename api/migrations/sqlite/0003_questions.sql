-- Questions from youths to the counsellors of their structure: who took each one (at most
-- one counsellor, set atomically), the answer, and the FAQ entry it became, if any.
-- The youth's questions go with their account (ON DELETE CASCADE).
CREATE TABLE questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id BIGINT NOT NULL REFERENCES structures (id) ON DELETE RESTRICT,
    youth_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    page TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('nouvelle', 'prise', 'repondue')),
    assignee_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    taken_at BIGINT,
    answer TEXT,
    answered_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    answered_at BIGINT,
    faq_path TEXT,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX questions_inbox ON questions (structure_id, status, created_at);
CREATE INDEX questions_youth ON questions (youth_id, created_at);
CREATE INDEX questions_assignee ON questions (assignee_id, status);

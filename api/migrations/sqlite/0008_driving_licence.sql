-- « Permis requis »: the opportunity asks for a driving licence (0 or 1, as `remote`).
ALTER TABLE opportunities ADD COLUMN driving_licence BIGINT NOT NULL DEFAULT 0;

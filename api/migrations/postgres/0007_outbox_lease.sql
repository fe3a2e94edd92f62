-- Which process applies the outbox to the search engine: one at a time across replicas, so
-- that changes reach the engine in order and none is sent twice. The holder renews its lease
-- at every pass; another process takes over once the lease has run out (the holder stopped).
CREATE TABLE outbox_lease (
    index_name TEXT PRIMARY KEY,
    holder TEXT NOT NULL DEFAULT '',
    until BIGINT NOT NULL DEFAULT 0
);
INSERT INTO outbox_lease (index_name) VALUES ('opportunites');

-- The SQL listing (used when the search engine is down) reads every row in the bounding box:
-- a covering index answers it without touching the table. The keyword column is gone: the
-- search engine answers keywords.
DROP INDEX opportunities_place;
CREATE INDEX opportunities_near ON opportunities (status, lat, lon, kind, deadline, published_at, level_rank, start_date, structure_id);
ALTER TABLE opportunities DROP COLUMN search_text;

-- Limits on sign-in attempts (and on reset and registration requests) that hold under
-- concurrent requests: one row per counted key ('compte:<email>', 'adresse:<ip>', …), read
-- and updated by one atomic statement per attempt (accounts::throttle). Replaces the
-- login_failures log, whose count-then-insert let simultaneous attempts through.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);
DROP TABLE login_failures;

-- A form sent after its session ended, or from a page older than the session (issue 17): the
-- typed fields are kept for an hour under a random key (only its hash here), so the user logs
-- in again and sends them with one click instead of typing them again. Forms with a password
-- are never kept.
CREATE TABLE form_replays (
    token_hash TEXT PRIMARY KEY,
    -- the hash of a cookie set in the browser that sent the form: another browser (or a
    -- request made elsewhere to plant a form) cannot open it
    browser_hash TEXT NOT NULL,
    path       TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX form_replays_expires ON form_replays (expires_at);

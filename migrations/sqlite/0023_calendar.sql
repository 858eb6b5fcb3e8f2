-- «Календарь», reminders and «Архив организации» (issue 15).
--
-- An answer to an SRO message is a letter of the exchange that names the message; sending it
-- stamps the company's copy (answered, by which item).
ALTER TABLE items ADD COLUMN answers_message_id INTEGER REFERENCES sro_messages (id);
ALTER TABLE sro_message_recipients ADD COLUMN answered_at TEXT;
ALTER TABLE sro_message_recipients ADD COLUMN answer_item_id INTEGER REFERENCES items (id);

-- A rule's stages as staff set them («-14, -3, 0, 1, 7»: days from the deadline); a rule
-- without a row has its default stages.
CREATE TABLE reminder_rules (
    code       TEXT PRIMARY KEY CHECK (code IN ('sections', 'charges', 'policies', 'inspections', 'answers')),
    stages     TEXT NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TEXT
);

-- Each reminder sent: once per rule, object and stage (the key), whatever the instances.
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rule       TEXT NOT NULL,
    object_key TEXT NOT NULL,
    stage      INTEGER NOT NULL,
    member_id  INTEGER NOT NULL REFERENCES member_rows (id),
    due_on     TEXT NOT NULL,
    title      TEXT NOT NULL,
    letters    INTEGER NOT NULL DEFAULT 0,
    sent_at    TEXT NOT NULL,
    CONSTRAINT reminders_key UNIQUE (rule, object_key, stage)
);
CREATE INDEX reminders_due_idx ON reminders (rule, due_on);
CREATE INDEX reminders_sent_idx ON reminders (sent_at, id);
CREATE INDEX reminders_member_idx ON reminders (member_id, sent_at);

-- A user's secret calendar address: only its hash; a new one replaces the old.
CREATE TABLE calendar_feeds (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT calendar_feeds_token_key UNIQUE (token_hash)
);

-- «Архив организации»: a ZIP built by a worker (claimed with a lease, so one instance builds
-- each), kept in storage until it expires.
CREATE TABLE company_archives (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id    INTEGER NOT NULL REFERENCES member_rows (id),
    requested_by INTEGER NOT NULL REFERENCES users (id),
    state        TEXT NOT NULL CHECK (state IN ('pending', 'building', 'ready', 'failed', 'expired')),
    storage_key  TEXT,
    size_bytes   INTEGER NOT NULL DEFAULT 0,
    entries      INTEGER NOT NULL DEFAULT 0,
    lease_until  TEXT,
    error        TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    finished_at  TEXT,
    expires_at   TEXT
);
CREATE INDEX company_archives_member_idx ON company_archives (member_id, id);
CREATE INDEX company_archives_state_idx ON company_archives (state, id);

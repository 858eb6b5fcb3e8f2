-- Annual reports and document exchange: stored files, reporting campaigns with their sections
-- and templates, the items members send (report sections and letters) with their files and
-- signatures, the history of each item, registration numerators and in-app notifications.

-- A stored file. The blob lives in storage under storage_key; the row is what makes it visible:
-- a blob without a row is an orphan the sweeper removes.
CREATE TABLE files (
    id              INTEGER PRIMARY KEY,
    storage_key     TEXT NOT NULL,
    original_name   TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    media_type      TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    -- GOST R 34.11-2012 (256): filled in right after the upload by a background task, so
    -- the upload itself runs at disk speed (Streebog is ~8 times slower than SHA-256 here)
    streebog256     TEXT,
    -- the company the file belongs to; NULL for the SRO's own files (report templates)
    member_id       INTEGER REFERENCES members (id),
    uploaded_by     INTEGER REFERENCES users (id),
    created_at      TEXT NOT NULL,
    CONSTRAINT files_storage_key_key UNIQUE (storage_key)
);
CREATE INDEX files_member_idx ON files (member_id);

CREATE TABLE report_campaigns (
    id              INTEGER PRIMARY KEY,
    year            INTEGER NOT NULL,
    title           TEXT NOT NULL,
    deadline        TEXT NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    created_at      TEXT NOT NULL,
    CONSTRAINT report_campaigns_year_key UNIQUE (year)
);

CREATE TABLE report_sections (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES report_campaigns (id),
    position        INTEGER NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    -- NULL: the campaign's deadline
    deadline        TEXT,
    retired         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);
CREATE INDEX report_sections_campaign_idx ON report_sections (campaign_id, position);

-- A template of a section. Replacing one retires the old row, so members always get the
-- current file while what was downloaded earlier stays on record.
CREATE TABLE section_templates (
    id              INTEGER PRIMARY KEY,
    section_id      INTEGER NOT NULL REFERENCES report_sections (id),
    file_id         INTEGER NOT NULL REFERENCES files (id),
    uploaded_by     INTEGER REFERENCES users (id),
    uploaded_at     TEXT NOT NULL,
    retired_at      TEXT
);
CREATE INDEX section_templates_section_idx ON section_templates (section_id);

-- What a member sends: a report section or a free-form letter. Drafts are items too.
CREATE TABLE items (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    kind            TEXT NOT NULL CHECK (kind IN ('report', 'letter')),
    section_id      INTEGER REFERENCES report_sections (id),
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL DEFAULT '',
    document_date   TEXT,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'registered', 'accepted', 'returned')),
    -- the returned item this one corrects
    supersedes_id   INTEGER REFERENCES items (id),
    created_by      INTEGER NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    sent_at         TEXT,
    sent_by         INTEGER REFERENCES users (id),
    incoming_year   INTEGER,
    incoming_seq    INTEGER,
    incoming_number TEXT,
    registered_on   TEXT,
    registered_at   TEXT,
    registered_by   INTEGER REFERENCES users (id),
    reviewed_at     TEXT,
    reviewed_by     INTEGER REFERENCES users (id),
    review_comment  TEXT NOT NULL DEFAULT '',
    CONSTRAINT items_incoming_key UNIQUE (incoming_year, incoming_seq)
);
-- The journal's order (newest first, id breaks ties) straight from the index: no sort per page.
CREATE INDEX items_member_sent_idx ON items (member_id, sent_at, id);
CREATE INDEX items_member_section_idx ON items (member_id, section_id);
-- Counting a company's sent items and finding its drafts read only this index.
CREATE INDEX items_member_status_idx ON items (member_id, status);
CREATE INDEX items_sent_idx ON items (sent_at, id);
-- One open draft per company and report section (two browser tabs must not make two).
CREATE UNIQUE INDEX items_one_draft_key ON items (member_id, section_id) WHERE status = 'draft' AND section_id IS NOT NULL;

CREATE TABLE item_files (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    file_id         INTEGER NOT NULL REFERENCES files (id),
    position        INTEGER NOT NULL,
    signature_file_id INTEGER REFERENCES files (id),
    -- what the signature check found: valid, foreign (valid, another company), unsupported
    sig_verdict     TEXT,
    sig_signer      TEXT NOT NULL DEFAULT '',
    sig_inn         TEXT NOT NULL DEFAULT '',
    sig_valid_to    TEXT
);
CREATE INDEX item_files_item_idx ON item_files (item_id, position);

-- Every status change of an item, with who made it and the comment (the reason of a return).
CREATE TABLE item_events (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    status          TEXT NOT NULL,
    actor_id        INTEGER REFERENCES users (id),
    comment         TEXT NOT NULL DEFAULT '',
    at              TEXT NOT NULL
);
CREATE INDEX item_events_item_idx ON item_events (item_id, at);

-- Gap-free numbering per journal and year: the row is incremented in the registering
-- transaction, so a rolled-back registration gives its number back.
CREATE TABLE numerators (
    journal         TEXT NOT NULL,
    year            INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL,
    PRIMARY KEY (journal, year)
);

CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    item_id         INTEGER REFERENCES items (id) ON DELETE CASCADE,
    text            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    read_at         TEXT
);
CREATE INDEX notifications_member_idx ON notifications (member_id, created_at);

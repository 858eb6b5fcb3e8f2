-- Ids that the audit log or a URL names are never given twice (finding 13 of the security
-- review). SQLite gives a new row the largest id + 1, so deleting the newest draft, attached
-- file or withdrawn invitation handed its id to the next one, and «draft deleted, item 1» in
-- the audit then named another, sent item. AUTOINCREMENT remembers the largest id ever used.
-- PostgreSQL's identity columns never reuse ids; its migration of this name does nothing.
--
-- The tables are rebuilt as https://www.sqlite.org/lang_altertable.html#otheralter says:
-- `Db::migrate` runs SQLite migrations with foreign keys off and checks them all afterwards,
-- so dropping the old table neither cascades nor breaks the tables that refer to it.

CREATE TABLE users_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL,
    full_name       TEXT NOT NULL,
    position        TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    password_hash   TEXT,
    -- 'member': a member company's employee; 'staff': the SRO's employee
    kind            TEXT NOT NULL CHECK (kind IN ('member', 'staff')),
    member_id       INTEGER REFERENCES members (id),
    member_role     TEXT CHECK (member_role IN ('head', 'accountant', 'reporter')),
    staff_role      TEXT CHECK (staff_role IN ('expert', 'registrar', 'accountant', 'admin')),
    is_blocked      INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    last_login_at   TEXT,
    CONSTRAINT users_email_key UNIQUE (email),
    CHECK ((kind = 'member' AND member_id IS NOT NULL AND member_role IS NOT NULL AND staff_role IS NULL)
        OR (kind = 'staff' AND member_id IS NULL AND member_role IS NULL AND staff_role IS NOT NULL))
);
INSERT INTO users_new SELECT * FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_member_idx ON users (member_id);

CREATE TABLE items_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO items_new SELECT * FROM items;
DROP TABLE items;
ALTER TABLE items_new RENAME TO items;
CREATE INDEX items_member_sent_idx ON items (member_id, sent_at, id);
CREATE INDEX items_member_section_idx ON items (member_id, section_id);
CREATE INDEX items_member_status_idx ON items (member_id, status);
CREATE INDEX items_sent_idx ON items (sent_at, id);
CREATE UNIQUE INDEX items_one_draft_key ON items (member_id, section_id) WHERE status = 'draft' AND section_id IS NOT NULL;

CREATE TABLE item_files_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO item_files_new SELECT * FROM item_files;
DROP TABLE item_files;
ALTER TABLE item_files_new RENAME TO item_files;
CREATE INDEX item_files_item_idx ON item_files (item_id, position);

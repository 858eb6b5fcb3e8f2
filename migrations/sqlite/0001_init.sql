-- Foundation: member companies, users (members' staff and SRO staff), sessions, logins, audit log.
-- Timestamps are UTC (RFC 3339 text here, TIMESTAMPTZ on PostgreSQL); dates are YYYY-MM-DD.

CREATE TABLE members (
    id                  INTEGER PRIMARY KEY,
    full_name           TEXT NOT NULL,
    short_name          TEXT NOT NULL,
    inn                 TEXT NOT NULL,
    ogrn                TEXT NOT NULL,
    kpp                 TEXT,
    legal_address       TEXT NOT NULL DEFAULT '',
    actual_address      TEXT NOT NULL DEFAULT '',
    head_name           TEXT NOT NULL DEFAULT '',
    head_position       TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    site                TEXT NOT NULL DEFAULT '',
    register_number     TEXT,
    status              TEXT NOT NULL CHECK (status IN ('member', 'suspended', 'excluded', 'left')),
    admitted_on         TEXT,
    terminated_on       TEXT,
    termination_reason  TEXT NOT NULL DEFAULT '',
    expert_id           INTEGER REFERENCES users (id),
    -- lower-cased name, INN, OGRN and register number: SQLite's lower() does not know Cyrillic
    search_text         TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CONSTRAINT members_inn_key UNIQUE (inn),
    CONSTRAINT members_ogrn_key UNIQUE (ogrn),
    CONSTRAINT members_register_number_key UNIQUE (register_number)
);
CREATE INDEX members_expert_idx ON members (expert_id);
CREATE INDEX members_status_idx ON members (status);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
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
CREATE INDEX users_member_idx ON users (member_id);

CREATE TABLE sessions (
    -- SHA-256 of the cookie value: a copy of the table does not let anyone in
    id_hash         TEXT PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE login_events (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER REFERENCES users (id) ON DELETE CASCADE,
    at              TEXT NOT NULL,
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    success         INTEGER NOT NULL
);
CREATE INDEX login_events_user_idx ON login_events (user_id, at);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor_user_id   INTEGER,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    ip              TEXT NOT NULL DEFAULT '',
    details         TEXT NOT NULL DEFAULT '{}',
    -- hash = SHA-256(prev_hash | id | at | actor… | details): editing any row breaks the chain
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id);

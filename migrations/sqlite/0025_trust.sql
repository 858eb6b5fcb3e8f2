-- Signatures the SRO can rely on (issue 16): the trust material it loads and every check kept.
--
-- Certificates of trusted CAs: from the ministry's list (source 'list', replaced by each new
-- list) or loaded one by one (source 'file'). `subject_hex` is the DER of the subject name in
-- hex: a chain is built by looking an issuer name up here.
CREATE TABLE trust_certs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_hex TEXT NOT NULL,
    name        TEXT NOT NULL,
    serial      TEXT NOT NULL,
    not_before  TEXT NOT NULL,
    not_after   TEXT NOT NULL,
    der_b64     TEXT NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,
    source      TEXT NOT NULL CHECK (source IN ('list', 'file')),
    imported_at TEXT NOT NULL
);
CREATE INDEX trust_certs_subject ON trust_certs (subject_hex);

-- Every import, newest shown: the list's version and date, or what a file brought.
CREATE TABLE trust_imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name   TEXT NOT NULL,
    list_version TEXT,
    list_date   TEXT,
    certs       BIGINT NOT NULL DEFAULT 0,
    crls        BIGINT NOT NULL DEFAULT 0,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

-- Revocation lists, one row per CRL issued (a newer one of the same issuer is a new row).
CREATE TABLE crls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    issuer_hex  TEXT NOT NULL,
    issuer_name TEXT NOT NULL,
    this_update TEXT NOT NULL,
    next_update TEXT,
    revoked     BIGINT NOT NULL DEFAULT 0,
    der_b64     TEXT NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,
    source      TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX crls_issuer ON crls (issuer_hex, this_update);

-- Addresses of CRLs seen in signers' certificates: the fetch job's work list.
CREATE TABLE crl_sources (
    url         TEXT PRIMARY KEY,
    issuer_hex  TEXT NOT NULL,
    fetched_at  TEXT,
    last_error  TEXT NOT NULL DEFAULT ''
);

-- Every check of a signature (the signature's file), newest first; the report is the JSON the
-- page and «Протокол проверки ЭП» are made from.
CREATE TABLE signature_checks (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    signature_file_id BIGINT NOT NULL REFERENCES files (id),
    signed_file_id    BIGINT REFERENCES files (id),
    status            TEXT NOT NULL CHECK (status IN ('valid', 'remarks', 'invalid')),
    report            TEXT NOT NULL,
    checked_by        TEXT NOT NULL DEFAULT '',
    checked_at        TEXT NOT NULL
);
CREATE INDEX signature_checks_file ON signature_checks (signature_file_id, id);

-- A member's file keeps its signature's latest remarks (one per line) beside the verdict.
ALTER TABLE item_files ADD COLUMN sig_findings TEXT NOT NULL DEFAULT '';

-- The register of members (domain.md §1): the register fields of a member's entry, its lists
-- (insurance, inspections, disciplinary measures), the history of versions, and issued extracts.
-- Dates are YYYY-MM-DD; money is kopecks.

ALTER TABLE members ADD COLUMN admission_decision_number TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN admission_decision_date TEXT;
ALTER TABLE members ADD COLUMN admission_effective_on TEXT;
ALTER TABLE members ADD COLUMN suspended_from TEXT;
ALTER TABLE members ADD COLUMN suspended_until TEXT;
ALTER TABLE members ADD COLUMN suspension_reason TEXT NOT NULL DEFAULT '';
-- the right to work on objects of categories а (ordinary), б (особо опасные, технически сложные,
-- уникальные) and в (атомной энергии): the date it starts, NULL without the right
ALTER TABLE members ADD COLUMN right_ordinary_from TEXT;
ALTER TABLE members ADD COLUMN right_dangerous_from TEXT;
ALTER TABLE members ADD COLUMN right_nuclear_from TEXT;
ALTER TABLE members ADD COLUMN vv_level INTEGER;
ALTER TABLE members ADD COLUMN vv_contribution INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN odo_level INTEGER;
ALTER TABLE members ADD COLUMN odo_contribution INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN odo_obligations INTEGER NOT NULL DEFAULT 0;
-- bumped by every change of the entry or its lists; an extract remembers the version it showed
ALTER TABLE members ADD COLUMN register_version INTEGER NOT NULL DEFAULT 1;

CREATE INDEX members_short_name_idx ON members (short_name, id);
CREATE INDEX members_vv_level_idx ON members (vv_level);

CREATE TABLE member_policies (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    insurer         TEXT NOT NULL,
    contract        TEXT NOT NULL,
    sum_insured     INTEGER NOT NULL,
    valid_from      TEXT NOT NULL,
    valid_to        TEXT NOT NULL
);
CREATE INDEX member_policies_member_idx ON member_policies (member_id);

CREATE TABLE member_inspections (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    finished_on     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    result          TEXT NOT NULL
);
CREATE INDEX member_inspections_member_idx ON member_inspections (member_id);

CREATE TABLE member_measures (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    decided_on      TEXT NOT NULL,
    measure         TEXT NOT NULL,
    reason          TEXT NOT NULL
);
CREATE INDEX member_measures_member_idx ON member_measures (member_id);

-- One row per version of an entry: who, when, why, what changed, and the whole entry as it became.
CREATE TABLE member_versions (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    at              TEXT NOT NULL,
    actor_user_id   INTEGER REFERENCES users (id),
    actor           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    changes         TEXT NOT NULL,
    snapshot        TEXT NOT NULL,
    CONSTRAINT member_versions_key UNIQUE (member_id, version)
);

-- Issued extracts: the data as shown and the PDF, kept for the journal and the public check.
CREATE TABLE extracts (
    id              INTEGER PRIMARY KEY,
    -- random, not sequential: the number is the key to the public verification page
    number          TEXT NOT NULL,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    member_version  INTEGER NOT NULL,
    issued_at       TEXT NOT NULL,
    issued_to       TEXT NOT NULL,
    issued_by_user_id INTEGER REFERENCES users (id),
    issued_by       TEXT NOT NULL,
    snapshot        TEXT NOT NULL,
    storage_key     TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    CONSTRAINT extracts_number_key UNIQUE (number)
);
CREATE INDEX extracts_member_idx ON extracts (member_id, issued_at);
CREATE INDEX extracts_issued_idx ON extracts (issued_at);

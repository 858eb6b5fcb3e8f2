-- «Платежи и задолженности» (issue 14): a ledger per member. Amounts are kopecks. Nothing is
-- edited or deleted: a mistake is undone by a reversing row (`reverses_id`, negative amount) with
-- a reason. Balance = charges − payments; a charge's debt = its amount + its reversals − what is
-- allocated to it; a payment's credit = its amount + its reversals − what it is allocated to.

CREATE TABLE charge_types (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('entrance', 'membership', 'kf_vv', 'kf_odo', 'target', 'other')),
    name        TEXT NOT NULL,
    period      TEXT NOT NULL CHECK (period IN ('once', 'month', 'quarter', 'year')),
    amount      INTEGER NOT NULL DEFAULT 0,
    by_level    INTEGER NOT NULL DEFAULT 0,
    due_day     INTEGER NOT NULL DEFAULT 20,
    accrue_from TEXT,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CONSTRAINT charge_types_code_key UNIQUE (code)
);

CREATE TABLE charge_type_levels (
    charge_type_id INTEGER NOT NULL REFERENCES charge_types (id),
    level          INTEGER NOT NULL,
    amount         INTEGER NOT NULL,
    PRIMARY KEY (charge_type_id, level)
);

CREATE TABLE billing_exemptions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id      INTEGER NOT NULL REFERENCES member_rows (id),
    charge_type_id INTEGER NOT NULL REFERENCES charge_types (id),
    percent        INTEGER NOT NULL CHECK (percent BETWEEN 1 AND 100),
    valid_from     TEXT NOT NULL,
    valid_to       TEXT,
    grounds        TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX billing_exemptions_member_idx ON billing_exemptions (member_id);

CREATE TABLE accrual_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    period      TEXT NOT NULL,
    by_hand     INTEGER NOT NULL DEFAULT 0,
    actor       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    charges     INTEGER NOT NULL,
    total       INTEGER NOT NULL
);

CREATE TABLE charges (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id      INTEGER NOT NULL REFERENCES member_rows (id),
    charge_type_id INTEGER REFERENCES charge_types (id),
    kind           TEXT NOT NULL,
    period         TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL,
    amount         INTEGER NOT NULL,
    charged_on     TEXT NOT NULL,
    due_on         TEXT NOT NULL,
    reverses_id    INTEGER REFERENCES charges (id),
    reason         TEXT NOT NULL DEFAULT '',
    accrual_key    TEXT,
    run_id         INTEGER REFERENCES accrual_runs (id),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    CONSTRAINT charges_accrual_key UNIQUE (accrual_key)
);
CREATE INDEX charges_member_idx ON charges (member_id, due_on, id);
CREATE INDEX charges_reverses_idx ON charges (reverses_id) WHERE reverses_id IS NOT NULL;

CREATE TABLE bank_statements (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id      INTEGER REFERENCES files (id),
    file_name    TEXT NOT NULL,
    encoding     TEXT NOT NULL,
    version      TEXT NOT NULL,
    account      TEXT NOT NULL,
    date_from    TEXT,
    date_to      TEXT,
    documents    INTEGER NOT NULL,
    payments     INTEGER NOT NULL,
    matched      INTEGER NOT NULL,
    allocated    INTEGER NOT NULL,
    unmatched    INTEGER NOT NULL,
    duplicates   INTEGER NOT NULL,
    total        INTEGER NOT NULL,
    problems     TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL
);

CREATE TABLE payments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id     INTEGER REFERENCES member_rows (id),
    amount        INTEGER NOT NULL,
    paid_on       TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('bank', 'manual')),
    doc_number    TEXT NOT NULL DEFAULT '',
    doc_date      TEXT,
    payer_name    TEXT NOT NULL DEFAULT '',
    payer_inn     TEXT NOT NULL DEFAULT '',
    payer_account TEXT NOT NULL DEFAULT '',
    purpose       TEXT NOT NULL DEFAULT '',
    statement_id  INTEGER REFERENCES bank_statements (id),
    dedup_key     TEXT,
    reverses_id   INTEGER REFERENCES payments (id),
    reason        TEXT NOT NULL DEFAULT '',
    assigned_by   TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CONSTRAINT payments_dedup_key UNIQUE (dedup_key)
);
CREATE INDEX payments_member_idx ON payments (member_id, paid_on, id);
CREATE INDEX payments_unmatched_idx ON payments (id) WHERE member_id IS NULL;
CREATE INDEX payments_reverses_idx ON payments (reverses_id) WHERE reverses_id IS NOT NULL;

CREATE TABLE allocations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id   INTEGER NOT NULL REFERENCES member_rows (id),
    payment_id  INTEGER NOT NULL REFERENCES payments (id),
    charge_id   INTEGER NOT NULL REFERENCES charges (id),
    amount      INTEGER NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX allocations_charge_idx ON allocations (charge_id);
CREATE INDEX allocations_payment_idx ON allocations (payment_id);
CREATE INDEX allocations_member_idx ON allocations (member_id);

CREATE TABLE invoices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    number      TEXT NOT NULL,
    member_id   INTEGER NOT NULL REFERENCES member_rows (id),
    amount      INTEGER NOT NULL,
    purpose     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    CONSTRAINT invoices_number_key UNIQUE (number)
);
CREATE INDEX invoices_member_idx ON invoices (member_id);

CREATE TABLE invoice_lines (
    invoice_id  INTEGER NOT NULL REFERENCES invoices (id),
    charge_id   INTEGER NOT NULL REFERENCES charges (id),
    amount      INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, charge_id)
);

-- The liability level whose compensation-fund contribution a member has settled, per fund
-- type: the level it had when the ledger started (paid before Kabinet), or the last one
-- charged. A raised level charges the difference of the tariffs, once.
CREATE TABLE billing_fund_levels (
    member_id      INTEGER NOT NULL REFERENCES member_rows (id),
    charge_type_id INTEGER NOT NULL REFERENCES charge_types (id),
    level          INTEGER NOT NULL,
    PRIMARY KEY (member_id, charge_type_id)
);

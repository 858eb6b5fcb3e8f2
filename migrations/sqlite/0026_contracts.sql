-- «Договоры» (issue 18): contracts a member notifies the SRO of (ч. 4 ст. 55.8 ГрК), their
-- events with the statutory deadline and the exchange item of the notice, the production
-- calendar the deadline is counted on, and each member's actual total obligations.
CREATE TABLE contracts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id      BIGINT NOT NULL REFERENCES member_rows (id),
    number         TEXT NOT NULL,
    signed_on      TEXT NOT NULL,
    customer_name  TEXT NOT NULL,
    customer_inn   TEXT NOT NULL,
    subject        TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('construction', 'demolition', 'design', 'surveys')),
    price          BIGINT NOT NULL,
    method         TEXT NOT NULL CHECK (method IN ('direct', '44fz', '223fz', 'pp615')),
    procurement_id TEXT NOT NULL DEFAULT '',
    work_from      TEXT,
    work_to        TEXT,
    created_by     BIGINT REFERENCES users (id),
    created_at     TEXT NOT NULL
);
CREATE INDEX contracts_member ON contracts (member_id, signed_on);

-- Every event of a contract (the conclusion first), kept with who and when; the notice is a
-- letter of the exchange.
CREATE TABLE contract_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id    BIGINT NOT NULL REFERENCES contracts (id),
    member_id      BIGINT NOT NULL REFERENCES member_rows (id),
    kind           TEXT NOT NULL CHECK (kind IN ('concluded', 'addendum', 'act', 'executed', 'terminated')),
    event_date     TEXT NOT NULL,
    amount         BIGINT NOT NULL DEFAULT 0,
    new_work_to    TEXT,
    grounds        TEXT NOT NULL DEFAULT '',
    due_on         TEXT NOT NULL,
    notice_item_id BIGINT REFERENCES items (id) ON DELETE SET NULL,
    created_by     BIGINT REFERENCES users (id),
    created_at     TEXT NOT NULL
);
CREATE INDEX contract_events_contract ON contract_events (contract_id, event_date);
CREATE INDEX contract_events_due ON contract_events (due_on);

-- The production calendar: days that differ from «Monday to Friday» (holidays, transferred
-- working days). 2026 as decreed (Постановление Правительства РФ от 24.09.2025 № 1466); the
-- SRO adds the next years at «Производственный календарь».
CREATE TABLE work_calendar (
    day     TEXT PRIMARY KEY,
    working INTEGER NOT NULL,
    note    TEXT NOT NULL DEFAULT ''
);
INSERT INTO work_calendar (day, working, note) VALUES
    ('2026-01-01', 0, 'Новогодние каникулы'),
    ('2026-01-02', 0, 'Новогодние каникулы'),
    ('2026-01-05', 0, 'Новогодние каникулы'),
    ('2026-01-06', 0, 'Новогодние каникулы'),
    ('2026-01-07', 0, 'Рождество Христово'),
    ('2026-01-08', 0, 'Новогодние каникулы'),
    ('2026-01-09', 0, 'Перенос выходного с 03.01'),
    ('2026-02-23', 0, 'День защитника Отечества'),
    ('2026-03-09', 0, 'Перенос с 08.03'),
    ('2026-05-01', 0, 'Праздник Весны и Труда'),
    ('2026-05-11', 0, 'Перенос с 09.05'),
    ('2026-06-12', 0, 'День России'),
    ('2026-11-04', 0, 'День народного единства'),
    ('2026-12-31', 0, 'Перенос выходного с 04.01');

-- A member's actual total obligations as last computed, with the date (the register publishes
-- both).
CREATE TABLE contract_totals (
    member_id  BIGINT PRIMARY KEY REFERENCES member_rows (id),
    total      BIGINT NOT NULL,
    updated_on TEXT NOT NULL
);

-- The register publishes the total with its date; the view of live rows is made again so that
-- it surely has the new column.
ALTER TABLE member_rows ADD COLUMN odo_obligations_on TEXT;
DROP VIEW members;
CREATE VIEW members AS SELECT * FROM member_rows WHERE import_batch IS NULL;

-- Reminders of notices that are due (a rule of «Напоминания»): SQLite changes a CHECK by
-- building the table again.
CREATE TABLE reminder_rules_new (
    code       TEXT PRIMARY KEY CHECK (code IN ('sections', 'charges', 'policies', 'inspections', 'answers', 'contracts')),
    stages     TEXT NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TEXT
);
INSERT INTO reminder_rules_new (code, stages, enabled, updated_by, updated_at)
    SELECT code, stages, enabled, updated_by, updated_at FROM reminder_rules;
DROP TABLE reminder_rules;
ALTER TABLE reminder_rules_new RENAME TO reminder_rules;

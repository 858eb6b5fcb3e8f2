-- «Документы от СРО» (issue 15): messages of the SRO to its members. A message is a draft until
-- it is sent; sending fixes its recipients (one row per company, written at once) and gives
-- it a number of the SRO's outgoing journal; a worker in every instance delivers each company
-- once (its row moves out of 'pending' in a conditional UPDATE), writing the letters to the
-- company's users into the outbox. Opening and acknowledging are stamped on the company's row
-- (first time, who) and kept in the audit chain.
CREATE TABLE sro_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    number         TEXT,
    subject        TEXT NOT NULL,
    body           TEXT NOT NULL,
    category       TEXT NOT NULL CHECK (category IN ('decision', 'inspection', 'request', 'info', 'invoice', 'other')),
    requires_ack   INTEGER NOT NULL DEFAULT 0,
    answer_due     TEXT,
    audience       TEXT NOT NULL,
    audience_label TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('draft', 'sending', 'sent')),
    recipients     INTEGER NOT NULL DEFAULT 0,
    created_by_user_id INTEGER REFERENCES users (id),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    sent_at        TEXT,
    CONSTRAINT sro_messages_number_key UNIQUE (number)
);
CREATE INDEX sro_messages_state_idx ON sro_messages (state, id);

CREATE TABLE sro_message_files (
    message_id  INTEGER NOT NULL REFERENCES sro_messages (id),
    file_id     INTEGER NOT NULL REFERENCES files (id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (message_id, file_id)
);

CREATE TABLE sro_message_recipients (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id   INTEGER NOT NULL REFERENCES sro_messages (id),
    member_id    INTEGER NOT NULL REFERENCES member_rows (id),
    state        TEXT NOT NULL CHECK (state IN ('pending', 'delivered')),
    letters      INTEGER NOT NULL DEFAULT 0,
    delivered_at TEXT,
    opened_at    TEXT,
    opened_by    INTEGER REFERENCES users (id),
    acked_at     TEXT,
    acked_by     INTEGER REFERENCES users (id),
    CONSTRAINT sro_message_recipients_key UNIQUE (message_id, member_id)
);
CREATE INDEX sro_message_recipients_pending_idx ON sro_message_recipients (state, id);
CREATE INDEX sro_message_recipients_member_idx ON sro_message_recipients (member_id, message_id);

-- The letters a delivery wrote: their SMTP outcome is the outbox row's.
CREATE TABLE sro_message_letters (
    recipient_id INTEGER NOT NULL REFERENCES sro_message_recipients (id),
    outbox_id    INTEGER NOT NULL REFERENCES outbox (id),
    PRIMARY KEY (recipient_id, outbox_id)
);

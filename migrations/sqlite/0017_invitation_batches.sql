-- «Пригласить всех без доступа» (issue 13): one batch per run, one item per member. Items are
-- done one at a time, each in its own transaction with the user, the link and the letter, by
-- whichever instance's worker gets to it; a restart leaves the rest pending, and an item is
-- never done twice (its state moves from 'pending' in a conditional UPDATE).
CREATE TABLE invitation_batches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by  INTEGER REFERENCES users (id),
    created_at  TEXT NOT NULL,
    finished_at TEXT,
    total       INTEGER NOT NULL
);

CREATE TABLE invitation_batch_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id    INTEGER NOT NULL REFERENCES invitation_batches (id),
    member_id   INTEGER NOT NULL REFERENCES member_rows (id),
    short_name  TEXT NOT NULL,
    email       TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'skipped', 'failed')),
    note        TEXT NOT NULL DEFAULT '',
    user_id     INTEGER,
    token_id    INTEGER,
    done_at     TEXT
);
CREATE INDEX invitation_batch_items_pending_idx ON invitation_batch_items (state, id);
CREATE INDEX invitation_batch_items_batch_idx ON invitation_batch_items (batch_id, id);

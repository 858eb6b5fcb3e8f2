-- Outgoing mail (an outbox delivered by a background worker) and one-time links (password reset,
-- invitation). A link's token is HMAC(secret, nonce): the database holds the nonce and the
-- token's SHA-256, never the token, so a copy of the database alone opens no account.

CREATE TABLE user_tokens (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose         TEXT NOT NULL CHECK (purpose IN ('reset', 'invite')),
    nonce           TEXT NOT NULL,
    token_hash      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT,
    CONSTRAINT user_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id, purpose);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    -- '%%TOKEN%%' in a body stands for the token of token_id, derived when the mail is sent
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    token_id        INTEGER REFERENCES user_tokens (id) ON DELETE SET NULL,
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    member_id       INTEGER REFERENCES members (id) ON DELETE SET NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_member_idx ON outbox (member_id, created_at);

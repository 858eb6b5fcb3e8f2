-- Rate limits and login throttling live in the database, so every instance behind a load
-- balancer counts the same attempts (finding 4 of the security review; issue 12).

-- One counter per key (e.g. `login-ip:10.0.0.1`) and fixed window.
CREATE TABLE rate_counters (
    key             TEXT PRIMARY KEY,
    window_start    TEXT NOT NULL,
    hits            INTEGER NOT NULL
);
CREATE INDEX rate_counters_window_idx ON rate_counters (window_start);

-- Failed logins of one account, whatever the login form (e-mail or INN): after a few, each
-- next attempt waits longer. The key is the user (`user:17`), or the login typed when no
-- account matches it, so a lock says nothing about whether an account exists.
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    locked_until    TEXT,
    updated_at      TEXT NOT NULL
);

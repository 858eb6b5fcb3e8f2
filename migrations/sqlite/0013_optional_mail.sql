-- Optional mail (finding 19 of the security review): a member user may stop the letters about
-- the registration and review of what the company sent (the notes stay in the cabinet), from
-- the profile or in one click from the letter's List-Unsubscribe.
ALTER TABLE users ADD COLUMN mail_notices INTEGER NOT NULL DEFAULT 1;
-- The one-click address of an optional letter; empty for letters that are not optional.
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;

-- Notes from the SRO are per user (finding 7 of the security review): each note belongs to an
-- area of the cabinet that decides which roles see it (reports: the head and the reporter),
-- and each user reads for themselves.
ALTER TABLE notifications ADD COLUMN area TEXT NOT NULL DEFAULT 'reports';
-- The page a note leads to: notes come from several slices, each knows its own pages.
ALTER TABLE notifications ADD COLUMN link TEXT;
UPDATE notifications SET link = '/kabinet/items/' || item_id WHERE item_id IS NOT NULL;

CREATE TABLE notification_reads (
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_at         TEXT NOT NULL,
    PRIMARY KEY (notification_id, user_id)
);

-- What was read before was read for the whole company: keep it read for each of its users.
INSERT INTO notification_reads (notification_id, user_id, read_at)
SELECT n.id, u.id, n.read_at FROM notifications n JOIN users u ON u.member_id = n.member_id
WHERE n.read_at IS NOT NULL;

ALTER TABLE notifications DROP COLUMN read_at;
DROP INDEX notifications_member_idx;
CREATE INDEX notifications_member_idx ON notifications (member_id, area, created_at);

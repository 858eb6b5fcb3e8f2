-- The journal of the SRO's messages shows how far each got (companies delivered, opened,
-- acknowledged). Counting a mailing's recipient rows on every view read 10 000 rows a request
-- while the delivery rewrote them, and on PostgreSQL pushed the journal's p99 past 50 ms during
-- a mailing to every member (issue 15). The counts are kept on the message instead, raised in
-- the transaction that changes a recipient's row (messages::store: take, mark_opened,
-- mark_acked), so they can never disagree with the rows.
ALTER TABLE sro_messages ADD COLUMN delivered_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sro_messages ADD COLUMN opened_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sro_messages ADD COLUMN acked_count INTEGER NOT NULL DEFAULT 0;
UPDATE sro_messages SET
    delivered_count = (SELECT COUNT(*) FROM sro_message_recipients r WHERE r.message_id = sro_messages.id AND r.state = 'delivered'),
    opened_count = (SELECT COUNT(*) FROM sro_message_recipients r WHERE r.message_id = sro_messages.id AND r.opened_at IS NOT NULL),
    acked_count = (SELECT COUNT(*) FROM sro_message_recipients r WHERE r.message_id = sro_messages.id AND r.acked_at IS NOT NULL);

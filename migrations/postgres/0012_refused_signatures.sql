-- A signature refused for a file stays visible as a mark on the file (finding 18 of the
-- security review): why it was not accepted. While the mark stands the draft cannot be sent;
-- a right signature or the user's deliberate «отправить без подписи» clears it.
ALTER TABLE item_files ADD COLUMN sig_refused TEXT;

-- Who created each resumable upload: only that user may continue, inspect or cancel it (an upload made with no
-- account keeps NULL, and its unguessable URL stays its only credential). Deleting the user deletes their
-- unfinished uploads; the sweep removes what they had staged.
ALTER TABLE uploads ADD COLUMN owner_id INTEGER REFERENCES users (id) ON DELETE CASCADE;

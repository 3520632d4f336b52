-- The trash: a photo with trashed_at set is out of every gallery, album, share and count until it is restored, or
-- purged (POST /trash/empty, ?permanent=true, or the sweep after TRASH_DAYS). Only purging removes the row and its
-- files. Same as Migrations/postgres/0011.
ALTER TABLE photos ADD COLUMN trashed_at TEXT;
-- Only trashed photos are in it: the trash page walks it newest first, the sweep reads its oldest end.
CREATE INDEX photos_trashed ON photos (trashed_at, id) WHERE trashed_at IS NOT NULL;

-- timeline_months counts live photos only: trashing a photo takes it out of its month, restoring puts it back.
DROP TRIGGER timeline_months_insert;
DROP TRIGGER timeline_months_delete;
DROP TRIGGER timeline_months_update;
CREATE TRIGGER timeline_months_insert AFTER INSERT ON photos WHEN NEW.trashed_at IS NULL BEGIN
    INSERT INTO timeline_months (month, photo_count) VALUES (substr(NEW.taken_at, 1, 7), 1)
    ON CONFLICT (month) DO UPDATE SET photo_count = photo_count + 1;
END;
CREATE TRIGGER timeline_months_delete AFTER DELETE ON photos WHEN OLD.trashed_at IS NULL BEGIN
    UPDATE timeline_months SET photo_count = photo_count - 1 WHERE month = substr(OLD.taken_at, 1, 7);
END;
CREATE TRIGGER timeline_months_update AFTER UPDATE OF taken_at, trashed_at ON photos
WHEN substr(OLD.taken_at, 1, 7) IS NOT substr(NEW.taken_at, 1, 7)
    OR (OLD.trashed_at IS NULL) <> (NEW.trashed_at IS NULL) BEGIN
    UPDATE timeline_months SET photo_count = photo_count - 1
    WHERE month = substr(OLD.taken_at, 1, 7) AND OLD.trashed_at IS NULL;
    INSERT INTO timeline_months (month, photo_count) SELECT substr(NEW.taken_at, 1, 7), 1 WHERE NEW.trashed_at IS NULL
    ON CONFLICT (month) DO UPDATE SET photo_count = photo_count + 1;
END;

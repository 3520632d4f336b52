-- Albums are views, not folders: a photo is in any number of albums, and every photo stays in the gallery and the
-- timeline. album_photos.taken_at is the photo's, kept equal by a trigger, so that an album's pages walk one index
-- in timeline order. Existing album placements become memberships. Same as Migrations/postgres/0007.
CREATE TABLE album_photos (
    album_id INTEGER NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    taken_at TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (album_id, photo_id)
);
CREATE INDEX album_photos_taken ON album_photos (album_id, taken_at, photo_id);
CREATE INDEX album_photos_photo ON album_photos (photo_id);
INSERT INTO album_photos (album_id, photo_id, taken_at, added_at)
    SELECT album_id, id, taken_at, updated_at FROM photos WHERE album_id IS NOT NULL;
-- SQLite cannot drop a column that references another table: photos.album_id stays, empty and unread.
UPDATE photos SET album_id = NULL WHERE album_id IS NOT NULL;
DROP INDEX photos_album;

-- The album's cover; without one (or once that photo is gone) the album shows its newest photos. Forms offer the
-- albums changed last (albums_updated), the album list pages by id.
ALTER TABLE albums ADD COLUMN cover_photo_id INTEGER REFERENCES photos (id) ON DELETE SET NULL;
CREATE INDEX albums_updated ON albums (updated_at, id);

CREATE TRIGGER album_photos_follow_taken_at AFTER UPDATE OF taken_at ON photos
WHEN OLD.taken_at IS NOT NEW.taken_at BEGIN
    UPDATE album_photos SET taken_at = NEW.taken_at WHERE photo_id = NEW.id;
END;

-- Photos per month of taken_at (UTC), for GET /timeline: counted as rows change, so the timeline never scans the
-- photos. Months that empty keep a row with 0, which the query skips.
CREATE TABLE timeline_months (
    month TEXT PRIMARY KEY,
    photo_count INTEGER NOT NULL CHECK (photo_count >= 0)
);
INSERT INTO timeline_months (month, photo_count)
    SELECT substr(taken_at, 1, 7), count(*) FROM photos GROUP BY substr(taken_at, 1, 7);

CREATE TRIGGER timeline_months_insert AFTER INSERT ON photos BEGIN
    INSERT INTO timeline_months (month, photo_count) VALUES (substr(NEW.taken_at, 1, 7), 1)
    ON CONFLICT (month) DO UPDATE SET photo_count = photo_count + 1;
END;
CREATE TRIGGER timeline_months_delete AFTER DELETE ON photos BEGIN
    UPDATE timeline_months SET photo_count = photo_count - 1 WHERE month = substr(OLD.taken_at, 1, 7);
END;
CREATE TRIGGER timeline_months_update AFTER UPDATE OF taken_at ON photos
WHEN substr(OLD.taken_at, 1, 7) IS NOT substr(NEW.taken_at, 1, 7) BEGIN
    UPDATE timeline_months SET photo_count = photo_count - 1 WHERE month = substr(OLD.taken_at, 1, 7);
    INSERT INTO timeline_months (month, photo_count) VALUES (substr(NEW.taken_at, 1, 7), 1)
    ON CONFLICT (month) DO UPDATE SET photo_count = photo_count + 1;
END;

-- Albums are views, not folders: a photo is in any number of albums, and every photo stays in the gallery and the
-- timeline. album_photos.taken_at is the photo's, kept equal by a trigger, so that an album's pages walk one index
-- in timeline order. Existing album placements become memberships. Same as Migrations/sqlite/0007.
CREATE TABLE album_photos (
    album_id bigint NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    photo_id bigint NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    taken_at timestamptz NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (album_id, photo_id)
);
CREATE INDEX album_photos_taken ON album_photos (album_id, taken_at, photo_id);
CREATE INDEX album_photos_photo ON album_photos (photo_id);
INSERT INTO album_photos (album_id, photo_id, taken_at, added_at)
    SELECT album_id, id, taken_at, updated_at FROM photos WHERE album_id IS NOT NULL;
ALTER TABLE photos DROP COLUMN album_id;

-- The album's cover; without one (or once that photo is gone) the album shows its newest photos. Forms offer the
-- albums changed last (albums_updated), the album list pages by id.
ALTER TABLE albums ADD COLUMN cover_photo_id bigint REFERENCES photos (id) ON DELETE SET NULL;
CREATE INDEX albums_updated ON albums (updated_at, id);

CREATE FUNCTION album_photos_follow_taken_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE album_photos SET taken_at = NEW.taken_at WHERE photo_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER album_photos_follow_taken_at AFTER UPDATE OF taken_at ON photos
FOR EACH ROW WHEN (OLD.taken_at IS DISTINCT FROM NEW.taken_at) EXECUTE FUNCTION album_photos_follow_taken_at();

-- Photos per month of taken_at (UTC), for GET /timeline: counted as rows change, so the timeline never scans the
-- photos. Months that empty keep a row with 0, which the query skips.
CREATE TABLE timeline_months (
    month text PRIMARY KEY,
    photo_count bigint NOT NULL CHECK (photo_count >= 0)
);
INSERT INTO timeline_months (month, photo_count)
    SELECT to_char(taken_at AT TIME ZONE 'UTC', 'YYYY-MM'), count(*) FROM photos GROUP BY 1;

CREATE FUNCTION timeline_months_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE timeline_months SET photo_count = photo_count - 1
        WHERE month = to_char(OLD.taken_at AT TIME ZONE 'UTC', 'YYYY-MM');
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO timeline_months (month, photo_count) VALUES (to_char(NEW.taken_at AT TIME ZONE 'UTC', 'YYYY-MM'), 1)
        ON CONFLICT (month) DO UPDATE SET photo_count = timeline_months.photo_count + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER timeline_months_insert_delete AFTER INSERT OR DELETE ON photos
FOR EACH ROW EXECUTE FUNCTION timeline_months_count();
CREATE TRIGGER timeline_months_update AFTER UPDATE OF taken_at ON photos FOR EACH ROW
WHEN (to_char(OLD.taken_at AT TIME ZONE 'UTC', 'YYYY-MM') IS DISTINCT FROM to_char(NEW.taken_at AT TIME ZONE 'UTC', 'YYYY-MM'))
EXECUTE FUNCTION timeline_months_count();

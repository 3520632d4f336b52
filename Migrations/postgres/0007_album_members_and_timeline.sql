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

-- Statement triggers over transition tables: one grouped change per statement, so a bulk insert or delete
-- (seeding, emptying the trash) updates each month once, not once per photo.
CREATE FUNCTION timeline_months_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO timeline_months (month, photo_count)
        SELECT to_char(taken_at AT TIME ZONE 'UTC', 'YYYY-MM'), count(*) FROM new_rows GROUP BY 1
    ON CONFLICT (month) DO UPDATE SET photo_count = timeline_months.photo_count + excluded.photo_count;
    RETURN NULL;
END $$;
CREATE FUNCTION timeline_months_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE timeline_months SET photo_count = timeline_months.photo_count - gone.n
    FROM (SELECT to_char(taken_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS n FROM old_rows GROUP BY 1) gone
    WHERE timeline_months.month = gone.month;
    RETURN NULL;
END $$;
CREATE FUNCTION timeline_months_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE timeline_months SET photo_count = timeline_months.photo_count - moved.n
    FROM (SELECT to_char(old_rows.taken_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS n
          FROM old_rows JOIN new_rows ON new_rows.id = old_rows.id
          WHERE old_rows.taken_at IS DISTINCT FROM new_rows.taken_at GROUP BY 1) moved
    WHERE timeline_months.month = moved.month;
    INSERT INTO timeline_months (month, photo_count)
        SELECT to_char(new_rows.taken_at AT TIME ZONE 'UTC', 'YYYY-MM'), count(*)
        FROM old_rows JOIN new_rows ON new_rows.id = old_rows.id
        WHERE old_rows.taken_at IS DISTINCT FROM new_rows.taken_at GROUP BY 1
    ON CONFLICT (month) DO UPDATE SET photo_count = timeline_months.photo_count + excluded.photo_count;
    RETURN NULL;
END $$;
CREATE TRIGGER timeline_months_insert AFTER INSERT ON photos REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION timeline_months_insert();
CREATE TRIGGER timeline_months_delete AFTER DELETE ON photos REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION timeline_months_delete();
CREATE TRIGGER timeline_months_update AFTER UPDATE ON photos REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION timeline_months_update();

-- The trash: a photo with trashed_at set is out of every gallery, album, share and count until it is restored, or
-- purged (POST /trash/empty, ?permanent=true, or the sweep after TRASH_DAYS). Only purging removes the row and its
-- files. Same as Migrations/sqlite/0011.
ALTER TABLE photos ADD COLUMN trashed_at timestamptz;
-- Only trashed photos are in it: the trash page walks it newest first, the sweep reads its oldest end.
CREATE INDEX photos_trashed ON photos (trashed_at, id) WHERE trashed_at IS NOT NULL;

-- timeline_months counts live photos only: trashing a photo takes it out of its month, restoring puts it back.
-- Still statement triggers over the transition tables, so emptying the trash or a bulk trash updates each month once.
CREATE OR REPLACE FUNCTION timeline_months_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO timeline_months (month, photo_count)
        SELECT to_char(taken_at AT TIME ZONE 'UTC', 'YYYY-MM'), count(*) FROM new_rows
        WHERE trashed_at IS NULL GROUP BY 1
    ON CONFLICT (month) DO UPDATE SET photo_count = timeline_months.photo_count + excluded.photo_count;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION timeline_months_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE timeline_months SET photo_count = timeline_months.photo_count - gone.n
    FROM (SELECT to_char(taken_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS n FROM old_rows
          WHERE trashed_at IS NULL GROUP BY 1) gone
    WHERE timeline_months.month = gone.month;
    RETURN NULL;
END $$;
-- A row leaves its old month when it was live and moved or was trashed; it joins its new month when it is live and
-- moved or was restored.
CREATE OR REPLACE FUNCTION timeline_months_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE timeline_months SET photo_count = timeline_months.photo_count - moved.n
    FROM (SELECT to_char(old_rows.taken_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS n
          FROM old_rows JOIN new_rows ON new_rows.id = old_rows.id
          WHERE old_rows.trashed_at IS NULL
            AND (old_rows.taken_at IS DISTINCT FROM new_rows.taken_at OR new_rows.trashed_at IS NOT NULL)
          GROUP BY 1) moved
    WHERE timeline_months.month = moved.month;
    INSERT INTO timeline_months (month, photo_count)
        SELECT to_char(new_rows.taken_at AT TIME ZONE 'UTC', 'YYYY-MM'), count(*)
        FROM old_rows JOIN new_rows ON new_rows.id = old_rows.id
        WHERE new_rows.trashed_at IS NULL
          AND (old_rows.taken_at IS DISTINCT FROM new_rows.taken_at OR old_rows.trashed_at IS NOT NULL)
        GROUP BY 1
    ON CONFLICT (month) DO UPDATE SET photo_count = timeline_months.photo_count + excluded.photo_count;
    RETURN NULL;
END $$;

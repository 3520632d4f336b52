-- Favourites: a star on a photo, and the timeline of starred photos (a partial index: only they are in it).
-- Same as Migrations/postgres/0010.
ALTER TABLE photos ADD COLUMN favorite INTEGER NOT NULL DEFAULT 0 CHECK (favorite IN (0, 1));
CREATE INDEX photos_favorite_taken ON photos (taken_at, id) WHERE favorite = 1;

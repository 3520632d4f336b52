-- Favourites: a star on a photo, and the timeline of starred photos (a partial index: only they are in it).
-- Same as Migrations/sqlite/0010.
ALTER TABLE photos ADD COLUMN favorite boolean NOT NULL DEFAULT false;
CREATE INDEX photos_favorite_taken ON photos (taken_at, id) WHERE favorite;

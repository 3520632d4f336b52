-- Albums, and what the gallery shows about a photo's capture: the EXIF offset of its capture time and its camera
-- (PostgreSQL; the same as Migrations/sqlite/0002_albums_and_camera.sql).

CREATE TABLE albums (
    id bigserial PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A photo is in at most one album; without one it stays in the main gallery.
ALTER TABLE photos ADD COLUMN album_id bigint REFERENCES albums (id) ON DELETE SET NULL;
-- EXIF OffsetTimeOriginal, "+02:00", the zone of captured_at when the camera wrote one
ALTER TABLE photos ADD COLUMN captured_offset text;
ALTER TABLE photos ADD COLUMN camera_make text;
ALTER TABLE photos ADD COLUMN camera_model text;

-- The gallery and album pages: newest first within an album (or among photos in none).
CREATE INDEX photos_album ON photos (album_id, id);

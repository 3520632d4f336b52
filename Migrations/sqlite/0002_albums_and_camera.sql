-- Albums, and what the gallery shows about a photo's capture: the EXIF offset of its capture time and its camera.

CREATE TABLE albums (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A photo is in at most one album; without one it stays in the main gallery.
ALTER TABLE photos ADD COLUMN album_id INTEGER REFERENCES albums (id) ON DELETE SET NULL;
-- EXIF OffsetTimeOriginal, "+02:00", the zone of captured_at when the camera wrote one
ALTER TABLE photos ADD COLUMN captured_offset TEXT;
ALTER TABLE photos ADD COLUMN camera_make TEXT;
ALTER TABLE photos ADD COLUMN camera_model TEXT;

-- The gallery and album pages: newest first within an album (or among photos in none).
CREATE INDEX photos_album ON photos (album_id, id);

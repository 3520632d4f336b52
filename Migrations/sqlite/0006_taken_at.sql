-- The time the timeline sorts by (taken_at, ISO 8601 in UTC like created_at) and where it comes from: EXIF
-- DateTimeOriginal with its offset ('exif'), without one as the camera's local time read as UTC ('exif_local'),
-- else the upload time ('upload'). Existing rows get both from the columns they already have; a capture time that
-- is not a real calendar time (SQLite would roll 31 February over into March) counts as none, as in the app.
ALTER TABLE photos ADD COLUMN taken_at TEXT;
ALTER TABLE photos ADD COLUMN taken_at_source TEXT CHECK (taken_at_source IN ('exif', 'exif_local', 'upload'));
UPDATE photos SET taken_at_source = CASE
    WHEN captured_at IS NULL OR strftime('%Y-%m-%dT%H:%M:%S', captured_at) IS NOT captured_at THEN 'upload'
    WHEN strftime('%s', captured_at || captured_offset) IS NOT NULL THEN 'exif'
    ELSE 'exif_local' END;
UPDATE photos SET taken_at = CASE taken_at_source
    WHEN 'exif' THEN strftime('%Y-%m-%dT%H:%M:%fZ', captured_at || captured_offset)
    WHEN 'exif_local' THEN strftime('%Y-%m-%dT%H:%M:%fZ', captured_at)
    ELSE created_at END;
-- Timeline pages walk (taken_at, id) newest first, by keyset.
CREATE INDEX photos_taken ON photos (taken_at, id);

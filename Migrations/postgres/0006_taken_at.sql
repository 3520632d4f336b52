-- The time the timeline sorts by and where it comes from: EXIF DateTimeOriginal with its offset ('exif'), without
-- one as the camera's local time read as UTC ('exif_local'), else the upload time ('upload'). Existing rows get both
-- from the columns they already have; a capture time that is not a real calendar time counts as none, as in the
-- app (the pattern admits only real dates, so the casts below cannot fail). Same as Migrations/sqlite/0006.
ALTER TABLE photos ADD COLUMN taken_at timestamptz;
ALTER TABLE photos ADD COLUMN taken_at_source text CHECK (taken_at_source IN ('exif', 'exif_local', 'upload'));
UPDATE photos SET taken_at_source = CASE
    WHEN captured_at IS NULL OR captured_at !~ ('^\d{4}-(?:(?:01|03|05|07|08|10|12)-(?:0[1-9]|[12]\d|3[01])'
        || '|(?:04|06|09|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$')
        AND captured_at !~ ('^(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29'
        || 'T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$') THEN 'upload'
    WHEN captured_offset ~ '^[+-](?:0\d|1[0-4]):[0-5]\d$' THEN 'exif'
    ELSE 'exif_local' END;
UPDATE photos SET taken_at = CASE taken_at_source
    WHEN 'exif' THEN (captured_at || captured_offset)::timestamptz
    WHEN 'exif_local' THEN (captured_at || 'Z')::timestamptz
    ELSE created_at END;
ALTER TABLE photos ALTER COLUMN taken_at SET NOT NULL;
ALTER TABLE photos ALTER COLUMN taken_at_source SET NOT NULL;
-- Timeline pages walk (taken_at, id) newest first, by keyset.
CREATE INDEX photos_taken ON photos (taken_at, id);

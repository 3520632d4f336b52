-- WebP twins of the display image and thumbnail (display/<hash>.webp, thumbnail/<hash>.webp; NULL when a photo was
-- processed before they existed, and the pages then offer the JPEG or PNG alone) and the thumbnail's ThumbHash,
-- base64, which the gallery paints until the thumbnail arrives (issue 21).
ALTER TABLE photos ADD COLUMN display_webp_bytes INTEGER;
ALTER TABLE photos ADD COLUMN thumbnail_webp_bytes INTEGER;
ALTER TABLE photos ADD COLUMN placeholder TEXT;
-- Originals may now be HEIC, AVIF and WebP besides JPEG and PNG. SQLite cannot alter a CHECK constraint, and
-- rebuilding photos would take the tables and triggers that reference it along; the documented alternative
-- (https://www.sqlite.org/lang_altertable.html, "other kinds of table schema changes") edits the table's stored
-- definition, which is safe for a CHECK that only widens. Renaming a scratch table afterwards makes every
-- connection, this one included, parse the schema again.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
    SET sql = replace(sql, 'CHECK (content_type IN (''image/jpeg'', ''image/png''))',
        'CHECK (content_type IN (''image/jpeg'', ''image/png'', ''image/heic'', ''image/avif'', ''image/webp''))')
    WHERE type = 'table' AND name = 'photos';
PRAGMA writable_schema = OFF;
CREATE TABLE migration_0009_reload (x INTEGER);
ALTER TABLE migration_0009_reload RENAME TO migration_0009_reloaded;
DROP TABLE migration_0009_reloaded;

-- WebP twins of the display image and thumbnail (display/<hash>.webp, thumbnail/<hash>.webp; NULL when a photo was
-- processed before they existed, and the pages then offer the JPEG or PNG alone) and the thumbnail's ThumbHash,
-- base64, which the gallery paints until the thumbnail arrives (issue 21).
ALTER TABLE photos ADD COLUMN display_webp_bytes INTEGER;
ALTER TABLE photos ADD COLUMN thumbnail_webp_bytes INTEGER;
ALTER TABLE photos ADD COLUMN placeholder TEXT;
-- Originals may now be HEIC, AVIF and WebP besides JPEG and PNG.
ALTER TABLE photos DROP CONSTRAINT photos_content_type_check;
ALTER TABLE photos ADD CONSTRAINT photos_content_type_check
    CHECK (content_type IN ('image/jpeg', 'image/png', 'image/heic', 'image/avif', 'image/webp'));

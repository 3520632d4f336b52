-- Search (issue 26): GET /photos?q= over the original name, the camera and the names of the photo's albums.
-- photos.search_document is a tsvector of those words (the 'simple' configuration: no stemming, no stop words,
-- any language), indexed by GIN; queries match words by prefix (to_tsquery's :*). search_fold lowers and strips the
-- accents of Latin letters (U+00C0 to U+017F) on both sides, with built-in functions only: no extension, so no
-- privilege beyond owning the tables. Triggers keep the column in step with photos, albums and memberships. The
-- SQLite twin (Migrations/sqlite/0012) is an FTS5 table.
CREATE FUNCTION search_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(lower($1), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'aaaaaaceeeeiiiinooooouuuuyaaaaaaceeeeiiiinooooouuuuyyaaaaaaccccccccddeeeeeeeeeegggggggghhiiiiiiiiijjkkllllllnnnnnnoooooorrrrrrssssssssttttuuuuuuuuuuuuwwyyyzzzzzz')
$$;

-- File names keep their words apart: IMG_1234.JPG is img, 1234, jpg (the parser alone reads it as one file name).
CREATE FUNCTION photo_search_document(name text, make text, model text, albums text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple', regexp_replace(search_fold(concat_ws(' ', name, make, model, albums)),
                                                '[[:punct:][:space:][:cntrl:]]+', ' ', 'g'))
$$;

-- The names of a photo's albums, one text.
CREATE FUNCTION photo_album_names(photo bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT string_agg(albums.name, ' ') FROM album_photos JOIN albums ON albums.id = album_photos.album_id
    WHERE album_photos.photo_id = photo
$$;

ALTER TABLE photos ADD COLUMN search_document tsvector;
UPDATE photos SET search_document = photo_search_document(original_name, camera_make, camera_model, photo_album_names(id));
CREATE INDEX photos_search ON photos USING gin (search_document);

CREATE FUNCTION photos_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := photo_search_document(NEW.original_name, NEW.camera_make, NEW.camera_model,
                                           photo_album_names(NEW.id));
    RETURN NEW;
END $$;
CREATE TRIGGER photos_search_document BEFORE INSERT OR UPDATE OF original_name, camera_make, camera_model ON photos
FOR EACH ROW EXECUTE FUNCTION photos_search_document();

-- Joining or leaving an album (an album deleted included) rewrites the members' documents, once per statement.
CREATE FUNCTION album_photos_search_join() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE photos SET search_document = photo_search_document(original_name, camera_make, camera_model,
                                                        photo_album_names(id))
    WHERE id IN (SELECT photo_id FROM new_rows);
    RETURN NULL;
END $$;
CREATE FUNCTION album_photos_search_leave() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE photos SET search_document = photo_search_document(original_name, camera_make, camera_model,
                                                        photo_album_names(id))
    WHERE id IN (SELECT photo_id FROM old_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER album_photos_search_join AFTER INSERT ON album_photos REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION album_photos_search_join();
CREATE TRIGGER album_photos_search_leave AFTER DELETE ON album_photos REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION album_photos_search_leave();

CREATE FUNCTION albums_search_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE photos SET search_document = photo_search_document(original_name, camera_make, camera_model,
                                                        photo_album_names(id))
    WHERE id IN (SELECT photo_id FROM album_photos WHERE album_id = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER albums_search_rename AFTER UPDATE OF name ON albums
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION albums_search_rename();

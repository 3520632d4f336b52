-- Search pages in timeline order on PostgreSQL (issue 26). photos.search_document's GIN index finds a word's photos
-- in no order, so a page of a common word whose photos are all old (Canon, before 2012) had to fetch and sort every
-- match (1.1 s at 1M photos). photo_words holds each word of each photo's search_document with the photo's place
-- in the timeline, so a page walks one word's btree newest first and stops when full, as SQLite's FTS5 rowids let
-- it (SQLAlbumRepository.photos(in:page:)). A prefix stands for the few words it begins, found by a skip scan.
-- The "C" collation orders by bytes, so a prefix's words are one range. A trigger keeps it in step with the
-- document and taken_at (a date fix moves the photo); deletes find the rows through the photo's old words, so no
-- second index is needed. The SQLite twin (Migrations/sqlite/0016) is empty: FTS5 already keeps that order.
CREATE TABLE photo_words (
    word text COLLATE "C" NOT NULL,
    taken_at timestamptz NOT NULL,
    photo_id bigint NOT NULL,
    PRIMARY KEY (word, taken_at, photo_id)
);
INSERT INTO photo_words (word, taken_at, photo_id)
SELECT word, taken_at, id FROM photos, unnest(tsvector_to_array(search_document)) AS word;

CREATE FUNCTION photos_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM photo_words WHERE word = ANY(tsvector_to_array(OLD.search_document))
            AND taken_at = OLD.taken_at AND photo_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO photo_words (word, taken_at, photo_id)
        SELECT word, NEW.taken_at, NEW.id FROM unnest(tsvector_to_array(NEW.search_document)) AS word;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER photos_words_insert AFTER INSERT ON photos FOR EACH ROW EXECUTE FUNCTION photos_words();
CREATE TRIGGER photos_words_update AFTER UPDATE ON photos FOR EACH ROW
WHEN (OLD.search_document IS DISTINCT FROM NEW.search_document OR OLD.taken_at IS DISTINCT FROM NEW.taken_at)
EXECUTE FUNCTION photos_words();
CREATE TRIGGER photos_words_delete AFTER DELETE ON photos FOR EACH ROW EXECUTE FUNCTION photos_words();

#!/usr/bin/env python3
"""Search at scale (issue 26): GET /photos?q= and the /search page on seeded libraries, SQLite and PostgreSQL.

Seeds with scripts/bench/timeline.py's seeding, its realistic library: cameras by era (a Canon and an Olympus before
2004, a Canon EOS and a Nikon to 2012, an iPhone 6 and a Samsung to 2018, an iPhone 12 and a Pixel after), their
file names (IMG_0001.JPG, DSC_0001.JPG, PXL_20210101_120000.jpg, ...), a rare name one photo in 20,011, and 3,000
albums named for places and events with a year, a third of the photos in them. Then runs `app serve` (gallery cache
off) and measures each query with `wrk --latency` as JSON (`/photos?q=`) and as the page (`/search?q=`), side by
side with /healthz on the same server in the same run. With --plans prints the query plans of the app's statements
(PostgreSQL: EXPLAIN ANALYZE; SQLite: EXPLAIN QUERY PLAN and the statement's time in Python's sqlite3).
Queries: a common word (img, half the photos), a rare word (hochzeit, 1 in 20,011), a prefix (cano: Canon, a quarter
of the photos, all before 2012), a camera and a year (nikon, 2008), an album name (italy, 1 in 36), an album's word
with an album filter, an old word in the 10,000-photo album.
Usage: scripts/bench/search.py [--binary .build/release/app] [--scales 10000,100000,1000000] [--duration 10]
                               [--postgres URL] [--databases sqlite,postgres] [--plans]
                               [--reuse-sqlite FILE] [--reuse-postgres URL]
  --reuse-*: measure a database this script (or timeline.seed_*(…, realistic=True)) seeded before; no seeding.
"""
import argparse, calendar, os, shutil, signal, sqlite3, subprocess, sys, tempfile, time, urllib.parse, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import timeline  # noqa: E402  (the seeding and the measuring helpers)

QUERIES = [
    ("common word", "q=img"),
    ("rare word", "q=hochzeit"),
    ("prefix", "q=cano"),
    ("camera + year", "q=nikon&from=2008-01-01&to=2008-12-31"),
    ("album name", "q=italy"),
    ("two words", "q=iphone+12"),
    ("word + album", "q=img&album=2"),
    ("old word, big album", "q=cano&album=1"),
]

# The statements SQLAlbumRepository.photos(in:page:) sends for the queries above (limit 61: a page of 60 and the
# probe for the next), with literals in place of their binds.
SQLITE_SEARCH = ("SELECT photos.*, {album_ids} FROM photo_search CROSS JOIN photos ON photos.id = "
                 "(photo_search.rowid & 536870911) WHERE photo_search MATCH '{match}'{extra} "
                 "ORDER BY photo_search.rowid DESC LIMIT 61")
# On PostgreSQL, over the whole library, the app first lists the indexed words each search word (parsed as documents
# are: these are already) is a prefix of (a skip scan of photo_words) and walks the leading word's photos newest first in photo_words (SQLAlbumRepository+WordWalk).
# In an album (or when no word leads) it sends up to two: the newest 5,000 rows of the walk with the match tested on
# each, and when that does not fill the page, every match from the GIN index, sorted.
POSTGRES_WORDS = ("WITH RECURSIVE prefixed (word) AS ("
                  "SELECT (SELECT min(word) FROM photo_words WHERE word >= '{w}' "
                  "AND word < '{w}' || chr(1114111)) UNION ALL "
                  "SELECT (SELECT min(photo_words.word) FROM photo_words WHERE photo_words.word > prefixed.word "
                  "AND photo_words.word < '{w}' || chr(1114111)) FROM prefixed "
                  "WHERE prefixed.word IS NOT NULL) "
                  "SELECT word, (SELECT count(*) FROM (SELECT 1 FROM photo_words WHERE word >= '{w}' "
                  "AND word < '{w}' || chr(1114111) LIMIT 10000) capped) AS photos "
                  "FROM prefixed WHERE word IS NOT NULL LIMIT 65")
POSTGRES_WORD_WALK = ("photos.id = ANY(ARRAY(SELECT matched.photo_id FROM unnest(ARRAY[{terms}]::text[]) AS led (word) "
                      "CROSS JOIN LATERAL (SELECT word_rows.photo_id FROM (SELECT photo_words.taken_at, "
                      "photo_words.photo_id FROM photo_words WHERE photo_words.word = led.word{bounds} "
                      "ORDER BY photo_words.taken_at DESC, photo_words.photo_id DESC{cap}) word_rows "
                      "JOIN photos ON photos.id = word_rows.photo_id WHERE {conditions} AND ({match}) IS TRUE "
                      "ORDER BY word_rows.taken_at DESC, word_rows.photo_id DESC LIMIT 61) matched))")
POSTGRES_SEARCH = ("SELECT photos.*, {album_ids} FROM {source} WHERE {conditions} AND {attempt} ORDER BY {order} LIMIT 61")
POSTGRES_BOUND = "SELECT {key} FROM {source} WHERE {conditions} ORDER BY {order} OFFSET 4999 LIMIT 1"
POSTGRES_WALK = "({match}) IS TRUE AND ({key}) >= ({bound})"
POSTGRES_INDEX = "photos.id = ANY(ARRAY(SELECT id FROM photos WHERE {match}))"


def day(text, plus=0):
    """Seconds since 1970 of a YYYY-MM-DD day's start (UTC), plus `plus` days."""
    return calendar.timegm(time.strptime(text, "%Y-%m-%d")) + plus * 86400


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(seconds))


def statement(kind, query):
    params = urllib.parse.parse_qs(query)
    words = params.get("q", [""])[0].split()
    album = params.get("album", [None])[0]
    start, end = params.get("from", [None])[0], params.get("to", [None])[0]
    if kind == "sqlite":
        match = "{name camera albums} : (" + " AND ".join(f'"{w}"*' for w in words) + ")"
        if album:
            match += f' AND album_ids : "{album}"'
        extra = ""
        if end:
            extra += f" AND photos.taken_at < '{iso(day(end, 1))}' AND photo_search.rowid < {day(end, 1) * 536870912}"
        if start:
            extra += f" AND photos.taken_at >= '{iso(day(start))}' AND photo_search.rowid >= {day(start) * 536870912}"
        return [("fts5", SQLITE_SEARCH.format(album_ids="(SELECT group_concat(album_id, ',') FROM album_photos "
                                                        "WHERE album_photos.photo_id = photos.id)",
                                              match=match, extra=extra))]
    extra = ""
    if end:
        extra += f" AND photos.taken_at < '{iso(day(end, 1))}'"
    if start:
        extra += f" AND photos.taken_at >= '{iso(day(start))}'"
    source, conditions, order = "photos", "1 = 1", "photos.taken_at DESC, photos.id DESC"
    if album:
        source = "album_photos JOIN photos ON photos.id = album_photos.photo_id"
        conditions = f"album_photos.album_id = {album}"
        order = "album_photos.taken_at DESC, album_photos.photo_id DESC"
    conditions += extra
    match = "photos.search_document @@ to_tsquery('simple', search_fold('" + " & ".join(f"{w}:*" for w in words) + "'))"
    album_ids = "(SELECT string_agg(album_id::text, ',') FROM album_photos WHERE album_photos.photo_id = photos.id)"
    key = order.replace(" DESC", "")
    values = {"album_ids": album_ids, "source": source, "conditions": conditions, "order": order, "match": match,
              "key": key}
    if not album:
        # The words statement runs first; plans() fills {terms} and {cap} in from its answers.
        bounds = ""
        if end:
            bounds += f" AND photo_words.taken_at < '{iso(day(end, 1))}'"
        if start:
            bounds += f" AND photo_words.taken_at >= '{iso(day(start))}'"
        return [*[(f"words {w}", POSTGRES_WORDS.format(w=w)) for w in words],
                ("word walk", POSTGRES_SEARCH.format(**values, attempt=POSTGRES_WORD_WALK.format(
                    **values, bounds=bounds, terms="{terms}", cap="{cap}")))]
    # The bound is read first and bound as a value; here it is filled in by plans() (with none, the walk reads all).
    return [("bound", POSTGRES_BOUND.format(**values)),
            ("walk", POSTGRES_SEARCH.format(**values, attempt=POSTGRES_WALK.format(**values, bound="{bound}"))),
            ("index", POSTGRES_SEARCH.format(**values, attempt=POSTGRES_INDEX.format(**values)))]


def plans(kind, target):
    found = {}
    for label, query in QUERIES:
        leader = None
        for name, sql in statement(kind, query):
            if kind == "sqlite":
                db = sqlite3.connect(target)
                plan = "\n".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + sql))
                db.execute(sql).fetchall()  # warm
                began = time.perf_counter()
                rows = len(db.execute(sql).fetchall())
                plan += f"\n({rows} rows in {(time.perf_counter() - began) * 1000:.1f} ms, Python's sqlite3 " \
                        f"{sqlite3.sqlite_version})"
                db.close()
            elif name == "bound":
                found_bound = timeline.query_postgres(target, sql)
                continue
            elif name.startswith("words "):
                # The app's choice of the leading word: the one with the fewest photos among those with few words.
                lines = [line.split("|") for line in timeline.query_postgres(target, sql).splitlines() if line]
                count = int(lines[0][1]) if lines else 0
                if len(lines) <= 64 and (leader is None or count < leader[1]):
                    leader = ([line[0] for line in lines], count)
                plan = timeline.query_postgres(target, "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql)
            elif name == "word walk":
                tested = "+" in query.split("&")[0]
                cap = " LIMIT 10000" if tested and leader[1] >= 10000 else ""
                terms = ", ".join("'" + t.replace("'", "''") + "'" for t in leader[0])
                sql = sql.replace("{terms}", terms).replace("{cap}", cap)
                plan = timeline.query_postgres(target, "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql)
            else:
                if name == "walk":
                    taken, _, photo = found_bound.partition("|")
                    sql = sql.replace(" AND ({bound})", "").replace(
                        "({bound})", f"('{taken}'::timestamptz, {photo})") if found_bound else \
                        sql[:sql.index(" AND (", sql.index(") IS TRUE"))] + sql[sql.index(" ORDER BY", sql.index(") IS TRUE")):]
                plan = timeline.query_postgres(target, "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql)
            found[f"{label} ({name})"] = plan
    return found


def bench_one(args, kind, scale, folder):
    env = {**os.environ, "MEDIA_ROOT": os.path.join(folder, "media"), "AUTH_REQUIRED": "false",
           "GALLERY_CACHE_SECONDS": "0", "LOG_LEVEL": "warning", "UPLOAD_RATE_PER_MINUTE": "0"}
    created = None
    reuse = args.reuse_sqlite if kind == "sqlite" else args.reuse_postgres
    if kind == "sqlite":
        path = reuse or os.path.join(folder, "bench.sqlite3")
        env["DATABASE_URL"] = "sqlite://" + path
        target = path
    elif reuse:
        env["DATABASE_URL"] = target = reuse
    else:
        created = "bench_" + uuid.uuid4().hex[:8]
        timeline.run([timeline.PSQL, "-q", args.postgres, "-c", f"CREATE DATABASE {created}"])
        parsed = urllib.parse.urlsplit(args.postgres)
        env["DATABASE_URL"] = target = urllib.parse.urlunsplit(parsed._replace(path="/" + created))
    try:
        began = time.monotonic()
        if not reuse:
            timeline.run([args.binary, "migrate"], env=env)
            if kind == "sqlite":
                timeline.seed_sqlite(path, scale, realistic=True)
            else:
                timeline.seed_postgres(target, scale, realistic=True)
        seeded = time.monotonic() - began
        port = timeline.free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(folder, f"serve-{kind}.log"), "ab")
        serve = subprocess.Popen([args.binary, "serve"], env={**env, "PORT": str(port), "HOST": "127.0.0.1"},
                                 cwd=timeline.ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            timeline.wait_ready(base)
            pages = [("floor: /healthz", "/healthz")]
            for label, query in QUERIES:
                pages.append((f"{label} JSON", f"/photos?{query}"))
                pages.append((f"{label} page", f"/search?{query}"))
            results = []
            for label, page in pages:
                status, answer = timeline.request(base, page)
                count = len(answer.get("photos", [])) if status == 200 else None
                timeline.wrk(base + page, 2, args.connections)  # warm-up
                results.append((label, page, count, timeline.wrk(base + page, args.duration, args.connections)))
            rss = timeline.rss_mib(serve.pid)
        finally:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(30)
            except subprocess.TimeoutExpired:
                serve.kill()
        found = plans(kind, target) if args.plans else {}
        return {"seeded": seeded, "reused": bool(reuse), "results": results, "rss": rss, "plans": found}
    finally:
        if created:
            subprocess.run([timeline.PSQL, "-q", args.postgres, "-c", f"DROP DATABASE IF EXISTS {created} WITH (FORCE)"],
                           capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(timeline.ROOT, ".build/release/app"))
    parser.add_argument("--scales", default="10000,100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--postgres", default=os.environ.get("MEMORIES_TEST_POSTGRES_URL"))
    parser.add_argument("--reuse-sqlite")
    parser.add_argument("--reuse-postgres")
    parser.add_argument("--plans", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    kinds = [k for k in args.databases.split(",")
             if k != "postgres" or args.postgres or args.reuse_postgres]
    print(f"wrk -t{min(2, args.connections)} -c{args.connections} -d{args.duration}s per URL, gallery cache off; "
          f"ratio = p99 / p99 of /healthz on the same server in the same run; n = photos on the first page")
    for scale in [int(s) for s in args.scales.split(",")]:
        for kind in kinds:
            with tempfile.TemporaryDirectory(prefix="memories-search-") as folder:
                outcome = bench_one(args, kind, scale, folder)
                floor = outcome["results"][0][3]["p99"]
                how = "reused" if outcome["reused"] else f"seeded in {outcome['seeded']:.0f} s"
                print(f"\n{scale:,} photos, {kind} ({how}; app serve RSS {outcome['rss']:.0f} MiB after)")
                print(f"  {'query':24} {'n':>3} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'p99/floor':>10}  url")
                for label, page, count, r in outcome["results"]:
                    note = f"  ({r['errors']} non-2xx)" if r["errors"] else ""
                    n = "" if count is None else str(count)
                    print(f"  {label:24} {n:>3} {r['p50']:8.2f} {r['p99']:8.2f} {r['rps']:8.0f} "
                          f"{r['p99'] / floor:10.1f}  {page}{note}")
                for name, plan in outcome["plans"].items():
                    print(f"  plan, {name}:\n    " + plan.replace("\n", "\n    "))
                sys.stdout.flush()


if __name__ == "__main__":
    main()

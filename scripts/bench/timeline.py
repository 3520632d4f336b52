#!/usr/bin/env python3
"""The timeline at scale (issue 22): seeded libraries of 10k, 100k and 1M photos, on SQLite and PostgreSQL.

For each scale and database: migrates a fresh database with `app migrate`, seeds photo rows directly in SQL (realistic
dates over 30 years, more of them recent; a few thousand albums holding a third of the photos; album 1 holds exactly
10,000; no image files, the rows say "ready"), runs `app serve` with the gallery cache off (every request queries
and renders), and measures each page with `wrk --latency` (after a warm-up), side by side with `/healthz` on the same
server in the same run: the floor of an HTTP round trip here. Prints p50, p99, requests/s and p99 over the floor's
p99, `app serve`'s RSS before and after, and with --plans the query plans of the app's statements (PostgreSQL's
EXPLAIN ANALYZE, SQLite's EXPLAIN QUERY PLAN).
Pages: the first gallery page (`/`), a page deep in 2009 (`/?after=ID`), a month (`/photos?month=2009-06`),
`/timeline`, and album 1 (`/albums/1`, 10,000 photos) and its share link (`/s/TOKEN`) when sharing exists.
Usage: scripts/bench/timeline.py [--binary .build/release/app] [--scales 10000,100000,1000000] [--duration 10]
                                 [--postgres URL] [--databases sqlite,postgres] [--plans]
  --postgres: a server where it may create databases (default $MEMORIES_TEST_POSTGRES_URL; PostgreSQL is skipped
              when unset). Needs wrk and psql.
"""
import argparse, json, os, re, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time, urllib.parse
import urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PSQL = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
ALBUMS = 3000
SHARED_ALBUM_PHOTOS = 10_000
START = 820454400  # 1996-01-01T00:00:00Z
SPAN = 946728000  # 30 years of seconds


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env=None, **kw):
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, **kw)


# ---- Seeding ------------------------------------------------------------------------------------------------------

PHOTO_COLUMNS = """hash, original_name, content_type, bytes, width, height, orientation, captured_at, captured_offset,
    status, display_ext, display_width, display_height, display_bytes, thumbnail_ext, thumbnail_width,
    thumbnail_height, thumbnail_bytes, created_at, updated_at, taken_at, taken_at_source, camera_make, camera_model"""


# What the seeded rows are called. The plain library (this script's) names every photo IMG_<n>.jpg from one iPhone and
# its albums "Album <n>"; the realistic one (scripts/bench/search.py) gives each era its cameras and their file names
# (IMG_0001.JPG, DSC_0001.JPG, PXL_20210101_120000.jpg, 20160101_120000.jpg), a rare name one photo in 20,011, and
# albums named for places and events with their year. g is the photo's number, t its time, cam its camera (0-7).
CAMERAS = [("Canon", "Canon PowerShot A80"), ("OLYMPUS IMAGING CORP.", "C750UZ"), ("Canon", "Canon EOS 400D"),
           ("NIKON CORPORATION", "NIKON D90"), ("Apple", "iPhone 6"), ("samsung", "SM-G930F"), ("Apple", "iPhone 12"),
           ("Google", "Pixel 6")]
CAMERA_ERAS = ["2004", "2012", "2018"]  # two cameras per era, before each of these years and after the last
RARE_NAME = "Hochzeit Anna und Jörg.jpg"
ALBUM_PLACES = ["Italy", "Paris", "Christmas", "Birthday", "Beach", "Skiing", "Camping", "Garden", "Zoo", "Wedding",
                "Easter", "Road trip"]
SQL_DIALECT = {
    "postgres": {"pad": "lpad(({0})::text, {1}, '0')", "stamp": "to_char(t, 'YYYYMMDD_HH24MISS')",
                 "year": "to_char(t, 'YYYY')"},
    "sqlite": {"pad": "printf('%0{1}d', {0})", "stamp": "strftime('%Y%m%d_%H%M%S', t, 'unixepoch')",
               "year": "strftime('%Y', t, 'unixepoch')"},
}


def sql_text(value):
    return "'" + value.replace("'", "''") + "'"


def sql_case(expression, values):
    return f"CASE {expression} " + " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values)) + " END"


def library(kind, realistic):
    """SQL for the camera number `cam`, the name, make and model of photo g taken at t, and album g's name."""
    if not realistic:
        return {"cam": "0", "name": "'IMG_' || g || '.jpg'", "make": "'Apple'", "model": "'iPhone 12'",
                "album": "'Album ' || g"}
    d = SQL_DIALECT[kind]
    year = d["year"]
    era = "CASE " + " ".join(f"WHEN {year} < '{y}' THEN {i}" for i, y in enumerate(CAMERA_ERAS)) + f" ELSE {len(CAMERA_ERAS)} END"
    counter = d["pad"].format("g % 10000", 4)
    names = [f"'IMG_' || {counter} || '.JPG'", "'P' || " + d["pad"].format("g % 10000000", 7) + " || '.JPG'",
             f"'IMG_' || {counter} || '.JPG'", f"'DSC_' || {counter} || '.JPG'", f"'IMG_' || {counter} || '.JPG'",
             f"{d['stamp']} || '.jpg'", f"'IMG_' || {counter} || '.HEIC'", f"'PXL_' || {d['stamp']} || '.jpg'"]
    places = sql_case(f"g % {len(ALBUM_PLACES)}", [sql_text(p) for p in ALBUM_PLACES])
    return {"cam": f"({era}) * 2 + g % 2",
            "name": f"CASE WHEN g % 20011 = 0 THEN {sql_text(RARE_NAME)} ELSE {sql_case('cam', names)} END",
            "make": sql_case("cam", [sql_text(m) for m, _ in CAMERAS]),
            "model": sql_case("cam", [sql_text(m) for _, m in CAMERAS]),
            "album": f"CASE g WHEN 1 THEN 'Family favourites' WHEN 2 THEN 'Grandma''s 90th' "
                     f"ELSE {places} || ' ' || (1996 + g % 30) END"}


def seed_postgres(url, n, realistic=False):
    names = library("postgres", realistic)
    # max(random(), random()) has density 2x on [0, 1): more photos in recent years, as phones made them.
    sql = f"""
    SET timezone = 'UTC';
    INSERT INTO albums (name, created_at, updated_at) SELECT {names['album']}, now(), now() FROM generate_series(1, {ALBUMS}) g;
    INSERT INTO photos ({PHOTO_COLUMNS})
    SELECT md5(g::text) || md5((-g)::text), {names['name']}, 'image/jpeg', 2500000, 4032, 3024, 1,
           to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS'), '+00:00', 'ready', 'jpg', 1280, 960, 200000, 'jpg', 400, 300, 30000,
           now(), now(), t, 'exif', {names['make']}, {names['model']}
    FROM (SELECT g, t, {names['cam']} AS cam
          FROM (SELECT g, to_timestamp({START} + floor(greatest(random(), random()) * {SPAN})) AS t
                FROM generate_series(1, {n}) g) times) s;
    INSERT INTO album_photos (album_id, photo_id, taken_at, added_at)
        SELECT 1, id, taken_at, now() FROM photos WHERE id % {max(1, n // SHARED_ALBUM_PHOTOS)} = 0
        LIMIT {SHARED_ALBUM_PHOTOS};
    INSERT INTO album_photos (album_id, photo_id, taken_at, added_at)
        SELECT 2 + id % {ALBUMS - 1}, id, taken_at, now() FROM photos WHERE id % 3 = 1 ON CONFLICT DO NOTHING;
    VACUUM ANALYZE;
    """
    run([PSQL, "-v", "ON_ERROR_STOP=1", "-q", url], input=sql)


def seed_sqlite(path, n, realistic=False):
    names = library("sqlite", realistic)
    db = sqlite3.connect(path)
    db.executescript(f"""
    PRAGMA journal_mode = WAL;
    BEGIN;
    WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {ALBUMS})
    INSERT INTO albums (name, created_at, updated_at)
        SELECT {names['album']}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM s;
    -- Materialized: SQLite would otherwise draw random() again wherever t is read.
    WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n}),
    times AS MATERIALIZED (
        SELECT g, {START} + CAST(max(abs(random()) % 1000000, abs(random()) % 1000000) / 1000000.0 * {SPAN} AS INTEGER)
        AS t FROM s)
    INSERT INTO photos ({PHOTO_COLUMNS})
    SELECT printf('%064x', g), {names['name']}, 'image/jpeg', 2500000, 4032, 3024, 1,
           strftime('%Y-%m-%dT%H:%M:%S', t, 'unixepoch'), '+00:00', 'ready', 'jpg', 1280, 960, 200000, 'jpg', 400,
           300, 30000, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
           strftime('%Y-%m-%dT%H:%M:%fZ', t, 'unixepoch'), 'exif', {names['make']}, {names['model']}
    FROM (SELECT g, t, {names['cam']} AS cam FROM times);
    INSERT INTO album_photos (album_id, photo_id, taken_at, added_at)
        SELECT 1, id, taken_at, created_at FROM photos WHERE id % {max(1, n // SHARED_ALBUM_PHOTOS)} = 0
        LIMIT {SHARED_ALBUM_PHOTOS};
    INSERT INTO album_photos (album_id, photo_id, taken_at, added_at)
        SELECT 2 + id % {ALBUMS - 1}, id, taken_at, created_at FROM photos WHERE id % 3 = 1 ON CONFLICT DO NOTHING;
    COMMIT;
    ANALYZE;
    """)
    db.close()


def query_postgres(url, sql):
    return run([PSQL, "-At", "-q", url, "-c", sql]).stdout.strip()


# ---- Measuring ----------------------------------------------------------------------------------------------------

def wrk(url, duration, connections):
    out = run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency", url]).stdout
    def ms(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"p50": ms("50"), "p99": ms("99"), "rps": float(rps.group(1)) if rps else 0.0,
            "errors": int(errors.group(1)) if errors else 0}


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def wait_ready(base, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{base} did not start")


def request(base, path, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Accept": "application/json", "Content-Type": "application/json",
                                          "X-CSRF-Token": "bench", "Cookie": "memories_csrf=bench"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, {}


def share_token(base):
    """A share link to album 1 when this build has sharing (issue 22), else None."""
    status, answer = request(base, "/albums/1/links", "POST", {})
    return answer.get("link", {}).get("token") if status == 201 else None


# The statements SQLAlbumRepository.photos(in:page:) and SQLPhotoRepository.timeline() send, with literals in place
# of their bound values; the album ids of each photo are a subquery, as in SQLPhotoRepository.selected.
PLANS = {
    "first page": "SELECT photos.*, {album_ids} FROM photos WHERE photos.trashed_at IS NULL ORDER BY photos.taken_at DESC, photos.id DESC LIMIT 61",
    "deep 2009": "SELECT photos.*, {album_ids} FROM photos WHERE photos.trashed_at IS NULL AND (photos.taken_at, photos.id) < (SELECT taken_at, id FROM photos anchor WHERE anchor.id = {deep}) ORDER BY photos.taken_at DESC, photos.id DESC LIMIT 61",
    "month": "SELECT photos.*, {album_ids} FROM photos WHERE photos.trashed_at IS NULL AND photos.taken_at < {before} AND photos.taken_at >= {start} ORDER BY photos.taken_at DESC, photos.id DESC LIMIT 61",
    "timeline": "SELECT month, photo_count FROM timeline_months WHERE photo_count > 0 ORDER BY month DESC",
    "album": "SELECT photos.*, {album_ids} FROM album_photos JOIN photos ON photos.id = album_photos.photo_id WHERE album_photos.album_id = 1 AND photos.trashed_at IS NULL ORDER BY album_photos.taken_at DESC, album_photos.photo_id DESC LIMIT 61",
}


def plans(kind, target, deep_id):
    values = {"deep": deep_id}
    if kind == "sqlite":
        values |= {"album_ids": "(SELECT group_concat(album_id, ',') FROM album_photos WHERE album_photos.photo_id = photos.id)",
                   "before": "'2009-07-01T00:00:00.000Z'", "start": "'2009-06-01T00:00:00.000Z'"}
        db = sqlite3.connect(target)
        found = {name: "\n".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + sql.format(**values)))
                 for name, sql in PLANS.items()}
        db.close()
        return found
    values |= {"album_ids": "(SELECT string_agg(album_id::text, ',') FROM album_photos WHERE album_photos.photo_id = photos.id)",
               "before": "'2009-07-01Z'", "start": "'2009-06-01Z'"}
    return {name: query_postgres(target, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql.format(**values))
            for name, sql in PLANS.items()}


def bench_one(args, kind, scale, folder):
    env = {**os.environ, "MEDIA_ROOT": os.path.join(folder, "media"), "AUTH_REQUIRED": "false",
           "GALLERY_CACHE_SECONDS": "0", "LOG_LEVEL": "warning", "UPLOAD_RATE_PER_MINUTE": "0"}
    admin_url = None
    if kind == "sqlite":
        path = os.path.join(folder, "bench.sqlite3")
        env["DATABASE_URL"] = "sqlite://" + path
    else:
        name = "bench_" + uuid.uuid4().hex[:8]
        admin_url = args.postgres
        run([PSQL, "-q", admin_url, "-c", f"CREATE DATABASE {name}"])
        parsed = urllib.parse.urlsplit(args.postgres)
        env["DATABASE_URL"] = urllib.parse.urlunsplit(parsed._replace(path="/" + name))
    try:
        run([args.binary, "migrate"], env=env)
        began = time.monotonic()
        if kind == "sqlite":
            seed_sqlite(path, scale)
            deep_id = sqlite3.connect(path).execute(
                "SELECT id FROM photos WHERE taken_at < '2009-07-01' ORDER BY taken_at DESC, id DESC LIMIT 1").fetchone()[0]
        else:
            seed_postgres(env["DATABASE_URL"], scale)
            deep_id = int(query_postgres(env["DATABASE_URL"],
                "SELECT id FROM photos WHERE taken_at < '2009-07-01Z' ORDER BY taken_at DESC, id DESC LIMIT 1"))
        seeded = time.monotonic() - began
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(folder, f"serve-{kind}.log"), "ab")
        serve = subprocess.Popen([args.binary, "serve"], env={**env, "PORT": str(port), "HOST": "127.0.0.1"},
                                 cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_ready(base)
            token = share_token(base)
            pages = [("floor: /healthz", "/healthz"), ("first page /", "/"), ("deep 2009 /?after=", f"/?after={deep_id}"),
                     ("month /photos?month=2009-06", "/photos?month=2009-06"), ("/timeline", "/timeline"),
                     ("album of 10k /albums/1", "/albums/1")]
            if token:
                pages.append(("shared album /s/TOKEN", f"/s/{token}"))
            rss_before = rss_mib(serve.pid)
            results = []
            for label, page in pages:
                wrk(base + page, 2, args.connections)  # warm-up
                results.append((label, wrk(base + page, args.duration, args.connections)))
            rss_after = rss_mib(serve.pid)
        finally:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(30)
            except subprocess.TimeoutExpired:
                serve.kill()
        found = plans(kind, path if kind == "sqlite" else env["DATABASE_URL"], deep_id) if args.plans else {}
        return {"seeded": seeded, "results": results, "rss": (rss_before, rss_after), "plans": found}
    finally:
        if admin_url:
            subprocess.run([PSQL, "-q", admin_url, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                           capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/app"))
    parser.add_argument("--scales", default="10000,100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--postgres", default=os.environ.get("MEMORIES_TEST_POSTGRES_URL"))
    parser.add_argument("--plans", action="store_true", help="print the query plans (PostgreSQL: EXPLAIN ANALYZE)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    kinds = [k for k in args.databases.split(",") if k != "postgres" or args.postgres]
    if "postgres" in args.databases and not args.postgres:
        print("PostgreSQL skipped: no --postgres and no MEMORIES_TEST_POSTGRES_URL", file=sys.stderr)
    print(f"wrk -t{min(2, args.connections)} -c{args.connections} -d{args.duration}s per page, gallery cache off; "
          f"ratio = p99 / p99 of /healthz on the same server in the same run")
    for scale in [int(s) for s in args.scales.split(",")]:
        for kind in kinds:
            with tempfile.TemporaryDirectory(prefix="memories-timeline-") as folder:
                outcome = bench_one(args, kind, scale, folder)
                floor = outcome["results"][0][1]["p99"]
                before, after = outcome["rss"]
                print(f"\n{scale:,} photos, {kind} (seeded in {outcome['seeded']:.0f} s; "
                      f"app serve RSS {before:.0f} MiB before, {after:.0f} MiB after)")
                print(f"  {'page':34} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'p99/floor':>10}")
                for label, r in outcome["results"]:
                    note = f"  ({r['errors']} non-2xx)" if r["errors"] else ""
                    print(f"  {label:34} {r['p50']:8.2f} {r['p99']:8.2f} {r['rps']:8.0f} {r['p99'] / floor:10.1f}{note}")
                for name, plan in outcome["plans"].items():
                    print(f"  plan, {name}:\n    " + plan.replace("\n", "\n    "))
                sys.stdout.flush()


if __name__ == "__main__":
    main()

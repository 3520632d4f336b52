"""schemathesis hooks for the contract run: half of the generated uploads carry a real image.

Random bytes only ever reach the 415 branch of `POST /photos`; a small real JPEG (made here with Pillow, a new one
each time so that some are new photos and some repeats) lets the upload succeed, so the stateful links after it
(share the photo, fetch the share) run against a photo that exists.
"""
import datetime
import io
import random
import re

import schemathesis
from PIL import Image

UPLOADS = {("POST", "/photos"), ("POST", "/s/{token}/photos")}
LINKS = {("POST", "/albums/{id}/links"), ("POST", "/photos/{id}/links")}


def jpeg(seed):
    image = Image.new("RGB", (16, 12), ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _positive(case):
    mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", None)
    return str(getattr(mode, "value", mode)) == "positive"


@schemathesis.hook
def map_case(context, case):
    """Positive cases only (a negative one must stay as bad as it was made): real JPEGs into half the uploads, and
    share-link expiries moved into the future."""
    operation = case.operation
    key = (operation.method.upper(), operation.path)
    body = case.body
    if not _positive(case) or not isinstance(body, dict):
        return case
    if key in LINKS and isinstance(body.get("expires_at"), str):
        # The stateful phase reuses times the server answered with (a `created_at`), which are in the past by the
        # time they are sent back as an expiry: move those into the future, as the format strategy below does.
        try:
            when = datetime.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
        except ValueError:
            return case
        if when.tzinfo is not None and when <= datetime.datetime.now(datetime.timezone.utc):
            case.body = dict(body, expires_at=when.replace(year=2031).isoformat())
    elif key in UPLOADS and random.random() < 0.5:
        case.body = dict(body, file=[jpeg(random.randrange(64))])
    return case


@schemathesis.serializer("application/offset+octet-stream")
def offset_octet_stream(context, value):
    """tus chunks: raw bytes (a generated string is sent as its UTF-8 bytes)."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def _future_date_times():
    """Times from 2030 on, in the forms RFC 3339 allows (Z or an offset, with or without fractions)."""
    from hypothesis import strategies as st

    moments = st.datetimes(min_value=datetime.datetime(2030, 1, 1), max_value=datetime.datetime(2999, 12, 31))
    offsets = st.sampled_from(["Z", "+00:00", "+02:00", "-07:30", "+14:00"])
    return st.builds(lambda moment, offset: moment.strftime("%Y-%m-%dT%H:%M:%S") + offset, moments, offsets)


# The one date-time a request sends is a share link's `expires_at`, which must lie in the future (400 otherwise,
# as the document says); a schema cannot say "after now", so valid ones are drawn from the future. Malformed ones
# still come from schemathesis's negative mode.
schemathesis.openapi.format("date-time", _future_date_times())


CHECKSUM = re.compile(r"^(sha256 [A-Za-z0-9+/]{43}=|sha1 [A-Za-z0-9+/]{27}=)$")


@schemathesis.hook
def filter_case(context, case):
    """Drops the one kind of case schemathesis 4.32 mislabels: its coverage scenario "all required properties and
    optional 'Upload-Checksum'" fills the optional header with the integer 0, whatever its schema (a string with a
    pattern), and calls that positive. Such a case is not schema-valid, so a 400 for it is right; every other case,
    and every negative one, is kept."""
    checksum = (case.headers or {}).get("Upload-Checksum")
    if checksum is not None and _positive(case):
        return CHECKSUM.match(str(checksum)) is not None
    return True

"""The one way a stored file leaves Comptoir: always as a download, never as a page.

Whatever the file holds (HTML, SVG, a PDF with scripts), the browser gets
`application/octet-stream` with `nosniff`, so it has no type to render; `Content-
Disposition: attachment`, so it saves rather than opens; and `Content-Security-Policy:
sandbox`, so even a browser that displayed it would run it in an opaque origin without
scripts, forms or our cookies. The name is the cleaned one, twice: a plain-ASCII fallback
and the exact name in UTF-8 (RFC 6266, RFC 5987 `filename*`); neither can carry a quote,
a backslash, a line break or a semicolon, so the header cannot be split or extended.
"""

from __future__ import annotations

import re
import unicodedata
from typing import IO
from urllib.parse import quote

from django.http import FileResponse

from comptoir.tickets.actions.uploads import clean_filename

ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+=@,!~#$&'\[\]-]")


def content_disposition(name: str) -> str:
    """`attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded UTF-8>`."""
    name = clean_filename(name)
    stem, dot, ext = name.rpartition(".")
    if not (dot and stem):
        stem, ext = name, ""
    plain = _ascii(stem) or "download"
    if _ascii(ext):
        plain += "." + _ascii(ext)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ascii(text: str) -> str:
    """The closest plain-ASCII spelling, for clients that ignore `filename*`."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return ASCII_UNSAFE.sub("_", plain).strip(" ._")


def download_response(content: IO[bytes], name: str) -> FileResponse:
    response = FileResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response

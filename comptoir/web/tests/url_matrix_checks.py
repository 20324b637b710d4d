"""How the web pages' matrix sends a request and judges the answer.

Every request runs in a savepoint rolled back afterwards, so one check never changes what
the next one meets (a take, a comment, a revoked token…), and every SQL statement it runs
is recorded: each table it ran an INSERT, UPDATE or DELETE on (but the session's and the
cache's) is read in full before and after, as are the rows of the API matrix's
`snapshot`; a table whose rows differ was written (a DELETE that found nothing was not).
The answer's text is what a person could read in it: the page, the CSV, the text of the
XLSX's sheets and of the PDF's pages, lowercased, for the markers to be searched in.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from comptoir.api.tests.matrix_scene import content, snapshot
from comptoir.web.tests.url_matrix_table import LOGIN, Route

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
NOT_DOMAIN = {"django_session", "comptoir_cache"}


@dataclass
class Answer:
    status: int
    location: str
    kind: str
    data: bytes
    written: list[str]

    @cached_property
    def text(self) -> str:
        """What a reader finds in it, lowercased (read only when a check asks)."""
        if self.status != 200:
            return self.data.decode("utf-8", errors="replace").lower()
        return readable(self.kind, self.data).lower()

    def shows(self, secrets: tuple[str, ...]) -> list[str]:
        return [s for s in secrets if s and s.lower() in self.text]

    def __str__(self) -> str:
        start = max(self.text.find("<main"), 0)
        shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", self.text[start:]))[:400]
        return f"{self.status} {self.location} {shown!r} written={self.written}"


def readable(kind: str, data: bytes) -> str:
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return " ".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    if "pdf" in kind:
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return data.decode("utf-8", errors="replace")


def _rows(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        return sorted(repr(row) for row in cursor.fetchall())


def send(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> Answer:
    """One request in a savepoint rolled back afterwards, with the tables it changed: those
    it ran a write on, read inside the savepoint and again once it is rolled back (with
    the tickets' snapshot; a request that ran no write changed nothing)."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url) if method == "GET" else client.post(url, data or {})
            data_ = content(response)  # a streamed answer reads the database as it goes
        touched = {
            m[1]
            for q in queries.captured_queries
            if (m := WRITE.match(q["sql"])) and m[1] not in NOT_DOMAIN
        }
        after = {table: _rows(table) for table in touched}
        after_tickets = snapshot() if touched else None
        transaction.set_rollback(True)
    written = sorted(table for table in touched if _rows(table) != after[table])
    if touched and snapshot() != after_tickets:
        written.append("(tickets snapshot)")
    return Answer(
        response.status_code,
        response.get("Location", ""),
        response.get("Content-Type", ""),
        data_,
        written,
    )


def expect(answer: Answer, token: str, method: str, where: str = "") -> None:
    """The answer `token` (url_matrix_table.ex) announces; a refusal or a read wrote nothing."""
    if token == LOGIN:
        assert answer.status == 302 and answer.location.startswith("/login/"), f"{where} {answer}"
        assert not answer.written, f"{where} {answer}"
        return
    refused = token.endswith("x")
    status = int(token.rstrip("x"))
    assert answer.status == status, f"{where}: expected {token}, got {answer}"
    if refused or status >= 400 or method == "GET":
        assert not answer.written, f"{where}: a refusal or a read wrote: {answer}"


def refusals(route: Route, method: str) -> set[int]:
    """What an object out of scope may get: a 404 (or 403) like a missing object; the
    message-and-redirect a missing one gets too, where the page answers so; a 405 for
    a method the page does not take."""
    allowed = {403, 404}
    if (route.get if method == "GET" else route.post) is None:
        allowed.add(405)
    elif route.refusal == "302x":
        allowed.add(302)
    return allowed

"""The write side of search: the ticket actions keep one row of text per ticket.

Each function is one or two statements inside the caller's transaction, so a rolled-back
action leaves no text behind and a committed one is searchable at once. A comment is
appended with a concatenating UPDATE instead of re-reading the ticket's comments.
`rebuild()` writes the same text set-based (INSERT … SELECT with the comments aggregated in
SQL), a chunk of ticket ids per transaction, for a backfill of any size.
"""

# ruff: noqa: S608 - table and column names are this module's constants; what a person
# types only ever reaches the database as a query parameter.

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from comptoir.search.fts import TABLE
from comptoir.tickets.models import Comment, Ticket

SEP = "\n"
CHUNK = 5_000


def head_of(ticket: Ticket) -> str:
    return SEP.join((ticket.key, ticket.personal_reference or "", ticket.title))


def _texts(ticket: Ticket, comments: Iterable[tuple[str, bool]]) -> tuple[str, str, str]:
    body, internal = [ticket.description], []
    for text, is_internal in comments:
        (internal if is_internal else body).append(SEP + text)
    return head_of(ticket), "".join(body), "".join(internal)


def index_ticket(ticket: Ticket, *, new: bool = False) -> None:
    """Write the whole text of a ticket (a new one has no comments to read yet)."""
    comments: Iterable[tuple[str, bool]] = ()
    if not new:
        comments = Comment.objects.filter(ticket_id=ticket.pk).order_by("pk")
        comments = comments.values_list("body", "internal")
    head, body, internal = _texts(ticket, comments)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (ticket_id, organisation_id, head, body, internal)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (ticket_id) DO UPDATE SET"
            " organisation_id = excluded.organisation_id, head = excluded.head,"
            " body = excluded.body, internal = excluded.internal",
            [ticket.pk, ticket.organisation_id, head, body, internal],
        )


def update_head(ticket: Ticket) -> None:
    """The key, personal reference or title changed: rewrite that part only."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET head = %s WHERE ticket_id = %s", [head_of(ticket), ticket.pk]
        )
        missing = cursor.rowcount == 0
    if missing:
        index_ticket(ticket)


def append_comment(comment: Comment) -> None:
    """Add a comment's text to the public or internal part, without reading the others."""
    column = "internal" if comment.internal else "body"
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET {column} = {column} || %s WHERE ticket_id = %s",
            [SEP + comment.body, comment.ticket_id],
        )
        missing = cursor.rowcount == 0
    if missing:  # a ticket written before its text existed: the whole text, comment included
        index_ticket(comment.ticket)


def _agg(vendor: str) -> str:
    if vendor == "postgresql":
        return "string_agg(%s || c.body, '' ORDER BY c.id)"
    # SQLite keeps the order of the ordered subquery in group_concat.
    return "group_concat(%s || c.body, '')"


def _insert_sql(vendor: str, where: str) -> str:
    agg = _agg(vendor)
    comments = (
        f"SELECT c.ticket_id, c.internal, {agg} AS txt FROM"
        " (SELECT id, ticket_id, internal, body FROM tickets_comment"
        f" WHERE {where.replace('t.id', 'ticket_id')} ORDER BY ticket_id, id) c"
        " GROUP BY c.ticket_id, c.internal"
    )
    return (
        f"INSERT INTO {TABLE} (ticket_id, organisation_id, head, body, internal)"
        " SELECT t.id, t.organisation_id, t.key || %s || t.personal_reference || %s || t.title,"
        " t.description || COALESCE(pub.txt, ''), COALESCE(priv.txt, '')"
        " FROM tickets_ticket t"
        f" LEFT JOIN ({comments}) pub ON pub.ticket_id = t.id AND NOT pub.internal"
        f" LEFT JOIN ({comments}) priv ON priv.ticket_id = t.id AND priv.internal"
        f" WHERE {where}"
    )


def _chunks(cursor, ticket_ids: Iterable[int] | None, size: int):
    """Ranges of ids (a full rebuild walks the id space) or explicit lists of ids."""
    if ticket_ids is not None:
        ids, size = sorted(set(ticket_ids)), min(size, 1_000)
        for i in range(0, len(ids), size):
            part = ids[i : i + size]
            yield "t.id IN (" + ", ".join(["%s"] * len(part)) + ")", part
        return
    cursor.execute("SELECT MIN(id), MAX(id) FROM tickets_ticket")
    low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, size):
        yield "t.id BETWEEN %s AND %s", [start, start + size - 1]


def rebuild(
    ticket_ids: Iterable[int] | None = None,
    *,
    using: str = DEFAULT_DB_ALIAS,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rewrite the text of the given tickets (all without `ticket_ids`); returns the count.

    Each chunk is deleted and inserted again in its own transaction, so a million tickets
    never make one huge transaction and an interrupted run can simply be started again.
    """
    connection = connections[using]
    done = 0
    with connection.cursor() as cursor:
        chunks = list(_chunks(cursor, ticket_ids, chunk))
    for where, params in chunks:
        sql = _insert_sql(connection.vendor, where)
        delete = f"DELETE FROM {TABLE} WHERE {where.replace('t.id', 'ticket_id')}"
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(delete, params)
            cursor.execute(sql, [SEP, SEP, SEP, *params, SEP, *params, *params])
            done += max(cursor.rowcount, 0)
        if progress is not None:
            progress(done)
    return done

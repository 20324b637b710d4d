"""The read side of search: full-text matches as a filter of the caller's ticket queryset.

The match is a subquery of the same SQL statement as the visibility filter, so another
tenant's ticket never leaves the database and a page costs the same number of queries
whatever the number of matches. Staff (`sees_internal`) search internal comments too; for
anyone else an internal comment can never make a ticket match.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from comptoir.accounts.models import User
from comptoir.search import fts
from comptoir.search.models import TicketText
from comptoir.tickets import selectors as tickets  # a module: tickets.selectors uses us
from comptoir.tickets.models import Ticket


def _internal(actor: User) -> bool:
    return tickets.sees_internal(actor)


def _exact(text: str) -> Q:
    """The ticket named by its key (as typed or in capitals) or its exact reference: both
    are indexed columns, so this arm of the filter stays an index lookup."""
    text = fts.clean(text)
    return Q(key__in={text, text.upper()}) | Q(personal_reference=text)


PEOPLE_LIMIT = 200


def people_ids(people: QuerySet[User]) -> list[int]:
    """The ids of the people a search names (at most PEOPLE_LIMIT), read first.

    As a subquery, a name pattern (`LIKE '%…%'`) is estimated at thousands of people, and
    the planner then reads the whole scope instead of the few matching tickets; as a list
    it is what it is, usually none.
    """
    return list(people.order_by().values_list("id", flat=True)[:PEOPLE_LIMIT])


GATHER = 10_000  # matches, as PostgreSQL estimates them: up to this many are gathered


def _pg_words(actor: User, text: str) -> Q:
    """The PostgreSQL match, shaped by how many tickets the words match in all.

    A rare word's matches are read first, as ids: the query of the page then filters its
    own scope by a constant list, which every plan handles in microseconds. A common word
    is a correlated EXISTS instead: the page's plan walks its scope in display order and
    probes each ticket's row, and with one ticket in ten matching it stops after a few
    hundred probes. Neither shape suits the other case (60,000 gathered ids for a
    customer's 300 tickets; 25,000 probes for a word found twice), and inside one
    statement PostgreSQL cannot tell the cases apart. Which case it is comes from the
    planner's own estimate of the match (EXPLAIN: no row is read), from the statistics
    ANALYZE keeps of the words; reading even the first few thousand matches of a common
    word costs hundreds of milliseconds.
    """
    vector, tsquery, params = fts.pg_match(text, internal=_internal(actor))
    sql, args = fts.pg_ids_sql(vector, tsquery, params)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, args)
        estimate = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
        if estimate <= GATHER:
            # An estimate can be far off: never gather more than twice the bound.
            cursor.execute(sql + " LIMIT %s", [*args, 2 * GATHER + 1])
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) <= 2 * GATHER:
                return Q(pk__in=ids)
    words = TicketText.objects.filter(ticket_id=OuterRef("pk")).extra(  # noqa: S610
        where=[f"{vector} @@ {tsquery}"], params=params
    )
    return Q(Exists(words))


def text_q(actor: User, text: str, *, also: Q | None = None) -> Q | None:
    """Tickets whose key or reference is the text, whose words match it, or that one of
    `also` (the caller's own exact matches on ticket columns: people's ids as a list, a
    number) names; None: no text.

    The words' part is one or two queries more on PostgreSQL (see `_pg_words`); the caller's
    page query applies the actor's scope, in the same statement as the match.
    """
    if not fts.clean(text):
        return None
    q = _exact(text)
    if also is not None:
        q |= also
    if connection.vendor == "postgresql":
        return q | _pg_words(actor, text)
    match = fts.match_ids_sql(connection.vendor, text, internal=_internal(actor))
    if match is not None:
        q |= Q(pk__in=RawSQL(*match))  # noqa: S611 - fts.py SQL; the words are parameters
    return q


def search_tickets(
    actor: User, text: str, base: QuerySet[Ticket] | None = None
) -> QuerySet[Ticket]:
    """Tickets the actor sees that match the text (unordered; see `ranked`).

    `base` must itself come from `visible_tickets(actor)` (a queue, a filtered list); the
    match narrows it inside the same query.
    """
    qs = tickets.visible_tickets(actor) if base is None else base
    q = text_q(actor, text)
    return qs if q is None else qs.filter(q)


RANKED_LIMIT = 100


def search_ranked(
    actor: User, text: str, base: QuerySet[Ticket] | None = None, *, limit: int = RANKED_LIMIT
) -> QuerySet[Ticket]:
    """The best `limit` matches: exact key or reference first, then by score, then newest.

    Two queries whatever the number of matches: the index gives the best ids within the
    scope (the visibility filter is a subquery of that same statement), then the tickets
    are read by id, through the scope again. Past `limit`, better words are the answer.
    """
    qs = tickets.visible_tickets(actor) if base is None else base
    text = fts.clean(text)
    if not text:
        return qs.order_by("-updated_at", "-id")
    scope = None
    if qs.query.where:  # an administrator's whole table needs no id list
        scope = qs.order_by().values("pk").query.sql_with_params()
    top = fts.top_ids_sql(
        connection.vendor, text, internal=_internal(actor), scope=scope, limit=limit
    )
    ids: list[int] = []
    if top is not None:
        with connection.cursor() as cursor:
            cursor.execute(*top)
            ids = [row[0] for row in cursor.fetchall()]
    exact = Q(key__iexact=text) | Q(personal_reference__iexact=text)
    score = Case(
        *(When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)),
        default=Value(len(ids)),
        output_field=IntegerField(),
    )
    first = Case(When(exact, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        qs.filter(_exact(text) | Q(pk__in=ids))
        .annotate(search_exact=first, search_rank=score)
        .order_by("search_exact", "search_rank", "-updated_at", "-id")
    )

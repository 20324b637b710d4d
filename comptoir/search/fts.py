"""What differs between PostgreSQL and SQLite full-text search, in one module.

PostgreSQL: two text search configurations of our own, `comptoir_fr` and `comptoir_en`
(copies of `french` and `english`, plus `unaccent` when the extension can be created), two
generated `tsvector` columns on `search_tickettext` (`public_vector`: key, reference, title,
description and public comments; `all_vector`: the same plus internal comments) with a GIN
index each. SQLite: an FTS5 table `search_fts` whose content is `search_tickettext` (three
columns, `porter unicode61 remove_diacritics 2`), kept by three triggers. See
docs/decisions/0015-search.md for why.
"""

# ruff: noqa: S608 - table and column names are this module's constants; what a person
# types only ever reaches the database as a query parameter.

from __future__ import annotations

import logging
import unicodedata

from django.db.backends.base.base import BaseDatabaseWrapper

log = logging.getLogger(__name__)

TABLE = "search_tickettext"
FTS = "search_fts"
# A tsvector holds at most 1 MB; past this many characters a text is not indexed further.
PG_MAX_CHARS = 200_000


def _pg_doc(column: str, weight: str) -> str:
    text = f"left({column}, {PG_MAX_CHARS})"
    return (
        f"setweight(to_tsvector('comptoir_fr'::regconfig, {text}), '{weight}')"
        f" || setweight(to_tsvector('comptoir_en'::regconfig, {text}), '{weight}')"
    )


_PG_PUBLIC = f"{_pg_doc('head', 'A')} || {_pg_doc('body', 'D')}"
_PG_ALL = f"{_PG_PUBLIC} || {_pg_doc('internal', 'C')}"

PG_CREATE = [
    f"ALTER TABLE {TABLE} ADD COLUMN public_vector tsvector"
    f" GENERATED ALWAYS AS ({_PG_PUBLIC}) STORED",
    f"ALTER TABLE {TABLE} ADD COLUMN all_vector tsvector GENERATED ALWAYS AS ({_PG_ALL}) STORED",
    f"CREATE INDEX search_public_gin ON {TABLE} USING gin (public_vector)",
    f"CREATE INDEX search_all_gin ON {TABLE} USING gin (all_vector)",
]
PG_DROP = [
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS all_vector",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS public_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS comptoir_fr",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS comptoir_en",
]

_COLS = "head, body, internal"
SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5({_COLS}, content='{TABLE}',"
    " content_rowid='ticket_id', tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER search_fts_ai AFTER INSERT ON {TABLE} BEGIN"
    f" INSERT INTO {FTS}(rowid, {_COLS}) VALUES (new.ticket_id, new.head, new.body, new.internal);"
    " END",
    f"CREATE TRIGGER search_fts_ad AFTER DELETE ON {TABLE} BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, {_COLS})"
    " VALUES ('delete', old.ticket_id, old.head, old.body, old.internal); END",
    f"CREATE TRIGGER search_fts_au AFTER UPDATE ON {TABLE} BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, {_COLS})"
    " VALUES ('delete', old.ticket_id, old.head, old.body, old.internal);"
    f" INSERT INTO {FTS}(rowid, {_COLS}) VALUES (new.ticket_id, new.head, new.body, new.internal);"
    " END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_au",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _pg_configurations(cursor) -> None:
    """Our own configurations, so the queries name one pair whatever the server offers.

    `unaccent` is a trusted extension (a database owner may create it); where it is missing
    or refused, the configurations are plain copies and accents simply count.
    """
    accents = True
    try:
        cursor.execute("SAVEPOINT search_unaccent")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        cursor.execute("RELEASE SAVEPOINT search_unaccent")
    except Exception:  # any refusal means: without unaccent
        cursor.execute("ROLLBACK TO SAVEPOINT search_unaccent")
        log.warning("search: the unaccent extension is not available; accents will count")
        accents = False
    for name, source, stem in (
        ("comptoir_fr", "french", "french_stem"),
        ("comptoir_en", "english", "english_stem"),
    ):
        cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {source})")
        if accents:
            cursor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR"
                f" hword, hword_part, word WITH unaccent, {stem}"
            )


def create(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_configurations(cursor)
            statements = PG_CREATE
        elif connection.vendor == "sqlite":
            statements = SQLITE_CREATE
        else:  # pragma: no cover - Comptoir runs on these two only
            raise NotImplementedError(connection.vendor)
        for sql in statements:
            cursor.execute(sql)


def drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for sql in PG_DROP if connection.vendor == "postgresql" else SQLITE_DROP:
            cursor.execute(sql)


# --- queries ---------------------------------------------------------------------------

MAX_QUERY_CHARS = 200
MAX_TERMS = 12


def clean(text: str) -> str:
    """The text as searched: no control characters (PostgreSQL refuses NUL), bounded."""
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text or "")
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def fts5_query(text: str, *, internal: bool) -> str:
    """An FTS5 MATCH expression that cannot be malformed: every word a quoted string.

    FTS5 syntax in user input (quotes, parentheses, NEAR, `*`, `-`, `:`, `^`) becomes plain
    words; words without a letter or digit are dropped (an empty phrase matches nothing).
    Without `internal`, only the public columns are searched.
    """
    terms = [w for w in clean(text).split(" ") if any(c.isalnum() for c in w)][:MAX_TERMS]
    if not terms:
        return ""
    expr = " ".join('"' + w.replace('"', '""') + '"' for w in terms)
    return expr if internal else "{head body} : (" + expr + ")"


def pg_tsquery() -> str:
    """The French or English reading of the words, as typed on a search engine."""
    return (
        "(websearch_to_tsquery('comptoir_fr'::regconfig, %s)"
        " || websearch_to_tsquery('comptoir_en'::regconfig, %s))"
    )


def pg_match(text: str, *, internal: bool) -> tuple[str, str, list[str]]:
    """The vector column, the tsquery SQL and its parameters of a PostgreSQL match."""
    q = clean(text)
    return ("all_vector" if internal else "public_vector"), pg_tsquery(), [q, q]


def pg_ids_sql(vector: str, tsquery: str, params: list[str]) -> tuple[str, list]:
    """The ids of every matching ticket, in no order."""
    return f"SELECT ticket_id FROM {TABLE} WHERE {vector} @@ {tsquery}", list(params)


def match_ids_sql(vendor: str, text: str, *, internal: bool) -> tuple[str, list[str]] | None:
    """SQL selecting the ids of the tickets whose text matches, or None for no words."""
    if vendor == "postgresql":
        q = clean(text)
        if not q:
            return None
        vector = "all_vector" if internal else "public_vector"
        return f"SELECT ticket_id FROM {TABLE} WHERE {vector} @@ {pg_tsquery()}", [q, q]
    expr = fts5_query(text, internal=internal)
    if not expr:
        return None
    return f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", [expr]


def top_ids_sql(
    vendor: str, text: str, *, internal: bool, scope: tuple[str, tuple] | None, limit: int
) -> tuple[str, list] | None:
    """SQL selecting the ids of the best `limit` matches, best first, within `scope` (the
    SQL of a ticket id subquery; None: every ticket). One scan of the index computes every
    score: a score per ticket as a correlated subquery would run the match once per row."""
    where, params = "", []
    if vendor == "postgresql":
        q = clean(text)
        if not q:
            return None
        vector = "all_vector" if internal else "public_vector"
        if scope is not None:
            where, params = f" AND ticket_id IN ({scope[0]})", list(scope[1])
        return (
            f"SELECT ticket_id FROM {TABLE} WHERE {vector} @@ {pg_tsquery()}{where}"
            f" ORDER BY ts_rank({vector}, {pg_tsquery()}) DESC, ticket_id DESC LIMIT %s",
            [q, q, *params, q, q, limit],
        )
    expr = fts5_query(text, internal=internal)
    if not expr:
        return None
    if scope is not None:
        where, params = f" AND rowid IN ({scope[0]})", list(scope[1])
    # bm25 is lower for better matches; the head (key, reference, title) weighs most.
    return (
        f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s{where}"
        f" ORDER BY bm25({FTS}, 10.0, 1.0, 1.0), rowid DESC LIMIT %s",
        [expr, *params, limit],
    )

"""The role matrix's entries for the billing operations: quotes (merged into matrix_table).

The scene's ticket is an SPT support request, billed on time: it has no quote, so the
list answers [] to whoever sees the ticket. The entry still proves the scope: the agent
of another service and every other tenant get a 404 with none of the ticket's data, as
does a token limited to another desk (test_matrix.py's checks on `{key}`).
"""

from __future__ import annotations

from typing import Any

from comptoir.api.tests.matrix_table import SEEN, Entry

TABLE: dict[tuple[str, str], Any] = {
    # WF-6: whoever sees the ticket reads its quotes (the customer decides on them)
    ("GET", "/tickets/{key}/quotes"): Entry(SEEN, ticket="open"),
}
LIST_ROWS: dict[str, dict[str, set[str]]] = {}

"""The role matrix's entries for the billing operations: time (merged into matrix_table).

Time is the provider's business (BIL-1): the agents of the ticket's service, its manager
and administrators read and log it; a customer who sees the ticket is refused (403), and
an entry is a 404 to anyone who may not see its ticket's time, as for a missing one. The
in-scope entry was logged for gaston (the matrix's agent), who corrects his own.
"""

from __future__ import annotations

from typing import Any

from comptoir.api.tests.matrix_table import Entry, expect, staff

# Anyone who may not see the entry's time gets the same 404 as for a missing entry.
ENTRY_STAFF = expect(
    customer=404, customer_manager=404, other_agent=404, agent=200, service_manager=200, admin=200
)

TABLE: dict[tuple[str, str], Any] = {
    ("GET", "/tickets/{key}/time"): Entry(staff(200), ticket="open"),
    ("POST", "/tickets/{key}/time"): Entry(
        staff(201), ticket="open", body=lambda t: {"duration": "1h30", "note": "Diagnostic"}
    ),
    ("PATCH", "/time-entries/{entry_id}"): Entry(
        ENTRY_STAFF, ticket="open", body=lambda t: {"minutes": 45}
    ),
    ("DELETE", "/time-entries/{entry_id}"): Entry(ENTRY_STAFF, ticket="open"),
}
LIST_ROWS: dict[str, dict[str, set[str]]] = {}

"""The role matrix's entries for the billing operations: statements (merged into matrix_table).

The scene issues a January statement to each customer organisation (Alpha, Beta).
Administrators and service managers read both; a customer manager reads Alpha's, their
own; the other roles list nothing and are refused their organisation's (403), while
another organisation's statement is a 404 for every customer, like a missing one.
"""

from __future__ import annotations

from typing import Any

from comptoir.api.tests.matrix_table import Entry, everyone, expect

TABLE: dict[tuple[str, str], Any] = {
    ("GET", "/statements"): Entry(everyone(200), lists="statements"),
    ("GET", "/statements/{statement_id}"): Entry(
        expect(
            customer=403,
            customer_manager=200,
            other_agent=403,
            agent=403,
            service_manager=200,
            admin=200,
        )
    ),
}
LIST_ROWS: dict[str, dict[str, set[str]]] = {
    "statements": {
        "alpha": {"customer_manager", "service_manager", "admin"},
        "beta": {"service_manager", "admin"},
    },
}

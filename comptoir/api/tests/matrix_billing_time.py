"""The role matrix's entries for the billing operations: time (merged into matrix_table)."""

from __future__ import annotations

from typing import Any

TABLE: dict[tuple[str, str], Any] = {}
LIST_ROWS: dict[str, dict[str, set[str]]] = {}

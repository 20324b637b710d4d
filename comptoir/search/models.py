"""The search index: one row of text per ticket, kept by the ticket actions.

The vectors are not model fields: on PostgreSQL two generated `tsvector` columns with GIN
indexes, on SQLite an FTS5 table over this one with triggers (migration 0001,
`fts.py`). Django only ever writes the three text columns.
"""

from __future__ import annotations

from django.db import models


class TicketText(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="search_text"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # key, personal reference and title: weighted first by the rankings.
    head = models.TextField(default="", blank=True)
    # description, then "\n" + each public comment in order of writing.
    body = models.TextField(default="", blank=True)
    # "\n" + each internal comment: searched for staff only.
    internal = models.TextField(default="", blank=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"text of ticket {self.ticket_id}"

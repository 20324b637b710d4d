#
"""The text row follows the write path, and the set-based rebuild writes the same text."""

from __future__ import annotations

import pytest

from comptoir.search import index
from comptoir.search.models import TicketText
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db


def texts() -> dict[int, tuple[int, str, str, str]]:
    rows = TicketText.objects.values_list(
        "ticket_id", "organisation_id", "head", "body", "internal"
    )
    return {r[0]: r[1:] for r in rows}


def test_creation_writes_the_text(world):
    t = file_ticket(
        world.customer, title="Imprimante", description="Bourrage", personal_reference="PO-7"
    )
    row = TicketText.objects.get(ticket=t)
    assert (row.organisation_id, row.head, row.body, row.internal) == (
        t.organisation_id,
        f"{t.key}\nPO-7\nImprimante",
        "Bourrage",
        "",
    )


def test_comments_and_updates_follow(world):
    t = file_ticket(world.customer, title="Imprimante", description="Bourrage")
    actions.ticket_comment(actor=world.customer, ticket=t, body="Toujours en panne")
    actions.ticket_comment(actor=world.agent, ticket=t, body="Voir le contrat", internal=True)
    actions.ticket_comment(actor=world.agent, ticket=t, body="Technicien passé")
    actions.ticket_update(
        actor=world.agent, ticket=t, changes={"title": "Scanner", "personal_reference": "R-9"}
    )
    row = TicketText.objects.get(ticket=t)
    assert row.head == f"{t.key}\nR-9\nScanner"
    assert row.body == "Bourrage\nToujours en panne\nTechnicien passé"
    assert row.internal == "\nVoir le contrat"


def test_rebuild_equals_the_incremental_text(world):
    a = file_ticket(world.customer, title="Un", description="premier", personal_reference="X")
    b = file_ticket(world.outsider, desk="itil", title="Deux", description="second")
    file_ticket(world.customer, title="Trois", description="troisième")
    actions.ticket_comment(actor=world.customer, ticket=a, body="c1")
    actions.ticket_comment(actor=world.agent, ticket=a, body="i1", internal=True)
    actions.ticket_comment(actor=world.agent, ticket=a, body="c2")
    actions.ticket_comment(actor=world.agent, ticket=a, body="i2", internal=True)
    actions.ticket_comment(actor=world.agent, ticket=b, body="only internal", internal=True)
    incremental = texts()
    TicketText.objects.all().delete()
    assert index.rebuild(chunk=2) == 3
    assert texts() == incremental
    assert index.rebuild([a.pk]) == 1
    assert texts() == incremental
    assert index.rebuild([]) == 0

# covers: AG-1, AG-2, AG-5
"""Holding a ticket and the status that means "an agent holds it" (ENT En cours, N123 Pris
en charge) agree through take, release and escalation.

Both cases were found by the workflow state machine (workflows/tests/test_fuzz_workflow.py):
"take and release" left the holder in the initial status, and an escalation left a ticket
nobody holds in "Pris en charge".
"""

from __future__ import annotations

import pytest

from comptoir.core.errors import WorkflowError
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket

from .helpers import events, file_ticket, unchanged


def reload(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("status", "level", "assignee").get(pk=ticket.pk)


@pytest.mark.parametrize("desk", ["ent", "n123"])
def test_take_and_release_at_once_is_refused(world, desk):
    t = file_ticket(world.customer, desk)
    with unchanged(), pytest.raises(WorkflowError) as exc:
        actions.ticket_take(actor=world.agent, ticket=t, then="release")
    assert exc.value.code == "use_take_or_release"
    t = reload(t)
    assert t.assignee is None and t.status.is_initial


def test_escalating_a_taken_ticket_frees_it_at_the_next_level(world):
    t = file_ticket(world.customer, "n123")
    actions.ticket_take(actor=world.agent, ticket=t)
    assert reload(t).status.code == "pris_en_charge"

    actions.ticket_escalate(actor=world.agent, ticket=t, reason="Bug applicatif")
    t = reload(t)
    assert (t.level.code, t.assignee, t.status.code) == ("n2", None, "ouvert")
    assert [e.kind for e in events(t)][-2:] == ["escalated", "status"]

    actions.ticket_take(actor=world.agent2, ticket=t)
    t = reload(t)
    assert (t.assignee, t.status.code) == (world.agent2, "pris_en_charge")


def test_escalating_a_ticket_in_progress_keeps_its_status(world):
    t = file_ticket(world.customer, "n123")
    actions.ticket_take(actor=world.agent, ticket=t, then="start")
    actions.ticket_escalate(actor=world.agent, ticket=t)
    t = reload(t)
    assert (t.level.code, t.assignee, t.status.code) == ("n2", None, "en_cours")
    assert events(t)[-1].kind == "escalated"

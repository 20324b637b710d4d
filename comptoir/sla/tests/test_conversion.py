# covers: SLA-2, TIC-7
"""Converting a ticket between two types of one workflow (ITIL service request → change)
keeps its status: the clock must not count the conversion as the first response.

Found by the workflow state machine (workflows/tests/test_fuzz_workflow.py): the columns
the conversion stored said the first response was still due, while the clock read from
the timeline afterwards (`sla_watch`, the next recompute) said it had been given.
"""

from __future__ import annotations

from comptoir.conftest import paris
from comptoir.sla.services import evaluate
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket
from comptoir.tickets.tests.helpers import file_ticket


def reload(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("status", "type", "desk").get(pk=ticket.pk)


def test_a_conversion_that_keeps_the_status_is_no_first_response(world, clock):
    clock(2026, 11, 23, 10)  # Monday; "normale": 16 business hours to the first response
    t = file_ticket(world.customer, "itil", type="service_request", cat="impression")
    due = reload(t).sla_first_response_due
    assert due == paris(2026, 11, 25, 10)

    clock(2026, 11, 23, 11)
    actions.ticket_convert(actor=world.agent, ticket=t, reason="Changement non standard")
    t = reload(t)
    assert (t.type.code, t.status.code) == ("change", "new")
    assert t.sla_first_response_due == due

    clock(2026, 11, 24, 15)
    assert evaluate(t).first_response_due == due
    assert actions.sla_check(ticket=t) == []
    assert reload(t).sla_first_response_due == due

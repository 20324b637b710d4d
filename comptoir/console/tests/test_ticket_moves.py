# covers: WF-2, AG-1, AG-8
"""Workflow moves from the ticket page: each move that requires data (WF-2) refused without
it, the error next to its field, and applied with it; a move on a ticket changed since the
page was shown is refused (AG-8: no lost update)."""

from __future__ import annotations

import pytest

from comptoir.tickets import actions
from comptoir.tickets.models import Ticket
from comptoir.tickets.tests.helpers import file_ticket, unchanged

from .conftest import error_next_to, fresh, move_url, ticket_url


def _itil_in(world, status: str) -> Ticket:
    t = file_ticket(world.customer, "itil")
    actions.ticket_take(actor=world.agent, ticket=t)  # → classification
    if status in ("in_progress",):
        actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    return fresh(t)


def _n123_change_in_progress(world) -> Ticket:
    t = file_ticket(world.customer, "n123", type="evolution", cat="applicatif")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    return fresh(t)


def _ent_taken(world) -> Ticket:
    t = file_ticket(world.customer, "ent")
    actions.ticket_take(actor=world.agent, ticket=t)
    return fresh(t)


REQUIRING = [
    # (make ticket, transition, field, good value, status after)
    (_ent_taken, "postpone", "reason", "Attente de pièce", "reporte"),
    (_ent_taken, "request_info", "comment", "Quel bureau ?", "attente_info"),
    (lambda w: _itil_in(w, "classification"), "wait", "waiting_reason", "third_party", "waiting"),
    (lambda w: _itil_in(w, "classification"), "plan", "appointment", "2030-05-04T10:30", "planned"),
    (lambda w: _itil_in(w, "in_progress"), "solve", "solution", "Câble remplacé", "solved"),
    (lambda w: _itil_in(w, "classification"), "reject", "reason", "Hors périmètre", "rejected"),
    (_n123_change_in_progress, "submit_quote", "quote_amount", "1250,50", "attente_chiffrage"),
]


@pytest.mark.parametrize(
    ("make", "code", "field", "value", "after"),
    REQUIRING,
    ids=[r[1] + "-" + r[2] for r in REQUIRING],
)
def test_a_move_requiring_data(world, login, make, code, field, value, after):
    t = make(world)
    c = login(world.agent)
    prefix = f"move-{code}"
    assert move_url(t, code) in c.get(ticket_url(t)).content.decode()  # offered as a button
    with unchanged():
        r = c.post(move_url(t, code), {f"{prefix}-{field}": ""})
    assert r.status_code == 400
    assert error_next_to(r, f"id_{prefix}-{field}")
    r = c.post(move_url(t, code), {f"{prefix}-{field}": value})
    assert r.status_code == 302, r.content.decode()[:500]
    assert fresh(t).status.code == after


def test_a_malformed_value_is_refused_next_to_its_field(world, login):
    t = _itil_in(world, "classification")
    with unchanged():
        r = login(world.agent).post(move_url(t, "plan"), {"move-plan-appointment": "demain"})
    assert r.status_code == 400
    assert error_next_to(r, "id_move-plan-appointment")


def test_a_move_no_longer_possible_says_so(world, login):
    t = file_ticket(world.customer, "itil")
    c = login(world.agent)
    with unchanged():
        r = c.post(move_url(t, "solve"), {"move-solve-solution": "x"})
    assert r.status_code == 302
    assert r["Location"] == ticket_url(t)


def test_a_move_on_a_ticket_changed_since_the_page_loaded_is_refused(world, login):
    # AG-8, no lost update: the page showed version v; the customer answered meanwhile.
    t = _ent_taken(world)
    shown = fresh(t).version
    actions.ticket_comment(actor=world.customer, ticket=t, body="J'ai redémarré, ça marche")
    c = login(world.agent)
    data = {"version": str(shown), "move-postpone-reason": "Attente pièce"}
    with unchanged():
        r = c.post(move_url(t, "postpone"), data)
    assert r.status_code == 400
    html = r.content.decode()
    assert 'class="msg error"' in html and "ça marche" in html  # the news is on the page
    assert "Attente pièce" in html  # what was typed is kept
    data["version"] = str(fresh(t).version)
    assert c.post(move_url(t, "postpone"), data).status_code == 302
    assert fresh(t).status.code == "reporte"

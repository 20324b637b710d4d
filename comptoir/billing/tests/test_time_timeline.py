# covers: BIL-1, TIC-8
"""Time events on the timeline: a readable sentence for staff, in English and French;
never shown to the customer (internal events)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from comptoir.billing import actions as time
from comptoir.billing.tests.conftest import issue
from comptoir.tickets.models import Event
from comptoir.tickets.selectors import timeline
from comptoir.web.templatetags.comptoir import event_sentence

pytestmark = pytest.mark.django_db


def sentences(ticket, language: str = "en") -> list[str]:
    events = Event.objects.filter(ticket=ticket, kind__startswith="time_").order_by("pk")
    with translation.override(language):
        return [event_sentence(e) for e in events]


def test_time_events_read_as_sentences(world, n123, clock):
    clock(2026, 1, 20, 10)
    mine = time.time_log(actor=world.agent, ticket=n123, minutes=90, worked_on=date(2026, 1, 20))
    theirs = time.time_log(
        actor=world.manager,
        ticket=n123,
        minutes=45,
        worked_on=date(2026, 1, 19),
        consultant=world.agent2,
        billable=False,
    )
    time.time_correct(actor=world.agent, entry=mine, minutes=60, note="Moins")
    time.time_delete(actor=world.manager, entry=theirs)
    clock(2026, 2, 2, 9)
    issue(world.org_a, date(2026, 1, 1), world.admin)
    time.time_correct(actor=world.manager, entry=mine, minutes=75)
    time.time_delete(actor=world.agent, entry=mine)
    assert sentences(n123) == [
        "logged 1 h 30 of work on 01/20/2026",
        "logged 45 min of work by gisele on 01/19/2026 (not billable)",
        "corrected their time of 01/20/2026: 1 h 30 → 1 h, note changed",
        "deleted 45 min of the time of gisele on 01/19/2026",
        "corrected the time of gaston on 01/20/2026: 1 h → 1 h 15"
        " (already billed: 15 min counted in February 2026)",
        "deleted 1 h 15 of their time on 01/20/2026"
        " (already billed: -1 h 15 counted in February 2026)",
    ]
    french = sentences(n123, "fr")
    assert all("01/20/2026" not in s for s in french)  # dates in the reader's format
    assert "20/01/2026" in french[0]


def test_the_customer_never_sees_time_events(world, n123, clock, login):
    clock(2026, 1, 20, 10)
    time.time_log(
        actor=world.agent, ticket=n123, minutes=90, worked_on=date(2026, 1, 20), note="Secret"
    )
    assert [e.kind for e in timeline(actor=world.customer, ticket=n123)] == ["created"]
    assert "time_logged" in [e.kind for e in timeline(actor=world.agent, ticket=n123)]
    page = login(world.customer).get(reverse("portal:ticket", kwargs={"key": n123.key}))
    assert page.status_code == 200, page.status_code
    assert b"Secret" not in page.content and b"1 h 30" not in page.content
    staff = login(world.agent).get(reverse("console:ticket", kwargs={"key": n123.key}))
    assert b"Secret" in staff.content and b"1 h 30" in staff.content

#
"""The agent's own dashboard: the console's queue counts, the tickets near an SLA breach
among mine and my services' free ones, and what others did on the tickets I hold or
follow."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.urls import reverse
from django.utils import timezone

from comptoir.console import selectors as queues
from comptoir.tickets.models import Guest, Ticket
from comptoir.workflows.models import State

ME = reverse("reports:me")


def test_queue_counts_are_the_console_s(world, people, data, login):
    response = login(world.agent).get(ME)
    assert response.status_code == 200
    counts = queues.queue_counts(world.agent)
    rows = {q.code: q.count for q in response.context["queues"]}
    assert rows == counts
    held = Counter(
        t.status_id
        for t in Ticket.objects.filter(assignee=world.agent)
        if t.state in (State.OPEN, State.RESOLVED)
    )
    assert {r.key: r.count for r in response.context["held"]} == held
    assert sum(held.values()) > 0
    html = response.content.decode()
    for code, count in counts.items():
        assert f'href="/console/?queue={code}"><span class="n">{count}</span>' in html
    assert 'href="/console/reports/"' not in html  # manages nothing: no manager link
    assert 'href="/console/reports/"' in login(world.manager).get(ME).content.decode()


def test_near_breach_lists_my_work_due_soon_overdue_first(world, people, factory, login):
    now = timezone.now()
    h = dt.timedelta(hours=1)
    created = now - 30 * h
    dsi, sg = 1, 2  # factory places: ENT/DSI (the agent's service), ENT/Services généraux
    soon = factory.ticket(place=dsi, created=created, sla_first_response_due=now + h)
    overdue = factory.ticket(
        place=dsi, created=created, assignee=world.agent, sla_resolution_due=now - 2 * h
    )
    later = factory.ticket(place=dsi, created=created, sla_resolution_due=now + 10 * h)
    factory.ticket(place=dsi, created=created, sla_paused=True)  # paused: no deadline
    factory.ticket(place=sg, created=created, sla_resolution_due=now + h)  # not my service
    theirs = factory.ticket(  # held by someone else
        place=dsi, created=created, assignee=world.agent2, sla_resolution_due=now + h
    )
    factory.ticket(  # closed
        place=dsi, created=created, state=State.CLOSED, sla_resolution_due=now - h
    )
    c = login(world.agent)
    assert [t.key for t in c.get(ME).context["near"]] == [overdue.key, soon.key]
    assert [t.key for t in c.get(f"{ME}?hours=24").context["near"]] == [
        overdue.key,
        soon.key,
        later.key,
    ]
    html = c.get(ME).content.decode()
    assert overdue.key in html and later.key not in html
    # An hour count not offered falls back to the default.
    assert len(c.get(f"{ME}?hours=999").context["near"]) == 2
    for odd in ("%C2%B2", "9" * 5000, "-1", "4.0"):
        response = c.get(f"{ME}?hours={odd}")
        assert response.status_code == 200
        assert response.context["hours"] == 4
    # The other agent of the service sees the free one and theirs, not the one I hold.
    near = login(world.agent2).get(ME).context["near"]
    assert [t.key for t in near] == [soon.key, theirs.key]


def test_recent_activity_is_others_on_what_i_hold_or_follow(world, people, factory, login):
    now = timezone.now()
    held = factory.ticket(place=1, created=now, assignee=world.agent)
    followed = factory.ticket(place=3, created=now)
    other = factory.ticket(place=1, created=now)
    Guest.objects.create(
        ticket=followed, organisation_id=followed.organisation_id, user=world.agent
    )
    minutes = dt.timedelta(minutes=1)
    by_customer = factory.event(held, world.customer, "comment", now + minutes)
    by_colleague = factory.event(followed, world.agent2, "status", now + 2 * minutes)
    factory.event(held, world.agent, "comment", now + 3 * minutes)  # my own
    factory.event(other, world.agent2, "comment", now + 4 * minutes)  # not mine
    activity = login(world.agent).get(ME).context["activity"]
    assert [e.pk for e in activity] == [by_colleague.pk, by_customer.pk]


def test_customers_get_no_agent_dashboard(world, login):
    assert login(world.customer).get(ME).status_code == 404
    assert login(world.customer_manager).get(ME).status_code == 404

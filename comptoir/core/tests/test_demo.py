"""`comptoir demo`: idempotent, every preset status populated, timelines written by the
actions, and the administrator can sign in."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from comptoir.accounts.models import User
from comptoir.tickets.models import Event, Ticket
from comptoir.workflows.models import Status
from comptoir.workflows.presets import PRESET_NAMES

pytestmark = pytest.mark.django_db


def run_demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture
def demo_tickets() -> list[Ticket]:
    before = set(Ticket.objects.values_list("pk", flat=True))
    run_demo()
    return list(Ticket.objects.exclude(pk__in=before).select_related("status"))


def test_second_run_changes_nothing():
    first = run_demo()
    counts = row_counts()
    second = run_demo()
    assert "demo built" in first
    assert "demo data already present" in second
    assert row_counts() == counts
    for login in ("admin", "amandine", "claire", "helene", "dominique"):
        assert f"| {login} " in second


def test_every_status_of_every_preset_workflow_has_a_demo_ticket(demo_tickets):
    populated = {t.status_id for t in demo_tickets}
    statuses = Status.objects.filter(workflow__desk__slug__in=PRESET_NAMES).select_related(
        "workflow__desk"
    )
    assert statuses.count() >= 47  # spt 7, ent 7, itil 9 + 10, n123 6 + 8
    empty = [
        f"{s.workflow.desk.slug}/{s.workflow.code}/{s.code}"
        for s in statuses
        if s.pk not in populated
    ]
    assert empty == []


def test_demo_timelines_were_written_by_the_actions(demo_tickets):
    """Each ticket has its "created" event, and its last status change (or conversion)
    lands on the status it is in: the status was never set behind the actions' back."""
    assert demo_tickets
    for ticket in demo_tickets:
        events = list(Event.objects.filter(ticket=ticket).order_by("id"))
        assert [e.kind for e in events].count("created") == 1, ticket.key
        assert events[0].kind == "created", ticket.key
        moves = [e for e in events if e.kind in {"status", "converted"}]
        if not moves:
            assert ticket.status.is_initial, ticket.key
            continue
        last = moves[-1].data
        landed = last["new"] if moves[-1].kind == "status" else last["new_status"]
        assert landed["id"] == ticket.status_id, ticket.key
    internal = Event.objects.filter(ticket__in=demo_tickets, kind="comment", internal=True)
    assert internal.exists()
    assert {"fr", "en"} <= set(User.objects.values_list("language", flat=True))


def test_admin_signs_in_to_the_admin_site(client):
    run_demo()
    assert client.login(username="admin", password="admin")
    assert client.get("/admin/").status_code == 200

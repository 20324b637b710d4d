# covers: webhooks (issue 6)
"""Which webhooks get which events: by desk and by kind, active ones only; another desk's
events never reach a webhook; internal events are sent marked internal; the delivery task
is enqueued once per committed transaction."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket
from comptoir.webhooks import outbox
from comptoir.webhooks.models import Webhook, WebhookDelivery
from comptoir.webhooks.tasks import deliver_webhooks


def kinds(h: Webhook) -> list[str]:
    return list(h.deliveries.order_by("pk").values_list("kind", flat=True))


def test_events_filtered_by_kind_and_by_desk(world, receiver):
    every = Webhook.objects.create(desk=world.desks["spt"], url=receiver.url + "/all")
    comments = Webhook.objects.create(
        desk=world.desks["spt"], url=receiver.url + "/comments", events=["comment"]
    )
    off = Webhook.objects.create(desk=world.desks["spt"], url=receiver.url, is_active=False)
    elsewhere = Webhook.objects.create(desk=world.desks["ent"], url=receiver.url + "/ent")

    ticket = file_ticket(world.customer)
    actions.ticket_comment(actor=world.customer, ticket=ticket, body="Encore là")
    assert kinds(every) == ["created", "comment"]
    assert kinds(comments) == ["comment"]
    assert kinds(off) == [] and kinds(elsewhere) == []

    file_ticket(world.outsider, "ent")
    assert kinds(elsewhere) == ["created"]
    assert kinds(every) == ["created", "comment"]  # another desk's event never reaches it

    deliver_webhooks.call()
    paths = sorted(r.path for r in receiver.received)
    assert paths == ["/hook/all", "/hook/all", "/hook/comments", "/hook/ent"]
    ent = next(r for r in receiver.received if r.path == "/hook/ent")
    assert json.loads(ent.body)["organisation"] == world.org_b.pk


def test_internal_events_are_sent_marked_internal(world, receiver):
    Webhook.objects.create(desk=world.desks["spt"], url=receiver.url, events=["comment"])
    ticket = file_ticket(world.customer)
    actions.ticket_comment(actor=world.agent, ticket=ticket, body="Note interne", internal=True)
    actions.ticket_comment(actor=world.agent, ticket=ticket, body="Réponse publique")
    deliver_webhooks.call()
    payloads = sorted((json.loads(r.body) for r in receiver.received), key=lambda p: p["id"])
    assert [(p["internal"], p["comment"]["body"]) for p in payloads] == [
        (True, "Note interne"),
        (False, "Réponse publique"),
    ]
    assert payloads[0]["comment"]["internal"] is True


def test_one_query_per_event_when_no_webhook_wants_it(world):
    Webhook.objects.create(desk=world.desks["spt"], url="http://127.0.0.1:9/", events=["status"])
    ticket = file_ticket(world.customer)
    ev = ticket.events.get()
    with CaptureQueriesContext(connection) as ctx:
        assert outbox.on_event(ev) == []
    assert len(ctx.captured_queries) == 1


def test_delivery_task_enqueued_once_on_commit(world, django_capture_on_commit_callbacks):
    Webhook.objects.create(desk=world.desks["spt"], url="http://127.0.0.1:9/a")
    Webhook.objects.create(desk=world.desks["spt"], url="http://127.0.0.1:9/b")
    with django_capture_on_commit_callbacks() as callbacks:
        file_ticket(world.customer)
    mine = [c for c in callbacks if c is outbox._deliver_soon]
    assert len(mine) == 1 and WebhookDelivery.objects.count() == 2


@pytest.mark.parametrize(
    "url",
    ["ftp://example.test/hook", "file:///etc/passwd", "javascript:alert(1)", "not a url"],
)
def test_only_http_and_https_urls_are_accepted(world, url):
    h = Webhook(desk=world.desks["spt"], url=url)
    with pytest.raises(ValidationError) as err:
        h.full_clean()
    assert "url" in err.value.message_dict


def test_unknown_event_kinds_are_refused(world):
    h = Webhook(desk=world.desks["spt"], url="https://example.test/", events=["created", "boom"])
    with pytest.raises(ValidationError) as err:
        h.full_clean()
    assert "boom" in str(err.value.message_dict["events"])
    ok = Webhook(desk=world.desks["spt"], url="https://example.test/", events=["created"])
    ok.full_clean()
    assert len(ok.secret) >= 40 and ok.secret != Webhook(desk=ok.desk).secret


def test_an_unsupported_url_saved_anyway_is_never_opened(world, receiver):
    Webhook.objects.create(desk=world.desks["spt"], url="file:///etc/passwd")
    file_ticket(world.customer)
    assert deliver_webhooks.call()["retry"] == 1
    assert "unsupported URL" in WebhookDelivery.objects.get().last_error

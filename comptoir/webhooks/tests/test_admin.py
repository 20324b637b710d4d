# covers: webhooks (issue 6)
"""Webhooks in the admin: administrators register them (the secret is generated and shown
to them), read the delivery log and send a failed delivery again; agents are refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from comptoir.accounts.models import User
from comptoir.tickets.tests.helpers import file_ticket
from comptoir.webhooks.models import Webhook, WebhookDelivery


@pytest.fixture
def staff(world):
    User.objects.filter(pk__in=[world.admin.pk, world.agent.pk]).update(is_staff=True)
    return world


def test_administrator_registers_a_webhook_and_reads_its_secret(staff, client):
    client.force_login(staff.admin)
    add = reverse("admin:webhooks_webhook_add")
    assert client.get(add).status_code == 200
    form = {
        "desk": staff.desks["itil"].pk,
        "url": "https://hooks.example.test/comptoir",
        "description": "Supervision",
        "events": ["created", "status"],
        "is_active": "on",
    }
    resp = client.post(add, form)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    h = Webhook.objects.get()
    assert (h.desk.slug, h.events, h.is_active) == ("itil", ["created", "status"], True)
    assert len(h.secret) >= 40
    page = client.get(reverse("admin:webhooks_webhook_change", args=[h.pk])).content.decode()
    assert h.secret in page
    assert client.get(reverse("admin:webhooks_webhook_changelist")).status_code == 200

    bad = client.post(add, {**form, "url": "ftp://hooks.example.test/"})
    assert bad.status_code == 200 and Webhook.objects.count() == 1

    old = h.secret
    client.post(
        reverse("admin:webhooks_webhook_changelist"),
        {"action": "renew_secret", "_selected_action": [h.pk]},
    )
    h.refresh_from_db()
    assert h.secret != old and len(h.secret) >= 40


def test_administrator_reads_the_log_and_sends_a_failed_delivery_again(staff, client):
    Webhook.objects.create(desk=staff.desks["spt"], url="http://127.0.0.1:9/")
    file_ticket(staff.customer)
    row = WebhookDelivery.objects.get()
    WebhookDelivery.objects.update(
        state="failed", attempts=24, last_status_code=500, last_error="HTTP 500 boom"
    )
    client.force_login(staff.admin)
    log = client.get(reverse("admin:webhooks_webhookdelivery_changelist"))
    assert log.status_code == 200 and "created" in log.content.decode()
    detail = client.get(reverse("admin:webhooks_webhookdelivery_change", args=[row.pk]))
    assert detail.status_code == 200 and "HTTP 500 boom" in detail.content.decode()
    resp = client.post(
        reverse("admin:webhooks_webhookdelivery_changelist"),
        {"action": "send_again", "_selected_action": [row.pk]},
        follow=True,
    )
    assert resp.status_code == 200
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 0)


def test_agents_are_refused(staff, client):
    h = Webhook.objects.create(desk=staff.desks["spt"], url="https://example.test/")
    file_ticket(staff.customer)
    client.force_login(staff.agent)
    for url in (
        reverse("admin:webhooks_webhook_changelist"),
        reverse("admin:webhooks_webhook_add"),
        reverse("admin:webhooks_webhook_change", args=[h.pk]),
        reverse("admin:webhooks_webhookdelivery_changelist"),
    ):
        assert client.get(url).status_code == 403, url
    resp = client.post(
        reverse("admin:webhooks_webhookdelivery_changelist"),
        {"action": "send_again", "_selected_action": [WebhookDelivery.objects.get().pk]},
    )
    assert resp.status_code == 403
    assert h.secret not in client.get(reverse("admin:index")).content.decode()

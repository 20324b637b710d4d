# covers: MAIL-3, TEN-2
"""The quarantine in the admin: administrators only, raw download, re-ingest action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from comptoir.accounts.models import User
from comptoir.mailin.ingest import ingest
from comptoir.mailin.models import InboundMessage
from comptoir.mailin.tests.helpers import DOMAIN, mail, mail_setup


@pytest.fixture
def m(world, settings):
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    User.objects.filter(pk=world.admin.pk).update(is_staff=True)
    User.objects.filter(pk=world.agent.pk).update(is_staff=True)
    return mail_setup(world)


def test_administrator_lists_downloads_and_reingests_a_quarantined_message(m, client):
    out = ingest(mail(to="nobody@comptoir.test", subject="Perdu"))
    assert out.result == "quarantined"
    client.force_login(m.world.admin)
    page = client.get(reverse("admin:mailin_inboundmessage_changelist") + "?result=quarantined")
    assert page.status_code == 200 and "Perdu" in page.content.decode()
    raw = client.get(reverse("admin:mailin_inboundmessage_raw", args=[out.message.pk]))
    assert raw.status_code == 200 and b"Subject: Perdu" in b"".join(raw.streaming_content)
    m.boxes.support.address = "nobody@comptoir.test"
    m.boxes.support.save()
    changelist = reverse("admin:mailin_inboundmessage_changelist")
    resp = client.post(
        changelist,
        {"action": "reingest_selected", "_selected_action": [out.message.pk]},
        follow=True,
    )
    assert resp.status_code == 200
    again = InboundMessage.objects.get(reingested_from=out.message)
    assert again.result == "created" and again.ticket.title == "Perdu"


def test_agents_cannot_read_raw_mail(m, client):
    out = ingest(mail(to="nobody@comptoir.test"))
    client.force_login(m.world.agent)
    raw = client.get(reverse("admin:mailin_inboundmessage_raw", args=[out.message.pk]))
    assert raw.status_code == 403
    page = client.get(reverse("admin:mailin_inboundmessage_changelist"))
    assert page.status_code == 403
    assert InboundMessage.objects.filter(reingested_from__isnull=False).count() == 0

#
"""The daily pruning runs every app's retention rule after the queue's own tables and
returns every count; a failing rule does not stop the others; the retention ages are read
from the environment by the settings, and a wrong one stops the start."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from comptoir import settings as comptoir_settings
from comptoir.api.actions import token_create, token_revoke
from comptoir.jobs import upkeep
from comptoir.jobs.upkeep import prune_old_rows
from comptoir.mailin.ingest import ingest
from comptoir.mailin.models import InboundMessage
from comptoir.mailin.tests.helpers import DOMAIN, mail, mail_setup
from comptoir.notifications.models import Outbox
from comptoir.tickets.models import Event
from comptoir.tickets.tests.helpers import file_ticket
from comptoir.webhooks.models import Webhook, WebhookDelivery

DAY = timedelta(days=1)
APPS = {"outbox", "inbound_messages", "webhook_deliveries", "api_tokens"}
QUEUE = {"task_results", "scheduled_runs", "worker_beats"}


def one_old_row_of_each(world, settings) -> None:
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    mail_setup(world)
    Webhook.objects.create(desk=world.desks["spt"], url="http://127.0.0.1:9/hook")
    long_ago = timezone.now() - 1000 * DAY
    with time_machine.travel(long_ago, tick=False):
        file_ticket(world.customer)  # one webhook delivery, outbox rows
        ingest(mail(subject="Ancien"))
        token, _ = token_create(actor=world.agent, name="old")
        token_revoke(actor=world.agent, token_id=token.pk)
    Outbox.objects.update(state="sent", created_at=long_ago)
    WebhookDelivery.objects.update(state="sent", created_at=long_ago)
    # One of each table only, so the counts below are exact.
    first = Outbox.objects.order_by("pk").first()
    Outbox.objects.exclude(pk=first.pk).delete()
    first = WebhookDelivery.objects.order_by("pk").first()
    WebhookDelivery.objects.exclude(pk=first.pk).delete()
    assert InboundMessage.objects.count() == 1


def test_the_daily_job_returns_every_count(world, settings, django_capture_on_commit_callbacks):
    one_old_row_of_each(world, settings)
    events = Event.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        counts = prune_old_rows.call()
    assert set(counts) == QUEUE | APPS  # every rule's keys, none hiding another's
    assert {k: counts[k] for k in APPS} == dict.fromkeys(APPS, 1)
    assert Event.objects.count() == events  # the timeline is never pruned
    again = prune_old_rows.call()
    assert {k: again[k] for k in APPS} == dict.fromkeys(APPS, 0)


def broken(now: datetime) -> dict[str, int]:
    raise OSError("the storage is down")


def test_a_failing_rule_does_not_stop_the_others(world, settings, monkeypatch, caplog):
    one_old_row_of_each(world, settings)
    rules = list(upkeep.RETENTION)
    monkeypatch.setattr(upkeep, "RETENTION", (f"{__name__}.broken", *rules))
    with pytest.raises(OSError, match="storage is down"):
        upkeep.prune(timezone.now())
    assert f"{__name__}.broken" in caplog.text
    assert not Outbox.objects.exists() and not WebhookDelivery.objects.exists()
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("value", "days"), [("", 90.0), ("30", 30.0), (" 0.5 ", 0.5), ("365", 365.0)]
)
def test_retention_ages_come_from_the_environment(monkeypatch, value, days):
    monkeypatch.setenv("COMPTOIR_RETAIN_OUTBOX_DAYS", value)
    assert comptoir_settings.envdays("COMPTOIR_RETAIN_OUTBOX_DAYS", 90) == days


@pytest.mark.parametrize("value", ["0", "-1", "ninety", "nan", "inf"])
def test_a_wrong_retention_age_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("COMPTOIR_RETAIN_INBOUND_DAYS", value)
    with pytest.raises(ImproperlyConfigured, match="COMPTOIR_RETAIN_INBOUND_DAYS"):
        comptoir_settings.envdays("COMPTOIR_RETAIN_INBOUND_DAYS", 180)

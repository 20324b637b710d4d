# covers: SLA-2, TIC-8
"""How the warning and breach events read in the timeline: agents see them, customers
never, on the pages as in the selectors."""

from __future__ import annotations

from django.utils import translation

from comptoir.tickets.tests.helpers import events
from comptoir.web.templatetags.comptoir import event_sentence

from .conftest import watch


def alerted(friday_ticket, clock):
    t = friday_ticket()
    clock(2026, 11, 30, 10, 12)
    watch()
    clock(2026, 11, 30, 11)
    watch()
    return t


def test_sentences_say_which_target_and_when(settings, friday_ticket, clock):
    settings.TIME_ZONE = "Europe/Paris"
    t = alerted(friday_ticket, clock)
    warning, breach = events(t, "sla_warning")[0], events(t, "sla_breached")[0]
    with translation.override("en"):
        assert event_sentence(warning) == (
            "warned that 80 % of the first response time has elapsed (due 11/30/2026 11 a.m.)"
        )
        assert event_sentence(breach) == (
            "recorded an SLA breach: the first response was due 11/30/2026 11 a.m."
        )


def test_a_damaged_event_still_reads(world, friday_ticket, clock):
    t = alerted(friday_ticket, clock)
    warning = events(t, "sla_warning")[0]
    warning.data = {"target": "teatime", "due": "not a date"}
    with translation.override("en"):
        assert event_sentence(warning) == (
            "warned that ? % of the teatime time has elapsed (due not a date)"
        )


def test_the_agent_page_shows_them_the_customer_page_does_not(world, client, friday_ticket, clock):
    t = alerted(friday_ticket, clock)
    client.force_login(world.agent)
    page = client.get(f"/console/t/{t.key}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "recorded an SLA breach" in page or "dépassement" in page
    client.force_login(world.customer)
    page = client.get(f"/portal/tickets/{t.key}/").content.decode()
    assert t.key in page
    for word in ("SLA", "sla_", "80 %", "warned", "breach", "dépassement"):
        assert word not in page, word

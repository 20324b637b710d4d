# covers: WF-6, NOT-4, X-1
"""The mail telling the customer a quote awaits them says its amount, its estimated effort
and until when it holds, in each recipient's language; without an effort it says none."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from comptoir.billing.tests.quote_helpers import submit
from comptoir.notifications.delivery import deliver_due
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db


def analysed_for(world, person):
    """An application change `person` files, taken and under analysis."""
    t = file_ticket(person, "n123", type="evolution", cat="applicatif")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    return t


def quote_mails(t) -> dict[str, str]:
    """The plain text of each person's mail about the quote, by address."""
    mail.outbox.clear()
    deliver_due()
    return {
        m.to[0]: m.body for m in mail.outbox if f"[{t.key}]" in m.subject and "1200.00" in m.body
    }


def said(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def test_the_customers_mail_says_effort_and_validity_in_their_language(world):
    day = date(2026, 4, 30)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 3, 2, 9)), tick=False):
        for person, address, language, hours in (
            (world.customer, "alice@example.test", "fr", "7,5 h"),
            (world.colleague, "albert@example.test", "en", "7.5 h"),
        ):
            t = analysed_for(world, person)
            details = {"quote_effort_hours": "7,5", "quote_valid_until": day.isoformat()}
            submit(world, t, "1200.00", **details)
            body = quote_mails(t)[address]
            with translation.override(language):
                assert f"{gettext('Quote amount:')} 1200.00" in body
                assert f"{gettext('Estimated effort:')} {hours}" in body
                assert f"{gettext('Valid until:')} {date_format(day, 'DATE_FORMAT')}" in body
            assert ("30 avril 2026" if language == "fr" else "April 30, 2026") in body


def test_without_an_effort_the_mail_says_only_the_amount_and_the_default_validity(world):
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 3, 2, 9)), tick=False):
        t = analysed_for(world, world.colleague)
        submit(world, t, "1200.00")
        body = quote_mails(t)["albert@example.test"]
    assert said("en", "Estimated effort:") not in body
    assert f"{said('en', 'Valid until:')} April 1, 2026" in body  # 30 days on

# covers: WF-6, POR-5, BIL-2
"""Quotes in the pages: seed 004's change walked end to end through the console's and the
portal's own views (the submit form with its optional quote fields, the portal's quote
card with its accept and refuse buttons), an expired quote, the panels' query counts,
field errors shown next to their field, and nobody outside the ticket seeing or acting on
its quotes."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from comptoir.billing.models import QuoteStatus
from comptoir.billing.tests.quote_helpers import (
    analysed,
    change,
    client_for,
    console_url,
    portal_url,
    quoted,
    quotes_of,
    reload,
    submit,
    unchanged,
)
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page as text: entities decoded, French non-breaking spaces plain."""
    body = html.unescape(response.content.decode())
    return body.replace("\xa0", " ").replace("\u202f", " ")


def fr(message: str) -> str:
    with translation.override("fr"):
        return gettext(message).replace("\xa0", " ").replace("\u202f", " ")


def quote_card(response) -> str:
    """The portal's card of the quote awaiting a decision."""
    found = re.search(r'<article class="answer quote-pending".*?</article>', text(response), re.S)
    return found[0] if found else ""


def console_move(client, t, code: str, **fields: str):
    data = {"version": str(reload(t).version)}
    data.update({f"move-{code}-{name}": value for name, value in fields.items()})
    return client.post(console_url(t, "move", code=code), data)


# --- seed 004, end to end --------------------------------------------------------------------


def test_seed_004_change_billed_on_its_accepted_quote(world):
    t = change(world)
    agent, alice = client_for(world.agent), client_for(world.customer)
    assert reload(t).status.name_fr == "Ouvert"
    assert alice.get(portal_url(t)).status_code == 200 and not quote_card(alice.get(portal_url(t)))

    assert agent.post(console_url(t, "action", action="take"), {}).status_code == 302
    assert reload(t).status.name_fr == "Pris en charge"
    assert console_move(agent, t, "start").status_code == 302
    assert reload(t).status.name_fr == "En cours"

    # the submit form asks the amount and offers effort, validity and description
    page = agent.get(console_url(t)).content.decode()
    for name in ("quote_amount", "quote_effort_hours", "quote_valid_until", "quote_description"):
        assert f'name="move-submit_quote-{name}"' in page
    assert 'type="date" name="move-submit_quote-quote_valid_until"' in page
    response = console_move(
        agent, t, "submit_quote", quote_amount="1200.00", quote_effort_hours="8"
    )
    assert response.status_code == 302
    t = reload(t)
    assert t.status.name_fr == "En attente validation chiffrage"
    assert quotes_of(t) == [(1, "1200.00", "submitted")]

    # the customer reads the quote first thing, with its two answers
    card = quote_card(alice.get(portal_url(t)))
    assert "1200,00 EUR" in card and "8 h" in card
    valid = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert f'<time datetime="{valid}">' in card
    assert "Valider le chiffrage" in card and "Refuser le chiffrage" in card
    assert alice.post(portal_url(t, "move", code="accept_quote"), {}).status_code == 302
    assert reload(t).status.name_fr == "En cours de réalisation"

    assert console_move(agent, t, "answer", solution="Export FEC livré.").status_code == 302
    assert reload(t).status.name_fr == "Réponse envoyée"
    assert alice.post(portal_url(t, "confirm"), {"confirm-accepted": "yes"}).status_code == 302
    assert console_move(agent, t, "close").status_code == 302
    t = reload(t)
    assert (t.status.name_fr, t.state) == ("Fermé", "closed")

    q = t.quotes.get()
    assert (q.number, q.status, q.decided_by) == (1, QuoteStatus.ACCEPTED, world.customer)
    assert q.period == timezone.localdate().replace(day=1)  # billed this month
    # what the agents read afterwards: the accepted quote, who decided and when
    panel = text(agent.get(console_url(t)))
    assert fr("Accepted") in panel and "1200,00 EUR" in panel
    assert str(world.customer) in panel


# --- the portal's quote card -----------------------------------------------------------------


def test_a_refused_quote_is_listed_under_the_new_estimate(world):
    t = quoted(world, "2400", quote_description="Périmètre complet")
    alice = client_for(world.customer)
    response = alice.post(portal_url(t, "move", code="refuse_quote"), {})  # no comment
    assert response.status_code == 400
    assert 'id="id_move-refuse_quote-comment_error"' in text(response)
    assert quote_card(response), "the refused answer comes back on the quote card"
    alice.post(portal_url(t, "move", code="refuse_quote"), {"move-refuse_quote-comment": "Cher"})
    t = reload(t)
    assert t.status.name_fr == "En cours"
    t = submit(world, t, "1800", quote_effort_hours="12,5")
    page = alice.get(portal_url(t))
    card = quote_card(page)
    assert "1800,00 EUR" in card and "12,5 h" in card and "2400" not in card
    earlier = text(page).split('class="quotes-earlier"')[1]
    assert "2400,00 EUR" in earlier and "Cher" in earlier and fr("Refused") in earlier
    assert quotes_of(t) == [(1, "2400.00", "refused"), (2, "1800.00", "submitted")]


def test_an_expired_quote_says_so_and_offers_no_accept(world):
    t = quoted(world, quote_valid_until=timezone.localdate().isoformat())
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        alice = client_for(world.customer)  # signed in now: sessions end when idle (POR-6)
        card = quote_card(alice.get(portal_url(t)))
        assert "quote-expired" in card
        assert "Valider le chiffrage" not in card and "Refuser le chiffrage" in card
        assert "/move/accept_quote/" not in text(alice.get(portal_url(t)))
        with unchanged():
            response = alice.post(portal_url(t, "move", code="accept_quote"), {})
        assert response.status_code == 400 and "quote-expired" in quote_card(response)
    assert quotes_of(t) == [(1, "1200.00", "submitted")]


def test_the_customer_manager_reads_the_quote_but_the_requester_decides(world):
    t = quoted(world)
    card = quote_card(client_for(world.customer_manager).get(portal_url(t)))
    assert "1200,00 EUR" in card and "/move/" not in card


# --- the console's panel ---------------------------------------------------------------------


def test_console_panel_only_where_quotes_bill(world):
    agent = client_for(world.agent)
    change_ticket = analysed(world)
    assert 'class="panel quotes"' in agent.get(console_url(change_ticket)).content.decode()
    assistance = file_ticket(world.customer, "n123")  # billed on time, no quote
    assert 'class="panel quotes"' not in agent.get(console_url(assistance)).content.decode()


def test_console_field_errors_next_to_their_field(world):
    t = analysed(world)
    agent = client_for(world.agent)
    cases = (
        ("quote_effort_hours", "-2"),
        ("quote_valid_until", "2020-01-01"),
        ("quote_amount", "beaucoup"),
    )
    for name, value in cases:
        fields = {"quote_amount": "1200", name: value}
        with unchanged():
            response = console_move(agent, t, "submit_quote", **fields)
        assert response.status_code == 400
        assert f'id="id_move-submit_quote-{name}_error"' in text(response), name
    assert quotes_of(t) == []


# --- query counts ----------------------------------------------------------------------------


def page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_panels_cost_the_same_with_one_quote_or_five(world, django_assert_max_num_queries):
    one = quoted(world)
    many = quoted(world, "100")
    for amount in ("200", "300", "400", "500"):
        actions.ticket_transition(
            actor=world.customer, ticket=many, code="refuse_quote", data={"comment": "Non"}
        )
        many = submit(world, many, amount)
    assert len(quotes_of(many)) == 5
    alice, agent = client_for(world.customer), client_for(world.agent)
    assert page_queries(alice, portal_url(one)) == page_queries(alice, portal_url(many))
    assert page_queries(agent, console_url(one)) == page_queries(agent, console_url(many))
    with django_assert_max_num_queries(40):
        alice.get(portal_url(many))


# --- nobody else -----------------------------------------------------------------------------


def test_another_customer_or_service_neither_sees_nor_answers_the_quote(world):
    t = quoted(world)
    bob, olga = client_for(world.outsider), client_for(world.other_agent)
    with unchanged():
        assert bob.get(portal_url(t)).status_code == 404
        for code in ("accept_quote", "refuse_quote"):
            data = {f"move-{code}-comment": "Non"}
            assert bob.post(portal_url(t, "move", code=code), data).status_code == 404
        assert olga.get(console_url(t)).status_code == 404
    analysing = analysed(world, "Un autre export")  # where a quote could be submitted
    with unchanged():
        response = console_move(olga, analysing, "submit_quote", quote_amount="10")
        assert response.status_code == 404
    assert quotes_of(t) == [(1, "1200.00", "submitted")] and quotes_of(analysing) == []
    assert reload(t).status.code == "attente_chiffrage"

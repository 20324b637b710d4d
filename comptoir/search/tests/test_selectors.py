# covers: X-4, TEN-2, TIC-8
"""Full-text search on both databases: languages, accents, ranking, scope and hostile input."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comptoir.search.selectors import search_ranked, search_tickets
from comptoir.tickets import actions
from comptoir.tickets.selectors import LIST_RELATED
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db


def keys(actor, text: str) -> list[str]:
    ranked = [t.key for t in search_ranked(actor, text)]
    assert set(ranked) == {t.key for t in search_tickets(actor, text)}  # below the limit
    return ranked


def test_french_and_english_words_match_their_other_forms(world):
    fr = file_ticket(world.customer, title="Imprimante en panne", description="Bourrage papier")
    en = file_ticket(world.colleague, title="Printer jammed", description="Paper stuck again")
    assert keys(world.agent, "imprimantes") == [fr.key]
    assert keys(world.agent, "bourrages") == [fr.key]
    assert keys(world.agent, "printers") == [en.key]
    assert keys(world.agent, "jamming paper") == [en.key]
    assert keys(world.agent, "imprimante printer") == []  # every word must match
    assert keys(world.agent, "scanner") == []


def test_accents_do_not_count(world):
    t = file_ticket(world.customer, title="Écran noir au démarrage", description="Rien")
    assert keys(world.agent, "ecran demarrage") == [t.key]
    assert keys(world.agent, "ÉCRAN") == [t.key]


def test_exact_key_or_reference_comes_first(world):
    a = file_ticket(
        world.customer, title="Licence", description="Rien", personal_reference="BC-2024"
    )
    b = file_ticket(
        world.customer,
        title=f"Suite de {a.key}, BC-2024",
        description=f"{a.key} {a.key} {a.key} BC-2024 BC-2024 BC-2024",
    )
    assert keys(world.agent, a.key) == [a.key, b.key]
    assert keys(world.agent, a.key.lower())[0] == a.key
    assert keys(world.agent, "BC-2024") == [a.key, b.key]
    assert keys(world.agent, "bc-2024")[0] == a.key


def test_title_ranks_above_a_mention_then_newest_first(world):
    mention = file_ticket(world.customer, title="Question", description="Le clavier est sale")
    titled = file_ticket(world.customer, title="Clavier cassé", description="Touches bloquées")
    assert keys(world.agent, "clavier") == [titled.key, mention.key]
    older = file_ticket(world.customer, title="Souris", description="Rien")
    newer = file_ticket(world.customer, title="Souris", description="Rien")
    assert keys(world.agent, "souris") == [newer.key, older.key]


def test_comments_are_searched_internal_ones_by_staff_only(world):
    t = file_ticket(world.customer, title="Messagerie", description="Pas de mails")
    actions.ticket_comment(actor=world.customer, ticket=t, body="Le serveur Exchange répond")
    actions.ticket_comment(actor=world.agent, ticket=t, body="Mot de passe kerberos", internal=True)
    assert keys(world.customer, "exchange") == [t.key]
    assert keys(world.agent, "exchange") == [t.key]
    assert keys(world.agent, "kerberos") == [t.key]
    assert keys(world.admin, "kerberos") == [t.key]
    for customer in (world.customer, world.customer_manager):
        assert keys(customer, "kerberos") == []
        assert keys(customer, "messagerie kerberos") == []  # not even as one word of several
    # staff: words may come from the public and the internal text together
    assert keys(world.agent, "messagerie kerberos") == [t.key]


def test_another_tenants_ticket_never_matches(world):
    mine = file_ticket(world.customer, title="Onduleur en alarme", description="Bip")
    theirs = file_ticket(world.outsider, title="Onduleur en alarme", description="Bip")
    assert keys(world.customer, "onduleur") == [mine.key]
    assert keys(world.outsider, "onduleur") == [theirs.key]
    assert keys(world.customer, theirs.key) == []
    assert keys(world.other_agent, "onduleur") == []  # not a member of these services
    assert set(keys(world.agent, "onduleur")) == {mine.key, theirs.key}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's two match shapes")
def test_the_probing_shape_keeps_scope_and_internal_comments(world, monkeypatch):
    from comptoir.search import selectors

    monkeypatch.setattr(selectors, "GATHER", 0)  # every word "common": the EXISTS shape
    mine = file_ticket(world.customer, title="Onduleur en alarme", description="Bip")
    theirs = file_ticket(world.outsider, title="Onduleur en alarme", description="Bip")
    actions.ticket_comment(actor=world.agent, ticket=mine, body="Batterie kerberos", internal=True)
    assert keys(world.customer, "onduleur") == [mine.key]
    assert keys(world.outsider, "onduleur") == [theirs.key]
    assert keys(world.other_agent, "onduleur") == []
    assert keys(world.agent, "kerberos") == [mine.key]
    assert keys(world.customer, "kerberos") == []


def test_the_index_follows_updates(world):
    t = file_ticket(world.customer, title="Imprimante", description="Rien", personal_reference="R1")
    actions.ticket_update(
        actor=world.agent, ticket=t, changes={"title": "Photocopieur", "personal_reference": "R2"}
    )
    assert keys(world.agent, "photocopieur") == [t.key]
    assert keys(world.agent, "imprimante") == []
    assert keys(world.agent, "R2") == [t.key]
    assert keys(world.agent, "R1") == []


def test_a_refused_action_leaves_no_text(world):
    t = file_ticket(world.customer, title="Imprimante", description="Rien")
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        actions.ticket_comment(actor=world.outsider, ticket=t, body="intrus")
    assert keys(world.agent, "intrus") == []


def test_empty_or_wordless_text_matches_nothing_or_the_exact_key(world):
    t = file_ticket(world.customer, title="Imprimante", description="Rien")
    assert keys(world.agent, "") == [t.key]  # no text: no filter
    assert keys(world.agent, "   ") == [t.key]
    assert keys(world.agent, '"" () * -') == []


HOSTILE = [
    '"',
    '"unterminated',
    "(",
    "a)",
    "NEAR(a b)",
    "a NEAR b",
    "*",
    "imprim*",
    "-a",
    "a -b",
    "a OR",
    "AND",
    "NOT a",
    "title:a",
    "{head}: a",
    "^a",
    "a + b",
    "''",
    "\\",
    "%",
    "_",
    "a\x00b",
    "\u200b",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "日本語のテキスト",
    "x" * 5000,
    " ".join(["mot"] * 100),
    "<script>",
    "'; DROP TABLE tickets_ticket; --",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_never_raises(world, text):
    file_ticket(world.customer, title="Imprimante", description="Rien")
    for actor in (world.customer, world.agent):
        list(search_ranked(actor, text))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(max_size=60))
def test_any_text_never_raises(world, text):
    for actor in (world.customer, world.agent):
        list(search_ranked(actor, text)[:5])
        list(search_tickets(actor, text)[:5])


def test_a_fixed_number_of_queries_whatever_the_matches(world):
    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            qs = search_ranked(world.agent, "panne").select_related(*LIST_RELATED)
            rows = list(qs[:25])
            rows += list(search_tickets(world.agent, "panne").select_related(*LIST_RELATED)[:25])
            assert all(r.category.service.pk and r.status.pk for r in rows)
        return len(ctx.captured_queries)

    file_ticket(world.customer, title="Panne", description="Rien")
    few = run()
    for i in range(12):
        t = file_ticket(world.customer, title=f"Panne {i}", description="Rien")
        actions.ticket_comment(actor=world.customer, ticket=t, body="toujours en panne")
    # PostgreSQL asks first how many tickets the words match (then reads a rare word's ids).
    assert run() == few == (5 if connection.vendor == "postgresql" else 3)


def test_ranked_search_keeps_the_best_within_the_scope(world):
    best = file_ticket(world.customer, title="Routeur routeur", description="routeur")
    file_ticket(world.customer, title="Autre", description="un routeur")
    exact = file_ticket(
        world.customer, title="Autre", description="Rien", personal_reference="rout"
    )
    file_ticket(world.outsider, title="Routeur routeur routeur", description="routeur routeur")
    top = [t.key for t in search_ranked(world.customer, "routeur", limit=1)]
    assert top == [best.key]
    assert search_ranked(world.customer, "rout", limit=1)[0].key == exact.key

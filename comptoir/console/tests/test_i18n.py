#
"""Both languages: each agent reads the console in their own language, labels that are data
(statuses, priorities, types) as well as the interface."""

from __future__ import annotations

from comptoir.tickets.tests.helpers import file_ticket

from .conftest import ticket_url


def _english(user):
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def test_a_french_agent_reads_french(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    page = c.get(ticket_url(t)).content.decode()
    assert '<html lang="fr"' in page
    assert ">Libre<" in page and "Les gestionnaires du service" in page  # status, awaited
    assert "Normale" in page  # priority
    assert "Prendre en charge" in page  # the take button
    queue = c.get("/console/").content.decode()
    assert ">Libre<" in queue and "Files d" in queue


def test_an_english_agent_reads_english(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(_english(world.agent))
    page = c.get(ticket_url(t)).content.decode()
    assert '<html lang="en"' in page
    assert ">Free<" in page and ">Libre<" not in page
    assert "The service&#x27;s managers" in page
    assert ">Normal<" in page
    assert ">Take<" in page and "Awaiting action by" in page
    queue = c.get("/console/").content.decode()
    assert ">Free<" in queue and "Queues" in queue


def test_errors_come_in_the_agents_language(world, login):
    t = file_ticket(world.customer, "ent")
    fr = (
        login(world.agent)
        .post(f"{ticket_url(t)}comment/", {"comment-comment": ""})
        .content.decode()
    )
    en = (
        login(_english(world.agent2))
        .post(f"{ticket_url(t)}comment/", {"comment-comment": ""})
        .content.decode()
    )
    assert "The comment is empty." in en
    assert "The comment is empty." not in fr

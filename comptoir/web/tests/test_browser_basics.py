# covers: X-1, POR-2, TEN-2
"""The shared pages in a real browser: login, home by role, language switch."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_logs_in_lands_on_my_tickets_and_switches_language(world, browser):
    page = browser.login("alice")
    page.wait_for_url("**/portal/")
    assert page.locator("h1").inner_text() in {"Mes tickets", "My tickets"}
    browser.shot("portal-tickets-fr")
    page.click("text=English")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    browser.shot("portal-tickets-en")
    world.customer.refresh_from_db()
    assert world.customer.language == "en"


def test_agent_lands_on_the_console(world, browser):
    page = browser.login("gaston")
    page.wait_for_url("**/console/")
    assert page.locator("h1").count() == 1


def test_wrong_password_says_so_and_logs_nobody_in(world, browser):
    page = browser.login("alice", "nope")
    assert "/login/" in page.url
    assert page.locator("[role=alert]").count() == 1

# covers: POR-1, POR-3, TIC-6
"""The portal in a real browser: htmx reloads the category template, the request is filed
and its page shows the status first."""

import re

import pytest

from comptoir.conftest import category

from .helpers import new_url

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_file_an_incident_with_the_category_template(world, browser):
    impression, erp = category("itil", "impression"), category("itil", "erp")
    page = browser.login("alice")
    page.wait_for_url("**/portal/")
    page = browser.go(new_url("itil", "incident"))
    page.select_option("select[name=category]", str(impression.pk))
    # Waits through Playwright's own assertions: a string predicate would be eval()'d in the
    # page, which the Content-Security-Policy forbids.
    expect(page.locator("input[name=title]")).to_have_value(re.compile(r"^Je n"))
    assert page.input_value("textarea[name=description]").startswith("Imprimante :")
    # Untouched template text follows the category; typed text would stay.
    page.select_option("select[name=category]", str(erp.pk))
    expect(page.locator("textarea[name=description]")).to_have_value(re.compile(r"^Écran"))
    page.fill("input[name=title]", "Message d'erreur dans AX")
    browser.shot("portal-new-incident")
    page.click("form.new-ticket button[type=submit]")
    page.wait_for_url("**/portal/tickets/IT-*/")
    assert page.locator(".status-card h2").inner_text() == "Nouveau"
    browser.shot("portal-ticket")
    browser.go("/portal/")
    assert page.locator("tr[data-row-link]").count() == 1
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/tickets/IT-*/")

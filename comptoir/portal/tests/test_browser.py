# covers: POR-1, POR-3, TIC-6
"""The portal in a real browser: htmx reloads the category template, the request is filed
and its page shows the status first."""

import pytest

from comptoir.conftest import category

from .helpers import new_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_file_an_incident_with_the_category_template(world, browser):
    impression, erp = category("itil", "impression"), category("itil", "erp")
    page = browser.login("alice")
    page.wait_for_url("**/portal/")
    page = browser.go(new_url("itil", "incident"))
    page.select_option("select[name=category]", str(impression.pk))
    page.wait_for_function("document.querySelector('input[name=title]').value.startsWith('Je n')")
    assert page.input_value("textarea[name=description]").startswith("Imprimante :")
    # Untouched template text follows the category; typed text would stay.
    page.select_option("select[name=category]", str(erp.pk))
    page.wait_for_function(
        "document.querySelector('textarea[name=description]').value.startsWith('Écran')"
    )
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

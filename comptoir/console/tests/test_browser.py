# covers: X-1, AG-1, AG-6, NOT-2
"""The console in a real browser: filters and the 30-second refresh swap the queue table in
place (no full reload), the keyboard walks the rows, the directory lookup fills a form,
and the custom watch grid shows only when chosen."""

from __future__ import annotations

import pytest

from comptoir.tickets.models import Guest
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _mark(page) -> None:
    """A flag that only survives if the page is not reloaded."""
    page.evaluate("window.__stayed = true")


def _stayed(page) -> bool:
    return page.evaluate("window.__stayed === true")


def test_filters_refresh_the_table_in_place(world, browser):
    ent = file_ticket(world.customer, "ent", title="Clavier HS")
    spt = file_ticket(world.customer, "spt", title="Licence ERP")
    page = browser.login("gaston")
    page.wait_for_url("**/console/")
    assert page.locator("#queue-table").get_by_text("Clavier HS").count() == 1
    browser.shot("console-queue")
    _mark(page)
    page.select_option("select[name=desk]", str(world.desks["spt"].pk))
    page.wait_for_url(f"**desk={world.desks['spt'].pk}**")
    page.locator("#queue-table").get_by_text(spt.title).wait_for()
    assert page.locator("#queue-table").get_by_text(ent.title).count() == 0
    page.fill("input[data-search]", "zzz-nothing")
    page.locator("#queue-table td.empty").wait_for()
    assert _stayed(page)


def test_the_queue_refreshes_itself_every_30_seconds(world, browser):
    page = browser.page
    page.clock.install()
    browser.login("gaston")
    page.wait_for_url("**/console/")
    _mark(page)
    file_ticket(world.customer, "ent", title="Arrivé pendant la lecture")
    page.clock.run_for(31_000)
    page.locator("#queue-table").get_by_text("Arrivé pendant la lecture").wait_for()
    assert _stayed(page)


def test_keyboard_search_and_rows(world, browser):
    t = file_ticket(world.customer, "ent", title="Écran noir")
    page = browser.login("gaston")
    page.wait_for_url("**/console/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.hasAttribute('data-search')")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/t/{t.key}/")
    assert page.locator("h1").inner_text().endswith("Écran noir")
    browser.shot("console-ticket")


def test_take_and_invite_with_the_directory_lookup(world, browser):
    t = file_ticket(world.customer, "ent", title="Imprimante")
    page = browser.login("gaston")
    browser.go(f"/console/t/{t.key}/")
    page.click("form.take button[type=submit]")
    page.wait_for_url(f"**/console/t/{t.key}/")
    page.locator(".ticket-side").get_by_text("gaston").first.wait_for()
    page.click("#guests summary")
    page.fill("#id_invite-user", "albe")
    page.locator("input[name=invite-pick]").first.check()
    page.fill("#id_invite-message", "Pour info")
    page.click("#guests form button[type=submit]")
    page.wait_for_url(f"**/console/t/{t.key}/")
    assert Guest.objects.filter(ticket=t, user=world.colleague, message="Pour info").exists()


def test_the_custom_watch_grid_shows_only_when_chosen(world, browser):
    page = browser.login("gaston")
    browser.go("/console/preferences/")
    form = page.locator("form.watch-form").first
    grid = form.locator("input[name$='-any_ticket']").first
    assert not grid.is_visible()
    form.locator("input[name$='-level'][value=custom]").check()
    assert grid.is_visible()
    browser.shot("console-preferences")

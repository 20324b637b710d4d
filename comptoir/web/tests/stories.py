"""What the end-to-end stories do again and again, as a person would do it: sign in, file a
request in the portal, press a workflow button in the console, read the status. Only
clicks and typing on the pages (imported by test_browser_stories.py, not collected)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from comptoir.conftest import Browser

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

TICKET_URL = re.compile(r"/(?:portal/tickets|console/t)/([^/]+)/")
# The header's links, in either language.
MY_TICKETS = re.compile("^(Mes tickets|My tickets)$")
QUEUES = re.compile("^(Files d'attente|Queues)$")
TAKEN = re.compile("Vous avez pris en charge ce ticket|You now hold this ticket")


def sign_in(browser: Browser, username: str):
    """Log in (as someone else: the cookies go) and land on one's home page."""
    page = browser.login(username)
    page.wait_for_url(re.compile(r"/(portal|console)/$"))
    return page


def to_english(page) -> None:
    """The header's language button; the choice is kept on the account."""
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def key_of(page) -> str:
    """The key of the ticket whose page is shown (`#12` arrives as `%2312`)."""
    match = TICKET_URL.search(page.url)
    assert match, page.url
    return unquote(match[1])


# --- Portal -----------------------------------------------------------------------------


def portal_new_form(page, *, desk: str, card: str):
    """ "New request" in the header, then the kind of request in the desk's section."""
    page.locator("header.topbar a[data-new-ticket]").click()
    section = page.locator("section.desk").filter(has=page.get_by_role("heading", name=desk))
    section.get_by_role("link", name=card).click()
    expect(page.locator("form.new-ticket")).to_be_visible()
    return page


def portal_choose_category(page, *, label: str, category: str) -> None:
    """Pick a category; htmx then reloads title and description with its template, so
    wait for that before typing (the hidden `previous_category` follows the swap)."""
    select = page.get_by_label(label)
    value = select.locator("option", has_text=category).get_attribute("value")
    if select.input_value() != value:
        select.select_option(value)
        expect(page.locator("input[name=previous_category]")).to_have_value(value)


def portal_status(page):
    return page.locator("#status-name")


def portal_ticket(browser: Browser, key: str, *, closed: bool = False):
    """The customer's ticket page, reached from "My tickets" like a customer does (with
    the "closed ones too" switch for a closed one)."""
    page = browser.page
    page.locator("header.topbar").get_by_role("link", name=MY_TICKETS).click()
    if closed:
        page.locator("search input[name=closed]").check()
        page.locator("search button[type=submit]").click()
        page.wait_for_url("**closed=1**")
    page.locator("table.tickets").get_by_role("link", name=key, exact=True).click()
    expect(page.locator("h1 .key")).to_have_text(key)
    return page


# --- Console ----------------------------------------------------------------------------


def console_open(browser: Browser, key: str):
    """From the queue (free tickets by default) or, if not there, the "all" tab, open the
    ticket by its key."""
    page = browser.page
    page.locator("header.topbar").get_by_role("link", name=QUEUES).click()
    table = page.locator("#queue-table")
    link = table.get_by_role("link", name=key, exact=True)
    expect(table).to_be_visible()
    if link.count() == 0:
        page.locator("#queue-tabs a").last.click()  # "All"
        expect(page.locator("#queue-tabs a").last).to_have_attribute("aria-current", "page")
    link.click()
    expect(page.locator("h1 .key")).to_have_text(key)
    return page


def console_status(page):
    return page.locator(".status-line strong").first


def console_take(page) -> None:
    page.locator("section.actions").get_by_role(
        "button", name=re.compile("^(Prendre en charge|Take)$")
    ).click()
    expect(page.locator(".messages")).to_contain_text(TAKEN)


def console_move(
    page,
    name: str,
    *,
    fill: dict[str, str] | None = None,
    select: dict[str, str] | None = None,
    check: tuple[str, ...] = (),
) -> None:
    """Open the workflow button `name`, give what it asks, and confirm."""
    button = page.get_by_role("button", name=name, exact=True)  # the <summary>
    box = page.locator("section.actions details").filter(has=button)
    if not box.evaluate("d => d.open"):  # re-shown after an error, it is open already
        box.get_by_role("button", name=name, exact=True).click()
    for label, value in (fill or {}).items():
        box.get_by_label(label, exact=True).fill(value)
    for label, value in (select or {}).items():
        box.get_by_label(label, exact=True).select_option(label=value)
    for label in check:
        box.get_by_label(label).check()
    box.locator("form button[type=submit]").click()


# --- Another tenant ---------------------------------------------------------------------


def outsider_sees_nothing(browser: Browser, username: str, tickets: dict[str, str]) -> None:
    """`tickets` maps keys to titles: each page, portal or console, is a bare 404."""
    sign_in(browser, username)
    page = browser.page
    for key, title in tickets.items():
        quoted = key.replace("#", "%23")
        for path in (f"/portal/tickets/{quoted}/", f"/console/t/{quoted}/"):
            response = page.goto(browser.base_url + path)
            assert response.status == 404, (path, response.status)
            assert title not in page.locator("body").inner_text(), path

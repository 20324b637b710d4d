#
"""The dashboards in a real browser: the charts draw without any script of theirs and
without a request to another host, and the page prints."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_manager_dashboard_draws_offline(world, people, factory, browser):
    factory.generate(40)
    page = browser.login("root")
    page.wait_for_url("**/console/**")
    hosts = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.context.set_offline(False)
    browser.go("/console/reports/?from=2025-01-01&to=2025-03-31&bucket=week")
    charts = page.locator("figure.chart svg")
    assert charts.count() == 8
    box = charts.first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    assert page.locator("#report-volume table tbody tr").count() == 14
    assert hosts == {urlparse(browser.base_url).netloc}
    browser.shot("reports-dashboard")
    page.emulate_media(media="print")
    assert page.locator(".report-filters").is_hidden()
    browser.shot("reports-dashboard-print")


def test_the_agent_dashboard(world, people, factory, browser):
    factory.generate(30)
    page = browser.login("gaston")
    page.wait_for_url("**/console/**")
    browser.go("/console/reports/me/")
    assert page.locator("ul.tiles li").count() == 6
    browser.shot("reports-me")

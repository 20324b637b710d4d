"""The Content-Security-Policy in a real browser: every main page of every role (the
portal, the console, reports, billing, CMDB, the identity pages, the admin, the API's
docs) loads with no violation and no script error; the policy does block what it must (an
inline script, an inline style, framing by another page); the charts take their rules
from the static stylesheet. Every other browser test also fails on any violation (the
`browser` fixture, comptoir/conftest.py)."""

from __future__ import annotations

import itertools
import json

import pytest

from . import security_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_main_page_runs_under_the_policy(world, browser):
    scene = security_scene.build(world)
    page = browser.page
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
    pages = [*security_scene.PAGES, ("customer", "/account/2fa/totp/activate/")]
    pages.sort(key=lambda item: item[0] or "")  # one login per role
    seen = 0
    for who, paths in itertools.groupby(pages, key=lambda item: item[0]):
        if who:
            browser.login(getattr(world, who).username).wait_for_url(
                lambda url: "/login/" not in url
            )
        else:
            page.context.clear_cookies()
        for _who, template in paths:
            response = page.goto(browser.base_url + template.format(**vars(scene)))
            assert response is not None and response.status == 200, (who, template)
            assert page.url.endswith(template.format(**vars(scene))), (who, template, page.url)
            seen += 1
    assert seen == len(pages)
    assert browser.csp_violations == []
    assert script_errors == []


def test_the_policy_blocks_inline_code_and_framing_and_charts_keep_their_style(world, browser):
    security_scene.build(world)
    page = browser.login("marc")
    page.wait_for_url("**/console/**")
    browser.go("/console/reports/")
    assert page.locator("figure.chart svg.pygal-chart").count() > 0
    title_size = page.evaluate(
        "getComputedStyle(document.querySelector('svg.pygal-chart .title')).fontSize"
    )
    assert title_size == "15px"  # pygal's rule, from reports/charts.css

    # What an injection that got past the escaping would try: nothing of it runs.
    page.evaluate(
        """() => {
        const s = document.createElement("script");
        s.textContent = "window.__ran = true";
        document.body.append(s);
        const d = document.createElement("div");
        d.innerHTML = '<p id="styled" style="color: rgb(255, 0, 0)">x</p>'
                    + '<img src="/nothing.png" onerror="window.__ran = true">';
        document.body.append(d);
    }"""
    )
    page.locator("#styled").wait_for(state="attached")
    page.wait_for_timeout(200)  # the image's error, then its handler, would come now
    assert page.evaluate("window.__ran") is None
    assert page.evaluate("getComputedStyle(document.querySelector('#styled')).color") != (
        "rgb(255, 0, 0)"
    )
    blocked = {json.loads(v)["directive"] for v in browser.csp_violations}
    assert {"script-src-elem", "style-src-attr", "script-src-attr"} <= blocked, blocked
    browser.csp_violations.clear()  # expected here: the fixture must not fail the test

    # Another page cannot frame Comptoir (X-Frame-Options DENY, frame-ancestors 'none').
    page.set_content(f'<iframe src="{browser.base_url}/login/"></iframe>')
    page.wait_for_timeout(500)
    framed = page.frames[1]
    assert framed.url.startswith("chrome-error://") and framed.locator("form").count() == 0

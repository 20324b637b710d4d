# covers: POR-6
"""Identity in a real browser: turning on an authenticator app and logging in with its
code, and the session that ends after the idle delay (POR-6)."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator

from .helpers import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_turn_on_an_authenticator_app_then_log_in_with_its_code(world, browser):
    page = browser.login("alice")
    page.wait_for_url("**/portal/")
    page.click("a[href='/portal/profile/']")
    page.click("a[href='/account/2fa/']")
    page.click("a[href='/account/2fa/totp/activate/']")
    page.wait_for_url("**/account/2fa/totp/activate/")
    assert page.locator("img.qr").count() == 1
    browser.shot("mfa-activate")
    secret = page.locator("#authenticator_secret").inner_text().strip()
    page.fill("input[name=code]", totp_code(secret))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/account/2fa/recovery-codes/")
    assert page.locator("#recovery_codes li").count() == 10
    browser.shot("mfa-recovery-codes")
    assert Authenticator.objects.filter(user=world.customer, type="totp").exists()

    page = browser.login("alice")
    page.wait_for_url("**/account/2fa/authenticate/")
    browser.shot("mfa-authenticate")
    page.fill("input[name=code]", totp_code(secret, offset=3))  # not the code of now
    page.click("main form button[type=submit]")
    assert page.locator("[role=alert]").count() >= 1 and "/authenticate/" in page.url
    page.fill("input[name=code]", totp_code(secret))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/portal/")


def test_an_idle_session_ends_and_the_next_page_is_the_login(world, browser, settings):
    settings.SESSION_COOKIE_AGE = 3  # the live server runs in this process
    page = browser.login("gaston")
    page.wait_for_url("**/console/")
    time.sleep(1.5)
    page.reload()  # a request within the delay keeps the session alive…
    assert "/console/" in page.url
    time.sleep(3.5)
    page.reload()  # …a longer silence ends it
    page.wait_for_url("**/login/?next=/console/")
    assert page.locator("input[name=login]").count() == 1

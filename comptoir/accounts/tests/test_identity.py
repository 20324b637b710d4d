# covers: POR-6, TEN-7, X-1
"""Logging in and out, passwords and addresses (django-allauth, docs/decisions/0010):
login by username or e-mail, refusals and their rate limit, password change and reset by
mail in the recipient's language, address verification, the idle session, Argon2."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import comptoir.settings as production
from comptoir.accounts.models import User
from comptoir.conftest import make_user

from .helpers import last_link, login, tr, who

WRONG = "Wrong username, e-mail address or password."
TOO_MANY = (
    "Too many failed login attempts. Wait a few minutes before trying again, "
    "or reset your password."
)


def with_email(person: User, email: str) -> User:
    person.email = email
    person.save(update_fields=["email"])
    return person


# -- Logging in and out ------------------------------------------------------------------


def test_login_by_username_lands_on_the_home_page(world):
    client = Client()
    response = login(client, "alice")
    assert response.status_code == 302 and response["Location"] == "/"
    assert who(client) == "alice"
    assert client.get("/")["Location"] == reverse("portal:tickets")


@pytest.mark.parametrize("typed", ["albert@example.test", "ALBERT@Example.TEST", " albert "])
def test_login_by_email_or_username_in_any_case(world, typed):
    client = Client()
    assert login(client, typed).status_code == 302
    assert who(client) == "albert"


def test_login_goes_on_to_the_page_asked_for(world):
    client = Client()
    target = reverse("portal:profile")
    assert client.get(target)["Location"] == f"/login/?next={target}"
    response = client.post(
        f"/login/?next={target}", {"login": "alice", "password": "pw", "next": target}
    )
    assert response["Location"] == target


@pytest.mark.parametrize(
    "typed,password",
    [("alice", "nope"), ("alice@example.test", "nope"), ("nobody", "pw"), ("", "pw")],
)
def test_a_wrong_login_or_password_says_so_and_logs_nobody_in(world, typed, password):
    client = Client()
    response = login(client, typed, password)
    assert response.status_code == 200 and who(client) is None
    if typed:
        assert response.context["form"].non_field_errors() == [tr(WRONG, "fr")]
        assert tr(WRONG, "fr") in response.content.decode()
    else:
        assert "login" in response.context["form"].errors


def test_an_address_two_people_share_logs_nobody_in(world):
    for name in ("alice2", "alice3"):
        with_email(make_user(name, site=world.a1), "shared@example.test")
    client = Client()
    assert login(client, "shared@example.test").status_code == 200
    assert who(client) is None


def test_a_deactivated_account_cannot_log_in(world):
    world.customer.is_active = False
    world.customer.save()
    client = Client()
    login(client, "alice")
    assert who(client) is None


def test_the_login_page_is_in_the_products_frame_and_language(world):
    page = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in page and "comptoir/app.css" in page
    assert 'name="login"' in page and 'name="password"' in page
    assert 'name="remember"' not in page  # the session ends with the browser
    assert f'href="{reverse("account_reset_password")}"' in page
    page = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr"' in page and tr("Log in", "fr") in page


def test_an_authenticated_person_is_sent_on_from_the_login_page(world):
    client = Client()
    client.force_login(world.agent)
    assert client.get("/login/")["Location"] == "/"


def test_logout_needs_a_post_and_ends_the_session(world):
    client = Client()
    login(client, "alice")
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200 and who(client) == "alice"
    response = client.post(reverse("account_logout"))
    assert response["Location"] == "/login/" and who(client) is None


def test_the_admin_login_form_sends_people_to_the_login_page(world):
    """Django's own admin form would skip the second factor and the rate limits."""
    client = Client()
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/login/?next=%2Fadmin%2F"
    client.post("/admin/login/?next=/admin/", {"username": "root", "password": "pw"})
    assert who(client) is None


# -- Rate limits ------------------------------------------------------------------------


def test_failed_logins_are_limited_per_login_with_a_clear_message(world, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/key"}
    client = Client()
    for _attempt in range(3):
        assert tr(WRONG, "fr") in login(client, "alice", "nope").content.decode()
    # The fourth attempt is refused even with the right password…
    response = login(client, "alice", "pw")
    assert response.status_code == 200 and who(client) is None
    assert response.context["form"].non_field_errors() == [tr(TOO_MANY, "fr")]
    assert tr(TOO_MANY, "en") in login(client, "alice", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # …the address of the same account counts the same, another account is not held up…
    assert who(client) is None
    login(client, "albert")
    assert who(client) == "albert"
    # …and once the period has passed, the right password works again.
    client = Client()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        login(client, "alice")
    assert who(client) == "alice"


def test_too_many_login_posts_from_one_address_get_a_translated_429(world, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip"}
    client = Client()
    login(client, "nobody")
    login(client, "nobody")
    response = login(client, "alice", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429 and who(client) is None
    assert tr("Too many attempts", "en") in response.content.decode()


# -- Passwords ------------------------------------------------------------------------------


def test_argon2_is_the_production_hasher():
    """The suite hashes with MD5 for speed (conftest.py); production must not."""
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "MD5" not in " ".join(production.PASSWORD_HASHERS)


def test_an_older_hash_becomes_argon2_at_the_next_login(world, settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    # An older PBKDF2 hash (few iterations: the test stays fast).
    world.customer.password = PBKDF2PasswordHasher().encode("Old-secret-12", "salt", 1000)
    world.customer.save()
    login(Client(), "alice", "Old-secret-12")
    world.customer.refresh_from_db()
    assert world.customer.password.startswith("argon2$argon2id$")
    assert world.customer.check_password("Old-secret-12")


@pytest.mark.parametrize(
    "who_,home", [("customer", "portal:profile"), ("agent", "console:preferences")]
)
def test_change_password_returns_to_profile_or_preferences(world, who_, home):
    person = getattr(world, who_)
    client = Client()
    client.force_login(person)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "pw", "password1": "Correct-horse-42", "password2": "Correct-horse-42"},
    )
    assert response.status_code == 302 and response["Location"] == reverse(home)
    person.refresh_from_db()
    assert person.check_password("Correct-horse-42")
    assert who(client) == person.username  # still logged in on this browser
    # The owner is told, in their language.
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert mail.outbox[0].extra_headers["Content-Language"] == person.language


def test_a_wrong_current_password_is_refused_next_to_its_field(world):
    client = Client()
    client.force_login(world.customer)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "nope", "password1": "Correct-horse-42", "password2": "Correct-horse-42"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["oldpassword"]
    world.customer.refresh_from_db()
    assert world.customer.check_password("pw") and not mail.outbox


def test_a_weak_new_password_is_refused(world):
    client = Client()
    client.force_login(world.customer)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "pw", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200 and "password1" in response.context["form"].errors


@pytest.mark.parametrize("person,page_language", [("colleague", "fr"), ("customer", "en")])
def test_password_reset_mail_is_in_the_recipients_language_and_its_link_works(
    world, person, page_language
):
    person = getattr(world, person)
    client = Client(HTTP_ACCEPT_LANGUAGE=page_language)
    response = client.post(reverse("account_reset_password"), {"email": person.email.upper()})
    assert response["Location"] == reverse("account_reset_password_done")
    [message] = mail.outbox
    assert message.to == [person.email]
    assert message.extra_headers["Content-Language"] == person.language
    assert message.subject == "[Comptoir] " + tr("Choose a new password", person.language)
    assert (
        tr("Your username is %(username)s.", person.language) % {"username": person.username}
        in message.body
    )
    link = last_link()
    assert link.startswith("http://127.0.0.1:8000/account/password/reset/key/")  # SITE_URL
    path = link.removeprefix("http://127.0.0.1:8000")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and "password1" in form_page.context["form"].fields
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": "Correct-horse-42", "password2": "Correct-horse-42"},
    )
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    person.refresh_from_db()
    assert person.check_password("Correct-horse-42")
    # The link works once.
    assert Client().get(path, follow=True).context["token_fail"] is True


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(world):
    response = Client().post(reverse("account_reset_password"), {"email": "who@nowhere.test"})
    assert response["Location"] == reverse("account_reset_password_done")
    assert mail.outbox == []


def test_a_failing_mailer_is_logged_not_shown(world, settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": "comptoir.accounts.tests.test_identity.Broken"}}
    with caplog.at_level(logging.ERROR, logger="comptoir.accounts.adapter"):
        response = Client().post(reverse("account_reset_password"), {"email": "alice@example.test"})
    assert response["Location"] == reverse("account_reset_password_done")
    assert "password_reset_key to alice@example.test not sent" in caplog.text


class Broken:
    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no SMTP server")


# -- E-mail addresses ----------------------------------------------------------------------


def test_verifying_my_address_by_the_link_mailed_to_me(world):
    client = Client()
    login(client, "albert")  # optional verification: logged in without a verified address
    assert who(client) == "albert"
    page = client.get(reverse("account_email"))
    assert "albert@example.test" in page.content.decode()
    assert 'name="action_add"' not in page.content.decode()  # the service desk changes it
    client.post(reverse("account_email"), {"email": "albert@example.test", "action_send": ""})
    [message] = mail.outbox
    assert message.subject == "[Comptoir] " + tr("Verify your e-mail address", "en")
    path = last_link().removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    assert not EmailAddress.objects.get(user=world.colleague).verified
    client.post(path)
    assert EmailAddress.objects.get(user=world.colleague).verified


def test_the_address_cannot_be_added_to_or_removed(world):
    client = Client()
    client.force_login(world.customer)
    client.get(reverse("account_email"))
    client.post(reverse("account_email"), {"email": "x@example.test", "action_add": ""})
    client.post(reverse("account_email"), {"email": "alice@example.test", "action_remove": ""})
    assert list(
        EmailAddress.objects.filter(user=world.customer).values_list("email", flat=True)
    ) == ["alice@example.test"]


def test_mandatory_verification_holds_the_login_until_the_link_is_opened(world, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    client = Client()
    response = login(client, "alice")
    assert response["Location"] == reverse("account_email_verification_sent")
    assert who(client) is None
    path = last_link().removeprefix("http://127.0.0.1:8000")
    Client().post(path)
    login(client, "alice")
    assert who(client) == "alice"


def test_mandatory_verification_lets_verified_people_straight_in(world, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    EmailAddress.objects.create(
        user=world.agent, email=world.agent.email, primary=True, verified=True
    )
    client = Client()
    login(client, "gaston")
    assert who(client) == "gaston" and mail.outbox == []


def test_existing_people_get_verified_addresses_so_nobody_is_locked_out(world):
    migration = importlib.import_module(
        "comptoir.accounts.migrations.0002_verified_email_addresses"
    )
    with_email(make_user("twin1", site=world.a1), "Twin@example.test")
    with_email(make_user("twin2", site=world.a1), "twin@example.test")
    with_email(make_user("mute", site=world.a1), "")
    EmailAddress.objects.create(user=world.agent, email="other@example.test", verified=False)
    migration.verify_existing(apps, None)
    rows = {a.user.username: a for a in EmailAddress.objects.select_related("user")}
    assert rows["alice"].verified and rows["alice"].primary
    assert rows["alice"].email == "alice@example.test"
    assert not rows["twin1"].verified and not rows["twin2"].verified  # shared: not guessed
    assert "mute" not in rows
    assert rows["gaston"].email == "other@example.test"  # rows already there are kept
    assert EmailAddress.objects.filter(user=world.agent).count() == 1


# -- Signup, session ------------------------------------------------------------------------


def test_allauths_signup_is_closed(world):
    before = User.objects.count()
    client = Client()
    page = client.get(reverse("account_signup"))
    assert tr("Accounts are opened by your service desk.", "fr") in page.content.decode()
    client.post(
        reverse("account_signup"),
        {
            "username": "eve",
            "email": "eve@x.test",
            "password1": "Correct-horse-42",
            "password2": "Correct-horse-42",
        },
    )
    assert User.objects.count() == before


def test_an_idle_session_ends_after_the_configured_delay(world, settings):
    assert production.SESSION_COOKIE_AGE == 15 * 60 and production.SESSION_SAVE_EVERY_REQUEST
    settings.SESSION_COOKIE_AGE = 600
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        login(client, "alice")
        assert client.session.get_expire_at_browser_close()  # no "remember me"
        for _step in range(3):  # every request pushes the end back
            clock.shift(timedelta(minutes=9))
            assert client.get(reverse("portal:tickets")).status_code == 200
        clock.shift(timedelta(minutes=10, seconds=1))
        response = client.get(reverse("portal:tickets"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert who(client) is None

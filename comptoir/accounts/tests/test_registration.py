# covers: TEN-5, TEN-4
"""Self-registration with a customer number: the right code makes a customer of that site in
one step, logged in and able to file a request at once; every refusal says why on its field
and writes nothing; a closed instance or organisation, and guessing codes, get nowhere."""

from __future__ import annotations

import html

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core import mail
from django.core.cache import cache
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.accounts import actions
from comptoir.accounts.actions import register_customer
from comptoir.accounts.models import Role, User
from comptoir.conftest import category
from comptoir.core.errors import InvalidInput
from comptoir.portal.forms import NO_SITE_MESSAGE
from comptoir.tickets.models import Ticket

URL = "/register/"
PASSWORD = "Gr4nd-Tilleul-17"
BAD_CODE = "This customer number is not valid or does not allow registration."


@pytest.fixture(autouse=True)
def _fresh_counts(db):
    """The attempt counts live in the shared cache: each test starts from none."""
    cache.clear()
    yield
    cache.clear()


def plain(value: str) -> str:
    """French non-breaking spaces (before « : ? ! ») as plain ones."""
    return value.replace("\xa0", " ").replace("\u202f", " ")


def fr(message: str) -> str:
    with translation.override("fr"):
        return plain(str(_(message)))


def page(response) -> str:
    return plain(html.unescape(response.content.decode()))


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "code": "ALY",
        "first_name": "Zoé",
        "last_name": "Nouvelle",
        "email": "zoe.nouvelle@alpha.test",
        "username": "",
        "password": PASSWORD,
        "password2": PASSWORD,
        "language": "fr",
    }
    data.update(overrides)
    return data


def post(client: Client | None = None, ip: str = "203.0.113.7", **overrides: str):
    client = client or Client()
    return client.post(URL, form_data(**overrides), REMOTE_ADDR=ip)


def field_error(response, field: str) -> str:
    """The error shown under one field (its id is the field's auto id)."""
    form = response.context["form"]
    return plain(" ".join(form.errors.get(field, [])))


def refused(response, field: str, message: str, *, before: int) -> None:
    assert response.status_code == 400
    assert field_error(response, field) == fr(message)
    assert fr(message) in page(response)
    assert User.objects.count() == before
    assert "_auth_user_id" not in response.client.session


# --- the way in ----------------------------------------------------------------------------


def test_the_right_code_makes_a_customer_of_that_site_who_files_a_request_at_once(world):
    client = Client()
    response = post(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:new")
    user = User.objects.get(email="zoe.nouvelle@alpha.test")
    assert (user.role, user.site, user.organisation) == (Role.CUSTOMER, world.a1, world.org_a)
    assert (user.first_name, user.last_name, user.language) == ("Zoé", "Nouvelle", "fr")
    assert user.username == "zoe.nouvelle@alpha.test"  # no login typed: the address is it
    assert user.is_active and user.has_usable_password()
    # Logged in: the new request page, without TEN-4's "no site" refusal.
    assert client.session["_auth_user_id"] == str(user.pk)
    choose = client.get(reverse("portal:new"))
    assert choose.status_code == 200
    assert fr(NO_SITE_MESSAGE) not in page(choose)
    assert fr("Welcome! Your account is ready: choose what you need and file your request.") in (
        page(choose)
    )
    new = reverse("portal:new_ticket", kwargs={"desk": "itil", "type": "incident"})
    filed = client.post(
        new,
        {
            "category": category("itil", "impression").pk,
            "title": "Première demande",
            "description": "Imprimante du 2e étage.",
        },
    )
    ticket = Ticket.objects.get(title="Première demande")
    assert filed.status_code == 302 and filed["Location"].endswith(f"/{ticket.key}/")
    assert (ticket.reporter, ticket.site) == (user, world.a1)


def test_the_address_is_recorded_unverified_and_a_verification_mail_is_sent(world):
    post()
    user = User.objects.get(email="zoe.nouvelle@alpha.test")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == (user.email, True, False)
    assert [m.to for m in mail.outbox] == [["zoe.nouvelle@alpha.test"]]
    assert "/account/confirm-email/" in mail.outbox[0].body


def test_no_verification_mail_when_verification_is_off(world, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    assert post().status_code == 302
    assert EmailAddress.objects.filter(email="zoe.nouvelle@alpha.test", verified=False).exists()
    assert mail.outbox == []


def test_with_mandatory_verification_the_newcomer_verifies_before_coming_in(world, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    client = Client()
    response = post(client)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email="zoe.nouvelle@alpha.test").exists()
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1


def test_a_chosen_login_and_the_address_both_log_in(world):
    post(username="zoe", language="en")
    user = User.objects.get(username="zoe")
    assert user.language == "en"
    assert authenticate(username="zoe", password=PASSWORD) == user
    assert authenticate(username="ZOE.Nouvelle@alpha.test", password=PASSWORD) == user


@pytest.mark.parametrize("typed", [" aly ", "aly", "Aly\t"])
def test_the_code_is_read_without_case_and_surrounding_spaces(world, typed):
    assert post(code=typed).status_code == 302
    assert User.objects.get(email="zoe.nouvelle@alpha.test").site == world.a1


def test_the_address_is_kept_in_lower_case(world):
    post(email="  Zoe.Nouvelle@Alpha.TEST ")
    assert User.objects.filter(email="zoe.nouvelle@alpha.test").count() == 1


def test_someone_logged_in_is_sent_home(world):
    client = Client()
    client.force_login(world.customer)
    assert client.get(URL)["Location"] == reverse("web:home")
    before = User.objects.count()
    assert post(client).status_code == 302
    assert User.objects.count() == before


def test_the_page_offers_the_form_in_the_products_frame(world):
    response = Client().get(URL)
    body = page(response)
    assert response.status_code == 200
    for name in ("code", "first_name", "last_name", "email", "username", "password", "password2"):
        assert f'name="{name}"' in body
    assert fr("Customer number") in body and 'href="/login/"' in body
    assert 'autocomplete="new-password"' in body and "<script>" not in body


# --- refusals: a clear message on the right field, nothing written --------------------------


def test_a_wrong_code_is_refused(world):
    before = User.objects.count()
    refused(post(code="XYZ"), "code", BAD_CODE, before=before)
    assert EmailAddress.objects.filter(email="zoe.nouvelle@alpha.test").count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("closed", ["site", "organisation", "registration", "provider"])
def test_a_code_that_does_not_take_registrations_looks_like_a_wrong_one(world, closed):
    if closed == "site":
        world.a1.is_active = False
        world.a1.save()
    elif closed == "organisation":
        world.org_a.is_active = False
        world.org_a.save()
    elif closed == "registration":
        world.org_a.registration_open = False
        world.org_a.save()
    else:
        world.a1.organisation = world.provider
        world.a1.save()
    before = User.objects.count()
    refused(post(), "code", BAD_CODE, before=before)


def test_the_other_sites_of_the_organisation_follow_their_own_flags(world):
    world.a2.is_active = False
    world.a2.save()
    before = User.objects.count()
    refused(post(code="ALI"), "code", BAD_CODE, before=before)
    assert post(code="ALY").status_code == 302


def test_a_missing_code_is_asked_for(world):
    before = User.objects.count()
    refused(post(code="   "), "code", "This field is required.", before=before)
    with pytest.raises(InvalidInput) as exc:
        register_customer(**_action_args(code=" "))
    assert exc.value.field == "code"


def test_an_address_someone_has_is_refused_whatever_its_case(world):
    before = User.objects.count()
    response = post(email="ALICE@Example.TEST")  # alice@example.test
    refused(response, "email", "Someone already has this e-mail address.", before=before)


def test_an_address_that_is_someones_login_is_refused(world):
    User.objects.filter(pk=world.customer.pk).update(username="zoe.nouvelle@alpha.test")
    before = User.objects.count()
    refused(post(), "email", "Someone already has this e-mail address.", before=before)


def test_a_login_someone_has_is_refused_whatever_its_case(world):
    before = User.objects.count()
    refused(post(username="ALICE"), "username", "This login is already taken.", before=before)


def test_a_login_that_is_another_address_is_refused(world):
    before = User.objects.count()
    response = post(username="boss@alpha.test")
    refused(response, "username", "A login with @ must be your own e-mail address.", before=before)


@pytest.mark.parametrize("weak", ["short1!", "password123", "12345678901", "zoe.nouvelle"], ids=str)
def test_a_weak_password_is_refused_with_the_validators_reasons(world, weak):
    before = User.objects.count()
    response = post(password=weak, password2=weak)
    assert response.status_code == 400
    assert field_error(response, "password")
    assert User.objects.count() == before


def test_two_different_passwords_are_refused(world):
    before = User.objects.count()
    response = post(password2=PASSWORD + "x")
    refused(response, "password2", "The two passwords differ.", before=before)


def test_names_are_required(world):
    before = User.objects.count()
    refused(post(first_name=" "), "first_name", "This field is required.", before=before)
    with pytest.raises(InvalidInput) as exc:
        register_customer(**_action_args(last_name="  "))
    assert exc.value.field == "last_name"


def test_a_concurrent_duplicate_gets_the_same_clear_answer(world, monkeypatch):
    """The checks passed, then the insert meets the other registration's row: the unique
    login says so, and the refusal is the ordinary one, with nothing written."""
    monkeypatch.setattr(actions, "_login", lambda username, email: "alice")
    before = (User.objects.count(), EmailAddress.objects.count())
    with translation.override("en"), pytest.raises(InvalidInput) as exc:
        register_customer(**_action_args(username="alice"))
    assert (exc.value.field, str(exc.value)) == ("username", "This login is already taken.")
    assert (User.objects.count(), EmailAddress.objects.count()) == before


def _action_args(**overrides: str) -> dict[str, str]:
    args = form_data(**overrides)
    args.pop("password2")
    return args


# --- closed instance ------------------------------------------------------------------------


def test_a_closed_instance_says_so_and_takes_nothing(world, settings):
    settings.COMPTOIR_REGISTRATION_OPEN = False
    response = Client().get(URL)
    assert response.status_code == 200
    body = page(response)
    assert fr("Registration is closed. Your service desk opens accounts: contact it.") in body
    assert 'name="code"' not in body
    before = User.objects.count()
    assert post().status_code == 403
    assert User.objects.count() == before
    with pytest.raises(InvalidInput) as exc:
        register_customer(**_action_args())
    assert exc.value.code == "registration_closed"
    assert User.objects.count() == before


def test_links_to_the_page_disappear_while_registration_is_closed(world, settings):
    link = Template("{% load registration_links %}{% registration_url as url %}[{{ url }}]")
    assert link.render(Context()) == "[/register/]"
    settings.COMPTOIR_REGISTRATION_OPEN = False
    assert link.render(Context()) == "[]"


# --- guessing codes -------------------------------------------------------------------------


def test_attempts_are_limited_per_address(world):
    for n in range(10):
        assert post(code=f"GUESS{n}").status_code == 400
    before = User.objects.count()
    response = post()  # even the right code, from that address, for now
    assert response.status_code == 429
    message = fr(
        "Too many registration attempts from your address. "
        "Try again in %(minutes)s minutes, or ask your service desk."
    ) % {"minutes": 60}
    assert [plain(e) for e in response.context["form"].non_field_errors()] == [message]
    assert message in page(response)
    assert User.objects.count() == before
    # Another address is not held back.
    assert post(ip="198.51.100.9").status_code == 302


def test_the_limit_follows_the_setting(world, settings):
    settings.COMPTOIR_REGISTRATION_RATE = "2/min"
    assert post(code="NOPE").status_code == 400
    assert post(code="NOPE").status_code == 400
    assert post().status_code == 429
    settings.COMPTOIR_REGISTRATION_RATE = ""
    assert post().status_code == 302


# --- in a real browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_register_then_file_a_request_in_the_browser(world, browser):
    page = browser.go(URL)
    page.fill("input[name=code]", " aly ")
    page.fill("input[name=first_name]", "Zoé")
    page.fill("input[name=last_name]", "Nouvelle")
    page.fill("input[name=email]", "zoe.nouvelle@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    browser.shot("register-fr")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/portal/new/")
    assert "Zoé Nouvelle" in page.locator("header .who").inner_text()
    browser.go(reverse("portal:new_ticket", kwargs={"desk": "itil", "type": "incident"}))
    page.select_option("select[name=category]", str(category("itil", "impression").pk))
    # Not wait_for_function with a string: the Content-Security-Policy forbids its eval().
    from playwright.sync_api import expect

    expect(page.locator("input[name=title]")).not_to_have_value("")
    page.fill("input[name=title]", "Première demande")
    page.click("form.new-ticket button[type=submit]")
    page.wait_for_url("**/portal/tickets/IT-*/")
    ticket = Ticket.objects.get(title="Première demande")
    assert ticket.reporter.email == "zoe.nouvelle@alpha.test"
    assert ticket.site == world.a1

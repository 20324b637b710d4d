# covers: POR-6, TEN-7
"""Two-factor authentication (allauth.mfa, docs/decisions/0010): turning an authenticator
app on, the code asked after the password, recovery codes, and the instance setting that
makes it compulsory for staff (COMPTOIR_MFA_REQUIRED_FOR_STAFF)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from comptoir.api.tests.helpers import api_client

from .helpers import login, totp_code, tr, who

AUTHENTICATE = reverse("mfa_authenticate")
ACTIVATE = reverse("mfa_activate_totp")


def with_totp(person) -> str:
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    RecoveryCodes.activate(person)
    return secret


def recovery_codes(person) -> list[str]:
    auth = Authenticator.objects.get(user=person, type=Authenticator.Type.RECOVERY_CODES)
    return auth.wrap().get_unused_codes()


# -- Turning it on --------------------------------------------------------------------------


def test_turning_on_an_authenticator_app_with_a_code_from_it(world):
    client = Client()
    login(client, "alice")  # a fresh login: allauth asks no password again
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in page.content.decode() and "data:image/svg+xml;base64," in page.content.decode()
    wrong = client.post(ACTIVATE, {"code": totp_code(secret, offset=5)})
    assert wrong.status_code == 200 and "code" in wrong.context["form"].errors
    assert not Authenticator.objects.filter(user=world.customer).exists()
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    kinds = set(Authenticator.objects.filter(user=world.customer).values_list("type", flat=True))
    assert kinds == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    codes = client.get(response["Location"])
    assert codes.status_code == 200 and len(codes.context["unused_codes"]) == 10


def test_an_old_login_is_asked_for_the_password_again_before_turning_it_on(world):
    client = Client()
    client.force_login(world.customer)  # no recent authentication recorded
    response = client.get(ACTIVATE)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    page = client.get(response["Location"])
    assert tr("Confirm it is you", "fr") in page.content.decode()
    back = client.post(response["Location"], {"password": "pw"})
    assert back["Location"] == ACTIVATE
    assert client.get(ACTIVATE).status_code == 200


def test_an_unverified_address_must_be_verified_first(world):
    EmailAddress.objects.create(user=world.customer, email=world.customer.email, primary=True)
    client = Client()
    login(client, "alice")
    response = client.get(ACTIVATE, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_index")
    assert f'href="{reverse("account_email")}"' in response.content.decode()


def test_the_pages_are_reached_from_profile_and_preferences(world):
    for person, page in ((world.customer, "portal:profile"), (world.agent, "console:preferences")):
        client = Client()
        client.force_login(person)
        assert f'href="{reverse("mfa_index")}"' in client.get(reverse(page)).content.decode()
        index = client.get(reverse("mfa_index"))
        assert index.status_code == 200
        assert f'href="{ACTIVATE}"' in index.content.decode()
        # In the frame of the person's own side.
        side = "console.css" if person.is_staff_member else "portal.css"
        assert side in index.content.decode()


# -- Logging in with it ---------------------------------------------------------------------


def test_login_asks_for_the_code_and_refuses_a_wrong_one(world):
    secret = with_totp(world.customer)
    client = Client()
    response = login(client, "alice")
    assert response["Location"] == AUTHENTICATE and who(client) is None
    assert client.get(reverse("portal:tickets")).status_code == 302  # not in yet
    wrong = client.post(AUTHENTICATE, {"code": totp_code(secret, offset=10)})
    assert wrong.status_code == 200 and who(client) is None
    assert wrong.context["form"].errors["code"]
    done = client.post(AUTHENTICATE, {"code": totp_code(secret)})
    assert done["Location"] == "/" and who(client) == "alice"


def test_a_code_works_once(world):
    secret = with_totp(world.customer)
    code = totp_code(secret)
    first, second = Client(), Client()
    login(first, "alice")
    login(second, "alice")
    first.post(AUTHENTICATE, {"code": code})
    second.post(AUTHENTICATE, {"code": code})
    assert who(first) == "alice" and who(second) is None


def test_a_recovery_code_logs_in_once(world):
    with_totp(world.customer)
    code = recovery_codes(world.customer)[0]
    client = Client()
    login(client, "alice")
    client.post(AUTHENTICATE, {"code": code})
    assert who(client) == "alice"
    assert code not in recovery_codes(world.customer)
    again = Client()
    login(again, "alice")
    response = again.post(AUTHENTICATE, {"code": code})
    assert response.status_code == 200 and who(again) is None


def test_the_second_step_cannot_be_reached_without_the_first(world):
    with_totp(world.customer)
    response = Client().get(AUTHENTICATE)
    assert response["Location"] == reverse("account_login")


def test_turning_it_off_asks_who_you_are_then_removes_the_codes_too(world):
    with_totp(world.customer)
    client = Client()
    client.force_login(world.customer)  # logged in long ago: no recent authentication
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    page = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("mfa_reauthenticate")}' in page  # or by a code from the app
    assert client.post(response["Location"], {"password": "nope"}).status_code == 200
    # The POST that was held up goes through once the password is typed.
    back = client.post(response["Location"], {"password": "pw"})
    assert back["Location"] == reverse("mfa_index")
    assert not Authenticator.objects.filter(user=world.customer).exists()


# -- Compulsory for staff -------------------------------------------------------------------


@pytest.fixture
def required(settings):
    settings.COMPTOIR_MFA_REQUIRED_FOR_STAFF = True


@pytest.mark.parametrize("who_", ["agent", "manager", "admin"])
def test_staff_without_an_app_are_sent_to_set_it_up_first(world, required, who_):
    client = Client()
    client.force_login(getattr(world, who_))
    for url in (reverse("console:queue"), reverse("api_tokens:list"), "/admin/", "/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == ACTIVATE, url
    hx = client.get(reverse("console:queue"), HTTP_HX_REQUEST="true")
    assert hx.status_code == 204 and hx["HX-Redirect"] == ACTIVATE
    index = client.get(reverse("mfa_index"))
    assert index.status_code == 200
    assert (
        tr(
            "Your service desk requires two-factor authentication for its staff: "
            "set up an authenticator app to go on.",
            "fr",
        )
        in index.content.decode()
    )
    assert client.get(reverse("account_email")).status_code == 200
    # On the API the login session does not count (not even beside a wrong token)…
    assert client.get("/api/v1/tickets").status_code == 401
    assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    # …a token does: it is a credential of its own.
    assert api_client(getattr(world, who_)).get("/api/v1/tickets").status_code == 200
    assert client.post(reverse("account_logout"))["Location"] == "/login/"


def test_staff_with_an_app_and_customers_go_where_they_like(world, required):
    with_totp(world.agent)
    for person, url in ((world.agent, "console:queue"), (world.customer, "portal:tickets")):
        client = Client()
        client.force_login(person)
        assert client.get(reverse(url)).status_code == 200


def test_staff_cannot_turn_it_off_while_it_is_required(world, required):
    secret = with_totp(world.agent)
    client = Client()
    login(client, "gaston")
    client.post(AUTHENTICATE, {"code": totp_code(secret)})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200 and response.context["form"].errors
    assert Authenticator.objects.filter(user=world.agent, type="totp").exists()


def test_staff_set_it_up_right_after_logging_in(world, required):
    client = Client()
    response = login(client, "gaston")
    assert who(client) == "gaston"
    assert client.get(response["Location"])["Location"] == ACTIVATE
    secret = client.get(ACTIVATE).context["form"].secret
    client.post(ACTIVATE, {"code": totp_code(secret)})
    assert client.get(reverse("console:queue")).status_code == 200


def test_nothing_is_required_by_default(world):
    client = Client()
    client.force_login(world.agent)
    assert client.get(reverse("console:queue")).status_code == 200

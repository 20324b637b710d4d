# covers: X-1, POR-6, TEN-4
"""My profile: who I am, read-only (no site choice, no approval delegation: TEN-4), my
language (per-user, X-1) and the way to my password (POR-6)."""

from __future__ import annotations

from django.urls import reverse

from comptoir.accounts.models import Department

from .helpers import client_for, fr, text

URL = reverse("portal:profile")


def test_profile_shows_who_i_am_read_only(world):
    world.customer.first_name, world.customer.last_name = "Alice", "Martin"
    world.customer.department = Department.objects.create(site=world.a1, name="Comptabilité")
    world.customer.save()
    response = client_for(world.customer).get(URL)
    page = text(response)
    assert response.status_code == 200
    for expected in ("Alice Martin", "alice@example.test", "Alpha Lyon", "ALY", "Comptabilité"):
        assert expected in page, expected
    # TEN-4: nothing to choose a site or delegate approvals with.
    for name in ("site", "department", "delegate", "delegation", "organisation"):
        assert f'name="{name}"' not in page


def test_switch_language_saves_it_on_the_account(world):
    client = client_for(world.customer)
    response = client.post(reverse("portal:language"), {"lang-language": "en"})
    assert response.status_code == 302 and response["Location"] == URL
    world.customer.refresh_from_db()
    assert world.customer.language == "en"
    page = text(client.get(URL))
    assert "My profile" in page and "Your language has been saved." in page
    # The list follows: status names in English.
    assert '<html lang="en"' in text(client.get(reverse("portal:tickets")))


def test_an_unknown_language_is_refused_next_to_the_field(world):
    response = client_for(world.customer).post(reverse("portal:language"), {"lang-language": "de"})
    assert response.status_code == 400
    assert response.context["language_form"].errors == {
        "language": [fr("Choose French or English.")]
    }
    world.customer.refresh_from_db()
    assert world.customer.language == "fr"


def test_profile_links_to_password_and_two_factor_pages(world):
    """POR-6: the password is changed on the identity pages (accounts/tests/test_identity.py
    tests them); the profile leads there."""
    page = text(client_for(world.customer).get(URL))
    for name in ("account_change_password", "mfa_index", "account_email"):
        assert f'href="{reverse(name)}"' in page, name

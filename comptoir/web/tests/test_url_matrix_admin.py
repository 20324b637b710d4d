# covers: TEN-2, TEN-7
"""The admin and the identity pages in the web pages' matrix.

The admin's URLs are generated from its registry (every registered model's changelist,
add, change, delete and history pages and its object redirect, the site's own pages, the
extra pages url_matrix_table.ADMIN_EXTRAS names): every role but the administrator is
refused on each, GET and POST, and nothing is written; the administrator opens every
model's changelist and an object's change page. The identity pages (allauth) take no id:
each role gets what url_matrix_table.ACCOUNT says and writes nothing; the two that take
a key, given a key made for someone else, neither sign that person in nor change them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from comptoir.accounts.models import User
from comptoir.tickets.models import Ticket
from comptoir.web.tests.url_matrix_checks import expect, send
from comptoir.web.tests.url_matrix_scene import Scene
from comptoir.web.tests.url_matrix_table import ACCOUNT, ROLES, admin_keys, walk

pytestmark = pytest.mark.django_db

PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def admin_urls(scene: Scene) -> list[tuple[str, str]]:
    """(key, URL) of every admin pattern, its arguments filled with rows of the scene."""
    ticket = scene.tickets["alice"]
    values = {
        "id": str(scene.w.customer.pk),
        "pk": "1",
        "content_type_id": str(ContentType.objects.get_for_model(Ticket).pk),
        "object_id": str(ticket.pk),
    }
    keys = admin_keys(admin.site)
    found = []
    for key, route, _pattern in walk():
        if not route.startswith("admin/"):
            continue
        assert key in keys, key
        if route.startswith("admin/^"):  # an app's index
            found.append((key, "/admin/tickets/"))
            continue
        if "(?P<url>" in route:  # the catch-all
            found.append((key, "/admin/nowhere/"))
            continue
        parts = route.split("/")
        mine = dict(values)
        try:
            model = apps.get_model(parts[1], parts[2]) if len(parts) > 3 else None
        except LookupError:
            model = None
        if model is not None:  # a model's page: its first row
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            mine["object_id"] = str(first or 1)
        found.append((key, "/" + PARAM.sub(lambda m, given=mine: given[m[1]], route)))
    return found


def refused_by_admin(answer: Any, url: str) -> bool:
    """The admin's refusal: its login (which sends people to the site's), a 403 or 404,
    or, for its logout, back to its index without signing anyone out."""
    if answer.status in (403, 404, 405):
        return True
    if answer.status != 302:
        return False
    if url == "/admin/logout/":
        return answer.location == "/admin/"
    return answer.location.startswith(("/admin/login/", "/login/"))


def test_the_admin_refuses_everyone_but_administrators(world, subtests):
    scene = Scene(world)
    clients = scene.clients()
    urls = admin_urls(scene)
    assert len(urls) > 200
    body = {"post": "yes", "action": "delete_selected", "_selected_action": ["1"], "name": "x"}
    for role in ROLES[:-1]:
        for key, url in urls:
            with subtests.test(key, role=role):
                for method in ("GET", "POST"):
                    answer = send(clients[role], method, url, body)
                    assert refused_by_admin(answer, url), (method, url, str(answer))
                    assert not answer.written, (method, url, answer.written)
                    assert "secret-" not in answer.text, (method, url)


def test_the_administrator_opens_every_models_pages(world, subtests):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save(update_fields=["is_staff", "is_superuser"])
    scene = Scene(world)
    client = scene.clients()["admin"]
    for url in ("/admin/", "/admin/tickets/"):
        assert send(client, "GET", url).status == 200, url
    for model in admin.site._registry:
        opts = model._meta
        with subtests.test(f"{opts.app_label}.{opts.model_name}"):
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            expect(send(client, "GET", changelist), "200", "GET", changelist)
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                page = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
                expect(send(client, "GET", page), "200", "GET", page)


def test_the_identity_pages_act_on_the_signed_in_person_only(world, subtests):
    """No identity page takes a person's id; each answers as ACCOUNT says and writes
    nothing, GET and an empty POST (a fresh session per role: a POST may sign it out)."""
    scene = Scene(world)
    for key, _route, pattern in walk():
        if key in ACCOUNT:
            names = set(pattern.pattern.regex.groupindex)
            assert names <= {"key", "uidb36"}, (key, names)
            assert bool(names) == (ACCOUNT[key] is None), key
    pages = {k: e for k, e in ACCOUNT.items() if e is not None}
    posts = sorted(pages, key=lambda k: k == "account_logout")  # signing out comes last
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(scene.user(role))
        for key, expected in pages.items():
            with subtests.test(key, role=role):
                url = reverse(key)
                expect(send(client, "GET", url), expected[role], "GET", f"{key} {role}")
        for key in posts:
            with subtests.test(key, role=role, method="POST"):
                answer = send(client, "POST", reverse(key), {})
                assert answer.status < 500 and not answer.written, (key, str(answer))


def _who(client: Client) -> str | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk).username if pk else None


def _person(user: User) -> tuple[Any, ...]:
    user.refresh_from_db()
    verified = EmailAddress.objects.filter(user=user).values_list("verified", flat=True)
    return (user.password, user.email, user.is_active, user.role, tuple(verified))


def test_keys_made_for_someone_else_neither_sign_in_nor_change_them(world, subtests):
    """bob (another organisation), signed in or not, opens alice's password reset with his
    own key, and confirms an address with a key whose signature is his and whose address
    is alice's: alice is neither signed in nor changed."""
    alice, bob = world.customer, world.outsider
    for user in (alice, bob):  # addresses not verified yet: what a key would change
        EmailAddress.objects.create(user=user, email=user.email, primary=True)
    alice_address = EmailAddress.objects.get(user=alice)
    bob_address = EmailAddress.objects.get(user=bob)
    theirs = EmailConfirmationHMAC(alice_address).key
    forged = theirs.split(":", 1)[0] + ":" + EmailConfirmationHMAC(bob_address).key.split(":", 1)[1]
    reset = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(alice),
            "key": default_token_generator.make_token(bob),
        },
    )
    password = {"password1": "Correct-horse-42", "password2": "Correct-horse-42"}
    for who in ("anonymous", "bob"):
        client = Client()
        if who == "bob":
            client.force_login(bob)
        signed = _who(client)
        before = _person(alice)
        with subtests.test("reset with a key made for bob", who=who):
            page = client.get(reset, follow=True)
            assert page.status_code == 200 and page.context["token_fail"] is True
            client.post(reset, password, follow=True)
            assert _who(client) == signed and _person(alice) == before
        with subtests.test("an address key signed for bob", who=who):
            url = reverse("account_confirm_email", kwargs={"key": forged})
            assert client.get(url).status_code in (200, 404)  # "this link is invalid"
            assert client.post(url).status_code in (200, 404)
            assert _who(client) == signed and _person(alice) == before  # still unverified
        with subtests.test("alice's own address key, opened by someone else", who=who):
            url = reverse("account_confirm_email", kwargs={"key": theirs})
            client.get(url)
            client.post(url)
            assert _who(client) == signed  # never alice
            alice.refresh_from_db()
            assert alice.password == before[0] and alice.role == before[3]

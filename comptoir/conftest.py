"""Shared test fixtures: the four presets loaded once per test database, and a `world` of
people across tenants, so every test can try another tenant's objects in one line."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection

from comptoir.accounts.models import Organisation, Role, Site, User
from comptoir.catalog.models import Category, Desk, ServiceMember
from comptoir.workflows.presets import PRESET_NAMES
from comptoir.workflows.presets.loader import load_preset


def ensure_presets() -> None:
    if Desk.objects.filter(slug__in=PRESET_NAMES).count() != len(PRESET_NAMES):
        for name in PRESET_NAMES:
            load_preset(name)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_presets()


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def make_user(
    username: str,
    role: str = Role.CUSTOMER,
    site: Site | None = None,
    organisation: Organisation | None = None,
    language: str = "fr",
    **extra,
) -> User:
    return User.objects.create_user(
        username=username,
        password="pw",
        email=f"{username}@example.test",
        role=role,
        site=site,
        organisation=organisation or (site.organisation if site else None),
        language=language,
        **extra,
    )


def category(desk: str, slug: str) -> Category:
    return Category.objects.select_related("service__desk").get(service__desk__slug=desk, slug=slug)


def member(user: User, desk: str, service: str, *, can_manage: bool = False) -> ServiceMember:
    m = ServiceMember.objects.create(
        service=Desk.objects.get(slug=desk).services.get(slug=service),
        user=user,
        can_manage=can_manage,
    )
    return m


@pytest.fixture
def world(db):
    """Provider staff and two customer organisations (A with two sites, B with one)."""
    ensure_presets()
    provider = Organisation.objects.create(name="Provider", code="provider", is_provider=True)
    org_a = Organisation.objects.create(name="Alpha SA", code="alpha")
    org_b = Organisation.objects.create(name="Beta GmbH", code="beta")
    a1 = Site.objects.create(organisation=org_a, name="Alpha Lyon", code="ALY", division="Sud")
    a2 = Site.objects.create(organisation=org_a, name="Alpha Lille", code="ALI", division="Nord")
    b1 = Site.objects.create(organisation=org_b, name="Beta Berlin", code="BBE")
    w = SimpleNamespace(provider=provider, org_a=org_a, org_b=org_b, a1=a1, a2=a2, b1=b1)
    w.customer = make_user("alice", site=a1)
    w.colleague = make_user("albert", site=a1, language="en")
    w.other_site = make_user("anna", site=a2)
    w.customer_manager = make_user("amelie", Role.CUSTOMER_MANAGER, site=a1)
    w.outsider = make_user("bob", site=b1, language="en")
    w.agent = make_user("gaston", Role.AGENT, organisation=provider)
    w.agent2 = make_user("gisele", Role.AGENT, organisation=provider)
    w.manager = make_user("marc", Role.SERVICE_MANAGER, organisation=provider)
    w.other_agent = make_user("olga", Role.AGENT, organisation=provider)
    w.admin = make_user("root", Role.ADMIN, organisation=provider)
    for desk, svc in (
        ("spt", "customer-services"),
        ("ent", "dsi"),
        ("itil", "infrastructure"),
        ("itil", "applications"),
        ("n123", "support-n1"),
        ("n123", "support-n2"),
        ("n123", "support-n3"),
    ):
        member(w.agent, desk, svc)
        member(w.agent2, desk, svc)
        member(w.manager, desk, svc, can_manage=True)
    member(w.other_agent, "ent", "services-generaux")
    w.desks = {d.slug: d for d in Desk.objects.all()}
    return w


def pg_only(reason: str = "needs PostgreSQL (row locks across connections)"):
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=reason)

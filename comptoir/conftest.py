"""Shared test fixtures: the four presets loaded once per test database, and a `world` of
people across tenants, so every test can try another tenant's objects in one line."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client

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


def signed_in(user: User) -> Client:
    """A client signed in as that person (also the `login` fixture, for module helpers)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login() -> Callable[[User], Client]:
    """`login(user)`: a client signed in as that person."""
    return signed_in


# --- Frozen time, in the presets' time zone ----------------------------------------------

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def clock() -> Iterator[Callable[..., datetime]]:
    """`clock(2026, 1, 15, 10)` freezes the time at that Paris moment (and moves it)."""
    traveller = None

    def go(*args: int) -> datetime:
        nonlocal traveller
        if traveller is not None:
            traveller.stop()
        moment = paris(*args)
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        return moment

    yield go
    if traveller is not None:
        traveller.stop()


# --- Real browser (Debian's Chromium through Playwright) -------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


BROWSER_ON_POSTGRESQL = "COMPTOIR_BROWSER_ON_POSTGRESQL"


def pytest_collection_modifyitems(config, items) -> None:
    """Browser tests run on the SQLite pass only (COMPTOIR_BROWSER_ON_POSTGRESQL=1 runs them
    on PostgreSQL too): they prove what the browser gets — pages, scripts, the policy,
    escaping — which does not depend on the database, and each one costs a full
    transactional flush; what PostgreSQL changes (locks, search, plans) has its own tests."""
    if connection.vendor != "postgresql" or os.environ.get(BROWSER_ON_POSTGRESQL):
        return
    skip = pytest.mark.skip(
        reason="browser tests run on the SQLite pass (the pages do not depend on the "
        f"database; {BROWSER_ON_POSTGRESQL}=1 runs them here too)"
    )
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()) or item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session; the tests skip, with the reason, without it."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (make test installs it as root)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright package (make test installs it)")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are
    # still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


# Every Content-Security-Policy violation a page reports, whatever the test does: the
# `browser` fixture fails the test at its end if there was any (docs/security.md).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation(JSON.stringify({
    page: document.location.pathname, directive: e.effectiveDirective,
    blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample,
  }));
}, true);
"""


class Browser:
    """A page on the live server, with a login shortcut and named screenshots.

    `csp_violations` lists what the Content-Security-Policy blocked, as the browser
    reported it (JSON strings); the fixture fails any test that leaves one there."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.csp_violations: list[str] = []
        page.context.expose_function(
            "__cspViolation", lambda report: self.csp_violations.append(report)
        )
        page.context.add_init_script(CSP_LISTENER)

    def go(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def login(self, username: str, password: str = "pw"):
        self.page.context.clear_cookies()
        self.go("/login/")
        self.page.fill("input[name=login]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("main form button[type=submit]")
        return self.page

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def browser(chromium, live_server):
    # The rate limits count in the shared cache, whose table no test flush empties: each
    # browser test starts with fresh counts, as it would on a fresh instance.
    from django.core.cache import cache

    cache.clear()
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    b = Browser(page, live_server.url)
    yield b
    context.close()
    seen = sorted(set(b.csp_violations))
    assert not seen, f"{len(b.csp_violations)} Content-Security-Policy violations: {seen[:10]}"


@pytest.fixture
def department_cis(world):
    """Two departments at Lyon (the customer in Compta, the colleague in Atelier), a CI in
    each, one without department, one at Lille, one in Berlin, one of Alpha without site:
    what external support mode must tell apart (TEN-4, COMPTOIR_CI_BY_DEPARTMENT)."""
    from comptoir.accounts.models import Department
    from comptoir.cmdb.models import ConfigurationItem

    compta = Department.objects.create(site=world.a1, name="Compta")
    atelier = Department.objects.create(site=world.a1, name="Atelier")
    world.customer.department = compta
    world.customer.save()
    world.colleague.department = atelier
    world.colleague.save()
    make = ConfigurationItem.objects.create
    return {
        "compta": make(site=world.a1, department=compta, name="PC-COMPTA"),
        "atelier": make(site=world.a1, department=atelier, name="PC-ATELIER"),
        "lyon": make(site=world.a1, name="IMPRIMANTE-LYON"),
        "lille": make(site=world.a2, name="PC-LILLE"),
        "berlin": make(site=world.b1, name="PC-BERLIN"),
        "nowhere": make(organisation=world.org_a, name="PORTABLE-SANS-SITE"),
    }

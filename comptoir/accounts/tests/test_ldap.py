"""The LDAP directory (TEN-7, 002 "Recherche LDAP") against a real OpenLDAP (conftest.py):
login with the directory password, people created and updated from their entry, the
fallback to local passwords, the agents' lookup and import, escaping, and who may ask."""

from __future__ import annotations

import ast
import logging
import os
import subprocess
import sys

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from comptoir.accounts.actions import person_sync_from_directory
from comptoir.accounts.models import Role, User
from comptoir.accounts.selectors import directory_candidates, directory_entry_get
from comptoir.accounts.tests.conftest import (
    AGENTS_GROUP,
    PEOPLE,
    READER_DN,
    READER_PASSWORD,
    free_port,
)
from comptoir.core.errors import DomainError, NotFound

DIRECTORY = "comptoir.accounts.ldap.DirectoryBackend"
LOCAL = "comptoir.accounts.backends.UsernameOrEmailBackend"
INJECTION = "*)(uid=*"
# Pasted unescaped into the lookup filter, this one makes a valid filter matching everyone.
LOOKUP_INJECTION = "nobody)(uid="


def ldap_settings(settings, url: str, **overrides) -> None:
    conf = dict(settings.COMPTOIR_LDAP)
    conf.update(
        BIND_DN=READER_DN,
        BIND_PASSWORD=READER_PASSWORD,
        USER_BASE=PEOPLE,
        TIMEOUT=3,
        SIZE_LIMIT=10,
        **overrides,
    )
    settings.COMPTOIR_LDAP = conf
    settings.COMPTOIR_LDAP_URL = url
    settings.AUTHENTICATION_BACKENDS = [DIRECTORY, LOCAL]


@pytest.fixture
def directory(settings, slapd, world):
    ldap_settings(settings, slapd.url)
    added: list[str] = []

    def add(login: str, *args: str, **extra: str) -> str:
        added.append(slapd.add_person(login, *args, **extra))
        return added[-1]

    slapd.add = add
    yield slapd
    for dn in added:
        slapd.delete(dn)


@pytest.fixture
def directory_down(settings, world):
    ldap_settings(settings, f"ldap://127.0.0.1:{free_port()}")  # nothing listens there


def english_agent(world) -> Client:
    world.agent.language = "en"
    world.agent.save(update_fields=["language"])
    c = Client()
    c.force_login(world.agent)
    return c


# --- login ----------------------------------------------------------------------------


def test_login_with_the_directory_password_creates_a_customer_without_site(directory):
    user = authenticate(None, username="jdupont", password="jd-secret")
    assert user is not None and user.backend == DIRECTORY
    user.refresh_from_db()
    assert (user.username, user.first_name, user.last_name, user.email) == (
        "jdupont",
        "Jean",
        "Dupont",
        "jean.dupont@univ.test",
    )
    assert user.role == Role.CUSTOMER and user.site is None and user.organisation is None
    assert not user.has_usable_password()  # the directory keeps the password

    # By e-mail address too, and it is the same person.
    again = authenticate(None, username="Jean.Dupont@univ.test", password="jd-secret")
    assert again is not None and again.pk == user.pk
    by_email = authenticate(None, email="jean.dupont@univ.test", password="jd-secret")
    assert by_email is not None and by_email.pk == user.pk
    assert User.objects.filter(username__iexact="jdupont").count() == 1


def test_person_updated_when_the_directory_changes(directory):
    dn = directory.add("cmoreau", "Claire", "Moreau", "claire@univ.test", "cm-secret")
    first = authenticate(None, username="cmoreau", password="cm-secret")
    assert first is not None and first.last_name == "Moreau"

    directory.modify(dn, sn="Moreau-Petit", mail="claire.moreau@univ.test", userPassword="new")
    assert authenticate(None, username="cmoreau", password="cm-secret") is None
    second = authenticate(None, username="cmoreau", password="new")
    assert second is not None and second.pk == first.pk
    second.refresh_from_db()
    assert (second.last_name, second.email) == ("Moreau-Petit", "claire.moreau@univ.test")


def test_wrong_password_refused_by_the_directory_and_locally(directory):
    assert authenticate(None, username="jdupont", password="jd-secret") is not None
    assert authenticate(None, username="jdupont", password="wrong") is None
    assert authenticate(None, username="jdupont", password="") is None
    assert authenticate(None, username="nobody-here", password="jd-secret") is None


def test_person_absent_from_the_directory_logs_in_with_the_local_password(directory, world):
    user = authenticate(None, username="gaston", password="pw")
    assert user is not None and user.pk == world.agent.pk and user.backend == LOCAL
    assert authenticate(None, username="gaston", password="wrong") is None


def test_deactivated_person_stays_out_whatever_the_directory_says(directory):
    user = authenticate(None, username="mmartin", password="mm-secret")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert authenticate(None, username="mmartin", password="mm-secret") is None
    assert not User.objects.get(pk=user.pk).is_active


def test_directory_down_local_login_works_and_the_error_is_logged(directory_down, world, caplog):
    with caplog.at_level(logging.WARNING):
        user = authenticate(None, username="gaston", password="pw")
        assert user is not None and user.backend == LOCAL
        assert authenticate(None, username="jdupont", password="jd-secret") is None
    assert any(r.name.startswith("django_auth_ldap") for r in caplog.records)

    c = english_agent(world)
    with caplog.at_level(logging.WARNING, logger="comptoir.accounts.ldap"):
        html = c.get(reverse("console:people"), {"q": "gas"}).content.decode()
    assert "The directory does not answer" in html
    assert "Gaston" in html or "gaston" in html  # Comptoir's own people still listed
    assert "contact LDAP server" not in html and "SERVER_DOWN" not in html
    assert "LDAP directory lookup failed" in caplog.text


def test_login_filter_is_escaped(directory):
    for login in ("*", INJECTION, "jdupont)(uid=*", "jdupont*"):
        assert authenticate(None, username=login, password="jd-secret") is None
    assert not User.objects.filter(username__contains="*").exists()


def test_group_mapping_gives_and_takes_the_staff_role(directory, settings, world):
    settings.COMPTOIR_LDAP = {**settings.COMPTOIR_LDAP, "AGENT_GROUP": AGENTS_GROUP}
    agent = authenticate(None, username="agent1", password="ag-secret")
    assert agent.role == Role.AGENT and agent.organisation_id == world.provider.pk
    customer = authenticate(None, username="mmartin", password="mm-secret")
    assert customer.role == Role.CUSTOMER

    directory.group_members(AGENTS_GROUP, [f"uid=jdupont,{PEOPLE}"])
    try:
        demoted = authenticate(None, username="agent1", password="ag-secret")
    finally:
        directory.group_members(AGENTS_GROUP, [f"uid=agent1,{PEOPLE}"])
    demoted.refresh_from_db()
    assert demoted.role == Role.CUSTOMER and demoted.organisation is None


def test_site_attribute_places_a_new_customer(directory, settings, world):
    settings.COMPTOIR_LDAP = {**settings.COMPTOIR_LDAP, "ATTR_SITE": "departmentNumber"}
    directory.add("sitey", "Sid", "Lyon", "sid@univ.test", "s-secret", departmentNumber="aly")
    user = authenticate(None, username="sitey", password="s-secret")
    user.refresh_from_db()
    assert user.site_id == world.a1.pk and user.organisation_id == world.org_a.pk


def test_login_adopts_the_one_local_contact_with_the_same_address(directory, world):
    contact = User.objects.create(username="old@univ.test", email="nina@univ.test")
    directory.add("nina", "Nina", "Roux", "nina@univ.test", "n-secret")
    user = authenticate(None, username="nina", password="n-secret")
    assert user.pk == contact.pk
    assert not User.objects.filter(username="nina").exists()


# --- lookup and import ----------------------------------------------------------------


def test_lookup_by_login_and_by_email(directory, world):
    by_login = directory_candidates(actor=world.agent, term="jdup")
    assert [e.login for e in by_login.entries] == ["jdupont"]
    assert by_login.entries[0].email == "jean.dupont@univ.test"
    by_mail = directory_candidates(actor=world.manager, term="marie.martin@univ.test")
    assert [e.login for e in by_mail.entries] == ["mmartin"]
    assert not by_mail.unavailable


def test_lookup_leaves_out_people_already_in_comptoir(directory, world):
    assert directory_candidates(actor=world.agent, term="jdup").entries
    authenticate(None, username="jdupont", password="jd-secret")
    assert directory_candidates(actor=world.agent, term="jdup").entries == []


def test_lookup_is_bounded_by_the_size_limit(directory, world):
    assert len(directory_candidates(actor=world.agent, term="filler", limit=5).entries) == 5
    assert len(directory_candidates(actor=world.agent, term="filler", limit=50).entries) == 10


def test_lookup_term_is_escaped(directory, world, settings):
    import ldap

    # The payload is real: pasted into the filter unescaped, it lists the whole directory.
    conn = ldap.initialize(directory.url)
    conn.simple_bind_s(READER_DN, READER_PASSWORD)
    raw = settings.COMPTOIR_LDAP["LOOKUP_FILTER"] % {"term": LOOKUP_INJECTION}
    assert len(conn.search_s(PEOPLE, ldap.SCOPE_SUBTREE, raw, ["uid"])) > 5
    conn.unbind_s()

    for term in (LOOKUP_INJECTION, INJECTION, "*", "**", "j*", "\\2a", "(uid=*)"):
        assert directory_candidates(actor=world.agent, term=term).entries == [], term
    with pytest.raises(NotFound):
        directory_entry_get(actor=world.agent, login="*")


def test_lookup_page_offers_directory_entries_to_import(directory, world):
    c = english_agent(world)
    html = c.get(reverse("console:people"), {"field": "user", "pick": "pick", "user": "mmar"})
    html = html.content.decode()
    assert "From the directory" in html and "marie.martin@univ.test" in html
    assert 'hx-post="/console/people/?field=user&amp;pick=pick&amp;user=mmar"' in html
    assert '"import": "mmartin"' in html


def test_import_creates_the_person_once(directory, world):
    c = english_agent(world)
    url = reverse("console:people") + "?field=user&pick=who"
    first = c.post(url, {"import": "mmartin"})
    assert first.status_code == 200
    person = User.objects.get(username="mmartin")
    assert (person.email, person.role, person.site) == ("marie.martin@univ.test", "customer", None)
    html = first.content.decode()
    assert f'name="who" value="{person.pk}" checked' in html

    c.post(url, {"import": "mmartin"})
    assert authenticate(None, username="mmartin", password="mm-secret").pk == person.pk
    assert User.objects.filter(email__iexact="marie.martin@univ.test").count() == 1

    missing = c.post(url, {"import": "nobody-here"}).content.decode()
    assert "Not found." in missing and not User.objects.filter(username="nobody-here").exists()


def test_import_with_the_directory_down_says_so(directory_down, world):
    with pytest.raises(DomainError) as refused:
        directory_entry_get(actor=world.agent, login="mmartin")
    assert refused.value.code == "directory_unavailable"
    html = english_agent(world).post(reverse("console:people"), {"import": "mmartin"})
    assert "The directory does not answer; try again later." in html.content.decode()


def test_customers_never_query_the_directory(directory, world):
    for person in (world.customer, world.customer_manager):
        assert directory_candidates(actor=person, term="jdup").entries == []
        with pytest.raises(NotFound):
            directory_entry_get(actor=person, login="jdupont")
        c = Client()
        c.force_login(person)
        assert c.get(reverse("console:people"), {"q": "jdup"}).status_code == 404
        assert c.post(reverse("console:people"), {"import": "jdupont"}).status_code == 404
    entry = directory_entry_get(actor=world.agent, login="jdupont")
    with pytest.raises(NotFound):
        person_sync_from_directory(actor=world.customer, entry=entry)
    assert not User.objects.filter(username="jdupont").exists()


def test_without_a_directory_nothing_is_asked(settings, world):
    settings.COMPTOIR_LDAP_URL = ""
    assert directory_candidates(actor=world.agent, term="jdup").entries == []
    with pytest.raises(NotFound):
        directory_entry_get(actor=world.agent, login="jdupont")


# --- settings -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["", "ldap://127.0.0.1:1"])
def test_directory_backend_goes_first_only_with_a_url(url, slapd):
    env = {**os.environ, "COMPTOIR_LDAP_URL": url, "DJANGO_SETTINGS_MODULE": "comptoir.settings"}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings as s; print(s.AUTHENTICATION_BACKENDS)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    backends = ast.literal_eval(out.strip())
    if url:
        assert backends[0] == DIRECTORY and LOCAL in backends
    else:
        assert DIRECTORY not in backends

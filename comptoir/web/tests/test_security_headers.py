"""Browser-facing security settings: the headers every page carries (CSP, framing,
sniffing, referrer, opener), the cookies' flags, what production means in environment
terms (`comptoir check --deploy` is clean with it) and that http:// stays as it was for
`make run`; the templates hold no inline script, handler or style the policy would block.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from comptoir.core.checks import ssl_redirect_sees_https

COMPTOIR = Path(sys.executable).parent / "comptoir"
ROOT = Path(__file__).resolve().parents[2]

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.django_db
def test_every_kind_of_page_carries_the_security_headers(world, login):
    pages = [
        (Client(), "/login/"),
        (login(world.agent), "/console/"),
        (login(world.customer), "/portal/"),
        (login(world.customer), "/console/"),  # a 404
        (Client(), "/portal/"),  # a redirect to the login page
    ]
    for client, url in pages:
        response = client.get(url)
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (url, name, response.headers.get(name))
    # Static files are served before the framing middleware; the rest applies to them too.
    static = Client().get("/static/comptoir/app.js")
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert static.headers.get(name) == HEADERS[name], name
    assert "unsafe" not in POLICY and "nonce" not in POLICY


@pytest.mark.django_db
def test_cookies_are_httponly_and_same_site_lax(world):
    client = Client()
    page = client.get("/login/")
    csrf = page.cookies["csrftoken"]
    response = client.post("/login/", {"login": "alice", "password": "pw"})
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    language = client.post("/language/", {"language": "en", "next": "/"}).cookies["django_language"]
    for cookie in (csrf, session, language):
        assert cookie["httponly"] is True, cookie
        assert cookie["samesite"] == "Lax", cookie
        assert not cookie["secure"], cookie  # http:// in the tests, as for `make run`


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True, LANGUAGE_COOKIE_SECURE=True)
def test_cookies_are_secure_when_the_site_is_https(world, login):
    client = Client()
    assert client.get("/login/").cookies["csrftoken"]["secure"] is True
    assert client.post("/login/", {"login": "alice", "password": "pw"}).cookies["sessionid"][
        "secure"
    ]
    for url, data in (("/language/", {"language": "en"}), ("/portal/profile/language/", {})):
        data = data or {"lang-language": "en"}
        assert client.post(url, data).cookies["django_language"]["secure"] is True, url


# Production, in environment terms (docs/deploy.md): the public address is https://, behind
# a TLS proxy whose X-Forwarded-Proto is trusted, a real secret key, the served host, an
# SMTP relay, no debug.
PRODUCTION = {
    "COMPTOIR_SITE_URL": "https://desk.example.com",
    "COMPTOIR_SECRET_KEY": "k7Qf2w9ZpL4mX8rT1vB6nY3cH5jD0sA-gE_uW2iO9kR4tU7zV1",
    "COMPTOIR_ALLOWED_HOSTS": "desk.example.com",
    "COMPTOIR_CSRF_TRUSTED_ORIGINS": "https://desk.example.com",
    "COMPTOIR_PROXY_SSL_HEADER": "on",
    "COMPTOIR_SMTP_HOST": "smtp.example.com",
}
SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
]


def _run(args: list[str], env: dict[str, str], var_dir: Path) -> subprocess.CompletedProcess:
    """A command with only this environment (none of the test run's own DATABASE_URL…)."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    return subprocess.run(
        args,
        env=base | {"COMPTOIR_VAR_DIR": str(var_dir)} | env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=var_dir,
    )


def _settings(env: dict[str, str], var_dir: Path) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {SETTINGS!r}}}))"
    )
    env = env | {"DJANGO_SETTINGS_MODULE": "comptoir.settings"}
    done = _run([sys.executable, "-c", code], env, var_dir)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    done = _run(
        [str(COMPTOIR), "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNINGS" not in done.stdout + done.stderr
    assert _settings(PRODUCTION, tmp_path) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
    }
    # A proxy that redirects itself: Django's redirect off; HSTS tuned down.
    tuned = PRODUCTION | {"COMPTOIR_SSL_REDIRECT": "off", "COMPTOIR_HSTS_SECONDS": "3600"}
    tuned |= {"COMPTOIR_HSTS_PRELOAD": "off", "COMPTOIR_HSTS_INCLUDE_SUBDOMAINS": "off"}
    got = _settings(tuned, tmp_path)
    assert (got["SECURE_SSL_REDIRECT"], got["SECURE_HSTS_SECONDS"]) == (False, 3600)
    assert not got["SECURE_HSTS_PRELOAD"] and not got["SECURE_HSTS_INCLUDE_SUBDOMAINS"]


def test_plain_http_as_make_run_has_no_redirect_no_hsts_no_secure_cookie(tmp_path):
    got = _settings({}, tmp_path)
    assert got["SECURE_SSL_REDIRECT"] is False and got["SECURE_HSTS_SECONDS"] == 0
    assert not (got["SESSION_COOKIE_SECURE"] or got["CSRF_COOKIE_SECURE"])


@pytest.mark.django_db
def test_plain_http_requests_are_served_not_redirected():
    assert Client().get("/login/").status_code == 200


def test_a_redirect_without_the_proxy_header_is_reported():
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=None):
        assert [w.id for w in ssl_redirect_sees_https()] == ["comptoir.W002"]
    proxy = ("HTTP_X_FORWARDED_PROTO", "https")
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=proxy):
        assert ssl_redirect_sees_https() == []


# --- Templates: nothing the policy would block ---------------------------------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "script"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "event handler"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style\b", re.I), "<style>"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on(?::|-)", re.I), "hx-on handler"),
]


def test_page_templates_hold_no_inline_script_handler_or_style():
    """Mail templates are not pages (mail clients need inline styles): left out."""
    found = []
    for path in ROOT.rglob("templates/**/*.html"):
        if "/mail/" in str(path):
            continue
        text = path.read_text()
        for pattern, what in INLINE:
            for m in pattern.finditer(text):
                found.append(f"{path.relative_to(ROOT)}: {what}: {m.group(0)[:80]}")
    assert found == []

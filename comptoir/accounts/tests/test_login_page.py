# covers: TEN-5
"""The login page links to the registration with a customer number when that page exists
(`web:register`), and only then."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

from comptoir import urls as root
from comptoir.web import urls as web

from .helpers import tr


class UrlConf:
    """A URLconf object (hashable, unlike a namespace: Django caches resolvers by it)."""

    def __init__(self, urlpatterns: list) -> None:
        self.urlpatterns = urlpatterns


def urlconf(*, register: bool) -> UrlConf:
    pages = [p for p in web.urlpatterns if getattr(p, "name", "") != "register"]
    if register:
        pages.append(path("register/", lambda request: HttpResponse(), name="register"))
    others = [p for p in root.urlpatterns if getattr(p, "namespace", None) != "web"]
    return UrlConf([*others, path("", include((pages, "web")))])


@pytest.mark.parametrize("register", [True, False])
def test_the_register_link_follows_the_register_page(db, settings, register):
    settings.ROOT_URLCONF = urlconf(register=register)
    page = Client().get("/login/").content.decode()
    assert ('href="/register/"' in page) is register
    assert (tr("Register with your customer number", "fr") in page) is register


@pytest.mark.parametrize("open_", [True, False])
def test_the_register_link_follows_the_instance_setting(db, settings, open_):
    settings.COMPTOIR_REGISTRATION_OPEN = open_
    page = Client().get("/login/").content.decode()
    assert ('href="/register/"' in page) is open_

"""The identity pages (django-allauth): /login/ and /logout/ where they always were, the
rest under /account/ (password, e-mail address, two-factor authentication)."""

from allauth.account import urls as account_urls
from allauth.account import views as account_views
from django.urls import URLPattern, URLResolver, include, path

MOVED = {"account_login", "account_logout"}

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", account_views.login, name="account_login"),
    path("logout/", account_views.logout, name="account_logout"),
    path(
        "account/",
        include([p for p in account_urls.urlpatterns if getattr(p, "name", "") not in MOVED]),
    ),
    path("account/2fa/", include("allauth.mfa.urls")),
]

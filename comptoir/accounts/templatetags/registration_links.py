"""Links to the registration page (TEN-5) that disappear while registration is closed."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from comptoir.accounts.actions import registration_open

register = template.Library()


@register.simple_tag
def registration_url() -> str:
    """The page's address while COMPTOIR_REGISTRATION_OPEN, else "": a page writes
    `{% registration_url as register_url %}{% if register_url %}…` and links only then."""
    if not registration_open():
        return ""
    try:
        return reverse("web:register")
    except NoReverseMatch:  # a site that mounts no registration page
        return ""

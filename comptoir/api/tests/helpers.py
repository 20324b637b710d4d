"""Helpers for the API tests: a client that speaks with a token made through the action."""

from __future__ import annotations

from typing import Any

from django.test import Client

from comptoir.accounts.models import User
from comptoir.api.actions import token_create


class TokenClient(Client):
    """A test client sending `Authorization: Bearer <secret>` on every request."""

    def __init__(self, secret: str, **defaults: Any):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {secret}", **defaults)
        self.secret = secret


def api_client(user: User, **token_options: Any) -> TokenClient:
    _token, secret = token_create(actor=user, name="test", **token_options)
    return TokenClient(secret)

"""Creating and revoking personal API tokens: the only writes to ApiToken."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import User
from comptoir.api.models import ApiToken
from comptoir.catalog.models import Desk
from comptoir.core.errors import InvalidInput, NotFound

TOKEN_PREFIX = "cpt_"  # noqa: S105 (a marker, not a secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *,
    actor: User,
    name: str,
    read_only: bool = False,
    desk: Desk | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Returns the token and its secret: the secret is never stored, so this is the only
    time anyone can read it."""
    if not actor.is_authenticated or not actor.is_active:
        raise NotFound()
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the token a name."), field="name")
    if len(name) > 100:
        raise InvalidInput(_("The name is too long."), field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput(_("The expiry date must be in the future."), field="expires_at")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=secret[:12],
        secret_hash=hash_secret(secret),
        read_only=read_only,
        desk=desk,
        expires_at=expires_at,
    )
    return token, secret


def token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """The owner revokes their token, an administrator any (a leaked one, a person who
    left); for anyone else the token is NotFound, not Forbidden."""
    tokens = ApiToken.objects.all() if actor.is_admin else ApiToken.objects.filter(user_id=actor.pk)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(secret: str) -> ApiToken | None:
    """The usable token matching `secret`: looked up by its hash, so the comparison is the
    database's index lookup on a digest, which leaks nothing about the secret."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "desk")
        .filter(secret_hash=hash_secret(secret))
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

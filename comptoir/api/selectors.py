"""Reads of API tokens: a person sees only their own."""

from __future__ import annotations

from django.db.models import QuerySet

from comptoir.accounts.models import User
from comptoir.api.models import ApiToken


def token_list(*, actor: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=actor.pk).select_related("desk")

"""Log in with a username or an e-mail address (people know one or the other)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from comptoir.accounts.models import User


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        login = username.strip()
        user = User.objects.filter(username__iexact=login).first()
        if user is None and "@" in login:
            matches = list(User.objects.filter(email__iexact=login)[:2])
            user = matches[0] if len(matches) == 1 else None  # an ambiguous address logs nobody in
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

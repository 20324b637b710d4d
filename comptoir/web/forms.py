"""Turning a refused action into form errors, so every page shows the write path's own
message next to the field it concerns (or above the form when it names none)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from comptoir.core.errors import DomainError


def attach_error(form: forms.Form | None, error: DomainError) -> None:
    """Put the action's message on its field when the form has that field."""
    if form is None:
        return
    field = error.field if error.field in getattr(form, "fields", {}) else None
    form.add_error(field, str(error.message))


def call_action[T](
    request: HttpRequest, fn: Callable[..., T], /, form: forms.Form | None = None, **kwargs: Any
) -> tuple[T | None, DomainError | None]:
    """Run an action; on refusal, return the error and show it (form field or message)."""
    try:
        return fn(**kwargs), None
    except DomainError as error:
        if form is not None:
            attach_error(form, error)
        else:
            messages.error(request, str(error.message))
        return None, error

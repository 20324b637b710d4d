"""Domain errors: the one way the write path and the selectors say "no".

Every refusal carries a stable machine code (for the API and tests), a translated message
(for people) and, where it concerns one input, the field name, so an interface can show it
next to that field. Missing and forbidden objects raise the same NotFound, so no caller can
learn that another tenant's object exists.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refused action. Nothing was written when it is raised inside an action."""

    code = "refused"
    status = 400

    def __init__(self, message: Any, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    """Missing, or not visible to the actor: the two are indistinguishable on purpose."""

    code = "not_found"
    status = 404

    def __init__(self, message: Any = None, **kwargs: Any):
        super().__init__(message or _("Not found."), **kwargs)


class PermissionDenied(DomainError):
    """The actor may see the object but may not do this to it."""

    code = "forbidden"
    status = 403


class InvalidInput(DomainError):
    """Data missing or malformed for the action (a required reason, a bad date…)."""

    code = "invalid"
    status = 400


class WorkflowError(DomainError):
    """The workflow does not allow this move from the ticket's current status."""

    code = "workflow"
    status = 409


class Conflict(DomainError):
    """Someone else changed the ticket first (a take race, a stale version)."""

    code = "conflict"
    status = 409


class TooLarge(InvalidInput):
    """Input over a size or count limit (a file, the files sent together)."""

    code = "too_large"
    status = 413


class StorageFull(DomainError):
    """The file storage had no room left: nothing was kept, and a later try may work."""

    code = "storage_full"
    status = 507

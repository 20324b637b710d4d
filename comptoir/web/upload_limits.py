"""Requests over the upload limits answered clearly, before a view reads them.

Django refuses a body over its own limits (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_
NUMBER_FILES, DATA_UPLOAD_MAX_NUMBER_FIELDS) only when something first reads `request.POST`,
often the CSRF check, and then with a bare "Bad Request". Here a declared body over
COMPTOIR_MAX_REQUEST_BYTES is a 413 before anything is read, and a form body is parsed
once, so each refusal becomes a page in the reader's language or, under /api/, a problem
document. The actions still judge every file (tickets/actions/uploads.py); this only keeps
what they never see from becoming a server error.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class UploadLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in {"POST", "PUT", "PATCH"}:
            refused = self.check(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.COMPTOIR_MAX_REQUEST_BYTES
        if length > limit:
            return refuse(request, 413, "request_too_large", too_large_message(limit))
        if not request.META.get("CONTENT_TYPE", "").startswith(FORM_TYPES):
            return None
        try:
            request.POST  # noqa: B018 - parse now, where a refusal can still be answered
            request.FILES  # noqa: B018
        except RequestDataTooBig:
            message = _("The form's text is larger than %(limit)s.") % {
                "limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            }
            return refuse(request, 413, "request_too_large", message)
        except TooManyFilesSent:
            most = settings.COMPTOIR_MAX_ATTACHMENTS
            message = _("Too many files were sent at once: %(count)d at most.") % {"count": most}
            return refuse(request, 400, "too_many_files", message)
        except TooManyFieldsSent:
            return refuse(request, 400, "too_many_fields", _("The form has too many fields."))
        except MultiPartParserError:
            message = _("The files sent could not be read; send them again.")
            return refuse(request, 400, "unreadable_upload", message)
        return None


def too_large_message(limit: int) -> str:
    return _(
        "What was sent is larger than %(limit)s: send fewer or smaller files "
        "(%(per_file)s per file at most)."
    ) % {
        "limit": filesizeformat(limit),
        "per_file": filesizeformat(settings.COMPTOIR_MAX_ATTACHMENT_BYTES),
    }


def refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """A problem document under /api/, else a page; the body is never read further."""
    if request.path.startswith("/api/"):
        from comptoir.api.common import problem

        response = problem(status, message, code=code)
    else:
        response = render(request, "web/upload_refused.html", {"message": message}, status=status)
    return response

"""Malformed input (422) as the caller sees it: each field named as it was sent, each
message in the caller's language, and pydantic's error `type` kept for programs.

pydantic speaks English and names fields by its own path (["body", "payload", "title"]);
a client knows neither the view's parameter names nor English, so both are translated
here, once, for every endpoint.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext

from comptoir.api.common import problem

# One message per kind of mistake; several pydantic types share one.
_DATETIME = _("Must be a date and time in ISO 8601 form, e.g. 2026-03-14T09:30:00+01:00.")
_DATE = _("Must be a date in ISO 8601 form, e.g. 2026-03-14.")
_WHOLE = _("Must be a whole number.")
_NUMBER = _("Must be a number.")
_BOOL = _("Must be true or false.")
_TEXT = _("Must be text.")
_OBJECT = _("Must be an object.")
_LIST = _("Must be a list.")
_URL = _("Must be a valid URL.")
_UUID = _("Must be a UUID.")
_ONE_OF = _("Must be one of: %(expected)s.")

MESSAGES: dict[str, Any] = {
    "missing": _("This field is required."),
    "extra_forbidden": _("This field is not accepted here."),
    "string_type": _TEXT,
    "string_sub_type": _TEXT,
    "string_unicode": _TEXT,
    "string_pattern_mismatch": _("Does not have the expected form."),
    "string_too_short": ngettext_lazy(
        "At least %(min_length)s character.", "At least %(min_length)s characters.", "min_length"
    ),
    "string_too_long": ngettext_lazy(
        "At most %(max_length)s character.", "At most %(max_length)s characters.", "max_length"
    ),
    "too_short": ngettext_lazy(
        "At least %(min_length)s item.", "At least %(min_length)s items.", "min_length"
    ),
    "too_long": ngettext_lazy(
        "At most %(max_length)s item.", "At most %(max_length)s items.", "max_length"
    ),
    "int_parsing": _WHOLE,
    "int_type": _WHOLE,
    "int_from_float": _WHOLE,
    "int_parsing_size": _("This number is too large."),
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "finite_number": _NUMBER,
    "decimal_max_digits": _("At most %(max_digits)s digits."),
    "decimal_max_places": _("At most %(decimal_places)s decimal places."),
    "greater_than_equal": _("Must be %(ge)s or more."),
    "less_than_equal": _("Must be %(le)s or less."),
    "greater_than": _("Must be more than %(gt)s."),
    "less_than": _("Must be less than %(lt)s."),
    "multiple_of": _("Must be a multiple of %(multiple_of)s."),
    "bool_parsing": _BOOL,
    "bool_type": _BOOL,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "datetime_object_invalid": _DATETIME,
    "timezone_aware": _("Must include a time zone, e.g. +01:00 or Z."),
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "date_type": _DATE,
    "time_parsing": _("Must be a time, e.g. 09:30."),
    "enum": _ONE_OF,
    "literal_error": _ONE_OF,
    "json_invalid": _("Is not valid JSON."),
    "json_type": _("Is not valid JSON."),
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "dict_type": _OBJECT,
    "list_type": _LIST,
    "url_parsing": _URL,
    "url_type": _URL,
    "url_syntax_violation": _URL,
    "url_scheme": _URL,
    "url_too_long": _URL,
    "uuid_parsing": _UUID,
    "uuid_type": _UUID,
    "uuid_version": _UUID,
    "value_error": _("This value is not accepted."),
    "assertion_error": _("This value is not accepted."),
}
FALLBACK = _("This value is not valid.")
WHOLE_BODY_MISSING = _("A JSON body is required.")

# The limits a program may read without parsing `detail`, under pydantic's own names.
LIMIT_KEYS = (
    "min_length",
    "max_length",
    "ge",
    "gt",
    "le",
    "lt",
    "multiple_of",
    "max_digits",
    "decimal_places",
)


def _expected(text: str) -> list[str]:
    """pydantic's English enumeration "'a', 'b' or 'c'" back into its values."""
    return [part.strip("'\"") for part in re.split(r",\s*|\s+or\s+", text) if part]


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool)) else str(value)


def client_location(model: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Where the client put the value, from pydantic's path in ninja's parameter model.

    A query, path or form model maps its flattened names back (ninja's reverse map, tried
    on the longest prefix so nested paths keep their tail); a body read whole into one
    parameter loses that parameter's name, which the client never sent.
    """
    reverse = getattr(model, "__ninja_flatten_map_reverse__", None) or {}
    for end in range(len(loc), 0, -1):
        if loc[:end] in reverse:
            return tuple(reverse[loc[:end]]) + tuple(loc[end:])
    single = getattr(model, "__read_from_single_attr__", None)
    if single and loc and loc[0] == single:
        return tuple(loc[1:])
    return tuple(loc)


class ProblemNinjaAPI(NinjaAPI):
    """NinjaAPI whose validation errors name each field as the client sent it."""

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> ValidationError:
        errors: list[dict[str, Any]] = []
        for context in error_contexts:
            model = context.model
            for error in context.pydantic_validation_error.errors(include_url=False):
                where = client_location(model, tuple(error["loc"]))
                errors.append(
                    {
                        "in": model.__ninja_param_source__,
                        "field": ".".join(str(part) for part in where) or None,
                        "type": error["type"],
                        "ctx": dict(error.get("ctx") or {}),
                    }
                )
        return ValidationError(errors)


def error_entry(error: dict[str, Any]) -> dict[str, Any]:
    """One entry of `errors`: where, what (`type`, the limits), and a sentence for people."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    entry: dict[str, Any] = {
        "field": error.get("field"),
        "in": error.get("in"),
        "type": kind,
    }
    for key in LIMIT_KEYS:
        if key in ctx:
            entry[key] = _plain(ctx[key])
    values = dict(ctx)
    if "expected" in ctx:
        entry["expected"] = _expected(str(ctx["expected"]))
        values["expected"] = ", ".join(entry["expected"])
    if kind == "missing" and entry["field"] is None and entry["in"] == "body":
        message: Any = WHOLE_BODY_MISSING
    else:
        message = MESSAGES.get(kind, FALLBACK)
    try:
        entry["detail"] = str(message % values)
    except (KeyError, TypeError, ValueError):
        entry["detail"] = str(FALLBACK)
    return entry


def _located(error: dict[str, Any]) -> dict[str, Any]:
    """An error not built by ProblemNinjaAPI (raised by hand): read its raw `loc`."""
    if "field" in error:
        return error
    source, *rest = list(error.get("loc") or [None])
    return {**error, "in": source, "field": ".".join(str(p) for p in rest) or None}


def validation_problem(exc: ValidationError) -> HttpResponse:
    errors = [error_entry(_located(e)) for e in exc.errors]
    first = errors[0]["field"] if errors else None
    if first:
        detail = _("Some input is missing or malformed: %(field)s.") % {"field": first}
    else:
        detail = _("Some input is missing or malformed.")
    return problem(422, detail, code="validation", field=first, errors=errors)

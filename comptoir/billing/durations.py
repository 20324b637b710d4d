"""Durations as people type them, and as the pages show them (BIL-1).

Consultants log time the way they think of it: "1h30", "1 h 30", "1:30", "90", "90m",
"1.5h" or, with a French keyboard, "1,5 h". A bare whole number is minutes (what a timer
or a spreadsheet gives); hours always carry a unit or a colon, so "2" is never read as two
hours by mistake. One entry is at most a day (24 h): more is surely a typing error, and
a longer piece of work is logged day by day.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from comptoir.core.errors import InvalidInput

MAX_MINUTES = 24 * 60

_HOURS = r"(?:h|hr|hrs|hour|hours|heure|heures)"
_MINUTES = r"(?:m|mn|min|mins|minute|minutes)"
_NUMBER = r"\d+(?:[.,]\d+)?"

# "1h30", "1 h 30", "1h30m", "1 h 30 min", "2h", "1.5h", "1,5 h"
_WITH_HOURS = re.compile(
    rf"^(?P<hours>{_NUMBER})\s*{_HOURS}\.?(?:\s*(?P<minutes>\d+)\s*(?:{_MINUTES}\.?)?)?$"
)
# "90", "90m", "90 min"
_ONLY_MINUTES = re.compile(rf"^(?P<minutes>\d+)\s*(?:{_MINUTES}\.?)?$")
# "1:30", "0:45"
_CLOCK = re.compile(r"^(?P<hours>\d+)\s*:\s*(?P<minutes>\d{1,2})$")
# "1.5": hours or minutes? Refused with a hint rather than guessed.
_BARE_DECIMAL = re.compile(r"^\d+[.,]\d+$")

EXAMPLES = "1h30, 1:30, 90, 1.5h"


def parse_duration(text: str | None, *, field: str = "duration") -> int:
    """Minutes in `text`, 1 to 1440; refusals name `field` so a form shows them in place."""
    value = " ".join((text or "").split()).lower()
    if not value:
        raise InvalidInput(
            _("Enter a duration, for example %(examples)s.") % {"examples": EXAMPLES},
            field=field,
        )
    minutes = _read(value, text or "", field)
    return check_minutes(minutes, field=field)


def check_minutes(minutes: int, *, field: str = "minutes") -> int:
    """The bounds of one entry: at least a minute, at most a day."""
    if minutes <= 0:
        raise InvalidInput(_("A duration must be at least one minute."), field=field)
    if minutes > MAX_MINUTES:
        raise InvalidInput(
            _("One entry cannot exceed 24 hours: log longer work day by day."), field=field
        )
    return minutes


def _read(value: str, original: str, field: str) -> int:
    if match := _WITH_HOURS.match(value):
        hours = _decimal(match["hours"])
        extra = int(match["minutes"]) if match["minutes"] else 0
        if match["minutes"] and hours != hours.to_integral_value():
            raise _nonsense(original, field)  # "1.5h30"
        if extra >= 60:
            raise _minutes_over_60(field)
        total = hours * 60 + extra
        return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if match := _CLOCK.match(value):
        extra = int(match["minutes"])
        if extra >= 60:
            raise _minutes_over_60(field)
        return int(match["hours"]) * 60 + extra
    if match := _ONLY_MINUTES.match(value):
        return int(match["minutes"])
    if _BARE_DECIMAL.match(value):
        raise InvalidInput(
            _(
                "Say whether “%(value)s” is hours or minutes: write %(hours)sh, "
                "or a whole number of minutes."
            )
            % {"value": original.strip(), "hours": value},
            field=field,
        )
    raise _nonsense(original, field)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return Decimal(0)


def _nonsense(original: str, field: str) -> InvalidInput:
    return InvalidInput(
        _("“%(value)s” is not a duration: write it like %(examples)s.")
        % {"value": original.strip()[:40], "examples": EXAMPLES},
        field=field,
    )


def _minutes_over_60(field: str) -> InvalidInput:
    return InvalidInput(
        _("The minutes after the hours must be under 60 (write 2h15 rather than 1h75)."),
        field=field,
    )


def format_minutes(minutes: int) -> str:
    """ "1 h 30", "2 h", "45 min", and "-1 h 05" for a correction that takes time off."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if hours == 0:
        return f"{sign}{rest} min"
    if rest == 0:
        return f"{sign}{hours} h"
    return f"{sign}{hours} h {rest:02d}"

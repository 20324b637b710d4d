"""The period and the bucket of a dashboard (X-3), read from the query string.

Dates are calendar days in the provider's time zone (`settings.TIME_ZONE`): a period
from D1 to D2 covers [D1 00:00, D2+1 00:00) local time, so a ticket filed at 00:30 on
the 1st in Paris counts in that month even though it is still the previous month in UTC.
Buckets are generated here (every day, week or month of the period, also the empty ones)
and filled from the database's grouped counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.core.errors import InvalidInput

PRESETS: dict[str, Any] = {
    "last30": gettext_lazy("Last 30 days"),
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "this_quarter": gettext_lazy("This quarter"),
    "last12": gettext_lazy("Last 12 months"),
}
BUCKETS: dict[str, Any] = {
    "day": gettext_lazy("Day"),
    "week": gettext_lazy("Week"),
    "month": gettext_lazy("Month"),
}
DEFAULT_PRESET = "last30"
# At most this many points on a chart: a longer period needs a wider bucket.
MAX_BUCKETS = 120
MAX_DAYS = 3660  # ten years


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a preset period, relative to `today`."""
    if preset == "this_month":
        return _month_start(today), today
    if preset == "last_month":
        start = _month_start(today, 1)
        return start, _month_start(today) - dt.timedelta(days=1)
    if preset == "this_quarter":
        return dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1), today
    if preset == "last12":
        return _month_start(today, 11), today
    return today - dt.timedelta(days=29), today


def default_bucket(days: int) -> str:
    """A bucket that gives a readable number of points for a period of `days` days."""
    if days <= 45:
        return "day"
    if days <= 200:
        return "week"
    return "month"


def bucket_start(day: dt.date, bucket: str) -> dt.date:
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _next(day: dt.date, bucket: str) -> dt.date:
    if bucket == "week":
        return day + dt.timedelta(days=7)
    if bucket == "month":
        return _month_start(day, -1)
    return day + dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """Days `first` to `last` included, grouped by `bucket`; `preset` is "" when the
    dates were typed."""

    first: dt.date
    last: dt.date
    bucket: str
    preset: str = ""

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> dt.datetime:
        """The first instant of the period (aware, local midnight)."""
        return dt.datetime.combine(self.first, dt.time.min, tzinfo=local_zone())

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period (exclusive)."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min, local_zone())

    def buckets(self) -> list[dt.date]:
        """The start day of every bucket touching the period, in order."""
        out = []
        day = bucket_start(self.first, self.bucket)
        while day <= self.last:
            out.append(day)
            day = _next(day, self.bucket)
        return out

    def label(self, day: dt.date) -> str:
        """How a bucket is named on a chart axis and in its table."""
        if self.bucket == "month":
            return day.strftime("%Y-%m")
        if self.bucket == "week":
            year, week, _weekday = day.isocalendar()
            return f"{year}-W{week:02d}"
        return day.isoformat()


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            _("Give a date as YYYY-MM-DD (not “%(value)s”).") % {"value": value[:40]},
            field=field,
        ) from None


def parse_period(query: Mapping[str, str], *, today: dt.date | None = None) -> Period:
    """The period a dashboard asks for: typed dates win over a preset; the bucket follows
    the period's length unless one is chosen. Refuses what cannot be drawn with a message
    naming the field."""
    today = today or timezone.localdate(timezone=local_zone())
    preset = query.get("preset", "") or ""
    raw_from, raw_to = (query.get("from") or "").strip(), (query.get("to") or "").strip()
    if raw_from or raw_to:
        first = _date(raw_from, "from") if raw_from else today - dt.timedelta(days=29)
        last = _date(raw_to, "to") if raw_to else today
        preset = ""
    else:
        preset = preset if preset in PRESETS else DEFAULT_PRESET
        first, last = preset_range(preset, today)
    if first > last:
        raise InvalidInput(
            _("The period starts on %(first)s, after its end on %(last)s: swap the dates.")
            % {"first": first.isoformat(), "last": last.isoformat()},
            field="to",
        )
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise InvalidInput(_("Choose a period of ten years at most."), field="from")
    bucket = query.get("bucket", "") or ""
    if bucket and bucket not in BUCKETS:
        raise InvalidInput(_("Choose a day, week or month bucket."), field="bucket")
    period = Period(first, last, bucket or default_bucket(days), preset)
    if len(period.buckets()) > MAX_BUCKETS:
        raise InvalidInput(
            _("This period makes more than %(max)s points by %(bucket)s: choose a wider bucket.")
            % {"max": MAX_BUCKETS, "bucket": str(BUCKETS[period.bucket]).lower()},
            field="bucket",
        )
    return period

"""The SLA clock as pure functions (SLA-1, SLA-2): no database, only a `CalendarSpec`.

Business time is the union of a calendar's business hours, read in the calendar's own time
zone (so a deadline stays at 09:00 local time across a DST change), minus the public
holidays of its country and its own closed days. Durations are in minutes (floats: seconds
count), datetimes are timezone-aware.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

RUN, PAUSE, STOP = "run", "pause", "stop"
MAX_DAYS = 3 * 366  # a calendar without any business hour must not loop forever


@dataclass(frozen=True)
class CalendarSpec:
    """What the clock needs of a calendar. `hours` holds (weekday 0=Monday, start, end);
    an end of 00:00 means midnight at the end of that day."""

    tz: str = "UTC"
    hours: tuple[tuple[int, time, time], ...] = ()
    country: str = ""
    closed: frozenset[date] = frozenset()

    @functools.cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)


@functools.lru_cache(maxsize=256)
def public_holidays(country: str, year: int) -> frozenset[date]:
    if not country:
        return frozenset()
    return frozenset(holidays_lib.country_holidays(country, years=year).keys())


def is_business_day(spec: CalendarSpec, day: date) -> bool:
    return day not in spec.closed and day not in public_holidays(spec.country, day.year)


def _local(spec: CalendarSpec, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=spec.zone).astimezone(UTC)


def day_intervals(spec: CalendarSpec, day: date) -> list[tuple[datetime, datetime]]:
    """The business intervals of one local day, in UTC, sorted and merged."""
    if not is_business_day(spec, day):
        return []
    raw = []
    for weekday, start, end in spec.hours:
        if weekday != day.weekday():
            continue
        begin = _local(spec, day, start)
        finish = _local(spec, day + timedelta(days=1), time(0)) if end == time(0) else None
        finish = finish or _local(spec, day, end)
        if finish > begin:
            raw.append((begin, finish))
    raw.sort()
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in raw:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged


def _intervals_from(
    spec: CalendarSpec, start: datetime, until: datetime | None = None
) -> Iterator[tuple[datetime, datetime]]:
    """Business intervals that end after `start` (and begin on a local day up to `until`'s
    next day), clipped to `start`, in order."""
    day = start.astimezone(spec.zone).date() - timedelta(days=1)
    days = MAX_DAYS
    if until is not None:
        days = min(days, (until.astimezone(spec.zone).date() - day).days + 2)
    for offset in range(days):
        for begin, finish in day_intervals(spec, day + timedelta(days=offset)):
            if finish > start:
                yield max(begin, start), finish


def business_minutes_between(spec: CalendarSpec, start: datetime, end: datetime) -> float:
    """Business minutes in [start, end); 0 when end is not after start."""
    if end <= start:
        return 0.0
    total = 0.0
    for begin, finish in _intervals_from(spec, start, end):
        if begin >= end:
            break
        total += (min(finish, end) - begin).total_seconds()
    return total / 60


def add_business_minutes(spec: CalendarSpec, start: datetime, minutes: float) -> datetime:
    """The moment `minutes` business minutes after `start` (start itself for 0 or less)."""
    if minutes <= 0:
        return start
    left = timedelta(minutes=minutes)
    for begin, finish in _intervals_from(spec, start):
        if finish - begin >= left:
            return begin + left
        left -= finish - begin
    raise ValueError("This calendar has no business hours within three years.")


def _periods(
    history: Sequence[tuple[datetime, str]], now: datetime
) -> Iterator[tuple[datetime, datetime, str]]:
    ordered = sorted(history, key=lambda item: item[0])
    for i, (since, effect) in enumerate(ordered):
        until = ordered[i + 1][0] if i + 1 < len(ordered) else now
        yield since, min(until, now), effect


def elapsed(spec: CalendarSpec, history: Sequence[tuple[datetime, str]], now: datetime) -> float:
    """Business minutes the clock ran until `now`. `history` lists (since, sla_effect) for
    each status period: `run` periods count; `pause` and `stop` do not (a stop ends the
    clock; a ticket reopened afterwards resumes it where it stopped)."""
    return sum(
        business_minutes_between(spec, since, until)
        for since, until, effect in _periods(history, now)
        if effect == RUN
    )


def crossed_at(
    spec: CalendarSpec, history: Sequence[tuple[datetime, str]], target: float, now: datetime
) -> datetime | None:
    """When the running clock reached `target` minutes, if it did by `now`."""
    done = 0.0
    for since, until, effect in _periods(history, now):
        if effect != RUN:
            continue
        minutes = business_minutes_between(spec, since, until)
        if done + minutes >= target:
            return add_business_minutes(spec, since, target - done)
        done += minutes
    return None

# covers: SLA-1, SLA-2
"""The SLA clock without a database: business hours, lunch gap, weekends, holidays, closed
days, DST, pauses and stops."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.sla.clock import (
    CalendarSpec,
    add_business_minutes,
    business_minutes_between,
    crossed_at,
    elapsed,
    is_business_day,
)

PARIS = ZoneInfo("Europe/Paris")
OFFICE = CalendarSpec(
    tz="Europe/Paris",
    hours=tuple(
        (day, start, end)
        for day in range(5)
        for start, end in ((time(9), time(12)), (time(13), time(18)))
    ),
    country="FR",
)
ALWAYS = CalendarSpec(tz="Europe/Paris", hours=tuple((d, time(0), time(0)) for d in range(7)))


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_lunch_gap_is_skipped():
    assert add_business_minutes(OFFICE, paris(2026, 11, 23, 11), 120) == paris(2026, 11, 23, 14)
    assert business_minutes_between(OFFICE, paris(2026, 11, 23, 11), paris(2026, 11, 23, 14)) == 120


def test_weekend_is_skipped():
    friday = paris(2026, 11, 27, 17)
    assert add_business_minutes(OFFICE, friday, 120) == paris(2026, 11, 30, 10)
    assert business_minutes_between(OFFICE, friday, paris(2026, 11, 30, 10)) == 120


def test_start_outside_hours_waits_for_the_next_opening():
    assert add_business_minutes(OFFICE, paris(2026, 11, 28, 3), 30) == paris(2026, 11, 30, 9, 30)
    assert add_business_minutes(OFFICE, paris(2026, 11, 23, 12, 30), 30) == paris(
        2026, 11, 23, 13, 30
    )


def test_public_holiday_christmas_2026_in_france():
    assert not is_business_day(OFFICE, date(2026, 12, 25))  # a Friday
    assert add_business_minutes(OFFICE, paris(2026, 12, 24, 17), 120) == paris(2026, 12, 28, 10)
    no_holidays = CalendarSpec(tz=OFFICE.tz, hours=OFFICE.hours)
    assert add_business_minutes(no_holidays, paris(2026, 12, 24, 17), 120) == paris(
        2026, 12, 25, 10
    )


def test_closed_day_of_the_desk():
    spec = CalendarSpec(
        tz=OFFICE.tz, hours=OFFICE.hours, country="FR", closed=frozenset({date(2026, 11, 24)})
    )
    assert add_business_minutes(spec, paris(2026, 11, 23, 17), 120) == paris(2026, 11, 25, 10)
    assert business_minutes_between(spec, paris(2026, 11, 23, 9), paris(2026, 11, 26, 9)) == 960


def test_dst_spring_forward_2026_03_29():
    # Business hours stay at 09:00 local time: 08:00 UTC before, 07:00 UTC after.
    due = add_business_minutes(OFFICE, paris(2026, 3, 27, 17), 120)
    assert due == paris(2026, 3, 30, 10)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert business_minutes_between(OFFICE, paris(2026, 3, 27, 9), paris(2026, 3, 30, 9)) == 480
    # The night itself is one hour short.
    assert business_minutes_between(ALWAYS, paris(2026, 3, 29), paris(2026, 3, 30)) == 23 * 60


def test_dst_fall_back_2026_10_25():
    due = add_business_minutes(OFFICE, paris(2026, 10, 23, 17), 120)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 9, tzinfo=UTC)  # 10:00 CET
    assert business_minutes_between(ALWAYS, paris(2026, 10, 25), paris(2026, 10, 26)) == 25 * 60


def test_pause_across_a_night_does_not_count():
    history = [
        (paris(2026, 11, 23, 10), "run"),
        (paris(2026, 11, 23, 17), "pause"),
        (paris(2026, 11, 24, 11), "run"),
    ]
    now = paris(2026, 11, 24, 12)
    assert elapsed(OFFICE, history, now) == 6 * 60 + 60
    assert elapsed(OFFICE, history[:1], now) == 10 * 60


def test_stop_ends_the_clock():
    history = [(paris(2026, 11, 23, 10), "run"), (paris(2026, 11, 23, 11), "stop")]
    assert elapsed(OFFICE, history, paris(2026, 11, 27, 12)) == 60
    assert crossed_at(OFFICE, history, 120, paris(2026, 11, 27, 12)) is None
    assert crossed_at(OFFICE, history, 30, paris(2026, 11, 27, 12)) == paris(2026, 11, 23, 10, 30)


def test_empty_intervals():
    assert business_minutes_between(OFFICE, paris(2026, 11, 23, 12), paris(2026, 11, 23, 12)) == 0
    assert business_minutes_between(OFFICE, paris(2026, 11, 24), paris(2026, 11, 23)) == 0
    assert add_business_minutes(OFFICE, paris(2026, 11, 28), 0) == paris(2026, 11, 28)
    assert business_minutes_between(CalendarSpec(), paris(2026, 1, 1), paris(2027, 1, 1)) == 0


# --- Property: the interval arithmetic agrees with counting minute by minute --------------

NIGHTS = CalendarSpec(
    tz="Europe/Paris",
    hours=((5, time(22), time(0)), (6, time(0), time(0)), (0, time(0), time(2, 30))),
    country="FR",
)
# Windows around both 2026 DST changes, Christmas and an ordinary week.
STARTS = [paris(2026, 3, 26), paris(2026, 10, 22), paris(2026, 12, 22), paris(2026, 11, 20)]


def reference(spec: CalendarSpec, start: datetime, end: datetime) -> int:
    zone = ZoneInfo(spec.tz)
    count, at = 0, start
    while at < end:
        local = at.astimezone(zone)
        if is_business_day(spec, local.date()):
            t = local.time()
            for day, begin, finish in spec.hours:
                if day == local.weekday() and begin <= t and (finish == time(0) or t < finish):
                    count += 1
                    break
        at += timedelta(minutes=1)
    return count


@settings(max_examples=60, deadline=None)
@given(
    spec=st.sampled_from([OFFICE, NIGHTS]),
    base=st.sampled_from(STARTS),
    offset=st.integers(0, 3 * 1440),
    length=st.integers(0, 3 * 1440),
)
def test_business_minutes_match_a_minute_by_minute_count(spec, base, offset, length):
    start = (base + timedelta(minutes=offset)).astimezone(UTC)
    end = start + timedelta(minutes=length)
    minutes = business_minutes_between(spec, start, end)
    assert minutes == reference(spec, start, end)
    if minutes:
        assert (
            business_minutes_between(spec, start, add_business_minutes(spec, start, minutes))
            == minutes
        )

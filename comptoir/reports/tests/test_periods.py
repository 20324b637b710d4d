#
"""Preset periods, typed dates and buckets, in the provider's time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from comptoir.core.errors import InvalidInput
from comptoir.reports.periods import Period, parse_period

D = dt.date


@pytest.mark.parametrize(
    ("preset", "today", "first", "last", "bucket"),
    [
        ("last30", D(2025, 5, 15), D(2025, 4, 16), D(2025, 5, 15), "day"),
        ("this_month", D(2025, 5, 15), D(2025, 5, 1), D(2025, 5, 15), "day"),
        ("last_month", D(2025, 5, 15), D(2025, 4, 1), D(2025, 4, 30), "day"),
        ("last_month", D(2025, 1, 10), D(2024, 12, 1), D(2024, 12, 31), "day"),
        ("last_month", D(2024, 3, 31), D(2024, 2, 1), D(2024, 2, 29), "day"),
        ("this_quarter", D(2025, 5, 15), D(2025, 4, 1), D(2025, 5, 15), "day"),
        ("this_quarter", D(2025, 12, 31), D(2025, 10, 1), D(2025, 12, 31), "week"),
        ("last12", D(2025, 5, 15), D(2024, 6, 1), D(2025, 5, 15), "month"),
        ("nonsense", D(2025, 5, 15), D(2025, 4, 16), D(2025, 5, 15), "day"),
    ],
)
def test_presets(preset, today, first, last, bucket):
    p = parse_period({"preset": preset}, today=today)
    assert (p.first, p.last, p.bucket) == (first, last, bucket)


def test_typed_dates_win_and_one_day_is_a_period():
    p = parse_period({"preset": "last12", "from": "2025-02-03", "to": "2025-02-03"})
    assert (p.first, p.last, p.preset, p.bucket) == (D(2025, 2, 3), D(2025, 2, 3), "", "day")
    assert p.buckets() == [D(2025, 2, 3)]


def test_bounds_are_local_midnights():
    p = Period(D(2025, 3, 30), D(2025, 3, 30), "day")  # the day Paris moves to summer time
    assert p.start.isoformat() == "2025-03-30T00:00:00+01:00"
    assert p.end.isoformat() == "2025-03-31T00:00:00+02:00"
    assert p.end.astimezone(dt.UTC) - p.start.astimezone(dt.UTC) == dt.timedelta(hours=23)


def test_buckets_cover_partial_weeks_and_months():
    p = Period(D(2025, 1, 29), D(2025, 3, 2), "week")
    assert p.buckets()[0] == D(2025, 1, 27) and p.buckets()[-1] == D(2025, 2, 24)
    assert [p.label(d) for d in p.buckets()][:2] == ["2025-W05", "2025-W06"]
    m = Period(D(2024, 12, 15), D(2025, 2, 1), "month")
    assert [m.label(d) for d in m.buckets()] == ["2024-12", "2025-01", "2025-02"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2025-02-10", "to": "2025-02-09"}, "to"),
        ({"from": "10/02/2025"}, "from"),
        ({"from": "2000-01-01", "to": "2025-01-01"}, "from"),
        ({"from": "2024-01-01", "to": "2025-01-01", "bucket": "day"}, "bucket"),
        ({"bucket": "year"}, "bucket"),
    ],
)
def test_refusals_name_their_field(query, field):
    with pytest.raises(InvalidInput) as caught:
        parse_period(query)
    assert caught.value.field == field


def test_preset_links_keep_the_filters(world, people, login):
    url = f"{reverse('reports:dashboard')}?preset=last_month&desk={world.desks['ent'].pk}"
    response = login(world.admin).get(url)
    assert response.status_code == 200
    period = response.context["period"]
    assert period.preset == "last_month"
    html = response.content.decode()
    assert f'preset=last_month&amp;desk={world.desks["ent"].pk}" aria-current="true"' in html
    assert f'name="from" value="{period.first.isoformat()}"' in html

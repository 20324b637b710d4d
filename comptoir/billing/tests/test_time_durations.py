# covers: BIL-1
"""Durations as consultants type them, and as the pages write them."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.billing.durations import MAX_MINUTES, format_minutes, parse_duration
from comptoir.core.errors import InvalidInput

READ = {
    "1h30": 90,
    "1 h 30": 90,
    "1H30": 90,
    "1h30m": 90,
    "1 h 30 min": 90,
    "1 hour 30 minutes": 90,
    "1 heure 30": 90,
    "1:30": 90,
    " 1 : 30 ": 90,
    "0:45": 45,
    "90": 90,
    "90m": 90,
    "90 min": 90,
    "90mn": 90,
    "1.5h": 90,
    "1,5 h": 90,
    "1.25 h": 75,
    "0.1h": 6,
    "2h": 120,
    "2 h 05": 125,
    "1": 1,
    "24h": MAX_MINUTES,
    "24:00": MAX_MINUTES,
    "1440": MAX_MINUTES,
}


@pytest.mark.parametrize(("text", "minutes"), READ.items())
def test_what_people_type_is_read_in_minutes(text, minutes):
    assert parse_duration(text) == minutes


REFUSED = {
    "": "Enter a duration",
    "   ": "Enter a duration",
    None: "Enter a duration",
    "0": "at least one minute",
    "0h": "at least one minute",
    "0:00": "at least one minute",
    "24h01": "cannot exceed 24 hours",
    "1441": "cannot exceed 24 hours",
    "25:00": "cannot exceed 24 hours",
    "99999999999999999999": "cannot exceed 24 hours",
    "1h75": "under 60",
    "1:75": "under 60",
    "1.5": "hours or minutes",
    "2,5": "hours or minutes",
    "deux heures": "is not a duration",
    "-30": "is not a duration",
    "1.5h30": "is not a duration",
    "h30": "is not a duration",
    "1 day": "is not a duration",
    "1:3:0": "is not a duration",
}


@pytest.mark.parametrize(("text", "message"), REFUSED.items())
def test_a_bad_duration_is_refused_with_a_clear_message_on_its_field(text, message):
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        parse_duration(text, field="minutes")
    assert message in str(caught.value)
    assert caught.value.field == "minutes"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (45, "45 min"),
        (1, "1 min"),
        (60, "1 h"),
        (90, "1 h 30"),
        (65, "1 h 05"),
        (1440, "24 h"),
        (-90, "-1 h 30"),
        (-5, "-5 min"),
        (0, "0 min"),
    ],
)
def test_minutes_are_written_as_people_read_them(minutes, text):
    assert format_minutes(minutes) == text


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=MAX_MINUTES))
def test_what_the_pages_write_reads_back_the_same(minutes):
    assert parse_duration(format_minutes(minutes)) == minutes


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_any_text_is_minutes_in_bounds_or_a_refusal(text):
    try:
        minutes = parse_duration(text)
    except InvalidInput as error:
        assert error.field == "duration"
        assert str(error)
    else:
        assert 1 <= minutes <= MAX_MINUTES

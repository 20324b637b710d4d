# covers: NOT-3
"""When a daily report is due: its hours are local (Europe/Paris), across the changes of
time; weekends only when asked; a slot is an aware exact hour, anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from comptoir.notifications.models import Outbox
from comptoir.notifications.reports import due_preferences, local_slot, write_reports
from comptoir.notifications.tasks import daily_reports
from comptoir.tickets.tests.helpers import file_ticket

from .reporting import SUMMER_8, WINTER_8, at, pref, reports

HOUR = timedelta(hours=1)


def due(slot: datetime) -> set[str]:
    return {p.user.username for p in due_preferences(slot)}


def test_eight_oclock_in_paris_is_seven_utc_in_winter_and_six_in_summer(world):
    pref(world.agent, hour1=8)

    assert due(WINTER_8) == {"gaston"}
    assert due(WINTER_8 - HOUR) == due(WINTER_8 + HOUR) == set()
    assert due(SUMMER_8) == {"gaston"}
    assert due(SUMMER_8 + HOUR) == set()


def test_a_second_hour_and_nothing_in_between(world):
    pref(world.agent, hour1=8, hour2=14)

    hours = [h for h in range(24) if due(WINTER_8.replace(hour=h))]

    assert hours == [7, 13]  # 8:00 and 14:00 in Paris (UTC+1)


def test_weekends_only_when_asked(world):
    saturday, sunday = WINTER_8 + 5 * 24 * HOUR, WINTER_8 + 6 * 24 * HOUR
    pref(world.agent)
    pref(world.agent2, weekend=True)

    assert due(saturday) == due(sunday) == {"gisele"}
    assert due(WINTER_8 + 4 * 24 * HOUR) == {"gaston", "gisele"}  # Friday


def test_the_hour_skipped_in_spring_is_sent_with_the_next_one(world):
    """29 March 2026: at 01:00 UTC Paris goes from 02:00 straight to 03:00."""
    pref(world.agent, hour1=2, weekend=True)
    pref(world.agent2, hour1=3, weekend=True)
    jump = datetime(2026, 3, 29, 1, tzinfo=UTC)

    assert local_slot(jump).hour == 3
    assert due(jump - HOUR) == set()  # 01:00 in Paris
    assert due(jump) == {"gaston", "gisele"}


def test_the_hour_lived_twice_in_autumn_sends_once(world):
    """25 October 2026: 02:00 in Paris happens at 00:00 and again at 01:00 UTC."""
    with at(datetime(2026, 10, 24, tzinfo=UTC)):
        file_ticket(world.customer, "ent")
    pref(world.agent, hour1=2, weekend=True)
    first, second = datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)

    assert local_slot(first).hour == local_slot(second).hour == 2
    assert write_reports(first)["written"] == 1
    assert write_reports(second) == {"due": 1, "written": 0, "existing": 1, "empty": 0}
    assert len(reports(world.agent)) == 1


@override_settings(TIME_ZONE="America/New_York")
def test_hours_follow_the_configured_time_zone(world):
    pref(world.agent, hour1=8)

    assert due(datetime(2026, 3, 2, 13, tzinfo=UTC)) == {"gaston"}  # 8:00 EST
    assert due(WINTER_8) == set()


def test_a_slot_is_an_aware_exact_hour(world):
    with pytest.raises(ValueError, match="aware"):
        write_reports(datetime(2026, 3, 2, 7))
    with pytest.raises(ValueError, match="exact hour"):
        write_reports(WINTER_8 + timedelta(minutes=30))
    with pytest.raises(ValueError):
        daily_reports.call("tomorrow at eight")
    with pytest.raises(ValueError, match="aware"):
        daily_reports.call("2026-03-02T07:00:00")
    assert not Outbox.objects.filter(kind="daily_report").exists()


def test_the_task_accepts_any_offset_for_the_same_instant(world):
    with at(WINTER_8 - HOUR):
        file_ticket(world.customer, "ent")
    pref(world.agent)

    assert daily_reports.call("2026-03-02T08:00:00+01:00")["written"] == 1
    assert daily_reports.call("2026-03-02T07:00:00Z")["existing"] == 1

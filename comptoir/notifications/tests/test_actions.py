# covers: NOT-2, NOT-3
"""Watch levels and daily reports: one's own for each service one belongs to; a manager of
the service (or an administrator) for its members; the values are checked."""

from __future__ import annotations

import pytest

from comptoir.catalog.models import Service
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.notifications import rules
from comptoir.notifications.actions import daily_report_set, watch_level_set
from comptoir.notifications.models import DailyReportPreference, WatchPreference
from comptoir.tickets.tests.helpers import file_ticket, recipients


def dsi() -> Service:
    return Service.objects.get(desk__slug="ent", slug="dsi")


def test_medium_and_custom_watch_levels(world):
    p = watch_level_set(actor=world.agent, service=dsi(), level="medium")
    assert p.grid() == WatchPreference.MEDIUM_GRID
    p = watch_level_set(
        actor=world.agent,
        service=dsi(),
        level="custom",
        any_ticket="never",
        category_ticket="never",
        held_ticket="always",
    )
    assert p.grid() == {"any": "never", "category": "never", "held": "always"}
    assert WatchPreference.objects.count() == 1


def test_the_watch_level_decides_who_is_told(world):
    watch_level_set(
        actor=world.agent,
        service=dsi(),
        level="custom",
        any_ticket="never",
        category_ticket="never",
        held_ticket="never",
    )
    t = file_ticket(world.customer, "ent")
    told = recipients(t, "created")
    assert "gaston" not in told and "gisele" in told
    assert rules  # the rules read the preference written here


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"level": "loud"}, "level"),
        ({"level": "custom"}, "any_ticket"),
        (
            {
                "level": "custom",
                "any_ticket": "always",
                "category_ticket": "x",
                "held_ticket": "never",
            },
            "category_ticket",
        ),
    ],
)
def test_bad_watch_values(world, kwargs, field):
    with pytest.raises(InvalidInput) as err:
        watch_level_set(actor=world.agent, service=dsi(), **kwargs)
    assert err.value.field == field
    assert not WatchPreference.objects.exists()


def test_daily_report(world):
    p = daily_report_set(
        actor=world.agent, service=dsi(), scope="mine", hour1=7, hour2="13", weekend=True
    )
    assert (p.scope, p.hours(), p.weekend, p.suspended, p.group_all) == (
        "mine",
        [7, 13],
        True,
        False,
        False,
    )
    p = daily_report_set(
        actor=world.agent,
        service=dsi(),
        scope="free",
        hour1=9,
        hour2=9,
        suspended=True,
        group_all=True,
        include_closed=True,
    )
    assert (p.hours(), p.suspended, p.group_all, p.include_closed) == ([9], True, True, True)
    assert DailyReportPreference.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scope": "all"}, "scope"),
        ({"scope": "free", "hour1": None}, "hour1"),
        ({"scope": "free", "hour1": 24}, "hour1"),
        ({"scope": "free", "hour1": "eight"}, "hour1"),
        ({"scope": "free", "hour1": 8, "hour2": -1}, "hour2"),
    ],
)
def test_bad_report_values(world, kwargs, field):
    with pytest.raises(InvalidInput) as err:
        daily_report_set(actor=world.agent, service=dsi(), **kwargs)
    assert err.value.field == field
    assert not DailyReportPreference.objects.exists()


def test_none_needs_no_hour(world):
    p = daily_report_set(actor=world.agent, service=dsi(), scope="none", hour1=None)
    assert p.scope == "none"


def test_a_manager_sets_a_members_preferences_others_cannot(world):
    watch_level_set(actor=world.manager, service=dsi(), level="medium", user=world.agent)
    daily_report_set(actor=world.admin, service=dsi(), scope="free", user=world.agent)
    with pytest.raises(PermissionDenied):
        watch_level_set(actor=world.agent2, service=dsi(), level="medium", user=world.agent)
    with pytest.raises(PermissionDenied):
        daily_report_set(actor=world.agent2, service=dsi(), scope="mine", user=world.agent)
    assert DailyReportPreference.objects.get(user=world.agent).scope == "free"


def test_only_for_members_of_the_service(world):
    with pytest.raises(NotFound):
        watch_level_set(actor=world.other_agent, service=dsi(), level="medium")
    with pytest.raises(NotFound):
        daily_report_set(actor=world.manager, service=dsi(), scope="free", user=world.customer)

#
"""Every dashboard number equals the same number computed in plain Python from the rows
of a generated data set, for several scopes, filters, periods and buckets."""

from __future__ import annotations

import pytest

from comptoir.catalog.models import Service
from comptoir.reports import durations, periods
from comptoir.reports import selectors as sel
from comptoir.reports.scope import customer_choices, manager_scope, parse_filters

from . import expected as exp

CASES = [
    # (who, query, desk/service/organisation filters as a predicate builder)
    ("admin", {"from": "2025-01-01", "to": "2025-03-31", "bucket": "month"}),
    ("admin", {"from": "2025-02-01", "to": "2025-02-28"}),
    ("manager", {"from": "2025-01-10", "to": "2025-01-29", "bucket": "day"}),
    ("manager", {"from": "2025-01-01", "to": "2025-03-31", "org": "a"}),
    ("dsi", {"from": "2025-01-01", "to": "2025-03-31", "bucket": "week"}),
    ("admin", {"from": "2025-01-01", "to": "2025-03-31", "desk": "itil", "org": "b"}),
]


def actor_of(who, world, people):
    return {"admin": world.admin, "manager": world.manager, "dsi": people.dsi}[who]


def setup_case(world, people, who, raw):
    actor = actor_of(who, world, people)
    scope = manager_scope(actor)
    query = {k: v for k, v in raw.items() if k in ("from", "to", "bucket")}
    if "org" in raw:
        query["organisation"] = str({"a": world.org_a, "b": world.org_b}[raw["org"]].pk)
    if "desk" in raw:
        query["desk"] = str(world.desks[raw["desk"]].pk)
    filters = parse_filters(scope, query, customer_choices())
    allowed = set(scope.service_ids)

    def keep(t) -> bool:
        if t.service_id not in allowed:
            return False
        if filters.organisation_id and t.organisation_id != filters.organisation_id:
            return False
        return not (filters.desk_id and t.desk_id != filters.desk_id)

    return scope, filters, keep


@pytest.mark.parametrize(("who", "raw"), CASES)
def test_every_number_equals_the_rows(world, people, data, who, raw):
    scope, filters, keep = setup_case(world, people, who, raw)
    p = filters.period
    first, last = p.first, p.last

    assert {r.key: r.count for r in sel.backlog_by_status(scope, filters)} == (
        exp.backlog_by_status(keep)
    )
    assert {r.key: r.count for r in sel.backlog_by_awaiting(scope, filters)} == (
        exp.backlog_by_awaiting(keep)
    )

    volume = sel.volume(scope, filters)
    assert [r.day for r in volume] == p.buckets()
    created = exp.per_bucket(keep, "created_at", first, last, p.bucket)
    resolved = exp.per_bucket(keep, "resolved_at", first, last, p.bucket)
    assert {r.day: r.created for r in volume if r.created} == created
    assert {r.day: r.resolved for r in volume if r.resolved} == resolved
    assert sum(created.values()) > 0

    for stat, values in (
        (durations.first_response(scope, filters), exp.first_responses(keep, first, last)),
        (durations.resolution(scope, filters), exp.resolutions(keep, first, last)),
    ):
        n, avg, median = exp.avg_median(values)
        assert stat.count == n
        if n:
            assert stat.average.total_seconds() == pytest.approx(avg, abs=1)
            assert stat.median.total_seconds() == pytest.approx(median, abs=0.001)
        else:
            assert stat.average is None and stat.median is None

    per_bucket = durations.times_per_bucket(scope, filters)
    assert sum(r.answered for r in per_bucket) == len(exp.first_responses(keep, first, last))
    assert sum(r.resolved for r in per_bucket) == len(exp.resolutions(keep, first, last))

    sla = {
        r.service_id: (r.resolved, r.resolved_breached, r.breaches)
        for r in sel.sla_by_service(scope, filters)
    }
    assert sla == exp.sla(keep, first, last)

    assert sel.satisfaction(scope, filters).distribution == exp.satisfaction(keep, first, last)

    for by, fn in (
        ("organisation", sel.time_by_organisation),
        ("consultant", sel.time_by_consultant),
    ):
        got = {r.key: (r.minutes, r.billable) for r in fn(scope, filters)}
        assert got == exp.time_spent(keep, first, last, by)


def test_per_bucket_averages_match(world, people, data):
    scope, filters, keep = setup_case(world, people, "admin", CASES[0][1])
    rows = {r.day: r for r in durations.times_per_bucket(scope, filters)}
    p = filters.period
    for day, row in rows.items():
        last = min(periods._next(day, p.bucket) - periods.dt.timedelta(days=1), p.last)
        n, avg, _median = exp.avg_median(exp.resolutions(keep, max(day, p.first), last))
        assert row.resolved == n
        if n:
            assert row.resolution.total_seconds() == pytest.approx(avg, abs=1)


def test_compliance_and_satisfaction_figures(world, people, data):
    scope, filters, keep = setup_case(world, people, "admin", CASES[0][1])
    rows = sel.sla_by_service(scope, filters)
    total = sel.sla_total(rows)
    expected = exp.sla(keep, filters.period.first, filters.period.last)
    resolved = sum(v[0] for v in expected.values())
    breached = sum(v[1] for v in expected.values())
    assert resolved > 0 and breached > 0
    assert total.compliance == round(100 * (resolved - breached) / resolved, 1)
    s = sel.satisfaction(scope, filters)
    dist = exp.satisfaction(keep, filters.period.first, filters.period.last)
    count = sum(dist.values())
    assert s.count == count > 0
    assert s.average == round(sum(k * n for k, n in dist.items()) / count, 2)


def test_a_manager_of_one_service_counts_only_that_service(world, people, data):
    dsi = Service.objects.get(desk__slug="ent", slug="dsi")
    scope, filters, _keep = setup_case(world, people, "dsi", CASES[4][1])
    assert scope.service_ids == [dsi.pk]
    assert {r.service_id for r in sel.sla_by_service(scope, filters)} <= {dsi.pk}
    mine = [t for t in data.tickets if t.service_id == dsi.pk]
    assert sum(r.created for r in sel.volume(scope, filters)) == len(mine) > 0
    minutes = sum(e.minutes for e in data.entries if e.ticket.service_id == dsi.pk)
    assert sum(r.minutes for r in sel.time_by_organisation(scope, filters)) == minutes


def test_breaches_list_is_the_period_s_breaches_newest_first(world, people, data):
    scope, filters, keep = setup_case(world, people, "admin", CASES[1][1])
    rows = list(sel.breaches(scope, filters))
    want = sorted(
        (
            t
            for t in exp.all_tickets(keep)
            if exp.within(t.sla_breached_at, filters.period.first, filters.period.last)
        ),
        key=lambda t: (t.sla_breached_at, t.pk),
        reverse=True,
    )
    assert [r["key"] for r in rows] == [t.key for t in want]
    assert rows

#
"""The manager dashboard and its exports as people use them: who is refused, what the
page and the CSV files say, and the edges of periods and buckets."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from comptoir.catalog.models import Service
from comptoir.tickets.models import Event, Ticket
from comptoir.workflows.models import State

from .factory import PARIS, local

DASHBOARD = reverse("reports:dashboard")
ME = reverse("reports:me")
FULL = "from=2025-01-01&to=2025-03-31&bucket=month"


def export(name: str) -> str:
    return reverse("reports:export", args=[name])


TICKETS_CSV = reverse("reports:export_tickets")


def read_csv(response) -> list[list[str]]:
    assert response.streaming is True
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


def test_the_dashboard_shows_every_chart_with_its_table_and_csv(world, people, data, login):
    response = login(world.admin).get(f"{DASHBOARD}?{FULL}")
    assert response.status_code == 200
    html = response.content.decode()
    charts = svgs(html)
    assert len(charts) == 8  # every table but the breach list has a chart
    for svg in charts:
        assert "<script" not in svg.lower()
        assert "<!--" not in svg
        assert set(re.findall(r"https?://[^\"'\s<>)]+", svg)) == {"http://www.w3.org/2000/svg"}
        assert re.search(r'role="img" aria-label="[^"]+"', svg)
        assert "<title>" in svg
    assert "<script" not in html.split("<main", 1)[1].lower()
    for name in ("backlog_status", "volume", "times", "sla", "breaches", "satisfaction"):
        section = html.split(f'id="report-{name}"', 1)[1].split("</section>", 1)[0]
        assert "<table" in section
        assert f'href="{export(name)}?' in section
    assert f'href="{TICKETS_CSV}?' in html


def test_the_page_numbers_are_the_data_s(world, people, data, login):
    html = login(world.admin).get(f"{DASHBOARD}?{FULL}").content.decode()
    volume = html.split('id="report-volume"', 1)[1].split("</section>", 1)[0]
    january = re.search(r'<th scope="row">2025-01</th><td>(\d+)</td><td>(\d+)</td>', volume)
    created = sum(
        1
        for t in data.tickets
        if local(dt.date(2025, 1, 1)) <= t.created_at < local(dt.date(2025, 2, 1))
    )
    assert january and int(january.group(1)) == created > 0


def test_csv_of_a_table_equals_the_table(world, people, data, login):
    c = login(world.admin)
    rows = read_csv(c.get(f"{export('volume')}?{FULL}"))
    assert rows[0] == ["Period", "Created", "Resolved"]
    assert [r[0] for r in rows[1:-1]] == ["2025-01", "2025-02", "2025-03"]
    assert rows[-1][0] == "Total"
    assert int(rows[-1][1]) == len(data.tickets)
    assert sum(int(r[1]) for r in rows[1:-1]) == len(data.tickets)

    rows = read_csv(c.get(f"{export('time_consultant')}?{FULL}"))
    by_name = {r[0]: int(r[1]) for r in rows[1:-1]}
    for user in (world.agent, world.agent2):
        assert by_name[user.username] == sum(
            e.minutes
            for e in data.entries
            if e.consultant_id == user.pk and e.worked_on <= dt.date(2025, 3, 31)
        )


def test_the_tickets_csv_lists_the_period_s_tickets(world, people, data, login):
    rows = read_csv(login(world.admin).get(f"{TICKETS_CSV}?from=2025-02-01&to=2025-02-28"))
    assert rows[0][:3] == ["Ticket", "Title", "Desk"]
    feb = [
        t
        for t in data.tickets
        if local(dt.date(2025, 2, 1)) <= t.created_at < local(dt.date(2025, 3, 1))
    ]
    assert sorted(r[0] for r in rows[1:]) == sorted(t.key for t in feb)
    assert len(feb) > 0
    first = min(feb, key=lambda t: (t.created_at, t.pk))
    row = rows[1]
    assert row[0] == first.key
    assert row[4] == first.organisation.name
    assert row[6] == first.created_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")


def test_the_tickets_csv_is_streamed_in_chunks(world, people, data, login, monkeypatch):
    from django.db.models.query import QuerySet

    calls = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        calls.append((self.model.__name__, chunk_size))
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    response = login(world.admin).get(f"{TICKETS_CSV}?{FULL}")
    assert response.streaming is True
    assert calls == []  # nothing read before the body is consumed
    content = iter(response.streaming_content)
    assert next(content).decode() == "\ufeff"
    assert next(content).decode().startswith("Ticket,")
    next(content)
    assert calls == [("Ticket", 2000)]
    rest = b"".join(content)
    assert rest.count(b"\n") == len(data.tickets) - 1

    calls.clear()
    breaches = login(world.admin).get(f"{export('breaches')}?{FULL}")
    assert read_csv(breaches)[1:]
    assert calls == [("Ticket", 2000)]


def test_a_manager_of_one_service_never_sees_another_s(world, people, data, login):
    dsi = Service.objects.get(desk__slug="ent", slug="dsi")
    sg = Service.objects.get(desk__slug="ent", slug="services-generaux")
    theirs = {t.key for t in data.tickets if t.service_id == sg.pk}
    mine = {t.key for t in data.tickets if t.service_id == dsi.pk}
    assert theirs and mine
    c = login(people.dsi)
    html = c.get(f"{DASHBOARD}?{FULL}").content.decode()
    assert "Services généraux" not in html and "General services" not in html
    rows = read_csv(c.get(f"{TICKETS_CSV}?{FULL}"))
    assert {r[0] for r in rows[1:]} == mine
    volume = read_csv(c.get(f"{export('volume')}?{FULL}"))
    assert int(volume[-1][1]) == len(mine)
    keys = {r[0] for r in read_csv(c.get(f"{export('breaches')}?{FULL}"))[1:]}
    assert keys and keys <= mine
    # Asking for the other service by id is refused like an unknown one.
    response = c.get(f"{DASHBOARD}?{FULL}&service={sg.pk}")
    assert response.status_code == 400
    assert "Choose a service from the list." in response.content.decode()
    assert c.get(f"{TICKETS_CSV}?{FULL}&service={sg.pk}").status_code == 400


def test_the_customer_filter_keeps_other_customers_out(world, people, data, login):
    c = login(world.admin)
    rows = read_csv(c.get(f"{TICKETS_CSV}?{FULL}&organisation={world.org_a.pk}"))
    assert {r[4] for r in rows[1:]} == {world.org_a.name}
    rows = read_csv(c.get(f"{export('time_organisation')}?{FULL}&organisation={world.org_a.pk}"))
    assert [r[0] for r in rows[1:-1]] == [world.org_a.name]


@pytest.mark.parametrize(
    "url",
    [DASHBOARD, f"{DASHBOARD}?{FULL}", export("volume"), export("breaches"), TICKETS_CSV],
)
def test_an_agent_managing_nothing_is_refused_with_a_reason(world, people, data, login, url):
    before = (Ticket.objects.count(), Event.objects.count())
    response = login(world.agent).get(url)
    assert response.status_code == 403
    assert "you manage none" in response.content.decode()
    assert (Ticket.objects.count(), Event.objects.count()) == before


@pytest.mark.parametrize("url", [DASHBOARD, ME, export("volume"), export("breaches"), TICKETS_CSV])
def test_customers_are_refused_everything(world, people, data, login, url):
    for who in (world.customer, world.customer_manager, world.outsider):
        assert login(who).get(f"{url}?{FULL}").status_code == 404
    assert login(world.admin).post(url).status_code == 405


def test_unknown_export_is_404(world, login):
    assert login(world.admin).get(export("nothing")).status_code == 404


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2025-03-01&to=2025-02-01", "to", "after its end"),
        ("from=2025-02-30", "from", "YYYY-MM-DD"),
        ("from=2020-01-01&to=2025-01-01&bucket=day", "bucket", "wider bucket"),
        ("bucket=hour", "bucket", "day, week or month"),
        ("desk=abc", "desk", "from the list"),
        ("service=%C2%B2", "service", "from the list"),  # "²" passes str.isdigit
    ],
)
def test_a_bad_period_is_explained(world, login, query, field, message):
    response = login(world.admin).get(f"{DASHBOARD}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', html)
    assert svgs(html) == []
    csv_response = login(world.admin).get(f"{TICKETS_CSV}?{query}")
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()


def test_an_empty_period_draws_empty_charts(world, people, data, login):
    c = login(world.admin)
    response = c.get(f"{DASHBOARD}?from=2024-06-01&to=2024-06-30")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No data for this period" in html
    assert "No SLA breach in this period." in html
    rows = read_csv(c.get(f"{export('volume')}?from=2024-06-01&to=2024-06-30"))
    assert len(rows) == 1 + 30 + 1  # header, every day, total
    assert rows[-1] == ["Total", "0", "0"]
    assert read_csv(c.get(f"{TICKETS_CSV}?from=2024-06-01&to=2024-06-30"))[1:] == []


def test_month_ends_follow_the_provider_s_time_zone(world, people, factory, login):
    # 23:30 UTC on 31 January is 00:30 on 1 February in Paris.
    late = dt.datetime(2025, 1, 31, 23, 30, tzinfo=dt.UTC)
    t = factory.ticket(place=1, created=late)
    c = login(world.admin)
    rows = read_csv(c.get(f"{export('volume')}?{FULL}"))
    assert rows[1] == ["2025-01", "0", "0"]
    assert rows[2] == ["2025-02", "1", "0"]
    assert read_csv(c.get(f"{TICKETS_CSV}?from=2025-01-01&to=2025-01-31"))[1:] == []
    feb = read_csv(c.get(f"{TICKETS_CSV}?from=2025-02-01&to=2025-02-01"))
    assert [r[0] for r in feb[1:]] == [t.key]
    assert feb[1][6] == "2025-02-01 00:30"
    week = read_csv(c.get(f"{export('volume')}?from=2025-01-27&to=2025-02-09&bucket=week"))
    assert [r[:2] for r in week[1:-1]] == [["2025-W05", "1"], ["2025-W06", "0"]]
    assert t.state == State.OPEN


def test_names_are_escaped_in_charts_and_tables(world, people, factory, login):
    world.org_b.name = '<script>alert("x")</script> & Co'
    world.org_b.save()
    t = factory.ticket(place=1, created=local(dt.date(2025, 2, 3), 10), customer=world.outsider)
    factory.time(t, world.agent, dt.date(2025, 2, 3), 30)
    html = login(world.admin).get(f"{DASHBOARD}?{FULL}").content.decode()
    main = html.split("<main", 1)[1]
    assert "<script" not in main
    assert "&lt;script&gt;alert(" in main

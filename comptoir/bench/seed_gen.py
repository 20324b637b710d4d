"""The rows of workload W's tickets, made in memory from precomputed pools (no database).

`Generator.batch(n)` returns the next n tickets with their comments, attachments, timeline
events and time, as tuples in the column order of `COLUMNS`, ids assigned here so a comment
names its ticket and an event its comment without reading anything back. Tickets come in
creation order over two years, so key numbers grow with `created_at` as they do on a real
desk; the state depends on age (recent tickets are mostly open, old ones mostly closed:
about 25 % open, 10 % resolved, 65 % closed overall) and each status is one of the ticket
type's workflow for that state. The timeline is what the actions would have written: the
`created` event, `taken` when someone holds it, one `status` event per move (two for a
closed ticket whose workflow has a resolved status), one `comment` event per comment.
"""

from __future__ import annotations

import bisect
import json
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from comptoir.bench.seed_text import NOTE, TextPools, words

DAY = 86400
SPAN = 730 * DAY  # two years of history
COLUMNS: dict[str, list[str]] = {
    "ticket": words(
        "id desk_id number key type_id service_id category_id priority_id status_id state "
        "level_id channel title description personal_reference qualification organisation_id "
        "site_id reporter_id affected_id created_by_id assignee_id status_reason solution "
        "confirmation created_at updated_at status_changed_at resolved_at closed_at version "
        "sla_first_response_due sla_resolution_due sla_paused sla_breached_at sla_next_alert_at"
    ),
    "comment": words("id ticket_id organisation_id author_id body internal created_at"),
    "attachment": words(
        "id ticket_id organisation_id comment_id token file filename content_type size "
        "internal uploaded_by_id created_at"
    ),
    "event": words(
        "id ticket_id organisation_id actor_id kind data internal comment_id created_at"
    ),
    "timetask": words("id ticket_id organisation_id month name created_at"),
    "timeentry": words(
        "id task_id ticket_id organisation_id consultant_id worked_on minutes note billable "
        "period created_by_id created_at updated_at"
    ),
}
CHANNELS = ("portal",) * 11 + ("email",) * 6 + ("phone",) * 2 + ("api",)
COMMENTS = (0, 1, 2, 3, 3, 4, 4, 4, 4, 5, 5, 6, 6, 7, 8, 10)  # mean 4.5 before the 0s: ~4
PRIORITY_WEIGHTS = {1: 4, 2: 18, 3: 62, 4: 16}


@dataclass
class TypeInfo:
    id: int
    desk_id: int
    workflow_id: int
    level_id: int | None
    sla: bool
    customer_may_create: bool
    billed_on_time: bool


@dataclass
class World:
    """The reference rows the tickets point at, read once after the setup."""

    now: int  # epoch seconds
    desks: dict[int, dict[str, Any]]  # id → prefix, language, next (number)
    categories: list[tuple[int, int, int, int | None]]  # id, service, desk, service level
    types: dict[int, list[TypeInfo]]  # desk → types
    statuses: dict[int, dict[str, list[int]]]  # workflow → state → status ids
    initial: dict[int, int]  # workflow → initial status
    status_info: dict[int, dict[str, Any]]  # id → label (JSON), sla_effect, state
    transitions: dict[tuple[int | None, int], str]  # (from, to) → code
    priorities: dict[int, list[tuple[int, int]]]  # desk → (id, rank)
    targets: dict[int, tuple[int, int, int]]  # priority → first, resolution minutes, warn %
    orgs: list[tuple[int, str, float]]  # id, language, cumulative weight
    sites: dict[int, list[int]]  # org → sites
    customers: dict[int, list[int]]  # site → customers
    managers: dict[int, int]  # site → customer manager
    agents: dict[int, list[int]]  # service → members
    user_label: dict[int, str]  # user → `_base.label` as JSON
    sample_services: set[int] = field(default_factory=set)
    sample_agent: int = 0


@dataclass
class Rows:
    tables: dict[str, list[tuple]] = field(default_factory=lambda: {k: [] for k in COLUMNS})

    def count(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.tables.items()}


class Generator:
    def __init__(
        self,
        world: World,
        *,
        seed: int,
        total: int,
        ids: dict[str, int],
        ts: Callable[[int], Any],
        texts: TextPools,
        zone: str = "Europe/Paris",
    ) -> None:
        self.w, self.total, self.ids, self.ts, self.texts = world, total, dict(ids), ts, texts
        self.rng = random.Random(seed * 1_000_003 + 7)  # noqa: S311 (reproducible, not secret)
        self.done = 0
        self.zone = ZoneInfo(zone)
        self.open_keys: deque[str] = deque(maxlen=50)
        self.open_affected: deque[int] = deque(maxlen=50)
        self.time_orgs: dict[int, int] = {}
        self._cat_weights = None
        self._status_json: dict[tuple[int, int], str] = {}
        self._priority_cum: dict[int, list[int]] = {}
        self._fitting: dict[tuple[int, int | None], list[TypeInfo]] = {}
        self._others: dict[tuple[int, str], list[int]] = {}

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table] - 1

    # --- one ticket ----------------------------------------------------------------------

    def batch(self, n: int) -> Rows:
        rows = Rows()
        for _ in range(n):
            self.ticket(rows)
        return rows

    def ticket(self, rows: Rows, *, comments: int | None = None, long_for: int = 0) -> str:
        w, r, now = self.w, self.rng, self.w.now
        rnd = r.random  # random.choice and randrange cost ten times more, per row

        def pick(seq):
            return seq[int(rnd() * len(seq))]

        i, self.done = self.done, self.done + 1
        created = now - SPAN + int(SPAN * i / max(self.total, 1)) + int(rnd() * 600)
        created = min(created, now - 120) if not long_for else now - 20 * DAY
        age_recent = i >= self.total * 0.9
        draw = r.random()
        if long_for:
            state = "open"
        elif age_recent:
            state = "open" if draw < 0.7 else ("resolved" if draw < 0.9 else "closed")
        else:
            state = "open" if draw < 0.2 else ("resolved" if draw < 0.289 else "closed")
        cat_id, service_id, desk_id, level_id = self._category(long_for)
        tinfo = self._type(desk_id, level_id)
        wf = tinfo.workflow_id
        initial = w.initial[wf]
        if not w.statuses[wf].get(state):  # a workflow without a resolved status
            state = "closed"
        status = self._status(wf, state, initial)
        if long_for and status == initial:
            status = next(s for s in w.statuses[wf]["open"] if s != initial)
        org_id, lang, _ = w.orgs[bisect.bisect(self._org_cum(), r.random() * w.orgs[-1][2])]
        site_id = pick(w.sites[org_id])
        affected = pick(w.customers[site_id])
        reporter = w.managers[site_id] if rnd() < 0.08 else affected
        members = w.agents[service_id]
        channel = pick(CHANNELS)
        if not tinfo.customer_may_create:
            channel = "phone"
        created_by = pick(members) if channel == "phone" else reporter
        assignee = None
        if long_for:
            assignee = long_for
        elif status != initial and rnd() < 0.9:
            assignee = pick(members)
        desk = w.desks[desk_id]
        number = desk["next"]
        desk["next"] += 1
        key = f"{desk['prefix']}{number}"
        tid = self._next("ticket")
        title = self.texts.title(lang, r.random())
        # When it ends: closed tickets close after hours to weeks; resolved ones were
        # resolved in the last days (the automatic closing has not come yet); open ones
        # were last touched somewhere between their creation and now.
        if state == "closed":
            end = created + min(int(r.expovariate(1 / (3 * DAY))) + 900, now - created - 60)
        elif state == "resolved":
            end = now - 60 - int(rnd() * 5 * DAY)
        else:
            end = created + int((now - created - 60) * rnd() ** 2)
        end = max(end, created + 60) if not long_for else now - 3600
        span = end - created - 29
        times = sorted(created + 30 + int(rnd() * span) for _ in range(4))
        ev = rows.tables["event"]
        comment_rows = rows.tables["comment"]
        ts = self.ts
        last = created
        ev.append(
            (self._next("event"), tid, org_id, created_by, "created",
             f'{{"status": {w.status_info[initial]["label"]}, "channel": "{channel}", '
             f'"key": "{key}"}}',
             False, None, ts(created))
        )  # fmt: skip
        status_changed = created
        resolved_at = closed_at = None
        if assignee is not None:
            ev.append(
                (self._next("event"), tid, org_id, assignee, "taken",
                 f'{{"assignee": {w.user_label[assignee]}}}', False, None, ts(times[0]))
            )  # fmt: skip
        mover = assignee or pick(members)
        moves = self._moves(wf, initial, status, state)
        # One move: soon after the take while open, at the end otherwise; two (closed
        # through its resolved status): resolved along the way, closed at the end.
        at_of = [times[1] if state == "open" else end] if len(moves) == 1 else [times[2], end]
        for (old, new), at in zip(moves, at_of, strict=False):
            ev.append(
                (self._next("event"), tid, org_id, mover, "status", self._status_data(old, new),
                 False, None, ts(at))
            )  # fmt: skip
            status_changed = at
            if w.status_info[new]["state"] == "resolved":
                resolved_at = at
            if w.status_info[new]["state"] == "closed":
                closed_at = at
        if closed_at and resolved_at is None:
            resolved_at = closed_at
        last = max(last, status_changed)
        n_comments = pick(COMMENTS) if comments is None else comments
        texts, attach = self.texts, rnd() < 0.03
        agent = assignee or pick(members)
        first_comment = None
        for c in range(n_comments):
            at = created + 30 + int(rnd() * span)
            if long_for:
                at = created + (c + 1) * (19 * DAY // (n_comments + 1))
            internal = False
            if c % 2 == 0:
                author = agent
                internal = rnd() < 0.15
                pool = texts.internal[lang] if internal else texts.agent[lang]
            else:
                author = reporter
                pool = texts.customer[lang]
            cid = self._next("comment")
            first_comment = first_comment or (cid, author, internal, at)
            comment_rows.append((cid, tid, org_id, author, pick(pool), internal, ts(at)))
            has_file = attach and cid == first_comment[0]
            ev.append(
                (self._next("event"), tid, org_id, author, "comment",
                 '{"attachments": 1}' if has_file else '{"attachments": 0}', internal, cid,
                 ts(at))
            )  # fmt: skip
            last = max(last, at)
        if attach and first_comment:
            self._attachment(rows, tid, org_id, first_comment)
        if tinfo.billed_on_time and assignee and rnd() < 0.5:
            self._time(rows, tid, org_id, key, title, assignee, created, end)
        sla = self._sla(tinfo, status, state, created, w.priorities[desk_id], r)
        priority_id, first_due, res_due, paused, breached, next_alert = sla
        solution = pick(texts.agent[lang]) if state != "open" else ""
        rows.tables["ticket"].append(
            (tid, desk_id, number, key, tinfo.id, service_id, cat_id, priority_id, status,
             state, level_id or tinfo.level_id, channel, title,
             pick(texts.descriptions[lang]),
             f"PO-{10000 + int(rnd() * 90000)}" if rnd() < 0.1 else "", "", org_id,
             site_id, reporter, affected, created_by, assignee, "", solution,
             "pending" if state == "resolved" else "", ts(created), ts(last),
             ts(status_changed), ts(resolved_at) if resolved_at else None,
             ts(closed_at) if closed_at else None, 1 + len(moves) + (assignee is not None),
             first_due, res_due, paused, breached, next_alert)
        )  # fmt: skip
        if state == "open" and service_id in w.sample_services and not long_for:
            self.open_keys.append(key)
            self.open_affected.append(affected)
        return key

    # --- choices ---------------------------------------------------------------------------

    def _org_cum(self) -> list[float]:
        if self._cat_weights is None:
            self._cat_weights = [o[2] for o in self.w.orgs]
        return self._cat_weights

    def _category(self, long_for: int) -> tuple[int, int, int, int | None]:
        if long_for:
            return next(c for c in self.w.categories if c[1] in self.w.sample_services)
        return self.w.categories[int(self.rng.random() * len(self.w.categories))]

    def _type(self, desk_id: int, level_id: int | None) -> TypeInfo:
        fitting = self._fitting.get((desk_id, level_id))
        if fitting is None:
            types = self.w.types[desk_id]
            fitting = [t for t in types if t.level_id in (None, level_id)] or types
            self._fitting[(desk_id, level_id)] = fitting
        return fitting[int(self.rng.random() * len(fitting))]

    def _status(self, wf: int, state: str, initial: int) -> int:
        if state == "open" and self.rng.random() < 0.3:
            return initial
        others = self._others.get((wf, state))
        if others is None:
            choices = self.w.statuses[wf][state]
            others = self._others[(wf, state)] = [s for s in choices if s != initial] or choices
        return others[int(self.rng.random() * len(others))]

    def _moves(self, wf: int, initial: int, status: int, state: str) -> list[tuple[int, int]]:
        if status == initial:
            return []
        resolved = self.w.statuses[wf].get("resolved")
        if state == "closed" and resolved:
            return [(initial, resolved[0]), (resolved[0], status)]
        return [(initial, status)]

    def _status_data(self, old: int, new: int) -> str:
        found = self._status_json.get((old, new))
        if found is None:
            code = self.w.transitions.get((old, new)) or self.w.transitions.get((None, new), "")
            info = self.w.status_info
            found = (
                f'{{"transition": {json.dumps(code)}, "old": {info[old]["label"]}, '
                f'"new": {info[new]["label"]}}}'
            )
            self._status_json[(old, new)] = found
        return found

    def _sla(self, tinfo: TypeInfo, status: int, state: str, created: int, priorities, r):
        """Due dates of an open ticket under SLA, the way `sla.services.recompute` leaves
        them: paused statuses have none; deadlines long past were recorded as breaches
        (no next alert), those of the last day still wait for the `sla_watch` job."""
        cumulative = self._priority_cum.get(id(priorities))
        if cumulative is None:
            weights = [PRIORITY_WEIGHTS.get(rank, 10) for _pk, rank in priorities]
            cumulative = self._priority_cum[id(priorities)] = list(accumulate(weights))
        priority_id = priorities[bisect.bisect(cumulative, r.random() * cumulative[-1])][0]
        none = (priority_id, None, None, False, None, None)
        if state != "open" or not tinfo.sla or priority_id not in self.w.targets:
            return none
        if self.w.status_info[status]["sla"] == "pause":
            return (priority_id, None, None, True, None, None)
        first_min, res_min, warn = self.w.targets[priority_id]
        # Business minutes to wall-clock: 9 hours a day, 5 days a week.
        due = created + int(res_min / 540 * 7 / 5 * DAY)
        first = created + int(first_min / 540 * 7 / 5 * DAY)
        first_due = first if status == self.w.initial[tinfo.workflow_id] else None
        soonest = min(d for d in (first_due, due) if d is not None)
        now = self.w.now
        if soonest < now - DAY:
            return (priority_id, self.ts(first_due) if first_due else None, self.ts(due),
                    False, self.ts(soonest), None)  # fmt: skip
        warn_at = created + (soonest - created) * (warn or 100) // 100
        alert = warn_at if warn_at > now - DAY else soonest
        return (priority_id, self.ts(first_due) if first_due else None, self.ts(due), False,
                None, self.ts(alert))  # fmt: skip

    # --- what hangs off a few tickets ------------------------------------------------------

    def _attachment(self, rows: Rows, tid: int, org_id: int, comment) -> None:
        cid, author, internal, at = comment
        aid = self._next("attachment")
        rows.tables["attachment"].append(
            (aid, tid, org_id, cid, f"seed{aid:020d}", "bench/capture.png",
             f"capture-{aid}.png", "image/png", 68, internal, author, self.ts(at))
        )  # fmt: skip

    def _time(self, rows, tid, org_id, key, title, agent, created, end) -> None:
        from comptoir.billing.periods import task_name

        r = self.rng
        day = datetime.fromtimestamp(created, UTC).astimezone(self.zone).date()
        month = day.replace(day=1)
        task = self._next("timetask")
        name = task_name(key=key, title=title, month=month, language="fr")[:400]
        rows.tables["timetask"].append((task, tid, org_id, month, name, self.ts(created)))
        for _ in range(r.randrange(1, 4)):
            worked = min(day + timedelta(days=r.randrange(0, 3)), _month_end(month))
            rows.tables["timeentry"].append(
                (self._next("timeentry"), task, tid, org_id, agent, worked,
                 r.choice((15, 30, 45, 60, 90, 120, 240)), r.choice(NOTE["fr"]),
                 r.random() < 0.9, month, agent, self.ts(end), self.ts(end))
            )  # fmt: skip
        self.time_orgs[org_id] = self.time_orgs.get(org_id, 0) + 1


def _month_end(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)

# covers: BIL-1, BIL-2, WF-6
"""One write path for billing (GUIDE), like the tickets' (tickets/tests/test_write_path.py):
outside the billing actions — time (`actions.py`, the monthly job `tasks.py`), quotes
(`quotes.py`), rates (`rates.py`) and statements (`statements.py`, `statement_*.py`) —
no code writes a billing row.

A static check with `ast` (comptoir/core/tests/write_scan.py) over every module under
comptoir/ but migrations, tests and conftest files: each call that writes a billing model
through its manager (`TimeEntry.objects.filter(…).update(…)`), a related manager
(`ticket.time_entries.create(…)`), a fresh instance (`Quote(…).save()`) or a variable that
names one (`entry.save()`, `timer.delete()`) is reported. Aliased imports are followed.
"""

from __future__ import annotations

from pathlib import Path

from comptoir.core.tests.write_scan import ROOT, WriteScan, scanned_files

BILLING = ROOT / "billing"


def is_writer(path: Path) -> bool:
    """The modules that may write billing rows."""
    if path == ROOT / "bench" / "seed_steps.py":
        return True  # `comptoir bench seed`'s bulk loader, on a benchmark workload only
    if path.parent != BILLING:
        return False
    return path.name in {"actions.py", "quotes.py", "rates.py", "tasks.py"} or (
        path.name.startswith("statement") and path.suffix == ".py"
    )


MODELS = {"Rate", "TimeTask", "TimeEntry", "Quote", "Statement", "StatementLine", "Timer"}
MODULE = "comptoir.billing.models"
# Related managers pointing at billing rows, whatever object they hang from…
RELATED = {
    "time_tasks": "TimeTask",
    "time_entries": "TimeEntry",
    "adjustments": "TimeEntry",
    "quotes": "Quote",
    "rates": "Rate",
    "statements": "Statement",
}
# …and those whose name is too common to mean a billing row but on a billing owner.
OWNED = {("task", "entries"): "TimeEntry", ("statement", "lines"): "StatementLine"}
INSTANCE_NAMES = {
    "entry": "TimeEntry",
    "time_entry": "TimeEntry",
    "adjustment": "TimeEntry",
    "timer": "Timer",
    "quote": "Quote",
    "rate": "Rate",
    "statement": "Statement",
    "line": "StatementLine",
}


def _related(owner: str | None, attr: str) -> str | None:
    if attr in RELATED and owner is not None:
        return RELATED[attr]  # ticket.time_entries.create(…)
    return OWNED.get((owner, attr))  # task.entries.all().delete()


SCAN = WriteScan({MODULE: MODELS}, INSTANCE_NAMES, related=_related)


def test_only_the_billing_actions_write_billing_rows():
    files = scanned_files(is_writer)
    assert BILLING / "selectors.py" in files
    assert BILLING / "views" / "time.py" in files
    assert ROOT / "tickets" / "actions" / "assignment.py" in files
    assert BILLING / "actions.py" not in files and BILLING / "tasks.py" not in files
    found = SCAN.scan(files)
    assert found == [], "Write through comptoir.billing's actions instead:\n" + "\n".join(found)


def test_the_writers_are_the_named_modules():
    assert {p.name for p in BILLING.glob("*.py") if is_writer(p)} >= {"actions.py", "tasks.py"}
    assert is_writer(BILLING / "statement_issue.py") and is_writer(BILLING / "statements.py")
    assert is_writer(BILLING / "quotes.py") and is_writer(BILLING / "rates.py")
    assert not is_writer(BILLING / "selectors.py")
    assert not is_writer(BILLING / "views" / "actions.py")  # only billing's own top level
    assert not is_writer(ROOT / "tickets" / "actions" / "statement.py")


FLAGGED = [
    "TimeEntry.objects.create(minutes=1)",
    "TimeEntry.objects.filter(pk=1).update(minutes=2)",
    "TimeTask.objects.bulk_create([], ignore_conflicts=True)",
    "Timer.objects.filter(user=u).delete()",
    "Quote.objects.get_or_create(number=1)",
    "Statement.objects.update_or_create(month=m)",
    "StatementLine.objects.bulk_create(lines)",
    "Rate._default_manager.filter(pk=1).update(hourly_rate=1)",
    "Quote(number=2).save()",
    "entry.save(update_fields=['minutes'])",
    "entry.delete()",
    "self.timer.delete()",
    "quote.save()",
    "statement.save()",
    "ticket.time_entries.create(minutes=1)",
    "ticket.time_tasks.all().delete()",
    "entry.adjustments.create(minutes=-1)",
    "org.rates.filter(pk=1).update(currency='USD')",
    "statement.lines.all().delete()",
    "self.task.entries.create(minutes=1)",
    "from comptoir.billing.models import TimeEntry as T\nT.objects.create()",
]

LEFT_ALONE = [
    "TimeEntry.objects.filter(ticket=t).count()",
    "TimeEntry.objects.aggregate(total=Sum('minutes'))",
    "Quote.objects.get(pk=1)",
    "entry.refresh_from_db()",
    "Ticket.objects.filter(pk=1).exists()",
    "data.update(extra)",
    "totals.update(minutes=1)",
    "cache.delete(key)",
    "Timer.objects.select_related('ticket').first()",
    "report.lines.update(extra)",
    "feed.entries.clear()",
]


def test_the_checker_flags_each_way_of_writing_a_billing_row():
    assert SCAN.misses(FLAGGED) == []


def test_the_checker_leaves_reads_and_other_writes_alone():
    assert SCAN.false_alarms(LEFT_ALONE) == []

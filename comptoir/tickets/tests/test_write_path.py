# covers: TEN-2, TIC-8, NOT-7
"""One write path (GUIDE): outside `comptoir/tickets/actions/`, no code writes tickets or
what hangs off them, and only the outbox rules create outbox rows.

A static check with `ast` (comptoir/core/tests/write_scan.py): it reads every module under
comptoir/ (but the actions, migrations, tests and conftest files) and reports each call that
writes one of the ticket models — through its manager (`Ticket.objects….update(…)`), a
related manager (`ticket.comments.create(…)`), a fresh instance (`Comment(…).save()`) or a
variable that names one (`ticket.save()`). Aliased imports are followed; other models are
not flagged.
"""

from __future__ import annotations

from pathlib import Path

from comptoir.core.tests.write_scan import ROOT, WriteScan, scanned_files

SKIPPED_TREES = {
    ROOT / "tickets" / "actions",
    # `comptoir bench seed`'s bulk loader: a million tickets written into a benchmark
    # workload database with COPY / executemany, never into the configured one.
    ROOT / "bench" / "seed_steps.py",
}
OUTBOX_WRITERS = {
    ROOT / "notifications" / "rules.py",
    ROOT / "notifications" / "reports.py",
    ROOT / "mailin" / "answers.py",
}

TICKET_MODELS = {
    "Ticket",
    "Comment",
    "Event",
    "Attachment",
    "Guest",
    "TicketLink",
    "Mute",
    "Assessment",
}
MODEL_MODULES = {
    "comptoir.tickets.models": TICKET_MODELS,
    "comptoir.notifications.models": {"Outbox"},
}
# The outbox is written by the rules (creation); the delivery worker claims and marks rows
# with conditional updates, so only creation is reserved for Outbox.
OUTBOX_CREATES = {"create", "get_or_create", "update_or_create", "bulk_create"}
# Related managers of Ticket (related_name → model) and User.guest_of.
TICKET_RELATED = {
    "comments": "Comment",
    "attachments": "Attachment",
    "events": "Event",
    "guests": "Guest",
    "links_out": "TicketLink",
    "links_in": "TicketLink",
    "mutes": "Mute",
    "assessments": "Assessment",
    "outbox": "Outbox",
}
INSTANCE_NAMES = {"ticket": "Ticket", "comment": "Comment", "attachment": "Attachment"}


def _related(owner: str | None, attr: str) -> str | None:
    if attr in TICKET_RELATED and owner in {*INSTANCE_NAMES, "tickets"}:
        return TICKET_RELATED[attr]  # ticket.comments.create(…)
    if attr == "guest_of":
        return "Guest"  # user.guest_of.all().delete()
    return None


def _allowed(model: str, method: str, path: Path) -> bool:
    return model == "Outbox" and (method not in OUTBOX_CREATES or path in OUTBOX_WRITERS)


SCAN = WriteScan(MODEL_MODULES, INSTANCE_NAMES, related=_related, allowed=_allowed)


def violations(source: str, path: Path) -> list[str]:
    return SCAN.violations(source, path)


def test_only_the_actions_write_tickets():
    files = scanned_files(lambda path: any(path.is_relative_to(t) for t in SKIPPED_TREES))
    assert ROOT / "tickets" / "selectors.py" in files
    assert ROOT / "notifications" / "rules.py" in files
    assert not any(p.is_relative_to(ROOT / "tickets" / "actions") for p in files)
    found = SCAN.scan(files)
    assert found == [], "Write through comptoir.tickets.actions instead:\n" + "\n".join(found)


# --- The checker itself: what it flags and what it leaves alone ---------------------------------

FLAGGED = [
    "Ticket.objects.create(title='x')",
    "Ticket.objects.filter(pk=1).update(state='closed')",
    "Ticket.objects.select_for_update().get(pk=1).save()",
    "Ticket._default_manager.bulk_create([])",
    "Comment.objects.filter(ticket=t).delete()",
    "Event.objects.get_or_create(kind='x')",
    "Attachment.objects.all()[0:3].delete()",
    "Guest.objects.update_or_create(user=u)",
    "TicketLink.objects.bulk_update([], ['kind'])",
    "Mute.objects.create(user=u)",
    "Assessment.objects.create(satisfaction=5)",
    "Comment(body='x').save()",
    "ticket.save()",
    "ticket.save(update_fields=['state'])",
    "self.ticket.delete()",
    "comment.save()",
    "ticket.comments.create(body='x')",
    "ticket.events.all().delete()",
    "user.guest_of.all().delete()",
    "Outbox.objects.create(kind='x')",
    "Outbox.objects.bulk_create([])",
    "from comptoir.tickets.models import Ticket as T\nT.objects.create()",
    "from comptoir.tickets import models\nmodels.Event.objects.create()",
]

LEFT_ALONE = [
    "user.save()",
    "desk.save(update_fields=['next_number'])",
    "Desk.objects.filter(pk=1).update(next_number=2)",
    "ServiceMember.objects.create(user=u)",
    "Ticket.objects.filter(state='open').count()",
    "Ticket.objects.get(pk=1)",
    "ticket.refresh_from_db()",
    "attachment.file.save(name, content, save=False)",
    "data.update(extra)",
    "ticket_data.update(extra)",
    "comments.append(c)",
    "Outbox.objects.filter(pk=1, state='pending').update(state='sending')",
    "Outbox.objects.filter(sent_at__lt=t).delete()",
    "model.objects.create(**values)",
    "cache.delete(key)",
]


def test_the_checker_flags_each_way_of_writing_a_ticket_model():
    assert SCAN.misses(FLAGGED) == []


def test_the_checker_leaves_other_writes_alone():
    assert SCAN.false_alarms(LEFT_ALONE) == []


def test_the_rules_module_may_create_outbox_rows_but_nothing_else():
    rules = ROOT / "notifications" / "rules.py"
    assert violations("Outbox.objects.bulk_create(rows)", rules) == []
    assert len(violations("Event.objects.create(kind='x')", rules)) == 1

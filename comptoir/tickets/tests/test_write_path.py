# covers: TEN-2, TIC-8, NOT-7
"""One write path (GUIDE): outside `comptoir/tickets/actions/`, no code writes tickets or
what hangs off them, and only the outbox rules create outbox rows.

A static check with `ast`: it reads every module under comptoir/ (but the actions,
migrations, tests and conftest files) and reports each call that writes one of the ticket
models — through its manager (`Ticket.objects….update(…)`), a related manager
(`ticket.comments.create(…)`), a fresh instance (`Comment(…).save()`) or a variable that
names one (`ticket.save()`). Aliased imports are followed; other models are not flagged.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # comptoir/
SKIPPED_DIRS = {"migrations", "tests"}
SKIPPED_TREES = {ROOT / "tickets" / "actions"}
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
# Writes through a manager or queryset, and on an instance.
QS_WRITES = {
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
    "update",
    "delete",
}
INSTANCE_WRITES = {"save", "delete"}
# The outbox is written by the rules (creation); the delivery worker claims and marks rows
# with conditional updates, so only creation is reserved for Outbox.
OUTBOX_CREATES = {"create", "get_or_create", "update_or_create", "bulk_create"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
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


def _terminal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name → model name, for every way the module may name a ticket model."""
    names = {m: m for models in MODEL_MODULES.values() for m in models}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in MODEL_MODULES:
            for a in node.names:
                if a.name in MODEL_MODULES[node.module]:
                    names[a.asname or a.name] = a.name
    return names


def _written_model(call: ast.Call, aliases: dict[str, str]) -> str | None:
    """The ticket model a `<receiver>.<method>(…)` call writes, or None."""
    method = call.func.attr  # type: ignore[attr-defined]
    receiver = call.func.value  # type: ignore[attr-defined]
    if method in INSTANCE_WRITES:
        if isinstance(receiver, ast.Call) and _terminal(receiver.func) in aliases:
            return aliases[_terminal(receiver.func)]  # Comment(…).save()
        name = _terminal(receiver)
        if name in INSTANCE_NAMES and isinstance(receiver, ast.Name | ast.Attribute):
            return INSTANCE_NAMES[name]  # ticket.save(), self.ticket.save()
    if method not in QS_WRITES | INSTANCE_WRITES:
        return None
    node = receiver
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Call):
            node = node.func
            continue
        if isinstance(node, ast.Subscript):
            node = node.value
            continue
        owner = _terminal(node.value)
        if node.attr in MANAGERS and owner in aliases:
            return aliases[owner]  # Ticket.objects.filter(…).update(…)
        if node.attr in TICKET_RELATED and owner in {*INSTANCE_NAMES, "tickets"}:
            return TICKET_RELATED[node.attr]  # ticket.comments.create(…)
        if node.attr == "guest_of":
            return "Guest"  # user.guest_of.all().delete()
        node = node.value
    return None


def violations(source: str, path: Path) -> list[str]:
    tree = ast.parse(source, filename=str(path))
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        model = _written_model(node, aliases)
        if model is None:
            continue
        if model == "Outbox" and (node.func.attr not in OUTBOX_CREATES or path in OUTBOX_WRITERS):
            continue
        where = path.relative_to(ROOT.parent) if path.is_relative_to(ROOT.parent) else path
        found.append(f"{where}:{node.lineno}: {ast.unparse(node.func)}(…) writes {model}")
    return found


def scanned_files() -> list[Path]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel_parts = set(path.relative_to(ROOT).parts[:-1])
        if rel_parts & SKIPPED_DIRS or path.name == "conftest.py":
            continue
        if any(path.is_relative_to(tree) for tree in SKIPPED_TREES):
            continue
        out.append(path)
    return out


def test_only_the_actions_write_tickets():
    files = scanned_files()
    assert ROOT / "tickets" / "selectors.py" in files
    assert ROOT / "notifications" / "rules.py" in files
    assert not any(p.is_relative_to(ROOT / "tickets" / "actions") for p in files)
    found = [v for path in files for v in violations(path.read_text(encoding="utf-8"), path)]
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
    here = ROOT / "somewhere" / "views.py"
    for snippet in FLAGGED:
        assert len(violations(snippet, here)) == 1, snippet


def test_the_checker_leaves_other_writes_alone():
    here = ROOT / "somewhere" / "views.py"
    for snippet in LEFT_ALONE:
        assert violations(snippet, here) == [], snippet


def test_the_rules_module_may_create_outbox_rows_but_nothing_else():
    rules = ROOT / "notifications" / "rules.py"
    assert violations("Outbox.objects.bulk_create(rows)", rules) == []
    assert len(violations("Event.objects.create(kind='x')", rules)) == 1

"""The static check behind each app's one-write-path test (GUIDE).

Each app that keeps its rows behind its actions lists its models, the variable names that
stand for one of them and its related managers; this module walks every module under
comptoir/ (but migrations, tests and conftest files) with `ast` and reports each call that
writes one of those models — through its manager (`Model.objects….update(…)`), a related
manager (`owner.items.create(…)`), a fresh instance (`Model(…).save()`) or a variable that
names one (`item.save()`). Aliased imports are followed, so renaming a model on import does
not hide a write.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # comptoir/
SKIPPED_DIRS = {"migrations", "tests"}
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
MANAGERS = {"objects", "_default_manager", "_base_manager"}
ELSEWHERE = ROOT / "somewhere" / "views.py"  # a module that may write nothing


def _terminal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _never(model: str, method: str, path: Path) -> bool:
    return False


@dataclass(frozen=True)
class WriteScan:
    """What one app counts as a write of its rows.

    `related(owner, attr)` names the model a related manager `owner.attr` holds (or None),
    so each app decides how far its related names may be trusted; `allowed(model, method,
    path)` lets a scanned module keep a narrow right (e.g. creating outbox rows).
    """

    model_modules: Mapping[str, Iterable[str]]
    instance_names: Mapping[str, str]
    related: Callable[[str | None, str], str | None]
    allowed: Callable[[str, str, Path], bool] = _never

    def aliases(self, tree: ast.AST) -> dict[str, str]:
        """Local name → model name, for every way the module may name one of the models."""
        names = {m: m for models in self.model_modules.values() for m in models}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in self.model_modules:
                for a in node.names:
                    if a.name in self.model_modules[node.module]:
                        names[a.asname or a.name] = a.name
        return names

    def written_model(self, call: ast.Call, aliases: dict[str, str]) -> str | None:
        """The model a `<receiver>.<method>(…)` call writes, or None."""
        method = call.func.attr  # type: ignore[attr-defined]
        receiver = call.func.value  # type: ignore[attr-defined]
        if method in INSTANCE_WRITES:
            if isinstance(receiver, ast.Call) and _terminal(receiver.func) in aliases:
                return aliases[_terminal(receiver.func)]  # Model(…).save()
            name = _terminal(receiver)
            if name in self.instance_names and isinstance(receiver, ast.Name | ast.Attribute):
                return self.instance_names[name]  # item.save(), self.item.save()
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
                return aliases[owner]  # Model.objects.filter(…).update(…)
            model = self.related(owner, node.attr)
            if model is not None:
                return model  # owner.items.create(…)
            node = node.value
        return None

    def violations(self, source: str, path: Path) -> list[str]:
        tree = ast.parse(source, filename=str(path))
        aliases = self.aliases(tree)
        found = []
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            model = self.written_model(node, aliases)
            if model is None or self.allowed(model, node.func.attr, path):
                continue
            where = path.relative_to(ROOT.parent) if path.is_relative_to(ROOT.parent) else path
            found.append(f"{where}:{node.lineno}: {ast.unparse(node.func)}(…) writes {model}")
        return found

    def misses(self, flagged: Iterable[str]) -> list[str]:
        """The snippets an ordinary module could run that are not reported exactly once."""
        return [s for s in flagged if len(self.violations(s, ELSEWHERE)) != 1]

    def false_alarms(self, left_alone: Iterable[str]) -> list[str]:
        """The snippets that write none of the models but are reported all the same."""
        return [s for s in left_alone if self.violations(s, ELSEWHERE)]

    def scan(self, files: Iterable[Path]) -> list[str]:
        return [v for path in files for v in self.violations(path.read_text("utf-8"), path)]


def scanned_files(is_writer: Callable[[Path], bool]) -> list[Path]:
    """Every module under comptoir/ but migrations, tests, conftest files and the writers."""
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        if set(path.relative_to(ROOT).parts[:-1]) & SKIPPED_DIRS or path.name == "conftest.py":
            continue
        if is_writer(path):
            continue
        out.append(path)
    return out

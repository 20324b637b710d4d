"""Print the Markdown tables of docs/workflows.md from the preset data (no database needed).

    .venv/bin/python scripts/workflow_tables.py > /tmp/tables.md

It imports the `PRESET` dicts of comptoir/workflows/presets/ and prints, for each preset,
its desk settings, types, then per workflow its statuses and transitions. Paste the output
into docs/workflows.md when a preset changes.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from comptoir.workflows.presets import PRESET_NAMES

SLA = {"run": "runs", "pause": "paused", "stop": "stopped"}
REOPEN = {
    "never": "never once closed",
    "owner_or_managers": "by the owner or the service's managers",
    "staff": "by the provider's staff",
}


def row(*cells: Any) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return [row(*header), row(*["---"] * len(header)), *(row(*r) for r in rows)]


def both(item: dict[str, Any], field: str) -> str:
    fr, en = item.get(f"{field}_fr", ""), item.get(f"{field}_en", "")
    return fr if fr == en or not en else f"{fr} / {en}"


def preset_lines(name: str) -> list[str]:
    data = importlib.import_module(f"comptoir.workflows.presets.{name}").PRESET
    desk = data["desk"]
    out = [f"### `{name}` — {desk['name_en']}", "", f"> {desk['description_en']}", ""]
    out += [
        f"Key prefix `{desk['key_prefix']}`; reopening: {REOPEN[desk['reopen_policy']]}; "
        f"replies by e-mail {'accepted' if desk['reply_by_email'] else 'refused'}.",
        "",
    ]
    if data.get("levels"):
        levels = ", ".join(f"{lv['code'].upper()} ({lv['name_en']})" for lv in data["levels"])
        out += [f"Support levels: {levels}.", ""]
    out += table(
        [
            "type",
            "group",
            "workflow",
            "SLA",
            "customers may create",
            "level",
            "billing",
            "converts to",
        ],
        [
            [
                both(t, "name"),
                both(t, "group") or "—",
                t["workflow"],
                "yes" if t.get("sla_applies", True) else "no",
                "yes" if t.get("customer_may_create", True) else "no (staff on behalf)",
                (t.get("default_level") or "—").upper(),
                t.get("billing_mode", "none"),
                t.get("convertible_to") or "—",
            ]
            for t in data["types"]
        ],
    )
    out.append("")
    out += table(
        ["priority", "meaning (fr / en)"],
        [
            [both(p, "name") + (" (default)" if p.get("is_default") else ""), both(p, "meaning")]
            for p in data["priorities"]
        ],
    )
    out.append("")
    if data.get("waiting_reasons"):
        out += table(
            ["waiting reason", "label (fr / en)"],
            [[f"`{r['code']}`", both(r, "name")] for r in data["waiting_reasons"]],
        )
        out.append("")
    for wf in data["workflows"]:
        out += workflow_lines(wf)
    return out


def workflow_lines(wf: dict[str, Any]) -> list[str]:
    out = [f"#### Workflow `{wf['code']}` — {both(wf, 'name')}", ""]
    notes = []
    if wf.get("taken_status"):
        notes.append(f"a take moves a ticket in its initial status to `{wf['taken_status']}`")
    if wf.get("confirm_transition"):
        notes.append(f"the requester's confirmation fires `{wf['confirm_transition']}`")
    if wf.get("refute_transition"):
        notes.append(f"a refutation fires `{wf['refute_transition']}`")
    if notes:
        out += ["On this workflow " + "; ".join(notes) + ".", ""]
    statuses = []
    for s in wf["statuses"]:
        flags = [
            f
            for f, on in (
                ("initial", s["is_initial"]),
                ("final", s["is_final"]),
                ("mails requester", s["notify_requester"]),
            )
            if on
        ]
        if s["auto_after_days"]:
            flags.append(f"auto `{s['auto_transition']}` after {s['auto_after_days']} d")
        statuses.append(
            [
                f"`{s['code']}`",
                both(s, "name"),
                both(s, "awaiting") or s["awaiting_party"],
                SLA[s["sla_effect"]],
                s["state"],
                ", ".join(flags),
            ]
        )
    out += table(
        ["status", "label (fr / en)", "awaiting action by", "SLA clock", "state", "notes"], statuses
    )
    out.append("")
    moves = []
    for t in wf["transitions"]:
        src = t["from"]
        src = (
            "any non-final"
            if src is None
            else ", ".join(f"`{x}`" for x in ([src] if isinstance(src, str) else src))
        )
        flags = [
            f
            for f, on in (
                ("asks confirmation", t["asks_confirmation"]),
                ("needs confirmation", t["needs_confirmation"]),
                ("reopening", t["is_reopening"]),
            )
            if on
        ]
        moves.append(
            [
                f"`{t['code']}`",
                both(t, "name"),
                f"{src} → `{t['to']}`",
                ", ".join(t["actors"]),
                ", ".join(t["requires"]) or "—",
                ", ".join(flags),
            ]
        )
    out += table(["transition", "label (fr / en)", "from → to", "who", "requires", "notes"], moves)
    out.append("")
    return out


def main() -> None:
    lines: list[str] = []
    for name in PRESET_NAMES:
        lines += preset_lines(name)
    print("\n".join(lines).rstrip())


if __name__ == "__main__":
    main()

"""Short constructors for the preset modules, so each reads like its seed's status table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

STAFF = ["agent", "assignee", "admin"]
REQUESTER = ["requester", "owner"]


def status(
    code: str,
    fr: str,
    en: str,
    *,
    meaning: tuple[str, str] = ("", ""),
    awaiting: tuple[str, str] = ("", ""),
    party: str = "desk",
    sla: str = "run",
    state: str = "open",
    initial: bool = False,
    final: bool = False,
    notify: bool = False,
    auto: tuple[int, str] | None = None,
) -> dict[str, Any]:
    return {
        "code": code,
        "name_fr": fr,
        "name_en": en,
        "meaning_fr": meaning[0],
        "meaning_en": meaning[1],
        "awaiting_fr": awaiting[0],
        "awaiting_en": awaiting[1],
        "awaiting_party": party,
        "sla_effect": sla,
        "state": state,
        "is_initial": initial,
        "is_final": final,
        "notify_requester": notify,
        "auto_after_days": auto[0] if auto else None,
        "auto_transition": auto[1] if auto else "",
    }


def move(
    code: str,
    fr: str,
    en: str,
    source: str | Sequence[str] | None,
    to: str,
    actors: Sequence[str] = STAFF,
    requires: Sequence[str] = (),
    *,
    asks_confirmation: bool = False,
    needs_confirmation: bool = False,
    reopening: bool = False,
    quote_effect: str = "",
) -> dict[str, Any]:
    return {
        "code": code,
        "name_fr": fr,
        "name_en": en,
        "from": source if source is None or isinstance(source, str) else list(source),
        "to": to,
        "actors": list(actors),
        "requires": list(requires),
        "asks_confirmation": asks_confirmation,
        "needs_confirmation": needs_confirmation,
        "is_reopening": reopening,
        "quote_effect": quote_effect,
    }


def named(code: str, fr: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "name_fr": fr, "name_en": en, **extra}


def priority(
    code: str, fr: str, en: str, rank: int, meaning: tuple[str, str], default: bool = False
):
    return named(
        code, fr, en, rank=rank, meaning_fr=meaning[0], meaning_en=meaning[1], is_default=default
    )


def category(slug: str, fr: str, en: str, template: tuple[str, str, str, str] | None = None):
    t = template or ("", "", "", "")
    return {
        "slug": slug,
        "name_fr": fr,
        "name_en": en,
        "template_subject_fr": t[0],
        "template_subject_en": t[1],
        "template_body_fr": t[2],
        "template_body_en": t[3],
    }


def service(slug: str, fr: str, en: str, categories: list[dict], level: str | None = None):
    return {"slug": slug, "name_fr": fr, "name_en": en, "level": level, "categories": categories}


GENERIC_PRIORITIES = [
    priority(
        "urgente",
        "Urgente",
        "Urgent",
        1,
        (
            "Service arrêté pour beaucoup d'utilisateurs, pas de contournement",
            "Service down for many users, no workaround",
        ),
    ),
    priority(
        "haute",
        "Haute",
        "High",
        2,
        (
            "Service très dégradé ou arrêté pour un utilisateur",
            "Service badly degraded or down for one user",
        ),
    ),
    priority(
        "normale",
        "Normale",
        "Normal",
        3,
        ("Gêne réelle, contournement possible", "Real nuisance, a workaround exists"),
        default=True,
    ),
    priority(
        "basse",
        "Basse",
        "Low",
        4,
        ("Confort, question, demande sans urgence", "Comfort, question, no urgency"),
    ),
]

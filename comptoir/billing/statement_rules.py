"""The rules a statement states: how its time was rounded and priced, in sentences.

A rule is stored as data (the rate, the step, the mode, the contract) and written out in
the reader's language, so a statement issued by a French-speaking administrator still
reads in English to an English-speaking customer manager; the issued copy also keeps the
sentence as it was issued (`text`, in the statement's `language`), word for word.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comptoir.billing.models import LineKind, RoundingMode
from comptoir.billing.statement_lines import Line, RateTotal

ORDER = ("rate", "cents", "credit", "quote", "internal", "no_rate")


def rules_for(lines: list[Line], rates: list[RateTotal]) -> list[dict[str, Any]]:
    """The rules that apply to these lines, as data, in a stable order."""
    rules: list[dict[str, Any]] = [
        {
            "kind": "rate",
            "rate": str(r.rate),
            "currency": r.currency,
            "step": r.step,
            "mode": r.mode,
            "contract": r.contract,
            "contract_name": r.contract_name,
        }
        for r in rates
    ]
    kinds = {line.kind for line in lines}
    if rates:
        rules.append({"kind": "cents"})
    if any(line.kind == LineKind.TIME and line.minutes < 0 for line in lines):
        rules.append({"kind": "credit"})
    if LineKind.QUOTE in kinds:
        rules.append({"kind": "quote"})
    if LineKind.INTERNAL in kinds:
        rules.append({"kind": "internal"})
    if any(line.unpriced for line in lines):
        rules.append({"kind": "no_rate"})
    return rules


def _rounding(step: int, mode: str) -> str:
    if mode == RoundingMode.UP:
        return ngettext(
            "Each consultant's time on each ticket over the month is rounded up to the "
            "next minute.",
            "Each consultant's time on each ticket over the month is rounded up to the "
            "next multiple of %(step)s minutes.",
            step,
        ) % {"step": step}
    if mode == RoundingMode.NEAREST:
        return ngettext(
            "Each consultant's time on each ticket over the month is rounded to the "
            "nearest minute.",
            "Each consultant's time on each ticket over the month is rounded to the "
            "nearest multiple of %(step)s minutes (a half rounds up).",
            step,
        ) % {"step": step}
    return _("Each consultant's time on each ticket over the month is billed to the minute.")


def _rate(rule: dict[str, Any]) -> str:
    rate = formats.number_format(Decimal(rule["rate"]), 2, use_l10n=True, force_grouping=True)
    values = {"rate": rate, "currency": rule["currency"], "contract": rule["contract"]}
    if rule.get("contract"):
        scope = _(
            "Tickets on equipment covered by contract %(contract)s: %(rate)s %(currency)s an hour."
        )
    else:
        scope = _("Customer rate: %(rate)s %(currency)s an hour.")
    return f"{scope % values} {_rounding(int(rule['step']), rule['mode'])}"


def rule_text(rule: dict[str, Any], language: str | None = None) -> str:
    """One rule as a sentence, in `language` (the active language when None)."""
    with translation.override(language or translation.get_language()):
        kind = rule.get("kind")
        if kind == "rate":
            return _rate(rule)
        if kind == "cents":
            return _(
                "An amount is the billed hours times the hourly rate, to the cent (a half "
                "cent rounds up)."
            )
        if kind == "credit":
            return _(
                "Negative time corrects time billed on an earlier statement; it is rounded "
                "like billed time."
            )
        if kind == "quote":
            return _(
                "Tickets billed on a quote are billed the accepted quote's amount, whatever "
                "the time spent; their time is listed for internal follow-up only."
            )
        if kind == "internal":
            return _(
                "Time on tickets not billed on time, and time marked as not billable, is "
                "listed for internal follow-up, without an amount."
            )
        if kind == "no_rate":
            return _("No hourly rate applies to some of the time: it is listed without an amount.")
        return str(rule.get("text", ""))


def rule_texts(rules: list[dict[str, Any]], language: str | None = None) -> list[str]:
    return [rule_text(rule, language) for rule in rules]


def with_text(rules: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """The rules as an issued statement stores them: data plus the issued sentence."""
    return [{**rule, "text": rule_text(rule, language)} for rule in rules]

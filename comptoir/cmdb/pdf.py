"""The printable CI sheet (CMDB-3; 000: "lors de l'impression de la fiche du CI, il est
indiqué s'il s'agit d'un contrat vendu ou acheté").

Rendering only: the caller reads the CI, its people and its contracts through the selectors
(so the sheet never shows more than the reader may see) and hands them here. fpdf2 is pure
Python and the DejaVu Sans font ships in `fonts/`, so printing needs nothing from the
system (docs/decisions/0012-pdf.md); the page, the font and the tables are those of every
printed document (`core/pdf.py`). Each contract states "Sold" or "Bought" in words and
names its party — the customer's site for a sold one, the supplier for a bought one —
because the paper copy travels without the screen's colours or the legend around them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import formats, translation
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.cmdb.models import ConfigurationItem, Contract, ContractCategory
from comptoir.core.pdf import FONT, Document


def category_label(contract: Contract) -> str:
    """The word the sheet prints for a contract's category."""
    return _("Sold") if contract.category == ContractCategory.SOLD else _("Bought")


def party_label(contract: Contract) -> str:
    """Whom the contract binds: the customer's site for a sold one (000: support contracts
    go to the site, not a supplier), the supplier for a bought one."""
    if contract.category == ContractCategory.SOLD:
        if contract.site_id:
            return f"{contract.site.name} ({contract.site.code})"
        org = contract.organisation.name if contract.organisation_id else ""
        return _("%(organisation)s, without site") % {"organisation": org}
    return contract.supplier.name if contract.supplier_id else "—"


def _date(day: dt.date | None) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else "—"


def ci_sheet_pdf(
    *,
    ci: ConfigurationItem,
    users: Sequence[User],
    contracts: Sequence[Contract],
    provider: str,
    printed_on: dt.date,
    language: str,
) -> bytes:
    """The sheet of `ci` in `language`. `contracts` carry the `active` annotation of
    `cmdb.selectors.contracts_for_ci` (in force on `printed_on`)."""
    with translation.override(language):
        printed = _("Printed by %(provider)s on %(date)s") % {
            "provider": provider,
            "date": formats.date_format(printed_on, "DATE_FORMAT"),
        }
        pdf = Document(footer_text=printed)
        pdf.set_lang(language)
        pdf.set_title(_("Configuration item sheet: %(name)s") % {"name": ci.name})
        pdf.set_author(provider)
        pdf.set_creator("Comptoir")
        pdf.add_page()
        _title(pdf, ci, provider)
        _properties(pdf, ci)
        _users(pdf, users)
        _contracts(pdf, contracts, provider, printed_on)
        return bytes(pdf.output())


def _title(pdf: Document, ci: ConfigurationItem, provider: str) -> None:
    pdf.set_font(FONT, "B", 9)
    pdf.set_text_color(90)
    pdf.cell(0, 5, provider, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.cell(0, 5, _("Configuration item sheet"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 9, ci.name, new_x="LMARGIN", new_y="NEXT")


def _properties(pdf: Document, ci: ConfigurationItem) -> None:
    pdf.heading(_("Properties"))
    site = f"{ci.site.name} ({ci.site.code})" if ci.site_id else _("without site")
    values = [
        (_("Customer"), ci.organisation.name if ci.organisation_id else "—"),
        (_("Site"), site),
        (_("Department"), ci.department.name if ci.department_id else "—"),
        (_("Type"), ci.kind or "—"),
        (_("Serial number"), ci.serial or "—"),
        (_("Status"), ci.get_status_display()),
    ]
    if ci.notes:
        values.append((_("Notes"), ci.notes))
    pdf.rows((45, 135), None, values)


def _users(pdf: Document, users: Sequence[User]) -> None:
    pdf.heading(_("People using it"))
    if not users:
        pdf.cell(0, 6, _("Nobody."), new_x="LMARGIN", new_y="NEXT")
        return
    rows = [(u.get_full_name() or u.username, u.username, u.email or "—") for u in users]
    pdf.rows((65, 45, 70), (_("Name"), _("Login"), _("E-mail")), rows)


def _contracts(
    pdf: Document, contracts: Sequence[Contract], provider: str, printed_on: dt.date
) -> None:
    pdf.heading(_("Contracts"))
    if not contracts:
        pdf.cell(0, 6, _("No contract covers this item."), new_x="LMARGIN", new_y="NEXT")
        return
    today = _("In force on %(date)s") % {"date": _date(printed_on)}
    head = (_("Reference"), _("Type"), _("Sold or bought"), _("Party"), _("Start"), _("End"))
    rows = [
        (
            f"{c.reference}\n{c.name}",
            c.get_kind_display(),
            category_label(c),
            party_label(c),
            _date(c.starts_on),
            _date(c.ends_on),
            _("Yes") if getattr(c, "active", c.is_active_on(printed_on)) else _("No"),
        )
        for c in contracts
    ]
    pdf.rows((28, 24, 19, 35, 22, 22, 30), (*head, today), rows)
    pdf.ln(2)
    pdf.set_font(FONT, "", 8)
    legend = _(
        "Sold: a contract %(provider)s sold to the customer's site (support contracts are "
        "always sold). Bought: a contract %(provider)s bought from the supplier named as party."
    ) % {"provider": provider}
    pdf.multi_cell(0, 4, legend, new_x="LMARGIN", new_y="NEXT")

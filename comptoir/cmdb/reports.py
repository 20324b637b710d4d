"""Reads for the CMDB's documents: the CI sheet (CMDB-3) and the contracts report (CMDB-2).

Both start from the tenant-scoped selectors of `cmdb.selectors`, so a document never shows
more than its reader sees on screen. 000: "les contrats de support sont considérés comme
vendus plutôt qu'achetés et sont assignés au site plutôt qu'au fournisseur" — the report
groups every contract under the site it is attached to (a sold one, support included,
under the customer's site; a bought one under the site whose equipment it covers) and
counts sold and bought apart; the supplier is only the party of a bought row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, User
from comptoir.accounts.selectors import visible_people
from comptoir.cmdb import selectors as sel
from comptoir.cmdb.actions import may_manage_cmdb
from comptoir.cmdb.models import ConfigurationItem, Contract, ContractCategory
from comptoir.core.errors import PermissionDenied

CSV_CHUNK = 500


def provider_name() -> str:
    """Who prints: the provider organisation's name (documents are issued in its name)."""
    org = Organisation.objects.filter(is_provider=True).order_by("-is_active", "pk").first()
    return org.name if org else "Comptoir"


@dataclass(frozen=True)
class CiSheet:
    ci: ConfigurationItem
    users: list[User]
    contracts: list[Contract]
    provider: str
    printed_on: dt.date


def ci_sheet(*, actor: User, pk: int, on: dt.date | None = None) -> CiSheet:
    """What the sheet of CI `pk` shows to `actor`: NotFound as for the CI's page when the
    actor may not see it (TEN-2); the people are those the actor may see."""
    day = on or timezone.localdate()
    ci = sel.ci_get(actor=actor, pk=pk)
    users = list(
        ci.users.filter(pk__in=visible_people(actor).values("pk")).order_by(
            "last_name", "first_name", "username"
        )
    )
    contracts = list(sel.contracts_for_ci(actor=actor, ci=ci, on=day))
    return CiSheet(
        ci=ci, users=users, contracts=contracts, provider=provider_name(), printed_on=day
    )


# --- The contracts report -------------------------------------------------------------


def may_read_reports(actor: User) -> bool:
    """Contract reports are the service managers' and administrators' (money matters)."""
    return may_manage_cmdb(actor)


@dataclass(frozen=True)
class ReportFilters:
    on: dt.date
    organisation: int | None = None
    site: int | None = None  # 0: contracts without site
    category: str = ""


def report_contracts(*, actor: User, filters: ReportFilters) -> QuerySet[Contract]:
    """The contracts in force on `filters.on`, grouped by organisation and site, sold
    before bought, each with the CIs it covers (by name)."""
    if not may_read_reports(actor):
        raise PermissionDenied(
            _("Only service managers and administrators read the contract reports."),
            code="not_cmdb_manager",
        )
    qs = sel.visible_contracts(actor, on=filters.on).filter(sel.active_q(filters.on))
    if filters.organisation is not None:
        qs = qs.filter(organisation_id=filters.organisation)
    if filters.site == 0:
        qs = qs.filter(site__isnull=True)
    elif filters.site is not None:
        qs = qs.filter(site_id=filters.site)
    if filters.category in ContractCategory.values:
        qs = qs.filter(category=filters.category)
    covered = ConfigurationItem.objects.only("pk", "name").order_by("name", "pk")
    return qs.prefetch_related(Prefetch("cis", queryset=covered)).order_by(
        F("organisation__name").asc(nulls_last=True),
        F("site__name").asc(nulls_first=True),
        "-category",  # sold before bought
        "reference",
        "pk",
    )


@dataclass
class GroupTotal:
    organisation: str
    site: str
    site_code: str
    sold: int = 0
    bought: int = 0
    cis_sold: int = 0
    cis_bought: int = 0

    @property
    def contracts(self) -> int:
        return self.sold + self.bought


def report_totals(*, actor: User, filters: ReportFilters) -> tuple[list[GroupTotal], GroupTotal]:
    """Per organisation and site: contracts and CIs covered, sold and bought; then the
    grand total. One aggregate query, whatever the number of contracts."""
    qs = report_contracts(actor=actor, filters=filters).prefetch_related(None).order_by()
    rows = qs.values("organisation__name", "site__name", "site__code", "category").annotate(
        n=Count("pk", distinct=True), cis=Count("cis", distinct=True)
    )
    groups: dict[tuple[str, str, str], GroupTotal] = {}
    grand = GroupTotal(organisation=_("Total"), site="", site_code="")
    for row in rows:
        key = (row["organisation__name"] or "", row["site__name"] or "", row["site__code"] or "")
        group = groups.setdefault(key, GroupTotal(*key))
        for total in (group, grand):
            if row["category"] == ContractCategory.SOLD:
                total.sold += row["n"]
                total.cis_sold += row["cis"]
            else:
                total.bought += row["n"]
                total.cis_bought += row["cis"]
    ordered = sorted(groups.values(), key=lambda g: (g.organisation == "", g.organisation, g.site))
    return ordered, grand


def party(contract: Contract) -> str:
    """000: a sold contract's party is the site, a bought one's the supplier."""
    if contract.category == ContractCategory.SOLD:
        return contract.site.name if contract.site_id else _("without site")
    return contract.supplier.name if contract.supplier_id else ""


def place(contract: Contract) -> tuple[str, str, str]:
    org = contract.organisation.name if contract.organisation_id else _("Not for a customer")
    if contract.site_id:
        return org, contract.site.name, contract.site.code
    return org, _("without site"), ""


def report_header() -> list[str]:
    return [
        _("Organisation"),
        _("Site"),
        _("Customer number"),
        _("Category"),
        _("Type"),
        _("Reference"),
        _("Name"),
        _("Party"),
        _("Start date"),
        _("End date"),
        _("CIs covered"),
        _("Configuration items"),
    ]


def report_csv_rows(*, actor: User, filters: ReportFilters) -> Iterator[list[str]]:
    """The header, then one row per contract, read in chunks (`iterator`) so memory stays
    flat however many contracts the instance holds."""
    qs = report_contracts(actor=actor, filters=filters)
    yield report_header()
    for c in qs.iterator(chunk_size=CSV_CHUNK):
        names = [ci.name for ci in c.cis.all()]
        yield [
            *place(c),
            c.get_category_display(),
            c.get_kind_display(),
            c.reference,
            c.name,
            party(c),
            c.starts_on.isoformat(),
            c.ends_on.isoformat() if c.ends_on else "",
            str(len(names)),
            ", ".join(names),
        ]

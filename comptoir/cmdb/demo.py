"""The demo's equipment and contracts (CMDB-1, CMDB-2), written through `cmdb.actions`.

Called by `comptoir.core.demo.play_stories`, inside the demo command's one transaction, so
it is built once with the rest of the demo (the command's marker keeps a second run from
writing anything). The demo customers' sites get a few CIs with the people who use them;
Boulangeries Martin Lyon has a sold support contract (in force), Northwind London a lease
bought from a supplier (in force), the Tilleuls clinic a service contract that has ended;
and one of Amandine's tickets names her PC, so the ticket page shows it covered.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from comptoir.accounts.models import Site, User
from comptoir.cmdb import actions
from comptoir.cmdb.models import ConfigurationItem
from comptoir.tickets import actions as tickets
from comptoir.tickets.models import Ticket

# fmt: off
# (site code, name, type, serial, status, users)
CIS = [
    ("MLY", "PC-COMPTA-01", "Portable", "5CG1234XYZ", "in_service", ["amandine"]),
    ("MLY", "IMP-MLY-01", "Imprimante", "PRN-88213", "in_service", ["amandine", "bruno"]),
    ("MLY", "CAISSE-MLY-02", "Caisse enregistreuse", "CR-2207", "repair", ["bruno"]),
    ("MLI", "PC-LOG-01", "Poste fixe", "MXL8841", "in_service", ["celine"]),
    ("NWL", "NWL-LAPTOP-07", "Laptop", "PF3KQ2", "in_service", ["james"]),
    ("NWL", "NWL-SRV-01", "Server", "SRV-774-L", "in_service", []),
    ("NWM", "NWM-SCANNER-03", "Barcode scanner", "ZB-5510", "in_stock", ["olivia"]),
    ("CTB", "CTB-POSTE-ACCUEIL", "Poste fixe", "HP-77120", "in_service", ["lea"]),
]
# fmt: on


def demo_cmdb(people: dict[str, User], played: list[Ticket]) -> list[ConfigurationItem]:
    """Build the demo CMDB as the administrator; the CIs created, in order."""
    admin = people["admin"]
    sites = {s.code: s for s in Site.objects.filter(code__in={row[0] for row in CIS})}
    cis: dict[str, ConfigurationItem] = {}
    for code, name, kind, serial, status, users in CIS:
        ci = actions.ci_create(
            actor=admin, name=name, kind=kind, serial=serial, status=status, site=sites[code]
        )
        for username in users:
            actions.ci_link_user(actor=admin, ci=ci, user=people[username])
        cis[name] = ci
    today = timezone.localdate()
    lessor = actions.supplier_create(
        actor=admin,
        name="LocaPro Leasing",
        email="contrats@locapro.example",
        phone="+33 4 72 00 00 00",
    )
    actions.contract_create(
        actor=admin,
        reference="SUP-MLY-01",
        name="Support informatique Martin Lyon",
        kind="support",
        category="sold",
        site=sites["MLY"],
        starts_on=today - timedelta(days=200),
        ends_on=today + timedelta(days=165),
        cis=[cis["PC-COMPTA-01"], cis["IMP-MLY-01"], cis["CAISSE-MLY-02"]],
    )
    actions.contract_create(
        actor=admin,
        reference="LOC-NWL-01",
        name="Laptop and server lease, London",
        kind="lease",
        category="bought",
        supplier=lessor,
        site=sites["NWL"],
        starts_on=today - timedelta(days=400),
        ends_on=today + timedelta(days=695),
        cis=[cis["NWL-LAPTOP-07"], cis["NWL-SRV-01"]],
    )
    actions.contract_create(
        actor=admin,
        reference="SRV-CTB-01",
        name="Maintenance des postes (échu)",
        kind="service",
        category="sold",
        site=sites["CTB"],
        starts_on=today - timedelta(days=730),
        ends_on=today - timedelta(days=60),
        cis=[cis["CTB-POSTE-ACCUEIL"]],
    )
    crash = next(t for t in played if t.title == "Plantage à la clôture mensuelle")
    tickets.ticket_update(actor=people["claire"], ticket=crash, changes={"ci": cis["PC-COMPTA-01"]})
    return list(cis.values())

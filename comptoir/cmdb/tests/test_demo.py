# covers: CMDB-1, CMDB-2
"""The demo's CMDB: CIs on the customers' sites with their users, a sold support contract
and a bought lease in force, an ended contract, and a ticket naming a covered CI."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.cmdb import selectors
from comptoir.cmdb.models import ConfigurationItem, Contract
from comptoir.cmdb.rules import same_place
from comptoir.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_has_equipment_contracts_and_a_ticket_on_a_covered_ci():
    call_command("demo", stdout=StringIO())
    cis = list(ConfigurationItem.objects.select_related("site").prefetch_related("users"))
    assert len(cis) >= 6 and all(ci.site_id for ci in cis)
    assert all(same_place(u, ci) for ci in cis for u in ci.users.all())
    today = timezone.localdate()
    contracts = {c.reference: c for c in Contract.objects.select_related("supplier")}
    kinds = {(c.kind, c.category, c.is_active_on(today)) for c in contracts.values()}
    assert ("support", "sold", True) in kinds and ("lease", "bought", True) in kinds
    assert any(not c.is_active_on(today) and c.ends_on for c in contracts.values())
    assert all((c.supplier_id is None) == (c.category == "sold") for c in contracts.values())
    for c in contracts.values():
        assert all(same_place(ci, c) for ci in c.cis.all())
    ticket = Ticket.objects.select_related("ci").get(ci__isnull=False)
    agent = User.objects.get(username="claire")
    rows = list(selectors.contracts_for_ci(actor=agent, ci=ticket.ci))
    assert selectors.is_covered(rows) and ticket.site_id == ticket.ci.site_id
    customer = ticket.reporter
    assert selectors.visible_cis(customer).filter(pk=ticket.ci_id).exists()

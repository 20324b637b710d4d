# covers: CMDB-3, CMDB-2, TEN-2
"""The printed CI sheet says in words, in the reader's language, whether each contract is
sold or bought and names its party (the site for a sold one, the supplier for a bought
one); whoever sees the CI may print it, anyone else gets the CI page's 404."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from comptoir.accounts.models import Department
from comptoir.cmdb import actions
from comptoir.cmdb.pdf import ci_sheet_pdf
from comptoir.cmdb.reports import ci_sheet
from comptoir.console.views.cmdb_docs import sheet_filename
from comptoir.core.errors import NotFound

DAY = dt.date(2026, 5, 4)


@pytest.fixture
def sheet_ci(world):
    m = world.manager
    dept = Department.objects.create(site=world.a1, name="Comptabilité")
    ci = actions.ci_create(
        actor=m,
        name="Portable Łódź",
        site=world.a1,
        kind="Laptop",
        serial="SN-42",
        department=dept,
    )
    actions.ci_link_user(actor=m, ci=ci, user=world.customer)
    actions.ci_link_user(actor=m, ci=ci, user=world.colleague)
    leasecorp = actions.supplier_create(actor=m, name="Leasecorp")
    actions.contract_create(
        actor=m,
        reference="SUP-1",
        name="Support",
        kind="support",
        category="sold",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        site=world.a1,
        cis=[ci],
    )
    actions.contract_create(
        actor=m,
        reference="LEA-1",
        name="Location",
        kind="lease",
        category="bought",
        supplier=leasecorp,
        starts_on=dt.date(2023, 1, 1),
        ends_on=dt.date(2025, 12, 31),
        site=world.a1,
        cis=[ci],
    )
    return ci


def text_of(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def render(actor, ci, language: str) -> str:
    s = ci_sheet(actor=actor, pk=ci.pk, on=DAY)
    return text_of(
        ci_sheet_pdf(
            ci=s.ci,
            users=s.users,
            contracts=s.contracts,
            provider=s.provider,
            printed_on=s.printed_on,
            language=language,
        )
    )


def test_the_english_sheet_says_sold_to_the_site_and_bought_from_the_supplier(world, sheet_ci):
    text = render(world.agent, sheet_ci, "en")
    assert "Portable Łódź" in text and "SN-42" in text and "Comptabilité" in text
    assert "Alpha SA" in text and "Alpha Lyon (ALY)" in text
    # the category sits next to its party: the site for sold, the supplier for bought
    assert re.search(r"SUP-1 Support Support contract Sold Alpha Lyon \(ALY\) ", text)
    assert re.search(r"LEA-1 Location Lease Bought Leasecorp ", text)
    assert re.search(r"01/01/2026 12/31/2026 Yes", text)  # active on the print date
    assert re.search(r"01/01/2023 12/31/2025 No", text)  # ended
    assert "Printed by Provider on May 4, 2026" in text
    assert "alice@example.test" in text and "albert@example.test" in text


def test_the_french_sheet_says_vendu_and_achete(world, sheet_ci):
    text = render(world.agent, sheet_ci, "fr")
    assert re.search(r"SUP-1 Support .{0,30} Vendu Alpha Lyon \(ALY\) ", text)
    assert re.search(r"LEA-1 Location .{0,30} Acheté Leasecorp ", text)
    assert re.search(r"01/01/2026 31/12/2026 Oui", text)
    assert re.search(r"01/01/2023 31/12/2025 Non", text)
    assert "Imprimé par Provider le 4 mai 2026" in text
    assert "Fiche du CI" in text
    assert " Sold " not in text and " Bought " not in text


def test_a_sold_contract_without_site_names_its_organisation(world):
    m = world.manager
    ci = actions.ci_create(actor=m, name="Shared printer", organisation=world.org_b)
    actions.contract_create(
        actor=m,
        reference="SRV-9",
        name="Service",
        kind="service",
        category="sold",
        starts_on=dt.date(2026, 1, 1),
        organisation=world.org_b,
        cis=[ci],
    )
    text = render(world.agent, ci, "en")
    assert re.search(r"Sold Beta GmbH, without site ", text)
    assert "without site" in text and "Nobody." in text


def test_a_customer_reads_the_sheet_of_their_sites_ci_only_with_their_visible_people(
    world, sheet_ci
):
    s = ci_sheet(actor=world.customer, pk=sheet_ci.pk, on=DAY)
    # a customer sees themself only (accounts.selectors.visible_people), not their colleague
    assert [u.username for u in s.users] == ["alice"]
    for stranger in (world.outsider, world.other_site):
        with pytest.raises(NotFound):
            ci_sheet(actor=stranger, pk=sheet_ci.pk, on=DAY)


@time_machine.travel(dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("who", ["agent", "manager", "admin", "customer"])
def test_the_sheet_downloads_as_an_attachment(client, world, sheet_ci, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("console:ci_sheet", args=[sheet_ci.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="ci-{sheet_ci.pk}-portable-odz.pdf"'
    )
    text = text_of(b"".join(response.streaming_content))
    # each reader gets their own language: alice and the staff read French
    assert "Vendu" in text and "Acheté" in text


def test_an_english_reader_gets_the_english_sheet(client, world, sheet_ci):
    client.force_login(world.colleague)  # albert, same site, language en
    response = client.get(reverse("console:ci_sheet", args=[sheet_ci.pk]))
    text = text_of(b"".join(response.streaming_content))
    assert " Sold " in text and " Bought " in text and "Vendu" not in text


@pytest.mark.parametrize("who", ["outsider", "other_site"])
def test_another_tenants_or_sites_ci_is_not_found(client, world, sheet_ci, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("console:ci_sheet", args=[sheet_ci.pk])).status_code == 404


def test_a_missing_ci_is_not_found_and_strangers_must_log_in(client, world, sheet_ci):
    response = client.get(reverse("console:ci_sheet", args=[sheet_ci.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(world.agent)
    assert client.get(reverse("console:ci_sheet", args=[sheet_ci.pk + 999])).status_code == 404
    assert client.post(reverse("console:ci_sheet", args=[sheet_ci.pk])).status_code == 405


def test_the_file_name_is_safe():
    assert sheet_filename('../../"Serveur" é/\\x', 7) == "ci-7-serveur-ex.pdf"
    assert sheet_filename("漢字", 8) == "ci-8.pdf"


def test_the_ci_page_links_to_its_sheet(client, world, sheet_ci):
    client.force_login(world.agent)
    body = client.get(reverse("console:ci", args=[sheet_ci.pk])).content.decode()
    assert f'href="{reverse("console:ci_sheet", args=[sheet_ci.pk])}"' in body

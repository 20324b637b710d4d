# covers: CMDB-1, TEN-2, TEN-1
"""Importing CIs and people from CSV or XLSX goes through the actions: 000's same-site rule
for the people on a CI, who may create whom with which role. A refused row is reported
with its line in the file and its column, and nothing of the file is written; an exported
file imports back unchanged."""

from __future__ import annotations

import threading
import time

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from comptoir.accounts.models import Role, User
from comptoir.accounts.people_actions import PersonRow, person_import_save
from comptoir.cmdb import actions, imports
from comptoir.cmdb.models import ConfigurationItem, ImportJob, ImportState
from comptoir.cmdb.tasks import check_import, write_import
from comptoir.conftest import pg_only
from comptoir.core.errors import InvalidInput, PermissionDenied


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def run(actor, kind: str, data: bytes, filename: str = "file.csv", confirm: bool = True):
    job = imports.import_start(actor=actor, kind=kind, filename=filename, data=data)
    check_import.call(job.pk)
    job.refresh_from_db()
    if confirm and job.state == ImportState.CHECKED:
        imports.import_confirm(actor=actor, job=job)
        write_import.call(job.pk)
        job.refresh_from_db()
    return job


GOOD_CIS = csv_bytes(
    "name,kind,serial,status,site,organisation,users,notes",
    "PC-1,Laptop,SN-1,in_service,ALY,,alice albert,",
    "PC-2,Desktop,SN-2,in_stock,ali,,anna,second floor",
    "SPARE,Screen,,,,alpha,,",
)


def test_a_good_file_is_checked_then_written_on_confirmation(world):
    job = run(world.manager, "cis", GOOD_CIS, confirm=False)
    assert (job.state, job.total, job.done, job.created, job.errors) == ("checked", 3, 3, 3, [])
    assert job.preview["rows"][0] == {
        "line": 2,
        "values": ["PC-1", "Laptop", "SN-1", "in_service", "ALY", "", "alice albert", "", ""],
    }
    assert not ConfigurationItem.objects.exists()  # the check writes nothing
    imports.import_confirm(actor=world.manager, job=job)
    assert write_import.call(job.pk) == "done"
    assert write_import.call(job.pk) == "skipped"  # run twice, nothing more
    job.refresh_from_db()
    assert (job.state, job.done, job.created, job.updated, job.data) == ("done", 3, 3, 0, b"")
    pc1 = ConfigurationItem.objects.get(name="PC-1")
    assert (pc1.site, pc1.organisation, pc1.serial) == (world.a1, world.org_a, "SN-1")
    assert {u.username for u in pc1.users.all()} == {"alice", "albert"}
    spare = ConfigurationItem.objects.get(name="SPARE")
    assert (spare.site, spare.organisation, spare.status) == (None, world.org_a, "in_service")


BAD_CIS = csv_bytes(
    "name,site,users",
    "PC-1,ALY,alice",
    "PC-2,ALY,bob",  # bob is on Beta's site: 000
    "PC-3,NOPE,",
    "PC-4,ALI,alice",  # alice is on Lyon, not Lille
    ",ALY,",
    "PC-6,ALY,ghost",
)


def test_bad_rows_are_reported_by_line_and_column_and_nothing_is_written(world):
    job = run(world.manager, "cis", BAD_CIS)
    assert job.state == ImportState.INVALID
    assert [(e["line"], e["column"]) for e in job.errors] == [
        (3, "users"),
        (4, "site"),
        (5, "users"),
        (6, "name"),
        (7, "users"),
    ]
    assert "same site" in job.errors[0]["message"] or "même site" in job.errors[0]["message"]
    assert "NOPE" in job.errors[1]["message"] and "ghost" in job.errors[4]["message"]
    assert not ConfigurationItem.objects.exists()  # not even PC-1
    assert job.data == b""
    with pytest.raises(InvalidInput):  # a refused file cannot be confirmed
        imports.import_confirm(actor=world.manager, job=job)


def test_a_row_refused_at_writing_time_rolls_the_whole_file_back(world):
    """Between the check and the confirmation albert moves to another site: the write
    refuses his row, and the rows before it are rolled back with it."""
    data = csv_bytes("name,site,users", "PC-1,ALY,alice", "PC-2,ALY,albert", "PC-3,ALY,")
    job = run(world.manager, "cis", data, confirm=False)
    assert job.state == ImportState.CHECKED
    User.objects.filter(pk=world.colleague.pk).update(site=world.a2)
    imports.import_confirm(actor=world.manager, job=job)
    assert write_import.call(job.pk) == "invalid"
    job.refresh_from_db()
    assert [(e["line"], e["column"]) for e in job.errors] == [(3, "users")]
    assert (job.created, job.done) == (0, 0)
    assert not ConfigurationItem.objects.exists()


def test_an_xlsx_file_imports_like_a_csv(world):
    sheet = tablib.Dataset(headers=["Name", "Serial", "Site", "Users"])
    sheet.append(["PC-X", 12345, "ALY", "alice"])
    sheet.append(["PC-Y", "", "ALY", "bob"])
    bad = run(world.manager, "cis", sheet.export("xlsx"), filename="cis.xlsx")
    assert (bad.file_format, bad.state) == ("xlsx", "invalid")
    assert [(e["line"], e["column"]) for e in bad.errors] == [(3, "users")]
    del sheet[1]
    job = run(world.manager, "cis", sheet.export("xlsx"), filename="cis.xlsx")
    assert job.state == ImportState.DONE
    assert ConfigurationItem.objects.get().serial == "12345"  # not "12345.0"


def test_export_then_import_back_updates_in_place(world):
    run(world.manager, "cis", GOOD_CIS)
    exported = imports.resource_for("cis", world.manager).export()
    assert exported.headers == list(imports.COLUMNS["cis"])
    rows = {r["name"]: r for r in exported.dict}
    assert rows["PC-1"]["users"] == "albert, alice" and rows["PC-1"]["site"] == "ALY"
    assert rows["SPARE"]["organisation"] == "alpha" and rows["SPARE"]["site"] == ""
    before = list(ConfigurationItem.objects.values().order_by("pk"))
    again = run(world.manager, "cis", exported.export("csv").encode())
    assert (again.state, again.created, again.updated) == ("done", 0, 3)
    after = list(ConfigurationItem.objects.values().order_by("pk"))
    strip = [{k: v for k, v in r.items() if k != "updated_at"} for r in before]
    assert strip == [{k: v for k, v in r.items() if k != "updated_at"} for r in after]
    # an edited export: a CI moves to Lille while alice (Lyon) still uses it
    data = exported.export("csv").replace(
        "PC-1,Laptop,SN-1,in_service,ALY", "PC-1,Laptop,SN-1,in_service,ALI"
    )
    moved = run(world.manager, "cis", data.encode())
    assert moved.state == "invalid" and moved.errors[0]["column"] == "site"


def test_an_unknown_id_is_a_row_error(world):
    job = run(world.manager, "cis", csv_bytes("id,name,site", "999999,PC,ALY"))
    assert [(e["line"], e["column"]) for e in job.errors] == [(2, "id")]


def test_a_file_that_cannot_be_read_is_refused_at_upload(world):
    cases = [
        b"\xff\xfe\x00garbage",
        csv_bytes("nom,site", "PC,ALY"),  # no name column
        csv_bytes("name,colour", "PC,blue"),
        csv_bytes("name,site"),
    ]
    for data in cases:
        with pytest.raises(InvalidInput) as err:
            imports.import_start(actor=world.manager, kind="cis", filename="f.csv", data=data)
        assert err.value.field == "file"
    assert not ImportJob.objects.exists()


def test_a_key_twice_in_one_file_is_an_error(world):
    job = run(world.manager, "people", csv_bytes("username", "zoe", "ZOE"))
    assert [(e["line"], e["column"]) for e in job.errors] == [(3, "username")]


@pytest.mark.parametrize("who", ["agent", "customer", "customer_manager"])
def test_only_cmdb_managers_import_cis(world, who):
    with pytest.raises(PermissionDenied):
        imports.import_start(actor=getattr(world, who), kind="cis", filename="f.csv", data=GOOD_CIS)


# --- People --------------------------------------------------------------------------

PEOPLE = csv_bytes(
    "username,first_name,last_name,email,language,role,site",
    "zoe,Zoé,Martin,zoe@example.test,fr,,ALY",
    "yann,Yann,Le Gall,yann@example.test,en,customer_manager,BBE",
)


def test_people_get_the_customer_role_unless_the_file_says_otherwise(world):
    job = run(world.manager, "people", PEOPLE)
    assert (job.state, job.created) == ("done", 2)
    zoe, yann = User.objects.get(username="zoe"), User.objects.get(username="yann")
    assert (zoe.role, zoe.site, zoe.organisation, zoe.language) == (
        "customer",
        world.a1,
        world.org_a,
        "fr",
    )
    assert (yann.role, yann.site, yann.language) == ("customer_manager", world.b1, "en")
    assert not zoe.has_usable_password()


def test_a_service_manager_cannot_hand_out_staff_roles_nor_the_providers_site(world):
    world.provider.sites.create(name="HQ", code="HQ")
    data = csv_bytes(
        "username,role,site,email",
        "eve,agent,,eve@example.test",
        "mallory,,HQ,",
        "root,,ALY,",  # the administrator's account
        "albert,,ALY,alice@example.test",  # someone else's address
        "nina,,ALY,",
    )
    job = run(world.manager, "people", data)
    assert [(e["line"], e["column"]) for e in job.errors] == [
        (2, "role"),
        (3, "site"),
        (4, "username"),
        (5, "email"),
    ]
    assert not User.objects.filter(username__in=["eve", "mallory", "nina"]).exists()
    assert User.objects.get(username="root").site is None


def test_an_administrator_may_create_staff(world):
    job = run(world.admin, "people", csv_bytes("username,role", "eve,agent"))
    eve = User.objects.get(username="eve")
    assert (job.state, eve.role, eve.organisation) == ("done", Role.AGENT, world.provider)


def test_a_customer_manager_imports_only_into_their_own_site(world):
    mine = person_import_save(actor=world.customer_manager, row=PersonRow("zoe", site=world.a1))
    assert mine[0].role == "customer" and mine[1] is True
    for row in (
        PersonRow("yann", site=world.b1),  # another tenant's site
        PersonRow("yann", site=world.a2),  # another site of the same company
        PersonRow("yann"),  # without site
    ):
        with pytest.raises(InvalidInput) as err:
            person_import_save(actor=world.customer_manager, row=row)
        assert (err.value.field, err.value.code) == ("site", "other_tenant")
    with pytest.raises(InvalidInput) as err:
        person_import_save(
            actor=world.customer_manager, row=PersonRow("yann", site=world.a1, role="agent")
        )
    assert err.value.field == "role"
    with pytest.raises(InvalidInput):  # bob is Beta's: not theirs to change
        person_import_save(actor=world.customer_manager, row=PersonRow("bob", site=world.a1))
    with pytest.raises(PermissionDenied):
        person_import_save(actor=world.customer, row=PersonRow("yann", site=world.a1))
    assert not User.objects.filter(username="yann").exists()


def test_people_exported_by_a_service_manager_import_back(world):
    exported = imports.resource_for("people", world.manager).export()
    logins = {r["username"] for r in exported.dict}
    assert logins == {"alice", "albert", "anna", "amelie", "bob"}  # no staff
    job = run(world.manager, "people", exported.export("csv").encode())
    assert (job.state, job.created, job.updated) == ("done", 0, 5)
    alice = User.objects.get(username="alice")
    assert (alice.site, alice.role, alice.email) == (world.a1, "customer", "alice@example.test")
    everyone = imports.resource_for("people", world.admin).export()
    assert {"root", "marc", "gaston"} <= {r["username"] for r in everyone.dict}


def test_a_broken_job_says_so_instead_of_running_forever(world, monkeypatch):
    job = imports.import_start(actor=world.manager, kind="cis", filename="f.csv", data=GOOD_CIS)

    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(imports, "resource_for", boom)
    assert check_import.call(job.pk) == "failed"
    job.refresh_from_db()
    assert (job.state, job.data, len(job.errors)) == ("failed", b"", 1)
    assert check_import.call(job.pk) == "skipped"


def test_a_person_using_a_ci_cannot_move_site_by_import(world):
    ci = actions.ci_create(actor=world.manager, name="PC-1", site=world.a1)
    actions.ci_link_user(actor=world.manager, ci=ci, user=world.customer)
    job = run(world.manager, "people", csv_bytes("username,site", "alice,ALI"))
    assert [(e["line"], e["column"]) for e in job.errors] == [(2, "site")]
    assert User.objects.get(username="alice").site == world.a1


# --- Pages -----------------------------------------------------------------------------


def test_the_pages_upload_check_confirm_and_export(client, world):
    client.force_login(world.manager)
    page = reverse("console:cmdb_import")
    assert client.get(page).status_code == 200
    upload = SimpleUploadedFile("cis.csv", GOOD_CIS, content_type="text/csv")
    response = client.post(page, {"kind": "cis", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/import/{job.pk}/")
    progress = client.get(reverse("console:cmdb_import_progress", args=[job.pk]))
    assert b'<progress value="0" max="3"' in progress.content and b"hx-trigger" in progress.content
    check_import.call(job.pk)
    refresh = client.get(
        reverse("console:cmdb_import_progress", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert refresh["HX-Refresh"] == "true"
    body = client.get(response["Location"]).content.decode()
    assert "PC-2" in body and "cmdb_import_confirm" not in body
    client.post(reverse("console:cmdb_import_confirm", args=[job.pk]))
    assert ImportJob.objects.get().state == "writing"
    write_import.call(job.pk)
    assert ConfigurationItem.objects.count() == 3
    export = client.get(reverse("console:cmdb_export"), {"kind": "cis", "format": "xlsx"})
    assert export.status_code == 200 and export.content[:2] == b"PK"
    csv_export = client.get(reverse("console:cmdb_export"), {"kind": "people", "format": "csv"})
    assert "username,first_name" in csv_export.content.decode("utf-8-sig")


def test_the_pages_refuse_bad_files_and_strangers(client, world):
    client.force_login(world.manager)
    upload = SimpleUploadedFile("cis.csv", b"name,colour\nPC,blue\n", content_type="text/csv")
    response = client.post(reverse("console:cmdb_import"), {"kind": "cis", "file": upload})
    assert response.status_code == 400 and "colour" in response.content.decode()
    assert not ImportJob.objects.exists()
    job = run(world.manager, "cis", GOOD_CIS, confirm=False)
    for who in ("agent", "admin", "customer"):  # an import is its importer's own
        client.force_login(getattr(world, who))
        assert client.get(reverse("console:cmdb_import_job", args=[job.pk])).status_code == 404
    client.force_login(world.agent)
    assert client.get(reverse("console:cmdb_import")).status_code == 404
    assert client.get(reverse("console:cmdb_export"), {"kind": "cis"}).status_code == 404


@pg_only("needs PostgreSQL: a second connection writes while the import's transaction is open")
@pytest.mark.django_db(transaction=True)
def test_rows_written_are_counted_from_outside_the_import_transaction():
    importer = User.objects.create_user("importer", role=Role.ADMIN)
    job = ImportJob.objects.create(
        actor=importer, kind="cis", file_format="csv", filename="f.csv", total=10, state="writing"
    )
    seen: list[int] = []

    def look() -> None:  # another request polling the page, on its own connection
        try:
            seen.append(ImportJob.objects.get(pk=job.pk).done)
        finally:
            connection.close()

    with transaction.atomic():  # the import's transaction, still open
        User.objects.create_user("written-meanwhile")
        with imports.LiveCount(job.pk, every=0.02) as live:
            live(7)
            deadline = time.monotonic() + 10
            while (not seen or seen[-1] != 7) and time.monotonic() < deadline:
                reader = threading.Thread(target=look)
                reader.start()
                reader.join()
                time.sleep(0.02)
    assert seen[-1] == 7

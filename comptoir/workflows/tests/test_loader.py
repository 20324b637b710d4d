# covers: WF-1, WF-8, TIC-1, TIC-2, X-1, X-5
"""Presets load in one command, idempotently, and all four live side by side (WF-8)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from comptoir.catalog.models import Category, Desk, TicketType
from comptoir.conftest import category
from comptoir.tickets import actions
from comptoir.workflows.models import Status, Transition, Workflow
from comptoir.workflows.presets import PRESET_NAMES
from comptoir.workflows.presets.loader import UnknownPreset, load_preset, preset_data
from comptoir.workflows.tests.test_engine import defined_transitions, loaded_transitions

CONFIG_APPS = ("workflows", "catalog")


def config_models():
    return [m for label in CONFIG_APPS for m in apps.get_app_config(label).get_models()]


def dump() -> dict[str, list[dict]]:
    """Every row of every workflows/catalog model, with every column (M2M as id lists)."""
    out = {}
    for model in config_models():
        rows = []
        m2m = [f.name for f in model._meta.many_to_many]
        for obj in model.objects.order_by("pk"):
            row = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
            for name in m2m:
                row[name] = sorted(getattr(obj, name).values_list("pk", flat=True))
            rows.append(row)
        out[model._meta.label] = rows
    return out


def test_loading_twice_changes_nothing(db):
    before = dump()
    assert all(before[m._meta.label] for m in (Desk, Workflow, Status, Transition, TicketType))
    for _ in range(2):
        for name in PRESET_NAMES:
            load_preset(name)
        assert dump() == before


def test_loading_from_scratch_then_again(db):
    """From an empty catalogue: the first load creates everything, the second nothing."""
    TicketType.objects.all().delete()  # types protect their workflow
    Desk.objects.all().delete()
    assert not Workflow.objects.exists() and not Status.objects.exists()
    for name in PRESET_NAMES:
        load_preset(name)
    first = dump()
    for name in reversed(PRESET_NAMES):
        load_preset(name)
    assert dump() == first
    for name in PRESET_NAMES:
        assert loaded_transitions(name) == defined_transitions(name)


def test_command_load_output_and_idempotence(db):
    before = dump()
    out = StringIO()
    call_command("preset", "load", "spt", stdout=out)
    assert out.getvalue() == "preset spt: desk 'spt' ready\n"
    out = StringIO()
    call_command("preset", "load", *PRESET_NAMES, stdout=out)
    assert out.getvalue().splitlines() == [f"preset {n}: desk '{n}' ready" for n in PRESET_NAMES]
    assert dump() == before


def test_command_list(db):
    out = StringIO()
    call_command("preset", "list", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split("\t")[0] for line in lines] == list(PRESET_NAMES)
    assert all(line.split("\t")[1] for line in lines)


def test_unknown_preset_is_refused_and_loads_nothing(db):
    before = dump()
    with pytest.raises(CommandError) as info:
        call_command("preset", "load", "spt", "jira", stdout=StringIO())
    assert "jira" in str(info.value) and "spt, ent, itil, n123" in str(info.value)
    assert dump() == before
    with pytest.raises(UnknownPreset):
        load_preset("jira")
    with pytest.raises(UnknownPreset):
        preset_data("loader")  # a module of the package that is not a preset


def test_reload_restores_preset_values_and_keeps_admin_additions(db):
    """An upgrade reload brings preset rows back to the shipped values; rows an
    administrator added beside them stay."""
    before = dump()
    status = Status.objects.get(workflow__desk__slug="spt", code="ouvert")
    status.name_fr, status.sla_effect = "Ouvert (modifié)", "pause"
    status.save()
    wf = status.workflow
    extra = Status.objects.create(
        workflow=wf, code="custom", name_fr="Perso", name_en="Custom", order=99
    )
    Category.objects.create(service=wf.desk.services.first(), slug="perso", name_fr="Perso")
    load_preset("spt")
    status.refresh_from_db()
    assert (status.name_fr, status.sla_effect) == ("Ouvert", "run")
    assert Status.objects.filter(pk=extra.pk).exists()
    extra.delete()
    Category.objects.filter(slug="perso").delete()
    assert dump() == before


def test_four_presets_coexist(world):
    desks = {d.slug: d for d in Desk.objects.filter(slug__in=PRESET_NAMES)}
    assert set(desks) == set(PRESET_NAMES)
    assert len({d.key_prefix for d in desks.values()}) == 4
    assert {d.slug: d.key_prefix for d in desks.values()} == {
        "spt": "SPT-",
        "ent": "ENT-",
        "itil": "IT-",
        "n123": "#",
    }
    workflows = {(w.desk.slug, w.code) for w in Workflow.objects.select_related("desk")}
    assert workflows >= {
        ("spt", "spt"),
        ("ent", "ent"),
        ("itil", "incident"),
        ("itil", "request"),
        ("n123", "support"),
        ("n123", "evolution"),
    }
    # Same status code on two desks ("ferme", "en_cours"…) are distinct rows.
    fermes = Status.objects.filter(code="ferme")
    assert {s.workflow.desk.slug for s in fermes} == {"spt", "n123"}
    # Every workflow, type and category stays inside its desk.
    for t in TicketType.objects.select_related("workflow", "convertible_to"):
        assert t.workflow.desk_id == t.desk_id
        assert t.convertible_to is None or t.convertible_to.desk_id == t.desk_id
    for tr in Transition.objects.select_related("workflow", "from_status", "to_status"):
        assert tr.to_status.workflow_id == tr.workflow_id
        assert tr.from_status is None or tr.from_status.workflow_id == tr.workflow_id
    # One ticket on each desk: keys numbered per desk, with the desk's prefix.
    firsts = {
        "spt": ("support", "erp"),
        "ent": ("ticket", "messagerie"),
        "itil": ("incident", "impression"),
        "n123": ("assistance", "assistance"),
    }
    for slug, (type_code, cat) in firsts.items():
        desk = desks[slug]
        number = desk.next_number
        t = actions.ticket_create(
            actor=world.customer,
            desk=desk,
            type=TicketType.objects.get(desk=desk, code=type_code),
            category=category(slug, cat),
            title=f"Premier {slug}",
            description="x",
        )
        assert t.key == f"{desk.key_prefix}{number}"
        assert t.status.workflow.desk_id == desk.pk and t.status.is_initial


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_data_is_consistent(db, name):
    """Each workflow has one initial status, reachable statuses, and its named transitions
    (taken, confirm, refute, auto) exist where the engine looks for them."""
    data = preset_data(name)
    assert data["desk"]["slug"] == name
    for wf in data["workflows"]:
        codes = [s["code"] for s in wf["statuses"]]
        assert len(codes) == len(set(codes))
        assert [s["code"] for s in wf["statuses"] if s["is_initial"]] == [codes[0]]
        moves = [
            (t["code"], src, t["to"])
            for t in wf["transitions"]
            for src in (t["from"] if isinstance(t["from"], list) else [t["from"]])
        ]
        assert all(src in codes and to in codes for _c, src, to in moves)
        reached = {codes[0]} | {to for _c, _s, to in moves}
        assert reached == set(codes), "every status is reachable"
        final = {s["code"] for s in wf["statuses"] if s["is_final"]}
        assert not {src for _c, src, _t in moves} & final, "nothing leaves a final status"
        for s in wf["statuses"]:
            if s["auto_transition"]:
                assert s["auto_after_days"]
                auto = [t for t in wf["transitions"] if t["code"] == s["auto_transition"]]
                assert any(
                    s["code"] in ([t["from"]] if isinstance(t["from"], str) else t["from"])
                    and "system" in t["actors"]
                    for t in auto
                ), s["code"]
        pairs = {(src, to) for _c, src, to in moves}
        if wf["taken_status"]:
            assert (codes[0], wf["taken_status"]) in pairs, "a take leaves the initial status"
        # WF-5: where a resolution is put to the requester, their answer can be applied.
        asking = {t["to"] for t in wf["transitions"] if t["asks_confirmation"]}
        for key in ("confirm_transition", "refute_transition"):
            if wf[key]:
                leaving = {src for c, src, _t in moves if c == wf[key]}
                assert asking <= leaving or not asking, (wf["code"], key)
                assert leaving, (wf["code"], key)
        for t in wf["transitions"]:
            assert t["name_fr"] and t["name_en"]
    for t in data["types"]:
        assert t["workflow"] in {wf["code"] for wf in data["workflows"]}

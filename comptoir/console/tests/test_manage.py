# covers: TEN-7, AG-6, TIC-6, NOT-2, NOT-3
"""Service manager pages (002 §III): managers and their privileges, permanent guests,
category templates; and each member's watch level and daily report (002 §II). Only a
manager of the service (or an administrator) may change them."""

from __future__ import annotations

from django.urls import reverse

from comptoir.catalog.models import Category, PermanentGuest, Service, ServiceMember
from comptoir.conftest import category
from comptoir.notifications.models import DailyReportPreference, WatchPreference

from .conftest import error_next_to


def dsi() -> Service:
    return Service.objects.get(desk__slug="ent", slug="dsi")


def page(pk: int) -> str:
    return reverse("console:service", kwargs={"pk": pk})


def act(pk: int, action: str) -> str:
    return reverse("console:service_action", kwargs={"pk": pk, "action": action})


def test_my_services(world, login):
    html = login(world.manager).get(reverse("console:services")).content.decode()
    assert "DSI" in html and page(dsi().pk) in html
    html = login(world.other_agent).get(reverse("console:services")).content.decode()
    assert page(dsi().pk) not in html


def test_the_service_page(world, login):
    s = dsi()
    html = login(world.manager).get(page(s.pk)).content.decode()
    for name in ("gaston", "gisele", "marc", "Messagerie", "Réseau"):
        assert name in html
    assert act(s.pk, "add-manager") in html and act(s.pk, "add-guest") in html
    # An agent of the service sees it read-only; an agent of another service gets 404.
    html = login(world.agent).get(page(s.pk)).content.decode()
    assert "gisele" in html and act(s.pk, "add-manager") not in html
    assert login(world.other_agent).get(page(s.pk)).status_code == 404


def test_add_a_manager_by_login_or_email(world, login):
    s = dsi()
    c = login(world.manager)
    r = c.post(
        act(s.pk, "add-manager"), {"manager-user": "olga@example.test", "manager-can_manage": "on"}
    )
    assert r.status_code == 302
    assert ServiceMember.objects.get(service=s, user=world.other_agent).can_manage
    # Twice is refused next to the field; a customer cannot manage a service.
    for who in ("olga", "alice"):
        r = c.post(act(s.pk, "add-manager"), {"manager-user": who})
        assert r.status_code == 400
        assert error_next_to(r, "id_manager-user")
    assert not ServiceMember.objects.filter(service=s, user=world.customer).exists()


def test_the_directory_lookup(world, login):
    c = login(world.manager)
    html = c.get(
        reverse("console:people"),
        {"field": "manager-user", "pick": "manager-pick", "manager-user": "gi", "kind": "staff"},
    ).content.decode()
    assert 'name="manager-pick"' in html and f'value="{world.agent2.pk}"' in html
    html = c.get(reverse("console:people"), {"q": "al", "kind": "staff"}).content.decode()
    assert "alice" not in html
    html = c.get(
        reverse("console:people"), {"q": "alice@example.test", "kind": "customer"}
    ).content.decode()
    assert "alice" in html and "Alpha Lyon" in html
    # Picking a person from the answers adds them.
    s = dsi()
    c.post(act(s.pk, "add-manager"), {"manager-pick": str(world.other_agent.pk)})
    assert ServiceMember.objects.filter(service=s, user=world.other_agent).exists()


def test_privileges(world, login):
    s = dsi()
    c = login(world.manager)
    mess = category("ent", "messagerie")
    prefix = f"m{world.agent.pk}"
    r = c.post(
        act(s.pk, "privileges"),
        {
            "member": str(world.agent.pk),
            f"{prefix}-can_manage": "on",
            f"{prefix}-categories": [str(mess.pk)],
        },
    )
    assert r.status_code == 302
    m = ServiceMember.objects.get(service=s, user=world.agent)
    assert m.can_manage and list(m.categories.all()) == [mess]
    # A category of another service is no choice.
    other = Category.objects.get(service__slug="services-generaux", slug="chauffage")
    r = c.post(
        act(s.pk, "privileges"),
        {"member": str(world.agent.pk), f"{prefix}-categories": [str(other.pk)]},
    )
    assert r.status_code == 400
    assert error_next_to(r, f"id_{prefix}-categories")


def test_the_last_manager_stays(world, login):
    s = dsi()
    c = login(world.manager)
    prefix = f"m{world.manager.pk}"
    r = c.post(act(s.pk, "privileges"), {"member": str(world.manager.pk)})  # can_manage off
    assert r.status_code == 400
    assert error_next_to(r, f"id_{prefix}-can_manage")
    r = c.post(act(s.pk, "remove-manager"), {"member": str(world.manager.pk)}, follow=True)
    assert 'class="msg error"' in r.content.decode()
    assert ServiceMember.objects.filter(service=s, user=world.manager, can_manage=True).exists()


def test_remove_a_manager(world, login):
    s = dsi()
    r = login(world.manager).post(act(s.pk, "remove-manager"), {"member": str(world.agent2.pk)})
    assert r.status_code == 302
    assert not ServiceMember.objects.filter(service=s, user=world.agent2).exists()


def test_permanent_guests(world, login):
    s = dsi()
    c = login(world.manager)
    assert c.post(act(s.pk, "add-guest"), {"guest-user": "olga"}).status_code == 302
    assert PermanentGuest.objects.filter(service=s, user=world.other_agent).exists()
    assert "olga" in c.get(page(s.pk)).content.decode()
    r = c.post(act(s.pk, "add-guest"), {"guest-user": "olga"})
    assert r.status_code == 400 and error_next_to(r, "id_guest-user")
    assert (
        c.post(act(s.pk, "remove-guest"), {"member": str(world.other_agent.pk)}).status_code == 302
    )
    assert not PermanentGuest.objects.filter(service=s).exists()


def test_category_template(world, login):
    s = dsi()
    cat = category("ent", "reseau")
    url = reverse("console:category", kwargs={"pk": s.pk, "category": cat.pk})
    c = login(world.manager)
    assert "subject_fr" in c.get(url).content.decode()
    r = c.post(
        url,
        {
            "subject_fr": "Panne réseau",
            "body_fr": "Prise :\n",
            "subject_en": "Network down",
            "body_en": "",
        },
    )
    assert r.status_code == 302
    cat.refresh_from_db()
    assert (cat.template_subject_fr, cat.template_body_fr, cat.template_subject_en) == (
        "Panne réseau",
        "Prise :",
        "Network down",
    )
    r = c.post(url, {"subject_fr": "x" * 201})
    assert r.status_code == 400 and error_next_to(r, "id_subject_fr")
    # A category of another service through this service's URL is 404.
    other = category("ent", "chauffage")
    assert (
        c.get(reverse("console:category", kwargs={"pk": s.pk, "category": other.pk})).status_code
        == 404
    )


def test_a_non_manager_is_refused(world, login):
    s = dsi()
    c = login(world.agent)  # an agent of DSI without can_manage
    before = (
        list(ServiceMember.objects.filter(service=s).values_list("user_id", "can_manage")),
        PermanentGuest.objects.count(),
    )
    for action, data in (
        ("add-manager", {"manager-user": "olga"}),
        ("add-guest", {"guest-user": "olga"}),
        ("privileges", {"member": str(world.agent.pk), f"m{world.agent.pk}-can_manage": "on"}),
    ):
        r = c.post(act(s.pk, action), data)
        assert r.status_code == 400, action
        assert (
            'class="msg error"' in r.content.decode() or 'class="form-error"' in r.content.decode()
        )
    r = c.post(act(s.pk, "remove-manager"), {"member": str(world.agent2.pk)}, follow=True)
    assert 'class="msg error"' in r.content.decode()
    cat = category("ent", "reseau")
    r = c.post(
        reverse("console:category", kwargs={"pk": s.pk, "category": cat.pk}),
        {"subject_fr": "Piraté"},
    )
    assert r.status_code == 400
    cat.refresh_from_db()
    assert cat.template_subject_fr == ""
    after = (
        list(ServiceMember.objects.filter(service=s).values_list("user_id", "can_manage")),
        PermanentGuest.objects.count(),
    )
    assert after == before
    # olga, agent of another service only: 404 everywhere on this service.
    c = login(world.other_agent)
    assert c.post(act(s.pk, "add-manager"), {"manager-user": "olga"}).status_code == 404


# --- Preferences (NOT-2, NOT-3) --------------------------------------------------------------


def test_my_preferences_page(world, login):
    html = login(world.agent).get(reverse("console:preferences")).content.decode()
    assert "DSI" in html and "Support niveau 1" in html
    assert html.count('name="w') > 0


def test_set_my_watch_level(world, login):
    s = dsi()
    c = login(world.agent)
    url = reverse("console:preferences_save", kwargs={"pk": s.pk, "kind": "watch"})
    w = f"w{s.pk}"
    r = c.post(
        url,
        {
            f"{w}-level": "custom",
            f"{w}-any_ticket": "never",
            f"{w}-category_ticket": "always",
            f"{w}-held_ticket": "always",
        },
    )
    assert r.status_code == 302
    p = WatchPreference.objects.get(user=world.agent, service=s)
    assert p.grid() == {"any": "never", "category": "always", "held": "always"}
    # Custom without the grid: the error is by the field.
    r = c.post(url, {f"{w}-level": "custom"})
    assert r.status_code == 400 and error_next_to(r, f"id_{w}-any_ticket")


def test_set_my_daily_report(world, login):
    s = dsi()
    c = login(world.agent)
    url = reverse("console:preferences_save", kwargs={"pk": s.pk, "kind": "report"})
    r_ = f"r{s.pk}"
    r = c.post(
        url,
        {
            f"{r_}-scope": "categories",
            f"{r_}-hour1": "8",
            f"{r_}-hour2": "14",
            f"{r_}-weekend": "on",
            f"{r_}-include_closed": "on",
        },
    )
    assert r.status_code == 302
    p = DailyReportPreference.objects.get(user=world.agent, service=s)
    assert (p.scope, p.hours(), p.weekend, p.suspended, p.include_closed) == (
        "categories",
        [8, 14],
        True,
        False,
        True,
    )
    r = c.post(url, {f"{r_}-scope": "free", f"{r_}-hour1": ""})
    assert r.status_code == 400 and error_next_to(r, f"id_{r_}-hour1")
    html = login(world.manager).get(page(s.pk)).content.decode()
    assert "08:00 14:00" in html  # each member's report shown on the service page


def test_a_manager_sets_a_members_preferences_and_an_agent_cannot(world, login):
    s = dsi()
    url = reverse("console:preferences_save", kwargs={"pk": s.pk, "kind": "watch"})
    w = f"w{s.pk}"
    member_page = reverse(
        "console:member_preferences", kwargs={"pk": s.pk, "user_id": world.agent2.pk}
    )
    m = login(world.manager)
    assert "gisele" in m.get(member_page).content.decode()
    r = m.post(
        url,
        {
            "user": str(world.agent2.pk),
            "single": "1",
            f"{w}-level": "custom",
            f"{w}-any_ticket": "always",
            f"{w}-category_ticket": "always",
            f"{w}-held_ticket": "always",
        },
    )
    assert r.status_code == 302 and r["Location"] == member_page
    assert WatchPreference.objects.get(user=world.agent2, service=s).any_ticket == "always"
    a = login(world.agent)
    r = a.post(url, {"user": str(world.agent2.pk), "single": "1", f"{w}-level": "medium"})
    assert r.status_code == 400
    assert WatchPreference.objects.get(user=world.agent2, service=s).level == "custom"
    # Someone who is not a member of the service: 404.
    r = m.post(url, {"user": str(world.customer.pk), f"{w}-level": "medium"})
    assert r.status_code == 404


def test_garbage_in_posted_ids_is_a_404_not_an_error(world, login):
    s = dsi()
    c = login(world.manager)
    for action in ("privileges", "remove-manager", "remove-guest"):
        assert c.post(act(s.pk, action), {"member": "abc"}).status_code == 404, action
    url = reverse("console:preferences_save", kwargs={"pk": s.pk, "kind": "watch"})
    assert c.post(url, {"user": "1e9"}).status_code == 404
    assert c.get("/console/", {"desk": "99999999999999999999999"}).status_code == 200

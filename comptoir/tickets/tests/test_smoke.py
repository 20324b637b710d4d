# covers: WF-5, WF-8, TIC-2, TEN-2
from comptoir.catalog.models import TicketType
from comptoir.conftest import category
from comptoir.tickets import actions
from comptoir.tickets.selectors import ticket_list


def test_spt_flow(world):
    desk = world.desks["spt"]
    t = actions.ticket_create(
        actor=world.customer,
        desk=desk,
        type=TicketType.objects.get(desk=desk, code="support"),
        category=category("spt", "erp"),
        title="Erreur",
        description="Plantage",
    )
    assert t.key.startswith("SPT-")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="resolve", data={"solution": "fait"}
    )
    actions.ticket_confirm_resolution(actor=world.customer, ticket=t, accepted=True)
    t = actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    assert t.status.code == "ferme"
    assert list(ticket_list(actor=world.outsider)) == []

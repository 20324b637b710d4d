"""`ent` — seed 002, the ENT online assistance ("guide du gestionnaire")."""

from comptoir.workflows.presets._dsl import (
    GENERIC_PRIORITIES,
    STAFF,
    category,
    move,
    named,
    service,
    status,
)

ACTIVE = ["libre", "en_cours", "attente_info", "reporte"]

PRESET = {
    "desk": {
        "slug": "ent",
        "name_fr": "Assistance en ligne (ENT)",
        "name_en": "Online assistance (ENT)",
        "key_prefix": "ENT-",
        "language": "fr",
        "reopen_policy": "owner_or_managers",
        "reply_by_email": True,
        "description_fr": (
            "Services et catégories de l'ENT (seed 002). Le propriétaire est le créateur du "
            "ticket, le gestionnaire l'agent qui l'a pris en charge. Une clôture attend "
            "l'approbation du propriétaire ; sans contestation elle est approuvée après 7 jours "
            "(délai non précisé par le seed). Le propriétaire ou un gestionnaire du service peut "
            "rouvrir."
        ),
        "description_en": (
            "ENT services and categories (seed 002). The owner is the ticket's creator, the "
            "manager the agent who took it. A closure awaits the owner's approval; uncontested, "
            "it is approved after 7 days (the seed gives no delay). The owner or a manager of "
            "the service may reopen."
        ),
    },
    "priorities": GENERIC_PRIORITIES,
    "workflows": [
        {
            "code": "ent",
            "name_fr": "Ticket ENT",
            "name_en": "ENT ticket",
            "taken_status": "en_cours",
            "taken_means_held": True,
            "confirm_transition": "approve",
            "refute_transition": "reopen",
            "statuses": [
                status(
                    "libre",
                    "Libre",
                    "Free",
                    initial=True,
                    meaning=(
                        "Personne n'a encore pris en charge le ticket",
                        "Nobody has taken the ticket yet",
                    ),
                    awaiting=("Les gestionnaires du service", "The service's managers"),
                ),
                status(
                    "en_cours",
                    "En cours",
                    "In progress",
                    party="agent",
                    meaning=(
                        "Un gestionnaire a pris en charge le ticket",
                        "A manager has taken the ticket",
                    ),
                    awaiting=("Son gestionnaire", "Its manager"),
                ),
                status(
                    "attente_info",
                    "En attente d'information",
                    "Awaiting information",
                    party="requester",
                    sla="pause",
                    notify=True,
                    meaning=(
                        "Le gestionnaire a demandé un complément d'information au propriétaire",
                        "The manager asked the owner for more information",
                    ),
                    awaiting=("Le propriétaire", "The owner"),
                ),
                status(
                    "reporte",
                    "Reporté",
                    "Postponed",
                    party="agent",
                    sla="pause",
                    notify=True,
                    meaning=(
                        "Le traitement du ticket est reporté",
                        "Work on the ticket is postponed",
                    ),
                    awaiting=("Son gestionnaire", "Its manager"),
                ),
                status(
                    "clos",
                    "Clos",
                    "Closed (awaiting approval)",
                    party="requester",
                    sla="stop",
                    state="resolved",
                    notify=True,
                    auto=(7, "approve"),
                    meaning=(
                        "Le ticket a été clos ; le propriétaire est invité à approuver la clôture",
                        "The ticket was closed; the owner is asked to approve",
                    ),
                    awaiting=("Le propriétaire", "The owner"),
                ),
                status(
                    "approuve",
                    "Approuvé",
                    "Approved",
                    party="nobody",
                    sla="stop",
                    state="closed",
                    meaning=(
                        "Clôture approuvée, ou non contestée dans le délai",
                        "Closure approved, or not contested in time",
                    ),
                    awaiting=("-", "-"),
                ),
                status(
                    "refuse",
                    "Refusé",
                    "Refused",
                    party="nobody",
                    sla="stop",
                    state="closed",
                    notify=True,
                    meaning=("Le ticket a été refusé", "The ticket was refused"),
                    awaiting=("-", "-"),
                ),
            ],
            "transitions": [
                move("take", "Prendre en charge", "Take", "libre", "en_cours"),
                move("release", "Libérer", "Release", "en_cours", "libre"),
                move(
                    "request_info",
                    "Demander info.",
                    "Request information",
                    ["libre", "en_cours", "reporte"],
                    "attente_info",
                    requires=["comment"],
                ),
                move(
                    "answer",
                    "Répondre",
                    "Answer",
                    "attente_info",
                    "en_cours",
                    actors=["owner", "requester", *STAFF],
                    requires=["comment"],
                ),
                move(
                    "postpone",
                    "Reporter",
                    "Postpone",
                    ["en_cours", "attente_info"],
                    "reporte",
                    requires=["reason"],
                ),
                move("resume", "Reprendre", "Resume", "reporte", "en_cours"),
                move("close", "Clore", "Close", ACTIVE, "clos", asks_confirmation=True),
                move(
                    "approve",
                    "Approuver la clôture",
                    "Approve the closure",
                    "clos",
                    "approuve",
                    actors=["owner", "system"],
                ),
                move("refuse", "Refuser", "Refuse", ACTIVE, "refuse", requires=["reason"]),
                move(
                    "reopen",
                    "Ré-ouvrir",
                    "Reopen",
                    ["clos", "approuve", "refuse"],
                    "en_cours",
                    actors=["owner", "agent", "manager", "admin"],
                    reopening=True,
                ),
            ],
        }
    ],
    "types": [
        named(
            "ticket",
            "Ticket",
            "Ticket",
            group_fr="Assistance en ligne",
            group_en="Online assistance",
            workflow="ent",
            sla_applies=True,
            customer_may_create=True,
        ),
    ],
    "services": [
        service(
            "dsi",
            "DSI",
            "IT department",
            [
                category(
                    "messagerie",
                    "Messagerie",
                    "E-mail",
                    (
                        "Problème de messagerie",
                        "E-mail problem",
                        "Adresse concernée :\nMessage d'erreur :\n",
                        "Address concerned:\nError message:\n",
                    ),
                ),
                category("reseau", "Réseau", "Network"),
                category("poste", "Poste de travail", "Workstation"),
            ],
        ),
        service(
            "services-generaux",
            "Services Généraux",
            "General services",
            [
                category("electricite", "Électricité", "Electricity"),
                category("chauffage", "Chauffage", "Heating"),
                category("plomberie", "Plomberie", "Plumbing"),
            ],
        ),
    ],
}

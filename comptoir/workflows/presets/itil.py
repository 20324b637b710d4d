"""`itil` — seed 003, the customer guide of an ITIL service desk (incidents, service
requests, non-standard changes)."""

from comptoir.workflows.presets._dsl import (
    GENERIC_PRIORITIES,
    REQUESTER,
    STAFF,
    category,
    move,
    named,
    service,
    status,
)


def _statuses(with_approval: bool) -> list[dict]:
    out = [
        status(
            "new",
            "Nouveau",
            "New",
            initial=True,
            notify=True,
            meaning=("Le ticket a été créé et enregistré", "The ticket has been created and saved"),
            awaiting=("Le service desk", "The service desk"),
        ),
        status(
            "rejected",
            "Refusé",
            "Rejected",
            party="nobody",
            sla="stop",
            state="closed",
            final=True,
            notify=True,
            meaning=(
                "Votre ticket n'est pas accepté ; ce refus est dûment motivé",
                "Your ticket is not accepted; the refusal states its reason",
            ),
            awaiting=("-", "-"),
        ),
        status(
            "classification",
            "Classification",
            "Classification",
            party="agent",
            meaning=(
                "Le ticket est complet et prêt à être traité par un spécialiste",
                "The ticket is complete and ready for a specialist",
            ),
            awaiting=("Un spécialiste", "A specialist"),
        ),
        status(
            "postponed",
            "Reporté",
            "Postponed",
            sla="pause",
            notify=True,
            meaning=(
                "Les informations disponibles sont insuffisantes pour enregistrer "
                "correctement le ticket",
                "The information given is not enough to record the ticket correctly",
            ),
            awaiting=("Le service desk", "The service desk"),
        ),
        status(
            "in_progress",
            "En cours",
            "In progress",
            party="agent",
            meaning=("Le spécialiste a entamé la résolution", "The specialist is working on it"),
            awaiting=("Un spécialiste", "A specialist"),
        ),
        status(
            "planned",
            "Planifié",
            "Planned",
            party="agent",
            notify=True,
            meaning=("Un rendez-vous a été fixé avec vous", "An appointment has been set with you"),
            awaiting=("Un spécialiste", "A specialist"),
        ),
        status(
            "waiting",
            "En attente",
            "Waiting",
            party="requester",
            sla="pause",
            notify=True,
            meaning=(
                "Nous attendons une réaction de votre part ou d'un tiers",
                "We are waiting for you or a third party",
            ),
            awaiting=("Le client ou un tiers", "The customer or a third party"),
        ),
    ]
    if with_approval:
        out.append(
            status(
                "approval",
                "Approbation",
                "Approval",
                party="requester",
                sla="pause",
                notify=True,
                meaning=("Votre approbation est requise", "Your approval is required"),
                awaiting=("Le client", "The customer"),
            )
        )
    out += [
        status(
            "solved",
            "Résolu",
            "Solved",
            party="requester",
            sla="stop",
            state="resolved",
            notify=True,
            auto=(14, "close"),
            meaning=("La solution a été trouvée", "The solution has been found"),
            awaiting=("Le client (évaluation)", "The customer (assessment)"),
        ),
        status(
            "closed",
            "Clôturé",
            "Closed",
            party="nobody",
            sla="stop",
            state="closed",
            final=True,
            meaning=(
                "Ticket définitivement clôturé 14 jours après sa résolution ; il ne peut "
                "plus être rouvert",
                "Closed for good 14 days after it was solved; it cannot be reopened",
            ),
            awaiting=("-", "-"),
        ),
    ]
    return out


def _transitions(with_approval: bool) -> list[dict]:
    out = [
        move(
            "reject",
            "Refuser",
            "Reject",
            ["new", "classification", "postponed"],
            "rejected",
            requires=["reason"],
        ),
        move("classify", "Classifier", "Classify", ["new", "postponed"], "classification"),
        move(
            "postpone",
            "Reporter",
            "Postpone",
            ["new", "classification"],
            "postponed",
            requires=["reason"],
        ),
        move(
            "start",
            "Démarrer",
            "Start",
            ["classification", "planned", "waiting", "postponed"],
            "in_progress",
        ),
        move(
            "plan",
            "Planifier",
            "Plan",
            ["classification", "in_progress", "waiting"],
            "planned",
            requires=["appointment"],
        ),
        move(
            "wait",
            "Mettre en attente",
            "Wait",
            ["classification", "in_progress", "planned"],
            "waiting",
            requires=["waiting_reason"],
        ),
        move(
            "solve",
            "Résoudre",
            "Solve",
            ["in_progress", "planned", "waiting"],
            "solved",
            requires=["solution"],
        ),
        move(
            "reopen",
            "Remettre en cours",
            "Back to in progress",
            "solved",
            "in_progress",
            actors=[*REQUESTER, *STAFF],
            requires=["comment"],
            reopening=True,
        ),
        move("close", "Clôturer", "Close", "solved", "closed", actors=["system", "admin"]),
    ]
    if with_approval:
        out += [
            move(
                "request_approval",
                "Demander l'approbation",
                "Request approval",
                ["classification", "in_progress"],
                "approval",
            ),
            move("approve", "Approuver", "Approve", "approval", "in_progress", actors=REQUESTER),
            move(
                "decline",
                "Ne pas approuver",
                "Decline",
                "approval",
                "classification",
                actors=REQUESTER,
                requires=["comment"],
            ),
        ]
    return out


PRESET = {
    "desk": {
        "slug": "itil",
        "name_fr": "Service desk (ITIL)",
        "name_en": "Service desk (ITIL)",
        "key_prefix": "IT-",
        "language": "fr",
        "reopen_policy": "never",
        "reply_by_email": True,
        "description_fr": (
            "Incidents, demandes de service et changements non standard (seed 003). Un ticket "
            "résolu est clôturé automatiquement après 14 jours et ne peut plus être rouvert ; "
            "avant, le client peut le remettre en cours avec un commentaire obligatoire. Les "
            "demandes de service et les changements passent par l'approbation du client."
        ),
        "description_en": (
            "Incidents, service requests and non-standard changes (seed 003). A solved ticket "
            "closes automatically after 14 days and can never be reopened; before that the "
            "customer may send it back to in progress with a mandatory comment. Service "
            "requests and changes go through the customer's approval."
        ),
    },
    "priorities": GENERIC_PRIORITIES,
    "waiting_reasons": [
        named("third_party", "En attente d'une tierce personne", "Waiting for 3rd party", order=1),
        named(
            "customer_feedback",
            "En attente de votre réponse",
            "Waiting for customer feedback",
            order=2,
        ),
        named(
            "customer_financial_approval",
            "En attente de votre approbation financière",
            "Waiting for customer financial approval",
            order=3,
        ),
        named(
            "hardware_arrival",
            "En attente de votre appareil",
            "Waiting for customer hardware arrival",
            order=4,
        ),
        named(
            "hardware_return",
            "En attente du retour de votre appareil",
            "Waiting for customer hardware return",
            order=5,
        ),
        named(
            "final_solution",
            "Temporairement résolu, en attente d'une solution définitive",
            "Waiting for final solution",
            order=6,
        ),
        named(
            "rfc", "En attente d'exécution d'un changement non standard", "Waiting for RFC", order=7
        ),
    ],
    "workflows": [
        {
            "code": "incident",
            "name_fr": "Incident",
            "name_en": "Incident",
            "taken_status": "classification",
            "confirm_transition": "",
            "refute_transition": "reopen",
            "statuses": _statuses(False),
            "transitions": _transitions(False),
        },
        {
            "code": "request",
            "name_fr": "Demande et changement",
            "name_en": "Request and change",
            "taken_status": "classification",
            "confirm_transition": "",
            "refute_transition": "reopen",
            "statuses": _statuses(True),
            "transitions": _transitions(True),
        },
    ],
    "types": [
        named(
            "incident",
            "Incident",
            "Incident",
            workflow="incident",
            sla_applies=True,
            customer_may_create=True,
            convertible_to="change",
        ),
        named(
            "service_request",
            "Demande de service",
            "Service request",
            workflow="request",
            sla_applies=True,
            customer_may_create=True,
            convertible_to="change",
        ),
        named(
            "change",
            "Changement non standard",
            "Non-standard change",
            workflow="request",
            sla_applies=True,
            customer_may_create=False,
        ),
    ],
    "services": [
        service(
            "infrastructure",
            "Infrastructure",
            "Infrastructure",
            [
                category("serveurs", "Serveurs", "Servers"),
                category(
                    "impression",
                    "Impression",
                    "Printing",
                    (
                        "Je n'arrive pas à imprimer",
                        "I cannot print",
                        "Imprimante :\nMessage d'erreur :\nDepuis quand :\n",
                        "Printer:\nError message:\nSince when:\n",
                    ),
                ),
                category("telephonie", "Téléphonie", "Telephony"),
            ],
        ),
        service(
            "applications",
            "Applications",
            "Applications",
            [
                category(
                    "erp",
                    "ERP (AX)",
                    "ERP (AX)",
                    (
                        "",
                        "",
                        "Écran concerné :\nMessage d'erreur :\n",
                        "Screen concerned:\nError message:\n",
                    ),
                ),
                category("bureautique", "Bureautique", "Office tools"),
            ],
        ),
    ],
}

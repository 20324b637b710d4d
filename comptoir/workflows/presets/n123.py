"""`n123` — seed 004, support in levels N1/N2/N3 with time tracking and quotes."""

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


def _statuses(with_quote: bool) -> list[dict]:
    out = [
        status(
            "ouvert",
            "Ouvert",
            "Open",
            initial=True,
            notify=True,
            meaning=("La demande a été créée", "The request has been created"),
            awaiting=("Le support du niveau du type", "The support level of the type"),
        ),
        status(
            "pris_en_charge",
            "Pris en charge",
            "Taken",
            party="agent",
            meaning=(
                "Tâche de temps créée, ticket qualifié et affecté à un consultant",
                "Time task created, ticket qualified and assigned to a consultant",
            ),
            awaiting=("Le consultant", "The consultant"),
        ),
        status(
            "en_cours",
            "En cours",
            "In progress",
            party="agent",
            meaning=("Le consultant traite la demande", "The consultant is working on it"),
            awaiting=("Le consultant", "The consultant"),
        ),
        status(
            "un_instant",
            "Un instant",
            "One moment",
            party="agent",
            sla="pause",
            meaning=("Courte suspension du traitement", "Short hold"),
            awaiting=("Le consultant", "The consultant"),
        ),
    ]
    if with_quote:
        out += [
            status(
                "attente_chiffrage",
                "En attente validation chiffrage",
                "Awaiting quote approval",
                party="requester",
                sla="pause",
                notify=True,
                meaning=(
                    "Le chiffrage vous a été soumis pour validation",
                    "The quote has been submitted for your approval",
                ),
                awaiting=("Le client", "The customer"),
            ),
            status(
                "en_realisation",
                "En cours de réalisation",
                "Being carried out",
                party="agent",
                meaning=(
                    "Chiffrage validé, réalisation en cours",
                    "Quote accepted, work in progress",
                ),
                awaiting=("Le consultant", "The consultant"),
            ),
        ]
    out += [
        status(
            "reponse_envoyee",
            "Réponse envoyée",
            "Answer sent",
            party="requester",
            sla="pause",
            state="resolved",
            notify=True,
            auto=(10, "close"),
            meaning=(
                "Le ticket a été traité ; merci de confirmer la bonne exécution",
                "The ticket has been handled; please confirm it is done",
            ),
            awaiting=("Le client", "The customer"),
        ),
        status(
            "ferme",
            "Fermé",
            "Closed",
            party="nobody",
            sla="stop",
            state="closed",
            final=True,
            notify=True,
            meaning=(
                "Le client a confirmé, ou le délai est écoulé",
                "The customer confirmed, or the delay ran out",
            ),
            awaiting=("-", "-"),
        ),
    ]
    return out


def _transitions(with_quote: bool) -> list[dict]:
    working = ["pris_en_charge", "en_cours", *(["en_realisation"] if with_quote else [])]
    out = [
        move("take", "Prendre en charge", "Take", "ouvert", "pris_en_charge"),
        move("release", "Libérer", "Release", "pris_en_charge", "ouvert"),
        move("start", "Démarrer", "Start", ["pris_en_charge", "un_instant"], "en_cours"),
        move("hold", "Un instant", "Hold", ["pris_en_charge", "en_cours"], "un_instant"),
        move(
            "answer",
            "Envoyer la réponse",
            "Send the answer",
            working,
            "reponse_envoyee",
            requires=["solution"],
            asks_confirmation=True,
        ),
        move(
            "refute",
            "Contester la réponse",
            "Dispute the answer",
            "reponse_envoyee",
            "en_cours",
            actors=REQUESTER,
            requires=["comment"],
        ),
        move(
            "close",
            "Fermer",
            "Close",
            "reponse_envoyee",
            "ferme",
            actors=[*STAFF, "system"],
            needs_confirmation=True,
        ),
    ]
    if with_quote:
        out += [
            move(
                "submit_quote",
                "Soumettre le chiffrage",
                "Submit the quote",
                "en_cours",
                "attente_chiffrage",
                requires=["quote_amount"],
                quote_effect="submit",
            ),
            move(
                "accept_quote",
                "Valider le chiffrage",
                "Accept the quote",
                "attente_chiffrage",
                "en_realisation",
                actors=REQUESTER,
                quote_effect="accept",
            ),
            move(
                "refuse_quote",
                "Refuser le chiffrage",
                "Refuse the quote",
                "attente_chiffrage",
                "en_cours",
                actors=REQUESTER,
                requires=["comment"],
                quote_effect="refuse",
            ),
        ]
    return out


PRESET = {
    "desk": {
        "slug": "n123",
        "name_fr": "Support N1/N2/N3",
        "name_en": "Support L1/L2/L3",
        "key_prefix": "#",
        "language": "fr",
        "reopen_policy": "never",
        "reply_by_email": True,
        "description_fr": (
            "Support en niveaux N1, N2, N3 (seed 004). Assistance utilisateur (N1) et incident "
            "applicatif (N2) facturés au temps passé ; évolution applicative (N2) facturée sur "
            "le chiffrage validé. Après « Réponse envoyée », le ticket est fermé quand le client "
            "confirme, sinon automatiquement après 10 jours (X jours dans le seed)."
        ),
        "description_en": (
            "Support in levels L1, L2, L3 (seed 004). User assistance (L1) and application "
            "incidents (L2) are billed on time spent; application changes (L2) on the accepted "
            "quote. After “Answer sent” the ticket closes when the customer confirms, otherwise "
            "automatically after 10 days (X days in the seed)."
        ),
    },
    "levels": [
        named("n1", "Niveau 1", "Level 1", rank=1),
        named("n2", "Niveau 2", "Level 2", rank=2),
        named("n3", "Niveau 3", "Level 3", rank=3),
    ],
    "priorities": GENERIC_PRIORITIES,
    "workflows": [
        {
            "code": "support",
            "name_fr": "Support",
            "name_en": "Support",
            "taken_status": "pris_en_charge",
            "taken_means_held": True,
            "confirm_transition": "",
            "refute_transition": "refute",
            "statuses": _statuses(False),
            "transitions": _transitions(False),
        },
        {
            "code": "evolution",
            "name_fr": "Évolution",
            "name_en": "Change",
            "taken_status": "pris_en_charge",
            "taken_means_held": True,
            "confirm_transition": "",
            "refute_transition": "refute",
            "statuses": _statuses(True),
            "transitions": _transitions(True),
        },
    ],
    "types": [
        named(
            "assistance",
            "Assistance utilisateur",
            "User assistance",
            group_fr="Support",
            group_en="Support",
            workflow="support",
            default_level="n1",
            billing_mode="time",
        ),
        named(
            "incident",
            "Incident applicatif",
            "Application incident",
            group_fr="Support",
            group_en="Support",
            workflow="support",
            default_level="n2",
            billing_mode="time",
        ),
        named(
            "evolution",
            "Évolution applicative",
            "Application change",
            group_fr="Support",
            group_en="Support",
            workflow="evolution",
            default_level="n2",
            billing_mode="quote",
        ),
    ],
    "services": [
        service(
            "support-n1",
            "Support niveau 1",
            "Support level 1",
            [
                category("assistance", "Assistance utilisateur", "User assistance"),
            ],
            level="n1",
        ),
        service(
            "support-n2",
            "Support niveau 2",
            "Support level 2",
            [
                category("applicatif", "Applicatif", "Application"),
            ],
            level="n2",
        ),
        service(
            "support-n3",
            "Support niveau 3",
            "Support level 3",
            [
                category("expertise", "Expertise", "Expertise"),
            ],
            level="n3",
        ),
    ],
}

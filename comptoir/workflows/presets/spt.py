"""`spt` — seed 001, the Customer Services portal (SPT requests)."""

from comptoir.workflows.presets._dsl import STAFF, category, move, named, priority, service, status

WAITING_STEPS = ["qualifie", "en_cours", "attente_triage", "attente_rd"]

PRESET = {
    "desk": {
        "slug": "spt",
        "name_fr": "Customer Services (SPT)",
        "name_en": "Customer Services (SPT)",
        "key_prefix": "SPT-",
        "language": "fr",
        "reopen_policy": "never",
        "reply_by_email": False,
        "description_fr": (
            "Portail d'assistance de premier niveau (seed 001). Une demande fermée ne se rouvre "
            "pas : on ouvre une nouvelle demande qui la référence. Réponse par e-mail refusée : "
            "le portail seul. La résolution est soumise à la confirmation du demandeur ; faute de "
            "réponse, la demande est fermée automatiquement après 10 jours (délai non précisé "
            "par le seed : lecture la plus proche)."
        ),
        "description_en": (
            "First-level support portal (seed 001). A closed request is never reopened: open a "
            "new one that references it. Replies by e-mail are refused: portal only. Resolution "
            "asks the requester to confirm; without an answer the request closes automatically "
            "after 10 days (the seed gives no delay: closest reading)."
        ),
    },
    "priorities": [
        priority(
            "bloquante",
            "Bloquante",
            "Blocking",
            1,
            (
                "Processus vital pour l'entreprise bloqué et non contournable, risque de perte de "
                "chiffre d'affaire",
                "Business-critical process blocked with no workaround, risk of lost revenue",
            ),
        ),
        priority(
            "haute",
            "Haute",
            "High",
            2,
            (
                "Processus vital bloqué pour l'entreprise bloqué, risque de perte de chiffre "
                "d'affaire dans l'immédiat",
                "Critical process blocked, immediate risk of lost revenue",
            ),
        ),
        priority(
            "moyenne",
            "Moyenne",
            "Medium",
            3,
            ("Contournable difficilement et coûteux", "Workaround difficult and costly"),
            default=True,
        ),
        priority(
            "basse",
            "Basse",
            "Low",
            4,
            ("Facilement contournable ou confort", "Easy workaround, or comfort"),
        ),
    ],
    "workflows": [
        {
            "code": "spt",
            "name_fr": "Demande SPT",
            "name_en": "SPT request",
            "taken_status": None,
            "confirm_transition": "",
            "refute_transition": "refute",
            "statuses": [
                status(
                    "ouvert",
                    "Ouvert",
                    "Open",
                    initial=True,
                    meaning=("La demande a été envoyée", "The request has been sent"),
                    awaiting=("Customer Service (FrontDesk)", "Customer Service (FrontDesk)"),
                ),
                status(
                    "qualifie",
                    "Qualifié",
                    "Qualified",
                    meaning=(
                        "La demande a été réceptionnée et validée",
                        "The request has been received and validated",
                    ),
                    awaiting=("Customer Service (Daily)", "Customer Service (Daily)"),
                ),
                status(
                    "en_cours",
                    "En cours",
                    "In progress",
                    meaning=(
                        "Nous travaillons à répondre à votre demande",
                        "We are working on your request",
                    ),
                    awaiting=("Customer Service (ServiceDesk)", "Customer Service (ServiceDesk)"),
                ),
                status(
                    "attente_triage",
                    "En attente triage",
                    "Awaiting triage",
                    party="expert",
                    meaning=(
                        "La demande a été escaladée à un expert",
                        "The request has been escalated to an expert",
                    ),
                    awaiting=("Expert de ProConcept", "ProConcept expert"),
                ),
                status(
                    "attente_rd",
                    "En attente R&D",
                    "Awaiting R&D",
                    party="rnd",
                    meaning=(
                        "Une correction doit être développée par le R&D",
                        "A fix must be developed by R&D",
                    ),
                    awaiting=("R&D", "R&D"),
                ),
                status(
                    "attente_client",
                    "En attente client",
                    "Awaiting customer",
                    party="requester",
                    sla="pause",
                    notify=True,
                    auto=(10, "close"),
                    meaning=(
                        "Nous attendons une réponse/traitement de votre part",
                        "We are waiting for an answer or action from you",
                    ),
                    awaiting=("Le client (vous)", "The customer (you)"),
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
                        "La demande a été traitée ou escaladée",
                        "The request has been handled or escalated",
                    ),
                    awaiting=("-", "-"),
                ),
            ],
            "transitions": [
                move("qualify", "Qualifier", "Qualify", "ouvert", "qualifie"),
                move(
                    "start",
                    "Prendre en cours",
                    "Start work",
                    ["ouvert", "qualifie", "attente_triage", "attente_rd", "attente_client"],
                    "en_cours",
                ),
                move(
                    "triage",
                    "Escalader à un expert",
                    "Escalate to an expert",
                    ["qualifie", "en_cours"],
                    "attente_triage",
                ),
                move(
                    "rnd",
                    "Transmettre au R&D",
                    "Hand over to R&D",
                    ["en_cours", "attente_triage"],
                    "attente_rd",
                ),
                move(
                    "ask_customer",
                    "Demander au client",
                    "Ask the customer",
                    WAITING_STEPS,
                    "attente_client",
                    requires=["comment"],
                ),
                move(
                    "resolve",
                    "Résoudre",
                    "Resolve",
                    WAITING_STEPS,
                    "attente_client",
                    requires=["solution"],
                    asks_confirmation=True,
                ),
                move(
                    "refute",
                    "Infirmer la résolution",
                    "Refute the resolution",
                    "attente_client",
                    "en_cours",
                    actors=["requester", "owner"],
                    requires=["comment"],
                ),
                move(
                    "close",
                    "Fermer",
                    "Close",
                    "attente_client",
                    "ferme",
                    actors=[*STAFF, "system"],
                    needs_confirmation=True,
                ),
            ],
        }
    ],
    "types": [
        named(
            "support",
            "Support",
            "Support",
            group_fr="Assistance",
            group_en="Assistance",
            workflow="spt",
            sla_applies=True,
            customer_may_create=True,
        ),
        named(
            "patch",
            "Patch",
            "Patch",
            group_fr="Administration",
            group_en="Administration",
            workflow="spt",
            sla_applies=False,
            customer_may_create=True,
        ),
        named(
            "licence",
            "Licence",
            "Licence",
            group_fr="Administration",
            group_en="Administration",
            workflow="spt",
            sla_applies=False,
            customer_may_create=False,
        ),
    ],
    "services": [
        service(
            "customer-services",
            "Customer Services",
            "Customer Services",
            [
                category(
                    "erp",
                    "ProConcept ERP",
                    "ProConcept ERP",
                    (
                        "",
                        "",
                        "Module concerné :\nÉtapes pour reproduire :\nRésultat attendu :\n",
                        "Module concerned:\nSteps to reproduce:\nExpected result:\n",
                    ),
                ),
                category("licences", "Licences et correctifs", "Licences and patches"),
            ],
        ),
    ],
}

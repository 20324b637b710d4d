"""The demo tickets behind `comptoir demo`: stories played through the ticket actions.

Every ticket is created and moved only through `comptoir.tickets.actions`, so its timeline,
comments, guests and outbox rows are exactly what the product itself writes. Together the
stories put at least one ticket in every status of every preset workflow
(`comptoir/core/tests/test_demo.py` checks it). The people they name are created by the
command (`comptoir/core/management/commands/demo.py`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.catalog.models import Category, Desk, Priority, TicketType
from comptoir.cmdb.demo import demo_cmdb
from comptoir.core.demo_history import play_history
from comptoir.mailin.demo import demo_mailboxes, demo_mails
from comptoir.tickets import actions
from comptoir.tickets.models import Channel, Ticket
from comptoir.workflows.presets import PRESET_NAMES


def play_stories(people: dict[str, User]) -> list[Ticket]:
    """Play every story with these people (by username); the tickets created, in order."""
    stories = Stories(people)
    history = play_history(stories, people["admin"])  # ten weeks past: dashboards, statements
    for story in (spt, ent, itil_incidents, itil_requests, n123_support, n123_changes):
        story(stories)
    present = stories.tickets[len(history) :]
    demo_cmdb(people, present)  # equipment, its users, contracts; a ticket's CI
    demo_mailboxes()  # each desk receives mail; two mails show the e-mail channel
    return stories.tickets + demo_mails(people, present)


class Stories:
    """Short verbs over the actions, so each story reads like what people did."""

    def __init__(self, people: dict[str, User]):
        self.people = people
        self.tickets: list[Ticket] = []
        self.desks = {d.slug: d for d in Desk.objects.filter(slug__in=PRESET_NAMES)}
        self.types = {(t.desk.slug, t.code): t for t in TicketType.objects.select_related("desk")}
        self.categories = {
            (c.service.desk.slug, c.slug): c
            for c in Category.objects.select_related("service__desk")
        }
        self.priorities = {
            (p.desk.slug, p.code): p for p in Priority.objects.select_related("desk")
        }

    def new(
        self,
        desk: str,
        type: str,
        category: str,
        who: str,
        title: str,
        text: str,
        *,
        by: str | None = None,
        affected: str | None = None,
        priority: str | None = None,
        **extra: Any,
    ) -> Ticket:
        """`who` files it on the portal, or staff `by` files it for `who` by phone (AG-7)."""
        ticket = actions.ticket_create(
            actor=self.people[by or who],
            desk=self.desks[desk],
            type=self.types[desk, type],
            category=self.categories[desk, category],
            title=title,
            description=text,
            priority=self.priorities[desk, priority] if priority else None,
            reporter=self.people[who] if by else None,
            affected=self.people[affected] if affected else None,
            channel=Channel.PHONE if by else Channel.PORTAL,
            **extra,
        )
        self.tickets.append(ticket)
        return ticket

    def take(self, ticket: Ticket, who: str, **kw: Any) -> Ticket:
        return actions.ticket_take(actor=self.people[who], ticket=ticket, **kw)

    def go(self, ticket: Ticket, who: str | None, code: str, **data: Any) -> Ticket:
        """Fire a transition; `who=None` is the scheduler (e.g. the automatic closing)."""
        actor = self.people[who] if who else None
        return actions.ticket_transition(actor=actor, ticket=ticket, code=code, data=data)

    def say(self, ticket: Ticket, who: str, body: str, *, internal: bool = False) -> None:
        actions.ticket_comment(actor=self.people[who], ticket=ticket, body=body, internal=internal)

    def confirm(self, ticket: Ticket, who: str, accepted: bool, comment: str = "") -> Ticket:
        return actions.ticket_confirm_resolution(
            actor=self.people[who], ticket=ticket, accepted=accepted, comment=comment
        )

    def p(self, username: str) -> User:
        return self.people[username]


def in_days(days: int, hour: int = 14) -> datetime:
    """An appointment `days` from now at `hour`:30, local time."""
    return (timezone.localtime() + timedelta(days=days)).replace(
        hour=hour, minute=30, second=0, microsecond=0
    )


# The stories read like a script, one action per line; the formatter would spread every
# call over several lines and hide the sequence, so it is off for the rest of the file.
# fmt: off


def spt(s: Stories) -> None:
    """Seed 001: SPT requests, no reopening, resolution confirmed by the requester."""
    s.new("spt", "support", "erp", "amandine", "Erreur à la validation des factures fournisseurs",
          "Message « Période comptable fermée » alors que mars est ouvert.", priority="haute")
    t = s.new("spt", "patch", "licences", "amandine", "Installer le correctif 24.1.3",
              "Merci de planifier le correctif sur notre environnement de test.")
    s.take(t, "claire")
    s.go(t, "claire", "qualify")
    s.say(t, "claire", "Correctif planifié jeudi soir sur l'environnement de test.")
    stock = s.new("spt", "support", "erp", "james", "Stock report shows negative quantities",
                  "Since yesterday the stock valuation report shows negative quantities.")
    s.take(stock, "oliver", comment="Looking into it now.")
    s.go(stock, "oliver", "start")
    s.say(stock, "oliver", "Reproduced on the copy of their database.", internal=True)
    log = actions.UploadedFile(name="erreur-cloture.log", content=BytesIO(b"ERR-4711 closing\n"),
                               size=17, content_type="text/plain")
    t = s.new("spt", "support", "erp", "amandine", "Plantage à la clôture mensuelle",
              "Le module comptabilité s'arrête pendant la clôture de février.",
              priority="bloquante", attachments=[log])
    s.take(t, "claire")
    s.go(t, "claire", "qualify")
    s.go(t, "claire", "triage")
    s.say(t, "claire", "Escaladé à l'expert comptabilité, journal joint.", internal=True)
    rnd = s.new("spt", "support", "erp", "james", "Rounding error on VAT in sales invoices",
                "VAT on invoices with 3 lines or more is off by one cent.")
    s.take(rnd, "oliver")
    s.go(rnd, "oliver", "start")
    s.go(rnd, "oliver", "rnd")
    actions.ticket_link(actor=s.p("james"), ticket=rnd, target=stock)
    t = s.new("spt", "support", "erp", "amandine", "Droits d'accès pour une nouvelle comptable",
              "Mme Bonnet arrive lundi et doit saisir les écritures.")
    s.take(t, "claire")
    s.go(t, "claire", "start")
    s.go(t, "claire", "ask_customer",
         comment="Quel profil doit-elle avoir : saisie ou validation ?")
    t = s.new("spt", "support", "erp", "amandine", "L'export Excel du grand livre est très lent",
              "L'export du grand livre prend plus de dix minutes.")
    s.take(t, "oliver")
    s.go(t, "oliver", "start")
    s.go(t, "oliver", "resolve", solution="Export découpé par 10 000 lignes : moins d'une minute.")
    done = s.new("spt", "support", "erp", "amandine", "Question sur le lettrage automatique",
                 "Le lettrage automatique ignore les écarts de centimes.")
    s.take(done, "claire")
    s.go(done, "claire", "start")
    s.go(done, "claire", "resolve", solution="Activer la tolérance d'écart dans les paramètres.")
    s.confirm(done, "amandine", True, "Parfait, merci.")
    s.go(done, "claire", "close")
    s.new("spt", "support", "erp", "amandine", "Suite : lettrage partiel",
          "Même question pour le lettrage partiel (voir la demande fermée).", references=done)
    t = s.new("spt", "licence", "licences", "amandine", "Clé de licence pour le poste de Lille",
              "Demande reçue par téléphone : une clé pour le nouveau poste logistique.",
              by="helene", affected="celine")
    s.take(t, "claire")
    s.go(t, "claire", "start")
    s.go(t, "claire", "resolve", solution="Clé envoyée par e-mail à Mme Fontaine.")
    s.confirm(t, "amandine", False, "La clé ne fonctionne pas sur le poste de Lille.")


def ent(s: Stories) -> None:
    """Seed 002: take, take and comment/close/request info, assign, release, transfer…"""
    s.new("ent", "ticket", "messagerie", "bruno", "Impossible d'envoyer des mails depuis Outlook",
          "Adresse concernée : bruno.perrin@martin.example\nMessage d'erreur : 550 relay denied")
    t = s.new("ent", "ticket", "reseau", "bruno", "Le Wi-Fi coupe en salle de réunion",
              "Coupures toutes les dix minutes environ.")
    s.take(t, "julien", comment="Je passe voir la borne cet après-midi.")
    actions.ticket_invite(actor=s.p("julien"), ticket=t, user=s.p("mathilde"),
                          message="Pour information : la salle de réunion est concernée.")
    t = s.new("ent", "ticket", "poste", "lea", "Écran noir au démarrage",
              "Le poste de l'accueil reste sur un écran noir.")
    s.take(t, "emma", then="request_info", comment="Quel est le numéro d'inventaire du poste ?")
    t = s.new("ent", "ticket", "chauffage", "hugo", "Remplacer le radiateur du bureau 12",
              "Le radiateur ne chauffe plus du tout.")
    s.take(t, "paul")
    s.say(t, "paul", "Pièce commandée chez le fournisseur, réf. R-220.", internal=True)
    s.go(t, "paul", "postpone", reason="En attente de la livraison de la pièce.")
    t = s.new("ent", "ticket", "poste", "bruno", "Ajouter une imprimante réseau",
              "Merci d'ajouter l'imprimante du 2e étage sur mon poste.")
    s.take(t, "julien", then="close", comment="Imprimante ajoutée, page de test imprimée.")
    t = s.new("ent", "ticket", "poste", "lea", "Fuite sous l'évier de la salle de pause",
              "De l'eau coule sous l'évier.")
    actions.ticket_transfer(actor=s.p("emma"), ticket=t,
                            category=s.categories["ent", "plomberie"],
                            reason="Relève des services généraux.", stay_as_guest=True)
    s.take(t, "paul", then="close", comment="Joint remplacé.")
    s.confirm(t, "lea", True)
    t = s.new("ent", "ticket", "poste", "hugo", "Installer un jeu sur mon poste",
              "Je voudrais installer un jeu pour la pause déjeuner.")
    s.go(t, "julien", "refuse", reason="Hors du périmètre du support.")
    t = s.new("ent", "ticket", "messagerie", "bruno", "Mot de passe de messagerie expiré",
              "Je ne peux plus lire mes mails.")
    s.take(t, "emma", then="close", comment="Mot de passe réinitialisé.")
    s.confirm(t, "bruno", False, "Toujours bloqué sur le téléphone.")
    actions.ticket_assign(actor=s.p("nathalie"), ticket=t, assignee=s.p("julien"))
    t = s.new("ent", "ticket", "reseau", "celine", "Accès au dossier partagé Logistique",
              "Je n'ai pas accès au dossier partagé de mon service.")
    s.take(t, "julien")
    actions.ticket_release(actor=s.p("julien"), ticket=t)


def itil_incidents(s: Stories) -> None:
    """Seed 003, incidents: every status, a customer reopening, a conversion to a change."""
    s.new("itil", "incident", "impression", "james", "Cannot print to the 2nd floor printer",
          "Printer: HP-2F\nError message: offline\nSince when: this morning")
    t = s.new("itil", "incident", "bureautique", "lea", "Mon fond d'écran a changé",
              "Le fond d'écran de mon poste a été remplacé.")
    s.go(t, "thomas", "reject", reason="Paramètre personnel, pas un incident.")
    t = s.new("itil", "incident", "serveurs", "olivia", "File server FS02 very slow",
              "Opening any file takes a minute.")
    s.take(t, "grace")
    actions.ticket_update(actor=s.p("isabelle"), ticket=t,
                          changes={"priority": s.priorities["itil", "urgente"]})
    t = s.new("itil", "incident", "telephonie", "hugo", "Le téléphone du poste 214 grésille",
              "Bruit sur la ligne pendant les appels.")
    s.take(t, "thomas")
    s.go(t, "thomas", "postpone", reason="Informations insuffisantes : numéro de série ?")
    t = s.new("itil", "incident", "erp", "james", "Invoices screen shows an error",
              "Screen concerned: Invoices\nError message: object reference not set")
    s.take(t, "grace")
    s.go(t, "grace", "start", comment="Working on it with the ERP team.")
    t = s.new("itil", "incident", "serveurs", "lea", "Disque en erreur sur le serveur",
              "Le serveur de l'accueil signale un disque en erreur.")
    s.take(t, "thomas")
    s.go(t, "thomas", "plan", appointment=in_days(3))
    t = s.new("itil", "incident", "bureautique", "olivia", "Laptop screen flickers",
              "The screen flickers when the laptop is on battery.")
    s.take(t, "grace")
    s.go(t, "grace", "start")
    s.go(t, "grace", "wait", waiting_reason="hardware_arrival")
    t = s.new("itil", "incident", "bureautique", "james", "Outlook crashes on start",
              "Outlook closes right after the splash screen.")
    s.take(t, "grace")
    s.go(t, "grace", "start")
    s.go(t, "grace", "solve", solution="Corrupted add-in removed.")
    actions.ticket_assess(actor=s.p("james"), ticket=t, satisfaction=4, comment="Quick fix.")
    actions.ticket_mute(actor=s.p("james"), ticket=t)
    t = s.new("itil", "incident", "impression", "hugo", "Imprimante de l'accueil hors ligne",
              "Imprimante : accueil\nMessage d'erreur : hors ligne")
    s.take(t, "thomas")
    s.go(t, "thomas", "start")
    s.go(t, "thomas", "solve", solution="Câble réseau rebranché.")
    s.go(t, None, "close")  # what the scheduler does 14 days after Solved (WF-4)
    t = s.new("itil", "incident", "serveurs", "lea", "Accès VPN refusé",
              "Le VPN refuse ma connexion depuis la maison.")
    s.take(t, "thomas")
    s.go(t, "thomas", "start")
    s.go(t, "thomas", "solve", solution="Certificat renouvelé.")
    s.go(t, "lea", "reopen", comment="Toujours refusé depuis la maison.")
    t = s.new("itil", "incident", "erp", "olivia", "Label printer needs a new label format",
              "The new carrier requires a different label layout.")
    s.take(t, "grace")
    s.go(t, "grace", "start")
    actions.ticket_convert(actor=s.p("grace"), ticket=t,
                           reason="Needs a code change: non-standard change.")


def itil_requests(s: Stories) -> None:
    """Seed 003, service requests and changes, with the customer's approval (WF-7)."""
    s.new("itil", "service_request", "bureautique", "lea", "Compte pour une nouvelle infirmière",
          "Mme Caron commence le 1er du mois.")
    t = s.new("itil", "service_request", "bureautique", "olivia", "Install games on warehouse PCs",
              "For the break room.")
    s.go(t, "grace", "reject", reason="Not allowed by the security policy.")
    t = s.new("itil", "change", "erp", "hugo", "Service prescripteur sur les bons de commande",
              "La pharmacie a besoin du service prescripteur sur chaque bon de commande.",
              by="thomas")
    s.take(t, "thomas")
    s.go(t, "thomas", "request_approval")
    s.go(t, "hugo", "decline", comment="Trop coûteux ce trimestre ; à revoir en juin.")
    t = s.new("itil", "service_request", "serveurs", "hugo", "Nouveau poste pour la pharmacie",
              "Un poste supplémentaire pour la préparation des commandes.")
    s.take(t, "thomas")
    s.go(t, "thomas", "postpone", reason="Budget 2026 pas encore validé.")
    t = s.new("itil", "change", "erp", "lea", "Nouveau modèle de facture patients",
              "Ajouter le numéro de chambre sur la facture.", by="thomas")
    s.take(t, "thomas")
    s.go(t, "thomas", "request_approval")
    s.go(t, "lea", "approve")
    t = s.new("itil", "service_request", "bureautique", "james", "Install a second screen",
              "A second screen for the finance desk.")
    s.take(t, "grace")
    s.go(t, "grace", "plan", appointment=in_days(2, hour=10))
    t = s.new("itil", "service_request", "serveurs", "olivia", "New handheld scanner",
              "One more scanner for the night shift.")
    s.take(t, "grace")
    s.go(t, "grace", "start")
    s.go(t, "grace", "wait", waiting_reason="customer_financial_approval")
    t = s.new("itil", "change", "erp", "james", "Interface between the ERP and the bank",
              "Send payment files to the bank directly from the ERP.", by="grace")
    s.take(t, "grace")
    s.go(t, "grace", "request_approval")
    t = s.new("itil", "service_request", "erp", "lea", "Réinitialiser mon mot de passe ERP",
              "Compte bloqué après trois essais.")
    s.take(t, "thomas")
    s.go(t, "thomas", "start")
    s.go(t, "thomas", "solve", solution="Mot de passe réinitialisé, envoyé par SMS.")
    t = s.new("itil", "service_request", "bureautique", "james", "Shared mailbox for Finance",
              "A shared finance@ mailbox for the team.")
    s.take(t, "grace")
    s.go(t, "grace", "start")
    s.go(t, "grace", "solve", solution="Mailbox finance@northwind.example created.")
    actions.ticket_assess(actor=s.p("james"), ticket=t, satisfaction=5)
    s.go(t, None, "close")


def n123_support(s: Stories) -> None:
    """Seed 004, assistance (N1) and application incidents (N2), escalation N1 → N2 → N3."""
    s.new("n123", "assistance", "assistance", "celine", "Création de l'utilisateur Fabrice",
          "Fabrice arrive lundi au service logistique.")
    t = s.new("n123", "incident", "applicatif", "olivia", "Sales order import fails (error 500)",
              "The nightly import of web orders stops with error 500.")
    s.take(t, "chloe")
    t = s.new("n123", "assistance", "assistance", "celine",
              "Paramétrer l'imprimante des bons de livraison", "Nouvelle imprimante au quai 3.")
    s.take(t, "lucas")
    s.go(t, "lucas", "start")
    t = s.new("n123", "assistance", "assistance", "olivia", "How do I export the stock report?",
              "I need the monthly stock report in Excel.")
    s.take(t, "lucas")
    s.go(t, "lucas", "hold", comment="Checking with a colleague, back in a moment.")
    t = s.new("n123", "assistance", "assistance", "celine", "Mot de passe oublié",
              "Je n'arrive plus à me connecter.")
    s.take(t, "lucas")
    s.go(t, "lucas", "start")
    s.go(t, "lucas", "answer", solution="Mot de passe réinitialisé.")
    t = s.new("n123", "assistance", "assistance", "olivia", "Add a user to the Finance group",
              "Please add Tom to the Finance group.")
    s.take(t, "lucas")
    s.go(t, "lucas", "start")
    s.go(t, "lucas", "answer", solution="Tom added to Finance.")
    s.confirm(t, "olivia", True)
    s.go(t, "lucas", "close")
    t = s.new("n123", "assistance", "assistance", "celine", "Écart de stock après inventaire",
              "Le stock théorique ne correspond pas à l'inventaire.")
    s.take(t, "lucas")
    s.go(t, "lucas", "start")
    actions.ticket_escalate(actor=s.p("lucas"), ticket=t, reason="Analyse applicative nécessaire.")
    s.take(t, "chloe")
    s.say(t, "chloe", "Le calcul du PMP est en cause ; il faut l'expertise N3.", internal=True)
    actions.ticket_escalate(actor=s.p("chloe"), ticket=t, reason="Correction du calcul du PMP.")
    s.take(t, "henry", comment="Taking over at level 3.")
    t = s.new("n123", "incident", "applicatif", "olivia", "Nightly batch stops at step 3",
              "The batch stops at step 3 every night since Monday.")
    s.take(t, "chloe")
    s.go(t, "chloe", "start")
    s.go(t, "chloe", "answer", solution="Lock file removed.")
    s.confirm(t, "olivia", False, "It stopped again last night.")


def n123_changes(s: Stories) -> None:
    """Seed 004, application changes billed on the accepted quote (WF-6)."""
    s.new("n123", "evolution", "applicatif", "celine", "Numéro de lot sur les étiquettes",
          "Ajouter le numéro de lot sur les étiquettes colis.")
    t = s.new("n123", "evolution", "applicatif", "olivia", "New dashboard for returns",
              "A dashboard of customer returns per week.")
    s.take(t, "chloe")
    t = s.new("n123", "evolution", "applicatif", "celine", "Export comptable au format FEC",
              "Nous devons fournir le FEC à notre expert-comptable.")
    s.take(t, "chloe")
    s.go(t, "chloe", "start")
    s.go(t, "chloe", "submit_quote", quote_amount="1200")
    s.go(t, "celine", "refuse_quote", comment="Trop cher ; pouvez-vous réduire le périmètre ?")
    t = s.new("n123", "evolution", "applicatif", "olivia", "Customer reference on invoices",
              "Show the customer's own reference on invoices.")
    s.take(t, "chloe")
    s.go(t, "chloe", "hold")
    t = s.new("n123", "evolution", "applicatif", "celine", "Bons de livraison par e-mail",
              "Envoyer le bon de livraison au client au départ du colis.")
    s.take(t, "chloe")
    s.go(t, "chloe", "start")
    s.go(t, "chloe", "submit_quote", quote_amount="2400")
    for who, title, amount, steps in (
        ("celine", "Champ « transporteur » sur les commandes", "800", 0),
        ("olivia", "Rename the 'Misc' product family", "300", 1),
        ("celine", "Logo de la nouvelle charte sur les devis", "450", 2),
    ):
        t = s.new("n123", "evolution", "applicatif", who, title, title + ".")
        s.take(t, "chloe")
        s.go(t, "chloe", "start")
        s.go(t, "chloe", "submit_quote", quote_amount=amount)
        s.go(t, who, "accept_quote")
        if steps >= 1:
            s.go(t, "chloe", "answer", solution="Livré en production." if who == "celine"
                 else "Released to production.")
        if steps >= 2:
            s.confirm(t, who, True)
            s.go(t, "chloe", "close")
# fmt: on

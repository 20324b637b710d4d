"""French and English text of workload W (`comptoir bench seed`): names, titles,
descriptions and comments drawn from template pools with substitutions.

Each pool is built once per seeding from `random.Random(seed)`, then rows pick from it:
building a sentence per row would cost more than writing it. The pools are large enough
(thousands of distinct titles per language) for a search index to have real work, and two
words are placed on purpose: `RARE` in about one title in 500 and `COMMON[lang]` in about
one in 10, so a search benchmark knows what each should find. No template uses either word.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

RARE = "quetzalcoatl"
RARE_EVERY = 500
COMMON = {"fr": "imprimante", "en": "printer"}
COMMON_EVERY = 10
LANGUAGES = ("fr", "en")


def words(text: str) -> list[str]:
    return text.split()


FIRST = {
    "fr": words(
        "Jeanne Louis Camille Hugo Léa Paul Manon Lucas Chloé Nathan Inès Théo Sarah Jules "
        "Émilie Antoine Julie Mathis Clara Arthur Océane Maxime Pauline Romain Laura Nicolas "
        "Margaux Quentin Élodie Thomas Anaïs Bastien Claire Vincent Aurélie Olivier Sophie"
    ),
    "en": words(
        "James Olivia Harry Emily George Grace Oliver Chloe Jack Lily Charlie Amelia Thomas "
        "Sophie William Jessica Henry Ruby Daniel Ella Samuel Hannah Joseph Lucy Edward Megan "
        "Alexander Holly Benjamin Rachel Matthew Laura Michael Alice Peter Rebecca"
    ),
}
LAST = {
    "fr": words(
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
        "Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier "
        "Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin"
    ),
    "en": words(
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Walker "
        "Wright Robinson Thompson White Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson "
        "Clarke Clark Turner Hill Scott Cooper Morris Ward Moore King Watson Baker Harrison"
    ),
}
COMPANY = {
    "fr": (
        "Boulangeries {last}",
        "Transports {last}",
        "Clinique {last}",
        "Cabinet {last} & Associés",
        "Mutuelle {last}",
        "Imprimerie {last}",
        "Laboratoires {last}",
        "Fromageries {last}",
    ),
    "en": (
        "{last} Traders",
        "{last} Logistics",
        "{last} & Sons",
        "{last} Health",
        "{last} Engineering",
        "{last} Foods",
        "{last} Insurance",
        "{last} Publishing",
    ),
}
FORM = {"fr": ("SA", "SAS", "SARL"), "en": ("Ltd", "plc", "LLP")}
CITY = {
    "fr": words(
        "Lyon Lille Nantes Rennes Bordeaux Toulouse Dijon Grenoble Reims Metz Nancy Angers "
        "Tours Brest Rouen Caen Nice Annecy Besançon Limoges"
    ),
    "en": words(
        "London Leeds Bristol York Oxford Cambridge Bath Durham Norwich Exeter Derby Leicester "
        "Glasgow Cardiff Brighton Reading Chester Belfast Dundee Hull"
    ),
}

THING = {
    "fr": (
        "le poste de travail",
        "l'ordinateur portable",
        "l'écran secondaire",
        "le scanner",
        "le téléphone IP",
        "la borne Wi-Fi",
        "le lecteur de badges",
        "le serveur de fichiers",
        "la tablette de caisse",
        "le VPN",
    ),
    "en": (
        "the workstation",
        "the laptop",
        "the second screen",
        "the scanner",
        "the IP phone",
        "the Wi-Fi access point",
        "the badge reader",
        "the file server",
        "the till tablet",
        "the VPN",
    ),
}
APP = ("ProConcept ERP", "Outlook", "Teams", "SAP", "Sage Paie", "Chorus", "Salesforce",
       "SharePoint", "Citrix", "Zoom")  # fmt: skip
TITLE = {
    "fr": (
        "{thing} ne démarre plus",
        "Impossible de se connecter à {app}",
        "{app} très lent depuis ce matin",
        "Message d'erreur {code} dans {app}",
        "Demande d'accès à {app} pour {first} {last}",
        "Création du compte de {first} {last}",
        "Remplacement de {thing} au bureau {room}",
        "{thing} déconnecté par intermittence",
        "Mot de passe expiré pour {app}",
        "Installation de {app} sur {thing}",
        "Export {app} incomplet pour le mois dernier",
        "Droits insuffisants sur le dossier partagé {room}",
        "Changement de poste pour {first} {last}",
        "Licence {app} à renouveler",
        "Panne de {thing} à {city}",
    ),
    "en": (
        "{thing} no longer starts",
        "Cannot log in to {app}",
        "{app} very slow since this morning",
        "Error message {code} in {app}",
        "Access request to {app} for {first} {last}",
        "New account for {first} {last}",
        "Replace {thing} in office {room}",
        "{thing} keeps disconnecting",
        "Password expired for {app}",
        "Install {app} on {thing}",
        "{app} export incomplete for last month",
        "Missing rights on shared folder {room}",
        "Desk move for {first} {last}",
        "{app} licence to renew",
        "{thing} down in {city}",
    ),
}
COMMON_TITLE = {
    "fr": (
        "L'imprimante du bureau {room} bourre à chaque page",
        "Installer l'imprimante réseau pour {first} {last}",
        "Imprimante hors ligne à {city}",
        "Toner de l'imprimante {room} à remplacer",
    ),
    "en": (
        "The printer in office {room} jams on every page",
        "Install the network printer for {first} {last}",
        "Printer offline in {city}",
        "Toner of printer {room} to replace",
    ),
}
RARE_TITLE = {
    "fr": ("Projet Quetzalcoatl : {app} refuse la synchronisation",),
    "en": ("Quetzalcoatl project: {app} refuses to sync",),
}
SENTENCE = {
    "fr": (
        "Depuis {day}, {thing} affiche un message d'erreur au démarrage.",
        "Le problème touche {n} personnes du service {dept}.",
        "Nous avons déjà redémarré, sans effet.",
        "C'est bloquant pour la clôture de fin de mois.",
        "Le code d'erreur affiché est {code}.",
        "Merci de rappeler {first} au poste {room}.",
        "Cela fonctionnait encore correctement {day}.",
        "Pouvez-vous intervenir avant vendredi ?",
        "Une capture d'écran suit par courriel si besoin.",
        "Le souci apparaît seulement sur le site de {city}.",
    ),
    "en": (
        "Since {day}, {thing} shows an error message on start-up.",
        "It affects {n} people in the {dept} team.",
        "We already restarted it, with no effect.",
        "This blocks the month-end closing.",
        "The error code shown is {code}.",
        "Please call {first} back on extension {room}.",
        "It still worked fine {day}.",
        "Could you step in before Friday?",
        "A screenshot can follow by e-mail if needed.",
        "The issue only happens at the {city} site.",
    ),
}
DAY = {
    "fr": ("lundi", "hier", "ce matin", "la semaine dernière", "la mise à jour de mardi"),
    "en": ("Monday", "yesterday", "this morning", "last week", "Tuesday's update"),
}
DEPT = {
    "fr": ("comptabilité", "logistique", "accueil", "paie", "production", "direction"),
    "en": ("accounts", "logistics", "front office", "payroll", "production", "management"),
}
CUSTOMER_SAYS = {
    "fr": (
        "Bonjour, le problème est toujours présent ce matin.",
        "Merci pour votre retour rapide, je teste et je reviens vers vous.",
        "Je confirme, cela fonctionne de nouveau chez nous.",
        "Le souci est revenu après le redémarrage de {thing}.",
        "Pouvez-vous me donner un délai ? {first} attend pour avancer.",
        "Voici le code affiché : {code}. Merci d'avance.",
    ),
    "en": (
        "Hello, the problem is still there this morning.",
        "Thanks for the quick answer, I will test and come back to you.",
        "I confirm it works again on our side.",
        "The issue came back after restarting {thing}.",
        "Could you give me an estimate? {first} is waiting to move on.",
        "Here is the code shown: {code}. Thanks in advance.",
    ),
}
AGENT_SAYS = {
    "fr": (
        "Bonjour, nous prenons en charge votre demande.",
        "Pouvez-vous redémarrer {thing} et nous dire si le message persiste ?",
        "La correction est appliquée ; merci de vérifier de votre côté.",
        "Nous avons relancé le service {app} ; le problème devrait avoir disparu.",
        "Intervention planifiée jeudi matin au bureau {room}.",
        "Pouvez-vous nous indiquer le numéro de série de {thing} ?",
    ),
    "en": (
        "Hello, we are taking care of your request.",
        "Could you restart {thing} and tell us whether the message remains?",
        "The fix is applied; please check on your side.",
        "We restarted the {app} service; the problem should be gone.",
        "Visit planned on Thursday morning in office {room}.",
        "Could you send us the serial number of {thing}?",
    ),
}
INTERNAL_SAYS = {
    "fr": (
        "Vu avec l'équipe réseau : même symptôme que le mois dernier.",
        "Escalade possible vers le N2 si le redémarrage ne suffit pas.",
        "Licence {app} : vérifier le contrat avant de commander.",
        "Client déjà relancé deux fois, rester prudent.",
    ),
    "en": (
        "Checked with the network team: same symptom as last month.",
        "May go to level 2 if the restart is not enough.",
        "{app} licence: check the contract before ordering.",
        "Customer chased twice already, tread carefully.",
    ),
}
NOTE = {
    "fr": ("Diagnostic", "Intervention sur site", "Correction et tests", "Appel client"),
    "en": ("Diagnosis", "On-site visit", "Fix and tests", "Customer call"),
}


@dataclass
class TextPools:  # a reproducible workload: random.Random(seed), never secrets
    """Precomputed texts per language; `pick` returns one at random."""

    rng: random.Random
    titles: dict[str, list[str]] = field(default_factory=dict)
    common_titles: dict[str, list[str]] = field(default_factory=dict)
    rare_titles: dict[str, list[str]] = field(default_factory=dict)
    descriptions: dict[str, list[str]] = field(default_factory=dict)
    customer: dict[str, list[str]] = field(default_factory=dict)
    agent: dict[str, list[str]] = field(default_factory=dict)
    internal: dict[str, list[str]] = field(default_factory=dict)

    def fill(self, lang: str, template: str) -> str:
        r = self.rng
        return template.format(
            thing=r.choice(THING[lang]),
            app=r.choice(APP),
            code=f"0x{r.randrange(16**4):04X}",
            first=r.choice(FIRST[lang]),
            last=r.choice(LAST[lang]),
            room=f"{r.randrange(1, 6)}{r.randrange(10, 60)}",
            city=r.choice(CITY[lang]),
            day=r.choice(DAY[lang]),
            dept=r.choice(DEPT[lang]),
            n=r.randrange(2, 40),
        )

    def build(self, *, titles: int = 4000, texts: int = 3000) -> TextPools:
        for lang in LANGUAGES:
            self.titles[lang] = self._many(lang, TITLE[lang], titles)
            self.common_titles[lang] = self._many(lang, COMMON_TITLE[lang], titles // 10)
            self.rare_titles[lang] = self._many(lang, RARE_TITLE[lang], 50)
            self.descriptions[lang] = [self._paragraph(lang) for _ in range(texts)]
            self.customer[lang] = self._many(lang, CUSTOMER_SAYS[lang], texts)
            self.agent[lang] = self._many(lang, AGENT_SAYS[lang], texts)
            self.internal[lang] = self._many(lang, INTERNAL_SAYS[lang], texts // 3)
        return self

    def _many(self, lang: str, templates: tuple[str, ...], n: int) -> list[str]:
        out = []
        for _ in range(n):
            text = self.fill(lang, self.rng.choice(templates))
            out.append(text[0].upper() + text[1:])
        return out

    def _paragraph(self, lang: str) -> str:
        count = self.rng.randrange(2, 6)
        return " ".join(self.fill(lang, s) for s in self.rng.sample(SENTENCE[lang], count))

    def title(self, lang: str, draw: float) -> str:
        """A title; `draw` (uniform in [0, 1)) decides whether it carries a search word."""
        if draw < 1 / RARE_EVERY:
            pool = self.rare_titles[lang]
        elif draw < 1 / COMMON_EVERY:
            pool = self.common_titles[lang]
        else:
            pool = self.titles[lang]
        return pool[int(self.rng.random() * len(pool))]


def person_name(rng: random.Random, lang: str) -> tuple[str, str]:
    return rng.choice(FIRST[lang]), rng.choice(LAST[lang])


def company_name(rng: random.Random, lang: str) -> str:
    base = rng.choice(COMPANY[lang]).format(last=rng.choice(LAST[lang]))
    return f"{base} {rng.choice(FORM[lang])}"

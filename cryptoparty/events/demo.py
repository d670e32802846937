"""Demo data shaped like the INSA Rennes library's evening of March 2016.

One talk for 160 people, a free meal, nine workshops over two sessions
(20:45 and 22:00), an install party two days later and a Café vie privée.
Dates are relative to the day it is loaded, so the events are always upcoming,
except the previous edition: a smaller CryptoParty a year earlier (a talk for 70,
four workshops), archived, whose figures and feedback ``figures.demo`` adds.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from cryptoparty.accounts import services as organizers
from cryptoparty.accounts.models import Organization, Organizer
from cryptoparty.core.extensions import db
from cryptoparty.core.i18n import to_utc
from cryptoparty.events import services as event_service
from cryptoparty.events.models import Event

DEMO_ORG = "biblinsa"
DEMO_LOGIN = "demo"
DEMO_PASSWORD = "demo-cryptoparty"
# A colleague at the door: the check-in page and the door list of the day, nothing else.
DEMO_DOOR_LOGIN = "accueil"
DEMO_DOOR_PASSWORD = "accueil-cryptoparty"
TZ = "Europe/Paris"

# (session label, start, end, [(slug, format, title, summary, topics, level, room,
#  capacity, needs_facilitator, recipe)])
CRYPTOPARTY_PROGRAM = [
    ("Conférence", "19:00", "20:00", [
        ("conference", "talk", "Pourquoi protéger sa vie privée en ligne ?",
         "Ce que nos traces numériques racontent de nous, qui les collecte et ce que "
         "chacun peut faire dès ce soir. Une conférence pour tous, sans prérequis.",
         "vie privée,surveillance", "beginner", "Amphithéâtre", 160, False, "intro-talk"),
    ]),
    ("Repas", "20:00", "20:45", [
        ("repas", "meal", "Repas offert",
         "Un repas simple offert par la bibliothèque. Dites-nous si vous restez, "
         "pour que nous prévoyions assez.", "", "beginner", "Hall", 160, False, None),
    ]),
    ("Ateliers — 1re session", "20:45", "21:50", [
        ("tor-browser", "workshop", "Naviguer avec Tor Browser",
         "Installer Tor Browser, comprendre ce qu'il protège et ce qu'il ne protège pas, "
         "et visiter un service onion.", "tor,navigation", "beginner", "Salle 1", 20, False,
         "tor-browser"),
        ("thunderbird", "workshop", "Chiffrer ses courriels avec Thunderbird",
         "Créer sa paire de clés OpenPGP dans Thunderbird, échanger sa clé publique et "
         "envoyer un premier courriel chiffré et signé.", "openpgp,courriel", "intermediate",
         "Salle 2", 12, True, "email-openpgp-thunderbird"),
        ("signal", "workshop", "Signal : des messages vraiment privés",
         "Installer Signal, vérifier les numéros de sécurité, régler les messages "
         "éphémères et le verrouillage.", "signal,smartphone", "beginner", "Salle 3", 20,
         False, "signal"),
        ("keepassxc", "workshop", "Un gestionnaire de mots de passe : KeePassXC",
         "Un mot de passe différent pour chaque site sans rien retenir : créer sa base "
         "KeePassXC et une phrase de passe solide.", "mots de passe", "beginner", "Salle 4",
         16, True, "password-manager-keepassxc"),
        ("tails", "install", "Tails sur une clé USB",
         "Repartir avec une clé USB Tails : le système qui n'oublie rien de vous effacer. "
         "Apportez une clé de 8 Go au moins.", "tails,tor,usb", "intermediate", "Salle 5", 8,
         True, "tails"),
    ]),
    ("Ateliers — 2e session", "22:00", "23:00", [
        ("orbot", "workshop", "Orbot : Tor sur Android",
         "Faire passer les applications de son téléphone Android par Tor avec Orbot.",
         "tor,android,smartphone", "intermediate", "Salle 1", 12, True,
         "orbot-smartphone-permissions"),
        ("moteurs-de-recherche", "workshop", "Des moteurs de recherche qui ne pistent pas",
         "Comparer les moteurs de recherche, changer celui de son navigateur et comprendre "
         "la bulle de filtres.", "recherche,navigation", "beginner", "Salle 2", 20, False,
         "search-engines-browser-self-defence"),
        ("autodefense-navigateur", "workshop", "L'autodéfense du navigateur",
         "Bloqueurs de pistage, cookies tiers, empreinte du navigateur : reprendre la main "
         "sur Firefox.", "navigation,pistage", "beginner", "Salle 3", 16, False,
         "search-engines-browser-self-defence"),
        ("permissions-smartphone", "workshop", "Les permissions de son smartphone",
         "Qui a accès à votre position, vos contacts, votre micro ? Faire le tri, "
         "application par application.", "smartphone,android,ios", "beginner", "Salle 4", 16,
         True, "orbot-smartphone-permissions"),
    ]),
]

INSTALL_PARTY_PROGRAM = [
    ("Après-midi d'installation", "14:00", "18:00", [
        ("installation", "install", "Installer un système libre",
         "Venez avec votre ordinateur (et vos données sauvegardées) : des bénévoles vous "
         "aident à installer Debian ou Linux Mint, à côté de votre système ou à sa place.",
         "linux,installation", "beginner", "Salle informatique", 15, True,
         "install-party-free-os"),
        ("depannage", "workshop", "Premiers pas et dépannage",
         "Après l'installation : mises à jour, logiciels, imprimante, et réponses à vos "
         "questions.", "linux", "beginner", "Salle informatique", 15, False, None),
    ]),
]

CAFE_PROGRAM = [
    ("Café vie privée", "18:30", "20:30", [
        ("rien-a-cacher", "discussion", "« Je n'ai rien à cacher »",
         "Une discussion ouverte autour d'un café, avec une animatrice et des post-it : "
         "qu'avons-nous à protéger, et de qui ? Aucun prérequis technique.",
         "vie privée,discussion", "beginner", "Salle de lecture", 25, True, "nothing-to-hide"),
        ("modele-de-menace", "workshop", "Qui dois-je protéger de qui ?",
         "Construire son modèle de menace en quatre questions, pour choisir les bons outils "
         "plutôt que tous les outils.", "modèle de menace", "beginner", "Salle de lecture", 25,
         False, "threat-modelling"),
    ]),
]

PAST_PROGRAM = [
    ("Conférence", "19:00", "20:00", [
        ("conference", "talk", "Vie privée : ce que nos téléphones disent de nous",
         "La conférence de la première édition.", "vie privée", "beginner", "Amphithéâtre",
         70, False, "intro-talk"),
    ]),
    ("Ateliers", "20:15", "21:30", [
        ("tor-browser", "workshop", "Naviguer avec Tor Browser", "", "tor,navigation",
         "beginner", "Salle 1", 15, True, "tor-browser"),
        ("signal", "workshop", "Signal, pas à pas", "", "signal,smartphone", "beginner",
         "Salle 2", 15, True, "signal"),
        ("keepassxc", "workshop", "Des mots de passe solides avec KeePassXC", "",
         "mots de passe", "beginner", "Salle 3", 12, True, "password-manager-keepassxc"),
        ("tails", "install", "Tails sur une clé USB", "", "tails,tor,usb", "intermediate",
         "Salle 4", 8, True, "tails"),
    ]),
]

#: The previous edition, a year before the CryptoParty: archived once loaded.
PAST_EDITION = "cryptoparty-edition-precedente"

EVENTS = [
    dict(slug=PAST_EDITION, kind="cryptoparty", days=14 - 364, start="19:00", end="21:30",
         title="CryptoParty à la bibliothèque de l'INSA (édition précédente)",
         description=(
             "La première CryptoParty de la bibliothèque : une conférence, puis quatre "
             "ateliers animés par des bénévoles du hackerspace."),
         venue="Bibliothèque de l'INSA Rennes", program=PAST_PROGRAM, status="archived"),
    dict(slug="cryptoparty", kind="cryptoparty", days=14, start="19:00", end="23:00",
         title="CryptoParty à la bibliothèque de l'INSA",
         description=(
             "Une soirée pour apprendre à protéger sa vie privée en ligne. Une conférence "
             "pour commencer, un repas offert, puis des ateliers en petits groupes animés "
             "par des bénévoles : Tor, le chiffrement des courriels, Signal, les mots de "
             "passe, Tails, votre smartphone.\n\nL'inscription est anonyme : on ne vous "
             "demande ni nom, ni adresse électronique. Gardez simplement votre code."),
         venue="Bibliothèque de l'INSA Rennes", program=CRYPTOPARTY_PROGRAM),
    dict(slug="install-party", kind="install_party", days=16, start="14:00", end="18:00",
         title="Install party : passez au logiciel libre",
         description=(
             "Deux jours après la CryptoParty, un après-midi pour installer un système libre "
             "sur votre ordinateur, accompagné par des bénévoles. Sauvegardez vos données "
             "avant de venir."),
         venue="Bibliothèque de l'INSA Rennes", program=INSTALL_PARTY_PROGRAM),
    dict(slug="cafe-vie-privee", kind="cafe_vie_privee", days=30, start="18:30", end="20:30",
         title="Café vie privée",
         description=(
             "Un moment convivial pour parler de vie privée, de surveillance et de nos "
             "usages numériques, sans jargon. Thé et café offerts."),
         venue="Bibliothèque de l'INSA Rennes — salle de lecture", program=CAFE_PROGRAM),
]


def _at(day: date, hhmm: str) -> datetime:
    return to_utc(datetime.combine(day, time.fromisoformat(hhmm)), TZ)


def load_demo(today: date, now: datetime) -> dict:
    """Create the demo organization, organizer and events if missing; returns what was made.

    Idempotent: an event that already exists is left as it is.
    """
    created = {"organization": False, "organizer": False, "events": []}
    org = db.session.scalar(select(Organization).filter_by(slug=DEMO_ORG))
    if org is None:
        org = organizers.create_organization(
            DEMO_ORG, "Bibliothèque de l'INSA Rennes", city="Rennes",
            address="20 avenue des Buttes de Coësmes, 35700 Rennes",
            website="https://www.insa-rennes.fr/bibliotheque.html", default_locale="fr",
            timezone=TZ)
        created["organization"] = True
    if db.session.scalar(select(Organizer).filter_by(login=DEMO_LOGIN)) is None:
        organizers.create_organizer(DEMO_LOGIN, DEMO_PASSWORD,
                                    display_name="Bibliothécaire (démo)", organizations=[org])
        created["organizer"] = True
    if db.session.scalar(select(Organizer).filter_by(login=DEMO_DOOR_LOGIN)) is None:
        door = organizers.create_organizer(DEMO_DOOR_LOGIN, DEMO_DOOR_PASSWORD,
                                           display_name="Accueil (démo)")
        organizers.add_member(org, door, role="door")

    for spec in EVENTS:
        if db.session.scalar(select(Event.id).filter_by(slug=spec["slug"])):
            continue
        day = today + timedelta(days=spec["days"])
        event = event_service.create_event(
            org, now=now, slug=spec["slug"], kind=spec["kind"], title=spec["title"],
            description=spec["description"], venue=spec["venue"], address=org.address,
            timezone=TZ, starts_at=_at(day, spec["start"]), ends_at=_at(day, spec["end"]),
            registration_opens_at=min(now, _at(day, spec["start"])) - timedelta(days=1),
            registration_closes_at=_at(day, spec["start"]), max_party=4,
            accessibility=["step_free", "accessible_toilets", "induction_loop"],
            accessibility_notes="Entrée principale de la bibliothèque, ascenseur jusqu'au "
                                "1er étage.")
        for label, start, end, workshops in spec["program"]:
            session = event_service.add_session(event, label=label, starts_at=_at(day, start),
                                                ends_at=_at(day, end), now=now)
            for (slug, fmt, title, summary, topics, level, room, capacity, needs,
                 recipe) in workshops:
                event_service.add_workshop(
                    session, now=now, slug=slug, format=fmt, title=title, summary=summary,
                    topics=topics, level=level, room=room, capacity=capacity,
                    needs_facilitator=needs, recipe_key=recipe)
        event_service.change_status(event, "publish", now=now)
        if spec.get("status") == "archived":
            event_service.change_status(event, "archive", now=now)
        created["events"].append(spec["slug"])
    return created

"""The data inventory: every stored field, why it is there, on what legal basis, for how long.

One declaration, rendered three ways: the public ``/privacy`` page (French or
English), the record of processing activities (« registre des activités de
traitement », art. 30 GDPR) that an organization's data protection officer
files, printable from the back office, and a test that fails when a column of
the database is missing here or when this file names a column that does not
exist (``tests/privacy/test_inventory.py``).

Each table belongs to one *processing activity* (its purpose, legal basis
under art. 6(1) GDPR, data subjects, recipients and default retention); each
column has its own description and, where it differs, its own retention.
Texts are given in both languages here rather than through the message
catalogue: the record is a legal document whose wording is reviewed as a whole.
"""

from dataclasses import dataclass

LANGUAGES = ("en", "fr")


def T(en: str, fr: str) -> dict:
    """A text in both languages."""
    return {"en": en, "fr": fr}


@dataclass(frozen=True)
class Activity:
    """A processing activity of the record (one line of the CNIL template)."""

    key: str
    name: dict
    purpose: dict
    legal_basis: dict
    subjects: dict
    recipients: dict
    retention: dict
    personal: bool = True


@dataclass(frozen=True)
class Field:
    """One stored column, with everything the record says about it."""

    table: str
    column: str
    description: dict
    activity: Activity
    retention: dict

    @property
    def name(self) -> str:
        """``table.column``."""
        return f"{self.table}.{self.column}"


RETENTION_IDEMPOTENCY = T(
    "Deleted 8 hours after the form was sent (24 hours for the API).",
    "Supprimé 8 heures après l'envoi du formulaire (24 heures pour l'API).")
RETENTION_TICKETS = T(
    "Deleted by the daily purge once the event's retention period is over "
    "(7 days after its end by default, set per event).",
    "Supprimé par la purge quotidienne à la fin de la durée de conservation de "
    "l'événement (7 jours après sa fin par défaut, réglable par événement).")
RETENTION_CHECK_IN_TIME = T(
    "Cleared by the daily purge once the event is over (a check-in recorded after the end "
    "keeps no time); the ticket itself goes with the event's retention period.",
    "Effacée par la purge quotidienne une fois l'événement terminé (un accueil enregistré "
    "après la fin ne garde pas d'heure) ; le billet suit la durée de conservation de "
    "l'événement.")
RETENTION_EVENT = T(
    "Kept as long as the organization keeps the event (its archive).",
    "Conservé tant que l'organisation garde l'événement (ses archives).")
RETENTION_ACCOUNT = T(
    "As long as the account exists; deleted with it.",
    "Tant que le compte existe ; supprimé avec lui.")

ACTIVITIES = {
    "registration": Activity(
        key="registration",
        name=T("Anonymous registration for an event", "Inscription anonyme à un événement"),
        purpose=T("Hold seats in workshops, manage the waiting list, check people in at "
                  "the door.",
                  "Réserver des places dans les ateliers, gérer la liste d'attente, "
                  "accueillir les personnes à l'entrée."),
        legal_basis=T("Art. 6(1)(e) GDPR, task carried out in the public interest (a public "
                      "library), or art. 6(1)(f), legitimate interest (an association) in "
                      "organizing the evening. No name, contact, address or user agent is "
                      "collected: a ticket is only tied to whoever holds its code.",
                      "Art. 6(1)(e) du RGPD, mission d'intérêt public (bibliothèque publique), "
                      "ou art. 6(1)(f), intérêt légitime (association) à organiser la soirée. "
                      "Aucun nom, contact, adresse IP ni agent utilisateur n'est collecté : "
                      "un billet n'est lié qu'à qui détient son code."),
        subjects=T("Attendees (the public).", "Participants (le public)."),
        recipients=T("The organizers of the event's organization.",
                     "Les organisateurs de l'organisation de l'événement."),
        retention=RETENTION_TICKETS),
    "volunteers": Activity(
        key="volunteers",
        name=T("Call for facilitators", "Appel à animateurs et animatrices"),
        purpose=T("Let volunteers claim or propose a workshop under a pseudonym, and let the "
                  "organizers reach them if they chose to leave a contact.",
                  "Permettre aux bénévoles de prendre ou proposer un atelier sous pseudonyme, "
                  "et aux organisateurs de les joindre s'ils ont laissé un contact."),
        legal_basis=T("Art. 6(1)(b) GDPR, steps taken at the volunteer's request; art. 6(1)(a), "
                      "consent, for the optional contact (encrypted to the organization's "
                      "contacts key, whose secret part is not on the server).",
                      "Art. 6(1)(b) du RGPD, mesures prises à la demande du ou de la bénévole ; "
                      "art. 6(1)(a), consentement, pour le contact facultatif (chiffré pour la "
                      "clé des contacts de l'organisation, dont la partie secrète n'est pas sur "
                      "le serveur)."),
        subjects=T("Volunteers (facilitators).", "Bénévoles (animateurs et animatrices)."),
        recipients=T("The organizers of the event's organization; the pseudonym is public in "
                     "the program. The contact can be read only by the organizers who hold the "
                     "secret part of the organization's contacts key, on their own computers: "
                     "not by the server, its administrators or anyone who copies its disk "
                     "(contacts left before the contacts key existed were encrypted to the "
                     "signing key, which the server also holds, until they are purged).",
                     "Les organisateurs de l'organisation ; le pseudonyme est public dans le "
                     "programme. Le contact ne peut être lu que par les organisateurs qui "
                     "détiennent la partie secrète de la clé des contacts de l'organisation, sur "
                     "leurs propres ordinateurs : ni par le serveur, ni par ses administrateurs, "
                     "ni par qui copierait son disque (les contacts laissés avant la clé des "
                     "contacts étaient chiffrés pour la clé de signature, que le serveur détient "
                     "aussi, jusqu'à leur purge)."),
        retention=T("Contact and key: deleted by the daily purge with the tickets. Pseudonym, "
                    "skills and workshops: kept with the event's archive.",
                    "Contact et clé : supprimés par la purge quotidienne avec les billets. "
                    "Pseudonyme, compétences et ateliers : conservés avec les archives de "
                    "l'événement.")),
    "accounts": Activity(
        key="accounts",
        name=T("Organizer accounts", "Comptes des organisateurs"),
        purpose=T("Give library staff and organizers access to the back office, securely.",
                  "Donner au personnel et aux organisateurs un accès sécurisé à l'espace "
                  "d'organisation."),
        legal_basis=T("Art. 6(1)(f) GDPR, legitimate interest in securing the back office "
                      "(art. 6(1)(b) for staff under contract).",
                      "Art. 6(1)(f) du RGPD, intérêt légitime à sécuriser l'espace "
                      "d'organisation (art. 6(1)(b) pour le personnel sous contrat)."),
        subjects=T("Organizers (staff, members of the organization).",
                   "Organisateurs (personnel, membres de l'organisation)."),
        recipients=T("The platform's administrators.", "Les administrateurs de la plateforme."),
        retention=RETENTION_ACCOUNT),
    "feedback": Activity(
        key="feedback",
        name=T("Anonymous feedback", "Retours anonymes"),
        purpose=T("Improve the next evenings; show the library's board that it worked.",
                  "Améliorer les prochaines soirées ; montrer aux instances de la "
                  "bibliothèque que cela a fonctionné."),
        legal_basis=T("Art. 6(1)(f) GDPR, legitimate interest; the feedback is anonymous and "
                      "never linked to a ticket (a comment could name someone: organizers "
                      "can hide it).",
                      "Art. 6(1)(f) du RGPD, intérêt légitime ; les retours sont anonymes et "
                      "jamais liés à un billet (un commentaire pourrait nommer quelqu'un : les "
                      "organisateurs peuvent le masquer)."),
        subjects=T("Attendees who choose to give feedback.",
                   "Les participants qui choisissent de donner leur avis."),
        recipients=T("The organizers; quoted comments appear in reports.",
                     "Les organisateurs ; les commentaires cités figurent dans les bilans."),
        retention=RETENTION_EVENT),
    "events": Activity(
        key="events",
        name=T("Events and their program", "Événements et leur programme"),
        purpose=T("Publish the events, their sessions and workshops, their signed "
                  "announcements, and keep their aggregated figures.",
                  "Publier les événements, leurs créneaux et ateliers, leurs annonces signées, "
                  "et garder leurs chiffres agrégés."),
        legal_basis=T("Not personal data: public information about events and organizations, "
                      "and anonymous totals. Published under art. 6(1)(e) or (f) GDPR where a "
                      "text names a person.",
                      "Pas de données personnelles : informations publiques sur les événements "
                      "et organisations, et totaux anonymes. Publiées sur la base de l'art. "
                      "6(1)(e) ou (f) du RGPD lorsqu'un texte nomme une personne."),
        subjects=T("None (organizations and events).", "Aucune (organisations et événements)."),
        recipients=T("Public.", "Public."),
        retention=RETENTION_EVENT,
        personal=False),
    "federation": Activity(
        key="federation",
        name=T("Following an organization from the fediverse (ActivityPub)",
               "Suivre une organisation depuis le fédivers (ActivityPub)"),
        purpose=T("Deliver the organization's events to the fediverse servers whose users "
                  "follow it, and let them stop following.",
                  "Remettre les événements de l'organisation aux serveurs du fédivers dont "
                  "des utilisateurs la suivent, et leur permettre de ne plus la suivre."),
        legal_basis=T("Art. 6(1)(f) GDPR, legitimate interest in announcing public events to "
                      "those who asked for them. No follower list is kept: per follow, only "
                      "the inbox of the follower's server (or their own inbox when the server "
                      "has no shared one) and a keyed hash of their account address, which "
                      "cannot be reversed without the server's secret.",
                      "Art. 6(1)(f) du RGPD, intérêt légitime à annoncer des événements publics "
                      "à qui les a demandés. Aucune liste d'abonnés n'est tenue : pour chaque "
                      "abonnement, seulement la boîte de réception du serveur de l'abonné (ou "
                      "la sienne quand le serveur n'en a pas de partagée) et une empreinte à "
                      "clé de l'adresse de son compte, irréversible sans le secret du serveur."),
        subjects=T("Fediverse accounts that follow an organization.",
                   "Les comptes du fédivers qui suivent une organisation."),
        recipients=T("Nobody: the followers collection shows a count only. Deliveries go to "
                     "the followers' servers.",
                     "Personne : la collection des abonnés n'affiche qu'un nombre. Les envois "
                     "vont aux serveurs des abonnés."),
        retention=T("Until the follower unfollows, or their server answers that it is gone "
                    "(410); deliveries are deleted once sent, or after 3 days of retries.",
                    "Jusqu'au désabonnement, ou jusqu'à ce que son serveur réponde qu'il "
                    "n'existe plus (410) ; les envois sont supprimés une fois remis, ou après "
                    "3 jours de tentatives.")),
}

# table → (activity key, {column: (English, French) or (English, French, retention)})
_TABLES = {
    "organizations": ("events", {
        "id": ("Internal number.", "Numéro interne."),
        "slug": ("Short name in web addresses.", "Nom court dans les adresses web."),
        "name": ("Name of the library or collective.", "Nom de la bibliothèque ou du collectif."),
        "address": ("Public postal address.", "Adresse postale publique."),
        "city": ("City, to filter the directory.", "Ville, pour filtrer l'annuaire."),
        "website": ("Public website.", "Site web public."),
        "default_locale": ("Language of its pages.", "Langue de ses pages."),
        "timezone": ("Time zone of its events.", "Fuseau horaire de ses événements."),
        "key_fingerprint": ("Fingerprint of its OpenPGP signing key.",
                            "Empreinte de sa clé OpenPGP de signature."),
        "contacts_key_fingerprint": (
            "Fingerprint of its contacts key: volunteers' contacts are encrypted to it; the "
            "server holds only its public part, so only the people who hold its secret key "
            "can read a contact.",
            "Empreinte de sa clé des contacts : les contacts des bénévoles sont chiffrés pour "
            "elle ; le serveur n'en détient que la partie publique, seules les personnes qui "
            "détiennent sa clé secrète peuvent donc lire un contact."),
        "default_retention_days": ("Default retention of its events' tickets and contacts, "
                                   "in days.",
                                   "Durée de conservation par défaut des billets et contacts de "
                                   "ses événements, en jours."),
        "contact_email": ("Public contact address shown on the privacy page.",
                          "Adresse de contact publique affichée sur la page de confidentialité."),
        "logo": ("Its logo (re-encoded image or sanitised SVG).",
                 "Son logo (image réencodée ou SVG assaini)."),
        "logo_type": ("Media type of the logo.", "Type de média du logo."),
        "color_primary": ("Brand colour of its pages, posters and kits.",
                          "Couleur principale de ses pages, affiches et kits."),
        "color_background": ("Background colour of its pages, posters and kits.",
                             "Couleur de fond de ses pages, affiches et kits."),
        "embed_origins": ("Web origins allowed to embed its pages.",
                          "Origines web autorisées à intégrer ses pages."),
        "audit_retention_days": ("How long its audit trail is kept, in days.",
                                 "Durée de conservation de son journal d'audit, en jours."),
    }),
    "organizers": ("accounts", {
        "id": ("Internal number.", "Numéro interne."),
        "login": ("Login name.", "Identifiant de connexion."),
        "display_name": ("Name shown in the back office.",
                         "Nom affiché dans l'espace d'organisation."),
        "password_hash": ("Argon2id hash of the password (never the password).",
                          "Empreinte Argon2id du mot de passe (jamais le mot de passe)."),
        "totp_secret": ("Secret of the optional second factor (one-time codes).",
                        "Secret du second facteur facultatif (codes à usage unique).",
                        T("Until the second factor is turned off or the account deleted.",
                          "Jusqu'à la désactivation du second facteur ou la suppression du "
                          "compte.")),
        "totp_last_step": ("Time step of the last one-time code accepted, so that a code "
                           "works only once.",
                           "Pas de temps du dernier code à usage unique accepté, pour qu'un "
                           "code ne serve qu'une fois.",
                           T("Until the second factor is turned off or the account deleted.",
                             "Jusqu'à la désactivation du second facteur ou la suppression du "
                             "compte.")),
        "locale": ("Preferred language.", "Langue préférée."),
        "session_token": ("Random value that ends every session when it changes (logout, "
                          "new password, second factor turned on or off).",
                          "Valeur aléatoire qui met fin à toutes les sessions quand elle "
                          "change (déconnexion, nouveau mot de passe, second facteur activé "
                          "ou désactivé)."),
        "created_at": ("When the account was made.", "Date de création du compte."),
        "is_admin": ("Whether the account administers the instance (creates organizations).",
                     "Si le compte administre l'instance (crée les organisations)."),
    }),
    "memberships": ("accounts", {
        "organizer_id": ("The organizer.", "L'organisateur."),
        "organization_id": ("An organization they belong to.",
                            "Une organisation dont il ou elle est membre."),
        "role": ("Their role there: owner, organizer, door or board.",
                 "Son rôle : propriétaire, organisateur, accueil ou bureau."),
        "can_read_contacts": ("Whether an organizer may read volunteers' contacts.",
                              "Si un organisateur peut lire les contacts des bénévoles."),
    }),
    "staff_invitations": ("accounts", {
        "id": ("Internal number.", "Numéro interne."),
        "token_hash": ("Keyed hash of the one-time link (never the link).",
                       "Empreinte à clé du lien à usage unique (jamais le lien)."),
        "purpose": ("New account or new password.", "Nouveau compte ou nouveau mot de passe."),
        "organization_id": ("The organization.", "L'organisation."),
        "role": ("The role the link gives.", "Le rôle que donne le lien."),
        "can_read_contacts": ("Whether the new organizer may read volunteers' contacts.",
                              "Si le nouvel organisateur peut lire les contacts des bénévoles."),
        "organizer_id": ("For a new password: the account.",
                         "Pour un nouveau mot de passe : le compte."),
        "created_at": ("When the link was made.", "Date de création du lien."),
        "expires_at": ("When it stops working (7 days later).",
                       "Date à laquelle il cesse de fonctionner (7 jours après)."),
        "used_at": ("When it was used or withdrawn.", "Date d'utilisation ou de retrait."),
    }),
    "audit_entries": ("accounts", {
        "id": ("Internal number.", "Numéro interne."),
        "organization_id": ("The organization.", "L'organisation."),
        "actor_login": ("Login of the staff member who acted.",
                        "Identifiant du membre de l'équipe qui a agi."),
        "action": ("What was done (published, cancelled, downloaded a contact, exported "
                   "figures, changed keys, invited, changed a role, removed, reset).",
                   "Ce qui a été fait (publication, annulation, téléchargement d'un contact, "
                   "export des chiffres, changement de clés, invitation, changement de rôle, "
                   "retrait, réinitialisation)."),
        "object_label": ("On what: an event's address, a staff login, a key fingerprint; never "
                         "an attendee's or a volunteer's data.",
                         "Sur quoi : l'adresse d'un événement, un identifiant d'équipe, une "
                         "empreinte de clé ; jamais de donnée d'un participant ou d'un "
                         "bénévole."),
        "at": ("When, to the minute.", "Quand, à la minute près."),
    }),
    "organization_keys": ("events", {
        "id": ("Internal number.", "Numéro interne."),
        "organization_id": ("The organization.", "L'organisation."),
        "fingerprint": ("Fingerprint of the OpenPGP key.", "Empreinte de la clé OpenPGP."),
        "user_id": ("User ID of the key (the organization's name and public address).",
                    "Identité de la clé (nom et adresse publique de l'organisation)."),
        "created_at": ("When the key was added.", "Date d'ajout de la clé."),
        "revoked_at": ("When it was revoked.", "Date de sa révocation."),
        "is_current": ("Whether it is the key in use.", "S'il s'agit de la clé en usage."),
        "has_secret": ("Whether the server holds its secret part.",
                       "Si le serveur détient sa partie secrète."),
    }),
    "organization_recipes": ("events", {
        "id": ("Internal number.", "Numéro interne."),
        "organization_id": ("The organization.", "L'organisation."),
        "key": ("Short name of the workshop recipe.", "Nom court de la fiche d'atelier."),
        "data": ("The recipe, checked (goals, steps, materials).",
                 "La fiche, vérifiée (objectifs, étapes, matériel)."),
        "source": ("The recipe as written (TOML).", "La fiche telle qu'écrite (TOML)."),
        "created_at": ("When it was added.", "Date d'ajout."),
        "updated_at": ("When it last changed.", "Date de dernière modification."),
    }),
    "events": ("events", {
        "id": ("Internal number.", "Numéro interne."),
        "organization_id": ("The organizing organization.", "L'organisation organisatrice."),
        "kind": ("Kind of event (CryptoParty, privacy café...).",
                 "Type d'événement (CryptoParty, café vie privée…)."),
        "slug": ("Short name in web addresses.", "Nom court dans les adresses web."),
        "title": ("Title.", "Titre."),
        "description": ("Public description.", "Description publique."),
        "venue": ("Venue.", "Lieu."),
        "address": ("Address of the venue.", "Adresse du lieu."),
        "timezone": ("Time zone.", "Fuseau horaire."),
        "starts_at": ("Start.", "Début."),
        "ends_at": ("End.", "Fin."),
        "registration_opens_at": ("When registration opens.", "Ouverture des inscriptions."),
        "registration_closes_at": ("When registration closes.", "Clôture des inscriptions."),
        "status": ("Draft, published, cancelled or archived.",
                   "Brouillon, publié, annulé ou archivé."),
        "retention_days": ("Days tickets are kept after the end.",
                           "Jours de conservation des billets après la fin."),
        "max_party": ("Largest party per ticket.", "Nombre maximal de personnes par billet."),
        "volunteer_withdraw_hours": ("Until when volunteers may withdraw.",
                                     "Délai de désistement des bénévoles."),
        "accessibility": ("Accessibility features of the venue.",
                          "Accessibilité du lieu."),
        "accessibility_notes": ("More about the venue's accessibility.",
                                "Précisions sur l'accessibilité du lieu."),
        "audience": ("Audience the event is meant for.", "Public visé."),
        "minimum_age": ("Minimum age.", "Âge minimum."),
        "attendance_mode": ("On site, online or both.", "Sur place, en ligne ou les deux."),
        "online_url": ("Public link to attend online.", "Lien public pour suivre en ligne."),
        "is_free": ("Whether the event is free.", "Si l'événement est gratuit."),
        "price": ("Price, if any.", "Prix, s'il y en a un."),
        "schedule_status": ("Scheduled, postponed, rescheduled or moved online.",
                            "Prévu, reporté, déplacé ou passé en ligne."),
        "series_id": ("The series it is a date of.", "La série dont il est une date."),
        "created_at": ("When it was created.", "Date de création."),
        "updated_at": ("When it last changed.", "Date de dernière modification."),
        "version": ("Counter of changes to its public page (page cache).",
                    "Compteur des modifications de sa page publique (cache des pages)."),
        "purged_at": ("When the retention purge last emptied it (tickets and contacts "
                      "deleted), so that later purges skip it.",
                      "Date à laquelle la purge de conservation l'a vidé (billets et "
                      "contacts supprimés), pour que les purges suivantes le sautent."),
    }),
    "event_series": ("events", {
        "id": ("Internal number.", "Numéro interne."),
        "organization_id": ("The organizing organization.", "L'organisation organisatrice."),
        "slug": ("Short name in web addresses.", "Nom court dans les adresses web."),
        "title": ("Title.", "Titre."),
        "description": ("Public description.", "Description publique."),
        "rrule": ("Recurrence rule (RRULE) of its dates.",
                  "Règle de récurrence (RRULE) de ses dates."),
        "created_at": ("When it was created.", "Date de création."),
    }),
    "event_sessions": ("events", {
        "id": ("Internal number.", "Numéro interne."),
        "event_id": ("The event.", "L'événement."),
        "label": ("Name of the time slot.", "Nom du créneau."),
        "starts_at": ("Start.", "Début."),
        "ends_at": ("End.", "Fin."),
        "moved_from": ("Its previous start, after a change of time.",
                       "Son début précédent, après un changement d'horaire."),
    }),
    "workshops": ("events", {
        "id": ("Internal number.", "Numéro interne."),
        "session_id": ("Its time slot.", "Son créneau."),
        "event_id": ("The event.", "L'événement."),
        "slug": ("Short name in web addresses.", "Nom court dans les adresses web."),
        "format": ("Workshop, talk, discussion, install, meal.",
                   "Atelier, conférence, discussion, installation, repas."),
        "title": ("Title.", "Titre."),
        "summary": ("Public summary.", "Résumé public."),
        "topics": ("Topics.", "Thèmes."),
        "level": ("Level.", "Niveau."),
        "room": ("Room.", "Salle."),
        "capacity": ("Seats.", "Nombre de places."),
        "seats_taken": ("Confirmed seats (a count).", "Places confirmées (un total)."),
        "materials": ("Materials needed.", "Matériel nécessaire."),
        "needs_facilitator": ("Whether it still looks for a facilitator.",
                              "S'il cherche encore quelqu'un pour l'animer."),
        "allow_cofacilitators": ("Whether several volunteers may run it.",
                                 "Si plusieurs bénévoles peuvent l'animer."),
        "facilitators": ("Number of volunteers on it (a count).",
                         "Nombre de bénévoles inscrits (un total)."),
        "recipe_key": ("The catalogue recipe it was made from.",
                       "La fiche du catalogue dont il provient."),
        "position": ("Order in the program.", "Ordre dans le programme."),
    }),
    "announcements": ("events", {
        "id": ("Internal number.", "Numéro interne."),
        "event_id": ("The event.", "L'événement."),
        "channel": ("Long text or short post.", "Texte long ou message court."),
        "body": ("Text of the announcement.", "Texte de l'annonce."),
        "event_digest": ("Digest of the event it was written from.",
                         "Empreinte de l'événement dont il est tiré."),
        "edited": ("Whether an organizer edited it.", "S'il a été retouché."),
        "updated_at": ("When it last changed.", "Date de dernière modification."),
        "signed_text": ("The clearsigned announcement.", "L'annonce signée en clair."),
        "fingerprint": ("Fingerprint of the signing key.", "Empreinte de la clé de signature."),
        "signed_at": ("When it was signed.", "Date de signature."),
        "signed_digest": ("Digest of the signed text.", "Empreinte du texte signé."),
    }),
    "event_figures": ("events", {
        "event_id": ("The event.", "L'événement."),
        "walk_ins": ("People who came without a ticket (a count).",
                     "Personnes venues sans billet (un total)."),
        "registered": ("People registered (a count, saved by the purge).",
                       "Personnes inscrites (un total, gardé par la purge)."),
        "tickets": ("Tickets issued (a count, saved by the purge).",
                    "Billets émis (un total, gardé par la purge)."),
        "waitlisted": ("People on a waiting list (a count).",
                       "Personnes en liste d'attente (un total)."),
        "checked_in": ("People checked in at the door (a count).",
                       "Personnes accueillies à l'entrée (un total)."),
        "workshops": ("Fill of each workshop (counts).", "Remplissage de chaque atelier (totaux)."),
        "purged_on": ("Day of the purge.", "Jour de la purge."),
        "version": ("How many times the row changed (for the showcase's cache).",
                    "Nombre de modifications de la ligne (pour le cache de la vitrine)."),
    }),
    "tickets": ("registration", {
        "id": ("Internal number.", "Numéro interne."),
        "event_id": ("The event.", "L'événement."),
        "code_hash": ("Keyed hash of the ticket code (never the code itself); the check-in tag "
                      "is derived from it.",
                      "Empreinte à clé du code du billet (jamais le code lui-même) ; "
                      "l'étiquette d'accueil en est dérivée."),
        "party": ("Number of people on the ticket.", "Nombre de personnes sur le billet."),
        "status": ("Active or cancelled.", "Actif ou annulé."),
        "created_on": ("Day of registration (no finer: an hour could help link it to a "
                       "person).",
                       "Jour de l'inscription (pas plus précis : une heure pourrait aider à le "
                       "relier à une personne)."),
        "checked_in": ("Whether the party was welcomed at the door.",
                       "Si le groupe a été accueilli à l'entrée."),
        "checked_in_at": ("When the party was welcomed at the door (to the minute), so that "
                          "a second scan of the same code says \"already checked in (at "
                          "20:47)\": the only time finer than the day a ticket holds, and "
                          "only while the event runs.",
                          "Heure de l'accueil à l'entrée (à la minute près), pour qu'un "
                          "second passage du même code affiche « déjà accueilli (à "
                          "20 h 47) » : la seule heure plus précise que le jour que garde un "
                          "billet, et seulement pendant l'événement.",
                          RETENTION_CHECK_IN_TIME),
    }),
    "idempotency_keys": ("registration", {
        "key_hash": ("Keyed hash of a random key that a creating form (registration, event, "
                     "volunteer sign-up…) or an API client sent, so that sending it twice "
                     "creates one record.",
                     "Empreinte à clé d'une clé aléatoire envoyée par un formulaire qui crée "
                     "quelque chose (inscription, événement, bénévole…) ou par un client de "
                     "l'API, pour qu'un double envoi ne crée qu'un enregistrement.",
                     RETENTION_IDEMPOTENCY),
        "scope": ("Which form or API call it belongs to.",
                  "Le formulaire ou l'appel d'API auquel elle appartient.", RETENTION_IDEMPOTENCY),
        "object_id": ("The ticket the first sending created (0 for other forms).",
                      "Le billet créé par le premier envoi (0 pour les autres formulaires).",
                      RETENTION_IDEMPOTENCY),
        "sealed": ("The ticket code (for other forms, the page the first sending led to), "
                   "sealed so that only the holder of the random key can read "
                   "it back.",
                   "Le code du billet (pour les autres formulaires, la page où menait le "
                   "premier envoi), scellé : seul le détenteur de la clé aléatoire peut le "
                   "relire.", RETENTION_IDEMPOTENCY),
        "request_hash": ("Fingerprint of what was asked (event, workshops, party).",
                         "Empreinte de la demande (événement, ateliers, nombre de personnes).",
                         RETENTION_IDEMPOTENCY),
        "expires_at": ("When the record is deleted.", "Moment où l'enregistrement est supprimé.",
                       RETENTION_IDEMPOTENCY),
    }),
    "ticket_choices": ("registration", {
        "id": ("Internal number; orders the waiting list.",
               "Numéro interne ; ordonne la liste d'attente."),
        "ticket_id": ("The ticket.", "Le billet."),
        "session_id": ("The time slot.", "Le créneau."),
        "workshop_id": ("The chosen workshop.", "L'atelier choisi."),
        "status": ("Confirmed or waitlisted.", "Confirmé ou en liste d'attente."),
    }),
    "volunteers": ("volunteers", {
        "id": ("Internal number.", "Numéro interne."),
        "event_id": ("The event.", "L'événement."),
        "pseudonym": ("Pseudonym, shown in the program.", "Pseudonyme, affiché au programme."),
        "skills": ("Skills ticked.", "Compétences cochées."),
        "other_skills": ("Other skills, in their words.", "Autres compétences, en ses mots."),
        "contact_ciphertext": ("Optional contact, encrypted to the organization's key.",
                               "Contact facultatif, chiffré pour la clé de l'organisation.",
                               RETENTION_TICKETS),
        "contact_fingerprint": ("Key the contact is encrypted to.",
                                "Clé pour laquelle le contact est chiffré.", RETENTION_TICKETS),
        "public_key": ("Optional OpenPGP public key of the volunteer.",
                       "Clé publique OpenPGP facultative du ou de la bénévole.",
                       RETENTION_TICKETS),
        "public_key_fingerprint": ("Its fingerprint.", "Son empreinte.", RETENTION_TICKETS),
        "token_hash": ("Keyed hash of the private link (never the link itself).",
                       "Empreinte à clé du lien privé (jamais le lien lui-même)."),
        "created_on": ("Day of sign-up.", "Jour de l'inscription."),
    }),
    "claims": ("volunteers", {
        "id": ("Internal number.", "Numéro interne."),
        "volunteer_id": ("The volunteer.", "Le ou la bénévole."),
        "workshop_id": ("The workshop.", "L'atelier."),
        "active_session_id": ("Time slot while the claim is active (one per slot).",
                              "Créneau tant que l'engagement est actif (un par créneau)."),
        "status": ("Proposed, confirmed, declined or withdrawn.",
                   "Proposé, confirmé, refusé ou retiré."),
        "created_on": ("Day of the claim.", "Jour de l'engagement."),
    }),
    "proposals": ("volunteers", {
        "id": ("Internal number.", "Numéro interne."),
        "volunteer_id": ("The volunteer.", "Le ou la bénévole."),
        "event_id": ("The event.", "L'événement."),
        "title": ("Title of the proposed workshop.", "Titre de l'atelier proposé."),
        "summary": ("Its summary.", "Son résumé."),
        "format": ("Its format.", "Son format."),
        "duration_minutes": ("Its duration.", "Sa durée."),
        "level": ("Its level.", "Son niveau."),
        "needs": ("What it needs (room, projector...).", "Ses besoins (salle, projecteur…)."),
        "status": ("Pending, accepted, declined or withdrawn.",
                   "En attente, acceptée, refusée ou retirée."),
        "workshop_id": ("The workshop made from it.", "L'atelier qui en est issu."),
        "created_on": ("Day of the proposal.", "Jour de la proposition."),
    }),
    "feedback": ("feedback", {
        "id": ("Internal number.", "Numéro interne."),
        "event_id": ("The event.", "L'événement."),
        "workshop_id": ("The workshop, if about one.", "L'atelier, s'il s'agit d'un atelier."),
        "kind": ("Form or post-it note.", "Formulaire ou post-it."),
        "rating": ("Rating.", "Note."),
        "useful": ("What was useful.", "Ce qui a été utile."),
        "missing": ("What was missing.", "Ce qui a manqué."),
        "comment": ("Free comment.", "Commentaire libre."),
        "hidden": ("Hidden by the organizers.", "Masqué par les organisateurs."),
        "quoted": ("Chosen for quotation in reports.", "Choisi pour être cité dans les bilans."),
        "created_on": ("Day it was given.", "Jour où il a été donné."),
    }),
    "federation_actors": ("events", {
        "id": ("Internal number.", "Numéro interne."),
        "organization_id": ("The organization this actor is.",
                            "L'organisation que cet acteur représente."),
        "federation_enabled": ("Whether the organization federates (off until an owner turns "
                               "it on).",
                               "Si l'organisation est fédérée (désactivé tant qu'un "
                               "responsable ne l'active pas)."),
        "public_key_pem": ("Public key of its HTTP signatures.",
                           "Clé publique de ses signatures HTTP."),
        "private_key_encrypted": ("Private key of its HTTP signatures, encrypted with a key "
                                  "derived from the server's secret.",
                                  "Clé privée de ses signatures HTTP, chiffrée avec une clé "
                                  "dérivée du secret du serveur."),
        "deliveries_dropped": ("Number of deliveries given up after 3 days of retries.",
                               "Nombre d'envois abandonnés après 3 jours de tentatives."),
        "created_at": ("When federation was first set up.",
                       "Date de la première mise en place de la fédération."),
    }),
    "federation_followers": ("federation", {
        "id": ("Internal number.", "Numéro interne."),
        "actor_id": ("The organization followed.", "L'organisation suivie."),
        "follower_hash": ("Keyed hash (HMAC-SHA256) of the follower's account address, to "
                          "process an unfollow; the address itself is not stored.",
                          "Empreinte à clé (HMAC-SHA256) de l'adresse du compte de l'abonné, "
                          "pour traiter un désabonnement ; l'adresse elle-même n'est pas "
                          "conservée."),
        "inbox_url": ("Inbox of the follower's server (shared inbox), or the follower's own "
                      "inbox when the server has none.",
                      "Boîte de réception du serveur de l'abonné (partagée), ou celle de "
                      "l'abonné quand le serveur n'en a pas."),
        "created_on": ("Day of the follow.", "Jour de l'abonnement."),
    }),
    "federation_deliveries": ("federation", {
        "id": ("Internal number.", "Numéro interne."),
        "actor_id": ("The organization sending.", "L'organisation qui envoie."),
        "inbox_url": ("Inbox it is delivered to.", "Boîte de réception destinataire."),
        "activity": ("The activity to send; an answer to a follow names the follower's "
                     "account until it is delivered.",
                     "L'activité à envoyer ; une réponse à un abonnement nomme le compte de "
                     "l'abonné jusqu'à sa remise."),
        "activity_type": ("Kind of activity (Create, Update, Accept...).",
                          "Type d'activité (Create, Update, Accept...)."),
        "activity_uuid": ("Random identifier of the activity.",
                          "Identifiant aléatoire de l'activité."),
        "event_id": ("The event it announces, if any.", "L'événement annoncé, le cas échéant."),
        "attempts": ("Attempts so far.", "Tentatives effectuées."),
        "next_attempt_at": ("When it is tried next.", "Date de la prochaine tentative."),
        "created_at": ("When it was queued (given up 3 days later).",
                       "Date de mise en file (abandonné 3 jours plus tard)."),
        "last_status": ("Last HTTP status answered by the inbox.",
                        "Dernier statut HTTP répondu par la boîte de réception."),
    }),
}

# Processing that leaves no column: listed in the record all the same.
UNSTORED = [
    T("Rate limiting: a keyed hash of the client address, rotated daily, held in memory (or "
      "Redis with a time-to-live) for at most a day; never written to disk or to a log.",
      "Limitation du débit : une empreinte à clé de l'adresse du client, renouvelée chaque "
      "jour, gardée en mémoire (ou dans Redis avec une durée de vie) au plus un jour ; jamais "
      "écrite sur disque ni dans un journal."),
    T("Server logs: method, path (ticket codes and private links masked), status, size and "
      "duration; no address, no user agent, no referrer.",
      "Journaux du serveur : méthode, chemin (codes de billet et liens privés masqués), "
      "statut, taille et durée ; ni adresse, ni agent utilisateur, ni page de provenance."),
    T("Session cookie: only for organizers and for pages with a form (its anti-forgery "
      "token); it ends when the browser closes, and after 8 hours in any case.",
      "Cookie de session : seulement pour les organisateurs et les pages comportant un "
      "formulaire (son jeton anti-falsification) ; il expire à la fermeture du navigateur, et "
      "après 8 heures dans tous les cas."),
    T("Fediverse: the public keys of the servers that write to an inbox are cached in memory "
      "for an hour to check their signatures; never written to disk or to a log.",
      "Fédivers : les clés publiques des serveurs qui écrivent à une boîte de réception sont "
      "gardées en mémoire une heure pour vérifier leurs signatures ; jamais écrites sur "
      "disque ni dans un journal."),
]


RETENTION_AUDIT = T(
    "Deleted by the daily purge once older than the organization's audit retention "
    "(1 year by default, set by its owners).",
    "Supprimé par la purge quotidienne au-delà de la durée de conservation du journal d'audit "
    "de l'organisation (1 an par défaut, réglée par ses propriétaires).")
RETENTION_INVITATION = T(
    "Until the account or the organization is deleted (a used or expired link no longer "
    "works).",
    "Jusqu'à la suppression du compte ou de l'organisation (un lien utilisé ou expiré ne "
    "fonctionne plus).")
for _table, _retention in (("audit_entries", RETENTION_AUDIT),
                           ("staff_invitations", RETENTION_INVITATION)):
    _TABLES[_table] = (_TABLES[_table][0],
                       {column: texts[:2] + (_retention,)
                        for column, texts in _TABLES[_table][1].items()})


def _build_fields() -> list[Field]:
    fields = []
    for table, (activity_key, columns) in _TABLES.items():
        activity = ACTIVITIES[activity_key]
        for column, texts in columns.items():
            retention = texts[2] if len(texts) > 2 else activity.retention
            fields.append(Field(table=table, column=column, description=T(texts[0], texts[1]),
                                activity=activity, retention=retention))
    return fields


FIELDS = _build_fields()


def field_names() -> set[str]:
    """Every ``table.column`` the inventory declares."""
    return {f.name for f in FIELDS}


def fields_of(activity: Activity) -> list[Field]:
    """The fields of one processing activity, table by table."""
    return [f for f in FIELDS if f.activity.key == activity.key]


def tables_of(activity: Activity) -> list[tuple[str, list[Field]]]:
    """The activity's fields grouped by table, in declaration order."""
    grouped = {}
    for f in fields_of(activity):
        grouped.setdefault(f.table, []).append(f)
    return list(grouped.items())


def text(value: dict, locale) -> str:
    """The text of ``value`` in ``locale`` (English when that language is missing)."""
    return value.get(str(locale)[:2], value["en"])

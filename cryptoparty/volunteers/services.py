"""Volunteers: a pseudonymous sign-up, claims on workshops, proposals, retention.

The rules:

* A volunteer belongs to one event, under a pseudonym unique within it. Their
  only credential is a private link ``/volunteers/<token>``: the token carries
  192 random bits and only its keyed hash (HMAC-SHA256, as for ticket codes in
  ``services.codes``) is stored; a fast hash is enough for so random a token.
* Their optional contact is encrypted to the organization's OpenPGP key before
  anything is written; the plain text lives in memory only, for the duration of
  the request. Without a usable organization key no contact is accepted.
* Their optional public key is validated in a throwaway GnuPG home (exactly one
  public key, no secret part, not revoked or expired, able to encrypt) and
  stored armored, as exported from that home.
* A claim holds its workshop while it is ``proposed`` or ``confirmed``. A
  workshop takes one facilitator, or up to ``MAX_FACILITATORS`` when the
  organizer allows co-facilitators. ``Workshop.facilitators`` counts the active
  claims and only changes through a conditional UPDATE in the same transaction
  as the claim, so that two volunteers claiming at once never both win, on
  SQLite (whose write lock serialises them) as on PostgreSQL (whose row lock
  makes the second UPDATE re-check its condition). A unique constraint on
  ``(volunteer, active session)`` keeps a volunteer to one workshop per session.
* A volunteer may withdraw until ``Event.volunteer_withdraw_hours`` before the
  event starts; a withdrawn or declined claim frees its workshop.
* After the event's retention period, contacts and public keys are deleted;
  pseudonyms stay in the archived program.
"""

import re
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from cryptoparty.accounts import roles
from cryptoparty.accounts.models import Organizer
from cryptoparty.accounts.roles import Permission
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError, NotFound, WorkshopNotFound
from cryptoparty.core.extensions import db
from cryptoparty.core.security import keyed_hash
from cryptoparty.events import services as event_service
from cryptoparty.events.models import (
    Event,
    EventSession,
    EventStatus,
    Workshop,
    WorkshopFormat,
    WorkshopLevel,
)
from cryptoparty.gpg import keyring as openpgp
from cryptoparty.volunteers.models import (
    ACTIVE_CLAIM_STATUSES,
    MAX_PROPOSAL_MINUTES,
    MIN_PROPOSAL_MINUTES,
    Claim,
    ClaimStatus,
    Proposal,
    ProposalStatus,
    Volunteer,
)

#: Facilitators a workshop takes when the organizer allows co-facilitators.
MAX_FACILITATORS = 3
MAX_PSEUDONYM = 60
MAX_OTHER_SKILLS = 200
MAX_CONTACT = 500
MAX_TITLE = 200
MAX_TEXT = 2000
TOKEN_BYTES = 24  # 192 bits; urlsafe base64 gives 32 characters
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")

SKILLS = (
    ("tor", _l("Tor and Tor Browser")),
    ("openpgp", _l("E-mail encryption (OpenPGP)")),
    ("signal", _l("Signal and secure messaging")),
    ("passwords", _l("Password managers")),
    ("tails", _l("Tails")),
    ("linux", _l("Installing Linux")),
    ("smartphones", _l("Smartphones (Android, iPhone)")),
    ("browser", _l("Browser self-defence, search engines")),
    ("disk", _l("Disk encryption")),
    ("threats", _l("Threat modelling")),
    ("teaching", _l("Explaining to beginners")),
)
SKILL_CODES = tuple(code for code, _label in SKILLS)


# Errors -------------------------------------------------------------------

class VolunteerNotFound(NotFound):
    message = _l("There is no such volunteer page. Check the link you were given.")


class ClaimNotFound(NotFound):
    message = _l("There is no such claim.")


class ProposalNotFound(NotFound):
    message = _l("There is no such proposal.")


class NoContact(NotFound):
    message = _l("This volunteer left no contact, or it has been deleted.")


class InvalidPseudonym(DomainError):
    message = _l("Choose a pseudonym of 1 to %(maximum)d characters.")


class PseudonymTaken(DomainError):
    status = 409
    message = _l("The pseudonym “%(pseudonym)s” is already taken for this event: choose another "
                 "one.")


class InvalidSkills(DomainError):
    message = _l("Tick skills from the list, and describe others in at most %(maximum)d "
                 "characters.")


class ContactTooLong(DomainError):
    message = _l("The contact may hold at most %(maximum)d characters.")


class ContactNotAccepted(DomainError):
    status = 409
    message = _l("The organization has no OpenPGP key to encrypt a contact to: sign up without "
                 "one.")


class ContactNotEncrypted(DomainError):
    status = 409
    message = _l("Your contact could not be encrypted to the organization’s key, so nothing was "
                 "saved. Sign up without a contact, or tell the organizers.")


class InvalidPublicKey(DomainError):
    message = _l("This OpenPGP public key cannot be used: %(reason)s.")


class VolunteeringClosed(DomainError):
    status = 409
    message = _l("This event no longer takes volunteers.")


class EventNotRunning(DomainError):
    status = 409
    message = _l("This event is cancelled or over: its workshops cannot be claimed.")


class NoFacilitatorNeeded(DomainError):
    status = 409
    message = _l("This workshop does not look for a facilitator.")


class WorkshopTaken(DomainError):
    status = 409
    message = _l("This workshop already has its facilitator.")


class BusyInSession(DomainError):
    status = 409
    message = _l("You already facilitate a workshop in this session.")


class ClaimNotActive(DomainError):
    status = 409
    message = _l("This claim is no longer active.")


class ClaimAlreadyHandled(DomainError):
    status = 409
    message = _l("This claim has already been confirmed or closed.")


class WithdrawalClosed(DomainError):
    status = 409
    message = _l("Withdrawals closed %(hours)d hours before the event. Please tell the "
                 "organizers directly.")

    def describe(self) -> str:
        """The message, with « 1 heure » and « 2 heures »."""
        return ngettext("Withdrawals closed %(num)d hour before the event. Please tell the "
                        "organizers directly.",
                        "Withdrawals closed %(num)d hours before the event. Please tell the "
                        "organizers directly.", self.params["hours"])


class InvalidProposal(DomainError):
    message = _l("The proposal is not complete: %(reason)s.")


class InvalidDuration(DomainError):
    message = _l("The duration must be between %(minimum)d and %(maximum)d minutes.")


class ProposalAlreadyHandled(DomainError):
    status = 409
    message = _l("This proposal has already been accepted, declined or withdrawn.")


# Tokens -------------------------------------------------------------------

def new_token() -> str:
    """A fresh private-link token (192 random bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str, secret: str | bytes | None = None) -> str:
    """The stored form of a token: HMAC-SHA256 under a key derived from ``SECRET_KEY``.

    Keyed like ticket codes (``services.codes``): a stolen database alone does
    not let anyone test a guessed token offline.
    """
    return keyed_hash(b"volunteer-token-v1", token, secret)


def get_volunteer_by_token(token: str) -> Volunteer:
    """The volunteer whose private link this is, or ``VolunteerNotFound`` (also if malformed)."""
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        raise VolunteerNotFound()
    volunteer = db.session.scalar(select(Volunteer).filter_by(token_hash=hash_token(token)))
    if volunteer is None:
        raise VolunteerNotFound()
    return volunteer


# Reading ------------------------------------------------------------------

def facilitator_limit(workshop: Workshop) -> int:
    """How many facilitators the workshop takes."""
    return MAX_FACILITATORS if workshop.allow_cofacilitators else 1


def open_workshops(event: Event) -> list[Workshop]:
    """Workshops that look for a facilitator and still have room for one, in program order."""
    return [w for w in event.workshops
            if w.needs_facilitator and w.facilitators < facilitator_limit(w)]


def facilitator_state(workshop: Workshop) -> str:
    """Where the workshop stands with its facilitators, computed from the claims.

    ``none``: the organizers run it (not open to volunteers); ``open``: it needs a
    facilitator and nobody has claimed it; ``proposed``: a volunteer claimed it and
    awaits the organizers' confirmation; ``confirmed``: a claim is confirmed.
    """
    if not workshop.needs_facilitator:
        return "none"
    if not workshop.facilitators:
        return "open"
    statuses = {c.status for c in workshop.facilitator_claims}
    if "confirmed" in statuses:
        return "confirmed"
    return "proposed" if "proposed" in statuses else "open"


def awaiting_confirmation(event: Event) -> list[Workshop]:
    """Workshops run by volunteers whose claims all still await confirmation."""
    return [w for w in event.workshops if facilitator_state(w) == "proposed"]


def confirmed_facilitators(workshop: Workshop) -> list[str]:
    """Pseudonyms of the workshop's confirmed facilitators: all the public sees of them."""
    if not workshop.facilitators:
        # The counter of active claims says there is none: spare the program page one
        # query per workshop (a third of its time in `make bench`).
        return []
    return [c.volunteer.pseudonym for c in workshop.facilitator_claims
            if c.status == ClaimStatus.CONFIRMED]


def confirmed_facilitators_by_workshop(event: Event) -> dict[int, list[str]]:
    """Pseudonyms of the confirmed facilitators of each workshop of the event (one query).

    Only workshops that have any: the public program shows them.
    """
    ids = [w.id for w in event.workshops if w.facilitators]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Claim.workshop_id, Volunteer.pseudonym)
        .join(Volunteer, Volunteer.id == Claim.volunteer_id)
        .where(Claim.workshop_id.in_(ids), Claim.status == ClaimStatus.CONFIRMED)
        .order_by(Claim.id))
    names: dict[int, list[str]] = {}
    for workshop_id, pseudonym in rows:
        names.setdefault(workshop_id, []).append(pseudonym)
    return names


def withdraw_deadline(event: Event) -> datetime:
    """The last moment (naive UTC) a volunteer may withdraw from a workshop."""
    return event.starts_at - timedelta(hours=event.volunteer_withdraw_hours)


def accepts_volunteers(event: Event, now: datetime) -> bool:
    """Whether the event takes sign-ups, claims and proposals."""
    return event.status == EventStatus.PUBLISHED and now < event.starts_at


def contact_offered(event: Event, keyring: openpgp.Keyring | None) -> bool:
    """Whether a contact can be taken: the organization registered a contacts key.

    Only the contacts key counts, never the signing key, whose secret part the
    server holds: a contact must be readable only off the server.
    """
    fingerprint = event.organization.contacts_key_fingerprint
    if not fingerprint or keyring is None:
        return False
    try:
        return keyring.key_info(fingerprint).can_encrypt
    except openpgp.OpenPGPError:
        return False


def event_volunteers(event: Event) -> list[Volunteer]:
    """The event's volunteers, by pseudonym."""
    query = select(Volunteer).filter_by(event_id=event.id).order_by(Volunteer.pseudonym)
    return list(db.session.scalars(query))


def event_proposals(event: Event) -> list[Proposal]:
    """The event's proposals, oldest first."""
    return list(db.session.scalars(select(Proposal).filter_by(event_id=event.id)
                                   .order_by(Proposal.id)))


def event_claims(event: Event) -> list[Claim]:
    """The event's claims, in program order."""
    query = (select(Claim).join(Workshop, Claim.workshop_id == Workshop.id)
             .where(Workshop.event_id == event.id).order_by(Workshop.session_id,
                                                            Workshop.position, Claim.id))
    return list(db.session.scalars(query))


def _for_organizer(organizer: Organizer, obj, event_id: int, error,
                   permission: Permission = Permission.EVENTS):
    if obj is None:
        raise error()
    event = db.session.get(Event, event_id)
    if event is None:
        raise error()
    roles.require(organizer, event.organization, permission, not_found=error)
    return obj


def get_claim_for(organizer: Organizer, claim_id: int) -> Claim:
    """A claim on one of the organizer's events, or ``ClaimNotFound``."""
    claim = db.session.get(Claim, claim_id)
    return _for_organizer(organizer, claim, claim.workshop.event_id if claim else 0,
                          ClaimNotFound)


def get_proposal_for(organizer: Organizer, proposal_id: int) -> Proposal:
    """A proposal for one of the organizer's events, or ``ProposalNotFound``."""
    proposal = db.session.get(Proposal, proposal_id)
    return _for_organizer(organizer, proposal, proposal.event_id if proposal else 0,
                          ProposalNotFound)


def get_volunteer_for(organizer: Organizer, volunteer_id: int,
                      permission: Permission = Permission.EVENTS) -> Volunteer:
    """A volunteer of one of the organizer's events, or ``VolunteerNotFound``.

    Reading the volunteer's contact asks for ``Permission.CONTACTS`` (owners, and the
    organizers an owner chose).
    """
    volunteer = db.session.get(Volunteer, volunteer_id)
    return _for_organizer(organizer, volunteer, volunteer.event_id if volunteer else 0,
                          VolunteerNotFound, permission)


# Sign-up ------------------------------------------------------------------

def _clean_pseudonym(pseudonym) -> str:
    pseudonym = " ".join((pseudonym or "").split())
    if not 1 <= len(pseudonym) <= MAX_PSEUDONYM:
        raise InvalidPseudonym(maximum=MAX_PSEUDONYM)
    return pseudonym


def _clean_skills(skills, other_skills) -> tuple[str, str]:
    codes = list(dict.fromkeys(skills or ()))
    other = " ".join((other_skills or "").split())
    if any(code not in SKILL_CODES for code in codes) or len(other) > MAX_OTHER_SKILLS:
        raise InvalidSkills(maximum=MAX_OTHER_SKILLS)
    return ",".join(codes), other


def validate_public_key(armored: str, keyring: openpgp.Keyring) -> tuple[str, str]:
    """Check a volunteer's public key; return (armored, fingerprint).

    The keyring's one validation rule (``Keyring.check_public_key``) decides, in a
    throwaway home: exactly one public key, without any secret part, neither
    revoked nor expired, able to encrypt, and not a weak RSA/DSA key. The armored
    text returned is gpg's own minimal export, not the text as typed.
    """
    data = (armored or "").strip().encode("utf-8", "replace")
    if len(data) > openpgp.MAX_KEY_BYTES:
        raise InvalidPublicKey(reason=_l("it is too large"))
    if b"PRIVATE KEY BLOCK" in data:
        raise InvalidPublicKey(reason=_SECRET_KEY_GIVEN)
    if b"-----BEGIN PGP PUBLIC KEY BLOCK-----" not in data:
        raise InvalidPublicKey(reason=_l("paste a block that starts with -----BEGIN PGP PUBLIC "
                                         "KEY BLOCK-----"))
    try:
        return keyring.check_public_key(data, usage="encrypt")
    except openpgp.OpenPGPError as error:
        raise InvalidPublicKey(reason=_refusal_reason(error)) from None


_SECRET_KEY_GIVEN = _l("this is a secret key: never give it to anyone; paste your public key")


def _refusal_reason(error: openpgp.OpenPGPError):
    """The keyring's refusal as the reason shown beside the volunteer's key field."""
    if isinstance(error, openpgp.UnexpectedSecretKey):
        return _SECRET_KEY_GIVEN
    if isinstance(error, openpgp.MultipleKeys):
        return _l("it holds several keys; paste only yours")
    if isinstance(error, openpgp.WeakKey):
        return _l("it is too weak (fewer than 2048 bits)")
    if isinstance(error, openpgp.TooLarge):
        return _l("it is too large")
    if isinstance(error, openpgp.CannotEncrypt):
        return _l(error.params["reason"])
    return _l("GnuPG finds no valid key in it")


def _encrypt_contact(event: Event, contact: str, keyring) -> tuple[str, str]:
    fingerprint = event.organization.contacts_key_fingerprint
    if not fingerprint or keyring is None:
        raise ContactNotAccepted()
    try:
        return keyring.encrypt(contact, fingerprint), fingerprint
    except openpgp.OpenPGPError:
        # The error's detail is gpg's words, never the text; still, keep it out of logs.
        raise ContactNotEncrypted() from None


def sign_up(event: Event, *, pseudonym: str, now: datetime, skills=(), other_skills: str = "",
            contact: str | None = None, public_key: str | None = None,
            keyring: openpgp.Keyring | None = None) -> tuple[Volunteer, str]:
    """Register a volunteer for the event; return it and its private-link token.

    The token is returned once and never stored. Everything is checked, and the
    contact encrypted, before the single write.
    """
    if not accepts_volunteers(event, now):
        raise VolunteeringClosed()
    pseudonym = _clean_pseudonym(pseudonym)
    skill_codes, other = _clean_skills(skills, other_skills)
    contact = (contact or "").strip()
    if len(contact) > MAX_CONTACT:
        raise ContactTooLong(maximum=MAX_CONTACT)
    key_armored = key_fingerprint = None
    if public_key and public_key.strip():
        if keyring is None:
            raise InvalidPublicKey(reason=_l("GnuPG finds no valid key in it"))
        key_armored, key_fingerprint = validate_public_key(public_key, keyring)
    ciphertext = contact_fingerprint = None
    if contact:
        ciphertext, contact_fingerprint = _encrypt_contact(event, contact, keyring)
    del contact
    token = new_token()
    try:
        with atomic():
            taken = db.session.scalar(select(Volunteer.id).filter_by(event_id=event.id,
                                                                     pseudonym=pseudonym))
            if taken is not None:
                raise PseudonymTaken(pseudonym=pseudonym)
            volunteer = Volunteer(event_id=event.id, pseudonym=pseudonym, skills=skill_codes,
                                  other_skills=other, contact_ciphertext=ciphertext,
                                  contact_fingerprint=contact_fingerprint,
                                  public_key=key_armored, public_key_fingerprint=key_fingerprint,
                                  token_hash=hash_token(token), created_on=now.date())
            db.session.add(volunteer)
    except IntegrityError:
        raise PseudonymTaken(pseudonym=pseudonym) from None
    return volunteer, token


# Claims -------------------------------------------------------------------

def _workshop_of(volunteer: Volunteer, workshop_id) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id) if isinstance(workshop_id, int) else None
    if workshop is None or workshop.event_id != volunteer.event_id:
        raise WorkshopNotFound()
    return workshop


def _busy_in_session(volunteer_id: int, session_id: int) -> bool:
    query = select(Claim.id).filter_by(volunteer_id=volunteer_id, active_session_id=session_id)
    return db.session.scalar(query) is not None


def _take_place(workshop_id: int) -> bool:
    """Count one more facilitator on the workshop if it has room: the guarded UPDATE."""
    limit = case((Workshop.allow_cofacilitators, MAX_FACILITATORS), else_=1)
    result = db.session.execute(
        update(Workshop).where(Workshop.id == workshop_id, Workshop.facilitators < limit)
        .values(facilitators=Workshop.facilitators + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _free_place(workshop_id: int) -> None:
    db.session.execute(
        update(Workshop).where(Workshop.id == workshop_id, Workshop.facilitators > 0)
        .values(facilitators=Workshop.facilitators - 1)
        .execution_options(synchronize_session=False))


def _new_claim(volunteer: Volunteer, workshop: Workshop, status: ClaimStatus,
               now: datetime) -> Claim:
    """Take a place on the workshop and record the claim, in one transaction."""
    if _busy_in_session(volunteer.id, workshop.session_id):
        raise BusyInSession()
    try:
        with atomic():
            if not _take_place(workshop.id):
                raise WorkshopTaken()
            claim = Claim(volunteer_id=volunteer.id, workshop_id=workshop.id,
                          active_session_id=workshop.session_id, status=status,
                          created_on=now.date())
            db.session.add(claim)
            db.session.flush()
    except IntegrityError:
        raise BusyInSession() from None
    db.session.refresh(workshop)
    return claim


def claim_workshop(volunteer: Volunteer, workshop_id: int, *, now: datetime) -> Claim:
    """The volunteer offers to facilitate a workshop; the claim is ``proposed``.

    Refused when the event is cancelled or over, when the workshop does not look
    for a facilitator or already has as many as it takes, and when the
    volunteer already holds a workshop of the same session.
    """
    workshop = _workshop_of(volunteer, workshop_id)
    if not accepts_volunteers(workshop.event, now):
        raise EventNotRunning()
    if not workshop.needs_facilitator:
        raise NoFacilitatorNeeded()
    return _new_claim(volunteer, workshop, ClaimStatus.PROPOSED, now)


def _close_claim(claim: Claim, status: ClaimStatus, from_statuses) -> None:
    """Move an active claim to a closed status and free its place, once."""
    with atomic():
        result = db.session.execute(
            update(Claim).where(Claim.id == claim.id, Claim.status.in_(from_statuses))
            .values(status=status, active_session_id=None)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise ClaimNotActive()
        _free_place(claim.workshop_id)
    db.session.refresh(claim)


def withdraw_claim(volunteer: Volunteer, claim_id, *, now: datetime) -> Claim:
    """The volunteer withdraws from a workshop, until the event's withdrawal deadline."""
    claim = db.session.get(Claim, claim_id) if isinstance(claim_id, int) else None
    if claim is None or claim.volunteer_id != volunteer.id:
        raise ClaimNotFound()
    if not claim.is_active:
        raise ClaimNotActive()
    event = volunteer.event
    if now >= withdraw_deadline(event):
        raise WithdrawalClosed(hours=event.volunteer_withdraw_hours)
    _close_claim(claim, ClaimStatus.WITHDRAWN, ACTIVE_CLAIM_STATUSES)
    return claim


def confirm_claim(claim: Claim, *, now: datetime) -> Claim:
    """The organizer confirms a proposed claim."""
    with atomic():
        result = db.session.execute(
            update(Claim).where(Claim.id == claim.id, Claim.status == ClaimStatus.PROPOSED)
            .values(status=ClaimStatus.CONFIRMED)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise ClaimAlreadyHandled()
    db.session.refresh(claim)
    return claim


def decline_claim(claim: Claim, *, now: datetime) -> Claim:
    """The organizer declines a claim (proposed or confirmed); the workshop is free again."""
    _close_claim(claim, ClaimStatus.DECLINED, ACTIVE_CLAIM_STATUSES)
    return claim


def assign_volunteer(volunteer: Volunteer, workshop_id: int, *, now: datetime) -> Claim:
    """The organizer puts a volunteer on a workshop, confirmed at once.

    The workshop need not look for a facilitator, but the limits still hold.
    """
    workshop = _workshop_of(volunteer, workshop_id)
    if workshop.event.status in (EventStatus.CANCELLED, EventStatus.ARCHIVED):
        raise EventNotRunning()
    for claim in volunteer.active_claims:
        if claim.workshop_id == workshop.id:
            if claim.status == ClaimStatus.PROPOSED:
                return confirm_claim(claim, now=now)
            return claim
    return _new_claim(volunteer, workshop, ClaimStatus.CONFIRMED, now)


def confirmed_workshop(volunteer: Volunteer, workshop_id: int) -> Workshop:
    """A workshop the volunteer is confirmed on (to download its kit), or ``WorkshopNotFound``."""
    for claim in volunteer.claims:
        if claim.workshop_id == workshop_id and claim.status == ClaimStatus.CONFIRMED:
            return claim.workshop
    raise WorkshopNotFound()


def volunteer_can_check_in(volunteer: Volunteer, event: Event) -> bool:
    """Whether the volunteer may check attendees of the event in: a confirmed facilitator."""
    return (volunteer.event_id == event.id and event.status == EventStatus.PUBLISHED
            and any(c.status == ClaimStatus.CONFIRMED for c in volunteer.claims))


# Proposals ----------------------------------------------------------------

def propose_workshop(volunteer: Volunteer, *, title: str, duration_minutes, now: datetime,
                     summary: str = "", format: str = WorkshopFormat.WORKSHOP,
                     level: str = WorkshopLevel.BEGINNER,
                     needs: str = "") -> Proposal:
    """The volunteer proposes a workshop of their own."""
    if not accepts_volunteers(volunteer.event, now):
        raise VolunteeringClosed()
    title = " ".join((title or "").split())
    summary, needs = (summary or "").strip(), (needs or "").strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise InvalidProposal(reason=_l("give a title of at most 200 characters"))
    if len(summary) > MAX_TEXT or len(needs) > MAX_TEXT:
        raise InvalidProposal(reason=_l("the summary and the needs take at most 2000 "
                                        "characters each"))
    if format not in tuple(WorkshopFormat) or level not in tuple(WorkshopLevel):
        raise InvalidProposal(reason=_l("choose a format and a level from the lists"))
    if (not isinstance(duration_minutes, int) or isinstance(duration_minutes, bool)
            or not MIN_PROPOSAL_MINUTES <= duration_minutes <= MAX_PROPOSAL_MINUTES):
        raise InvalidDuration(minimum=MIN_PROPOSAL_MINUTES, maximum=MAX_PROPOSAL_MINUTES)
    with atomic():
        proposal = Proposal(volunteer_id=volunteer.id, event_id=volunteer.event_id, title=title,
                            summary=summary, format=format, duration_minutes=duration_minutes,
                            level=level, needs=needs, status=ProposalStatus.PROPOSED,
                            created_on=now.date())
        db.session.add(proposal)
    return proposal


def _close_proposal(proposal: Proposal, status: ProposalStatus) -> None:
    with atomic():
        result = db.session.execute(
            update(Proposal).where(Proposal.id == proposal.id,
                                   Proposal.status == ProposalStatus.PROPOSED)
            .values(status=status).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise ProposalAlreadyHandled()
    db.session.refresh(proposal)


def withdraw_proposal(volunteer: Volunteer, proposal_id, *, now: datetime) -> Proposal:
    """The volunteer withdraws a proposal the organizer has not handled yet."""
    proposal = db.session.get(Proposal, proposal_id) if isinstance(proposal_id, int) else None
    if proposal is None or proposal.volunteer_id != volunteer.id:
        raise ProposalNotFound()
    _close_proposal(proposal, ProposalStatus.WITHDRAWN)
    return proposal


def decline_proposal(proposal: Proposal, *, now: datetime) -> Proposal:
    """The organizer declines a proposal."""
    _close_proposal(proposal, ProposalStatus.DECLINED)
    return proposal


def accept_proposal(proposal: Proposal, session: EventSession, *, capacity: int,
                    now: datetime, room: str = "") -> Workshop:
    """Turn a proposal into a workshop of the session, facilitated by its author (confirmed).

    Everything that could refuse is checked before the workshop is created; if
    the claim still fails (a concurrent claim by the author in that session),
    the new workshop is removed again, so nothing is left half-made.
    """
    if proposal.status != ProposalStatus.PROPOSED:
        raise ProposalAlreadyHandled()
    if session.event_id != proposal.event_id:
        raise WorkshopNotFound()
    if session.event.status in (EventStatus.CANCELLED, EventStatus.ARCHIVED):
        raise EventNotRunning()
    if _busy_in_session(proposal.volunteer_id, session.id):
        raise BusyInSession()
    workshop = event_service.add_workshop(
        session, now=now, title=proposal.title, summary=proposal.summary,
        format=proposal.format, level=proposal.level, room=room or "", capacity=capacity,
        materials=proposal.needs, needs_facilitator=False)
    try:
        with atomic():
            result = db.session.execute(
                update(Proposal).where(Proposal.id == proposal.id,
                                       Proposal.status == ProposalStatus.PROPOSED)
                .values(status=ProposalStatus.ACCEPTED, workshop_id=workshop.id)
                .execution_options(synchronize_session=False))
            if result.rowcount != 1:
                raise ProposalAlreadyHandled()
            _take_place(workshop.id)
            db.session.add(Claim(volunteer_id=proposal.volunteer_id, workshop_id=workshop.id,
                                 active_session_id=session.id, status=ClaimStatus.CONFIRMED,
                                 created_on=now.date()))
            db.session.flush()
    except (DomainError, IntegrityError) as error:
        event_service.delete_workshop(workshop, now=now)
        if isinstance(error, IntegrityError):
            raise BusyInSession() from None
        raise
    db.session.refresh(proposal)
    return workshop


# Contact ------------------------------------------------------------------

CONTACT_INSTRUCTIONS = {
    "en": """\
Contact of the volunteer "{pseudonym}" ({event}), encrypted to the OpenPGP key
{fingerprint}.
To read it, on the computer that holds that key's secret part:

    gpg --decrypt contact.asc

""",
    "fr": """\
Contact de la personne bénévole «\u202f{pseudonym}\u202f» ({event}), chiffré pour la
clé OpenPGP {fingerprint}.
Pour le lire, sur l’ordinateur qui détient la partie secrète de cette clé\u202f:

    gpg --decrypt contact.asc

""",
}


def contact_file(volunteer: Volunteer) -> str:
    """The volunteer's encrypted contact as an ``.asc`` file, with bilingual instructions.

    The instructions come in the organization's language first, then the other one.
    gpg ignores the text before the armor, so the file decrypts as it is.
    """
    if not volunteer.contact_ciphertext:
        raise NoContact()
    values = dict(
        pseudonym=volunteer.pseudonym.replace("\n", " "),
        event=volunteer.event.title.replace("\n", " "),
        fingerprint=openpgp.fingerprint_groups(volunteer.contact_fingerprint or "")
        if volunteer.contact_fingerprint else "?")
    first = (volunteer.event.organization.default_locale or "fr")[:2]
    order = sorted(CONTACT_INSTRUCTIONS, key=lambda lang: lang != first)
    header = "".join(CONTACT_INSTRUCTIONS[lang].format(**values) for lang in order)
    return header + volunteer.contact_ciphertext


# Retention ----------------------------------------------------------------

def retention_ends(event: Event) -> datetime:
    """When the event's volunteer contacts are due for deletion."""
    return event.ends_at + timedelta(days=event.retention_days)


def purge_volunteer_contacts(event: Event, now: datetime) -> int:
    """Delete the contacts and public keys of the event's volunteers once its retention is over.

    Pseudonyms, claims and proposals stay (the archived program shows the
    pseudonyms). Returns how many volunteers lost a contact or key; 0 before
    the retention period ends.
    """
    if now < retention_ends(event):
        return 0
    with atomic():
        result = db.session.execute(
            update(Volunteer)
            .where(Volunteer.event_id == event.id,
                   Volunteer.contact_ciphertext.is_not(None)
                   | Volunteer.public_key.is_not(None))
            .values(contact_ciphertext=None, contact_fingerprint=None, public_key=None,
                    public_key_fingerprint=None)
            .execution_options(synchronize_session=False))
    db.session.expire_all()
    return result.rowcount

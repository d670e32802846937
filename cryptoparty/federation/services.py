"""Federation services: the switch, keys, discovery, the inbox and the delivery queue.

Services take plain arguments and ``now``; the view or the command hands in
the public base URL, the app's secret and the SSRF setting. No follower actor
id is written anywhere: see ``models.py``.
"""

import json
import logging
import threading
import time
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select, update

from cryptoparty.accounts.models import Organization
from cryptoparty.announcements.models import Announcement
from cryptoparty.announcements.services import SIGNED_CHANNEL
from cryptoparty.core import validation
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError, NotFound
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Event
from cryptoparty.federation import documents, net, signatures
from cryptoparty.federation.documents import Urls
from cryptoparty.federation.models import FederationActor, FederationDelivery, FederationFollower

log = logging.getLogger(__name__)

PUBLIC_STATUSES = ("published", "cancelled", "archived")


class MalformedActivity(DomainError):
    status = 400
    message = "Malformed activity."


class Unauthorized(DomainError):
    status = 401
    message = "The request is not signed, or its signature does not verify."


# The switch and the keys ----------------------------------------------------

def get_actor(organization) -> FederationActor | None:
    return db.session.scalar(select(FederationActor).filter_by(organization_id=organization.id))


def set_federation(organization, enabled: bool, *, now: datetime) -> FederationActor:
    """Turn federation on or off for the organization (off until an owner turns it on)."""
    with atomic():
        actor = get_actor(organization)
        if actor is None:
            actor = FederationActor(organization_id=organization.id, created_at=now)
            db.session.add(actor)
        actor.federation_enabled = bool(enabled)
    return actor


def federate_by_default(organization, *, now: datetime) -> FederationActor:
    """Turn federation on unless someone already decided (the demo organization)."""
    actor = get_actor(organization)
    if actor is not None:
        return actor
    return set_federation(organization, True, now=now)


def federated(slug: str) -> tuple[Organization, FederationActor]:
    """The organization and its actor, if federation is on; ``NotFound`` otherwise."""
    row = db.session.execute(
        select(Organization, FederationActor)
        .join(FederationActor, FederationActor.organization_id == Organization.id)
        .where(Organization.slug == slug, FederationActor.federation_enabled.is_(True))
    ).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def ensure_keys(actor: FederationActor, secret) -> tuple[str, str]:
    """The actor's (public PEM, private PEM), made on first use."""
    if actor.public_key_pem is None:
        public_pem, private_pem = signatures.generate_key_pair()
        with atomic():
            # Conditional: when two processes race, the first key stays.
            db.session.execute(
                update(FederationActor)
                .where(FederationActor.id == actor.id, FederationActor.public_key_pem.is_(None))
                .values(public_key_pem=public_pem,
                        private_key_encrypted=signatures.encrypt_private_key(private_pem, secret)))
        db.session.refresh(actor)
    return actor.public_key_pem, signatures.decrypt_private_key(actor.private_key_encrypted, secret)


def forget_keys(organization) -> None:
    """Drop the organization's key pair; a new one is made on next use (after a new secret)."""
    with atomic():
        actor = get_actor(organization)
        if actor is not None:
            actor.public_key_pem = None
            actor.private_key_encrypted = None


def public_key(actor: FederationActor, secret) -> str:
    return ensure_keys(actor, secret)[0]


# Discovery ------------------------------------------------------------------

def resolve_resource(resource: str, urls: Urls) -> Organization:
    """The organization a WebFinger ``resource`` names (``acct:slug@host`` or its actor URL)."""
    slug = None
    if resource.startswith("acct:"):
        user, _, host = resource[5:].lstrip("@").partition("@")
        if host.lower() == urls.host.lower():
            slug = user
    elif resource.startswith(urls.base + "/"):
        for prefix in (urls.base + "/ap/orgs/", urls.base + "/orgs/"):
            if resource.startswith(prefix):
                slug = resource[len(prefix):].strip("/")
    if not slug:
        raise NotFound()
    return federated(slug)[0]


def public_events(organization) -> list:
    return list(db.session.scalars(
        select(Event).where(Event.organization_id == organization.id,
                            Event.status.in_(PUBLIC_STATUSES))
        .order_by(Event.starts_at.desc())))


def federated_event(slug: str):
    """A public event of an organization that federates; ``NotFound`` otherwise."""
    event = db.session.scalar(select(Event).filter_by(slug=slug))
    if event is None or event.status not in PUBLIC_STATUSES:
        raise NotFound()
    federated(event.organization.slug)
    return event


def signed_event_ids(events) -> set[int]:
    """Which of the events have an announcement signed with OpenPGP."""
    ids = [e.id for e in events]
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Announcement.event_id).where(Announcement.event_id.in_(ids),
                                            Announcement.channel == SIGNED_CHANNEL,
                                            Announcement.signed_text.is_not(None))))


def follower_count(actor: FederationActor) -> int:
    return db.session.scalar(select(func.count()).select_from(FederationFollower)
                             .filter_by(actor_id=actor.id))


def usage() -> dict:
    """NodeInfo usage: counts only."""
    actors = db.session.scalar(select(func.count()).select_from(FederationActor)
                               .where(FederationActor.federation_enabled.is_(True)))
    events = db.session.scalar(
        select(func.count()).select_from(Event)
        .join(FederationActor, FederationActor.organization_id == Event.organization_id)
        .where(FederationActor.federation_enabled.is_(True),
               Event.status.in_(PUBLIC_STATUSES)))
    return {"actors": actors, "events": events}


def panel(organization) -> dict:
    """Figures for the back office: followers, servers, pending and failed deliveries."""
    actor = get_actor(organization)
    if actor is None:
        return {"enabled": False, "followers": 0, "servers": 0, "pending": 0, "retrying": 0,
                "dropped": 0}
    servers = db.session.scalar(select(func.count(func.distinct(FederationFollower.inbox_url)))
                                .where(FederationFollower.actor_id == actor.id))
    pending = db.session.scalar(select(func.count()).select_from(FederationDelivery)
                                .filter_by(actor_id=actor.id))
    retrying = db.session.scalar(select(func.count()).select_from(FederationDelivery)
                                 .where(FederationDelivery.actor_id == actor.id,
                                        FederationDelivery.attempts > 0))
    return {"enabled": actor.federation_enabled, "followers": follower_count(actor),
            "servers": servers, "pending": pending, "retrying": retrying,
            "dropped": actor.deliveries_dropped}


# Remote keys: kept in memory only (a key id names its actor) -----------------

_KEY_TTL = 3600
_KEY_CACHE_MAX = 1000
_key_cache: dict[str, tuple[float, signatures.RemoteKey]] = {}
_key_lock = threading.Lock()


def clear_key_cache():
    with _key_lock:
        _key_cache.clear()


def _as_id(value):
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _key_from_documents(key_id: str, *, allow_private: bool,
                        sign=None) -> signatures.RemoteKey | None:
    document = net.fetch_json(key_id.split("#")[0], allow_private=allow_private, sign=sign)
    key_doc = document.get("publicKey", document)
    if isinstance(key_doc, list):
        key_doc = next((k for k in key_doc if isinstance(k, dict) and k.get("id") == key_id),
                       None)
    if not isinstance(key_doc, dict) or key_doc.get("id") != key_id:
        return None
    owner = _as_id(key_doc.get("owner")) or _as_id(document.get("id"))
    pem = key_doc.get("publicKeyPem")
    if not owner or not isinstance(pem, str):
        return None
    if urlsplit(owner).netloc != urlsplit(key_id).netloc:
        return None
    actor = document if _as_id(document.get("id")) == owner else None
    if actor is None:
        actor = net.fetch_json(owner, allow_private=allow_private, sign=sign)
        if _as_id(actor.get("id")) != owner or _as_id(actor.get("publicKey")) != key_id:
            return None
    endpoints = actor.get("endpoints") if isinstance(actor.get("endpoints"), dict) else {}
    return signatures.RemoteKey(key_id=key_id, owner=owner, public_pem=pem,
                                inbox=_as_id(actor.get("inbox")),
                                shared_inbox=_as_id(endpoints.get("sharedInbox")))


def key_finder(*, allow_private: bool, sign=None):
    """``find_key(key_id, refresh)`` for ``signatures.verify_post``, cached in memory.

    ``sign(url)``: signature headers for the fetches (see ``fetch_signer``).
    """
    def find_key(key_id: str, refresh: bool):
        with _key_lock:
            cached = _key_cache.get(key_id)
        if cached and not refresh and time.monotonic() - cached[0] < _KEY_TTL:
            return cached[1]
        try:
            key = _key_from_documents(key_id, allow_private=allow_private, sign=sign)
        except net.FetchError:
            key = None
        if key is not None:
            with _key_lock:
                if len(_key_cache) >= _KEY_CACHE_MAX:
                    _key_cache.clear()
                _key_cache[key_id] = (time.monotonic(), key)
        return key
    return find_key


# The inbox ------------------------------------------------------------------

def parse_activity(body: bytes) -> dict:
    """The JSON activity; ``MalformedActivity`` unless it is an object with a type and actor."""
    try:
        activity = validation.load_json(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedActivity() from error
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str) \
            or not _as_id(activity.get("actor")):
        raise MalformedActivity()
    context = activity.get("@context")
    if context is not None and not isinstance(context, (str, list, dict)):
        raise MalformedActivity()
    return activity


def fetch_signer(slug: str, *, now: datetime, urls: Urls, secret):
    """``sign(url)``: the organization signs its fetches of remote keys with its own key."""
    _organization, actor = federated(slug)
    _public, private_pem = ensure_keys(actor, secret)

    def sign(url):
        return signatures.sign_get(url, key_id=urls.key_id(slug), private_pem=private_pem,
                                   now=now)
    return sign


def verify_request(method, path, headers, body, *, now, allow_private, sign=None):
    """The signer's key of a POST; ``Unauthorized`` when the signature does not hold."""
    try:
        return signatures.verify_post(method, path, headers, body, now=now,
                                      find_key=key_finder(allow_private=allow_private,
                                                          sign=sign))
    except signatures.SignatureError as error:
        raise Unauthorized() from error


def _enqueue(actor, inbox_url, kind, *, now, activity=None, event_id=None, activity_uuid=None):
    db.session.add(FederationDelivery(
        actor_id=actor.id, inbox_url=inbox_url, activity_type=kind,
        activity=json.dumps(activity) if activity is not None else None,
        activity_uuid=activity_uuid or str(uuid.uuid4()), event_id=event_id, attempts=0,
        next_attempt_at=now, created_at=now))


def receive(slug: str, activity: dict, signer: signatures.RemoteKey, *, now: datetime,
            urls: Urls, secret) -> str:
    """Act on a verified activity sent to the organization's inbox; what was done.

    ``Follow`` stores the follow and queues a signed ``Accept``; ``Undo`` of a
    follow deletes it; ``Join`` queues a ``Reject`` that points at the
    registration page; anything else is accepted and ignored.
    """
    organization, actor = federated(slug)
    if _as_id(activity.get("actor")) != signer.owner:
        raise Unauthorized()
    kind = activity["type"]
    inbox = signer.shared_inbox or signer.inbox
    hashed = signatures.keyed_hash(secret, signer.owner)
    if kind == "Follow":
        if _as_id(activity.get("object")) != urls.actor(slug):
            return "ignored"
        if not inbox:
            raise MalformedActivity()
        with atomic():
            row = db.session.scalar(select(FederationFollower)
                                    .filter_by(actor_id=actor.id, follower_hash=hashed))
            if row is None:
                db.session.add(FederationFollower(actor_id=actor.id, follower_hash=hashed,
                                                  inbox_url=inbox, created_on=now.date()))
            else:
                row.inbox_url = inbox
            accept_uuid = str(uuid.uuid4())
            accept = documents.reply("Accept", organization, activity, urls,
                                     activity_id=urls.activity(accept_uuid))
            # The Accept goes to the follower's own inbox (it names the follower).
            _enqueue(actor, signer.inbox or inbox, "Accept", now=now, activity=accept,
                     activity_uuid=accept_uuid)
        return "followed"
    if kind == "Undo":
        undone = activity.get("object")
        if isinstance(undone, dict) and undone.get("type") != "Follow":
            return "ignored"
        with atomic():
            row = db.session.scalar(select(FederationFollower)
                                    .filter_by(actor_id=actor.id, follower_hash=hashed))
            if row is None:
                return "ignored"
            db.session.delete(row)
        return "unfollowed"
    if kind == "Join":
        target = _as_id(activity.get("object")) or ""
        event_slug = None
        prefix = urls.base + "/ap/events/"
        if target.startswith(prefix):
            event_slug = target[len(prefix):].strip("/")
        if not inbox:
            return "ignored"
        reject_uuid = str(uuid.uuid4())
        register = urls.register(event_slug) if event_slug else urls.org_page(slug)
        reject = documents.reply(
            "Reject", organization, activity, urls, activity_id=urls.activity(reject_uuid),
            extra={"content": "<p>Registration is anonymous: please register at "
                              f'<a href="{register}">{register}</a>.</p>',
                   "url": register})
        with atomic():
            _enqueue(actor, signer.inbox or inbox, "Reject", now=now, activity=reject,
                     activity_uuid=reject_uuid)
        return "rejected"
    return "ignored"


# The hook: events published, changed, cancelled -------------------------------

ACTION_ACTIVITY = {"publish": "Create", "cancel": "Update", "update": "Update",
                   "unpublish": "Delete"}


def event_changed(event, action: str, *, now: datetime, previous_status: str | None = None):
    """Queue the activity for an event's change, one job per distinct follower inbox.

    Called by the events service inside its transaction. A draft never leaves:
    nothing is sent for an event that was never public.
    """
    kind = ACTION_ACTIVITY.get(action)
    if kind is None:
        return 0
    if previous_status == "draft" and kind != "Create":
        return 0
    if kind == "Update" and event.status not in PUBLIC_STATUSES:
        return 0
    actor = db.session.scalar(select(FederationActor).filter_by(
        organization_id=event.organization_id, federation_enabled=True))
    if actor is None:
        return 0
    inboxes = list(db.session.scalars(
        select(FederationFollower.inbox_url).where(FederationFollower.actor_id == actor.id)
        .distinct()))
    shared_uuid = str(uuid.uuid4())
    with atomic():
        for inbox in inboxes:
            _enqueue(actor, inbox, kind, now=now, event_id=event.id, activity_uuid=shared_uuid)
    return len(inboxes)


__all__ = ["MalformedActivity", "Unauthorized", "set_federation", "federated", "receive",
           "event_changed", "panel", "usage"]

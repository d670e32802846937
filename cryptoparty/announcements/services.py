"""An event's announcement, drafted per channel, edited, signed and published.

Channels (``models.announcements.CHANNELS``), each written for its medium:

* ``full``: the plain-text announcement with the whole program and how to
  check its signature. It is the one that is clearsigned and served at
  ``/events/<slug>/announcement.txt.asc``.
* ``mastodon`` (at most 500 characters) and ``microblog`` (at most 280): a short
  post with the event's address and the key's fingerprint; the most detailed
  variant that fits is drafted.
* ``newsletter``: a letter to the library's readers, in plain text.
* ``html``: a fragment for the library's blog, every value escaped.

Drafts are written in the organization's default language (``force_locale``:
no request is needed), from the templates in ``templates/announcements/``.

Staleness: a draft remembers the digest of the event's public data it was
drafted from (``event_digest``); signing copies it into ``signed_digest``. When
the event's digest differs from ``signed_digest``, the signed text no longer
matches the event. An offline signature whose text equals the current draft
takes the draft's digest; a text edited offline is taken as describing the
event as it is when uploaded.
"""

import hashlib
import json
import re
import textwrap
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cryptoparty.announcements import keys as key_service
from cryptoparty.announcements.models import CHANNEL_LIMITS, CHANNELS, Announcement
from cryptoparty.core import i18n
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError, NotFound
from cryptoparty.core.extensions import db
from cryptoparty.core.templating import render_text
from cryptoparty.events.models import Event
from cryptoparty.gpg import keyring as openpgp

SIGNED_CHANNEL = "full"
WRAP = 72


class UnknownChannel(NotFound):
    message = _l("There is no such channel.")


class TextTooLong(DomainError):
    message = _l("This text has %(length)d characters; at most %(limit)d fit in this channel.")


class EmptyText(DomainError):
    message = _l("The text is empty.")


class NotSigned(NotFound):
    message = _l("This event has no signed announcement yet.")


class NoSecretKey(DomainError):
    status = 409
    message = _l("The organization signs offline: its secret key is not on this server. Sign "
                 "the text on your own machine and upload the signed text.")


class SignedTextMismatch(DomainError):
    message = _l("The signature is valid, but the text is empty or too long for an "
                 "announcement.")


# Reading ---------------------------------------------------------------------

def announcements_of(event: Event) -> dict[str, Announcement]:
    """The event's announcements that exist, by channel."""
    rows = db.session.scalars(select(Announcement).filter_by(event_id=event.id))
    return {a.channel: a for a in rows}


def _tidy(text: str) -> str:
    """Spaces tidied up (runs of ASCII white space become one space); the narrow no-break
    spaces of French typography (U+202F) and no-break spaces stay where they are."""
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()



def get_announcement(event: Event, channel: str) -> Announcement:
    """The event's announcement for ``channel`` (``UnknownChannel`` if it has none)."""
    if channel not in CHANNELS:
        raise UnknownChannel()
    found = announcements_of(event).get(channel)
    if found is None:
        raise UnknownChannel()
    return found


def signed_announcement(event: Event) -> Announcement:
    """The event's published signed announcement, or ``NotSigned``."""
    found = announcements_of(event).get(SIGNED_CHANNEL)
    if found is None or not found.signed_text:
        raise NotSigned()
    return found


def event_digest(event: Event) -> str:
    """SHA-256 of what the public reads of the event: what an announcement describes.

    Seats taken are left out (they change with every registration); the status
    is in (a cancelled event makes its announcement stale).
    """
    data = {
        "organization": event.organization.name,
        "kind": event.kind, "title": event.title, "description": event.description,
        "venue": event.venue, "address": event.address, "timezone": event.timezone,
        "starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat(),
        "status": event.status,
        "sessions": [{
            "label": s.label, "starts_at": s.starts_at.isoformat(),
            "ends_at": s.ends_at.isoformat(),
            "workshops": [{"title": w.title, "format": w.format, "summary": w.summary,
                           "level": w.level, "room": w.room, "topics": w.topics}
                          for w in s.workshops],
        } for s in event.sessions],
    }
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def is_stale(announcement: Announcement, event: Event | None = None) -> bool:
    """Whether the signed text no longer matches the event."""
    if not announcement.signed_text:
        return False
    return announcement.signed_digest != event_digest(event or announcement.event)


def draft_is_stale(announcement: Announcement, event: Event | None = None) -> bool:
    """Whether the event changed since this draft was written."""
    return announcement.event_digest != event_digest(event or announcement.event)


# Drafting --------------------------------------------------------------------

def _urls(event: Event, public_url: str) -> dict:
    base = public_url.rstrip("/")
    return {"event_url": f"{base}/events/{event.slug}/",
            "signed_url": f"{base}/events/{event.slug}/announcement.txt.asc",
            "key_url": f"{base}/orgs/{event.organization.slug}/key.asc"}


def _wrap(text: str, indent: str = "") -> str:
    """Wrap each paragraph at 72 columns; blank lines between paragraphs kept."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "\n\n".join(
        textwrap.fill(_tidy(p), WRAP, initial_indent=indent,
                      subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
        for p in paragraphs)


def _first_sentence(text: str, limit: int) -> str:
    flat = _tidy(text or "")
    match = re.match(r"(.+?[.!?…])(\s|$)", flat)
    sentence = match.group(1) if match else flat
    return _shorten(sentence, limit)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:max(limit - 1, 0)].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def _context(event: Event, public_url: str) -> dict:
    key = key_service.current_key(event.organization)
    tz = event.timezone
    several = i18n.spans_several_days(event.starts_at, event.ends_at, tz)
    return {
        "event": event, "organization": event.organization, "key": key,
        "fingerprint": openpgp.fingerprint_groups(key.fingerprint) if key else "",
        "date": i18n.local_date(event.starts_at, tz),
        "short_date": i18n.local_date(event.starts_at, tz, "medium"),
        "start": i18n.local_time(event.starts_at, tz), "end": i18n.local_time(event.ends_at, tz),
        # Over several days, every time carries its date (one formatter: i18n.local_range).
        "time": (lambda value: i18n.local_datetime(value, tz)) if several
        else (lambda value: i18n.local_time(value, tz)),
        "when": i18n.local_range(event.starts_at, event.ends_at, tz),
        "span": lambda start, end: i18n.local_range(start, end, tz, with_date=False,
                                                    multi_day=several),
        "where": ", ".join(part for part in (event.venue, event.address) if part),
        "wrap": _wrap, **_urls(event, public_url),
    }


def _render(template: str, context: dict) -> str:
    return render_text(template, **context)


def _short_post(context: dict, limit: int, mastodon: bool) -> str:
    """The most detailed short post that fits in ``limit`` characters.

    Both carry the event's address and the key's fingerprint; the Mastodon post
    adds a teaser, the workshops, the signed announcement's address and hashtags
    when they fit.
    """
    event = context["event"]
    when = f"{context['short_date']}, {context['start']}"
    register = _("Free, anonymous registration: %(url)s", url=context["event_url"])
    fingerprint = (_("OpenPGP key: %(fingerprint)s", fingerprint=context["fingerprint"])
                   if context["key"] else "")
    signed = (_("Signed announcement: %(url)s", url=context["signed_url"])
              if context["key"] and mastodon else "")
    titles = [w.title for w in event.workshops if w.format in ("workshop", "install",
                                                                 "discussion")]
    tags = _("#CryptoParty #Privacy") if mastodon else ""
    teaser = _first_sentence(event.description, 160) if mastodon else ""

    def post(title, where, teaser, program, tags):
        head = f"{title} — {when}" + (f", {where}" if where else "")
        listed = ", ".join(program) + ("…" if len(program) < len(titles) else "")
        lines = [head, teaser,
                 _("Workshops: %(titles)s", titles=listed) if program else "",
                 register, signed, fingerprint, tags]
        return "\n".join(line for line in lines if line)

    where = event.venue or event.address
    # The program matters more than the teaser and the hashtags: every workshop is
    # listed whenever the list fits at all, dropping the teaser, then the tags, first.
    candidates = [candidate for n in range(len(titles), 0, -1) for candidate in (
        post(event.title, where, teaser, titles[:n], tags),
        post(event.title, where, "", titles[:n], tags),
        post(event.title, where, "", titles[:n], ""))]
    candidates += [post(event.title, where, teaser, [], tags),
                   post(event.title, where, "", [], tags),
                   post(event.title, where, "", [], ""),
                   post(event.title, "", "", [], "")]
    for text in candidates:
        if len(text) <= limit:
            return text
    # A very long title: shorten it until the post fits.
    room = limit - len(post("", "", "", [], ""))
    return post(_shorten(event.title, max(room, 1)), "", "", [], "")


def draft_text(event: Event, channel: str, public_url: str) -> str:
    """The text drafted for ``channel`` from the event, in the organization's language."""
    if channel not in CHANNELS:
        raise UnknownChannel()
    with force_locale(event.organization.default_locale or "fr"):
        context = _context(event, public_url)
        if channel == "mastodon":
            text = _short_post(context, CHANNEL_LIMITS["mastodon"], mastodon=True)
        elif channel == "microblog":
            text = _short_post(context, CHANNEL_LIMITS["microblog"], mastodon=False)
        elif channel == "html":
            text = _render("announcements/blog.html", context)
        else:
            text = _render(f"announcements/{channel}.txt", context)
    return openpgp.normalize_text(text) if channel != "html" else text.strip() + "\n"


def draft(event: Event, *, public_url: str, now: datetime,
          channels=CHANNELS) -> dict[str, Announcement]:
    """(Re)draft the announcement of each of ``channels`` from the event's current data.

    An organizer's edits to those channels are replaced; the signed text, if
    any, stays published until the next signature.
    """
    channels = list(channels)
    if any(c not in CHANNELS for c in channels):
        raise UnknownChannel()
    texts = {c: draft_text(event, c, public_url) for c in channels}
    digest = event_digest(event)
    with atomic():
        existing = announcements_of(event)
        for channel, text in texts.items():
            row = existing.get(channel)
            if row is None:
                row = Announcement(event_id=event.id, channel=channel)
                db.session.add(row)
            row.body = text
            row.event_digest = digest
            row.edited = False
            row.updated_at = now
    return announcements_of(event)


def check_length(channel: str, text: str) -> None:
    """Raise ``TextTooLong`` or ``EmptyText`` when ``text`` does not fit ``channel``."""
    if not text.strip():
        raise EmptyText()
    limit = CHANNEL_LIMITS[channel]
    if len(text) > limit:
        raise TextTooLong(length=len(text), limit=limit)


def save_text(event: Event, channel: str, text: str, *, now: datetime) -> Announcement:
    """Save the organizer's edited text of a channel, after checking its length."""
    announcement = get_announcement(event, channel)
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if channel != "html":
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"
    check_length(channel, text.rstrip("\n") if channel in ("mastodon", "microblog") else text)
    with atomic():
        announcement.body = text
        announcement.edited = True
        announcement.updated_at = now
    return announcement


# Signing ---------------------------------------------------------------------

def _signing_key(event: Event):
    key = key_service.current_key(event.organization)
    if key is None:
        raise key_service.NoKey()
    return key


def sign(event: Event, keyring: openpgp.Keyring, *, public_url: str, now: datetime,
         passphrase: str | None = None) -> Announcement:
    """Clearsign the full announcement with the organization's current key and publish it.

    The full text is drafted first if there is none. Raises ``NoKey``,
    ``NoSecretKey``, ``TextTooLong`` or an ``OpenPGPError`` (a wrong
    passphrase...); then nothing changes.
    """
    key = _signing_key(event)
    if not key.has_secret:
        raise NoSecretKey()
    announcement = announcements_of(event).get(SIGNED_CHANNEL)
    if announcement is None:
        announcement = draft(event, public_url=public_url, now=now,
                             channels=[SIGNED_CHANNEL])[SIGNED_CHANNEL]
    check_length(SIGNED_CHANNEL, announcement.body)
    body, digest = announcement.body, announcement.event_digest
    armored = keyring.clearsign(body, key.fingerprint, passphrase=passphrase)
    with atomic():
        announcement.signed_text = armored
        announcement.fingerprint = key.fingerprint
        announcement.signed_at = now
        announcement.signed_digest = digest
    return announcement


def publish_offline(event: Event, keyring: openpgp.Keyring, armored, *,
                    now: datetime) -> Announcement:
    """Check a text clearsigned offline against the organization's key, then publish it.

    The signature must be good and made by the organization's current key
    (``BadSignature``, ``WrongSigner`` otherwise, with the reason); the text it
    signs becomes the full announcement.
    """
    key = _signing_key(event)
    verified = keyring.verify_clearsigned(armored, key.fingerprint)
    try:
        check_length(SIGNED_CHANNEL, verified.text)
    except DomainError:
        raise SignedTextMismatch() from None
    current = event_digest(event)
    with atomic():
        announcement = announcements_of(event).get(SIGNED_CHANNEL)
        if announcement is None:
            announcement = Announcement(event_id=event.id, channel=SIGNED_CHANNEL,
                                        event_digest=current)
            db.session.add(announcement)
        same_as_draft = (announcement.body
                         and openpgp.normalize_text(announcement.body) == verified.text)
        digest = announcement.event_digest if same_as_draft else current
        announcement.body = verified.text
        announcement.event_digest = digest
        announcement.edited = not same_as_draft or announcement.edited
        announcement.updated_at = now
        announcement.signed_text = verified.armored
        announcement.fingerprint = key.fingerprint
        announcement.signed_at = verified.signed_at.replace(tzinfo=None)
        announcement.signed_digest = digest
    return announcement

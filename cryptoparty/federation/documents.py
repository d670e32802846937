"""The ActivityStreams documents: pure functions of the models and the public base URL.

The ``Event`` follows what Mobilizon publishes (its JSON-LD terms are declared
inline in ``EVENT_CONTEXT``), with ``joinMode: "external"`` and
``externalParticipationUrl`` so that a Mobilizon or Gancio user who tries to
join is sent to the anonymous registration page.
"""

import html
from datetime import timezone
from importlib import metadata
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import nh3

AS = "https://www.w3.org/ns/activitystreams"
SECURITY = "https://w3id.org/security/v1"
PUBLIC = AS + "#Public"
ACTIVITY_JSON = "application/activity+json"
LD_JSON = f'application/ld+json; profile="{AS}"'

ACTOR_CONTEXT = [AS, SECURITY, {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "discoverable": "toot:discoverable",
}]

EVENT_CONTEXT = [AS, {
    "mz": "https://joinmobilizon.org/ns#",
    "pt": "https://joinpeertube.org/ns#",
    "sc": "http://schema.org#",
    "ical": "http://www.w3.org/2002/12/cal/ical#",
    "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
    "externalParticipationUrl": {"@id": "mz:externalParticipationUrl", "@type": "sc:URL"},
    "anonymousParticipationEnabled": {"@id": "mz:anonymousParticipationEnabled",
                                      "@type": "sc:Boolean"},
    "isOnline": {"@id": "mz:isOnline", "@type": "sc:Boolean"},
    "timezone": {"@id": "mz:timezone", "@type": "sc:Text"},
    "commentsEnabled": {"@id": "pt:commentsEnabled", "@type": "sc:Boolean"},
    "category": "sc:category",
    "inLanguage": "sc:inLanguage",
    "PostalAddress": "sc:PostalAddress",
    "address": {"@id": "sc:address", "@type": "@id"},
    "streetAddress": "sc:streetAddress",
    "addressLocality": "sc:addressLocality",
    "postalCode": "sc:postalCode",
    "addressCountry": "sc:addressCountry",
    "Hashtag": "as:Hashtag",
}]

ICAL_STATUS = {"published": "CONFIRMED", "cancelled": "CANCELLED", "archived": "CONFIRMED"}
MOBILIZON_CATEGORY = {"cryptoparty": "WORKSHOP", "cafe_vie_privee": "MEETING",
                      "install_party": "WORKSHOP", "conference": "CONFERENCE"}


class Urls:
    """The public addresses of the federation documents, from the base URL."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc

    def actor(self, slug):
        return f"{self.base}/ap/orgs/{slug}"

    def key_id(self, slug):
        return self.actor(slug) + "#main-key"

    def inbox(self, slug):
        return self.actor(slug) + "/inbox"

    def outbox(self, slug):
        return self.actor(slug) + "/outbox"

    def followers(self, slug):
        return self.actor(slug) + "/followers"

    def logo(self, slug):
        return f"{self.base}/orgs/{slug}/logo"

    def org_page(self, slug):
        return f"{self.base}/orgs/{slug}/"

    def event_object(self, slug):
        return f"{self.base}/ap/events/{slug}"

    def event_page(self, slug):
        return f"{self.base}/events/{slug}/"

    def register(self, slug):
        return f"{self.base}/events/{slug}/register"

    def announcement(self, slug):
        return f"{self.base}/events/{slug}/announcement.txt.asc"

    def activity(self, uuid):
        return f"{self.base}/ap/activities/{uuid}"


def software_version() -> str:
    try:
        return metadata.version("cryptoparty")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare tree
        return "0.0.0"


def iso(value, tz: str) -> str:
    """A naive UTC datetime as ISO 8601 with the offset of the event's time zone."""
    return value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz)).isoformat()


def iso_utc(value) -> str:
    return value.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def webfinger(org, urls: Urls) -> dict:
    return {
        "subject": f"acct:{org.slug}@{urls.host}",
        "aliases": [urls.actor(org.slug), urls.org_page(org.slug)],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": urls.actor(org.slug)},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
             "href": urls.org_page(org.slug)},
        ],
    }


def host_meta(urls: Urls) -> str:
    template = html.escape(f"{urls.base}/.well-known/webfinger?resource={{uri}}", quote=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
            f'  <Link rel="lrdd" type="application/jrd+json" template="{template}"/>\n'
            '</XRD>\n')


def nodeinfo_links(urls: Urls) -> dict:
    return {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                       "href": f"{urls.base}/nodeinfo/2.1"}]}


def nodeinfo(*, actors: int, events: int) -> dict:
    return {
        "version": "2.1",
        "software": {"name": "cryptoparty", "version": software_version()},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0"]},
        "openRegistrations": False,
        "usage": {"users": {"total": actors}, "localPosts": events},
        "metadata": {},
    }


def actor(org, public_pem: str, urls: Urls) -> dict:
    summary_parts = [p for p in (org.address, org.city) if p]
    summary = "<p>" + html.escape(", ".join(summary_parts)) + "</p>" if summary_parts else ""
    if org.website:
        summary += f'<p><a href="{html.escape(org.website, quote=True)}">' \
                   f"{html.escape(org.website)}</a></p>"
    document = {
        "@context": ACTOR_CONTEXT,
        "id": urls.actor(org.slug),
        "type": "Organization",
        "preferredUsername": org.slug,
        "name": org.name,
        "summary": nh3.clean(summary),
        "url": urls.org_page(org.slug),
        "inbox": urls.inbox(org.slug),
        "outbox": urls.outbox(org.slug),
        "followers": urls.followers(org.slug),
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "publicKey": {"id": urls.key_id(org.slug), "owner": urls.actor(org.slug),
                      "publicKeyPem": public_pem},
    }
    if org.logo:  # the organization's logo (issue 16), served by this site
        document["icon"] = {"type": "Image", "mediaType": org.logo_type,
                            "url": urls.logo(org.slug)}
    return document


def followers(org, count: int, urls: Urls) -> dict:
    """The followers collection: a count, and never an item."""
    return {"@context": AS, "id": urls.followers(org.slug), "type": "OrderedCollection",
            "totalItems": count}


def _content(event) -> str:
    paragraphs = [p.strip() for p in (event.description or "").split("\n\n") if p.strip()]
    parts = ["<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs]
    workshops = [w for w in event.workshops if w.title]
    if workshops:
        parts.append("<ul>" + "".join(f"<li>{html.escape(w.title)}</li>" for w in workshops)
                     + "</ul>")
    return nh3.clean("".join(parts))


def _topics(event) -> list[str]:
    seen = []
    for workshop in event.workshops:
        for topic in workshop.topic_list:
            tag = "".join(ch for ch in topic.title() if ch.isalnum())
            if tag and tag not in seen:
                seen.append(tag)
    return seen


def event_object(event, urls: Urls, *, signed: bool = False) -> dict:
    """An ``Event`` as Mobilizon publishes it (without ``@context``).

    ``signed``: the event has an announcement signed with OpenPGP, linked as an
    attachment (its clearsigned text).
    """
    org = event.organization
    address = {"type": "PostalAddress", "streetAddress": event.address or org.address}
    if org.city:
        address["addressLocality"] = org.city
    document = {
        "id": urls.event_object(event.slug),
        "type": "Event",
        "name": event.title,
        "content": _content(event),
        "mediaType": "text/html",
        "startTime": iso(event.starts_at, event.timezone),
        "endTime": iso(event.ends_at, event.timezone),
        "timezone": event.timezone,
        "published": iso_utc(event.created_at),
        "updated": iso_utc(event.updated_at),
        "location": {"type": "Place", "name": event.venue or org.name, "address": address},
        "url": urls.event_page(event.slug),
        "attributedTo": urls.actor(org.slug),
        "to": [PUBLIC],
        "cc": [urls.followers(org.slug)],
        "tag": [{"type": "Hashtag", "name": f"#{t}"} for t in _topics(event)],
        "category": MOBILIZON_CATEGORY.get(event.kind, "MEETING"),
        "ical:status": ICAL_STATUS.get(event.status, "CONFIRMED"),
        "joinMode": "external",
        "externalParticipationUrl": urls.register(event.slug),
        "anonymousParticipationEnabled": True,
        "isOnline": False,
        "commentsEnabled": False,
        "inLanguage": org.default_locale,
    }
    if signed:
        document["attachment"] = [{
            "type": "Link", "mediaType": "text/plain", "href": urls.announcement(event.slug),
            "name": "Announcement signed with OpenPGP (clearsigned text)"}]
    return document


def event_document(event, urls: Urls, *, signed: bool = False) -> dict:
    return {"@context": EVENT_CONTEXT, **event_object(event, urls, signed=signed)}


def activity(kind: str, event, urls: Urls, *, activity_id: str, published=None,
             signed: bool = False) -> dict:
    """A Create, Update or Delete of the event, from its organization."""
    org = event.organization
    if kind == "Delete":
        obj = {"id": urls.event_object(event.slug), "type": "Tombstone"}
    else:
        obj = event_object(event, urls, signed=signed)
    document = {
        "@context": EVENT_CONTEXT,
        "id": activity_id,
        "type": kind,
        "actor": urls.actor(org.slug),
        "to": [PUBLIC],
        "cc": [urls.followers(org.slug)],
        "object": obj,
    }
    if published is not None:
        document["published"] = iso_utc(published)
    return document


def create_id(event, urls: Urls) -> str:
    return urls.event_object(event.slug) + "#create"


def outbox(org, events, urls: Urls, *, signed_ids=frozenset()) -> dict:
    items = [activity("Create", e, urls, activity_id=create_id(e, urls), published=e.created_at,
                      signed=e.id in signed_ids)
             for e in events]
    for item in items:
        item.pop("@context")
    return {"@context": EVENT_CONTEXT, "id": urls.outbox(org.slug),
            "type": "OrderedCollection", "totalItems": len(items), "orderedItems": items}


def reply(kind: str, org, received: dict, urls: Urls, *, activity_id: str,
          extra: dict | None = None) -> dict:
    """An ``Accept`` or ``Reject`` of an activity we received."""
    obj = {k: received[k] for k in ("id", "type", "actor", "object") if k in received}
    document = {"@context": AS, "id": activity_id, "type": kind,
                "actor": urls.actor(org.slug), "object": obj}
    if extra:
        document.update(extra)
    return document

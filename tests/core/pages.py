"""Every page tests can reach: the demo (with its previous edition), crawled as a visitor,
a ticket holder, a volunteer and the demo organizer, in French and in English.

``crawl(app, lang)`` follows every same-origin link (GET only) from a few entry
points and returns the HTML pages and the PDFs it met, by URL.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from tests.conftest import NOW, login

MAX_PAGES = 400
# Recipes of the catalogue all share one template: a few of them are enough.
SAMPLED_PREFIXES = {"/manage/catalogue/": 4, "/manage/workshops/": 3, "/manage/sessions/": 2}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


@dataclass
class Crawl:
    html: dict = field(default_factory=dict)   # url -> text
    pdf: dict = field(default_factory=dict)    # url -> bytes


def build_demo(app):
    """The demo, its activity, a ticket and a volunteer; returns (ticket code, volunteer token)."""
    from sqlalchemy import select

    from cryptoparty.core.extensions import db
    from cryptoparty.events.demo import load_demo
    from cryptoparty.events.models import Event
    from cryptoparty.figures.demo import load_demo_activity
    from cryptoparty.registration import services as registration
    from cryptoparty.volunteers import services as volunteers

    load_demo(today=NOW.date(), now=NOW)
    load_demo_activity(now=NOW)
    event = db.session.scalar(select(Event).filter_by(slug="cafe-vie-privee"))
    result = registration.register(event, [event.workshops[0].id], 2, now=NOW)
    volunteer, token = volunteers.sign_up(event, pseudonym="Ada", now=NOW)
    volunteers.claim_workshop(volunteer, event.workshops[0].id, now=NOW)
    return result.code, token


def _normal(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path, parts.query, ""))


def crawl(app, lang: str, code: str, token: str, max_pages: int = MAX_PAGES,
          pdf_limit: int = 6) -> Crawl:
    seeds_public = ["/", "/events/cryptoparty/", "/events/cryptoparty/register",
                    "/events/cafe-vie-privee/", "/events/cryptoparty-edition-precedente/",
                    "/events/cafe-vie-privee/volunteer", f"/tickets/{code}", "/tickets/",
                    f"/volunteers/{token}", "/privacy", "/login",
                    "/events/cryptoparty/ticket-cancelled"]
    seeds_back = ["/manage/", "/account/"]
    found = Crawl()
    sampled = {prefix: 0 for prefix in SAMPLED_PREFIXES}
    for seeds, organizer in ((seeds_public, False), (seeds_back, True)):
        client = app.test_client()
        if organizer:
            from cryptoparty.events.demo import DEMO_LOGIN, DEMO_PASSWORD
            login(client, DEMO_LOGIN, DEMO_PASSWORD)
        queue = [f"{s}{'&' if '?' in s else '?'}lang={lang}" for s in seeds]
        seen = {urlsplit(u).path for u in queue}
        while queue and len(found.html) < max_pages:
            url = queue.pop(0)
            response = client.get(url)
            if response.status_code in (301, 302, 303):
                target = _normal(urljoin(url, response.headers["Location"]))
                if urlsplit(target).path not in seen and not target.startswith("/login"):
                    seen.add(urlsplit(target).path)
                    queue.append(target)
                continue
            kind = response.mimetype
            if kind == "application/pdf":
                found.pdf[url] = response.get_data()
                continue
            if kind != "text/html" or response.status_code >= 500:
                continue
            key = ("organizer " if organizer else "") + url
            found.html[key] = response.get_data(as_text=True)
            parser = _Links()
            parser.feed(found.html[key])
            for href in parser.links:
                parts = urlsplit(urljoin(url, href))
                if parts.netloc and parts.netloc != "localhost":
                    continue
                if parts.path.startswith(("/static/", "/logout")) or parts.scheme not in (
                        "", "http"):
                    continue
                target = _normal(urljoin(url, href))
                if parts.path in seen or f"lang={lang}" not in (parts.query or f"lang={lang}"):
                    continue
                if "lang=" not in parts.query:
                    target += ("&" if parts.query else "?") + f"lang={lang}"
                prefix = next((p for p in SAMPLED_PREFIXES if parts.path.startswith(p)
                               and parts.path != p), None)
                if prefix:
                    if sampled[prefix] >= SAMPLED_PREFIXES[prefix]:
                        continue
                    sampled[prefix] += 1
                if parts.path.endswith((".pdf", "/kit", "/poster", "/report.pdf")) \
                        or "kit" in parts.path:
                    if len([u for u in seen if "kit" in u or u.endswith((".pdf", "/poster"))]) \
                            >= pdf_limit:
                        continue
                if parts.path.endswith((".ics", ".csv", ".asc", ".svg", ".xml", ".atom",
                                        ".json", ".txt", ".asc.txt")):
                    continue
                seen.add(parts.path)
                queue.append(target)
    return found

"""Issue 14: every text that reaches iCalendar, Atom, CSV, PDF, JSON-LD or a header is
safe whatever was stored before the input rules existed.

The values are written straight into the database (no form would accept them):
NUL (SQLite only: PostgreSQL cannot store it), the other C0 controls, DEL, lone
CR and LF, in titles, descriptions, venues, labels, pseudonyms and names. Every
document is then rendered: no 500, and not one control character in its text
(PDFs are read back with pdftotext).
"""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from cryptoparty.core.extensions import db
from tests.conftest import NOW, login
from tests.privacy.world import build_world

# Stored texts get these, between two words: every C0 control but NUL, then DEL.
CONTROLS = "".join(chr(c) for c in range(1, 32)) + "\x7f"
# Or (tester's fault 3 and 8) what lxml refuses or a reader misreads: C1 controls,
# noncharacters (U+FFFE made the ticket's Atom feed a 500), line and paragraph
# separators, the byte order mark and an override left open.
UNICODE = "\x85\x9f\ufffe\uffff\ufdd0\ufdef\U0001fffe\U0010ffff\u2028\u2029\ufeff\u202e"
ALPHABETS = {"c0": CONTROLS, "unicode": UNICODE}
# What a document's text may hold: tab and line feed (and CR LF as a line end
# where the format says so, checked per format); no noncharacter, C1 control or
# unbalanced override.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff"
                       "\U0001fffe\U0001ffff\U0010fffe\U0010ffff\u202e]")
COLUMNS = {
    "organizations": ["name", "address", "city"],
    "organizers": ["display_name"],
    "events": ["title", "description", "venue", "address", "accessibility_notes", "price"],
    "event_series": ["title", "description"],
    "event_sessions": ["label"],
    "workshops": ["title", "summary", "room", "materials"],
    "volunteers": ["pseudonym", "other_skills"],
    "proposals": ["title", "summary"],
    "feedback": ["comment", "useful", "missing"],
    "audit_entries": ["object_label"],
}


@pytest.fixture
def app_config(tmp_path):
    # Kits of its own: a PDF cached by another test (same data, same key) is not this one.
    return {"KIT_CACHE_DIR": str(tmp_path / "kits")}


def poison(backend, alphabet="c0"):
    """Put control characters in the middle of every listed text column, bypassing the forms."""
    controls = ALPHABETS[alphabet]
    if alphabet == "c0" and backend != "postgresql":
        controls = "\x00" + controls
    for table, columns in COLUMNS.items():
        for column in columns:
            # Concatenation in SQL: the same statement on SQLite and PostgreSQL.
            db.session.execute(
                text(f"UPDATE {table} SET {column} = {column} || :bad || 'x' "  # nosec B608
                     f"WHERE {column} IS NOT NULL AND {column} <> ''"), {"bad": controls})
    db.session.commit()


def assert_clean(label, value: str, allowed_line_end: str = "\n"):
    body = value.replace(allowed_line_end, "\n") if allowed_line_end != "\n" else value
    found = FORBIDDEN.search(body)
    assert found is None, (label, repr(body[max(0, found.start() - 40):found.end() + 40]))
    if allowed_line_end == "\n":
        assert "\r" not in value, label


def assert_headers_clean(label, response):
    for name, value in response.headers.items():
        assert not re.search(r"[\x00-\x1f\x7f]", value), (label, name, value)


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-nopgbrk", "-enc", "UTF-8", "-", "-"], input=data,
                            capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def jsonld_strings(page: str):
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S):
        stack = [json.loads(block)]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str):
                yield item


@pytest.fixture(params=sorted(ALPHABETS))
def poisoned(app, backend, request):
    """The demo world, a series, a confirmed volunteer; then control characters stored."""
    from cryptoparty.events import series as series_service
    from cryptoparty.events.models import Event, Workshop
    from cryptoparty.volunteers import services as volunteers
    from cryptoparty.volunteers.models import Claim

    world = build_world(NOW)
    event = db.session.scalar(select(Event).filter_by(slug=world.event_slug))
    series = series_service.create_series(
        event.organization, rule="FREQ=WEEKLY;COUNT=2", first_start=NOW + timedelta(days=40),
        duration=timedelta(hours=2), now=NOW, publish=True, title="Café du jeudi",
        kind="cafe_vie_privee", venue="Salle 2", description="Chaque semaine.")
    claim = volunteers.confirm_claim(db.session.get(Claim, world.ids["claim_id"]), now=NOW)
    workshop = db.session.scalars(select(Workshop).where(Workshop.event_id == event.id)).first()
    names = {"series": series.slug, "workshop": workshop.slug,
             "volunteer_workshop": claim.workshop_id}
    db.session.commit()
    poison(backend, request.param)
    client = app.test_client()
    login(client, world.organizer_login, world.organizer_password)
    return world, names, client


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_control_characters_stored_before_reach_no_pdf(poisoned):
    world, names, client = poisoned
    org, slug = world.org_slug, world.event_slug
    pdfs = [f"/events/{slug}/poster.pdf", f"/events/{slug}/kit.pdf",
            f"/events/{slug}/workshops/{names['workshop']}/kit.pdf",
            f"/volunteers/{world.volunteer_token}/workshops/{names['volunteer_workshop']}/kit.pdf",
            f"/manage/events/{slug}/report.pdf", f"/manage/orgs/{org}/record-of-processing.pdf",
            "/showcase.pdf"]
    seen = 0
    for path in pdfs:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == "application/pdf", path
        assert_headers_clean(path, response)
        body = pdf_text(response.data)
        assert_clean(path, body)
        seen += "x" in body
    assert seen  # the texts were there, only their control characters went


def test_control_characters_stored_before_reach_no_calendar_feed_csv_or_json_ld(poisoned):
    world, names, client = poisoned
    org, slug, code = world.org_slug, world.event_slug, world.ticket_code
    calendars = [f"/events/{slug}.ics", f"/orgs/{org}/events.ics", f"/tickets/{code}/ticket.ics"]
    feeds = ["/feed.atom", f"/orgs/{org}/feed.atom", f"/series/{names['series']}/feed.atom",
             f"/tickets/{code}/feed.atom"]
    pages = [f"/events/{slug}/", f"/series/{names['series']}/"]

    for path in calendars:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_headers_clean(path, response)
        body = response.get_data(as_text=True)
        assert_clean(path, body, allowed_line_end="\r\n")
        # Every line ends with CR LF, and no stored text started a line of its own.
        assert "\n" not in body.replace("\r\n", ""), path
        assert not re.search(r"\r\n(?![ A-Z]|$)", body), path
        from icalendar import Calendar

        calendar = Calendar.from_ical(body)
        for component in calendar.walk("VEVENT"):
            for name in ("SUMMARY", "LOCATION", "DESCRIPTION"):
                if component.get(name) is not None:
                    assert_clean((path, name), str(component.get(name)))

    for path in feeds:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_headers_clean(path, response)
        body = response.get_data(as_text=True)
        assert_clean(path, body)
        root = ElementTree.fromstring(response.data)  # well-formed XML 1.0
        for element in root.iter():
            for part in (element.text, element.tail, *element.attrib.values()):
                if part:
                    assert_clean((path, element.tag), part)

    response = client.get(f"/manage/events/{slug}/figures.csv")
    assert response.status_code == 200
    assert_headers_clean("figures.csv", response)
    assert_clean("figures.csv", response.get_data(as_text=True), allowed_line_end="\r\n")

    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        strings = list(jsonld_strings(response.get_data(as_text=True)))
        assert strings, path
        for value in strings:
            assert_clean((path, "JSON-LD"), value)

"""Printable kits: posters, facilitator sheets, handouts, door signs... as PDF.

A kit is built in three steps, each a plain function with explicit arguments
(no request, no session):

1. ``event_kit_job`` / ``workshop_kit_job`` / ``poster_job`` gather what the
   document shows into plain data (``PrintJob.context``): the event, its
   sessions and workshops, their recipes, the URLs printed under the QR codes,
   the roster and the door list. Templates see nothing else.
   ``now`` is taken for symmetry with the other services, but nothing printed
   depends on the clock (no "printed on" date): the same event gives the same
   PDF from one day to the next, and the cache keeps serving it.
2. ``PrintJob.key`` hashes that data with the locale, the paper, the zoom and
   the contents of every file that shapes the output (templates, print CSS,
   fonts, compiled translations, library versions). Same key, same PDF.
3. ``pdf_file`` returns ``<cache>/<key>.pdf``, rendering it with WeasyPrint
   (``render_pdf``) only when it is not there yet. A second download is a
   file read; any change to what is printed gives a new key.

WeasyPrint reads local files only: stylesheets and fonts under ``static/``,
and ``data:`` URIs (the QR codes). Nothing is fetched from the
network, whatever a recipe's text contains.

For a benchmark: ``demo_kit_job(public_url=..., now=...)`` builds the job of
the demo event's whole kit; ``render_html(job)`` gives its HTML and
``render_pdf(job)`` renders it. A bare WeasyPrint render of the same HTML is
``weasyprint.HTML(string=html, base_url=str(STATIC_DIR) + "/").write_pdf()``
(that one may fetch whatever the HTML names; ours may not).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import io
import json
import logging
import math
import os
import tempfile
import unicodedata
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import db
from cryptoparty.core.resources import ROOT
from cryptoparty.core.security import instance_folder
from cryptoparty.core.templating import render_page
from cryptoparty.events.models import Event, Workshop
from cryptoparty.kits.recipes import find_recipe
from cryptoparty.registration.models import ChoiceStatus

log = logging.getLogger(__name__)

STATIC_DIR = ROOT / "static"
TEMPLATES_DIR = ROOT / "templates" / "pdf" / "kit"
PRINT_CSS = STATIC_DIR / "css" / "print.css"
FONTS_DIR = STATIC_DIR / "fonts"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

#: Bump when the way a context is built changes in a way templates do not show.
KIT_FORMAT = 2  # 2: control characters removed on output (issue 14)

PAPERS = {"a4": "A4", "letter": "letter"}
#: Poster sizes: the paper the page is laid out on, and the zoom that scales it.
#: A3 is A4 scaled by √2, so the poster keeps its proportions on both.
POSTER_SIZES = {"a4": ("a4", 1.0), "a3": ("a4", math.sqrt(2)), "letter": ("letter", 1.0)}
LANGUAGES = ("fr", "en")
#: Cached PDFs kept on disk; the oldest beyond this are removed.
CACHE_LIMIT = 300

# WeasyPrint (about 23 MiB once imported), its font configuration and qrcode
# are loaded by the first render, not at start: most workers never print.
@functools.cache
def font_config():
    """WeasyPrint's font configuration, built once per process.

    Building a FontConfiguration scans fontconfig and costs more than some
    small renders.
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


class UnknownPaper(DomainError):
    message = _l("Unknown paper size: choose A4 or US Letter (and A3 for the poster).")


class UnknownLanguage(DomainError):
    message = _l("Kits are printed in French or in English.")


# --------------------------------------------------------------------------
# the job: what a document shows, and its cache key
# --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PrintJob:
    """Everything one PDF is made from; rendering it twice gives the same document."""

    template: str
    context: dict
    locale: str
    paper: str
    filename: str
    zoom: float = 1.0

    @functools.cached_property
    def key(self) -> str:
        """SHA-256 of the data, the settings and the files the PDF is made from."""
        digest = hashlib.sha256()
        digest.update(json.dumps(
            {"format": KIT_FORMAT, "template": self.template, "context": self.context,
             "locale": self.locale, "paper": self.paper, "zoom": round(self.zoom, 6)},
            sort_keys=True, default=str, ensure_ascii=False).encode())
        digest.update(assets_fingerprint().encode())
        return digest.hexdigest()


def _asset_files() -> list[Path]:
    files = sorted(p for p in TEMPLATES_DIR.rglob("*") if p.is_file())
    files += [PRINT_CSS]
    files += sorted(p for p in FONTS_DIR.glob("*.woff*") if p.is_file())
    files += sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.mo"))
    return files


_fingerprint_cache: dict = {}


def assets_fingerprint() -> str:
    """A hash of the files and library versions that shape every kit.

    The contents are hashed again only when a file's size or modification
    time changed, so a cache hit costs a few ``stat`` calls.
    """
    files = _asset_files()
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    cached = _fingerprint_cache.get("value")
    if cached is not None and cached[0] == signature:
        return cached[1]
    digest = hashlib.sha256()
    for name in ("weasyprint", "qrcode", "pydyf"):
        digest.update(f"{name}={metadata.version(name)};".encode())
    for path in files:
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        digest.update(str(name).encode() + b"\0")
        digest.update(path.read_bytes())
    value = digest.hexdigest()
    _fingerprint_cache["value"] = (signature, value)
    return value


def _check_paper(paper: str) -> str:
    if paper not in PAPERS:
        raise UnknownPaper()
    return paper


def _check_locale(locale: str) -> str:
    if locale not in LANGUAGES:
        raise UnknownLanguage()
    return locale


def _url(public_url: str, path: str) -> str:
    return public_url.rstrip("/") + path


def event_urls(event: Event, public_url: str) -> dict:
    """The public addresses printed on an event's documents."""
    return {
        "event": _url(public_url, f"/events/{event.slug}/"),
        "registration": _url(public_url, f"/events/{event.slug}/register"),
        "feedback": _url(public_url, f"/f/{event.slug}"),
    }


def workshop_url(event: Event, workshop: Workshop, public_url: str) -> str:
    """The address of a workshop on the event's program page."""
    return _url(public_url, f"/events/{event.slug}/#{workshop.slug}")


def _event_data(event: Event) -> dict:
    org = event.organization
    return {
        "slug": event.slug, "kind": event.kind, "title": event.title,
        "description": event.description, "venue": event.venue, "address": event.address,
        "timezone": event.timezone, "starts_at": event.starts_at, "ends_at": event.ends_at,
        "registration_closes_at": event.registration_closes_at, "status": event.status,
        "max_party": event.max_party, "updated_at": event.updated_at,
        "organization": {"name": org.name, "address": org.address, "city": org.city,
                         "website": org.website, "color_primary": org.color_primary,
                         "color_background": org.color_background,
                         # Inlined: kits never fetch anything (the logo was sanitised when saved).
                         "logo": (f"data:{org.logo_type};base64,"
                                  + base64.b64encode(org.logo).decode("ascii"))
                         if org.logo else None},
    }


def _recipe_data(recipe, locale: str, starts_at: datetime) -> dict | None:
    if recipe is None:
        return None
    text = recipe.text(locale)
    data = dataclasses.asdict(text)
    data["handout_paragraphs"] = [p.split("\n") for p in text.handout_paragraphs]
    clock, plan = starts_at, []
    for step in text.plan:
        plan.append({"starts_at": clock, "minutes": step.minutes, "step": step.step})
        clock = clock + timedelta(minutes=step.minutes)
    data["plan"] = plan
    data.update(key=recipe.key, format=recipe.format, level=recipe.level,
                duration_minutes=recipe.duration_minutes, topics=list(recipe.topics),
                skills=list(recipe.skills))
    return data


def _workshop_data(event, session, workshop, locale, public_url, facilitators) -> dict:
    recipe = find_recipe(event.organization, workshop.recipe_key)
    return {
        "id": workshop.id, "slug": workshop.slug, "title": workshop.title,
        "format": workshop.format, "summary": workshop.summary, "topics": workshop.topic_list,
        "level": workshop.level, "room": workshop.room, "capacity": workshop.capacity,
        "materials": [line.strip(" -•\t") for line in workshop.materials.splitlines()
                      if line.strip(" -•\t")],
        "needs_facilitator": workshop.needs_facilitator, "recipe_key": workshop.recipe_key,
        "session": {"label": session.label, "starts_at": session.starts_at,
                    "ends_at": session.ends_at},
        "url": workshop_url(event, workshop, public_url),
        "recipe": _recipe_data(recipe, locale, session.starts_at),
        "facilitators": facilitators.get(workshop.id, []) if facilitators else [],
        # A meal needs a sign and a head count, not a lesson plan.
        "teaching": workshop.format != "meal",
    }


def _sessions_data(event, locale, public_url, facilitators, only: Workshop | None = None):
    sessions = []
    for session in event.sessions:
        workshops = [_workshop_data(event, session, w, locale, public_url, facilitators)
                     for w in session.workshops if only is None or w.id == only.id]
        if workshops or only is None:
            sessions.append({"label": session.label, "starts_at": session.starts_at,
                             "ends_at": session.ends_at, "workshops": workshops})
    return sessions


def confirmed_facilitators(event: Event) -> dict[int, list[str]] | None:
    """Pseudonyms of the confirmed facilitators per workshop id; None without volunteers.

    Volunteers are another part of the domain (``models.volunteers``); until it
    exists, or if it has no confirmed claims model, kits print "no volunteer yet".
    """
    try:
        from cryptoparty.volunteers import models as volunteers
    except ImportError:
        return None
    claim_model = getattr(volunteers, "Claim", None)
    if claim_model is None or not hasattr(claim_model, "workshop_id"):
        return None
    ids = [w.id for w in event.workshops]
    if not ids:
        return {}
    query = select(claim_model).where(claim_model.workshop_id.in_(ids))
    if hasattr(claim_model, "status"):
        query = query.where(claim_model.status == volunteers.ClaimStatus.CONFIRMED)
    roster: dict[int, list[str]] = {}
    for claim in db.session.scalars(query.order_by(claim_model.id)):
        volunteer = getattr(claim, "volunteer", None)
        pseudonym = getattr(volunteer, "pseudonym", None)
        if pseudonym:
            roster.setdefault(claim.workshop_id, []).append(pseudonym)
    return roster


def door_list(event: Event) -> list[dict] | None:
    """The door list (check-in tags, party, workshops) as plain data; None if unavailable.

    The tags come from the registration service, which prints the same tag on
    each ticket; without that service there is no door list rather than tags
    that would not match the tickets.
    """
    try:
        from cryptoparty.registration import services as registration
    except ImportError:
        return None
    entries = getattr(registration, "door_list", None)
    if entries is None:
        return None
    return [{"tag": entry.tag, "party": entry.party,
             "workshops": [{"session": label, "title": title,
                            "waitlisted": status != ChoiceStatus.CONFIRMED}
                           for label, title, status in entry.choices]}
            for entry in entries(event)]


def event_kit_job(event: Event, *, locale: str, paper: str = "a4", public_url: str,
                  now: datetime) -> PrintJob:
    """The whole kit of an event in one PDF: contents, poster, program, roster, door list,
    then each workshop's facilitator sheet, handout, door sign, tally and slips."""
    locale, paper = _check_locale(locale), _check_paper(paper)
    facilitators = confirmed_facilitators(event)
    sessions = _sessions_data(event, locale, public_url, facilitators)
    context = {
        "event": _event_data(event), "urls": event_urls(event, public_url),
        "sessions": sessions, "poster": _poster_context(event, sessions, paper, locale),
        "roster_available": facilitators is not None,
        "door_list": door_list(event),
    }
    return PrintJob("pdf/kit/event_kit.html", context, locale, paper,
                    f"{event.slug}-kit-{locale}-{paper}.pdf")


def workshop_kit_job(event: Event, workshop: Workshop, *, locale: str, paper: str = "a4",
                     public_url: str, now: datetime) -> PrintJob:
    """One workshop's kit: facilitator sheet, handout, door sign, tally and feedback slips."""
    locale, paper = _check_locale(locale), _check_paper(paper)
    facilitators = confirmed_facilitators(event)
    context = {
        "event": _event_data(event), "urls": event_urls(event, public_url),
        "sessions": _sessions_data(event, locale, public_url, facilitators, only=workshop),
    }
    return PrintJob("pdf/kit/workshop_kit.html", context, locale, paper,
                    f"{event.slug}-{workshop.slug}-kit-{locale}-{paper}.pdf")


#: A printer's point in millimetres.
PT_MM = 25.4 / 72


def _width_em(text: str) -> float:
    """The width of ``text`` in ems, estimated a little wide for Atkinson Hyperlegible
    (lower case about 0.45 em, capitals and digits 0.6, spaces 0.25) and the fallback
    fonts (emoji and ideographs about 1 em)."""
    width = 0.0
    for char in text:
        if char.isspace():
            width += 0.25
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            width += 1.15
        elif char.islower():
            width += 0.5
        else:
            width += 0.64
    return width


def _lines(text: str, size_pt: float, width_mm: float, bold: bool = False) -> int:
    """Lines ``text`` takes at ``size_pt`` in a box ``width_mm`` wide (a cautious
    estimate: wrapping at word boundaries leaves the ends of lines empty)."""
    ems = _width_em(text) * (1.08 if bold else 1.0)
    return max(1, math.ceil(ems * size_pt * PT_MM * 1.06 / width_mm))


def poster_layout(title: str, where: str, program: list[str], *, paper: str,
                  locale: str, days: int = 1, description: str = "") -> dict:
    """How large the poster prints its title and its program, and how much of it fits.

    A poster is read from 3 m: the program is printed at 24 pt or more (34 pt and more
    on A3), as large as the page allows, one activity a line, and fills the page
    between the title and the call to register (issue 15). What does not fit is
    counted ("and 3 more activities"); the registration page has the whole program.
    Sizes are in millimetres of static/css/print.css's poster.
    """
    width, height = (216, 279) if paper == "letter" else (210, 297)
    text_width = width - 2 * 14
    # The band (22 mm) and the body's top padding (7); the call to register (QR code,
    # padding, border: 92) and the space below it (8); a margin of safety (4).
    room = height - 22 - 7 - 92 - 8 - 4
    title_pt = 44 if len(title) <= 36 else 36 if len(title) <= 80 else 26
    room -= _lines(title, title_pt, text_width, bold=True) * title_pt * PT_MM * 1.1 + 4
    room -= 22 * PT_MM * 1.25 * (2 if days > 1 else 1) + 1
    room -= _lines(where, 18, text_width) * 18 * PT_MM * 1.25 + 7
    time_em = 3.2 if locale == "fr" else 4.6
    gap = 2.0
    for program_pt in (40, 36, 32, 28, 24):
        line = program_pt * PT_MM * 1.2
        need = [_lines(t, program_pt, text_width - time_em * program_pt * PT_MM) * line
                + gap for t in program]
        if sum(need) <= room:
            shown = len(program)
            break
    else:
        # Even at 24 pt the program does not fit: as many lines as the page holds,
        # then the count of the others.
        shown, used = 0, line + gap
        while shown < len(program) and used + need[shown] <= room:
            used += need[shown]
            shown += 1
    spare = room - sum(need[:shown]) - (0 if shown == len(program) else line + gap)
    # The lead (18 pt, at most 220 characters: five lines) when it fits below the
    # program; what is left spreads the program's lines, up to 8 mm apart.
    lead = description and spare > 6 + 18 * PT_MM * 1.3 * 5
    if lead:
        spare -= 6 + 18 * PT_MM * 1.3 * min(5, _lines(description[:220], 18, text_width))
    lines = max(shown + (shown < len(program)), 1)
    return {"title_pt": title_pt, "program_pt": program_pt, "shown": shown,
            "time_em": time_em, "lead": bool(lead),
            "gap_mm": round(min(8.0, gap + max(spare, 0) / lines), 1)}


def _poster_context(event: Event, sessions: list[dict], paper: str, locale: str) -> dict:
    program = [w["title"] for s in sessions for w in s["workshops"]]
    where = ", ".join(p for p in (event.venue, event.address) if p)
    days = (event.ends_at - event.starts_at).days + 1
    lead = (event.description or "").split("\n\n")[0]
    return poster_layout(event.title, where, program, paper=paper, locale=locale, days=days,
                         description=lead)


def poster_job(event: Event, *, locale: str, size: str = "a4", public_url: str) -> PrintJob:
    """The event's poster (A4, A3 or US Letter) with a large QR code of the registration page."""
    locale = _check_locale(locale)
    if size not in POSTER_SIZES:
        raise UnknownPaper()
    paper, zoom = POSTER_SIZES[size]
    sessions = _sessions_data(event, locale, public_url, None)
    context = {
        "event": _event_data(event), "urls": event_urls(event, public_url),
        "sessions": sessions, "poster": _poster_context(event, sessions, paper, locale),
    }
    return PrintJob("pdf/kit/poster.html", context, locale, paper,
                    f"{event.slug}-poster-{locale}-{size}.pdf", zoom)


def demo_kit_job(*, public_url: str, now: datetime, locale: str = "fr",
                 paper: str = "a4", slug: str = "cryptoparty") -> PrintJob:
    """The whole kit of the demo event (for benchmarks); needs the demo data loaded."""
    event = db.session.scalar(select(Event).filter_by(slug=slug))
    if event is None:
        raise LookupError(f"no event {slug!r}: load the demo data first")
    return event_kit_job(event, locale=locale, paper=paper, public_url=public_url, now=now)


# --------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------

@functools.lru_cache(maxsize=2048)
def qr_data_uri(data: str) -> str:
    """A QR code of ``data`` as a PNG data URI, eight pixels per module, with the
    4-module quiet zone the standard asks for.

    PDF viewers and rasterizers interpolate images: one pixel per module came out
    blurred at 100 dpi and most codes did not decode. Eight pixels stay sharp, and
    WeasyPrint still lays out a small bitmap far faster than an SVG path of
    hundreds of squares.
    """
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                         box_size=8)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def render_html(job: PrintJob) -> str:
    """The job's HTML, in its language (needs an application context)."""
    with force_locale(job.locale):
        return render_page(job.template, paper=job.paper, qr=qr_data_uri,
                               locale=job.locale, **job.context)


@functools.cache
def _local_files_fetcher_class():
    """The URL fetcher class, defined on first use (it subclasses WeasyPrint's)."""
    from weasyprint.urls import URLFetcher

    class LocalFilesFetcher(URLFetcher):
        """Lets WeasyPrint read files under ``static/`` and ``data:`` URIs, nothing else."""

        def __init__(self, root: Path = STATIC_DIR):
            super().__init__(allowed_protocols={"file", "data"})
            self._root = root.resolve()

        def fetch(self, url, headers=None):
            """Fetch a local file or a data URI; refuse anything else."""
            if url.startswith("file:"):
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if not path.is_relative_to(self._root):
                    raise ValueError(f"kits read files under static/ only, not {path}")
            elif not url.startswith("data:"):
                raise ValueError(f"kits never fetch remote resources: {url[:80]}")
            return super().fetch(url, headers)

    return LocalFilesFetcher


def LocalFilesFetcher(root: Path = STATIC_DIR):  # noqa: N802 (was a class; same call)
    """A WeasyPrint URL fetcher that reads files under ``root`` and ``data:`` URIs only."""
    return _local_files_fetcher_class()(root)


def _page_css(paper: str):
    from weasyprint import CSS

    return CSS(string=f"@page {{ size: {PAPERS[paper]}; }}", font_config=font_config())


def render_pdf(job: PrintJob, html: str | None = None) -> bytes:
    """Render the job with WeasyPrint (slow: seconds for a whole kit)."""
    from weasyprint import HTML

    if html is None:
        html = render_html(job)
    document = HTML(string=html, base_url=str(STATIC_DIR) + "/",
                    url_fetcher=LocalFilesFetcher())
    return document.write_pdf(stylesheets=[_page_css(job.paper)], zoom=job.zoom,
                              font_config=font_config())


def cache_dir() -> Path:
    """Where PDFs are cached: ``KIT_CACHE_DIR`` or ``instance/cache/kits``."""
    return instance_folder("cache", "kits", setting="KIT_CACHE_DIR")


def pdf_file(job: PrintJob, directory: Path | None = None) -> Path:
    """The path of the job's PDF, rendered and written (atomically) only when missing."""
    directory = Path(directory) if directory is not None else cache_dir()
    path = directory / f"{job.key}.pdf"
    if path.exists():
        return path
    return _store(directory, path, render_pdf(job))


_unwritable_logged: set = set()


def pdf_document(job: PrintJob, directory: Path | None = None) -> Path | io.BytesIO:
    """The job's PDF for a response: from the cache, or rendered and cached.

    A cache that cannot be written (a read-only instance folder, a full disk) does
    not stop the document: it is served from memory, and the failure is logged
    once per folder.
    """
    directory = Path(directory) if directory is not None else cache_dir()
    path = directory / f"{job.key}.pdf"
    if path.exists():
        return path
    pdf = render_pdf(job)
    try:
        return _store(directory, path, pdf)
    except OSError as error:
        if str(directory) not in _unwritable_logged:
            _unwritable_logged.add(str(directory))
            log.warning("the kit cache %s cannot be written (%s): PDFs are served "
                        "without caching", directory, type(error).__name__)
        return io.BytesIO(pdf)


def _store(directory: Path, path: Path, pdf: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
        # Two workers rendering the same kit write the same bytes: last one wins.
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _prune(directory)
    return path


def _prune(directory: Path, keep: int = CACHE_LIMIT) -> None:
    files = []
    for path in directory.glob("*.pdf"):
        try:
            files.append((path.stat().st_mtime, path))
        except FileNotFoundError:  # pruned by another worker meanwhile
            continue
    files.sort(reverse=True)
    for _mtime, old in files[keep:]:
        old.unlink(missing_ok=True)

"""Printable kits, read back from the PDFs (pdftotext, pypdf, zbarimg)."""

import itertools
import re
import subprocess
from datetime import timedelta

import pytest
from pypdf import PdfReader

from cryptoparty.core.extensions import db
from cryptoparty.events import services as events
from cryptoparty.events.demo import load_demo
from cryptoparty.events.models import Event
from cryptoparty.kits import catalogue
from cryptoparty.kits import services as kits

PUBLIC = "http://localhost"


@pytest.fixture(scope="session")
def kit_cache(tmp_path_factory):
    """One PDF cache for the whole run: the SQLite and PostgreSQL runs of a test build
    the same documents (same key), so the second one reads them back."""
    return tmp_path_factory.mktemp("kits")


@pytest.fixture
def demo_event(app, now):
    load_demo(today=now.date(), now=now)
    return db.session.query(Event).filter_by(slug="cryptoparty").one()


def pages_text(path) -> list[str]:
    """The text of each page, in the order it was drawn (URLs are not de-hyphenated)."""
    count = len(PdfReader(path).pages)
    return [subprocess.run(["pdftotext", "-raw", "-f", str(n), "-l", str(n), str(path), "-"],
                           check=True, capture_output=True, text=True).stdout
            for n in range(1, count + 1)]


def flat(text: str) -> str:
    """Text without any whitespace: long URLs and titles may wrap across lines."""
    return re.sub(r"\s+", "", text)


def toc_entries(pages: list[str], labels: list[str]) -> list[int]:
    """Page numbers the table of contents prints after each label, read in order."""
    contents = "\n".join(pages[:2])
    found, position = [], 0
    for label in labels:
        words = r"\s+".join(re.escape(word) for word in label.split())
        match = re.compile(words + r"[\s.]*?(\d+)(?=\s|$)").search(contents, position)
        assert match, f"{label!r} is not in the table of contents"
        found.append(int(match.group(1)))
        position = match.end()
    return found


def link_targets(path, page: int) -> set[str]:
    """The URIs of the links of one page (1-based)."""
    annotations = PdfReader(path).pages[page - 1].get("/Annots") or []
    return {a.get_object()["/A"]["/URI"] for a in annotations
            if a.get_object().get("/A", {}).get("/URI")}


def test_event_kit_has_every_workshop_and_a_table_of_contents_that_matches(demo_event, now,
                                                                          kit_cache):
    job = kits.event_kit_job(demo_event, locale="fr", paper="a4", public_url=PUBLIC, now=now)
    pages = pages_text(kits.pdf_file(job, kit_cache))
    whole = flat("".join(pages))

    workshops = demo_event.workshops
    assert len(workshops) == 11
    for workshop in workshops:
        assert flat(workshop.title) in whole

    # What each section's first page shows (the poster does not say "poster").
    sections = {"Affiche": f"{PUBLIC}/events/cryptoparty/register", "Programme": "Programme",
                "Tableau des bénévoles": "Tableau des bénévoles",
                "Liste de l’accueil": "Liste de l’accueil"}
    labels = list(sections)
    toc = toc_entries(pages, labels + [w.title for w in workshops])
    for (label, marker), page in zip(sections.items(), toc, strict=False):
        assert flat(marker) in flat(pages[page - 1]), label
        assert flat(marker) not in flat(pages[page - 2]), (label, toc)
    # A workshop starts on the page the contents give, and not on the page before.
    for workshop, page in zip(workshops, toc[len(labels):], strict=False):
        assert flat(workshop.title) in flat(pages[page - 1])
        assert flat(workshop.title) not in flat(pages[page - 2])
    # Footers number the pages: "n / total".
    assert re.search(rf"\b5 / {len(pages)}\b", pages[4])


def test_handouts_carry_every_resource_of_every_recipe(app, make_event, now, kit_cache):
    recipes = list(catalogue.load_recipes().values())
    assert len(recipes) >= 12
    event = make_event(program=[("Ateliers", [
        dict(title=f"Atelier {recipe.key}", slug=recipe.key, capacity=10,
             recipe_key=recipe.key, format="workshop") for recipe in recipes])], hours=6)
    job = kits.event_kit_job(event, locale="en", paper="a4", public_url=PUBLIC, now=now)
    path = kits.pdf_file(job, kit_cache)
    pages = pages_text(path)
    labels = []
    for recipe in recipes:
        labels += [f"Atelier {recipe.key}", "Handout", "Door sign"]
    toc = toc_entries(pages, labels)
    for n, recipe in enumerate(recipes):
        _workshop, handout, door = toc[3 * n: 3 * n + 3]
        page, links = flat(pages[handout - 1]), link_targets(path, handout)
        for resource in recipe.text("en").resources:
            assert flat(resource.url) in page, (recipe.key, resource.url)
            assert resource.url in links, (recipe.key, resource.url)
        # One page per handout: the door sign comes right after it.
        assert door == handout + 1, recipe.key


def _qr_codes(pdf_path, tmp_path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf_path), str(tmp_path / "page")],
                   check=True)
    found = []
    for png in sorted(tmp_path.glob("page*.png")):
        result = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                                 str(png)], capture_output=True, text=True)
        found += result.stdout.split()
    return found


def _image_widths_cm(pdf_path) -> list[float]:
    """Printed width of each image of the first page (pdfimages -list: pixels and ppi)."""
    listing = subprocess.run(["pdfimages", "-list", "-f", "1", "-l", "1", str(pdf_path)],
                             check=True, capture_output=True, text=True).stdout
    widths = []
    for line in listing.splitlines()[2:]:
        cells = line.split()
        width_px, x_ppi = int(cells[3]), float(cells[12])
        widths.append(width_px / x_ppi * 2.54)
    return widths


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("size, points", [("a4", (595, 842)), ("a3", (842, 1191)),
                                          ("letter", (612, 792))])
def test_poster_qr_code_scans_to_the_registration_page(demo_event, locale, size, points,
                                                       tmp_path, kit_cache):
    job = kits.poster_job(demo_event, locale=locale, size=size, public_url=PUBLIC)
    path = kits.pdf_file(job, kit_cache)
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == points
    assert _qr_codes(path, tmp_path) == [f"{PUBLIC}/events/cryptoparty/register"]
    assert max(_image_widths_cm(path)) >= 8.0
    text = flat(pages_text(path)[0])
    assert flat(demo_event.title) in text
    assert ("Inscrivez-vous" if locale == "fr" else "Register") in pages_text(path)[0]


def test_the_kit_prints_in_english_too(app, make_event, now, kit_cache):
    event = make_event(program=[("Session 1", [dict(title="Tor Browser", capacity=20,
                                                    recipe_key="tor-browser")])])
    job = kits.event_kit_job(event, locale="en", paper="letter", public_url=PUBLIC, now=now)
    path = kits.pdf_file(job, kit_cache)
    box = PdfReader(path).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    text = "".join(pages_text(path))
    for label in ("Contents", "Program", "Volunteer roster", "Door list", "Facilitator's sheet",
                  "Attendance tally", "Common pitfalls"):
        assert label in text
    tor = catalogue.get_recipe("tor-browser")
    assert tor.en.plan[0].step[:40] in text.replace("\n", " ")
    assert tor.fr.plan[0].step[:40] not in text.replace("\n", " ")


def test_a_cached_kit_is_read_back_without_rendering(app, make_event, now, tmp_path,
                                                     monkeypatch):
    event = make_event()
    job = kits.poster_job(event, locale="fr", size="a4", public_url=PUBLIC)
    first = kits.pdf_file(job, tmp_path).read_bytes()

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(kits, "render_pdf", no_rendering)
    again = kits.poster_job(event, locale="fr", size="a4", public_url=PUBLIC)
    assert again.key == job.key
    assert kits.pdf_file(again, tmp_path).read_bytes() == first
    # Anything printed that changes gives another key, hence another file.
    assert kits.poster_job(event, locale="en", size="a4", public_url=PUBLIC).key != job.key
    assert kits.poster_job(event, locale="fr", size="a3", public_url=PUBLIC).key != job.key
    assert kits.poster_job(event, locale="fr", size="a4",
                           public_url="https://example.org").key != job.key


def test_changing_a_workshop_title_changes_the_kit(app, make_event, now, tmp_path):
    event = make_event()
    workshop = event.workshops[0]
    before = kits.workshop_kit_job(event, workshop, locale="fr", public_url=PUBLIC, now=now)
    old_pdf = kits.pdf_file(before, tmp_path).read_bytes()

    events.update_workshop(workshop, now=now + timedelta(minutes=1),
                           title="Tor Browser, pas à pas")
    after = kits.workshop_kit_job(event, workshop, locale="fr", public_url=PUBLIC, now=now)
    assert after.key != before.key
    path = kits.pdf_file(after, tmp_path)
    assert path.read_bytes() != old_pdf
    assert "Tor Browser, pas à pas" in "".join(pages_text(path))


def test_the_key_covers_the_print_stylesheet(app, make_event, now, monkeypatch, tmp_path):
    event = make_event()
    before = kits.poster_job(event, locale="fr", public_url=PUBLIC).key
    changed_css = tmp_path / "print.css"
    changed_css.write_text(kits.PRINT_CSS.read_text() + "\n/* changed */\n")
    monkeypatch.setattr(kits, "PRINT_CSS", changed_css)
    assert kits.poster_job(event, locale="fr", public_url=PUBLIC).key != before


def test_roster_and_door_list_come_from_volunteers_and_tickets(app, make_event, now):
    from cryptoparty.registration import services as registration
    from cryptoparty.volunteers import services as volunteers

    event = make_event(program=[("Session 1", [dict(title="Tor Browser", slug="tor",
                                                    capacity=20, needs_facilitator=True)])])
    workshop = event.workshops[0]
    job = kits.event_kit_job(event, locale="fr", public_url=PUBLIC, now=now)
    assert job.context["door_list"] == []
    assert job.context["sessions"][0]["workshops"][0]["facilitators"] == []

    volunteer, _token = volunteers.sign_up(event, pseudonym="Zoé-la-hackeuse", now=now)
    volunteers.assign_volunteer(volunteer, workshop.id, now=now)
    ticket = registration.register(event, [workshop.id], 2, now=now)

    job = kits.event_kit_job(event, locale="fr", public_url=PUBLIC, now=now)
    assert job.context["sessions"][0]["workshops"][0]["facilitators"] == ["Zoé-la-hackeuse"]
    [row] = job.context["door_list"]
    assert row["party"] == 2 and row["workshops"][0]["title"] == "Tor Browser"
    assert row["tag"] and row["tag"] not in ticket.code
    html = kits.render_html(job)
    assert "Zoé-la-hackeuse" in html and row["tag"] in html
    assert ticket.code not in html


def test_kits_never_fetch_remote_or_outside_files(app):
    fetcher = kits.LocalFilesFetcher()
    for url in ("https://example.org/tracker.png", "http://127.0.0.1:6379/",
                "ftp://example.org/x", "file:///etc/passwd",
                (kits.STATIC_DIR / ".." / "instance" / "secret_key").as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    response = fetcher.fetch((kits.STATIC_DIR / "css" / "print.css").as_uri())
    assert b"@font-face" in response.read()
    response.close()


def test_unknown_paper_or_language_is_refused(app, make_event, now):
    event = make_event()
    with pytest.raises(kits.UnknownPaper):
        kits.event_kit_job(event, locale="fr", paper="a5", public_url=PUBLIC, now=now)
    with pytest.raises(kits.UnknownPaper):
        kits.poster_job(event, locale="fr", size="a0", public_url=PUBLIC)
    with pytest.raises(kits.UnknownLanguage):
        kits.event_kit_job(event, locale="de", public_url=PUBLIC, now=now)


def test_the_poster_and_kit_carry_the_organization_colours_and_logo(app, make_event, now,
                                                                     tmp_path):
    from tests.accounts.test_staff_services import SVG_OK

    event = make_event()
    plain = kits.poster_job(event, locale="fr", public_url="https://cp.example")
    org = event.organization
    org.color_primary, org.color_background = "#7a1f5c", "#fff8ee"
    org.logo, org.logo_type = SVG_OK, "image/svg+xml"
    db.session.commit()
    for job in (kits.poster_job(event, locale="fr", public_url="https://cp.example"),
                kits.event_kit_job(event, locale="fr", public_url="https://cp.example",
                                   now=now)):
        html = kits.render_html(job)
        assert ".poster__band { background: #7a1f5c; }" in html
        assert ".sheet, .poster { background: #fff8ee; }" in html
        assert 'src="data:image/svg+xml;base64,' in html  # inlined: a kit fetches nothing
    # New colours or a new logo make a new PDF, not the cached one.
    assert kits.poster_job(event, locale="fr", public_url="https://cp.example").key != plain.key
    poster = kits.pdf_file(kits.poster_job(event, locale="fr", public_url="https://cp.example"),
                           tmp_path)
    assert poster.read_bytes().startswith(b"%PDF")


def _text_sizes(path) -> list[tuple[float, str]]:
    """Every piece of text on the first page with the size it is drawn at, in points."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((size * abs(tm[3]) * abs(cm[3]), text.strip()))

    PdfReader(path).pages[0].extract_text(visitor_text=visit)
    return found


def _line_tops(path) -> tuple[float, list[float]]:
    """The page's height and the top of each line of text on it, in points."""
    layout = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                            capture_output=True, text=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', layout).group(1))
    return height, sorted({round(float(y)) for y in re.findall(r'yMin="([\d.]+)"', layout)})


@pytest.mark.parametrize("size, zoom", [("a4", 1.0), ("a3", 2 ** 0.5), ("letter", 1.0)])
def test_the_poster_program_reads_from_three_metres_and_fills_the_page(demo_event, size, zoom,
                                                                       kit_cache):
    job = kits.poster_job(demo_event, locale="fr", size=size, public_url=PUBLIC)
    path = kits.pdf_file(job, kit_cache)
    sizes = _text_sizes(path)
    titles = {w.title[:12] for w in demo_event.workshops}
    program = [(points, text) for points, text in sizes if text[:12] in titles]
    # The program's first activities are printed (the others are counted), every line at
    # 24 pt or more on A4 (34 pt on A3): the size of a sign read from 3 m.
    assert len(program) >= 3, sizes
    assert min(points for points, _ in program) >= 24 * zoom - 0.1, program
    assert any("autres activités" in text and points >= 24 * zoom - 0.1
               for points, text in sizes)
    # The page is filled: no band of white deeper than 3.5 cm (it was 12 cm) between two
    # lines of text, from the title to the call to register.
    height, tops = _line_tops(path)
    gaps = [b - a for a, b in itertools.pairwise(tops)]
    assert max(gaps) < 100 * zoom, gaps
    assert tops[-1] > 0.8 * height


def test_a_poster_with_a_long_title_keeps_its_program_large_and_inside_the_page(
        app, make_event, kit_cache):
    event = make_event(title="Cryptopartie" + "x" * 188, venue="Médiathèque " + "V" * 100,
                       program=[("S", [dict(title="Atelier" + "y" * 60, capacity=10),
                                       dict(title="🔐 Chiffrer 📱 ses messages — 中文",
                                            slug="emoji", capacity=10)])])
    path = kits.pdf_file(kits.poster_job(event, locale="fr", public_url=PUBLIC), kit_cache)
    program = [(points, text) for points, text in _text_sizes(path)
               if text.startswith(("Atelier", "Chiffrer", "🔐"))]
    assert program and min(points for points, _ in program) >= 24, program
    layout = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                            capture_output=True, text=True).stdout
    width, height = map(float, re.search(r'<page width="([\d.]+)" height="([\d.]+)"',
                                         layout).groups())
    for x0, y0, x1, y1 in re.findall(r'xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
                                     r'yMax="([\d.-]+)"', layout):
        assert -0.5 <= float(x0) and float(x1) <= width + 0.5
        assert -0.5 <= float(y0) and float(y1) <= height + 0.5


def test_poster_layout_prints_smaller_only_what_does_not_fit():
    few = kits.poster_layout("CryptoParty", "Bibliothèque", ["Tor", "Signal"], paper="a4",
                             locale="fr")
    many = kits.poster_layout("CryptoParty", "Bibliothèque", [f"Atelier {n}" for n in range(30)],
                              paper="a4", locale="fr")
    assert few["program_pt"] == 40 and few["shown"] == 2
    assert many["program_pt"] == 24 and 4 <= many["shown"] < 30
    longer = kits.poster_layout("x" * 200, "V" * 120, [f"Atelier {n}" for n in range(30)],
                                paper="a4", locale="fr")
    assert longer["title_pt"] < few["title_pt"] and longer["shown"] < many["shown"]

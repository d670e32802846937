"""Every French page tests can reach (public, volunteer, back office) and the PDFs they link
to read as a French reader expects: narrow no-break spaces before : ; ! ? and inside « »,
plurals from ngettext (never "(s)"), topics in French rather than as slugs, no line of the
signed announcement that starts with punctuation.
"""

import shutil
import subprocess

import pytest

from tests.core.pages import build_demo, crawl
from tests.core.typography import faults, text_faults


@pytest.fixture
def french(app, monkeypatch, tmp_path):
    """The French crawl; ``.printed`` holds the HTML each PDF was printed from."""
    import weasyprint

    app.config["KIT_CACHE_DIR"] = str(tmp_path / "kits")  # print them all, now
    printed = []
    original = weasyprint.HTML.__init__

    def recording(self, *args, **kwargs):
        if kwargs.get("string"):
            printed.append(kwargs["string"])
        original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "__init__", recording)
    code, token = build_demo(app)
    found = crawl(app, "fr", code, token)
    found.printed = printed
    return found


def test_every_french_page_has_french_typography(french):
    assert len(french.html) > 60  # public, volunteer and back-office pages
    found = {url: faults(html) for url, html in french.html.items()}
    found = {url: f for url, f in found.items() if f}
    assert not found, "\n".join(f"{url}: {f[:5]}" for url, f in sorted(found.items()))


def test_every_french_pdf_is_printed_from_text_with_french_typography(french):
    # The PDF font draws U+202F with its space glyph, so text pulled back out of a PDF
    # says " :"; the HTML each PDF is printed from tells the truth.
    assert french.pdf and len(french.printed) >= len(french.pdf)
    found = [f for html in french.printed for f in faults(html)]
    assert not found, found[:20]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
def test_no_pdf_line_starts_with_punctuation_or_says_s_plural(french, tmp_path):
    found = {}
    for url, data in french.pdf.items():
        path = tmp_path / "x.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
        problems = [p for p in text_faults(text) if "narrow" not in p and "plain" not in p]
        if problems:
            found[url] = problems
    assert not found, "\n".join(f"{url}: {f[:5]}" for url, f in sorted(found.items()))


def test_the_signed_announcement_has_no_line_starting_with_punctuation(app):
    from sqlalchemy import select

    from cryptoparty.announcements import services as announcements
    from cryptoparty.core.extensions import db
    from cryptoparty.events.models import Event

    build_demo(app)
    event = db.session.scalar(select(Event).filter_by(slug="cryptoparty"))
    with app.test_request_context():
        text = announcements.draft_text(event, "full", "https://cryptoparty.example.org")
    problems = [p for p in text_faults(text) if "starts with punctuation" in p or "plain" in p]
    assert not problems, problems

"""Static files and page weight (issue 19): which stylesheets a page loads, versioned URLs,
far-future caching, revalidation, and the web fonts' subset."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def stylesheets(page: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="/static/css/([a-z]+)\.css\?v=[0-9a-f]{10}">',
                      page)


def test_the_event_page_loads_site_css_alone_and_no_image(client, make_event):
    make_event()
    page = client.get("/events/cryptoparty/").get_data(as_text=True)
    assert stylesheets(page) == ["site"]
    assert "<img" not in page  # the logo is inline


def test_other_public_pages_add_pages_css(client, make_event):
    make_event()
    for path in ("/", "/events/cryptoparty/register", "/privacy", "/login"):
        assert stylesheets(client.get(path).get_data(as_text=True)) == ["site", "pages"], path


def test_the_back_office_adds_manage_css(organizer_client):
    page = organizer_client.get("/manage/").get_data(as_text=True)
    assert stylesheets(page) == ["site", "pages", "manage"]


def test_a_versioned_static_url_is_cached_for_a_year(client):
    page = client.get("/privacy").get_data(as_text=True)
    url = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{10})"', page).group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.public


def test_an_unversioned_static_url_is_revalidated_with_its_etag(client):
    first = client.get("/static/css/site.css")
    assert first.status_code == 200
    assert first.cache_control.max_age is None
    again = client.get("/static/css/site.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_version_follows_the_content(app, tmp_path):
    from flask import url_for

    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    sheet = static / "css" / "x.css"
    sheet.write_text("a { color: red; }")
    app.static_folder = str(static)
    with app.test_request_context():
        first = url_for("static", filename="css/x.css")
        sheet.write_text("a { color: blue; }")
        second = url_for("static", filename="css/x.css")
        missing = url_for("static", filename="css/none.css")
    assert first != second
    assert missing == "/static/css/none.css"


@pytest.mark.parametrize("face", ["400-normal", "700-normal", "400-italic"])
def test_the_web_fonts_hold_french_and_english_and_stay_small(face):
    from fontTools.ttLib import TTFont

    path = ROOT / "static" / "fonts" / "web" / f"atkinson-hyperlegible-{face}.woff2"
    assert path.stat().st_size < 20_000
    cmap = TTFont(path).getBestCmap()
    for char in "AZaz09 àâçéèêëîïôùûüÿœæÀÉÈÇŒ«»’“”–—…€\u202f\u00a0":
        assert ord(char) in cmap, (face, char)
    css = (ROOT / "static" / "css" / "site.css").read_text()
    assert f"fonts/web/atkinson-hyperlegible-{face}.woff2?v=" in css
    assert ".woff\"" not in css and "unicode-range" in css


def test_stylesheets_are_served_minified_and_their_source_stays_readable(client):
    import hashlib

    source = (ROOT / "static" / "css" / "site.css").read_bytes()
    page = client.get("/privacy").get_data(as_text=True)
    url = re.search(r'href="(/static/css/site\.css\?v=([0-9a-f]{10}))"', page)
    served = client.get(url.group(1))
    assert served.mimetype == "text/css"
    assert b"/*" in source and b"/*" not in served.data
    assert len(served.data) < 0.85 * len(source)
    # The same rules: every selector and custom property of the source is still there.
    for word in (b".workshop>div>p", b"--brand-dark", b"@media (max-width:40rem)", b"@font-face"):
        assert word in served.data
    # The URL's version is the hash of what is sent, so a cached copy is never stale.
    assert hashlib.sha256(served.data).hexdigest()[:10] == url.group(2)
    assert served.headers["Content-Length"] == str(len(served.data))
    again = client.get("/static/css/site.css", headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


def test_print_stylesheets_are_read_from_the_readable_source():
    """WeasyPrint reads the files on disk (kits, reports): they stay as written."""
    for name in ("print.css", "report.css", "record.css"):
        text = (ROOT / "static" / "css" / name).read_text()
        assert "\n" in text.strip() and "/*" in text


# The issue 19 aim is 25,000 bytes (docs/performance.md); the page weighs 24,884 here
# (25,732 in Chromium against `flask run` of a `flask demo` instance).
# It was about 34,000 before the fifth pass, 27,355 before the sixth.
EVENT_PAGE_BUDGET = 25_000


def test_the_demo_event_page_stays_within_its_byte_budget(app, client, tmp_path):
    """The French demo event page, its stylesheet and its icon, fonts excluded, uncompressed."""
    from tests.core.pages import build_demo

    app.config["KIT_CACHE_DIR"] = str(tmp_path / "kits")
    build_demo(app)
    page = client.get("/events/cryptoparty/?lang=fr")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    linked = re.findall(r'<link rel="(?:stylesheet|icon)" href="(/static/[^"]+)"', html)
    assert [url.split("?")[0] for url in linked] == ["/static/css/site.css",
                                                     "/static/img/favicon.svg"]
    sizes = {url.split("?")[0]: len(client.get(url).data) for url in linked}
    total = len(page.data) + sum(sizes.values())
    assert total <= EVENT_PAGE_BUDGET, (len(page.data), sizes)

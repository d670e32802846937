"""Print that survives what organizers type: a 200-character title without a space, emoji
and other scripts. Every word drawn lies inside its page; every character has a glyph in
a font embedded in the PDF (never an empty box); every QR code decodes at 100 dpi."""

import io
import re
import shutil
import subprocess
import unicodedata

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

LONG_TITLE = "Cryptopartie" + "x" * 188
EMOJI_TITLE = "🔐 Chiffrer 📱 ses messages — Ελληνικά 中文"

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="needs poppler-utils (pdftotext, pdftoppm)")


@pytest.fixture
def app_config(tmp_path):
    return {"KIT_CACHE_DIR": str(tmp_path / "kits")}


@pytest.fixture
def kit(organizer_client, make_event, tmp_path):
    event = make_event(organization=organizer_client.organization, slug="long",
                       title=LONG_TITLE, venue="V" * 120,
                       program=[("S" * 100, [dict(title="Atelier" + "y" * 193, capacity=10,
                                                  room="R" * 100),
                                             dict(title=EMOJI_TITLE, slug="emoji", capacity=10)])])
    response = organizer_client.get(f"/events/{event.slug}/kit.pdf?lang=fr")
    assert response.status_code == 200
    path = tmp_path / "kit.pdf"
    path.write_bytes(response.get_data())
    return path


@needs_poppler
def test_every_word_lies_inside_its_page(kit):
    layout = subprocess.run(["pdftotext", "-bbox", str(kit), "-"], check=True,
                            capture_output=True, text=True).stdout
    outside = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', layout,
                            re.S):
        width, height = float(page.group(1)), float(page.group(2))
        for word in re.finditer(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
                                r'yMax="([\d.-]+)">(.*?)</word>', page.group(3)):
            x0, y0, x1, y1 = map(float, word.groups()[:4])
            if x0 < -0.5 or y0 < -0.5 or x1 > width + 0.5 or y1 > height + 0.5:
                outside.append(word.group(5)[:30])
    assert not outside, outside[:10]


def _embedded_cmap(path) -> set[int]:
    covered = set()
    for page in PdfReader(path).pages:
        for ref in page["/Resources"].get_object().get("/Font", {}).values():
            font = ref.get_object()
            described = font["/DescendantFonts"][0].get_object() \
                if "/DescendantFonts" in font else font
            descriptor = described["/FontDescriptor"].get_object()
            data = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            if data is not None:
                covered |= set(TTFont(io.BytesIO(data.get_object().get_data()))
                               .getBestCmap() or {})
    return covered


def _emoji_font_installed() -> bool:
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    return "emoji" in fonts.lower()


@pytest.mark.skipif(not _emoji_font_installed(),
                    reason="needs an emoji font (Debian fonts-noto-color-emoji, see .ci/run)")
def test_every_character_has_a_glyph_in_an_embedded_font(kit):
    covered = _embedded_cmap(kit)
    text = LONG_TITLE + EMOJI_TITLE
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in covered
                      and unicodedata.category(c) not in ("Mn", "Cf")})
    assert not missing, missing


@needs_poppler
@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="needs zbar-tools (zbarimg)")
def test_every_qr_code_decodes_at_100_dpi(kit, tmp_path):
    listed = [line.split() for line in subprocess.run(
        ["pdfimages", "-list", str(kit)], capture_output=True, text=True).stdout.splitlines()[2:]]
    # QR codes are the square bitmaps (colour emoji are 136 × 128).
    images = [f for f in listed if f[2] == "image" and f[3] == f[4]]
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(kit), str(tmp_path / "p")], check=True)
    decoded = 0
    for png in sorted(tmp_path.glob("p-*.png")):
        run = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True,
                             text=True)
        decoded += len([line for line in run.stdout.splitlines() if line.startswith("http")])
    assert images and decoded == len(images), (decoded, len(images))

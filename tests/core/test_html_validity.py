"""Every page tests can reach, public and back office, in French and English, is valid HTML
for the W3C Nu checker (vnu.jar, installed with
``npm install --no-save --prefix .cache/vnu vnu-jar``; needs Java)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.core.pages import build_demo, crawl

ROOT = Path(__file__).resolve().parents[2]
VNU = ROOT / ".cache" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None, reason="needs Java for the Nu checker"),
    pytest.mark.skipif(not VNU.exists(), reason="needs the Nu checker: npm install --no-save "
                                                "--prefix .cache/vnu vnu-jar"),
]


def validate(pages: dict, folder: Path) -> dict:
    """Nu checker errors by URL."""
    files = {}
    for n, (url, html) in enumerate(sorted(pages.items())):
        path = folder / f"page{n}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = url
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json",
                          *[str(folder / name) for name in files]],
                         capture_output=True, text=True, timeout=600)
    errors = {}
    for message in json.loads(run.stderr or "{}").get("messages", []):
        name = (message.get("url") or "").rsplit("/", 1)[-1]
        url = files.get(name, message.get("url"))
        errors.setdefault(url, []).append(
            f"line {message.get('lastLine')}: {message.get('message')} "
            f"[{(message.get('extract') or '').strip()[:80]}]")
    return errors


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_reachable_page_is_valid_html(app, tmp_path, lang):
    app.config["KIT_CACHE_DIR"] = str(tmp_path / "kits")
    code, token = build_demo(app)
    pages = crawl(app, lang, code, token, pdf_limit=0).html
    assert len(pages) > 60
    errors = validate(pages, tmp_path)
    assert not errors, "\n".join(f"{url}: {e[:4]}" for url, e in sorted(errors.items()))

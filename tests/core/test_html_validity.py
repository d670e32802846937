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


def test_multi_day_and_series_pages_are_valid_html(app, organizer_client, client, make_event,
                                                   tmp_path, now):
    """The date-and-time inputs, a weekend's program and a series with its program."""
    from datetime import datetime, timedelta

    from cryptoparty.events import series as series_service

    org = organizer_client.organization
    weekend = make_event(organization=org, slug="week-end", hours=32,
                         program=[("Samedi", []), ("Dimanche", [dict(title="Tor",
                                                                     capacity=10)])])
    template = make_event(organization=org, slug="modele", status="draft")
    series = series_service.create_series(
        org, rule="FREQ=WEEKLY;COUNT=3", first_start=datetime(2026, 3, 14, 13, 0),
        duration=timedelta(hours=4), now=now, template=template, publish=True,
        kind="cryptoparty", title="Samedis", venue="Médiathèque")
    first = series.events[0]
    pages = {}
    for lang in ("fr", "en"):
        for url in (f"/events/{weekend.slug}/", f"/series/{series.slug}/",
                    f"/events/{first.slug}/"):
            pages[f"{url}?lang={lang}"] = client.get(f"{url}?lang={lang}").get_data(as_text=True)
        for url in (f"/manage/events/{weekend.slug}/", f"/manage/events/{first.slug}/",
                    f"/manage/events/{weekend.slug}/sessions/new",
                    f"/manage/sessions/{weekend.sessions[1].id}/edit",
                    "/manage/events/new", f"/manage/orgs/{org.slug}/series/new"):
            pages[f"{url}?lang={lang}"] = organizer_client.get(
                f"{url}?lang={lang}").get_data(as_text=True)
        refused = organizer_client.post_form(
            f"/manage/events/new?lang={lang}",
            {"kind": "cryptoparty", "title": "X", "venue": "Y", "starts_at-date": "2026-02-30",
             "starts_at-time": "10:00", "ends_at-date": "", "ends_at-time": "9:00",
             "max_party": "4", "retention_days": "7", "volunteer_withdraw_hours": "24"})
        assert refused.status_code == 400
        pages[f"refused?lang={lang}"] = refused.get_data(as_text=True)
    assert all('type="date"' in html for url, html in pages.items() if "/manage/" in url
               and ("new" in url or "edit" in url))
    errors = validate(pages, tmp_path)
    assert not errors, "\n".join(f"{url}: {e[:4]}" for url, e in sorted(errors.items()))

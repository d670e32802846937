"""At 390 px, a 200-character title without a space and a 60-character pseudonym widen no
page: public, volunteer and back office (issue 15)."""

import json
import re
import shutil
import subprocess
import sys

from tests.core.test_html_validity import VNU, validate
from tests.e2e.conftest import PHONE, ROOT, STICKING_OUT_JS, log_in

LONG_TITLE = "Cryptopartie" + "x" * 188
LONG_WORKSHOP = "Atelier" + "y" * 193
PSEUDONYM = "p" * 60

SEED = """
import json, sys
from datetime import timedelta
from sqlalchemy import select
from cryptoparty import create_app
from cryptoparty.core import clock
from cryptoparty.core.extensions import db
from cryptoparty.accounts.models import Organization
from cryptoparty.events import services as events
from cryptoparty.registration import services as registration
from cryptoparty.volunteers import services as volunteers

title, workshop_title, pseudonym = sys.argv[1:4]
app = create_app()
with app.app_context():
    now = clock.now()
    org = db.session.scalar(select(Organization).filter_by(slug="biblinsa"))
    # 22:30 in Paris (UTC+1 in winter, 23:30 in summer): the session runs past midnight,
    # so its time says both days, the widest it can be.
    start = (now + timedelta(days=20)).replace(hour=21, minute=30, second=0, microsecond=0)
    event = events.create_event(org, now=now, slug="long", title=title, kind="cryptoparty",
                                venue="V" * 120, starts_at=start,
                                ends_at=start + timedelta(hours=3),
                                registration_opens_at=now - timedelta(days=1),
                                registration_closes_at=start)
    session = events.add_session(event, label="S" * 100, starts_at=start,
                                 ends_at=start + timedelta(hours=2), now=now)
    workshop = events.add_workshop(session, now=now, title=workshop_title, capacity=10,
                                   room="R" * 100, needs_facilitator=True)
    events.change_status(event, "publish", now=now)
    db.session.commit()
    ticket = registration.register(event, [workshop.id], 2, now=now)
    volunteer, token = volunteers.sign_up(event, pseudonym=pseudonym, now=now)
    volunteers.confirm_claim(volunteers.claim_workshop(volunteer, workshop.id, now=now), now=now)
    db.session.commit()
    print(json.dumps({"code": ticket.code, "token": token}))
"""


def _seed(live_server) -> dict:
    run = subprocess.run([sys.executable, "-c", SEED, LONG_TITLE, LONG_WORKSHOP, PSEUDONYM],
                         cwd=ROOT, env=live_server.env, check=True, capture_output=True,
                         text=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def _links(page, prefix: str) -> set[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    return {re.sub(r"[?&]lang=\w+$", "", h.split("#")[0]) for h in hrefs
            if h.startswith(prefix) and not re.search(r"\.(pdf|ics|asc|csv|txt|xml|json)\b", h)}


def _too_wide(page, paths, served: dict) -> dict:
    wide = {}
    for path in sorted(paths):
        for lang in ("fr", "en"):
            url = f"{path}{'&' if '?' in path else '?'}lang={lang}"
            response = page.goto(url)
            assert response.status == 200, (path, response.status)
            served[url] = response.text()
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide[f"{path} ({lang})"] = (width, page.evaluate(STICKING_OUT_JS,
                                                                 PHONE["width"]))
    return wide


def test_long_title_and_pseudonym_fit_a_phone(new_page, live_server, tmp_path):
    seeded = _seed(live_server)
    public = new_page()
    public.set_viewport_size(PHONE)
    public.goto("/events/long/")
    assert LONG_TITLE[:30] in public.content()
    paths = {"/events/long/", "/events/long/register", "/",
             f"/tickets/{seeded['code']}", f"/volunteers/{seeded['token']}"}
    paths |= _links(public, "/events/long")
    organizer = new_page()
    log_in(organizer)
    organizer.set_viewport_size(PHONE)
    organizer.goto("/manage/events/long")
    manage = {"/manage/events/long"} | _links(organizer, "/manage/events/long")
    assert len(manage) >= 5, manage
    served = {}
    wide = _too_wide(public, paths, served)
    wide.update(_too_wide(organizer, manage, served))
    assert not wide, wide
    # The same pages, as served, are valid HTML for the W3C Nu checker.
    if VNU.exists() and shutil.which("java"):
        errors = validate(served, tmp_path)
        assert not errors, "\n".join(f"{url}: {e[:4]}" for url, e in sorted(errors.items()))

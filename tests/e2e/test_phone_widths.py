"""Tester's fault 7 (issue 15): at 390 px, with a 200-character unbroken title, the embedded
programs and the record of processing stay within the screen.

(The branch "see" has the broader width test, tests/e2e/test_long_texts.py; these pages
belong in its list too.)"""

import json
import subprocess
import sys

from tests.e2e.conftest import PHONE, ROOT, STICKING_OUT_JS, log_in

LONG_TITLE = "Cryptopartie" + "x" * 188
SEED = """
import json, sys
from datetime import timedelta
from sqlalchemy import select
from cryptoparty import create_app
from cryptoparty.core import clock
from cryptoparty.core.extensions import db
from cryptoparty.accounts.models import Organization
from cryptoparty.events import services as events

title = sys.argv[1]
app = create_app()
with app.app_context():
    now = clock.now()
    org = db.session.scalar(select(Organization).filter_by(slug="biblinsa"))
    start = now + timedelta(days=21)
    event = events.create_event(org, now=now, slug="widths", title=title, kind="cryptoparty",
                                venue="V" * 120, starts_at=start,
                                ends_at=start + timedelta(hours=3))
    session = events.add_session(event, label="S" * 100, starts_at=start,
                                 ends_at=start + timedelta(hours=2), now=now)
    events.add_workshop(session, now=now, title="W" * 200, capacity=10, room="R" * 100)
    events.change_status(event, "publish", now=now)
    db.session.commit()
    print(json.dumps({"slug": event.slug}))
"""


def _seed(live_server) -> str:
    run = subprocess.run([sys.executable, "-c", SEED, LONG_TITLE], cwd=ROOT,
                         env=live_server.env, check=True, capture_output=True, text=True)
    return json.loads(run.stdout.strip().splitlines()[-1])["slug"]


def _widths(page, paths) -> dict:
    wide = {}
    for path in paths:
        for lang in ("fr", "en"):
            response = page.goto(f"{path}?lang={lang}")
            assert response.status == 200, (path, response.status)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide[f"{path} ({lang})"] = (width, page.evaluate(STICKING_OUT_JS,
                                                                 PHONE["width"]))
    return wide


def test_embeds_and_record_of_processing_fit_a_phone_with_a_long_title(new_page, live_server):
    slug = _seed(live_server)
    public = new_page()
    public.set_viewport_size(PHONE)
    public.goto(f"/embed/events/{slug}")
    assert LONG_TITLE[:30] in public.content()
    wide = _widths(public, ["/embed/orgs/biblinsa", f"/embed/events/{slug}"])
    organizer = new_page()
    log_in(organizer)
    organizer.set_viewport_size(PHONE)
    wide.update(_widths(organizer, ["/manage/orgs/biblinsa/record-of-processing"]))
    assert not wide, wide

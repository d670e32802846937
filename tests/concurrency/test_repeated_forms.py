"""The same creating form sent several times at once, against a real gunicorn server (issue 14).

A double (or sextuple) click: the same page's form, with the same cookie, CSRF
token and idempotency key, posted by several threads over their own
connections, released together by a barrier. Every answer leads to what the
first post created (the same redirect), none is a 409, and exactly one record
exists. Runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.
"""

import re
import threading
from datetime import datetime, timezone

import pytest
import requests
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop
from cryptoparty.volunteers import services as volunteers
from cryptoparty.volunteers.models import Claim, Volunteer
from tests.concurrency.test_volunteers import race_event, server  # noqa: F401 - fixtures
from tests.conftest import PASSWORD
from tests.events.test_views_manage import workshop_form

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY_RE = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"')
CLICKS = 6

pytestmark = pytest.mark.slow


def _count(model) -> int:
    db.session.commit()  # a fresh snapshot: see what the server wrote
    return db.session.scalar(select(func.count()).select_from(model))


def _same_form_at_once(http: requests.Session, page_url: str, post_url: str, data: dict):
    """Post the form of ``page_url`` CLICKS times at once; the answers (status, location)."""
    html = http.get(page_url, timeout=30).text
    data = dict(data, csrf_token=CSRF_RE.search(html).group(1),
                idempotency_key=KEY_RE.search(html).group(1))
    cookies = http.cookies.get_dict()
    barrier = threading.Barrier(CLICKS)
    answers = [None] * CLICKS

    def click(i):
        own = requests.Session()  # its own connection, the page's cookie
        own.cookies.update(cookies)
        barrier.wait(timeout=60)
        response = own.post(post_url, data=data, allow_redirects=False, timeout=90)
        answers[i] = (response.status_code, response.headers.get("Location", "").split("?")[0])

    threads = [threading.Thread(target=click, args=(i,)) for i in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return answers


def _all_lead_to_the_first_result(answers):
    assert all(status in (302, 303) for status, _ in answers), answers
    assert len({location for _, location in answers}) == 1, answers


def test_a_volunteer_sign_up_clicked_six_times_at_once_signs_up_once(app, race_event, server):
    before = _count(Volunteer)
    answers = _same_form_at_once(requests.Session(), f"{server}/events/{race_event.slug}/volunteer",
                                 f"{server}/events/{race_event.slug}/volunteer",
                                 {"pseudonym": "Zoé"})
    _all_lead_to_the_first_result(answers)
    assert _count(Volunteer) == before + 1
    assert "/volunteers/" in answers[0][1]  # the private link, for every click


def test_a_claim_clicked_six_times_at_once_claims_once(app, race_event, server):
    real_now = datetime.now(timezone.utc).replace(tzinfo=None)
    _, token = volunteers.sign_up(race_event, pseudonym="Ada", now=real_now)
    db.session.commit()
    workshop_id = next(w.id for w in race_event.workshops if w.slug == "tails")
    private = f"{server}/volunteers/{token}"
    answers = _same_form_at_once(requests.Session(), private, f"{private}/claims",
                                 {"workshop_id": str(workshop_id)})
    _all_lead_to_the_first_result(answers)
    assert _count(Claim) == 1


def test_a_new_workshop_clicked_six_times_at_once_is_added_once(app, race_event, server,
                                                                make_organizer):
    make_organizer("racer", organizations=[race_event.organization])
    db.session.commit()
    http = requests.Session()
    csrf = CSRF_RE.search(http.get(f"{server}/login", timeout=30).text).group(1)
    assert http.post(f"{server}/login", data={"csrf_token": csrf, "login": "racer",
                                              "password": PASSWORD},
                     allow_redirects=False, timeout=60).status_code == 302
    before = _count(Workshop)
    url = f"{server}/manage/events/{race_event.slug}/workshops/new"
    answers = _same_form_at_once(http, url, url, workshop_form(race_event.sessions[0].id,
                                                               title="Threat models"))
    _all_lead_to_the_first_result(answers)
    assert _count(Workshop) == before + 1

"""Two owners at once, and a removed account, against a real gunicorn server (4 workers).

Two owners demote each other in the same instant: the organization's membership
rows are locked before the owners are counted, so exactly one change goes
through and one owner is left. A removed colleague's open session is refused on
its very next request, whichever worker serves it. Runs on SQLite and, when
TEST_DATABASE_URL is set, on PostgreSQL.
"""

import re
import threading

import pytest
import requests
from sqlalchemy import select

from cryptoparty.accounts import roles
from cryptoparty.accounts.models import Organizer, Role
from cryptoparty.core.extensions import db
from tests.concurrency.test_volunteers import server  # noqa: F401 - the gunicorn fixture
from tests.conftest import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

pytestmark = pytest.mark.slow


def _logged_in(base, login):
    http = requests.Session()
    csrf = CSRF_RE.search(http.get(f"{base}/login", timeout=30).text).group(1)
    response = http.post(f"{base}/login", data={"csrf_token": csrf, "login": login,
                                                "password": PASSWORD},
                         allow_redirects=False, timeout=60)
    assert response.status_code == 302, response.text[:500]
    return http


def _csrf(http, url):
    return CSRF_RE.search(http.get(url, timeout=30).text).group(1)


@pytest.fixture
def two_owners(app, make_org, make_organizer):
    org = make_org()
    first = make_organizer("first", organizations=[org])
    second = make_organizer("second", organizations=[org])
    db.session.commit()
    return org, first, second


def test_two_owners_demoting_each_other_at_once_leave_exactly_one_owner(two_owners, server):
    org, first, second = two_owners
    staff_url = f"{server}/manage/orgs/{org.slug}/staff"
    sessions = [(_logged_in(server, "first"), second.id), (_logged_in(server, "second"), first.id)]
    prepared = [(http, _csrf(http, staff_url), target) for http, target in sessions]
    barrier = threading.Barrier(len(prepared))
    statuses = [None] * len(prepared)

    def demote(i, http, csrf, target):
        barrier.wait(timeout=60)
        statuses[i] = http.post(f"{staff_url}/{target}/role",
                                data={"csrf_token": csrf, f"m{target}-role": "organizer"},
                                allow_redirects=False, timeout=60).status_code

    threads = [threading.Thread(target=demote, args=(i, *args))
               for i, args in enumerate(prepared)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [302, 409], statuses
    db.session.commit()  # a fresh snapshot: see what the server wrote
    owners = [o for o in (first, second) if roles.role_of(o, org) is Role.OWNER]
    assert len(owners) == 1


def test_a_removed_account_is_refused_on_its_next_request_on_any_worker(two_owners, server):
    org, first, second = two_owners
    colleague = _logged_in(server, "second")
    for _ in range(8):  # spread over the workers: the session works everywhere
        assert colleague.get(f"{server}/manage/", allow_redirects=False,
                             timeout=30).status_code == 200
    owner = _logged_in(server, "first")
    staff_url = f"{server}/manage/orgs/{org.slug}/staff"
    response = owner.post(f"{staff_url}/{second.id}/remove",
                          data={"csrf_token": _csrf(owner, staff_url)},
                          allow_redirects=False, timeout=60)
    assert response.status_code == 302
    for _ in range(8):
        response = colleague.get(f"{server}/manage/", allow_redirects=False, timeout=30)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.commit()  # a fresh snapshot: see what the server wrote
    assert db.session.scalar(select(Organizer).filter_by(login="second")) is None

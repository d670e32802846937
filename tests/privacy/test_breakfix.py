"""Tester's faults 9 (issue 14, low): Vary on the negotiated language, one Date header,
capability values masked in query strings (logs)."""

import logging

import pytest

from cryptoparty.core.log_masking import MASK, mask_query, mask_request_line, mask_secrets
from tests.registration.test_views import register

CODE = "7KQ2-M9XD-4TRB-HW0E"


@pytest.mark.parametrize("path", ["/events/cryptoparty/", "/", "/events/cryptoparty/register",
                                  "/login"])
def test_a_page_in_the_browsers_language_varies_on_accept_language(client, make_event, path):
    make_event()
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Accept-Language" in response.vary, (path, response.headers.get("Vary"))
    # Asked with ?lang=, the page no longer depends on the browser's language.
    response = client.get(path + "?lang=fr", headers={"Accept-Language": "en"})
    assert "Accept-Language" not in response.vary, path


@pytest.mark.parametrize("method", ["get", "head"])
def test_the_app_leaves_the_date_header_to_the_server(client, make_event, method):
    make_event()
    for _ in range(2):  # rendered, then from the page cache (ETag)
        response = getattr(client, method)("/events/cryptoparty/")
        assert response.status_code == 200
        assert response.headers.getlist("Date") == []
        assert response.headers.get("ETag")


@pytest.mark.parametrize("line", [
    f"GET /tickets/?code={CODE} HTTP/1.1", f"GET /tickets/?lang=fr&code={CODE} HTTP/1.1",
    f"GET /tickets/?CODE={CODE.replace('-', '%20')} HTTP/1.1",
    f"GET /tickets/?c%6Fde={CODE} HTTP/1.1", f"GET /tickets/?lang=en;code={CODE} HTTP/1.1",
    f"GET /volunteers/x/checkin?token={CODE} HTTP/1.1", f"GET /x?ticket={CODE}#y HTTP/1.1",
])
def test_a_code_in_a_query_string_is_masked(line):
    for masked in (mask_request_line(line), mask_secrets(line), mask_secrets(f'"{line}" 200')):
        assert not any(group in masked for group in CODE.split("-")), masked
        assert MASK in masked
    assert mask_query(f"lang=fr&code={CODE}&city=Rennes") == f"lang=fr&code={MASK}&city=Rennes"
    assert mask_query("city=Rennes&kind=cafe") == "city=Rennes&kind=cafe"


def test_ticket_lookup_by_query_logs_no_code(client, make_event, caplog):
    event = make_event()
    caplog.set_level(logging.DEBUG)
    code = register(client, event)
    logging.getLogger("werkzeug").info('%s - - "%s" %s', "-",
                                       f"GET /tickets/?code={code} HTTP/1.1", 200)
    client.get(f"/tickets/?code={code}")
    assert "?code=…" in caplog.text
    assert code not in caplog.text

"""Tester's faults (issue 14) in federation: one JSON parsing, bounded, for every body."""

import pytest
from sqlalchemy import func, select

from cryptoparty.core import validation
from cryptoparty.core.extensions import db
from cryptoparty.federation import net
from cryptoparty.federation.models import FederationDelivery, FederationFollower
from tests.federation.conftest import post_activity


def _nothing_stored():
    return all(db.session.scalar(select(func.count()).select_from(m)) == 0
               for m in (FederationFollower, FederationDelivery))


@pytest.mark.parametrize("depth", [2_000, 100_000])
@pytest.mark.parametrize("sign", [False, True])
def test_inbox_refuses_deeply_nested_json_with_a_400(client, fed_org, fediverse, now, depth,
                                                     sign):
    alice = fediverse.actor()
    body = ("[" * depth + "]" * depth).encode()
    response = post_activity(client, alice, None, now, body=body, sign=sign)
    assert response.status_code == 400
    assert _nothing_stored()


def test_a_deeply_nested_document_from_another_server_is_a_fetch_error(monkeypatch):
    class Response:
        status_code = 200
        headers = {}

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

    monkeypatch.setattr(net, "check_url", lambda url, allow_private: None)
    monkeypatch.setattr(net.requests, "get", lambda *a, **k: Response())
    monkeypatch.setattr(net, "_read_limited", lambda response: b"{\"a\":" + b"[" * 5000)
    with pytest.raises(net.FetchError):
        net.fetch_json("https://remote.example/users/a", allow_private=False)


@pytest.mark.parametrize("text", ["[" * 2000 + "]" * 2000, b"[" * 100_000,
                                  '{"a":' * 40 + "1" + "}" * 40])
def test_load_json_refuses_nesting_beyond_the_limit_as_malformed(text):
    with pytest.raises(ValueError):
        validation.load_json(text)
    assert validation.load_json('{"a": [[1]]}') == {"a": [[1]]}

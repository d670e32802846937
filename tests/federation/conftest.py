"""Fixtures of the federation tests: a federating organization and remote actors."""

import json

import pytest

from cryptoparty.federation import net, services
from tests.federation.helpers import RemoteActor

BASE = "http://localhost"


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    services.clear_key_cache()
    yield
    services.clear_key_cache()


@pytest.fixture
def fed_org(app, make_org, now):
    """Organization ``bib`` with federation on."""
    org = make_org()
    services.set_federation(org, True, now=now)
    return org


class Fediverse:
    """The remote documents that ``net.fetch_json`` finds, and what ``net.post`` sent."""

    def __init__(self):
        self.documents = {}
        self.fetched = []
        self.fetch_headers = []
        self.posted = []
        self.answer = 202

    def add(self, actor: RemoteActor) -> RemoteActor:
        self.documents[actor.id] = actor.document
        return actor

    def actor(self, name="alice", base="https://remote.example", **kwargs) -> RemoteActor:
        return self.add(RemoteActor(base=base, name=name, **kwargs))

    def fetch_json(self, url, *, allow_private, sign=None):
        self.fetched.append(url)
        self.fetch_headers.append(sign(url) if sign else None)
        if url not in self.documents:
            raise net.FetchError("answered 404")
        return self.documents[url]()

    def post(self, url, body, headers, *, allow_private):
        self.posted.append({"url": url, "body": body, "headers": headers,
                            "activity": json.loads(body)})
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def fediverse(monkeypatch):
    world = Fediverse()
    monkeypatch.setattr(net, "fetch_json", world.fetch_json)
    monkeypatch.setattr(net, "post", world.post)
    return world


def post_activity(client, actor, activity, now, *, slug="bib", body=None, headers=None,
                  sign=True):
    """POST an activity to the organization's inbox, signed by ``actor``."""
    path = f"/ap/orgs/{slug}/inbox"
    if body is None:
        body = json.dumps(activity).encode()
    sent = {"Content-Type": "application/activity+json"}
    if sign:
        sent.update(actor.signed_headers(BASE + path, body, now))
    sent.update(headers or {})
    return client.post(path, data=body, headers=sent)

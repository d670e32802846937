"""The inbox: signatures, Follow/Undo/Join, and refused input that changes nothing."""

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.federation import net, signatures
from cryptoparty.federation.models import FederationDelivery, FederationFollower
from tests.federation.conftest import post_activity
from tests.federation.helpers import run_coroutine

ACTOR = "http://localhost/ap/orgs/bib"


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _nothing_stored():
    return _count(FederationFollower) == 0 and _count(FederationDelivery) == 0


def test_follow_stores_the_shared_inbox_and_a_keyed_hash_and_queues_an_accept(
        client, fed_org, fediverse, now, app):
    alice = fediverse.actor()
    follow = alice.follow(ACTOR)
    response = post_activity(client, alice, follow, now)
    assert response.status_code == 202, response.get_data(as_text=True)
    row = db.session.scalar(select(FederationFollower))
    assert row.inbox_url == "https://remote.example/inbox"
    assert row.follower_hash == signatures.keyed_hash(app.config["SECRET_KEY"], alice.id)
    assert alice.id not in row.follower_hash and len(row.follower_hash) == 64
    job = db.session.scalar(select(FederationDelivery))
    assert job.activity_type == "Accept"
    assert job.inbox_url == alice.inbox
    accept = json.loads(job.activity)
    assert accept["type"] == "Accept" and accept["actor"] == ACTOR
    assert accept["object"]["id"] == follow["id"] and accept["object"]["type"] == "Follow"
    assert client.get("/ap/orgs/bib/followers").json["totalItems"] == 1
    # Following again keeps one row.
    assert post_activity(client, alice, follow, now).status_code == 202
    assert _count(FederationFollower) == 1


def test_personal_inbox_when_the_server_has_no_shared_inbox(client, fed_org, fediverse, now):
    bob = fediverse.actor("bob", shared_inbox=False)
    assert post_activity(client, bob, bob.follow(ACTOR), now).status_code == 202
    assert db.session.scalar(select(FederationFollower.inbox_url)) == bob.inbox


def test_undo_follow_deletes_the_row(client, fed_org, fediverse, now):
    alice, bob = fediverse.actor(), fediverse.actor("bob")
    follow = alice.follow(ACTOR)
    post_activity(client, alice, follow, now)
    post_activity(client, bob, bob.follow(ACTOR), now)
    assert _count(FederationFollower) == 2
    assert post_activity(client, alice, alice.undo(follow), now).status_code == 202
    assert _count(FederationFollower) == 1
    assert client.get("/ap/orgs/bib/followers").json["totalItems"] == 1
    # Undoing again, or undoing something else, changes nothing.
    assert post_activity(client, alice, alice.undo(follow), now).status_code == 202
    like_undo = {"type": "Undo", "actor": bob.id, "object": {"type": "Like", "id": "x"}}
    assert post_activity(client, bob, like_undo, now).status_code == 202
    assert _count(FederationFollower) == 1


def test_join_gets_a_reject_pointing_at_the_registration(client, fed_org, fediverse, now,
                                                         make_event):
    make_event(organization=fed_org)
    alice = fediverse.actor()
    join = {"id": alice.id + "/join/1", "type": "Join", "actor": alice.id,
            "object": "http://localhost/ap/events/cryptoparty"}
    assert post_activity(client, alice, join, now).status_code == 202
    assert _count(FederationFollower) == 0
    job = db.session.scalar(select(FederationDelivery))
    reject = json.loads(job.activity)
    assert reject["type"] == "Reject" and reject["object"]["id"] == join["id"]
    assert reject["url"] == "http://localhost/events/cryptoparty/register"
    assert "http://localhost/events/cryptoparty/register" in reject["content"]


@pytest.mark.parametrize("kind", ["Create", "Like", "Announce", "Delete", "Add"])
def test_other_activities_are_accepted_without_effect(client, fed_org, fediverse, now, kind):
    alice = fediverse.actor()
    activity = {"id": alice.id + "/a", "type": kind, "actor": alice.id, "object": ACTOR}
    assert post_activity(client, alice, activity, now).status_code == 202
    assert _nothing_stored()


def test_follow_of_someone_else_is_ignored(client, fed_org, fediverse, now):
    alice = fediverse.actor()
    assert post_activity(client, alice, alice.follow("http://localhost/ap/orgs/other"),
                         now).status_code == 202
    assert _nothing_stored()


def test_unsigned_request_is_401(client, fed_org, fediverse, now):
    alice = fediverse.actor()
    assert post_activity(client, alice, alice.follow(ACTOR), now, sign=False).status_code == 401
    assert _nothing_stored()


def test_wrong_signature_is_401(client, fed_org, fediverse, now):
    alice = fediverse.actor()
    mallory = fediverse.actor("mallory")
    body = json.dumps(alice.follow(ACTOR)).encode()
    headers = mallory.signed_headers("http://localhost/ap/orgs/bib/inbox", body, now)
    headers["signature"] = headers["signature"].replace(mallory.key_id, alice.key_id)
    response = post_activity(client, alice, None, now, body=body, headers=headers, sign=False)
    assert response.status_code == 401
    assert _nothing_stored()


def test_activity_on_behalf_of_another_actor_is_401(client, fed_org, fediverse, now):
    alice, mallory = fediverse.actor(), fediverse.actor("mallory")
    assert post_activity(client, mallory, alice.follow(ACTOR), now).status_code == 401
    assert _nothing_stored()


def test_changed_body_fails_the_digest(client, fed_org, fediverse, now):
    alice = fediverse.actor()
    body = json.dumps(alice.follow(ACTOR)).encode()
    headers = alice.signed_headers("http://localhost/ap/orgs/bib/inbox", body, now)
    tampered = body.replace(b"follows/1", b"follows/2")
    response = post_activity(client, alice, None, now, body=tampered, headers=headers,
                             sign=False)
    assert response.status_code == 401
    assert _nothing_stored()


@pytest.mark.parametrize("skew", [timedelta(hours=13), -timedelta(hours=13)])
def test_stale_or_future_date_is_401(client, fed_org, fediverse, now, skew):
    alice = fediverse.actor()
    body = json.dumps(alice.follow(ACTOR)).encode()
    headers = alice.signed_headers("http://localhost/ap/orgs/bib/inbox", body, now + skew)
    assert post_activity(client, alice, None, now, body=body, headers=headers,
                         sign=False).status_code == 401
    assert _nothing_stored()


def test_date_within_twelve_hours_is_fine(client, fed_org, fediverse, now):
    alice = fediverse.actor()
    body = json.dumps(alice.follow(ACTOR)).encode()
    headers = alice.signed_headers("http://localhost/ap/orgs/bib/inbox", body,
                                   now - timedelta(hours=11))
    assert post_activity(client, alice, None, now, body=body, headers=headers,
                         sign=False).status_code == 202


def test_signature_must_cover_the_digest(client, fed_org, fediverse, now):
    alice = fediverse.actor()
    body = json.dumps(alice.follow(ACTOR)).encode()
    headers = alice.signed_headers("http://localhost/ap/orgs/bib/inbox", body, now)
    headers["signature"] = headers["signature"].replace(
        'headers="(request-target) host date digest content-type"',
        'headers="(request-target) host date"')
    assert post_activity(client, alice, None, now, body=body, headers=headers,
                         sign=False).status_code == 401


def test_follow_from_an_actor_whose_key_cannot_be_fetched_is_not_stored(
        client, fed_org, fediverse, now):
    alice = fediverse.actor()
    del fediverse.documents[alice.id]
    assert post_activity(client, alice, alice.follow(ACTOR), now).status_code == 401
    assert _nothing_stored()


def test_key_is_cached_and_refetched_once_when_it_changed(client, fed_org, fediverse, now):
    alice = fediverse.actor()
    post_activity(client, alice, alice.follow(ACTOR, 1), now)
    post_activity(client, alice, alice.follow(ACTOR, 2), now)
    assert fediverse.fetched.count(alice.id) == 1  # cached
    alice.rotate_key()
    assert post_activity(client, alice, alice.follow(ACTOR, 3), now).status_code == 202
    assert fediverse.fetched.count(alice.id) == 2  # refetched once


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"type": "Follow"}',
                                  b'{"actor": "https://remote.example/users/alice"}',
                                  b'{"type": 3, "actor": "x"}', "{\"type\": \"\xff".encode()])
def test_malformed_activities_are_400(client, fed_org, fediverse, now, body):
    alice = fediverse.actor()
    response = post_activity(client, alice, None, now, body=body)
    assert response.status_code == 400
    assert _nothing_stored()


def test_oversized_body_is_413(client, fed_org, fediverse, now):
    alice = fediverse.actor()
    activity = alice.follow(ACTOR)
    activity["padding"] = "x" * (1024 * 1024)
    response = post_activity(client, alice, activity, now)
    assert response.status_code == 413
    assert _nothing_stored()
    assert fediverse.fetched == []


def test_inbox_of_an_organization_without_federation_is_404(client, make_org, fediverse, now):
    make_org()
    alice = fediverse.actor()
    assert post_activity(client, alice, alice.follow(ACTOR), now).status_code == 404
    assert _nothing_stored()


def test_fifty_follows_and_unfollows_leave_no_actor_id(client, fed_org, fediverse, now, app,
                                                       caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    actors = [fediverse.actor(f"needle-{i:02d}-c0ffee") for i in range(50)]
    follows = [a.follow(ACTOR) for a in actors]
    for actor, follow in zip(actors, follows, strict=True):
        assert post_activity(client, actor, follow, now).status_code == 202
    assert client.get("/ap/orgs/bib/followers").json["totalItems"] == 50
    # The Accepts are delivered (then deleted); half the followers leave.
    from cryptoparty.federation import worker
    counts = worker.deliver_due(now=now, base_url="http://localhost", secret="test-secret",
                                allow_private=False)
    assert counts["sent"] == 50
    for actor, follow in list(zip(actors, follows, strict=True))[::2]:
        assert post_activity(client, actor, actor.undo(follow), now).status_code == 202
    assert client.get("/ap/orgs/bib/followers").json["totalItems"] == 25

    db.session.commit()
    # Every row of every table, on either backend.
    lines = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                lines.append(f"{table.name}: {tuple(row)!r}")
    dump = "\n".join(lines)
    assert dump.count("federation_followers: ") == 25
    logs = caplog.text
    for actor in actors:
        for needle in (actor.id, actor.id.rsplit("/", 1)[-1], actor.key_id):
            assert needle not in dump
            assert needle not in logs
    assert "c0ffee" not in dump and "c0ffee" not in logs


def test_ssrf_guard_refuses_private_addresses():
    for url in ["http://127.0.0.1/actor", "http://localhost/actor", "http://10.0.0.1/",
                "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data",
                "http://[::1]/", "http://[fe80::1]/", "http://0.0.0.0/", "ftp://example.org/",
                "file:///etc/passwd", "http:///nohost"]:
        with pytest.raises(net.FetchError):
            net.check_url(url, allow_private=False)
    net.check_url("http://127.0.0.1/actor", allow_private=True)
    net.check_url("http://93.184.215.14/actor", allow_private=False)


def test_fetch_refuses_oversized_non_json_and_slow(monkeypatch):
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/slow":
                self.send_response(200)
                self.end_headers()
                for _ in range(40):
                    try:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(0.1)
                return
            payload = {"/big": b"{" + b" " * (net.MAX_BYTES + 10) + b"}",
                       "/html": b"<html>", "/ok": b'{"id": "x"}'}.get(self.path)
            self.send_response(200 if payload else 404)
            self.end_headers()
            self.wfile.write(payload or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert net.fetch_json(base + "/ok", allow_private=True) == {"id": "x"}
        for path in ("/big", "/html", "/missing"):
            with pytest.raises(net.FetchError):
                net.fetch_json(base + path, allow_private=True)
        with pytest.raises(net.FetchError):
            net.fetch_json(base + "/ok", allow_private=False)
        # A server that drips its answer is cut off at the deadline.
        monkeypatch.setattr(net, "DEADLINE", 1)
        started = time.monotonic()
        with pytest.raises(net.FetchError):
            net.fetch_json(base + "/slow", allow_private=True)
        assert time.monotonic() - started < 3
    finally:
        server.shutdown()


def test_remote_keys_are_fetched_with_a_signed_get(client, fed_org, fediverse, now, app):

    from bovine.crypto import build_validate_http_signature_raw
    from bovine.crypto.types import CryptographicIdentifier

    alice = fediverse.actor()
    assert post_activity(client, alice, alice.follow(ACTOR), now).status_code == 202
    headers = fediverse.fetch_headers[0]
    assert 'keyId="http://localhost/ap/orgs/bib#main-key"' in headers["Signature"]
    assert 'headers="(request-target) host date"' in headers["Signature"]
    public_pem = client.get("/ap/orgs/bib").json["publicKey"]["publicKeyPem"]

    async def key_retriever(key_id):
        return CryptographicIdentifier.from_pem(public_pem, ACTOR)

    import bovine.utils
    original = bovine.utils.check_max_offset_now
    bovine.utils.check_max_offset_now = lambda dt, minutes=5: True
    try:
        signer = run_coroutine(build_validate_http_signature_raw(key_retriever)(
            "GET", alice.id, {k.lower(): v for k, v in headers.items()}, None))
    finally:
        bovine.utils.check_max_offset_now = original
    assert signer == ACTOR

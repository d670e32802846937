"""The delivery queue: the events hook, signed deliveries, backoff, giving up, 410."""

from datetime import timedelta

import pytest
from bovine.crypto import build_validate_http_signature_raw
from bovine.crypto.types import CryptographicIdentifier
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.events import services as event_service
from cryptoparty.federation import net, services, worker
from cryptoparty.federation.models import FederationDelivery, FederationFollower
from tests.federation.conftest import post_activity
from tests.federation.helpers import run_coroutine

ACTOR = "http://localhost/ap/orgs/bib"


def _jobs():
    return list(db.session.scalars(select(FederationDelivery).order_by(FederationDelivery.id)))


def _deliver(now, **kwargs):
    db.session.commit()
    return worker.deliver_due(now=now, base_url="http://localhost", secret="test-secret",
                              allow_private=False, **kwargs)


@pytest.fixture
def followers(client, fed_org, fediverse, now):
    """Three followers on two servers; their Accepts already delivered."""
    actors = [fediverse.actor("alice"), fediverse.actor("bob"),
              fediverse.actor("carol", base="https://other.example")]
    for actor in actors:
        assert post_activity(client, actor, actor.follow(ACTOR), now).status_code == 202
    assert _deliver(now)["sent"] == 3
    fediverse.posted.clear()
    return actors


def _bovine_verifies(app, posted, now):
    """bovine's own SignatureChecker accepts the delivery (with our actor's public key)."""
    public_pem = app.test_client().get("/ap/orgs/bib").json["publicKey"]["publicKeyPem"]

    async def key_retriever(key_id):
        assert key_id == ACTOR + "#main-key"
        return CryptographicIdentifier.from_pem(public_pem, ACTOR)

    validate = build_validate_http_signature_raw(key_retriever)
    headers = {k.lower(): v for k, v in posted["headers"].items()}

    async def body():
        return posted["body"]

    import bovine.utils
    original = bovine.utils.check_max_offset_now
    bovine.utils.check_max_offset_now = lambda dt, minutes=5: abs(
        dt.replace(tzinfo=None) - now) < timedelta(minutes=minutes)
    try:
        return run_coroutine(validate("POST", posted["url"], headers, body))
    finally:
        bovine.utils.check_max_offset_now = original


def test_publish_queues_one_create_per_distinct_inbox(app, followers, fed_org, make_event,
                                                      fediverse, now):
    event = make_event(organization=fed_org)
    jobs = _jobs()
    assert sorted(j.inbox_url for j in jobs) == ["https://other.example/inbox",
                                                 "https://remote.example/inbox"]
    assert {j.activity_type for j in jobs} == {"Create"}
    assert _deliver(now)["sent"] == 2
    assert _jobs() == []
    for posted in fediverse.posted:
        activity = posted["activity"]
        assert activity["type"] == "Create" and activity["actor"] == ACTOR
        assert activity["object"]["type"] == "Event"
        assert activity["object"]["url"] == f"http://localhost/events/{event.slug}/"
        assert _bovine_verifies(app, posted, now) == ACTOR
        assert set(posted["headers"]) >= {"Host", "Date", "Digest", "Signature"}
        assert 'headers="(request-target) host date digest"' in posted["headers"]["Signature"]


def test_cancel_and_edit_send_updates_and_drafts_never_leave(followers, fed_org, make_event,
                                                             fediverse, now):
    draft = make_event(organization=fed_org, slug="draft", status="draft")
    event_service.update_event(draft, now=now, title="Still a draft")
    event_service.change_status(draft, "cancel", now=now)
    assert _jobs() == []

    event = make_event(organization=fed_org)
    _deliver(now)
    fediverse.posted.clear()
    event_service.update_event(event, now=now, title="CryptoParty (new room)")
    event_service.change_status(event, "cancel", now=now)
    assert [j.activity_type for j in _jobs()] == ["Update"] * 4
    assert _deliver(now)["sent"] == 4
    updates = [p["activity"] for p in fediverse.posted]
    assert {u["type"] for u in updates} == {"Update"}
    assert all(u["object"]["ical:status"] == "CANCELLED" for u in updates)
    assert all(u["object"]["name"] == "CryptoParty (new room)" for u in updates)


def test_a_program_change_sends_an_update(followers, fed_org, make_event, fediverse, now):
    event = make_event(organization=fed_org)
    _deliver(now)
    fediverse.posted.clear()
    session = event.sessions[0]
    event_service.add_workshop(session, now=now, title="Signal", format="workshop",
                               level="beginner", capacity=12)
    assert [j.activity_type for j in _jobs()] == ["Update"] * 2
    assert _deliver(now)["sent"] == 2
    assert all(p["activity"]["type"] == "Update" for p in fediverse.posted)


def test_unpublish_sends_a_delete(followers, fed_org, make_event, fediverse, now):
    event = make_event(organization=fed_org)
    _deliver(now)
    fediverse.posted.clear()
    event_service.change_status(event, "unpublish", now=now)
    _deliver(now)
    assert {p["activity"]["type"] for p in fediverse.posted} == {"Delete"}
    assert fediverse.posted[0]["activity"]["object"]["type"] == "Tombstone"


def test_organizations_that_do_not_federate_queue_nothing(make_org, make_event, now):
    make_event(organization=make_org("quiet", "Quiet"))
    assert _jobs() == []


def test_failed_delivery_is_retried_with_backoff_then_dropped_and_counted(
        followers, fed_org, make_event, fediverse, now):
    fediverse.answer = 503
    make_event(organization=fed_org)
    assert _deliver(now)["retry"] == 2
    job = _jobs()[0]
    assert job.attempts == 1 and job.last_status == 503
    assert job.next_attempt_at == now + timedelta(minutes=1)
    # Not due yet: nothing is sent.
    fediverse.posted.clear()
    assert _deliver(now + timedelta(seconds=30)) == {"sent": 0, "retry": 0, "dropped": 0,
                                                    "gone": 0}
    assert fediverse.posted == []
    # Exponential backoff, then given up after three days.
    clock = now
    delays = []
    while _jobs():
        job = _jobs()[0]
        delays.append(job.next_attempt_at - clock)
        clock = job.next_attempt_at
        _deliver(clock)
    assert delays[:4] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4),
                          timedelta(minutes=8)]
    assert max(delays) == worker.MAX_RETRY
    assert clock - now <= timedelta(days=3)
    assert services.panel(fed_org)["dropped"] == 2
    # And then nothing more.
    fediverse.posted.clear()
    _deliver(clock + timedelta(days=10))
    assert fediverse.posted == []


def test_timeouts_and_refused_connections_are_retried(followers, fed_org, make_event,
                                                      fediverse, now):
    fediverse.answer = net.FetchError("timed out")
    make_event(organization=fed_org)
    assert _deliver(now)["retry"] == 2
    fediverse.answer = 202
    assert _deliver(now + timedelta(minutes=1))["sent"] == 2


def test_gone_server_loses_its_followers(followers, fed_org, make_event, fediverse, now):
    fediverse.answer = 410
    make_event(organization=fed_org)
    assert _deliver(now)["gone"] == 2
    assert db.session.scalar(select(func.count()).select_from(FederationFollower)) == 0


def test_a_leased_job_is_not_sent_twice(followers, fed_org, make_event, fediverse, now):
    make_event(organization=fed_org)
    db.session.commit()
    leased = worker._lease(now)
    assert len(leased) == 2
    assert worker._lease(now) == []  # another worker finds nothing due


def test_panel_counts(followers, fed_org, make_event, fediverse, now):
    fediverse.answer = 500
    make_event(organization=fed_org)
    _deliver(now)
    assert services.panel(fed_org) == {"enabled": True, "followers": 3, "servers": 2,
                                       "pending": 2, "retrying": 2, "dropped": 0}


def test_deliveries_stop_when_federation_is_turned_off(followers, fed_org, make_event,
                                                       fediverse, now):
    make_event(organization=fed_org)
    services.set_federation(fed_org, False, now=now)
    _deliver(now)
    assert fediverse.posted == [] and _jobs() == []


def test_private_key_needs_the_secret(app, fed_org, now):
    from cryptoparty.federation import signatures
    actor = services.get_actor(fed_org)
    services.ensure_keys(actor, "test-secret")
    with pytest.raises(signatures.SignatureError):
        services.ensure_keys(actor, "another-secret")


def test_an_event_unpublished_before_delivery_is_not_sent_as_a_draft(
        followers, fed_org, make_event, fediverse, now):
    event = make_event(organization=fed_org)
    event_service.change_status(event, "unpublish", now=now)
    event_service.update_event(event, now=now, title="Secret draft title")
    _deliver(now)
    sent = [p["activity"] for p in fediverse.posted]
    assert [a["type"] for a in sent] == ["Delete", "Delete"]
    assert "Secret draft title" not in str(sent)


def test_jobs_never_tried_are_dropped_after_three_days(followers, fed_org, make_event,
                                                        fediverse, now):
    make_event(organization=fed_org)  # queued while no worker runs
    counts = _deliver(now + timedelta(days=3, minutes=1))
    assert counts["dropped"] == 2 and counts["sent"] == 0
    assert _jobs() == [] and fediverse.posted == []
    assert services.panel(fed_org)["dropped"] == 2

"""``flask federation`` commands, and the worker loop."""

import logging

from sqlalchemy import select

from cryptoparty.accounts.models import Organization
from cryptoparty.core.extensions import db
from cryptoparty.federation import services, worker
from tests.federation.conftest import post_activity


def test_enable_and_deliver_once(app, make_org, fediverse, now, client):
    org = make_org()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["federation", "enable", "bib"])
    assert result.exit_code == 0, result.output
    assert services.get_actor(org).federation_enabled
    alice = fediverse.actor()
    post_activity(client, alice, alice.follow("http://localhost/ap/orgs/bib"), now)
    result = runner.invoke(args=["federation", "deliver-once"])
    assert result.exit_code == 0, result.output
    assert "sent=1" in result.output
    assert [p["activity"]["type"] for p in fediverse.posted] == ["Accept"]
    assert runner.invoke(args=["federation", "enable", "bib", "--off"]).exit_code == 0
    assert not services.get_actor(org).federation_enabled
    assert runner.invoke(args=["federation", "enable", "nobody"]).exit_code != 0


def test_the_worker_survives_a_failing_round(app, monkeypatch, caplog):
    rounds = []

    def deliver_due(**kwargs):
        rounds.append(kwargs["now"])
        if len(rounds) == 1:
            raise RuntimeError("https://secret.example/users/someone")
        return {"sent": 0, "retry": 0, "dropped": 0, "gone": 0}

    monkeypatch.setattr(worker, "deliver_due", deliver_due)
    monkeypatch.setattr(worker.time, "sleep", lambda seconds: None)
    caplog.set_level(logging.INFO)
    worker.run(clock=lambda: "now", base_url="http://localhost", secret="s",
               allow_private=False, stop=lambda: len(rounds) >= 3)
    assert len(rounds) == 3
    assert "RuntimeError" in caplog.text and "someone" not in caplog.text


def test_the_demo_organization_federates_unless_turned_off(app, now):
    from datetime import date

    from cryptoparty.events.demo import load_demo
    load_demo(today=date(2026, 3, 1), now=now)
    org = db.session.scalar(select(Organization).filter_by(slug="biblinsa"))
    services.federate_by_default(org, now=now)  # what `flask demo` does
    org, actor = services.federated("biblinsa")
    services.set_federation(org, False, now=now)
    load_demo(today=date(2026, 3, 1), now=now)
    services.federate_by_default(org, now=now)
    assert not services.get_actor(org).federation_enabled


def test_new_key_after_the_secret_changed(app, fed_org, client):
    before = client.get("/ap/orgs/bib").json["publicKey"]["publicKeyPem"]
    app.config["SECRET_KEY"] = "a-new-secret"
    result = app.test_cli_runner().invoke(args=["federation", "new-key", "bib"])
    assert result.exit_code == 0, result.output
    after = client.get("/ap/orgs/bib").json["publicKey"]["publicKeyPem"]
    assert after != before
    actor = services.get_actor(fed_org)
    db_actor = services.ensure_keys(actor, "a-new-secret")
    assert db_actor[0] == after


def test_the_worker_runs_without_a_public_url_setting(app, fed_org):
    """``make run`` sets no PUBLIC_URL: the worker takes the default base URL."""
    app.config["PUBLIC_URL"] = None
    result = app.test_cli_runner().invoke(args=["federation", "deliver-once"])
    assert result.exit_code == 0, result.output

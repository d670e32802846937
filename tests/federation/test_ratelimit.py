"""A flood of activities is rate-limited per sending server (the keyId's host), not per address."""

import pytest
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.federation.models import FederationFollower
from tests.federation.conftest import post_activity

ACTOR = "http://localhost/ap/orgs/bib"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "FEDERATION_INBOX_RATELIMIT": "3/minute"}


def test_follow_flood_is_limited_per_server(client, fed_org, fediverse, now, backend):
    flooder = f"https://flood-{backend}.example"
    actors = [fediverse.actor(f"bot{i}", base=flooder) for i in range(5)]
    statuses = [post_activity(client, a, a.follow(ACTOR), now).status_code for a in actors]
    assert statuses == [202, 202, 202, 429, 429]
    assert db.session.scalar(select(func.count()).select_from(FederationFollower)) == 3
    # Another server is not held back by the flood.
    calm = fediverse.actor("alice", base=f"https://calm-{backend}.example")
    assert post_activity(client, calm, calm.follow(ACTOR), now).status_code == 202

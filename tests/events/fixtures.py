"""Factories of the events area: an event with its sessions and workshops.

Loaded for every test through ``pytest_plugins`` in ``tests/conftest.py``.
"""

from datetime import timedelta

import pytest


@pytest.fixture
def make_event(app, make_org, now):
    """Create an event with sessions and workshops.

    ``program`` is a list of sessions, each ``(label, [workshop kwargs...])``;
    the default is two sessions of two workshops, the second one of 8 seats.
    """
    from cryptoparty.events import services as events

    def make(organization=None, slug="cryptoparty", status="published", program=None,
             starts_in=timedelta(days=10), hours=4, **fields):
        if organization is None:
            organization = make_org()
        start = now + starts_in
        fields.setdefault("title", "CryptoParty")
        fields.setdefault("kind", "cryptoparty")
        fields.setdefault("venue", "Bibliothèque")
        fields.setdefault("registration_opens_at", min(now, start) - timedelta(days=1))
        fields.setdefault("registration_closes_at", start)
        event = events.create_event(organization, now=now, slug=slug, starts_at=start,
                                    ends_at=start + timedelta(hours=hours), **fields)
        if program is None:
            program = [
                ("Session 1", [dict(title="Tor Browser", capacity=20),
                               dict(title="Tails", slug="tails", capacity=8,
                                    format="install")]),
                ("Session 2", [dict(title="Signal", capacity=20),
                               dict(title="KeePassXC", capacity=12)]),
            ]
        slot = timedelta(hours=hours) / max(len(program), 1)
        for i, (label, workshops) in enumerate(program):
            session = events.add_session(event, label=label, starts_at=start + i * slot,
                                         ends_at=start + (i + 1) * slot, now=now)
            for spec in workshops:
                events.add_workshop(session, now=now, **spec)
        if status != "draft":
            events.change_status(event, "publish", now=now)
            if status != "published":
                events.change_status(event, {"cancelled": "cancel",
                                             "archived": "archive"}[status], now=now)
        return event
    return make

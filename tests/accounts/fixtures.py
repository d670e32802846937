"""Factories of the accounts area: organizations, organizers, a logged-in organizer.

Loaded for every test through ``pytest_plugins`` in ``tests/conftest.py``.
"""

import pytest

from tests.conftest import PASSWORD, login


@pytest.fixture
def make_org(app):
    """Create an organization."""
    from cryptoparty.accounts import services as organizers

    def make(slug="bib", name="Bibliothèque municipale", **kwargs):
        return organizers.create_organization(slug, name, **kwargs)
    return make


@pytest.fixture
def make_organizer(app):
    """Create an organizer, member of the given organizations."""
    from cryptoparty.accounts import services as organizers

    def make(login="alice", organizations=(), password=PASSWORD, **kwargs):
        return organizers.create_organizer(login, password, organizations=list(organizations),
                                           **kwargs)
    return make


@pytest.fixture
def organizer_client(client, make_organizer, make_org):
    """A client logged in as an organizer of organization ``bib``; ``.organizer`` is them."""
    org = make_org()
    organizer = make_organizer(organizations=[org])
    login(client, organizer.login)
    client.organizer = organizer
    client.organization = org
    return client

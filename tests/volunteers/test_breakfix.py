"""Tester's faults (issues 14 and 15) on the volunteers' side, each a named test."""

import pytest

from cryptoparty.volunteers.models import Claim, Volunteer
from tests.volunteers.test_views import count, sign_up, signed_up


@pytest.mark.parametrize("value", [" ", "²", "٣", "99999999999999999999999", "0"])
def test_claim_with_a_workshop_id_that_is_no_number_is_a_400(client, volunteer_event, value):
    token = signed_up(client)
    response = client.post_form(f"/volunteers/{token}/claims", {"workshop_id": value})
    assert response.status_code == 400
    assert count(Claim) == 0


@pytest.mark.parametrize("pseudonym", ["\u202e", "\u202eZoé", "Zo\u2028é", "\u200b\u200b",
                                       "Zoé\ufeff", "Zo\x85é", "Zo\ufffeé"])
def test_pseudonym_of_invisible_or_forbidden_characters_is_refused(client, volunteer_event,
                                                                   pseudonym):
    response = sign_up(client, {"pseudonym": pseudonym})
    assert response.status_code == 400
    assert count(Volunteer) == 0

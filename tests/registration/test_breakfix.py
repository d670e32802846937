"""Tester's faults (issues 14 and 15), each kind a named test that failed before its fix."""

import pytest

from cryptoparty.registration import services as reg

from tests.registration.test_views import counts, form_for, register, ws

# --------------------------------------------------------------------------- 1. integers in forms

BLANKS = [" ", "\u00a0", "\t", "²", "٣", "1 2", "99999999999999999999999"]


@pytest.mark.parametrize("value", BLANKS)
def test_registration_with_a_session_of_spaces_is_a_400_with_a_message(client, make_event,
                                                                         value):
    event = make_event()
    data = {"party": "1", f"session_{event.sessions[0].id}": value}
    response = client.post_form("/events/cryptoparty/register?lang=en", data)
    assert response.status_code == 400
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert counts() == (0, 0)


@pytest.mark.parametrize("value", BLANKS)
def test_ticket_change_with_a_session_of_spaces_is_a_400_with_a_message(client, make_event,
                                                                         value):
    event = make_event()
    code = register(client, event, ("tails",))
    before = {c.workshop_id for c in reg.get_ticket_by_code(code).choices}
    data = form_for(event, ["tails"])
    del data["party"]
    data[f"session_{ws(event, 'tails').session_id}"] = value
    response = client.post_form(f"/tickets/{code}/change?lang=en", data)
    assert response.status_code == 400
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert {c.workshop_id for c in reg.get_ticket_by_code(code).choices} == before

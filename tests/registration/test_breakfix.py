"""Tester's faults (issues 14 and 15), each kind a named test that failed before its fix."""

import pytest

from cryptoparty.registration import services as reg
from tests.conftest import NOW
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


# ------------------------------------------------------------------ 5. one check-in message

@pytest.mark.parametrize("by", ["code", "tag"])
def test_second_check_in_at_the_door_list_says_already_with_its_time(
        organizer_client, make_event, app, by):
    event = make_event(organization=organizer_client.organization)
    code = reg.register(event, [event.workshops[1].id], 3, now=NOW).code
    typed = reg.get_ticket_by_code(code).check_tag if by == "tag" else code
    url = f"/manage/events/{event.slug}/checkin?lang=en"
    app.config["FIXED_NOW"] = NOW.replace(hour=19, minute=47, second=12)
    first = organizer_client.post_form(url, {"ticket": typed})
    assert first.status_code == 303
    shown = organizer_client.get(first.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Checked in: 3 people" in shown
    app.config["FIXED_NOW"] = NOW.replace(hour=20, minute=5)
    second = organizer_client.post_form(url, {"ticket": typed})
    shown = organizer_client.get(second.headers["Location"] + "?lang=en").get_data(as_text=True)
    # 19:47 UTC is 20:47 in Paris in March.
    assert "Already checked in (at 8:47\u202fPM): 3 people" in shown
    assert "Not counted again." in shown and "flash--warning" in shown
    assert "Checked in: 3 people" not in shown


def test_second_check_in_at_the_door_list_in_french(organizer_client, make_event, app):
    event = make_event(organization=organizer_client.organization)
    ticket = reg.register(event, [event.workshops[1].id], 1, now=NOW)
    url = f"/manage/events/{event.slug}/checkin?lang=fr"
    app.config["FIXED_NOW"] = NOW.replace(hour=19, minute=47)
    organizer_client.post_form(url, {"ticket": ticket.code})
    second = organizer_client.post_form(url, {"ticket": ticket.code})
    shown = organizer_client.get(second.headers["Location"] + "?lang=fr").get_data(as_text=True)
    assert "Déjà arrivée (à 20:47)\u202f: 1 personne" in shown
    assert "Pas comptée deux fois." in shown
    assert "est déjà enregistré à l’accueil" not in shown

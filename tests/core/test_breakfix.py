"""Tester's faults 3 and 8 (issue 14): what the one text validator refuses, and why."""

import pytest

from cryptoparty.core import validation

REFUSED_EVERYWHERE = ["a\ufffeb", "a\uffffb", "a\ufdd0b", "a\ufdefb", "a\U0001fffeb",
                      "a\U0010ffffb", "a\ud800b", "a\x85b", "a\x9fb", "a\ufeffb",
                      "a\u202eb", "a\u2066b", "a\u202cb", "a\u2069b", "\u202e", "\u200b",
                      "\u200b\u200d\u2060", "\u00a0\u3000", "\u3164"]
REFUSED_ON_ONE_LINE = ["a\u2028b", "a\u2029b"]
ACCEPTED = ["Café vie privée", "Médiathèque — salle 2", "عربي", "שלום", "20 €", "🔐 Tails",
            "a\u202bעברית\u202cb", "x\u2067שלום\u2069y", "e\u0301", "  ", ""]


@pytest.mark.parametrize("value", REFUSED_EVERYWHERE + REFUSED_ON_ONE_LINE)
def test_single_line_text_refuses_noncharacters_separators_c1_bom_and_open_bidi(value):
    assert validation.text_problem(value, multiline=False)


@pytest.mark.parametrize("value", REFUSED_EVERYWHERE)
def test_long_text_refuses_noncharacters_c1_bom_and_open_bidi(value):
    assert validation.text_problem(value, multiline=True)


@pytest.mark.parametrize("value", ACCEPTED + REFUSED_ON_ONE_LINE)
def test_long_text_accepts_what_people_write(value):
    assert not validation.text_problem(value, multiline=True)


@pytest.mark.parametrize("value", ACCEPTED)
def test_single_line_text_accepts_what_people_write(value):
    assert not validation.text_problem(value, multiline=False)


def test_bidi_is_balanced_per_line():
    # Documented: each line closes its own controls.
    assert validation.text_problem("a\u202eb\nc\u202c", multiline=True)
    assert not validation.text_problem("a\u202eb\u202c\nc", multiline=True)


@pytest.mark.parametrize("value", ["a\ufffeb", "a\U0001ffffb", "a\x85b", "a\u202eb"])
def test_outputs_drop_noncharacters_c1_and_open_bidi(value):
    assert validation.safe_line(value) == "ab"
    assert validation.safe_text(value) == "ab"
    assert validation.safe_output({"k": [value]}) == {"k": ["ab"]}
    assert validation.safe_line("x\u2028y\u2029z") == "x y z"


def test_workshop_room_with_a_noncharacter_is_refused(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization)
    workshop = event.workshops[0]
    data = {"session_id": str(workshop.session_id), "format": "workshop", "title": "Tor",
            "summary": "", "topics": "tor", "level": "beginner", "room": "a\ufffeb",
            "capacity": "20", "materials": ""}
    response = organizer_client.post_form(f"/manage/workshops/{workshop.id}/edit?lang=en", data)
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)
    response = organizer_client.post_form(f"/manage/events/{event.slug}/workshops/new?lang=en",
                                          data)
    assert response.status_code == 400

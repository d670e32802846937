"""Tester's faults 3 and 8 (issue 14): what the one text validator refuses, and why."""

import re
from pathlib import Path

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


# --------------------------------------------------------------------------- 6. typography

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# A translated string (or a tag around one) followed by ; : ! ? written in the template,
# or such a sign written just before one: the sentence is composed outside gettext,
# so French cannot put its narrow no-break space before the sign.
COMPOSED = re.compile(r"(?:\}\}|%\})(?:</[a-z]+>)*[ \u00a0]?[;:!?](?: |<|$)"
                      r"|(?:^|>|\s)[;:!?](?:<[^>]+>)*\s*\{\{")
NOT_PROSE = re.compile(r"://|\{\{ ?org\.color|style=|\{\{ ?[a-z_.]+ ?\}\};")


def test_no_template_composes_punctuation_outside_gettext():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if COMPOSED.search(line) and not NOT_PROSE.search(line):
                found.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:120]}")
    assert found == []


def test_error_summary_keeps_french_typography(client, make_event):
    make_event()
    response = client.post_form("/events/cryptoparty/register?lang=fr", {"party": "99"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r"Nombre de personnes(?:</a>)?\u202f: ", page), page


def test_report_feedback_sentence_is_one_french_string(app):
    from flask_babel import force_locale, ngettext

    with app.test_request_context("/?lang=fr"), force_locale("fr"):
        text = ngettext("%(num)d person answered the feedback form; average rating "
                        "%(rating)s out of 5.", "%(num)d people answered the feedback form; "
                        "average rating %(rating)s out of 5.", 3, rating="4,5")
    assert text == "3 personnes ont répondu au questionnaire\u202f; note moyenne 4,5 sur 5."

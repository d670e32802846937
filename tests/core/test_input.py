"""Issue 14: real-world input. One shared rule for text, integers, dates and structure.

Each test named after an instance of the issue failed before the fix; the unit tests
of ``core.validation`` pin the rule itself.
"""

import importlib
import pkgutil
import re
from datetime import datetime, timedelta

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField, TextAreaField
from wtforms.fields import FieldList

import cryptoparty
from cryptoparty.core import validation
from cryptoparty.core.exports import csv_text, neutralise
from cryptoparty.core.extensions import db
from cryptoparty.core.validation import SafeText
from cryptoparty.events import services as events
from cryptoparty.events.models import Event, EventSession, Workshop
from cryptoparty.registration.models import Ticket, TicketChoice
from tests.events.test_views_manage import EVENT_FORM

TICKETS = "/api/v1/events/cryptoparty/tickets"


def counts():
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Event, EventSession, Workshop, Ticket, TicketChoice)) + (
        db.session.scalar(select(func.coalesce(func.sum(Workshop.seats_taken), 0))),)


# --------------------------------------------------------------------------- the rule

@pytest.mark.parametrize("value, single, multi", [
    ("Café vie privée", True, True),
    ("a\x00b", False, False),
    ("a\x01b", False, False),
    ("a\x1bb", False, False),
    ("a\x7fb", False, False),
    ("a\r\nb", False, True),
    ("a\nb", False, True),
    ("a\tb", False, True),
    ("a\x0bb", False, False),
    ("emoji 🔐 et « guillemets »", True, True),
])
def test_the_text_rule(value, single, multi):
    assert validation.text_problem(value, multiline=False) is not single
    assert validation.text_problem(value, multiline=True) is not multi


def test_safe_line_and_safe_text_make_any_stored_text_harmless():
    assert validation.safe_line("Crypto\r\nParty\x00 \ufffe") == "Crypto Party"
    assert validation.safe_text("a\r\nb\x00\tc\x1b") == "a\nb\tc"
    assert validation.content_disposition("inline", 'x"\r\n.ics') == 'inline; filename="x_ .ics"'


def _all_form_classes():
    for module in pkgutil.walk_packages(cryptoparty.__path__, "cryptoparty."):
        if module.name.endswith((".forms", ".views", ".api")) or ".views_" in module.name:
            importlib.import_module(module.name)

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)
    return sorted(set(walk(FlaskForm)), key=lambda c: c.__qualname__)


def test_every_text_field_of_every_form_carries_the_shared_validator(app, make_event):
    """Walk every FlaskForm subclass of the app: each text field refuses control characters."""
    from cryptoparty.registration.forms import (
        RegistrationForm,
        TicketChoicesForm,
        ticket_choices_form,
    )

    event = make_event()
    forms = _all_form_classes()
    assert len(forms) >= 20
    checked = 0
    with app.test_request_context():
        instances = [cls(meta={"csrf": False}) for cls in forms]
        instances += [ticket_choices_form(RegistrationForm, event, meta={"csrf": False}),
                      ticket_choices_form(TicketChoicesForm, event, meta={"csrf": False})]
        for form in instances:
            fields = list(form)
            for field in list(fields):
                if isinstance(field, FieldList):
                    fields.extend(field.entries)
            for field in fields:
                if not isinstance(field, (StringField, TextAreaField)):
                    continue
                if field.type == "CSRFTokenField":
                    continue
                rules = [v for v in field.validators if isinstance(v, SafeText)]
                assert rules, f"{type(form).__name__}.{field.name} has no SafeText"
                assert rules[0].multiline is isinstance(field, TextAreaField), \
                    f"{type(form).__name__}.{field.name}"
                checked += 1
    assert checked >= 30


def test_every_form_derives_from_the_core_form():
    from cryptoparty.core.forms import Form

    strays = [c.__qualname__ for c in _all_form_classes()
              if c is not Form and not issubclass(c, Form)]
    assert strays == []


# --------------------------------------------------------------------------- text

@pytest.mark.parametrize("field, value", [
    ("title", "CryptoParty\x00"), ("title", "Crypto\r\nParty"), ("venue", "Salle\t1"),
    ("address", "rue\x1b[31m"), ("description", "ligne\x00"), ("description", "\x7f"),
])
def test_control_characters_in_an_event_form_are_400_and_nothing_written(
        organizer_client, field, value):
    before = counts()
    response = organizer_client.post_form("/manage/events/new?lang=en",
                                           dict(EVENT_FORM, **{field: value}))
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)
    assert counts() == before


def test_a_long_text_keeps_its_line_breaks_and_tabs(organizer_client):
    response = organizer_client.post_form(
        "/manage/events/new", dict(EVENT_FORM, description="Ligne 1\r\n\tLigne 2"))
    assert response.status_code == 302
    assert db.session.scalar(select(Event.description)) == "Ligne 1\r\n\tLigne 2"


def test_nul_in_feedback_is_400_not_500(client, make_event, now, app):
    event = make_event(starts_in=timedelta(hours=-5), hours=4)
    app.config["FIXED_NOW"] = now
    response = client.post(f"/events/{event.slug}/feedback?lang=en",
                           data={"rating": "5", "comment": "merci\x00",
                                 "idempotency_key": "k" * 32})
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


def test_title_with_crlf_stored_before_does_not_break_the_public_calendar(
        client, make_event, backend):
    event = make_event()
    # Stored before the rule existed (or by a path that skipped it); PostgreSQL
    # cannot store a NUL at all, SQLite can.
    nul = "\x00" if backend == "sqlite" else "\x1b"
    event.title = f"CryptoParty\r\nBEGIN:VEVENT{nul}"
    event.workshops[0].title = "Tor\r\nBrowser"
    event.description = f"Une\r\nsoirée{nul}"
    db.session.commit()
    for url in (f"/events/{event.slug}.ics", "/orgs/bib/events.ics"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "SUMMARY:CryptoParty BEGIN:VEVENT" in body
        assert nul not in body
    for url in ("/feed.atom", "/orgs/bib/feed.atom"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert nul not in response.get_data(as_text=True)


# --------------------------------------------------------------------------- numbers

@pytest.mark.parametrize("body", [
    {"party": 1, "workshops": [9223372036854775808]},
    {"party": 1, "workshops": [10**30]},
    {"party": 1, "workshops": [-9223372036854775809]},
    {"party": 9223372036854775808, "workshops": [1]},
    {"party": 1, "workshops": list(range(1, 10_000))},
])
def test_integers_beyond_64_bits_in_a_json_body_are_400(client, make_event, body):
    make_event()
    before = counts()
    response = client.post(TICKETS + "?lang=en", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400
    assert counts() == before


def test_deeply_nested_json_is_400(client, make_event):
    make_event()
    before = counts()
    body = '{"workshops": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post(TICKETS + "?lang=en", data=body, content_type="application/json")
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize("path", [
    "/manage/sessions/9223372036854775808/edit",
    "/manage/workshops/100000000000000000000000000000/edit",
])
def test_integers_beyond_64_bits_in_a_path_are_404(organizer_client, path):
    assert organizer_client.get(path).status_code == 404


@pytest.mark.parametrize("value", ["9223372036854775808", "10" + "0" * 30, "-1"])
def test_integers_beyond_64_bits_in_a_form_are_400(organizer_client, value):
    before = counts()
    response = organizer_client.post_form("/manage/events/new?lang=en",
                                          dict(EVENT_FORM, max_party=value))
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize("value", ["²", "9223372036854775808", "٣"])
def test_odd_digits_in_a_query_string_are_ignored_not_500(organizer_client, make_event, value):
    event = make_event(organization=organizer_client.organization)
    response = organizer_client.get(f"/manage/events/{event.slug}/workshops/new?session={value}")
    assert response.status_code == 200


# --------------------------------------------------------------------------- dates

@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:00", "1969-12-31T23:00"])
def test_duplicating_an_event_to_the_ends_of_the_calendar_is_400_with_the_range(
        organizer_client, make_event, value):
    event = make_event(organization=organizer_client.organization)
    before = counts()
    response = organizer_client.post_form(f"/manage/events/{event.slug}/duplicate?lang=en",
                                          {"starts_at": value})
    assert response.status_code == 400
    assert "between 1970-01-01 and 2999-12-31" in response.get_data(as_text=True)
    assert counts() == before


@pytest.mark.parametrize("field", ["starts_at", "ends_at", "registration_opens_at",
                                   "registration_closes_at"])
def test_every_event_date_field_refuses_the_ends_of_the_calendar(organizer_client, field):
    before = counts()
    value = "9999-12-31T23:00" if field != "starts_at" else "0001-01-01T00:00"
    response = organizer_client.post_form("/manage/events/new?lang=en",
                                          dict(EVENT_FORM, **{field: value}))
    assert response.status_code == 400
    assert "between 1970-01-01 and 2999-12-31" in response.get_data(as_text=True)
    assert counts() == before


def test_services_refuse_dates_out_of_range_too(app, make_event, now):
    event = make_event()
    with pytest.raises(validation.DateOutOfRange):
        events.duplicate_event(event, starts_at=datetime(9999, 12, 31, 22), now=now)


# --------------------------------------------------------------------------- CSV

@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1+A1", "@SUM(A1)", "\t=1+1", "\r=1",
                                  "  =1+1", " \t@x"])
def test_every_owasp_formula_prefix_is_neutralised(cell):
    assert neutralise(cell).startswith("'")


@pytest.mark.parametrize("cell", ["-3", "0.25", "CryptoParty", "", 12])
def test_plain_values_are_left_alone(cell):
    assert neutralise(cell) == cell


def test_the_figures_csv_neutralises_a_title_starting_with_tab_equals(
        organizer_client, make_event):
    event = make_event(organization=organizer_client.organization)
    event.title = "\t=HYPERLINK(\"http://x\")"
    db.session.commit()
    response = organizer_client.get(f"/manage/events/{event.slug}/figures.csv")
    assert response.status_code == 200
    assert ",'\t=HYPERLINK" in response.get_data(as_text=True).replace('"', "")


def test_csv_text_removes_control_characters():
    assert csv_text(["a"], [["x\x00y"]]) == "a\r\nxy\r\n"


# --------------------------------------------------------------------------- addresses

def test_feed_ids_and_calendar_uids_do_not_follow_the_request_host(client, make_event, app):
    make_event()
    app.config["PUBLIC_URL"] = None
    onion = {"base_url": "http://abcdefghijklmnop.onion"}
    clear = {"base_url": "https://cryptoparty.example.org"}
    ids = [re.findall(r"<id>([^<]+)</id>", client.get("/feed.atom", **where).get_data(
        as_text=True)) for where in (onion, clear)]
    assert ids[0] == ids[1] and len(ids[0]) == 2
    assert all(i.startswith("urn:uuid:") for i in ids[0])
    uids = [re.findall(r"UID:(\S+)", client.get("/events/cryptoparty.ics", **where)
                       .get_data(as_text=True)) for where in (onion, clear)]
    assert uids[0] == uids[1] and uids[0]
    assert not any("onion" in u or "example.org" in u for u in uids[0])


def test_one_public_base_url_the_setting_when_set_else_the_request(client, make_event, app):
    make_event()
    app.config["PUBLIC_URL"] = "https://cryptoparty.example.org"
    body = client.get("/api/v1/events", base_url="http://abcdefghijklmnop.onion").get_json()
    assert body["events"][0]["url"].startswith("https://cryptoparty.example.org/")
    app.config["PUBLIC_URL"] = None
    body = client.get("/api/v1/events", base_url="http://abcdefghijklmnop.onion").get_json()
    assert body["events"][0]["url"].startswith("http://abcdefghijklmnop.onion/")

"""Fuzzing: every form and every API endpoint, fed with generated input.

- The JSON API against its own OpenAPI description (schemathesis): no 500,
  status codes, content types, headers and bodies as described.
- Registration through the API with generated bodies (Hypothesis): no 500,
  and nothing half-written (seat counts always match the confirmed choices).
- Every HTML form found on the site's pages, as the organizer and as a
  visitor, posted with generated values: no 500, same invariants.

Examples are bounded and derandomized (the same inputs on every run), so CI
is stable.
"""

import re
from html.parser import HTMLParser

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop
from cryptoparty.registration.models import Ticket, TicketChoice
from tests.conftest import NOW, login
from tests.privacy.world import build_path, build_world, url_values

FUZZ = settings(max_examples=12, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def assert_nothing_half_written():
    """Seat counts match the confirmed choices; no choice outlives its ticket."""
    confirmed = dict(db.session.execute(
        select(TicketChoice.workshop_id, func.sum(Ticket.party))
        .join(Ticket, TicketChoice.ticket_id == Ticket.id)
        .where(TicketChoice.status == "confirmed", Ticket.status == "active")
        .group_by(TicketChoice.workshop_id)).all())
    for workshop in db.session.scalars(select(Workshop)):
        assert 0 <= workshop.seats_taken <= workshop.capacity, workshop.slug
        assert workshop.seats_taken == (confirmed.get(workshop.id) or 0), workshop.slug
    orphans = db.session.scalar(select(func.count(TicketChoice.id)).where(
        ~select(Ticket.id).where(Ticket.id == TicketChoice.ticket_id).exists()))
    assert orphans == 0
    db.session.commit()


# The JSON API against its OpenAPI description -------------------------------

def test_the_api_keeps_to_its_openapi_description(app):
    # schemathesis's pytest plugin does not run under this pytest: its strategies
    # are driven by Hypothesis directly, one operation after the other.
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    build_world(NOW)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_headers_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    # schemathesis leaves out the operation that serves the description itself.
    assert {op.label for op in operations} >= {
        "GET /api/v1/events", "GET /api/v1/events/{slug}", "POST /api/v1/events/{slug}/tickets",
        "GET /api/v1/tickets/{code}", "DELETE /api/v1/tickets/{code}"}
    for operation in operations:
        cases = operation.as_strategy(GenerationMode.POSITIVE) | \
            operation.as_strategy(GenerationMode.NEGATIVE)

        @FUZZ
        @given(case=cases)
        def call(case):
            case.call_and_validate(checks=checks)
            assert_nothing_half_written()

        call()


def test_the_served_description_is_the_packaged_file(client):
    from cryptoparty.registration.api_docs import openapi_description

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json == openapi_description()
    assert not response.headers.getlist("Set-Cookie")
    documented = {path for path in response.json["paths"]}
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
              for rule in client.application.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    assert documented == routes


def test_registration_through_the_api_never_half_writes(app):
    world = build_world(NOW)
    client = app.test_client()
    real_ids = world.workshop_ids
    workshops = st.lists(st.one_of(st.sampled_from(real_ids), st.integers(-5, 10**6)),
                         max_size=4)
    party = st.one_of(st.integers(-3, 30), st.just(None), st.text(max_size=3), st.floats())
    body = st.one_of(
        st.fixed_dictionaries({"workshops": workshops, "party": party}),
        st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=10), max_size=3),
        st.lists(st.integers(), max_size=3))

    @FUZZ
    @given(body=body)
    def register(body):
        response = client.post(f"/api/v1/events/{world.event_slug}/tickets", json=body)
        assert response.status_code in (201, 400, 404, 409), response.get_data(as_text=True)
        assert response.is_json
        assert_nothing_half_written()

    register()


# Every HTML form --------------------------------------------------------------

class _Forms(HTMLParser):
    """The POST forms of a page: action, and the names (and offered values) of their fields."""

    def __init__(self):
        super().__init__()
        self.forms, self._current, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._current = {"action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "textarea", "select"):
            name = attrs.get("name")
            if name and name != "csrf_token":
                values = self._current["fields"].setdefault(name, [])
                if attrs.get("value"):
                    values.append(attrs["value"])
                self._select = name if tag == "select" else None
        elif tag == "option" and self._current is not None and self._select:
            if attrs.get("value"):
                self._current["fields"][self._select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def _site_forms(app, client, world):
    """(action path, {field: offered values}) of every POST form on every GET page."""
    forms = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        page = client.get(build_path(app, rule, url_values(rule, world)))
        if page.mimetype != "text/html":
            continue
        parser = _Forms()
        parser.feed(page.get_data(as_text=True))
        for form in parser.forms:
            action = form["action"].split("?")[0] or build_path(app, rule,
                                                                url_values(rule, world))
            if action.startswith("/") and action != "/logout":
                forms.setdefault(action, {}).update(form["fields"])
    return sorted(forms.items())


def _value(offered):
    generated = st.one_of(st.text(max_size=40), st.integers(-10**6, 10**9).map(str),
                          st.just(""), st.text(min_size=300, max_size=6000),
                          st.sampled_from(["2026-03-10T20:45", "9999-99-99T99:99", "y", "0"]))
    return st.sampled_from(offered) | generated if offered else generated


@pytest.mark.parametrize("role", ["visitor", "organizer"])
def test_every_form_survives_generated_input(app, role):
    world = build_world(NOW)
    client = app.test_client()
    if role == "organizer":
        login(client, world.organizer_login, world.organizer_password)
    forms = _site_forms(app, client, world)
    assert len(forms) >= (6 if role == "visitor" else 25), [a for a, _ in forms]
    for action, fields in forms:
        try:
            _fuzz_form(client, action, fields)
        except AssertionError as error:
            raise AssertionError(f"{role} posting to {action}: {error}") from error


def _fuzz_form(client, action, fields):
    """Post generated values for the form's fields (any subset of them) to ``action``."""
    data = st.fixed_dictionaries({}, optional={name: _value(offered)
                                               for name, offered in fields.items()})

    @FUZZ
    @given(data=data)
    def post(data):
        response = client.post_form(action, data)
        assert response.status_code < 500, (action, data)
        assert_nothing_half_written()

    post()

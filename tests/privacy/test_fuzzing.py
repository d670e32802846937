"""Fuzzing: every form and every API endpoint, fed with generated input.

- The JSON API against its own OpenAPI description (schemathesis): no 500,
  status codes, content types, headers and bodies as described.
- Registration through the API with generated bodies (Hypothesis): no 500,
  and nothing half-written (seat counts always match the confirmed choices).
- Every HTML form found on the site's pages, as the organizer and as a
  visitor, posted with generated values: no 500, same invariants.

- Hostile values (issue 14) in every form field, JSON field and URL converter:
  NUL and the other C0 controls, CR LF, 2**63, 10**30, -1, deep nesting, dates at
  both ends of the calendar, invalid UTF-8; as a visitor, a volunteer and an
  organizer. No 500, and every refused request leaves every table's row count and
  the seat counters as they were.

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
from werkzeug.routing import IntegerConverter

from cryptoparty.core.extensions import db
from cryptoparty.core.validation import INT64_MAX
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


# Values that broke things in the real world (issue 14).
HOSTILE_TEXT = ["\x00", "a\x00b", "\x01\x02\x1b[31m", "\x7f", "ligne\r\nBEGIN:VEVENT",
                "\r", "\n", "\t=1+1", "=HYPERLINK(\"x\")", "\ufffe", "\u2028"]
HOSTILE_NUMBERS = [str(2**63), str(-(2**63) - 1), "1" + "0" * 30, "-1", "0", str(INT64_MAX),
                   "²", "1e5", "٣"]
HOSTILE_DATES = ["0001-01-01T00:00", "9999-12-31T23:00", "9999-12-31T23:59", "1969-12-31T23:59",
                 "2026-02-29T20:00", "2026-03-29T02:30"]
HOSTILE = HOSTILE_TEXT + HOSTILE_NUMBERS + HOSTILE_DATES


def row_counts() -> dict:
    """Rows of every table, and the seats taken: what a refused request must leave as is."""
    db.session.expire_all()
    # One round trip: the sweep asks this around thousands of requests.
    tables = db.metadata.sorted_tables
    row = db.session.execute(select(
        *[select(func.count()).select_from(table).scalar_subquery() for table in tables],
        select(func.coalesce(func.sum(Workshop.seats_taken), 0)).scalar_subquery())).one()
    db.session.commit()
    counts = {table.name: value for table, value in zip(tables, row[:-1], strict=True)}
    counts["seats_taken"] = row[-1]
    return counts


def assert_refused_changed_nothing(response, before: dict, context):
    """A 4xx answer wrote nothing (rate-limit and idempotency bookkeeping aside)."""
    if 400 <= response.status_code < 500:
        after = row_counts()
        assert after == before, (context, response.status_code,
                                 {k: (before[k], after[k]) for k in after
                                  if after[k] != before[k]})


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
    # The description it fuzzes is the current one, with the ranges the API enforces
    # (issue 14): generated values stay in them, negative ones step out of them.
    from cryptoparty.registration.api import MAX_PARTY

    body = schema.raw_schema["components"]["schemas"]["Registration"]["properties"]
    assert body["workshops"]["maxItems"] >= 1 and body["workshops"]["items"]["minimum"] == 1
    assert body["workshops"]["items"]["maximum"] == INT64_MAX
    assert (body["party"]["minimum"], body["party"]["maximum"]) == (1, MAX_PARTY)
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
    big = st.sampled_from([2**63, -(2**63) - 1, 10**30, -1, 0, INT64_MAX])
    workshops = workshops | st.lists(big | st.sampled_from(real_ids), max_size=3)
    party = st.one_of(st.integers(-3, 30), st.just(None), st.text(max_size=3), st.floats(),
                      big, st.sampled_from(HOSTILE_TEXT))
    body = st.one_of(
        st.fixed_dictionaries({"workshops": workshops, "party": party}),
        st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=10), max_size=3),
        st.lists(st.integers(), max_size=3))

    @FUZZ
    @given(body=body)
    def register(body):
        before = row_counts()
        response = client.post(f"/api/v1/events/{world.event_slug}/tickets", json=body)
        assert response.status_code in (201, 400, 404, 409), response.get_data(as_text=True)
        assert response.is_json
        assert_refused_changed_nothing(response, before, body)
        assert_nothing_half_written()

    register()


HOSTILE_JSON = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"workshops": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"type": "Follow", "actor": "https://x.example/a", "object": ' + b"{\"a\": " * 5000
    + b"1" + b"}" * 5000 + b"}",
    b'{"workshops": [1], "party": 1' + b"0" * 5000 + b"}",
    b'{"workshops": [\xff\xfe], "party": 1}',
    b'\xff\xfe{"workshops": [1]}',
    b'{"workshops": ["\x00"], "party": "\r\n"}',
    b'{"workshops": [1], "party": 1, "x": "\\u0000"}',
    b'{"type": "Follow\\u0000", "actor": "https://x.example/\\r\\n", "object": -1}',
    b'{"workshops": [9223372036854775808], "party": 1000000000000000000000000000000}',
    b'{"workshops": [-1], "party": -9223372036854775809}',
    b'{"startTime": "0001-01-01T00:00:00Z", "endTime": "9999-12-31T23:59:59Z"}',
]


def _json_endpoints(app, world):
    """Every route that reads a JSON body: the API's POSTs and the federation inbox."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and (rule.rule.startswith("/api/") or
                                       rule.rule.endswith("/inbox")):
            paths.append(build_path(app, rule, url_values(rule, world)))
    return paths


def test_hostile_json_bodies_are_refused_cleanly_by_every_json_endpoint(app):
    world = build_world(NOW)
    client = app.test_client()
    endpoints = _json_endpoints(app, world)
    assert f"/api/v1/events/{world.event_slug}/tickets" in endpoints
    assert f"/ap/orgs/{world.org_slug}/inbox" in endpoints
    for path in endpoints:
        for raw in HOSTILE_JSON:
            for content_type in ("application/json", "application/activity+json"):
                before = row_counts()
                response = client.post(path, data=raw, content_type=content_type)
                assert response.status_code in (201, 202, 400, 401, 404, 409, 413, 415), \
                    (path, response.status_code, raw[:80])
                if path.startswith("/api/"):
                    assert response.is_json, path
                assert_refused_changed_nothing(response, before, (path, raw[:80]))
                assert_nothing_half_written()


# In a path: every hostile number where an integer is expected, a few elsewhere;
# NUL, CR LF, ESC and invalid UTF-8 (percent-encoded) everywhere.
HOSTILE_PATH_NUMBERS = [str(2**63), "1" + "0" * 30, "-1"]
HOSTILE_PATH_TEXT = ["%00", "%0d%0a", "%ff%fe", "%1b"]


def test_hostile_values_in_every_url_converter(app):
    world = build_world(NOW)
    for role in ("visitor", "volunteer", "organizer"):
        client = app.test_client()
        if role == "organizer":
            login(client, world.organizer_login, world.organizer_password)
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or not rule.arguments:
                continue
            if role == "volunteer" and "<token>" not in rule.rule:
                continue  # a volunteer holds the private link: its pages
            # One argument at a time, the others valid, so that a hostile id is
            # read by the route (behind a valid token, event or ticket).
            targets = [[name] for name in sorted(rule.arguments)]
            for names in targets:
                numeric = isinstance(rule._converters.get(names[0]), IntegerConverter)
                for value in (HOSTILE_NUMBERS if numeric else HOSTILE_PATH_NUMBERS) + \
                        HOSTILE_PATH_TEXT:
                    values = {k: str(v) for k, v in url_values(rule, world).items()}
                    for name in names:
                        values[name] = value
                    path = rule.rule
                    for name in rule.arguments:
                        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", values[name], path)
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                        before = row_counts()
                        response = client.open(path, method=method)
                        assert response.status_code < 500, (role, method, path)
                        assert_refused_changed_nothing(response, before, (role, method, path))


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
    hostile = st.sampled_from(HOSTILE) | st.builds(
        lambda a, b: a + b, st.sampled_from(offered or ["x"]), st.sampled_from(HOSTILE_TEXT))
    generated = generated | hostile
    return st.sampled_from(offered) | generated if offered else generated


@pytest.mark.parametrize("role", ["visitor", "volunteer", "organizer"])
def test_every_form_survives_generated_input(app, role):
    world = build_world(NOW)
    client = app.test_client()
    if role == "organizer":
        login(client, world.organizer_login, world.organizer_password)
    forms = _site_forms(app, client, world)
    if role == "volunteer":
        # What a volunteer holds is the private link: the forms of its pages.
        forms = [(a, f) for a, f in forms if world.volunteer_token in a]
    assert len(forms) >= {"visitor": 6, "volunteer": 2, "organizer": 25}[role], \
        [a for a, _ in forms]
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
        before = row_counts()
        response = client.post_form(action, data)
        assert response.status_code < 500, (action, data)
        assert_refused_changed_nothing(response, before, (action, data))
        assert_nothing_half_written()

    post()


def test_invalid_utf8_in_a_form_is_refused_cleanly(app):
    world = build_world(NOW)
    client = app.test_client()
    login(client, world.organizer_login, world.organizer_password)
    token = client.csrf_token()
    before = row_counts()
    body = b"csrf_token=" + token.encode() + b"&title=%ff%fe%00&venue=\xff\xfe&kind=cryptoparty"
    response = client.post("/manage/events/new", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    assert row_counts() == before

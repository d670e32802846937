"""The authorization matrix: every route, for every kind of visitor, answers as declared.

Each row of ``MATRIX`` is "METHOD endpoint" and the status expected for
(anonymous, ticket holder, volunteer link, owner, organizer, door, board of
the event's organization, owner of another organization); ``"login"`` means a
redirection to the login page. The roles:

- anonymous: knows no ticket code and no volunteer link (uses made-up ones);
- ticket holder: knows the ticket's code, not the volunteer link;
- volunteer link: knows the volunteer's private link, not the ticket code;
- owner, organizer, door, board: logged in as a member of the demo organization
  with that role (``accounts.roles``), each knows both secrets; the door account
  is refused (403) here because the matrix runs on a day without an event (the
  event-day door is tested in tests/accounts/test_staff_views.py);
- other: logged in as the owner of another organization, knows both
  (a secret from a scanned ticket must not open another organization's doors).

Every route of the URL map must have a row: a route added without one fails
``test_every_route_is_in_the_matrix``. Each role gets a world of its own
(tests/privacy/world.py); GETs come first, then POSTs, the destructive ones
(delete, cancel, revoke) and logout last, so that the state each call meets
is always the same. Forms are posted with a valid CSRF token and no other
field: an allowed caller gets the form's 400 (or the action's redirect), a
refused one a redirect to the login page, a 403 or a 404.
"""

import pytest

from tests.conftest import NOW, login
from tests.privacy.world import build_path, build_world, url_values

ROLES = ("anonymous", "holder", "volunteer", "owner", "organizer", "door", "board", "other")
STAFF_LOGINS = {"organizer": "orga", "door": "accueil", "board": "bureau"}
BOGUS_CODE = "0000-0000-0000-0000"
BOGUS_TOKEN = "x" * 32

MATRIX = {
    "DELETE api.cancel_ticket": (404, 200, 404, 200, 200, 200, 200, 200),
    "GET account.index": ("login", "login", "login", 200, 200, 200, 200, 200),
    "GET account.qr": ("login", "login", "login", 200, 200, 200, 200, 200),
    "GET api.event": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET api.events": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET api_docs.openapi": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET api.ticket": (404, 200, 404, 200, 200, 200, 200, 200),
    "GET auth.login": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET auth.login_code": ("login", "login", "login", "login", "login", "login", "login", "login"),
    "GET catalogue.edit_recipe": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET catalogue.index": ("login", "login", "login", 200, 200, 403, 403, 200),
    "GET catalogue.new_recipe": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET catalogue.new_workshop": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET catalogue.recipe": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET feedback.give": (409, 409, 409, 409, 409, 409, 409, 409),
    "GET feedback.short": (302, 302, 302, 302, 302, 302, 302, 302),
    "GET feedback.thanks": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET feeds.atom": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET feeds.event_calendar": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET feeds.organization": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET feeds.organization_atom": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET feeds.organization_calendar": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET feeds.share": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET figures.chart": ("login", "login", "login", 200, 200, 403, 200, 404),
    "GET figures.feedback": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET figures.figures": ("login", "login", "login", 200, 200, 403, 200, 404),
    "GET figures.figures_csv": ("login", "login", "login", 200, 200, 403, 200, 404),
    "GET figures.report_pdf": ("login", "login", "login", 200, 200, 403, 200, 404),
    "GET kits.event_kit": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET kits.poster": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET kits.workshop_kit": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET manage.dashboard": ("login", "login", "login", 200, 200, 200, 200, 200),
    "GET manage.edit_session": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET manage.edit_workshop": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET manage.event": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET manage.new_event": ("login", "login", "login", 200, 200, 403, 403, 200),
    "GET manage.new_session": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET manage.new_workshop": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET manage_openpgp.announcements": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET manage_openpgp.key": ("login", "login", "login", 200, 403, 403, 403, 404),
    "GET manage_volunteers.contact": ("login", "login", "login", 404, 403, 403, 403, 404),
    "GET manage_volunteers.event_volunteers": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET openpgp.announcement_page": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET openpgp.public_key": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET openpgp.signed_text": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET openpgp.wkd_advanced": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET openpgp.wkd_advanced_policy": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET openpgp.wkd_direct": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET openpgp.wkd_policy": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET public.event": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET public.index": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET privacy.page": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET records.record": ("login", "login", "login", 200, 200, 403, 200, 404),
    "GET records.record_pdf": ("login", "login", "login", 200, 200, 403, 200, 404),
    "GET static": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET tickets.calendar": (404, 200, 404, 200, 200, 200, 200, 200),
    "GET tickets.cancelled": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET tickets.checkin_page": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET tickets.door_list": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET tickets.lookup": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET tickets.qr": (404, 200, 404, 200, 200, 200, 200, 200),
    "GET tickets.register": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET tickets.ticket": (404, 200, 404, 200, 200, 200, 200, 200),
    "GET volunteers.call": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET volunteers.private": (404, 404, 200, 200, 200, 200, 200, 200),
    "GET volunteer_kits.workshop_kit": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET staff.admin": ("login", "login", "login", 403, 403, 403, 403, 403),
    "GET staff.audit_trail": ("login", "login", "login", 200, 403, 403, 403, 404),
    "GET staff.brand_css": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET staff.index": ("login", "login", "login", 200, 403, 403, 403, 404),
    "GET staff.join": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET staff.logo": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET staff.settings_page": ("login", "login", "login", 200, 403, 403, 403, 404),
    "POST staff.admin": ("login", "login", "login", 403, 403, 403, 403, 403),
    "POST staff.change_role": ("login", "login", "login", 400, 403, 403, 403, 404),
    "POST staff.invite": ("login", "login", "login", 200, 403, 403, 403, 404),
    "POST staff.join": (404, 404, 404, 404, 404, 404, 404, 404),
    "POST staff.remove": ("login", "login", "login", 302, 403, 403, 403, 404),
    "POST staff.reset": ("login", "login", "login", 200, 403, 403, 403, 404),
    "POST staff.revoke_link": ("login", "login", "login", 302, 403, 403, 403, 404),
    "POST staff.settings_page": ("login", "login", "login", 400, 403, 403, 403, 404),
    "POST account.disable": ("login", "login", "login", 400, 400, 400, 400, 400),
    "POST account.enable": ("login", "login", "login", 400, 400, 400, 400, 400),
    "POST api.create_ticket": (400, 400, 400, 400, 400, 400, 400, 400),
    "POST auth.login": (400, 400, 400, 400, 400, 400, 400, 400),
    "POST auth.login_code": ("login", "login", "login", "login", "login", "login", "login",
                             "login"),
    "POST auth.logout": ("login", "login", "login", 302, 302, 302, 302, 302),
    "POST catalogue.delete_recipe": ("login", "login", "login", 302, 302, 403, 403, 404),
    "POST catalogue.edit_recipe": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST catalogue.new_recipe": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST catalogue.new_workshop": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST feedback.give": (409, 409, 409, 409, 409, 409, 409, 409),
    "POST figures.moderate": ("login", "login", "login", 302, 302, 403, 403, 404),
    "POST manage.change_status": ("login", "login", "login", 302, 302, 403, 403, 404),
    "POST manage.copy_program": ("login", "login", "login", 302, 302, 403, 403, 404),
    "POST manage.delete_session": ("login", "login", "login", 302, 302, 403, 403, 404),
    "POST manage.delete_workshop": ("login", "login", "login", 302, 302, 403, 403, 404),
    "POST manage.duplicate": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST manage.edit_session": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST manage.edit_workshop": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST manage.event": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST manage.new_event": ("login", "login", "login", 400, 400, 403, 403, 400),
    "POST manage.new_session": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST manage.new_workshop": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST manage_openpgp.draft": ("login", "login", "login", 302, 302, 403, 403, 404),
    "POST manage_openpgp.generate": ("login", "login", "login", 400, 403, 403, 403, 404),
    "POST manage_openpgp.revoke": ("login", "login", "login", 302, 403, 403, 403, 404),
    "POST manage_openpgp.save": ("login", "login", "login", 404, 404, 403, 403, 404),
    "POST manage_openpgp.sign": ("login", "login", "login", 409, 409, 403, 403, 404),
    "POST manage_openpgp.upload": ("login", "login", "login", 400, 403, 403, 403, 404),
    "POST manage_openpgp.upload_signed": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST manage_volunteers.accept_proposal": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST manage_volunteers.assign": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST manage_volunteers.decide_claim": ("login", "login", "login", 302, 302, 403, 403, 404),
    "POST manage_volunteers.decline_proposal": ("login", "login", "login", 302, 302, 403, 403, 404),
    "POST tickets.cancel": (404, 400, 404, 400, 400, 400, 400, 400),
    "POST tickets.change": (404, 409, 404, 409, 409, 409, 409, 409),
    "POST tickets.check_in": (404, 403, 404, 409, 409, 403, 403, 403),
    "POST tickets.lookup": (400, 400, 400, 400, 400, 400, 400, 400),
    "POST tickets.reduce_party": (404, 400, 404, 400, 400, 400, 400, 400),
    "POST tickets.register": (400, 400, 400, 400, 400, 400, 400, 400),
    "POST tickets.walk_ins": ("login", "login", "login", 400, 400, 403, 403, 404),
    "POST volunteers.call": (400, 400, 400, 400, 400, 400, 400, 400),
    "POST volunteers.check_in": (404, 404, 403, 404, 404, 403, 403, 403),
    "POST volunteers.claim": (404, 404, 400, 400, 400, 400, 400, 400),
    "POST volunteers.propose": (404, 404, 400, 400, 400, 400, 400, 400),
    "POST volunteers.withdraw_claim": (404, 404, 302, 302, 302, 302, 302, 302),
    "POST volunteers.withdraw_proposal": (404, 404, 302, 409, 409, 302, 302, 302),
    # Federation (issue 18) and the contacts key (issue 13).
    "GET federation.actor": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET federation.event_object": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET federation.followers": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET federation.host_meta": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET federation.nodeinfo": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET federation.nodeinfo_links": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET federation.outbox": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET federation.webfinger": (400, 400, 400, 400, 400, 400, 400, 400),
    "GET manage_federation.panel": ("login", "login", "login", 200, 403, 403, 403, 404),
    "GET manage_openpgp.contacts_key": ("login", "login", "login", 200, 403, 403, 403, 404),
    "POST federation.inbox": (400, 400, 400, 400, 400, 400, 400, 400),
    "POST manage_federation.switch": ("login", "login", "login", 302, 403, 403, 403, 404),
    "POST manage_openpgp.generate_contacts_key": (
        "login", "login", "login", 400, 403, 403, 403, 404),
    "POST manage_openpgp.register_contacts_key": (
        "login", "login", "login", 400, 403, 403, 403, 404),
    # Calling an event off and checking in by tag (issue 15).
    "GET manage.confirm_cancel": ("login", "login", "login", 200, 200, 403, 403, 404),
    "POST tickets.door_check_in": ("login", "login", "login", 400, 400, 403, 403, 404),
    # Reaching the public: embeds, series, showcase, a ticket's feed (issue 17).
    "GET feeds.embed_event": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET feeds.embed_fragment": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET feeds.embed_organization": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET feeds.manage_embed": ("login", "login", "login", 200, 403, 403, 403, 404),
    "GET feeds.series_atom": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET feeds.showcase": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET feeds.showcase_pdf": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET manage.new_series": ("login", "login", "login", 200, 200, 403, 403, 404),
    "GET public.series": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET tickets.feed": (404, 200, 404, 200, 200, 200, 200, 200),
    "POST feeds.manage_embed": ("login", "login", "login", 302, 403, 403, 403, 404),
    "POST manage.new_series": ("login", "login", "login", 400, 400, 403, 403, 404),
}


def _calls(app):
    """Every (method, rule) of the URL map, in the order described in the module docstring."""
    calls = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            calls.append((method, rule))

    def order(call):
        method, rule = call
        destructive = any(word in rule.rule
                          for word in ("delete", "cancel", "revoke", "remove"))
        return (method != "GET", rule.endpoint == "auth.logout", destructive, rule.rule)

    return sorted(calls, key=order)


def test_every_route_is_in_the_matrix(app):
    routes = {f"{method} {rule.endpoint}" for method, rule in _calls(app)}
    missing = sorted(routes - MATRIX.keys())
    assert not missing, f"add these routes to the authorization matrix: {missing}"
    gone = sorted(MATRIX.keys() - routes)
    assert not gone, f"these routes no longer exist: {gone}"


def _status(response):
    if response.status_code in (301, 302, 303) and \
            response.headers["Location"].startswith("/login"):
        return "login"
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_declared(app, role):
    world = build_world(NOW)
    staff = role in ("owner", "organizer", "door", "board", "other")
    knows_code = role == "holder" or staff
    knows_token = role == "volunteer" or staff
    secrets = {"code": world.ticket_code if knows_code else BOGUS_CODE,
               "token": world.volunteer_token if knows_token else BOGUS_TOKEN}
    client = app.test_client()
    if role == "owner":
        login(client, world.organizer_login, world.organizer_password)
    elif role in STAFF_LOGINS:
        login(client, STAFF_LOGINS[role], world.staff[STAFF_LOGINS[role]])
    elif role == "other":
        login(client, world.other_login, world.other_password)
    column = ROLES.index(role)
    wrong = []
    for method, rule in _calls(app):
        key = f"{method} {rule.endpoint}"
        if key not in MATRIX:
            continue  # reported by test_every_route_is_in_the_matrix
        ids = dict(secrets)
        if rule.endpoint == "manage.delete_session":
            ids["session_id"] = world.session_ids[-1]
        path = build_path(app, rule, url_values(rule, world, ids))
        if method == "GET":
            response = client.get(path)
        elif method == "DELETE":
            response = client.delete(path)
        elif rule.rule.startswith("/api/"):
            response = client.post(path, json={})
        else:
            response = client.post_form(path, {})
        expected = MATRIX[key][column]
        if _status(response) != expected:
            wrong.append(f"{key} {path}: expected {expected}, got {_status(response)}")
    assert not wrong, "\n".join(wrong)

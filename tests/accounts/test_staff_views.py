"""Staff pages: invite, join, roles at the door, reset, removal, settings, audit trail."""

import re
from datetime import timedelta, timezone

from sqlalchemy import select

from cryptoparty.accounts import roles
from cryptoparty.accounts.models import AuditEntry, Organizer, Role, StaffInvitation
from cryptoparty.core.extensions import db
from cryptoparty.registration import services as registration
from tests.accounts.test_staff_services import SVG_OK
from tests.conftest import NOW, PASSWORD, login

LINK = re.compile(r"http://localhost/join/([A-Za-z0-9_-]+)")


def _invite(owner_client, role="door"):
    slug = owner_client.organization.slug
    response = owner_client.post_form(f"/manage/orgs/{slug}/staff/invite?lang=en",
                                      {"role": role})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<svg" in page  # the QR code, drawn here
    assert response.headers["Cache-Control"] == "no-store"
    return LINK.search(page).group(1)


def _join(app, token, login_name="door", password=PASSWORD):
    colleague = app.test_client()
    return colleague, colleague.post_form(f"/join/{token}?lang=en",
                                          {"login": login_name, "password": password,
                                           "confirm": password})


def test_an_owner_invites_a_door_account_that_checks_in_on_the_day_only(
        app, organizer_client, make_event, now):
    org = organizer_client.organization
    today = make_event(org, slug="today", starts_in=timedelta(hours=2))
    make_event(org, slug="later", starts_in=timedelta(days=5))
    ticket = registration.register(today, [today.sessions[0].workshops[0].id], 2, now=now)
    token = _invite(organizer_client)
    assert db.session.scalar(select(StaffInvitation.token_hash)) != token

    door, response = _join(app, token)
    assert response.status_code == 302
    login(door, "door")
    assert door.get("/manage/events/today/checkin").status_code == 200
    assert door.get("/manage/events/today/door-list").status_code == 200
    response = door.post_form(f"/tickets/{ticket.code}/checkin")
    assert response.status_code == 302
    assert registration.get_ticket_by_code(ticket.code).checked_in
    # Not another day's door, nor any other back-office page.
    assert door.get("/manage/events/later/checkin").status_code == 403
    for path in ("/manage/events/today/", "/manage/events/today/figures",
                 "/manage/events/today/volunteers", "/manage/events/today/kit.pdf",
                 f"/manage/orgs/{org.slug}/key", f"/manage/orgs/{org.slug}/staff",
                 f"/manage/orgs/{org.slug}/settings", f"/manage/orgs/{org.slug}/audit",
                 f"/manage/orgs/{org.slug}/record-of-processing", "/manage/events/new",
                 "/manage/catalogue"):
        assert door.get(path).status_code in (403, 404), path
    dashboard = door.get("/manage/").get_data(as_text=True)
    assert "/manage/events/today/checkin" in dashboard and "/manage/events/later" not in dashboard


def test_a_used_expired_or_forged_link_shows_a_clear_page_and_changes_nothing(
        app, organizer_client):
    token = _invite(organizer_client)
    _, response = _join(app, token)
    assert response.status_code == 302
    for bad in (token, token[:-3] + "xyz", "x"):
        _, response = _join(app, bad, login_name="mallory")
        assert response.status_code == 404
        assert "This link does not work" in response.get_data(as_text=True)
    assert db.session.scalar(select(Organizer).filter_by(login="mallory")) is None


def test_a_removed_account_is_refused_on_its_next_request(app, organizer_client):
    token = _invite(organizer_client, "organizer")
    colleague, _ = _join(app, token, "orga")
    login(colleague, "orga")
    assert colleague.get("/manage/").status_code == 200
    orga = db.session.scalar(select(Organizer).filter_by(login="orga"))
    slug = organizer_client.organization.slug
    response = organizer_client.post_form(f"/manage/orgs/{slug}/staff/{orga.id}/remove")
    assert response.status_code == 302
    response = colleague.get("/manage/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_reset_ends_sessions_and_the_new_link_sets_a_password(app, organizer_client):
    token = _invite(organizer_client, "board")
    colleague, _ = _join(app, token, "bureau")
    login(colleague, "bureau")
    bureau = db.session.scalar(select(Organizer).filter_by(login="bureau"))
    slug = organizer_client.organization.slug
    response = organizer_client.post_form(f"/manage/orgs/{slug}/staff/{bureau.id}/reset?lang=en")
    assert response.status_code == 200
    new_token = LINK.search(response.get_data(as_text=True)).group(1)
    assert colleague.get("/manage/").status_code == 302
    fresh = app.test_client()
    page = fresh.get(f"/join/{new_token}?lang=en").get_data(as_text=True)
    assert "Choose a new password" in page and "bureau" in page
    response = fresh.post_form(f"/join/{new_token}", {"password": "a new long password",
                                                     "confirm": "a new long password"})
    assert response.status_code == 302
    login(fresh, "bureau", "a new long password")
    assert fresh.get(f"/manage/orgs/{slug}/record-of-processing").status_code == 200


def test_the_last_owner_is_kept(organizer_client):
    org, owner = organizer_client.organization, organizer_client.organizer
    response = organizer_client.post_form(
        f"/manage/orgs/{org.slug}/staff/{owner.id}/role?lang=en",
        {f"m{owner.id}-role": "door"})
    assert response.status_code == 409
    assert "at least one owner" in response.get_data(as_text=True)
    assert roles.role_of(owner, org) is Role.OWNER


def test_settings_refuse_a_scripted_svg_and_save_a_clean_one(client, organizer_client,
                                                            make_event):
    org = organizer_client.organization
    make_event(org)
    form = {"name": "Médiathèque", "default_locale": "fr", "default_retention_days": "7",
            "audit_retention_days": "365", "color_primary": "#1a5fb4",
            "color_background": "#f6f5f4"}
    from io import BytesIO

    script = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = organizer_client.post_form(
        f"/manage/orgs/{org.slug}/settings?lang=en",
        {**form, "logo": (BytesIO(script), "logo.svg")})
    assert response.status_code == 400
    assert "it contains a script" in response.get_data(as_text=True)
    db.session.refresh(org)
    assert org.logo is None and org.name != "Médiathèque"

    response = organizer_client.post_form(
        f"/manage/orgs/{org.slug}/settings?lang=en", {**form, "color_primary": "#ffdd00"})
    assert response.status_code == 400 and "WCAG" in response.get_data(as_text=True)

    response = organizer_client.post_form(
        f"/manage/orgs/{org.slug}/settings", {**form, "logo": (BytesIO(SVG_OK), "logo.svg"),
                                              "embed_origins": "https://www.example.org"})
    assert response.status_code == 302
    logo = client.get(f"/orgs/{org.slug}/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/svg+xml"
    assert "default-src 'none'" in logo.headers["Content-Security-Policy"]
    assert "--brand: #1a5fb4" in client.get(f"/orgs/{org.slug}/brand.css").get_data(as_text=True)
    event_page = client.get("/events/cryptoparty/").get_data(as_text=True)
    assert f"/orgs/{org.slug}/brand.css" in event_page and f"/orgs/{org.slug}/logo" in event_page


def test_the_audit_trail_lists_exports_with_the_login_and_minute(organizer_client, make_event):
    org = organizer_client.organization
    make_event(org)
    assert organizer_client.get("/manage/events/cryptoparty/figures.csv").status_code == 200
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.actor_login, entry.action, entry.at) == \
        ("alice", "figures_exported", NOW.replace(second=0, microsecond=0))
    page = organizer_client.get(f"/manage/orgs/{org.slug}/audit?lang=en").get_data(as_text=True)
    assert "alice" in page and "exported figures" in page


def test_an_instance_administrator_creates_an_organization_and_its_first_owner_link(
        app, client, make_organizer):
    make_organizer("admin", is_admin=True)
    login(client, "admin")
    response = client.post_form("/manage/admin", {"slug": "mediatheque", "name": "Médiathèque"})
    assert response.status_code == 200
    token = LINK.search(response.get_data(as_text=True)).group(1)
    owner, response = _join(app, token, "premiere")
    assert response.status_code == 302
    login(owner, "premiere")
    assert owner.get("/manage/orgs/mediatheque/staff").status_code == 200
    assert owner.get("/manage/admin").status_code == 403


def test_the_contact_email_is_shown_on_the_privacy_page(client, make_org):
    org = make_org()
    org.contact_email = "dpo@example.org"
    db.session.commit()
    page = client.get("/privacy").get_data(as_text=True)
    assert "mailto:dpo@example.org" in page and org.name in page


def test_cli_makes_the_first_owner_and_an_instance_administrator(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-organizer", "first", "--org", "bib", "--org-name",
                                 "Bibliothèque", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    first = db.session.scalar(select(Organizer).filter_by(login="first"))
    assert roles.role_of(first, first.organizations[0]) is Role.OWNER and not first.is_admin
    result = runner.invoke(args=["create-organizer", "admin", "--admin", "--password", PASSWORD])
    assert result.exit_code == 0 and "instance administrator" in result.output
    assert db.session.scalar(select(Organizer).filter_by(login="admin")).is_admin


def test_the_demo_has_an_owner_and_a_door_account(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert "accueil" in result.output
    door = db.session.scalar(select(Organizer).filter_by(login="accueil"))
    demo = db.session.scalar(select(Organizer).filter_by(login="demo"))
    organization = demo.organizations[0]
    assert roles.role_of(demo, organization) is Role.OWNER
    assert roles.role_of(door, organization) is Role.DOOR


def test_a_contact_download_is_in_the_audit_trail_and_needs_its_permission(
        app, volunteer_event, make_organizer, now):
    from cryptoparty.accounts import staff
    from cryptoparty.core.openpgp import get_keyring
    from cryptoparty.volunteers import services as volunteers

    org = volunteer_event.organization
    owner = make_organizer("owner", organizations=[org])
    volunteer, _ = volunteers.sign_up(volunteer_event, pseudonym="Ada", now=now,
                                      contact="ada@example.net", keyring=get_keyring(app))
    issued = staff.invite(owner, org, "organizer", now)
    staff.accept(issued.token, now, login="orga", password=PASSWORD)
    orga = app.test_client()
    login(orga, "orga")
    path = f"/manage/volunteers/{volunteer.id}/contact.asc"
    assert orga.get(path).status_code == 403
    owner_client = app.test_client()
    login(owner_client, "owner")
    assert owner_client.get(path).status_code == 200
    entry = db.session.scalar(select(AuditEntry).filter_by(action="contact_read"))
    assert entry.actor_login == "owner" and entry.at == NOW.replace(second=0, microsecond=0)
    assert "Ada" not in entry.object_label and "ada@" not in entry.object_label
    page = owner_client.get(f"/manage/orgs/{org.slug}/audit?lang=en").get_data(as_text=True)
    assert "downloaded a contact" in page and "owner" in page


def _totp_key(page: str) -> str:
    return page.split('class="totp-secret">')[1].split("<")[0]


def _totp_code(secret, at=NOW):
    import pyotp

    return pyotp.TOTP(secret).at(at.replace(tzinfo=timezone.utc))


def test_the_join_page_offers_a_second_factor_set_up_with_the_account(app, organizer_client):
    token = _invite(organizer_client, "door")
    colleague = app.test_client()
    page = colleague.get(f"/join/{token}?lang=en").get_data(as_text=True)
    assert "Second factor (optional)" in page and "<svg" in page  # the QR code, drawn here
    secret = _totp_key(page)
    # The same key on a second look (it waits in the session until the account is made).
    assert _totp_key(colleague.get(f"/join/{token}?lang=en").get_data(as_text=True)) == secret
    form = {"login": "porte", "password": PASSWORD, "confirm": PASSWORD}
    # A wrong code: a clear message, no account, the link still works.
    response = colleague.post_form(f"/join/{token}?lang=en", {**form, "code": "000000"
                                   if _totp_code(secret) != "000000" else "111111"})
    assert response.status_code == 400 and "This code is not valid" in response.get_data(
        as_text=True)
    assert db.session.scalar(select(Organizer).filter_by(login="porte")) is None
    response = colleague.post_form(f"/join/{token}?lang=en", {**form, "code": _totp_code(secret)})
    assert response.status_code == 302
    organizer = db.session.scalar(select(Organizer).filter_by(login="porte"))
    assert organizer.totp_secret == secret and organizer.totp_last_step is not None
    # Logging in now asks for a code; the one used at sign-up is not accepted again.
    fresh = app.test_client()
    response = fresh.post_form("/login", {"login": "porte", "password": PASSWORD})
    assert response.headers["Location"].startswith("/login/code")
    assert fresh.post_form("/login/code?lang=en",
                           {"code": _totp_code(secret)}).status_code == 400
    assert fresh.post_form("/login/code?lang=en", {
        "code": _totp_code(secret, NOW + timedelta(seconds=30))}).status_code == 302


def test_without_a_code_the_account_has_no_second_factor(app, organizer_client):
    token = _invite(organizer_client, "board")
    colleague = app.test_client()
    assert colleague.get(f"/join/{token}").status_code == 200
    _, response = _join(app, token, "sans-code")
    assert response.status_code == 302
    assert db.session.scalar(select(Organizer).filter_by(login="sans-code")).totp_secret is None


def test_a_reset_link_also_offers_the_second_factor(app, organizer_client):
    token = _invite(organizer_client, "organizer")
    _join(app, token, "remise")
    member = db.session.scalar(select(Organizer).filter_by(login="remise"))
    slug = organizer_client.organization.slug
    page = organizer_client.post_form(f"/manage/orgs/{slug}/staff/{member.id}/reset?lang=en")
    new_token = LINK.search(page.get_data(as_text=True)).group(1)
    fresh = app.test_client()
    secret = _totp_key(fresh.get(f"/join/{new_token}?lang=en").get_data(as_text=True))
    response = fresh.post_form(f"/join/{new_token}", {
        "password": "a new long password", "confirm": "a new long password",
        "code": _totp_code(secret)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organizer, member.id).totp_secret == secret

"""Roles, staff links, settings and the audit trail: the services (both databases)."""

import io
from datetime import timedelta

import pytest
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import func, select

from cryptoparty.accounts import audit, roles, settings, staff
from cryptoparty.accounts import services as accounts
from cryptoparty.accounts.models import AuditAction, AuditEntry, Organizer, Role, StaffInvitation
from cryptoparty.accounts.roles import Permission
from cryptoparty.core.errors import Forbidden, InvalidCredentials, NotFound, WeakPassword
from cryptoparty.core.extensions import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def org_and_owner(make_org, make_organizer):
    org = make_org()
    return org, make_organizer("owner", organizations=[org])


def _member(org, login, role, now, **kwargs):
    issued = staff.invite(_owner(org), org, role, now, **kwargs)
    return staff.accept(issued.token, now, login=login, password=PASSWORD)


def _owner(org):
    return db.session.scalar(select(Organizer).filter_by(login="owner"))


# Roles ---------------------------------------------------------------------------------------

def test_existing_and_cli_memberships_are_owners(org_and_owner):
    org, owner = org_and_owner
    assert roles.role_of(owner, org) is Role.OWNER
    for permission in Permission:
        roles.require(owner, org, permission)


def test_each_role_holds_its_permissions_only(org_and_owner, now, make_event):
    org, _owner_account = org_and_owner
    event = make_event(org, starts_in=timedelta(hours=2))
    organizer = _member(org, "orga", "organizer", now)
    door = _member(org, "door", "door", now)
    board = _member(org, "board", "board", now)
    allowed = {
        organizer: {Permission.EVENTS, Permission.FIGURES, Permission.CHECK_IN,
                    Permission.RECORD},
        door: {Permission.CHECK_IN},
        board: {Permission.FIGURES, Permission.RECORD},
    }
    for account, permissions in allowed.items():
        for permission in Permission:
            kwargs = {"event": event, "now": now} if permission is Permission.CHECK_IN else {}
            if permission in permissions:
                roles.require(account, org, permission, **kwargs)
            else:
                with pytest.raises(Forbidden):
                    roles.require(account, org, permission, **kwargs)


def test_a_door_account_reaches_the_door_on_the_event_day_only(org_and_owner, now, make_event):
    org, _ = org_and_owner
    today = make_event(org, slug="today", starts_in=timedelta(hours=2))
    later = make_event(org, slug="later", starts_in=timedelta(days=3))
    door = _member(org, "door", "door", now)
    roles.require(door, org, Permission.CHECK_IN, event=today, now=now)
    with pytest.raises(roles.NotEventDay):
        roles.require(door, org, Permission.CHECK_IN, event=later, now=now)
    # ...and an owner reaches both doors, any day.
    roles.require(_owner(org), org, Permission.CHECK_IN, event=later, now=now)


def test_contacts_are_for_owners_and_the_organizers_they_choose(org_and_owner, now):
    org, _ = org_and_owner
    plain = _member(org, "orga", "organizer", now)
    trusted = _member(org, "trusted", "organizer", now, can_read_contacts=True)
    assert not roles.allows(plain, org, Permission.CONTACTS)
    assert roles.allows(trusted, org, Permission.CONTACTS)
    staff.change_role(_owner(org), org, plain.id, "organizer", now, can_read_contacts=True)
    assert roles.allows(plain, org, Permission.CONTACTS)


def test_another_organization_is_not_found(org_and_owner, make_org):
    _, owner = org_and_owner
    with pytest.raises(NotFound):
        roles.require(owner, make_org(slug="other"), Permission.EVENTS)


# Links ---------------------------------------------------------------------------------------

def test_an_invitation_stores_only_a_keyed_hash_and_works_once(org_and_owner, now):
    org, owner = org_and_owner
    issued = staff.invite(owner, org, "door", now)
    row = db.session.scalar(select(StaffInvitation))
    assert issued.token not in repr(tuple(db.session.execute(
        select(StaffInvitation.__table__)).first()))
    assert row.token_hash == staff.token_hash(issued.token) != issued.token
    assert row.expires_at == now + timedelta(days=7)
    account = staff.accept(issued.token, now, login="Door.One", password=PASSWORD)
    assert account.login == "door.one"
    assert roles.role_of(account, org) is Role.DOOR
    assert accounts.authenticate("door.one", PASSWORD).id == account.id
    with pytest.raises(staff.InvalidInvitation):
        staff.accept(issued.token, now, login="door.two", password=PASSWORD)
    assert db.session.scalar(select(func.count()).select_from(Organizer)) == 2


@pytest.mark.parametrize("case", ["expired", "forged", "empty"])
def test_expired_or_forged_links_change_nothing(org_and_owner, now, case):
    org, owner = org_and_owner
    issued = staff.invite(owner, org, "organizer", now)
    token, when = issued.token, now
    if case == "expired":
        when = now + timedelta(days=7)
    elif case == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    else:
        token = ""
    with pytest.raises(staff.InvalidInvitation):
        staff.accept(token, when, login="mallory", password=PASSWORD)
    assert db.session.scalar(select(func.count()).select_from(Organizer)) == 1
    assert db.session.scalar(select(StaffInvitation.used_at)) is None


def test_a_refused_password_leaves_the_link_usable(org_and_owner, now):
    org, owner = org_and_owner
    issued = staff.invite(owner, org, "board", now)
    with pytest.raises(WeakPassword):
        staff.accept(issued.token, now, login="short", password="too short")
    with pytest.raises(staff.InvalidLogin):
        staff.accept(issued.token, now, login="No Spaces!", password=PASSWORD)
    assert staff.accept(issued.token, now, login="board", password=PASSWORD).login == "board"


def test_a_reset_kills_the_old_password_and_sessions(org_and_owner, now):
    org, owner = org_and_owner
    colleague = _member(org, "orga", "organizer", now)
    old_token = colleague.session_token
    issued = staff.reset(owner, org, colleague.id, now)
    db.session.refresh(colleague)
    assert colleague.session_token != old_token
    with pytest.raises(InvalidCredentials):
        accounts.authenticate("orga", PASSWORD)
    staff.accept(issued.token, now, password=NEW_PASSWORD)
    assert accounts.authenticate("orga", NEW_PASSWORD).id == colleague.id
    assert roles.role_of(colleague, org) is Role.ORGANIZER


# Owners --------------------------------------------------------------------------------------

def test_the_last_owner_cannot_be_demoted_or_removed(org_and_owner, now):
    org, owner = org_and_owner
    with pytest.raises(staff.LastOwner):
        staff.change_role(owner, org, owner.id, "organizer", now)
    with pytest.raises(staff.LastOwner):
        staff.remove(owner, org, owner.id, now)
    assert roles.role_of(owner, org) is Role.OWNER


def test_two_owners_demoting_each_other_leave_one_owner(org_and_owner, now):
    org, owner = org_and_owner
    second = _member(org, "second", "owner", now)
    staff.change_role(owner, org, second.id, "organizer", now)
    with pytest.raises(staff.LastOwner):
        staff.change_role(second, org, owner.id, "organizer", now)
    owners = [m for m in staff.staff_of(org) if m.role is Role.OWNER]
    assert [m.organizer.login for m in owners] == ["owner"]


def test_removing_an_account_deletes_it_when_it_has_no_other_organization(
        org_and_owner, now, make_org):
    org, owner = org_and_owner
    colleague = _member(org, "orga", "organizer", now)
    colleague_id = colleague.id
    staff.remove(owner, org, colleague_id, now)
    assert db.session.get(Organizer, colleague_id) is None
    entry = db.session.scalar(select(AuditEntry).filter_by(action=AuditAction.REMOVED))
    assert (entry.actor_login, entry.object_label) == ("owner", "orga")


# Settings ------------------------------------------------------------------------------------

def _png(size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#1a5fb4").save(out, format="PNG", pnginfo=None)
    return out.getvalue()


SVG_OK = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
          b'<defs><linearGradient id="g"><stop offset="0" stop-color="#000"/></linearGradient>'
          b'</defs><rect width="10" height="10" fill="url(#g)"/></svg>')


@pytest.mark.parametrize("svg, reason", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "script"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect onload="x()"/></svg>', "event handler"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/t.png"/>'
     b'</svg>', "outside"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
     b'<use xlink:href="https://evil.example/s.svg#a"/></svg>', "outside"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://e.example/c.css);'
     b'</style></svg>', "outside"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://e.example/x)"/>'
     b'</svg>', "outside"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p xmlns="http://www.w3.org/1999/'
     b'xhtml">x</p></foreignObject></svg>', "not allowed"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/'
     b'2000/svg"><text>&a;</text></svg>', "entities"),
    (b"<html><body>not svg</body></html>", "not an SVG"),
])
def test_unsafe_svg_logos_are_refused_with_the_reason(svg, reason, app):
    with force_locale("en"), pytest.raises(settings.InvalidLogo) as refused:
        settings.clean_logo(svg)
    with force_locale("en"):
        assert reason in refused.value.describe()


def test_logos_are_reencoded_or_sanitised(app):
    data, kind = settings.clean_logo(SVG_OK)
    assert kind == "image/svg+xml" and b"<rect" in data and b"url(#g)" in data
    data, kind = settings.clean_logo(_png() + b"trailing bytes")
    assert kind == "image/png" and b"trailing bytes" not in data
    assert Image.open(io.BytesIO(data)).size == (40, 20)
    big, _ = settings.clean_logo(_png((3000, 100)))
    assert Image.open(io.BytesIO(big)).size[0] == settings.LOGO_MAX_SIDE
    for bad in (b"GIF89a...", b"", b"\x00" * (settings.LOGO_MAX_BYTES + 1)):
        with pytest.raises(settings.InvalidLogo):
            settings.clean_logo(bad)


def test_colours_must_meet_wcag_aa():
    assert round(settings.contrast("#000000", "#ffffff"), 1) == 21.0
    assert settings.check_colors("#1A5FB4", "#F6F5F4") == ("#1a5fb4", "#f6f5f4")
    with pytest.raises(settings.LowContrast):
        settings.check_colors("#ffdd00", None)  # yellow under white text
    with pytest.raises(settings.LowContrast):
        settings.check_colors("#1a5fb4", "#2a6fc4")
    with pytest.raises(settings.InvalidColor):
        settings.check_colors("blue", None)


def test_embedding_origins_are_bare_https_origins():
    assert settings.clean_origins("https://WWW.Example.org\nhttps://a.example:8443/ "
                                  "https://www.example.org") == \
        "https://www.example.org\nhttps://a.example:8443"
    for bad in ("http://example.org", "https://example.org/page", "https://*.example.org",
                "https://user@example.org", "javascript:alert(1)", "https://example.org?x=1"):
        with pytest.raises(settings.InvalidOrigin):
            settings.clean_origins(bad)


def test_settings_are_saved_together_or_not_at_all(org_and_owner, now):
    org, owner = org_and_owner
    with pytest.raises(settings.InvalidOrigin):
        settings.update_settings(owner, org, now, name="Renamed", color_primary="#1a5fb4",
                                 embed_origins="http://insecure.example")
    db.session.refresh(org)
    assert org.name != "Renamed" and org.color_primary is None
    settings.update_settings(owner, org, now, name="Renamed", color_primary="#1a5fb4",
                             contact_email="dpo@example.org", default_retention_days=14,
                             embed_origins="https://www.example.org", logo=SVG_OK)
    db.session.refresh(org)
    assert (org.name, org.color_primary, org.default_retention_days, org.logo_type) == \
        ("Renamed", "#1a5fb4", 14, "image/svg+xml")
    assert org.allowed_embed_origins == ["https://www.example.org"]


# Audit trail ---------------------------------------------------------------------------------

def test_audit_entries_are_kept_to_the_minute_and_purged_after_retention(org_and_owner, now):
    org, owner = org_and_owner
    audit.record(owner, org, AuditAction.PUBLISHED, "cryptoparty", now.replace(second=42))
    audit.record(owner, org, AuditAction.FIGURES_EXPORTED, "x.csv", now + timedelta(days=300))
    first = audit.entries(org)[-1]
    assert first.at == now.replace(second=0, microsecond=0) and first.actor_login == "owner"
    assert audit.purge(now + timedelta(days=364)) == 0
    assert audit.purge(now + timedelta(days=366)) == 1
    assert [e.action for e in audit.entries(org)] == ["figures_exported"]


def test_flask_purge_removes_audit_entries_past_the_organization_retention(
        app, org_and_owner, now):
    org, owner = org_and_owner
    org.audit_retention_days = 30
    audit.record(owner, org, AuditAction.CONTACT_READ, "volunteer 1", now)
    audit.record(owner, org, AuditAction.PUBLISHED, "cryptoparty", now + timedelta(days=20))
    db.session.commit()
    runner = app.test_cli_runner()
    day = (now + timedelta(days=29)).date().isoformat()
    result = runner.invoke(args=["purge", "--now", day])
    assert result.exit_code == 0 and "0 audit trail entr(y/ies)" in result.output, result.output
    day = (now + timedelta(days=31)).date().isoformat()
    result = runner.invoke(args=["purge", "--now", day])
    assert result.exit_code == 0 and "1 audit trail entr(y/ies)" in result.output, result.output
    db.session.expire_all()
    assert [e.action for e in audit.entries(org)] == ["published"]


def test_audit_purge_keeps_each_organization_to_its_own_retention(make_org, make_organizer,
                                                                   now):
    short, long_ = make_org(slug="short", name="Short"), make_org(slug="long", name="Long")
    short.audit_retention_days, long_.audit_retention_days = 30, 400
    db.session.commit()
    for org in (short, long_):
        owner = make_organizer(f"owner-{org.slug}", organizations=[org])
        audit.record(owner, org, AuditAction.PUBLISHED, "cryptoparty", now)
    assert audit.purge(now + timedelta(days=29)) == 0
    assert audit.purge(now + timedelta(days=31)) == 1  # the short retention's entry only
    assert audit.entries(short) == [] and len(audit.entries(long_)) == 1
    assert audit.purge(now + timedelta(days=401)) == 1 and audit.entries(long_) == []
